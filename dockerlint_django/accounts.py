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
import weakref
from collections.abc import Iterator
from typing import Final

from dockerlint_django._record import field, record
from dockerlint_django.analysis import Analysis, StageIndex, basename
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

# Each snapshot ``walk`` hands out is a copy of the accounts, so a file that creates users (or
# installs packages) on every line costs the square of its length. Past this many entries copied
# along one stage chain the accounts become unknown: any name may exist, memberships and primary
# groups are not known. A real Dockerfile copies a few thousand at most.
MAX_SNAPSHOT_WORK: Final = 1_000_000


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
    # Accounts or group lists changed in a way not read here other than by installing packages
    # (an edited /etc/group, `usermod -l`, a copied passwd file): memberships are not known.
    edited: bool = False
    # Packages installed so far: a package's maintainer scripts may create a system user named
    # after it (Debian's `unit`, `postgresql` -> postgres, Alpine's `nginx`).
    packages: set[str] = field(default_factory=set)
    # Supplementary groups given to users (`useradd -G`, `usermod -aG`, `adduser USER GROUP`,
    # `gpasswd -a`); None when some were given but which is not known.
    extra: dict[str, frozenset[str] | None] = field(default_factory=dict)
    uid_users: dict[str, str] = field(default_factory=dict)  # uid -> the user created with it
    # MAX_SNAPSHOT_WORK was spent: nothing is followed any more, every question is unknown.
    exhausted: bool = False
    work: int = field(default=0, compare=False, repr=False)  # entries copied in the chain so far

    def from_package(self, name: str) -> bool:
        """A package installed so far may have created this account."""
        return any(p.startswith(name) or name.startswith(p) for p in self.packages if p)

    def mark_edited(self) -> None:
        self.open = True
        self.edited = True

    def extra_groups(self, user: str) -> frozenset[str] | None:
        """The supplementary groups given to a user here (empty: none); None when unknown."""
        if self.exhausted:
            return None
        if user.isdigit():
            user = self.uid_users.get(user, user)
        return self.extra.get(user, frozenset())

    def add_extra(self, user: str, groups: frozenset[str] | None) -> None:
        if user in self.extra and self.extra[user] is None:
            return
        if groups is None:
            self.extra[user] = None
            return
        self.extra[user] = (self.extra.get(user) or frozenset()) | groups

    def primary_group(self, user: str) -> str | None:
        """The primary group of a user created here, when the command line settles it."""
        if self.exhausted:
            return None
        if user.isdigit():
            return self.uids.get(user)
        for name, group in reversed(self.created):
            if name == user:
                return group
        return None


def _groupadd_operands(cmd: SimpleCommand) -> list[str] | None:
    """The operands of ``groupadd``/``addgroup``; None when a word is not known."""
    words = cmd.words[1:]
    operands: list[str] = []
    i = 0
    while i < len(words):
        v = words[i].value
        i += 1
        if v is None:
            return None
        if v.startswith("-") and v != "-":
            if v in _GROUPADD_VALUE:
                i += 1
            continue
        operands.append(v)
    return operands


# The commands _apply_command follows; any other only counts when it writes an account file.
_FOLLOWED = frozenset(
    {"useradd", "adduser", "usermod", "gpasswd", "groupmod", "newusers", "vipw", "vigr"}
    | _GROUPADD
    | _INSTALLERS
)


def _changes_accounts(cmd: SimpleCommand) -> bool:
    """The command may change the accounts: False means _apply_command would leave them be."""
    if basename(cmd.name) in _FOLLOWED:
        return True
    # Asked of every command of every RUN (a heredoc's hundred thousand): no list, no generator.
    for w in cmd.words[1:]:
        v = w.value
        if v is not None and v.startswith(_ACCOUNT_FILES):
            return True
    for r in cmd.redirects:
        if r.target is not None:
            v = r.target.value
            if v is not None and v.startswith(_ACCOUNT_FILES):
                return True
    return False


