"""Reading ``useradd`` and ``adduser`` command lines the way their option parsers do.

Three programs answer to these names. ``useradd`` is shadow-utils' everywhere; so is ``adduser`` on
Fedora, RHEL and their kin, where it is a link to ``useradd``. Debian's ``adduser`` is a Perl
wrapper whose Getopt::Long takes long options with one dash or two (``-system`` is
``--system``) and unique abbreviations. BusyBox's (Alpine) parses with getopt: short options
cluster (``-SD``), and an option that takes a value swallows the rest of its cluster or the next
word (``-gl`` is group ``l``, not ``-g`` plus ``-l``); so does shadow's ``useradd``.

``family`` is the base image's distribution family when it is known; without it, an ``adduser``
word that Debian and BusyBox would read differently (``-system``) makes the command unknown, and
so does an option neither of them has. Rules about the users an image creates (DJ031, DJ032,
DJ036, and ``accounts``) share this reading so that they agree on what a command line means.
"""

from __future__ import annotations

from dockerlint_django._record import record
from dockerlint_django.shell.syntax import SimpleCommand, Word

# Families whose `adduser` is shadow-utils' useradd under another name, and BusyBox's applet.
USERADD_FAMILIES = frozenset({"rhel", "fedora", "centos", "amazonlinux"})
_BUSYBOX_FAMILIES = frozenset({"alpine", "wolfi", "busybox"})

# useradd(8) (shadow-utils): short options that take a value.
_USERADD_SHORT_VALUE = frozenset("bcdefgGkKpRPsuZF")
_USERADD_LONG = {
    # name -> takes a value
    "--add-subids-for-system": False,
    "--badname": False,
    "--base-dir": True,
    "--btrfs-subvolume-home": False,
    "--comment": True,
    "--home-dir": True,
    "--defaults": False,
    "--expiredate": True,
    "--extrausers": False,
    "--inactive": True,
    "--gid": True,
    "--groups": True,
    "--help": False,
    "--skel": True,
    "--key": True,
    "--no-log-init": False,
    "--create-home": False,
    "--no-create-home": False,
    "--no-user-group": False,
    "--non-unique": False,
    "--password": True,
    "--system": False,
    "--root": True,
    "--prefix": True,
    "--shell": True,
    "--uid": True,
    "--user-group": False,
    "--selinux-user": True,
    "--selinux-range": True,
}
_USERADD_SHORT_LONG = {
    "b": "--base-dir",
    "c": "--comment",
    "d": "--home-dir",
    "D": "--defaults",
    "e": "--expiredate",
    "f": "--inactive",
    "F": "--add-subids-for-system",
    "g": "--gid",
    "G": "--groups",
    "h": "--help",
    "k": "--skel",
    "K": "--key",
    "l": "--no-log-init",
    "m": "--create-home",
    "M": "--no-create-home",
    "N": "--no-user-group",
    "o": "--non-unique",
    "p": "--password",
    "P": "--prefix",
    "r": "--system",
    "R": "--root",
    "s": "--shell",
    "u": "--uid",
    "U": "--user-group",
    "Z": "--selinux-user",
}
# Debian's adduser (Getopt::Long): every option is long; `-c` is --conf, `-q` --quiet.
_DEBIAN_LONG = {
    "--home": True,
    "--shell": True,
    "--no-create-home": False,
    "--uid": True,
    "--firstuid": True,
    "--lastuid": True,
    "--firstgid": True,
    "--lastgid": True,
    "--gecos": True,
    "--comment": True,
    "--ingroup": True,
    "--gid": True,
    "--group": False,
    "--system": False,
    "--disabled-password": False,
    "--disabled-login": False,
    "--add-extra-groups": False,
    "--add_extra_groups": False,
    "--conf": True,
    "--quiet": False,
    "--verbose": False,
    "--debug": False,
    "--help": False,
    "--version": False,
    "--force-badname": False,
    "--allow-badname": False,
    "--allow-bad-names": False,
    "--allow-all-names": False,
    "--encrypt-home": False,
    "--extrausers": False,
    "--stdoutmsglevel": True,
    "--stderrmsglevel": True,
    "--logmsglevel": True,
}
_DEBIAN_SHORT_LONG = {"c": "--conf", "q": "--quiet", "h": "--help", "v": "--verbose"}
# BusyBox's adduser: getopt_long with these long names.
_BUSYBOX_SHORT_VALUE = frozenset("hgsGuk")
_BUSYBOX_LONG = {
    "--home": True,
    "--gecos": True,
    "--shell": True,
    "--ingroup": True,
    "--disabled-password": False,
    "--empty-password": False,
    "--system": False,
    "--no-create-home": False,
    "--uid": True,
    "--skel": True,
}
_BUSYBOX_SHORT_LONG = {
    "h": "--home",
    "g": "--gecos",
    "s": "--shell",
    "G": "--ingroup",
    "D": "--disabled-password",
    "S": "--system",
    "H": "--no-create-home",
    "u": "--uid",
    "k": "--skel",
}


