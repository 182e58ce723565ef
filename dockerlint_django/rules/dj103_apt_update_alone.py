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
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
```

## Fix safety
Unsafe: when the next instruction is a shell-form `RUN` that installs with apt, the two `RUN`s are
merged into one `&&` chain. This changes the layers and the build cache, which a person should
review.

## References
- [Docker best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from dockerlint_django.dockerfile.edits import ends_cleanly
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.shell.commands import apt

META = RuleMeta(
    code="DJ103",
    name="apt-update-alone",
    severity=Severity.WARNING,
    summary="apt-get update in a RUN of its own leaves stale package lists in the build cache.",
    fix=FixAvailability.SOMETIMES,
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
            and ends_cleanly(a.source, ins, run.commands[-1].span.end)
            and _follows(stage.instructions, ins, nxt.instruction)
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


def _only_keyword_between(text: str, start: int, end: int) -> bool:
    # Comments or anything else between the two RUNs would be lost by the merge.
    return re.fullmatch(r"\s*run\s+", text[start:end], re.IGNORECASE) is not None


def _follows(instructions: Sequence[object], first: object, second: object) -> bool:
    for i, ins in enumerate(instructions[:-1]):
        if ins is first:
            return instructions[i + 1] is second
    return False
