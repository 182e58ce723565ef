"""
## What it does
Checks for a worker count written into the image's Gunicorn command line: `--workers 3`,
`--workers=3`, `-w 3` or `-w3`, in `CMD`/`ENTRYPOINT` or a `sh -c` string they run.

A Compose service's `command:` that puts `--workers` on Gunicorn's command line is reported on
the Compose line, unless the count comes from a variable Compose substitutes
(`--workers ${WORKERS:-3}`), which the deployment sets.

## Why is this bad?
The handbook: "At build time, the mix of applications and number of cores are unknown. As such,
we omit the `--workers` option (highest level of precedence), and set a `WEB_CONCURRENCY`
environment variable (lowest level). Docker Compose can then set a
`GUNICORN_CMD_ARGS="--workers 3"` environment variable to override the number of workers."
Gunicorn reads the command line last, so once `--workers` is there, neither `GUNICORN_CMD_ARGS`
nor `WEB_CONCURRENCY` set at deploy time changes anything, silently.

A count the shell reads from an environment variable (`-w $WORKERS`,
`--workers "${GUNICORN_WORKERS:-3}"`) is not reported: the deployment sets the count through that
variable, as with a variable Compose substitutes; unless a script on the way replaces the
environment's value at its top level (`WORKERS=4`, `export WORKERS=$(nproc)`). A value the shell
computes (`--workers $(nproc)`) is still on the command line and still beats
`GUNICORN_CMD_ARGS`: it is reported, without a fix.

## Example
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
```

## Use instead
```dockerfile
FROM python:3.11
ENV WEB_CONCURRENCY=3
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Fix safety
Unsafe: the option is removed from an exec-form command and, when the image sets no
`WEB_CONCURRENCY`, `ENV WEB_CONCURRENCY=<same number>` is added before the start command. The
image's default stays the same, but from then on anything else that sets `WEB_CONCURRENCY` or
`GUNICORN_CMD_ARGS` changes the worker count, which is the point and also a change of behaviour.

## References
- [OCP handbook: Dockerfile for Django, Gunicorn](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
- [Gunicorn: configuration precedence](https://docs.gunicorn.org/en/stable/configure.html)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django._record import LazyPattern
from dockerlint_django.analysis import Analysis, Start
from dockerlint_django.dockerfile.edits import element_index, insert_line_before, json_delete
from dockerlint_django.fix import Applicability, Fix
from dockerlint_django.gunicorn import ParsedOption, parse_args
from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
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
from dockerlint_django.shell.syntax import Word

META = RuleMeta(
    code="DJ010",
    name="gunicorn-workers-hardcoded",
    severity=Severity.WARNING,
    summary="--workers on Gunicorn's command line overrides what a deployment sets.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    kind=("dockerfile", "compose"),
    production_only=True,
)

_VARIABLE = LazyPattern(r"\$(?:\{|[A-Za-z_])")
# A word that is one parameter expansion: `$WORKERS`, `"${WORKERS:-3}"` (no command substitution).
_PARAMETER = LazyPattern(
    r'"?\$(?:(?P<plain>[A-Za-z_][A-Za-z0-9_]*)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)'
    r'(?::?[-=][^}$`"]*)?\})"?'
)
_DECLARE = frozenset({"export", "readonly", "declare", "typeset"})


def _interpolated(a: Analysis, opt: ParsedOption) -> bool:
    """The service's value comes from a variable Compose substitutes (`--workers ${WORKERS:-3}`),
    or may: a deployment sets the count through that variable."""
    written = a.text(opt.value_span or opt.span)
    return bool(_VARIABLE.search(written.replace("$$", "")))


def _overrides(word: Word, name: str) -> bool:
    """An assignment's value that ignores the environment's ``name`` (``4``, ``$(nproc)``), not
    one that defaults from it (``${WORKERS:-4}``)."""
    return not any(e.kind == "parameter" and e.name == name for e in word.expansions)


def _environment_variable(written: str, start: Start) -> str | None:
    """The variable a worker count is read from at run time (``$WORKERS``), when the value is
    that one variable and no script on the way replaces the environment's value at its top
    level (``WORKERS=4``, ``export WORKERS=$(nproc)``); None otherwise."""
    m = _PARAMETER.fullmatch(written)
    if m is None:
        return None
    name = m.group("plain") or m.group("braced")
    for hop in start.launch.hops:
        for cmd in hop.script.commands:
            if not cmd.top_level:
                continue  # set in an `if`: the environment's value may still be the one used
            fixed = not cmd.words and any(
                asg.name == name and _overrides(asg.value, name) for asg in cmd.assignments
            )
            if cmd.name in _DECLARE:
                fixed = fixed or any(
                    w.raw.text.startswith(f"{name}=") and _overrides(w, name) for w in cmd.words[1:]
                )
            if fixed:
                return None
    return name


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    settings = a.gunicorn(final)
    start = a.start(final)
    if settings is None or settings.cli is None or start is None:
        return
    options = settings.cli.find("workers")
    for opt in options:
        value = opt.value if isinstance(opt.value, str) else None
        shown = value if value is not None else a.text(opt.value_span or opt.span)
        if a.runtime is not None:
            # A service's view: only a `command:`/`entrypoint:` the service sets is its own.
            if not from_service(a, opt.span) or _interpolated(a, opt):
                continue
            command = start.command
            label = (
                service_label(a, command)
                if command is not None and service_key(a, command) is not None
                else "the service's command"
            )
            yield META.violation(
                opt.span,
                f"{label} puts {opt.option} {shown} on Gunicorn's command line, which outranks "
                "GUNICORN_CMD_ARGS and WEB_CONCURRENCY: the environment can no longer change the "
                'worker count; set it in `environment:` instead (GUNICORN_CMD_ARGS: "--workers '
                f'{value or "N"}")',
                related=replaced(a, command),
            )
            continue
        if value is None and _environment_variable(shown, start) is not None:
            continue  # `-w $WORKERS`: the deployment sets the count through that variable
        fix = None
        if value is not None and value.isdigit() and len(options) == 1:
            fix = _fix(ctx, opt, value)
        # A value the shell computes (`$(nproc)`), or a variable a script fixes, cannot be
        # changed through the two settings Gunicorn documents for it.
        effect = (
            "so a deployment cannot change the worker count"
            if value is not None
            else "so setting those at deploy time does not change the worker count"
        )
        yield META.violation(
            opt.span,
            f"Gunicorn's command line sets {opt.option} {shown}; it overrides GUNICORN_CMD_ARGS "
            f"and WEB_CONCURRENCY, {effect}",
            fix=fix,
        )


def _fix(ctx: Context, opt: ParsedOption, value: str) -> Fix | None:
    a = ctx.analysis
    final = a.dockerfile.final
    assert final is not None
    start = a.start(final)
    assert start is not None
    for command in (start.cmd, start.entrypoint):
        if command is None or command.instruction is None or not command.instruction.json:
            continue
        ins = command.instruction
        # `--workers=3` and `-w3` are one element; `--workers 3` two, the value its own.
        if opt.attached or opt.value_span is None:
            first = last = element_index(ins, opt.span)
        else:
            first = element_index(ins, opt.option_span)
            last = element_index(ins, opt.value_span)
        if first is None or last is None:
            continue
        delete = json_delete(a.source, ins, first, last)
        if delete is None:
            return None
        edits = [delete]
        env = final.final_state.env
        if "WEB_CONCURRENCY" in env and env["WEB_CONCURRENCY"] != value:
            return None  # removing the option would change the worker count the image runs
        if "WEB_CONCURRENCY" not in env:
            anchor = a.start_instruction(final) or ins
            edits.append(insert_line_before(a.source, anchor, f"ENV WEB_CONCURRENCY={value}"))
        return Fix(
            "Move the worker count to ENV WEB_CONCURRENCY", tuple(edits), Applicability.UNSAFE
        )
    return None


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    """A service whose image is not built here: `--workers` on the Gunicorn command line its
    own `command:`/`entrypoint:` starts."""
    view = ctx.service
    found = image_less_launch(view)
    if found is None:
        return
    launch, _keys = found
    key = key_at(view, launch.program)
    if launch.kind != "gunicorn" or key is None:
        return
    for opt in parse_args(launch.args).find("workers"):
        written = view.text(opt.value_span or opt.span)
        if _VARIABLE.search(written.replace("$$", "")):
            continue  # a variable Compose substitutes: the deployment sets the count
        value = opt.value if isinstance(opt.value, str) else None
        shown = value if value is not None else written
        yield META.violation(
            opt.span,
            f"{view_file_name(view, opt.span)}'s `{key}:` puts {opt.option} {shown} on "
            "Gunicorn's command line, which outranks GUNICORN_CMD_ARGS and WEB_CONCURRENCY: the "
            "environment can no longer change the worker count; set it in `environment:` "
            f'instead (GUNICORN_CMD_ARGS: "--workers {value or "N"}")',
        )
