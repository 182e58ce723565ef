"""
## What it does
Checks that `apt-get install` (and `upgrade`, `remove`, …) is told to answer its confirmation
prompt: `-y`, `--yes`, `--assume-yes`, or quiet level 2 (`-qq`, `-q=2`), which implies yes.

## Why is this bad?
`docker build` has no terminal. When apt-get asks "Do you want to continue? [Y/n]" it reads end of
input, aborts, and the build fails; when it does not ask (nothing to confirm) the build passes, so
the failure appears only once the package list changes. The handbook always writes
`apt-get install -y`.

## Example
```dockerfile
FROM python:3.11
RUN apt-get update && apt-get install --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM python:3.11
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
```

## Fix safety
Safe: inserts `-y` after the action, which answers the prompt the build could not answer anyway.

## References
- [apt-get(8)](https://manpages.debian.org/apt-get.8) (`-y`, `-q`)
- [Docker best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockerlint_django.dockerfile.edits import insert_word_after
from dockerlint_django.fix import Applicability, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.shell.commands import apt

META = RuleMeta(
    code="DJ104",
    name="apt-get-without-yes",
    severity=Severity.WARNING,
    summary="apt-get install without -y fails the build when apt asks for confirmation.",
    fix=FixAvailability.ALWAYS,
    hadolint=("DL3014",),
)

_CONFIRMING = frozenset(
    {
        "install",
        "upgrade",
        "dist-upgrade",
        "full-upgrade",
        "remove",
        "purge",
        "autoremove",
        "build-dep",
    }
)
_ASSUME_YES = re.compile(r"^apt::get::assume-yes=(true|yes|1)$", re.I)


def _says_yes(options: list[str]) -> bool:
    quiet = 0
    for i, v in enumerate(options):
        if v in ("--yes", "--assume-yes", "--force-yes"):
            return True
        if v in ("-q=2", "--quiet=2") or (
            v.startswith("--quiet=") and v[8:].isdigit() and int(v[8:]) >= 2
        ):
            return True
        if v in ("-o", "--option") and i + 1 < len(options) and _ASSUME_YES.match(options[i + 1]):
            return True
        if v.startswith("-o") and _ASSUME_YES.match(v[2:].lstrip("=")):
            return True
        if v.startswith("-") and not v.startswith("--") and "=" not in v:
            cluster = v[1:]
            if "y" in cluster:
                return True
            quiet += cluster.count("q")
        elif v == "--quiet":
            quiet += 1
    return quiet >= 2


def check(ctx: Context) -> Iterator[Violation]:
    a_source = ctx.analysis.source
    for run in ctx.analysis.runs:
        for cmd in run.commands:
            a = apt(cmd)
            if (
                a is None
                or a.tool == "aptitude"
                or a.action not in _CONFIRMING
                or a.action_word is None
            ):
                continue
            values = [w.value for w in a.options]
            if any(v is None for v in values) or any(w.value is None for w in a.packages):
                continue
            if _says_yes([v for v in values if v is not None]):
                continue
            yield META.violation(
                a.action_word.span,
                f"{a.tool} {a.action} without -y: the build has no terminal to answer its prompt",
                fix=Fix(
                    "Add -y",
                    (insert_word_after(a_source, run.instruction, a.action_word.span, "-y"),),
                    Applicability.SAFE,
                ),
            )
