"""Recognising the commands Django images run at build time: apt-get, pip, manage.py.

Each recogniser takes a parsed simple command and returns what it does, or None when it is not
that command. Words whose value is unknown are kept as ``None`` so rules can stay silent on them.
"""

from __future__ import annotations

import re

from dockerlint_django._record import record
from dockerlint_django.shell.syntax import SimpleCommand, Word

_PYTHON = re.compile(r"^python(\d(\.\d+)?)?$")
_PIP = re.compile(r"^pip(\d(\.\d+)?)?$")


def _base(word: Word) -> str | None:
    return None if word.value is None else word.value.rsplit("/", 1)[-1]


@record
class AptCommand:
    tool: str  # "apt-get", "apt", "aptitude"
    tool_word: Word
    action: str | None  # "install", "update", …; None when unknown
    action_word: Word | None
    options: tuple[Word, ...]  # every word starting with "-" (and the values of -o)
    packages: tuple[Word, ...]
    command: SimpleCommand

    @property
    def installs_packages(self) -> bool:
        """An install that names packages: `apt-get -f install` (`--fix-broken`) with none only
        completes what is already installed."""
        return self.action == "install" and bool(self.packages)


_APT_VALUE_OPTS = frozenset({"-o", "--option", "-c", "--config-file", "-t", "--target-release"})


def apt(cmd: SimpleCommand) -> AptCommand | None:
    words = cmd.words
    if not words or _base(words[0]) not in ("apt-get", "apt", "aptitude"):
        return None
    tool = _base(words[0]) or ""
    action: str | None = None
    action_word: Word | None = None
    options: list[Word] = []
    packages: list[Word] = []
    i = 1
    while i < len(words):
        w = words[i]
        v = w.value
        if v is not None and v.startswith("-"):
            options.append(w)
            if v in _APT_VALUE_OPTS and i + 1 < len(words):
                options.append(words[i + 1])
                i += 1
        elif action_word is None:
            action_word = w
            action = v
        else:
            packages.append(w)
        i += 1
    return AptCommand(tool, words[0], action, action_word, tuple(options), tuple(packages), cmd)


@record
class PipInstall:
    """``pip install …`` in any of its spellings, including ``python -m pip`` and ``uv pip``."""

    command: SimpleCommand
    install_word: Word  # the "install" (or "sync") word: fixes insert options after it
    tool: str  # "pip" or "uv"
    options: tuple[Word, ...]
    requirement_files: tuple[Word, ...]  # values of -r/--requirement (and uv pip sync's files)
    packages: tuple[Word, ...]

    def has_option(self, *names: str) -> bool:
        for w in self.options:
            v = w.value
            if v is None:
                continue
            if v in names or any(v.startswith(n + "=") for n in names if n.startswith("--")):
                return True
        return False


_PIP_VALUE_OPTS = frozenset(
    [
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-e",
        "--editable",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "--src",
        "--upgrade-strategy",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--progress-bar",
        "--cache-dir",
        "--log",
        "--proxy",
        "--retries",
        "--timeout",
        "--trusted-host",
        "--cert",
        "--client-cert",
        "--global-option",
        "--config-settings",
        "-C",
        "--python",
        "--report",
    ]
)


def pip_install(cmd: SimpleCommand) -> PipInstall | None:
    words = list(cmd.words)
    if not words:
        return None
    first = _base(words[0]) or ""
    rest: list[Word]
    tool = "pip"
    if _PIP.match(first):
        rest = words[1:]
    elif _PYTHON.match(first):
        # python [-X opt] -m pip …
        i = 1
        while i < len(words) and (words[i].value or "").startswith("-") and words[i].value != "-m":
            i += 1
        if i + 1 < len(words) and words[i].value == "-m" and _PIP.match(words[i + 1].value or ""):
            rest = words[i + 2 :]
        else:
            return None
    elif first == "uv" and len(words) > 1 and words[1].value == "pip":
        tool = "uv"
        rest = words[2:]
    else:
        return None
    # Global options may precede the subcommand: `pip --no-cache-dir install …`.
    idx = next((k for k, w in enumerate(rest) if not (w.value or "-").startswith("-")), None)
    if idx is None:
        return None
    verb = rest[idx].value
    if verb not in ("install", "sync") or (verb == "sync" and tool != "uv"):
        return None
    options: list[Word] = list(rest[:idx])
    req_files: list[Word] = []
    packages: list[Word] = []
    args = rest[idx + 1 :]
    k = 0
    while k < len(args):
        w = args[k]
        v = w.value
        if v is not None and v.startswith("-"):
            options.append(w)
            name = v.split("=", 1)[0]
            if name in _PIP_VALUE_OPTS and "=" not in v and not (v.startswith("-r") and len(v) > 2):
                if k + 1 < len(args):
                    options.append(args[k + 1])
                    if name in ("-r", "--requirement"):
                        req_files.append(args[k + 1])
                    k += 1
            elif v.startswith("--requirement="):
                req_files.append(w)
        elif verb == "sync":
            req_files.append(w)
        else:
            packages.append(w)
        k += 1
    return PipInstall(cmd, rest[idx], tool, tuple(options), tuple(req_files), tuple(packages))


@record
class DjangoCommand:
    """``python manage.py X``, ``./manage.py X``, ``django-admin X``, ``python -m django X``."""

    command: SimpleCommand
    name: str | None  # the management command ("collectstatic"); None when unknown
    name_word: Word
    args: tuple[Word, ...]  # words after the management command


def django_command(cmd: SimpleCommand) -> DjangoCommand | None:
    words = list(cmd.words)
    if not words:
        return None
    first = _base(words[0]) or ""
    i: int
    if first in ("django-admin", "django-admin.py", "manage.py"):
        i = 1
    elif _PYTHON.match(first):
        j = 1
        while j < len(words) and (words[j].value or "").startswith("-") and words[j].value != "-m":
            j += 1
        if j < len(words) and words[j].value == "-m":
            if j + 1 < len(words) and words[j + 1].value == "django":
                i = j + 2
            else:
                return None
        elif j < len(words) and (_base(words[j]) or "") == "manage.py":
            i = j + 1
        else:
            return None
    else:
        return None
    # Options may come before the management command: `manage.py --settings=x collectstatic`.
    while i < len(words) and (words[i].value or "").startswith("-"):
        i += 1
    if i >= len(words):
        return None
    return DjangoCommand(cmd, words[i].value, words[i], tuple(words[i + 1 :]))
