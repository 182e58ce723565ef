"""
## What it does
Checks that the final stage does not start Gunicorn with `--reload`, on its command line or in
`GUNICORN_CMD_ARGS`.

A Compose service's `command:` or `GUNICORN_CMD_ARGS` with `--reload` is reported on the Compose
line. This is production advice: in a development file (`Dockerfile.dev`,
`docker-compose.override.yml`, `docker-compose.dev.yml`, …) the finding is info, and so it is for
a service set up for development: one that mounts its source from the host over the image's
code (`.:/app`), or reads an env file named for development.

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
Unsafe: deletes the `--reload` element from an exec-form command. Gunicorn then no longer restarts
its workers when a file changes, so an image used in development with the source mounted over it
stops picking up edits; the option may have been left on purpose for such an image. A `--reload`
in a shell-form command, inside a `sh -c` string or in `GUNICORN_CMD_ARGS` is reported without a
fix.

## References
- [Gunicorn settings: reload](https://docs.gunicorn.org/en/stable/settings.html#reload)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dockerlint_django.dockerfile.edits import element_index, json_delete
from dockerlint_django.fix import Applicability, Fix
from dockerlint_django.gunicorn import ParsedOption, parse_args, parse_cmd_args_env
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
    file_name,
    from_service,
    image_less_launch,
    key_at,
    replaced,
    service_key,
    service_label,
    view_file_name,
)

if TYPE_CHECKING:
    from dockerlint_django.service import ServiceView

META = RuleMeta(
    code="DJ026",
    name="gunicorn-reload-in-image",
    severity=Severity.WARNING,
    summary="Gunicorn's --reload is for development; the image should not use it.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    origin="extension",
    kind=("dockerfile", "compose"),
    production_only=True,
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
    if final is None or a.runtime is not None:
        return  # a service's view is judged by check_service, which knows the service's mounts
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


def _service_options(view: ServiceView) -> Iterator[tuple[ParsedOption, str, tuple[Related, ...]]]:
    """`--reload` options a service's own settings give Gunicorn: its `command:` or
    `entrypoint:`, or the `GUNICORN_CMD_ARGS` it sets; with how the message names the place and
    the image's instruction a command replaces."""
    a = view.analysis
    if a is not None:
        final = view.stage
        settings = view.gunicorn()
        start = view.start()
        if final is None or settings is None or start is None:
            return
        command = start.command
        if settings.cli is not None:
            for opt in settings.cli.find("reload"):
                if opt.value is True and from_service(a, opt.span):
                    own = command is not None and service_key(a, command) is not None
                    label = service_label(a, command) if own and command else "the service"
                    yield opt, label, replaced(a, command)
        if settings.cmd_args_env is not None:
            for opt in settings.cmd_args_env.find("reload"):
                if opt.value is True and from_service(a, opt.span):
                    yield opt, f"GUNICORN_CMD_ARGS set in {file_name(a, opt.span)}", ()
        return
    found = image_less_launch(view)
    if found is None:
        return
    launch, _keys = found
    if launch.kind != "gunicorn":
        return
    key = key_at(view, launch.program)
    for opt in parse_args(launch.args).find("reload"):
        if opt.value is True and key is not None:
            yield opt, f"{view_file_name(view, opt.span)}'s `{key}:`", ()
    env = view.layer.environment.get("GUNICORN_CMD_ARGS")
    if env is not None and env.mapped is not None and env.mapped.mapped is not None:
        args, error = parse_cmd_args_env(env.mapped.mapped)
        if error is None:
            for opt in args.find("reload"):
                if opt.value is True:
                    yield opt, f"GUNICORN_CMD_ARGS set in {view_file_name(view, opt.span)}", ()


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    """`--reload` a Compose service's own command or environment gives Gunicorn, over its image
    or an image built elsewhere."""
    view = ctx.service
    reason = None
    for opt, where, related in _service_options(view):
        message = (
            f"{where} has {opt.written or opt.option}, which restarts workers when code "
            "changes: a development setting, for a development Compose override only"
        )
        reason = reason or view.development_setup(runserver=False)
        if reason is not None:
            yield META.violation(
                opt.span,
                f"{message} (info here: {reason})",
                severity=Severity.INFO,
                related=related,
            )
        else:
            yield META.violation(opt.span, message, related=related)
