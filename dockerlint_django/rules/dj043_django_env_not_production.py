"""
## What it does
Checks, for a project whose settings read `DJANGO_ENV` (the OCP settings convention), that the
image sets `ENV DJANGO_ENV=production`:

- in the final stage of a Django image (one that runs a Django server or `manage.py`, or copies a
  `manage.py`), by the end of its `ENV` chain;
- in any stage that runs `collectstatic`, before that `RUN`.

The settings are read from the build context (the `DJANGO_SETTINGS_MODULE` the image names, else
`manage.py`'s default). When they cannot be read, the rule judges only under `--profile ocp`,
which assumes the OCP settings, and only an image that is plainly a Django project's: it runs a
management command only Django has (`migrate`, `collectstatic`…), copies a `manage.py`, sets
`DJANGO_SETTINGS_MODULE`, or serves a `*.wsgi`/`*.asgi` module (a Gunicorn or uvicorn alone may
serve Flask or FastAPI). An image that chooses a settings module per environment
(`DJANGO_SETTINGS_MODULE=config.settings.production`, the other convention) is not judged then,
nor are settings that are read and never look at `DJANGO_ENV`. A `DJANGO_ENV` from a build
argument without a default, or one a `RUN` sets itself, is not known and not reported.

This is advice for production: in a development Dockerfile (`Dockerfile.dev`) it is info.

## Why is this bad?
The handbook's Django page: "`DJANGO_ENV=production` Sets `DEBUG = False`. … If using the Django
Cookiecutter template, the Dockerfile sets it." Its settings start with `production =
os.getenv("DJANGO_ENV") == "production"`, and derive `DEBUG`, the secure cookie and HSTS settings
from it. Without it the container runs with development settings: debug pages that show settings
and tracebacks to anyone who triggers an error.

The template sets it in the build stage too, so that `collectstatic` runs with the same production
settings as the runtime stage: Django lists "the `DEBUG` setting is set to `False`" among the
requirements of `ManifestStaticFilesStorage`.

## Example
```dockerfile filename=Dockerfile
FROM python:3.11
WORKDIR /workdir
COPY . .
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```
```python filename=manage.py
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
```
```python filename=core/settings.py
import os

production = os.getenv("DJANGO_ENV") == "production"
DEBUG = os.getenv("DEBUG", str(not production)) == "True"
```

## Use instead
```dockerfile filename=Dockerfile
FROM python:3.11
WORKDIR /workdir
COPY . .
ENV DJANGO_ENV=production
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```
```python filename=manage.py
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
```
```python filename=core/settings.py
import os

production = os.getenv("DJANGO_ENV") == "production"
DEBUG = os.getenv("DEBUG", str(not production)) == "True"
```

## Fix safety
Unsafe: the fix inserts the handbook's `ENV DJANGO_ENV=production` line before the stage's first
`RUN python manage.py …`, else before its first `EXPOSE`, `CMD` or `ENTRYPOINT`; a stage with none
of those gets no fix. It turns on the production settings, for the container and for the
management commands that run after it: debug off, secure cookies, HSTS, whatever else the settings
tie to it. A `DJANGO_ENV` set to another value is reported without a fix.

## References
- [OCP handbook: Dockerfile for Django](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html)
- [OCP handbook: Django](https://ocp-software-handbook.readthedocs.io/en/latest/python/django.html)
- [Django: ManifestStaticFilesStorage](https://docs.djangoproject.com/en/stable/ref/contrib/staticfiles/#manifeststaticfilesstorage)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django._record import LazyPattern
from dockerlint_django.analysis import Analysis
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.edits import insert_line_before
from dockerlint_django.dockerfile.model import Stage, State
from dockerlint_django.fix import Applicability, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.rules._handbook import DJANGO_ENV
from dockerlint_django.shell.launch import resolve_launch

META = RuleMeta(
    code="DJ043",
    name="django-env-not-production",
    severity=Severity.WARNING,
    summary="The Django image does not set ENV DJANGO_ENV=production (OCP settings).",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    profile="ocp",
    production_only=True,
)

_KEY = "DJANGO_ENV"


def _applies(ctx: Context, stage: Stage) -> str | None:
    """Why DJANGO_ENV matters to the stage's settings: they read it, or (when they cannot be
    read) the ocp profile assumes the OCP settings. None: it does not, or is not known to."""
    a = ctx.analysis
    settings = a.django_settings(stage)
    if settings is not None and settings.reads_django_env:
        return f"{settings.path} reads DJANGO_ENV"
    if settings is not None and settings.error is None:
        return None
    if ctx.profile != "ocp" or not _plainly_django(a, stage):
        return None
    env = stage.final_state.env
    if "DJANGO_SETTINGS_MODULE" in env:
        module = env["DJANGO_SETTINGS_MODULE"]
        if module is None or module.rpartition(".")[2] != "settings":
            # A module per environment (`config.settings.production`): the other convention,
            # where DJANGO_ENV means nothing.
            return None
    return "the OCP settings read DJANGO_ENV"


# Management commands only Django has: a Flask-Script `manage.py` also runs `runserver`, `shell`.
_DJANGO_ONLY = frozenset(
    {"collectstatic", "migrate", "makemigrations", "compilemessages", "makemessages", "check"}
    | {"createsuperuser", "createcachetable", "showmigrations", "loaddata", "dumpdata"}
    | {"clearsessions", "findstatic", "sqlmigrate", "squashmigrations", "diffsettings"}
)
_DJANGO_APP = LazyPattern(r"^[A-Za-z_][\w.]*\.(?:wsgi|asgi)(?::\w+)?$")


def _plainly_django(a: Analysis, stage: Stage) -> bool:
    """The stage is a Django project's, by more than a web server that could serve anything:
    it runs a management command only Django has, copies a manage.py, names DJANGO_SETTINGS_MODULE, or
    serves a ``*.wsgi``/``*.asgi`` module."""
    if "DJANGO_SETTINGS_MODULE" in stage.final_state.env:
        return True
    start = a.start(stage)
    if start is not None:
        sub = start.launch.subcommand
        if start.launch.kind == "django-command" and sub is not None and sub.value in _DJANGO_ONLY:
            return True
        for word in (start.launch.program, *start.launch.args):
            value = None if word is None else word.value
            if value is not None and _DJANGO_APP.match(value):
                return True
    for s in stage.chain:
        if any(name in _DJANGO_ONLY for _, name in _django_runs(a, s)):
            return True
        for ins in s.instructions:
            if ins.keyword in ("COPY", "ADD") and any(
                v.rstrip("/").rpartition("/")[2] == "manage.py" for v in ins.value[:-1]
            ):
                return True
    return False


def _is_production(state: State) -> bool | None:
    """DJANGO_ENV is production (True), something else or unset (False), unknown (None)."""
    if _KEY not in state.env:
        return False
    value = state.env[_KEY]
    return None if value is None else value == "production"


def _django_runs(a: Analysis, stage: Stage) -> list[tuple[Instruction, str | None]]:
    """The stage's own RUNs of manage.py, with the management command each runs."""
    out: list[tuple[Instruction, str | None]] = []
    for run in a.runs_in(stage):
        if run.onbuild:
            continue
        for cmd in run.commands:
            if not cmd.words:
                continue
            launch = resolve_launch(cmd.words)
            if launch.kind == "django-command" and not launch.shells:
                sub = launch.subcommand
                out.append((run.instruction, None if sub is None else sub.value))
    return out


