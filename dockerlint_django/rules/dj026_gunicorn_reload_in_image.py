"""
## What it does
Checks that the final stage does not start Gunicorn with `--reload`, on its command line or in
`GUNICORN_CMD_ARGS`.

## Why is this bad?
Gunicorn's settings on `reload`: "Restart workers when code changes. This setting is intended for
development." An image's code does not change while it runs, so in production the option only
costs: Gunicorn watches every imported module (polling, unless inotify is installed), and the
reloader is not meant for `--preload` or for serving traffic. Reloading belongs in a development
Compose override that mounts the source tree.

A `reload = True` in the Gunicorn config file the image loads (read from the build context) is
reported at the start command.

## Example
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--reload"]
```

## Use instead
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Fix safety
Unsafe: deletes the `--reload` element from an exec-form command. The option may have been left on
purpose for an image used only in development. A `--reload` in a shell-form command, inside a
`sh -c` string or in `GUNICORN_CMD_ARGS` is reported without a fix.

## References
- [Gunicorn settings: reload](https://docs.gunicorn.org/en/stable/settings.html#reload)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.dockerfile.edits import element_index, json_delete
from dockerlint_django.fix import Applicability, Fix
from dockerlint_django.gunicorn import ParsedOption
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ026",
    name="gunicorn-reload-in-image",
    severity=Severity.WARNING,
    summary="Gunicorn's --reload is for development; the image should not use it.",
    fix=FixAvailability.SOMETIMES,
    origin="extension",
)


def _fix(ctx: Context, opt: ParsedOption) -> Fix | None:
    a = ctx.analysis
    final = a.dockerfile.final
    start = a.start(final) if final is not None else None
    if start is None or opt.shared or opt.stop - opt.start != 1:
        return None
    for command in (start.cmd, start.entrypoint):
        if command is None or command.instruction is None or not command.instruction.json:
            continue
        ins = command.instruction
        index = element_index(ins, opt.span)
        if index is None:
            continue
        edit = json_delete(a.source, ins, index, index)
        if edit is None:
            return None
        return Fix("Remove --reload", (edit,), Applicability.UNSAFE)
    return None


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    settings = a.gunicorn(final)
    if settings is None:
        return
    layers = (
        ("Gunicorn's command line", settings.cli, True),
        ("GUNICORN_CMD_ARGS", settings.cmd_args_env, False),
    )
    for where, args, fixable in layers:
        if args is None:
            continue
        for opt in args.find("reload"):
            if opt.value is not True:
                continue
            yield META.violation(
                opt.span,
                f"{where} has {opt.written or opt.option}, which restarts workers when code "
                "changes: a development setting; use it from a development Compose override",
                fix=_fix(ctx, opt) if fixable else None,
            )
    resolved = settings.get("reload")
    if resolved.layer == "config" and resolved.known and resolved.value in (True, "True"):
        start = a.start(final)
        command = start.command if start is not None else None
        anchor = command.instruction if command is not None else None
        yield META.violation(
            anchor.span if anchor is not None else final.from_.span,
            "the Gunicorn config file the image loads sets reload = True, which restarts workers "
            "when code changes: a development setting",
        )