def _apply_command(acc: Accounts, cmd: SimpleCommand, family: str = "") -> None:
    if acc.exhausted:
        return
    name = basename(cmd.name)
    if name in ("useradd", "adduser"):
        _useradd(acc, cmd, family)
    elif name in _GROUPADD:
        operands = _groupadd_operands(cmd)
        if operands is None or not 1 <= len(operands) <= 2:
            acc.mark_edited()
        elif len(operands) == 1:
            acc.groups.add(operands[0])
        else:
            # `addgroup USER GROUP` (Debian and BusyBox) adds an existing user to a group.
            acc.add_extra(operands[0], frozenset({operands[1]}))
    elif name in _INSTALLERS:
        _note_packages(acc, cmd)
    elif name == "usermod":
        _usermod(acc, cmd)
    elif name == "gpasswd":
        _gpasswd(acc, cmd)
    elif name in ("groupmod", "newusers", "vipw", "vigr") or _changes_accounts(cmd):
        acc.mark_edited()


def _useradd(acc: Accounts, cmd: SimpleCommand, family: str) -> None:
    add = useradd.parse(cmd, family)
    if add is None or not add.creates_user:
        return
    if add.tool == "adduser" and len(add.operands) >= 2:
        # `adduser USER GROUP` (Debian and BusyBox) adds an existing user to a group.
        member, group = add.operands[0].value, add.operands[1].value
        if add.unknown or member is None:
            acc.mark_edited()
        else:
            acc.add_extra(member, None if group is None else frozenset({group}))
        return
    user = add.user
    if user is None or add.unknown:
        acc.mark_edited()
        return
    group = add.primary_group
    acc.users.add(user)
    acc.created.append((user, group))
    uid = add.value("--uid")
    if uid is not None:
        acc.uids[uid] = group
        acc.uid_users[uid] = user
    extra = add.extra_groups
    if extra is None or extra:
        acc.add_extra(user, extra)
    # A user-private group is made alongside: useradd without -g/-N, adduser --group or a
    # non-system adduser.
    if group == user:
        acc.groups.add(user)


# usermod(8): options that take a value (short and long), and those this module follows.
_USERMOD_SHORT_VALUE = frozenset("cdefgGlpsuRPZ")
_USERMOD_LONG_VALUE = frozenset(
    {"--comment", "--home", "--expiredate", "--inactive", "--gid", "--groups", "--login"}
    | {"--password", "--shell", "--uid", "--root", "--prefix", "--selinux-user"}
    | {"--selinux-range", "--add-subuids", "--del-subuids", "--add-subgids", "--del-subgids"}
)
_USERMOD_SHORT_NAMES = {"g": "--gid", "G": "--groups", "u": "--uid", "l": "--login"}


def _usermod(acc: Accounts, cmd: SimpleCommand) -> None:
    """``usermod``: its primary group (-g), supplementary groups (-G) and uid (-u) changes."""
    found: dict[str, str | None] = {}
    operands: list[str | None] = []
    words = cmd.words[1:]
    i = 0
    while i < len(words):
        v = words[i].value
        i += 1
        if v is None:
            acc.mark_edited()
            return
        if not v.startswith("-") or v == "-":
            operands.append(v)
            continue
        if v.startswith("--"):
            given, eq, inline = v.partition("=")
            if given in _USERMOD_LONG_VALUE:
                if eq:
                    found[given] = inline
                else:
                    found[given] = words[i].value if i < len(words) else None
                    i += 1
            else:
                found[given] = None
            continue
        for k, c in enumerate(v[1:], start=1):
            long = _USERMOD_SHORT_NAMES.get(c, f"-{c}")
            if c in _USERMOD_SHORT_VALUE:
                rest = v[k + 1 :]
                if rest:
                    found[long] = rest
                else:
                    found[long] = words[i].value if i < len(words) else None
                    i += 1
                break
            found[long] = None
    if len(operands) != 1 or operands[0] is None or "--login" in found:
        acc.mark_edited()  # a renamed login, or not one known user
        return
    user = operands[0]
    if "--groups" in found:
        value = found["--groups"]
        groups = None if value is None else frozenset(g for g in value.split(",") if g)
        if "-a" not in found and "--append" not in found and groups is not None:
            acc.extra[user] = groups  # without -a, -G replaces the list
        else:
            acc.add_extra(user, groups)
    if "--gid" in found:
        acc.created.append((user, found["--gid"]))
    uid = found.get("--uid")
    if "--uid" in found:
        if uid is None:
            acc.mark_edited()
        else:
            acc.uids[uid] = acc.primary_group(user)
            acc.uid_users[uid] = user


