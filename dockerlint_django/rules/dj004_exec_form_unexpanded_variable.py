"""
## What it does
Checks the final stage's exec-form `CMD` and `ENTRYPOINT` for `$VAR` or `${…}` in an argument,
which no shell will ever expand.

A Compose service's `command:` and `entrypoint:` are checked too. Compose substitutes `$VAR`
and `${VAR:-…}` from the host or `.env` before the container starts, so only a value written
`$$VAR` (which reaches the program as `$VAR`) is reported, on the Compose line.

## Why is this bad?
The Dockerfile reference: "Using the exec form doesn't automatically invoke a command shell. This
means that normal shell processing, such as variable substitution, doesn't happen. For example,
`RUN [ "echo", "$HOME" ]` won't handle variable substitution for `$HOME`." The builder does not
substitute variables in `CMD` or `ENTRYPOINT` either. Gunicorn then receives the text itself:
`--bind 0.0.0.0:${PORT:-8000}` fails with "is not a valid port number", `--workers
$WEB_CONCURRENCY` with "invalid int value", and the container does not start.

The script of a `sh -c` (or `bash -c`, …) is expanded by that shell and is not reported; neither is
the code after `-c` of an interpreter such as `python -c`, where `$` is the language's own.

## Example
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:$PORT"]
```

## Use instead
```dockerfile
FROM python:3.11
ENV PORT=8000
CMD ["gunicorn", "core.wsgi"]
```

Gunicorn binds to `0.0.0.0:$PORT` by itself when `--bind` is omitted. The other remedy is a shell:
`CMD ["sh", "-c", "exec gunicorn core.wsgi --bind 0.0.0.0:$PORT"]`.

## Fix safety
No automatic fix: there are two valid remedies, a shell (`["sh", "-c", "exec …"]`) or a setting
the server reads from the environment (Gunicorn: `PORT`, `WEB_CONCURRENCY`,
`GUNICORN_CMD_ARGS`), and which one fits is the author's choice.

## References
- [Dockerfile reference: shell and exec form, variable substitution](https://docs.docker.com/reference/dockerfile/#variable-substitution)
- [Gunicorn settings: bind](https://docs.gunicorn.org/en/stable/settings.html#bind)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from dockerlint_django._record import LazyPattern
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.model import Command
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
    image_less_launch,
    replaced,
    service_key,
    service_label,
    view_file_name,
)
from dockerlint_django.shell.launch import basename
from dockerlint_django.shell.syntax import WordLike
from dockerlint_django.source import Span

META = RuleMeta(
    code="DJ004",
    name="exec-form-unexpanded-variable",
    severity=Severity.ERROR,
    summary="A $VARIABLE in exec-form CMD/ENTRYPOINT is passed literally; nothing expands it.",
    fix=FixAvailability.NONE,
    origin="extension",
    kind=("dockerfile", "compose"),
)

_VARIABLE = LazyPattern(r"\$(?:\{[^}]*\}?|[A-Za-z_][A-Za-z0-9_]*)")
# Programs whose `-c` argument is code in their own language: `$` there is not Docker's problem.
_CODE_RUNNERS = LazyPattern(
    r"(?:sh|bash|dash|ash|zsh|ksh|mksh|busybox|su|runuser|perl|ruby|node|"
    r"(?:python|pypy)(?:\d+(?:\.\d+)?)?)\Z"
)
_DASH_C = LazyPattern(r"-[A-Za-z]*c[A-Za-z]*\Z")


def _code_arguments(values: list[str]) -> set[int]:
    """Indices of elements that are code for an interpreter (``sh -c CODE``, ``python -c CODE``)."""
    out: set[int] = set()
    runner = False
    for i, v in enumerate(values):
        if runner and _DASH_C.match(v) and i + 1 < len(values):
            out.add(i + 1)
        if not v.startswith("-"):
            runner = bool(_CODE_RUNNERS.match(basename(v)))
    return out


def _report(ins: Instruction, skip: set[int]) -> Iterator[Violation]:
    values = [m.text for m in ins.value_mapped]
    skip = skip | _code_arguments(values)
    for i, m in enumerate(ins.value_mapped):
        if i in skip:
            continue
        match = _VARIABLE.search(m.text)
        if match is None:
            continue
        expr = match.group(0)
        name = expr.strip("${}").split(":")[0].split("-")[0] or "VAR"
        yield META.violation(
            m[match.start() : match.end()].span(),
            f"`{expr}` in exec-form {ins.keyword} is passed on literally: no shell expands it. "
            f'Run it through a shell (["sh", "-c", "exec …"]), or let the program read '
            f"{name} from the environment (for Gunicorn: PORT, WEB_CONCURRENCY or "
            "GUNICORN_CMD_ARGS)",
        )


def _report_service(
    text: Callable[[Span], str],
    command: Command,
    argv: Sequence[WordLike],
    skip: set[Span],
    label: str,
    related: tuple[Related, ...] = (),
) -> Iterator[Violation]:
    """A Compose service's `command:`/`entrypoint:`: Compose has already replaced `$VAR` with
    the host's value; what still holds a `$` was written `$$` and reaches the program as it is."""
    values = [w.value or "" for w in argv]
    code = _code_arguments(values)
    words = {id(w) for w in command.argv}
    for i, word in enumerate(argv):
        if id(word) not in words or i in code or word.span in skip or word.value is None:
            continue
        match = _VARIABLE.search(word.value)
        if match is None:
            continue
        expr = match.group(0)
        name = expr.strip("${}").split(":")[0].split("-")[0] or "VAR"
        span = word.span
        written = text(span)
        if written == word.value:
            span = Span(span.start + match.start(), span.start + match.end())
        elif written.count("$" + expr) == 1:
            # Written `$$PORT`: point at it in the file.
            at = span.start + written.index("$" + expr)
            span = Span(at, at + len(expr) + 1)
        yield META.violation(
            span,
            f"`{expr}` in {label} is passed on literally: `$$` stops Compose from substituting "
            "it and Compose runs the command without a shell. Run it through a shell "
            '(["sh", "-c", "exec …"]), or let the program read '
            f"{name} from the environment (for Gunicorn: PORT, WEB_CONCURRENCY or "
            "GUNICORN_CMD_ARGS)",
            related=related,
        )


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    start = a.start(final)
    if start is None:
        return
    scripts = {hop.script_word.span for hop in start.launch.shells}
    commands = [start.entrypoint, start.cmd]
    entry = start.entrypoint
    if entry is not None and not entry.json:
        commands = [entry]  # a shell-form ENTRYPOINT makes Docker ignore CMD
    for command in commands:
        if command is None:
            continue
        if service_key(a, command) is not None:
            yield from _report_service(
                a.text,
                command,
                start.argv,
                scripts,
                service_label(a, command),
                replaced(a, command),
            )
            continue
        if a.runtime is not None or command.instruction is None or not command.json:
            continue  # the image's own command: the Dockerfile's check reports it
        ins = command.instruction
        skip = {i for i, m in enumerate(ins.value_mapped) if m.span() in scripts}
        yield from _report(ins, skip)


# What a service whose image is built elsewhere runs, when Compose says so: only then is it
# judged there (a database's or a frontend's command is not this tool's business).
_DJANGO_KINDS = frozenset(
    {"gunicorn", "uvicorn", "daphne", "hypercorn", "runserver", "celery", "django-command"}
)


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    """A service whose image is not built here: its own `entrypoint:`/`command:` are known."""
    view = ctx.service
    found = image_less_launch(view)
    if found is None:
        return
    launch, keys = found
    if launch.kind not in _DJANGO_KINDS and not view.runs_django():
        return
    scripts = {hop.script_word.span for hop in launch.shells}
    layer = view.layer
    argv = (
        (*layer.entrypoint.argv, *(layer.command.argv if layer.command is not None else ()))
        if layer.entrypoint is not None and layer.entrypoint.argv
        else (layer.command.argv if layer.command is not None else ())
    )
    for command in (layer.entrypoint, layer.command):
        if command is None or not command.argv or id(command.argv[0]) not in keys:
            continue
        key = keys[id(command.argv[0])]
        label = f"{view_file_name(view, command.argv[0].span)}'s `{key}:`"
        yield from _report_service(view.text, command, argv, scripts, label)
