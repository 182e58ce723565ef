"""
## What it does
Checks that the image's final stage does not run its process as root: either its last `USER` is
`root` (or uid `0`), or it sets no `USER` at all and its base image runs as root, as `python:*` does.

For a Compose service, a `user:` decides (root there is DJ038's); a service whose `command:` or
`entrypoint:` replaces an image start command that drops privileges (`gosu app …`) runs as root
and is reported on the Compose line. This is production advice: in a development file
(`Dockerfile.dev`, `docker-compose.dev.yml`, …) the finding is info.

## Why is this bad?
The handbook creates a non-root user and switches to it: "Use the name `runner` for the non-root
user", `RUN groupadd -r runner && useradd --no-log-init -r -g runner runner` … `USER runner:runner`.
Docker's best practices agree: "If a service can run without privileges, use `USER` to change to a
non-root user." A web process running as root turns any code-execution bug into root inside the
container, with write access to the whole image filesystem.

hadolint's DL3002 only reports an explicit final `USER root`; a Dockerfile that never sets `USER`
on a root base image is the more common case, and it is reported here too. `USER root` left at the
end (after switching to root to install something) is the classic mistake.

The user is looked up through local parent stages (`FROM build AS final`) and, for base images this
tool knows (`python`, `debian`, `ubuntu`, `alpine`, `nginx`, `nginxinc/nginx-unprivileged`,
`ghcr.io/benoitc/gunicorn`), the image's own default. An unknown base image, or a `USER $NAME` whose
value cannot be known, is never reported. A start command that drops privileges itself
(`gosu app gunicorn …`, `su-exec`, `setpriv`, `runuser`, `su`) is not reported, nor one whose
entrypoint script ends by doing so (`exec gosu app "$@"`). One that starts through an entrypoint
script that runs such a program elsewhere (`exec gosu postgres "$0" "$@"` in a branch), or through
any entrypoint script in an image that installs `gosu` or `su-exec`, is only info, since such
scripts usually step down before they `exec` the server.

## Example
```dockerfile
FROM python:3.11
COPY . /workdir
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Use instead
```dockerfile
FROM python:3.11
RUN groupadd -r runner && useradd --no-log-init -r -g runner runner
WORKDIR /workdir
USER runner:runner
COPY --chown=runner:runner . .
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Fix safety
Unsafe, and offered only when the stage already creates a non-root user with `useradd`/`adduser`:
the fix inserts `USER <user>:<group>` (or replaces the final `USER root`) before the start
command. Files the process writes at run time may need new ownership, which only a person can judge.

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [Docker best practices: USER](https://docs.docker.com/build/building/best-practices/#user)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence

from dockerlint_django.analysis import Analysis
from dockerlint_django.dockerfile.edits import insert_line_before
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.rules._service_view import (
    command_span,
    replaced,
    service_key,
    service_label,
)
from dockerlint_django.shell.launch import Launch
from dockerlint_django.shell.syntax import WordLike

META = RuleMeta(
    code="DJ030",
    name="final-stage-runs-as-root",
    severity=Severity.WARNING,
    summary="The final stage runs as root: switch to a non-root USER.",
    fix=FixAvailability.SOMETIMES,
    hadolint=("DL3002",),
    # Root in the container: any code-execution bug in the app runs with write access to the image.
    security_severity="5.0",
    kind=("dockerfile", "compose"),
    production_only=True,
)


_STEP_DOWN = frozenset({"gosu", "su-exec", "setpriv", "runuser", "chpst", "s6-setuidgid", "su"})
_STEP_DOWN_WORD = re.compile(r"(^|/)(gosu|su-exec)(\b|$)")


def _level(ctx: Context, launch: Launch | None) -> tuple[Severity | None, str] | None:
    """How sure it is that the process runs as root, started by ``launch`` in a root image:
    None when it drops privileges itself; else the severity (None: the rule's) and a note."""
    if launch is not None and _steps_down(launch):
        return None
    if launch is not None and (
        launch.scripts or launch.opaque is not None or launch.kind == "script"
    ):
        # The usual pattern: start as root, fix volume ownership, then `exec gosu app "$@"`.
        found = _script_step_down(launch)
        if found is not None:
            program, path = found
            return Severity.INFO, (
                f" ({path} runs {program}: if it drops privileges before it starts the server, "
                "ignore this)"
            )
        if _installs_step_down(ctx):
            return Severity.INFO, (
                " (the image installs gosu/su-exec: if its entrypoint script drops privileges, "
                "ignore this)"
            )
    return None, ""


def _service(ctx: Context) -> Iterator[Violation]:
    """A Compose service's view. A `user:` it sets decides (root there is DJ038's); without
    one, the service is reported only when its `command:`/`entrypoint:` is what makes the
    image's root user run the process: the image's own start command drops privileges (or
    may), the service's does not."""
    a = ctx.analysis
    final = a.dockerfile.final
    runtime = a.runtime
    if final is None or runtime is None or runtime.user is not None:
        return
    if final.final_state.user.is_root is not True:
        return
    start = a.start(final)
    command = start.command if start is not None else None
    if start is None or command is None or service_key(a, command) is None:
        return
    service = _level(ctx, start.launch)
    if service is None:
        return
    image = Analysis(a.source, a.dockerfile, a.context, a.in_template, workspace=a.workspace)
    own = image.start(final)
    before = _level(ctx, own.launch if own is not None else None)
    rank = {None: 0, Severity.INFO: 1}
    if before is not None and rank.get(before[0], 2) >= rank.get(service[0], 2):
        return  # the image runs as root as surely without the service: the Dockerfile's finding
    severity = service[0]
    drops = "drops privileges" if before is None else "may drop privileges"
    yield META.violation(
        command_span(a, command, final),
        f"{service_label(a, command)} replaces the image's start command, which {drops}, so "
        "the service's process runs as root (the image's user); step down in the command too "
        "(gosu, su-exec), or set `user:` on the service" + service[1],
        severity=severity,
        related=replaced(a, command),
    )


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    if a.runtime is not None:
        yield from _service(ctx)
        return
    user = final.final_state.user
    if user.is_root is not True:
        return
    start = a.start(final)
    launch = start.launch if start is not None else None
    level = _level(ctx, launch)
    if level is None:
        return
    severity, note = level
    created = a.created_users(final)
    fix = None
    if user.instruction is not None:
        span = user.instruction.span
        where = (
            ""
            if user.stage == final.index
            else f" (set in stage '{a.dockerfile.stages[user.stage or 0].label()}')"
        )
        message = f"the final stage runs as {user.value}{where}; switch to a non-root user"
        if created and user.stage == final.index:
            name, group = created[-1]
            fix = Fix(
                f"Switch to {name}:{group}",
                (Edit.replace(user.instruction.args.span(), f"{name}:{group}"),),
                Applicability.UNSAFE,
            )
    else:
        span = final.from_.span
        image = final.root_image.raw if final.root_image is not None else "the base image"
        message = f"no USER is set, so the final stage runs as root (the default of {image})"
        anchor = a.start_instruction(final)
        if created and anchor is not None:
            name, group = created[-1]
            fix = Fix(
                f"Add USER {name}:{group}",
                (insert_line_before(a.source, anchor, f"USER {name}:{group}"),),
                Applicability.UNSAFE,
            )
    yield META.violation(span, message + note, fix=fix, severity=severity)


def _steps_down(launch: Launch) -> bool:
    """The command that finally runs is started through a program that changes the user: a
    launcher (``gosu app gunicorn``), the program itself (``runuser -u app -- …``, ``su app -c``),
    or the command a shell or script ends with (``exec gosu "$APP_USER" "$@"``, whose user is
    unknown but is set there)."""
    if any(ln.name in _STEP_DOWN for ln in launch.launchers):
        return True
    if launch.program is not None and _drops(launch.program, launch.args):
        return True
    return any(
        hop.command is not None
        and bool(hop.command.words)
        and _drops(hop.command.words[0], hop.command.words[1:])
        for hop in launch.hops
    )


# `su`/`runuser` options that take a value; the first operand is the user (root when none).
_SU_VALUE_OPTS = frozenset(
    {"-c", "-s", "-g", "-G", "-w", "-u", "--command", "--shell", "--group", "--supp-group"}
    | {"--whitelist-environment", "--user"}
)


def _drops(program: WordLike, args: Sequence[WordLike]) -> bool:
    """``program args`` runs its command as another user than root."""
    name = _program(program.value)
    if name not in _STEP_DOWN:
        return False
    if name not in ("su", "runuser"):
        return True
    i = 0
    while i < len(args):
        v = args[i].value
        if v is None:
            return True  # a user we cannot read: not known to be root
        if v in ("-u", "--user") and i + 1 < len(args):
            user = args[i + 1].value
            return user is None or user not in ("root", "0")
        if v.startswith("--user="):
            return v[len("--user=") :] not in ("root", "0")
        if v == "--":
            break
        if v in _SU_VALUE_OPTS:
            i += 2
            continue
        if v.startswith("-"):
            i += 1
            continue
        return v not in ("root", "0")
    return False  # `su -c cmd` runs it as root


def _script_step_down(launch: Launch) -> tuple[str, str] | None:
    """A step-down program that a script on the way may hand over to (``exec gosu postgres "$0"
    "$@"`` in a branch, ``set -- su-exec app "$@"``): the first one, and the script's path.

    A command the script runs before it starts the server and that returns
    (``su app -c "manage.py migrate"``) drops nothing for what comes after it."""
    for hop in launch.scripts:
        returns = {c.span for c in hop.before if not c.exec_prefixed}
        for cmd in hop.script.commands:
            for i, word in enumerate(cmd.words):
                program = _program(word.value)
                if program in _STEP_DOWN and not (i == 0 and cmd.span in returns):
                    return program, hop.path
    return None


def _program(value: str | None) -> str | None:
    return None if value is None else posixpath.basename(value)


def _installs_step_down(ctx: Context) -> bool:
    a = ctx.analysis
    final = a.dockerfile.final
    assert final is not None
    for run in a.runs_in(final, chain=True):
        for cmd in run.commands:
            if any(w.value is not None and _STEP_DOWN_WORD.search(w.value) for w in cmd.words):
                return True
    return False
