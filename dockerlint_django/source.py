"""Source text: bytes to text, line index, spans, and strings that remember where they came from.

Every offset in the project is a code-point offset into ``SourceFile.text`` (the decoded text
without its BOM). Lines and columns shown to users are 1-based; columns count code points, which
is what SARIF calls ``unicodeCodePoints``.
"""

from __future__ import annotations

import bisect
import operator
import os
import re
import stat
from array import array
from collections.abc import Iterator, Sequence
from itertools import islice, repeat
from typing import TYPE_CHECKING, Literal, TypeVar, overload

from dockerlint_django._record import field, record

BOM = "\ufeff"
_LINE_END = re.compile(r"\r\n|\r|\n")
_LF = re.compile(r"\n")
# How lines end. ``ANY_BREAK``: at ``\n``, ``\r\n`` or a lone ``\r``, as Python, YAML and pip read
# them. ``LF_ONLY``: at ``\n`` alone, as BuildKit reads a Dockerfile (``bufio.ScanLines``); there a
# lone ``\r`` is white space inside a line, and the ``\r`` of ``\r\n`` is trailing white space.
LineBreaks = Literal["any", "lf"]
ANY_BREAK: LineBreaks = "any"
LF_ONLY: LineBreaks = "lf"


class SourceError(Exception):
    """A file that cannot be read as text. ``line`` is 1-based, or 0 when unknown."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _SpanSlots:
    # Slots live in a base class: a record's fields are plain annotations, which a ``__slots__``
    # of the record itself would collide with. Without them a Span costs 97 bytes, with 48.
    __slots__ = ("end", "start")


@record(order=True)
class Span(_SpanSlots):
    """A half-open range ``[start, end)`` of code-point offsets into a source text."""

    __slots__ = ()

    start: int
    end: int

    def __reduce__(self) -> tuple[type[Span], tuple[int, int]]:
        # Frozen and without a __dict__, the default pickling would set the fields one by one.
        return Span, (self.start, self.end)

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"bad span {self.start}..{self.end}")

    def __len__(self) -> int:
        return self.end - self.start

    def cover(self, other: Span) -> Span:
        return Span(min(self.start, other.start), max(self.end, other.end))

    def contains(self, offset: int) -> bool:
        return self.start <= offset < self.end


@record
class Position:
    line: int  # 1-based
    column: int  # 1-based, in code points


if TYPE_CHECKING:
    _IntArray = array[int]
else:
    _IntArray = array


class _LineStarts(_IntArray):
    """Line starts, 8 bytes each (a tuple costs 36 a line), comparing equal to a tuple of them."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(map(operator.eq, self, other))
        return NotImplemented

    def __hash__(self) -> int:  # type: ignore[override]  # array is unhashable; this is not
        return hash(tuple(self))


@record
class LineIndex:
    """Maps offsets to positions. A line ends after its newline: ``\\n``, ``\\r\\n`` or ``\\r``, or
    with ``LF_ONLY`` after ``\\n`` alone."""

    starts: Sequence[int]
    length: int

    @classmethod
    def build(cls, text: str, breaks: LineBreaks = ANY_BREAK) -> LineIndex:
        # The regex engine scans in C: a character loop in Python took seconds on a 50 MB file.
        pattern = _LF if breaks == LF_ONLY else _LINE_END
        starts = _LineStarts("q", (0,))
        starts.extend(m.end() for m in pattern.finditer(text))
        return cls(starts, len(text))

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def position(self, offset: int) -> Position:
        offset = max(0, min(offset, self.length))
        line = bisect.bisect_right(self.starts, offset) - 1
        return Position(line + 1, offset - self.starts[line] + 1)

    def positions(self, start: int, end: int) -> tuple[Position, Position]:
        """``position(start), position(end)``, the line looked up once when both are on it (as
        nearly every finding's span is)."""
        starts = self.starts
        first = self.position(start)
        line = first.line
        if start <= end and (line == len(starts) or end < starts[line]):
            end = max(0, min(end, self.length))
            return first, Position(line, end - starts[line - 1] + 1)
        return first, self.position(end)

    def line_start(self, line: int) -> int:
        """Offset of the first character of 1-based ``line``."""
        return self.starts[line - 1]

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column - 1


