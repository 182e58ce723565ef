"""POSIX shell words and command structure, every word mapped to its exact source span.

This is not a shell. It tokenises and lightly parses shell text (shell-form ``RUN``/``CMD``/
``ENTRYPOINT``, ``sh -c`` scripts, entrypoint scripts) far enough to answer: which simple commands
run, with which words, in which list/pipeline structure, and whether each is ``exec``-prefixed,
backgrounded, part of a pipeline, or nested in a compound command or function.

A word's ``value`` is its quote-removed literal text, or ``None`` when an expansion or a glob makes
it unknowable before run time. Rules must treat ``None`` as "unknown", never as a finding.

``split_words`` is the other entry point: argv splitting with no shell grammar, as Compose does for
a string ``command:`` (go-shellwords) and as Gunicorn does for ``GUNICORN_CMD_ARGS`` (``shlex``).

Parsing never raises and runs in linear time; malformed input yields best-effort results plus
``errors``.
"""

from __future__ import annotations

import re
from typing import Literal, Protocol

from dockerlint_django._record import record
from dockerlint_django.source import Mapped, Span

Dialect = Literal["posix", "bash"]
SplitDialect = Literal["shellwords", "shlex"]
ExpansionKind = Literal[
    "parameter", "command", "backtick", "arithmetic", "glob", "tilde", "brace", "array", "process"
]

# Deeper nesting than this is parsed flat; it keeps recursion far below Python's limit.
MAX_DEPTH = 32

RESERVED = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for"}
    | {"in", "{", "}", "!", "function", "select", "[[", "]]"}
)
CONNECTORS = frozenset({"&&", "||", ";", "|", "|&", "&", "\n", ";;", ";&", ";;&"})


# A script keeps a Word for every word it holds, and a heredoc holds hundreds of thousands: the
# classes made that many have slots, in a base class (a record's fields are annotations, which the
# record's own ``__slots__`` would collide with; the defaults are taken off the class after it is
# made, where they would hide the slots, and stay in its ``__init__``). Frozen without a
# ``__dict__``, they pickle through their constructor.


def _defaults_off(cls: type, *names: str) -> None:
    for name in names:
        delattr(cls, name)


class _ExpansionSlots:
    __slots__ = ("kind", "name", "quoted", "raw")


class _WordSlots:
    __slots__ = ("expansions", "mapped", "prefix", "quoted", "raw", "value")


class _SimpleCommandSlots:
    __slots__ = (
        "assignments",
        "background",
        "connector_after",
        "connector_before",
        "context",
        "exec_word",
        "in_pipeline",
        "negated",
        "redirects",
        "span",
        "words",
    )


@record
class Expansion(_ExpansionSlots):
    """Something in a word that the shell replaces at run time (or a glob it may replace)."""

    __slots__ = ()

    kind: ExpansionKind
    raw: Mapped  # source text: "${PORT:-8000}", "$(nproc)", "*"
    name: str | None = None  # parameter name: "PORT", "@", "1"; None for other kinds
    quoted: bool = False  # inside double quotes (no field splitting, no globbing)

    @property
    def span(self) -> Span:
        return self.raw.span()

    def __reduce__(self) -> tuple[type[Expansion], tuple[object, ...]]:
        return Expansion, (self.kind, self.raw, self.name, self.quoted)


_defaults_off(Expansion, "name", "quoted")


class WordLike(Protocol):
    """An argv element: a shell ``Word``, or a decoded exec-form JSON string (``Word.literal``)."""

    @property
    def value(self) -> str | None: ...

    @property
    def span(self) -> Span: ...

    @property
    def mapped(self) -> Mapped | None: ...


@record
class Word(_WordSlots):
    """One shell word.

    ``raw`` is the source text with its quotes; ``mapped`` the quote-removed value with each
    character mapped to its source (``None`` when unknown); ``prefix`` the known literal start of
    the value (all of it when known), e.g. ``0.0.0.0:`` for ``0.0.0.0:$PORT``.
    """

    __slots__ = ()

    raw: Mapped
    value: str | None
    mapped: Mapped | None
    prefix: Mapped
    expansions: tuple[Expansion, ...] = ()
    quoted: bool = False  # any quoting or escaping was present

    @property
    def span(self) -> Span:
        return self.raw.span()

    @property
    def unquoted_literal(self) -> str | None:
        """The text when the word is a plain literal (how reserved words must be written)."""
        if self.quoted or self.value is None:
            return None
        return self.value

    @property
    def is_all_args(self) -> bool:
        """``"$@"``, ``$@``, ``$*`` and their ``${…}`` spellings: the positional parameters."""
        return self.raw.text in _ALL_ARGS

    @classmethod
    def literal(cls, text: Mapped) -> Word:
        """A word whose value is known verbatim, such as a decoded exec-form JSON element."""
        return cls(text, text.text, text, text)

    @classmethod
    def synthetic(cls, text: str, at: int) -> Word:
        """A word with no source of its own (e.g. the implicit ``/bin/sh -c``), placed at ``at``."""
        n = len(text)
        m = Mapped(text, [at] * n, [at] * n) if n else Mapped.empty_at(at)
        return cls(m, text, m, m)

    def __reduce__(self) -> tuple[type[Word], tuple[object, ...]]:
        return Word, (self.raw, self.value, self.mapped, self.prefix, self.expansions, self.quoted)


_defaults_off(Word, "expansions", "quoted")


_ALL_ARGS = frozenset({'"$@"', "$@", '"${@}"', "${@}", "$*", '"$*"', "${*}", '"${*}"'})


@record
class Assignment:
    """``NAME=value`` before a command (or alone)."""

    name: str
    value: Word
    span: Span
    append: bool = False  # bash ``NAME+=value``


@record
class Redirect:
    op: str  # ">", ">>", "<", "<<", "<<-", "<<<", "<>", ">&", "<&", ">|", "&>", "&>>"
    fd: int | None  # explicit descriptor: the 2 of ``2>&1``
    target: Word | None  # file, descriptor, or heredoc delimiter; None when missing
    span: Span
    heredoc: Mapped | None = None  # body of ``<<``/``<<-`` (delimiter line excluded)


