"""``.env`` and ``env_file`` files, read as compose-go v2.9.1's dotenv parser (and Compose's ``raw``
format) read them.

The default format is a port of compose-go's ``dotenv/parser.go``, a hand-written scanner whose
accidents are part of the format and are kept:

- A statement need not start a line: after a closing quote the scan simply goes on, so
  ``A="x" B=1`` sets two keys and ``A="x"y`` sets ``A`` and then inherits ``y``.
- Spaces are skipped anywhere in a key, so ``A B=1`` is a key with a space (fatal), while a tab
  (``A<TAB>B=1``) gives the key ``"A\\tB"``. ``=``, ``:`` or a newline ends a key; any other
  character but letters, digits, ``_ . - [ ]`` is fatal.
- Text with no ``=``/``:``/newline before the end of the file is a value of the key ``""``
  (a last line ``FOO`` without a newline sets ``""`` to ``"FOO"``), as is ``=x``.
- An unquoted value ends at the newline; `` #`` (space, hash) starts a comment, ``#`` alone does
  not, and a ``#`` right after ``=`` is kept (``A= #x`` is ``#x``: the spaces after ``=`` are
  skipped first).
- In quotes, a backslash before the quote character or before another backslash protects it, for
  single quotes too (``'a\\'b'`` is ``a'b``; ``\\\\`` stays two backslashes there). Double-quoted
  values then get the escapes ``\\a \\b \\f \\n \\r \\t \\v \\" \\\\ \\$`` and ``\\0NNN``
  octal (``\\c``, ``\\0``, ``\\012`` come out as Go leaves them) and are substituted like Compose
  values; unquoted values are substituted too, single-quoted ones are not.
- Substitution looks a name up with the lookup first, then in what the file (and ``seed``) set so
  far: a later line is blank, with a warning.
- A bare ``KEY`` line takes the lookup's value (only the lookup's, not the file's), or sets nothing.

``raw`` is Compose's ``format: raw`` (docker/cli's kvfile parser): one ``KEY=VALUE`` per line, the
value taken literally (quotes, ``#`` and ``$`` included), leading whitespace of the line dropped,
``#`` lines skipped, a bare ``KEY`` looked up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping

from dockerlint_django._gotext import go_quote
from dockerlint_django._record import record
from dockerlint_django.compose.interpolation import InterpolationError, substitute
from dockerlint_django.compose.nodes import ComposeError

Lookup = Callable[[str], str | None]

# Go's unicode.IsSpace (str.isspace() also accepts U+001C..U+001F, which Go does not).
_GO_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_GO_SPACE_STR = "".join(sorted(_GO_SPACE))
# The parser's own isSpace: blanks that do not end a line.
_BLANK = frozenset("\t\v\f\r \x85\xa0")
# Go regexp's \s is ASCII-only and has no \v.
_EXPORT = re.compile(r"export[\t\n\f\r ]")
_ESCAPE = re.compile(r'\\(?:[abcfnrtv$"\\]|0[0-9]{0,3})')
_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    '"': '"',
}
# bufio.Scanner's default limit: a raw line this long (in UTF-8 bytes) fails the whole file.
_RAW_MAX_LINE = 64 * 1024


@record
class DotenvEntry:
    """One assignment, in file order; a key set twice has two entries and the last one wins."""

    key: str
    # None: a bare ``KEY`` line the lookup had no value for (Compose sets nothing, and keeps an
    # earlier value of the key).
    value: str | None
    line: int  # 1-based line of the key
    key_start: int
    # Code-point offsets in the text of the value as written, quotes included; for a bare ``KEY``
    # an empty span at the key's end.
    start: int
    end: int
    quote: str = ""  # "'" or '"' if the value was quoted
    # Variables the value's substitution looked up and found nowhere (see Substituted.unset).
    unset: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


class DotenvError(ComposeError):
    """A file Compose refuses. ``message`` is the parser's own text (``line 2: key cannot contain a
    space``); ``line`` the 1-based line it refers to, ``offset`` where in the text."""

    def __init__(self, message: str, *, line: int, offset: int, raw: bool = False) -> None:
        super().__init__(message, line=line)
        self.offset = offset
        self.raw = raw

    def compose_text(self, path: str) -> str:
        """The message Compose prints for this error in the file at ``path`` (absolute)."""
        if self.raw:
            return f"failed to parse env_file {path}: {self.message}"
        return f"failed to read {path}: {self.message}"


# Every value of one file together (each is also at most MAX_VALUE_LENGTH): `B="${A}x"`,
# `C="${B}x"`, ... grows quadratically, and Compose has no limit.
MAX_TOTAL_LENGTH = 64 * 1024 * 1024


def parse_dotenv(
    text: str,
    lookup: Lookup,
    *,
    raw: bool = False,
    seed: Mapping[str, str] | None = None,
) -> list[DotenvEntry]:
    """Read ``text`` (the file decoded as UTF-8, a BOM kept) as Compose reads an env file.

    ``lookup`` is what Compose consults first, for substitution and bare keys (for ``.env``: the OS
    environment, then earlier ``--env-file`` files; for a service ``env_file``: the project
    environment, then the service's ``environment``). ``seed`` holds values already in the map the
    file is read into (for a service ``env_file``: the service's ``environment`` and earlier
    ``env_file`` values), consulted for substitution after the lookup and after this file's own
    earlier lines. ``raw`` files are not substituted, so ``seed`` does not matter to them.

    Raises DotenvError where Compose refuses the file.
    """
    if raw:
        return _parse_raw(text, lookup)
    return _Parser(text, lookup, seed or {}).parse()


def _is_key_char(ch: str) -> bool:
    return ch in "_.-[]" or ch.isalpha() or unicodedata.category(ch)[0] == "N"


class _Parser:
    def __init__(self, text: str, lookup: Lookup, seed: Mapping[str, str]) -> None:
        self.text = text
        self.lookup = lookup
        self.seed = seed
        self.values: dict[str, str] = {}
        # compose-go's own line counter, which its messages quote.
        self.line = 1
        self.total = 0  # characters of the values so far

    def parse(self) -> list[DotenvEntry]:
        text = self.text
        n = len(text)
        pos = 1 if text.startswith("\ufeff") else 0
        entries: list[DotenvEntry] = []
        while True:
            pos = self.statement_start(pos)
            if pos < 0:
                return entries
            key_line = self.line
            key_start, key, inherited, pos = self.key(pos)
            if inherited:
                value = self.lookup(key)
                if value is not None:
                    self.values[key] = value
                end = key_start + len(key)
                entries.append(DotenvEntry(key, value, key_line, key_start, end, end))
                continue
            if pos < n and text[pos] in "'\"":
                entry, pos = self.quoted(key, key_line, key_start, pos)
            else:
                entry, pos = self.unquoted(key, key_line, key_start, pos)
            self.values[key] = entry.value or ""
            self.total += len(entry.value or "")
            if self.total > MAX_TOTAL_LENGTH:
                raise DotenvError(
                    f"the values expand to more than {MAX_TOTAL_LENGTH:,} characters",
                    line=key_line,
                    offset=key_start,
                )
            entries.append(entry)

    def statement_start(self, pos: int) -> int:
        """Skip blank space and comment lines (iteratively: compose-go recurses once per line)."""
        text, n = self.text, len(self.text)
        while True:
            while pos < n and text[pos] in _GO_SPACE:
                if text[pos] == "\n":
                    self.line += 1
                pos += 1
            if pos >= n:
                return -1
            if text[pos] != "#":
                return pos
            pos = text.find("\n", pos)
            if pos < 0:
                return -1

    def key(self, pos: int) -> tuple[int, str, bool, int]:
        """The key at ``pos``: (key start, key, is a bare KEY line, where the value starts)."""
        text, n = self.text, len(self.text)
        if _EXPORT.match(text, pos):
            pos += len("export")
            while pos < n and text[pos] in _BLANK:
                pos += 1
        start = pos
        if start >= n:
            raise DotenvError("zero length string", line=self.line, offset=start)
        i = start
        key = ""
        offset = start
        inherited = False
        while i < n:
            ch = text[i]
            if ch in _BLANK:
                i += 1
                continue
            if ch in "=:\n":
                key, offset, inherited = text[start:i], i + 1, ch == "\n"
                break
            if not _is_key_char(ch):
                nl = text.find("\n", start)
                rest = text[start : nl if nl >= 0 else n]
                raise DotenvError(
                    f"line {self.line}: unexpected character {go_quote(ch)} in variable name "
                    f"{go_quote(rest)}",
                    line=self.line,
                    offset=i,
                )
            i += 1
        if inherited and " " not in key:
            self.line += 1
        key = key.rstrip(_GO_SPACE_STR)
        if " " in key:
            raise DotenvError(
                f"line {self.line}: key cannot contain a space", line=self.line, offset=start
            )
        while offset < n and text[offset] in _BLANK:
            offset += 1
        return start, key, inherited, offset

    def unquoted(self, key: str, line: int, key_start: int, pos: int) -> tuple[DotenvEntry, int]:
        text = self.text
        nl = text.find("\n", pos)
        end = nl if nl >= 0 else len(text)
        self.line += 1
        comment = text.find(" #", pos, end)
        if comment >= 0:
            end = comment
        while end > pos and text[end - 1] in _GO_SPACE:
            end -= 1
        result = self.expand(text[pos:end], line, pos)
        entry = DotenvEntry(
            key, result.value, line, key_start, pos, end, "", result.unset, result.warnings
        )
        return entry, (nl + 1 if nl >= 0 else len(text))

    def quoted(self, key: str, line: int, key_start: int, pos: int) -> tuple[DotenvEntry, int]:
        text, n = self.text, len(self.text)
        quote = text[pos]
        chars: list[str] = []
        escaped = False
        i = pos + 1
        while i < n:
            ch = text[i]
            if ch == "\n":
                self.line += 1
            if ch != quote:
                if not escaped and ch == "\\":
                    escaped = True
                elif escaped:
                    escaped = False
                    chars.append("\\" + ch)
                else:
                    chars.append(ch)
                i += 1
                continue
            if escaped:
                escaped = False
                chars.append(ch)
                i += 1
                continue
            value = "".join(chars)
            unset: tuple[str, ...] = ()
            warnings: tuple[str, ...] = ()
            if quote == '"':
                result = self.expand(_ESCAPE.sub(_unescape, value), line, pos)
                value, unset, warnings = result.value, result.unset, result.warnings
            entry = DotenvEntry(key, value, line, key_start, pos, i + 1, quote, unset, warnings)
            return entry, i + 1
        nl = text.find("\n", pos)
        raise DotenvError(
            f"line {self.line}: unterminated quoted value {text[pos : nl if nl >= 0 else n]}",
            line=line,
            offset=pos,
        )

    def expand(self, value: str, line: int, offset: int) -> _Expanded:
        values, seed, lookup = self.values, self.seed, self.lookup

        def resolve(name: str) -> str | None:
            found = lookup(name)
            if found is not None:
                return found
            if name in values:
                return values[name]
            return seed.get(name)

        try:
            result = substitute(value, resolve)
        except InterpolationError as error:
            # compose-go reports these without a line; ours points at the value.
            raise DotenvError(error.message, line=line, offset=offset) from error
        return _Expanded(result.value, result.unset, result.warnings)


@record
class _Expanded:
    value: str
    unset: tuple[str, ...]
    warnings: tuple[str, ...]


def _unescape(match: re.Match[str]) -> str:
    """One escape as compose-go's expandEscapes reads it (through Go's strconv.UnquoteChar)."""
    seq = match.group(0)
    if seq == "\\$":
        return "$$"  # left for substitution, whose "$$" is a literal "$"
    if seq.startswith("\\0"):
        # Go's octal escapes have no leading 0; compose-go drops it, and a failed escape comes out
        # with it dropped.
        seq = "\\" + seq[2:]
    if len(seq) < 2:
        return seq
    ch = seq[1]
    if ch in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[ch]
    if len(seq) == 4 and all(c in "01234567" for c in seq[1:]):
        code = int(seq[1:], 8)
        if code <= 0xFF:
            return chr(code)
    return seq


def _parse_raw(text: str, lookup: Lookup) -> list[DotenvEntry]:
    entries: list[DotenvEntry] = []
    n = len(text)
    pos = 0
    number = 0
    while pos < n:
        number += 1
        nl = text.find("\n", pos)
        end = nl if nl >= 0 else n
        next_pos = nl + 1 if nl >= 0 else n
        # bufio.ScanLines drops one "\r" before the newline (or at the end of the file).
        if end > pos and text[end - 1] == "\r":
            end -= 1
        start = pos
        if number == 1 and text.startswith("\ufeff", start):
            start += 1
        # Only a line of at least a quarter of the limit in code points can reach it in bytes.
        may_be_long = next_pos - pos >= _RAW_MAX_LINE // 4
        if (
            may_be_long
            and len(text[pos:next_pos].encode("utf-8", "surrogatepass")) - (nl >= 0)
            >= _RAW_MAX_LINE
        ):
            raise DotenvError("bufio.Scanner: token too long", line=number, offset=pos, raw=True)
        while start < end and text[start] in _GO_SPACE:
            start += 1
        pos = next_pos
        if start == end or text[start] == "#":
            continue
        line = text[start:end]
        key, has_value, value = line.partition("=")
        if not key:
            raise DotenvError(
                f"no variable name on line '{line}'", line=number, offset=start, raw=True
            )
        if " " in key or "\t" in key:
            raise DotenvError(
                f"variable '{key}' contains whitespaces", line=number, offset=start, raw=True
            )
        if has_value:
            value_start = start + len(key) + 1
            entries.append(DotenvEntry(key, value, number, start, value_start, end))
        else:
            entries.append(DotenvEntry(key, lookup(key), number, start, end, end))
    return entries
