"""
## What it does
Checks that a folder a Compose service bind-mounts from the host (`- /data/storage/collect:/data/collect`,
or the long syntax with `type: bind`) is created by the image the project builds for it:
`RUN mkdir -p /data/collect` in the final stage, a `WORKDIR`, a `VOLUME`, or a `COPY` that puts
files there.

## Why is this bad?
The handbook sets a directory's default in the Django settings, creates it in the image ("Create
the directory using the default value in the Dockerfile … `RUN mkdir -p /data`"), and then
mounts the host's directory at that default in the Compose file. When the image does not create
the folder, the app works only where the mount exists: run without it (a one-off `docker run`,
a test in CI) the settings point at a folder that is not there, and when Docker creates the mount
point it belongs to root, not to the user the app runs as.

Only images built here from a known base image (`python`, `debian`, `ubuntu`, `alpine`) that run
Django are checked, and only targets outside the folders every base image has (`/tmp`, `/var`,
`/etc`, `/usr`, `/run`, `/home`, `/opt`, `/srv`, `/root`, …), such as `/data/…` or `/app/…`.
A target whose name looks like a file (`/app/gunicorn.conf.py`) is a file mount, and is not
reported. A RUN that names the folder (any command, `mkdir`, `chown`, `install -d`), or whose
words cannot be known (`mkdir -p "$DATA_DIR"`), or that runs a file of the project (`./setup.sh`,
`sh setup.sh`, `python manage.py collectstatic`, which creates `STATIC_ROOT`), may create it;
a `COPY` whose destination or
sources cannot be known may too: neither is reported. Named and anonymous volumes are not bind
mounts, and a source or target with a variable that has no value here is not known.

## Example
```dockerfile filename=Dockerfile
FROM python:3.11
WORKDIR /workdir
COPY manage.py .
CMD ["gunicorn", "core.wsgi"]
```
```yaml filename=compose.yaml
services:
  web:
    build: .
    volumes:
      - /data/storage/collect:/data/collect
```

## Use instead
```dockerfile filename=Dockerfile
FROM python:3.11
RUN mkdir -p /data/collect
WORKDIR /workdir
COPY manage.py .
CMD ["gunicorn", "core.wsgi"]
```
```yaml filename=compose.yaml
services:
  web:
    build: .
    volumes:
      - /data/storage/collect:/data/collect
```

## Fix safety
None. Inserting `RUN mkdir -p <target>` looks harmless, but where it belongs (before the `USER`
switch, with a `chown` for the user the app runs as, or the folder is not writable) and which
setting's default it has to match are the project's choice; a guessed placement with a `TODO`
comment would leave the image half right.

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [Compose file reference: volumes](https://docs.docker.com/reference/compose-file/services/#volumes)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from dockerlint_django.rules._base import (
    Related,
    RuleMeta,
    ServiceContext,
    Severity,
    Violation,
)
from dockerlint_django.source import Span

if TYPE_CHECKING:
    from dockerlint_django.analysis import Analysis
    from dockerlint_django.compose.nodes import Node
    from dockerlint_django.dockerfile.model import Stage
    from dockerlint_django.service import ServiceView
    from dockerlint_django.shell.syntax import Word

META = RuleMeta(
    code="DJ053",
    name="bind-mount-target-not-created",
    severity=Severity.INFO,
    summary="A bind-mounted folder is not created in the image.",
    profile="ocp",
    kind=("compose", "cross"),
)

# Base images whose file system is known well enough: none of them has /data or /app.
_PLAIN_BASES = frozenset({"python", "debian", "ubuntu", "alpine", "pypy", "buildpack-deps"})
# Top-level folders a base image may have, with anything in them.
_SYSTEM = frozenset(
    {
        "bin",
        "boot",
        "dev",
        "etc",
        "home",
        "lib",
        "lib32",
        "lib64",
        "libx32",
        "media",
        "mnt",
        "opt",
        "proc",
        "root",
        "run",
        "sbin",
        "srv",
        "sys",
        "tmp",
        "usr",
        "var",
    }
)


def _under(path: str, folder: str) -> bool:
    """``path`` is ``folder`` or inside it."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _plain_base(stage: Stage) -> bool:
    root = stage.chain[0]
    image = root.image
    return image is not None and image.registry == "docker.io" and image.repository in _PLAIN_BASES


_INTERPRETERS = frozenset({"sh", "bash", "dash", "ash", "zsh", "python", "python3", "uv", "poetry"})
_FILE_ONLY_COMMANDS = frozenset({"compilemessages", "check"})
_SYSTEM_BIN = ("/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/")


