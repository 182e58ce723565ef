"""BuildKit's Dockerfile parser (``frontend/dockerfile/parser``, v0.12.5), ported line for line.

v0.12.5 is the version the ``dockerfile`` package (our test oracle) is built from, and its quirks
are kept on purpose, because they decide what the builder will do:

* lines end at ``\\n`` only, so a file with bare ``\\r`` line ends is one long line;
* ``# escape=``/``# syntax=`` are read only until the first line that is not such a directive
  (blank lines and other comments end the search too; ``# check=`` is not known to 0.12 and ends
  it, which we follow so that ``escape`` behaves the same; its value is still recorded);
* a continued line drops comment lines and white-space-only lines, and keeps the left white
  space of every line but the first;
* heredocs are looked for only in ``RUN``/``COPY``/``ADD`` in shell form (or as the trigger of
  an ``ONBUILD``, where they belong to the ``ONBUILD`` instruction, not to its ``sub``);
* builder flags are read byte by byte (see ``_words``).

Error messages are BuildKit's. Error lines are BuildKit's ``StartLine`` of the failing
instruction, except two places where BuildKit's own number is unhelpful: a bad directive is
reported on its own line (BuildKit says the line before), and "file with no instructions" on
line 0, the whole file (BuildKit says the last line).

On top of BuildKit's fields every instruction gets source spans; see ``ast.py``.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from dockerlint_django._gotext import GO_SPACE, go_lower, go_quote, trim_bounds
from dockerlint_django._record import record
from dockerlint_django.dockerfile import _json, _shlex, _words
from dockerlint_django.dockerfile.ast import (
    Comment,
    Directives,
    Flag,
    Heredoc,
    Instruction,
    LineSpans,
    ParseError,
    ParseResult,
    TooLarge,
)
from dockerlint_django.source import LF_ONLY, Mapped, MappedBuilder, SourceFile, Span

BUILDKIT_VERSION = "v0.12.5"

_TOKEN_WS = re.compile(r"[\t\v\f\r ]+")  # BuildKit's reWhitespace / tokenWhitespace
_NON_TOKEN_WS = re.compile(r"[^\t\v\f\r ]+")
# Go's \s is [\t\n\f\r ]: no \v, unlike Python's.
_GO_REGEX_SPACE = "\t\n\f\r "
_DIRECTIVE_KEY = re.compile(r"#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=")
_LF = re.compile(r"\n")
_ASCII_WS = "\t\n\v\f\r "  # what extractBuilderFlags skips before a flag
# A run of lines holding only white space (GO_SPACE without the newline), skipped in one step.
_BLANK_LINES = re.compile(
    "(?:[\t\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*+\n)*+"
)
_MAX_LINE_BYTES = 65535  # bufio.MaxScanTokenSize - 1
# A line of more than 16383 code points may be over the limit in UTF-8; only those are measured.
# Anchored at line starts, the scan stays linear.
_LONG_LINE = re.compile(rf"^[^\n]{{{_MAX_LINE_BYTES // 4 + 1}}}", re.MULTILINE)
# BuildKit has no such bound. Each instruction, flag, value, heredoc and comment line costs a few
# hundred bytes here before any rule runs (an instruction and its value about 900), and a 16 MiB
# file can hold eight million of them ("a\n", "#\n", "ENV a=1 \\"). No hand-written Dockerfile
# comes near the bound, which leaves room for generated ones (100,000 instructions of one value
# are 200,000, 10,000 stages of two instructions 60,000) and keeps a parse under a gigabyte; past
# it the file is refused, as one over the size limit is.
MAX_ITEMS = 1_000_000
_TOO_LARGE = (
    f"too large to check: more than {MAX_ITEMS:,} instructions, flags, arguments, heredocs and"
    " comment lines"
)
_HEREDOC_COMMANDS = frozenset({"add", "copy", "run"})


class _LineError(Exception):
    """An error in one logical line; ``parse`` adds the line number."""


@record(frozen=False)
class _Node:
    """What ``newNodeFromLine`` returns, with spans."""

    cmd: str  # as written; BuildKit 0.12 keeps the case in Node.Value
    keyword: str
    keyword_span: Span
    flags: tuple[Flag, ...]
    values: list[Mapped]
    json: bool
    args: Mapped
    original: str
    sub: _Node | None = None


_Values: TypeAlias = tuple[list[Mapped], bool, "_Node | None"]


def parse(source: SourceFile) -> ParseResult:
    """Parse a Dockerfile the way BuildKit's ``parser.Parse`` does. Raises ``ParseError``."""
    text = source.text
    size = len(text)
    # Lines are read one at a time from their start offsets (8 bytes a line); a list of every
    # line's string, start and content cost some 150 bytes a line, 25 times a file of short lines.
    starts: Sequence[int]
    if source.line_breaks == LF_ONLY:
        starts = source.index.starts  # the same offsets: [0] and the end of every "\n"
    else:
        starts = array("q", (0,))
        starts.extend(m.end() for m in _LF.finditer(text))
    # The scanner yields no token after a final newline.
    n = len(starts) - 1 if not text or text[-1] == "\n" else len(starts)
    last = len(starts) - 1

    def content(k: int) -> str:  # trimNewline
        end = starts[k + 1] - 1 if k < last else size
        return text[starts[k] : end].rstrip("\r")

    too_long_line = 0
    if size * 4 > _MAX_LINE_BYTES:
        for m in _LONG_LINE.finditer(text):
            end = text.find("\n", m.start())
            piece = text[m.start() : end if end >= 0 else size]
            if len(piece.encode("utf-8", "surrogatepass")) > _MAX_LINE_BYTES:
                # bufio.Scanner stops at a line longer than its buffer; the lines before it
                # are still parsed.
                n = bisect.bisect_right(starts, m.start()) - 1
                too_long_line = n + 1
                break

    escape = "\\"
    directives_done = False
    seen: set[str] = set()
    syntax: str | None = None
    check: str | None = None
    escape_span: Span | None = None
    keywords: dict[str, str] = {}  # one string per keyword, not one per instruction
    items = 0  # instructions, flags, values, heredocs and comment lines kept so far

    instructions: list[Instruction] = []
    all_comments: list[Comment] = []
    prev_comments: list[Comment] = []
    warnings: list[str] = []

    i = 0
    while i < n:
        start = starts[i]
        raw = content(i)
        stripped = raw.lstrip(GO_SPACE)
        if not stripped:
            # A blank line ends the directives and is skipped, with all the blank lines after it.
            directives_done = True
            blanks = _BLANK_LINES.match(text, start)  # always matches, maybe nothing
            skip_to = bisect.bisect_left(starts, blanks.end()) if blanks else 0
            i = max(i + 1, min(n, skip_to))
            continue
        lead = len(raw) - len(stripped)
        is_comment = stripped.startswith("#")
        is_directive = False
        if not directives_done:
            d = _directive(stripped)
            key = d[0].lower() if d else ""
            if d is None or key not in ("escape", "syntax"):
                if key == "check" and d is not None:
                    check = d[1]
                    is_directive = True
                directives_done = True
            else:
                if key in seen:
                    raise ParseError(f"only one {key} parser directive can be used", i + 1)
                seen.add(key)
                value = d[1]
                if key == "escape":
                    if value not in ("`", "\\"):
                        raise ParseError(
                            f"invalid escape token '{value}' does not match ` or \\", i + 1
                        )
                    escape = value
                    escape_span = Span(start + lead + d[2], start + lead + d[2] + len(value))
                else:
                    syntax = value
                is_directive = True
        i += 1
        if is_comment:
            items += 1
            if items > MAX_ITEMS:
                raise ParseError(_TOO_LARGE, i)
            comment = _comment(stripped, i, Span(start, start + len(raw)))
            all_comments.append(comment)
            # PrevComment: an empty comment starts the block afresh. BuildKit tests the line
            # minus its first byte, so "  #" counts as a comment with text "#".
            if not is_directive:
                if raw[1:].strip(GO_SPACE) == "":
                    prev_comments = []
                else:
                    prev_comments.append(comment)
            continue
        start_line = i
        first, eol = _trim_continuation(stripped, escape)
        if eol and not first:
            continue
        has_empty_continuation = False
        if eol:
            line = Mapped.from_source(first, start + lead)
        else:
            # The pieces go straight into one Mapped: a chain of 100,000 continuation lines
            # would otherwise hold a Mapped for each.
            joined = MappedBuilder()
            joined.append_source(first, start + lead)
            while not eol and i < n:
                at = starts[i]
                raw = text[at : starts[i + 1] - 1 if i < last else size].rstrip("\r")
                stripped = raw.lstrip(GO_SPACE)
                i += 1
                if stripped.startswith("#"):
                    items += 1
                    if items > MAX_ITEMS:
                        raise ParseError(_TOO_LARGE, i)
                    all_comments.append(_comment(stripped, i, Span(at, at + len(raw))))
                    continue
                if not stripped:
                    has_empty_continuation = True
                    continue
                more, eol = _trim_continuation(raw, escape)
                joined.append_source(more, at)
            line = joined.build(start + lead)
        if has_empty_continuation:
            warnings.append(f"Empty continuation line found in: {line.text}")

        try:
            node = _new_node(line, escape, MAX_ITEMS - items - 1, keywords)
        except _LineError as exc:
            raise ParseError(str(exc), start_line) from None
        except TooLarge:
            raise ParseError(_TOO_LARGE, start_line) from None

        heredocs: tuple[Heredoc, ...] = ()
        # canContainHeredoc: RUN/COPY/ADD in shell form, also as an ONBUILD trigger (the
        # heredocs then belong to the ONBUILD node).
        target = node.sub if node.sub is not None and go_lower(node.cmd) == "onbuild" else node
        if go_lower(target.cmd) in _HEREDOC_COMMANDS and not target.json and "<<" in line.text:
            try:
                words = _shlex.heredocs_from_line(line.text, MAX_ITEMS - items)
            except _shlex.LexError as exc:
                raise ParseError(str(exc), start_line) from None
            except TooLarge:
                raise ParseError(_TOO_LARGE, start_line) from None
            heredocs, i = _read_heredocs(words, line, text, starts, n, content, i, start_line)

        spans = LineSpans(text, starts, start_line - 1, i - start_line + 1)
        instructions.append(
            _instruction(node, start_line, i, spans, heredocs, tuple(prev_comments))
        )
        prev_comments = []
        items += _items(node) + len(heredocs)
        if items > MAX_ITEMS:
            raise ParseError(_TOO_LARGE, start_line)

    if not instructions:
        raise ParseError("file with no instructions", 0)
    if too_long_line:
        raise ParseError(
            f"dockerfile line greater than max allowed size of {_MAX_LINE_BYTES}", too_long_line
        )
    return ParseResult(
        instructions=tuple(instructions),
        directives=Directives(syntax=syntax, escape=escape, check=check, escape_span=escape_span),
        comments=tuple(all_comments),
        warnings=tuple(warnings),
    )


