"""
## What it does
Checks for `ADD` used to copy plain local files and folders, where `COPY` does the same thing.

## Why is this bad?
The handbook: "Prefer the `COPY` instruction to the ADD instruction, as recommended." `ADD` also
fetches URLs, clones git repositories and unpacks local archives; using it for a plain copy hides
which of those a reader should expect, and a file that later gains an archive extension is
silently unpacked.

Like hadolint's DL3020, `ADD` is only reported when every source is a local path that is not a URL,
not a git source, and not an archive `ADD` would unpack (`.tar`, `.tar.gz`, `.tgz`, `.tar.bz2`,
`.tbz2`, `.tar.xz`, `.txz`, `.tar.zst`). Heredoc sources are not reported either.

## Example
```dockerfile
FROM python:3.11
ADD requirements.txt /tmp/requirements.txt
```

## Use instead
```dockerfile
FROM python:3.11
COPY requirements.txt /tmp/requirements.txt
```

## Fix safety
Safe: for local non-archive sources `COPY` and `ADD` copy the same files with the same ownership.
The flags `ADD` shares with `COPY` (`--chown`, `--chmod`, `--link`, `--from`) are kept; an `ADD` with
an `ADD`-only flag (`--checksum`, `--keep-git-dir`, `--unpack`) is reported without a fix.

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [Docker best practices: ADD or COPY](https://docs.docker.com/build/building/best-practices/#add-or-copy)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ107",
    name="add-instead-of-copy",
    severity=Severity.WARNING,
    summary="Use COPY, not ADD, to copy local files and folders.",
    fix=FixAvailability.SOMETIMES,
    hadolint=("DL3020",),
)

_ARCHIVE = re.compile(
    r"\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz|tar\.zst|tzst|gz|bz2|xz|zst)$", re.I
)
_REMOTE = re.compile(r"^([a-z][a-z0-9+.-]*://|git@|github\.com/)", re.I)
_ADD_ONLY_FLAGS = frozenset({"checksum", "keep-git-dir", "unpack"})


def check(ctx: Context) -> Iterator[Violation]:
    for ins in ctx.analysis.instructions("ADD"):
        if ins.heredocs or len(ins.value) < 2:
            continue
        sources = ins.value[:-1]
        if any(_REMOTE.match(s) or _ARCHIVE.search(s) or "$" in s for s in sources):
            continue
        fix = None
        if not any(f.name in _ADD_ONLY_FLAGS for f in ins.flags):
            keyword = ctx.analysis.source.slice(ins.keyword_span)
            copy = "copy" if keyword.islower() else "COPY"
            fix = Fix("Use COPY", (Edit.replace(ins.keyword_span, copy),), Applicability.SAFE)
        yield META.violation(
            ins.keyword_span,
            "ADD copies local files here; use COPY, which cannot fetch URLs or unpack archives",
            fix=fix,
        )
