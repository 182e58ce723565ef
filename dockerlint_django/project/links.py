"""Which image each Compose service runs, and how it is built.

A service that has ``build:`` runs the Dockerfile ``build.dockerfile`` names, relative to
``build.context`` (compose-go resolves the context against the project directory and the
Dockerfile against the context; an absolute ``dockerfile`` stands alone), or the text of
``build.dockerfile_inline``; ``build.target`` picks its final stage and ``build.args`` feed its
ARGs. A service without ``build:`` runs a built image when its ``image:`` names one that another
service of the project builds: Compose tags a built image with that service's ``image:``, or
``<project>-<service>`` when it has none.

Nothing here reads a file: a Dockerfile that does not exist is the engine's to report.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from dockerlint_django._record import field, record

if TYPE_CHECKING:
    from dockerlint_django.compose.model import Build, Project, Service, Value


@record
class ImageBuild:
    """How a service's image is built, as far as the project shows it."""

    builder: str  # the service whose `build:` this is
    context: Path  # absolute build context folder
    dockerfile: Path | None  # absolute; None for dockerfile_inline
    inline: Value | None = None
    target: str | None = None
    # --build-arg values; None: an argument whose value is not known here (an unset variable,
    # or `args: [NAME]` taken from the builder's own environment).
    args: dict[str, str | None] = field(default_factory=dict)
    build: Build | None = field(default=None, compare=False, repr=False)

    def key(self) -> tuple[object, ...]:
        """What decides the image: two services with the same key run the same image."""
        return (
            self.context,
            self.dockerfile,
            None if self.inline is None else self.inline.value,
            self.target,
            tuple(sorted(self.args.items(), key=lambda kv: kv[0])),
        )


@record
class ServiceLink:
    service: Service
    image: ImageBuild | None
    # Why there is no image to read when ``image`` is None; how it was linked otherwise.
    reason: str


def _known(value: Value | None) -> str | None:
    if value is None or value.unset:
        return None
    return value.value


def image_build(service: Service) -> ImageBuild | str | None:
    """The service's own build, None when it has no ``build:``, or why it cannot be read."""
    build = service.build
    if build is None:
        return None
    if build.is_remote:
        return f"builds from a remote context ({build.context.value})"
    context_text = _known(build.context)
    if context_text is None:
        return "its build context depends on a variable with no value here"
    context = Path(os.path.normpath(context_text))
    inline = build.dockerfile_inline
    dockerfile: Path | None = None
    if inline is None:
        name = "Dockerfile" if build.dockerfile is None else _known(build.dockerfile)
        if name is None:
            return "its Dockerfile name depends on a variable with no value here"
        dockerfile = Path(os.path.normpath(context / name))
    elif inline.unset:
        return "its dockerfile_inline depends on a variable with no value here"
    target = None
    if build.target is not None:
        target = _known(build.target)
        if target is None:
            return "its build target depends on a variable with no value here"
    args: dict[str, str | None] = {}
    for name, value in build.args.items():
        args[name] = _known(value)
    return ImageBuild(service.name, context, dockerfile, inline, target, args, build)


def image_name(project: Project, service: Service) -> str:
    """The name Compose tags a service's built image with."""
    if service.image is not None and not service.image.unset:
        return service.image.value
    return f"{project.name}-{service.name}"


def link_services(project: Project) -> list[ServiceLink]:
    """Every service of the project, whatever its profile, with the image it runs."""
    built: dict[str, ImageBuild] = {}
    own: dict[str, ImageBuild | str | None] = {}
    for name, service in project.services.items():
        found = image_build(service)
        own[name] = found
        if isinstance(found, ImageBuild):
            built.setdefault(image_name(project, service), found)
    links: list[ServiceLink] = []
    for name, service in project.services.items():
        found = own[name]
        if isinstance(found, ImageBuild):
            links.append(ServiceLink(service, found, "builds it"))
        elif isinstance(found, str):
            links.append(ServiceLink(service, None, found))
        elif service.image is None:
            links.append(ServiceLink(service, None, "has neither build: nor image:"))
        elif service.image.unset:
            links.append(ServiceLink(service, None, "its image: depends on an unset variable"))
        elif service.image.value in built:
            other = built[service.image.value]
            links.append(
                ServiceLink(service, other, f"runs {service.image.value}, built by {other.builder}")
            )
        else:
            links.append(ServiceLink(service, None, f"runs {service.image.value}, not built here"))
    return links