def _directive(stripped: str) -> tuple[str, str, int] | None:
    """BuildKit's directive pattern on a line: ``(key, value, offset of the value)``.

    The pattern is ``^#\\s*([a-zA-Z][a-zA-Z0-9]*)\\s*=\\s*(.+?)\\s*$``. Run by a backtracking
    engine its lazy value costs time quadratic in a run of blanks (16 s for one 64 KiB line), so
    the value is cut out by hand, with the same leftmost-first result: the text between the
    blanks, or when there are only blanks the last of them.
    """
    m = _DIRECTIVE_KEY.match(stripped)
    if m is None:
        return None
    at = m.end()
    rest = stripped[at:]
    value = rest.lstrip(_GO_REGEX_SPACE)
    if not value:
        if not rest:
            return None
        return m.group(1), rest[-1], len(stripped) - 1
    return m.group(1), value.rstrip(_GO_REGEX_SPACE), at + len(rest) - len(value)


def _read_heredocs(
    words: list[_shlex.HeredocWord],
    line: Mapped,
    text: str,
    starts: Sequence[int],
    n: int,
    content: Callable[[int], str],
    i: int,
    start_line: int,
) -> tuple[tuple[Heredoc, ...], int]:
    """The bodies, one after the other, from line index ``i``; and the index after them."""
    heredocs: list[Heredoc] = []
    for word in words:
        body_start = starts[i] if i < n else len(text)
        body_end = -1
        while i < n:
            candidate = content(i)
            i += 1
            if word.chomp:
                candidate = candidate.lstrip("\t")
            if candidate == word.name:
                body_end = starts[i - 1]
                break
        if body_end < 0:
            raise ParseError("unterminated heredoc", start_line)
        body = text[body_start:body_end]  # the lines as read, line ends included
        heredocs.append(
            Heredoc(
                name=word.name,
                content=body,
                file_descriptor=word.fd,
                chomp=word.chomp,
                expand=word.expand,
                marker=line.span(word.start, word.end),
                body=_from_source(body, body_start),
            )
        )
    return tuple(heredocs), i


