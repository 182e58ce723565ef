"""
## What it does
Checks that every user and group a Dockerfile names exists at the point where it is named:
`COPY --chown=`/`ADD --chown=`, `USER`, and `chown` commands in `RUN`. A name exists when a
`useradd`/`adduser`/`groupadd`/`addgroup` earlier in the same stage or its parent stages created
it, or when the base image ships it (`python`, `debian`, `alpine`, `nginx`,
`nginxinc/nginx-unprivileged` and the other base images this tool knows).

## Why is this bad?
Docker's reference on `COPY --chown`: "When using names instead of numeric IDs, BuildKit resolves
them using `/etc/passwd` and `/etc/group` in the container's root filesystem. If these files are
missing or don't contain the specified names, the build fails." BuildKit's code does otherwise: a
name it cannot find leaves the id at 0, so the files silently belong to root, which is not what
the `--chown` says; the legacy builder, Podman/Buildah and kaniko do stop the build ("unable to
convert uid/gid chown string to host mapping", "unknown user"). A `USER` naming a user that does
not exist fails the next `RUN` and, in the final stage, the container's start ("unable to find
user"); `chown` fails with "invalid user".

The classic mistakes are a `--chown=runner:runner` in a build stage that never ran `useradd`
(users are per stage: a stage built `FROM python` does not see another stage's `/etc/passwd`), and
a `useradd` placed after the `COPY` that names the user.

Numeric ids are always accepted: Docker and `chown` need no entry for them. Nothing is reported on a
base image this tool does not know, for a name whose value depends on a build argument, or in a
stage that edits `/etc/passwd`/`/etc/group` or copies them in, since accounts may then come from
elsewhere.

## Example
```dockerfile
FROM python:3.11 AS build-stage
WORKDIR /workdir
COPY --chown=runner:runner . .
RUN python -m compileall .
```

## Use instead
```dockerfile
FROM python:3.11 AS build-stage
RUN groupadd -r runner && useradd --no-log-init -r -g runner runner
WORKDIR /workdir
COPY --chown=runner:runner . .
RUN python -m compileall .
```

## Fix safety
No fix: whether to create the user earlier, in this stage, or to drop the ownership change (in a
stage that is only a `COPY --from` source) is for a person to decide.

## References
- [Dockerfile reference: COPY --chown](https://docs.docker.com/reference/dockerfile/#copy---chown---chmod)
- [Dockerfile reference: USER](https://docs.docker.com/reference/dockerfile/#user)
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator

from dockerlint_django import accounts
from dockerlint_django.accounts import Accounts
from dockerlint_django.analysis import basename
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.model import Stage, expand_in
from dockerlint_django.rules._base import Context, Related, RuleMeta, Severity, Violation
from dockerlint_django.shell.syntax import Word
from dockerlint_django.source import Span

META = RuleMeta(
    code="DJ035",
    name="unknown-user-or-group",
    severity=Severity.ERROR,
    summary="A user or group is named before it exists (or never is): the build, the start or the --chown fails.",
    origin="extension",
)

# chown options that take the next word (GNU coreutils and BusyBox take none; --from/--reference
# are written with `=`).
_CHOWN_SKIP = ("--reference",)


_FAILS = {
    "USER": "the next RUN, or the container's start, fails with 'unable to find user'",
    # BuildKit's readUser leaves the id at 0 when the name is not in /etc/passwd or /etc/group.
    "COPY --chown": "BuildKit gives the files to root instead, and the legacy builder, Podman "
    "and kaniko stop the build",
    "ADD --chown": "BuildKit gives the files to root instead, and the legacy builder, Podman "
    "and kaniko stop the build",
}


def _split(spec: str) -> tuple[str | None, str | None]:
    user, colon, group = spec.partition(":")
    return (user or None), (group or None) if colon else None


def _sub_span(whole: Span, raw: str, value: str, part: str, at: int) -> Span:
    """The span of ``part`` (at ``at`` in ``value``); the whole value when expansion moved it."""
    if raw == value:
        return Span(whole.start + at, whole.start + at + len(part))
    return whole


def _check_spec(
    spec: str,
    raw: str,
    whole: Span,
    acc: Accounts,
    stage: Stage,
    where: str,
    later: Callable[[str, str], Instruction | None],
) -> Iterator[Violation]:
    user, group = _split(spec)
    parts: list[tuple[str, str, int]] = []
    if user is not None:
        parts.append(("user", user, 0))
    if group is not None:
        parts.append(("group", group, spec.index(":") + 1))
    for kind, name, at in parts:
        if accounts.exists(name, kind, acc, stage) is not False:
            continue
        related: tuple[Related, ...] = ()
        created_later = later(kind, name)
        if created_later is not None:
            message = (
                f"{where} names {kind} {name!r}, which is only created later (line "
                f"{created_later.start_line}): create it before it is used"
            )
            related = (Related(created_later.span, f"{kind} {name!r} is created here"),)
        else:
            message = (
                f"{where} names {kind} {name!r}, which neither this stage nor its base image "
                f"creates: {_FAILS.get(where, 'the build fails')}"
            )
        yield META.violation(_sub_span(whole, raw, spec, name, at), message, related=related)


class _Creations:
    """Where each user and group is created in a stage: the instruction indexes, ascending."""

    def __init__(self, ctx: Context, stage: Stage) -> None:
        steps = list(accounts.walk(ctx.analysis, stage))
        snapshots = [acc for _, _, acc in steps] + [accounts.at_end(ctx.analysis, stage)]
        self._at: dict[tuple[str, str], tuple[list[int], list[Instruction]]] = {}
        for i, (ins, _, _) in enumerate(steps):
            before, after = snapshots[i], snapshots[i + 1]
            if after is before:
                continue  # the walk shares the snapshot of a step that changes nothing
            for kind, names in (
                ("user", after.users - before.users),
                ("group", after.groups - before.groups),
            ):
                for name in names:
                    indexes, instructions = self._at.setdefault((kind, name), ([], []))
                    indexes.append(i)
                    instructions.append(ins)

    def after(self, i: int) -> Callable[[str, str], Instruction | None]:
        """The first instruction from index ``i`` on that creates a (kind, name)."""

        def first(kind: str, name: str) -> Instruction | None:
            found = self._at.get((kind, name))
            if found is None:
                return None
            indexes, instructions = found
            k = bisect.bisect_left(indexes, i)
            return instructions[k] if k < len(indexes) else None

        return first


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    escape = a.dockerfile.escape
    for stage in a.dockerfile.stages:
        creations = _Creations(ctx, stage)
        for i, (ins, state, acc) in enumerate(accounts.walk(a, stage)):
            if ins.keyword in ("COPY", "ADD"):
                for flag in ins.flags:
                    if flag.name != "chown" or flag.value is None or flag.value_span is None:
                        continue
                    value = expand_in(state, flag.value, escape)
                    if value is None:
                        continue
                    yield from _check_spec(
                        value,
                        flag.value,
                        flag.value_span,
                        acc,
                        stage,
                        f"{ins.keyword} --chown",
                        creations.after(i),
                    )
            elif ins.keyword == "USER" and ins.value and ins.value_mapped:
                value = expand_in(state, ins.value[0], escape)
                if value is None:
                    continue
                yield from _check_spec(
                    value,
                    ins.value_mapped[0].text,
                    ins.value_mapped[0].span(),
                    acc,
                    stage,
                    "USER",
                    creations.after(i),
                )
            elif ins.keyword == "RUN":
                for cmd, before in accounts.within_run(a, ins, acc):
                    if basename(cmd.name) != "chown":
                        continue
                    operands: list[Word] = []
                    for w in cmd.words[1:]:
                        v = w.value
                        if v is not None and v.startswith(_CHOWN_SKIP):
                            operands = []
                            break
                        if v is not None and v.startswith("-"):
                            continue
                        operands.append(w)
                    if len(operands) < 2:
                        continue
                    owner = operands[0]
                    spec = owner.value
                    if spec is None or owner.mapped is None:
                        continue
                    if ":" not in spec and "." in spec:
                        continue  # the legacy user.group spelling: chown decides how to split
                    yield from _check_spec(
                        spec,
                        owner.mapped.text,
                        owner.mapped.span(),
                        before,
                        stage,
                        "chown",
                        creations.after(i),
                    )
