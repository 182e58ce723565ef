"""Recognising the commands Django images run at build time: apt-get, pip, manage.py.

Each recogniser takes a parsed simple command and returns what it does, or None when it is not
that command. Words whose value is unknown are kept as ``None`` so rules can stay silent on them.

A word whose value is unknown does not make every question unknown. ``hidden`` on a recognised
command lists only the unknown words that could stand for options (``$PIP_FLAGS``, ``-$Q``); a
word that is the argument of an option (``-r ${APP_DIR}/requirements.txt``), one with literal text
besides its variables (``${APP_DIR}/requirements.txt``, ``postgresql-$PG_MAJOR``) or a variable
whose name says it holds operands (``$BUILD_DEPS``, ``$PACKAGES``, ``"$CODE_DIR"``) cannot.
``known_environment`` and ``expand_known`` give the words the values ``ENV`` and ``ARG`` give the
shell, so that ``ARG PIP_FLAGS=--no-cache-dir`` is read as written.
"""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import Final, TypeVar, cast

from dockerlint_django._record import LazyPattern, record, replace
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.shell.syntax import Script, SimpleCommand, Word
from dockerlint_django.source import Mapped, Span

_PYTHON = LazyPattern(r"^python(\d(\.\d+)?)?$")
_PIP = LazyPattern(r"^pip(\d(\.\d+)?)?$")


def _base(word: Word) -> str | None:
    value = word.value
    return None if value is None else value[value.rfind("/") + 1 :]


# -- words whose value is unknown ------------------------------------------------------------------