@record
class Option:
    name: str  # the long name ("--uid"), or "-x" for a short option without one
    value: str | None  # None for a flag, or when the value is unknown
    word: Word  # the word the option is written in


@record
class UserAdd:
    """One ``useradd``/``adduser`` invocation."""

    # What parses the command line: "useradd" (shadow-utils, also `adduser` on Fedora/RHEL) or
    # "adduser" (Debian's or BusyBox's).
    tool: str
    command: SimpleCommand
    tool_word: Word
    options: tuple[Option, ...]
    operands: tuple[Word, ...]
    unknown: bool  # some option word's value is unknown: any option may be set

    def has(self, name: str) -> bool:
        return any(o.name == name for o in self.options)

    def value(self, name: str) -> str | None:
        found = [o for o in self.options if o.name == name]
        return found[-1].value if found else None

    def option(self, name: str) -> Option | None:
        found = [o for o in self.options if o.name == name]
        return found[-1] if found else None

    @property
    def creates_user(self) -> bool:
        """The command creates an account (``useradd -D`` only prints or sets defaults)."""
        return not (self.has("--defaults") or self.has("--help") or self.has("--version"))

    @property
    def user(self) -> str | None:
        """The login created; None when unknown or when ``adduser USER GROUP`` creates nobody."""
        if not self.operands or self.operands[0].value is None or not self.creates_user:
            return None
        if self.tool == "adduser" and len(self.operands) >= 2:
            return None
        return self.operands[0].value

    @property
    def creates_home(self) -> bool | None:
        """Whether a home folder is made: useradd only with ``-m``; adduser unless told not to."""
        if self.unknown:
            return None
        if self.tool == "useradd":
            if self.has("--no-create-home"):
                return False
            # Without -m, CREATE_HOME in /etc/login.defs decides; Debian ships it unset (no), and
            # -r never makes one.
            return self.has("--create-home")
        return not self.has("--no-create-home")

    @property
    def primary_group(self) -> str | None:
        """The primary group's name (or gid), when the command line settles it."""
        if self.unknown:
            return None
        if self.tool == "useradd":
            if self.has("--gid"):
                return self.value("--gid")
            if self.has("--no-user-group"):
                return None  # /etc/default/useradd's GROUP decides
            return self.user
        if self.has("--ingroup"):
            return self.value("--ingroup")
        if self.has("--gid"):
            return self.value("--gid")
        if self.has("--system") and not self.has("--group"):
            # Debian's `adduser --system` puts the user in `nogroup`, BusyBox's `adduser -S` too
            # unless told otherwise: not a group named after the user.
            return None
        return self.user

    @property
    def extra_groups(self) -> frozenset[str] | None:
        """The supplementary groups the command gives the user; None when not known.

        ``useradd -G a,b``; Debian's ``adduser --add-extra-groups`` adds adduser.conf's
        EXTRA_GROUPS, which are not known here. BusyBox's ``-G`` is the primary group.
        """
        if self.unknown:
            return None
        if self.tool == "useradd":
            found = [o for o in self.options if o.name == "--groups"]
            if not found:
                return frozenset()
            value = found[-1].value
            if value is None:
                return None
            return frozenset(g for g in value.split(",") if g)
        if self.has("--add-extra-groups") or self.has("--add_extra_groups"):
            return None
        return frozenset()


def _basename(word: Word) -> str | None:
    return None if word.value is None else word.value.rsplit("/", 1)[-1]


def _long_name(given: str, table: dict[str, bool]) -> str | None:
    """getopt_long's matching: an exact name, or a prefix of exactly one name."""
    if given in table:
        return given
    matches = [n for n in table if n.startswith(given)]
    return matches[0] if len(matches) == 1 else None