def _items(node: _Node) -> int:
    """What ``node`` counts against ``MAX_ITEMS``: itself, its flags and values, its trigger's."""
    return 1 + len(node.flags) + len(node.values) + (_items(node.sub) if node.sub else 0)


def _from_source(piece: str, start: int) -> Mapped:
    return Mapped.from_source(piece, start) if piece else Mapped.empty_at(start)


def _comment(stripped: str, line: int, span: Span) -> Comment:
    return Comment(stripped[1:].strip(GO_SPACE), line, span)


def _trim_continuation(line: str, escape: str) -> tuple[str, bool]:
    """``trimContinuationCharacter``: ``(line, is_end_of_line)``.

    BuildKit's pattern is ``([^E])E[ \\t]*$|^E[ \\t]*$``: an escaped escape at the end of a line
    does not continue it.
    """
    if not line or line[-1] not in (escape, " ", "\t"):
        return line, True
    body = line.rstrip(" \t")
    if body.endswith(escape) and (len(body) == 1 or body[-2] != escape):
        return body[:-1], False
    return line, True


def _instruction(
    node: _Node,
    start_line: int,
    end_line: int,
    line_spans: LineSpans,
    heredocs: tuple[Heredoc, ...],
    comments: tuple[Comment, ...],
) -> Instruction:
    sub = None
    if node.sub is not None:
        sub = _instruction(node.sub, start_line, end_line, line_spans, (), ())
    return Instruction(
        keyword=node.keyword,
        keyword_span=node.keyword_span,
        json=node.json,
        flags=node.flags,
        value=tuple(v.text for v in node.values),
        value_mapped=tuple(node.values),
        args=node.args,
        heredocs=heredocs,
        start_line=start_line,
        end_line=end_line,
        span=Span(node.keyword_span.start, max(node.keyword_span.start, line_spans[-1].end)),
        original=node.original,
        comments=comments,
        sub=sub,
        line_spans=line_spans,
    )


