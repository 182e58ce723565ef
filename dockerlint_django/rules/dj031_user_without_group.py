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
write every root-group-writable file. That is a warning.

The same reference says the other side: "when specifying a group for the user, the user will have
only the specified group membership. Any other configured group memberships will be ignored." So
a user given supplementary groups (`useradd -G`, `usermod -aG`, `adduser USER GROUP`,
`addgroup USER GROUP`, `gpasswd -a`) is not reported: `USER user` is the form that keeps them.
Neither is a user whose groups cannot be known: one the base image ships (other than Debian's
system users and nginx-unprivileged's `nginx`, which are in no other group), a uid on a base
image this tool does not know, or a stage whose account files change in ways not read here.
`adduser` is read as the base image's distribution runs it: shadow-utils' `useradd` on
Fedora/RHEL, Debian's wrapper (which takes `-system` as `--system`), or BusyBox's applet.

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
`USER user:group` runs the process with that group only: supplementary groups the image gives the
user in ways not read here (a script, a package's maintainer scripts) would be dropped. A numeric
uid without a known primary group gets `USER <uid>:<uid>`, which changes the group the process
runs as from root to that gid: the point, and a change of behaviour.

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [Dockerfile reference: USER](https://docs.docker.com/reference/dockerfile/#user)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django import accounts
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.images import KnownImage
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ031",
    name="user-without-group",
    severity=Severity.INFO,
    summary="USER without a group: a uid with no /etc/passwd entry runs as group root.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
)

# uids in /etc/passwd of the base images' distributions (Debian's base-passwd, Alpine's
# alpine-baselayout): a bare USER with one of these has a primary group.
_SYSTEM_UIDS = {
    "debian": frozenset(range(0, 11)) | {13, 33, 34, 38, 39, 41, 42, 65534},
    "alpine": frozenset(range(0, 12))
    | {13, 14, 16, 21, 22, 25, 31, 33, 35, 85, 89, 123, 209, 405, 65534},
}
# Debian's base-passwd users: in no group but their own (its group.master lists no members).
_DEBIAN_SYSTEM_USERS = frozenset(
    {"root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp"}
    | {"proxy", "www-data", "backup", "list", "irc", "gnats", "_apt", "nobody"}
)
# Packages create system users below this uid (Debian's and Alpine's FIRST_UID is 1000).
_FIRST_REGULAR_UID = 1000


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
    acc = accounts.at_end(a, final)
    if acc.edited:
        return  # accounts or group lists changed in ways not read here
    if acc.extra_groups(value) != frozenset():
        # `USER name:group` would drop the supplementary groups the image gives the user.
        return
    at = ins.value_mapped[0].span().end
    known = final.root_known
    family = known.family if known is not None else ""
    if value.isdigit():
        yield from _numeric(ins, value, acc, known, family, at)
        return
    if value in acc.users:
        group = acc.primary_group(value)
    elif _alone_in_own_group(value, known, family):
        if acc.from_package(value):
            return  # a package's maintainer scripts may have added it to groups
        group = "nginx" if value == "nginx" else None
    else:
        return  # a base image's user: which groups it is in is not known here
    fix = (
        None
        if group is None
        else Fix(f"Add :{group}", (Edit.insert(at, f":{group}"),), Applicability.UNSAFE)
    )
    shown = f"{value}:{group}" if group is not None else f"{value}:<group>"
    yield META.violation(
        ins.args.span(),
        f"USER {value} has no group; use USER {shown} so the group is explicit, as the handbook "
        "does",
        fix=fix,
    )


def _alone_in_own_group(name: str, known: KnownImage | None, family: str) -> bool:
    """A base image's user known to be in its primary group only."""
    if known is None or name not in known.users:
        return False
    if family == "debian" and name in _DEBIAN_SYSTEM_USERS:
        return True
    # The nginx images' `nginx` (useradd --system --gid nginx): no other group.
    return name == "nginx" and "nginx" in known.groups


def _numeric(
    ins: Instruction,
    value: str,
    acc: accounts.Accounts,
    known: KnownImage | None,
    family: str,
    at: int,
) -> Iterator[Violation]:
    created = value in acc.uids
    group = acc.uids.get(value)
    if group is not None:
        fix = Fix(f"Add :{group}", (Edit.insert(at, f":{group}"),), Applicability.UNSAFE)
    else:
        # Repeat the uid as written, so `USER ${UID}` keeps following its build argument.
        raw = ins.value[0]
        fix = Fix(f"Add :{raw}", (Edit.insert(at, f":{raw}"),), Applicability.UNSAFE)
    if not created:
        if known is None or not family:
            return  # the base image may have this uid, in groups not known here
        name = next((n for uid, n in known.uid_names if uid == value), None)
        base_has = name is not None
        if name is not None and not _alone_in_own_group(name, known, family):
            return  # the base image's user, in groups not known here
        if family == "debian" and int(value) in _SYSTEM_UIDS["debian"]:
            base_has = True
        elif not base_has and int(value) in _SYSTEM_UIDS.get(family, frozenset()):
            return  # a system user of the base image, which may be in other groups
        if not base_has and int(value) < _FIRST_REGULAR_UID and (acc.packages or acc.open):
            return  # an installed package may have created a system user with this uid
        if not base_has:
            yield META.violation(
                ins.args.span(),
                f"USER {value} has no group and uid {value} is not created in the image, so it "
                "has no primary group and the process runs as group root (gid 0)",
                severity=Severity.WARNING,
                fix=fix,
            )
            return
    yield META.violation(
        ins.args.span(),
        f"USER {value} has no group; name it (USER {value}:{group or '<group>'}) so the group "
        "the process runs as is explicit",
        fix=fix,
    )
