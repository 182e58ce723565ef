"""
## What it does
Checks that Gunicorn does not run the `sync` worker with a single thread, the setting it starts
with when nothing chooses a worker class or a thread count.

For a Compose service, its `command:` and environment are laid over the image: a `command:`
that starts Gunicorn without threads (or `GUNICORN_CMD_ARGS: "--threads 1"`) is reported on the
Compose line, and one that sets `--threads 2` clears the image's finding for that service.

## Why is this bad?
The handbook: "When using the `gthreads` worker class, a main thread handles the heartbeat. As
such, we use the `gthreads` worker class, to not have to worry about heartbeat timeouts." and
"Unless the server becomes memory-bound, use a minimum number of threads (`2`)". A `sync` worker
serves one request at a time and stops notifying the arbiter while it does, so a request that
outlasts `--timeout` gets the worker killed; Gunicorn's design notes say "Threads can extend
request time beyond the worker timeout while still notifying the arbiter". With `--threads` above
1, Gunicorn switches the `sync` worker to `gthread` by itself.

Only the `sync` worker is concerned (the default, `-k sync`, or its class path); `gevent`,
`tornado`, `asgi`, uvicorn workers and servers other than Gunicorn are not. A config file the image
may load (`-c`, or a `gunicorn.conf.py` that a `COPY` may put in the working folder) may set the
worker class or threads: then nothing is reported.

The finding is info; the `ocp` pack raises it to a warning (`severity: {DJ013: warning}` in
`dockerlint_django/packs.py`), since the handbook's `--threads 2` is the house convention there.

## Example
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Use instead
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--threads", "2"]
```

## Fix safety
Unsafe: appends `"--threads", "2"` to an exec-form command whose last element is Gunicorn's last
argument (not a `sh -c` string, no `--`), when the command line sets no thread count. With
`--threads` above 1 Gunicorn runs the `gthread` worker instead of `sync`: two requests share a
process at a time, and `--timeout` stops applying to a long request the same way (the worker
keeps its heartbeat). That needs thread-safe application code, which the handbook also warns
about, and more memory per worker.

## References
- [OCP handbook: Dockerfile for Django, Gunicorn](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
- [Gunicorn settings: threads](https://docs.gunicorn.org/en/stable/settings.html#threads)
- [Gunicorn design: how many threads?](https://docs.gunicorn.org/en/stable/design.html)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from dockerlint_django.analysis import Start
from dockerlint_django.fix import Applicability, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.rules._handbook import THREADS
from dockerlint_django.rules._service_view import (
    command_span,
    from_service,
    replaced,
    service_key,
    service_label,
)

META = RuleMeta(
    code="DJ013",
    name="gunicorn-threads-missing",
    severity=Severity.INFO,
    summary="Gunicorn runs the sync worker with one thread; use --threads 2 (gthread).",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    kind=("dockerfile", "compose"),
    production_only=True,
)

_SYNC_PATHS = frozenset({"gunicorn.workers.sync.SyncWorker", "egg:gunicorn#sync"})


def _append(ctx: Context, start: Start, words: Sequence[str], title: str) -> Fix | None:
    edit = ctx.analysis.append_to_server(start, words)
    return None if edit is None else Fix(title, (edit,), Applicability.UNSAFE)


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    settings = a.gunicorn(final)
    start = a.start(final)
    if settings is None or start is None:
        return
    worker = settings.worker_class()
    if worker.name is None or worker.switched:
        return
    if worker.name.lstrip("#") != "sync" and worker.name not in _SYNC_PATHS:
        return
    command = start.command
    anchor = command_span(a, command, final)
    threads = worker.threads
    span = threads.span if threads.layer != "default" and threads.span is not None else anchor
    shown = "" if threads.layer == "default" else f" (threads={threads.value})"
    if a.runtime is not None:
        # A service's view: only what the service sets (its command, its environment) is its own.
        if not from_service(a, span):
            return
        own = service_key(a, command) is not None
        within = own and anchor.start <= span.start and span.end <= anchor.end
        where = (
            f"{service_label(a, command)} starts Gunicorn"
            if command is not None and within
            else "Gunicorn runs"
        )
        yield META.violation(
            span,
            f"{where} with the sync worker and one thread{shown}: a request that outlasts the "
            "timeout gets its worker killed; add --threads 2 (which selects gthread)",
            related=replaced(a, command) if within else (),
        )
        return
    # An explicit `--threads 1` on the command line would leave two options; say it, don't stack.
    fix = (
        None
        if threads.layer == "cli"
        else _append(ctx, start, list(THREADS.words), "Add --threads 2")
    )
    yield META.violation(
        span,
        f"Gunicorn runs the sync worker with one thread{shown}: a request that outlasts the "
        "timeout gets its worker killed; add --threads 2 (which selects gthread)",
        fix=fix,
    )
