"""nginx configuration files, tokenised the way nginx reads them, never run.

The syntax is ``ngx_conf_read_token`` in ``src/core/ngx_conf_file.c``: a directive is words up to
``;``, or words and a ``{ … }`` block; words are split at spaces, tabs and line breaks; ``#`` at
the start of a word comments out the rest of the line (``a#b`` is one word); a word that starts
with ``"`` or ``'`` runs to the matching quote, which must be followed by a space, ``;``, ``{`` or
``)``; a backslash takes the next character as it is (``\\;`` is no terminator), and in the value
``\\"``, ``\\'`` and ``\\\\`` lose their backslash while ``\\t``, ``\\r`` and ``\\n`` become the
control characters; ``${`` inside a word does not open a block (``${var}``). A ``}`` outside a
word closes the block; inside a word it is part of it.

Decisions, for the rules that read this:

- ``include`` is recorded as a directive and never followed: what it brings is unknown, and a
  block holding one (``Directive.includes``) may set anything.
- A file nginx would reject (an unbalanced block, an unterminated quote or directive, a ``;``
  with no name, a ``}`` at the top level) is unknown as a whole: ``error`` set, no directives.
- OpenResty's ``*_by_lua_block { … }`` holds Lua, not nginx words: such a file is unknown too.
- Spans are offsets into the file's text (``SourceFile.position`` gives line and column): each
  word's span covers it as written, quotes included; a directive's span runs from its name to
  its ``;`` or its block's ``}``.
- Budgets, so that a hostile file can neither hang nor exhaust memory: a file longer than
  ``MAX_SOURCE_CHARS``, with more than ``MAX_WORDS`` words or nested deeper than ``MAX_DEPTH``
  blocks, or holding a NUL (a binary file), is unknown without further reading.
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django._record import record
from dockerlint_django.source import SourceFile, Span

# Real configurations are a few KB; the stock mime.types is 5 KB.
MAX_SOURCE_CHARS = 1024 * 1024
MAX_WORDS = 200_000
MAX_DEPTH = 64

_SPACE = frozenset(" \t\r\n")
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "t": "\t", "r": "\r", "n": "\n"}


@record
class Word:
    """One word as nginx reads it: ``value`` with quotes removed and escapes applied."""

    value: str
    span: Span  # as written, quotes included
    quoted: bool = False

    @property
    def has_variable(self) -> bool:
        """The value holds a ``$``: nginx (or envsubst, for a template) fills it in."""
        return "$" in self.value


@record
class Directive:
    """``name args… ;`` or ``name args… { block }``."""

    words: tuple[Word, ...]  # the name first
    span: Span  # name to `;` or `}`
    block: tuple[Directive, ...] | None = None  # None: a simple directive
    open_span: Span | None = None  # the block's `{`

    @property
    def name(self) -> str:
        return self.words[0].value

    @property
    def name_span(self) -> Span:
        return self.words[0].span

    @property
    def args(self) -> tuple[Word, ...]:
        return self.words[1:]

    @property
    def children(self) -> tuple[Directive, ...]:
        return self.block or ()

    @property
    def includes(self) -> bool:
        """The block has an ``include`` of its own: what it brings is not known."""
        return any(d.name == "include" for d in self.children)

    def find(self, name: str) -> tuple[Directive, ...]:
        """Directives of the block (not nested ones) with this name."""
        return tuple(d for d in self.children if d.name == name)


@record
class NginxConf:
    """The directives of one file; ``error`` set (and nothing else known) when it cannot be read
    as nginx would read it. ``error_line`` is 1-based, 0 when not known."""

    directives: tuple[Directive, ...]
    path: str = ""
    error: str | None = None
    error_line: int = 0

    @property
    def includes(self) -> bool:
        return any(d.name == "include" for d in self.directives)

    def find(self, name: str) -> tuple[Directive, ...]:
        """Top-level directives with this name."""
        return tuple(d for d in self.directives if d.name == name)

    def walk(self) -> Iterator[tuple[Directive, tuple[Directive, ...]]]:
        """Every directive with the blocks it is in (outermost first), in file order."""
        stack: list[tuple[tuple[Directive, ...], int, tuple[Directive, ...]]] = [
            (self.directives, 0, ())
        ]
        while stack:
            items, i, parents = stack.pop()
            if i >= len(items):
                continue
            d = items[i]
            stack.append((items, i + 1, parents))
            yield d, parents
            if d.block:
                stack.append((d.block, 0, (*parents, d)))


class _Failure(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


# Tokens: a word, or one of ";", "{", "}" with its offset.
_Token = tuple[str, Word | int]


def _tokens(text: str) -> Iterator[_Token]:
    n = len(text)
    i = 0
    words = 0
    while i < n:
        c = text[i]
        if c in _SPACE:
            i += 1
            continue
        if c in ";{}":
            yield c, i
            i += 1
            continue
        if c == "#":
            nl = text.find("\n", i)
            i = n if nl < 0 else nl + 1
            continue
        words += 1
        if words > MAX_WORDS:
            raise _Failure("too many words to read", i)
        start = i
        out: list[str] = []
        if c in "\"'":
            quote = c
            i += 1
            while True:
                if i >= n:
                    raise _Failure("unexpected end of file in a quoted string", start)
                ch = text[i]
                if ch == "\\" and i + 1 < n:
                    out.append(_escaped(text[i + 1]))
                    i += 2
                    continue
                if ch == quote:
                    i += 1
                    break
                out.append(ch)
                i += 1
            if i < n and text[i] not in _SPACE and text[i] not in ";{)":
                raise _Failure(f'unexpected "{text[i]}" after a quoted string', i)
            yield "word", Word("".join(out), Span(start, i), True)
            continue
        variable = False
        while i < n:
            ch = text[i]
            if ch == "\\":
                if i + 1 >= n:
                    i += 1
                    break
                out.append(_escaped(text[i + 1]))
                i += 2
                variable = False
                continue
            if ch == "{" and variable:
                out.append(ch)
                i += 1
                variable = False
                continue
            if ch in _SPACE or ch in ";{":
                break
            variable = ch == "$"
            out.append(ch)
            i += 1
        yield "word", Word("".join(out), Span(start, i))


def _escaped(ch: str) -> str:
    """What ``\\`` and ``ch`` become in a word's value (nginx keeps other pairs as they are)."""
    found = _ESCAPES.get(ch)
    return found if found is not None else "\\" + ch


