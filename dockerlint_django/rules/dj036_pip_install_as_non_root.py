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

import re
from collections.abc import Iterator

from dockerlint_django.analysis import RunStep, basename
from dockerlint_django.rules._base import (
    Context,
    Related,
    RuleMeta,
    Severity,
    Violation,
)
from dockerlint_django.shell import useradd
from dockerlint_django.shell.commands import PipInstall, pip_install
from dockerlint_django.shell.syntax import SimpleCommand

META = RuleMeta(
    code="DJ036",
    name="pip-install-as-non-root",
    severity=Severity.WARNING,
    summary="pip install after USER switched to a non-root user cannot write site-packages.",
)

_PYTHON = re.compile(r"^python(\d(\.\d+)?)?$")
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


def _venv_before(ctx: Context, run: RunStep) -> bool:
    assert run.stage is not None
    for earlier in ctx.analysis.runs_in(run.stage, chain=True):
        if earlier.instruction is run.instruction:
            return False
        if any(_creates_venv(c) for c in earlier.commands):
            return True
    return False


def _home_exists(ctx: Context, run: RunStep, name: str | None) -> bool:
    assert run.stage is not None
    known = run.stage.root_known
    family = (known.distribution or "") if known is not None else ""
    adds = [
        add
        for earlier in ctx.analysis.runs_in(run.stage, chain=True)
        for cmd in earlier.commands
        if (add := useradd.parse(cmd, family)) is not None and add.user == name
    ]
    if not adds:
        return True  # not created here: the base image's user may well have a home
    return adds[-1].creates_home is not False


def _writes_elsewhere(pip: PipInstall, variables: dict[str, str | None]) -> bool:
    if pip.has_option(*_ELSEWHERE):
        return True
    return any(
        w.value is not None and w.value.startswith("-t") and len(w.value) > 2 for w in pip.options
    ) or any(v in variables for v in ("PIP_TARGET", "PIP_PREFIX"))


def check(ctx: Context) -> Iterator[Violation]:
    for run in ctx.analysis.runs:
        state = run.state
        if run.onbuild or state is None or run.stage is None:
            continue
        user = state.user
        if user.instruction is None or user.is_root is not False:
            continue
        variables = state.variables
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
                if _home_exists(ctx, run, user.name):
                    continue
                detail = f"--user installs into {user.name}'s home, which useradd did not create"
            elif pip.tool == "pip" and _home_exists(ctx, run, user.name):
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
            if _venv_before(ctx, run):
                continue
            yield META.violation(
                cmd.words[0].span.cover(pip.install_word.span),
                f"{'uv pip' if pip.tool == 'uv' else 'pip'} {pip.install_word.value} runs as "
                f"{user.value}: {detail}; or install before switching USER",
                related=(Related(user.instruction.span, f"USER {user.value} is set here"),),
            )
