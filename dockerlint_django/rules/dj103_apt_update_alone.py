"""
## What it does
Checks for a `RUN` that runs `apt-get update` without installing anything in the same `RUN`.

## Why is this bad?
Docker's best practices: "Always combine `RUN apt-get update` with `apt-get install` in the same
`RUN` statement … Using `apt-get update` alone in a `RUN` statement causes caching issues and
subsequent `apt-get install` instructions to fail." The update layer is cached; months later a new
install line reuses the stale package lists and asks for versions the mirror no longer has.

## Example
```dockerfile
FROM python:3.11
RUN apt-get update
RUN apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM python:3.11
RUN apt-get update \\
    && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
```

## Fix safety
Unsafe: when the next instruction is a shell-form `RUN` of the same stage that installs with apt,
the two `RUN`s are merged into one `&&` chain, so that the install always runs on lists fetched in
the same step. That is the point, and it changes the image: the build no longer reuses the cached
update, so the packages installed can be newer than a cached build would give, and two layers
become one. A person should review it.

The merge keeps what each command does otherwise, and is only offered where it can: both `RUN`s
are `&&` chains (the second may hold pipelines) with nothing in the background, so that
`update && install || true` cannot hide a failed update; the first changes no shell state the
second would then inherit (`cd`, `export`, `set`, a variable assignment, `source`, …); neither has
flags such as `--mount`; and nothing, not even a comment, stands between them.

## References
- [Docker best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from dockerlint_django.analysis import Analysis
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.edits import ends_cleanly
from dockerlint_django.dockerfile.model import Stage
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.shell.commands import apt
from dockerlint_django.shell.syntax import SimpleCommand

META = RuleMeta(
    code="DJ103",
    name="apt-update-alone",
    severity=Severity.WARNING,
    summary="apt-get update in a RUN of its own leaves stale package lists in the build cache.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
)

_INSTALLING = frozenset(
    {"install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source"}
)


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    runs = list(a.runs)
    for i, run in enumerate(runs):
        apts = [x for cmd in run.commands if (x := apt(cmd)) is not None]
        updates = [x for x in apts if x.action == "update"]
        if not updates or any(x.action in _INSTALLING or x.action is None for x in apts):
            continue
        fix = None
        ins = run.instruction
        nxt = runs[i + 1] if i + 1 < len(runs) else None
        stage = run.stage
        if (
            nxt is not None
            and stage is not None
            and nxt.stage is stage
            and not run.onbuild
            and not nxt.onbuild
            and not ins.json
            and not ins.heredocs
            and not nxt.instruction.json
            and not nxt.instruction.heredocs
            and not nxt.instruction.flags
            and not ins.flags
            and run.commands
            and _joinable(run.commands, first=True)
            and _joinable(nxt.commands, first=False)
            and ends_cleanly(a.source, ins, run.commands[-1].span.end)
            and run.closes
            and nxt.closes
            and _follows(a, stage, ins, nxt.instruction)
            and any((x := apt(c)) is not None and x.action == "install" for c in nxt.commands)
            and _only_keyword_between(
                a.source.text, ins.args.span().end, nxt.instruction.args.span().start
            )
        ):
            escape = a.dockerfile.escape
            newline = a.source.newline
            fix = Fix(
                "Merge with the next RUN",
                (
                    Edit(
                        ins.args.span().end,
                        nxt.instruction.args.span().start,
                        f" {escape}{newline}    && ",
                    ),
                ),
                Applicability.UNSAFE,
            )
        yield META.violation(
            updates[0].action_word.span if updates[0].action_word is not None else ins.keyword_span,
            f"{updates[0].tool} update without an install in the same RUN caches stale package lists",
            fix=fix,
        )


# Commands whose effect outlives them in the shell: merged, they would change what the next RUN's
# commands see (its working directory, environment, options).
_SHELL_STATE = frozenset(
    {
        "cd",
        "pushd",
        "popd",
        "export",
        "unset",
        "set",
        "shopt",
        "source",
        ".",
        "alias",
        "umask",
        "ulimit",
        "trap",
        "eval",
        "exec",
        "declare",
        "typeset",
        "local",
        "readonly",
        "read",
    }
)


def _joinable(commands: Sequence[SimpleCommand], *, first: bool) -> bool:
    """The RUN can be one side of `A && B` and mean the same: an `&&` chain (pipelines inside it
    allowed for the second), nothing in the background, and for the first nothing that changes
    the shell for what follows. `A || B` or `A; B` would change which failure fails the build."""
    allowed = ("&&", None) if first else ("&&", "|", "|&", None)
    for c in commands:
        if not c.top_level or c.background or c.connector_after not in allowed:
            return False
        if first and (c.name is None or c.name in _SHELL_STATE):
            return False
    return True


def _only_keyword_between(text: str, start: int, end: int) -> bool:
    # Comments or anything else between the two RUNs would be lost by the merge.
    return re.fullmatch(r"\s*run\s+", text[start:end], re.IGNORECASE) is not None


def _follows(a: Analysis, stage: Stage, first: Instruction, second: Instruction) -> bool:
    """``second`` comes right after ``first`` in the stage."""
    i = a.index.position(stage).get(id(first))
    instructions = stage.instructions
    return i is not None and i + 1 < len(instructions) and instructions[i + 1] is second
