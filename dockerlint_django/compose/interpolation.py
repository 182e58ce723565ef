"""Compose's ``${VAR}`` substitution, as compose-go v2.9.1's ``template.Substitute`` does it.

Compose does not parse templates: it runs one regular expression over the text,

    \\$(?i:(?P<escaped>\\$)|(?P<named>[_a-z][_a-z0-9]*)|{(?:(?P<braced>NAME(?::?[-+?](.*))?)}|(?P<invalid>)))

and post-processes every match. The quirks that follow from it are reproduced here exactly:

- ``(.*)}`` is greedy and ``.`` stops at a newline, so ``${NAME<op>`` swallows everything up to
  the *last* ``}`` of its line. Compose then cuts that match at the first brace that balances the
  opening one, counting every ``{`` (not only ``${``) and skipping the character right after each
  ``{``; the text after the cut is substituted on its own and appended. ``${A-{x}y}`` is therefore
  ``{x}y``, ``${A-x}y}`` is ``xy}``, and a ``${A-x`` with no ``}`` later on its line is an invalid
  template.
- The default, alternative or error text of an operator is substituted *before* the variable is
  looked up, so its variables are looked up (and warned about) even when it is not used, and an
  invalid template inside it fails even when the variable is set.
- ``(?i)`` with Go's case folding lets U+017F (long s) and U+212A (Kelvin sign) into names.
- The text an "invalid template" error quotes is the text being scanned when it was found: a whole
  value, a default, or the remainder after a cut (``${A-x} ${ }`` reports `` ${ }``).

Compose's recursion is replaced by an explicit stack and the brace counting by a table computed
once, so a value of any length or nesting depth is read in linear time without deep recursion.
"""

from __future__ import annotations

from collections.abc import Callable

from dockerlint_django._gotext import go_quote
from dockerlint_django._record import field, record
from dockerlint_django.compose.nodes import ComposeError

Lookup = Callable[[str], str | None]

# ``string.ascii_letters`` and ``digits``, written out: importing ``string`` compiles its Template
# pattern, which a run that reads one Compose file pays for.
_NAME_START = frozenset("_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\u017f\u212a")
_NAME_CHARS = _NAME_START | frozenset("0123456789")

# What each segment of a substituted value came from.
LITERAL = "literal"  # text of the template itself (``$$`` included, as the ``$`` it gives)
VARIABLE = "variable"  # a variable's value ("" when it is unset or empty)
DEFAULT = "default"  # text of a ``-``/``:-`` fallback, used because the variable was unset/empty
ALTERNATIVE = "alternative"  # text of a ``+``/``:+`` operand, used because the variable was set


@record
class Segment:
    """One piece of a substituted value, and the span of ``text`` that produced it."""

    text: str
    kind: str  # LITERAL, VARIABLE, DEFAULT or ALTERNATIVE
    # The variable looked up (VARIABLE), or whose operator supplied the text (DEFAULT, ALTERNATIVE).
    name: str | None
    start: int
    end: int


@record
class Substituted:
    """What Compose makes of one templated string."""

    value: str
    # Variables looked up that had no value, first lookup first, each once: those of an operator
    # that fell back to its default, and those of a default that was not used (Compose looks them
    # up all the same). A deployment may set any of them, so a value with a non-empty ``unset`` is
    # not really known.
    unset: tuple[str, ...] = ()
    # The warnings Compose logs for this string, one per unset ``$VAR``/``${VAR}`` occurrence.
    warnings: tuple[str, ...] = ()
    # ``value`` cut into pieces by origin; ``"".join(s.text for s in segments) == value``.
    segments: tuple[Segment, ...] = field(default=(), repr=False)

    @property
    def from_default(self) -> bool:
        """The whole value is fallback text: nothing of it came from the environment or the template
        outside the operator (``${PORT:-8000}`` with ``PORT`` unset)."""
        return bool(self.segments) and all(s.kind == DEFAULT for s in self.segments)


# Compose has no limit; a value this long is a bomb, not a setting.
MAX_VALUE_LENGTH = 16 * 1024 * 1024


