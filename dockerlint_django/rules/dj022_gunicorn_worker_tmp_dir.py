"""
## What it does
Checks that Gunicorn keeps its worker heartbeat files on a memory-backed filesystem:
`--worker-tmp-dir /dev/shm`.

## Why is this bad?
The handbook's command line has `--worker-tmp-dir /dev/shm`, which "avoids a potential issue".
Each Gunicorn worker signals that it is alive by updating a temporary file; Gunicorn's settings
warn that this "may block a worker for arbitrary time if the directory is on a disk-backed
filesystem", and the arbiter then kills workers that look stuck. By default the file goes to the
system temporary directory, which in a container is the image's disk-backed overlay layer;
`/dev/shm` is a tmpfs in every Linux container.

A directory that does not exist is worse: every worker fails to start with "… doesn't exist.
Can't create workertmp." It is reported as an error when the path is neither `/dev/shm`, `/tmp`,
nor a directory the image creates (`WORKDIR`, `RUN mkdir`, `VOLUME`, a `COPY` destination).

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
Safe: appends `"--worker-tmp-dir", "/dev/shm"` to an exec-form command that sets no heartbeat
directory. `/dev/shm` exists in every Linux container and the heartbeat files are empty. A
directory set to something else is reported without a fix, since it may be deliberate.

## References
- [OCP handbook: Dockerfile for Django, Gunicorn](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
- [Gunicorn settings: worker_tmp_dir](https://docs.gunicorn.org/en/stable/settings.html#worker-tmp-dir)
- [Gunicorn issue 1863](https://github.com/benoitc/gunicorn/issues/1863)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dockerlint_django.analysis import Analysis, basename
from dockerlint_django.dockerfile.edits import json_append
from dockerlint_django.dockerfile.model import Stage
from dockerlint_django.fix import Applicability, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ022",
    name="gunicorn-worker-tmp-dir",
    severity=Severity.WARNING,
    summary="Gunicorn's heartbeat files should live in /dev/shm, not on the disk-backed layer.",
    fix=FixAvailability.SOMETIMES,
)


def _created_dirs(a: Analysis, stage: Stage) -> set[str]:
    dirs: set[str] = set()
    for s in stage.chain:
        if s.final_state.workdir is not None:
            dirs.add(s.final_state.workdir)
        for st in s.states:
            if st.workdir is not None:
                dirs.add(st.workdir)
        for ins in s.instructions:
            if ins.keyword == "VOLUME":
                dirs.update(v.rstrip("/") for v in ins.value)
            if ins.keyword in ("COPY", "ADD") and ins.value:
                dirs.add(ins.value[-1].rstrip("/"))
    for run in a.runs_in(stage, chain=True):
        for cmd in run.commands:
            if basename(cmd.name) == "mkdir":
                dirs.update(
                    (w.value or "").rstrip("/")
                    for w in cmd.words[1:]
                    if w.value and not w.value.startswith("-")
                )
    return {posixpath.normpath(d) for d in dirs if d.startswith("/")}


def check(ctx: Context) -> Iterator[Violation]:
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
    anchor = (
        command.instruction.span
        if command is not None and command.instruction is not None
        else final.from_.span
    )
    if tmp.value is None:
        fix = None
        if command is not None and command.instruction is not None and command.instruction.json:
            args = start.launch.args
            last = (
                args[-1].span
                if args
                else (start.launch.program.span if start.launch.program else None)
            )
            ins = command.instruction
            # Only when Gunicorn's last argument is the array's last element itself, not a word
            # inside a `sh -c` string (appending would add arguments to the shell).
            if last is not None and ins.value_mapped and ins.value_mapped[-1].span() == last:
                edit = json_append(a.source, ins, ["--worker-tmp-dir", "/dev/shm"])
                if edit is not None:
                    fix = Fix("Add --worker-tmp-dir /dev/shm", (edit,), Applicability.SAFE)
        yield META.violation(
            anchor,
            "Gunicorn keeps worker heartbeat files on the container's disk-backed layer; "
            "add --worker-tmp-dir /dev/shm",
            fix=fix,
        )
        return
    value = str(tmp.value)
    path = posixpath.normpath(value)
    span = tmp.span or anchor
    if path == "/dev/shm" or path.startswith("/dev/shm/"):
        return
    if path == "/tmp" or path.startswith("/tmp/"):
        yield META.violation(
            span, f"--worker-tmp-dir {value} is on the disk-backed layer; use /dev/shm"
        )
        return
    if path in _created_dirs(a, final):
        yield META.violation(
            span, f"--worker-tmp-dir {value} is on the disk-backed layer; use /dev/shm"
        )
        return
    yield META.violation(
        span,
        f"--worker-tmp-dir {value} is not created in the image: every worker fails with "
        "\"doesn't exist. Can't create workertmp\"",
        severity=Severity.ERROR,
    )
