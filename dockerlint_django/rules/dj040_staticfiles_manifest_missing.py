"""
## What it does
Checks that when `collectstatic` runs only in a build stage, the final Django stage copies the
`staticfiles.json` manifest (or the whole static root) from that stage.

## Why is this bad?
With `ManifestStaticFilesStorage` (and WhiteNoise's `CompressedManifestStaticFilesStorage`),
Django's `{% static %}` looks every file up in `staticfiles.json`, which `collectstatic` writes.
Django: "If a file isn't found in the `staticfiles.json` manifest at runtime, a `ValueError` is
raised." The handbook's template runs `collectstatic` in a build stage and says why it copies one
file into the runtime stage: "# Django needs a copy of the staticfiles.json manifest file."
Without it every page that uses `{% static %}` fails with a server error in production.

The final stage is checked when it is a Django stage (it starts a Django or Gunicorn server, or
runs `manage.py`), does not run `collectstatic` itself, and no `COPY --from=` brings the manifest,
the static root, or a folder above it from the stage that collected. A final nginx stage, which
serves the collected files itself, is not checked, nor is a stage that starts a development
server (`runserver`, or a server with `--reload`, as a `dev` build target does): with `DEBUG` on,
Django's manifest storage serves the plain names and never reads the manifest. This is production
advice: in a development file it is info.

The project's settings are read from the build context (the `DJANGO_SETTINGS_MODULE` the image
sets, else `manage.py`'s default): with a manifest storage (`ManifestStaticFilesStorage`,
WhiteNoise's `CompressedManifestStaticFilesStorage`, a subclass) the finding is an error; with a
storage that keeps no manifest there is no finding; when the settings cannot be read it is a
warning. With `STATIC_ROOT` read too, a copy of the manifest that lands anywhere but the final
stage's `STATIC_ROOT/staticfiles.json` (each stage's `WORKDIR` taken as its project root) is a
warning that names both paths.

## Example
```dockerfile filename=Dockerfile
FROM python:3.11 AS build-stage
WORKDIR /workdir
COPY . .
RUN python manage.py collectstatic --noinput

FROM python:3.11
WORKDIR /workdir
COPY . .
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

```python filename=core/settings.py
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
STATIC_ROOT = BASE_DIR / "static"
STORAGES = {
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
```

```python filename=manage.py
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
```

## Use instead
```dockerfile filename=Dockerfile
FROM python:3.11 AS build-stage
WORKDIR /workdir
COPY . .
RUN python manage.py collectstatic --noinput

FROM python:3.11
WORKDIR /workdir
COPY . .

# Django needs a copy of the staticfiles.json manifest file.
COPY --from=build-stage /workdir/static/staticfiles.json /workdir/static/staticfiles.json
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

```python filename=core/settings.py
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
STATIC_ROOT = BASE_DIR / "static"
STORAGES = {
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
```

```python filename=manage.py
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
```

## Fix safety
The fix is unsafe. It inserts the handbook's two lines after the final stage's last copy of the
project (`COPY . .`), copying `STATIC_ROOT/staticfiles.json` from the stage that collects (by its
name, else its index) to the final stage's `STATIC_ROOT/staticfiles.json`, with
`--chown=<user>` as the stage's `USER` is written there (no `--chown` when it runs as root). A
finding that names a misplaced copy of the manifest file gets its destination changed to the final
stage's `STATIC_ROOT/staticfiles.json`. The image then behaves differently, which is the point:
`{% static %}` finds its names instead of raising `ValueError`, and building the final stage now
also builds the collecting stage, which BuildKit skipped before when nothing copied from it.
The line is also a judgement: it suits the handbook's layout, where an nginx image serves the
collected files; a Django app that serves them itself needs the whole static root, so a WhiteNoise
storage gets no fix.

A fix is offered only when all of it is known: exactly one stage collects; the settings of both
stages are read, each with a known `STATIC_ROOT` (absolute, or under `BASE_DIR`, each stage's
`WORKDIR` its project root) and the same `DJANGO_SETTINGS_MODULE` when `collectstatic` runs as
after it (no `--settings`), and Compose sets no other; the final stage copies the project from the
build context itself; the user there is known and written plainly; and nothing later in either
stage removes, moves or replaces the manifest (no copy over it, no `rm`, `mv`, `cp`, `find` on it
or a folder above it).

## References
- [OCP handbook: Dockerfile for Django](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html)
- [Django: ManifestStaticFilesStorage](https://docs.djangoproject.com/en/stable/ref/contrib/staticfiles/#manifeststaticfilesstorage)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from dockerlint_django._record import LazyPattern
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.model import Stage, State, expand_in
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
    Related,
    RuleMeta,
    Severity,
    Violation,
)
from dockerlint_django.rules._handbook import MANIFEST_COMMENT, manifest_copy
from dockerlint_django.shell.commands import django_command

if TYPE_CHECKING:
    from dockerlint_django.analysis import RunStep
    from dockerlint_django.readers.django_settings import DjangoSettings

META = RuleMeta(
    code="DJ040",
    name="staticfiles-manifest-missing",
    severity=Severity.ERROR,
    summary="The final stage lacks the staticfiles.json manifest that collectstatic wrote in a build stage.",
    production_only=True,
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
)

# A path the fix writes into a COPY as it is: no quoting, escapes or variables to get wrong.
_PLAIN_PATH = LazyPattern(r"/[A-Za-z0-9_./@+-]*")
# Commands whose path operands may remove, move or overwrite the copied manifest.
_TOUCHING = frozenset(
    {"rm", "rmdir", "unlink", "mv", "cp", "rsync", "find", "ln", "shred", "truncate", "install"}
)


def _development_server(ctx: Context, stage: Stage) -> bool:
    """The stage starts a development server (`runserver`, a `--reload` server): it runs with
    DEBUG on, where the manifest storage serves unhashed names and reads no manifest."""
    start = ctx.analysis.start(stage)
    if start is None:
        return False
    launch = start.launch
    if launch.kind == "runserver":
        return True
    sub = launch.subcommand
    if sub is not None and sub.value in ("runserver", "runserver_plus"):
        return True
    return launch.is_web_server and any(
        (w.value or "").partition("=")[0] == "--reload" for w in launch.args
    )


def _collects(ctx: Context, stage: Stage, chain: bool) -> bool:
    return any(
        (d := django_command(cmd)) is not None and d.name == "collectstatic"
        for run in ctx.analysis.runs_in(stage, chain=chain)
        for cmd in run.commands
    )


def _copies_static(ctx: Context, final: Stage, source_stage: Stage) -> bool | None:
    """Does the final stage copy the manifest from ``source_stage``? None when it cannot be known."""
    df = ctx.analysis.dockerfile
    source_workdir = source_stage.final_state.workdir
    for s in final.chain:
        for ins, state in s.steps():
            if ins.keyword not in ("COPY", "ADD"):
                continue
            ref = next((f.value for f in ins.flags if f.name == "from"), None)
            if ref is None:
                continue
            ref_value = expand_in(state, ref, df.escape)
            if ref_value is None:
                return None
            if df.stage_ref(ref_value) is not source_stage:
                continue
            for raw in ins.value[:-1]:
                src = expand_in(state, raw, df.escape)
                if src is None:
                    return None
                if not src.startswith("/") and source_workdir is not None:
                    src = posixpath.join(source_workdir, src)
                src = posixpath.normpath(src)
                if _brings_manifest(src, source_workdir):
                    return True
    return False


def _brings_manifest(src: str, source_workdir: str | None) -> bool:
    """Does copying ``src`` bring the manifest? Until settings are read, STATIC_ROOT is unknown:
    the manifest itself, a folder named like a static root, or a folder above the project counts.
    """
    name = posixpath.basename(src)
    if name == "staticfiles.json":
        return True
    if "static" in name and "." not in name:
        return True  # /workdir/static, /app/staticfiles, /srv/collected_static
    if source_workdir is not None:
        project = posixpath.normpath(source_workdir)
        return src == "/" or project == src or project.startswith(src.rstrip("/") + "/")
    return False


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    df = a.dockerfile
    final = df.final
    if final is None or not a.is_django_stage(final):
        return
    if _development_server(ctx, final):
        return
    image = final.root_image
    if image is not None and "nginx" in image.name:
        return
    if _collects(ctx, final, chain=True):
        return
    ancestors = {s.index for s in final.chain}
    # A stage built FROM a collecting stage holds the collected files too.
    collecting = [
        s for s in df.stages if s.index not in ancestors and _collects(ctx, s, chain=True)
    ]
    if not collecting:
        return
    precise = _precise(ctx, final, collecting)
    if isinstance(precise, list):
        yield from precise
        return
    # Any stage's collected files reaching the final stage will do: a test stage may collect too.
    # With STATIC_ROOT known and no copy of the manifest ("missing"), shapes prove nothing.
    if precise is None and any(_copies_static(ctx, final, s) is not False for s in collecting):
        return
    stage = collecting[-1]
    run = next(
        r
        for r in a.runs_in(stage, chain=True)
        if any(
            (d := django_command(c)) is not None and d.name == "collectstatic" for c in r.commands
        )
    )
    manifest = _uses_manifest(ctx, final)
    if manifest is False:
        return  # the project's storage keeps no manifest: nothing to copy
    if manifest:
        severity = Severity.ERROR
        storage = "the project's settings use a manifest storage, so"
    else:
        severity = Severity.WARNING
        storage = "if the settings use a manifest storage (they could not be read),"
    fix = None
    if precise == "missing" and len(collecting) == 1:
        fix = _insert_fix(ctx, final, stage, run)
    yield META.violation(
        final.from_.span,
        f"collectstatic runs in stage '{stage.label()}' but the final stage never copies its "
        f"staticfiles.json manifest; {storage} every {{% static %}} lookup fails",
        severity=severity,
        fix=fix,
        related=(Related(run.instruction.span, "collectstatic runs here"),),
    )


def _precise(
    ctx: Context, final: Stage, collecting: list[Stage]
) -> list[Violation] | Literal["missing"] | None:
    """With the settings read: does a copy put S's manifest exactly at F's STATIC_ROOT?

    The findings to report ([] when a copy lands right), "missing" when no copy brings the
    manifest at all, None when any of it is unknown: the caller then recognises the copy by its
    shape. The project root is each stage's WORKDIR (where its manage.py sits).
    """
    if _uses_manifest(ctx, final) is not True:
        return None
    settings = ctx.analysis.django_settings(final)
    final_root = final.final_state.workdir
    if settings is None or settings.static_root.state != "known" or final_root is None:
        return None
    static_root = settings.static_root.value
    if static_root is None:
        return None  # STATIC_ROOT = None: collectstatic stops before it writes a manifest
    wanted = static_root.in_image(final_root, final_root)
    if wanted is None:
        return None
    wanted = posixpath.join(wanted, "staticfiles.json")
    df = ctx.analysis.dockerfile
    misplaced: list[Violation] = []
    for s in final.chain:
        for ins, state in s.steps():
            ref = next((f.value for f in ins.flags if f.name == "from"), None)
            if ins.keyword not in ("COPY", "ADD") or ref is None or len(ins.value) < 2:
                continue
            ref_value = expand_in(state, ref, df.escape)
            source_stage = df.stage_ref(ref_value) if ref_value is not None else None
            if ref_value is None or any("$" in v for v in ins.value):
                return None
            if source_stage is None or source_stage not in collecting:
                continue
            source_root = source_stage.final_state.workdir
            made = static_root.in_image(source_root, source_root) if source_root else None
            if made is None:
                return None
            manifest = posixpath.join(made, "staticfiles.json")
            dest = ins.value[-1]
            dest = dest if dest.startswith("/") else posixpath.join(state.workdir or "/", dest)
            for raw in ins.value[:-1]:
                src = raw if raw.startswith("/") else posixpath.join(source_root or "/", raw)
                src = posixpath.normpath(src)
                if manifest == src:
                    into_dir = ins.value[-1].endswith("/") or len(ins.value) > 2
                    lands = posixpath.join(dest, "staticfiles.json") if into_dir else dest
                elif manifest.startswith(src.rstrip("/") + "/"):
                    lands = posixpath.join(dest, manifest[len(src.rstrip("/")) + 1 :])
                else:
                    continue
                if posixpath.normpath(lands) == wanted:
                    return []
                fix = None
                if manifest == src and len(ins.value) == 2 and not misplaced:
                    fix = _move_fix(ctx, final, source_stage, ins, manifest, wanted)
                misplaced.append(
                    META.violation(
                        ins.span,
                        f"the staticfiles.json manifest is copied to {posixpath.normpath(lands)}, "
                        f"but Django reads {wanted} (STATIC_ROOT)",
                        severity=Severity.WARNING,
                        fix=fix,
                    )
                )
    if misplaced:
        return misplaced[:1]
    return "missing"


def _uses_manifest(ctx: Context, final: Stage) -> bool | None:
    settings = ctx.analysis.django_settings(final)
    if settings is None or settings.error is not None:
        return None
    from dockerlint_django.readers.django_settings import uses_manifest_storage

    context = ctx.analysis.context
    return uses_manifest_storage(settings, context.read, exists=context.exists)


# -- the fix ------------------------------------------------------------------------------------


def _insert_fix(ctx: Context, final: Stage, source: Stage, collect: RunStep) -> Fix | None:
    """The handbook's two lines after the final stage's last copy of the project.

    Offered only when everything they say is known: the manifest's path in ``source`` and in the
    final stage (each from its own settings), the stage reference, the user at that point, and
    that nothing later in the final stage replaces or removes the file.
    """
    a = ctx.analysis
    paths = _manifest_paths(ctx, final, source, collect)
    if paths is None:
        return None
    made, wanted = paths
    copy = _project_copy(ctx, final)
    if copy is None:
        return None
    ins, state = copy
    if not _stays(ctx, final, ins, wanted):
        return None
    chown = _chown(state)
    ref = _stage_ref(ctx, source)
    if isinstance(chown, bool) or ref is None:
        return None
    source_text = a.source
    text = source_text.text
    nl = source_text.newline
    line_start = text.rfind("\n", 0, ins.span.start) + 1
    indent = text[line_start : ins.span.start]
    if indent.strip():
        return None  # the COPY does not start its line (`\` alone above it): no place to copy
    line = manifest_copy(ref, chown, made, wanted)
    content = f"{nl}{nl}{indent}{MANIFEST_COMMENT}{nl}{indent}{line}"
    return Fix(
        f"Copy the staticfiles.json manifest from stage '{ref}'",
        (Edit.insert(ins.span.end, content),),
        Applicability.UNSAFE,
    )


def _move_fix(
    ctx: Context, final: Stage, source: Stage, ins: Instruction, manifest: str, wanted: str
) -> Fix | None:
    """Point a copy of the manifest file (one source, the manifest itself) at STATIC_ROOT."""
    a = ctx.analysis
    if ins.json or ins.heredocs or not _PLAIN_PATH.fullmatch(wanted):
        return None
    run = next(
        (
            r
            for r in a.runs_in(source, chain=True)
            if any(
                (d := django_command(c)) is not None and d.name == "collectstatic"
                for c in r.commands
            )
        ),
        None,
    )
    paths = None if run is None else _manifest_paths(ctx, final, source, run)
    if paths is None or paths != (manifest, wanted):
        return None  # the source stage's own settings say otherwise, or are not known
    if not _stays(ctx, final, ins, wanted):
        return None
    dest = ins.value_mapped[-1]
    span = dest.span()
    if a.source.text[span.start : span.end] != ins.value[-1] or "$" in ins.value[-1]:
        return None  # quoted or escaped: replace only a destination written plainly
    return Fix(
        f"Copy the manifest to {wanted}",
        (Edit.replace(span, wanted),),
        Applicability.UNSAFE,
    )


def _manifest_paths(
    ctx: Context, final: Stage, source: Stage, collect: RunStep
) -> tuple[str, str] | None:
    """(where ``source``'s collectstatic writes the manifest, where the final stage's Django
    reads it); None when either is not known for certain."""
    a = ctx.analysis
    runtime = a.runtime
    if runtime is not None and (
        "DJANGO_SETTINGS_MODULE" in runtime.environment or not runtime.environment_complete
    ):
        return None  # the container may load other settings than the image names
    # collectstatic must load the settings the stage names: no --settings, no inline module.
    run_text = collect.instruction.original
    if "--settings" in run_text or "DJANGO_SETTINGS_MODULE" in run_text:
        return None
    if collect.state is None or collect.state.env.get(
        "DJANGO_SETTINGS_MODULE"
    ) != source.final_state.env.get("DJANGO_SETTINGS_MODULE"):
        return None
    made = _manifest_in(ctx, source)
    wanted = _manifest_in(ctx, final)
    if made is None or wanted is None:
        return None
    if not (_PLAIN_PATH.fullmatch(made) and _PLAIN_PATH.fullmatch(wanted)):
        return None
    # Nothing later in the source stage removes what collectstatic wrote.
    later = False
    for run in a.runs_in(source, chain=True):
        if run is collect:
            later = True
        elif later and _may_touch(run, made):
            return None
    return made, wanted


def _manifest_in(ctx: Context, stage: Stage) -> str | None:
    """STATIC_ROOT/staticfiles.json in the stage, from its own settings, its WORKDIR the project
    root. A STATIC_ROOT relative to the working directory (of a RUN, of the server) is left out."""
    from dockerlint_django.readers.django_settings import effective_staticfiles_backend

    settings: DjangoSettings | None = ctx.analysis.django_settings(stage)
    root = stage.final_state.workdir
    if settings is None or settings.error is not None or root is None:
        return None
    backend = effective_staticfiles_backend(settings)
    if backend.state != "known" or backend.value is None or "whitenoise" in backend.value.lower():
        # A WhiteNoise app serves its static files itself: it needs the whole static root,
        # which the handbook's line (for an nginx image that serves them) does not copy.
        return None
    static_root = settings.static_root
    if static_root.state != "known" or static_root.value is None:
        return None
    if static_root.value.anchor not in ("absolute", "project"):
        return None
    path = static_root.value.in_image(root)
    return None if path is None else posixpath.join(path, "staticfiles.json")


def _project_copy(ctx: Context, final: Stage) -> tuple[Instruction, State] | None:
    """The final stage's own last COPY of the project from the build context: a folder whose
    ``manage.py`` lands at the stage's WORKDIR (``COPY . .``)."""
    a = ctx.analysis
    project = final.final_state.workdir
    if project is None:
        return None
    found: tuple[Instruction, State] | None = None
    for ins, state in a.index.copies(final):
        if any(f.name in ("from", "parents", "exclude") for f in ins.flags) or ins.heredocs:
            continue
        _, dest = a.index.copy_destination(ins, state)
        if dest is None:
            return None  # a copy to an unknown place may be the project's
        if project != dest and not project.startswith(dest.rstrip("/") + "/"):
            continue
        below = posixpath.relpath(project, dest)
        for raw in ins.value[:-1]:
            src = expand_in(state, raw, a.dockerfile.escape)
            if src is None or any(c in src for c in "*?[") or "://" in src:
                return None
            manage = posixpath.normpath(posixpath.join(src, below, "manage.py"))
            if a.context.exists(manage):
                found = (ins, state)
                break
    return found


