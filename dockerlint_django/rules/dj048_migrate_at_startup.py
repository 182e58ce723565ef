"""
## What it does
Checks the start sequence of a container that runs a web server (Gunicorn, uvicorn, Daphne,
Hypercorn, uWSGI) for a `manage.py migrate` before the server: in an entrypoint script, in a
`sh -c` chain of the Dockerfile's `CMD`/`ENTRYPOINT`, or in a Compose `command:`/`entrypoint:`.

## Why is this bad?
The OCP deploy documentation: "To run a one-off command, like a database migration, use docker
compose run on the command line, instead of creating a one-time container", and it migrates with
`docker compose run --rm --name my-app-migrate cron python manage.py migrate`. A migration in the
web server's start command runs on every start of every replica: several containers race to apply
the same migrations, a restart after a crash migrates again, and a failing or slow migration keeps
the site down instead of failing the deploy step that should have caught it.

Development servers (`manage.py runserver`) are not judged: migrating on start is the usual
development setup. The finding is at the `migrate` command; for a script, with a note at the
instruction or Compose key that runs it.

## Example
```dockerfile
FROM python:3.12
CMD ["sh", "-c", "python manage.py migrate && exec gunicorn core.wsgi --bind 0.0.0.0:8000"]
```

## Use instead
```dockerfile
FROM python:3.12
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

and migrate at deploy time with `docker compose run --rm web python manage.py migrate`.

## Fix safety
None: where and when to migrate is a deployment decision.

## References
- [OCP deploy documentation: Docker](https://ocdsdeploy.readthedocs.io/en/latest/develop/update/docker.html)
- [Django: migrate](https://docs.djangoproject.com/en/stable/ref/django-admin/#migrate)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
    RuleMeta,
    ServiceContext,
    Severity,
    Violation,
)
from dockerlint_django.rules.dj003_entrypoint_script_missing_exec import script_runner
from dockerlint_django.shell.launch import Launch, ScriptHop, ShellHop, resolve_launch

if TYPE_CHECKING:
    from dockerlint_django.shell.syntax import SimpleCommand

META = RuleMeta(
    code="DJ048",
    name="migrate-at-startup",
    severity=Severity.INFO,
    summary="The web server's start command runs manage.py migrate on every start.",
    fix=FixAvailability.NONE,
    profile="ocp",
    origin="extension",
    kind=("dockerfile", "compose", "cross"),
    production_only=True,
)

# Production servers; `runserver` is a development setup, where migrating on start is usual.
_SERVERS = frozenset({"gunicorn", "uvicorn", "daphne", "hypercorn", "uwsgi"})


def _is_migrate(cmd: SimpleCommand) -> bool:
    if not cmd.words:
        return False
    launch = resolve_launch(list(cmd.words))
    sub = launch.subcommand
    if launch.kind != "django-command" or sub is None or sub.value != "migrate":
        return False
    # `migrate --check` and `--plan` only report what would be applied.
    return not any(w.value in ("--check", "--plan") for w in launch.args)


def _shown(cmd: SimpleCommand) -> str:
    words = [" ".join(w.raw.text.split()) for w in cmd.words[:4]]
    return " ".join(words) + (" …" if len(cmd.words) > 4 else "")


def _before(hop: ShellHop | ScriptHop) -> Sequence[SimpleCommand]:
    """What the shell or script runs before the command it hands on to."""
    if isinstance(hop, ScriptHop):
        return hop.before
    cmd = hop.command
    if cmd is None:
        return ()
    # By position in the script: in a quoted Compose string every command has the same span.
    commands = hop.script.commands
    k = next((i for i, c in enumerate(commands) if c is cmd), 0)
    return [c for c in commands[:k] if not (c.context and c.context[0] == "function")]


def _migrations(launch: Launch) -> Iterator[tuple[ShellHop | ScriptHop, SimpleCommand]]:
    """The first `migrate` of the start sequence, and the shell or script that runs it."""
    if launch.kind not in _SERVERS:
        return
    for hop in launch.hops:
        for cmd in _before(hop):
            if _is_migrate(cmd):
                yield hop, cmd
                return


def _message(cmd: SimpleCommand) -> str:
    return (
        f"the container runs `{_shown(cmd)}` every time it starts, before the web server: "
        "every replica and every restart migrates; migrate once per deploy instead "
        "(`docker compose run --rm web python manage.py migrate`)"
    )


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    start = a.start(final)
    if start is None:
        return
    for hop, cmd in _migrations(start.launch):
        runner = script_runner(a, start, hop, "the script") if isinstance(hop, ScriptHop) else None
        yield META.violation(
            cmd.span, _message(cmd), related=(runner,) if runner is not None else ()
        )


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    view = ctx.service
    if view.analysis is not None:
        return  # the image check judges the service's view of its image
    # The image is not built here: what the service's own command runs.
    layer = view.layer
    if layer.entrypoint is not None and layer.entrypoint.argv:
        argv = (*layer.entrypoint.argv, *(layer.command.argv if layer.command else ()))
    elif layer.command is not None and layer.command.argv:
        argv = layer.command.argv
    else:
        return
    for _hop, cmd in _migrations(resolve_launch(argv)):
        yield META.violation(cmd.span, _message(cmd))
