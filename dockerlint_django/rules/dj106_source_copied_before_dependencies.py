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
(`uv sync --no-install-project`, then `COPY . .`, then `uv sync`): in the same stage, in a stage
it builds `FROM`, or in a stage whose files a `COPY --from` brings in (a virtualenv built in a
builder stage). An install after the copy that leaves the project out on purpose
(`uv sync --no-install-project`, `poetry install --no-root`) is there for the dependencies, and is
reported whatever came before.

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
from dockerlint_django.dockerfile.model import Stage, expand_in
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
# Options that install the dependencies without the project (uv, Poetry, PDM).
_DEPENDENCIES_ONLY = frozenset({"--no-install-project", "--no-root", "--no-self"})


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


def _dependencies_only(cmd: SimpleCommand) -> bool:
    """An install that leaves the project out on purpose: it is there for the dependencies."""
    values = {w.value for w in cmd.words[2:]}
    return bool(values & _DEPENDENCIES_ONLY)


def _installs_in(ctx: Context, stage: Stage, memo: dict[int, bool]) -> bool:
    """Some RUN of the stage or a stage it builds FROM installs dependencies."""
    # Answered once per stage, oldest first, walking up only to the first stage answered: asking
    # every stage of a long chain for its whole chain would cost the square of it.
    pending: list[Stage] = []
    s: Stage | None = stage
    while s is not None and s.index not in memo:
        pending.append(s)
        s = s.parent
    for s in reversed(pending):
        parent = s.parent is not None and memo[s.parent.index]
        memo[s.index] = parent or any(
            _installs_dependencies(c) for r in ctx.analysis.runs_in(s) for c in r.commands
        )
    return memo[stage.index]


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    df = a.dockerfile
    memo: dict[int, bool] = {}
    for stage in df.stages:
        copy: Instruction | None = None
        # Dependencies a parent stage installed: an install after the copy only adds the project.
        installed_first = stage.parent is not None and _installs_in(ctx, stage.parent, memo)
        for ins, state in stage.steps():
            if copy is None and _copies_context(ins):
                copy = ins
                continue
            if ins.keyword in ("COPY", "ADD"):
                # `COPY --from=builder /app/.venv …`: a stage that installed the dependencies,
                # cached apart from the code.
                ref = next((f.value for f in ins.flags if f.name == "from"), None)
                value = expand_in(state, ref, df.escape) if ref is not None else None
                source = df.stage_ref(value) if value is not None else None
                if source is not None and _installs_in(ctx, source, memo):
                    installed_first = True
                continue
            if ins.keyword != "RUN":
                continue
            run = a.run_of(ins)
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
            if installed_first and not _dependencies_only(installer):
                break
            yield META.violation(
                copy.span,
                f"the whole project is copied before dependencies are installed (line {ins.start_line}): "
                "every code change reinstalls them",
                related=(Related(installer.span, "dependencies installed here"),),
            )
            break
