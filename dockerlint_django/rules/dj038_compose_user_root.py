"""
## What it does
Checks that a Compose service running a Django image does not set `user:` to root: `root`,
`0`, or `root:<group>`/`0:<group>`, also when the value comes from a variable (`${APP_UID}`
that the `.env` file sets to `0`).

## Why is this bad?
Compose's `user` "overrides the user used to run the container process. The default is set by
the image (i.e. Dockerfile `USER`)." The handbook's image creates a non-root user and switches
to it (`USER runner:runner`); a `user: root` in the Compose file silently undoes that, and the
Django process, with every code-execution bug it may have, runs as root with write access to the
whole container filesystem.

Only services that run a Django app are checked: an image built from a Dockerfile here whose
final stage runs a Django server, `manage.py` or copies a `manage.py`, an image or service named
`…-django`, a `command:` running `manage.py`, or an environment with Django's settings
(`DJANGO_*`, `ALLOWED_HOSTS`). A service whose start command drops privileges itself (`gosu app gunicorn
…`, an entrypoint script ending in `exec gosu app "$@"`) is not reported; one whose entrypoint
script only may do so (a `gosu` in a branch) is reported at info. A `user:` whose value depends
on a variable with no value here is not known, and not reported.

This is advice for production: in a development Compose file (`docker-compose.dev.yml`, an
override file), or for a service that serves with `manage.py runserver`, it is reported at info.

## Example
```yaml filename=compose.yaml
services:
  web:
    image: ghcr.io/example/app-django:latest
    user: root
```

## Use instead
```yaml filename=compose.yaml
services:
  web:
    image: ghcr.io/example/app-django:latest
    user: "1003:1003"
```

## Fix safety
None: the right user depends on who must own the files the container writes (bind mounts,
volumes), which only a person can tell. Remove `user:` to run as the image's `USER`, or set a
non-root uid and gid as OCP's deployments do.

## References
- [Compose file reference: user](https://docs.docker.com/reference/compose-file/services/#user)
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [Docker best practices: USER](https://docs.docker.com/build/building/best-practices/#user)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.rules._base import (
    Related,
    RuleMeta,
    ServiceContext,
    Severity,
    Violation,
)
from dockerlint_django.rules._env_values import interpolates, runs_django

META = RuleMeta(
    code="DJ038",
    name="compose-user-root",
    severity=Severity.WARNING,
    summary="A Compose `user:` runs the Django image as root, overriding its non-root USER.",
    origin="extension",
    kind=("compose",),
    production_only=True,
    security_severity="5.0",
)


def _is_root(value: str) -> bool:
    name = value.strip().partition(":")[0]
    return name == "root" or (name.isdigit() and int(name) == 0)


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    view = ctx.service
    user = view.service.user
    if user is None or user.unset or not _is_root(user.value):
        return
    if not runs_django(view):
        return
    span = view.span(user.origin)
    if span is None:
        return
    severity = None
    note = ""
    start = view.start()
    if start is not None:
        from dockerlint_django.rules.dj030_final_stage_runs_as_root import (
            _script_step_down,
            _steps_down,
        )

        launch = start.launch
        if _steps_down(launch):
            return  # `gosu app gunicorn …`: the server itself does not run as root
        found = _script_step_down(launch)
        if found is not None:
            program, path = found
            severity = Severity.INFO
            note = (
                f" ({path} runs {program}: if it drops privileges before the server, ignore this)"
            )
    written = view.text(span)
    shown = f"`user: {written.strip()}`"
    if interpolates(written):
        shown += f" (`{user.value}` here)"
    related: tuple[Related, ...] = ()
    stage = view.stage
    image_user = stage.final_state.user if stage is not None else None
    if (
        image_user is not None
        and image_user.instruction is not None
        and image_user.is_root is False
    ):
        message = (
            f"{shown} overrides the image's USER {image_user.value}: the Django process of "
            f"{view.name} runs as root; remove `user:` or set a non-root uid"
        )
        related = (Related(image_user.instruction.span, f"the image's USER {image_user.value}"),)
    else:
        message = (
            f"{shown} runs the Django process of {view.name} as root; remove it and set a "
            'non-root USER in the image, or set a non-root uid (`user: "1000:1000"`)'
        )
    dev = view.development_setup()
    if dev is not None and severity is None:
        severity = Severity.INFO
        note = f" (info here: {dev})"
    yield META.violation(span, message + note, severity=severity, related=related)
