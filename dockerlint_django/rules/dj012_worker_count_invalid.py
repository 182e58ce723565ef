"""
## What it does
Checks that the worker count Gunicorn is given is a whole number of at least 1: `WEB_CONCURRENCY`
(an image `ENV`, a Compose `environment:` or a readable `env_file`), and `--workers`/`-w` on the
command line or in `GUNICORN_CMD_ARGS`. Also checks for abbreviations of `--workers` that
Gunicorn's option parser cannot resolve (`--work 3`).

## Why is this bad?
Gunicorn computes its default worker count as `int(os.environ.get("WEB_CONCURRENCY", 1))` when it
starts, whatever else sets the count: `WEB_CONCURRENCY=auto`, or an empty `WEB_CONCURRENCY=`,
stops it with `ValueError: invalid literal for int()`, and a negative number with "Value must be
positive". On the command line and in `GUNICORN_CMD_ARGS` the value goes through `argparse`:
`--workers auto` (or `--workers=`) stops Gunicorn with "invalid int value".
`--workers 0` is accepted: Gunicorn then listens on its port with no worker to answer.

`argparse` accepts an unambiguous abbreviation of a long option (`--threa 2`), but every
abbreviation of `--workers` (`--work`, `--worker`) also matches `--worker-class`,
`--worker-connections` and `--worker-tmp-dir`: Gunicorn stops with "ambiguous option".

A value that is not known here (a variable with no value, a `$(…)` a shell computes) is not
reported.

## Example
```dockerfile filename=Dockerfile
FROM python:3.12
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

```yaml filename=compose.yaml
services:
  web:
    build: .
    environment: ["WEB_CONCURRENCY=auto"]
```

## Use instead
```dockerfile filename=Dockerfile
FROM python:3.12
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

```yaml filename=compose.yaml
services:
  web:
    build: .
    environment: {WEB_CONCURRENCY: "3"}
```

## Fix safety
None: the right number of workers depends on the machine the container runs on.

## References
- [Gunicorn settings: workers](https://docs.gunicorn.org/en/stable/settings.html#workers)
- [Gunicorn: configuration overview](https://gunicorn.org/configure/)
- [Python argparse: allow_abbrev](https://docs.python.org/3/library/argparse.html#allow-abbrev)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dockerlint_django.gunicorn import SETTINGS
from dockerlint_django.rules._base import (
    Context,
    RuleMeta,
    ServiceContext,
    Severity,
    Violation,
)
from dockerlint_django.rules.dj016_workers_override_ineffective import service_problems

if TYPE_CHECKING:
    from dockerlint_django.gunicorn import GunicornArgs, GunicornSettings
    from dockerlint_django.source import Span

META = RuleMeta(
    code="DJ012",
    name="worker-count-invalid",
    severity=Severity.ERROR,
    summary="Gunicorn's worker count is not a whole number of at least 1.",
    origin="extension",
    kind=("dockerfile", "compose"),
)

_WORKERS = SETTINGS["workers"].display  # "-w/--workers", as argparse names it


def _integer(value: str) -> int | None:
    """What Python's ``int()`` makes of it (Gunicorn and argparse both use it)."""
    try:
        return int(value)
    except ValueError:
        return None


def _shown(value: str) -> str:
    return "an empty value" if not value.strip() else repr(value)


def _options(
    settings: GunicornSettings, where: str, args: GunicornArgs
) -> Iterator[tuple[Span, str]]:
    winner = settings.get("workers")
    options = args.find("workers")
    for i, opt in enumerate(options):
        value = opt.value
        if not isinstance(value, str):
            continue
        span = opt.value_span or opt.span
        name = opt.written or opt.option
        number = _integer(value)
        if number is None:
            yield (
                span,
                f"{where} gives {name} {_shown(value)}, which is not a whole number: Gunicorn "
                "stops at startup (invalid int value); give the number of workers, e.g. 2",
            )
        elif number < 0 and i == len(options) - 1:
            yield (
                span,
                f'{where} gives {name} {value}: Gunicorn stops at startup ("Value must be '
                'positive"); give the number of workers, e.g. 2',
            )
        elif number == 0 and winner.options and winner.options[-1] == opt:
            yield (
                span,
                f"{where} gives {name} {value}: Gunicorn starts with no worker, listens on its "
                "port and answers nothing; give at least 1",
            )
    for error in args.errors:
        if error.kind == "ambiguous" and "--workers" in error.matches:
            word = args.words[error.index].value or ""
            option = word.partition("=")[0]
            matches = ", ".join(error.matches)
            yield (
                error.span,
                f"{where} has {option}, an abbreviation that could match {matches}: Gunicorn "
                "stops at startup (ambiguous option); write --workers in full",
            )
        elif error.kind == "missing_value" and _WORKERS in error.message:
            yield (
                error.span,
                f"{where} has {args.words[error.index].value} with no value after it: Gunicorn "
                "stops at startup (expected one argument); give the number of workers",
            )


def _problems(settings: GunicornSettings) -> Iterator[tuple[Span, str]]:
    if settings.cli is not None:
        yield from _options(settings, "Gunicorn's command line", settings.cli)
    if settings.cmd_args_env is not None:
        yield from _options(settings, "GUNICORN_CMD_ARGS", settings.cmd_args_env)
    var = settings.env.get("WEB_CONCURRENCY")
    if var is None or var.value is None or var.span is None:
        return
    value = var.value
    number = _integer(value)
    if number is None:
        yield (
            var.span,
            f"WEB_CONCURRENCY is {_shown(value)}, not a whole number: Gunicorn reads it with int() "
            "when it starts, whatever else sets the worker count, and stops with a ValueError; "
            "set a number such as 2, or leave the variable out",
        )
    elif number < 0:
        yield (
            var.span,
            f'WEB_CONCURRENCY is {value}: Gunicorn stops at startup ("Value must be positive"); '
            "set a number such as 2",
        )
    elif number == 0 and settings.get("workers").layer == "env":
        yield (
            var.span,
            "WEB_CONCURRENCY is 0: Gunicorn starts with no worker, listens on its port and answers "
            "nothing; set at least 1",
        )


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    if a.runtime is not None:
        return  # a Compose service's view: check_service reports what the service causes
    final = a.dockerfile.final
    if final is None:
        return
    settings = a.gunicorn(final)
    if settings is None:
        return
    for span, message in _problems(settings):
        yield META.violation(span, message)


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    view = ctx.service
    settings = view.gunicorn()
    if settings is None:
        return
    found = list(_problems(settings))
    for span, message, related in service_problems(view, found, _problems):
        yield META.violation(span, message, related=related)
