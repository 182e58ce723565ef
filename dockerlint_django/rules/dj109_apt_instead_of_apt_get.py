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
Safe for `install` and `update`, which `apt-get` does the same way. Other `apt` commands are
reported without a fix: `apt upgrade` installs new dependencies that `apt-get upgrade` holds back,
and `list`, `search`, `show` or `full-upgrade` have no identical `apt-get` form.

## References
- [apt(8)](https://manpages.debian.org/apt.8): "The apt(8) commandline is designed as an end-user tool"
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.shell.commands import apt

META = RuleMeta(
    code="DJ109",
    name="apt-instead-of-apt-get",
    severity=Severity.WARNING,
    summary="Use apt-get, not apt, in scripts: apt's interface is for people.",
    fix=FixAvailability.SOMETIMES,
    hadolint=("DL3027",),
)

# `apt upgrade` installs new dependencies where `apt-get upgrade` holds packages back, and so on:
# only these two do exactly the same under both names.
_SAME = frozenset({"install", "update"})


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
