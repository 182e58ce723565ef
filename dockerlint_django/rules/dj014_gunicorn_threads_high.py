"""
## What it does
Checks that Gunicorn's threaded worker (`gthread`, which `sync` becomes with `--threads` above
1) does not run more threads per worker than the rule's `max-threads` option (4 by default).
The thread count may come from the command line, `GUNICORN_CMD_ARGS` (an image `ENV`, a Compose
`environment:` or a readable `env_file`) or the config file Gunicorn loads.

## Why is this bad?
The handbook: "Unless the server becomes memory-bound, use a minimum number of threads (`2`) and
instead increase the number of workers, to lower the risk around thread safety." and "If the
application is CPU-bound, additional threads don't help, due to Python's GIL." Many threads in
one process share the application's module-level state, its database connections and its
caches; a bug there shows only under load. More worker processes give the same concurrency
without sharing memory.

Other worker classes (`gevent`, `tornado`, `asgi`, uvicorn's) ignore `--threads`, and are not
checked. A thread count the config file computes when it runs is not known here, and is not
reported.

## Example
```dockerfile
FROM python:3.12
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--threads", "16"]
```

## Use instead
```dockerfile
FROM python:3.12
ENV WEB_CONCURRENCY=4
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--threads", "2"]
```

## Fix safety
None: how many workers the memory allows instead is a deployment's decision.

## Options
`max-threads` (default 4): the largest thread count that is not reported.

```toml
[tool.dockerlint-django.rules.DJ014]
max-threads = 8
```

## References
- [OCP handbook: Dockerfile for Django, Gunicorn](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
- [Gunicorn settings: threads](https://docs.gunicorn.org/en/stable/settings.html#threads)
- [Gunicorn design: how many threads?](https://docs.gunicorn.org/en/stable/design.html#how-many-threads)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from dockerlint_django.rules._base import (
    Context,
    RuleMeta,
    ServiceContext,
    Severity,
    Violation,
)
from dockerlint_django.rules.dj016_workers_override_ineffective import option_text, service_problems

if TYPE_CHECKING:
    from dockerlint_django.gunicorn import GunicornSettings
    from dockerlint_django.source import Span

META = RuleMeta(
    code="DJ014",
    name="gunicorn-threads-high",
    severity=Severity.INFO,
    summary="Gunicorn runs many threads per worker; use 2 threads and more workers instead.",
    kind=("dockerfile", "compose"),
    options={"max-threads": 4},
)

# The threaded worker, by its short name and its class paths.
_GTHREAD = frozenset({"gthread", "gunicorn.workers.gthread.ThreadWorker", "egg:gunicorn#gthread"})


def _limit(options: Mapping[str, Any]) -> int:
    value = options.get("max-threads", 4)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return 4
    return value


def _problem(settings: GunicornSettings, limit: int) -> tuple[Span, str] | None:
    worker = settings.worker_class()
    if worker.name is None or worker.name.lstrip("#") not in _GTHREAD:
        return None
    threads = worker.threads
    value = threads.value
    if not threads.known or not isinstance(value, str) or threads.layer == "default":
        return None
    try:
        count = int(value) if threads.layer in ("cli", "cmd_args_env") else int(value, 0)
    except ValueError:
        return None  # Gunicorn does not start at all: not this rule's business
    if count <= limit:
        return None
    if threads.options:
        opt = threads.options[-1]
        span = opt.span
        shown = option_text(opt)
        where = {
            "cli": "Gunicorn's command line has",
            "cmd_args_env": "GUNICORN_CMD_ARGS has",
        }[threads.layer]
        said = f"{where} {shown}"
    elif threads.span is not None:
        span = threads.span
        said = f"the config file Gunicorn loads sets threads = {count}"
    else:
        return None
    return (
        span,
        f"{said}: {count} threads per worker, more than {limit}; use fewer threads and more "
        "workers instead (the handbook: a minimum number of threads, 2, unless memory is short), "
        "which lowers the thread-safety risk; threads do not help CPU-bound code (the GIL)",
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
    found = _problem(settings, _limit(ctx.options))
    if found is not None:
        yield META.violation(*found)


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    view = ctx.service
    settings = view.gunicorn()
    if settings is None:
        return
    limit = _limit(ctx.options)

    def problems(of: GunicornSettings) -> Iterator[tuple[Span, str]]:
        found = _problem(of, limit)
        if found is not None:
            yield found

    for span, message, related in service_problems(view, list(problems(settings)), problems):
        yield META.violation(span, message, related=related)
