"""BuildKit's exec form: a ``json.Decoder`` reads ``[]any``, then every element must be a string.

The decoder reads one value and stops, so anything after the closing bracket is ignored
(``CMD ["a"] b`` is exec form with the single argument ``a``).

Python's ``json`` module accepts ``NaN``/``Infinity``, keeps lone surrogates and never overflows a
number, where Go rejects, replaces with U+FFFD and fails respectively; each of these changes
whether a line is exec form, so Go's rules are written out here. Decoded strings stay ``Mapped``:
each character knows the (possibly escaped) source it came from.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Iterator

from dockerlint_django._gotext import GO_SPACE
from dockerlint_django.dockerfile.ast import TooLarge
from dockerlint_django.source import Mapped

NOT_STRING_ARRAY = "when using JSON array syntax, arrays must be comprised of strings only"


class NotStringArrayError(Exception):
    """Valid JSON array with an element that is not a string: BuildKit rejects the file."""


_WS = r"[ \t\n\r]*"
# Possessive loops: a repeated group that may give characters back costs the regex engine some
# 64 bytes of stack per repetition (a gigabyte for a long array); these never need to.
_STRING = r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*+"'
_STRING_ARRAY = re.compile(rf"\[{_WS}(?:{_STRING}{_WS}(?:,{_WS}{_STRING}{_WS})*+)?\]")
_STRING_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*+)"', re.DOTALL)
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}
_TOKEN = re.compile(
    rf"{_WS}(?:([\[\]{{}},:])|({_STRING})|"
    r"(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)|(true|false|null))"
)
_MAX_DEPTH = 10000  # encoding/json's maxNestingDepth


def parse_json_array(args: Mapped, limit: int | None = None) -> list[Mapped] | None:
    """The decoded strings of an exec-form line, or None when BuildKit takes it as shell form.

    Raises ``NotStringArrayError`` for a valid JSON array holding anything but strings, and
    ``TooLarge`` for one of more than ``limit`` strings.
    """
    text = args.text
    lead = len(text) - len(text.lstrip(GO_SPACE))
    if not text.startswith("[", lead):
        return None
    array = _STRING_ARRAY.match(text, lead)
    if array:
        values: list[Mapped] = []
        for m in _STRING_TOKEN.finditer(text, lead, array.end()):
            if len(values) == limit:
                raise TooLarge
            values.append(_decode(args, m.start(1), m.end(1)))
        return values
    if _valid_json_without_overflow(text, lead):
        raise NotStringArrayError(NOT_STRING_ARRAY)
    return None


def _decode(src: Mapped, start: int, end: int) -> Mapped:
    body = src.text[start:end]
    if "\\" not in body:
        return src[start:end]
    line = src.linear(start, end)
    if line is not None:
        return _decode_linear(body, *line)
    return _decode_across(src, start, body)


def _decode_linear(body: str, a: int, b: int, step: int) -> Mapped:
    """``_decode`` of a string whose character ``q`` has the source range
    ``[a + step*q, b + step*q)``: the runs are worked out here, a few operations an escape."""
    chars = _Pieces()
    runs = array("q")
    offsets = array("q")
    n = pos = 0
    last_stop = last_len = -1  # the previous escape, while it is the last run
    run_len = 0
    for m, char, stop in _escapes(body):
        p = m.start()
        if p == last_stop and stop - p == last_len:
            # A row of escapes of one length (\n\n\n) is one run that advances by that length.
            if run_len == 1:
                offsets[-1] = step * last_len
            run_len += 1
        else:
            if p > pos:
                chars.append(body[pos:p])
                runs.append(n)
                offsets.extend((a + step * pos, b + step * pos, step))
                n += p - pos
            runs.append(n)
            offsets.extend((a + step * p, b + step * (stop - 1), 0))
            run_len, last_len = 1, stop - p
        chars.append(char)
        n += 1
        pos = last_stop = stop
    if pos < len(body):
        chars.append(body[pos:])
        runs.append(n)
        offsets.extend((a + step * pos, b + step * pos, step))
    return Mapped.from_runs(chars.text(), runs, offsets)


def _decode_across(src: Mapped, start: int, body: str) -> Mapped:
    """``_decode`` of a string that spans line continuations, so several runs of ``src``.

    The runs are walked once, alongside the escapes, instead of looked up for every piece.
    """
    t, r = src.runs()
    last = len(t) - 1
    k = bisect.bisect_right(t, start) - 1  # the run of src holding the current position
    chars = _Pieces()
    runs = array("q")
    offsets = array("q")
    n = pos = 0

    def plain(i: int, j: int) -> None:
        # src[i:j] as it is, one output run per run of src it crosses.
        nonlocal k, n
        while k < last and t[k + 1] <= i:
            k += 1
        while i < j:
            stop = min(j, t[k + 1]) if k < last else j
            d, step = i - t[k], r[3 * k + 2]
            runs.append(n)
            offsets.extend((r[3 * k] + step * d, r[3 * k + 1] + step * d, step))
            n += stop - i
            i = stop
            if i < j:
                k += 1

    for m, char, stop in _escapes(body):
        p = m.start()
        if p > pos:
            chars.append(body[pos:p])
            plain(start + pos, start + p)
        # The character stands for its whole escape, which may cross a continuation.
        i, j = start + p, start + stop - 1
        while k < last and t[k + 1] <= i:
            k += 1
        kj = k
        while kj < last and t[kj + 1] <= j:
            kj += 1
        runs.append(n)
        offsets.extend(
            (
                r[3 * k] + r[3 * k + 2] * (i - t[k]),
                r[3 * kj + 1] + r[3 * kj + 2] * (j - t[kj]),
                0,
            )
        )
        chars.append(char)
        n += 1
        pos = stop
    if pos < len(body):
        chars.append(body[pos:])
        plain(start + pos, start + len(body))
    return Mapped.from_runs(chars.text(), runs, offsets)


class _Pieces:
    """Text made of many small pieces, joined in blocks: a list of a million one-character
    strings would cost 60 bytes each while it lasts."""

    __slots__ = ("_blocks", "_chunks")

    def __init__(self) -> None:
        self._blocks: list[str] = []
        self._chunks: list[str] = []

    def append(self, piece: str) -> None:
        self._chunks.append(piece)
        if len(self._chunks) >= 4096:
            self._blocks.append("".join(self._chunks))
            self._chunks.clear()

    def text(self) -> str:
        return "".join(self._blocks) + "".join(self._chunks)


def _escapes(body: str) -> Iterator[tuple[re.Match[str], str, int]]:
    """Each escape of a JSON string body: its match, the character, where it ends."""
    pos = 0
    for m in _ESCAPE.finditer(body):
        if m.start() < pos:
            continue  # the low half of a surrogate pair, already decoded
        hex4, simple = m.group(1), m.group(2)
        stop = m.end()
        if hex4 is None:
            char = _SIMPLE_ESCAPES[simple]
        else:
            code = int(hex4, 16)
            if 0xD800 <= code <= 0xDFFF:
                pair = _ESCAPE.match(body, stop)
                low = int(pair.group(1), 16) if pair and pair.group(1) else -1
                if code <= 0xDBFF and 0xDC00 <= low <= 0xDFFF:
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    stop = pair.end() if pair else stop
                else:
                    code = 0xFFFD  # Go replaces a lone or misordered surrogate
            char = chr(code)
        yield m, char, stop
        pos = stop


def _valid_json_without_overflow(text: str, pos: int) -> bool:
    """Whether Go would decode the value at ``text[pos:]`` without a syntax or range error."""
    stack: list[str] = []
    expect_value = True
    expect_key = False
    after_opener = False
    while True:
        m = _TOKEN.match(text, pos)
        if m is None:
            return False
        pos = m.end()
        punct, string, number = m.group(1), m.group(2), m.group(3)
        if expect_key:
            if string is not None:
                m2 = _TOKEN.match(text, pos)
                if m2 is None or m2.group(1) != ":":
                    return False
                pos = m2.end()
                expect_key, expect_value, after_opener = False, True, False
                continue
            if punct == "}" and after_opener:
                stack.pop()
            else:
                return False
        elif expect_value:
            if punct in ("[", "{"):
                stack.append(punct)
                if len(stack) > _MAX_DEPTH:
                    return False
                expect_key = punct == "{"
                after_opener = True
                continue
            if punct == "]" and after_opener and stack and stack[-1] == "[":
                stack.pop()
            elif punct is not None or (number is not None and _overflows(number)):
                return False
        else:
            if punct == ",":
                expect_value = stack[-1] == "["
                expect_key = not expect_value
                after_opener = False
                continue
            if (punct == "]" and stack[-1] == "[") or (punct == "}" and stack[-1] == "{"):
                stack.pop()
            else:
                return False
        # A value has just been completed.
        expect_value = expect_key = after_opener = False
        if not stack:
            return True


def _overflows(number: str) -> bool:
    # Decoding into `any` makes a float64; Go reports a range error where Python gives inf.
    return abs(float(number)) == float("inf")
