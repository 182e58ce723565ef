"""
## What it does
Checks that a Compose `command:` or `entrypoint:` written as a string has no shell operator in
it (`&&`, `||`, `|`, `;`, `&`, `<`, `>`), and that a list-form one has no element that only a
shell would understand (an operator, `$(…)`, a backtick).

## Why is this bad?
Compose does not run a string `command:` through a shell: it splits it into words itself (with
go-shellwords), and the split stops at the first unquoted operator. Everything from there on is
dropped without a warning. `command: python manage.py migrate && gunicorn core.wsgi` runs
`python manage.py migrate` and nothing else: the container migrates, exits, and Gunicorn never
starts (observed with Docker Compose v2.40.3). The Compose specification says so: the string form
"does not implicitly run in the context of the `SHELL` instruction"; "If you expect the command to
rely on features of a shell environment … ensure the command is run within a shell".

In the list form, every element reaches the program as it is written: `["python", "manage.py",
"migrate", "&&", "gunicorn", …]` hands `&&` to `manage.py` as an argument.

## Example
```yaml filename=compose.yaml
services:
  web:
    image: example/web-django
    command: python manage.py migrate && gunicorn core.wsgi --bind 0.0.0.0:8000
```

## Use instead
```yaml filename=compose.yaml
services:
  web:
    image: example/web-django
    command: ["sh", "-c", "python manage.py migrate && exec gunicorn core.wsgi --bind 0.0.0.0:8000"]
```

## Fix safety
Unsafe: a plain (unquoted) string becomes `["sh", "-c", "…"]` with `exec` before its last command,
so that the whole command runs as written and the server is PID 1. That changes what the
container runs (the dropped part starts running), which is the point, but it must be read. `$`
references stay as written, so Compose still interpolates them. Quoted strings, and strings whose
last command is not a simple one, are reported without a fix.

## References
- [Compose file reference: command](https://docs.docker.com/reference/compose-file/services/#command)
- [compose-go: types/command.go](https://github.com/compose-spec/compose-go/blob/main/types/command.go)
- [go-shellwords](https://github.com/mattn/go-shellwords)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.source import Mapped, Span

if TYPE_CHECKING:
    from dockerlint_django.compose.model import Command
    from dockerlint_django.rules._base import ServiceContext
    from dockerlint_django.service import ServiceView

META = RuleMeta(
    code="DJ005",
    name="compose-command-shell-syntax",
    severity=Severity.ERROR,
    summary="Compose cuts a `command:` string at the first shell operator and drops the rest.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    origin="extension",
    kind=("compose",),
)

_OPERATORS = frozenset({"&&", "||", "|", ";", ";;", "&", "<", ">", ">>", "2>&1", "<<", "|&"})


def _exec_inserted(text: str) -> str | None:
    """``text`` with ``exec`` before its last top-level simple command; None when that is not
    a plain program call (a builtin, a pipeline, a compound command)."""
    from dockerlint_django.analysis import script_commands
    from dockerlint_django.rules.dj002_shell_wrapper_without_exec import _BUILTINS

    script = script_commands(Mapped.from_source(text, 0), "sh")
    if script.errors or not script.commands:
        return None
    last = script.commands[-1]
    if not last.top_level or last.in_pipeline or last.background or last.negated:
        return None
    if not last.words or last.words[0].value is None or last.words[0].value in _BUILTINS:
        return None
    if last.exec_prefixed:
        return text
    at = last.words[0].span.start
    return text[:at] + "exec " + text[at:]


def _fix(view: ServiceView, key: str) -> Fix | None:
    import json  # only a fix pays for importing it

    from dockerlint_django.compose.nodes import Scalar

    node = view.service.get(key)
    if not isinstance(node, Scalar) or node.style != "plain" or node.origin is None:
        return None
    span = view.span(node.origin)
    if span is None:
        return None
    written = view.text(span)
    if "\n" in written or "\r" in written:
        return None  # YAML folds a multi-line plain scalar: its text is not its value
    inner = _exec_inserted(written)
    if inner is None:
        return None
    value = json.dumps(inner, ensure_ascii=False)
    return Fix(
        "Run the whole command through `sh -c`, with exec before the server",
        (Edit(span.start, span.end, f'["sh", "-c", {value}]'),),
        Applicability.UNSAFE,
    )


def _string(view: ServiceView, key: str, command: Command) -> Iterator[Violation]:
    if command.form != "string" or not command.dropped:
        return
    where = view.span(command.origin)
    if where is None:
        return
    written = view.text(where)
    at = written.rfind(command.dropped)
    span = Span(where.start + at, where.start + at + len(command.dropped)) if at >= 0 else where
    kept = " ".join(command.argv) or "nothing"
    operator = command.dropped.split()[0] if command.dropped.split() else command.dropped
    yield META.violation(
        span,
        f"Compose splits this `{key}:` string without a shell and stops at `{operator}`: the "
        f"container runs only `{kept}`, and `{command.dropped}` is dropped; write it as "
        '`["sh", "-c", "… && exec …"]` to run it all',
        fix=_fix(view, key),
    )


def _list(view: ServiceView, key: str, command: Command) -> Iterator[Violation]:
    if command.form != "list":
        return
    words = command.words
    if words and words[0].value.rsplit("/", 1)[-1] in ("sh", "bash", "dash", "ash", "zsh"):
        return  # a shell's own arguments (`sh -c "…"`) are its business
    for word in words:
        value = word.value
        if value in _OPERATORS:
            problem = (
                f"`{value}` is passed to the program as an argument, not run as a shell operator"
            )
        elif value.startswith(("$(", "`")):
            problem = f"`{value}` is passed literally; no shell runs the substitution"
        else:
            continue
        span = view.span(word.origin)
        if span is None:
            continue
        yield META.violation(
            span,
            f"this `{key}:` list runs without a shell: {problem}; use "
            '`["sh", "-c", "… && exec …"]`',
        )


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    view = ctx.service
    for key, command in (
        ("entrypoint", view.service.entrypoint),
        ("command", view.service.command),
    ):
        if command is None:
            continue
        yield from _string(view, key, command)
        yield from _list(view, key, command)
