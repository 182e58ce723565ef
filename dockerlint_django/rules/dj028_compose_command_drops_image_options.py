"""
## What it does
Checks that a Compose `command:` that starts Gunicorn keeps the Gunicorn options the image's own
CMD passes (`--bind`, `--threads`, `--worker-tmp-dir`, `--name`, `--no-control-socket`, `-k`, …),
when the image's CMD runs Gunicorn too.

## Why is this bad?
`command:` "overrides the default command declared by the container image, for example by
Dockerfile's `CMD`": it replaces the whole CMD, not the options it names. A service that only
wanted more workers (`command: gunicorn core.wsgi --workers 4`) silently drops every other option
of the image's CMD. Without `--bind 0.0.0.0:8000`, Gunicorn falls back to its default
`127.0.0.1:8000`, which nothing outside the container can reach; without `--worker-tmp-dir
/dev/shm` or `--threads` the workers behave differently from the image that was tested. With an
exec-form `ENTRYPOINT`, `command:` supplies the ENTRYPOINT's arguments in the CMD's place, and
the options of the image's CMD are dropped the same way.

The handbook's route for extra options is the environment: "Additional options can be configured
from Docker Compose using the `GUNICORN_CMD_ARGS` environment variable, though command-line
arguments take precedence."

An option counts as dropped only when nothing else in the container sets it now (not the
`command:` itself, `GUNICORN_CMD_ARGS`, a config file, or `PORT`/`WEB_CONCURRENCY`), and the
image's value was not Gunicorn's default anyway (nor, for `-k gthread`, the worker class that
`--threads` switches to by itself). It is an error when the dropped option is the
bind address, so that Gunicorn now listens on 127.0.0.1 only. Commands that do not start
Gunicorn (`python manage.py …` workers, `celery`) are not reported, nor are images whose CMD does
not run Gunicorn.

## Example
```dockerfile filename=Dockerfile
FROM python:3.12
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--threads", "2", "--worker-tmp-dir", "/dev/shm"]
```

```yaml filename=compose.yaml
services:
  web:
    build: .
    command: gunicorn core.wsgi --workers 4
```

## Use instead
```dockerfile filename=Dockerfile
FROM python:3.12
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--threads", "2", "--worker-tmp-dir", "/dev/shm"]
```

```yaml filename=compose.yaml
services:
  web:
    build: .
    environment:
      GUNICORN_CMD_ARGS: "--workers 4"
```

## Fix safety
None: whether the service meant to drop an option cannot be told. The message lists what is
dropped; moving the service's own options to `GUNICORN_CMD_ARGS` and deleting `command:` keeps
the image's.

## References
- [OCP handbook: Dockerfile for Django, Gunicorn](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
- [Compose file reference: command](https://docs.docker.com/reference/compose-file/services/#command)
- [Gunicorn settings: GUNICORN_CMD_ARGS](https://docs.gunicorn.org/en/stable/settings.html)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import TYPE_CHECKING

from dockerlint_django.rules._base import Related, RuleMeta, Severity, Violation

if TYPE_CHECKING:
    from dockerlint_django.gunicorn import GunicornArgs, ParsedOption
    from dockerlint_django.rules._base import ServiceContext
    from dockerlint_django.service import ServiceView

META = RuleMeta(
    code="DJ028",
    name="compose-command-drops-image-options",
    severity=Severity.WARNING,
    summary="A Compose `command:` replaces the image's Gunicorn CMD and drops its options.",
    kind=("compose", "cross"),
    production_only=True,
)

# Options whose loss is never a regression: they only print, check or reload for development.
_IGNORED = frozenset(
    {"help", "version", "check_config", "print_config", "reload", "reload_engine"}
    | {"reload_extra_files", "spew"}
)


def _image_args(view: ServiceView) -> GunicornArgs | None:
    """The Gunicorn arguments of the image's own start command (no service settings)."""
    from dockerlint_django.analysis import Analysis
    from dockerlint_django.gunicorn import parse_args

    a, stage = view.analysis, view.stage
    if a is None or stage is None:
        return None
    image = Analysis(a.source, a.dockerfile, a.context, a.in_template, workspace=a.workspace)
    start = image.start(stage)
    if start is None or start.launch.kind != "gunicorn":
        return None
    return parse_args(start.launch.args)