@record
class SimpleCommand(_SimpleCommandSlots):
    """A simple command as the shell would run it.

    ``words`` is argv after assignments; a leading ``exec`` (and its own options) is not in it but
    kept in ``exec_word``. ``exec`` alone (only redirections) sets ``exec_prefixed`` with empty
    ``words``: it replaces no process. ``context`` lists the enclosing compound commands,
    outermost first ("if", "while", "until", "for", "select", "case", "brace", "subshell",
    "function"); ``top_level`` is ``not context``. ``background`` is set for every command of an
    and-or list ended by ``&``. Connectors are "&&", "||", ";", "|", "|&", "&", "\\n", ";;", ";&",
    ";;&" or None (start of a list, or a reserved word or parenthesis next to it).
    """

    __slots__ = ()

    words: tuple[Word, ...]
    assignments: tuple[Assignment, ...]
    redirects: tuple[Redirect, ...]
    exec_word: Word | None
    background: bool
    in_pipeline: bool
    negated: bool
    context: tuple[str, ...]
    connector_before: str | None
    connector_after: str | None
    span: Span

    @property
    def exec_prefixed(self) -> bool:
        return self.exec_word is not None

    @property
    def top_level(self) -> bool:
        return not self.context

    @property
    def name(self) -> str | None:
        """The command name (``words[0]``'s value), None when absent or unknown."""
        return self.words[0].value if self.words else None

    def __reduce__(self) -> tuple[type[SimpleCommand], tuple[object, ...]]:
        return SimpleCommand, tuple(getattr(self, name) for name in self.__match_args__)


@record
class ShellError:
    message: str
    span: Span


@record
class Script:
    text: Mapped
    commands: tuple[SimpleCommand, ...]  # source order, commands nested in compounds included
    errors: tuple[ShellError, ...]


def parse_script(text: Mapped, *, dialect: Dialect = "posix") -> Script:
    """Parse shell text. ``dialect="bash"`` adds ``$'…'``, ``[[ ]]``, ``(( ))``, ``&>``, ``|&``,
    arrays, process substitution and brace expansion; ``posix`` is dash (Debian's ``/bin/sh``)."""
    parser = _Parser(text, 0, dialect, 0, False)
    try:
        parser.parse()
    except RecursionError:  # pragma: no cover - MAX_DEPTH keeps this unreachable
        parser.error("nesting too deep", 0, len(text))
    return Script(text, tuple(parser.freeze()), tuple(parser.errors))


def last_top_level_command(script: Script) -> SimpleCommand | None:
    """The script's last step when that step is a top-level simple command, else None.

    Function bodies do not run where they are defined, so they are skipped. When the last step is
    a compound command (``if``, a loop, a subshell…) the answer is None: no single command is last.
    """
    for cmd in reversed(script.commands):
        if cmd.context and cmd.context[0] == "function":
            continue
        return cmd if cmd.top_level else None
    return None


# --------------------------------------------------------------------------------------------
# Lexing

_PLAIN = re.compile(r"[^ \t\n\r|&;()<>'\"\\$`*?\[\]{}~]+")
_DQ_PLAIN = re.compile(r"[^\"\\$`]+")
_ANSI_PLAIN = re.compile(r"[^'\\]+")
_BLANKS = re.compile(r"(?:[ \t]|\\\n|\r(?=\n))+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A word that is one unquoted run ended by a blank, a newline or the end: no comment, operator,
# IO number (those end at "<" or ">") or expansion can start it, and scan_word makes it at once.
_PLAIN_WORD = r"[^ \t\n\r|&;()<>'\"\\$`*?\[\]{}~#][^ \t\n\r|&;()<>'\"\\$`*?\[\]{}~]*(?=[ \t\n]|\Z)"
_WORD_RUN = re.compile(_PLAIN_WORD)
# After a command's first word, the next such word: taken without making a token.
_NEXT_PLAIN = re.compile(rf"(?:[ \t]|\\\n|\r(?=\n))+({_PLAIN_WORD})")
# A whole line of such words: a simple command, made without the grammar's calls (most lines of
# a long heredoc). The first word must still be checked (a reserved word, an assignment).
_PLAIN_LINE = re.compile(rf"[ \t]*+{_PLAIN_WORD}(?:[ \t]++{_PLAIN_WORD})*+[ \t]*+(?=\n|\Z)")
_IO_NUMBER = re.compile(r"[0-9]+(?=[<>])")
_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\+?)=")
_ARRAY_START = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=\Z")
_PARAM_NAME = re.compile(
    r"(?:#(?=[A-Za-z_0-9@*#?$!-])|!)?([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])"
)
_OPS = {
    "posix": re.compile(r"&&|&|\|\||\||;;|;|\(|\)|<<-|<<|<>|<&|<|>>|>&|>\||>"),
    "bash": re.compile(
        r"&&|&>>|&>|&|\|\||\|&|\||;;&|;;|;&|;|\(\(|\(|\)|<<<|<<-|<<|<>|<&|<|>>|>&|>\||>"
    ),
}
_REDIRECT_OPS = frozenset({"<<<", "<<-", "<<", "<>", "<&", "<", ">>", ">&", ">|", ">", "&>", "&>>"})
_META = frozenset(" \t\n|&;()<>")
_PLAIN_END = _META - {"("}  # "(" may open a bash array: `a=(1 2)`
_ANSI_SIMPLE = {
    "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
    "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?",
}  # fmt: skip

# Token kinds: word, operator, redirect, newline, end.
_W, _O, _R, _N, _E = range(5)


class _Tok:
    # Plain classes, not records: one is made for every token and every command.
    __slots__ = ("end", "fd", "kind", "op", "op_end", "start", "word")

    def __init__(
        self,
        kind: int,
        start: int,  # offsets into the parsed text (not the file)
        end: int,
        op: str = "",
        word: Word | None = None,
        fd: int | None = None,
        op_end: int = 0,  # redirects: where the operator ends and the target begins
    ) -> None:
        self.kind = kind
        self.start = start
        self.end = end
        self.op = op
        self.word = word
        self.fd = fd
        self.op_end = op_end


class _Cmd:
    __slots__ = (
        "after",
        "assigns",
        "background",
        "before",
        "ctx",
        "end",
        "in_pipeline",
        "negated",
        "redirects",
        "start",
        "words",
    )

    def __init__(self, start: int, ctx: tuple[str, ...], before: str | None) -> None:
        self.start = start
        self.ctx = ctx
        self.before = before
        self.end = 0
        self.words: list[Word] | None = None
        self.assigns: list[tuple[Word, str, bool, int]] | None = None
        self.redirects: list[_Tok] | None = None
        self.after: str | None = None
        self.background = False
        self.in_pipeline = False
        self.negated = False


class _WordBuilder:
    """Collects the value pieces of one word and notes where it stops being knowable.

    Pieces are index ranges into the parsed text, merged when adjacent, so that the common word
    (one unquoted run) costs a single slice; decoded characters (``$'\\t'``) are ready-made Mapped.
    """

    __slots__ = ("expansions", "known", "last_end", "parts", "prefix_len", "quoted")

    def __init__(self) -> None:
        self.parts: list[tuple[int, int] | Mapped] = []
        self.last_end = -1  # end of the last range piece, to merge an adjacent one
        self.known = True
        self.prefix_len = 0
        self.expansions: list[Expansion] = []
        self.quoted = False

    def add(self, start: int, end: int) -> None:
        if start == self.last_end:
            prev = self.parts[-1]
            assert isinstance(prev, tuple)
            self.parts[-1] = (prev[0], end)
        elif end > start:
            self.parts.append((start, end))
        else:
            return
        self.last_end = end

    def unknown(self) -> None:
        if self.known:
            self.known = False
            self.prefix_len = len(self.parts)
            self.last_end = -1  # keep the prefix's last piece as it is