_IDENT = LazyPattern(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Name parts that say a variable holds options, and parts that say it holds operands.
_OPTION_PARTS = frozenset(
    {"opt", "opts", "option", "options", "flag", "flags", "arg", "args", "argument", "arguments"}
    | {"param", "params", "parameters"}
)
_OPERAND_PARTS = frozenset(
    {"package", "packages", "pkg", "pkgs", "dep", "deps", "dependency", "dependencies"}
    | {"requirement", "requirements", "req", "reqs", "lib", "libs", "libraries", "wheel", "wheels"}
    | {"dir", "directory", "path", "file", "files", "src", "source", "sources", "url", "version"}
)
_NAME_PARTS = LazyPattern(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def names_operands(name: str) -> bool:
    """The variable's name says it holds operands: ``BUILD_DEPS``, ``buildDeps``, ``CODE_DIR``.

    A name with an option-like part (``PIP_INSTALL_ARGS``, ``APT_OPTS``, ``EXTRA_DEPS_FLAGS``) or
    none of the operand parts (``X``, ``STUFF``) may hold options.
    """
    parts = {p.lower() for p in _NAME_PARTS.findall(name)}
    return not (parts & _OPTION_PARTS) and bool(parts & _OPERAND_PARTS)


def _literal_besides_expansions(word: Word) -> bool:
    """The word has source text of its own next to its expansions (quotes aside)."""
    spans = [e.span for e in word.expansions]
    raw = word.raw
    for ch, at in zip(raw.text, raw.starts, strict=True):
        if ch in "\"'":
            continue
        if not any(s.start <= at < s.end for s in spans):
            return True
    return False


def could_hold_options(
    word: Word,
    value_options: frozenset[str] = frozenset(),
    settings: frozenset[str] = frozenset(),
) -> bool:
    """Whether an unknown word could supply an option the command is checked for.

    ``value_options`` are the options whose argument is the rest of a short option
    (``-rfile``); ``settings`` the options whose argument can itself set anything (apt's
    ``-oAPT::Get::Assume-Yes=…``). A known word is judged by its value, not here.
    """
    if word.value is not None:
        return False
    prefix = word.prefix.text
    if prefix:
        if not prefix.startswith("-"):
            return False  # `postgresql-$PG_MAJOR`, `/wheels/*`: an operand whatever follows
        if prefix.startswith("--"):
            name = prefix.split("=", 1)[0]
            return "=" not in prefix or name in settings
        short = prefix[:2]
        return len(prefix) < 2 or short not in value_options or short in settings
    if _literal_besides_expansions(word):
        return False  # `${APP_DIR}/requirements.txt`
    return not all(
        e.kind == "parameter" and e.name is not None and names_operands(e.name)
        for e in word.expansions
    )


def hidden_options(
    words: Sequence[Word],
    value_options: frozenset[str],
    settings: frozenset[str] = frozenset(),
) -> tuple[Word, ...]:
    """The unknown words among ``words`` (a command's arguments) that could be options.

    The word after an option that takes a value is that option's argument, and cannot be one,
    unless the option is one of ``settings``.
    """
    out: list[Word] = []
    i = 0
    while i < len(words):
        w = words[i]
        v = w.value
        if v is not None:
            if v in value_options and i + 1 < len(words):
                nxt = words[i + 1]
                if v in settings and nxt.value is None:
                    out.append(nxt)
                i += 2
                continue
        elif could_hold_options(w, value_options, settings):
            out.append(w)
        i += 1
    return tuple(out)


# -- what ENV and ARG give the shell ---------------------------------------------------------------

_SHELLS = frozenset({"sh", "bash", "dash", "ash"})
_SIMPLE_PARAMETER = LazyPattern(
    r"\$(?:(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
    r"|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-+])(?P<word>[^$`\\'\"{}]*))?\})\Z"
)
_GLOB = frozenset("*?[")


def known_environment(
    variables: Mapping[str, str | None],
    commands: Iterable[SimpleCommand],
    script_text: str,
    shell: Sequence[str] | None = None,
) -> Mapping[str, str]:
    """The variables whose value a RUN's shell sees for certain: ENV and ARG values with a known
    value (an ARG with a default, in scope) that nothing in the RUN may change.

    A variable the script names other than to expand it (``X=…``, ``for X``, ``read X``,
    ``export X``) is left out, and so is everything when the script sources or evals something,
    or when the SHELL reads startup files (``bash -l``, ``BASH_ENV``) or is not a POSIX shell.
    """
    return _known_environment(variables, commands, lambda: script_text, shell)


def _known_environment(
    variables: Mapping[str, str | None],
    commands: Iterable[SimpleCommand],
    script: Callable[[], str],
    shell: Sequence[str] | None,
) -> Mapping[str, str]:
    if shell:
        name = posixpath.basename(shell[0])
        if name not in _SHELLS:
            return {}
        for flag in shell[1:]:
            if flag.startswith("--") or (flag.startswith("-") and ("l" in flag or "i" in flag)):
                return {}
        if name == "bash" and "BASH_ENV" in variables:
            return {}
    for cmd in commands:
        if cmd.name in (".", "source", "eval"):
            return {}
    return KnownEnvironment(variables, script)


class Layered(Mapping[str, str | None]):
    """Mappings looked up in turn (ENV over ARG), without merging them: a RUN's environment is
    asked about a few names, and a merge costs every variable, for every RUN."""

    __slots__ = ("_layers",)

    def __init__(self, *layers: Mapping[str, str | None]) -> None:
        self._layers = layers

    def __getitem__(self, key: str) -> str | None:
        for layer in self._layers:
            if key in layer:
                return layer[key]
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return any(key in layer for layer in self._layers)

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for layer in self._layers:
            for key in layer:
                if key not in seen:
                    seen.add(key)
                    yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)


class KnownEnvironment(Mapping[str, str]):
    """What ``known_environment`` gives: the variables with a known value the script does not
    name, read from ``variables`` as they are asked for."""

    __slots__ = ("_mentioned", "_script", "_variables")

    def __init__(self, variables: Mapping[str, str | None], script: Callable[[], str]) -> None:
        self._variables = variables
        self._script = script  # gives the text searched for other uses of a name
        # The names the script uses, read the first time a known value is asked for: most
        # RUNs' environments are asked about no variable they have.
        self._mentioned: set[str] | None = None

    def __getitem__(self, key: str) -> str:
        value = self._variables[key]
        if value is None:
            raise KeyError(key)
        if self._mentioned is None:
            self._mentioned = _mentioned(self._script())
        if key in self._mentioned or not _IDENT.match(key):
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        try:
            self[key]  # type: ignore[index]
        except (KeyError, TypeError):
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return (key for key in self._variables if key in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


# A whole run of word characters (none before it) that is not right after `$` or `${`.
_NAMED = LazyPattern(r"(?<![\w$])(?<!\$\{)\w+")


def _mentioned(text: str) -> set[str]:
    """The names the text uses other than as ``$NAME``/``${NAME``: each whole run of word
    characters not right after ``$`` or ``${``. One pass, however many variables are asked
    about."""
    return set(_NAMED.findall(text))


def _parameter_value(raw: str, env: Mapping[str, str]) -> str | None:
    m = _SIMPLE_PARAMETER.match(raw)
    if m is None:
        return None
    name = m["bare"] or m["name"]
    if name not in env:
        return None  # unset, or set by the base image: unknown either way
    value = env[name]
    op = m["op"]
    if op is None:
        return value
    word = m["word"] or ""
    if op in ("-", ":-"):
        return word if op == ":-" and value == "" else value
    return word if (op == "+" or value != "") else ""


def _expanded(word: Word, env: Mapping[str, str]) -> list[Word] | None:
    """The fields ``word`` expands to with ``env``; None when that is not known."""
    if word.value is not None or not word.expansions:
        return None
    raw = word.raw
    if "\\" in raw.text or "'" in raw.text:
        return None
    values: dict[int, str] = {}
    for e in word.expansions:
        if e.kind != "parameter":
            return None
        value = _parameter_value(e.raw.text, env)
        if value is None:
            return None
        values[e.span.start] = value
    quoted = [e.quoted for e in word.expansions]
    split = not any(quoted)
    if any(quoted) != all(quoted) or (split and word.quoted):
        return None  # quoted and unquoted parts in one word: not worth modelling
    spans = [e.span for e in word.expansions]
    text: list[str] = []
    for ch, at in zip(raw.text, raw.starts, strict=True):
        if at in values:
            text.append(values[at])
        elif any(s.start <= at < s.end for s in spans) or ch == '"':
            continue
        else:
            text.append(ch)
    joined = "".join(text)
    fields = joined.split() if split else [joined]
    if split and any(_GLOB & set(f) for f in fields):
        return None  # pathname expansion of the value: depends on the files there
    span = word.span
    out: list[Word] = []
    for f in fields:
        n = len(f)
        m = Mapped(f, [span.start] * n, [span.end] * n) if n else Mapped.empty_at(span.start)
        out.append(Word(raw, f, m, m, word.expansions, word.quoted))
    return out


def expand_known(cmd: SimpleCommand, env: Mapping[str, str]) -> SimpleCommand:
    """``cmd`` with the words that only ``env``'s variables make unknown expanded as the shell
    does (unquoted values split into fields). Each new word keeps the span of the word it came
    from and its ``expansions``, so that edits can tell it was not written out."""
    # No test for an empty ``env`` first: a KnownEnvironment would count its variables for it,
    # for every command; a word whose names ``env`` lacks stays as it is anyway.
    words: list[Word] = []
    changed = False
    for w in cmd.words:
        # A word without expansions is as written (what ``_expanded`` checks first, uncalled).
        fields = None if w.value is not None or not w.expansions else _expanded(w, env)
        if fields is None:
            words.append(w)
        else:
            words.extend(fields)
            changed = True
    return replace(cmd, words=tuple(words)) if changed else cmd


# What ``apt`` and ``pip_install`` read of each command, while ``reading_once`` holds (one
# file's lint): a dozen rules and the policy's package kind ask both of the same commands. Kept
# here, not on the command: a reading refers to its command, and the two would make a cycle
# that only the cyclic collector frees.
_READINGS: ContextVar[dict[tuple[int, object], tuple[SimpleCommand, object]] | None] = ContextVar(
    "_READINGS", default=None
)
_T = TypeVar("_T")


@contextlib.contextmanager
def reading_once() -> Iterator[None]:
    """Inside the block, ``apt`` and ``pip_install`` read each command once."""
    token = _READINGS.set({})
    try:
        yield
    finally:
        _READINGS.reset(token)


def _read_once(cmd: SimpleCommand, read: Callable[[SimpleCommand], _T]) -> _T:
    memo = _READINGS.get()
    if memo is None:
        return read(cmd)
    # By the command's id and the reader, with the command kept beside it: its id stays its own
    # meanwhile.
    key = (id(cmd), read)
    kept = memo.get(key)
    if kept is None:
        kept = memo[key] = (cmd, read(cmd))
    return cast(_T, kept[1])


@record
class AptCommand:
    tool: str  # "apt-get", "apt", "aptitude"
    tool_word: Word
    action: str | None  # "install", "update", …; None when unknown
    action_word: Word | None
    options: tuple[Word, ...]  # every word starting with "-" (and the values of -o)
    packages: tuple[Word, ...]
    command: SimpleCommand
    # Unknown words that could be options (`$APT_OPTS`, `-o $CONF`); see `hidden_options`.
    hidden: tuple[Word, ...] = ()

    @property
    def installs_packages(self) -> bool:
        """An install that names packages: `apt-get -f install` (`--fix-broken`) with none only
        completes what is already installed."""
        return self.action == "install" and bool(self.packages)


APT_TOOLS: Final = frozenset({"apt-get", "apt", "aptitude"})
_APT_VALUE_OPTS = frozenset({"-o", "--option", "-c", "--config-file", "-t", "--target-release"})
# A configuration item or file can set anything, `APT::Get::Assume-Yes` included.
_APT_SETTINGS = frozenset({"-o", "--option", "-c", "--config-file"})


def apt(cmd: SimpleCommand, env: Mapping[str, str] | None = None) -> AptCommand | None:
    """``apt-get``/``apt``/``aptitude``; with ``env`` (see ``known_environment``) its words are
    read with those variables expanded."""
    if not cmd.words or (cmd.words[0].value is not None and _base(cmd.words[0]) not in APT_TOOLS):
        return None  # a written program name stays first and as it is when words expand
    if env is not None:
        expanded = expand_known(cmd, env)
        if expanded is not cmd:
            return _read_apt(expanded)  # a command of its own, not the model's: read once
    return _read_once(cmd, _read_apt)


def _read_apt(cmd: SimpleCommand) -> AptCommand | None:
    words = cmd.words
    if not words or _base(words[0]) not in APT_TOOLS:
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
    hidden = hidden_options(words[1:], _APT_VALUE_OPTS, _APT_SETTINGS)
    return AptCommand(
        tool, words[0], action, action_word, tuple(options), tuple(packages), cmd, hidden
    )


@record
class PipInstall:
    """``pip install …`` in any of its spellings, including ``python -m pip`` and ``uv pip``."""

    command: SimpleCommand
    install_word: Word  # the "install" (or "sync") word: fixes insert options after it
    tool: str  # "pip" or "uv"
    options: tuple[Word, ...]
    requirement_files: tuple[Word, ...]  # values of -r/--requirement (and uv pip sync's files)
    packages: tuple[Word, ...]
    # Unknown words that could be options (`$PIP_FLAGS`); see `hidden_options`.
    hidden: tuple[Word, ...] = ()

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
        "--no-binary",
        "--only-binary",
        "--group",
        "--root-user-action",
        "--exists-action",
        "--keyring-provider",
        "--use-feature",
        "--use-deprecated",
        "--log-file",
        "--resume-retries",
        "--build-option",
        "--install-option",
    ]
)


