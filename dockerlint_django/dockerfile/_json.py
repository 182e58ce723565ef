"""BuildKit's exec form: a ``json.Decoder`` reads ``[]any``, then every element must be a string.

The decoder reads one value and stops, so anything after the closing bracket is ignored
(``CMD ["a"] b`` is exec form with the single argument ``a``).

Python's ``json`` module accepts ``NaN``/``Infinity``, keeps lone surrogates and never overflows a
number, where Go rejects, replaces with U+FFFD and fails respectively; each of these changes
whether a line is exec form, so Go's rules are written out here. Decoded strings stay ``Mapped``:
each character knows the (possibly escaped) source it came from.
"""

from __future__ import annotations

import re

from dockerlint_django._gotext import GO_SPACE
from dockerlint_django.source import Mapped

NOT_STRING_ARRAY = "when using JSON array syntax, arrays must be comprised of strings only"


class NotStringArrayError(Exception):
    """Valid JSON array with an element that is not a string: BuildKit rejects the file."""


_WS = r"[ \t\n\r]*"
_STRING = r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"'
_STRING_ARRAY = re.compile(rf"\[{_WS}(?:{_STRING}{_WS}(?:,{_WS}{_STRING}{_WS})*)?\]")
_STRING_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL)
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


def parse_json_array(args: Mapped) -> list[Mapped] | None:
    """The decoded strings of an exec-form line, or None when BuildKit takes it as shell form.

    Raises ``NotStringArrayError`` for a valid JSON array holding anything but strings.
    """
    text = args.text
    lead = len(text) - len(text.lstrip(GO_SPACE))
    if not text.startswith("[", lead):
        return None
    array = _STRING_ARRAY.match(text, lead)
    if array:
        tokens = _STRING_TOKEN.finditer(text, lead, array.end())
        return [_decode(args, m.start(1), m.end(1)) for m in tokens]
    if _valid_json_without_overflow(text, lead):
        raise NotStringArrayError(NOT_STRING_ARRAY)
    return None


def _decode(src: Mapped, start: int, end: int) -> Mapped:
    body = src.text[start:end]
    if "\\" not in body:
        return src[start:end]
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for m in _ESCAPE.finditer(body):
        if m.start() < pos:
            continue  # the low half of a surrogate pair, already decoded
        if m.start() > pos:
            plain = src[start + pos : start + m.start()]
            chars.append(plain.text)
            starts.extend(plain.starts)
            ends.extend(plain.ends)
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
        chars.append(char)
        starts.append(src.starts[start + m.start()])
        ends.append(src.ends[start + stop - 1])
        pos = stop
    if pos < len(body):
        plain = src[start + pos : end]
        chars.append(plain.text)
        starts.extend(plain.starts)
        ends.extend(plain.ends)
    return Mapped("".join(chars), starts, ends)


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
