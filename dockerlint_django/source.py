"""Source text: bytes to text, line index, spans, and strings that remember where they came from.

Every offset in the project is a code-point offset into ``SourceFile.text`` (the decoded text
without its BOM). Lines and columns shown to users are 1-based; columns count code points, which
is what SARIF calls ``unicodeCodePoints``.
"""

from __future__ import annotations

import bisect
import os
import re
import stat
from collections.abc import Iterator, Sequence
from typing import overload

from dockerlint_django._record import field, record

BOM = "\ufeff"
_LINE_END = re.compile(r"\r\n|\r|\n")


class SourceError(Exception):
    """A file that cannot be read as text. ``line`` is 1-based, or 0 when unknown."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@record(order=True)
class Span:
    """A half-open range ``[start, end)`` of code-point offsets into a source text."""

    start: int
    end: int

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


@record
class LineIndex:
    """Maps offsets to positions. A line ends after its newline (``\\n``, ``\\r\\n`` or ``\\r``)."""

    starts: tuple[int, ...]
    length: int

    @classmethod
    def build(cls, text: str) -> LineIndex:
        # The regex engine scans in C: a character loop in Python took seconds on a 50 MB file.
        starts = [0]
        starts.extend(m.end() for m in _LINE_END.finditer(text))
        return cls(tuple(starts), len(text))

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def position(self, offset: int) -> Position:
        offset = max(0, min(offset, self.length))
        line = bisect.bisect_right(self.starts, offset) - 1
        return Position(line + 1, offset - self.starts[line] + 1)

    def line_start(self, line: int) -> int:
        """Offset of the first character of 1-based ``line``."""
        return self.starts[line - 1]

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column - 1


@record
class SourceFile:
    """A decoded file. ``encode()`` gives back the original bytes for unchanged text."""

    path: str  # as shown to users: relative to the working directory where possible
    text: str
    bom: bool = False
    newline: str = "\n"
    index: LineIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", LineIndex.build(self.text))

    @classmethod
    def from_bytes(cls, path: str, data: bytes) -> SourceFile:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            # Count lines the way LineIndex does, so that a lone CR agrees with reported positions.
            line = LineIndex.build(data[: exc.start].decode("utf-8")).line_count
            raise SourceError(f"not valid UTF-8 (byte {exc.start})", line) from None
        bom = text.startswith(BOM)
        if bom:
            text = text[1:]
        return cls(path, text, bom, detect_newline(text))

    @classmethod
    def from_text(cls, path: str, text: str) -> SourceFile:
        bom = text.startswith(BOM)
        if bom:
            text = text[1:]
        return cls(path, text, bom, detect_newline(text))

    def encode(self, text: str | None = None) -> bytes:
        body = self.text if text is None else text
        return ((BOM if self.bom else "") + body).encode("utf-8")

    def position(self, offset: int) -> Position:
        return self.index.position(offset)

    def slice(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def line_text(self, line: int) -> str:
        """The 1-based ``line`` without its line break."""
        start = self.index.starts[line - 1]
        end = self.index.starts[line] if line < self.index.line_count else len(self.text)
        return self.text[start:end].rstrip("\r\n")


def detect_newline(text: str) -> str:
    """The first line break in ``text``, ``\\n`` when there is none."""
    for i, c in enumerate(text):
        if c == "\n":
            return "\n"
        if c == "\r":
            return "\r\n" if text[i + 1 : i + 2] == "\n" else "\r"
    return "\n"


class Mapped(Sequence[str]):
    """A string built from pieces of a source text, each character knowing its source range.

    Continuation lines joined into one logical line, a JSON string with its escapes decoded, a
    shell word with its quotes removed: all are ``Mapped``, so a finding on any part of them gets
    the exact span in the file. ``starts[i]``/``ends[i]`` are the source range of character ``i``.
    Characters that were synthesised (no source) take the position of their neighbour.
    """

    __slots__ = ("ends", "starts", "text")

    def __init__(self, text: str, starts: Sequence[int], ends: Sequence[int]) -> None:
        if not (len(text) == len(starts) == len(ends)):
            raise ValueError("Mapped: text and offsets differ in length")
        self.text = text
        self.starts = tuple(starts)
        self.ends = tuple(ends)

    @classmethod
    def from_source(cls, text: str, start: int) -> Mapped:
        """A verbatim piece of source text beginning at offset ``start``."""
        n = len(text)
        return cls(text, range(start, start + n), range(start + 1, start + n + 1))

    @classmethod
    def empty_at(cls, offset: int) -> Mapped:
        return _EmptyMapped(offset)

    @classmethod
    def join(cls, parts: Sequence[Mapped]) -> Mapped:
        text = "".join(p.text for p in parts)
        starts: list[int] = []
        ends: list[int] = []
        for p in parts:
            starts.extend(p.starts)
            ends.extend(p.ends)
        if not text and parts:
            return _EmptyMapped(parts[0].span().start)
        return cls(text, starts, ends)

    def __len__(self) -> int:
        return len(self.text)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Mapped: ...
    def __getitem__(self, i: int | slice) -> str | Mapped:
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self.text))
            if step != 1:
                raise ValueError("Mapped slices take no step")
            if stop <= start:
                return _EmptyMapped(self._anchor(start))
            return Mapped(self.text[start:stop], self.starts[start:stop], self.ends[start:stop])
        return self.text[i]

    def __iter__(self) -> Iterator[str]:
        return iter(self.text)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Mapped({self.text!r}, {self.span()})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapped):
            return self.text == other.text and self.starts == other.starts
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.text, self.starts))

    def _anchor(self, i: int) -> int:
        if not self.text:
            return 0
        if i >= len(self.text):
            return self.ends[-1]
        return self.starts[i]

    def span(self, i: int = 0, j: int | None = None) -> Span:
        """The source span of characters ``[i, j)``; an empty range gives an empty span."""
        if j is None:
            j = len(self.text)
        if j <= i:
            at = self._anchor(i)
            return Span(at, at)
        return Span(self.starts[i], self.ends[j - 1])

    def strip(self) -> Mapped:
        s = self.text
        i, j = 0, len(s)
        while i < j and s[i] in " \t\r\n\f\v":
            i += 1
        while j > i and s[j - 1] in " \t\r\n\f\v":
            j -= 1
        return self[i:j]

    def find(self, sub: str, start: int = 0) -> int:
        return self.text.find(sub, start)


class _EmptyMapped(Mapped):
    """An empty string anchored at a source offset, so that its span still has a place."""

    __slots__ = ("anchor",)

    def __init__(self, anchor: int) -> None:
        super().__init__("", (), ())
        self.anchor = anchor

    def _anchor(self, i: int) -> int:
        return self.anchor

    def span(self, i: int = 0, j: int | None = None) -> Span:
        return Span(self.anchor, self.anchor)

    def __repr__(self) -> str:
        return f"Mapped('', @{self.anchor})"


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