def pip_install(cmd: SimpleCommand, env: Mapping[str, str] | None = None) -> PipInstall | None:
    """``pip install``; with ``env`` (see ``known_environment``) its words are read with those
    variables expanded."""
    if not cmd.words:
        return None
    written = _base(cmd.words[0])
    if written is not None and not (
        written.startswith(("pip", "python", "uv"))
        and (_PIP.match(written) or _PYTHON.match(written) or written == "uv")
    ):
        return None  # a written program name stays first and as it is when words expand
    if env is not None:
        expanded = expand_known(cmd, env)
        if expanded is not cmd:
            return _read_pip(expanded)  # a command of its own, not the model's: read once
    return _read_once(cmd, _read_pip)


def _read_pip(cmd: SimpleCommand) -> PipInstall | None:
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
    hidden = hidden_options(rest, _PIP_VALUE_OPTS)
    return PipInstall(
        cmd, rest[idx], tool, tuple(options), tuple(req_files), tuple(packages), hidden
    )


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


# -- whether a command's failure fails the build ---------------------------------------------------


def _sets_errexit(cmd: SimpleCommand) -> bool | None:
    """``set -e`` (True), ``set +e`` (False), or None for any other command."""
    if cmd.name != "set":
        return None
    state: bool | None = None
    words = [w.value or "" for w in cmd.words[1:]]
    for i, v in enumerate(words):
        if v in ("-o", "+o") and i + 1 < len(words) and words[i + 1] == "errexit":
            state = v == "-o"
        elif len(v) > 1 and v[0] in "-+" and v[1:].isalpha() and "e" in v[1:]:
            state = v[0] == "-"
    return state


