"""
## What it does
Checks that the final image does not install development requirements: a requirements file named
for development (`requirements_dev.txt`, `requirements-dev.txt`, `dev-requirements.txt`,
`requirements/dev*.txt`, `requirements/local.txt`, `requirements/test*.txt`…) given to
`pip install -r` or `uv pip sync|install`, `uv sync` without `--no-dev`, or a project installed
with a development extra (`pip install -e .[dev]`, `.[test]`).

This is production advice: in a development file (`Dockerfile.dev`, `docker/dev/Dockerfile`, …)
the finding is info.

## Why is this bad?
The handbook keeps development tools out of production: "`requirements_dev.in` names all direct
requirements needed exclusively in the development environment, and not in the production
environment". Its template installs only `requirements.txt`, and its `.dockerignore` excludes
`**/requirements_dev.txt`. Test runners, debuggers and linters in a production image make it larger,
add code that is never meant to run there, and widen what an attacker can use.

Only the final stage (and the stages it builds `FROM`) is checked: a build stage that runs the
tests does not ship. An install that runs only under a test (`if [ "$DEV" = 1 ]; then …`,
`[ "$DEV" ] && …`) depends on a build argument and is not reported. `uv sync` is accepted with `--no-dev`, `--only-group`, `--no-default-groups`,
`--no-group dev` or `UV_NO_DEV` set; a file or extra whose name is a variable is not reported.

## Example
```dockerfile
FROM python:3.11
COPY requirements_dev.txt /tmp/
RUN pip install --no-cache-dir -r /tmp/requirements_dev.txt
```

## Use instead
```dockerfile
FROM python:3.11
COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt
```

## Fix safety
Unsafe, and only when the image already has a `requirements.txt` next to the development file
from the same build-context folder: the file name is replaced with `requirements.txt`. Packages
that only the development file lists are no longer installed, which is the point, but code or
commands in the image may rely on them. Without such a file (or when the build context cannot be
read) there is no fix.

## References
- [OCP handbook: Requirements](https://ocp-software-handbook.readthedocs.io/en/latest/python/requirements.html)
- [OCP handbook: Dockerfile for Django](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html)
- [uv sync](https://docs.astral.sh/uv/reference/cli/#uv-sync)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from dockerlint_django.analysis import RunStep, basename
from dockerlint_django.dockerfile.model import Stage
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.readers.requirements import is_dev_requirements_path
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.shell.commands import pip_install
from dockerlint_django.shell.syntax import SimpleCommand, Word
from dockerlint_django.source import Span

META = RuleMeta(
    code="DJ047",
    name="dev-requirements-in-image",
    severity=Severity.WARNING,
    summary="The final image installs development requirements.",
    fix=FixAvailability.SOMETIMES,
    production_only=True,
)

_DEV_EXTRA = re.compile(r"^(?:dev|devel|develop|development|test|tests|testing)$", re.IGNORECASE)
# A local project with extras: `.[dev]`, `./[test]`, `/app[dev,docs]`, `.[dev]` with a marker.
_LOCAL_EXTRAS = re.compile(r"^(?P<path>\.{1,2}(?:/[^\[]*)?|/[^\[]*)\[(?P<extras>[^\]]*)\]")
# `uv sync` options that leave the dev group out (uv adds the `dev` group by default).
_UV_NO_DEV = ("--no-dev", "--only-group", "--no-default-groups")
_TRUE = frozenset({"1", "true", "yes", "on", "t", "y"})


def _requirement_files(cmd: SimpleCommand) -> Iterator[tuple[Word, int]]:
    """The requirement-file words of a pip/uv pip install, with where the path starts in each."""
    pip = pip_install(cmd)
    if pip is None:
        return
    seen: set[Span] = set()
    for word in pip.requirement_files:
        value = word.value
        if value is None:
            continue
        offset = len("--requirement=") if value.startswith("--requirement=") else 0
        seen.add(word.span)
        yield word, offset
    for word in pip.options:
        value = word.value
        if word.span in seen or value is None:
            continue
        # `-rrequirements-dev.txt`: the commands recogniser keeps it as an option only.
        if value.startswith("-r") and not value.startswith("--") and len(value) > 2:
            yield word, 2


def _path_span(word: Word, offset: int) -> Span | None:
    """The source span of the file name in ``word`` when it is written verbatim (no quotes,
    escapes or expansions), so that a fix can rewrite it in place."""
    if word.value is None or word.raw.text != word.value:
        return None
    value = word.value[offset:]
    base = posixpath.basename(value)
    start = word.span.start + offset + len(value) - len(base)
    return Span(start, start + len(base))


def _fix(ctx: Context, stage: Stage, run: RunStep, path: str, span: Span | None) -> Fix | None:
    if span is None or run.state is None:
        return None
    if posixpath.basename(path) == "requirements.txt":
        return None  # `dev/requirements.txt` style: the replacement would be the same name
    image_path = path
    if not path.startswith("/"):
        if run.state.workdir is None:
            return None
        image_path = posixpath.join(run.state.workdir, path)
    found, known = ctx.analysis.context_file_at(stage, image_path)
    if not known or found is None:
        return None
    context_sibling = posixpath.join(posixpath.dirname(found), "requirements.txt")
    if ctx.analysis.context.exists(context_sibling) is not True:
        return None
    # The replacement must be in the image too, brought from that same context file: a
    # `COPY requirements_dev.txt /tmp/` alone leaves no /tmp/requirements.txt to install.
    image_sibling = posixpath.join(posixpath.dirname(image_path), "requirements.txt")
    sibling_found, sibling_known = ctx.analysis.context_file_at(stage, image_sibling)
    if not sibling_known or sibling_found is None:
        return None
    if posixpath.normpath(sibling_found.lstrip("/")) != posixpath.normpath(
        context_sibling.lstrip("/")
    ):
        return None
    return Fix(
        "Install requirements.txt instead",
        (Edit.replace(span, "requirements.txt"),),
        Applicability.UNSAFE,
    )


def _uv_sync(cmd: SimpleCommand, variables: dict[str, str | None]) -> Word | None:
    """The ``sync`` word of a ``uv sync`` that installs the dev group; None otherwise."""
    words = cmd.words
    if len(words) < 2 or basename(words[0].value) != "uv" or words[1].value != "sync":
        return None
    no_dev = variables.get("UV_NO_DEV")
    if "UV_NO_DEV" in variables and (no_dev is None or no_dev.lower() in _TRUE):
        return None
    for a in cmd.assignments:
        if a.name == "UV_NO_DEV":
            return None
    values = [w.value for w in words[2:]]
    if any(v is None for v in values):
        return None  # `$UV_ARGS` may hold --no-dev
    for i, v in enumerate(values):
        assert v is not None
        if v in _UV_NO_DEV or v.startswith(tuple(o + "=" for o in _UV_NO_DEV)):
            return None
        if v == "--no-group" and i + 1 < len(values) and values[i + 1] == "dev":
            return None
        if v == "--no-group=dev":
            return None
    return words[1]


def _dev_extras(cmd: SimpleCommand) -> Iterator[tuple[Word, str]]:
    """Local projects installed with a development extra: ``pip install -e .[dev]``."""
    pip = pip_install(cmd)
    if pip is None:
        return
    for word in (*pip.packages, *pip.options):
        value = word.value
        if value is None and word.expansions and all(e.kind == "glob" for e in word.expansions):
            # Unquoted `.[dev]` is a bracket glob matching one-letter names such as `.d`; with no
            # such file the shell passes it on as written, which is what projects rely on.
            value = None if any(c in word.raw.text for c in "\\'\"") else word.raw.text
        if value is None:
            continue
        m = _LOCAL_EXTRAS.match(value)
        if m is None:
            continue
        extras = [e.strip() for e in m.group("extras").split(",")]
        dev = [e for e in extras if _DEV_EXTRA.match(e)]
        if dev:
            yield word, ", ".join(dev)


def _conditional(cmd: SimpleCommand, previous: SimpleCommand | None) -> bool:
    """The command runs only when a test passes: `if [ "$DEV" = 1 ]; then pip install …`.

    Such a RUN installs the dev requirements only for a build argument the default build does not
    set (the usual dev-and-prod Dockerfile), which cannot be known here.
    """
    if any(c in ("if", "case") for c in cmd.context):
        return True
    return (
        previous is not None
        and cmd.connector_before in ("&&", "||")
        and basename(previous.name) in ("[", "[[", "test")
    )


def check(ctx: Context) -> Iterator[Violation]:
    stage = ctx.analysis.dockerfile.final
    if stage is None:
        return
    for run in ctx.analysis.runs_in(stage, chain=True):
        variables = run.state.variables if run.state is not None else {}
        previous: SimpleCommand | None = None
        for cmd in run.commands:
            conditional = _conditional(cmd, previous)
            previous = cmd
            if conditional:
                continue
            for word, offset in _requirement_files(cmd):
                assert word.value is not None
                path = word.value[offset:]
                if not is_dev_requirements_path(path):
                    continue
                yield META.violation(
                    word.span,
                    f"the final image installs the development requirements file {path}; "
                    "install the production requirements (requirements.txt) instead",
                    fix=_fix(ctx, stage, run, path, _path_span(word, offset)),
                )
            sync = _uv_sync(cmd, variables)
            if sync is not None:
                yield META.violation(
                    cmd.words[0].span.cover(sync.span),
                    "uv sync installs the project's dev dependency group by default; "
                    "pass --no-dev in the final image",
                )
            for word, extras in _dev_extras(cmd):
                yield META.violation(
                    word.span,
                    f"the final image installs the project with its development extra "
                    f"[{extras}]; install it without development extras",
                )
