"""Compose YAML read as Docker Compose v2 reads it: go-yaml v3's scalars, merges and errors.

Compose (compose-go) decodes each document of a file with go-yaml v3 into ``any``, after its own
walk over the node tree that rejects duplicate keys and drops ``!reset`` nodes. This module builds
the same tree from PyYAML's event stream, every node with the exact span it was written at:

- plain scalars resolve as go-yaml's ``resolve.go`` does (only ``true``/``false`` spellings are
  booleans, ``0755`` is octal, ``2222:22`` is a string, dates are timestamps); explicit ``!!int``,
  ``!!float``, ``!!bool``, ``!!null``, ``!!timestamp``, ``!!str`` and ``!!binary`` tags convert or
  fail as there; any other tag (``!reset``, ``!override``, ``!!python/object:…``) only makes the
  scalar a string, and nothing is ever constructed from a tag;
- ``<<`` merge keys are applied, so a ``Mapping``'s items are final; merged entries keep their
  own nodes and origins;
- an alias is the very node object its anchor names (anchors carry over into later documents of
  the same file, as go-yaml's decoder keeps them);
- where libyaml and go-yaml's port of it disagree on syntax, go-yaml wins: ``\\/`` is no escape,
  ``\\'`` is one, a ``?`` ends a plain scalar inside brackets, ``[a:]`` is the string ``a:``,
  only ``%YAML 1.1`` is accepted (see ``_Patch``). PyYAML's pure-Python parser, used only where
  libyaml is not built, still differs on a few forms (tabs inside plain scalars among them).

``load_documents`` returns one node per YAML document: an empty file (nothing but comments or
blank lines) gives ``[]`` (Compose: "empty compose file"); an empty document (a bare ``---``)
gives a null ``Scalar`` (Compose: "top-level object must be a mapping"); a document that is a list
or a scalar is returned as is. Telling those apart, and merging several documents like several
``-f`` files, is the loader's job.

``!reset`` and ``!override`` stay on the nodes as tags for the loader, with one consequence handled
here because merges are applied here: compose-go removes every ``!reset`` entry from a mapping
before go-yaml applies ``<<``, so such an entry neither blocks a merged key of the same name (the
mapping may then hold both: the ``!reset`` entry, which the loader drops, and the merged one) nor
is carried into the mappings that merge it in. Errors come in the order Compose reports them
within a document: syntax errors and unknown anchors first, then duplicate keys, then decoding
errors; nothing inside a ``!reset`` subtree is an error, as compose-go drops it before decoding.
"""

from __future__ import annotations

import binascii
import math
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dockerlint_django._gotext import go_quote
from dockerlint_django.compose.nodes import (
    ComposeError,
    Mapping,
    Node,
    Origin,
    Scalar,
    ScalarValue,
    Sequence,
)
from dockerlint_django.source import Span

if TYPE_CHECKING:
    from dockerlint_django.source import SourceFile

# Compose itself has no limit: it walks an alias bomb node by node (six levels of nine-fold
# aliases take it minutes, nine never finish). Every consumer of this tree walks it with aliases
# expanded, so the file's expanded size is what must be bounded. Real Compose files stay far below:
# the largest of the 186 corpus files expands to 1,689 nodes, and a 5,000-line file with shared
# anchors to a few tens of thousands. compose-go's later releases cap their own walk at 100,000
# node visits per document for the same reason; this limit is twice that.
MAX_EXPANDED_NODES = 200_000
# Nested collections: deeper than any hand-written file by two orders of magnitude, and where
# libyaml stops by itself (go-yaml goes on to 10,000). The tree is built without recursion, but
# its consumers may recurse.
MAX_DEPTH = 1_000
# Characters of text. Above the 50 MB a generated file with one huge value may reach; below the
# point where the copies of the text (about four times its size in memory while it is parsed)
# become a problem.
MAX_TEXT_LENGTH = 64 * 1024 * 1024

_INT64_MAX = (1 << 63) - 1
_UINT64_MAX = (1 << 64) - 1

_NULL, _BOOL, _STR, _INT, _FLOAT, _TIMESTAMP, _BINARY, _MERGE = (
    "!!null",
    "!!bool",
    "!!str",
    "!!int",
    "!!float",
    "!!timestamp",
    "!!binary",
    "!!merge",
)
_RESOLVABLE = frozenset(("", _STR, _BOOL, _INT, _FLOAT, _NULL, _TIMESTAMP))
_LONG_TAG_PREFIX = "tag:yaml.org,2002:"
_RESET, _OVERRIDE = "!reset", "!override"

# go-yaml's resolve table: the first byte of a plain scalar says which forms it may take.
_HINTS: dict[str, str] = {"+": "S", "-": "S", ".": "."}
_HINTS.update(dict.fromkeys("0123456789", "D"))
_HINTS.update(dict.fromkeys("yYnNtTfFoO~", "M"))