class _Parser:
    def __init__(
        self,
        text: Mapped,
        start: int,
        dialect: Dialect,
        depth: int,
        subst: bool,
        texts: dict[str, str] | None = None,
    ) -> None:
        self.m = text
        self.texts: dict[str, str] = {} if texts is None else texts  # one string per plain word
        self.s = text.text
        self.n = len(self.s)
        self.pos = start
        self.bash = dialect == "bash"
        self.dialect: Dialect = dialect
        self.ops = _OPS[dialect]
        self.depth = depth
        self.subst = subst  # inside $( … ): an unmatched ")" ends the parse
        self.tok: _Tok | None = None
        self.cmds: list[_Cmd] = []
        self.errors: list[ShellError] = []
        self.ctx: list[str] = []
        self.parens = 1 if subst else 0
        self.braces = 0
        self.pending: list[tuple[str, bool, int]] = []  # heredocs awaiting their newline
        self.bodies: dict[int, Mapped] = {}
        self.prev_sep: str | None = None
        self.open_cmd: _Cmd | None = None
        self.closed_at = -1  # end of the ")" that closed a $( … )

    # -- errors and spans ---------------------------------------------------------------------

    def error(self, message: str, start: int, end: int) -> None:
        self.errors.append(ShellError(message, self.m.span(start, max(start, end))))

    # -- lexer --------------------------------------------------------------------------------

    def peek(self) -> _Tok:
        if self.tok is None:
            self.tok = self.lex()
        return self.tok

    def advance(self) -> _Tok:
        tok = self.peek()
        self.tok = None
        if (tok.kind == _O and tok.op in CONNECTORS) or tok.kind == _N:
            op = "\n" if tok.kind == _N else tok.op
            if op == "\n" and self.prev_sep in ("&&", "||", "|", "|&"):
                return tok  # a line break after an operator continues the same list
            self.prev_sep = op
            if self.open_cmd is not None and self.open_cmd.after is None:
                self.open_cmd.after = op
        else:
            self.prev_sep = None
            self.open_cmd = None
        return tok

    def lex(self) -> _Tok:
        s, n = self.s, self.n
        m = _BLANKS.match(s, self.pos)
        pos = m.end() if m else self.pos
        if pos < n and s[pos] == "#":
            j = s.find("\n", pos)
            pos = n if j < 0 else j
        self.pos = pos
        if pos >= n:
            return _Tok(_E, n, n)
        c = s[pos]
        if c == "\n":
            self.pos = pos + 1
            if self.pending:
                self.read_heredocs()
            return _Tok(_N, pos, pos + 1)
        start = pos
        fd: int | None = None
        if c.isdigit():
            io = _IO_NUMBER.match(s, pos)
            if io:
                fd = int(io.group())
                pos = io.end()
                c = s[pos]
        if c in "&|;()<>":
            if fd is None and self.bash and c in "<>" and s.startswith("(", pos + 1):
                word, end = self.scan_word(pos)
                self.pos = end
                return _Tok(_W, pos, end, word=word)
            om = self.ops.match(s, pos)
            assert om is not None  # every operator character starts some operator
            op = om.group()
            self.pos = om.end()
            if op in _REDIRECT_OPS:
                return self.lex_redirect(op, start, fd)
            return _Tok(_O, pos, self.pos, op=op)
        word, end = self.scan_word(pos)
        self.pos = end
        return _Tok(_W, pos, end, word=word)

    def lex_redirect(self, op: str, start: int, fd: int | None) -> _Tok:
        op_end = self.pos
        m = _BLANKS.match(self.s, self.pos)
        if m:
            self.pos = m.end()
        target: Word | None = None
        at = self.pos
        if at < self.n and (
            self.s[at] not in _META or (self.bash and self.s.startswith(("<(", ">("), at))
        ):
            target, self.pos = self.scan_word(at)
        else:
            self.error(f"missing target after {op}", start, self.pos)
        tok = _Tok(_R, start, self.pos, op=op, word=target, fd=fd, op_end=op_end)
        if op in ("<<", "<<-") and target is not None:
            delim = target.value if target.value is not None else _strip_quotes(target.raw.text)
            self.pending.append((delim, op == "<<-", start))
        return tok

    def read_heredocs(self) -> None:
        s, n = self.s, self.n
        for delim, strip, key in self.pending:
            body_start = pos = self.pos
            while True:
                j = s.find("\n", pos)
                line_end = n if j < 0 else j
                line = s[pos:line_end]
                if line.endswith("\r"):
                    line = line[:-1]
                if (line.lstrip("\t") if strip else line) == delim:
                    self.bodies[key] = self.m[body_start:pos]
                    self.pos = min(n, line_end + 1)
                    break
                if j < 0:
                    self.bodies[key] = self.m[body_start:n]
                    self.error(f"heredoc delimited by end of text (wanted {delim!r})", key, n)
                    self.pos = n
                    break
                pos = j + 1
        self.pending.clear()

    # -- words --------------------------------------------------------------------------------

    def scan_word(self, pos: int, assign: bool = False) -> tuple[Word, int]:
        s, n, m = self.s, self.n, self.m
        # Most words are one unquoted run ended by a blank or an operator: made at once.
        plain = _PLAIN.match(s, pos)
        if plain is not None:
            end = plain.end()
            if end >= n or s[end] in _PLAIN_END:
                # Scripts repeat their words (a heredoc of a hundred thousand lines, most of
                # them `echo`): one string for each.
                text = plain.group()
                text = self.texts.setdefault(text, text)
                raw = m.piece(pos, end, text)
                return Word(raw, text, raw, raw, (), False), end
        start = pos
        b = _WordBuilder()
        brace_at = -1
        bracket = False
        if self.bash and pos + 1 < n and s[pos] in "<>" and s[pos + 1] == "(":
            end = self.skip_parens(pos + 2, 1)
            b.unknown()
            b.expansions.append(Expansion("process", m[pos:end]))
            pos = end
        elif assign and self.bash and pos < n and s[pos] == "(":
            end = self.skip_parens(pos + 1, 1)
            b.unknown()
            b.expansions.append(Expansion("array", m[pos:end]))
            pos = end
        while pos < n:
            pm = _PLAIN.match(s, pos)
            if pm:
                end = pm.end()
                b.add(pos, end)
                pos = end
                continue
            c = s[pos]
            if c in _META:
                if c == "(" and self.bash and _ARRAY_START.match(s, start, pos):
                    end = self.skip_parens(pos + 1, 1)
                    b.unknown()
                    b.expansions.append(Expansion("array", m[pos:end]))
                    pos = end
                    continue
                break
            if c == "\r":
                if pos + 1 < n and s[pos + 1] == "\n":
                    break
                b.add(pos, pos + 1)
                pos += 1
            elif c == "\\":
                if pos + 1 >= n:
                    b.add(pos, pos + 1)
                    pos += 1
                elif s[pos + 1] == "\n":
                    pos += 2
                else:
                    b.quoted = True
                    b.add(pos + 1, pos + 2)
                    pos += 2
            elif c == "'":
                b.quoted = True
                j = s.find("'", pos + 1)
                if j < 0:
                    self.error("unterminated single quote", pos, n)
                    b.unknown()
                    pos = n
                    break
                b.add(pos + 1, j)
                pos = j + 1
            elif c == '"':
                pos = self.scan_dquote(pos + 1, b)
            elif c == "$":
                pos = self.scan_dollar(pos, b, False)
            elif c == "`":
                pos = self.scan_backtick(pos, b, False)
            elif c in "*?":
                b.unknown()
                b.expansions.append(Expansion("glob", m[pos : pos + 1]))
                b.add(pos, pos + 1)
                pos += 1
            elif c == "[":
                bracket = True
                b.add(pos, pos + 1)
                pos += 1
            elif c == "]":
                if bracket:
                    b.unknown()
                    b.expansions.append(Expansion("glob", m[pos : pos + 1]))
                    bracket = False
                b.add(pos, pos + 1)
                pos += 1
            elif c == "{":
                if brace_at < 0:
                    brace_at = pos
                b.add(pos, pos + 1)
                pos += 1
            elif c == "}":
                if brace_at >= 0 and self.bash:
                    inner = s[brace_at + 1 : pos]
                    if "," in inner or ".." in inner:
                        b.unknown()
                        b.expansions.append(Expansion("brace", m[brace_at : pos + 1]))
                brace_at = -1
                b.add(pos, pos + 1)
                pos += 1
            else:  # "~"
                if pos == start or (assign and s[pos - 1] in ":="):
                    b.unknown()
                    b.expansions.append(Expansion("tilde", m[pos : pos + 1]))
                b.add(pos, pos + 1)
                pos += 1
        return self.make_word(start, pos, b), pos

    def make_word(self, start: int, end: int, b: _WordBuilder) -> Word:
        raw = self.m[start:end]
        exps = tuple(b.expansions)
        if b.known:
            mapped = self.join(b.parts, start, end, raw)
            return Word(raw, mapped.text, mapped, mapped, exps, b.quoted)
        prefix = self.join(b.parts[: b.prefix_len], start, end, raw)
        return Word(raw, None, None, prefix, exps, b.quoted)

    def join(
        self, parts: list[tuple[int, int] | Mapped], start: int, end: int, raw: Mapped
    ) -> Mapped:
        if len(parts) == 1:
            only = parts[0]
            if only == (start, end):
                return raw
            if isinstance(only, Mapped):
                return only
            return self.m[only[0] : only[1]]
        if not parts:
            return Mapped.empty_at(raw.span().start)
        return Mapped.join([p if isinstance(p, Mapped) else self.m[p[0] : p[1]] for p in parts])

    def scan_dquote(self, pos: int, b: _WordBuilder) -> int:
        s, n = self.s, self.n
        b.quoted = True
        open_at = pos - 1
        while pos < n:
            dm = _DQ_PLAIN.match(s, pos)
            if dm:
                b.add(pos, dm.end())
                pos = dm.end()
                continue
            c = s[pos]
            if c == '"':
                return pos + 1
            if c == "\\":
                nxt = s[pos + 1] if pos + 1 < n else ""
                if nxt == "\n":
                    pos += 2
                elif nxt and nxt in '$`"\\':
                    b.add(pos + 1, pos + 2)
                    pos += 2
                else:
                    b.add(pos, pos + 1)
                    pos += 1
            elif c == "$":
                pos = self.scan_dollar(pos, b, True)
            else:
                pos = self.scan_backtick(pos, b, True)
        self.error("unterminated double quote", open_at, n)
        b.unknown()
        return n

    def scan_dollar(self, pos: int, b: _WordBuilder, in_dq: bool) -> int:
        s, n, m = self.s, self.n, self.m
        nxt = s[pos + 1] if pos + 1 < n else ""
        if nxt == "{":
            end = self.skip_braced(pos + 2)
            raw = m[pos:end]
            pn = _PARAM_NAME.match(s, pos + 2)
            b.unknown()
            b.expansions.append(Expansion("parameter", raw, pn.group(1) if pn else None, in_dq))
            return end
        if nxt == "(":
            if s.startswith("((", pos + 1):
                end = self.skip_parens(pos + 3, 2)
                kind: ExpansionKind = "arithmetic"
            else:
                end = self.skip_command(pos + 2)
                kind = "command"
            b.unknown()
            b.expansions.append(Expansion(kind, m[pos:end], None, in_dq))
            return end
        if nxt and (nxt == "_" or (nxt.isascii() and nxt.isalpha())):
            nm = _NAME.match(s, pos + 1)
            assert nm is not None
            b.unknown()
            b.expansions.append(Expansion("parameter", m[pos : nm.end()], nm.group(), in_dq))
            return nm.end()
        if nxt and (nxt in "@*#?$!-" or (nxt.isascii() and nxt.isdigit())):
            b.unknown()
            b.expansions.append(Expansion("parameter", m[pos : pos + 2], nxt, in_dq))
            return pos + 2
        if nxt == "'" and not in_dq and self.bash:
            b.quoted = True
            return self.scan_ansi_c(pos + 2, b)
        if nxt == '"' and not in_dq and self.bash:
            return self.scan_dquote(pos + 2, b)
        b.add(pos, pos + 1)
        return pos + 1

    def scan_ansi_c(self, pos: int, b: _WordBuilder) -> int:
        s, n, m = self.s, self.n, self.m
        open_at = pos - 2
        while pos < n:
            c = s[pos]
            if c == "'":
                return pos + 1
            if c != "\\":
                lm = _ANSI_PLAIN.match(s, pos)
                assert lm is not None
                b.add(pos, lm.end())
                pos = lm.end()
                continue
            if pos + 1 >= n:
                break
            e = s[pos + 1]
            text, end = _ansi_escape(s, pos, e)
            if text is None:
                b.add(pos, end)
            elif text:
                src = m.span(pos, end)
                b.parts.append(Mapped(text, [src.start] * len(text), [src.end] * len(text)))
                b.last_end = -1
            pos = end
        self.error("unterminated $'…' string", open_at, n)
        b.unknown()
        return n

    def scan_backtick(self, pos: int, b: _WordBuilder, in_dq: bool) -> int:
        s, n = self.s, self.n
        i = pos + 1
        while i < n:
            c = s[i]
            if c == "\\":
                i += 2
                continue
            if c == "`":
                b.unknown()
                b.expansions.append(Expansion("backtick", self.m[pos : i + 1], None, in_dq))
                return i + 1
            i += 1
        self.error("unterminated backquote", pos, n)
        b.unknown()
        b.expansions.append(Expansion("backtick", self.m[pos:n], None, in_dq))
        return n

    def skip_braced(self, pos: int) -> int:
        """End of a ``${…}`` whose body starts at ``pos`` (quotes and nesting respected)."""
        s, n = self.s, self.n
        depth = 1
        i = pos
        while i < n:
            c = s[i]
            if c == "\\":
                i += 2
            elif c == "}":
                depth -= 1
                i += 1
                if depth == 0:
                    return i
            elif c == "$" and i + 1 < n and s[i + 1] == "{":
                depth += 1
                i += 2
            elif c == "$" and i + 1 < n and s[i + 1] == "(":
                i = self.skip_command(i + 2)
            elif c == "'":
                j = s.find("'", i + 1)
                i = n if j < 0 else j + 1
            elif c == '"':
                i = self.skip_dquote(i + 1)
            elif c == "`":
                j = i + 1
                while j < n and s[j] != "`":
                    j += 2 if s[j] == "\\" else 1
                i = min(n, j + 1)
            else:
                i += 1
        self.error("unterminated ${…}", pos - 2, n)
        return n

    def skip_dquote(self, pos: int) -> int:
        s, n = self.s, self.n
        i = pos
        while i < n:
            c = s[i]
            if c == "\\":
                i += 2
            elif c == '"':
                return i + 1
            elif c == "$" and i + 1 < n and s[i + 1] == "(":
                i = self.skip_command(i + 2)
            else:
                i += 1
        return n

    def skip_parens(self, pos: int, depth: int) -> int:
        """End of a parenthesised region already ``depth`` deep (arithmetic, arrays)."""
        s, n = self.s, self.n
        i = pos
        open_at = pos
        while i < n:
            c = s[i]
            if c == "\\":
                i += 2
                continue
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    return i + 1
            elif c == "'":
                j = s.find("'", i + 1)
                i = n if j < 0 else j + 1
                continue
            elif c == '"':
                i = self.skip_dquote(i + 1)
                continue
            i += 1
        self.error("unterminated parenthesis", open_at, n)
        return n

    def skip_command(self, pos: int) -> int:
        """End of a ``$( … )`` whose body starts at ``pos``: parse the body as a script."""
        if self.depth >= MAX_DEPTH:
            return self.skip_parens(pos, 1)
        sub = _Parser(self.m, pos, self.dialect, self.depth + 1, True, self.texts)
        sub.parse()
        self.errors.extend(sub.errors)
        if sub.closed_at < 0:
            self.error("unterminated $(…)", pos - 2, self.n)
            return self.n
        return sub.closed_at

    # -- grammar ------------------------------------------------------------------------------

    def parse(self) -> None:
        while True:
            self.parse_list(frozenset())
            tok = self.peek()
            if tok.kind == _E:
                return
            if tok.kind == _O and tok.op == ")" and self.subst:
                self.closed_at = tok.end
                self.tok = None
                return
            # parse_list only stops early on a token no list can start with.
            self.error(f"unexpected {_describe(tok)}", tok.start, tok.end)
            self.advance()

    def at_end(self, terms: frozenset[str]) -> bool:
        tok = self.peek()
        if tok.kind == _E:
            return True
        if tok.kind == _O:
            return tok.op in terms or (tok.op == ")" and self.parens > 0)
        if tok.kind == _W and tok.word is not None:
            lit = tok.word.unquoted_literal
            if lit is not None and (lit in terms or (lit == "}" and self.braces > 0)):
                return True
        return False

    def skip_newlines(self) -> None:
        while self.peek().kind == _N:
            self.advance()

    def parse_list(self, terms: frozenset[str]) -> None:
        while True:
            # A newline already lexed is taken here, one at a time, as skip_newlines would: the
            # line after it can then be a plain line too.
            if self.tok is not None and self.tok.kind == _N:
                self.advance()
                continue
            if self.tok is None and self.plain_line():
                continue
            self.skip_newlines()
            if self.at_end(terms):
                return
            tok = self.peek()
            if tok.kind == _O and tok.op not in ("(", "(("):
                self.error(f"unexpected {_describe(tok)}", tok.start, tok.end)
                self.advance()
                continue
            first = len(self.cmds)
            self.parse_and_or()
            tok = self.peek()
            if tok.kind == _O and tok.op in (";", "&"):
                if tok.op == "&":
                    for cmd in self.cmds[first:]:
                        cmd.background = True
                self.advance()
            elif tok.kind in (_N, _E) or self.at_end(terms):
                continue
            else:
                self.error(f"unexpected {_describe(tok)}", tok.start, tok.end)
                self.advance()

    def plain_line(self) -> bool:
        """A line of plain words from ``pos``, when it is one: the simple command and the newline
        token that ``simple_command``, ``lex`` and ``advance`` would make of it, and True."""
        s = self.s
        line = _PLAIN_LINE.match(s, self.pos)
        if line is None:
            return False
        texts, m = self.texts, self.m
        words: list[Word] = []
        start = end = 0
        for w in _WORD_RUN.finditer(s, self.pos, line.end()):
            text = w.group()
            if not words:
                if text in RESERVED or _ASSIGN.match(text):
                    return False
                start = w.start()
            end = w.end()
            text = texts.setdefault(text, text)
            raw = m.piece(w.start(), end, text)
            words.append(Word(raw, text, raw, raw, (), False))
        cmd = _Cmd(start, tuple(self.ctx), self.prev_sep)
        cmd.end = end
        cmd.words = words
        self.cmds.append(cmd)
        self.open_cmd = cmd
        self.prev_sep = None
        self.pos = line.end()
        if self.pos < self.n:  # the newline
            self.pos += 1
            if self.pending:
                self.read_heredocs()
            cmd.after = self.prev_sep = "\n"
        return True

    def parse_and_or(self) -> None:
        self.parse_pipeline()
        while True:
            tok = self.peek()
            if tok.kind != _O or tok.op not in ("&&", "||"):
                return
            self.advance()
            self.skip_newlines()
            self.parse_pipeline()

    def parse_pipeline(self) -> None:
        negated = False
        tok = self.peek()
        if tok.kind == _W and tok.word is not None and tok.word.unquoted_literal == "!":
            negated = True
            self.advance()
        first = len(self.cmds)
        self.parse_command()
        count = 1
        while True:
            tok = self.peek()
            if tok.kind != _O or tok.op not in ("|", "|&"):
                break
            self.advance()
            self.skip_newlines()
            self.parse_command()
            count += 1
        if count > 1 or negated:
            for cmd in self.cmds[first:]:
                cmd.in_pipeline = cmd.in_pipeline or count > 1
                cmd.negated = cmd.negated or negated

    def parse_command(self) -> None:
        tok = self.peek()
        if tok.kind == _O:
            if tok.op == "(":
                self.compound_subshell(tok)
            elif tok.op == "((":
                self.advance()
                self.pos = self.skip_parens(tok.end, 2)
                self.tok = None
                self.trailing_redirects()
            else:
                self.error(f"unexpected {_describe(tok)}", tok.start, tok.end)
                self.advance()
            return
        if tok.kind in (_N, _E):
            self.error(f"missing command before {_describe(tok)}", tok.start, tok.end)
            return
        lit = tok.word.unquoted_literal if tok.word is not None else None
        if lit is not None and lit in RESERVED and lit not in ("!", "]]", "[[", "in"):
            if self.depth >= MAX_DEPTH and lit in ("{", "if", "while", "until", "for", "case"):
                self.error("nesting too deep", tok.start, tok.end)
                self.advance()
                return
            handler = _COMPOUND.get(lit)
            if handler is not None:
                handler(self)
                return
            if lit == "function" and self.bash:
                self.function_keyword()
                return
            if lit != "function":
                self.error(f"unexpected {lit!r}", tok.start, tok.end)
                self.advance()
                return
        self.simple_command()

    def enter(self, name: str) -> None:
        self.ctx.append(name)
        self.depth += 1

    def leave(self) -> None:
        self.ctx.pop()
        self.depth -= 1

    def expect(self, word: str) -> bool:
        tok = self.peek()
        if tok.kind == _W and tok.word is not None and tok.word.unquoted_literal == word:
            self.advance()
            return True
        self.error(f"expected {word!r}, found {_describe(tok)}", tok.start, tok.end)
        return False

    def trailing_redirects(self) -> None:
        while self.peek().kind == _R:
            self.advance()

    def compound_subshell(self, tok: _Tok) -> None:
        self.advance()
        if self.depth >= MAX_DEPTH:
            self.error("nesting too deep", tok.start, tok.end)
            return
        self.enter("subshell")
        self.parens += 1
        self.parse_list(frozenset({")"}))
        self.parens -= 1
        close = self.peek()
        if close.kind == _O and close.op == ")":
            self.advance()
        else:
            self.error(f"expected ')', found {_describe(close)}", close.start, close.end)
        self.leave()
        self.trailing_redirects()

    def compound_brace(self) -> None:
        self.advance()
        self.enter("brace")
        self.braces += 1
        self.parse_list(frozenset({"}"}))
        self.braces -= 1
        self.expect("}")
        self.leave()
        self.trailing_redirects()

    def compound_if(self) -> None:
        self.advance()
        self.enter("if")
        self.parse_list(frozenset({"then"}))
        if self.expect("then"):
            while True:
                self.parse_list(frozenset({"elif", "else", "fi"}))
                tok = self.peek()
                lit = tok.word.unquoted_literal if tok.word is not None else None
                if lit == "elif":
                    self.advance()
                    self.parse_list(frozenset({"then"}))
                    if not self.expect("then"):
                        break
                    continue
                if lit == "else":
                    self.advance()
                    self.parse_list(frozenset({"fi"}))
                break
            self.expect("fi")
        self.leave()
        self.trailing_redirects()

    def compound_loop(self) -> None:
        tok = self.advance()
        assert tok.word is not None
        self.enter(tok.word.value or "while")
        self.parse_list(frozenset({"do"}))
        self.loop_body()
        self.leave()
        self.trailing_redirects()

    def loop_body(self) -> None:
        if self.expect("do"):
            self.parse_list(frozenset({"done"}))
            self.expect("done")

    def compound_for(self) -> None:
        tok = self.advance()
        assert tok.word is not None
        self.enter(tok.word.value or "for")
        nxt = self.peek()
        if nxt.kind == _O and nxt.op == "((":
            self.advance()
            self.pos = self.skip_parens(nxt.end, 2)
            self.tok = None
        elif nxt.kind == _W:
            self.advance()
        else:
            self.error(f"expected a name, found {_describe(nxt)}", nxt.start, nxt.end)
        self.skip_newlines()
        nxt = self.peek()
        if nxt.kind == _W and nxt.word is not None and nxt.word.unquoted_literal == "in":
            self.advance()
            while self.peek().kind == _W:
                self.advance()
        nxt = self.peek()
        if nxt.kind == _O and nxt.op == ";":
            self.advance()
        self.skip_newlines()
        self.loop_body()
        self.leave()
        self.trailing_redirects()

    def compound_case(self) -> None:
        self.advance()
        self.enter("case")
        if self.peek().kind == _W:
            self.advance()
        self.skip_newlines()
        if self.expect("in"):
            ends = frozenset({";;", ";&", ";;&", "esac"})
            while True:
                self.skip_newlines()
                tok = self.peek()
                if tok.kind == _E:
                    self.error("expected 'esac'", tok.start, tok.end)
                    break
                if tok.kind == _W and tok.word is not None and tok.word.unquoted_literal == "esac":
                    self.advance()
                    break
                if not self.case_patterns():
                    break
                self.parse_list(ends)
                tok = self.peek()
                if tok.kind == _O and tok.op in (";;", ";&", ";;&"):
                    self.advance()
        self.leave()
        self.trailing_redirects()

    def case_patterns(self) -> bool:
        tok = self.peek()
        if tok.kind == _O and tok.op == "(":
            self.advance()
        while True:
            tok = self.peek()
            if tok.kind == _W or (tok.kind == _O and tok.op == "|"):
                self.advance()
            elif tok.kind == _O and tok.op == ")":
                self.advance()
                return True
            else:
                self.error(f"bad case pattern at {_describe(tok)}", tok.start, tok.end)
                if tok.kind != _E:
                    self.advance()
                return tok.kind != _E

    def function_keyword(self) -> None:
        self.advance()
        if self.peek().kind == _W:
            self.advance()
        tok = self.peek()
        if tok.kind == _O and tok.op == "(":
            self.advance()
            if self.peek().kind == _O and self.peek().op == ")":
                self.advance()
        self.function_body()

    def function_body(self) -> None:
        self.skip_newlines()
        if self.depth >= MAX_DEPTH:
            tok = self.peek()
            self.error("nesting too deep", tok.start, tok.end)
            return
        self.enter("function")
        self.parse_command()
        self.leave()

    def simple_command(self) -> None:
        first = self.peek()
        cmd = _Cmd(first.start, tuple(self.ctx), self.prev_sep)
        words: list[Word] = []
        assigns: list[tuple[Word, str, bool, int]] = []
        redirects: list[_Tok] = []
        end = first.start
        s, texts, m = self.s, self.texts, self.m
        while True:
            if words and self.tok is None:
                # Most arguments: what lex, scan_word and advance would make of them, at once
                # (the first word's own checks are done, and advance leaves nothing to note).
                plain = _NEXT_PLAIN.match(s, self.pos)
                if plain is not None:
                    start, end = plain.span(1)
                    text = plain.group(1)
                    text = texts.setdefault(text, text)
                    raw = m.piece(start, end, text)
                    words.append(Word(raw, text, raw, raw, (), False))
                    self.pos = end
                    continue
            tok = self.peek()
            if tok.kind == _W:
                assert tok.word is not None
                word = tok.word
                am = None if words else _ASSIGN.match(word.raw.text)
                if am is not None:
                    assigns.append((word, am.group(1), bool(am.group(2)), tok.start))
                else:
                    words.append(word)
                self.advance()
                end = tok.end
                if len(words) == 1 and self.bash and word.unquoted_literal == "[[":
                    end = self.double_bracket(words)
                    continue
                if len(words) == 1 and not assigns:
                    nxt = self.peek()
                    if nxt.kind == _O and nxt.op == "(" and word.unquoted_literal:
                        self.function_definition()
                        return
            elif tok.kind == _R:
                redirects.append(tok)
                self.advance()
                end = tok.end
            else:
                break
        cmd.end = end
        cmd.words = words
        cmd.assigns = assigns
        cmd.redirects = redirects
        self.cmds.append(cmd)
        self.open_cmd = cmd

    def function_definition(self) -> None:
        self.advance()
        tok = self.peek()
        if tok.kind == _O and tok.op == ")":
            self.advance()
        else:
            self.error(f"expected ')', found {_describe(tok)}", tok.start, tok.end)
        self.function_body()

    def double_bracket(self, words: list[Word]) -> int:
        """Inside ``[[ … ]]`` operators are plain words; collect them up to ``]]``."""
        end = self.peek().start
        while True:
            tok = self.peek()
            if tok.kind == _N and words[-1].raw.text in ("&&", "||"):
                self.tok = None  # a line may break after && or || inside [[ ]]
                continue
            if tok.kind == _W:
                assert tok.word is not None
                words.append(tok.word)
                self.advance()
                end = tok.end
                if tok.word.unquoted_literal == "]]":
                    return end
            elif tok.kind in (_O, _R):
                op_end = tok.op_end if tok.kind == _R else tok.end
                words.append(Word.literal(self.m[tok.start : op_end]))
                self.tok = None
                self.prev_sep = None
                end = tok.end
                if tok.kind == _R and tok.word is not None:
                    words.append(tok.word)
            else:
                self.error("expected ']]'", tok.start, tok.end)
                return end

    # -- results ------------------------------------------------------------------------------

    def freeze(self) -> list[SimpleCommand]:
        # Each command's working copy goes as it is frozen: kept to the end, the copies of a long
        # heredoc's commands were a tenth of its peak memory.
        pending, self.cmds = self.cmds, []
        pending.reverse()
        out: list[SimpleCommand] = []
        while pending:
            out.append(self.freeze_one(pending.pop()))
        return out

    def freeze_one(self, c: _Cmd) -> SimpleCommand:
        words = c.words or []
        exec_word: Word | None = None
        if words and words[0].value == "exec":
            exec_word = words[0]
            i = 1
            while i < len(words):
                v = words[i].value
                if v == "--":
                    i += 1
                    break
                if v is None or len(v) < 2 or v[0] != "-" or v.strip("-cla") != "":
                    break
                i += 2 if v.endswith("a") else 1
            words = words[i:]
        assigns = tuple(self.assignment(*a) for a in c.assigns) if c.assigns else ()
        redirects = (
            tuple(
                Redirect(r.op, r.fd, r.word, self.m.span(r.start, r.end), self.bodies.get(r.start))
                for r in c.redirects
            )
            if c.redirects
            else ()
        )
        return SimpleCommand(
            tuple(words),
            assigns,
            redirects,
            exec_word,
            c.background,
            c.in_pipeline,
            c.negated,
            c.ctx,
            c.before,
            c.after,
            self.m.span(c.start, c.end),
        )

    def assignment(self, word: Word, name: str, append: bool, start: int) -> Assignment:
        offset = len(name) + (2 if append else 1)
        if word.value is not None and not word.quoted and "~" not in word.value:
            value = Word.literal(word.raw[offset:])
        else:
            # Quoting and expansions may sit on either side of "=": scan the value on its own,
            # dropping the errors already reported for the whole word.
            seen = len(self.errors)
            value, _ = self.scan_word(start + offset, assign=True)
            del self.errors[seen:]
        return Assignment(name, value, word.span, append)


