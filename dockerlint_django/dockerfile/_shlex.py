"""The part of BuildKit's shell lexer (``shell/lex.go``) that its parser uses to find heredocs.

``parser.heredocsFromLine`` splits the whole instruction line into words with an empty
environment and ``SkipUnsetEnv`` (so ``$x`` stays ``$x``), then ``heredocFromMatch`` lexes each
``<<word`` again with and without quote removal to learn the delimiter and whether the body
expands. Whether a lexing error occurs decides whether a line has heredocs at all, so the error
cases (unclosed quotes, ``${`` forms BuildKit 0.12 does not know) are ported exactly. Words carry
their source range in the lexed string for the heredoc marker spans.
"""

from __future__ import annotations

import re

from dockerlint_django._gotext import GO_SPACE, GO_SPACE_CLASS, go_quote
from dockerlint_django.dockerfile.ast import TooLarge

_ESCAPE = "\\"  # heredoc lexing always uses backslash, whatever the escape directive says
_SPECIAL_PARAMS = "@*#?-$!0"
# Characters that need no attention: not a quote, `$`, escape, `}` or white space.
_PLAIN_RUN = re.compile(rf"[^$'\"\\}}{GO_SPACE_CLASS}]+")
_SPACE_RUN = re.compile(rf"[{GO_SPACE_CLASS}]+")
_HEREDOC_WORD = re.compile(r"([0-9]*)<<(-?)([^<]*)", re.DOTALL)
_MAX_UINT64 = (1 << 64) - 1

Word = tuple[str, int, int]  # text, start, end (offsets into the lexed string)


class LexError(Exception):
    """A lexing error, message worded as BuildKit words it."""


class _Words:
    """``wordsStruct``: accumulates words, splitting expanded text on white space.

    Only words containing ``keep`` are kept (all when it is None, none when ``collect`` is
    false), at most ``limit`` of them. The word being built is a list of pieces: adding to a
    string would copy it every time.
    """

    __slots__ = ("collect", "end", "in_word", "keep", "length", "limit", "parts", "start", "words")

    def __init__(
        self, keep: str | None = None, limit: int | None = None, collect: bool = True
    ) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.words: list[Word] = []
        self.in_word = False
        self.start = 0
        self.end = 0
        self.keep = keep
        self.limit = limit
        self.collect = collect

    def _flush(self) -> None:
        word = "".join(self.parts) if self.collect else ""
        self.parts = []
        self.length = 0
        self.in_word = False
        if self.collect and (self.keep is None or self.keep in word):
            if len(self.words) == self.limit:
                raise TooLarge
            self.words.append((word, self.start, self.end))

    def add_char(self, ch: str, start: int, end: int) -> None:
        if ch in GO_SPACE:
            if self.in_word and self.length:
                self._flush()
        else:
            self.add_raw(ch, start, end)

    def add_raw(self, text: str, start: int, end: int) -> None:
        if not self.length:
            self.start = start
        if self.collect:
            self.parts.append(text)
        self.length += len(text)
        self.end = end
        self.in_word = True

    def add_string(self, text: str, start: int, end: int) -> None:
        for ch in text:
            self.add_char(ch, start, end)

    def get(self) -> list[Word]:
        if self.length:
            self._flush()
        return self.words


