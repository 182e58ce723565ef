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

The user is looked up through local parent stages (`FROM build AS final`) and, for the base images
this tool knows, the image's own default: `python`, `ghcr.io/astral-sh/uv`, the devcontainer,
distroless, Chainguard and Red Hat Python images, `node`, `postgres`, `redis`, `nginx`,
`nginxinc/nginx-unprivileged`, `debian`, `ubuntu`, `alpine`, `fedora`, `almalinux`, `rockylinux`,
`centos`, `amazonlinux`, UBI (the list, with where each fact comes from, is
`dockerlint_django/dockerfile/base-images.toml`). An unknown base image, or a `USER $NAME` whose
value cannot be known, is never reported.

The rule is about the process the container runs, not the user the container starts as: an image
whose start command hands the server to another user does not run it as root. So a start command
that drops privileges itself is not reported (`gosu app gunicorn …`, `su-exec`, `setpriv`,
`runuser -u app`, `su app -c`, `chroot --userspec=app`, `s6-setuidgid`, `sudo -u app`), nor one
whose entrypoint script ends by doing so (`exec gosu app "$@"`), nor a base image whose own
entrypoint script does it for the command given (`postgres`, `redis-server`). One that starts
through an entrypoint script that runs such a program elsewhere (`exec gosu postgres "$0" "$@"` in a
branch), or through any entrypoint script in an image that installs `gosu` or `su-exec`, is only
info, since such scripts usually step down before they `exec` the server.

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
COPY --chown=runner:runner . /workdir
USER runner:runner
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Fix safety
Both fixes are unsafe: files the process writes at run time (uploads, a SQLite database, caches)
may need new ownership, and a mounted volume keeps the owner it has; only a person can judge that.

When the stage creates a non-root user with `useradd`/`adduser` before the place the `USER` goes,
the fix replaces the final stage's `USER root` with `USER <user>:<group>` when no `RUN` follows it,
and otherwise inserts that line before the start command (a `RUN` after it would run as the new
user). The group is written only when the command that created the user settles it and gives no
other groups (`adduser --system` puts the user in `nogroup`, and `USER user:group` drops
supplementary groups); otherwise the line is `USER <user>`.