_COMPOUND = {
    "{": _Parser.compound_brace,
    "if": _Parser.compound_if,
    "while": _Parser.compound_loop,
    "until": _Parser.compound_loop,
    "for": _Parser.compound_for,
    "select": _Parser.compound_for,
    "case": _Parser.compound_case,
}


def _describe(tok: _Tok) -> str:
    if tok.kind == _E:
        return "end of text"
    if tok.kind == _N:
        return "newline"
    if tok.kind == _W and tok.word is not None:
        return repr(tok.word.raw.text)
    return repr(tok.op)


def _strip_quotes(text: str) -> str:
    return text.replace("'", "").replace('"', "").replace("\\", "")


def _ansi_escape(s: str, pos: int, e: str) -> tuple[str | None, int]:
    """Decode the ``$'…'`` escape at ``pos`` (a backslash). None: keep the source as is."""
    simple = _ANSI_SIMPLE.get(e)
    if simple is not None:
        return simple, pos + 2
    n = len(s)
    if e in "01234567":
        j = pos + 1
        while j < n and j < pos + 4 and s[j] in "01234567":
            j += 1
        return chr(int(s[pos + 1 : j], 8) & 0xFF), j
    if e in "xuU":
        limit = {"x": 2, "u": 4, "U": 8}[e]
        j = pos + 2
        while j < n and j < pos + 2 + limit and s[j] in "0123456789abcdefABCDEF":
            j += 1
        if j == pos + 2:
            return None, pos + 2
        code = int(s[pos + 2 : j], 16)
        return (chr(code) if code <= 0x10FFFF else "\ufffd"), j
    if e == "c" and pos + 2 < n:
        return chr(ord(s[pos + 2]) & 0x1F), pos + 3
    return None, pos + 2


