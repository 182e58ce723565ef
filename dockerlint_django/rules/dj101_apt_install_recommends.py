"""
## What it does
Checks that `apt-get install` (and `apt install`) runs with `--no-install-recommends`, in the
stages whose layers ship: the final stage, its ancestors and any stage another is built `FROM`. A
builder stage used only as a `COPY --from` source keeps its packages to itself.

## Why is this bad?
The handbook's package block is `apt-get install -y --no-install-recommends`, following Docker's
best practices. Without the flag apt installs every "recommended" package as well, often tens of
megabytes the image never uses, each one more thing to patch.

`-o APT::Install-Recommends=false` (or `=0`) means the same and is accepted. `aptitude` is checked
for `-R`/`--without-recommends`.

## Example
```dockerfile
FROM python:3.11
RUN apt-get update && apt-get install -y gettext && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM python:3.11
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
```

## Fix safety
Unsafe: inserts `--no-install-recommends` after `install`, which can change what the image does:
a package that works only with a recommended one loses it (`curl` and `git` only recommend
`ca-certificates`, so HTTPS then fails at run time, not at build time). Name such packages before
applying it.

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [Docker best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.dockerfile.edits import insert_word_after
from dockerlint_django.fix import Applicability, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.shell.commands import apt

META = RuleMeta(
    code="DJ101",
    name="apt-install-recommends",
    severity=Severity.INFO,
    summary="apt-get install without --no-install-recommends pulls in packages nobody asked for.",
    fix=FixAvailability.ALWAYS,
    hadolint=("DL3015",),
)


def _option_value(v: str | None) -> str | None:
    if v is None:
        return None
    for prefix in ("--option=", "-o"):
        if v.startswith(prefix) and len(v) > len(prefix):
            return v[len(prefix) :].lstrip("=")
    return v


def check(ctx: Context) -> Iterator[Violation]:
    a_source = ctx.analysis.source
    for run in ctx.analysis.runs:
        if not ctx.analysis.ships(run):
            continue  # a builder stage's layers never reach the image (only what is copied out)
        for cmd in run.commands:
            a = apt(cmd)
            if a is None or not a.installs_packages or a.action_word is None:
                continue
            values = [w.value for w in a.options]
            # An unknown word may be an option (`$APT_OPTS`): say nothing rather than guess.
            if any(v is None for v in values) or any(w.value is None for w in a.packages):
                continue
            values = [_option_value(v) for v in values]
            if a.tool == "aptitude":
                if "-R" in values or "--without-recommends" in values:
                    continue
            elif "--no-install-recommends" in values or any(
                v is not None
                and v.replace(" ", "").lower()
                in ("apt::install-recommends=false", "apt::install-recommends=0")
                for v in values
            ):
                continue
            flag = "--without-recommends" if a.tool == "aptitude" else "--no-install-recommends"
            edit = insert_word_after(a_source, run.instruction, a.action_word.span, flag)
            yield META.violation(
                a.action_word.span,
                f"{a.tool} install without {flag} also installs recommended packages",
                fix=Fix(f"Add {flag}", (edit,), Applicability.UNSAFE),
            )
