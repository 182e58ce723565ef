"""
## What it does
Checks for `apt` in `RUN` commands, where `apt-get` is meant.

## Why is this bad?
`apt` is the interactive front end: its command-line interface is not promised to stay stable, and
it warns "apt does not have a stable CLI interface. Use with caution in scripts." into every build
log. `apt-get` is the tool for scripts, and the one the handbook uses.

## Example
```dockerfile
FROM python:3.11
RUN apt update && apt install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM python:3.11
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
```

## Fix safety
Safe for `install`, `update`, `upgrade`, `dist-upgrade`, `remove`, `purge`, `autoremove` and
`clean`, which `apt-get` spells and does the same way. Other `apt` commands (`list`, `search`,
`show`, `full-upgrade`) have no identical `apt-get` form and are reported without a fix.

## References
- [apt(8)](https://manpages.debian.org/apt.8): "The apt(8) commandline is designed as an end-user tool"
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.commands import apt
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ109",
    name="apt-instead-of-apt-get",
    severity=Severity.WARNING,
    summary="Use apt-get, not apt, in scripts: apt's interface is for people.",
    fix=FixAvailability.SOMETIMES,
    hadolint=("DL3027",),
)

_SAME = frozenset(
    {"install", "update", "upgrade", "dist-upgrade", "remove", "purge", "autoremove", "clean"}
)


def check(ctx: Context) -> Iterator[Violation]:
    for run in ctx.analysis.runs:
        for cmd in run.commands:
            a = apt(cmd)
            if a is None or a.tool != "apt":
                continue
            fix = None
            if a.action in _SAME and a.tool_word.value == "apt":
                fix = Fix(
                    "Use apt-get", (Edit.replace(a.tool_word.span, "apt-get"),), Applicability.SAFE
                )
            yield META.violation(
                a.tool_word.span, "apt is meant for people; use apt-get in scripts", fix=fix
            )
