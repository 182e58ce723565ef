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

from dockerlint_django._record import field, record
from dockerlint_django.dockerfile.model import Command
from dockerlint_django.shell.syntax import Word
from dockerlint_django.source import Span


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
    return entry, cmd
