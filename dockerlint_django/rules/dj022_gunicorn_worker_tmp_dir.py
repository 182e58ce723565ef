"""
## What it does
Checks that Gunicorn keeps its worker heartbeat files on a memory-backed filesystem:
`--worker-tmp-dir /dev/shm`.

For a Compose service, its `command:`, environment (`TMPDIR`) and mounts count: what its
`command:` leaves out is reported on the Compose line; a folder on a `tmpfs:` the service mounts
is memory-backed, and one on a volume exists but is disk-backed.

## Why is this bad?
The handbook's command line has `--worker-tmp-dir /dev/shm`, which "avoids a potential issue".
Each Gunicorn worker signals that it is alive by updating a temporary file; Gunicorn's settings
warn that this "may block a worker for arbitrary time if the directory is on a disk-backed
filesystem", and the arbiter then kills workers that look stuck. By default the file goes to the
system temporary directory, which in a container is the image's disk-backed overlay layer;
`/dev/shm` is a tmpfs in every Linux container.

A directory that does not exist is worse: every worker fails to start with "… doesn't exist.
Can't create workertmp." That is an error for a folder under `/dev/shm` (a fresh, empty tmpfs in
every container, whatever the image put there), and for a folder that is neither a standard one
(`/tmp`, `/var/tmp`, `/run`, …) nor created by the image (`WORKDIR`, `RUN mkdir`, `VOLUME`, a
`COPY` destination, `useradd -m`) on a base image this tool knows. A relative folder, or one on an
unknown base image, is never called missing.

Gunicorn takes the folder from `--worker-tmp-dir` (command line, `GUNICORN_CMD_ARGS`, also set
through `env`), and without one from Python's `TMPDIR`; `ENV TMPDIR=/dev/shm` is accepted. A
config file the image loads (`-c`, or a `gunicorn.conf.py` that a `COPY` may bring into the
working folder) may set it too: then nothing is reported until config files are read.

## Example
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Use instead
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm"]
```

## Fix safety
Unsafe: appends `"--worker-tmp-dir", "/dev/shm"` to an exec-form command that sets no heartbeat
directory. Docker, Podman and Kubernetes give every container a `/dev/shm` (64 MB by default,
plenty for the empty heartbeat files), but not every runtime does: `docker run --ipc=none` mounts
none, and AWS Lambda (running the image through the Lambda Web Adapter) has no `/dev/shm` at all.
There every worker fails to boot with "… doesn't exist. Can't create workertmp", where the image
started before. A directory set to something else is reported without a fix, since it may be
deliberate; so is a command with a `--` (what follows it is positional) or Gunicorn inside a
`sh -c` string.

## References
- [OCP handbook: Dockerfile for Django, Gunicorn](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
- [Gunicorn settings: worker_tmp_dir](https://docs.gunicorn.org/en/stable/settings.html#worker-tmp-dir)
- [Gunicorn issue 1863](https://github.com/benoitc/gunicorn/issues/1863)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import TYPE_CHECKING

from dockerlint_django._record import replace
from dockerlint_django.analysis import Analysis, Start, basename
from dockerlint_django.dockerfile.model import Stage
from dockerlint_django.fix import Applicability, Fix
from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
    RuleMeta,
    ServiceContext,
    Severity,
    Violation,
)
from dockerlint_django.rules._handbook import WORKER_TMP_DIR
from dockerlint_django.rules._service_view import (
    command_span,
    from_service,
    replaced,
    service_key,
    service_label,
)
from dockerlint_django.source import Span

if TYPE_CHECKING:
    from dockerlint_django.service import ServiceView

META = RuleMeta(
    code="DJ022",
    name="gunicorn-worker-tmp-dir",
    severity=Severity.WARNING,
    summary="Gunicorn's heartbeat files should live in /dev/shm, not on the disk-backed layer.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    kind=("dockerfile", "compose"),
    production_only=True,
)


# Folders every Debian- and Alpine-based image has; a heartbeat folder there exists.
_STANDARD = frozenset(
    [
        "/",
        "/tmp",
        "/var/tmp",
        "/run",
        "/var/run",
        "/root",
        "/home",
        "/srv",
        "/opt",
        "/mnt",
        "/media",
        "/var",
        "/var/cache",
        "/var/lib",
        "/var/log",
        "/usr",
        "/usr/local",
        "/etc",
    ]
)


def _created_dirs(a: Analysis, stage: Stage) -> set[str]:
    """Folders the image creates, with their parents (``mkdir -p /data/hb`` makes ``/data``)."""
    dirs: set[str] = set()
    for s in stage.chain:
        for st in [*s.states, s.final_state]:
            if st.workdir is not None:
                dirs.add(st.workdir)
        for ins in s.instructions:
            if ins.keyword == "VOLUME":
                dirs.update(ins.value)
            if ins.keyword in ("COPY", "ADD") and ins.value:
                dirs.add(ins.value[-1])
    for run in a.runs_in(stage, chain=True):
        for cmd in run.commands:
            name = basename(cmd.name)
            words = [w.value for w in cmd.words[1:]]
            if name == "mkdir":
                dirs.update(w for w in words if w and not w.startswith("-"))
            elif name == "useradd" and ("-m" in words or "--create-home" in words):
                created = a.created_users(stage)
                dirs.update(f"/home/{user}" for user, _ in created)
            if name == "useradd":
                for flag in ("-d", "--home-dir", "--home"):
                    if flag in words and words.index(flag) + 1 < len(words):
                        home = words[words.index(flag) + 1]
                        if home:
                            dirs.add(home)
    out: set[str] = set()
    for d in dirs:
        if not d.startswith("/"):
            continue
        d = posixpath.normpath(d)
        while d not in out and d != "/":
            out.add(d)
            d = posixpath.dirname(d)
    return out


def _fix_for_missing(ctx: Context, start: Start) -> Fix | None:
    edit = ctx.analysis.append_to_server(start, list(WORKER_TMP_DIR.words))
    return (
        None
        if edit is None
        else Fix("Add --worker-tmp-dir /dev/shm", (edit,), Applicability.UNSAFE)
    )


def _under(path: str, folders: set[str]) -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def _judge(
    ctx: Context, tmpfs: frozenset[str] = frozenset(), volumes: frozenset[str] = frozenset()
) -> Iterator[Violation]:
    """``tmpfs`` and ``volumes``: where a Compose service mounts a tmpfs or a volume."""
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    settings = a.gunicorn(final)
    start = a.start(final)
    if settings is None or start is None:
        return
    tmp = settings.get("worker_tmp_dir")
    if not tmp.known:
        return
    command = start.command
    anchor = command_span(a, command, final)
    value: str | None = None if tmp.value is None else str(tmp.value)
    span = tmp.span or anchor
    runtime = a.runtime
    if value is None:
        # Unset, Gunicorn uses Python's temporary folder, which honours TMPDIR.
        env = dict(final.final_state.env)
        where: dict[str, Span | None] = {}
        if runtime is not None:
            if not runtime.environment_complete and "TMPDIR" not in runtime.environment:
                return  # a missing env file may set it
            for name, var in runtime.environment.items():
                env[name] = var.value
                where[name] = var.span
        if "TMPDIR" in env:
            value = env["TMPDIR"]
            if value is None:
                return
            span = where.get("TMPDIR") or anchor
        else:
            who = (
                f"{service_label(a, command)} starts Gunicorn, which keeps"
                if command is not None and service_key(a, command) is not None
                else "Gunicorn keeps"
            )
            yield META.violation(
                anchor,
                f"{who} worker heartbeat files on the container's disk-backed layer; "
                "add --worker-tmp-dir /dev/shm",
                fix=_fix_for_missing(ctx, start),
                related=replaced(a, command),
            )
            return
    if not value.startswith("/"):
        return  # relative to Gunicorn's working folder at run time: not knowable here
    path = posixpath.normpath(value)
    if path == "/dev/shm" or _under(path, set(tmpfs)):
        return
    if path.startswith("/dev/shm/"):
        yield META.violation(
            span,
            f"--worker-tmp-dir {value}: /dev/shm is an empty tmpfs when the container starts, so "
            "this folder does not exist and every worker fails with \"doesn't exist. Can't create "
            'workertmp"; use /dev/shm itself',
            severity=Severity.ERROR,
        )
        return
    if _under(path, set(volumes)):
        yield META.violation(
            span,
            f"heartbeat folder {value} is on a volume the service mounts, which is "
            "disk-backed; use /dev/shm, or mount a tmpfs there",
        )
        return
    if path in _STANDARD or path in _created_dirs(a, final) or final.root_known is None:
        # An unknown base image may create the folder: only say what is certain, disk-backed.
        yield META.violation(
            span, f"heartbeat folder {value} is on the disk-backed layer; use /dev/shm"
        )
        return
    yield META.violation(
        span,
        f"--worker-tmp-dir {value} is not created in the image: every worker fails with "
        "\"doesn't exist. Can't create workertmp\"",
        severity=Severity.ERROR,
    )


def check(ctx: Context) -> Iterator[Violation]:
    if ctx.analysis.runtime is not None:
        return  # a service's view is judged by check_service, which knows its mounts
    yield from _judge(ctx)


def _mounts(view: ServiceView) -> tuple[frozenset[str], frozenset[str]] | None:
    """Where the service mounts a tmpfs, and other volumes; None when one is not known."""
    from dockerlint_django.compose.nodes import Mapping, Scalar, Sequence

    tmpfs: set[str] = set()
    volumes: set[str] = set()
    for value in view.service.tmpfs:
        if value.unset:
            return None
        tmpfs.add(posixpath.normpath(value.value.split(":", 1)[0]))
    node = view.service.get("volumes")
    items = node.items if isinstance(node, Sequence) else ()
    for item in items:
        if isinstance(item, Scalar):
            if item.unset or not isinstance(item.value, str):
                return None
            parts = item.value.split(":")
            target = parts[1] if len(parts) >= 2 else parts[0]
            if target.startswith("/"):
                volumes.add(posixpath.normpath(target))
        elif isinstance(item, Mapping):
            target_node = item.get("target")
            kind = item.get("type")
            if not isinstance(target_node, Scalar) or target_node.unset:
                return None
            target = target_node.text()
            if not target.startswith("/"):
                continue
            if isinstance(kind, Scalar) and kind.text() == "tmpfs":
                tmpfs.add(posixpath.normpath(target))
            else:
                volumes.add(posixpath.normpath(target))
    return frozenset(tmpfs), frozenset(volumes)


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    """A service's view: its command and environment over the image, and its mounts (a tmpfs
    the service mounts is memory-backed; a volume exists, on disk)."""
    view = ctx.service
    a = view.analysis
    if a is None:
        return
    mounts = _mounts(view)
    if mounts is None:
        return
    image_ctx = Context(a, ctx.options, ctx.profile)
    start = view.start()
    command = start.command if start is not None else None
    words = command_span(a, command, view.stage) if view.stage is not None else None
    for v in _judge(image_ctx, *mounts):
        if not from_service(a, v.span):
            continue  # the image's own finding is the Dockerfile's
        related = v.related
        if (
            not related
            and words is not None
            and service_key(a, command) is not None
            and words.start <= v.span.start
            and v.span.end <= words.end
        ):
            related = replaced(a, command)
        yield replace(v, fix=None, related=related)
