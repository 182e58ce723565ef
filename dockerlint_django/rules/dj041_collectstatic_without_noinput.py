"""
## What it does
Checks that `collectstatic` runs with `--noinput` (or `--no-input`), in `RUN` and in the image's
start command.

## Why is this bad?
The handbook runs `python manage.py collectstatic --noinput -v2`. Django's reference for the
option: "`--noinput, --no-input` Do NOT prompt the user for input of any kind." Without it,
`collectstatic` asks for confirmation when `STATIC_ROOT` already holds files, and always for
storages that are not on the local filesystem. A build step or a container has no terminal: the
prompt fails with `EOFError`, or the answer is read as "no" and Django prints "Collecting static
files cancelled.", leaving the image without its static files.

Django's option parser takes unambiguous abbreviations, so `--noi` and `--no-i` count;
`--no` is ambiguous (`--no-color`, `--no-post-process`, …) and does not. It is recognised as
`python manage.py collectstatic`, `./manage.py collectstatic`, `django-admin collectstatic` and
`python -m django collectstatic`, also behind launchers such as `poetry run`, `uv run` or
`env`, in heredocs, `sh -c` strings, `ONBUILD RUN`, and in a
`CMD`/`ENTRYPOINT` that runs it at start-up. A command whose arguments are not all known
(`collectstatic $ARGS`) is not reported.

## Example
```dockerfile
FROM python:3.11
COPY . /workdir
RUN python manage.py collectstatic
```

## Use instead
```dockerfile
FROM python:3.11
COPY . /workdir
RUN python manage.py collectstatic --noinput
```

## Fix safety
Appends `--noinput` after the command's last word (a new element in an exec-form array). In a
`RUN` there is no terminal, so the prompt either does not appear (the result is the same), is
answered by a pipe (`echo yes |`: the same, or a cancelled command), or fails at end of input:
where the build went on before, it goes on identically. So the fix is safe when the command's
failure stops the build: an exec-form `RUN`, the end of the script or of an `&&` chain to its end,
or a shell with `-e` (`SHELL ["/bin/bash", "-eo", "pipefail", "-c"]`, `set -e`), also through
`sh -c`. Anywhere else it is unsafe: after `collectstatic … || true`, in a branch, or piped into
`tee`, the build used to go on without the static files, and now collects (or uploads) them; a
start command may meet a terminal (`docker run -it`) whose operator was asked before
`--clear` deleted files.

## References
- [OCP handbook: Dockerfile for Django](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html)
- [Django: collectstatic](https://docs.djangoproject.com/en/stable/ref/contrib/staticfiles/#collectstatic)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.analysis import RunStep, run_commands
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.edits import insert_word_after
from dockerlint_django.fix import Applicability, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.rules._failure import failure_stops_run
from dockerlint_django.shell.launch import resolve_launch
from dockerlint_django.shell.syntax import SimpleCommand

META = RuleMeta(
    code="DJ041",
    name="collectstatic-without-noinput",
    severity=Severity.WARNING,
    summary="collectstatic without --noinput prompts, and a build or container cannot answer.",
    fix=FixAvailability.ALWAYS,
)


def _is_noinput(arg: str) -> bool:
    # argparse accepts a prefix of one option only: `--noi` is --noinput, `--no-i` is --no-input;
    # `--no` and `--no-` also start --no-color, --no-post-process and --no-default-ignore.
    if "=" in arg:
        return False
    return ("--noinput".startswith(arg) and len(arg) >= len("--noi")) or (
        "--no-input".startswith(arg) and len(arg) >= len("--no-i")
    )


def _commands(ctx: Context) -> Iterator[tuple[Instruction, SimpleCommand, RunStep | None]]:
    for run in ctx.analysis.runs:
        for cmd in run.commands:
            yield run.instruction, cmd, run
    # Start commands that collect static files at start-up (`sh -c "manage.py collectstatic &&
    # gunicorn …"`) have no terminal either.
    for stage in ctx.analysis.dockerfile.stages:
        for ins, state in stage.steps():
            if ins.keyword in ("CMD", "ENTRYPOINT"):
                for cmd in run_commands(ins, state.shell):
                    yield ins, cmd, None


def check(ctx: Context) -> Iterator[Violation]:
    source = ctx.analysis.source
    for ins, cmd, run in _commands(ctx):
        if not cmd.words:
            continue
        # Launchers (`poetry run`, `uv run`, `env K=V`) are unwrapped; a `sh -c` string is left
        # to run_commands, which yields its commands separately.
        launch = resolve_launch(cmd.words)
        if (
            launch.kind != "django-command"
            or launch.shells
            or launch.subcommand is None
            or launch.subcommand.value != "collectstatic"
        ):
            continue
        values = [w.value for w in launch.args]
        if any(v is None for v in values):
            continue
        if any(v is not None and _is_noinput(v) for v in values):
            continue
        if "--" in values:
            continue  # what follows `--` is positional: appending there would not be an option
        last = cmd.words[-1]
        # Safe where the prompt could only ever fail the build: in a RUN (no terminal) whose
        # failure stops it. A failure the script ignores built an image without the files, and
        # a start command may meet a terminal (`docker run -it`) that answers.
        safe = run is not None and failure_stops_run(run, cmd)
        where = "the build" if run is not None else "the container's start"
        yield META.violation(
            launch.subcommand.span,
            "collectstatic without --noinput asks for confirmation when STATIC_ROOT already "
            f"holds files or the storage is remote, and with no terminal to answer, {where} "
            "fails there",
            fix=Fix(
                "Add --noinput",
                (insert_word_after(source, ins, last.span, "--noinput"),),
                Applicability.SAFE if safe else Applicability.UNSAFE,
            ),
        )
