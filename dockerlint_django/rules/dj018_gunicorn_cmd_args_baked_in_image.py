"""
## What it does
Checks that the final image does not set `GUNICORN_CMD_ARGS` with `ENV` (in its own stage or a
stage it is built `FROM`).

## Why is this bad?
The handbook keeps `GUNICORN_CMD_ARGS` for the deployment: the Dockerfile's command line carries the
options the image needs, and Docker Compose sets `GUNICORN_CMD_ARGS` (and `WEB_CONCURRENCY`) to tune
a server. A value the container is started with *replaces* the image's `ENV` value, it is not
merged with it: the day a deployment follows that advice and sets `GUNICORN_CMD_ARGS`, every option
baked into the image disappears without a word. Gunicorn's own precedence (environment, config
file, `GUNICORN_CMD_ARGS`, command line) gives the image two better places: the command line for
options the image needs, `WEB_CONCURRENCY` for the worker count.

An empty value bakes nothing in and is not reported; neither is a value that is not known when
linting (`ENV GUNICORN_CMD_ARGS=$ARGS`).

## Example
```dockerfile
FROM python:3.11
ENV GUNICORN_CMD_ARGS="--workers 2 --threads 2 --worker-tmp-dir /dev/shm"
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Use instead
```dockerfile
FROM python:3.11
ENV WEB_CONCURRENCY=2
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "--threads", "2"]
```

## Fix safety
No automatic fix yet. The catalogue's fix is unsafe: move `--workers N` to `ENV WEB_CONCURRENCY=N`
and the other options onto the exec-form command line, then delete the `ENV`. Options on the
command line outrank `GUNICORN_CMD_ARGS`, so a deployment could no longer override them; the author
has to decide which options belong to the image.

## References
- [OCP handbook: Dockerfile for Django, Gunicorn](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
- [Gunicorn: configuration overview (precedence)](https://gunicorn.org/configure/)
- [Dockerfile reference: ENV](https://docs.docker.com/reference/dockerfile/#env)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.source import Span

META = RuleMeta(
    code="DJ018",
    name="gunicorn-cmd-args-baked-in-image",
    severity=Severity.WARNING,
    summary="ENV GUNICORN_CMD_ARGS in the image is lost as soon as a deployment sets it.",
    fix=FixAvailability.NONE,
    origin="extension",
)

_NAME = "GUNICORN_CMD_ARGS"


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    state = final.final_state
    if _NAME not in state.env:
        return
    value = state.env[_NAME]
    source = state.env_sources.get(_NAME)
    if value is None or not value.strip() or source is None:
        return
    where = source.span()
    span = where
    for stage in final.chain:
        for ins in stage.instructions:
            if ins.keyword != "ENV":
                continue
            mapped = ins.value_mapped
            for i in range(0, len(mapped) - 1, 2):
                value_span = mapped[i + 1].span()
                if mapped[i].text == _NAME and value_span.start <= where.start <= value_span.end:
                    span = Span(mapped[i].span().start, value_span.end)
    advice = "put the options the image needs on Gunicorn's command line"
    if re.search(r"(?:^|\s)(?:-w|--wo?r?k?e?r?s?(?:[=\s]|$))", value):
        advice = "put the worker count in WEB_CONCURRENCY and the other options on the command line"
    yield META.violation(
        span,
        f"the image sets {_NAME}; a deployment that sets it replaces this value, and every "
        f"option here is silently lost: {advice}",
    )