def _new_node(
    line: Mapped, escape: str, limit: int, keywords: dict[str, str] | None = None
) -> _Node:
    """``newNodeFromLine``: ``splitCommand``, then the command's line parser.

    Raises ``TooLarge`` when the flags or the values would be more than ``limit``.
    """
    text = line.text
    lo, hi = trim_bounds(text)
    m = _TOKEN_WS.search(text, lo, hi)
    flags: tuple[Flag, ...] = ()
    if m is None:
        cmd_end = hi
        args = line[hi:hi]
    else:
        cmd_end = m.start()
        at = m.end()
        while at < hi and text[at] in _ASCII_WS:
            at += 1
        if not text.startswith("--", at, hi):
            # No flags: the arguments are cut from the line at once, not from a copy of its rest
            # (which for a long continued line is a copy of all its runs).
            a0, a1 = trim_bounds(text, at, hi) if at < hi else (at, hi)
            args = line[a0:a1]
        else:
            raw_flags, rest = _words.extract_builder_flags(line, m.end(), hi, limit)
            flags = tuple(_flag(f) for f in raw_flags)
            a0, a1 = trim_bounds(rest.text)
            args = rest if a0 == 0 and a1 == len(rest) else rest[a0:a1]
    cmd = text[lo:cmd_end]
    lower = go_lower(cmd)
    handler = _DISPATCH.get(lower)
    if handler is None:
        keyword = cmd.upper() if cmd.isascii() else cmd
        # parseIgnore: BuildKit keeps one empty value for an instruction it does not know.
        values, is_json, sub = [args[:0]], False, None
    else:
        keyword = lower.upper()
        values, is_json, sub = handler(args, escape, limit - len(flags))
    if keywords is not None:
        keyword = keywords.setdefault(keyword, keyword)
    return _Node(cmd, keyword, line.span(lo, cmd_end), flags, values, is_json, args, text, sub)


def _flag(raw: _words.RawFlag) -> Flag:
    name, eq, value = raw.raw[2:].partition("=")
    return Flag(raw.raw, name, value if eq else None, raw.span, raw.value_span)


# Line parsers (line_parsers.go). Each takes the arguments after the flags, white space trimmed.


def _parse_string(args: Mapped, escape: str, limit: int) -> _Values:
    return ([args] if args.text else []), False, None


def _parse_whitespace_delimited(args: Mapped, escape: str, limit: int) -> _Values:
    values: list[Mapped] = []
    for m in _NON_TOKEN_WS.finditer(args.text):
        if len(values) == limit:
            raise TooLarge
        values.append(args[m.start() : m.end()])
    return values, False, None


def _parse_maybe_json(args: Mapped, escape: str, limit: int) -> _Values:
    if not args.text:
        return [], False, None
    decoded = _exec_form(args, limit)
    if decoded is not None:
        return decoded, True, None
    return [args], False, None


