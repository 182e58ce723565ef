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

## Use instead
```dockerfile
FROM python:3.11
WORKDIR /workdir
```

## Fix safety
None for a relative `WORKDIR`: the absolute folder it should be depends on what the base image's
`WORKDIR` was meant to be. Unsafe for the `ocp` convention: the fix renames the folder to
`/workdir`, and paths in `COPY`, settings or scripts may depend on the old name.

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [Docker best practices: WORKDIR](https://docs.docker.com/build/building/best-practices/#workdir)
- [BuildKit check: WorkdirRelativePath](https://docs.docker.com/reference/build-checks/workdir-relative-path/)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

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


def _relative(ctx: Context) -> Iterator[Violation]:
    dockerfile = ctx.analysis.dockerfile
    for stage in dockerfile.stages:
        for ins, state in stage.steps():
            if ins.keyword != "WORKDIR" or not ins.value:
                continue
            raw = ins.value[0]
            if _is_absolute(raw):
                continue  # `C:\app` as written, before the escape character eats its backslash
            value = expand_in(state, raw, dockerfile.escape)
            if value is None or value == "" or _is_absolute(value):
                continue
            shown = raw if value == raw else f"{raw} ({value})"
            yield META.violation(
                ins.args.span(),
                f"WORKDIR {shown} is relative: it depends on the previous WORKDIR; use an "
                "absolute path",
            )


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
        fix=Fix(
            f"Use WORKDIR {_CONVENTION}",
            (Edit.replace(ins.args.span(), _CONVENTION),),
            Applicability.UNSAFE,
        ),
    )
