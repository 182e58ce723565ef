"""
## What it does
Checks the final stage's exec-form `CMD` and `ENTRYPOINT` for `$VAR` or `${…}` in an argument,
which no shell will ever expand.

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

import re
from collections.abc import Iterator

from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.shell.launch import basename

META = RuleMeta(
    code="DJ004",
    name="exec-form-unexpanded-variable",
    severity=Severity.ERROR,
    summary="A $VARIABLE in exec-form CMD/ENTRYPOINT is passed literally; nothing expands it.",
    fix=FixAvailability.NONE,
    origin="extension",
)

_VARIABLE = re.compile(r"\$(?:\{[^}]*\}?|[A-Za-z_][A-Za-z0-9_]*)")
# Programs whose `-c` argument is code in their own language: `$` there is not Docker's problem.
_CODE_RUNNERS = re.compile(
    r"(?:sh|bash|dash|ash|zsh|ksh|mksh|busybox|su|runuser|perl|ruby|node|"
    r"(?:python|pypy)(?:\d+(?:\.\d+)?)?)\Z"
)
_DASH_C = re.compile(r"-[A-Za-z]*c[A-Za-z]*\Z")


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
        if command is None or command.instruction is None or not command.json:
            continue
        ins = command.instruction
        skip = {i for i, m in enumerate(ins.value_mapped) if m.span() in scripts}
        yield from _report(ins, skip)
