"""
## What it does
Checks that the Dockerfile does not set Django's `SECRET_KEY` (or `DJANGO_SECRET_KEY`) to a literal
value with `ENV` or `ARG`.

A Compose service that runs such an image (its final stage's `ENV`) without setting the key
itself runs with the committed value: reported on the service. This is production advice: in a
development file (`Dockerfile.dev`, `docker-compose.dev.yml`, …) the finding is info.

## Why is this bad?
Django: "The secret key must be a large random value and it must be kept secret", and "avoid
committing it to source control". A value in the Dockerfile is both committed and baked into the
image: Docker's `ENV` values "persist when a container is run from the resulting image. You can
view the values using `docker inspect`", and unsetting them in a later instruction does not take
them out of the layer. A build argument's value is recorded with every `RUN` that runs after it
in its stage (`docker history`). The handbook sets `SECRET_KEY` only through the environment at
deploy time.

What is reported:

- error: an `ENV` in the final stage or a stage it builds `FROM`, or an `ARG` with a default
  there that a later `RUN` of its stage sees (every `RUN` gets the stage's build arguments in its
  environment, and Django reads the key from it). A global `ARG` before the first `FROM` counts
  where a stage declares it again. A placeholder in the final image is an error too: a container
  started without `SECRET_KEY` silently runs with it.
- info: the same in a build stage that is not an ancestor of the final stage (typically a
  placeholder such as `dummy` so that `collectstatic` can import the settings). Its layers are not
  shipped, but a value that does not look like a placeholder is still committed to source
  control. `RUN SECRET_KEY=dummy python manage.py collectstatic --noinput` (not persisted) or
  `RUN --mount=type=secret,id=django_secret_key …` does the same without an `ENV`.

A value taken from another variable (`ENV SECRET_KEY=$SECRET_KEY`) or empty is not a literal and
is not reported. The key names are configurable (`keys`). BuildKit's `SecretsUsedInArgOrEnv`
check warns about any `ENV`/`ARG` whose name looks secret, whatever its value; this rule looks at
the value and the stage.

## Example
```dockerfile
FROM python:3.11
ENV SECRET_KEY=8f2k3l5m9n0p1q7r
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

```dockerfile
FROM python:3.11 AS build-stage
WORKDIR /workdir
COPY . .
ENV SECRET_KEY=dummy
RUN python manage.py collectstatic --noinput

FROM python:3.11
COPY --from=build-stage /workdir/static /workdir/static
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Use instead
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```
```dockerfile
FROM python:3.11 AS build-stage
WORKDIR /workdir
COPY . .
RUN SECRET_KEY=dummy python manage.py collectstatic --noinput

FROM python:3.11
COPY --from=build-stage /workdir/static /workdir/static
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```
with `SECRET_KEY` set at deploy time (compose `env_file: .env`, not committed).

## Fix safety
Unsafe, only for an `ENV` that sets nothing else, in a build stage that is not an ancestor of
the final stage and is not built `FROM` by another stage, followed by exactly one shell-form
`RUN` of a single command: the assignment becomes that command's prefix
(`RUN SECRET_KEY=dummy python manage.py collectstatic --noinput`) and the `ENV` is deleted. The
key is then no longer set for instructions other than that `RUN` (an `ENV` or `WORKDIR` that
expands it), which is why the fix is not safe. There is no fix in the final stage: the key has to
come from the deployment, which a fix cannot provide.

## References
- [Django: SECRET_KEY](https://docs.djangoproject.com/en/stable/ref/settings/#secret-key)
- [Django deployment checklist](https://docs.djangoproject.com/en/stable/howto/deployment/checklist/#secret-key)
- [Dockerfile reference: ENV](https://docs.docker.com/reference/dockerfile/#env)
- [BuildKit check: SecretsUsedInArgOrEnv](https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.analysis import RunStep
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.model import Stage
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
from dockerlint_django.source import Span

META = RuleMeta(
    code="DJ045",
    name="secret-key-in-image",
    severity=Severity.ERROR,
    summary="SECRET_KEY is set to a literal in the Dockerfile: it is committed and baked into the image.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    origin="extension",
    hadolint=("DL3064",),
    buildkit=("SecretsUsedInArgOrEnv",),
    options={"keys": ["SECRET_KEY", "DJANGO_SECRET_KEY"]},
    security_severity="7.5",
    kind=("dockerfile", "compose"),
    production_only=True,
)

_PLACEHOLDERS = ("dummy", "build", "collectstatic", "insecure", "changeme", "change-me", "x")


def _literal(raw: str) -> str | None:
    """The value when it is a non-empty literal; None for an empty or variable value."""
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        value = raw[1:-1]
    elif "$" in raw:
        return None
    else:
        value = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
    return value or None


def _is_placeholder(value: str) -> bool:
    low = value.lower()
    return low in _PLACEHOLDERS or any(p in low for p in _PLACEHOLDERS if len(p) > 1)


def _assignments(ins: Instruction, keys: frozenset[str]) -> Iterator[tuple[str, str, Span]]:
    """``(key, literal value, span of the assignment)`` for the secret keys an ENV/ARG sets."""
    mapped = ins.value_mapped
    if ins.keyword == "ENV":
        for i in range(0, len(ins.value) - 1, 2):
            value = _literal(ins.value[i + 1])
            if ins.value[i] in keys and value is not None:
                yield ins.value[i], value, mapped[i].span().cover(mapped[i + 1].span())
    elif ins.keyword == "ARG":
        for word, m in zip(ins.value, mapped, strict=False):
            name, eq, default = word.partition("=")
            value = _literal(default) if eq else None
            if name in keys and value is not None:
                yield name, value, m.span()


def _runs_after(ctx: Context, stage: Stage, ins: Instruction) -> list[RunStep]:
    return [
        r
        for r in ctx.analysis.runs_in(stage)
        if r.instruction.start_line > ins.start_line and not r.onbuild
    ]


def _redeclares(stage: Stage, name: str) -> Instruction | None:
    for ins in stage.instructions:
        if ins.keyword == "ARG" and any(w.partition("=")[0] == name for w in ins.value):
            # A stage default of its own replaces the global one.
            if any(w == name for w in ins.value):
                return ins
            return None
    return None


def _move_into_run(
    ctx: Context, stage: Stage, ins: Instruction, key: str, value: str
) -> Fix | None:
    a = ctx.analysis
    if ins.keyword != "ENV" or len(ins.value) != 2:
        return None
    if any(s.parent is stage for s in a.dockerfile.stages):
        return None
    runs = _runs_after(ctx, stage, ins)
    if len(runs) != 1:
        return None
    run = runs[0]
    if run.instruction.json or run.instruction.heredocs or len(run.commands) != 1:
        return None
    cmd = run.commands[0]
    if cmd.exec_word is not None or not cmd.words:
        return None
    source = a.source
    first = cmd.assignments[0].span if cmd.assignments else cmd.words[0].span
    start = source.index.line_start(ins.start_line)
    end = (
        source.index.line_start(ins.end_line + 1)
        if ins.end_line < source.index.line_count
        else len(source.text)
    )
    import shlex  # only a fix pays for importing it

    return Fix(
        f"Set {key} only for the RUN that needs it",
        (
            Edit(start, end, ""),
            Edit.insert(first.start, f"{key}={shlex.quote(value)} "),
        ),
        Applicability.UNSAFE,
    )


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    keys = frozenset(str(k) for k in ctx.options.get("keys", META.options["keys"]))
    shipped = {s.index for s in a.dockerfile.shipped_stages()}
    for stage in a.dockerfile.stages:
        in_final = stage.index in shipped
        for ins in stage.instructions:
            for key, value, span in _assignments(ins, keys):
                if ins.keyword == "ARG" and not _runs_after(ctx, stage, ins):
                    continue  # an unused build argument is not recorded in the image
                yield _finding(ctx, stage, ins, key, value, span, in_final)
    # Global ARGs: their default reaches a stage that declares the name again without one.
    for ins in a.dockerfile.parse.instructions:
        if ins.keyword == "FROM":
            break
        if ins.keyword != "ARG":
            continue
        for key, value, span in _assignments(ins, keys):
            users = [
                (s, d)
                for s in a.dockerfile.stages
                if (d := _redeclares(s, key)) is not None and _runs_after(ctx, s, d)
            ]
            if users:
                in_final = any(s.index in shipped for s, _ in users)
                yield _finding(ctx, users[0][0], ins, key, value, span, in_final, fixable=False)


def _finding(
    ctx: Context,
    stage: Stage,
    ins: Instruction,
    key: str,
    value: str,
    span: Span,
    in_final: bool,
    *,
    fixable: bool = True,
) -> Violation:
    where = "ENV" if ins.keyword == "ENV" else "build argument"
    if in_final:
        persisted = (
            "persists in the image (docker inspect)"
            if ins.keyword == "ENV"
            else "is recorded with each later RUN (docker history)"
        )
        return META.violation(
            span,
            f"{where} {key} sets the app's secret key to a literal that {persisted} and is "
            "committed with the Dockerfile; set it at deploy time instead",
        )
    if _is_placeholder(value):
        message = (
            f"{where} {key} sets a placeholder secret key in build stage {stage.label()}; "
            f"pass it to the one command that needs it (RUN {key}=dummy python manage.py "
            "collectstatic --noinput) or use RUN --mount=type=secret"
        )
    else:
        message = (
            f"{where} {key} in build stage {stage.label()} does not look like a placeholder: "
            "a real secret key is committed with the Dockerfile; use RUN --mount=type=secret"
        )
    fix = _move_into_run(ctx, stage, ins, key, value) if fixable else None
    return META.violation(span, message, severity=Severity.INFO, fix=fix)


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    """A Compose service that runs an image with a literal key in its ENV and does not set the
    key itself: its container uses the committed value."""
    view = ctx.service
    a = view.analysis
    final = view.stage
    if a is None or final is None or not view.layer.environment_complete:
        return
    if view.runs_django() is not True:
        return
    keys = frozenset(str(k) for k in ctx.options.get("keys", META.options["keys"]))
    state = final.final_state
    for key in sorted(keys):
        if key in view.layer.environment or not state.env.get(key):
            continue  # the service sets it (a deployment value), or the image has none
        origin = state.env_sources.get(key)
        if origin is None:
            continue
        where = origin.span()
        baked = next(
            (
                span
                for stage in final.chain
                for ins in stage.instructions
                if ins.keyword == "ENV"
                for name, _value, span in _assignments(ins, keys)
                if name == key and span.start <= where.start and where.end <= span.end
            ),
            None,
        )
        if baked is None:
            continue  # not a literal (`ENV SECRET_KEY=$SECRET_KEY`)
        anchor = view.key_span("environment") or view.key_span("env_file") or view.anchor
        yield META.violation(
            anchor,
            f"service {view.name} does not set {key}, so its container runs with the literal "
            "the image's ENV bakes in; set it at deploy time (`environment:` from an untracked "
            "env_file, or a secret)",
            related=(Related(baked, f"the image's ENV {key}"),),
        )