def _runs_a_program_file(words: Sequence[Word]) -> bool:
    """The command runs a file of the project: ``./setup.sh``, ``sh setup.sh``,
    ``python manage.py …``, ``uv run …``."""
    if not words or words[0].value is None:
        return False
    name = words[0].value
    if "/" in name and not name.startswith(_SYSTEM_BIN):
        return True
    base = posixpath.basename(name)
    if re.fullmatch(r"python3(\.\d+)?", base):
        base = "python"
    if base not in _INTERPRETERS:
        return False
    rest = [w.value or "" for w in words[1:]]
    if base in ("uv", "poetry"):
        return bool(rest) and rest[0] == "run"
    first = next((r for r in rest if not r.startswith("-")), None)
    if base == "python" and first is not None and posixpath.basename(first) == "manage.py":
        # Django's own commands that write only files inside folders that exist.
        command = next((r for r in rest[rest.index(first) + 1 :] if not r.startswith("-")), None)
        return command not in _FILE_ONLY_COMMANDS
    if base == "python" and rest and rest[0] in ("-m", "-c"):
        return rest[0] == "-m" and len(rest) > 1 and rest[1] not in ("pip", "venv", "compileall")
    if base != "python" and rest and rest[0] == "-c":
        return True  # `sh -c "…"`: words the shell reads later
    return first is not None


def _created(a: Analysis, stage: Stage, target: str) -> bool | None:
    """Whether the image's stage chain creates ``target``; None when it may."""
    if any(_under(w, target) for w in a.index.workdirs(stage)):
        return True
    name = posixpath.basename(target)
    for s in stage.chain:
        for ins, _state in s.steps():
            if ins.keyword == "VOLUME":
                if any("$" in v or _under(posixpath.normpath(v), target) for v in ins.value):
                    return True
            elif ins.keyword == "ONBUILD":
                return None
    for run in a.runs_in(stage, chain=True):
        ins = run.instruction
        if name in ins.original or any(name in h.content for h in ins.heredocs):
            return None
        for cmd in run.commands:
            if any(w.value is None for w in cmd.words) or any(
                a.value.value is None for a in cmd.assignments
            ):
                return None
            if _runs_a_program_file(cmd.words):
                return None  # a script, or `manage.py collectstatic`, may create anything
    for s in stage.chain:
        for ins, state in a.index.copies(s):
            _raw, dest = a.index.copy_destination(ins, state)
            if dest is None:
                return None
            if _under(dest, target):
                return True
    found, known = a.context_file_at(stage, target)
    if not known:
        return None
    return found is not None


def _target_span(view: ServiceView, target: Node, item: Node, written: str) -> Span | None:
    """The target as written: in a short-syntax entry (`./media:/data/media`), its part."""
    span = view.node_span(target)
    whole = view.node_span(item)
    if span is None or whole is None or span != whole:
        return span or whole
    text = view.text(span)
    at = text.find(":" + written)
    if at < 0:
        return span
    start = span.start + at + 1
    return Span(start, start + len(written))


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    from dockerlint_django.compose.nodes import Mapping, Scalar, Sequence

    view = ctx.service
    a, stage = view.analysis, view.stage
    if a is None or stage is None or not _plain_base(stage) or not a.is_django_stage(stage):
        return
    node = view.service.get("volumes")
    if not isinstance(node, Sequence):
        return
    for item in node.items:
        if not isinstance(item, Mapping):
            continue
        kind, source, target = (item.get(k) for k in ("type", "source", "target"))
        if not (isinstance(kind, Scalar) and kind.text() == "bind"):
            continue
        if not isinstance(source, Scalar) or not isinstance(target, Scalar):
            continue
        if source.unset or target.unset or not isinstance(target.value, str):
            continue
        written = target.value
        if not written.startswith("/") or "$" in written:
            continue
        path = posixpath.normpath(written)
        top = path.lstrip("/").split("/", 1)[0]
        if not top or top in _SYSTEM:
            continue
        base = posixpath.basename(path)
        source_base = posixpath.basename(source.text().rstrip("/"))
        if "." in base or "." in source_base.lstrip("."):
            continue  # a file mounted over a file
        if _created(a, stage, path) is not False:
            continue
        span = _target_span(view, target, item, written)
        if span is None:
            continue
        yield META.violation(
            span,
            f"{view.name} bind-mounts a host folder at {path}, which its image does not create: "
            f"add `RUN mkdir -p {path}` to the Dockerfile's final stage (and chown it to the "
            "user the app runs as), at the default the settings use for it",
            related=(Related(stage.from_.span, "the final stage of the service's image"),),
        )
