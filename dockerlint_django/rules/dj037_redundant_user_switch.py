"""
## What it does
Checks for a `USER root` that nothing runs under: the stage switches to root and back to the user
it had before (`USER root` … `USER nginx`) with no `RUN` in between. Only instructions that do not
depend on the user may come between: `COPY`, `ADD`, `ENV`, `ARG`, `LABEL`, `EXPOSE`, `CMD`,
`ENTRYPOINT`, `STOPSIGNAL`, `HEALTHCHECK`, `SHELL`. A `RUN`, an `ONBUILD` (its trigger runs in
the image built from this one), a `WORKDIR` (BuildKit may create its folder, owned by the current
user), a `VOLUME` or any other instruction ends the pair without a finding.

The user after must be the one before `USER root`: the same name, or a name and its uid where
they are known (the base image's, such as `nginx` = 101 in `nginxinc/nginx-unprivileged`, or a
`useradd -u` of the stage), with the same group part. A `USER root` left at the end of a stage is
not reported: the image then runs its `CMD` as root, which is DJ030's concern.

This rule is off by default: the handbook's own static-files Dockerfile has such a pair. Turn it
on with `extend-select = ["DJ037"]`.

## Why is this bad?
Docker's reference: "The specified user is used for `RUN` instructions and at runtime runs the
relevant `ENTRYPOINT` and `CMD` commands." `COPY` and `ADD` write their files as root (or as
`--chown` says) whatever the current user is, so a `USER root` that only surrounds them changes
nothing. The two lines suggest the copy needs root privileges, which it does not, and make the
reader check that the image really switches back.

## Example
```dockerfile
FROM nginxinc/nginx-unprivileged:1.27
USER root
COPY --chown=nginx:root default.conf /etc/nginx/conf.d/default.conf
USER nginx
```

## Use instead
```dockerfile
FROM nginxinc/nginx-unprivileged:1.27
COPY --chown=nginx:root default.conf /etc/nginx/conf.d/default.conf
```

## Fix safety
Safe: the fix deletes both `USER` lines. No instruction between them runs as the user, and the
user after them is the same as before, so the image's files are the same and its processes run
as the same user. When the user before is a name and the one after is its uid (`USER app` …
`USER root` … `USER 1000`), only `USER root` is deleted, so that the image's configuration keeps
the numeric user (Kubernetes' `runAsNonRoot` can verify only a numeric one). Comments above the
lines are kept.

## References
- [Dockerfile reference: USER](https://docs.docker.com/reference/dockerfile/#user)
- [Dockerfile reference: COPY --chown](https://docs.docker.com/reference/dockerfile/#copy---chown---chmod)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django import accounts
from dockerlint_django.analysis import Analysis
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.model import Stage, UserValue
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
    Related,
    RuleMeta,
    Severity,
    Violation,
)

META = RuleMeta(
    code="DJ037",
    name="redundant-user-switch",
    severity=Severity.INFO,
    summary="USER root and back with no RUN in between: the switch has no effect.",
    fix=FixAvailability.ALWAYS,
    origin="extension",
    default_enabled=False,
)

# Instructions whose effect does not depend on the current user.
_NEUTRAL = frozenset(
    {"COPY", "ADD", "ENV", "ARG", "LABEL", "EXPOSE", "CMD", "ENTRYPOINT", "STOPSIGNAL"}
    | {"HEALTHCHECK", "SHELL", "MAINTAINER"}
)


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    for stage in a.dockerfile.stages:
        yield from _stage(a, stage)


def _after(stage: Stage, i: int) -> UserValue:
    states = stage.states
    return states[i + 1].user if i + 1 < len(states) else stage.final_state.user


def _stage(a: Analysis, stage: Stage) -> Iterator[Violation]:
    instructions = stage.instructions
    for i, ins in enumerate(instructions):
        if ins.keyword != "USER" or _after(stage, i).is_root is not True:
            continue
        before = stage.states[i].user
        if before.value is None or before.is_root is not False:
            continue
        for j in range(i + 1, len(instructions)):
            other = instructions[j]
            if other.keyword in _NEUTRAL:
                continue
            if other.keyword == "USER":
                back = _after(stage, j)
                if back.value is not None and _same(a, stage, other, before.value, back.value):
                    yield _finding(a, ins, other, before.value)
            break


def _split(value: str) -> tuple[str, str | None]:
    name, colon, group = value.partition(":")
    return name, (group if colon else None)


def _same(a: Analysis, stage: Stage, at: Instruction, first: str, second: str) -> bool:
    if first == second:
        return True
    (n1, g1), (n2, g2) = _split(first), _split(second)
    if g1 != g2 or not n1 or not n2:
        return False
    if n1 == n2:
        return True
    u1, u2 = _uid(a, stage, at, n1), _uid(a, stage, at, n2)
    return u1 is not None and u1 == u2


def _uid(a: Analysis, stage: Stage, at: Instruction, name: str) -> str | None:
    """The uid of a user name (a uid as itself), when the image's accounts settle it."""
    if name.isdigit():
        return str(int(name))
    acc = accounts.accounts_before(a, stage, at)
    if acc is None or acc.open or acc.edited or acc.exhausted:
        return None
    created = [uid for uid, user in acc.uid_users.items() if user == name]
    if created:
        return str(int(created[-1])) if created[-1].isdigit() else None
    if name in acc.users:
        return None  # created here without a uid: the next free one, not known
    known = stage.root_known
    if known is None or not known.accounts_known:
        return None
    uids = [uid for uid, user in known.uid_names if user == name]
    if len(uids) != 1 or uids[0] in acc.uid_users:
        return None
    return uids[0]


def _line_range(a: Analysis, ins: Instruction) -> Edit:
    index = a.source.index
    start = index.line_start(ins.start_line)
    end = (
        index.line_start(ins.end_line + 1)
        if ins.end_line < index.line_count
        else len(a.source.text)
    )
    return Edit(start, end, "")


def _finding(a: Analysis, root: Instruction, back: Instruction, user: str) -> Violation:
    shown = a.source.slice(back.args.span())
    after = _split(shown)[0]
    if shown == user or _split(user)[0].isdigit() or not after.isdigit():
        edits: tuple[Edit, ...] = (_line_range(a, root), _line_range(a, back))
        title = "Remove both USER lines"
    else:
        # `USER app` … `USER 1000`: keep the numeric one, which the image's config then still
        # names (Kubernetes' runAsNonRoot can only verify a numeric user).
        edits = (_line_range(a, root),)
        title = "Remove USER root"
    return META.violation(
        root.args.span(),
        f"USER root has no effect: no RUN runs before USER {shown} switches back to the user "
        f"before it ({user}), and COPY/ADD write their files as root (or as --chown says) "
        "whatever the user; remove the switch",
        fix=Fix(title, edits, Applicability.SAFE),
        related=(Related(back.span, f"switches back to {user}"),),
    )