def _gpasswd(acc: Accounts, cmd: SimpleCommand) -> None:
    """``gpasswd -a USER GROUP`` and ``gpasswd -M USER,… GROUP`` add members to a group."""
    values = [w.value for w in cmd.words[1:]]
    flag = next((v for v in values if v in ("-a", "--add", "-M", "--members")), None)
    if flag is None:
        return  # removes members, or sets a password or administrators
    at = values.index(flag)
    if any(v is None for v in values) or len(values) < at + 3:
        acc.mark_edited()
        return
    group = values[-1]
    for user in (values[at + 1] or "").split(","):
        if user:
            acc.add_extra(user, None if group is None else frozenset({group}))


def _note_packages(acc: Accounts, cmd: SimpleCommand) -> None:
    words = cmd.words[1:]
    actions = [i for i, w in enumerate(words) if w.value in ("install", "add")]
    if not actions:
        return
    for w in words[actions[0] + 1 :]:
        v = w.value
        if v is None:
            acc.open = True  # `apt-get install $PACKAGES`: any package may be installed
        elif not v.startswith("-"):
            # `pkg=1.2`, `pkg/bookworm`, `pkg>=1`: the name is what comes first.
            acc.packages.add(re.split(r"[=<>/~@:]", v, maxsplit=1)[0])


_ARCHIVES = (".tar", ".tgz", ".tbz", ".tbz2", ".txz", ".tzst", ".gz", ".bz2", ".xz", ".zst")


def _copies_account_files(ins: Instruction, state: State) -> bool:
    """The COPY/ADD may replace /etc/passwd or /etc/group: it writes them, or a folder into
    ``/`` or ``/etc`` that may hold them (a file with an extension, ``entrypoint.sh``, cannot)."""
    if ins.keyword not in ("COPY", "ADD") or len(ins.value) < 2:
        return False
    dest = ins.value[-1]
    if not dest.startswith("/"):
        dest = posixpath.join(state.workdir or "/", dest)
    dest = posixpath.normpath(dest)
    if dest.startswith(_ACCOUNT_FILES):
        return True
    if dest not in ("/", "/etc"):
        return False
    for src in ins.value[:-1]:
        base = posixpath.basename(src.rstrip("/"))
        if ins.keyword == "ADD" and base.endswith(_ARCHIVES):
            return True  # ADD unpacks a local archive over the folder
        if base in ("passwd", "group") or "." not in base.strip(".") or "$" in base:
            return True  # a folder (or a name not known) may hold etc/passwd
    return False


def walk(analysis: Analysis, stage: Stage) -> Iterator[tuple[Instruction, State, Accounts]]:
    """Each instruction of the stage (not its ancestors) with the accounts created before it.

    The yielded ``Accounts`` is a snapshot: later instructions do not change it. Snapshots are
    shared (between steps that change nothing, and between calls): read them, never change them.
    """
    yield from _stage_walk(analysis, stage).steps


def at_end(analysis: Analysis, stage: Stage) -> Accounts:
    """The accounts the stage chain has created once the stage is built."""
    return _stage_walk(analysis, stage).end


def _family(stage: Stage) -> str:
    """The base image's distribution: which `adduser` runs (accounts known or not)."""
    known = stage.root_known
    return (known.distribution or "") if known is not None else ""


@record
class _StageWalk:
    steps: list[tuple[Instruction, State, Accounts]]
    end: Accounts


# Walks by model (the analyses of its targets share one StageIndex) and stage index: every rule
# walks every stage, and a stage's walk starts from its parent's end instead of walking the
# whole chain again.
_WALKS: weakref.WeakKeyDictionary[StageIndex, dict[int, _StageWalk]] = weakref.WeakKeyDictionary()


