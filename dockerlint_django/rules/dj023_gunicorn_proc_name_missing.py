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
apart." Without it every server on the host shows up as plain `gunicorn` in `ps` and `top`.

The name may come from the command line, `GUNICORN_CMD_ARGS` in the image's `ENV`, or
`proc_name` in a config file. A config file the image may load (`-c`, or a `gunicorn.conf.py` that
a `COPY` may put in the working folder) may set it: then nothing is reported. Naming processes
needs the `setproctitle` package (`gunicorn[setproctitle]`), see DJ024.

## Example
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Use instead
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--name", "data-registry"]
```

## Fix safety
Safe (cosmetic). The name is the rule option `project-name` when it is configured, else the name
of the build context's folder (the Dockerfile's folder), else the package of the WSGI module
Gunicorn loads (`polls.wsgi` → `polls`). Names that say where a file lives or what it is rather
than which project it is (`docker`, `deploy`, `compose`, `production`, `django`, `src`, `app`,
`config`, `core`, …) are skipped, and when nothing else is left there is no fix:

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
    options={"project-name": ""},
    kind=("dockerfile", "compose"),
    production_only=True,
)


def _append(ctx: Context, start: Start, words: Sequence[str], title: str) -> Fix | None:
    edit = ctx.analysis.append_to_server(start, words)
    return None if edit is None else Fix(title, (edit,), Applicability.SAFE)


def slug(name: str) -> str:
    """cookiecutter-django's ``project_slug``: lower case, spaces to ``-``."""
    return "-".join(name.strip().lower().split())


# Folder and module names that say where a file lives or what it is, not which project it is:
# `--name docker` from `docker/Dockerfile` names nothing.
_GENERIC = frozenset(
    {"docker", "dockerfiles", "deploy", "deployment", "deployments", "compose", "production"}
    | {"prod", "django", "build", "src", "app", "apps", "config", "conf", "core", "project"}
    | {"main", "web", "site", "server", "backend", "api", "wsgi", "settings", "containers"}
    | {"container", "images", "image", "infra", "ops", "etc", "tools", "scripts", "workdir"}
)


def _guessed_name(ctx: Context, start: Start) -> str:
    """The build context's folder, else the WSGI module's package, as cookiecutter would slug
    it; "" when both are names any project could have."""
    root = ctx.analysis.context.root
    candidates = [root.name] if root is not None else []
    from dockerlint_django.gunicorn import parse_args

    parsed = parse_args(start.launch.args)
    app = parsed.words[parsed.positionals[0]].value if parsed.positionals else None
    if app:
        candidates.append(app.split(":", 1)[0].split(".", 1)[0])
    return next((c for c in candidates if slug(c) and slug(c) not in _GENERIC), "")


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
            f"{service_label(a, command)} starts Gunicorn with no --name, so its processes "
            "show up as plain 'gunicorn'; add --name <project> (or set it in GUNICORN_CMD_ARGS)",
            related=replaced(a, command),
        )
        return
    project = ctx.options.get("project-name")
    if not (isinstance(project, str) and project):
        project = _guessed_name(ctx, start)
    fix = None
    if isinstance(project, str) and slug(project):
        fix = _append(ctx, start, ["--name", slug(project)], f"Add --name {slug(project)}")
    yield META.violation(
        anchor,
        "Gunicorn has no --name, so its processes show up as plain 'gunicorn'; "
        "add --name <project>",
        fix=fix,
    )