def shell_errexit(shell: Sequence[str] | None) -> bool:
    """A ``SHELL`` such as ``["/bin/bash", "-eo", "pipefail", "-c"]`` exits on the first error."""
    if not shell:
        return False
    flags = list(shell[1:])
    for i, v in enumerate(flags):
        if v == "-o" and i + 1 < len(flags) and flags[i + 1] == "errexit":
            return True
        if len(v) > 1 and v[0] == "-" and v[1] != "-" and v[1:].isalpha() and "e" in v[1:]:
            return True
    return False


def _exits_with_failure(cmd: SimpleCommand) -> bool:
    """``exit 1`` (or a bare ``exit``, which keeps the failed status)."""
    if cmd.name != "exit" or cmd.context:
        return False
    code = cmd.words[1].value if len(cmd.words) > 1 else ""
    return code is not None and (code == "" or (code.isdigit() and int(code) % 256 != 0))


def failure_fails_script(script: Script, cmd: SimpleCommand, errexit: bool = False) -> bool:
    """Whether ``cmd`` failing (when it runs) makes ``script`` exit with an error.

    ``cmd`` must be a top-level step, not negated, piped or backgrounded. What follows it in its
    and-or list decides: ``&& …`` is skipped, ``|| exit 1`` exits, ``|| false`` keeps the failure,
    anything else after ``||`` may recover. The failure then ends the script when that list is its
    last step, or when errexit is on (``SHELL … -e``, an earlier top-level ``set -e``) and the
    failed command is the list's last. ``cmd || true``, ``cmd; echo done`` and a step inside
    ``if`` keep the script going: a build may rely on that failure being ignored.
    """
    return ScriptFailures(script, errexit).fails(cmd)


