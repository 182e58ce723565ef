"""
## What it does
Checks for a `COPY` or `ADD` whose source is in the build context's folder but left out of the
context by the ignore file (`.dockerignore`, or `<Dockerfile>.dockerignore` next to the
Dockerfile), as BuildKit's `CopyIgnoredFile` check does: "Attempting to Copy file that is
excluded by .dockerignore".

## Why is this bad?
The builder never receives what the ignore file excludes, so `COPY requirements_dev.txt /tmp/`
fails with "not found" although the file is right there in the folder. The handbook's template
`.dockerignore` excludes `**/requirements_dev.txt`, `**/tests` and every dotfile (`**/.*`): an
image that copies one of them cannot be built from a project that follows the template. Either the
file does not belong in the image, or the ignore file has to let it in (a `!` line).

The patterns are read as the builder reads them (`**` for any number of folders, `!` to take a
path back, a folder excluded with everything in it). Only a source the folder holds is reported,
which also confirms that the folder is the build context; a folder that a `!` pattern partly takes
back is still sent, and is not reported. A source with wildcards is reported (as a warning) when
it matches files in the folder but every one of them is excluded: the builder then copies nothing,
without an error. Sources with variables, `COPY --from`, URLs and heredocs are not checked, and
neither is anything when the ignore file or the context cannot be read.

## Example
```dockerfile filename=Dockerfile
FROM python:3.11
COPY requirements.txt requirements_dev.txt /tmp/
RUN pip install --no-cache-dir -r /tmp/requirements.txt
```
```text filename=.dockerignore
**/.*
**/requirements_dev.txt
```
```text filename=requirements.txt
Django==5.2.8
```
```text filename=requirements_dev.txt
-r requirements.txt
pytest==8.4.2
```

## Use instead
```dockerfile filename=Dockerfile
FROM python:3.11
COPY requirements.txt /tmp/
RUN pip install --no-cache-dir -r /tmp/requirements.txt
```
```text filename=.dockerignore
**/.*
**/requirements_dev.txt
```
```text filename=requirements.txt
Django==5.2.8
```
```text filename=requirements_dev.txt
-r requirements.txt
pytest==8.4.2
```

## Fix safety
None: either the source does not belong in the image (remove it from the `COPY`) or the ignore
file has to let it in; only the author knows which.

## References
- [BuildKit checks: CopyIgnoredFile](https://docs.docker.com/reference/build-checks/copy-ignored-file/)
- [Dockerfile reference: .dockerignore file](https://docs.docker.com/build/concepts/context/#dockerignore-files)
- [OCP handbook: Dockerfile for Django](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping

from dockerlint_django.dockerfile.expand import ExpansionError, expand_word
from dockerlint_django.project.context import has_wildcards
from dockerlint_django.rules._base import Context, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ110",
    name="copy-ignored-file",
    severity=Severity.ERROR,
    summary="A COPY/ADD source is excluded from the build context by .dockerignore.",
    buildkit=("CopyIgnoredFile",),
)


def _expand(raw: str, state_vars: Mapping[str, str | None], escape: str) -> str | None:
    """A source as BuildKit reads it (quotes removed); None when it cannot be known."""
    try:
        result = expand_word(raw, state_vars, escape)
    except ExpansionError:
        return None
    return None if result.value is None or result.unmatched else result.value


def _remote(src: str) -> bool:
    return "://" in src or src.startswith("git@")


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    context = a.context
    if context.root is None:
        return
    ignore = context.ignore_file()
    if ignore is None:
        return  # no ignore file (nothing is excluded), or one that cannot be read
    escape = a.dockerfile.escape
    for stage in a.dockerfile.stages:
        for ins, state in a.index.copies(stage):
            if ins.heredocs or any(f.name == "from" for f in ins.flags):
                continue
            for i, raw in enumerate(ins.value[:-1]):
                if "$" in raw or raw.startswith("<<"):
                    continue
                src = _expand(raw, state.variables, escape)
                if src is None or src == "" or (ins.keyword == "ADD" and _remote(src)):
                    continue
                norm = posixpath.normpath(src.lstrip("/") or ".")
                if norm == "." or norm.startswith(".."):
                    continue
                span = ins.value_mapped[i].span()
                verb = "ADD" if ins.keyword == "ADD" else "COPY"
                if has_wildcards(src):
                    on_disk = context.glob(src, on_disk=True)
                    sent = context.glob(src)
                    if not on_disk or sent is None or sent:
                        continue
                    names = ", ".join(on_disk[:3]) + (", …" if len(on_disk) > 3 else "")
                    yield META.violation(
                        span,
                        f"{verb} {src} matches only files that {ignore} excludes from the build "
                        f"context ({names}), so it copies nothing; let them in with a `!` line in "
                        f"{ignore}, or drop the source",
                        severity=Severity.WARNING,
                    )
                    continue
                if context.ignored(norm) is not True:
                    continue
                yield META.violation(
                    span,
                    f"{verb} {src}: {ignore} excludes {norm} from the build context, so the build "
                    f"fails with 'not found'; do not copy it, or let it in with a `!{norm}` line "
                    f"in {ignore}",
                )
