"""Helpers for image rules that also judge a Compose service's view: which of the words a rule
judges the service wrote, and where.

The engine runs an image rule's ``check`` over each service's view (the image with the service's
settings over it); these tell a rule whether a start command is the service's, name its file and
key for messages, and give the related place at the image's instruction it replaces.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from dockerlint_django.analysis import Analysis
from dockerlint_django.dockerfile.model import Command, Stage
from dockerlint_django.rules._base import Related
from dockerlint_django.shell.launch import Launch, resolve_launch
from dockerlint_django.shell.syntax import WordLike
from dockerlint_django.source import Span

if TYPE_CHECKING:
    from dockerlint_django.service import ServiceView


def service_key(a: Analysis, command: Command | None) -> str | None:
    """``"command"`` or ``"entrypoint"`` when ``command`` is what a Compose service sets over
    the image (``a.runtime``); None for the image's own (or a base image's)."""
    runtime = a.runtime
    if runtime is None or command is None:
        return None
    if command is runtime.command:
        return "command"
    if command is runtime.entrypoint:
        return "entrypoint"
    return None


def file_name(a: Analysis, span: Span) -> str:
    """The name of the file a workspace span lies in (``compose.yaml``)."""
    return PurePosixPath(a.workspace.locate(span)[0].path.replace("\\", "/")).name


def service_label(a: Analysis, command: Command) -> str:
    """How a message names a start command: ``compose.yaml's `command:` `` for a service's,
    ``CMD``/``ENTRYPOINT`` for the image's."""
    key = service_key(a, command)
    if key is None or not command.argv:
        return command.keyword
    return f"{file_name(a, command.argv[0].span)}'s `{key}:`"


def command_span(a: Analysis, command: Command | None, stage: Stage) -> Span:
    """Where a finding about a start command points: its instruction, the words a Compose
    service wrote, else the stage's FROM."""
    if command is not None and command.instruction is not None:
        return command.instruction.span
    if command is not None and command.argv and service_key(a, command) is not None:
        return command.argv[0].span.cover(command.argv[-1].span)
    return stage.from_.span


def replaced(a: Analysis, command: Command | None) -> tuple[Related, ...]:
    """The image's instruction a service's ``command:``/``entrypoint:`` replaces, as a related
    place: which layer wins."""
    key = service_key(a, command)
    final = a.dockerfile.final
    if key is None or final is None:
        return ()
    state = final.final_state
    image = state.cmd if key == "command" else state.entrypoint
    if image is None or image.instruction is None:
        if key == "entrypoint" and state.cmd is not None and state.cmd.instruction is not None:
            return (
                Related(
                    state.cmd.instruction.span,
                    "the image's CMD, which Compose drops when a service sets `entrypoint:`",
                ),
            )
        return ()
    return (
        Related(
            image.instruction.span,
            f"the image's {image.keyword}, which the service's `{key}:` replaces",
        ),
    )


def service_sources(a: Analysis) -> frozenset[str]:
    """The files a Compose service's settings come from (Compose files, env files)."""
    runtime = a.runtime
    if runtime is None:
        return frozenset()
    spans: list[Span] = []
    for command in (runtime.command, runtime.entrypoint):
        if command is not None:
            spans.extend(w.span for w in command.argv)
    spans.extend(v.span for v in runtime.environment.values() if v.span is not None)
    for value in (runtime.user, runtime.working_dir, runtime.stop_signal):
        if value is not None:
            spans.append(value.span)
    return frozenset(a.workspace.locate(s)[0].path for s in spans)


def from_service(a: Analysis, span: Span) -> bool:
    """The span lies in a file a Compose service's settings come from: a finding there is the
    service's. Anything else (the Dockerfile, an entrypoint script) is the image's own, which
    the image's check reports."""
    return a.runtime is not None and a.workspace.locate(span)[0].path in service_sources(a)


def image_less_launch(view: ServiceView) -> tuple[Launch, dict[int, str]] | None:
    """What a service whose image is not built here runs, by its own ``entrypoint:`` and
    ``command:`` (an image's ENTRYPOINT, unknown here, may run in front of a ``command:``); and
    which of the words each key wrote (``id(word)`` → ``"command"``). None when the service sets
    no command, or its image is known (the image's check judges the service's view then)."""
    if view.analysis is not None:
        return None
    layer = view.layer
    entry, cmd = layer.entrypoint, layer.command
    keys: dict[int, str] = {}
    if entry is not None and entry.argv:
        argv: tuple[WordLike, ...] = (*entry.argv, *(cmd.argv if cmd is not None else ()))
        keys.update((id(w), "entrypoint") for w in entry.argv)
    elif cmd is not None and cmd.argv:
        argv = cmd.argv
    else:
        return None
    if cmd is not None:
        keys.update((id(w), "command") for w in cmd.argv)
    return resolve_launch(argv), keys


def view_file_name(view: ServiceView, span: Span) -> str:
    """The name of the file a workspace span of the service lies in."""
    return PurePosixPath(view.workspace.locate(span)[0].path.replace("\\", "/")).name


def key_at(view: ServiceView, word: WordLike | None) -> str | None:
    """The key (``"command"``, ``"entrypoint"``) of the service whose written words hold
    ``word``: one of them, or a word of a ``sh -c`` string in one. None for any other word."""
    if word is None:
        return None
    layer = view.layer
    span = word.span
    for key, command in (("entrypoint", layer.entrypoint), ("command", layer.command)):
        if command is None:
            continue
        for w in command.argv:
            if w is word or (w.span.start <= span.start and span.end <= w.span.end):
                return key
    return None
