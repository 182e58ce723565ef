"""
## What it does
Checks that Gunicorn is given a process name with `--name` (`-n`), so that its processes carry
the project's name.

A Compose service's `command:` that starts Gunicorn without `--name` is reported on the Compose
line.

## Why is this bad?
The handbook's command line has `--name PROJECTNAME`, which "helps to distinguish processes of
different applications on the same server." Gunicorn's settings (`proc_name`): "If you're going to
be running more than one instance of Gunicorn you'll probably want to set a name to tell them
apart." Without it Gunicorn names its processes after the app it loads: with `setproctitle`
they are `gunicorn: master [core.wsgi:application]` in `ps` and `top`, without it the command
line is all there is. `config.wsgi` or `core.wsgi` is every other project's module too, so two
apps on one host cannot be told apart.

The name may come from the command line, `GUNICORN_CMD_ARGS` in the image's `ENV`, or
`proc_name` in a config file. A config file the image may load (`-c`, or a `gunicorn.conf.py` that
a `COPY` may put in the working folder) may set it: then nothing is reported. Naming processes
needs the `setproctitle` package (`gunicorn[setproctitle]`), see DJ024.

## Example
```dockerfile
FROM python:3.11
CMD ["gunicorn", "polls.wsgi", "--bind", "0.0.0.0:8000"]
```

## Use instead
```dockerfile
FROM python:3.11
CMD ["gunicorn", "polls.wsgi", "--bind", "0.0.0.0:8000", "--name", "polls"]
```

## Fix safety
Unsafe: it renames the processes (with `setproctitle`) and Gunicorn's syslog tag (with
`--log-syslog` and no `--log-syslog-prefix`), so anything that finds the server by its title
(`pgrep -f core.wsgi` in a `HEALTHCHECK`, a process monitor) or filters its syslog lines by the
old name stops matching.

The name is the rule option `project-name` when it is configured, else the package of a Django
WSGI or ASGI module Gunicorn loads (`polls.wsgi` → `polls`, `polls.asgi:application` → `polls`),
unless that name says what a package is rather than which project it is (`config`, `core`,
`project`, `app`, `src`, …): then there is no fix. The folder the Dockerfile or the checkout is
in is not used: `docker/`, `deploy/` or a clone's folder name names no project.

```toml
[tool.dockerlint-django.rules.DJ023]
project-name = "Data Registry"
```

The fix appends `"--name", "<name>"` to an exec-form command whose last element is Gunicorn's
last argument (not a `sh -c` string, no `--`), with the name lower-cased and spaces turned into
`-` (cookiecutter's `project_slug` rule): `data-registry`.

## References
- [OCP handbook: Dockerfile for Django, Gunicorn](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
- [Gunicorn settings: proc_name](https://docs.gunicorn.org/en/stable/settings.html#proc-name)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from dockerlint_django._record import LazyPattern
from dockerlint_django.analysis import Start
from dockerlint_django.fix import Applicability, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.rules._service_view import (
    command_span,
    replaced,
    service_key,
    service_label,
)

META = RuleMeta(
    code="DJ023",
    name="gunicorn-proc-name-missing",
    severity=Severity.INFO,
    summary="Gunicorn has no --name: its processes cannot be told apart from other apps'.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    options={"project-name": ""},
    kind=("dockerfile", "compose"),
    production_only=True,
)


def _append(ctx: Context, start: Start, words: Sequence[str], title: str) -> Fix | None:
    edit = ctx.analysis.append_to_server(start, words)
    # What finds the server by its process title or syslog tag would stop matching.
    return None if edit is None else Fix(title, (edit,), Applicability.UNSAFE)


def slug(name: str) -> str:
    """cookiecutter-django's ``project_slug``: lower case, spaces to ``-``."""
    return "-".join(name.strip().lower().split())


# Package names that say what a package is, not which project it is: `--name core` from
# `core.wsgi` names nothing (the process title already shows `core.wsgi`).
_GENERIC = frozenset(
    {"docker", "dockerfiles", "deploy", "deployment", "deployments", "compose", "production"}
    | {"prod", "django", "build", "src", "app", "apps", "config", "conf", "core", "project"}
    | {"main", "web", "site", "server", "backend", "api", "wsgi", "asgi", "settings"}
    | {"container", "images", "image", "infra", "ops", "etc", "tools", "scripts", "workdir"}
    | {"containers", "gunicorn", "application", "mysite", "myproject", "website", "webapp"}
)
# A Django project's WSGI/ASGI module: `<package>.wsgi`, optionally `:callable`.
_DJANGO_MODULE = LazyPattern(r"(?P<package>[A-Za-z_][A-Za-z0-9_]*)\.[wa]sgi(?::[A-Za-z_]\w*)?")


def _app(start: Start) -> str | None:
    """The app Gunicorn loads, as written (``core.wsgi:application``), when it is known."""
    from dockerlint_django.gunicorn import parse_args

    parsed = parse_args(start.launch.args)
    return parsed.words[parsed.positionals[0]].value if parsed.positionals else None


def _guessed_name(start: Start) -> str:
    """The package of the Django WSGI/ASGI module Gunicorn loads, as cookiecutter would slug it;
    "" when there is none or it is a name any project could have."""
    app = _app(start)
    m = _DJANGO_MODULE.fullmatch(app or "")
    if m is None:
        return ""
    package = m.group("package")
    return package if slug(package) not in _GENERIC else ""


def _titled(start: Start) -> str:
    """How the processes are named without --name, for the message."""
    app = _app(start)
    return f"the app it loads (`{app}`)" if app else "the app it loads"


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    settings = a.gunicorn(final)
    start = a.start(final)
    if settings is None or start is None:
        return
    name = settings.get("proc_name")
    if not name.known or name.value is not None:
        return
    command = start.command
    anchor = command_span(a, command, final)
    if a.runtime is not None:
        # A service's view: only a start command the service sets is its own.
        if command is None or service_key(a, command) is None:
            return
        yield META.violation(
            anchor,
            f"{service_label(a, command)} starts Gunicorn with no --name, so its processes are "
            f"named after {_titled(start)}, not the project; add --name <project> (or set it "
            "in GUNICORN_CMD_ARGS)",
            related=replaced(a, command),
        )
        return
    project = ctx.options.get("project-name")
    if not (isinstance(project, str) and project):
        project = _guessed_name(start)
    fix = None
    if isinstance(project, str) and slug(project):
        fix = _append(ctx, start, ["--name", slug(project)], f"Add --name {slug(project)}")
    yield META.violation(
        anchor,
        f"Gunicorn has no --name, so its processes are named after {_titled(start)}, not the "
        "project; add --name <project>",
        fix=fix,
    )
