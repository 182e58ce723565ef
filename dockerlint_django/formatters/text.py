"""Human output in ruff's two forms, then a summary line.

``concise``: ``path:line:col: CODE [*] [severity] message``, one line a finding. ``full``: that
line, then the source line(s) with a caret run under the span, the fix title as ``help:``, the
places that explain it as ``note:``, and the rule's page.

Everything taken from the files checked (paths, messages quoting a line, the source itself) is
shown with its control characters escaped: a Dockerfile that holds ``\\x1b]0;…\\x07`` must not
retitle or clear the terminal of whoever lints it, and a file name with a line break must not
forge a finding line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from dockerlint_django.fix import Applicability
from dockerlint_django.formatters import shown_end
from dockerlint_django.rules._base import Severity

if TYPE_CHECKING:
    from dockerlint_django.formatters import FormatOptions
    from dockerlint_django.results import FileResult, Finding
    from dockerlint_django.source import SourceFile

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_BOLD = "\x1b[1m"
_GUTTER = "\x1b[1;34m"
_RESET = "\x1b[0m"

# Bidirectional overrides and isolates reorder what a terminal shows ("Trojan Source").
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# A tab in a quoted source line becomes this many spaces, as in ruff: the gutter in front of the
# line moves the terminal's own tab stops, so the carets could not line up with a real tab.
_TAB = "    "
# A span over more lines than this shows its first and last lines around a "..." line.
_MAX_LINES = 6
_HEAD_LINES = 3
_TAIL_LINES = 2
# A source line wider than this (minified JSON, a 10 000-character RUN) is cut to a window that
# starts a little before the span: the report stays readable and small whatever the file holds.
_MAX_WIDTH = 160
_LEAD = 40
_CUT = "…"


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str) -> str:
    """``text`` on one line, safe for a terminal: line breaks, escapes, other control and
    invisible characters, and bidirectional overrides are shown as ``\\n``, ``\\x1b``,
    ``\\u202e``."""
    # An ASCII text has no bidirectional controls; `isascii` is a flag the string keeps.
    if text.isprintable() and (text.isascii() or not _BIDI.intersection(text)):
        return text
    return "".join(ch if ch.isprintable() and ch not in _BIDI else _escape(ch) for ch in text)


def _cell(ch: str) -> tuple[str, int]:
    """How one character of a source line is shown, and how many terminal columns it takes."""
    if ch == "\t":
        return _TAB, len(_TAB)
    if not ch.isprintable() or ch in _BIDI:
        shown = _escape(ch)
        return shown, len(shown)
    if ch.isascii():
        return ch, 1  # printable ASCII: one column, no combining mark or wide character
    import unicodedata  # only text outside ASCII pays for importing it

    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me"):
        return ch, 0
    return ch, 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{_RESET}" if color and text else text


def _wider_than(text: str, limit: int) -> bool:
    # Stops at the limit: a line of 50 MB is not measured to its end for every finding on it.
    width = 0
    for ch in text:
        width += _cell(ch)[1]
        if width > limit:
            return True
    return False


def _line_and_carets(text: str, first: int, stop: int) -> tuple[str, int, int]:
    """A source line as shown, and where the caret run under characters ``[first, stop)``
    (0-based) starts and how long it is: one caret when that range is empty (a span of width 0,
    or one that starts at the line break)."""
    first = min(first, len(text))
    start = 0
    if _wider_than(text, _MAX_WIDTH):
        start, lead = first, 0
        while start > 0 and lead + _cell(text[start - 1])[1] <= _LEAD:
            start -= 1
            lead += _cell(text[start])[1]
    shown = [_CUT] if start else []
    width = before = len(shown)
    under = 0
    end = start
    while end < len(text):
        piece, w = _cell(text[end])
        room = _MAX_WIDTH - (len(_CUT) if end + 1 < len(text) else 0)
        if width + w > room:  # leaves a column for the cut mark unless this is the last one
            shown.append(_CUT)
            break
        if end < first:
            before += w
        elif end < stop:
            under += w
        shown.append(piece)
        width += w
        end += 1
    return "".join(shown), before, max(1, under)


def _snippet(f: Finding, source: SourceFile, color: bool) -> list[str]:
    end = shown_end(f, source)
    first, last = f.start.line, max(end.line, f.start.line)
    numbers: list[int | None] = list(range(first, last + 1))
    if len(numbers) > _MAX_LINES:
        numbers = [*numbers[:_HEAD_LINES], None, *numbers[-_TAIL_LINES:]]
    width = len(str(last))
    bar = _paint(" " * width + " |", _GUTTER, color)
    caret_style = _BOLD + _COLORS[f.severity]
    out = [bar]
    for n in numbers:
        if n is None:
            out.append(_paint("...", _GUTTER, color))
            continue
        text = source.line_text(n)
        # On a continuation line the carets start where its text does, not in its indentation.
        lo = f.start.column - 1 if n == first else len(text) - len(text.lstrip(" \t"))
        hi = end.column - 1 if n == last else len(text)
        line, indent, carets = _line_and_carets(text, lo, hi)
        out.append(f"{_paint(f'{n:>{width}} |', _GUTTER, color)} {line}".rstrip())
        if n == first or hi > lo:
            out.append(f"{bar} {' ' * indent}{_paint('^' * carets, caret_style, color)}")
    out.append(bar)
    return out


def _source_of(f: Finding, source: SourceFile | None) -> SourceFile | None:
    """The text the finding's positions point into, when the report has it."""
    if source is None or source.path != f.path or f.span.end > len(source.text):
        return None
    if source.position(f.span.start) != f.start:
        return None  # positioned in another text (a file as it was before a fix)
    return source