def _fix(a: Analysis, stage: Stage) -> Fix | None:
    runs = _django_runs(a, stage)
    target: Instruction | None = runs[0][0] if runs else None
    if target is None:
        target = next(
            (i for i in stage.instructions if i.keyword in ("EXPOSE", "CMD", "ENTRYPOINT")), None
        )
    if target is None:
        return None
    edit = insert_line_before(a.source, target, DJANGO_ENV.render(a.dockerfile.escape))
    return Fix("Add ENV DJANGO_ENV=production", (edit,), Applicability.UNSAFE)


def _last_env(stage: Stage) -> tuple[Instruction, int] | None:
    found: tuple[Instruction, int] | None = None
    for s in stage.chain:
        for ins in s.instructions:
            if ins.keyword == "ENV":
                for i in range(0, len(ins.value) - 1, 2):
                    if ins.value[i] == _KEY:
                        found = (ins, i)
    return found


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    reported: set[int] = set()
    why = _applies(ctx, final) if final is not None and a.is_django_stage(final) else None
    if final is not None and why is not None:
        state = final.final_state
        production = _is_production(state)
        if production is False:
            reported.add(final.index)
            yield _final_finding(a, final, state, why)
    for stage in a.dockerfile.stages:
        if stage.index in reported:
            continue
        yield from _collectstatic(ctx, stage)


def _final_finding(a: Analysis, final: Stage, state: State, why: str) -> Violation:
    value = state.env.get(_KEY)
    found = _last_env(final) if _KEY in state.env else None
    if found is not None:
        ins, i = found
        span = ins.value_mapped[i].span().cover(ins.value_mapped[i + 1].span())
        return META.violation(
            span,
            f"ENV DJANGO_ENV={value} in the final stage: {why}, and the OCP settings are "
            "development ones (DEBUG on) unless it is production; set ENV DJANGO_ENV=production",
        )
    return META.violation(
        final.image_span,
        f"the final stage does not set ENV DJANGO_ENV=production: {why}, and without it the "
        "container runs with development settings (DEBUG on); set it as the handbook's "
        "Dockerfile does",
        fix=_fix(a, final),
    )


def _collectstatic(ctx: Context, stage: Stage) -> Iterator[Violation]:
    a = ctx.analysis
    why: str | None = None
    for run in a.runs_in(stage):
        if run.onbuild or run.state is None:
            continue
        for cmd in run.commands:
            if not cmd.words:
                continue
            launch = resolve_launch(cmd.words)
            sub = launch.subcommand
            if launch.kind != "django-command" or launch.shells or sub is None:
                continue
            if sub.value != "collectstatic":
                continue
            if _KEY in a.source.slice(run.instruction.span):
                return  # the RUN sets it itself (`DJANGO_ENV=production python manage.py …`)
            if _is_production(run.state) is not False:
                return
            why = _applies(ctx, stage)
            if why is None:
                return
            yield META.violation(
                sub.span,
                f"collectstatic runs in stage {stage.label()} without DJANGO_ENV=production "
                f"({why}): the settings are then development ones (DEBUG on), not those the runtime "
                "stage serves with; set ENV DJANGO_ENV=production before it, as the handbook's "
                "build stage does",
                fix=_fix(a, stage),
            )
            return