def _stage_walk(analysis: Analysis, stage: Stage) -> _StageWalk:
    memo = _WALKS.setdefault(analysis.index, {})
    found = memo.get(stage.index)
    if found is not None:
        return found
    # The stages from the nearest ancestor already walked, found by parent links (``chain``
    # would cost the whole depth for every stage of a deep chain), walked oldest first and
    # without recursion (a chain may be thousands of stages deep).
    pending: list[Stage] = []
    s: Stage | None = stage
    while s is not None and s.index not in memo:
        pending.append(s)
        s = s.parent
    end = None if s is None else memo[s.index].end
    family = _family(stage)
    for s in reversed(pending):
        walked = _walk_stage(analysis, s, end, family)
        memo[s.index] = walked
        end = walked.end
    return memo[stage.index]


def _walk_stage(
    analysis: Analysis, stage: Stage, start: Accounts | None, family: str
) -> _StageWalk:
    current = start if start is not None else Accounts()
    acc: Accounts | None = None  # the accounts as they change, once something changes them
    steps: list[tuple[Instruction, State, Accounts]] = []
    for ins, state in stage.steps():
        steps.append((ins, state, current))
        changed = False
        if ins.keyword == "RUN":
            run = analysis.run_of(ins)
            if run is not None and not run.onbuild:
                for cmd in run.commands:
                    if _changes_accounts(cmd):
                        acc = acc if acc is not None else _copy(current)
                        _apply_command(acc, cmd, family)
                        changed = True
        elif _copies_account_files(ins, state):
            acc = acc if acc is not None else _copy(current)
            acc.mark_edited()
            changed = True
        if changed:
            assert acc is not None
            current = _copy(acc)
            acc.work, acc.exhausted = current.work, current.exhausted
    return _StageWalk(steps, current)


def within_run(
    analysis: Analysis, ins: Instruction, before: Accounts
) -> Iterator[tuple[SimpleCommand, Accounts]]:
    """Each command of a RUN with the accounts created before it (earlier commands included)."""
    run = analysis.run_of(ins)
    if run is None:
        return
    family = _family(run.stage) if run.stage is not None else ""
    current = before
    acc: Accounts | None = None
    for cmd in run.commands:
        yield cmd, current
        if _changes_accounts(cmd):
            acc = acc if acc is not None else _copy(current)
            _apply_command(acc, cmd, family)
            current = _copy(acc)
            acc.work, acc.exhausted = current.work, current.exhausted


def _size(acc: Accounts) -> int:
    return (
        1
        + len(acc.users)
        + len(acc.groups)
        + len(acc.created)
        + len(acc.uids)
        + len(acc.packages)
        + len(acc.extra)
        + len(acc.uid_users)
    )


def _copy(acc: Accounts) -> Accounts:
    """A copy of ``acc``, which is left as it is; past MAX_SNAPSHOT_WORK the copy is unknown."""
    work = acc.work + _size(acc)
    if acc.exhausted or work > MAX_SNAPSHOT_WORK:
        # Nothing is asked of exhausted accounts: they hold no names, and copying costs nothing.
        return Accounts(open=True, edited=True, exhausted=True, work=acc.work)
    return Accounts(
        users=set(acc.users),
        groups=set(acc.groups),
        created=list(acc.created),
        uids=dict(acc.uids),
        open=acc.open,
        edited=acc.edited,
        packages=set(acc.packages),
        extra=dict(acc.extra),
        uid_users=dict(acc.uid_users),
        work=work,
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
) -> Fix | None:
    """``--chown=<user>:<group>`` added to a COPY/ADD, when both names exist at that COPY.

    The owner is the USER in force at ``user_state`` (by default the COPY's own ``state``), as
    written in its USER instruction; it must expand to the same names at the COPY as there.
    Always unsafe: the app's user can then write files that were root's, which may be on purpose.
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
        Applicability.UNSAFE,
    )
