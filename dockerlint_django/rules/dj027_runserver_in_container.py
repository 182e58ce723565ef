"""
## What it does
Checks that the final stage does not serve the application with Django's development server:
`manage.py runserver`, `django-admin runserver`, `python -m django runserver`, or django-extensions'
`runserver_plus`, through any launcher (`sh -c`, `tini`, `uv run`, …).

A Compose service's `command:` that starts runserver is reported on the Compose line, also for
a service whose image is built elsewhere. This is production advice: in a development file
(`Dockerfile.dev`, `docker-compose.override.yml`, `docker-compose.dev.yml`, …) the finding is
info, and so it is for a service set up for development: one that mounts its source from the
host over the image's code (`.:/app`), or reads an env file named for development
(`conf/development.env`).

## Why is this bad?
Django's deployment checklist: "The runserver command is not designed for a production setting. Be
sure to switch to a production-ready WSGI or ASGI server." The development server is
single-process, unhardened and unoptimised, auto-reloads code, and by default listens on
`127.0.0.1`, which nothing outside the container can reach. Use Gunicorn (or uvicorn, Daphne…)
in the image, and `runserver` from a development Compose override.

A `runserver` started by an entrypoint script is reported once scripts are read.

## Example
```dockerfile filename=Dockerfile
FROM python:3.11
COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt
WORKDIR /workdir
COPY . .
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
```
```text filename=requirements.txt
Django==5.2.8
gunicorn==23.0.0
```
```python filename=manage.py
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
```
```python filename=core/settings.py
WSGI_APPLICATION = "core.wsgi.application"
```

## Use instead
```dockerfile filename=Dockerfile
FROM python:3.11
COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt
WORKDIR /workdir
COPY . .
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```
```text filename=requirements.txt
Django==5.2.8
gunicorn==23.0.0
```
```python filename=manage.py
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
```
```python filename=core/settings.py
WSGI_APPLICATION = "core.wsgi.application"
```

## Fix safety
Unsafe: a `CMD` (with no `ENTRYPOINT`) is replaced by
`["gunicorn", "<wsgi module>", "--bind", "0.0.0.0:<port>"]`, the module from `WSGI_APPLICATION` in
the project's settings (`core.wsgi.application` gives `core.wsgi`) and the port from runserver's
address (8000 by default). It is offered only when the settings are read and the image pins
Gunicorn in the requirements it installs. A different server changes behaviour (static files,
reloading, worker processes), which a person should review.

## References
- [Django deployment checklist](https://docs.djangoproject.com/en/stable/howto/deployment/checklist/)
- [django-admin runserver](https://docs.djangoproject.com/en/stable/ref/django-admin/#runserver)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dockerlint_django.analysis import Start
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
    Related,
    RuleMeta,
    ServiceContext,
    Severity,
    Violation,
)
from dockerlint_django.rules._service_view import (
    from_service,
    image_less_launch,
    key_at,
    replaced,
    service_key,
    service_label,
    view_file_name,
)
from dockerlint_django.shell.launch import Launch
from dockerlint_django.source import Span

if TYPE_CHECKING:
    from dockerlint_django.service import ServiceView

META = RuleMeta(
    code="DJ027",
    name="runserver-in-container",
    severity=Severity.ERROR,
    summary="The image serves with Django's development server (runserver).",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    origin="extension",
    kind=("dockerfile", "compose"),
    production_only=True,
)


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None or a.runtime is not None:
        return  # a service's view is judged by check_service, which knows the service's mounts
    start = a.start(final)
    if start is None or start.launch.kind != "runserver":
        return
    command = start.command
    sub = start.launch.subcommand
    if command is None or command.instruction is None or sub is None or sub.value is None:
        return
    yield META.violation(
        sub.span,
        f"the image starts Django's development server ({_what(start.launch)}), which is not "
        "designed for production; serve with Gunicorn or another WSGI/ASGI server",
        fix=_fix(ctx, start),
    )


def _what(launch: Launch) -> str:
    sub, program = launch.subcommand, launch.program
    what = sub.value if sub is not None and sub.value is not None else "runserver"
    if program is not None and program.value is not None:
        what = f"{program.value} {what}"
    return what


def _runserver(view: ServiceView) -> tuple[Launch, Span, str, tuple[Related, ...]] | None:
    """The runserver a service's own `command:`/`entrypoint:` starts: the launch, the word,
    how the message names the command, and the image's instruction it replaces."""
    a = view.analysis
    if a is not None:
        final = view.stage
        start = view.start()
        if final is None or start is None or start.launch.kind != "runserver":
            return None
        command, sub = start.command, start.launch.subcommand
        if command is None or sub is None or sub.value is None:
            return None
        if service_key(a, command) is None or not from_service(a, sub.span):
            return None  # the image's own start command: the Dockerfile's finding
        return start.launch, sub.span, service_label(a, command), replaced(a, command)
    found = image_less_launch(view)
    if found is None:
        return None
    launch, _keys = found
    sub = launch.subcommand
    if launch.kind != "runserver" or sub is None or sub.value is None:
        return None
    key = key_at(view, sub)
    if key is None:
        return None
    return launch, sub.span, f"{view_file_name(view, sub.span)}'s `{key}:`", ()


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    """A runserver a Compose service's own command starts, over its image or an image built
    elsewhere."""
    view = ctx.service
    found = _runserver(view)
    if found is None:
        return
    launch, span, label, related = found
    message = (
        f"{label} starts Django's development server ({_what(launch)}), which is not designed "
        "for production; serve with Gunicorn or another WSGI/ASGI server, and keep runserver in "
        "a development Compose override"
    )
    # Serving with runserver is this rule's own finding: it does not make the setup one.
    reason = view.development_setup(runserver=False)
    if reason is not None:
        yield META.violation(
            span, f"{message} (info here: {reason})", severity=Severity.INFO, related=related
        )
        return
    yield META.violation(span, message, related=related)


def _fix(ctx: Context, start: Start) -> Fix | None:
    """``CMD ["gunicorn", "<WSGI module>", "--bind", "0.0.0.0:<port>"]`` when everything is known."""
    import json  # only a fix pays for importing it

    a = ctx.analysis
    command = start.command
    final = start.stage
    if command is None or command.keyword != "CMD" or start.entrypoint is not None:
        return None
    ins = command.instruction
    if ins is None or ins.heredocs:
        return None
    span = ins.args.span()
    if any(span.start <= c.span.start < span.end for c in a.dockerfile.parse.comments):
        return None
    settings = a.django_settings(final)
    if settings is None or settings.wsgi_application.state != "known":
        return None
    app = settings.wsgi_application.value or ""
    module, _, attribute = app.rpartition(".")
    if not module:
        return None
    target = module if attribute == "application" else f"{module}:{attribute}"
    if a.gunicorn_version(final) is None:
        return None  # Gunicorn must be installed: only a pinned one is known to be
    port = "8000"
    for word in start.launch.args:
        value = word.value
        if value is None:
            return None
        if value.startswith("-"):
            continue
        candidate = value.rpartition(":")[2]
        if not candidate.isdigit():
            return None
        port = candidate
        break
    argv = ["gunicorn", target, "--bind", f"0.0.0.0:{port}"]
    array = "[" + ", ".join(json.dumps(v) for v in argv) + "]"
    return Fix(f"Serve {target} with Gunicorn", (Edit.replace(span, array),), Applicability.UNSAFE)
