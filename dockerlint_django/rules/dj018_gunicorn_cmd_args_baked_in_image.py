"""
## What it does
Checks that the final image does not set `GUNICORN_CMD_ARGS` with `ENV` (in its own stage or a
stage it is built `FROM`).

For a Compose service that sets `GUNICORN_CMD_ARGS` (in `environment:` or an env file) over an
image that bakes one in, the image's options that nothing else sets are lost in that container:
reported on the service's value, naming them.

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
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--threads", "2", "--worker-tmp-dir", "/dev/shm"]
```

## Fix safety
Unsafe: `--workers N` moves to `ENV WEB_CONCURRENCY=N`, the other options onto the end of the
exec-form command, and the `ENV GUNICORN_CMD_ARGS` line goes. Options on the command line outrank
`GUNICORN_CMD_ARGS`, so a deployment could no longer override them; the author has to decide which
options belong to the image. Offered only when that `ENV` sets nothing else, in the final stage,
with an exec-form start command that ends with Gunicorn's arguments and no `WEB_CONCURRENCY` yet.

## References
- [OCP handbook: Dockerfile for Django, Gunicorn](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
- [Gunicorn: configuration overview (precedence)](https://gunicorn.org/configure/)
- [Dockerfile reference: ENV](https://docs.docker.com/reference/dockerfile/#env)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.model import Stage
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.gunicorn import parse_cmd_args_env
from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
    Related,
    RuleMeta,
    Severity,
    Violation,
)
from dockerlint_django.rules._service_view import file_name
from dockerlint_django.source import Mapped, Span

META = RuleMeta(
    code="DJ018",
    name="gunicorn-cmd-args-baked-in-image",
    severity=Severity.WARNING,
    summary="ENV GUNICORN_CMD_ARGS in the image is lost as soon as a deployment sets it.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    origin="extension",
    kind=("dockerfile", "compose"),
    production_only=True,
)

_NAME = "GUNICORN_CMD_ARGS"


def _replaced_by_service(ctx: Context, final: Stage, span: Span, value: str) -> Iterator[Violation]:
    """A Compose service sets GUNICORN_CMD_ARGS over the image's: the image's options that
    nothing else sets are gone from that container."""
    a = ctx.analysis
    runtime = a.runtime
    assert runtime is not None
    own = runtime.environment.get(_NAME)
    settings = a.gunicorn(final)
    if own is None or own.value is None or own.span is None or settings is None:
        return
    image, error = parse_cmd_args_env(Mapped.from_source(value, 0))
    if error is not None or image.errors or image.uncertain:
        return
    service = settings.cmd_args_env
    if service is None or service.uncertain:
        return
    kept = {o.setting for o in service.options}
    if settings.cli is not None:
        if settings.cli.uncertain:
            return
        kept |= {o.setting for o in settings.cli.options}  # the command line sets those anyway
    lost = [
        " ".join(w.value or "" for w in image.words[o.start : o.stop])
        for o in image.options
        if o.setting not in kept
    ]
    if not lost:
        return
    where = (
        f"{file_name(a, own.span)}'s `environment:`"
        if own.layer == "environment"
        else f"the env file {file_name(a, own.span)}"
    )
    yield META.violation(
        own.span,
        f"{where} sets {_NAME}, which replaces the image's {_NAME} instead of adding to it: "
        f"{', '.join(lost)} no longer apply; put what the image needs on its command line, "
        "or repeat it here",
        related=(Related(span, f"the image's ENV {_NAME}, which the service's value replaces"),),
    )


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
    env_ins: Instruction | None = None
    for stage in final.chain:
        for ins in stage.instructions:
            if ins.keyword != "ENV":
                continue
            mapped = ins.value_mapped
            for i in range(0, len(mapped) - 1, 2):
                value_span = mapped[i + 1].span()
                if mapped[i].text == _NAME and value_span.start <= where.start <= value_span.end:
                    span = Span(mapped[i].span().start, value_span.end)
                    env_ins = ins
    if a.runtime is not None:
        # A service's view: the image's own value is the Dockerfile's finding.
        yield from _replaced_by_service(ctx, final, span, value)
        return
    advice = "put the options the image needs on Gunicorn's command line"
    if re.search(r"(?:^|\s)(?:-w|--wo?r?k?e?r?s?(?:[=\s]|$))", value):
        advice = "put the worker count in WEB_CONCURRENCY and the other options on the command line"
    yield META.violation(
        span,
        f"the image sets {_NAME}; a deployment that sets it replaces this value, and every "
        f"option here is silently lost: {advice}",
        fix=_fix(ctx, final, env_ins, value),
    )


def _fix(ctx: Context, final: Stage, env_ins: Instruction | None, value: str) -> Fix | None:
    """Workers to ENV WEB_CONCURRENCY, the rest onto the exec-form CMD, the ENV line gone."""
    a = ctx.analysis
    start = a.start(final)
    settings = a.gunicorn(final)
    if env_ins is None or len(env_ins.value) != 2 or start is None or settings is None:
        return None  # an ENV that also sets other variables, or no Gunicorn start command
    if not any(ins is env_ins for ins in final.instructions):
        return None  # set in a parent stage: the edit would change that stage too
    args = settings.cmd_args_env
    if args is None or args.errors or args.uncertain or "WEB_CONCURRENCY" in final.final_state.env:
        return None
    import shlex  # only a fix pays for importing it

    try:
        words = shlex.split(value)
    except ValueError:
        return None
    workers = [o for o in args.options if o.setting == "workers"]
    if len(workers) > 1 or (workers and not isinstance(workers[0].value, str)):
        return None
    rest = [w for i, w in enumerate(words) if not any(o.start <= i < o.stop for o in workers)]
    edits: list[Edit] = []
    if rest:
        append = a.append_to_server(start, rest)
        if append is None:
            return None
        edits.append(append)
    line_start = a.source.index.line_start(env_ins.start_line)
    line_end = a.source.index.line_start(env_ins.end_line) + len(
        a.source.line_text(env_ins.end_line)
    )
    newline = len(a.source.newline) if line_end < len(a.source.text) else 0
    replacement = f"ENV WEB_CONCURRENCY={workers[0].value}{a.source.newline}" if workers else ""
    edits.append(Edit(line_start, line_end + newline, replacement))
    return Fix("Move the options out of GUNICORN_CMD_ARGS", tuple(edits), Applicability.UNSAFE)