def _stays(ctx: Context, final: Stage, after: Instruction, path: str) -> bool:
    """Nothing in the final stage puts another file at ``path`` or may remove it after ``after``:
    no copy brings one there (from the context or a stage), no later RUN touches it."""
    a = ctx.analysis
    context_file, known = a.context_file_at(final, path)
    if context_file is not None or not known:
        return False
    position = a.index.position(final)
    at = position.get(id(after))
    if at is None:
        return False
    for run in a.runs_in(final):
        if position.get(id(run.instruction), -1) > at and _may_touch(run, path):
            return False
    return True


def _may_touch(run: RunStep, path: str) -> bool:
    """The RUN may remove, move or overwrite ``path``: a file command names it, a folder above it,
    or a pattern or unknown word that could match either."""
    workdir = run.state.workdir if run.state is not None else None
    changes_dir = any(
        c.words and posixpath.basename(c.words[0].value or "") in ("cd", "pushd")
        for c in run.commands
    )
    for cmd in run.commands:
        if not cmd.words or posixpath.basename(cmd.words[0].value or "") not in _TOUCHING:
            continue
        for word in cmd.words[1:]:
            value = word.value
            if value is None:
                # A pattern or an expansion: what it matches starts with its literal prefix.
                known = word.prefix.text
                if not known or known.startswith("-"):
                    return True
                value = known + "*"
            if value.startswith("-"):
                continue
            if value.startswith("~"):
                if path.startswith(("/root/", "/home/")):
                    return True
                continue
            if not value.startswith("/"):
                if workdir is None or changes_dir:
                    return True
                value = posixpath.join(workdir, value)
            wild = next((i for i, c in enumerate(value) if c in "*?["), None)
            if wild is not None:
                prefix = value[:wild]
                value = prefix if prefix.endswith("/") else posixpath.dirname(prefix)
            value = posixpath.normpath(value)
            if path == value or path.startswith(value.rstrip("/") + "/"):
                return True
    return False


def _chown(state: State) -> str | bool | None:
    """The ``--chown`` value for the user at this point: None for root, False when unknown."""
    user = state.user
    if user.is_root is None:
        return False
    if user.is_root:
        return None
    written = user.instruction.value[0] if user.instruction and user.instruction.value else None
    value = written if written is not None else user.value
    if value is None or not re.fullmatch(r"[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?", value):
        return False
    return value


def _stage_ref(ctx: Context, stage: Stage) -> str | None:
    """The stage's name as written after AS, else its index; None if it names another stage."""
    a = ctx.analysis
    if stage.name_span is not None:
        ref = a.source.text[stage.name_span.start : stage.name_span.end]
    elif stage.name is not None:
        ref = stage.name
    else:
        ref = str(stage.index)
    if a.dockerfile.stage_ref(ref) is not stage or not re.fullmatch(r"[A-Za-z0-9_.-]+", ref):
        return None
    return ref