# --------------------------------------------------------------------------------------------
# Argv splitting without a shell


@record
class SplitResult:
    """Words split off a string with no shell grammar.

    ``error`` is what the real splitter reports (go-shellwords: "invalid command line string";
    shlex: "No closing quotation", "No escaped character"); the splitter then yields nothing, so a
    consumer must treat the whole string as rejected. ``rest`` (go-shellwords only) is the tail
    left unparsed from the first unquoted ``;``, ``&``, ``|``, ``<`` or ``>``: it is silently
    dropped, not passed as arguments.
    """

    words: tuple[Word, ...]
    error: str | None = None
    error_span: Span | None = None
    rest: Span | None = None


def split_words(text: Mapped, *, dialect: SplitDialect = "shellwords") -> list[Word]:
    """Argv for ``text``: Compose's go-shellwords rules by default, or Python's ``shlex.split``."""
    return list(shell_split(text, dialect=dialect).words)


def shell_split(text: Mapped, *, dialect: SplitDialect = "shellwords") -> SplitResult:
    if dialect == "shlex":
        return _ShlexSplitter(text).run()
    return _shellwords(text)


class _Acc:
    """A token being accumulated character by character, with its source range."""

    __slots__ = ("chars", "ends", "first", "last", "starts")

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.first = -1
        self.last = -1

    def touch(self, i: int) -> None:
        if self.first < 0:
            self.first = i
        self.last = i

    def add(self, ch: str, start: int, end: int) -> None:
        self.chars.append(ch)
        self.starts.append(start)
        self.ends.append(end)

    def word(self, m: Mapped) -> Word:
        raw = m[self.first : self.last + 1]
        if self.chars:
            mapped = Mapped("".join(self.chars), self.starts, self.ends)
        else:
            mapped = Mapped.empty_at(raw.span().start)
        return Word(raw, mapped.text, mapped, mapped, (), raw.text != mapped.text)


