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


class _Scripts:
    """A RUN's commands grouped by the script they are in (the RUN's own, or a ``sh -c``
    string's), read once for all the questions asked about them: a long heredoc asks for every
    command."""

    def __init__(self, run: RunStep) -> None:
        self.run = run
        commands = run.commands
        self.container = _containers(commands)
        scripts: dict[int, list[SimpleCommand]] = {}
        for c in commands:
            scripts.setdefault(_key(self.container[id(c)]), []).append(c)
        self.position: dict[int, int] = {}
        self.length: dict[int, int] = {}  # container id -> its script's length
        self.errexit_before: dict[int, bool] = {}  # `set -e` in force as each command starts
        self.chained_after: dict[int, bool] = {}  # each later command follows `&&`, at top level
        for key, script in scripts.items():
            script.sort(key=lambda c: c.span.start)
            container = self.container[id(script[0])]
            if container is None:
                shell = run.state.shell if run.state is not None else None
                errexit = _errexit(shell[1:]) if shell else False
            else:
                errexit = _errexit([w.value for w in container.words[1:]])
            self.length[key] = len(script)
            for i, c in enumerate(script):
                self.position[id(c)] = i
                self.errexit_before[id(c)] = errexit
                if basename(c.name) == "set" and not c.context:
                    errexit = _errexit([w.value for w in c.words[1:]], errexit)
            chained = True
            for c in reversed(script):
                self.chained_after[id(c)] = chained
                chained = chained and c.connector_before == "&&" and not c.context
        self._stops: dict[int, bool] = {}

    def stops(self, cmd: SimpleCommand) -> bool:
        found = self._stops.get(id(cmd))
        if found is None:
            found = self._stops[id(cmd)] = self._stops_run(cmd)
        return found

    def _stops_run(self, cmd: SimpleCommand) -> bool:
        container = self.container[id(cmd)]
        key = _key(container)
        if container is None and self.run.instruction.json:
            return self.length[key] == 1 and self.position[id(cmd)] == 0
        if cmd.context or cmd.negated or cmd.background or cmd.connector_after in ("|", "|&"):
            return False
        errexit = self.errexit_before[id(cmd)]
        if self.position[id(cmd)] + 1 < self.length[key]:
            stops = cmd.connector_after == "&&" and self.chained_after[id(cmd)]
        else:
            stops = cmd.connector_after not in ("||", "&")
        if not stops and errexit and cmd.connector_after in (None, ";", "\n"):
            stops = cmd.connector_before not in ("&&", "||")
        if not stops:
            return False
        return container is None or self.stops(container)


def _key(container: SimpleCommand | None) -> int:
    return 0 if container is None else id(container)


def _containers(commands: Sequence[SimpleCommand]) -> dict[int, SimpleCommand | None]:
    """For each command, the innermost ``sh -c`` command whose script holds it (the later one
    of two at the same place); None for the RUN's own commands.

    A sweep in text order with the wrappers open at each point on a stack: scripts nest, so a
    wrapper that ended before a command starts holds none after it either.
    """
    order = {id(c): i for i, c in enumerate(commands)}
    wrappers = sorted(
        (c for c in commands if _wrapper(c)), key=lambda c: (c.span.start, order[id(c)])
    )
    out: dict[int, SimpleCommand | None] = {}
    stack: list[SimpleCommand] = []
    k = 0
    for c in sorted(commands, key=lambda c: (c.span.start, order[id(c)])):
        start, end = c.span.start, c.span.end
        while k < len(wrappers) and wrappers[k].span.start <= start:
            stack.append(wrappers[k])
            k += 1
        while stack and stack[-1].span.end < start:
            stack.pop()
        found: SimpleCommand | None = None
        for w in reversed(stack):
            if w is not c and w.span.start <= start and end <= w.span.end:
                found = w
                break
        out[id(c)] = found
    return out


# The last RUN asked about, and its scripts; the commands tuple is kept so the ids stay its.
_LAST: list[tuple[tuple[SimpleCommand, ...], _Scripts]] = []


def failure_stops_run(run: RunStep, cmd: SimpleCommand) -> bool:
    """Whether ``cmd`` failing makes the RUN fail: nothing after it ignores its exit status.

    True when it is a top-level command, not negated, not in the background, not piped into
    another, and every command after it in its script follows `&&` (or the shell runs with
    ``-e`` and ``cmd`` ends its and-or list); inside ``sh -c``, the ``sh`` command must stop the
    RUN in turn. Anything else (`|| true`, a branch, a loop) is False: not known to stop it.
    """
    if not _LAST or _LAST[0][0] is not run.commands or _LAST[0][1].run is not run:
        _LAST[:] = [(run.commands, _Scripts(run))]
    return _LAST[0][1].stops(cmd)
