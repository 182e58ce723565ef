"""BuildKit's own word splitters: builder flags (``--from=x``) and ``ENV``/``LABEL``/``ARG`` words.

``extractBuilderFlags`` and ``parseHealthConfig`` walk the line byte by byte and turn each byte
into a rune, so a non-ASCII flag comes out as mojibake (``--chown=josé`` is kept as
``--chown=josÃ©``) and the bytes 0x85/0xA0 inside a UTF-8 sequence count as white space. That is
what BuildKit gives to the rest of the builder, so it is reproduced here; ``ByteView`` maps the
byte positions back onto code points.
"""

from __future__ import annotations

import bisect
import re
from array import array
from functools import lru_cache
from itertools import compress

from dockerlint_django._gotext import GO_SPACE_CLASS
from dockerlint_django.dockerfile.ast import TooLarge
from dockerlint_django.source import Mapped, Span

_ASCII_WS = "\t\n\v\f\r "
# unicode.IsSpace(rune(b)) for a byte b: ASCII white space, NEL and NBSP.
_BYTE_WS = _ASCII_WS + "\x85\xa0"
_BYTE_WS_RE = re.compile(b"[\t\n\v\f\r \x85\xa0]")
_BYTE_NON_WS_RE = re.compile(b"[^\t\n\v\f\r \x85\xa0]")
# Byte to truth: 0 for a UTF-8 continuation byte, 1 for a byte that starts a code point.
_LEADS = bytes(0 if 0x80 <= b < 0xC0 else 1 for b in range(256))


class ByteView:
    """A ``Mapped`` seen as its UTF-8 bytes."""

    __slots__ = ("data", "m", "offsets")

    def __init__(self, m: Mapped) -> None:
        self.m = m
        self.data = m.text.encode("utf-8", "surrogatepass")
        # A code point starts at every byte that is not a continuation byte (10xxxxxx); counted
        # in C and kept 8 bytes a point, for a line that can be megabytes long.
        self.offsets = array("q", compress(range(len(self.data)), self.data.translate(_LEADS)))

    def char_floor(self, b: int) -> int:
        """The code point holding byte ``b`` (the length for the end)."""
        if b >= len(self.data):
            return len(self.offsets)
        return bisect.bisect_right(self.offsets, b) - 1

    def char_ceil(self, b: int) -> int:
        """The first code point starting at or after byte ``b``."""
        return bisect.bisect_left(self.offsets, b)

    def boundary(self, c: int) -> int:
        return self.offsets[c] if c < len(self.offsets) else len(self.data)

    def slice(self, b0: int, b1: int) -> Mapped:
        """Bytes ``[b0, b1)``; a cut inside a code point decodes to U+FFFD placed on that point."""
        m = self.m
        c0 = self.char_floor(b0)
        if b1 <= b0:
            return Mapped.empty_at(m.span(c0, c0).start)
        last = self.char_floor(b1 - 1)
        if self.boundary(c0) == b0 and self.boundary(last + 1) == b1:
            return m[c0 : last + 1]
        parts: list[Mapped] = []
        cur = b0
        if self.boundary(c0) != b0:
            cur = min(b1, self.boundary(c0 + 1))
            parts.append(self._replaced(b0, cur, c0))
        whole_end = last + 1 if self.boundary(last + 1) == b1 else last
        if cur < b1 and self.char_floor(cur) < whole_end:
            parts.append(m[self.char_floor(cur) : whole_end])
            cur = self.boundary(whole_end)
        if cur < b1:
            parts.append(self._replaced(cur, b1, last))
        return Mapped.join(parts)

    def _replaced(self, b0: int, b1: int, c: int) -> Mapped:
        text = self.data[b0:b1].decode("utf-8", "replace")
        return Mapped.at_span(text, self.m.span(c, c + 1))


class RawFlag:
    __slots__ = ("raw", "span", "value_span")

    def __init__(self, raw: str, span: Span, value_span: Span | None) -> None:
        self.raw = raw  # as BuildKit keeps it, quotes and backslashes removed
        self.span = span
        self.value_span = value_span  # what follows the first "=" in the source, if any