@record
class SourceFile:
    """A decoded file. ``encode()`` gives back the original bytes for unchanged text.

    ``line_breaks`` says how its lines end, and so what its line numbers count: ``LF_ONLY`` for a
    Dockerfile, so that a line number is BuildKit's (a lone CR does not end a line there).
    """

    path: str  # as shown to users: relative to the working directory where possible
    text: str
    bom: bool = False
    newline: str = "\n"
    line_breaks: LineBreaks = ANY_BREAK
    index: LineIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", LineIndex.build(self.text, self.line_breaks))

    @classmethod
    def from_bytes(cls, path: str, data: bytes, line_breaks: LineBreaks = ANY_BREAK) -> SourceFile:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            # Count lines the way LineIndex does, so that the line agrees with reported positions.
            head = data[: exc.start].decode("utf-8")
            line = LineIndex.build(head, line_breaks).line_count
            raise SourceError(f"not valid UTF-8 (byte {exc.start})", line) from None
        return cls.from_text(path, text, line_breaks)

    @classmethod
    def from_text(cls, path: str, text: str, line_breaks: LineBreaks = ANY_BREAK) -> SourceFile:
        bom = text.startswith(BOM)
        if bom:
            text = text[1:]
        return cls(path, text, bom, detect_newline(text, line_breaks), line_breaks)

    def with_line_breaks(self, line_breaks: LineBreaks) -> SourceFile:
        """This file with its lines counted as ``line_breaks`` says (itself when they already are).

        The newline is detected again: in a Dockerfile with lone CRs it is not ``\\r``, which
        would not start a new line for BuildKit.
        """
        if line_breaks == self.line_breaks:
            return self
        return SourceFile(
            self.path, self.text, self.bom, detect_newline(self.text, line_breaks), line_breaks
        )

    def encode(self, text: str | None = None) -> bytes:
        body = self.text if text is None else text
        return ((BOM if self.bom else "") + body).encode("utf-8")

    def position(self, offset: int) -> Position:
        return self.index.position(offset)

    def slice(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def line_span(self, line: int) -> Span:
        """The span of the 1-based ``line``'s text, its line break left out."""
        start = self.index.starts[line - 1]
        return Span(start, start + len(self.line_text(line)))

    def line_text(self, line: int) -> str:
        """The 1-based ``line`` without its line break.

        With ``LF_ONLY`` the CRs before the ``\\n`` go too, as BuildKit's ``trimNewline`` drops
        them; CRs inside the line stay.
        """
        start = self.index.starts[line - 1]
        end = self.index.starts[line] if line < self.index.line_count else len(self.text)
        return self.text[start:end].rstrip("\r\n")


def detect_newline(text: str, line_breaks: LineBreaks = ANY_BREAK) -> str:
    """The first line break in ``text``, ``\\n`` when there is none.

    With ``LF_ONLY`` it is the first ``\\n`` with the CRs right before it (``\\r\\n``, or the
    ``\\r\\r\\n`` some editors write), so that an inserted line ends the way its neighbours do.
    """
    if line_breaks == LF_ONLY:
        lf = text.find("\n")
        if lf < 0:
            return "\n"
        start = lf
        while start > 0 and text[start - 1] == "\r":
            start -= 1
        return text[start : lf + 1]
    m = _LINE_END.search(text)
    return m.group() if m else "\n"


class Mapped(Sequence[str]):
    """A string built from pieces of a source text, each character knowing its source range.

    Continuation lines joined into one logical line, a JSON string with its escapes decoded, a
    shell word with its quotes removed: all are ``Mapped``, so a finding on any part of them gets
    the exact span in the file. ``starts[i]``/``ends[i]`` are the source range of character ``i``.
    Characters that were synthesised (no source) take the position of their neighbour.

    The ranges are kept as runs, not per character: almost all text is copied verbatim, so a
    heredoc body or a joined continuation line is one run per source line, and slicing or joining
    costs time and memory in runs, not characters. Run ``k`` covers the characters from
    ``_t[k]`` to the next run's start; ``_r[3k:3k+3]`` holds the source start and end of its first
    character and the step by which both advance per character (1 for verbatim text, 0 for
    characters that all take one place, 2 for a row of two-character escapes). Many runs are
    kept in arrays (8 bytes a number), a few in tuples.
    """

    __slots__ = ("_r", "_t", "text")

    text: str
    _t: Sequence[int]
    # A bare int is the common case, one verbatim run (start, start + 1, 1), kept without a
    # tuple and two more ints: some 90 of the 180 bytes a short word would cost.
    _r: Sequence[int] | int

    def __init__(self, text: str, starts: Sequence[int], ends: Sequence[int]) -> None:
        n = len(text)
        if not (n == len(starts) == len(ends)):
            raise ValueError("Mapped: text and offsets differ in length")
        self.text = text
        if not n:
            self._t, self._r = (), ()
            return
        s0, e0 = starts[0], ends[0]
        if isinstance(starts, (list, tuple)) and starts.count(s0) == n and ends.count(e0) == n:
            # Characters that all take one place (a synthesised word): one run, counted in C.
            self._t, self._r = _ONE_RUN, (s0, e0, 0)
            return
        t: list[int] = [0]
        r: list[int] = [s0, e0, 0]
        run, step, ps, pe = 1, 0, s0, e0
        for i in range(1, n):
            s, e = starts[i], ends[i]
            d = s - ps
            if d == e - pe and (run == 1 or d == step):
                if run == 1:
                    step = r[-1] = d
                run += 1
            else:
                t.append(i)
                r += (s, e, 0)
                run, step = 1, 0
            ps, pe = s, e
        self._t, self._r = _ONE_RUN if len(t) == 1 else _pack(t), _compact_runs(t, r)

    @classmethod
    def _runs(cls, text: str, t: Sequence[int], r: Sequence[int] | int) -> Mapped:
        m = object.__new__(cls)
        m.text, m._t, m._r = text, t, r
        return m

    def _offs(self) -> Sequence[int]:
        """The runs' offsets as a sequence (see ``_r``)."""
        r = self._r
        return (r, r + 1, 1) if isinstance(r, int) else r

    @classmethod
    def from_source(cls, text: str, start: int) -> Mapped:
        """A verbatim piece of source text beginning at offset ``start``."""
        if not text:
            return cls._runs("", (), ())
        return cls._runs(text, _ONE_RUN, start)

    @classmethod
    def at_span(cls, text: str, span: Span) -> Mapped:
        """Synthesised ``text`` whose every character stands for the whole of ``span``."""
        if not text:
            return _EmptyMapped(span.start)
        return cls._runs(text, _ONE_RUN, (span.start, span.end, 0))

    @classmethod
    def from_runs(cls, text: str, runs: Sequence[int], offsets: Sequence[int]) -> Mapped:
        """``text`` mapped by runs: run ``k`` begins at character ``runs[k]`` (the first at 0);
        ``offsets[3k]``/``offsets[3k+1]`` are the source start and end of its first character,
        and ``offsets[3k+2]`` the step by which both advance per character."""
        if not text:
            return cls._runs("", (), ())
        if not runs or runs[0] != 0 or len(offsets) != 3 * len(runs):
            raise ValueError("Mapped: runs and offsets do not fit")
        t = _ONE_RUN if len(runs) == 1 else _packed(runs)
        return cls._runs(text, t, _compact_runs(runs, _packed(offsets)))

    def runs(self) -> tuple[Sequence[int], Sequence[int]]:
        """The runs and their offsets, as ``from_runs`` takes them (read-only)."""
        return self._t, self._offs()

    def linear(self, i: int, j: int) -> tuple[int, int, int] | None:
        """When characters ``[i, j)`` lie in one run: the source start and end of character
        ``i`` and the step per character; else None. For loops that map many pieces."""
        if not 0 <= i < j <= len(self.text):
            return None
        k = self._run_of(i)
        t = self._t
        if k + 1 < len(t) and t[k + 1] < j:
            return None
        r, d = self._offs(), i - t[k]
        step = r[3 * k + 2]
        return r[3 * k] + step * d, r[3 * k + 1] + step * d, step

    @classmethod
    def empty_at(cls, offset: int) -> Mapped:
        return _EmptyMapped(offset)

    @classmethod
    def join(cls, parts: Sequence[Mapped]) -> Mapped:
        if len(parts) == 1 and parts[0].text:
            return parts[0]
        b = MappedBuilder()
        for p in parts:
            b.append(p)
        if not len(b) and parts:
            return _EmptyMapped(parts[0].span().start)
        return b.build(None)

    # Offsets of single characters.

    def _run_of(self, i: int) -> int:
        t = self._t
        return 0 if len(t) == 1 else bisect.bisect_right(t, i) - 1

    def _index(self, i: int) -> int:
        n = len(self.text)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("Mapped index out of range")
        return i

    def _start(self, i: int) -> int:
        r = self._r
        if isinstance(r, int) and 0 <= i < len(self.text):
            return r + i  # one verbatim run, the usual case: no call to bound or find the run
        i = self._index(i)
        if isinstance(r, int):
            return r + i
        k = self._run_of(i)
        return r[3 * k] + r[3 * k + 2] * (i - self._t[k])

    def _end(self, i: int) -> int:
        r = self._r
        if isinstance(r, int) and 0 <= i < len(self.text):
            return r + i + 1
        i = self._index(i)
        if isinstance(r, int):
            return r + i + 1
        k = self._run_of(i)
        return r[3 * k + 1] + r[3 * k + 2] * (i - self._t[k])

    def _offsets(self, which: int) -> Iterator[int]:
        t, r, n = self._t, self._offs(), len(self.text)
        runs = len(t)
        for k in range(runs):
            length = (t[k + 1] if k + 1 < runs else n) - t[k]
            first, step = r[3 * k + which], r[3 * k + 2]
            if step:
                yield from range(first, first + step * length, step)
            else:
                yield from repeat(first, length)

    @property
    def run_count(self) -> int:
        """How many runs hold the offsets: what slicing and joining cost, and what memory."""
        return len(self._t)

    @property
    def starts(self) -> Sequence[int]:
        """The source start of each character (computed on demand, not stored)."""
        return _Offsets(self, 0)

    @property
    def ends(self) -> Sequence[int]:
        """The source end of each character."""
        return _Offsets(self, 1)

    def __len__(self) -> int:
        return len(self.text)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Mapped: ...
    def __getitem__(self, i: int | slice) -> str | Mapped:
        if isinstance(i, slice):
            n = len(self.text)
            start, stop, step = i.indices(n)
            if step != 1:
                raise ValueError("Mapped slices take no step")
            if stop <= start:
                return _EmptyMapped(self._anchor(start))
            if start == 0 and stop == n:
                return self
            return self.piece(start, stop, self.text[start:stop])
        return self.text[i]

    def piece(self, i: int, j: int, text: str) -> Mapped:
        """``self[i:j]`` for ``0 <= i < j <= len(self)``, given its ``text`` (equal to
        ``self.text[i:j]``): a caller that meets the same word many times keeps one string."""
        r = self._r
        if isinstance(r, int):  # one verbatim run: what a shell parser slices every word from
            m = object.__new__(Mapped)
            m.text, m._t, m._r = text, _ONE_RUN, r + i
            return m
        return self._slice(i, j, text)

    def _slice(self, i: int, j: int, text: str | None = None) -> Mapped:
        t, r = self._t, self._r
        if text is None:
            text = self.text[i:j]
        if isinstance(r, int):
            return Mapped._runs(text, _ONE_RUN, r + i)
        k0 = self._run_of(i)
        k1 = k0 if len(t) == 1 else bisect.bisect_right(t, j - 1, k0) - 1
        d = i - t[k0]
        step = r[3 * k0 + 2]
        a, b = r[3 * k0] + step * d, r[3 * k0 + 1] + step * d
        if k0 == k1:
            run: Sequence[int] | int = a if step == 1 and b == a + 1 else (a, b, step)
            return Mapped._runs(text, _ONE_RUN, run)
        # Whole runs are copied as they are, shifted in C: no int object per run.
        nt = _shifted(t, k0, k1 + 1, -i)
        nt[0] = 0
        nr = _copy(r, 3 * k0, 3 * k1 + 3)
        nr[0], nr[1] = a, b
        return Mapped._runs(text, _frozen(nt), _frozen(nr))

    def __iter__(self) -> Iterator[str]:
        return iter(self.text)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        try:
            where: object = self.span()
        except ValueError:  # offsets that go backwards make no span
            where = "?"
        return f"Mapped({self.text!r}, {where})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapped):
            if self.text != other.text:
                return False
            if self._t == other._t and self._r == other._r:
                return True
            # The same offsets written as other runs: compare them one by one, in C.
            return all(map(operator.eq, self._offsets(0), other._offsets(0)))
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.text, self._offs()[0] if self.text else None))

    def _anchor(self, i: int) -> int:
        if not self.text:
            return 0
        if i >= len(self.text):
            return self._end(-1)
        return self._start(i)

    def span(self, i: int = 0, j: int | None = None) -> Span:
        """The source span of characters ``[i, j)``; an empty range gives an empty span."""
        n = len(self.text)
        if j is None:
            j = n
        r = self._r
        if isinstance(r, int) and 0 <= i < j <= n:
            return Span(r + i, r + j)  # one verbatim run: character k is at r + k
        if j <= i:
            at = self._anchor(i)
            return Span(at, at)
        return Span(self._start(i), self._end(j - 1))

    def strip(self) -> Mapped:
        s = self.text
        i = len(s) - len(s.lstrip(_STRIP))
        j = max(i, len(s.rstrip(_STRIP)))
        return self[i:j]

    def find(self, sub: str, start: int = 0) -> int:
        return self.text.find(sub, start)


