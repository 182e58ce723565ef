"""
## What it does
Checks for a stage that copies the whole build context (`COPY . .`) before it installs its Python
dependencies from requirement files.

## Why is this bad?
Docker reuses a cached layer only while everything before it is unchanged. Copying the project
first means every code change invalidates the dependency install, and each build reinstalls every
package. The handbook's layer order is: "4. Copy requirements files 5. Install project
dependencies … 8. Copy project files", as its template does:
`COPY requirements.txt /tmp/requirements.txt` and `RUN pip install …` before `COPY . .`.

Installing the project itself (`pip install .`, `pip install -e .`) after `COPY . .` is not
reported: that install needs the code. Nor is a second install after the copy when the
dependencies were already installed before it, as uv's and Poetry's documented pattern does
(`uv sync --no-install-project`, then `COPY . .`, then `uv sync`).

## Example
```dockerfile
FROM python:3.11
WORKDIR /workdir
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
```

## Use instead
```dockerfile
FROM python:3.11
COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt
WORKDIR /workdir
COPY . .
```

## Fix safety
No fix: moving the copy changes which files later steps see, which needs a person.

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [Docker: build cache](https://docs.docker.com/build/cache/)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.analysis import basename
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.rules._base import Context, Related, RuleMeta, Severity, Violation
from dockerlint_django.shell.commands import pip_install
from dockerlint_django.shell.syntax import SimpleCommand

META = RuleMeta(
    code="DJ106",
    name="source-copied-before-dependencies",
    severity=Severity.INFO,
    summary="Copy and install requirements before copying the project, so code changes keep the cache.",
)

_PROJECT_INSTALLERS = {"poetry": "install", "pipenv": "install", "pdm": "install", "uv": "sync"}


def _copies_context(ins: Instruction) -> bool:
    if ins.keyword != "COPY" or any(f.name == "from" for f in ins.flags) or ins.heredocs:
        return False
    sources = ins.value[:-1]
    return any(s.rstrip("/") in (".", "") or s in ("./", "*") for s in sources)


def _installs_dependencies(cmd: SimpleCommand) -> bool:
    pip = pip_install(cmd)
    if pip is not None:
        return bool(pip.requirement_files)
    name = basename(cmd.name)
    verb = _PROJECT_INSTALLERS.get(name or "")
    return verb is not None and len(cmd.words) > 1 and cmd.words[1].value == verb


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    for stage in a.dockerfile.stages:
        copy: Instruction | None = None
        installed_first = False
        for ins in stage.instructions:
            if copy is None and _copies_context(ins):
                copy = ins
                continue
            if ins.keyword != "RUN":
                continue
            run = next((r for r in a.runs if r.instruction is ins), None)
            if run is None:
                continue
            installer = next((c for c in run.commands if _installs_dependencies(c)), None)
            if installer is None:
                continue
            if copy is None:
                # `uv sync --no-install-project` / `poetry install --no-root` before the copy, and
                # the project installed after it: the cache-friendly order, nothing to report.
                installed_first = True
                continue
            if installed_first:
                break
            yield META.violation(
                copy.span,
                f"the whole project is copied before dependencies are installed (line {ins.start_line}): "
                "every code change reinstalls them",
                related=(Related(installer.span, "dependencies installed here"),),
            )
            break
