"""``command:``/``entrypoint:`` strings split as Compose splits them: go-shellwords v1.0.12's
``shellwords.Parse``, with its defaults (no environment expansion, no command substitution).

It is not a shell, and its differences from one are what Compose does:

- Splitting stops at the first unquoted ``;``, ``&``, ``|``, ``<`` or ``>``; the rest of the string
  is dropped, not run (``migrate && gunicorn app`` is ``["migrate"]``). Before ``>``, the word in
  progress is dropped too when its first character is a digit (``2>&1``, but also ``2x>log``).
- A backslash escapes any next character, in double quotes too (``"\\a"`` is ``a``), but not in
  single quotes; ``\\t`` is ``t``.
- A backquote opens and closes a region where spaces and operators are kept; quotes still toggle
  inside it and the backquotes stay in the word.
- ``$(`` opens a region where spaces, quotes and operators are kept; the next unquoted ``)`` closes
  it, and a ``)`` with none open opens one (so a lone ``)`` fails at the end, ``) x )`` is one
  word). Any other unquoted ``(`` fails at once, as does a ``(`` inside ``$(``.
- A string ending inside a quote, a backquote or ``$(...``, or with a backslash, fails; text after
  the stopping operator is never looked at.
"""

from __future__ import annotations

from dockerlint_django._record import record
from dockerlint_django.compose.nodes import ComposeError

_SPACE = frozenset(" \t\r\n")
_OPERATORS = frozenset(";&|<>")


@record
class SplitWord:
    value: str
    # Code-point offsets of the word as written (quotes and backslashes included).
    start: int
    end: int


@record
class Split:
    """What Compose makes of a command string."""

    words: tuple[SplitWord, ...]
    # Offset of the operator where Compose stopped splitting; None if it read the whole string.
    stopped_at: int | None = None
    # Where the dropped text starts (the operator, or the digit-led word before a ``>``), and the
    # text itself, to the end of the string ("" if nothing was dropped).
    dropped_at: int | None = None
    dropped: str = ""

    @property
    def argv(self) -> list[str]:
        return [word.value for word in self.words]


class ShellwordsError(ComposeError):
    """A string Compose refuses: ``invalid command line string``. ``reason`` and ``offset`` say
    which character made it so (Compose does not)."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__("invalid command line string")
        self.reason = reason
        self.offset = offset


# The state a word is in, as go-shellwords tracks it: nothing yet, or something to emit.
_NONE, _SINGLE, _QUOTED = 0, 1, 2


def split(text: str) -> Split:
    """Split ``text`` as Compose splits a ``command``/``entrypoint`` string; ShellwordsError if
    Compose rejects it."""
    words: list[SplitWord] = []
    buf: list[str] = []
    escaped = double = single = back = dollar = False
    got = _NONE
    word_start = -1
    # Where each open region began, for the error.
    double_at = single_at = back_at = dollar_at = escape_at = -1
    stopped_at: int | None = None
    dropped_at: int | None = None

    for i, ch in enumerate(text):
        if escaped:
            escaped = False
            buf.append(ch)
            got = _SINGLE
            continue
        if word_start < 0 and not (ch in _SPACE and not (single or double or back or dollar)):
            word_start = i
        if ch == "\\":
            if single:
                buf.append(ch)
            else:
                escaped = True
                escape_at = i
            continue
        if ch in _SPACE:
            if single or double or back or dollar:
                buf.append(ch)
            elif got != _NONE:
                words.append(SplitWord("".join(buf), word_start, i))
                buf.clear()
                got = _NONE
                word_start = -1
            else:
                word_start = -1
            continue
        if ch == "`":
            if not (single or double or dollar):
                back = not back
                back_at = i
        elif ch == ")":
            if not (single or double or back):
                dollar = not dollar
                dollar_at = i
        elif ch == "(":
            if not (single or double or back):
                if not dollar and buf and buf[-1] == "$":
                    dollar = True
                    dollar_at = i
                    buf.append(ch)
                    continue
                raise ShellwordsError("unquoted (", i)
        elif ch == '"':
            if not (single or dollar):
                if double:
                    got = _QUOTED
                else:
                    double_at = i
                double = not double
                continue
        elif ch == "'":
            if not (double or dollar):
                if single:
                    got = _QUOTED
                else:
                    single_at = i
                single = not single
                continue
        elif ch in _OPERATORS and not (single or double or back or dollar):
            stopped_at = dropped_at = i
            if ch == ">" and buf and "0" <= buf[0] <= "9":
                # go-shellwords takes "2>" for a redirection and drops the "2".
                got = _NONE
                dropped_at = word_start
            break
        got = _SINGLE
        buf.append(ch)

    if got != _NONE:
        end = stopped_at if stopped_at is not None else len(text)
        words.append(SplitWord("".join(buf), word_start, end))
    if stopped_at is None:
        if escaped:
            raise ShellwordsError("trailing backslash", escape_at)
        if single:
            raise ShellwordsError("unterminated single quote", single_at)
        if double:
            raise ShellwordsError("unterminated double quote", double_at)
        if back:
            raise ShellwordsError("unterminated backquote", back_at)
        if dollar:
            raise ShellwordsError("unclosed $( or unmatched )", dollar_at)
    dropped = text[dropped_at:] if dropped_at is not None else ""
    return Split(tuple(words), stopped_at, dropped_at, dropped)
