"""Which users and groups exist at a given point of a stage chain, and who owns copied files.

BuildKit resolves ``COPY --chown`` names, and ``USER``/``chown`` resolve theirs, against
``/etc/passwd`` and ``/etc/group`` *as they are at that instruction*: a ``useradd`` one line
later does not count. So the question rules ask is always "created before instruction N", never
"created somewhere in the stage" (which is what ``Analysis.created_users`` answers). DJ033, DJ034
and DJ035 share this reading.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from dockerlint_django._record import field, record
from dockerlint_django.analysis import Analysis, basename
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.model import Stage, State, expand_in
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.shell import useradd
from dockerlint_django.shell.syntax import SimpleCommand

_INSTALLERS = frozenset(
    {"apt-get", "apt", "aptitude", "apk", "yum", "dnf", "microdnf", "zypper", "tdnf"}
)
_GROUPADD = frozenset({"groupadd", "addgroup"})
# groupadd(8) options that take a value; the group is the operand.
_GROUPADD_VALUE = frozenset({"-g", "--gid", "-K", "--key", "-p", "--password", "-R", "--root"})
_GROUPADD_VALUE |= {"-P", "--prefix"}
# Paths whose change means accounts appear by means this module does not read.
_ACCOUNT_FILES = ("/etc/passwd", "/etc/group")


@record(frozen=False)
class Accounts:
    """Users and groups created so far (by the Dockerfile, not the base image)."""

    users: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    # (user, primary group or None) in creation order, uids included as ("uid:<n>", group)
    created: list[tuple[str, str | None]] = field(default_factory=list)
    uids: dict[str, str | None] = field(default_factory=dict)  # uid -> primary group
    # Something created accounts in a way we cannot read (an unknown name, an edited
    # /etc/passwd, a copied passwd file): any name may exist.
    open: bool = False
    # Packages installed so far: a package's maintainer scripts may create a system user named
    # after it (Debian's `unit`, `postgresql` -> postgres, Alpine's `nginx`).
    packages: set[str] = field(default_factory=set)

    def from_package(self, name: str) -> bool:
        """A package installed so far may have created this account."""
        return any(p.startswith(name) or name.startswith(p) for p in self.packages if p)

    def primary_group(self, user: str) -> str | None:
        """The primary group of a user created here, when the command line settles it."""
        if user.isdigit():
            return self.uids.get(user)
        for name, group in reversed(self.created):
            if name == user:
                return group
        return None


def _groupadd_name(cmd: SimpleCommand) -> tuple[str | None, bool]:
    """The group ``groupadd``/``addgroup`` creates: ``(name, known)``."""
    words = cmd.words[1:]
    operands: list[str | None] = []
    i = 0
    while i < len(words):
        v = words[i].value
        i += 1
        if v is None:
            return None, False
        if v.startswith("-") and v != "-":
            if v in _GROUPADD_VALUE:
                i += 1
            continue
        operands.append(v)
    if len(operands) == 1:
        return operands[0], True
    # `addgroup USER GROUP` (Debian and BusyBox) adds an existing user to a group.
    return None, len(operands) >= 2


def _apply_command(acc: Accounts, cmd: SimpleCommand) -> None:
    name = basename(cmd.name)
    if name in ("useradd", "adduser"):
        add = useradd.parse(cmd)
        if add is None:
            return
        user = add.user
        if add.tool == "adduser" and len(add.operands) >= 2:
            return  # adds an existing user to a group
        if user is None or add.unknown:
            acc.open = True
            return
        group = add.primary_group
        acc.users.add(user)
        acc.created.append((user, group))
        uid = add.value("--uid")
        if uid is not None:
            acc.uids[uid] = group
        # A user-private group is made alongside: useradd without -g/-N, adduser --group or a
        # non-system adduser.
        if group == user:
            acc.groups.add(user)
        return
    if name in _GROUPADD:
        group_name, known = _groupadd_name(cmd)
        if not known:
            acc.open = True
        elif group_name is not None:
            acc.groups.add(group_name)
        return
    if name in _INSTALLERS:
        _note_packages(acc, cmd)
        return
    if name in ("usermod", "groupmod", "newusers", "vipw", "vigr"):
        acc.open = True
        return
    touched = [w.value for w in cmd.words[1:]] + [
        r.target.value for r in cmd.redirects if r.target is not None
    ]
    if any(v is not None and v.startswith(_ACCOUNT_FILES) for v in touched):
        acc.open = True


def _note_packages(acc: Accounts, cmd: SimpleCommand) -> None:
    words = cmd.words[1:]
    actions = [i for i, w in enumerate(words) if w.value in ("install", "add")]
    if not actions:
        return
    for w in words[actions[0] + 1 :]:
        v = w.value
        if v is None:
            acc.open = True  # `apt-get install $PACKAGES`: anything may be installed
        elif not v.startswith("-"):
            # `pkg=1.2`, `pkg/bookworm`, `pkg>=1`: the name is what comes first.
            acc.packages.add(re.split(r"[=<>/~@:]", v, maxsplit=1)[0])


def _copies_account_files(ins: Instruction, state: State) -> bool:
    if ins.keyword not in ("COPY", "ADD") or len(ins.value) < 2:
        return False
    dest = ins.value[-1]
    if not dest.startswith("/"):
        dest = posixpath.join(state.workdir or "/", dest)
    dest = posixpath.normpath(dest)
    return dest in ("/", "/etc") or dest.startswith(_ACCOUNT_FILES)


def walk(analysis: Analysis, stage: Stage) -> Iterator[tuple[Instruction, State, Accounts]]:
    """Each instruction of the stage (not its ancestors) with the accounts created before it.

    The yielded ``Accounts`` is a snapshot: later instructions do not change it.
    """
    for ins, state, acc in _walk(analysis, stage):
        if ins is not None and state is not None:
            yield ins, state, acc


def at_end(analysis: Analysis, stage: Stage) -> Accounts:
    """The accounts the stage chain has created once the stage is built."""
    for ins, _, acc in _walk(analysis, stage):
        if ins is None:
            return acc
    raise AssertionError("unreachable")


def _walk(
    analysis: Analysis, stage: Stage
) -> Iterator[tuple[Instruction | None, State | None, Accounts]]:
    acc = Accounts()
    runs = {id(r.instruction): r for r in analysis.runs if not r.onbuild}
    for s in stage.chain:
        for ins, state in s.steps():
            if s is stage:
                yield ins, state, _snapshot(acc)
            if ins.keyword == "RUN":
                run = runs.get(id(ins))
                if run is not None:
                    for cmd in run.commands:
                        _apply_command(acc, cmd)
            elif _copies_account_files(ins, state):
                acc.open = True
    yield None, None, _snapshot(acc)


def within_run(
    analysis: Analysis, ins: Instruction, before: Accounts
) -> Iterator[tuple[SimpleCommand, Accounts]]:
    """Each command of a RUN with the accounts created before it (earlier commands included)."""
    acc = _snapshot(before)
    for run in analysis.runs:
        if run.instruction is ins:
            for cmd in run.commands:
                yield cmd, _snapshot(acc)
                _apply_command(acc, cmd)
            return


def _snapshot(acc: Accounts) -> Accounts:
    return Accounts(
        set(acc.users),
        set(acc.groups),
        list(acc.created),
        dict(acc.uids),
        acc.open,
        set(acc.packages),
    )


def accounts_before(analysis: Analysis, stage: Stage, ins: Instruction) -> Accounts | None:
    """The accounts created in the stage chain before ``ins``; None if ``ins`` is not in it."""
    for step, _, acc in walk(analysis, stage):
        if step is ins:
            return acc
    return None


def owner_for(user_raw: str, user: str, acc: Accounts, stage: Stage) -> str | None:
    """``user:group`` for a ``--chown=`` naming the current USER; None when the group is unknown.

    ``user_raw`` is the USER value as written (``${APP_USER}`` keeps following its argument),
    ``user`` its expansion. The group is the one DJ031 derives: USER's own group, else the
    primary group from useradd/adduser, else nginx-unprivileged's ``nginx``.
    """
    if ":" in user:
        return user_raw
    group = acc.primary_group(user)
    if group is None and user == "nginx":
        known = stage.root_known
        if known is not None and "nginx" in known.groups:
            group = "nginx"
    if group is None:
        return None
    return f"{user_raw}:{group}"


def exists(name: str, kind: str, acc: Accounts, stage: Stage) -> bool | None:
    """Whether a user/group name exists at this point; None when it cannot be known."""
    if name.isdigit() or acc.open or acc.from_package(name):
        return True
    if name in (acc.users if kind == "user" else acc.groups):
        return True
    known = stage.root_known
    if known is None or not known.family:
        return None
    return name in (known.users if kind == "user" else known.groups) or name == "root"


def chown_fix(
    ins: Instruction,
    state: State,
    acc: Accounts,
    stage: Stage,
    escape: str,
    user_state: State | None = None,
    applicability: Applicability = Applicability.SAFE,
) -> Fix | None:
    """``--chown=<user>:<group>`` added to a COPY/ADD, when both names exist at that COPY.

    The owner is the USER in force at ``user_state`` (by default the COPY's own ``state``), as
    written in its USER instruction; it must expand to the same names at the COPY as there.
    """
    user = (user_state or state).user
    if user.value is None or user.instruction is None or not user.instruction.value:
        return None
    owner = owner_for(user.instruction.value[0], user.value, acc, stage)
    if owner is None:
        return None
    expanded = expand_in(state, owner, escape)
    if expanded is None:
        return None
    if user_state is not None and expand_in(user_state, owner, escape) != expanded:
        return None
    name, _, group = expanded.partition(":")
    if (
        exists(name, "user", acc, stage) is not True
        or exists(group, "group", acc, stage) is not True
    ):
        return None
    return Fix(
        f"Add --chown={owner}",
        (Edit.insert(ins.keyword_span.end, f" --chown={owner}"),),
        applicability,
    )
