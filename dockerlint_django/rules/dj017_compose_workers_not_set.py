"""
## What it does
Checks that a Compose service that runs Gunicorn sets its worker count: `--workers` in
`GUNICORN_CMD_ARGS`, or `WEB_CONCURRENCY`, in `environment:` or in an `env_file` that is read.

## Why is this bad?
The handbook: "When deploying Docker, remember to set the number of workers using a environment
variable like `GUNICORN_CMD_ARGS="--workers 3"`." An image cannot know the machine it will run
on, so it ships a default (`ENV WEB_CONCURRENCY=2` in the handbook's template, else Gunicorn's
own single worker); the deployment is where the number of cores and the memory are known.
Without a setting there, the container runs the image's guess.

The service must be known to run Gunicorn: its image is built from a Dockerfile here. With the
`ocp` profile, an image from a registry named like the OCP images (`…-django`, built from the
handbook's `Dockerfile_django`, whose command is Gunicorn) counts too, when the service changes
neither its command nor its entrypoint. Nothing is reported when the image's command line or the
service's own `command:` sets `--workers` (DJ010 and DJ016 say what to do then), when a config
file computes the count when it runs, or when an `env_file` is not there (deployments often
write `.env` on the server) or a variable it depends on has no value here.

## Example
```dockerfile filename=Dockerfile
FROM python:3.12
ENV WEB_CONCURRENCY=2
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

```yaml filename=compose.yaml
services:
  web:
    build: .
    ports: ["8000:8000"]
```

## Use instead
```dockerfile filename=Dockerfile
FROM python:3.12
ENV WEB_CONCURRENCY=2
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

```yaml filename=compose.yaml
services:
  web:
    build: .
    ports: ["8000:8000"]
    environment:
      GUNICORN_CMD_ARGS: "--workers 3"
```

## Fix safety
None: the right number of workers depends on the machine.

## References
- [OCP handbook: Dockerfile for Django, Gunicorn](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
- [Gunicorn settings: workers](https://docs.gunicorn.org/en/stable/settings.html#workers)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dockerlint_django._record import LazyPattern
from dockerlint_django.gunicorn import parse_cmd_args_env
from dockerlint_django.rules._base import RuleMeta, ServiceContext, Severity, Violation
from dockerlint_django.rules.dj016_workers_override_ineffective import (
    in_compose,
    option_text,
    where,
)

if TYPE_CHECKING:
    from dockerlint_django.service import ServiceView

META = RuleMeta(
    code="DJ017",
    name="compose-workers-not-set",
    severity=Severity.INFO,
    summary="The Compose service runs Gunicorn but does not set its worker count.",
    kind=("compose",),
    production_only=True,
)

# OCP's image naming (`open-contracting/.github` docker-django workflow): `<name>-django[:tag]`.
_OCP_DJANGO = LazyPattern(r"-django(?:[:@]|$)")

_ADVICE = (
    'set GUNICORN_CMD_ARGS: "--workers N" (or WEB_CONCURRENCY) in environment: or an env_file, '
    "for the machine it runs on"
)


def _sets_workers(view: ServiceView) -> bool | None:
    """Whether the service's environment sets the worker count; None when it may (an env file
    that is not here, a GUNICORN_CMD_ARGS whose value is not known)."""
    layer = view.layer
    if not layer.environment_complete:
        return None
    env = layer.environment
    if "WEB_CONCURRENCY" in env:
        return True
    var = env.get("GUNICORN_CMD_ARGS")
    if var is None:
        return False
    if var.value is None or var.mapped is None or var.mapped.mapped is None:
        return None
    parsed, error = parse_cmd_args_env(var.mapped.mapped)
    if error is not None or parsed.uncertain:
        return None
    return bool(parsed.find("workers"))


def _image_default(view: ServiceView) -> str | None:
    """What sets the worker count instead, said for the message; None: do not report."""
    settings = view.gunicorn()
    if settings is None:
        return None
    winner = settings.get("workers")
    if winner.layer == "default":
        return "Gunicorn's default of 1 worker"
    if not winner.known or winner.layer == "cli":
        # The command line: DJ010 (the image) or the service's own command:, which does set it.
        # An unknown value may come from a variable the deployment sets.
        return None
    span = winner.options[-1].span if winner.options else winner.span
    if span is None or in_compose(view, span):
        return None
    at = where(view, span)
    if winner.layer == "env":
        return f"the image's WEB_CONCURRENCY={winner.value} ({at})"
    if winner.layer == "cmd_args_env":
        return f"the image's GUNICORN_CMD_ARGS with {option_text(winner.options[-1])} ({at})"
    return f"workers = {winner.value} in the image's config file ({at})"


def _ocp_registry_image(ctx: ServiceContext) -> str | None:
    view = ctx.service
    if ctx.profile != "ocp" or view.analysis is not None or view.service.build is not None:
        return None
    if view.service.command is not None or view.service.entrypoint is not None:
        return None
    name = view.image_name
    if name is None or not _OCP_DJANGO.search(name.lower()):
        return None
    return name


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    view = ctx.service
    sets = _sets_workers(view)
    if sets is None or sets:
        return
    instead = _image_default(view)
    if instead is not None:
        yield META.violation(
            view.anchor,
            f"service {view.name} runs Gunicorn, but Compose does not set its worker count, so it "
            f"runs {instead}; {_ADVICE}",
        )
        return
    image = _ocp_registry_image(ctx)
    if image is not None:
        yield META.violation(
            view.anchor,
            f"service {view.name} runs {image}, an OCP Django image that starts Gunicorn, but "
            f"Compose does not set its worker count, so it runs the image's default; {_ADVICE}",
        )