class InterpolationError(ComposeError):
    """A template Compose rejects. ``str()`` is compose-go's own error text.

    ``kind`` is ``"invalid"`` (``template`` is the text Compose quotes), ``"required"``
    (``variable`` and ``reason`` from a ``${VAR:?reason}``) or ``"too-long"`` (the result is over
    ``MAX_VALUE_LENGTH``). ``offset`` is where in the substituted
    text the offending ``$`` is.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        offset: int,
        template: str = "",
        variable: str = "",
        reason: str = "",
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.offset = offset
        self.template = template
        self.variable = variable
        self.reason = reason

    def compose_text(self, path: str) -> str:
        """The message Compose prints for this error in the value at ``path``
        (``services.web.image``)."""
        if self.kind == "invalid":
            return (
                f"invalid interpolation format for {path}.\n"
                f"You may need to escape any $ with another $.\n{self.template}"
            )
        return f"error while interpolating {path}: {self.message}"


def _unset_warning(name: str) -> str:
    return f"The {go_quote(name)} variable is not set. Defaulting to a blank string."


class _Tables:
    """Per-text lookup tables, built the first time a ``${NAME<op>`` needs them."""

    __slots__ = ("close_after", "line_end", "prev_close")

    def __init__(self, text: str) -> None:
        n = len(text)
        # line_end[i]: index of the first "\n" at or after i (n if none).
        line_end = [n] * (n + 1)
        for i in range(n - 1, -1, -1):
            line_end[i] = i if text[i] == "\n" else line_end[i + 1]
        # prev_close[k]: index of the last "}" before k (-1 if none).
        prev_close = [-1] * (n + 1)
        for k in range(1, n + 1):
            prev_close[k] = k - 1 if text[k - 1] == "}" else prev_close[k - 1]
        # Compose's brace counter walks forward: "}" decrements, "{" increments and skips the next
        # character. close_after[x] is the position just past the first "}" at which the counter,
        # started at x, has dropped by one (-1 if it never does). Walks from different starts merge,
        # so one right-to-left pass answers every start.
        close_after = [-1] * (n + 2)
        for x in range(n - 1, -1, -1):
            ch = text[x]
            if ch == "}":
                close_after[x] = x + 1
            elif ch == "{":
                inner = close_after[x + 2]
                close_after[x] = close_after[inner] if inner != -1 else -1
            else:
                close_after[x] = close_after[x + 1]
        self.line_end = line_end
        self.prev_close = prev_close
        self.close_after = close_after


class _Group:
    """Segments an operator produced: its operand's literal text takes the operator's ``kind``."""

    __slots__ = ("items", "kind", "name")

    def __init__(self, kind: str, name: str, items: list[Segment | _Group]) -> None:
        self.kind = kind
        self.name = name
        self.items = items


class _Frame:
    """One text being scanned: the whole value, or the operand of an operator."""

    __slots__ = (
        "expr_end",
        "expr_start",
        "hi",
        "items",
        "lo",
        "name",
        "op",
        "pos",
        "rest_end",
        "rest_start",
        "resume",
        "resume_rest",
    )

    def __init__(self, lo: int, hi: int) -> None:
        self.lo = lo
        self.hi = hi
        self.pos = lo
        self.items: list[Segment | _Group] = []
        # Compose substitutes the text after a cut as a template of its own: an invalid "${" there
        # quotes only that text. [rest_start, rest_end) is the current one, if any.
        self.rest_start = -1
        self.rest_end = -1
        # For an operand: the operator waiting for it, and where its parent resumes.
        self.name = ""
        self.op = ""
        self.expr_start = 0
        self.expr_end = 0
        self.resume = 0
        self.resume_rest: tuple[int, int] | None = None


def substitute(text: str, lookup: Lookup) -> Substituted:
    """Substitute ``text`` as Compose does, looking variables up with ``lookup`` (None: unset).

    Raises InterpolationError where Compose fails.
    """
    if "$" not in text:
        return Substituted(
            text, segments=(Segment(text, LITERAL, None, 0, len(text)),) if text else ()
        )
    return _Substitution(text, lookup).run()


class _Substitution:
    def __init__(self, text: str, lookup: Lookup) -> None:
        self.text = text
        self.lookup_fn = lookup
        self.cache: dict[str, str | None] = {}
        self.unset: dict[str, None] = {}
        self.warnings: list[str] = []
        self.tables: _Tables | None = None

    def lookup(self, name: str) -> str | None:
        if name in self.cache:
            value = self.cache[name]
        else:
            value = self.cache[name] = self.lookup_fn(name)
        if value is None:
            self.unset.setdefault(name, None)
        return value

    def run(self) -> Substituted:
        text = self.text
        root = _Frame(0, len(text))
        stack = [root]
        while True:
            frame = stack[-1]
            j = text.find("$", frame.pos, frame.hi)
            if j < 0:
                if frame.pos < frame.hi:
                    frame.items.append(
                        Segment(text[frame.pos : frame.hi], LITERAL, None, frame.pos, frame.hi)
                    )
                frame.pos = frame.hi
                stack.pop()
                if not stack:
                    break
                self.finish_operator(frame, stack[-1])
                continue
            if frame.pos < j:
                frame.items.append(Segment(text[frame.pos : j], LITERAL, None, frame.pos, j))
            child = self.dollar(frame, j)
            if child is not None:
                stack.append(child)
        segments = _flatten(root.items)
        if sum(len(s.text) for s in segments) > MAX_VALUE_LENGTH:
            # `A="${B}${B}"`, `B="${C}${C}"`, ... doubles with each line: bounded memory first.
            raise InterpolationError(
                f"the value expands to more than {MAX_VALUE_LENGTH:,} characters",
                kind="too-long",
                offset=0,
            )
        return Substituted(
            "".join(s.text for s in segments),
            tuple(self.unset),
            tuple(self.warnings),
            tuple(segments),
        )

    def dollar(self, frame: _Frame, j: int) -> _Frame | None:
        """Handle the ``$`` at ``j``; return the operand frame to scan next, if it opens one."""
        text, hi = self.text, frame.hi
        k = j + 1
        ch = text[k] if k < hi else ""
        if ch == "$":
            frame.items.append(Segment("$", LITERAL, None, j, k + 1))
            frame.pos = k + 1
            return None
        if ch in _NAME_START:
            end = self.name_end(k, hi)
            self.plain(frame, text[k:end], j, end)
            return None
        if ch != "{":
            frame.items.append(Segment("$", LITERAL, None, j, k))
            frame.pos = k
            return None
        start = k + 1
        end = self.name_end(start, hi) if start < hi and text[start] in _NAME_START else start
        if end == start:
            raise self.invalid(frame, j)
        if end < hi and text[end] == "}":
            self.plain(frame, text[start:end], j, end + 1)
            return None
        if end + 1 < hi and text[end] == ":" and text[end + 1] in "-+?":
            op, operand = text[end : end + 2], end + 2
        elif end < hi and text[end] in "-+?":
            op, operand = text[end], end + 1
        else:
            raise self.invalid(frame, j)
        tables = self.tables or self.build_tables()
        last_close = tables.prev_close[min(tables.line_end[j], hi)]
        if last_close < operand:
            raise self.invalid(frame, j)
        match_end = last_close + 1
        after = tables.close_after[j + 3]
        child: _Frame
        if after != -1 and after <= match_end:
            cut = after - 1
            child = _Frame(operand, cut)
            child.resume = cut + 1
            child.resume_rest = (cut + 1, match_end)
        else:
            child = _Frame(operand, last_close)
            child.resume = match_end
        child.name = text[start:end]
        child.op = op
        child.expr_start = j
        child.expr_end = child.resume
        return child

    def build_tables(self) -> _Tables:
        self.tables = _Tables(self.text)
        return self.tables

    def name_end(self, start: int, hi: int) -> int:
        text = self.text
        end = start + 1
        while end < hi and text[end] in _NAME_CHARS:
            end += 1
        return end

    def plain(self, frame: _Frame, name: str, start: int, end: int) -> None:
        value = self.lookup(name)
        if value is None:
            self.warnings.append(_unset_warning(name))
        frame.items.append(Segment(value or "", VARIABLE, name, start, end))
        frame.pos = end

    def invalid(self, frame: _Frame, j: int) -> InterpolationError:
        if frame.rest_start <= j < frame.rest_end:
            template = self.text[frame.rest_start : frame.rest_end]
        else:
            template = self.text[frame.lo : frame.hi]
        return InterpolationError(
            f"Invalid template: {go_quote(template)}", kind="invalid", offset=j, template=template
        )

    def finish_operator(self, operand: _Frame, parent: _Frame) -> None:
        name, op = operand.name, operand.op
        value = self.lookup(name)
        span = (operand.expr_start, operand.expr_end)
        result: Segment | _Group
        if op in (":-", "-"):
            if value is None or (op == ":-" and value == ""):
                result = _Group(DEFAULT, name, operand.items or [Segment("", DEFAULT, name, *span)])
            else:
                result = Segment(value, VARIABLE, name, *span)
        elif op in (":+", "+"):
            if value is not None and (op == "+" or value != ""):
                result = _Group(ALTERNATIVE, name, operand.items)
            else:
                result = Segment(value or "", VARIABLE, name, *span)
        elif value is None or (op == ":?" and value == ""):
            reason = "".join(s.text for s in _flatten(operand.items))
            message = f"required variable {name} is missing a value"
            if reason:
                message += f": {reason}"
            raise InterpolationError(
                message, kind="required", offset=operand.expr_start, variable=name, reason=reason
            )
        else:
            result = Segment(value, VARIABLE, name, *span)
        parent.items.append(result)
        parent.pos = operand.resume
        if operand.resume_rest is not None:
            parent.rest_start, parent.rest_end = operand.resume_rest


# A list being flattened: its items, the next index, and the kind and name its literal text takes.
_Level = tuple[list[Segment | _Group], int, str | None, str | None]


def _flatten(items: list[Segment | _Group]) -> list[Segment]:
    out: list[Segment] = []
    stack: list[_Level] = [(items, 0, None, None)]
    while stack:
        level, index, kind, name = stack.pop()
        while index < len(level):
            item = level[index]
            index += 1
            if isinstance(item, _Group):
                stack.append((level, index, kind, name))
                stack.append((item.items, 0, item.kind, item.name))
                break
            if kind is not None and item.kind == LITERAL:
                item = Segment(item.text, kind, name, item.start, item.end)
            out.append(item)
    return out
