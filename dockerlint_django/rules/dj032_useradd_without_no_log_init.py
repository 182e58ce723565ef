"""
## What it does
Checks that every `useradd` in a `RUN` passes `--no-log-init` (or `-l`).

## Why is this bad?
The handbook creates its user with `useradd --no-log-init -r -g runner runner`, as Docker's best
practices do: "attempting to create a user with a significantly large UID inside a Docker container
can lead to disk exhaustion because `/var/log/faillog` in the container layer is filled with NULL
(\\0) characters. A workaround is to pass the `--no-log-init` flag to useradd." useradd(8): "`-l,
--no-log-init` Do not add the user to the lastlog and faillog databases."

With a small uid the cost is a few sparse bytes, so the finding is info; with a uid of more than
five digits (the case hadolint's DL3046 reports) it is a warning, since the layer can grow by
gigabytes.

Short options may be clustered (`-rl`, `-lr`), and getopt's abbreviations (`--no-log`) count. An
`l` that is another option's value (`-g l`, `-gl`) does not. Commands in heredocs, `sh -c` strings
and `ONBUILD RUN` are checked too. `useradd -D` (which changes defaults and creates no user) is
not reported, nor, with a small uid, a `useradd` in a build stage whose layers no image ships (a
stage only `COPY --from` reads). `adduser` is checked only where it is shadow-utils' `useradd`
under another name (Fedora, RHEL and their kin): Debian's wrapper and BusyBox's applet have no
such flag. A `useradd` whose options are not all known (`useradd $FLAGS app`, an option this tool
does not know) is not reported.

## Example
```dockerfile
FROM python:3.11
RUN groupadd -r runner && useradd -r -g runner runner
```

## Use instead
```dockerfile
FROM python:3.11
RUN groupadd -r runner && useradd --no-log-init -r -g runner runner
```

## Fix safety
Safe: inserts `--no-log-init` right after the `useradd` word (a new element in an exec-form
array). The user is created exactly as before, with the same uid, groups, home and shell; only
its lastlog and faillog records are not written, which nothing in a container reads (no login
prints a last login, no PAM module counts failures). Every shadow-utils `useradd` has the flag,
and the fix is offered only for `useradd` itself or an `adduser` that is it: BusyBox's `adduser`
(Alpine) would stop at an unknown option.

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [Docker best practices: USER](https://docs.docker.com/build/building/best-practices/#user)
- [useradd(8)](https://man7.org/linux/man-pages/man8/useradd.8.html)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.dockerfile.edits import insert_word_after
from dockerlint_django.fix import Applicability, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.shell import useradd

META = RuleMeta(
    code="DJ032",
    name="useradd-without-no-log-init",
    severity=Severity.INFO,
    summary="useradd without --no-log-init can fill the layer with a sparse faillog for large uids.",
    fix=FixAvailability.ALWAYS,
    hadolint=("DL3046",),
)

# DL3046's threshold: a uid of more than five digits.
_LARGE_UID_DIGITS = 5


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    source = a.source
    for run in a.runs:
        known = run.stage.root_known if run.stage is not None else None
        family = (known.distribution or "") if known is not None else ""
        for cmd in run.commands:
            add = useradd.parse(cmd, family)
            if add is None or add.tool != "useradd" or add.unknown or not add.creates_user:
                continue
            if add.has("--no-log-init"):
                continue
            uid = add.value("--uid")
            large = uid is not None and uid.isdigit() and len(uid) > _LARGE_UID_DIGITS
            if not large and not a.ships(run):
                # A few bytes in a layer no image keeps; a large uid's faillog can still fill
                # the builder's disk.
                continue
            written = (add.tool_word.value or "useradd").rsplit("/", 1)[-1]
            # On Fedora/RHEL `adduser` is useradd under another name.
            tool = "useradd" if written == "useradd" else f"{written} (useradd on this image)"
            if large:
                message = (
                    f"{tool} with uid {uid} and without --no-log-init: the sparse "
                    "/var/log/faillog for such a uid can fill the layer"
                )
            else:
                message = f"{tool} without --no-log-init writes lastlog and faillog entries"
            yield META.violation(
                add.tool_word.span,
                message,
                severity=Severity.WARNING if large else None,
                fix=Fix(
                    "Add --no-log-init",
                    (
                        insert_word_after(
                            source, run.instruction, add.tool_word.span, "--no-log-init"
                        ),
                    ),
                    Applicability.SAFE,
                ),
            )
