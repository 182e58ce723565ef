"""Text edits that respect Dockerfile syntax: JSON-array elements and whole lines.

Fixes build on these so that each keeps the file's own style: the `", "` separators the handbook
uses, the file's newline, the instruction's indentation.
"""

from __future__ import annotations

from collections.abc import Sequence

from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.fix import Edit
from dockerlint_django.source import LF_ONLY, SourceFile, Span, detect_newline


def _element_bounds(source: SourceFile, ins: Instruction, index: int) -> Span | None:
    """The span of element ``index`` of an exec-form array, quotes included."""
    m = ins.value_mapped[index]
    if not m.text:
        return None
    span = m.span()
    text = source.text
    if span.start == 0 or text[span.start - 1] != '"' or text[span.end : span.end + 1] != '"':
        return None
    return Span(span.start - 1, span.end + 1)


def json_append(source: SourceFile, ins: Instruction, words: Sequence[str]) -> Edit | None:
    """Append ``words`` to the end of an exec-form array; None when the array is not plain."""
    import json  # only a fix pays for importing it

    if not ins.json or not ins.value_mapped:
        return None
    last = _element_bounds(source, ins, len(ins.value_mapped) - 1)
    if last is None:
        return None
    added = "".join(f", {json.dumps(w, ensure_ascii=False)}" for w in words)
    return Edit.insert(last.end, added)


def json_delete(source: SourceFile, ins: Instruction, first: int, last: int) -> Edit | None:
    """Delete elements ``first..last`` (inclusive) with the separator before them."""
    if not ins.json or first < 1 or last >= len(ins.value_mapped) or first > last:
        return None
    prev = _element_bounds(source, ins, first - 1)
    end = _element_bounds(source, ins, last)
    if prev is None or end is None:
        return None
    return Edit(prev.end, end.end, "")


def element_index(ins: Instruction, span: Span) -> int | None:
    """Which exec-form element is exactly this word; None for a word inside an element.

    A word inside an element (a Gunicorn option in ``["sh", "-c", "exec gunicorn …"]``) is not
    an argument of its own: deleting or appending array elements would edit the shell's
    arguments, not Gunicorn's.
    """
    if not ins.json:
        return None
    for i, m in enumerate(ins.value_mapped):
        if m.span() == span:
            return i
    return None


def insert_word_after(source: SourceFile, ins: Instruction, word: Span, text: str) -> Edit:
    """Insert the argument ``text`` after the word at ``word``, in the instruction's own syntax.

    In an exec-form array a word that is a whole element gets a new element (`"install", "-y"`);
    appending inside the element would glue both into one argument. Anywhere else (shell form, a
    ``sh -c`` string) a space-separated word is right.
    """
    index = element_index(ins, word)
    if index is not None:
        bounds = _element_bounds(source, ins, index)
        if bounds is not None:
            import json  # only an exec-form array pays for importing it

            return Edit.insert(bounds.end, f", {json.dumps(text, ensure_ascii=False)}")
    return Edit.insert(word.end, f" {text}")


def ends_cleanly(source: SourceFile, ins: Instruction, last_command_end: int) -> bool:
    """Nothing but blanks and line continuations follows the last command of a shell-form RUN.

    Text appended after a trailing ``# comment`` would be commented out: a fix that appends must
    check this first.
    """
    tail = source.text[last_command_end : ins.args.span().end]
    return all(c in " \t\r\n\\`" for c in tail)


def insert_line_before(source: SourceFile, ins: Instruction, line: str) -> Edit:
    """Insert a whole line above ``ins``, with the file's newline and ``ins``'s indentation.

    Comment lines directly above an instruction belong to it (a suppression pragma, a note on why):
    the new line goes above them, so that a pragma keeps covering the instruction it was written
    for.

    Lines are BuildKit's whatever ``source`` counts: they end at ``\\n`` only. A lone CR is inside
    a line, so a line inserted after one would land inside the instruction before it (a RUN's
    continuation), and a line ending in a lone CR would join the instruction after it.
    """
    text = source.text
    # The instruction's first line: its keyword can be on a later one ("\\" alone, then "RUN").
    start = ins.line_spans[0].start if ins.line_spans else _line_start(text, ins.keyword_span.start)
    while start > 0:
        above = _line_start(text, start - 1)
        if not text[above : start - 1].rstrip("\r").lstrip().startswith("#"):
            break
        start = above
    indent_end = start
    while indent_end < len(text) and text[indent_end] in " \t":
        indent_end += 1
    indent = text[start:indent_end]
    return Edit.insert(start, f"{indent}{line}{detect_newline(text, LF_ONLY)}")


def _line_start(text: str, offset: int) -> int:
    """The start of BuildKit's line holding ``offset``."""
    return text.rfind("\n", 0, offset) + 1
