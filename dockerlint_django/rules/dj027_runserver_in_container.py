"""
## What it does
Checks that the final stage does not serve the application with Django's development server:
`manage.py runserver`, `django-admin runserver`, `python -m django runserver`, or django-extensions'
`runserver_plus`, through any launcher (`sh -c`, `tini`, `uv run`, …).

## Why is this bad?
Django's deployment checklist: "The runserver command is not designed for a production setting. Be
sure to switch to a production-ready WSGI or ASGI server." The development server is
single-process, unhardened and unoptimised, auto-reloads code, and by default listens on
`127.0.0.1`, which nothing outside the container can reach. Use Gunicorn (or uvicorn, Daphne…)
in the image, and `runserver` from a development Compose override.

A `runserver` started by an entrypoint script is reported once scripts are read.

## Example
```dockerfile
FROM python:3.11
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
```

## Use instead
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Fix safety
No automatic fix yet. The catalogue's fix is unsafe: replace the command with
`["gunicorn", "<wsgi module>", "--bind", "0.0.0.0:<port>"]`, which needs `WSGI_APPLICATION` from
the Django settings and Gunicorn in the requirements; neither is read by this rule yet.

## References
- [Django deployment checklist](https://docs.djangoproject.com/en/stable/howto/deployment/checklist/)
- [django-admin runserver](https://docs.djangoproject.com/en/stable/ref/django-admin/#runserver)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ027",
    name="runserver-in-container",
    severity=Severity.ERROR,
    summary="The image serves with Django's development server (runserver).",
    fix=FixAvailability.NONE,
    origin="extension",
)


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    start = a.start(final)
    if start is None or start.launch.kind != "runserver":
        return
    command = start.command
    sub = start.launch.subcommand
    if command is None or command.instruction is None or sub is None or sub.value is None:
        return
    program = start.launch.program
    what = sub.value
    if program is not None and program.value is not None:
        what = f"{program.value} {sub.value}"
    yield META.violation(
        sub.span,
        f"the image starts Django's development server ({what}), which is not designed for "
        "production; serve with Gunicorn or another WSGI/ASGI server",
    )
