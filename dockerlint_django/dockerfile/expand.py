"""Dockerfile variable expansion, ported from BuildKit's ``frontend/dockerfile/shell/lex.go``.

Source: moby/buildkit, the ``EnvGetter`` revision of ``lex.go`` (as at commit
ca4838f8ddbd3612bca94bcb8a938d8a326110a3): ``$VAR``, ``${VAR}``, ``${VAR[:]-word}``,
``${VAR[:]+word}``, ``${VAR[:]?msg}``, ``${VAR#pat}``, ``${VAR##pat}``, ``${VAR%pat}``,
``${VAR%%pat}``, ``${VAR/pat/repl}``, ``${VAR//pat/repl}``; single quotes, double quotes and
the ``# escape=`` token behave as there. Anything BuildKit rejects raises :class:`ExpansionError`
with BuildKit's message.

What a linter adds is *unknown* values. In the environment, ``None`` means "defined, value
unknown" (a ``--build-arg``, an ``ENV`` built from something unknown); a missing name is unset,
as in Docker, unless ``undefined_is_unknown=True``, where it may be set to anything or unset. A
result that any unknown value can change has ``value=None``, and ``unknown_vars`` names the
variables it depends on (``value is None`` exactly when ``unknown_vars`` is not empty). A result
no unknown can change stays known: ``'$X'``, ``${X:+}``, ``${X+w}`` for a defined ``X``,
``${X:-d}`` for a known non-empty ``X``, ``${X/p/r}`` when ``p`` does not match. Errors that
depend on an unknown value are not raised (``${X:?}`` with ``X`` unknown is just unknown).

BuildKit's quirks are kept on purpose, since the linter must predict what the build does:
``$$`` is the (normally empty) variable ``$``, not a literal dollar; ``$1``/``$@`` are looked up
like any name; in ``ProcessWords`` a ``${VAR<op>...}`` form drops the text of the word it sits in
that came before it (all nested ``processStopOn`` calls share one ``wordsBuffer`` since the
allocation rework), so ``a${X:-b}c`` splits to ``["bc"]``.

Nesting is handled with an explicit stack, not recursion, and patterns run on a small
Thompson-NFA matcher with RE2's leftmost-first semantics instead of a backtracking engine, so
a hostile Dockerfile cannot make the linter blow the stack or go exponential.

Expansion is bounded, since a few lines can ask for exponentially long values (``ENV
B=$A$A``, ``ENV C=$B$B``, ...). A value built from variables that is longer than
:data:`MAX_EXPANDED` characters is unknown; so is every expansion once an
:class:`ExpansionBudget` (:data:`MAX_EXPANSION_WORK` units: characters copied, pattern-matching
steps) is spent. BuildKit would expand such values; they are values the linter chooses not to
know, never an error. Their ``unknown_vars`` are the variables the word looked up.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import Final, Literal

from dockerlint_django._gotext import go_quote
from dockerlint_django._record import LazyPattern, record

__all__ = [
    "BUILDKIT_SOURCE",
    "EXPANDED_INSTRUCTIONS",
    "MAX_EXPANDED",
    "MAX_EXPANSION_WORK",
    "NOT_EXPANDED_INSTRUCTIONS",
    "Expansion",
    "ExpansionBudget",
    "ExpansionError",
    "ExpansionSite",
    "expand_word",
    "expand_words",
    "expansion_budget",
]

BUILDKIT_SOURCE: Final = (
    "moby/buildkit frontend/dockerfile/shell/lex.go (EnvGetter revision, "
    "ca4838f8ddbd3612bca94bcb8a938d8a326110a3)"
)


# --- Bounds --------------------------------------------------------------------------------------

# A value built from variables longer than this is unknown. Real values (paths, versions, user
# names, ports) are far shorter; without a bound, 30 lines of `ENV V2=$V1$V1` ask for gigabytes.
MAX_EXPANDED: Final = 1 << 20  # characters

# What one budget pays for: characters copied into values and words, and pattern-matching steps
# (each weighs _STEP_COST). Spent, every further expansion that needs work is unknown. One budget
# per file keeps a file's expansions linear in its size however its values are built; a lone
# call without one gets a fresh budget, which still bounds that call.
MAX_EXPANSION_WORK: Final = 1 << 27
_STEP_COST: Final = 64  # one thread step of the matcher costs about as much as this many copies


class ExpansionBudget:
    """Work left for expansions that share this budget (all of one file's, say)."""

    __slots__ = ("remaining",)

    def __init__(self, limit: int = MAX_EXPANSION_WORK) -> None:
        self.remaining = limit

    @property
    def spent(self) -> bool:
        return self.remaining < 0


_AMBIENT: ContextVar[ExpansionBudget | None] = ContextVar("_AMBIENT", default=None)


@contextlib.contextmanager
def expansion_budget(limit: int = MAX_EXPANSION_WORK) -> Iterator[ExpansionBudget]:
    """Make every expansion inside the ``with`` block share one budget (e.g. one file's)."""
    budget = ExpansionBudget(limit)
    token = _AMBIENT.set(budget)
    try:
        yield budget
    finally:
        _AMBIENT.reset(token)


class _OverBudget(Exception):
    """The word's value is too long, or its budget is spent: the result is unknown."""


class ExpansionError(Exception):
    """An error BuildKit raises while expanding (bad substitution, ``${X:?msg}``, bad pattern).

    ``str(error)`` is BuildKit's full message (``failed to process "<word>": <reason>``).
    """

    def __init__(self, message: str, *, reason: str | None = None, word: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason = message if reason is None else reason
        self.word = word


@record
class Expansion:
    value: str | None  # None: some unknown variable can change the result
    unknown_vars: frozenset[str]  # the unknown variables the value depends on
    matched: frozenset[str]  # names looked up and found in the environment (BuildKit's Matched)
    unmatched: frozenset[str]  # names looked up and not found (BuildKit's Unmatched)


# --- Which instructions BuildKit expands, and how ------------------------------------------------

ExpansionFunction = Literal[
    "ProcessWord", "ProcessWords", "ProcessWordWithMatches", "ProcessWordRaw"
]


@record
class ExpansionSite:
    """One operand BuildKit expands.

    ``function`` is the lexer entry point: ``ProcessWord`` and ``ProcessWordWithMatches`` are
    :func:`expand_word`, ``ProcessWords`` is :func:`expand_words`, ``ProcessWordRaw`` is
    :func:`expand_word` with ``escape="\\\\"`` and ``skip_process_quotes=True`` whatever the
    ``# escape=`` directive says. ``scope`` is the environment: ``"global"`` is the ARGs declared
    before the first FROM (plus BuildKit's predefined platform ARGs); ``"stage"`` is the stage's
    environment *before* the instruction (base image ENV, stage ENV and ARG values).
    """

    operand: str
    function: ExpansionFunction
    scope: Literal["global", "stage"]
    note: str = ""


# From dockerfile2llb/convert.go (toDispatchState, buildMetaArgs, dispatch, dispatchArg,
# dispatchExpose) and the Expand/ExpandRaw methods in instructions/commands.go and
# commands_runmount.go. Every operand is expanded separately; a --build-arg replaces an ARG
# default before expansion, so the default is then not expanded at all.
EXPANDED_INSTRUCTIONS: Final[Mapping[str, tuple[ExpansionSite, ...]]] = MappingProxyType(
    {
        "FROM": (
            ExpansionSite(
                "image reference", "ProcessWordWithMatches", "global", "empty is an error"
            ),
            ExpansionSite(
                "--platform value", "ProcessWordWithMatches", "global", "empty is an error"
            ),
        ),
        "ARG": (
            ExpansionSite(
                "default value, before the first FROM",
                "ProcessWordWithMatches",
                "global",
                "sees the ARGs declared above it",
            ),
            ExpansionSite(
                "default value, inside a stage",
                "ProcessWord",
                "stage",
                "the name is never expanded (dispatch skips ArgCommand.Expand)",
            ),
        ),
        "ENV": (
            ExpansionSite(
                "each key and each value",
                "ProcessWord",
                "stage",
                "all pairs see the env before the instruction: in ENV A=1 B=$A, B does not see A=1",
            ),
        ),
        "LABEL": (ExpansionSite("each key and each value", "ProcessWord", "stage"),),
        "ADD": (
            ExpansionSite("each source and the destination", "ProcessWord", "stage"),
            ExpansionSite("--chown and --checksum values", "ProcessWord", "stage"),
            ExpansionSite("heredoc bodies with an unquoted delimiter", "ProcessWordRaw", "stage"),
        ),
        "COPY": (
            ExpansionSite("each source and the destination", "ProcessWord", "stage"),
            ExpansionSite("--chown value", "ProcessWord", "stage", "--from and --chmod are not"),
            ExpansionSite("heredoc bodies with an unquoted delimiter", "ProcessWordRaw", "stage"),
        ),
        "EXPOSE": (
            ExpansionSite(
                "each argument", "ProcessWords", "stage", "one argument can give several ports"
            ),
        ),
        "STOPSIGNAL": (ExpansionSite("the signal", "ProcessWord", "stage"),),
        "USER": (ExpansionSite("the user[:group]", "ProcessWord", "stage"),),
        "VOLUME": (ExpansionSite("each path (JSON or not)", "ProcessWord", "stage"),),
        "WORKDIR": (ExpansionSite("the path", "ProcessWord", "stage"),),
        "RUN": (
            ExpansionSite(
                "each --mount option value",
                "ProcessWord",
                "stage",
                "the command itself is left to the shell",
            ),
        ),
        # ONBUILD stores its trigger unexpanded; the trigger is parsed and dispatched (and so
        # expanded like its own instruction) in the build that uses the image as a base.
        "ONBUILD": (),
    }
)

# The shell or the runtime sees these as written; BuildKit does not expand them.
NOT_EXPANDED_INSTRUCTIONS: Final = frozenset(
    {"CMD", "ENTRYPOINT", "HEALTHCHECK", "SHELL", "MAINTAINER"}
)


# --- Values that may be unknown ------------------------------------------------------------------


@record
class _Unknown:
    names: frozenset[str]
    nonempty: bool = False  # known to hold some text, e.g. "a$UNKNOWN"


_Value = str | _Unknown


def _unknown(*values: _Value) -> _Unknown:
    """A result that may be any of ``values``: it depends on all their unknown names."""
    names: set[str] = set()
    for v in values:
        if isinstance(v, _Unknown):
            names |= v.names
    return _Unknown(frozenset(names))


class _LexError(Exception):
    """A BuildKit error before BuildKit wraps it with ``failed to process``."""


# Go's unicode.IsSpace; str.isspace also accepts U+001C..U+001F, which Go does not.
_GO_SPACE: Final = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_SPECIAL_PARAMS: Final = frozenset("@*#?-$!0")
_BOM: Final = "\ufeff"
_REPLACEMENT_CHAR: Final = "\ufffd"  # what Go prints for the EOF rune


def _go_rune(ch: str | None) -> str:
    return _REPLACEMENT_CHAR if ch is None else ch


# --- Shell patterns (convertShellPatternToRegex and friends) -------------------------------------


class _PatternError(Exception):
    pass


def _shell_pattern_to_regex(pattern: str, greedy: bool, anchored: bool) -> str:
    """Port of convertShellPatternToRegex: the RE2 source BuildKit compiles."""
    out = ["^"] if anchored else []
    star = ".*" if greedy else ".*?"
    # text/scanner drops a byte order mark at the very start of its input
    i = 1 if pattern.startswith(_BOM) else 0
    n = len(pattern)
    while i < n:
        tok = pattern[i]
        i += 1
        if tok == "*":
            out.append(star)
            continue
        if tok == "?":
            out.append(".")
            continue
        if tok == "\\":
            following = pattern[i] if i < n else None
            # the backslash only kept "}" or "/" from ending the ${} word; it is not a glob escape
            if following in ("}", "/"):
                continue
            out.append("\\")
            if following not in ("*", "?", "\\"):
                raise _PatternError(f"invalid escape '\\{_go_rune(following)}'")
            i += 1
            out.append(following)
            continue
        if tok in "[]{}.+()|^$":
            out.append("\\")
        out.append(tok)
    return "".join(out)


def _reverse_pattern(pattern: str) -> str:
    """Port of reversePattern: reverses, keeping each ``\\x`` pair in order."""
    last = len(pattern) - 1
    out = [""] * len(pattern)
    i = 0
    while i <= last:
        tok = pattern[i]
        j = last - i
        if tok == "\\" and i != last:
            out[j - 1] = tok
            out[j] = pattern[i + 1]
            i += 2
        else:
            out[j] = tok
            i += 1
    return "".join(out)


_CHAR, _ANY, _SPLIT, _JMP, _MATCH = range(5)
_Inst = tuple[int, str, int, int]  # op, literal, first branch, second branch


def _compile(regex: str) -> tuple[bool, list[_Inst]]:
    """Compile what _shell_pattern_to_regex emits: ``^``, ``\\c``, ``.``, ``.*``, ``.*?``."""
    anchored = regex.startswith("^")
    i = 1 if anchored else 0
    prog: list[_Inst] = []
    n = len(regex)
    while i < n:
        c = regex[i]
        if c == "\\":
            prog.append((_CHAR, regex[i + 1], 0, 0))
            i += 2
        elif c == ".":
            if regex.startswith("*", i + 1):
                lazy = regex.startswith("?", i + 2)
                k = len(prog)
                # RE2's loop for x* / x*?: the preferred branch comes first
                prog.append((_SPLIT, "", k + 3, k + 1) if lazy else (_SPLIT, "", k + 1, k + 3))
                prog.append((_ANY, "", 0, 0))
                prog.append((_JMP, "", k, 0))
                i += 3 if lazy else 2
            else:
                prog.append((_ANY, "", 0, 0))
                i += 1
        else:
            prog.append((_CHAR, c, 0, 0))
            i += 1
    prog.append((_MATCH, "", 0, 0))
    return anchored, prog


def _add_thread(
    prog: list[_Inst], threads: list[tuple[int, int]], seen: set[int], pc: int, start: int
) -> None:
    # Depth-first in priority order, as RE2's NFA does; a pc already reached by a
    # higher-priority thread wins.
    stack = [pc]
    while stack:
        pc = stack.pop()
        if pc in seen:
            continue
        seen.add(pc)
        op, _, x, y = prog[pc]
        if op == _JMP:
            stack.append(x)
        elif op == _SPLIT:
            stack.append(y)
            stack.append(x)
        else:
            threads.append((pc, start))


_Charge = Callable[[int], None]


def _search(
    prog: list[_Inst], anchored: bool, text: str, pos: int, charge: _Charge | None = None
) -> tuple[int, int] | None:
    """Leftmost-first match at or after ``pos`` (Go's FindStringIndex).

    A Thompson NFA in RE2's priority order: O(len(text) * len(prog)), no backtracking.
    ``charge`` is told the steps taken, as they are taken (it may raise to stop the search).
    """
    n = len(text)
    clist: list[tuple[int, int]] = []
    _add_thread(prog, clist, set(), 0, pos)
    found: tuple[int, int] | None = None
    i = pos
    while True:
        ch = text[i] if i < n else None
        if charge is not None:
            charge(len(clist) * _STEP_COST)
        nlist: list[tuple[int, int]] = []
        seen: set[int] = set()
        for pc, start in clist:
            op, lit, _, _ = prog[pc]
            if op == _MATCH:
                found = (start, i)
                break  # lower-priority threads lose to this match
            if ch is not None and ((op == _CHAR and ch == lit) or (op == _ANY and ch != "\n")):
                _add_thread(prog, nlist, seen, pc + 1, start)
        if ch is None:
            return found
        i += 1
        if found is None and not anchored:
            _add_thread(prog, nlist, seen, 0, i)
        if not nlist:
            return found
        clist = nlist


def _find_all(prog: list[_Inst], text: str, charge: _Charge | None = None) -> list[tuple[int, int]]:
    """The matches Go's ReplaceAllString replaces, with its rules for empty matches."""
    out: list[tuple[int, int]] = []
    n = len(text)
    last_end = 0
    search_pos = 0
    while search_pos <= n:
        m = _search(prog, False, text, search_pos, charge)
        if m is None:
            break
        start, end = m
        # an empty match right after the previous match is not replaced
        if end > last_end or start == 0:
            out.append(m)
        last_end = end
        width = 1 if search_pos < n else 0
        if search_pos + width > end:
            search_pos += width
        elif search_pos + 1 > end:
            search_pos += 1
        else:
            search_pos = end
    return out


def _name_char(ch: str) -> bool:
    return ch.isalpha() or ch.isdecimal() or ch == "_"


def _expand_template(template: str, match: str, too_long: Callable[[], None]) -> str:
    """Go's Regexp.Expand for a regex whose only group is the whole match (``$0``)."""
    out: list[str] = []
    length = 0
    rest = template
    while True:
        before, dollar, after = rest.partition("$")
        out.append(before)
        if not dollar:
            return "".join(out)
        rest = after
        if rest.startswith("$"):
            out.append("$")
            rest = rest[1:]
            continue
        brace = rest.startswith("{")
        body = rest[1:] if brace else rest
        i = 0
        while i < len(body) and _name_char(body[i]):
            i += 1
        if i == 0 or (brace and (i >= len(body) or body[i] != "}")):
            out.append("$")  # malformed: Go keeps the dollar as text
            continue
        name = body[:i]
        rest = body[i + 1 :] if brace else body[i:]
        # only group 0 exists; "00" and other names select nothing
        if name == "0":
            out.append(match)
            length += len(match)
            if length > MAX_EXPANDED:
                too_long()  # `${X//?/$0$0$0…}` multiplies the value


def _trim_prefix(pattern: str, value: _Value, greedy: bool, charge: _Charge) -> _Value:
    try:
        anchored, prog = _compile(_shell_pattern_to_regex(pattern, greedy, True))
    except _PatternError as e:
        raise _LexError(f"invalid pattern ({pattern}) in substitution: {e}") from None
    if isinstance(value, _Unknown):
        return value
    m = _search(prog, anchored, value, 0, charge)
    return value if m is None else value[m[1] :]


def _trim_suffix(pattern: str, value: _Value, greedy: bool, charge: _Charge) -> _Value:
    # RE2 cannot find the shortest rightmost match, so BuildKit reverses both sides
    if isinstance(value, str):
        charge(2 * len(value))
    reversed_value = value if isinstance(value, _Unknown) else value[::-1]
    out = _trim_prefix(_reverse_pattern(pattern), reversed_value, greedy, charge)
    return out if isinstance(out, _Unknown) else out[::-1]


# --- The lexer -----------------------------------------------------------------------------------

_SET, _UNSET, _MAYBE = range(3)  # _MAYBE: undefined, but may be set (undefined_is_unknown)


class _Pending:
    """Returned by a step that pushed a child frame; the value comes later."""


_PENDING: Final = _Pending()


class _Accumulator:
    __slots__ = ("length", "lexer", "names", "nonempty", "parts", "unknown")

    def __init__(self, lexer: _Lexer) -> None:
        self.parts: list[str] = []
        self.names: set[str] = set()
        self.unknown = False
        self.nonempty = False
        self.length = 0
        self.lexer = lexer

    def add(self, value: _Value) -> None:
        if isinstance(value, _Unknown):
            self.unknown = True
            self.names |= value.names
            self.nonempty = self.nonempty or value.nonempty
            self.parts = []  # never joined: an unknown stays unknown
        elif value:
            self.nonempty = True
            if not self.unknown:
                self.parts.append(value)
                self.length += len(value)
                if self.length > MAX_EXPANDED:
                    self.lexer.too_long()

    def value(self) -> _Value:
        if self.unknown:
            return _Unknown(frozenset(self.names), self.nonempty)
        parts = self.parts
        if len(parts) == 1:
            return parts[0]  # passed on as it is: no copy
        if len(parts) > 1:
            self.lexer.charge(self.length)
        return "".join(parts)


@record(frozen=False)
class _StopOn:
    """processStopOn: read up to ``stop`` (None: end of input)."""

    stop: str | None
    top: bool  # the outermost call, whose words are the ProcessWords result
    restore_raw: bool | None  # rawEscapes to put back when done, if this call changed it
    result: _Accumulator
    pending_quote: bool = False  # waiting for a double-quoted string rather than a ${...}


@record(frozen=False)
class _DoubleQuote:
    result: _Accumulator


@record(frozen=False)
class _Dollar:
    """A ``${name<op>...}`` waiting for the word(s) after its operator."""

    name: str
    op: str | None
    chs: str  # the operator as read, for error messages
    null_is_unset: bool
    word_start: int
    replace: bool = False
    replace_all: bool = False
    pattern: _Value | None = None  # set once the pattern of ${name/pattern/...} is read


_Frame = _StopOn | _DoubleQuote | _Dollar


# Runs of characters processStopOn and processDoubleQuote copy as they are, by what ends them.
_LITERALS: dict[tuple[str | None, str, bool], re.Pattern[str]] = {}
_SPACE_RUN: Final = LazyPattern("[" + "".join(re.escape(c) for c in sorted(_GO_SPACE)) + "]+")


def _literal_run(special: tuple[str | None, str, bool]) -> re.Pattern[str]:
    found = _LITERALS.get(special)
    if found is None:
        stop, escape, quotes = special
        chars = {"$", escape} | ({stop} if stop is not None else set())
        if quotes:
            chars |= {"'", '"'}
        found = re.compile("[^" + "".join(re.escape(c) for c in sorted(chars)) + "]+")
        _LITERALS[special] = found
    return found


class _Lexer:
    def __init__(
        self,
        word: str,
        env: Mapping[str, str | None],
        escape: str,
        undefined_is_unknown: bool,
        skip_process_quotes: bool,
        budget: ExpansionBudget,
        want_words: bool,
    ) -> None:
        self.budget = budget
        # ProcessWord never looks at the words; only ProcessWords pays for splitting.
        self.want_words = want_words
        self.words_length = 0  # known characters in the words so far
        self.src = word
        self.n = len(word)
        # text/scanner drops a byte order mark at the very start of its input
        self.pos = 1 if word.startswith(_BOM) else 0
        self.env = env
        self.escape = escape
        self.undefined_is_unknown = undefined_is_unknown
        self.skip_process_quotes = skip_process_quotes
        self.raw_escapes = False
        self.matched: set[str] = set()
        self.unmatched: set[str] = set()
        self.stack: list[_Frame] = []
        # wordsStruct of the outermost processStopOn; ``buf`` is shellWord.wordsBuffer, which
        # nested calls reset
        self.buf: list[_Value] = []
        self.buf_text = 0  # known characters in buf
        self.words: list[list[_Value]] = []
        self.in_word = False
        self.words_unknown = False  # the split depends on an unknown value

    # bounds

    def charge(self, work: int) -> None:
        budget = self.budget
        budget.remaining -= work
        # A word that looked no name up has no unknown to name (and costs about its length).
        if budget.remaining < 0 and (self.matched or self.unmatched):
            raise _OverBudget

    def too_long(self) -> None:
        # Only the values of variables that are set can make a value longer than the word.
        if self.matched:
            raise _OverBudget

    # wordsStruct, outermost call only: nested calls leave the shared buffer empty when they
    # return, so their own splitting never shows.

    def _flush_word(self) -> None:
        if self.buf:
            if not self.buf_text:
                # only unknown parts, which may all be empty: then BuildKit would keep no word
                self.words_unknown = True
            self.words.append(self.buf)
            self.buf = []
            self.buf_text = 0
            self.in_word = False

    def _add_char(self, ch: str) -> None:
        if ch in _GO_SPACE:
            if self.in_word:
                self._flush_word()
        else:
            self._add_raw_char(ch)

    def _add_raw_char(self, ch: str) -> None:
        self.buf.append(ch)
        self.buf_text += 1
        self.in_word = True

    def _add_string(self, value: _Value) -> None:
        if isinstance(value, _Unknown):
            self.words_unknown = True  # unquoted: its spaces would split
            self.buf.append(value)
            self.in_word = True
            return
        self._count_words(len(value))
        # as _add_char on each character: a run of spaces ends the word once
        at = 0
        for space in _SPACE_RUN.finditer(value):
            if space.start() > at:
                self._add_raw_run(value[at : space.start()])
            if self.in_word:
                self._flush_word()
            at = space.end()
        if at < len(value):
            self._add_raw_run(value[at:])

    def _add_raw_run(self, text: str) -> None:
        self.buf.append(text)
        self.buf_text += len(text)
        self.in_word = True

    def _count_words(self, n: int) -> None:
        self.words_length += n
        self.charge(n)
        if self.words_length > MAX_EXPANDED:
            self.too_long()

    def _add_raw_string(self, value: _Value) -> None:
        if isinstance(value, _Unknown):
            if value.nonempty:
                self.buf_text += 1  # whatever it holds, the word is not empty
        elif value:
            self._count_words(len(value))
            self.buf_text += len(value)
        else:
            self.in_word = True
            return
        self.buf.append(value)
        self.in_word = True

    def _reset_buffer(self) -> None:
        self.buf = []
        self.buf_text = 0

    # scanner

    def _next(self) -> str | None:
        if self.pos < self.n:
            ch = self.src[self.pos]
            self.pos += 1
            return ch
        return None

    def _peek(self) -> str | None:
        return self.src[self.pos] if self.pos < self.n else None

    # environment

    def _lookup(self, name: str) -> tuple[int, _Value]:
        if name in self.env:
            self.matched.add(name)
            value = self.env[name]
            return _SET, (_Unknown(frozenset((name,))) if value is None else value)
        self.unmatched.add(name)
        if self.undefined_is_unknown:
            return _MAYBE, _Unknown(frozenset((name,)))
        return _UNSET, ""

    # driver

    def run(self) -> _Value:
        self._enter_stop_on(None, False, top=True)
        while True:
            frame = self.stack[-1]
            # a _Dollar is never on top here: it always has a word being read above it
            assert not isinstance(frame, _Dollar)
            if isinstance(frame, _StopOn):
                value = self._step_stop_on(frame)
            else:
                value = self._step_double_quote(frame)
            # deliver finished values up the stack until some frame has more to read
            while not isinstance(value, _Pending):
                if not self.stack:
                    return value
                parent = self.stack[-1]
                if isinstance(parent, _Dollar):
                    value = self._resume_dollar(parent, value)
                    continue
                if isinstance(parent, _StopOn):
                    parent.result.add(value)
                    if parent.top:
                        if parent.pending_quote:
                            self._add_raw_string(value)
                        else:
                            self._add_string(value)
                    parent.pending_quote = False
                else:
                    parent.result.add(value)
                break

    def _enter_stop_on(self, stop: str | None, raw_escapes: bool, top: bool = False) -> None:
        restore = None
        if raw_escapes != self.raw_escapes:
            restore = self.raw_escapes
            self.raw_escapes = raw_escapes
        self._reset_buffer()
        self.stack.append(_StopOn(stop, top and self.want_words, restore, _Accumulator(self)))

    def _leave_stop_on(self, frame: _StopOn) -> _Value:
        self.stack.pop()
        if frame.restore_raw is not None:
            self.raw_escapes = frame.restore_raw
        if frame.top:
            self._flush_word()
        else:
            self._reset_buffer()
        return frame.result.value()

    def _step_stop_on(self, frame: _StopOn) -> _Value | _Pending:
        src = self.src
        n = self.n
        escape = self.escape
        top = frame.top
        result = frame.result
        literal = _literal_run((frame.stop, escape, not self.skip_process_quotes))
        while self.pos < n:
            run = literal.match(src, self.pos)
            if run is not None:
                text = run.group()
                self.pos = run.end()
                if top:
                    self._add_string(text)
                result.add(text)
                continue
            ch = src[self.pos]
            if ch == frame.stop:
                self.pos += 1
                return self._leave_stop_on(frame)
            if ch == "$":
                value = self._dollar()
                if isinstance(value, _Pending):
                    return value
                result.add(value)
                if top:
                    self._add_string(value)
                continue
            if not self.skip_process_quotes:
                if ch == "'":
                    text = self._single_quote()
                    result.add(text)
                    if top:
                        self._add_raw_string(text)
                    continue
                if ch == '"':
                    self.pos += 1
                    frame.pending_quote = True
                    self.stack.append(_DoubleQuote(_Accumulator(self)))
                    return _PENDING
            self.pos += 1
            if ch == escape:
                if self.raw_escapes:
                    if top:
                        self._add_raw_char(ch)
                    result.add(ch)
                if self.pos >= n:
                    break  # an escape at the very end is dropped
                ch = src[self.pos]
                self.pos += 1
                if top:
                    self._add_raw_char(ch)
            elif top:
                self._add_char(ch)
            result.add(ch)
        if frame.stop is not None:
            raise _LexError(f"unexpected end of statement while looking for matching {frame.stop}")
        return self._leave_stop_on(frame)

    def _single_quote(self) -> str:
        start = self.pos + 1
        end = self.src.find("'", start)
        if end < 0:
            self.pos = self.n
            raise _LexError("unexpected end of statement while looking for matching single-quote")
        self.pos = end + 1
        return self.src[start:end]

    def _step_double_quote(self, frame: _DoubleQuote) -> _Value | _Pending:
        src = self.src
        n = self.n
        escape = self.escape
        result = frame.result
        literal = _literal_run(('"', escape, False))
        while True:
            if self.pos >= n:
                raise _LexError(
                    "unexpected end of statement while looking for matching double-quote"
                )
            run = literal.match(src, self.pos)
            if run is not None:
                self.pos = run.end()
                result.add(run.group())
                continue
            ch = src[self.pos]
            if ch == '"':
                self.pos += 1
                self.stack.pop()
                return result.value()
            if ch == "$":
                value = self._dollar()
                if isinstance(value, _Pending):
                    return value
                result.add(value)
                continue
            self.pos += 1
            if ch == escape:
                if self.raw_escapes:
                    result.add(ch)
                if self.pos >= n:
                    continue  # then fails on the missing quote
                # only these can be escaped; before anything else the escape stays as is
                if src[self.pos] in ('"', "$", escape):
                    ch = src[self.pos]
                    self.pos += 1
            result.add(ch)

    def _name(self) -> str:
        """processName: a name, a run of digits, or one special parameter."""
        src = self.src
        n = self.n
        start = self.pos
        if start < n:
            first = src[start]
            if first.isdecimal():
                end = start
                while end < n and src[end].isdecimal():
                    end += 1
                self.pos = end
                return src[start:end]
            if first in _SPECIAL_PARAMS:
                self.pos += 1
                return first
        end = start
        while end < n and _name_char(src[end]):
            end += 1
        self.pos = end
        return src[start:end]

    def _dollar(self) -> _Value | _Pending:
        """processDollar, up to the point where a nested word has to be read."""
        self.pos += 1  # "$"
        if self._peek() != "{":
            name = self._name()
            if not name:
                return "$"
            return self._lookup(name)[1]
        self.pos += 1
        following = self._peek()
        if following is None:
            raise _LexError("syntax error: missing '}'")
        if following in ("{", "}", ":"):
            raise _LexError("syntax error: bad substitution")
        name = self._name()
        ch = self._next()
        chs = _go_rune(ch)
        if ch == "}":
            return self._lookup(name)[1]
        null_is_unset = False
        if ch == ":":
            null_is_unset = True
            ch = self._next()
            chs += _go_rune(ch)
        elif ch == "/":
            replace_all = self._peek() == "/"
            if replace_all:
                self.pos += 1
            self.stack.append(_Dollar(name, ch, chs, False, self.pos, True, replace_all))
            self._enter_stop_on("/", True)
            return _PENDING
        elif ch not in ("+", "-", "?", "#", "%"):
            raise _LexError(f"unsupported modifier ({chs}) in substitution")
        # patterns keep their escapes so that \* can reach the pattern compiler
        raw = ch in ("#", "%")
        if null_is_unset and raw:
            raise _LexError(f"unsupported modifier ({chs}) in substitution")
        self.stack.append(_Dollar(name, ch, chs, null_is_unset, self.pos))
        self._enter_stop_on("}", raw)
        return _PENDING

    def _resume_dollar(self, frame: _Dollar, word: _Value) -> _Value | _Pending:
        if frame.replace and frame.pattern is None:
            frame.pattern = word
            self._enter_stop_on("}", True)
            return _PENDING
        self.stack.pop()
        if frame.replace:
            assert frame.pattern is not None
            return self._replace(frame, frame.pattern, word)
        return self._modifier(frame, word)

    def _message(self, frame: _Dollar, word: _Value, default: str) -> str:
        if isinstance(word, _Unknown):
            # BuildKit prints the expanded word; an unknown one is shown as written
            return self.src[frame.word_start : self.pos - 1]
        return word or default

    def _modifier(self, frame: _Dollar, word: _Value) -> _Value:
        state, value = self._lookup(frame.name)
        op = frame.op
        known = isinstance(value, str)
        empty = value == ""
        if op == "-":
            if state == _UNSET:
                return word
            if state == _MAYBE or (frame.null_is_unset and not known):
                return _unknown(value, word)
            return word if frame.null_is_unset and empty else value
        if op == "+":
            if state == _UNSET:
                return ""
            if state == _MAYBE or (frame.null_is_unset and not known):
                return "" if word == "" else _unknown(value, word)
            return "" if frame.null_is_unset and empty else word
        if op == "?":
            if state == _UNSET:
                message = self._message(frame, word, "is not allowed to be unset")
                raise _LexError(f"{frame.name}: {message}")
            if state == _SET and frame.null_is_unset and known and empty:
                message = self._message(frame, word, "is not allowed to be empty")
                raise _LexError(f"{frame.name}: {message}")
            return value
        if op in ("#", "%"):
            if isinstance(word, _Unknown):
                return _unknown(word, value)
            # a doubled operator (## or %%) asks for the longest match
            greedy = word.startswith(op)
            if greedy:
                word = word[1:]
            if op == "%":
                return _trim_suffix(word, value, greedy, self.charge)
            return _trim_prefix(word, value, greedy, self.charge)
        raise _LexError(f"unsupported modifier ({frame.chs}) in substitution")

    def _replace(self, frame: _Dollar, pattern: _Value, replacement: _Value) -> _Value:
        _, value = self._lookup(frame.name)
        if isinstance(pattern, _Unknown):
            return _unknown(pattern, value, replacement)
        try:
            _, prog = _compile(_shell_pattern_to_regex(pattern, True, False))
        except _PatternError as e:
            raise _LexError(f"invalid pattern ({pattern}) in substitution: {e}") from None
        if isinstance(value, _Unknown):
            return _unknown(value, replacement)
        if frame.replace_all:
            matches = _find_all(prog, value, self.charge)
        else:
            first = _search(prog, False, value, 0, self.charge)
            matches = [] if first is None else [first]
        if not matches:
            return value
        if isinstance(replacement, _Unknown):
            return replacement
        out = _Accumulator(self)
        last = 0
        for start, end in matches:
            out.add(value[last:start])
            # ReplaceAllString expands $0 in the replacement; the single replacement does not
            out.add(
                _expand_template(replacement, value[start:end], self.too_long)
                if frame.replace_all
                else replacement
            )
            last = end
        out.add(value[last:])
        return out.value()

    def error(self, exc: _LexError) -> ExpansionError:
        """Rewrite an error the way the enclosing processDollar calls do, then wrap it."""
        reason = str(exc)
        if self.pos >= self.n:
            # each ${...} still open rewrites a failure at end of input; the outermost wins
            for frame in self.stack:
                if isinstance(frame, _Dollar):
                    if frame.replace and frame.pattern is None:
                        reason = "syntax error: missing '/' in ${}"
                    else:
                        reason = "syntax error: missing '}'"
                    break
        return ExpansionError(
            f"failed to process {go_quote(self.src)}: {reason}", reason=reason, word=self.src
        )


def _process(
    word: str,
    env: Mapping[str, str | None],
    escape: str,
    undefined_is_unknown: bool,
    skip_process_quotes: bool,
    budget: ExpansionBudget | None,
    want_words: bool,
) -> tuple[_Lexer, _Value]:
    if escape not in ("\\", "`"):
        raise ValueError(f"escape token must be '\\' or '`', not {escape!r}")
    if budget is None:
        budget = _AMBIENT.get() or ExpansionBudget()
    lexer = _Lexer(word, env, escape, undefined_is_unknown, skip_process_quotes, budget, want_words)
    value: _Value
    try:
        value = lexer.run()
    except _LexError as e:
        raise lexer.error(e) from None
    except _OverBudget:
        # Not BuildKit's answer but ours: a value too long to follow is unknown, whatever the
        # rest of the word holds.
        value = _Unknown(frozenset(lexer.matched | lexer.unmatched), True)
        lexer.words_unknown = True
    return lexer, value


def _expansion(value: _Value, matched: frozenset[str], unmatched: frozenset[str]) -> Expansion:
    if isinstance(value, _Unknown):
        return Expansion(None, value.names, matched, unmatched)
    return Expansion(value, frozenset(), matched, unmatched)


def is_plain(word: str, escape: str = "\\", *, skip_process_quotes: bool = False) -> bool:
    """Whether ``expand_word`` gives ``word`` back as it is, whatever the variables: nothing to
    expand, escape or unquote, which the lexer would copy as one run, at no cost to the budget.
    Most words (paths, names, values) are such."""
    return (
        escape in ("\\", "`")
        and "$" not in word
        and escape not in word
        and (skip_process_quotes or ("'" not in word and '"' not in word))
        and not word.startswith(_BOM)
    )


def expand_word(
    word: str,
    env: Mapping[str, str | None],
    escape: str = "\\",
    *,
    undefined_is_unknown: bool = False,
    skip_process_quotes: bool = False,
    budget: ExpansionBudget | None = None,
) -> Expansion:
    """BuildKit's ``ProcessWord``/``ProcessWordWithMatches``: one word, quotes removed.

    ``escape`` is the ``# escape=`` token. ``skip_process_quotes`` is BuildKit's
    ``SkipProcessQuotes``, used (with ``escape="\\\\"``) for heredoc bodies. ``budget``: the
    work this call may take from (by default the one :func:`expansion_budget` set, else its own).
    """
    if is_plain(word, escape, skip_process_quotes=skip_process_quotes):
        return Expansion(word, frozenset(), frozenset(), frozenset())
    lexer, value = _process(
        word, env, escape, undefined_is_unknown, skip_process_quotes, budget, want_words=False
    )
    return _expansion(value, frozenset(lexer.matched), frozenset(lexer.unmatched))


def expand_words(
    word: str,
    env: Mapping[str, str | None],
    escape: str = "\\",
    *,
    undefined_is_unknown: bool = False,
    skip_process_quotes: bool = False,
    budget: ExpansionBudget | None = None,
) -> list[Expansion] | None:
    """BuildKit's ``ProcessWords``: expand, then split on unquoted white space.

    None when an unknown value decides where the words split (an unknown unquoted expansion,
    or a word made only of unknown quoted values, which BuildKit drops if they are empty).
    ``matched``/``unmatched`` on each word describe the whole input.
    """
    lexer, _ = _process(
        word, env, escape, undefined_is_unknown, skip_process_quotes, budget, want_words=True
    )
    if lexer.words_unknown:
        return None
    matched = frozenset(lexer.matched)
    unmatched = frozenset(lexer.unmatched)
    out: list[Expansion] = []
    try:
        for parts in lexer.words:
            acc = _Accumulator(lexer)
            for part in parts:
                acc.add(part)
            out.append(_expansion(acc.value(), matched, unmatched))
    except _OverBudget:
        return None  # the budget ran out while joining the words
    return out
