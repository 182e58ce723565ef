"""
## What it does
Checks that `pip install` (and `uv pip install --system`) does not run after `USER` has switched to
a non-root user, unless it installs somewhere that user can write.

## Why is this bad?
The handbook's layer order installs the project's dependencies (step 5) before switching to the
non-root user (step 7). After `USER runner`, a system-wide `pip install` cannot write to
`/usr/local/lib/pythonX.Y/site-packages`, which is root's in `python:*` images. pip then falls back
to a user install under `$HOME`, which `useradd -r` does not create (useradd(8): "useradd will not
create a home directory for such a user"): the build fails, or the packages land in a folder that
is not on the path the application uses at run time.

These are accepted: `--target`, `--prefix` and `--root` (and `PIP_TARGET`/`PIP_PREFIX`); `--user`
(or `PIP_USER`) when the user has a home (`useradd -m`, `adduser`) or was not created in this
Dockerfile, since that is asked for on purpose (pip's silent fallback to a user install, without
`--user`, is reported); a pip inside a virtualenv (`/opt/venv/bin/pip`, `VIRTUAL_ENV` set, or a virtualenv
created by an earlier `python -m venv`, `virtualenv` or `uv venv` in the stage chain or the same
`RUN`). `uv pip` is reported only with `--system` (or `UV_SYSTEM_PYTHON`): without it uv needs a
virtualenv anyway. A user that is only inherited from a base image, or whose name cannot be known,
is not reported.

## Example
```dockerfile
FROM python:3.11
RUN groupadd -r runner && useradd --no-log-init -r -g runner runner
USER runner:runner
COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt
```

## Use instead
```dockerfile
FROM python:3.11
RUN groupadd -r runner && useradd --no-log-init -r -g runner runner
COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt
USER runner:runner
```

## Fix safety
No fix: moving `USER` below the install changes the layer order and what runs as whom, which a
person has to decide (the handbook's order is the usual answer).

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [pip: user installs](https://pip.pypa.io/en/stable/user_guide/#user-installs)
- [useradd(8)](https://man7.org/linux/man-pages/man8/useradd.8.html)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from dockerlint_django._record import LazyPattern
from dockerlint_django.analysis import RunStep, basename
from dockerlint_django.dockerfile.model import Stage
from dockerlint_django.rules._base import (
    Context,
    Related,
    RuleMeta,
    Severity,
    Violation,
)
from dockerlint_django.shell import useradd
from dockerlint_django.shell.commands import Layered, PipInstall, pip_install
from dockerlint_django.shell.syntax import SimpleCommand

META = RuleMeta(
    code="DJ036",
    name="pip-install-as-non-root",
    severity=Severity.WARNING,
    summary="pip install after USER switched to a non-root user cannot write site-packages.",
)

_PYTHON = LazyPattern(r"^python(\d(\.\d+)?)?$")
# Where the system's pip and python live; anything else (`/opt/venv/bin/pip`) is someone's own.
_SYSTEM_BIN = ("/usr/local/bin/", "/usr/bin/", "/bin/")
_ELSEWHERE = ("--target", "-t", "--prefix", "--root", "--dry-run")


def _creates_venv(cmd: SimpleCommand) -> bool:
    words = [w.value for w in cmd.words]
    name = basename(cmd.name)
    if name == "virtualenv" or (name == "uv" and len(words) > 1 and words[1] == "venv"):
        return True
    if name is not None and _PYTHON.match(name) and "-m" in words:
        module = words.index("-m") + 1
        return module < len(words) and words[module] in ("venv", "virtualenv")
    return False


def _activates_venv(cmd: SimpleCommand) -> bool:
    # `. /opt/venv/bin/activate && pip install …`
    return basename(cmd.name) in (".", "source") and any(
        (w.value or "").endswith("/activate") for w in cmd.words[1:]
    )


def _own_interpreter(cmd: SimpleCommand) -> bool:
    """The pip or python run is a path outside the system's bin folders: a virtualenv's."""
    first = cmd.words[0].value
    if first is None:
        return True  # `$VENV/bin/pip`: not knowable, and most likely a virtualenv
    return "/" in first and not first.startswith(_SYSTEM_BIN)


class _Earlier:
    """What the RUNs of a stage chain did, each stage read once (a chain can be long, and every
    pip command asks)."""

    def __init__(self, ctx: Context) -> None:
        self.analysis = ctx.analysis
        # Per stage: its first RUN creating a virtualenv (its position among the stage's RUNs),
        # and whether an ancestor created one.
        self._first_venv: dict[int, int | None] = {}
        self._ancestor_venv: dict[int, bool] = {}
        self._position: dict[int, int] = {}  # RUN instruction id -> position in its stage
        # Per stage: the last useradd of each user in its own RUNs; per (stage, user): the last
        # in the chain up to the stage.
        self._own_adds: dict[int, dict[str | None, useradd.UserAdd]] = {}
        self._last_add: dict[tuple[int, str | None], useradd.UserAdd | None] = {}

    def _read(self, stage: Stage) -> None:
        if stage.index in self._first_venv:
            return
        first: int | None = None
        known = stage.root_known
        family = (known.distribution or "") if known is not None else ""
        adds: dict[str | None, useradd.UserAdd] = {}
        for i, run in enumerate(self.analysis.runs_in(stage)):
            self._position[id(run.instruction)] = i
            for cmd in run.commands:
                if first is None and _creates_venv(cmd):
                    first = i
                add = useradd.parse(cmd, family)
                if add is not None:
                    adds[add.user] = add
        self._first_venv[stage.index] = first
        self._own_adds[stage.index] = adds

    def venv_before(self, run: RunStep) -> bool:
        """A RUN before this one, in its stage or a stage it builds FROM, creates a virtualenv."""
        assert run.stage is not None
        chain = run.stage.chain
        for s in chain:  # oldest first, so each parent is settled before its child
            if s.index not in self._ancestor_venv:
                self._read(s)
                parent = s.parent
                self._ancestor_venv[s.index] = parent is not None and (
                    self._ancestor_venv[parent.index] or self._first_venv[parent.index] is not None
                )
        if self._ancestor_venv[run.stage.index]:
            return True
        first = self._first_venv[run.stage.index]
        return first is not None and first < self._position[id(run.instruction)]

    def home_exists(self, run: RunStep, name: str | None) -> bool:
        """The user's home exists: the chain's last useradd of it makes one, or none creates
        the user (the base image's user may well have a home)."""
        assert run.stage is not None
        path: list[tuple[int, str | None]] = []
        found: useradd.UserAdd | None = None
        s: Stage | None = run.stage
        while s is not None:
            key = (s.index, name)
            if key in self._last_add:
                found = self._last_add[key]
                break
            path.append(key)
            self._read(s)
            found = self._own_adds[s.index].get(name)
            if found is not None:
                break
            s = s.parent
        for key in path:
            self._last_add[key] = found
        return found is None or found.creates_home is not False


def _writes_elsewhere(pip: PipInstall, variables: Mapping[str, str | None]) -> bool:
    if pip.has_option(*_ELSEWHERE):
        return True
    return any(
        w.value is not None and w.value.startswith("-t") and len(w.value) > 2 for w in pip.options
    ) or any(v in variables for v in ("PIP_TARGET", "PIP_PREFIX"))


def check(ctx: Context) -> Iterator[Violation]:
    earlier = _Earlier(ctx)
    for run in ctx.analysis.runs:
        state = run.state
        if run.onbuild or state is None or run.stage is None:
            continue
        user = state.user
        if user.instruction is None or user.is_root is not False:
            continue
        variables = Layered(state.env, state.args)  # State.variables, not merged per RUN
        if "VIRTUAL_ENV" in variables:
            continue
        venv_here = False
        env = run.environment()
        for cmd in run.commands:
            if _creates_venv(cmd) or _activates_venv(cmd):
                venv_here = True
            pip = pip_install(cmd, env)
            if pip is None or venv_here or _own_interpreter(cmd):
                continue
            if pip.hidden:
                continue  # `$PIP_ARGS` may hold --target or --user; `-r $DIR/x.txt` cannot
            if _writes_elsewhere(pip, variables):
                continue
            if pip.tool == "uv" and not (
                pip.has_option("--system") or "UV_SYSTEM_PYTHON" in variables
            ):
                continue
            if pip.tool == "pip" and (pip.has_option("--user") or "PIP_USER" in variables):
                if earlier.home_exists(run, user.name):
                    continue
                detail = f"--user installs into {user.name}'s home, which useradd did not create"
            elif pip.tool == "pip" and earlier.home_exists(run, user.name):
                detail = (
                    "it cannot write to the system site-packages (root's), so pip silently falls "
                    "back to a user install in the home folder; pass --user if that is meant"
                )
            elif pip.tool == "pip":
                detail = (
                    "it cannot write to the system site-packages (root's), and the user has no "
                    "home for pip's user-install fallback"
                )
            else:
                detail = "it cannot write to the system site-packages (root's)"
            if earlier.venv_before(run):
                continue
            yield META.violation(
                cmd.words[0].span.cover(pip.install_word.span),
                f"{'uv pip' if pip.tool == 'uv' else 'pip'} {pip.install_word.value} runs as "
                f"{user.value}: {detail}; or install before switching USER",
                related=(Related(user.instruction.span, f"USER {user.value} is set here"),),
            )
