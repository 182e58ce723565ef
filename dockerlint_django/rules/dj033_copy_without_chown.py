"""
## What it does
Checks `COPY` and `ADD` (`COPY --from=…` too) in the image's final stage that run after `USER`
switched to a non-root user, put files inside the `WORKDIR` (the application's tree), and have no
`--chown`.

## Why is this bad?
The handbook: "Use the `--chown=user:group` option with the COPY instruction, unless you want the
ownership of the files to be `root:root`." Docker's reference: "Without this flag, files are
created with UID and GID of 0." `USER` does not change that: "The specified user is used for `RUN`
instructions and at runtime runs the relevant `ENTRYPOINT` and `CMD` commands", not for `COPY`.

So after `USER runner:runner`, a plain `COPY . .` gives the application files to root, which the
process running as `runner` cannot write. Root-owned, read-only application code is a legitimate
hardening choice, hence only info; when a build step has to write into those files, DJ034 reports
the failure.

Only copies into the `WORKDIR` (the one in force at the copy, or the stage's last one) are
considered; a `WORKDIR` of `/` or an unknown one makes no finding, nor does a `USER` whose value
cannot be known. Stages the final stage builds `FROM` are checked too, since their layers ship.
Not reported either: a copy whose files a later `COPY --chown=<user> . <folder>` writes again
(`COPY requirements.txt ./` before `COPY --chown=app . .`), and a copy under a comment, above it
or above the `USER` in force, that says the files stay root's on purpose ("Code is owned by root
so it cannot be modified by the application user").

## Example
```dockerfile
FROM python:3.11
RUN groupadd -r runner && useradd --no-log-init -r -g runner runner
WORKDIR /workdir
USER runner:runner
COPY . .
```

## Use instead
```dockerfile
FROM python:3.11
RUN groupadd -r runner && useradd --no-log-init -r -g runner runner
WORKDIR /workdir
USER runner:runner
COPY --chown=runner:runner . .
```

## Fix safety
Unsafe: the fix adds `--chown=<user>:<group>` after the keyword, as the handbook does, naming the
current `USER` as written (so `USER ${APP_USER}` keeps following its build argument) and the group
from `USER user:group`, or as DJ031 derives it from `useradd`/`adduser`. It gives the app's user
write access to files that may be root-owned on purpose (code the process must not change), so it
is a decision to read, not a rewrite. No fix is offered when the group is unknown, or when the
user or group does not exist yet at that `COPY` (the build would fail, see DJ035).

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [Dockerfile reference: COPY --chown](https://docs.docker.com/reference/dockerfile/#copy---chown---chmod)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from dockerlint_django import accounts
from dockerlint_django._record import LazyPattern
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.model import State, expand_in
from dockerlint_django.fix import Applicability
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ033",
    name="copy-without-chown",
    severity=Severity.INFO,
    summary="COPY after a non-root USER without --chown: the files belong to root.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
)


def destination(ins: Instruction, state: State, escape: str) -> str | None:
    """Where a COPY/ADD puts its files, absolute and normalised; None when unknown."""
    if len(ins.value) < 2:
        return None
    dest = expand_in(state, ins.value[-1], escape)
    if dest is None:
        return None
    if not dest.startswith("/"):
        if state.workdir is None:
            return None
        dest = posixpath.join(state.workdir, dest)
    return posixpath.normpath(dest)


def inside(path: str, tree: str) -> bool:
    return path == tree or path.startswith(tree.rstrip("/") + "/")


# A comment saying the files are root's on purpose: "Code is owned by root so it cannot be
# modified by the application user."
_ROOT_ON_PURPOSE = LazyPattern(
    r"owned by root|root[- ]owned|belongs? to root|read[- ]only|"
    r"(cannot|can't|can ?not|must not|should not|shouldn't|won't) be (modified|changed|written)|"
    r"not (be )?(writable|modifiable)",
    re.IGNORECASE,
)
_ROOT_OWNERS = frozenset({"root", "0"})


def _root_on_purpose(ins: Instruction, state: State) -> bool:
    """A comment above the COPY, or above the USER in force, says the files stay root's."""
    comments = list(ins.comments)
    if state.user.instruction is not None:
        comments += state.user.instruction.comments
    return any(_ROOT_ON_PURPOSE.search(c.text) for c in comments)