def _shellwords(m: Mapped) -> SplitResult:
    """go-shellwords ``Parse`` as Compose calls it (no env or backtick evaluation)."""
    s = m.text
    words: list[Word] = []
    acc = _Acc()
    got = False  # go's argNo / otherwise
    escaped = dq = sq = bq = dollar = False
    esc_at = 0

    def src(i: int) -> tuple[int, int]:
        sp = m.span(i, i + 1)
        return sp.start, sp.end

    def push() -> None:
        nonlocal acc
        words.append(acc.word(m))
        acc = _Acc()

    def fail(i: int) -> SplitResult:
        return SplitResult(tuple(words), "invalid command line string", m.span(i, i + 1))

    for i, r in enumerate(s):
        if escaped:
            escaped = False
            acc.touch(i)
            got = True
            if bq or dollar:
                a, _ = src(esc_at)
                acc.add("\\", a, a + 1)
                acc.add(r, *src(i))
                continue
            ch = "\t" if r == "t" else "\n" if r == "n" else r
            acc.add(ch, src(esc_at)[0], src(i)[1])
            continue
        if r == "\\":
            acc.touch(i)
            if sq:
                acc.add(r, *src(i))
            else:
                escaped = True
                esc_at = i
            continue
        if r in " \t\r\n":
            if sq or dq or bq or dollar:
                acc.touch(i)
                acc.add(r, *src(i))
            elif got:
                push()
                got = False
            continue
        if r == "`":
            if not sq and not dq and not dollar:
                bq = not bq
        elif r == ")":
            if not sq and not dq and not bq:
                if not dollar:
                    return fail(i)
                acc.touch(i)
                acc.add(r, *src(i))
                dollar = False
                got = True
                continue
        elif r == "(":
            if not sq and not dq and not bq:
                buf = "".join(acc.chars)
                if not dollar and buf.endswith("$") and not buf.endswith("\\$"):
                    dollar = True
                    acc.touch(i)
                    acc.add(r, *src(i))
                    continue
                return fail(i)
        elif r == '"':
            if not sq and not dollar and not bq:
                acc.touch(i)
                if dq:
                    got = True
                dq = not dq
                continue
        elif r == "'":
            if not dq and not dollar and not bq:
                acc.touch(i)
                if sq:
                    got = True
                sq = not sq
                continue
        elif r in ";&|<>" and not (sq or dq or bq or dollar):
            rest_at = i
            if r == ">" and acc.chars and all("0" <= c <= "9" for c in acc.chars):
                rest_at = i - len(acc.chars)
                got = False
            if got:
                push()
            return SplitResult(tuple(words), rest=m.span(rest_at, len(s)))
        acc.touch(i)
        got = True
        acc.add(r, *src(i))
    if escaped or sq or dq or bq or dollar:
        return SplitResult(tuple(words), "invalid command line string", m.span(len(s), len(s)))
    if got:
        push()
    return SplitResult(tuple(words))