def write(results: Sequence[FileResult], out: TextIO, opts: FormatOptions) -> None:
    findings = [f for r in results for f in r.findings]
    floor = Applicability.UNSAFE if opts.unsafe_fixes else Applicability.SAFE
    fixable = sum(1 for f in findings if f.fix is not None and f.fix.applicability >= floor)
    # Unsafe fixes left out at this floor: the hint says how to have them.
    hidden = sum(
        1
        for f in findings
        if f.fix is not None
        and f.fix.applicability == Applicability.UNSAFE
        and not opts.unsafe_fixes
    )
    if opts.statistics:  # as ruff's --statistics: the counts instead of the findings
        if findings:
            out.writelines(_statistics(findings, floor, opts.color))
    else:
        shown: dict[str, str] = {}  # each file's path as printed, made safe once
        for r in results:
            for f in r.findings:
                path = shown.get(f.path)
                if path is None:
                    path = shown[f.path] = visible(f.path)
                out.write(_finding(f, path, r.source, floor, opts))
    if not opts.quiet:
        out.write(_summary(results, findings, fixable, hidden, opts))


def _finding(
    f: Finding, path: str, home: SourceFile | None, floor: Applicability, opts: FormatOptions
) -> str:
    """``path``: the finding's path as ``visible`` shows it."""
    color = opts.color
    mark = " [*]" if f.fix is not None and f.fix.applicability >= floor else ""
    if not (color or opts.full or f.related):
        # The concise line alone, as below without colour: the form CI logs and hooks print.
        return (
            f"{path}:{f.start.line}:{f.start.column}: {f.code}{mark} "
            f"[{f.severity.label}] {visible(f.message)}\n"
        )
    where = _paint(f"{path}:{f.start.line}:{f.start.column}:", _BOLD, color)
    sev = _paint(f"[{f.severity.label}]", _COLORS[f.severity], color)
    code = _paint(f.code, _COLORS[f.severity] + _BOLD, color)
    lines = [f"{where} {code}{mark} {sev} {visible(f.message)}"]
    source = _source_of(f, home) if opts.full else None
    if source is not None:
        lines.extend(_snippet(f, source, color))
    if opts.full and f.fix is not None:
        lines.append(f"{_paint('help', _BOLD, color)}: {visible(f.fix.title)}")
        if f.fix.applicability == Applicability.UNSAFE:
            how = "" if opts.unsafe_fixes else "; `dockerlint-django fix --unsafe-fixes` applies it"
            lines.append(f"note: this fix may change behaviour{how}")
        elif f.fix.applicability == Applicability.DISPLAY_ONLY:
            lines.append("note: a suggestion only: `dockerlint-django fix` never applies it")
    indent = "" if opts.full else "  "
    for rel in f.related:
        # The other place that explains it (the layer it loses to, a second file).
        other = rel.source or home
        if other is None:
            continue
        at = other.position(rel.span.start)
        lines.append(
            f"{indent}note: {visible(other.path)}:{at.line}:{at.column}: {visible(rel.message)}"
        )
    if opts.full:
        if f.url is not None:
            lines.append(f"docs: {f.url}")
        lines.append("")  # as ruff: a blank line closes each finding
    return "\n".join(lines) + "\n"


def _statistics(findings: Sequence[Finding], floor: Applicability, color: bool) -> list[str]:
    # Loaded only for --statistics: a plain run imports no more than it prints.
    from dockerlint_django.formatters.statistics import rows

    table = rows(findings, floor)
    count_width = max(5, *(len(str(r.count)) for r in table))
    code_width = max(len(r.code) for r in table)
    sev_width = max(len(f"[{s.label}]") for s in Severity)
    lines = []
    for r in table:
        sev = f"[{r.severity.label}]"
        padding = " " * (sev_width - len(sev))
        lines.append(
            f"{r.count:>{count_width}}  {r.code:<{code_width}}  {r.mark} "
            f"{_paint(sev, _COLORS[r.severity], color)}{padding}  {visible(r.name)}\n"
        )
    return lines


def _summary(
    results: Sequence[FileResult],
    findings: list[Finding],
    fixable: int,
    hidden: int,
    opts: FormatOptions,
) -> str:
    fixed = opts.fixed or 0
    if fixed:
        total = fixed + len(findings)
        line = f"Found {total} problem{_s(total)} ({fixed} fixed, {len(findings)} remaining)."
    elif not findings:
        checked = sum(1 for r in results if r.error is None)
        unread = len(results) - checked
        if unread:
            return (
                f"No problems found in {checked} file{_s(checked)}; "
                f"{unread} could not be checked.\n"
            )
        return f"All checks passed ({checked} file{_s(checked)}).\n"
    else:
        # A check, or a fix that fixed nothing: as ruff, "(N fixed, …)" only when N is not 0.
        by_sev = Counter(f.severity for f in findings)
        parts = [
            f"{by_sev[s]} {s.label}{_s(by_sev[s]) if s is not Severity.INFO else ''}"
            for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)
            if by_sev[s]
        ]
        files = len({f.path for f in findings})
        line = (
            f"Found {len(findings)} problem{_s(len(findings))} ({', '.join(parts)}) "
            f"in {files} file{_s(files)}."
        )
    count = opts.fix_count if opts.fix_count is not None else fixable
    if opts.show_fixes and count:
        more = " (maybe more after those)" if opts.fix_more else ""
        command = (
            "dockerlint-django fix --unsafe-fixes" if opts.unsafe_fixes else "dockerlint-django fix"
        )
        line += f"\n[*] {count} fixable with `{command}`{more}."
    if opts.show_fixes and hidden:
        line += f"\n{hidden} more fixable with `dockerlint-django fix --unsafe-fixes`."
    return line + "\n"
