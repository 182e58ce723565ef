"""
## What it does
Checks that a short Gunicorn worker-class name (`-k`/`--worker-class` without a dot) is one that
Gunicorn ships: `sync`, `gthread`, `gevent`, `gevent_wsgi`, `gevent_pywsgi`, `tornado`, `asgi`.

## Why is this bad?
Gunicorn resolves a short name against its bundled workers
(`benoitc/gunicorn:gunicorn/workers/__init__.py`); anything else stops it at startup with "class
uri … invalid or not found", so the container exits before serving a request. The handbook spells
the threaded worker "gthreads" five times, and copying that into `-k gthreads` is exactly this
failure. `gthreads`, `thread`, `threads` and `threaded` are taken to mean `gthread`.

`eventlet` was deprecated in Gunicorn 25 and removed in 26.0 ("Eventlet worker removed"). It is an
error when the image pins Gunicorn 26 or later (read from the requirements files it installs, in
the build context, or a `gunicorn==` on the pip command line); otherwise a warning: an unknown
version never gives an error.

The value may come from the command line or `GUNICORN_CMD_ARGS` in the image's `ENV`; only the
one Gunicorn uses (the last) is checked. Dotted class paths (`uvicorn.workers.UvicornWorker`) and
`egg:` entry points are not checked. A config file the image may load (`-c`, or a
`gunicorn.conf.py` that a `COPY` may put in the working folder) may set the class: then nothing is
reported.

## Example
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "-k", "gthreads", "--threads", "2"]
```

## Use instead
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "-k", "gthread", "--threads", "2"]
```

`--threads` above 1 selects the `gthread` worker by itself.

## Fix safety
Safe for the known misspellings of `gthread`: the value is replaced with `gthread` where it is
written (an exec-form element, `--worker-class=…`, or a word of a shell command). Gunicorn looks
a short name up only among its own workers, so with the misspelling it never started: there is
no working behaviour to change, and `gthread` is the worker the name was meant to pick. No fix
for `eventlet` (moving to another worker is a code change) or for other unknown names.

## References
- [Gunicorn settings: worker_class](https://docs.gunicorn.org/en/stable/settings.html#worker-class)
- [Gunicorn 26.0 release notes](https://gunicorn.org/news/)
- [OCP handbook: Dockerfile for Django, Gunicorn](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.gunicorn import bundled_worker_classes
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ015",
    name="gunicorn-worker-class-invalid",
    severity=Severity.ERROR,
    summary="Gunicorn has no worker class by that name and will not start.",
    fix=FixAvailability.SOMETIMES,
    origin="extension",
)

_TYPOS = frozenset({"gthreads", "thread", "threads", "threaded"})


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    settings = a.gunicorn(final)
    if settings is None:
        return
    configured = settings.get("worker_class")
    value = configured.value
    if not configured.known or not isinstance(value, str) or configured.layer == "default":
        return
    if "." in value or value.startswith("egg:"):
        return
    # Gunicorn's load_class drops leading "#" from a short name ("#gthread").
    name = value.lstrip("#")
    if name in bundled_worker_classes():
        return
    opt = configured.options[-1] if configured.options else None
    span = (opt.value_span if opt is not None else None) or configured.span
    if span is None:
        return
    if name == "eventlet":
        final = a.dockerfile.final
        version = a.gunicorn_version(final) if final is not None else None
        if version is not None and version >= (26,):
            shown = ".".join(str(p) for p in version)
            yield META.violation(
                span,
                f"the image installs Gunicorn {shown}, which has no eventlet worker (removed in "
                "26.0): Gunicorn stops at startup; use gevent or gthread",
                severity=Severity.ERROR,
            )
            return
        yield META.violation(
            span,
            "the eventlet worker was deprecated in Gunicorn 25 and removed in 26.0, where "
            "Gunicorn stops at startup; use gevent or gthread",
            severity=Severity.WARNING,
        )
        return
    fix = None
    if name in _TYPOS and a.text(span) == value:
        edit = Edit(span.start, span.end, "gthread")
        fix = Fix("Use the gthread worker", (edit,), Applicability.SAFE)
    hint = "; did you mean gthread?" if name in _TYPOS else ""
    known = ", ".join(sorted(bundled_worker_classes()))
    yield META.violation(
        span,
        f"Gunicorn has no worker class {value!r} and stops at startup{hint} (known: {known})",
        fix=fix,
    )