class _ShlexSplitter:
    """``shlex.split(text)`` (posix, whitespace_split, no comments), with source mapping."""

    def __init__(self, m: Mapped) -> None:
        self.m = m

    def run(self) -> SplitResult:
        m = self.m
        s = m.text
        n = len(s)
        words: list[Word] = []
        i = 0
        while True:
            acc = _Acc()
            state = " "
            escaped_state = " "
            esc_at = 0
            quoted = False
            while True:
                if i >= n:
                    if state in "'\"":
                        return SplitResult(
                            tuple(words), "No closing quotation", m.span(acc.first, n)
                        )
                    if state == "\\":
                        return SplitResult(tuple(words), "No escaped character", m.span(esc_at, n))
                    state = "eof"
                    break
                c = s[i]
                sp = m.span(i, i + 1)
                i += 1
                if state == " ":
                    if c in " \t\r\n":
                        continue
                    acc.touch(i - 1)
                    if c == "\\":
                        escaped_state = "a"
                        state = "\\"
                        esc_at = i - 1
                    elif c in "'\"":
                        state = c
                    else:
                        acc.add(c, sp.start, sp.end)
                        state = "a"
                elif state in "'\"":
                    quoted = True
                    acc.touch(i - 1)
                    if c == state:
                        state = "a"
                    elif c == "\\" and state == '"':
                        escaped_state = state
                        state = "\\"
                        esc_at = i - 1
                    else:
                        acc.add(c, sp.start, sp.end)
                elif state == "\\":
                    acc.touch(i - 1)
                    if escaped_state in "'\"" and c != "\\" and c != escaped_state:
                        esc = m.span(esc_at, esc_at + 1)
                        acc.add("\\", esc.start, esc.end)
                    acc.add(c, sp.start, sp.end)
                    state = escaped_state
                else:  # "a"
                    if c in " \t\r\n":
                        break
                    acc.touch(i - 1)
                    if c in "'\"":
                        state = c
                    elif c == "\\":
                        escaped_state = "a"
                        state = "\\"
                        esc_at = i - 1
                    else:
                        acc.add(c, sp.start, sp.end)
            if acc.chars or quoted:
                words.append(acc.word(m))
            if state == "eof":
                return SplitResult(tuple(words))


__all__ = [
    "Assignment",
    "Expansion",
    "Redirect",
    "Script",
    "ShellError",
    "SimpleCommand",
    "SplitResult",
    "Word",
    "last_top_level_command",
    "parse_script",
    "shell_split",
    "split_words",
]
