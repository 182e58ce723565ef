"""
## What it does
Checks that `apt-get install` (and `apt install`) runs with `--no-install-recommends`, in the
stages whose layers ship: the final stage, its ancestors and any stage another is built `FROM`. A
builder stage used only as a `COPY --from` source keeps its packages to itself.

## Why is this bad?
The handbook's package block is `apt-get install -y --no-install-recommends`, following Docker's
best practices. Without the flag apt installs every "recommended" package as well, often tens of
megabytes the image never uses, each one more thing to patch.

`-o APT::Install-Recommends=false` (or `=0`) means the same and is accepted, and so is an earlier
`RUN` of the stage (or its parents) that writes `APT::Install-Recommends "0";` (or `"false"`) into
apt's configuration (`/etc/apt/apt.conf.d/…`). `aptitude` is checked for
`-R`/`--without-recommends`.

Variables are read as the shell reads them. One that `ENV` or `ARG` (with a default) gives a value
is expanded. One whose value is unknown matters only if it could supply the option:
`apt-get install $APT_OPTS gettext` is not reported, while `apt-get install -y $PACKAGES`,
`apt-get install -y $BUILD_DEPS` and `apt-get install -y postgresql-$PG_MAJOR` are (a word with
text of its own next to the variable is a package, and so is a variable whose name says it holds
packages: `…PACKAGES`, `…PKGS`, `…DEPS`, `…DEPENDENCIES`, `…LIBS`; one named for options,
`…OPTS`, `…FLAGS`, `…ARGS`, or for nothing in particular may hold the option). The word after
`-o` or `-c` is a setting that can say anything, so an unknown one is not reported either.

## Example
```dockerfile
FROM python:3.11
RUN apt-get update && apt-get install -y gettext && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM python:3.11
RUN apt-get update && apt-get install --no-install-recommends -y gettext && rm -rf /var/lib/apt/lists/*
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

import re
from collections.abc import Iterator

from dockerlint_django._record import LazyPattern
from dockerlint_django.dockerfile.edits import insert_word_after
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._apt_config import configured_before
from dockerlint_django.rules._apt_config import configuring as apt_configuring
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.shell.commands import apt, from_expansion

META = RuleMeta(
    code="DJ101",
    name="apt-install-recommends",
    severity=Severity.INFO,
    summary="apt-get install without --no-install-recommends pulls in packages nobody asked for.",
    fix=FixAvailability.ALWAYS,
    safest_fix=Applicability.UNSAFE,
    hadolint=("DL3015",),
)


def _option_value(v: str | None) -> str | None:
    if v is None:
        return None
    for prefix in ("--option=", "-o"):
        if v.startswith(prefix) and len(v) > len(prefix):
            return v[len(prefix) :].lstrip("=")
    return v


# `APT::Install-Recommends "0";` (or `false`), as written into /etc/apt/apt.conf.d/.
_CONFIGURED = LazyPattern(r"APT::Install-Recommends\s*\\?[\"']?\s*(?:0|false|no)\b", re.I)


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    a_source = a.source
    configuring = apt_configuring(a, _CONFIGURED)
    for run in a.runs:
        if not a.ships(run):
            continue  # a builder stage's layers never reach the image (only what is copied out)
        if configured_before(configuring, run):
            continue
        env = run.environment()
        for cmd in run.commands:
            apt_cmd = apt(cmd, env)
            if apt_cmd is None or not apt_cmd.installs_packages or apt_cmd.action_word is None:
                continue
            if apt_cmd.hidden:
                continue  # `$APT_OPTS` may hold the option
            values = [_option_value(w.value) for w in apt_cmd.options]
            if apt_cmd.tool == "aptitude":
                if "-R" in values or "--without-recommends" in values:
                    continue
            elif "--no-install-recommends" in values or any(
                v is not None
                and v.replace(" ", "").lower()
                in ("apt::install-recommends=false", "apt::install-recommends=0")
                for v in values
            ):
                continue
            tool = apt_cmd.tool
            flag = "--without-recommends" if tool == "aptitude" else "--no-install-recommends"
            action = apt_cmd.action_word
            if from_expansion(action):
                # `apt-get $APT_INSTALL gettext`: apt takes options before the action too.
                edit = Edit.insert(action.span.start, f"{flag} ")
            else:
                edit = insert_word_after(a_source, run.instruction, action.span, flag)
            yield META.violation(
                action.span,
                f"{tool} install without {flag} also installs recommended packages",
                fix=Fix(f"Add {flag}", (edit,), Applicability.UNSAFE),
            )
