"""
## What it does
Checks that the final stage's last `USER` names a group too (`USER runner:runner`).

## Why is this bad?
The handbook: "Use the `user:group` form for the USER instruction, unless you want the group to be
`root`." Docker's reference explains when that happens: "When the user doesn't have a primary group
then the image (or the next instructions) will be run with the `root` group."

A named user (`USER runner`) already gets its primary group from `/etc/passwd`, so the short form
only hides which group that is: info. A bare numeric uid that the image never creates
(`useradd -u`/`adduser -u` in the stage or its parents, or a user the base image ships) has no
`/etc/passwd` entry and therefore no primary group: the process runs as group 0, `root`, and can
write every root-group-writable file. That is a warning. On a base image this tool does not know,
the uid may exist there, so it stays info.

`root` and `0` are skipped (DJ030 is about those), as is a `USER` whose value cannot be known.

## Example
```dockerfile
FROM python:3.11
RUN groupadd -r runner && useradd --no-log-init -r -g runner runner
USER runner
```

## Use instead
```dockerfile
FROM python:3.11
RUN groupadd -r runner && useradd --no-log-init -r -g runner runner
USER runner:runner
```

## Fix safety
Unsafe. The fix appends `:<group>`, taking the primary group from `useradd -g`/`adduser -G`/
`--ingroup` in the stage chain, the user's own name when `useradd` ran without `-g` or `-N`
(Debian's user-private groups), or `nginx` for nginx-unprivileged's `nginx`. Docker documents that
`USER user:group` runs the process with that group only: the user's supplementary groups are
dropped, so a process that relied on one of them loses its access. A numeric uid without a known
primary group gets `USER <uid>:<uid>`, whose gid may not exist.

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [Dockerfile reference: USER](https://docs.docker.com/reference/dockerfile/#user)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.shell import useradd

META = RuleMeta(
    code="DJ031",
    name="user-without-group",
    severity=Severity.INFO,
    summary="USER without a group: a uid with no /etc/passwd entry runs as group root.",
    fix=FixAvailability.SOMETIMES,
)

# uids in /etc/passwd of the base images' distributions (Debian's base-passwd, Alpine's
# alpine-baselayout): a bare USER with one of these has a primary group.
_SYSTEM_UIDS = {
    "debian": frozenset(range(0, 11)) | {13, 33, 34, 38, 39, 41, 42, 65534},
    "alpine": frozenset(range(0, 12))
    | {13, 14, 16, 21, 22, 25, 31, 33, 35, 85, 89, 123, 209, 405, 65534},
}


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    user = final.final_state.user
    ins = user.instruction
    value = user.value
    if ins is None or value is None or not value or ":" in value or user.is_root is not False:
        return
    if not ins.value_mapped:
        return
    adds = [
        add
        for run in a.runs_in(final, chain=True)
        for cmd in run.commands
        if (add := useradd.parse(cmd)) is not None
    ]
    at = ins.value_mapped[0].span().end
    known = final.root_known
    if value.isdigit():
        created = [add for add in adds if add.value("--uid") == value]
        base_has = known is not None and (
            int(value) in _SYSTEM_UIDS.get(known.family, frozenset())
            or any(uid == value for uid, _ in known.uid_names)
        )
        group = created[-1].primary_group if created else None
        if group is not None:
            fix = Fix(f"Add :{group}", (Edit.insert(at, f":{group}"),), Applicability.UNSAFE)
        else:
            # Repeat the uid as written, so `USER ${UID}` keeps following its build argument.
            raw = ins.value[0]
            fix = Fix(f"Add :{raw}", (Edit.insert(at, f":{raw}"),), Applicability.UNSAFE)
        if created or base_has or known is None:
            yield META.violation(
                ins.args.span(),
                f"USER {value} has no group; name it (USER {value}:<group>) so the group the "
                "process runs as is explicit",
                fix=fix,
            )
            return
        yield META.violation(
            ins.args.span(),
            f"USER {value} has no group and uid {value} is not created in the image, so it has no "
            "primary group and the process runs as group root (gid 0)",
            severity=Severity.WARNING,
            fix=fix,
        )
        return
    named = [add for add in adds if add.user == value]
    group = named[-1].primary_group if named else None
    if group is None and value == "nginx" and known is not None and "nginx" in known.groups:
        group = "nginx"
    named_fix = (
        None
        if group is None
        else Fix(f"Add :{group}", (Edit.insert(at, f":{group}"),), Applicability.UNSAFE)
    )
    shown = f"{value}:{group}" if group is not None else f"{value}:<group>"
    yield META.violation(
        ins.args.span(),
        f"USER {value} has no group; use USER {shown} so the group is explicit, as the handbook "
        "does",
        fix=named_fix,
    )
