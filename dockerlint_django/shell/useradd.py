"""Reading ``useradd`` and ``adduser`` command lines the way their option parsers do.

Both parse with getopt: short options cluster (``-rl``), and an option that takes a value swallows
the rest of its cluster or the next word (``-gl`` is group ``l``, not ``-g`` plus ``-l``). Rules
about the users an image creates (DJ031, DJ032, DJ036) share this reading so that they agree on
what a command line means.
"""

from __future__ import annotations

from dockerlint_django._record import record
from dockerlint_django.shell.syntax import SimpleCommand, Word

# useradd(8) (shadow-utils): short options that take a value.
_USERADD_SHORT_VALUE = frozenset("bcdefgGkKpRPsuZF")
_USERADD_LONG = {
    # name -> takes a value
    "--base-dir": True,
    "--btrfs-subvolume-home": False,
    "--comment": True,
    "--home-dir": True,
    "--defaults": False,
    "--expiredate": True,
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
    "l": "--no-log-init",
    "m": "--create-home",
    "M": "--no-create-home",
    "N": "--no-user-group",
    "r": "--system",
    "u": "--uid",
    "g": "--gid",
    "d": "--home-dir",
}
# adduser: Debian's Perl wrapper (long options) and BusyBox's applet (short options).
_ADDUSER_SHORT_VALUE = frozenset("hgsGuk")
_ADDUSER_LONG = {
    "--home": True,
    "--shell": True,
    "--no-create-home": False,
    "--uid": True,
    "--firstuid": True,
    "--lastuid": True,
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
    "--debug": False,
    "--force-badname": False,
    "--allow-badname": False,
    "--allow-all-names": False,
    "--encrypt-home": False,
    "--extrausers": False,
}
_ADDUSER_SHORT_LONG = {
    "u": "--uid",
    "G": "--ingroup",
    "h": "--home",
    "H": "--no-create-home",
    "S": "--system",
    "D": "--disabled-password",
}


@record
class Option:
    name: str  # the long name ("--uid"), or "-x" for a short option without one
    value: str | None  # None for a flag, or when the value is unknown
    word: Word  # the word the option is written in


@record
class UserAdd:
    """One ``useradd``/``adduser`` invocation."""

    tool: str  # "useradd" or "adduser"
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
    def user(self) -> str | None:
        """The login created; None when unknown or when ``adduser USER GROUP`` creates nobody."""
        if not self.operands or self.operands[0].value is None:
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


def _basename(word: Word) -> str | None:
    return None if word.value is None else word.value.rsplit("/", 1)[-1]


def _long_name(given: str, table: dict[str, bool]) -> str | None:
    """getopt_long's matching: an exact name, or a prefix of exactly one name."""
    if given in table:
        return given
    matches = [n for n in table if n.startswith(given)]
    return matches[0] if len(matches) == 1 else None


def parse(cmd: SimpleCommand) -> UserAdd | None:
    if not cmd.words:
        return None
    tool = _basename(cmd.words[0])
    if tool not in ("useradd", "adduser"):
        return None
    short_value = _USERADD_SHORT_VALUE if tool == "useradd" else _ADDUSER_SHORT_VALUE
    long_table = _USERADD_LONG if tool == "useradd" else _ADDUSER_LONG
    short_long = _USERADD_SHORT_LONG if tool == "useradd" else _ADDUSER_SHORT_LONG
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