def _parse_maybe_json_to_list(args: Mapped, escape: str, limit: int) -> _Values:
    decoded = _exec_form(args, limit)
    if decoded is not None:
        return decoded, True, None
    return _parse_whitespace_delimited(args, escape, limit)


def _exec_form(args: Mapped, limit: int) -> list[Mapped] | None:
    try:
        return _json.parse_json_array(args, limit)
    except _json.NotStringArrayError as exc:
        raise _LineError(str(exc)) from None


def _parse_name_val(args: Mapped, escape: str, limit: int, key: str) -> _Values:
    words = _words.parse_words(args, escape, limit // 2)
    if not words:
        return [], False, None
    if "=" not in words[0].text:
        # The legacy form `ENV key value`: the value is the rest of the line, as written.
        m = _TOKEN_WS.search(args.text)
        if m is None:
            raise _LineError(f"{key} must have two arguments")
        return [args[: m.start()], args[m.end() :]], False, None
    values: list[Mapped] = []
    for word in words:
        eq = word.text.find("=")
        if eq < 0:
            raise _LineError(
                f"Syntax error - can't find = in {go_quote(word.text)}. "
                "Must be of the form: name=value"
            )
        values += [word[:eq], word[eq + 1 :]]
    return values, False, None


def _parse_env(args: Mapped, escape: str, limit: int) -> _Values:
    return _parse_name_val(args, escape, limit, "ENV")


def _parse_label(args: Mapped, escape: str, limit: int) -> _Values:
    return _parse_name_val(args, escape, limit, "LABEL")


def _parse_name_or_name_val(args: Mapped, escape: str, limit: int) -> _Values:
    return _words.parse_words(args, escape, limit), False, None


def _parse_health_config(args: Mapped, escape: str, limit: int) -> _Values:
    split = _words.split_health(args)
    if split is None:
        return [], False, None
    kind, command = split
    values, is_json, _ = _parse_maybe_json(command, escape, limit)
    return [kind, *values], is_json, None


def _parse_sub_command(args: Mapped, escape: str, limit: int) -> _Values:
    if not args.text:
        return [], False, None
    # The trigger is a child node; the ONBUILD node's own value is that child's empty Value.
    return [args[:0]], False, _new_node(args, escape, limit)


_DISPATCH: dict[str, Callable[[Mapped, str, int], _Values]] = {
    "add": _parse_maybe_json_to_list,
    "arg": _parse_name_or_name_val,
    "cmd": _parse_maybe_json,
    "copy": _parse_maybe_json_to_list,
    "entrypoint": _parse_maybe_json,
    "env": _parse_env,
    "expose": _parse_whitespace_delimited,
    "from": _parse_whitespace_delimited,
    "healthcheck": _parse_health_config,
    "label": _parse_label,
    "maintainer": _parse_string,
    "onbuild": _parse_sub_command,
    "run": _parse_maybe_json,
    "shell": _parse_maybe_json,
    "stopsignal": _parse_string,
    "user": _parse_string,
    "volume": _parse_maybe_json_to_list,
    "workdir": _parse_string,
}


def command_name(instruction: Instruction) -> str:
    """The instruction word as written (BuildKit 0.12's ``Node.Value``)."""
    lo, hi = trim_bounds(instruction.original)
    m = _TOKEN_WS.search(instruction.original, lo, hi)
    return instruction.original[lo : m.start() if m else hi]


def to_oracle_dict(result: ParseResult) -> dict[str, Any]:
    """The parse in the shape of the ``dockerfile`` package's ``Command``, plus positions.

    ``start_column``/``end_column`` are 1-based code-point columns on BuildKit's lines
    (``start_line``/``end_line``); ``end_column`` is exclusive, as in SARIF. ``span`` is the
    instruction's ``[start, end)`` offsets into the text.
    """
    out: list[dict[str, Any]] = []
    for ins in result.instructions:
        body = ins.sub if ins.sub is not None else ins
        out.append(
            {
                "cmd": command_name(ins) or None,
                "sub_cmd": command_name(ins.sub) if ins.sub is not None else None,
                "json": body.json,
                "start_line": ins.start_line,
                "end_line": ins.end_line,
                "flags": [f.raw for f in ins.flags],
                "value": list(body.value),
                # Like the package, the heredocs of the trigger: none for ONBUILD.
                "heredocs": [{"name": h.name, "content": h.content} for h in body.heredocs],
                "start_column": ins.span.start - ins.line_spans[0].start + 1,
                "end_column": ins.span.end - ins.line_spans[-1].start + 1,
                "span": [ins.span.start, ins.span.end],
            }
        )
    return {"instructions": out}