_ERREXIT: Final = None  # the walk ends where errexit decides


class ScriptFailures:
    """``failure_fails_script`` for every command of one script, the script read once (a rule
    asks for each command of a long heredoc)."""

    def __init__(self, script: Script, errexit: bool = False) -> None:
        commands = script.commands
        self._index: dict[Span, int] = {}
        for i, c in enumerate(commands):
            self._index.setdefault(c.span, i)
        self._commands = commands
        # errexit in force as each command starts (an earlier top-level `set -e` turns it on)
        self._errexit: list[bool] = []
        for c in commands:
            self._errexit.append(errexit)
            if c.top_level and not c.background:
                state = _sets_errexit(c)
                if state is not None:
                    errexit = state
        # The end of the walk along each command's and-or list, from its last command back:
        # [k][1] when the failure is still the one of the command at k, [k][0] when a `&&` since
        # skipped it. True/False, or _ERREXIT.
        n = len(commands)
        walk: list[tuple[bool | None, bool | None]] = [(False, False)] * n
        for k in range(n - 1, -1, -1):
            connector = commands[k].connector_after
            if connector not in ("&&", "||"):
                walk[k] = (k == n - 1, True if k == n - 1 else _ERREXIT)
                continue
            if k + 1 >= n or not commands[k + 1].top_level:
                walk[k] = (False, False)
                continue
            nxt = commands[k + 1]
            if connector == "||":
                if _exits_with_failure(nxt):
                    walk[k] = (True, True)
                elif nxt.name != "false" or nxt.in_pipeline or nxt.negated:
                    walk[k] = (False, False)
                else:
                    walk[k] = (walk[k + 1][1], walk[k + 1][1])  # `|| false` keeps the failure
            else:
                walk[k] = (walk[k + 1][0], walk[k + 1][0])
        self._walk = walk

    def fails(self, cmd: SimpleCommand) -> bool:
        idx = self._index.get(cmd.span)
        if idx is None:
            return False
        if cmd.context or cmd.negated or cmd.in_pipeline or cmd.background:
            return False
        end = self._walk[idx][1]
        return self._errexit[idx] if end is _ERREXIT else bool(end)


def run_environment(
    ins: Instruction,
    commands: Sequence[SimpleCommand],
    variables: Mapping[str, str | None],
    shell: Sequence[str] | None,
) -> Mapping[str, str]:
    """``known_environment`` for a RUN: its text (heredoc bodies included) is what is searched
    for other uses of each variable."""
    # The text is joined only when a known value is asked for (see KnownEnvironment).
    return _known_environment(
        variables,
        commands,
        lambda: "\n".join([ins.args.text, *(doc.content for doc in ins.heredocs)]),
        shell,
    )


def from_expansion(word: Word) -> bool:
    """The word is a field ``expand_known`` made: its span is the whole word it came from, so an
    edit placed after it could land inside the other fields (``ARG APT="install -t"``)."""
    return word.value is not None and bool(word.expansions)
