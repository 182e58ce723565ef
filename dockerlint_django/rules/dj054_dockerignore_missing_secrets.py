"""
## What it does
Checks that a `COPY`/`ADD` of a whole folder of the build context (`COPY . .`, `COPY src/ /app/`)
in the final image does not bring along the secrets and repository metadata in it: a `.env` file
(`.env`, `.env.production`, `prod.env`) or the `.git` folder that the ignore file
(`.dockerignore`) does not exclude. It is reported as a warning for each such file, and as info
when the build context has no ignore file at all and a `COPY .` sends it whole.

This is production advice: in a development file (`Dockerfile.dev`, …) the finding is info.

## Why is this bad?
`COPY . .` copies everything the builder receives into a layer of the image, and the builder
receives the whole folder less what the ignore file excludes. A `.env` holds the passwords and keys
the project keeps out of the repository; once in a layer it ships with every copy of the image,
and deleting it in a later layer does not remove it. `.git` carries the project's whole history
(and any secret ever committed), and makes the image larger. The handbook's template
`.dockerignore` starts with `**/.*`, which excludes every dotfile and dot-folder; Docker's best
practices recommend a `.dockerignore` for the same reason.

Only the folders a copy names are looked in, not their subfolders, and only in the build context
as it is on disk here, when it is plainly the build context: a project's root (`manage.py`,
`requirements.txt`, `pyproject.toml`, …) that holds every file the final image copies by name.
A `.env` that exists only on a developer's machine is still sent by a
build there. Example files (`.env.example`, `.env.sample`, `.env.template`, `.env.dist`) are not
secrets and are not reported, and neither is a `.env` the Dockerfile also copies by name (it is
meant to be in the image). Copies from another stage or image, with variables, or from a build
context that cannot be read are not checked.

## Example
```dockerfile filename=Dockerfile
FROM python:3.11
WORKDIR /app
COPY . .
```
```text filename=.env
SECRET_KEY=change-me
```
```text filename=manage.py
import django
```

## Use instead
```dockerfile filename=Dockerfile
FROM python:3.11
WORKDIR /app
COPY . .
```
```text filename=.dockerignore
**/.*
```
```text filename=.env
SECRET_KEY=change-me
```
```text filename=manage.py
import django
```

## Fix safety
None. The change belongs in `.dockerignore` (add `**/.env`, or the template's `**/.*`), or in a
new `.dockerignore`, and fixes only edit the file the finding is in (the Dockerfile). Excluding
`.git` or every dotfile can also break a build that needs them (setuptools-scm reads `.git`,
front-end builds read `.babelrc`).

## References
- [OCP handbook: Dockerfile for Django](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html)
- [Docker best practices: Exclude with .dockerignore](https://docs.docker.com/build/building/best-practices/#exclude-with-dockerignore)
- [Build context: .dockerignore files](https://docs.docker.com/build/concepts/context/#dockerignore-files)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping

from dockerlint_django._record import LazyPattern
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.expand import ExpansionError, expand_word
from dockerlint_django.project.context import has_wildcards
from dockerlint_django.rules._base import Context, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ054",
    name="dockerignore-missing-secrets",
    severity=Severity.WARNING,
    summary="COPY brings a .env file or the .git folder from the build context into the image.",
    production_only=True,
    security_severity="5.5",
)

_EXAMPLE = LazyPattern(r"example|sample|template|dist|default|dummy|test|ci\b", re.I)


# Files at a Python project's root.
_PROJECT_MARKERS = ("manage.py", "requirements.txt", "pyproject.toml", "setup.py", "Pipfile")


def _expand(raw: str, variables: Mapping[str, str | None], escape: str) -> str | None:
    try:
        result = expand_word(raw, variables, escape)
    except ExpansionError:
        return None
    return None if result.value is None or result.unmatched else result.value


def _env_name(name: str) -> bool:
    """A file named as an env file that may hold real values (not an example of one)."""
    if name == ".env":
        return True
    if name.startswith(".env.") or (name.endswith(".env") and len(name) > len(".env")):
        return _EXAMPLE.search(name) is None
    return False


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    context = a.context
    final = a.dockerfile.final
    if context.root is None or final is None:
        return
    escape = a.dockerfile.escape
    copies: list[tuple[Instruction, str, int]] = []  # (instruction, normalised source, index)
    named: set[str] = set()
    for stage in final.chain:
        for ins, state in a.index.copies(stage):
            if ins.heredocs or any(f.name == "from" for f in ins.flags):
                continue
            for i, raw in enumerate(ins.value[:-1]):
                if "$" in raw:
                    continue
                src = _expand(raw, state.variables, escape)
                if src is None or src == "" or "://" in src or src.startswith("git@"):
                    continue
                if has_wildcards(src):
                    continue
                norm = posixpath.normpath(src.lstrip("/") or ".")
                if norm.startswith(".."):
                    continue
                named.add(norm)
                copies.append((ins, norm, i))
    # The folder must be the build context: every file the final image copies by name is in it,
    # and it is a project's root. A Dockerfile in `docker/` built with the parent folder as its
    # context would otherwise be judged by the wrong folder.
    if not copies or any(context.exists(norm) is not True for _, norm, _ in copies):
        return
    if not any(context.exists(marker) for marker in _PROJECT_MARKERS):
        return
    reported: set[str] = set()
    info_done = False
    for ins, norm, i in copies:
        names = context.list_dir(norm)
        if names is None:
            continue  # not a folder, or not known
        span = ins.value_mapped[i].span()
        found: list[str] = []
        for name in names:
            path = name if norm == "." else f"{norm}/{name}"
            if path in named or path in reported:
                continue
            if _env_name(name) or (name == ".git" and context.list_dir(path) is not None):
                found.append(path)
        if found:
            reported.update(found)
            ignore = context.ignore_file()
            where = (
                f"{ignore} does not exclude them"
                if ignore is not None
                else "the build context has no .dockerignore"
            )
            if len(found) == 1:
                where = where.replace("them", "it")
            git = any(p.endswith(".git") for p in found)
            envs = [p for p in found if not p.endswith(".git")]
            what = " and ".join(
                x
                for x in (
                    "secrets" if envs else "",
                    "the repository's whole history" if git else "",
                )
                if x
            )
            patterns = ", ".join(dict.fromkeys(f"`**/{posixpath.basename(p)}`" for p in found))
            dotfiles = all(posixpath.basename(p).startswith(".") for p in found)
            handbook = ", or the handbook's `**/.*`" if dotfiles else ""
            yield META.violation(
                span,
                f"{ins.keyword} {norm} copies {', '.join(found)} into the image ({where}): "
                f"{'they' if len(found) > 1 else 'it'} may hold {what}, which every copy of the "
                f"image then carries; exclude {'them' if len(found) > 1 else 'it'} in "
                f"{ignore or '.dockerignore'} ({patterns}{handbook})",
            )
        if not found and norm == "." and not info_done and context.has_ignore_file() is False:
            info_done = True
            yield META.violation(
                span,
                f"{ins.keyword} . sends the whole build context into the image, and it has no "
                ".dockerignore: add one (the handbook's template starts with `**/.*`) so that "
                "secrets, .git and development files stay out",
                severity=Severity.INFO,
            )
