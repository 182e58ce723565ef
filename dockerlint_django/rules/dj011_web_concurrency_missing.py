"""
## What it does
Checks that an image running Gunicorn sets a default worker count through the `WEB_CONCURRENCY`
environment variable (or sets workers some other way).

Only the image is judged: a Compose service whose command runs Gunicorn with no worker count
is DJ017's, so that one service is not told twice.

## Why is this bad?
The handbook's template sets `ENV WEB_CONCURRENCY=2`: "At build time, the mix of applications and
number of cores are unknown. As such, we omit the `--workers` option (highest level of
precedence), and set a `WEB_CONCURRENCY` environment variable (lowest level)." Gunicorn takes its
default worker count from `WEB_CONCURRENCY`; "If it is not defined, the default is `1`": a single
worker process, where one slow request holds up every other.

Workers count as set when any layer Gunicorn reads sets them: `--workers`/`-w` on the command line
(which DJ010 reports for other reasons), `GUNICORN_CMD_ARGS` in the image's `ENV`, or
`WEB_CONCURRENCY` in the `ENV` of the final stage or a stage it builds `FROM` (an `ENV` in a stage
only used for `COPY --from` does not reach the image). `ENV WEB_CONCURRENCY=${WEB_CONCURRENCY}`
from an `ARG` counts. A config file the image may load (`-c`, or a `gunicorn.conf.py` that a `COPY`
may put in the working folder) may set `workers`: then nothing is reported. A deployment can still
set the variable in Docker Compose; this rule is about the image's own default.

## Example
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Use instead
```dockerfile
FROM python:3.11
ENV WEB_CONCURRENCY=2
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Fix safety
Unsafe: inserts `ENV WEB_CONCURRENCY=2` before the `EXPOSE`/`CMD` block that ends the final
stage. That raises the image's default from one worker process to two, which costs memory.

## References
- [OCP handbook: Dockerfile for Django, Gunicorn](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
- [Gunicorn settings: workers](https://docs.gunicorn.org/en/stable/settings.html#workers)
- [Gunicorn: configuration precedence](https://docs.gunicorn.org/en/stable/configure.html)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.dockerfile.edits import insert_line_before
from dockerlint_django.fix import Applicability, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.rules._handbook import WEB_CONCURRENCY

META = RuleMeta(
    code="DJ011",
    name="web-concurrency-missing",
    severity=Severity.WARNING,
    summary="Gunicorn runs one worker: the image sets no WEB_CONCURRENCY default.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    production_only=True,
)


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    settings = a.gunicorn(final)
    start = a.start(final)
    if settings is None or start is None:
        return
    workers = settings.get("workers")
    if not workers.known or workers.layer != "default":
        return
    command = start.command
    anchor = (
        command.instruction.span
        if command is not None and command.instruction is not None
        else final.from_.span
    )
    fix = None
    trailing = a.start_instruction(final)
    if trailing is not None:
        edit = insert_line_before(a.source, trailing, WEB_CONCURRENCY.render())
        fix = Fix("Add ENV WEB_CONCURRENCY=2", (edit,), Applicability.UNSAFE)
    yield META.violation(
        anchor,
        "nothing sets Gunicorn's worker count, so it runs 1 worker; "
        "set a default with ENV WEB_CONCURRENCY=2",
        fix=fix,
    )
