"""The syntax tree of a Dockerfile, as BuildKit's parser builds it, plus source spans.

The fields ``keyword``/``sub``/``json``/``flags``/``value``/``heredocs``/``start_line``/``end_line``
carry exactly what BuildKit's ``parser.Parse`` gives (``Node.Value``, ``Node.Next``, ``Node.Flags``,
``Node.Attributes["json"]``, ``Node.Heredocs``, ``StartLine``/``EndLine``). Everything else is ours:
spans, and ``Mapped`` strings that know where each character sits in the file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

from dockerlint_django._record import field, record
from dockerlint_django.source import Mapped, SequenceView, Span


class TooLarge(Exception):
    """More to keep than the parser's bound (``parser.MAX_ITEMS``); ``parse`` reports it."""


class LineSpans(SequenceView[Span]):
    """The spans of consecutive physical lines, line breaks excluded, made when asked for.

    A heredoc of a million lines would otherwise keep a ``Span`` (some 120 bytes) for each line;
    this keeps a view on the parser's line starts. A line is BuildKit's: it ends at ``\\n``, and
    the CRs before that are not part of it (``trimNewline``).
    """

    __slots__ = ("_count", "_first", "_starts", "_text")

    def __init__(self, text: str, starts: Sequence[int], first: int, count: int) -> None:
        self._text = text
        self._starts = starts  # offsets of every line start in ``text``
        self._first = first  # 0-based index of the first line
        self._count = count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, i: int) -> Span: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Span]: ...
    def __getitem__(self, i: int | slice) -> Span | Sequence[Span]:
        if isinstance(i, slice):
            lo, hi, step = i.indices(self._count)
            if step != 1:
                return tuple(self)[i]
            return LineSpans(self._text, self._starts, self._first + lo, max(0, hi - lo))
        if i < 0:
            i += self._count
        if not 0 <= i < self._count:
            raise IndexError("line index out of range")
        k = self._first + i
        starts, text = self._starts, self._text
        start = starts[k]
        end = starts[k + 1] - 1 if k + 1 < len(starts) else len(text)
        while end > start and text[end - 1] == "\r":
            end -= 1
        return Span(start, end)

    def __iter__(self) -> Iterator[Span]:
        for i in range(self._count):
            yield self[i]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LineSpans) and (
            other._text is self._text
            and other._starts is self._starts
            and (other._first, other._count) == (self._first, self._count)
        ):
            return True
        return super().__eq__(other)

    def __hash__(self) -> int:
        return super().__hash__()

    def __repr__(self) -> str:
        return f"LineSpans({list(self)!r})"


class ParseError(Exception):
    """A file BuildKit would reject. ``line`` is 1-based (0 when the file as a whole is wrong)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@record
class Flag:
    """A ``--name[=value]`` flag before the arguments (``COPY --from=build``)."""

    raw: str  # as BuildKit keeps it in Node.Flags, e.g. "--from=build"
    name: str  # "from"
    value: str | None  # "build"; None when there is no "="
    span: Span  # the whole token
    value_span: Span | None  # just the value


@record
class Heredoc:
    name: str  # delimiter word, quotes removed: "EOF"
    # The body exactly as BuildKit keeps it: lines with their newlines, tabs not yet chomped.
    content: str
    file_descriptor: int  # 0 for ``<<EOF``, 3 for ``3<<EOF``
    chomp: bool  # ``<<-EOF``
    expand: bool  # False when the delimiter was quoted (``<<'EOF'``, ``<<"EOF"``)
    marker: Span  # the ``<<EOF`` token on the instruction line
    body: Mapped  # ``content`` mapped into the file


@record
class Comment:
    text: str  # after "#", stripped
    line: int  # 1-based
    span: Span  # the whole comment line without its line break


@record
class Instruction:
    keyword: str  # upper case: "RUN"
    keyword_span: Span
    json: bool  # exec form: a valid JSON array of strings
    flags: tuple[Flag, ...]
    value: tuple[str, ...]  # BuildKit's Node.Next chain, values as BuildKit gives them
    # One entry per ``value`` item, mapped into the file. A JSON element maps each decoded character
    # to its (possibly escaped) source; a shell-form string maps to the joined continuation lines.
    value_mapped: tuple[Mapped, ...]
    # Everything after the keyword and flags, continuation lines joined the way BuildKit joins them
    # (escape + newline removed, comment and empty lines inside the continuation dropped).
    args: Mapped
    heredocs: tuple[Heredoc, ...]
    start_line: int  # 1-based, as BuildKit
    end_line: int  # 1-based, includes heredoc bodies and terminators
    span: Span  # from the keyword to the end of the last line, line break excluded
    original: str  # BuildKit's Node.Original
    comments: tuple[Comment, ...] = ()  # comment lines directly above (BuildKit's PrevComment)
    sub: Instruction | None = None  # the instruction inside ONBUILD
    # Each physical line, line breaks excluded (a ``LineSpans`` from the parser).
    line_spans: Sequence[Span] = field(default=(), repr=False)

    @property
    def is_shell_form(self) -> bool:
        return not self.json


@record
class Directives:
    syntax: str | None = None
    escape: str = "\\"
    check: str | None = None  # ``# check=skip=...``
    escape_span: Span | None = None


@record
class ParseResult:
    instructions: tuple[Instruction, ...]
    directives: Directives
    comments: tuple[Comment, ...]  # every comment line in the file, in order
    warnings: tuple[str, ...] = ()