class _Lexer:
    __slots__ = ("keep", "limit", "n", "pos", "raw_escapes", "raw_quotes", "src")

    def __init__(
        self,
        src: str,
        raw_quotes: bool,
        raw_escapes: bool,
        keep: str | None = None,
        limit: int | None = None,
    ) -> None:
        self.src = src
        self.keep = keep  # the words to give back (see _Words); all when None
        self.limit = limit
        self.n = len(src)
        # text/scanner skips a byte-order mark at the very start of its input.
        self.pos = 1 if src.startswith("\ufeff") else 0
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes

    def words(self) -> list[Word]:
        try:
            return self._stop_on(None, _Words(self.keep, self.limit))[1]
        except LexError as exc:
            raise LexError(f"failed to process {go_quote(self.src)}: {exc}") from None

    def _stop_on(self, stop: str | None, words: _Words | None = None) -> tuple[str, list[Word]]:
        src, n = self.src, self.n
        result: list[str] = []
        # Only ${...} needs the text back; for a whole line it would be a string per token. Its
        # words are never used.
        keep = stop is not None
        if words is None:
            words = _Words(collect=False)
        while self.pos < n:
            ch = src[self.pos]
            tok = self.pos
            if ch == stop:
                self.pos += 1
                return "".join(result), words.get()
            if ch == "$":
                tmp = self._dollar()
                if keep:
                    result.append(tmp)
                words.add_string(tmp, tok, self.pos)
            elif ch == "'":
                tmp = self._single_quoted()
                if keep:
                    result.append(tmp)
                words.add_raw(tmp, tok, self.pos)
            elif ch == '"':
                tmp = self._double_quoted()
                if keep:
                    result.append(tmp)
                words.add_raw(tmp, tok, self.pos)
            elif ch == _ESCAPE:
                self.pos += 1
                if self.raw_escapes:
                    words.add_raw(ch, tok, self.pos)
                    if keep:
                        result.append(ch)
                if self.pos >= n:
                    break
                ch = src[self.pos]
                self.pos += 1
                words.add_raw(ch, tok, self.pos)
                if keep:
                    result.append(ch)
            else:
                m = _PLAIN_RUN.match(src, tok)
                if m is None:
                    m = _SPACE_RUN.match(src, tok)
                if m is None:  # a lone `}` outside ${...}
                    self.pos += 1
                    words.add_raw(ch, tok, self.pos)
                    if keep:
                        result.append(ch)
                    continue
                run = m.group()
                self.pos = m.end()
                if keep:
                    result.append(run)
                if run[0] in GO_SPACE:
                    words.add_char(run[0], tok, self.pos)
                else:
                    words.add_raw(run, tok, self.pos)
        if stop is not None:
            raise LexError(f"unexpected end of statement while looking for matching {stop}")
        return "".join(result), words.get()

    def _single_quoted(self) -> str:
        start = self.pos + 1
        end = self.src.find("'", start)
        if end < 0:
            self.pos = self.n
            raise LexError("unexpected end of statement while looking for matching single-quote")
        self.pos = end + 1
        body = self.src[start:end]
        return f"'{body}'" if self.raw_quotes else body

    def _double_quoted(self) -> str:
        src, n = self.src, self.n
        out: list[str] = ['"'] if self.raw_quotes else []
        self.pos += 1
        while True:
            if self.pos >= n:
                raise LexError(
                    "unexpected end of statement while looking for matching double-quote"
                )
            ch = src[self.pos]
            if ch == '"':
                self.pos += 1
                if self.raw_quotes:
                    out.append(ch)
                return "".join(out)
            if ch == "$":
                out.append(self._dollar())
                continue
            self.pos += 1
            if ch == _ESCAPE:
                if self.raw_escapes:
                    out.append(ch)
                if self.pos >= n:
                    continue
                if src[self.pos] in ('"', "$", _ESCAPE):
                    ch = src[self.pos]
                    self.pos += 1
            out.append(ch)

    def _dollar(self) -> str:
        src, n = self.src, self.n
        self.pos += 1
        if self.pos >= n or src[self.pos] != "{":
            return "$" + self._name()
        self.pos += 1
        if self.pos >= n:
            raise LexError("syntax error: missing '}'")
        if src[self.pos] in "{}:":
            raise LexError("syntax error: bad substitution")
        name = self._name()
        ch = src[self.pos] if self.pos < n else None
        self.pos = min(self.pos + 1, n)
        # The environment is always empty here, and SkipUnsetEnv gives back the text as written
        # (BuildKit 0.12 does so before it looks at the modifier, so `${a:=b}` is no error).
        if ch == "}":
            return "${" + name + "}"
        if ch == "?":
            return "${" + name + "?" + self._up_to_brace() + "}"
        if ch == ":":
            modifier = src[self.pos] if self.pos < n else "\ufffd"
            self.pos = min(self.pos + 1, n)
            return "${" + name + ":" + modifier + self._up_to_brace() + "}"
        raise LexError("missing ':' in substitution")

    def _up_to_brace(self) -> str:
        try:
            return self._stop_on("}")[0]
        except LexError:
            if self.pos >= self.n:
                raise LexError("syntax error: missing '}'") from None
            raise

    def _name(self) -> str:
        src, n, start = self.src, self.n, self.pos
        if start >= n:
            return ""
        ch = src[start]
        if ch.isdecimal():
            end = start
            while end < n and src[end].isdecimal():
                end += 1
            self.pos = end
            return src[start:end]
        if ch in _SPECIAL_PARAMS:
            self.pos += 1
            return ch
        end = start
        while end < n and (src[end].isalpha() or src[end].isdecimal() or src[end] == "_"):
            end += 1
        self.pos = end
        return src[start:end]


class HeredocWord:
    __slots__ = ("chomp", "end", "expand", "fd", "name", "start")

    def __init__(self, name: str, fd: int, chomp: bool, expand: bool, start: int, end: int) -> None:
        self.name = name
        self.fd = fd
        self.chomp = chomp
        self.expand = expand
        self.start = start
        self.end = end


def heredocs_from_line(line: str, limit: int | None = None) -> list[HeredocWord]:
    """``heredocsFromLine``. Raises ``LexError`` where BuildKit fails the whole parse.

    Raises ``TooLarge`` for more than ``limit`` words with ``<<`` in them.
    """
    try:
        # Only a word with "<<" can be a heredoc: the others (a million in a long RUN) are not
        # kept.
        words = _Lexer(line, raw_quotes=True, raw_escapes=True, keep="<<", limit=limit).words()
    except LexError:
        return []  # BuildKit ignores this error: a line that does not lex has no heredocs
    docs: list[HeredocWord] = []
    for word, start, end in words:
        m = _HEREDOC_WORD.fullmatch(word)
        if m is None:
            continue
        rest = m.group(3)
        if not rest:
            continue
        cooked = _Lexer(rest, raw_quotes=False, raw_escapes=False).words()
        if len(cooked) != 1:
            continue
        raw = _Lexer(rest, raw_quotes=True, raw_escapes=False).words()
        if len(raw) != len(cooked):
            raise LexError(f"internal lexing of heredoc produced inconsistent results: {rest}")
        name, raw_name = cooked[0][0], raw[0][0]
        expand = name.count("'") + name.count('"') == raw_name.count("'") + raw_name.count('"')
        fd = min(int(m.group(1)), _MAX_UINT64) if m.group(1) else 0
        docs.append(HeredocWord(name, fd, m.group(2) == "-", expand, start, end))
    return docs
