"""Go's notion of text, where it differs from Python's: white space, lower case, ``%q`` quoting.

BuildKit and Docker Compose are both Go programs; their messages and word splitting follow these.

BuildKit decides what separates words with Go's ``unicode.IsSpace``; Python's ``str.isspace`` and
``str.strip()`` also treat U+001C..U+001F as space, which would split words BuildKit keeps whole.
"""

from __future__ import annotations

# unicode.IsSpace: the Latin-1 spaces (with NEL and NBSP) plus Unicode's White_Space above Latin-1.
GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)

# The same set for a regular-expression character class.
GO_SPACE_CLASS = (
    "\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
)


def trim_bounds(text: str, lo: int = 0, hi: int | None = None) -> tuple[int, int]:
    """``strings.TrimSpace`` of ``text[lo:hi]``, as bounds into ``text``."""
    if hi is None:
        hi = len(text)
    while lo < hi and text[lo] in GO_SPACE:
        lo += 1
    while hi > lo and text[hi - 1] in GO_SPACE:
        hi -= 1
    return lo, hi


def trim_space(text: str) -> str:
    return text.strip(GO_SPACE)


def go_lower(text: str) -> str:
    """``strings.ToLower``: one rune in, one rune out (Python turns U+0130 into two code points)."""
    if text.isascii():
        return text.lower()
    return "".join(c.lower() if c != "\u0130" else "i" for c in text)


_QUOTE_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    '"': '\\"',
    "\\": "\\\\",
}


def go_quote(text: str) -> str:
    """``strconv.Quote``: the ``%q`` of BuildKit's and Compose's error messages.

    A lone surrogate stands for what Go holds there: ``\\udc80``..``\\udcff`` for a byte that
    was not UTF-8 (kept by ``surrogateescape``), quoted as ``\\xNN``; any other one for the
    U+FFFD Go's decoders put in its place.
    """
    out = ['"']
    for c in text:
        esc = _QUOTE_ESCAPES.get(c)
        if esc is not None:
            out.append(esc)
        elif c.isprintable():
            out.append(c)
        else:
            o = ord(c)
            if 0xDC80 <= o <= 0xDCFF:
                out.append(f"\\x{o - 0xDC00:02x}")
            elif 0xD800 <= o <= 0xDFFF:
                out.append("\ufffd")
            elif o < 0x20 or o == 0x7F:
                out.append(f"\\x{o:02x}")
            elif o < 0x10000:
                out.append(f"\\u{o:04x}")
            else:
                out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)
