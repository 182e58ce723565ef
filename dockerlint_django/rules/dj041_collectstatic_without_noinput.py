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
Safe: appends `--noinput` after the command's last word (a new element in an exec-form array).
The only difference is that Django no longer asks before overwriting, which is what a build wants.

## References
- [OCP handbook: Dockerfile for Django](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html)
- [Django: collectstatic](https://docs.djangoproject.com/en/stable/ref/contrib/staticfiles/#collectstatic)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.analysis import run_commands
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.edits import insert_word_after
from dockerlint_django.fix import Applicability, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
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


def _commands(ctx: Context) -> Iterator[tuple[Instruction, SimpleCommand]]:
    for run in ctx.analysis.runs:
        for cmd in run.commands:
            yield run.instruction, cmd
    # Start commands that collect static files at start-up (`sh -c "manage.py collectstatic &&
    # gunicorn …"`) have no terminal either.
    for stage in ctx.analysis.dockerfile.stages:
        for ins, state in stage.steps():
            if ins.keyword in ("CMD", "ENTRYPOINT"):
                for cmd in run_commands(ins, state.shell):
                    yield ins, cmd


def check(ctx: Context) -> Iterator[Violation]:
    source = ctx.analysis.source
    for ins, cmd in _commands(ctx):
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
        yield META.violation(
            launch.subcommand.span,
            "collectstatic without --noinput prompts for confirmation, which fails without a "
            "terminal",
            fix=Fix(
                "Add --noinput",
                (insert_word_after(source, ins, last.span, "--noinput"),),
                Applicability.SAFE,
            ),
        )
