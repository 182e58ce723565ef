"""What a container runs: its image's settings with a Compose service's settings over them.

Docker and Compose replace an image's settings field by field when a service sets them:
``entrypoint``, ``command``, ``user``, ``working_dir``, ``stop_signal`` and ``healthcheck`` replace
the image's ENTRYPOINT, CMD, USER, WORKDIR, STOPSIGNAL and HEALTHCHECK; ``env_file`` and then
``environment`` are layered over the image's ENV. A ``RuntimeLayer`` holds what a service sets,
already in workspace offsets (``project.workspace``), so that the analysis can apply it to the
stage the service runs and every rule judges the result the way it judges an image alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from dockerlint_django._record import field, record
from dockerlint_django.dockerfile.model import Command
from dockerlint_django.shell.syntax import Word
from dockerlint_django.source import Mapped, Span

if TYPE_CHECKING:
    # Only a service's layer needs the Compose model: an image alone never imports it.
    from dockerlint_django.compose.model import Command as ComposeCommand
    from dockerlint_django.compose.model import Service, Value
    from dockerlint_django.compose.nodes import Origin
    from dockerlint_django.project.workspace import Workspace


@record
class RuntimeValue:
    """A value a service sets; ``value`` None when it is not known (an unset variable)."""

    value: str | None
    span: Span  # workspace span of the value as written
    key_span: Span  # workspace span of the key (`stop_signal:`), where findings about it point
    layer: str = "compose"  # "environment", "env_file <path>", or the Compose key


@record
class EnvValue:
    """One container environment variable and the layer that set it last."""

    value: str | None
    span: Span | None  # workspace span of the value; None for an image ENV without a source
    layer: str  # "image ENV", "env_file <path>", "environment"
    mapped: Word | None = None
    # Variables with no value here that the written value depends on (a deployment sets them).
    unset: tuple[str, ...] = ()


@record
class RuntimeLayer:
    """What one Compose service sets over its image. ``None`` fields leave the image's value."""

    service: str
    entrypoint: Command | None = None  # exec-form, as Compose passes it (no SHELL, F-10)
    command: Command | None = None
    environment: Mapping[str, EnvValue] = field(default_factory=dict)  # env_file < environment
    user: RuntimeValue | None = None
    working_dir: RuntimeValue | None = None
    stop_signal: RuntimeValue | None = None
    stop_grace_period: RuntimeValue | None = None
    init: RuntimeValue | None = None
    # False when an env file the service names is missing here: a variable not in
    # ``environment`` may still be set in the container.
    environment_complete: bool = True


def merge_start(
    image_entrypoint: Command | None,
    image_cmd: Command | None,
    layer: RuntimeLayer | None,
) -> tuple[Command | None, Command | None]:
    """ENTRYPOINT and CMD as the Docker daemon combines a container's config with its image's.

    The daemon (``daemon/create.go`` ``merge``) takes the image's CMD only when the container sets
    no entrypoint words and no command words, and the image's ENTRYPOINT only when the container
    leaves it unset. So a Compose ``entrypoint`` drops the image's CMD (Compose documents this),
    and ``command: []`` with no entrypoint is the image's CMD again.
    """
    if layer is None:
        return image_entrypoint, image_cmd
    entry = layer.entrypoint
    cmd = layer.command
    if entry is None or not entry.argv:
        if cmd is None or not cmd.argv:
            cmd = image_cmd
        if entry is None:
            entry = image_entrypoint
    return entry, cmd


def _origin_span(workspace: Workspace, origin: Origin | None) -> Span | None:
    if origin is None:
        return None
    return workspace.to_workspace(origin.source, origin.span)


def _word(workspace: Workspace, value: str | None, origin: Origin | None) -> Word:
    """A Compose value as a shell word in workspace offsets (no shell ever sees it).

    When the written text is the value itself (a plain scalar, or a word split from one) each
    character maps to its own place; otherwise (quotes, escapes, interpolation) every character
    points at the whole written value, so a finding still lands on the right line.
    """
    span = _origin_span(workspace, origin)
    if span is None:
        return Word.synthetic(value or "", 0)
    assert origin is not None
    written = origin.source.slice(origin.span)
    raw = Mapped.from_source(written, span.start)
    if value is None:
        return Word(raw, None, None, Mapped.empty_at(span.start))
    if written == value:
        return Word.literal(raw)
    n = len(value)
    mapped = Mapped(value, [span.start] * n, [span.end] * n) if n else Mapped.empty_at(span.start)
    return Word(raw, value, mapped, mapped, quoted=True)


def _command(workspace: Workspace, keyword: str, command: ComposeCommand | None) -> Command | None:
    if command is None:
        return None
    words = tuple(_word(workspace, None if w.unset else w.value, w.origin) for w in command.words)
    return Command(keyword, None, True, words, None)


def _value(
    workspace: Workspace, service: Service, key: str, value: Value | None
) -> RuntimeValue | None:
    if value is None:
        return None
    span = _origin_span(workspace, value.origin) or Span(0, 0)
    key_span = _origin_span(workspace, service.origin_of(key)) or span
    return RuntimeValue(None if value.unset else value.value, span, key_span, key)


def runtime_layer(service: Service, workspace: Workspace) -> RuntimeLayer:
    """What ``service`` sets over its image, every span moved into ``workspace`` offsets."""
    from dockerlint_django.compose.model import Value

    env: dict[str, EnvValue] = {}
    for name, var in service.environment.items():
        value = None if var.unset else var.value
        layer = "environment" if var.layer == "environment" else f"env_file {var.file}"
        where = var.value_origin or var.origin
        word = _word(workspace, value, where) if where is not None else None
        env[name] = EnvValue(value, _origin_span(workspace, where), layer, word, var.unset)
    grace = service.stop_grace_period
    return RuntimeLayer(
        service.name,
        environment_complete=not service.missing_env_files,
        entrypoint=_command(workspace, "ENTRYPOINT", service.entrypoint),
        command=_command(workspace, "CMD", service.command),
        environment=env,
        user=_value(workspace, service, "user", service.user),
        working_dir=_value(workspace, service, "working_dir", service.working_dir),
        stop_signal=_value(workspace, service, "stop_signal", service.stop_signal),
        stop_grace_period=None
        if grace is None
        else _value(
            workspace,
            service,
            "stop_grace_period",
            Value(grace.text, grace.origin, grace.unset),
        ),
        init=None if service.init is None else _init(service, workspace),
    )


def _init(service: Service, workspace: Workspace) -> RuntimeValue:
    # `init:` is a boolean, whose key is the only place to point at.
    at = _origin_span(workspace, service.origin_of("init")) or Span(0, 0)
    return RuntimeValue("true" if service.init else "false", at, at, "init")
