"""
## What it does
Checks that Django's debug mode is not switched on through the environment: `DEBUG` or
`DJANGO_DEBUG` set to a true value (`True`, `true`, `1`, `yes`, `on`, or the YAML boolean
`true`) by an `ENV` of the image's final stage (also `ENV DEBUG=${DEBUG}` from a build argument
whose default is true), by a Compose service's `environment:`, or by an env file the service
reads (`env_file:`; that finding is reported at the line of the env file).

## Why is this bad?
Django's deployment checklist: "You must never enable debug in production." With `DEBUG` on,
every error page shows the traceback, local variables, the settings and the SQL that ran, to
whoever triggers the error; Django also keeps every query in memory. An `ENV` in the image
persists into every container started from it, so one debug line in the Dockerfile ships to
production unless every deployment remembers to override it.

Values are read after interpolation: `DEBUG: ${DEBUG}` is judged by what the `.env` file gives it,
and one whose variable has no value here is not known and not reported. A value set in an
`ENV` of the image is reported at the Dockerfile, once, not again for each service that runs the
image. Only Django images and services are checked: a final stage that runs a Django server or
`manage.py` or copies a `manage.py`, an image named `…-django`, or a service whose environment
has `DJANGO_*` settings (a `DJANGO_DEBUG` key counts by itself).

With the `ocp` profile, the settings are OCP's: `DEBUG = os.getenv("DEBUG", str(not production))
== "True"`. Only the exact string `True` enables debug there, so `true` or `1` is reported at
info as having no effect; and a `DJANGO_ENV` other than `production` with no `DEBUG` set turns
debug on by default, which is reported too.

This is advice for production: in a development Compose file, env file or Dockerfile
(`docker-compose.dev.yml`, an override file, `Dockerfile.dev`), or for a service or image that
serves with `manage.py runserver`, it is reported at info.

## Example
```dockerfile
FROM python:3.11
ENV DJANGO_ENV=production
ENV DEBUG=True
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Use instead
```dockerfile
FROM python:3.11
ENV DJANGO_ENV=production
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Fix safety
Unsafe: the fix deletes the `ENV` entry (an `ENV` of the final stage with a literal value), or
the Compose `environment:` entry when it is alone on its line in a block mapping or list. The
container then runs with the debug default of its settings (or the value of a lower layer: an
env file, the image's `ENV`), which changes its behaviour, on purpose. A value in an env file,
or taken from a build argument, is reported without a fix.

## Options
- `keys` (default `["DEBUG", "DJANGO_DEBUG"]`): the variables the settings read debug mode from
  (for example `DD_DEBUG` for a `django-environ` prefix).

## References
- [Django deployment checklist: DEBUG](https://docs.djangoproject.com/en/stable/howto/deployment/checklist/#debug)
- [Django settings: DEBUG](https://docs.djangoproject.com/en/stable/ref/settings/#debug)
- [Compose file reference: environment](https://docs.docker.com/reference/compose-file/services/#environment)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

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
from dockerlint_django.rules._env_values import (
    entry_deletion,
    interpolates,
    is_truthy,
    runs_django,
    value_span,
    where,
    written,
)

if TYPE_CHECKING:
    from dockerlint_django.analysis import Analysis
    from dockerlint_django.dockerfile.ast import Instruction
    from dockerlint_django.dockerfile.model import Stage
    from dockerlint_django.service import ServiceView
    from dockerlint_django.source import Span

META = RuleMeta(
    code="DJ044",
    name="debug-enabled",
    severity=Severity.ERROR,
    summary="Django's DEBUG is switched on by the image's ENV or the service's environment.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    origin="extension",
    kind=("dockerfile", "compose"),
    options={"keys": ["DEBUG", "DJANGO_DEBUG"]},
    production_only=True,
    security_severity="5.3",
)

_WHY = "Django then shows tracebacks, settings and SQL to anyone who triggers an error"


def _keys(options: Mapping[str, Any]) -> tuple[str, ...]:
    keys = options.get("keys", META.options["keys"])
    if isinstance(keys, str) or not isinstance(keys, Sequence):
        keys = META.options["keys"]
    return tuple(str(k) for k in keys)


def _judge(value: str, profile: str) -> tuple[Severity | None, str] | None:
    """The severity (None: the rule's) and what the value does; None when debug stays off."""
    if not is_truthy(value):
        return None
    if profile == "ocp" and value != "True":
        return Severity.INFO, (
            "which has no effect with the OCP settings (they enable debug only for the exact "
            'string "True"); remove it'
        )
    return None, f"which enables Django's debug mode: {_WHY}; never enable it in production"


# -- the image ------------------------------------------------------------------------------


def _last_env(stage: Stage, key: str) -> tuple[Stage, Instruction, int] | None:
    """The ENV instruction of the stage chain that set ``key`` last, and the pair's index."""
    found: tuple[Stage, Instruction, int] | None = None
    for s in stage.chain:
        for ins in s.instructions:
            if ins.keyword != "ENV":
                continue
            for i in range(0, len(ins.value) - 1, 2):
                if ins.value[i] == key:
                    found = (s, ins, i)
    return found


def _arg_for(a: Analysis, stage: Stage, env: Instruction, raw: str) -> Instruction | None:
    """The ARG whose default an ``ENV KEY=$NAME`` takes, for the related note."""
    names = {w.strip("${}").split(":")[0] for w in raw.split("$")[1:]}
    for ins in reversed(stage.instructions):
        if (
            ins.keyword == "ARG"
            and ins.start_line < env.start_line
            and any(w.partition("=")[0] in names and "=" in w for w in ins.value)
        ):
            return ins
    for ins in a.dockerfile.parse.instructions:
        if ins.keyword == "FROM":
            break
        if ins.keyword == "ARG" and any(
            w.partition("=")[0] in names and "=" in w for w in ins.value
        ):
            return ins
    return None


def _env_deletion(a: Analysis, ins: Instruction, i: int) -> Edit | None:
    mapped = ins.value_mapped
    if len(ins.value) == 2:
        text = a.source.text
        start = a.source.index.line_start(ins.start_line)
        end = (
            a.source.index.line_start(ins.end_line + 1)
            if ins.end_line < a.source.index.line_count
            else len(text)
        )
        return Edit(start, end, "")
    if i + 2 < len(mapped):
        return Edit(mapped[i].span().start, mapped[i + 2].span().start, "")
    return Edit(mapped[i - 1].span().end, mapped[i + 1].span().end, "")


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    state = final.final_state
    django = a.is_django_stage(final)
    dev = _image_development(a, final)
    keys = _keys(ctx.options)
    for key in keys:
        if key not in state.env or not (django or "DJANGO" in key):
            continue
        value = state.env[key]
        if value is None:
            continue
        judged = _judge(value, ctx.profile)
        if judged is None:
            continue
        found = _last_env(final, key)
        if found is None:
            continue
        stage, ins, i = found
        yield _image_finding(a, final, stage, ins, i, judged, dev)
    if ctx.profile == "ocp" and django and not any(k in state.env for k in keys):
        env = state.env.get("DJANGO_ENV")
        found = _last_env(final, "DJANGO_ENV")
        if env is not None and env != "production" and found is not None:
            _stage, ins, i = found
            span = ins.value_mapped[i].span().cover(ins.value_mapped[i + 1].span())
            yield META.violation(
                span,
                f"ENV DJANGO_ENV={env} and no DEBUG: the OCP settings enable debug when "
                f'DJANGO_ENV is not "production" ({_WHY}); set ENV DJANGO_ENV=production',
                severity=Severity.INFO if dev else None,
            )


def _image_development(a: Analysis, final: Stage) -> str | None:
    """Why the image is plainly a development one: it serves with runserver, or its stage is
    named for development (`FROM base AS dev`, built with `--target dev`)."""
    from dockerlint_django.project.development import development_reason

    start = a.start(final)
    if start is not None and start.launch.kind == "runserver":
        return "the image runs manage.py runserver, a development setup"
    if final.name is not None and development_reason(final.name) is not None:
        return f"the stage {final.name} is a development stage"
    return None


def _image_finding(
    a: Analysis,
    final: Stage,
    stage: Stage,
    ins: Instruction,
    i: int,
    judged: tuple[Severity | None, str],
    dev: str | None,
) -> Violation:
    severity, effect = judged
    raw = ins.value[i + 1]
    span = ins.value_mapped[i].span().cover(ins.value_mapped[i + 1].span())
    related: tuple[Related, ...] = ()
    where_set = "ENV" if stage is final else f"ENV of stage {stage.label()}, which it builds on,"
    key = ins.value[i]
    message = f"{where_set} sets {key}={final.final_state.env.get(key)}, {effect}"
    fix = None
    if "$" in raw:
        arg = _arg_for(a, stage, ins, raw)
        message = f"{where_set} sets {key}={raw} ({final.final_state.env.get(key)} here), {effect}"
        if arg is not None:
            related = (Related(arg.span, "the build argument's default"),)
    elif stage is final and severity is None:
        edit = _env_deletion(a, ins, i)
        if edit is not None:
            fix = Fix(f"Remove {ins.value[i]} from the image", (edit,), Applicability.UNSAFE)
    if dev is not None and severity is None:
        severity = Severity.INFO
        message += f" (info here: {dev})"
    return META.violation(span, message, severity=severity, fix=fix, related=related)


# -- a Compose service ----------------------------------------------------------------------


def _source_of(view: ServiceView, text: str) -> tuple[str, Span | None] | None:
    """For ``${NAME}``-style written values: the variable and where its value is set."""
    import re

    m = re.fullmatch(r"""["']?\$\{?([A-Za-z_][A-Za-z0-9_]*)[^}]*\}?["']?""", text.strip())
    if m is None:
        return None
    name = m.group(1)
    src = view.project.environment.get(name)
    if src is None or src.origin is None:
        return name, None
    return name, view.span(src.origin)


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    view = ctx.service
    keys = _keys(ctx.options)
    django = runs_django(view)
    dev = view.development_setup()
    for key in keys:
        env = view.env(key)
        if env is None or env.value is None or not (django or "DJANGO" in key):
            continue
        judged = _judge(env.value, ctx.profile)
        if judged is None:
            continue
        span = value_span(view, key)
        if span is None:
            continue
        yield _service_finding(view, key, env.value, judged, span, dev)
    if ctx.profile == "ocp" and django:
        env = view.env("DJANGO_ENV")
        debug_set = any(view.env(k) is not None or view.image_env(k) is not None for k in keys)
        if env is not None and env.value is not None and env.value != "production":
            span = value_span(view, "DJANGO_ENV")
            if span is not None and not debug_set and view.layer.environment_complete:
                yield META.violation(
                    span,
                    f"{where(view, 'DJANGO_ENV')} sets DJANGO_ENV={env.value} for {view.name} and "
                    f'no DEBUG: the OCP settings enable debug when DJANGO_ENV is not "production" '
                    f"({_WHY}); set DJANGO_ENV=production",
                    severity=Severity.INFO if dev else None,
                )


def _service_finding(
    view: ServiceView,
    key: str,
    value: str,
    judged: tuple[Severity | None, str],
    span: Span,
    dev: str | None,
) -> Violation:
    severity, effect = judged
    shown = where(view, key)
    message = f"{shown} sets {key}={value} for {view.name}, {effect}"
    related: tuple[Related, ...] = ()
    fix = None
    w = written(view, key)
    if w is not None and interpolates(w.text):
        found = _source_of(view, w.text)
        message = f"{shown} sets {key}: {w.text.strip()} ({value} here) for {view.name}, {effect}"
        if found is not None and found[1] is not None:
            related = (Related(found[1], f"{found[0]} is set here"),)
    elif w is not None and severity is None:
        deletion = entry_deletion(view, key)
        if deletion is not None:
            fix = Fix(
                f"Remove {key} from the service's environment",
                (Edit(deletion[0], deletion[1], ""),),
                Applicability.UNSAFE,
            )
    if dev is not None and severity is None:
        severity = Severity.INFO
        message += f" (info here: {dev})"
    return META.violation(span, message, severity=severity, fix=fix, related=related)