class _EmptyMapped(Mapped):
    """An empty string anchored at a source offset, so that its span still has a place."""

    __slots__ = ("anchor",)

    def __init__(self, anchor: int) -> None:
        self.text, self._t, self._r = "", (), ()
        self.anchor = anchor

    def _anchor(self, i: int) -> int:
        return self.anchor

    def span(self, i: int = 0, j: int | None = None) -> Span:
        return Span(self.anchor, self.anchor)

    def __repr__(self) -> str:
        return f"Mapped('', @{self.anchor})"


_T = TypeVar("_T")


class SequenceView(Sequence[_T]):
    """A read-only sequence computed on demand that still compares, and hashes, as the tuple it
    stands for: code and tests written against tuples keep working."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(map(operator.eq, self, other))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))


class _Offsets(SequenceView[int]):
    """``Mapped.starts``/``ends``: a read-only view that computes each offset from the runs."""

    __slots__ = ("_m", "_which")

    def __init__(self, m: Mapped, which: int) -> None:
        self._m = m
        self._which = which

    def __len__(self) -> int:
        return len(self._m.text)

    @overload
    def __getitem__(self, i: int) -> int: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[int]: ...
    def __getitem__(self, i: int | slice) -> int | Sequence[int]:
        if isinstance(i, slice):
            return tuple(self)[i]
        return self._m._end(i) if self._which else self._m._start(i)

    def __iter__(self) -> Iterator[int]:
        return self._m._offsets(self._which)

    def __repr__(self) -> str:
        return repr(tuple(self))


_ONE_RUN: tuple[int, ...] = (0,)
_STRIP = " \t\r\n\f\v"
# Up to this many numbers a tuple is smaller and faster than an array; beyond it an array keeps
# 8 bytes a number where a tuple keeps a pointer and a 28-byte int object.
_SMALL = 24


def _pack(values: list[int]) -> Sequence[int]:
    return tuple(values) if len(values) <= _SMALL else array("q", values)


def _compact_runs(t: Sequence[int], r: Sequence[int]) -> Sequence[int] | int:
    """The offsets of runs ``t`` as ``Mapped._r`` keeps them: a bare int for one verbatim run."""
    if len(t) == 1 and r[2] == 1 and r[1] == r[0] + 1:
        return r[0]
    return _packed(r)


def _packed(values: Sequence[int]) -> Sequence[int]:
    """``values`` stored the way ``_pack`` stores them, without a copy when already so."""
    if isinstance(values, array) and len(values) > _SMALL:
        return values
    if isinstance(values, tuple) and len(values) <= _SMALL:
        return values
    return _pack(list(values))


def _shifted(values: Sequence[int], lo: int, hi: int, by: int) -> list[int] | array[int]:
    """``values[lo:hi]`` plus ``by``: a list when few (to be frozen to a tuple), else an array."""
    moved = map(operator.add, islice(values, lo, hi), repeat(by))
    return list(moved) if hi - lo <= _SMALL else array("q", moved)


def _copy(values: Sequence[int], lo: int, hi: int) -> list[int] | array[int]:
    """``values[lo:hi]``, as ``_shifted`` gives it."""
    if hi - lo <= _SMALL:
        return list(islice(values, lo, hi))
    part = values[lo:hi]
    return part if isinstance(part, array) else array("q", part)


def _frozen(values: list[int] | array[int]) -> Sequence[int]:
    return tuple(values) if isinstance(values, list) else values


class MappedBuilder:
    """Concatenates pieces into one ``Mapped`` without making a ``Mapped`` of every piece.

    A continuation chain of a hundred thousand lines, or a JSON string of escapes, is built
    piece by piece; the text is joined in blocks, so that no list holds a string per piece for
    long, and adjacent runs that continue each other are merged.
    """

    __slots__ = ("_blocks", "_chunks", "_n", "_r", "_t")

    _BLOCK = 1024

    def __init__(self) -> None:
        self._blocks: list[str] = []
        self._chunks: list[str] = []
        self._n = 0  # characters so far
        self._t: list[int] | array[int] = []
        self._r: list[int] | array[int] = []

    def __len__(self) -> int:
        return self._n

    def _text(self, piece: str) -> None:
        chunks = self._chunks
        chunks.append(piece)
        if len(chunks) >= self._BLOCK:
            self._blocks.append("".join(chunks))
            chunks.clear()

    def _compact(self) -> None:
        if isinstance(self._t, list) and len(self._t) > 4 * _SMALL:
            # Past a few runs, store them compactly while building too.
            self._t, self._r = array("q", self._t), array("q", self._r)

    def _run(self, at: int, length: int, start: int, end: int, step: int) -> None:
        """Append a run of ``length`` characters at text offset ``at``, merging where it goes on."""
        t, r = self._t, self._r
        if t:
            prev_len = at - t[-1]
            ps, pe, pstep = r[-3], r[-2], r[-1]
            if prev_len == 1:
                pstep = start - ps
            if (
                start == ps + pstep * prev_len
                and end == pe + pstep * prev_len
                and (length == 1 or step == pstep)
            ):
                r[-1] = pstep
                return
        t.append(at)
        r.extend((start, end, step if length > 1 else 0))

    def append(self, m: Mapped) -> None:
        text = m.text
        n = len(text)
        if not n:
            return
        at = self._n
        self._text(text)
        mt, mr = m._t, m._offs()
        runs = len(mt)
        second = mt[1] if runs > 1 else n
        self._run(at, second, mr[0], mr[1], mr[2])
        if runs > 1:
            # The other runs as they are, shifted in C: they already do not continue each other.
            self._t.extend(map(operator.add, mt[1:], repeat(at)))
            self._r.extend(mr[3:])
            self._compact()
        self._n = at + n

    def append_range(self, m: Mapped, i: int, j: int) -> None:
        """``m[i:j]``, without making it a ``Mapped`` first (``0 <= i <= j <= len(m)``)."""
        if j <= i:
            return
        self._text(m.text[i:j])
        mt, mr = m._t, m._offs()
        runs = len(mt)
        k = m._run_of(i)
        at = i
        while at < j:
            stop = min(j, mt[k + 1] if k + 1 < runs else j)
            d = at - mt[k]
            step = mr[3 * k + 2]
            self._run(self._n, stop - at, mr[3 * k] + step * d, mr[3 * k + 1] + step * d, step)
            self._n += stop - at
            at = stop
            k += 1
        self._compact()

    def append_source(self, piece: str, start: int) -> None:
        """A verbatim piece of source text beginning at offset ``start``."""
        if not piece:
            return
        self._text(piece)
        n = len(piece)
        at = self._n
        t, r = self._t, self._r
        if not (t and r[-1] == 1 and r[-2] == r[-3] + 1 and r[-3] + at - t[-1] == start):
            # Nothing to merge with (the common case for continuation lines): a new run.
            self._run(at, n, start, start + 1, 1)
            if len(t) > 4 * _SMALL:
                self._compact()
        self._n = at + n

    def append_at(self, text: str, start: int, end: int) -> None:
        """Synthesised ``text`` standing for the source range ``[start, end)``."""
        if text:
            self._text(text)
            self._run(self._n, len(text), start, end, 0)
            self._n += len(text)
            self._compact()

    def build(self, anchor: int | None) -> Mapped:
        """The string; when empty, anchored at ``anchor`` (None: the unanchored empty string)."""
        if not self._n:
            return Mapped("", (), ()) if anchor is None else _EmptyMapped(anchor)
        self._blocks.append("".join(self._chunks))
        text = "".join(self._blocks)
        t, r = self._t, self._r
        if isinstance(t, list):
            return Mapped._runs(text, _ONE_RUN if len(t) == 1 else _pack(t), _compact_runs(t, r))
        return Mapped._runs(text, t, r)


# No real Dockerfile, Compose or env file comes near this; /dev/zero or a generated file must not
# exhaust memory.
MAX_FILE_BYTES = 64 * 1024 * 1024


class NotRegularFile(OSError):
    """A path that is not a regular file (a FIFO, a device), or one over the size limit."""


def read_bounded(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes. Opened without blocking, so that a FIFO nobody writes to is refused
    instead of waiting forever; IsADirectoryError for a folder, NotRegularFile for the rest."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(21, "Is a directory", os.fspath(path))
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile("not a regular file")
        too_large = f"file too large: more than {limit:,} bytes"
        if info.st_size > limit:
            raise NotRegularFile(too_large)
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:  # it grew while being read
                raise NotRegularFile(too_large)
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
