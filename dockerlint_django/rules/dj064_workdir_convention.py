"""
## What it does
Checks that every `WORKDIR` is an absolute path once build arguments and environment variables are
expanded. Under the `ocp` profile it also reports, as info, a final working folder other than the
handbook's `/workdir`.

## Why is this bad?
The handbook: "Use a leading `/` with the `WORKDIR` instruction." Docker's best practices: "For
clarity and reliability, you should always use absolute paths for your `WORKDIR`." A relative
`WORKDIR` is resolved against the previous one, so its meaning depends on the base image's own
`WORKDIR` and changes silently when that image changes; BuildKit warns about it
(`WorkdirRelativePath`), and so does hadolint (DL3000).

Every relative `WORKDIR` is reported, not only the first of a stage as BuildKit does. A Windows
drive path (`C:\\app`, `C:/app`) is absolute. A value that cannot be known (`WORKDIR $DIR` with no
default) is not reported.

The OCP house convention ("Set WORKDIR to `/workdir`") is checked only with `--profile ocp`: the
final stage's last `WORKDIR`, when absolute and not `/workdir`, is info.

## Example
```dockerfile
FROM python:3.11
WORKDIR app
```
```dockerfile
FROM python:3.11
WORKDIR /workdir
WORKDIR src
```

## Use instead
```dockerfile
FROM python:3.11
WORKDIR /workdir
```
```dockerfile
FROM python:3.11
WORKDIR /workdir
WORKDIR /workdir/src
```

## Fix safety
Safe for a relative `WORKDIR` whose previous folder the Dockerfile itself sets: after a literal
absolute `WORKDIR` in the stage or a stage it builds `FROM` (`WORKDIR /app` … `WORKDIR src`
becomes `WORKDIR /app/src`), the absolute path written is exactly the folder Docker resolved, so
every later step runs where it did. There is no fix when the previous folder is the base image's
(what it should be is what the base image's `WORKDIR` was meant to be, which may change), or when
a variable is involved (writing its value in would stop `--build-arg` from changing it). Unsafe
for the `ocp` convention: the fix renames the folder to `/workdir`, and settings, scripts or a
Compose file may depend on the old name. It is offered only when the Dockerfile names the old
folder nowhere else (a `COPY` into it, an `ENV` or a command that uses it, a comment), which would
be left pointing at a folder the process no longer starts in, and not for a home folder (`/home/…`,
`/root`), which the command that created the user may have made its own.

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [Docker best practices: WORKDIR](https://docs.docker.com/build/building/best-practices/#workdir)
- [BuildKit check: WorkdirRelativePath](https://docs.docker.com/reference/build-checks/workdir-relative-path/)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dockerlint_django._record import LazyPattern
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.model import expand_in
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ064",
    name="workdir-convention",
    severity=Severity.ERROR,
    summary="WORKDIR should be an absolute path (and /workdir under the ocp profile).",
    fix=FixAvailability.SOMETIMES,
    hadolint=("DL3000",),
    buildkit=("WorkdirRelativePath",),
)

_CONVENTION = "/workdir"


def _is_absolute(path: str) -> bool:
    # BuildKit treats a drive path as absolute on Windows images.
    return path.startswith("/") or (len(path) >= 3 and path[1] == ":" and path[2] in "\\/")


def check(ctx: Context) -> Iterator[Violation]:
    yield from _relative(ctx)
    if ctx.profile == "ocp":
        yield from _ocp_convention(ctx)


# A WORKDIR value the fix may combine: no variable, quote, escape or space to interpret.
_LITERAL = LazyPattern(r"[A-Za-z0-9._/@+=,-]+\Z")


def _relative(ctx: Context) -> Iterator[Violation]:
    dockerfile = ctx.analysis.dockerfile
    # The folder the Dockerfile itself last set in each stage, from literal absolute WORKDIRs
    # (and literal relative ones after them); None when it comes from the base image or a
    # variable.
    set_here: dict[int, str | None] = {}
    for stage in dockerfile.stages:
        here = set_here.get(stage.parent.index) if stage.parent is not None else None
        for ins, state in stage.steps():
            if ins.keyword != "WORKDIR" or not ins.value:
                continue
            raw = ins.value[0]
            literal = _LITERAL.match(raw) is not None
            before = here
            here = None
            if _is_absolute(raw):
                if literal:
                    here = posixpath.normpath(raw)
                continue  # `C:\app` as written, before the escape character eats its backslash
            value = expand_in(state, raw, dockerfile.escape)
            if value is None or value == "" or _is_absolute(value):
                continue
            fix = None
            if literal and before is not None and state.workdir == before:
                here = posixpath.normpath(posixpath.join(before, raw))
                fix = Fix(
                    f"Use WORKDIR {here}",
                    (Edit.replace(ins.value_mapped[0].span(), here),),
                    Applicability.SAFE,
                )
            shown = raw if value == raw else f"{raw} ({value})"
            yield META.violation(
                ins.args.span(),
                f"WORKDIR {shown} is relative: it depends on the previous WORKDIR; use an "
                "absolute path" + (f" ({here})" if fix is not None else ""),
                fix=fix,
            )
        set_here[stage.index] = here


def _ocp_convention(ctx: Context) -> Iterator[Violation]:
    final = ctx.analysis.dockerfile.final
    if final is None:
        return
    last = None
    for ins, state in final.steps():
        if ins.keyword == "WORKDIR" and ins.value:
            last = (ins, state)
    if last is None:
        return
    ins, state = last
    value = expand_in(state, ins.value[0], ctx.analysis.dockerfile.escape)
    if value is None or not value.startswith("/"):
        return
    if posixpath.normpath(value) == _CONVENTION:
        return
    yield META.violation(
        ins.args.span(),
        f"WORKDIR {value}: the OCP handbook sets the working folder to {_CONVENTION}",
        severity=Severity.INFO,
        fix=_rename(ctx, ins, posixpath.normpath(value)),
    )


def _rename(ctx: Context, ins: Instruction, folder: str) -> Fix | None:
    # Anything else that names the folder (`COPY --from=build /app /app`, `ENV PYTHONPATH=/app`, a
    # script path in CMD, a comment) would be left pointing at the old one: the app would no longer
    # be where the process starts, and a config file it loads from there no longer found.
    if folder == "/" or _LITERAL.match(ins.value[0]) is None:
        return None
    # A home folder (`adduser -D flasky` makes /home/flasky, owned by flasky) may be the only
    # place a non-root user can write; a WORKDIR-made /workdir belongs to root.
    if folder == "/root" or folder.startswith("/home/") or folder == "/home":
        return None
    text = ctx.analysis.source.text
    span = ins.span
    if folder in text[: span.start] or folder in text[span.end :]:
        return None
    return Fix(
        f"Use WORKDIR {_CONVENTION}",
        (Edit.replace(ins.args.span(), _CONVENTION),),
        Applicability.UNSAFE,
    )
