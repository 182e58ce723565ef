"""What a Compose rule sees of one service: its settings, and what runs in its container.

A ``ServiceView`` joins the Compose service (``compose.model.Service``), the settings it lays over
its image (``project.view.RuntimeLayer``) and, when the project builds that image from a
Dockerfile here, the image's analysis with those settings applied, so that the start command,
Gunicorn's settings, the user and the stop signal are the container's, not the image's.
Every span a rule gets from here is a workspace span (``project.workspace``): it may lie in a
Compose file, the Dockerfile or a script, and the engine reports it in the right file.

Nothing here reads a file or imports the Compose reader at run time: the engine builds the view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockerlint_django._record import LazyPattern
from dockerlint_django.source import Span

if TYPE_CHECKING:
    from dockerlint_django.analysis import Analysis, Start
    from dockerlint_django.compose.model import Project, Service
    from dockerlint_django.compose.nodes import Node, Origin
    from dockerlint_django.dockerfile.model import Stage
    from dockerlint_django.gunicorn import GunicornSettings
    from dockerlint_django.project.links import ServiceLink
    from dockerlint_django.project.view import EnvValue, RuntimeLayer
    from dockerlint_django.project.workspace import Workspace

# Images whose names say they run a Django app (the OCP naming: `<name>-django`), for a
# service whose image is built elsewhere.
_DJANGO_IMAGE = LazyPattern(r"(?:^|[/_-])django(?:[:@]|$)")
_RUNSERVER = LazyPattern(r"(^|\s)(runserver|runserver_plus)(\s|$)")


class ServiceView:
    def __init__(
        self,
        project: Project,
        link: ServiceLink,
        layer: RuntimeLayer,
        workspace: Workspace,
        analysis: Analysis | None,
    ) -> None:
        self.project = project
        self.link = link
        self.service: Service = link.service
        self.layer = layer
        self.workspace = workspace
        # The image with this service's settings over it; None when its Dockerfile is not here
        # (an image from a registry, an inline Dockerfile, one that does not parse).
        self.analysis = analysis
        self._start_done = False
        self._start: Start | None = None

    @property
    def name(self) -> str:
        return self.service.name

    # -- spans ------------------------------------------------------------------------------

    def span(self, origin: Origin | None) -> Span | None:
        """A Compose value's place as a workspace span."""
        if origin is None:
            return None
        return self.workspace.to_workspace(origin.source, origin.span)

    def node_span(self, node: Node | None) -> Span | None:
        return None if node is None else self.span(node.origin)

    def key_span(self, key: str) -> Span | None:
        """The span of the service's ``key:``, None when no file wrote it."""
        return self.span(self.service.origin_of(key))

    @property
    def anchor(self) -> Span:
        """Where a finding about the service as a whole points: its name in the file."""
        return self.span(self.service.origin) or Span(0, 0)

    def text(self, span: Span) -> str:
        source, local = self.workspace.locate(span)
        return source.slice(local)

    # -- the image and what runs ------------------------------------------------------------

    @property
    def stage(self) -> Stage | None:
        """The stage the container runs: the build's target, else the last stage."""
        return None if self.analysis is None else self.analysis.dockerfile.final

    def start(self) -> Start | None:
        """ENTRYPOINT and CMD as the container runs them: the service's over the image's.

        Without the image, only a service that sets both, or an ``entrypoint`` (which drops
        the image's CMD), is known.
        """
        if self._start_done:
            return self._start
        self._start_done = True
        stage = self.stage
        if self.analysis is not None and stage is not None:
            self._start = self.analysis.start(stage)
        return self._start

    def gunicorn(self) -> GunicornSettings | None:
        """Gunicorn's settings in the container; None when it does not run Gunicorn (or the
        image is not known here)."""
        stage = self.stage
        if self.analysis is None or stage is None:
            return None
        return self.analysis.gunicorn(stage)

    def env(self, name: str) -> EnvValue | None:
        """The variable as the service sets it (``env_file``, then ``environment``)."""
        return self.layer.environment.get(name)

    def image_env(self, name: str) -> str | None:
        """The image's ENV value (None: not set, or not known)."""
        stage = self.stage
        if stage is None:
            return None
        return stage.final_state.env.get(name)

    @property
    def image_known(self) -> bool:
        return self.stage is not None

    @property
    def image_name(self) -> str | None:
        image = self.service.image
        return None if image is None or image.unset else image.value

    def runs_django(self) -> bool | None:
        """Whether the container runs a Django app: its image's stage is a Django one, or an
        image built elsewhere is named like one. None: cannot be told."""
        stage = self.stage
        if self.analysis is not None and stage is not None:
            return self.analysis.is_django_stage(stage)
        name = self.image_name
        if name is not None and _DJANGO_IMAGE.search(name.lower()):
            return True
        return None

    def development_setup(self, *, runserver: bool = True) -> str | None:
        """Why the service is plainly set up for development, whatever its file is called.

        It mounts the project's source from the host over the image's code (`.:/app`), builds a
        target named for development, reads an env file named for development, or (unless
        ``runserver`` is False, for the rule about runserver itself) serves with Django's
        development server.
        """
        import os
        import posixpath

        from dockerlint_django.compose.nodes import Mapping as MappingNode
        from dockerlint_django.compose.nodes import Scalar
        from dockerlint_django.compose.nodes import Sequence as SequenceNode
        from dockerlint_django.project.development import development_reason

        if runserver:
            start = self.start()
            words = [
                w.value
                for c in (self.service.entrypoint, self.service.command)
                if c is not None
                for w in c.words
            ]
            if (start is not None and start.launch.kind == "runserver") or any(
                _RUNSERVER.search(w) for w in words
            ):
                return f"{self.name} runs manage.py runserver, a development setup"
        build = self.service.build
        target = build.target if build is not None else None
        if target is not None and not target.unset and development_reason(target.value):
            return f"{self.name} builds the development target {target.value}"
        for ref in self.service.env_file:
            name = posixpath.basename(ref.path.replace("\\", "/"))
            if development_reason(name) is not None:
                return f"{self.name} reads the development env file {name}"
        folders = {os.path.normpath(self.project.working_dir)}
        if self.link.image is not None and build is not None:
            folders.add(os.path.normpath(str(self.link.image.context)))
        stage = self.stage
        workdir = stage.final_state.workdir if stage is not None else None
        node = self.service.get("volumes")
        for item in node.items if isinstance(node, SequenceNode) else ():
            if not isinstance(item, MappingNode):
                continue
            kind, source, dest = (item.get(k) for k in ("type", "source", "target"))
            if not (isinstance(kind, Scalar) and kind.text() == "bind"):
                continue
            if not isinstance(source, Scalar) or not isinstance(dest, Scalar) or source.unset:
                continue
            mounted = os.path.normpath(source.text())
            code = mounted in folders or any(mounted == os.path.dirname(f) for f in folders)
            over_workdir = workdir is not None and posixpath.normpath(
                dest.text()
            ) == posixpath.normpath(workdir)
            if code or over_workdir:
                written = self.span(item.origin)
                shown = " ".join(self.text(written).split()) if written is not None else dest.text()
                return f"{self.name} mounts its source from the host ({shown}), a development setup"
        return None