def parse_nginx(source: SourceFile) -> NginxConf:
    """Read ``source`` as an nginx configuration file; never raises on its content."""
    text = source.text
    path = source.path
    if len(text) > MAX_SOURCE_CHARS:
        return NginxConf((), path, "the file is too large to read", 0)
    nul = text.find("\0")
    if nul >= 0:
        return NginxConf((), path, "the file holds a NUL character", source.position(nul).line)
    try:
        return NginxConf(_parse(text), path)
    except _Failure as exc:
        line = source.position(min(exc.offset, len(text))).line
        return NginxConf((), path, exc.message, line)


def _parse(text: str) -> tuple[Directive, ...]:
    # Each level: the directives so far, and the words and `{` of the block directive it is in.
    levels: list[tuple[list[Directive], tuple[Word, ...], int]] = [([], (), -1)]
    words: list[Word] = []
    for kind, value in _tokens(text):
        if kind == "word":
            assert isinstance(value, Word)
            words.append(value)
            continue
        assert isinstance(value, int)
        at = value
        if kind == ";":
            if not words:
                raise _Failure('unexpected ";"', at)
            levels[-1][0].append(Directive(tuple(words), Span(words[0].span.start, at + 1)))
            words = []
        elif kind == "{":
            if not words:
                raise _Failure('unexpected "{"', at)
            if words[0].value.endswith("_by_lua_block"):
                raise _Failure("a Lua block is not nginx syntax", at)
            if len(levels) > MAX_DEPTH:
                raise _Failure("blocks nested too deeply to read", at)
            levels.append(([], tuple(words), at))
            words = []
        else:  # "}"
            if words:
                raise _Failure('unexpected "}"', at)
            if len(levels) == 1:
                raise _Failure('unexpected "}"', at)
            children, head, opened = levels.pop()
            levels[-1][0].append(
                Directive(
                    head,
                    Span(head[0].span.start, at + 1),
                    tuple(children),
                    Span(opened, opened + 1),
                )
            )
    if words:
        raise _Failure('unexpected end of file, expecting ";" or "}"', words[0].span.start)
    if len(levels) > 1:
        raise _Failure('unexpected end of file, expecting "}"', levels[-1][2])
    return tuple(levels[0][0])


def listen_port(directive: Directive) -> tuple[int, Word] | None:
    """The port a ``listen`` directive binds and the word that says it; None when it is a UNIX
    socket, holds a variable, or is not a port (nginx's default, ``listen 127.0.0.1;``, is 80;
    a bare address without a port is also port 80)."""
    if directive.name != "listen" or not directive.args:
        return None
    word = directive.args[0]
    value = word.value
    if not value or word.has_variable or value.startswith("unix:"):
        return None
    if value.startswith("["):
        close = value.find("]")
        if close < 0:
            return None
        rest = value[close + 1 :]
        if not rest:
            return 80, word
        if not rest.startswith(":"):
            return None
        port = rest[1:]
    elif ":" in value:
        port = value.rpartition(":")[2]
    elif value.isdigit():
        port = value
    else:
        return 80, word  # a host name or address alone: `listen localhost;` binds port 80
    if not port.isdigit() or len(port) > 5:
        return None
    number = int(port)
    return (number, word) if 0 < number < 65536 else None
