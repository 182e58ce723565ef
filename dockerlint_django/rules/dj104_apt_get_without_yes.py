"""
## What it does
Checks that `apt-get install` (and `upgrade`, `remove`, …) is told to answer its confirmation
prompt: `-y`, `--yes`, `--assume-yes`, quiet level 2 (`-qq`, `-q=2`), which implies yes, or
`-o APT::Get::Assume-Yes=true`, or an earlier `RUN` of the stage (or its parents) that writes
`APT::Get::Assume-Yes "true";` into apt's configuration.

## Why is this bad?
`docker build` has no terminal. When apt-get asks "Do you want to continue? [Y/n]" it reads end of
input, aborts, and the build fails; when it does not ask (nothing to confirm) the build passes, so
the failure appears only once the package list changes. The handbook always writes
`apt-get install -y`.

Variables are read as the shell reads them. One that `ENV` or `ARG` (with a default) gives a value
is expanded (`ARG APT_FLAGS=-y` counts). One whose value is unknown matters only if it could
supply the option: `apt-get install $APT_OPTS gettext` is not reported, while
`apt-get install $PACKAGES` and `apt-get install postgresql-$PG_MAJOR` are (see DJ101 for which
words count as packages).

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
Inserts `-y` after the action (before it, when a variable spells the action). Where the build
passes today apt never asked, so `-y` changes nothing; where it asked, the build failed and there
was no image. That holds only when apt's failure fails the `RUN`, so the fix is safe when the
command is a top-level step whose failure ends the script: the last step of an `&&` chain,
followed only by `&& …` or `|| exit 1`, or under `set -e` (or a `SHELL` with `-e`) the last
command of its list. It is unsafe anywhere else: `apt-get purge vim || true`,
`apt-get install x; echo done`, or inside `if`, a pipeline or a `sh -c` string, where the
aborted install was silently skipped and `-y` would now install or remove the packages.

## References
- [apt-get(8)](https://manpages.debian.org/apt-get.8) (`-y`, `-q`)
- [Docker best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
- [hadolint DL3014](https://github.com/hadolint/hadolint/wiki/DL3014)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from dockerlint_django._record import LazyPattern
from dockerlint_django.analysis import RunStep, script_commands
from dockerlint_django.dockerfile.edits import insert_word_after
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._apt_config import configured_before
from dockerlint_django.rules._apt_config import configuring as apt_configuring
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.shell.commands import (
    ScriptFailures,
    apt,
    from_expansion,
    shell_errexit,
)
from dockerlint_django.shell.syntax import SimpleCommand
from dockerlint_django.source import Span

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
_ASSUME_YES = LazyPattern(r"^apt::get::assume-yes=(true|yes|1)$", re.I)


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


# `APT::Get::Assume-Yes "true";`, as written into /etc/apt/apt.conf.d/.
_CONFIGURED = LazyPattern(r"APT::Get::Assume-Yes\s*\\?[\"']?\s*(?:true|yes|1)\b", re.I)
_HEREDOC_ONLY = LazyPattern(r"\s*<<-?\s*(?:\"[^\"]*\"|'[^']*'|\S+)\s*\Z")


class _RunScripts:
    """The scripts whose exit status is a RUN's, parsed once per RUN, with the commands of each
    (a rule asks about every apt command of a long heredoc)."""

    def __init__(self, run: RunStep) -> None:
        self.run = run
        ins = run.instruction
        shell = run.state.shell if run.state is not None else None
        name = posixpath.basename(shell[0]) if shell else "sh"
        scripts = [script_commands(ins.args, name)]
        if len(ins.heredocs) == 1 and _HEREDOC_ONLY.match(ins.args.text):
            scripts.append(script_commands(ins.heredocs[0].body, name))
        errexit = shell_errexit(shell)
        self._by_span: dict[Span, ScriptFailures] = {}
        for script in scripts:
            failures = ScriptFailures(script, errexit)
            for c in script.commands:
                self._by_span.setdefault(c.span, failures)  # the first script holding it

    def fails(self, cmd: SimpleCommand) -> bool:
        failures = self._by_span.get(cmd.span)
        if failures is None:
            return False  # inside a `sh -c` string, or a heredoc another command reads
        return failures.fails(cmd)


def _failure_fails_build(run: RunStep, cmd: SimpleCommand, scripts: list[_RunScripts]) -> bool:
    if run.instruction.json:
        # `RUN ["apt-get", "install", …]`: the RUN is this one command.
        return cmd.span == run.instruction.args.span()
    if not scripts or scripts[0].run is not run:
        scripts[:] = [_RunScripts(run)]
    return scripts[0].fails(cmd)


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    a_source = a.source
    configuring = apt_configuring(a, _CONFIGURED)
    scripts: list[_RunScripts] = []  # the RUN asked about last
    for run in a.runs:
        if configured_before(configuring, run):
            continue
        env = run.environment()
        for cmd in run.commands:
            apt_cmd = apt(cmd, env)
            if (
                apt_cmd is None
                or apt_cmd.tool == "aptitude"
                or apt_cmd.action not in _CONFIRMING
                or apt_cmd.action_word is None
            ):
                continue
            if apt_cmd.hidden:
                continue  # `$APT_OPTS` may hold -y
            values = [w.value for w in apt_cmd.options]
            if _says_yes([v for v in values if v is not None]):
                continue
            action = apt_cmd.action_word
            if from_expansion(action):
                # `apt-get $APT_ACTION …`: apt takes options before the action too.
                edit = Edit.insert(action.span.start, "-y ")
            else:
                edit = insert_word_after(a_source, run.instruction, action.span, "-y")
            safe = _failure_fails_build(run, cmd, scripts)
            yield META.violation(
                action.span,
                f"{apt_cmd.tool} {apt_cmd.action} without -y: the build has no terminal to answer "
                "its prompt",
                fix=Fix(
                    "Add -y"
                    if safe
                    else "Add -y (the RUN goes on when apt fails, so this may "
                    "install or remove what the build skips today)",
                    (edit,),
                    Applicability.SAFE if safe else Applicability.UNSAFE,
                ),
            )