_RESOLVE_MAP: dict[str, tuple[str, ScalarValue]] = {}
for _tag, _value, _spellings in (
    (_BOOL, True, ("true", "True", "TRUE")),
    (_BOOL, False, ("false", "False", "FALSE")),
    (_NULL, None, ("", "~", "null", "Null", "NULL")),
    (_FLOAT, math.nan, (".nan", ".NaN", ".NAN")),
    (_FLOAT, math.inf, (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")),
    (_FLOAT, -math.inf, ("-.inf", "-.Inf", "-.INF")),
):
    for _s in _spellings:
        _RESOLVE_MAP[_s] = (_tag, _value)

_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DIGITS = {
    2: re.compile(r"[01]*"),
    8: re.compile(r"[0-7]*"),
    10: re.compile(r"[0-9]*"),
    16: re.compile(r"[0-9a-fA-F]*"),
}
# Go's ParseFloat syntax for a decimal that starts with its point (the only kind go-yaml hands it
# unfiltered); underscores are checked separately, as strconv does.
_DOT_FLOAT = re.compile(r"\.[0-9_]*[0-9][0-9_]*([eE][-+]?[0-9][0-9_]*)?")
# A node's properties as libyaml scans them: anchor names are [0-9A-Za-z_-]; a shorthand tag ends
# at a blank or a flow indicator; a verbatim tag at its ">".
_PROPERTY = re.compile(r"&[0-9A-Za-z_-]+|!<[^>]*>|![^ \t\r\n\x85\u2028\u2029,\[\]{}]*")
_SEPARATION = frozenset(" \t\r\n\x85\u2028\u2029")
_LINE_BREAKS = frozenset("\r\n\x85\u2028\u2029")


class DecodeFailure(Exception):
    """A scalar go-yaml refuses to decode (the message is go-yaml's, without ``yaml: ``)."""


class _Diverged(Exception):
    """libyaml read on where go-yaml's parser reads differently: the text needs a _Patch."""

    def __init__(self, kind: str, at: int, error: ComposeError) -> None:
        super().__init__(kind, at)
        self.kind = kind
        self.at = at
        self.error = error  # what to report if the text cannot be patched


# ---------------------------------------------------------------------------------------------
# Scalars: a port of go-yaml v3's resolve.go and the strconv functions it relies on.


def _short_tag(tag: str) -> str:
    if tag.startswith(_LONG_TAG_PREFIX):
        return "!!" + tag[len(_LONG_TAG_PREFIX) :]
    return tag


def _parse_uint(s: str, base: int) -> int | None:
    """strconv.ParseUint(s, base, 64) for base 0, 2 or 8, on text without underscores."""
    if not s:
        return None
    if base == 0:
        base = 10
        if s[0] == "0":
            prefix = s[1:2].lower() if len(s) >= 3 else ""
            if prefix == "b":
                base, s = 2, s[2:]
            elif prefix == "o":
                base, s = 8, s[2:]
            elif prefix == "x":
                base, s = 16, s[2:]
            else:
                base, s = 8, s[1:]
    # Past 64 significant characters no digit string fits, and none of anything else is one:
    # deciding that first keeps a 50 MB value from being scanned twice over.
    s = s.lstrip("0")
    if len(s) > 64 or not _DIGITS[base].fullmatch(s):
        return None
    if not s:
        return 0
    n = int(s, base)
    return n if n <= _UINT64_MAX else None


def _parse_int(s: str, base: int) -> int | None:
    """strconv.ParseInt(s, base, 64)."""
    if not s:
        return None
    neg = s[0] == "-"
    if s[0] in "+-":
        s = s[1:]
    un = _parse_uint(s, base)
    if un is None:
        return None
    if neg:
        return -un if un <= _INT64_MAX + 1 else None
    return un if un <= _INT64_MAX else None


def _underscore_ok(s: str) -> bool:
    """strconv's rule: an underscore must sit between digits (or after a base prefix)."""
    saw = "^"
    i = 0
    if s[:1] in ("+", "-"):
        s = s[1:]
    hexa = False
    if len(s) >= 2 and s[0] == "0" and s[1].lower() in "box":
        i = 2
        saw = "0"
        hexa = s[1].lower() == "x"
    while i < len(s):
        c = s[i]
        if "0" <= c <= "9" or (hexa and "a" <= c.lower() <= "f"):
            saw = "0"
        elif c == "_":
            if saw != "0":
                return False
            saw = "_"
        else:
            if saw == "_":
                return False
            saw = "!"
        i += 1
    return saw != "_"


def _finite_float(s: str) -> float | None:
    """float(s), or None where Go's ParseFloat reports a range error (overflow to infinity)."""
    f = float(s)
    return None if math.isinf(f) else f


_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _getnum(s: str, i: int, fixed: bool) -> tuple[int, int] | None:
    """Go time's getnum: one or two ASCII digits (exactly two when ``fixed``)."""
    if i >= len(s) or not ("0" <= s[i] <= "9"):
        return None
    if i + 1 >= len(s) or not ("0" <= s[i + 1] <= "9"):
        if fixed:
            return None
        return int(s[i]), i + 1
    return int(s[i : i + 2]), i + 2


def _parse_time(s: str, layout: int) -> str | None:
    """time.Parse with one of go-yaml's four timestamp layouts, formatted as RFC 3339 (what Compose
    prints for a time.Time). Layouts: 0 ``2006-1-2T15:4:5.999999999Z07:00``, 1 the same with a
    lower-case ``t``, 2 ``2006-1-2 15:4:5.999999999``, 3 ``2006-1-2``."""
    year = int(s[0:4])
    i = 5  # the caller checked four digits and a "-"
    got = _getnum(s, i, False)
    if got is None:
        return None
    month, i = got
    if not 1 <= month <= 12 or s[i : i + 1] != "-":
        return None
    got = _getnum(s, i + 1, False)
    if got is None:
        return None
    day, i = got
    hour = minute = second = nsec = offset = 0
    if layout != 3:
        if layout == 2:
            # A space in a Go layout matches a run of one or more spaces.
            if s[i : i + 1] != " ":
                return None
            while i < len(s) and s[i] == " ":
                i += 1
        elif s[i : i + 1] != ("T" if layout == 0 else "t"):
            return None
        else:
            i += 1
        fields = []
        for n, (sep, limit) in enumerate((("", 24), (":", 60), (":", 60))):
            if n and s[i : i + 1] != sep:
                return None
            got = _getnum(s, i + (1 if n else 0), False)
            if got is None or got[0] >= limit:
                return None
            fields.append(got[0])
            i = got[1]
        hour, minute, second = fields
        if len(s) - i >= 2 and s[i] in ".," and "0" <= s[i + 1] <= "9":
            j = i + 1
            while j < len(s) and "0" <= s[j] <= "9":
                j += 1
            digits = s[i + 1 : j][:9]  # Go keeps nanoseconds and drops further digits
            nsec = int(digits) * 10 ** (9 - len(digits))
            i = j
        if layout in (0, 1):
            if s[i : i + 1] == "Z":
                i += 1
            else:
                tz = s[i : i + 6]
                if len(tz) < 6 or tz[3] != ":" or tz[0] not in "+-":
                    return None
                hh = _getnum(tz, 1, True)
                mm = _getnum(tz, 4, True)
                if hh is None or mm is None or hh[0] > 24 or mm[0] > 60:
                    return None
                offset = (hh[0] * 60 + mm[0]) * 60 * (-1 if tz[0] == "-" else 1)
                i += 6
    if i != len(s):
        return None
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if day < 1 or day > (29 if month == 2 and leap else _DAYS[month - 1]):
        return None
    text = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    if nsec:
        text += "." + f"{nsec:09d}".rstrip("0")
    if offset == 0:
        return text + "Z"
    zone = abs(offset) // 60
    return text + f"{'-' if offset < 0 else '+'}{zone // 60:02d}:{zone % 60:02d}"


def _parse_timestamp(s: str) -> str | None:
    if len(s) < 5 or s[4] != "-" or not all("0" <= c <= "9" for c in s[:4]):
        return None
    for layout in range(4):
        t = _parse_time(s, layout)
        if t is not None:
            return t
    return None


def _resolve_untyped(tag: str, s: str) -> tuple[str, ScalarValue]:
    """The body of go-yaml's resolve(): what ``s`` is, given that it may be resolved."""
    hint = _HINTS.get(s[0]) if s else "N"
    if hint is None or tag == _STR:
        return _STR, s
    item = _RESOLVE_MAP.get(s)
    if item is not None:
        return item
    if hint == ".":
        if _DOT_FLOAT.fullmatch(s) and ("_" not in s or _underscore_ok(s)):
            f = _finite_float(s.replace("_", ""))
            if f is not None:
                return _FLOAT, f
    elif hint in "DS":
        if tag in ("", _TIMESTAMP):
            t = _parse_timestamp(s)
            if t is not None:
                return _TIMESTAMP, t
        plain = s.replace("_", "")
        n = _parse_int(plain, 0)
        if n is None:
            n = _parse_uint(plain, 0)
        if n is not None:
            return _INT, n
        if _YAML_FLOAT.fullmatch(plain):
            f = _finite_float(plain)
            if f is not None:
                return _FLOAT, f
        for prefix, base in (("0b", 2), ("0o", 8)):
            if plain.startswith(prefix):
                n = _parse_int(plain[2:], base)
                if n is None:
                    n = _parse_uint(plain[2:], base)
                if n is not None:
                    return _INT, n
            elif plain.startswith("-" + prefix):
                n = _parse_int("-" + plain[3:], base)
                if n is not None:
                    return _INT, n
    return _STR, s


def _quote_for_message(s: str) -> str:
    return s if len(s) <= 60 else s[:57] + "..."


def resolve(tag: str, s: str) -> tuple[str, ScalarValue]:
    """go-yaml's resolve(tag, s): the resolved short tag (``!!int``…) and value of a scalar.

    ``tag`` is a short tag (``!!int``, ``!foo``) or "" for an untagged plain scalar. Timestamps come
    back as their RFC 3339 text, which is how Compose prints them. Raises ``DecodeFailure`` where
    go-yaml fails to decode (``!!int abc``).
    """
    if tag not in _RESOLVABLE:
        return tag, s
    rtag, out = _resolve_untyped(tag, s)
    if tag in ("", rtag, _STR):
        return rtag, out
    # go-yaml widens an int to a !!float, but only one that fits int64.
    if tag == _FLOAT and rtag == _INT and isinstance(out, int) and out <= _INT64_MAX:
        return _FLOAT, float(out)
    raise DecodeFailure(f"cannot decode {rtag} `{_quote_for_message(s)}` as a {tag}")


def _decode_binary(s: str) -> str:
    """Go's base64.StdEncoding.DecodeString (padding required, CR/LF ignored), as a Go string."""
    try:
        raw = binascii.a2b_base64(
            s.replace("\r", "").replace("\n", "").encode("ascii"), strict_mode=True
        )
    except (binascii.Error, UnicodeEncodeError):
        raise DecodeFailure("!!binary value contains invalid base64 data") from None
    # Compose prints each byte that is not UTF-8 as U+FFFD, one per byte.
    text = raw.decode("utf-8", "surrogateescape")
    if not text.isascii():
        text = re.sub("[\udc80-\udcff]", "\ufffd", text)
    return text


def scalar_value(tag: str | None, plain: bool, s: str) -> tuple[str, ScalarValue]:
    """Kind (``str``, ``int``, … without ``!!``) and value of a scalar decoded into ``any``.

    ``tag`` is the short tag (None or "!" when the scalar has none); ``plain`` says the scalar was
    written unquoted and not as a block. Raises ``DecodeFailure`` as go-yaml does.
    """
    if tag is None or tag == "!":
        if not plain or (s and s[0] not in _HINTS):
            return "str", s
        rtag, value = _resolve_untyped("", s)
    elif tag == _BINARY:
        return "binary", _decode_binary(s)
    else:
        rtag, value = resolve(tag, s)
    if rtag not in _RESOLVABLE:
        return "str", value  # an unknown tag leaves the text, as a string
    return rtag[2:], value


# ---------------------------------------------------------------------------------------------
# The tree.

# Walk contexts: how compose-go's !reset walk treats the children of a node. Walked: duplicate
# keys are checked and !reset entries removed before go-yaml merges. Overridden (inside an
# !override node): not walked, but still decoded. Dropped (inside a !reset node): removed before
# decoding, so nothing in it is an error.
_WALKED, _OVERRIDDEN, _DROPPED = 0, 1, 2
# Error classes, in the order Compose reports them within one document: compose-go's walk
# (duplicate keys, cycles), go-yaml's decoding failures, go-yaml's collected type errors.
_WALK, _DECODE, _TYPE = 0, 1, 2
_Errors = list[ComposeError | None]  # one slot per class: the first error of that class

_STYLES = {None: "plain", "": "plain", "'": "'", '"': '"', "|": "|", ">": ">"}
_NO_KEY: Any = object()  # a mapping waiting for a key
_MERGE_KEY: Any = object()  # the pending key is "<<"
_BAD_KEY: Any = object()  # the pending key was a collection (an error): its value is dropped


def _child_context(context: int, tag: str | None) -> int:
    if context == _WALKED:
        if tag == _RESET:
            return _DROPPED
        if tag == _OVERRIDE:
            return _OVERRIDDEN
    return context


def _absorb(into: _Errors, child: _Errors, tag: str | None, context: int) -> None:
    """Pass a child's errors to its parent, through the child's own !reset/!override boundary."""
    if context == _WALKED:
        if tag == _RESET:
            return
        if tag == _OVERRIDE and child[_WALK] is not None:
            # compose-go does not walk an !override node; go-yaml finds its duplicate keys later.
            child = [None, child[_DECODE], child[_TYPE] or child[_WALK]]
    for cls in (_WALK, _DECODE, _TYPE):
        if into[cls] is None:
            into[cls] = child[cls]


def _key_identity(key: Scalar) -> tuple[str, ScalarValue]:
    """A decoded key as a Go map compares it: 1 and "1" differ, 1 and 01 do not."""
    kind = "str" if key.kind == "binary" else key.kind
    return kind, key.value


class _Frame:
    """An open collection."""

    __slots__ = (
        "anchor",
        "context",
        "end",
        "errors",
        "flow",
        "is_map",
        "items",
        "key",
        "mark",
        "merge",
        "merge_alias",
        "merge_at",
        "merge_mark",
        "seen",
        "simple",
        "size",
        "start",
        "tag",
    )

    def __init__(
        self,
        is_map: bool,
        mark: int,
        start: int,
        tag: str | None,
        anchor: str | None,
        flow: bool,
        context: int,
    ) -> None:
        self.is_map = is_map
        self.mark = mark  # where the event starts (its properties included), for messages
        self.start = start
        self.end = start
        self.tag = tag
        self.anchor = anchor
        self.flow = flow
        self.context = context  # the walk context of this collection's children
        self.items: list[Any] = []
        self.size = 1
        self.errors: _Errors = [None, None, None]
        self.key: Any = _NO_KEY
        self.seen: dict[str, int] = {}  # raw key text -> where it was first, for duplicates
        # Every key a string, none repeated: the items are final as written (unless merged).
        self.simple = True
        self.merge: Node | None = None
        self.merge_alias = False
        self.merge_at = 0
        self.merge_mark = 0


class _Builder:
    """Turns one file's event stream into nodes, keeping open collections on an explicit stack."""

    def __init__(self, source: SourceFile, text: str, patch: _Patch | None) -> None:
        self.source = source
        self.text = text  # what the parser reads: the source text, or a patched copy of it
        self.patch = patch
        self.stack: list[_Frame] = []
        self.flow_level = 0  # open flow collections
        # name -> (node, its errors); None while the anchored collection is still open.
        self.anchors: dict[str, tuple[Node, _Errors | None] | None] = {}
        # Expanded size and walk context of every collection, by id: merges and aliases need
        # both, and nodes have no room for them.
        self.meta: dict[int, tuple[int, int]] = {}
        self.expanded = 0
        self.root: Node | None = None
        self.root_errors: _Errors = [None, None, None]

    def error(self, message: str, offset: int) -> ComposeError:
        pos = self.source.position(offset)
        return ComposeError(message, self.source.path, pos.line, pos.column)

    def count(self, n: int, offset: int) -> None:
        self.expanded += n
        if self.expanded > MAX_EXPANDED_NODES:
            raise self.error(
                f"YAML expands to more than {MAX_EXPANDED_NODES:,} nodes once aliases and merge"
                " keys are followed (an alias bomb?)",
                offset,
            )

    def content_start(self, start: int, bound: int, properties: int) -> int:
        """Where a node's content begins, after its anchor and tag and what separates them."""
        text = self.text
        i = start
        for n in range(properties + 1):
            while i < bound:
                c = text[i]
                if c in _SEPARATION:
                    i += 1
                elif c == "#":
                    while i < bound and text[i] not in _LINE_BREAKS:
                        i += 1
                else:
                    break
            if n < properties:
                m = _PROPERTY.match(text, i, bound)
                if m is None:
                    break
                i = m.end()
        return i

    def context(self) -> int:
        return self.stack[-1].context if self.stack else _WALKED

    # -- events ------------------------------------------------------------------------------

    def scalar(self, ev: Any) -> None:
        start = ev.start_mark.index
        end = ev.end_mark.index
        anchor = ev.anchor
        tag = ev.tag
        if tag is not None:
            tag = _short_tag(tag)
        style = _STYLES[ev.style]
        text = ev.value
        if anchor is not None or tag is not None:
            start = self.content_start(start, end, (anchor is not None) + (tag is not None))
        elif start == end:
            # An empty value sits just after its ":", where PyYAML puts it; libyaml puts it at
            # the next token in flow collections ("{a: }" marks the "}").
            i = start
            while i > 0 and self.text[i - 1] in " \t":
                i -= 1
            if i > 0 and self.text[i - 1] == ":":
                start = end = i
        if style == '"':
            self.check_escapes(start, end)
        elif self.flow_level and style == "plain" and self.text.find("?", start + 1, end) >= 0:
            self.question_in_flow(start, end)
        if self.patch is not None:
            text = self.patch.restore(text, style)
        errors: _Errors | None = None
        try:
            kind, value = scalar_value(tag, style == "plain", text)
        except DecodeFailure as exc:
            kind, value = "str", text
            errors = [None, self.error(str(exc), start), None]
        node = Scalar(
            Origin(self.source, Span(start, end)),
            value=value,
            kind=kind,
            style=style,
            tag=tag,
            anchor=anchor,
        )
        self.count(1, start)
        if anchor is not None:
            self.anchors[anchor] = (node, errors)
        # go-yaml's isMerge: "<<" written plain and untagged, or tagged !!merge.
        merge = text == "<<" and (tag == _MERGE or (style == "plain" and tag in (None, "!")))
        self.attach(node, 1, end, errors, text, merge, ev.start_mark.index)

    def check_escapes(self, start: int, end: int) -> None:
        """go-yaml knows no ``\\/`` escape (a YAML 1.2 one), which libyaml accepts."""
        text = self.text
        if text.find("\\/", start, end) < 0:
            return
        i = text.find("\\", start, end)
        while i >= 0:
            if text[i + 1] == "/":
                raise self.error(
                    f"found unknown escape character (while parsing a quoted scalar at line"
                    f" {self.source.position(start).line})",
                    i,
                )
            i = text.find("\\", i + 2, end)

    def check_empty_flow_key(self, mark: int) -> None:
        """go-yaml's parser swallows the token after an empty "?" key in a flow sequence;
        libyaml (0.2.5 on) no longer swallows a "]" there, so ``[? ]`` parses only to libyaml."""
        text = self.text
        if text[mark : mark + 1] != "?":
            return
        i = mark + 1
        while i < len(text):
            c = text[i]
            if c in _SEPARATION:
                i += 1
            elif c == "#":
                while i < len(text) and text[i] not in _LINE_BREAKS:
                    i += 1
            else:
                break
        if text[i : i + 1] == "]":
            raise _Diverged("swallow", i, self.error("did not find expected ',' or ']'", i))

    def question_in_flow(self, start: int, end: int) -> None:
        """go-yaml ends a plain scalar at a "?" inside brackets, which is then out of place;
        libyaml reads on (``[curl http://x/?a=1]`` is one string to it, an error to Compose)."""
        closer = "]"
        for frame in reversed(self.stack):
            bracket = self.text[frame.start : frame.start + 1]
            if frame.flow and bracket in ("[", "{"):
                closer = "]" if bracket == "[" else "}"
                break
        raise self.error(
            f"did not find expected ',' or '{closer}'", self.text.find("?", start + 1, end)
        )

    def alias(self, ev: Any) -> None:
        name = ev.anchor
        mark = ev.start_mark.index
        if name not in self.anchors:
            raise self.error(f"unknown anchor '{name}' referenced", mark)
        entry = self.anchors[name]
        end = ev.end_mark.index
        if entry is None:
            # go-yaml builds such a graph, and Compose then fails ("cycle detected") or, through
            # a merge key, never finishes; a tree of immutable nodes cannot hold it at all.
            node: Node = Scalar(Origin(self.source, Span(mark, end)), value=None, kind="null")
            cycle = self.error(f"anchor '{name}' is used inside its own value (a cycle)", mark)
            self.count(1, mark)
            self.attach(node, 1, end, [cycle, None, None], name, False, mark, alias=True)
            return
        node, errors = entry
        size = self.meta[id(node)][0] if not isinstance(node, Scalar) else 1
        self.count(size, mark)
        self.attach(node, size, end, errors, name, False, mark, alias=True)

    def start(self, ev: Any, is_map: bool) -> None:
        mark = ev.start_mark.index
        if len(self.stack) >= MAX_DEPTH:
            raise self.error(f"YAML nested deeper than {MAX_DEPTH:,} levels", mark)
        anchor = ev.anchor
        tag = ev.tag
        if tag is not None:
            tag = _short_tag(tag)
        start = mark
        if anchor is not None or tag is not None:
            props = (anchor is not None) + (tag is not None)
            start = self.content_start(mark, ev.end_mark.index, props)
        if is_map and self.stack and self.stack[-1].flow and not self.stack[-1].is_map:
            self.check_empty_flow_key(mark)
        context = _child_context(self.context(), tag)
        frame = _Frame(is_map, mark, start, tag, anchor, bool(ev.flow_style), context)
        self.flow_level += frame.flow
        self.count(1, start)
        if anchor is not None:
            self.anchors[anchor] = None
        self.stack.append(frame)

    def end(self, ev: Any) -> None:
        frame = self.stack.pop()
        self.flow_level -= frame.flow
        end = frame.end
        if frame.flow:
            closer = self.text[ev.start_mark.index : ev.end_mark.index]
            # An implicit one-pair mapping in a flow sequence ("[a: 1]") has no brace of its own.
            if closer in ("]", "}"):
                end = ev.end_mark.index
        origin = Origin(self.source, Span(frame.start, max(end, frame.start)))
        node: Node
        if frame.is_map:
            items = self.finish_mapping(frame)
            node = Mapping(origin, items=items, flow=frame.flow, tag=frame.tag, anchor=frame.anchor)
        else:
            node = Sequence(
                origin,
                items=tuple(frame.items),
                flow=frame.flow,
                tag=frame.tag,
                anchor=frame.anchor,
            )
        self.meta[id(node)] = (frame.size, frame.context)
        if frame.anchor is not None:
            self.anchors[frame.anchor] = (node, frame.errors)
        self.attach(node, frame.size, end, frame.errors, "", False, frame.mark)

    # -- building ----------------------------------------------------------------------------

    def attach(
        self,
        node: Node,
        size: int,
        end: int,
        errors: _Errors | None,
        raw: str,
        merge: bool,
        mark: int,
        alias: bool = False,
    ) -> None:
        """Give a finished node to the open collection, or make it the document's root.

        ``raw`` is the key text compose-go compares for duplicates (an alias: its name; a
        collection: ""), ``merge`` whether it is a ``<<`` key, ``mark`` where its event starts.
        """
        if not self.stack:
            self.root = node
            if errors is not None:
                _absorb(self.root_errors, errors, None, _DROPPED)
            return
        frame = self.stack[-1]
        if end > frame.end:
            frame.end = end
        if not frame.is_map:
            if errors is not None:
                _absorb(frame.errors, errors, node.tag, frame.context)
            frame.items.append(node)
            frame.size += size
            return
        key = frame.key
        if key is _NO_KEY:
            if errors is not None:
                _absorb(frame.errors, errors, None, frame.context)
            self.take_key(frame, node, raw, merge and not alias, mark)
            return
        frame.key = _NO_KEY
        if errors is not None:
            _absorb(frame.errors, errors, node.tag, frame.context)
        if key is _MERGE_KEY:
            frame.merge = node
            frame.merge_alias = alias
        elif key is not _BAD_KEY:
            frame.items.append((key, node))
            frame.size += 1 + size

    def take_key(self, frame: _Frame, node: Node, raw: str, merge: bool, mark: int) -> None:
        seen = frame.seen
        first = seen.get(raw)
        if first is None:
            seen[raw] = mark
        else:
            frame.simple = False
            if frame.context != _DROPPED and frame.errors[_WALK] is None:
                line = self.source.position(first).line
                message = f"mapping key {go_quote(raw)} already defined at line {line}"
                frame.errors[_WALK] = self.error(message, mark)
        if merge:
            frame.key = _MERGE_KEY
            frame.merge_at = len(frame.items)
            frame.merge_mark = mark
        elif isinstance(node, Scalar):
            frame.key = node
            if node.kind != "str":
                frame.simple = False
        else:
            if frame.errors[_DECODE] is None:
                what = "a mapping" if isinstance(node, Mapping) else "a sequence"
                frame.errors[_DECODE] = self.error(f"invalid map key: {what}", mark)
            frame.key = _BAD_KEY

    def walked(self, node: Node, context: int) -> bool:
        """Whether compose-go's walk removed the !reset entries of ``node`` before go-yaml saw it:
        it walks a node where it is defined and again wherever an alias to it is walked."""
        return self.meta[id(node)][1] == _WALKED or _child_context(context, node.tag) == _WALKED

    def merge_sources(self, frame: _Frame) -> list[Mapping]:
        """The mappings a ``<<`` key merges, in precedence order (go-yaml's d.merge)."""
        value = frame.merge
        context = frame.context
        if value is None or (context == _WALKED and value.tag == _RESET):
            return []
        if isinstance(value, Mapping):
            return [value]
        # go-yaml refuses an alias to a sequence here, but compose-go's walk has already put the
        # aliased node itself in the alias's place: only unwalked aliases stay aliases.
        if isinstance(value, Sequence) and (context == _WALKED or not frame.merge_alias):
            items = value.items
            if self.walked(value, context):
                items = tuple(item for item in items if item.tag != _RESET)
            if all(isinstance(item, Mapping) for item in items):
                return [item for item in items if isinstance(item, Mapping)]
        if frame.errors[_DECODE] is None:
            message = "map merge requires map or sequence of maps as the value"
            frame.errors[_DECODE] = self.error(message, frame.merge_mark)
        return []

    def finish_mapping(self, frame: _Frame) -> tuple[tuple[Scalar, Node], ...]:
        if frame.simple and frame.merge is None:
            return tuple(frame.items)
        walked = frame.context == _WALKED
        final: list[tuple[Scalar, Node]] = []
        where: dict[tuple[str, ScalarValue], int] = {}
        insert_at = -1
        for i, (key, value) in enumerate(frame.items):
            if i == frame.merge_at:
                insert_at = len(final)
            if walked and value.tag == _RESET:
                final.append((key, value))  # removed before merging: it holds no place
                continue
            identity = _key_identity(key)
            at = where.get(identity)
            if at is None:
                where[identity] = len(final)
                final.append((key, value))
            else:
                final[at] = (key, value)  # raw texts differ (1, 01): a Go map keeps the last
        if frame.merge is None:
            return tuple(final)
        if insert_at < 0:
            insert_at = len(final)
        merged: list[tuple[Scalar, Node]] = []
        added = 0
        for source in self.merge_sources(frame):
            source_walked = self.walked(source, frame.context)
            for key, value in source.items:
                if source_walked and value.tag == _RESET:
                    continue
                identity = _key_identity(key)
                if identity in where:
                    continue
                where[identity] = -1
                merged.append((key, value))
                added += 1 + (1 if isinstance(value, Scalar) else self.meta[id(value)][0])
        if added:
            frame.size += added
            self.count(added, frame.merge_mark)
        return tuple(final[:insert_at] + merged + final[insert_at:])

    def finish_document(self) -> Node:
        root = self.root
        assert root is not None  # libyaml gives every document a node, if only an empty one
        self.root = None
        errors, self.root_errors = self.root_errors, [None, None, None]
        for error in errors:
            if error is not None:
                raise error
        return root


# ---------------------------------------------------------------------------------------------
# Parsing.


class _Patch:
    """A copy of the text in which libyaml reads what go-yaml reads, at the same offsets.

    libyaml stops at three forms go-yaml reads: a ``\\'`` escape in a double-quoted scalar
    (go-yaml: ``'``); inside brackets, a plain scalar's ``:`` before a flow indicator (``[a:]``,
    go-yaml: ``a:``); and the ``]`` after an empty ``?`` key in a flow sequence, which go-yaml's
    parser skips. Each place libyaml stops at is rewritten to what libyaml reads the go-yaml way
    (another escape, a colon-like character, a space), using characters the file does not hold,
    and the affected values are mended as they are read.
    """

    QUOTE_CANDIDATES = (("a", "\x07"), ("e", "\x1b"), ("v", "\x0b"), ("0", "\x00"), ("f", "\x0c"))

    def __init__(self, text: str) -> None:
        self.original = text
        self.text = text
        self.quotes: set[int] = set()  # positions of the backslash of each rewritten \'
        self.colons: set[int] = set()
        self.swallowed: set[int] = set()  # tokens go-yaml's parser skips (check_empty_flow_key)
        self.letter = self.char = self.colon = ""

    def add(self, kind: str, at: int) -> bool:
        """Rewrite one more divergence libyaml stopped at; False when that cannot be done."""
        text = self.original
        if kind == "quote":
            if not self.letter:
                chosen = self.quote_placeholder(text)
                if chosen is None:
                    return False
                self.letter, self.char = chosen
            found = self.quotes_in_scalar(text, at)
            if at not in found or found <= self.quotes:
                return False
            self.quotes.update(found)
        elif kind == "swallow":
            if at in self.swallowed:
                return False
            self.swallowed.add(at)
        else:
            if not self.colon:
                present = set(text)
                free = next((chr(c) for c in range(0xE000, 0xF900) if chr(c) not in present), "")
                if not free:
                    return False
                self.colon = free
            if text[at] != ":" or at in self.colons:
                return False
            self.colons.add(at)
        chars = list(text)
        for i in self.quotes:
            chars[i + 1] = self.letter
        for i in self.colons:
            chars[i] = self.colon
        for i in self.swallowed:
            chars[i] = " "
        self.text = "".join(chars)
        return True

    @classmethod
    def quote_placeholder(cls, text: str) -> tuple[str, str] | None:
        """A two-character escape whose character nothing in the file can produce."""
        for letter, char in cls.QUOTE_CANDIDATES:
            code = ord(char)
            numeric = re.compile(rf"\\(?:x{code:02x}|u{code:04x}|U{code:08x})", re.IGNORECASE)
            if "\\" + letter not in text and char not in text and not numeric.search(text):
                return letter, char
        return None

    @staticmethod
    def quotes_in_scalar(text: str, at: int) -> set[int]:
        """The escaped quotes of the double-quoted scalar libyaml stopped in at ``at``."""
        found = set()
        i = at
        while i < len(text) and text[i] != '"':
            if text[i] == "\\":
                if text[i + 1 : i + 2] == "'":
                    found.add(i)
                i += 2
            else:
                i += 1
        return found

    def restore(self, value: str, style: str) -> str:
        # Rewrites sit exactly where libyaml stopped: escapes in double quotes, colons in plain
        # scalars; no other value can hold a placeholder, as the file has none of them.
        if style == '"' and self.char:
            return value.replace(self.char, "'")
        if style == "plain" and self.colon:
            return value.replace(self.colon, ":")
        return value


def _divergence(text: str, exc: Exception) -> tuple[str, int] | None:
    """Where libyaml stopped at something go-yaml reads (see _Patch), if it did."""
    import yaml

    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        return None
    problem = exc.problem or ""
    at = exc.problem_mark.index
    if problem.startswith("found unknown escape character"):
        # libyaml marks the backslash; PyYAML's scanner the character after it.
        for i in (at, at - 1):
            if text[i : i + 2] == "\\'":
                return "quote", i
    elif problem == "found unexpected ':'" and text[at : at + 1] == ":":
        return "colon", at
    return None


# Each rewrite costs a fresh parse, and there is one per double-quoted scalar holding \' or per
# "a:]"; a file has a handful at most. The budget keeps a hostile one to a few seconds' work.
_REPARSE_BUDGET = 20_000_000  # characters parsed again, in all
_MAX_REPARSES = 50


def load_documents(source: SourceFile) -> list[Node]:
    """The YAML documents of a Compose file as nodes, read as Compose reads them.

    One node per document: ``[]`` for a file without any (empty, or only comments); a null
    ``Scalar`` for an empty document (a bare ``---``); otherwise the document's ``Mapping``, or the
    ``Sequence`` or ``Scalar`` a malformed file has at its top (the loader rejects those as Compose
    does: "top-level object must be a mapping"). Raises ``ComposeError``, naming file and line,
    for anything Compose fails to read: YAML syntax, unknown anchors, duplicate keys, scalars that
    cannot take their explicit tag, bad merge keys; and for input past this module's limits
    (``MAX_TEXT_LENGTH``, ``MAX_DEPTH``, ``MAX_EXPANDED_NODES``), which Compose has none of.
    """
    return list(iter_documents(source))


def iter_documents(source: SourceFile) -> Iterator[Node]:
    """``load_documents`` one document at a time, raising where Compose stops.

    Compose reads, checks and merges each document before it parses the next, so a schema error in
    the first document is reported even when a later one is not YAML; a loader that wants the
    same error takes the documents from here as it goes.
    """
    return _iter(source, libyaml=True)


def _iter(source: SourceFile, *, libyaml: bool) -> Iterator[Node]:
    """``iter_documents``, with libyaml's parser (when built) or PyYAML's pure-Python one."""
    path = source.path
    text = source.text
    if len(text) > MAX_TEXT_LENGTH:
        raise ComposeError(
            f"file too large to read as YAML: {len(text):,} characters"
            f" (the limit is {MAX_TEXT_LENGTH:,})",
            path,
        )
    return _guarded(source, libyaml)


def _guarded(source: SourceFile, libyaml: bool) -> Iterator[Node]:
    import yaml

    done = 0
    try:
        try:
            for document in _parse(source, source.text, None, libyaml):
                yield document
                done += 1
            return
        except yaml.YAMLError as exc:
            error = _syntax_error(source, exc, libyaml)
            divergence = _divergence(source.text, exc)
            if divergence is None:
                raise error from None
        except _Diverged as exc:
            error, divergence = exc.error, (exc.kind, exc.at)
        # The documents already given are read again, identically, and not given twice.
        yield from _parse_patched(source, libyaml, error, divergence)[done:]
    except MemoryError:
        raise ComposeError("not enough memory to read this file as YAML", source.path) from None
    except RecursionError:
        raise ComposeError("YAML nested too deeply to read", source.path) from None


def _parse_patched(
    source: SourceFile, libyaml: bool, error: ComposeError, divergence: tuple[str, int]
) -> list[Node]:
    """Read a file libyaml stopped in where go-yaml would not have, as go-yaml does."""
    import yaml

    text = source.text
    patch = _Patch(text)
    passes = min(_MAX_REPARSES, max(1, _REPARSE_BUDGET // max(1, len(text))))
    for _ in range(passes):
        if not patch.add(*divergence):
            raise error
        try:
            return list(_parse(source, patch.text, patch, libyaml))
        except yaml.YAMLError as exc:
            found = _divergence(patch.text, exc)
            if found is None:
                raise _syntax_error(source, exc, libyaml) from None
            divergence = found
        except _Diverged as exc:
            divergence = (exc.kind, exc.at)
    raise error


def _parse(source: SourceFile, text: str, patch: _Patch | None, libyaml: bool) -> Iterator[Node]:
    import yaml
    from yaml.events import (
        AliasEvent,
        DocumentEndEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    parser: Any = None
    if libyaml:
        try:
            from yaml._yaml import CParser
        except ImportError:
            pass
        else:
            try:
                parser = CParser(text)
            except UnicodeError:
                raise ComposeError("text cannot be encoded as UTF-8", source.path) from None
    if parser is None:
        _check_flow_depth(source, text)
        parser = yaml.SafeLoader(text)
    builder = _Builder(source, text, patch)
    get_event = parser.get_event
    try:
        # Every YAMLError escapes to the caller, which knows which parser raised it.
        while parser.check_event():
            ev = get_event()
            kind = type(ev)
            if kind is ScalarEvent:
                builder.scalar(ev)
            elif kind is MappingStartEvent:
                builder.start(ev, True)
            elif kind is SequenceStartEvent:
                builder.start(ev, False)
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                builder.end(ev)
            elif kind is AliasEvent:
                builder.alias(ev)
            elif kind is DocumentStartEvent:
                if ev.version is not None and tuple(ev.version) != (1, 1):
                    # go-yaml reads YAML 1.1 documents only.
                    raise builder.error("found incompatible YAML document", ev.start_mark.index)
            elif kind is DocumentEndEvent:
                yield builder.finish_document()
    finally:
        parser.dispose()


def _check_flow_depth(source: SourceFile, text: str) -> None:
    """Refuse deep flow nesting before PyYAML's own scanner meets it.

    That scanner keeps a possible simple key per open bracket and looks at all of them for every
    token, so 10,000 nested brackets take it seconds; libyaml stops at 1,000 levels by itself.
    Brackets inside quoted or plain text count too, which only a file no one writes could notice.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for m in _BRACKETS.finditer(text):
        if m.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                pos = source.position(m.start())
                raise ComposeError(
                    f"YAML nested deeper than {MAX_DEPTH:,} levels",
                    source.path,
                    pos.line,
                    pos.column,
                )
        elif depth:
            depth -= 1


_BRACKETS = re.compile(r"[\[\]{}]")


def _syntax_error(source: SourceFile, exc: Exception, libyaml: bool) -> ComposeError:
    import yaml

    path = source.path
    if isinstance(exc, yaml.reader.ReaderError):
        offset = exc.position
        if libyaml:
            # libyaml counts this one in bytes of the UTF-8 text.
            offset = len(
                source.text.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "ignore")
            )
        pos = source.position(offset)
        what = f"#x{exc.character:04x}" if isinstance(exc.character, int) else "character"
        return ComposeError(
            f"unacceptable character {what}: {exc.reason}", path, pos.line, pos.column
        )
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "unknown problem parsing YAML content"
        if exc.problem and exc.context:
            context = exc.context
            if exc.context_mark is not None:
                context += f" at line {source.position(exc.context_mark.index).line}"
            message = f"{message} ({context})"
        if mark is None:
            return ComposeError(message, path)
        pos = source.position(mark.index)
        return ComposeError(message, path, pos.line, pos.column)
    first = str(exc).strip().splitlines()
    return ComposeError(first[0] if first else "invalid YAML", path)