When neither the final stage nor a stage it is built `FROM` creates any user or group, the fix
inserts the handbook's lines: `RUN groupadd -r runner && useradd --no-log-init -r -g runner runner`
after the final stage's last `RUN` that runs `apt-get install`/`apt install` (or, without one, as
the first instruction after `FROM`), `USER runner:runner` where the first fix puts its line, and
`--chown=runner:runner` after the keyword of each `COPY`/`ADD` after the new `RUN` that has no
`--chown`. The `RUN`s before the `USER` line still run as root. A copy keeps root as its owner when
it uses `--link` (BuildKit cannot resolve a user name there), copies `--from` an image rather than
a stage (those are the image's programs), or writes into `/`, `/etc`, `/usr/bin`, `/usr/lib`,
`/usr/local/bin` or another system folder (cron and sudo refuse files root does not own). This fix
is offered only on a Debian or Ubuntu base image this tool knows, with a shell, that runs as root,
when every instruction of the final stage runs as root, no `RUN` follows the `USER` line, the
accounts are known (no unknown package list, no edited `/etc/passwd`), and `runner` is neither a
user nor a group yet: on Alpine (`addgroup`/`adduser` take other options), distroless or an
unknown base image there is none.

No fix is offered when the start command may step down itself (the info findings above), nor when
it runs an entrypoint script that cannot be read or that runs something only root can (`chown`,
`gosu`, `usermod`, a package manager): under a `USER` line that script fails and the container
does not start.

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [Docker best practices: USER](https://docs.docker.com/build/building/best-practices/#user)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence

from dockerlint_django import accounts
from dockerlint_django._record import LazyPattern
from dockerlint_django.analysis import Analysis, Start
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.edits import insert_line_before
from dockerlint_django.dockerfile.model import Dockerfile, Stage, State, UserValue, expand_in
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.rules._handbook import CHOWN, CREATE_USER, GROUP_NAME, SWITCH_USER, USER_NAME
from dockerlint_django.rules._service_view import (
    command_span,
    replaced,
    service_key,
    service_label,
)
from dockerlint_django.shell.commands import apt
from dockerlint_django.shell.launch import Launch
from dockerlint_django.shell.syntax import WordLike

META = RuleMeta(
    code="DJ030",
    name="final-stage-runs-as-root",
    severity=Severity.WARNING,
    summary="The final stage runs as root: switch to a non-root USER.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    hadolint=("DL3002",),
    # Root in the container: any code-execution bug in the app runs with write access to the image.
    security_severity="5.0",
    kind=("dockerfile", "compose"),
    production_only=True,
)


# Programs that run a command as another user.
_STEP_DOWN = frozenset(
    {"gosu", "su-exec", "setpriv", "runuser", "chpst", "s6-setuidgid", "s6-applyuidgid", "su"}
    | {"setuidgid", "chroot", "sudo", "doas"}
)
_STEP_DOWN_WORD = LazyPattern(r"(^|/)(gosu|su-exec)(\b|$)")
# Commands a start script can only run as root: with a USER inserted before it, it fails.
_NEEDS_ROOT = _STEP_DOWN | frozenset(
    {"chown", "chgrp", "usermod", "groupmod", "useradd", "adduser", "groupadd", "addgroup"}
    | {"userdel", "deluser", "apt-get", "apt", "apk", "dnf", "microdnf", "yum", "setcap"}
    | {"update-ca-certificates", "mount", "sysctl"}
)


def _level(ctx: Context, start: Start | None) -> tuple[Severity | None, str] | None:
    """How sure it is that the process runs as root, started by ``start`` in a root image:
    None when it drops privileges itself; else the severity (None: the rule's) and a note."""
    launch = start.launch if start is not None else None
    if launch is not None and _steps_down(launch):
        return None
    if start is not None and _base_steps_down(start):
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
    service = _level(ctx, start)
    if service is None:
        return
    image = Analysis(a.source, a.dockerfile, a.context, a.in_template, workspace=a.workspace)
    before = _level(ctx, image.start(final))
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
    level = _level(ctx, start)
    if level is None:
        return
    severity, note = level
    # A start command that may step down itself, or runs a script that needs root, breaks under
    # a USER line: no fix then.
    fixable = severity is None and not (start is not None and _needs_root(start.launch))
    if user.instruction is not None:
        span = user.instruction.span
        where = (
            ""
            if user.stage == final.index
            else f" (set in stage '{a.dockerfile.stages[user.stage or 0].label()}')"
        )
        message = f"the final stage runs as {user.value}{where}; switch to a non-root user"
    else:
        span = final.from_.span
        image = final.root_image.raw if final.root_image is not None else "the base image"
        message = f"no USER is set, so the final stage runs as root (the default of {image})"
    fix = _fix(a, final, user) if fixable else None
    yield META.violation(span, message + note, fix=fix, severity=severity)


def _fix(a: Analysis, final: Stage, user: UserValue) -> Fix | None:
    """``USER <user>[:<group>]`` for the last user the stage chain creates, where that user
    exists: in place of the final stage's ``USER root`` when no RUN follows it, else before the
    start command. When the chain creates no user at all, the handbook's block (``_block_fix``)."""
    anchor = a.start_instruction(final)
    replace_at = user.instruction if user.stage == final.index else None
    if replace_at is not None and any(
        ins.keyword in ("RUN", "ONBUILD") for ins in _after(final, replace_at)
    ):
        replace_at = None  # those RUNs would run as the new user
    if replace_at is None and (anchor is None or user.stage not in (None, final.index)):
        return None
    at = replace_at if replace_at is not None else anchor
    assert at is not None
    if replace_at is None and any(ins.keyword in ("RUN", "ONBUILD") for ins in _after(final, at)):
        return None  # a RUN after the start command would run as the new user
    acc = accounts.accounts_before(a, final, at)
    if acc is None or acc.edited:
        return None
    created = [(name, group) for name, group in acc.created if not name.startswith("uid:")]
    if not created:
        return _block_fix(a, final, replace_at, at)
    name, group = created[-1]
    # `USER name` keeps the user's primary and supplementary groups; `name:group` (the handbook's
    # spelling) only when that changes nothing.
    value = name if group is None or acc.extra_groups(name) != frozenset() else f"{name}:{group}"
    if replace_at is not None:
        return Fix(
            f"Switch to {value}",
            (Edit.replace(replace_at.args.span(), value),),
            Applicability.UNSAFE,
        )
    return Fix(
        f"Add USER {value}",
        (insert_line_before(a.source, at, f"USER {value}"),),
        Applicability.UNSAFE,
    )


# Shells that run the handbook's `groupadd … && useradd …` line as written.
_POSIX_SHELLS = frozenset({"sh", "bash", "dash"})
# Destinations whose files stay root's: programs there are not the app's to change, and some
# (cron, logrotate, sudo) refuse configuration files that root does not own.
_SYSTEM_DIRS = (
    "/etc",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/usr/bin",
    "/usr/sbin",
    "/usr/lib",
    "/usr/libexec",
    "/usr/share",
    "/usr/local/bin",
    "/usr/local/sbin",
    "/usr/local/lib",
    "/usr/local/share",
)


def _block_fix(
    a: Analysis, final: Stage, replace_at: Instruction | None, at: Instruction
) -> Fix | None:
    """The handbook's ``RUN groupadd -r runner && useradd … runner`` after the final stage's last
    ``apt-get install`` RUN (else right after ``FROM``), ``USER runner:runner`` at ``at`` (in
    place of ``replace_at``'s ``USER root``, else above the start command), and
    ``--chown=runner:runner`` on the COPY/ADD in between: only on a Debian-family base image
    known to have a shell and to run as root, in a stage chain that creates no account, where no
    RUN comes after the USER line and ``runner`` is neither a user nor a group yet."""
    known = final.root_known
    if known is None or known.family != "debian" or known.shell is not True:
        return None
    # Every instruction of the stage runs as root: groupadd/useradd can, and no USER of the
    # stage is undone.
    if not final.states or any(state.user.is_root is not True for state in final.states):
        return None
    steps = final.instructions
    at_index = next((i for i, ins in enumerate(steps) if ins is at), None)
    if at_index is None:
        return None
    if any(ins.keyword in ("RUN", "ONBUILD") for ins in steps[at_index:]):
        return None  # a RUN after the USER line would run as runner
    if not _runs_unprivileged(a, final):
        return None
    end = accounts.at_end(a, final)
    if end.created or end.open or end.edited or end.exhausted:
        return None
    if (
        accounts.exists(USER_NAME, "user", end, final) is not False
        or accounts.exists(GROUP_NAME, "group", end, final) is not False
    ):
        return None
    # After the last RUN of the stage that installs system packages, else first after FROM.
    insert_index = 0
    for i, ins in enumerate(steps[:at_index]):
        if ins.keyword == "RUN" and _installs_system_packages(a, ins):
            insert_index = i + 1
    shell = final.states[insert_index].shell
    if not shell or posixpath.basename(shell[0]) not in _POSIX_SHELLS:
        return None
    df = a.dockerfile
    source = a.source
    create = insert_line_before(
        source, steps[insert_index], CREATE_USER.render(df.escape, source.newline)
    )
    owner = f"{USER_NAME}:{GROUP_NAME}"
    switch = (
        Edit.replace(replace_at.args.span(), owner)
        if replace_at is not None
        else insert_line_before(source, at, SWITCH_USER.render(df.escape, source.newline))
    )
    edits = [create, switch]
    if switch.start == create.start and switch.end == create.end:
        # Both lines go above the same instruction: one edit keeps their order.
        edits = [Edit.insert(create.start, create.content + switch.content)]
    for ins, state in zip(steps[insert_index:], final.states[insert_index:], strict=True):
        if ins.keyword in ("COPY", "ADD") and _destination(df, ins, state) in (None, "/"):
            return None  # the app's files in `/`, which stays root's: it could create none
        if _chowns(df, ins, state):
            edits.append(Edit.insert(ins.keyword_span.end, f" {CHOWN}"))
    return Fix("Create the runner user and switch to it", tuple(edits), Applicability.UNSAFE)


# The servers the block is offered for: they run as any user, and their ports are read here.
_UNPRIVILEGED_SERVERS = frozenset({"gunicorn", "uvicorn", "daphne", "hypercorn", "runserver"})
_QUIET_COMMANDS = frozenset({"cd", "export", ".", "source", "set", "echo", "exec", "true"})
_PORT_OPTIONS = frozenset({"--port", "-p"})
_BIND_OPTIONS = frozenset({"--bind", "-b"})
_SOCKET_OPTIONS = frozenset({"--uds", "-u", "--fd", "--endpoint", "-e", "--unix-socket"})


def _runs_unprivileged(a: Analysis, final: Stage) -> bool:
    """The start command is a Python web server that works as a user without a home: started
    directly or by a shell that runs nothing else, in a WORKDIR other than ``/``, it does not
    switch users itself, listens on known ports from 1024 up (only root may bind below), and
    nothing it needs lies under /root (mode 700: ``pip install --user``, ``~/.local/bin``)."""
    start = a.start(final)
    if start is None or start.launch.kind not in _UNPRIVILEGED_SERVERS:
        return False
    state = final.final_state
    if state.workdir is None:
        return False
    launch = start.launch
    # A script or `sh -c` that runs more than the server (`migrate`, `collectstatic`) writes
    # files at start, in folders (the WORKDIR itself) that stay root's.
    for hop in (*launch.hops, *launch.scripts):
        for cmd in hop.script.commands:
            if cmd is not hop.command and _program(cmd.name) not in _QUIET_COMMANDS:
                return False
    path = state.env.get("PATH") if "PATH" in state.env else ""
    if path is None or "/root" in path:
        return False
    for port, _ in state.expose:
        if port is None or not _high_port(port.partition("/")[0]):
            return False
    if launch.program is not None and (launch.program.value or "/root").startswith("/root"):
        return False
    if launch.kind == "gunicorn":
        settings = a.gunicorn(final)
        if settings is None:
            return False
        for name in ("user", "group"):
            if settings.get(name).layer != "default":
                return False  # Gunicorn switches to a user itself: only root can
        bind = settings.get("bind")
        values = bind.value if isinstance(bind.value, tuple) else (bind.value,)
        return bind.known and all(
            isinstance(v, str) and not v.startswith(("unix:", "fd://")) and _high_port(v)
            for v in values
        )
    args = [w.value for w in launch.args]
    for i, v in enumerate(args):
        if v is None:
            return False
        following = args[i + 1] if i + 1 < len(args) else None
        name, eq, inline = v.partition("=")
        value = inline if eq else following
        if name in _SOCKET_OPTIONS:
            return False
        if name in _PORT_OPTIONS and (value is None or not _high_port(value)):
            return False
        if name in _BIND_OPTIONS and (value is None or (":" in value and not _high_port(value))):
            return False
    if launch.kind == "runserver":
        addr = next((v for v in args if v is not None and not v.startswith("-")), None)
        if addr is not None and not _high_port(addr):
            return False
    return True


def _destination(df: Dockerfile, ins: Instruction, state: State) -> str | None:
    """A COPY/ADD's destination as an absolute, normalised path; None when unknown."""
    if len(ins.value) < 2:
        return None
    dest = expand_in(state, ins.value[-1], df.escape)
    if dest is None:
        return None
    if not dest.startswith("/"):
        if state.workdir is None:
            return None
        dest = posixpath.join(state.workdir, dest)
    dest = posixpath.normpath(dest)
    return "/" if dest == "//" else dest


def _high_port(value: str) -> bool:
    """``8000``, ``0.0.0.0:8000``, ``[::]:8000``: a port of 1024 or more."""
    port = value.rpartition(":")[2]
    return port.isdigit() and int(port) >= 1024


def _installs_system_packages(a: Analysis, ins: Instruction) -> bool:
    run = a.run_of(ins)
    if run is None or run.onbuild:
        return False
    for cmd in run.commands:
        found = apt(cmd)
        if found is not None and found.tool in ("apt-get", "apt") and found.action == "install":
            return True
    return False


def _chowns(df: Dockerfile, ins: Instruction, state: State) -> bool:
    """A COPY/ADD the block's ``--chown=runner:runner`` goes on: one without ``--chown`` that
    copies from the context or a local stage (a ``--from`` image's files are its programs),
    without ``--link`` (BuildKit cannot resolve a user name there), into a folder that is not a
    system one."""
    if ins.keyword not in ("COPY", "ADD") or len(ins.value) < 2:
        return False
    names = {f.name for f in ins.flags}
    if "chown" in names or "link" in names:
        return False
    ref = next((f.value for f in ins.flags if f.name == "from"), None)
    if ref is not None:
        value = expand_in(state, ref, df.escape)
        if value is None or df.stage_ref(value) is None:
            return False
    dest = _destination(df, ins, state)
    if dest is None or dest == "/":
        return False
    return not any(dest == d or dest.startswith(d + "/") for d in _SYSTEM_DIRS)


def _after(stage: Stage, ins: Instruction) -> list[Instruction]:
    for i, step in enumerate(stage.instructions):
        if step is ins:
            return stage.instructions[i + 1 :]
    return []


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


def _base_steps_down(start: Start) -> bool:
    """The base image's own ENTRYPOINT script runs this command as its service user (postgres's
    and redis's ``exec gosu postgres "$BASH_SOURCE" "$@"`` for ``postgres``, ``-c …``)."""
    known = start.stage.root_known
    entry = start.entrypoint
    if known is None or known.entrypoint is None or entry is None or entry.instruction is not None:
        return False
    if tuple(w.value for w in entry.argv) != known.entrypoint:
        return False
    cmd = start.cmd
    first = cmd.argv[0].value if cmd is not None and cmd.json and cmd.argv else None
    return known.steps_down_for(first) is not None


# `su`/`runuser` options that take a value; the first operand is the user (root when none).
_SU_VALUE_OPTS = frozenset(
    {"-c", "-s", "-g", "-G", "-w", "-u", "--command", "--shell", "--group", "--supp-group"}
    | {"--whitelist-environment", "--user"}
)
_ROOT = ("root", "0")


def _drops(program: WordLike, args: Sequence[WordLike]) -> bool:
    """``program args`` runs its command as another user than root."""
    name = _program(program.value)
    if name not in _STEP_DOWN:
        return False
    if name == "chroot":
        return _option_user(args, (), ("--userspec",)) is not False
    if name in ("sudo", "doas"):
        return _option_user(args, ("-u",), ("--user",)) is not False
    if name == "chpst":
        return _option_user(args, ("-u",), ()) is not False
    if name == "s6-applyuidgid":
        return _option_user(args, ("-u", "-U"), ()) is not False
    if name not in ("su", "runuser"):
        return True
    i = 0
    while i < len(args):
        v = args[i].value
        if v is None:
            return True  # a user we cannot read: not known to be root
        if v in ("-u", "--user") and i + 1 < len(args):
            user = args[i + 1].value
            return user is None or user not in _ROOT
        if v.startswith("--user="):
            return v[len("--user=") :] not in _ROOT
        if v == "--":
            break
        if v in _SU_VALUE_OPTS:
            i += 2
            continue
        if v.startswith("-"):
            i += 1
            continue
        return v not in _ROOT
    return False  # `su -c cmd` runs it as root


def _option_user(args: Sequence[WordLike], short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Whether the user an option names (``-u app``, ``--userspec=app:app``) is not root; True
    too when a word on the way cannot be read, False when no such option comes first."""
    for i, word in enumerate(args):
        v = word.value
        if v is None:
            return True
        if not v.startswith("-") or v == "--":
            return False
        for opt in long:
            if v.startswith(opt + "="):
                return v[len(opt) + 1 :].partition(":")[0] not in _ROOT
        if v in short or v in long:
            following = args[i + 1].value if i + 1 < len(args) else None
            return following is None or following.partition(":")[0] not in _ROOT
        for opt in short:
            if v.startswith(opt) and len(v) > len(opt):
                return v[len(opt) :] not in _ROOT
    return False


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
                if program not in _STEP_DOWN or (i == 0 and cmd.span in returns):
                    continue
                if i == 0 and not _drops(word, cmd.words[1:]):
                    continue  # `sudo apt-get …`, `chroot /x cmd`: root all the same
                return program, hop.path
    return None


def _needs_root(launch: Launch) -> bool:
    """The start command runs a script that cannot be read, or a shell or script that runs
    something only root can (``chown -R app /data``, ``gosu``, ``apk add``)."""
    if launch.opaque is not None or launch.kind == "script":
        return True
    for hop in launch.hops:
        for cmd in hop.script.commands:
            if any(_program(w.value) in _NEEDS_ROOT for w in cmd.words[:1]):
                return True
    return False


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
