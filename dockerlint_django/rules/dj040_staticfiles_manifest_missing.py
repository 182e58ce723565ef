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
```dockerfile
FROM python:3.11 AS build-stage
WORKDIR /workdir
COPY . .
RUN python manage.py collectstatic --noinput

FROM python:3.11
WORKDIR /workdir
COPY . .
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Use instead
```dockerfile
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

## Fix safety
No fix yet: where the manifest must go depends on `STATIC_ROOT` in the settings.

## References
- [OCP handbook: Dockerfile for Django](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html)
- [Django: ManifestStaticFilesStorage](https://docs.djangoproject.com/en/stable/ref/contrib/staticfiles/#manifeststaticfilesstorage)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Literal

from dockerlint_django.dockerfile.model import Stage, expand_in
from dockerlint_django.rules._base import Context, Related, RuleMeta, Severity, Violation
from dockerlint_django.shell.commands import django_command

META = RuleMeta(
    code="DJ040",
    name="staticfiles-manifest-missing",
    severity=Severity.ERROR,
    summary="The final stage lacks the staticfiles.json manifest that collectstatic wrote in a build stage.",
    production_only=True,
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
    yield META.violation(
        final.from_.span,
        f"collectstatic runs in stage '{stage.label()}' but the final stage never copies its "
        f"staticfiles.json manifest; {storage} every {{% static %}} lookup fails",
        severity=severity,
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
    assert static_root is not None
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
                misplaced.append(
                    META.violation(
                        ins.span,
                        f"the staticfiles.json manifest is copied to {posixpath.normpath(lands)}, "
                        f"but Django reads {wanted} (STATIC_ROOT)",
                        severity=Severity.WARNING,
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