def parse(cmd: SimpleCommand, family: str = "") -> UserAdd | None:
    """The command as ``useradd``/``adduser`` reads it; None for another command.

    ``family`` is the base image's distribution family ("debian", "alpine", "rhel", …; "" when
    unknown): it decides which ``adduser`` runs.
    """
    if not cmd.words:
        return None
    name = _basename(cmd.words[0])
    if name not in ("useradd", "adduser"):
        return None
    if name == "useradd" or family in USERADD_FAMILIES:
        return _parse_getopt(
            cmd, "useradd", _USERADD_SHORT_VALUE, _USERADD_LONG, _USERADD_SHORT_LONG
        )
    if family == "debian":
        return _parse_debian(cmd)
    if family in _BUSYBOX_FAMILIES:
        return _parse_getopt(
            cmd, "adduser", _BUSYBOX_SHORT_VALUE, _BUSYBOX_LONG, _BUSYBOX_SHORT_LONG
        )
    # Either wrapper may run: read it as both, and trust only what they agree on.
    busybox = _parse_getopt(
        cmd, "adduser", _BUSYBOX_SHORT_VALUE, _BUSYBOX_LONG | _DEBIAN_LONG, _BUSYBOX_SHORT_LONG
    )
    if busybox.unknown:
        return busybox
    for w in cmd.words[1:]:
        v = w.value or ""
        if v == "--":
            break
        if len(v) > 2 and v.startswith("-") and not v.startswith("--"):
            # `-system`: Debian's --system, BusyBox's `-s ystem` (a shell).
            given = "--" + v[1:].partition("=")[0].lower()
            if _long_name(given, _DEBIAN_LONG) is not None:
                return UserAdd(
                    "adduser", cmd, cmd.words[0], busybox.options, busybox.operands, True
                )
    return busybox


def _parse_getopt(
    cmd: SimpleCommand,
    tool: str,
    short_value: frozenset[str],
    long_table: dict[str, bool],
    short_long: dict[str, str],
) -> UserAdd:
    options: list[Option] = []
    operands: list[Word] = []
    unknown = False
    words = cmd.words[1:]
    i = 0
    only_operands = False
    while i < len(words):
        w = words[i]
        v = w.value
        i += 1
        if v is None:
            unknown = True
            operands.append(w)
            continue
        if only_operands or not v.startswith("-") or v == "-":
            operands.append(w)
            continue
        if v == "--":
            only_operands = True
            continue
        if v.startswith("--"):
            given, eq, inline = v.partition("=")
            name = _long_name(given, long_table)
            if name is None:
                # An option this reading does not have: whether it takes a value, and so which
                # words are operands, is not known.
                unknown = True
                options.append(Option(given, inline if eq else None, w))
                continue
            value: str | None = None
            if long_table[name]:
                if eq:
                    value = inline
                elif i < len(words):
                    value = words[i].value
                    i += 1
            options.append(Option(name, value, w))
            continue
        k = 1
        while k < len(v):
            c = v[k]
            name = short_long.get(c, f"-{c}")
            if c in short_value:
                rest = v[k + 1 :]
                if rest:
                    value = rest
                elif i < len(words):
                    value = words[i].value
                    i += 1
                else:
                    value = None
                options.append(Option(name, value, w))
                break
            options.append(Option(name, None, w))
            k += 1
    return UserAdd(tool, cmd, cmd.words[0], tuple(options), tuple(operands), unknown)


def _parse_debian(cmd: SimpleCommand) -> UserAdd:
    """Debian's adduser: Getopt::Long, one dash or two, unique abbreviations, any case."""
    options: list[Option] = []
    operands: list[Word] = []
    unknown = False
    words = cmd.words[1:]
    i = 0
    only_operands = False
    while i < len(words):
        w = words[i]
        v = w.value
        i += 1
        if v is None:
            unknown = True
            operands.append(w)
            continue
        if only_operands or not v.startswith("-") or v == "-":
            operands.append(w)
            continue
        if v == "--":
            only_operands = True
            continue
        body, eq, inline = v.lstrip("-").partition("=")
        name = _DEBIAN_SHORT_LONG.get(body) if len(body) == 1 else None
        if name is None:
            name = _long_name("--" + body.lower(), _DEBIAN_LONG)
        if name is None:
            unknown = True  # adduser stops with an error, or an option this tool does not know
            options.append(Option(v, inline if eq else None, w))
            continue
        value: str | None = None
        if _DEBIAN_LONG[name]:
            if eq:
                value = inline
            elif i < len(words):
                value = words[i].value
                i += 1
        options.append(Option(name, value, w))
    return UserAdd("adduser", cmd, cmd.words[0], tuple(options), tuple(operands), unknown)