def extract_builder_flags(
    line: Mapped, start: int, end: int, limit: int | None = None
) -> tuple[list[RawFlag], Mapped]:
    """``extractBuilderFlags`` on ``line[start:end]``: the flags, then the rest of the line.

    Raises ``TooLarge`` for more than ``limit`` flags.
    """
    text = line.text
    i = start
    while i < end and text[i] in _ASCII_WS:
        i += 1
    if not text.startswith("--", i, end):
        return [], line[i:end]
    seg = line[start:end]
    view: ByteView | None = None
    if seg.text.isascii():
        units = seg.text
    else:
        view = ByteView(seg)
        units = view.data.decode("latin-1")
    words, rest = _flag_words(units, limit)
    flags: list[RawFlag] = []
    for raw, w0, w1, eq in words:
        if view is not None:  # byte positions to code points
            w0, w1 = view.char_floor(w0), view.char_ceil(w1)
            eq = None if eq is None else view.char_floor(eq)
        span = seg.span(w0, w1)
        value_span = None
        if eq is not None:
            # An empty value sits right after the "=", even when the next character is on
            # another line.
            value_span = seg.span(eq + 1, w1) if eq + 1 < w1 else Span(span.end, span.end)
        flags.append(RawFlag(raw, span, value_span))
    if rest is None:
        return flags, Mapped.empty_at(seg.span(len(seg), len(seg)).start)
    if view is None:
        return flags, seg[rest:]
    return flags, view.slice(rest, len(view.data))


def _flag_words(
    units: str, limit: int | None = None
) -> tuple[list[tuple[str, int, int, int | None]], int | None]:
    # Port of BuildKit 0.12's loop; `units` holds one character per byte of the line.
    in_spaces, in_word, in_quote = 0, 1, 2
    n = len(units)
    words: list[tuple[str, int, int, int | None]] = []
    phase = in_spaces
    word: list[str] = []
    quote = ""
    blank_ok = False
    word_start = 0
    eq: int | None = None
    pos = 0
    while pos <= n:
        ch = units[pos] if pos < n else ""
        if phase == in_spaces:
            if pos == n:
                break
            if ch in _BYTE_WS:
                pos += 1
                continue
            if ch != "-" or pos + 1 == n or units[pos + 1] != "-":
                return words, pos
            phase = in_word
            word_start = pos
            eq = None
        if pos == n:
            w = "".join(word)
            if w != "--" and (blank_ok or w):
                words.append((w, word_start, pos, eq))
            break
        if phase == in_word:
            if ch in _BYTE_WS:
                phase = in_spaces
                w = "".join(word)
                if w == "--":
                    return words, pos
                if blank_ok or w:
                    if len(words) == limit:
                        raise TooLarge
                    words.append((w, word_start, pos, eq))
                word = []
                blank_ok = False
                pos += 1
                continue
            if ch in "'\"":
                quote = ch
                blank_ok = True
                phase = in_quote
                pos += 1
                continue
        elif ch == quote:
            phase = in_word
            pos += 1
            continue
        if ch == "\\":
            if pos + 1 == n:
                if phase == in_quote:
                    phase = in_word
                pos += 1
                continue
            pos += 1
            ch = units[pos]
        if ch == "=" and eq is None:
            eq = pos
        word.append(ch)
        pos += 1
    return words, None


@lru_cache(maxsize=4)
def _word_re(escape: str) -> re.Pattern[str]:
    e = re.escape(escape)
    # Possessive loops: nothing after them can fail, and a repeated group that may give
    # characters back costs the regex engine some 64 bytes of stack per repetition.
    return re.compile(
        rf"(?:[^{GO_SPACE_CLASS}'\"{e}]|{e}(?:.|(?P<d1>\Z))|'[^']*(?:'|\Z)"
        rf"|\"(?:[^\"{e}]|{e}(?:.|(?P<d2>\Z)))*+(?:\"|\Z))++",
        re.DOTALL,
    )


def parse_words(rest: Mapped, escape: str, limit: int | None = None) -> list[Mapped]:
    """``parseWords``: split on white space outside quotes, keeping quotes and escapes.

    Only an escape character at the very end of the line is dropped, so every word is a slice.
    Raises ``TooLarge`` for more than ``limit`` words.
    """
    words: list[Mapped] = []
    for m in _word_re(escape).finditer(rest.text):
        end = m.end()
        if m.group("d1") is not None or m.group("d2") is not None:
            end -= 1
        if end > m.start():
            if len(words) == limit:
                raise TooLarge
            words.append(rest[m.start() : end])
    return words


def split_health(rest: Mapped) -> tuple[Mapped, Mapped] | None:
    """``parseHealthConfig``'s byte-wise split into the type word and the command."""
    text = rest.text
    if text.isascii():
        m = re.search(r"[\t\n\v\f\r ]", text)
        sep = m.start() if m else len(text)
        nxt = sep
        while nxt < len(text) and text[nxt] in _ASCII_WS:
            nxt += 1
        if sep == 0:
            return None
        return rest[:sep], rest[nxt:]
    view = ByteView(rest)
    data = view.data
    mb = _BYTE_WS_RE.search(data)
    bsep = mb.start() if mb else len(data)
    mn = _BYTE_NON_WS_RE.search(data, bsep)
    bnext = mn.start() if mn else len(data)
    if bsep == 0:
        return None
    return view.slice(0, bsep), view.slice(bnext, len(data))
