"""Whether a command's failure fails its RUN: a fix that changes only what happens where the
build would otherwise have stopped keeps the image the same (DJ041, DJ042)."""

from __future__ import annotations

from collections.abc import Sequence

from dockerlint_django.analysis import RunStep, basename
from dockerlint_django.shell.syntax import SimpleCommand

_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})


def _errexit(options: Sequence[str | None], current: bool = False) -> bool:
    """Whether ``-e`` is on after these shell options (a shell's, before ``-c``, or ``set``'s)."""
    for i, v in enumerate(options):
        if v is None or v == "-c" or not v.startswith(("-", "+")) or v.startswith("--"):
            break
        on = v.startswith("-")
        flags = v[1:]
        named = i + 1 < len(options) and options[i + 1] == "errexit"
        if "e" in flags.replace("o", "") or ("o" in flags and named):
            current = on
    return current


def _wrapper(cmd: SimpleCommand) -> bool:
    """``sh -c SCRIPT`` and its kin: a script whose commands the analysis lists too."""
    name = basename(cmd.name)
    return name in _SHELLS and any(w.value == "-c" for w in cmd.words[1:])


def _container(commands: Sequence[SimpleCommand], cmd: SimpleCommand) -> SimpleCommand | None:
    """The innermost ``sh -c`` command whose script holds ``cmd``; None for the RUN's own."""
    found: SimpleCommand | None = None
    for c in commands:
        if c is cmd or not _wrapper(c):
            continue
        inside = c.span.start <= cmd.span.start and cmd.span.end <= c.span.end
        if inside and (found is None or found.span.start <= c.span.start):
            found = c
    return found


def failure_stops_run(run: RunStep, cmd: SimpleCommand) -> bool:
    """Whether ``cmd`` failing makes the RUN fail: nothing after it ignores its exit status.

    True when it is a top-level command, not negated, not in the background, not piped into
    another, and every command after it in its script follows `&&` (or the shell runs with
    ``-e`` and ``cmd`` ends its and-or list); inside ``sh -c``, the ``sh`` command must stop the
    RUN in turn. Anything else (`|| true`, a branch, a loop) is False: not known to stop it.
    """
    commands = run.commands
    container = _container(commands, cmd)
    script = sorted(
        (c for c in commands if _container(commands, c) is container), key=lambda c: c.span.start
    )
    if container is None:
        if run.instruction.json:
            return len(script) == 1 and script[0] is cmd
        shell = run.state.shell if run.state is not None else None
        errexit = _errexit(shell[1:]) if shell else False
    else:
        errexit = _errexit([w.value for w in container.words[1:]])
    if cmd.context or cmd.negated or cmd.background or cmd.connector_after in ("|", "|&"):
        return False
    at = next(i for i, c in enumerate(script) if c is cmd)
    for earlier in script[:at]:
        if basename(earlier.name) == "set" and not earlier.context:
            errexit = _errexit([w.value for w in earlier.words[1:]], errexit)
    rest = script[at + 1 :]
    if rest:
        stops = cmd.connector_after == "&&" and all(
            c.connector_before == "&&" and not c.context for c in rest
        )
    else:
        stops = cmd.connector_after not in ("||", "&")
    if not stops and errexit and cmd.connector_after in (None, ";", "\n"):
        stops = cmd.connector_before not in ("&&", "||")
    if not stops:
        return False
    return container is None or failure_stops_run(run, container)