def _lands(ins: Instruction, dest: str) -> list[tuple[str, str]] | None:
    """``(context path, image path)`` for each source a context COPY writes; None when unknown."""
    if any(f.name == "from" for f in ins.flags) or ins.keyword != "COPY" or ins.heredocs:
        return None
    sources = ins.value[:-1]
    into = ins.value[-1].endswith("/") or len(sources) > 1
    out = []
    for src in sources:
        if "$" in src or any(c in src for c in "*?[\\") or src.startswith("/"):
            return None
        rel = posixpath.normpath(src)
        if rel.startswith(".."):
            return None
        if rel == ".":
            return None  # the whole context: only a later copy of it to the same place replaces it
        out.append((rel, posixpath.join(dest, posixpath.basename(rel)) if into else dest))
    return out


class _Recopies:
    """The ``COPY --chown=<user> . <folder>`` steps of the chain, by destination, so that each
    COPY asks about the ones after it without reading every later step."""

    def __init__(self, steps: list[tuple[Instruction, State]], escape: str) -> None:
        self.last: dict[str, int] = {}  # destination -> index of its last such COPY
        for i, (other, state) in enumerate(steps):
            if other.keyword != "COPY" or any(f.name == "from" for f in other.flags):
                continue
            chown = next((f.value for f in other.flags if f.name == "chown"), None)
            if chown is None:
                continue
            owner = expand_in(state, chown, escape)
            if owner is None or owner.partition(":")[0] in _ROOT_OWNERS:
                continue
            if not any(posixpath.normpath(src) == "." for src in other.value[:-1]):
                continue
            again = destination(other, state, escape)
            if again is not None:
                self.last[again] = i

    def replaced_later(self, at: int, ins: Instruction, dest: str) -> bool:
        """A later ``COPY --chown=<user> . <folder>`` writes the same files again, with an
        owner."""
        landed = _lands(ins, dest)
        if not landed:
            return False
        rel, lands = landed[0]
        # The folders the whole context could be copied to for the first file to land where it
        # did (``posixpath.join`` inverted: a normalised folder ends in "/" only when it is "/").
        folders = set()
        if lands.endswith("/" + rel):
            folders.add(lands[: len(lands) - len(rel) - 1])
        if lands == "/" + rel:
            folders.add("/")
        return any(
            self.last.get(again, -1) > at
            and all(posixpath.join(again, r) == to for r, to in landed)
            for again in folders
        )


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    escape = a.dockerfile.escape
    last_workdir = final.final_state.workdir
    steps = [(ins, state) for stage in final.chain for ins, state in stage.steps()]
    index = {id(ins): i for i, (ins, _) in enumerate(steps)}
    recopies = _Recopies(steps, escape)
    for stage in final.chain:
        for ins, state, acc in accounts.walk(a, stage):
            if ins.keyword not in ("COPY", "ADD"):
                continue
            if any(f.name == "chown" for f in ins.flags):
                continue
            if not state.user.value or state.user.is_root is not False:
                continue
            dest = destination(ins, state, escape)
            if dest is None:
                continue
            trees = {w for w in (state.workdir, last_workdir) if w is not None and w != "/"}
            if not any(inside(dest, tree) for tree in trees):
                continue
            if _root_on_purpose(ins, state):
                continue  # the comment says the process must not write these files
            if recopies.replaced_later(index[id(ins)], ins, dest):
                continue  # `COPY --chown=app . .` copies these files again, with an owner
            # Unsafe: the image builds either way, and the owner changes what runs can do.
            fix = accounts.chown_fix(ins, state, acc, stage, escape)
            yield META.violation(
                ins.keyword_span,
                f"{ins.keyword} into {dest} after USER {state.user.value} has no --chown: the "
                "files belong to root:root, which the process cannot write",
                fix=fix,
            )
