"""
## What it does
Checks, for a Dockerfile of a Django project that sits at the root of its Git repository (its
folder holds `.git`, and it is the build context), that the repository's root holds no Compose
file (`compose.yaml`, `docker-compose.yml`, `docker-compose.override.yml`, …) and no `.env` file
that the repository's `.gitignore` does not ignore. Each such file is reported at its first line.

## Why is this bad?
The handbook: "Do not put `docker-compose.yaml` or `.env` files in repositories." At OCP the
Compose files that run an application live with the deployment (the `open-contracting/deploy`
repository), next to the servers' other settings, and the application's repository builds only
the image. A Compose file in the application's repository is a second, drifting copy of how it
runs; a `.env` file there holds values (passwords, keys) that do not belong in version control.

Git is never run: a file is taken to be in the repository when it is in the repository's root
folder and neither the root `.gitignore` nor `.git/info/exclude` ignores it (a global ignore file
is not known here). A `.env` that `.gitignore` ignores stays on the developer's machine, and is
not reported. The Dockerfile has to be at the repository's root, and its image has to run Django
(a server, or `manage.py`). This is OCP's layout; the rule is on only in the `ocp` profile.

## Example
```dockerfile filename=Dockerfile
FROM python:3.11
COPY manage.py .
CMD ["gunicorn", "core.wsgi"]
```
```text filename=.git/HEAD
ref: refs/heads/main
```
```text filename=manage.py
import django
```
```yaml filename=compose.yaml
services:
  web:
    build: .
```

## Use instead
```dockerfile filename=Dockerfile
FROM python:3.11
COPY manage.py .
CMD ["gunicorn", "core.wsgi"]
```
```text filename=.git/HEAD
ref: refs/heads/main
```
```text filename=manage.py
import django
```
```text filename=.gitignore
.env
```
```text filename=.env
SECRET_KEY=change-me
```

## Fix safety
None: moving a Compose file to the deployment's repository, or untracking a `.env`, is not an
edit of a file.

## References
- [OCP handbook: Docker](https://ocp-software-handbook.readthedocs.io/en/latest/docker/index.html)
- [OCP deploy docs: Docker](https://ocp-deploy.readthedocs.io/en/latest/develop/update/docker.html)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockerlint_django._record import LazyPattern
from dockerlint_django.rules._base import Context, RuleMeta, Severity, Violation
from dockerlint_django.source import SourceFile, Span

META = RuleMeta(
    code="DJ055",
    name="compose-or-env-in-app-repo",
    severity=Severity.INFO,
    summary="The Django project's repository holds a Compose file or a .env file.",
    profile="ocp",
)

_COMPOSE = LazyPattern(r"(docker-)?compose([.-][^/]*)?\.ya?ml", re.I)


def _kind(name: str) -> str | None:
    if name == ".env":
        return "a .env file"
    if _COMPOSE.fullmatch(name):
        return "a Compose file"
    return None


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    stage = a.dockerfile.final
    if stage is None or a.context.root is None:
        return
    files = a.context.repository_files()
    if not files or not any(_kind(name) for name, _ in files):
        return
    if not a.is_django_stage(stage):
        return
    for name, shown in files:
        kind = _kind(name)
        if kind is None:
            continue
        # Reported at the file's first line; its text is not read (a .env holds secrets).
        at = a.workspace.to_workspace(SourceFile.from_text(shown, ""), Span(0, 0))
        what = (
            "keep its values out of version control (add `.env` to .gitignore)"
            if name == ".env"
            else "keep the Compose files that run the app with the deployment (at OCP, in the "
            "deploy repository)"
        )
        yield META.violation(
            at,
            f"{kind} ({name}) is in the root of the Django project's repository, and .gitignore "
            f"does not ignore it: the handbook keeps Compose and .env files out of application "
            f"repositories; {what}",
        )
