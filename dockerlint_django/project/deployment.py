"""A deployment: one Compose project (a set of Compose files) and the images its services build.

``load_deployment`` reads a Compose file set exactly as Docker Compose would (``compose.loader``)
and links every service to the Dockerfile it builds; ``plan_builds`` then says, for each Dockerfile
a check will read, with which build contexts, targets and build arguments it is built. A
Dockerfile no service builds is read as before: its folder is its build context, its last stage
its image.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from dockerlint_django._record import field, record
from dockerlint_django.compose.model import Project
from dockerlint_django.compose.nodes import ComposeError
from dockerlint_django.config import DEFAULT_MAX_FILE_BYTES
from dockerlint_django.project.links import ImageBuild, ServiceLink, link_services


@record
class Deployment:
    files: tuple[Path, ...]  # the Compose files as named (empty: discovered in working_dir)
    project: Project | None = None
    error: ComposeError | None = None
    links: tuple[ServiceLink, ...] = ()
    # The error may only be for want of values: the variables it met that had none here.
    needs_values: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        if self.project is not None:
            return self.project.name
        return ", ".join(p.as_posix() for p in self.files)


@record
class LoadSettings:
    """What the command line and the configuration say about every Compose project."""

    working_dir: Path
    env_files: tuple[Path, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    project_directory: Path | None = None
    project_name: str | None = None
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES


def load_deployment(
    files: Sequence[Path], settings: LoadSettings, overlay: Mapping[str, str] | None = None
) -> Deployment:
    """The Compose project ``files`` form (merged in order), its services linked to their images.

    ``overlay`` gives texts to read instead of the files on disk (absolute path to text).
    """
    from dockerlint_django.compose.loader import LoadOptions, load_project

    options = LoadOptions(
        working_dir=settings.working_dir,
        files=tuple(files),
        project_directory=settings.project_directory,
        project_name=settings.project_name,
        env_files=settings.env_files,
        environment=dict(settings.environment),
        # A checkout rarely has the `.env` files a deployment supplies: read on without them.
        missing_env_files="unknown",
        required_variables=False,
        overlay=dict(overlay or {}),
        max_file_bytes=settings.max_file_bytes,
    )
    try:
        project = load_project(options)
    except ComposeError as exc:
        return Deployment(tuple(files), error=exc, needs_values=getattr(exc, "unset_variables", ()))
    except RecursionError:
        # A last guard: the readers are iterative, but nothing hostile may end the whole run.
        first = files[0].as_posix() if files else str(settings.working_dir)
        return Deployment(tuple(files), error=ComposeError("nested too deeply to read", first))
    return Deployment(tuple(files), project, None, tuple(link_services(project)))


def plan_builds(deployments: Iterable[Deployment]) -> dict[Path, list[ImageBuild]]:
    """For each Dockerfile a service builds (resolved path): its distinct builds, in order."""
    plans: dict[Path, list[ImageBuild]] = {}
    for deployment in deployments:
        for link in deployment.links:
            build = link.image
            if build is None or build.dockerfile is None or link.service.build is None:
                continue  # inline Dockerfiles and images built elsewhere have no file to read
            if build.builder != link.service.name:
                continue  # a service running another service's image adds no build
            key = Path(os.path.realpath(build.dockerfile))
            builds = plans.setdefault(key, [])
            if all(b.key() != build.key() for b in builds):
                builds.append(build)
    return plans