def _shown(opt: ParsedOption) -> str:
    takes = opt.spec.takes_value or opt.spec.action == "optional"
    if takes and isinstance(opt.value, str):
        return f"{opt.option} {opt.value}"
    return opt.option


def _same_config(value: str, workdir: str | None) -> bool:
    """``-c value`` names the file Gunicorn loads anyway (``./gunicorn.conf.py``)."""
    if value.startswith(("python:", "file:")):
        value = value.removeprefix("file:")
        if value.startswith("python:"):
            return False
    if not value.startswith("/"):
        return posixpath.normpath(value) == "gunicorn.conf.py"
    return workdir is not None and posixpath.normpath(value) == posixpath.join(
        posixpath.normpath(workdir), "gunicorn.conf.py"
    )


def _image_value(found: tuple[ParsedOption, ...]) -> object:
    spec = found[-1].spec
    if spec.action == "append":
        return tuple(o.value for o in found)
    return found[-1].value


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    from dockerlint_django.gunicorn import parse_args

    view = ctx.service
    command = view.service.command
    if command is None or not command.words or view.service.entrypoint is not None:
        return
    stage = view.stage
    if stage is None:
        return
    cmd = stage.final_state.cmd
    if cmd is None or cmd.instruction is None:
        return
    start = view.start()
    if start is None or start.launch.kind != "gunicorn":
        return
    image_args = _image_args(view)
    if image_args is None:
        return
    service_args = parse_args(start.launch.args)
    if service_args.uncertain:
        return  # an unknown word may hold the options
    settings = view.gunicorn()
    if settings is None:
        return
    workdir = stage.final_state.workdir
    if view.layer.working_dir is not None:
        workdir = view.layer.working_dir.value
    dropped: list[ParsedOption] = []
    loopback = False
    seen: set[str] = set()
    for opt in image_args.options:
        name = opt.setting
        if name in _IGNORED or name in seen:
            continue
        seen.add(name)
        if service_args.find(name):
            continue
        now = settings.get(name)
        if not now.known or now.layer != "default":
            continue  # set another way now, or not knowable
        options = image_args.find(name)
        value = _image_value(options)
        if value == now.value or any(o.value is None for o in options):
            continue  # the image passed the default, or a value not known here
        if name == "config" and isinstance(opt.value, str) and _same_config(opt.value, workdir):
            continue
        if name == "worker_class" and settings.worker_class().name == value:
            continue  # `--threads` alone switches sync to the gthread the image asked for
        dropped.extend(options)
        if name == "bind":
            loopback = True
    if not dropped:
        return
    where = view.span(command.origin)
    if where is None:
        return
    listed = ", ".join(f"`{_shown(o)}`" for o in dropped)
    via = (
        "the image's CMD, the arguments of its ENTRYPOINT"
        if start.entrypoint is not None and start.entrypoint.json
        else "the image's CMD"
    )
    effect = ""
    if loopback:
        effect = (
            ", so Gunicorn binds its default 127.0.0.1:8000, which is not reachable from "
            "outside the container"
        )
    yield META.violation(
        where,
        f"this `command:` replaces {via} as a whole and drops the Gunicorn options it passed: "
        f"{listed}{effect}; repeat them here, or keep the image's CMD and pass the service's "
        "own options in the `GUNICORN_CMD_ARGS` environment variable",
        severity=Severity.ERROR if loopback else Severity.WARNING,
        related=(Related(cmd.instruction.span, "the image's CMD, which this command replaces"),),
    )
