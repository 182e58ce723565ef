"""Inline suppressions: our own pragmas, hadolint's, and BuildKit's ``# check=skip=`` directive.

- ``# dockerlint-django: ignore=DJ001,DJ030`` covers the next instruction, all its lines included
  (Dockerfiles have no trailing comments, so a pragma goes on the line above, as with hadolint).
  Inside a continuation it covers the instruction it sits in.
- ``# dockerlint-django: ignore-file=DJ001`` (or bare ``ignore-file``) covers the whole file.
- ``# hadolint ignore=DL3025`` / ``# hadolint global ignore=…`` suppress the DJ rules mapped to
  those DL codes, so teams moving from hadolint keep their pragmas.
- ``# check=skip=FromAsCasing`` (BuildKit) skips the DJ rules that mirror that check, where
  BuildKit reads it: a parser directive at the top of the file (see ``buildkit_check``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from dockerlint_django._record import LazyPattern, field, record
from dockerlint_django.dockerfile.ast import Comment, Instruction, ParseError
from dockerlint_django.dockerfile.parser import parse
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.source import LF_ONLY, SourceFile, Span

_OURS = LazyPattern(
    # A reason may follow after a second "#": `# dockerlint-django: ignore=DJ030  # runs gosu`.
    r"^dockerlint-django\s*:\s*(?P<kind>ignore-file|ignore)\s*(?:=\s*(?P<codes>[^#]*?))?\s*(?:#.*)?$",
    re.IGNORECASE,
)
_HADOLINT = LazyPattern(r"^hadolint\s+(?P<global>global\s+)?ignore\s*=\s*(?P<codes>[\w,\s-]+?)\s*$")
_CODE = LazyPattern(r"^[A-Za-z]+\d+$")
_HADOLINT_CODE = LazyPattern(r"^DL\d{4}$")


@record(frozen=False)
class Pragma:
    comment: Comment
    codes: tuple[str, ...]  # as written, upper-cased; empty = every rule
    file_wide: bool
    covers: Span | None  # the instruction covered; None for file-wide or when none follows
    foreign: bool = False  # hadolint or BuildKit: never reported as unused
    used: set[str] = field(default_factory=set)

    def matches(self, code: str, span: Span) -> bool:
        if self.codes and code not in self.codes:
            return False
        if self.file_wide:
            return True
        if self.covers is None:
            return False
        return self.covers.start <= span.start <= self.covers.end


@record(frozen=False)
class Suppressions:
    pragmas: list[Pragma]

    def suppress(self, code: str, span: Span) -> bool:
        hit = False
        for p in self.pragmas:
            if p.matches(code, span):
                p.used.add(code)
                hit = True
        return hit


def _split_codes(text: str | None, names: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Codes as written, upper-cased; rule names (``from-as-casing``) become their codes."""
    if not text:
        return ()
    names = names or {}
    return tuple(names.get(c.lower(), c.upper()) for c in re.split(r"[\s,]+", text.strip()) if c)


def collect(
    comments: Sequence[Comment],
    instructions: Sequence[Instruction],
    hadolint_map: Mapping[str, tuple[str, ...]],
    buildkit_map: Mapping[str, tuple[str, ...]],
    check_directive: str | None,
    names: Mapping[str, str] | None = None,
    *,
    source_text: str | None = None,
) -> Suppressions:
    """``check_directive`` is the ``# check=`` value the parser read among the parser directives;
    with ``source_text`` (the file's text, BOM removed) it is also held to where BuildKit's
    check reader looks (``buildkit_check``)."""
    pragmas: list[Pragma] = []
    for comment in comments:
        text = comment.text
        m = _OURS.match(text)
        if m:
            # A hadolint code stands for the rules that refine it, as in --ignore.
            codes = tuple(
                c
                for code in _split_codes(m.group("codes"), names)
                for c in hadolint_map.get(code, (code,))
            )
            file_wide = m.group("kind").lower() == "ignore-file"
            covers = None if file_wide else _covered(comment, instructions)
            # Kept even when no instruction follows, so that it is reported as unused.
            pragmas.append(Pragma(comment, codes, file_wide, covers))
            continue
        h = _HADOLINT.match(text)
        if h:
            dj = tuple(c for dl in _split_codes(h.group("codes")) for c in hadolint_map.get(dl, ()))
            if not dj:
                continue
            file_wide = bool(h.group("global"))
            covers = None if file_wide else _covered(comment, instructions)
            if file_wide or covers is not None:
                pragmas.append(Pragma(comment, dj, file_wide, covers, foreign=True))
    found = buildkit_check(check_directive, comments, source_text)
    if found is not None:
        value, where = found
        skipped = _check_skips(value, buildkit_map)
        if skipped:
            anchor = where or (comments[0] if comments else Comment("", 1, Span(0, 0)))
            pragmas.append(Pragma(anchor, skipped, True, None, foreign=True))
    return Suppressions(pragmas)


_CHECK_KEY = LazyPattern(r"^check\s*=", re.IGNORECASE)
# A text without any of these words holds none of the pragmas above (ours, hadolint's, BuildKit's
# `# check=`): what `may_suppress` looks for, cheaper than collecting them.
_ANY_PRAGMA = LazyPattern(r"dockerlint-django|hadolint|check\s*=", re.IGNORECASE)


def may_suppress(text: str) -> bool:
    """Whether the text may hold a pragma that names a rule; False is certain."""
    return _ANY_PRAGMA.search(text) is not None


def buildkit_check(
    check_directive: str | None, comments: Sequence[Comment], source_text: str | None
) -> tuple[str, Comment | None] | None:
    """The ``# check=`` options BuildKit applies to the file, and the comment that holds them.

    BuildKit (1.8 and later) reads them with ``parser.ParseDirective("check", …)``: the parser
    directives at the top of the file, as the parser reads ``syntax`` and ``escape`` (the value
    ``check_directive`` comes from our port of it), with three differences of its own: a first
    line starting with ``#!`` is skipped, a directive line must start with ``#`` (an indented
    one ends the directives), and only the value's first word is used (``skip=A, B`` skips
    ``A``). The last two need ``source_text``; without it the parser's reading is taken as it is.
    """
    if source_text is None:
        return (_first_word(check_directive), None) if check_directive else None
    offset = 0
    if check_directive is None and source_text.startswith("#!"):
        # The shebang ends the parser's directives, not BuildKit's check reader: read the
        # directives of the rest of the file with the parser again.
        newline = source_text.find("\n")
        if newline < 0:
            return None
        rest = source_text[newline + 1 :]
        try:
            check_directive = parse(SourceFile.from_text("", rest)).directives.check
        except ParseError:
            return None
        offset = newline + 1
    if not check_directive:
        return None
    comment = next((c for c in comments if _CHECK_KEY.match(c.text)), None)
    if comment is None:
        return None
    # Every directive line up to the check's starts with `#` itself.
    lines = source_text[offset : comment.span.start].split("\n")[:-1]
    if source_text[comment.span.start : comment.span.start + 1] != "#" or any(
        not line.startswith("#") for line in lines
    ):
        return None
    return _first_word(check_directive), comment


def _first_word(value: str) -> str:
    # detectDirectiveFromParser: `p, _, _ := strings.Cut(d.Value, " ")`.
    return value.partition(" ")[0]


def _check_skips(directive: str, buildkit_map: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The DJ codes a ``# check=`` value skips, read as BuildKit's ``ParseLintOptions`` reads it:
    ``skip=A,B;error=true``. Keys and check names are case-sensitive, ``all`` must be the whole
    value; options BuildKit rejects fail the build, so they skip nothing."""
    directive = directive.strip()
    if not directive:
        return ()
    out: list[str] = []
    for part in directive.split(";", 2):
        key, eq, value = part.partition("=")
        if not eq:
            return ()
        key = key.strip()
        value = value.strip()
        if key == "skip":
            if value == "all":
                out.extend(c for codes in buildkit_map.values() for c in codes)
            else:
                out.extend(
                    c for name in value.split(",") for c in buildkit_map.get(name.strip(), ())
                )
        elif key == "error":
            if value not in _GO_BOOLS:
                return ()
        elif key != "experimental":
            return ()
    return tuple(dict.fromkeys(out))


# strconv.ParseBool
_GO_BOOLS = frozenset(
    {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"}
)


def _covered(comment: Comment, instructions: Sequence[Instruction]) -> Span | None:
    for ins in instructions:
        if ins.span.start <= comment.span.start < ins.span.end:
            return ins.span
        if ins.span.start >= comment.span.end:
            return ins.span
    return None


@record
class Unused:
    comment: Comment
    code: str | None  # None: the pragma as a whole suppressed nothing
    reason: str


def unused(
    suppressions: Suppressions, enabled: Iterable[str], known: Iterable[str]
) -> list[Unused]:
    """Our own pragmas that suppressed nothing, or name codes that do not exist."""
    enabled_set = set(enabled)
    known_set = set(known)
    out: list[Unused] = []
    for p in suppressions.pragmas:
        if p.foreign:
            continue
        if not p.codes:
            if not p.used:
                out.append(Unused(p.comment, None, "suppresses nothing"))
            continue
        for code in p.codes:
            if _HADOLINT_CODE.match(code) and code not in known_set:
                out.append(Unused(p.comment, code, f"{code} is a hadolint code no rule refines"))
            elif not _CODE.match(code) or code not in known_set:
                out.append(Unused(p.comment, code, f"names unknown rule {code}"))
            elif code in enabled_set and code not in p.used:
                out.append(Unused(p.comment, code, f"{code} reported nothing here"))
    return out


def _yaml_comment_start(line: str) -> int | None:
    """Where a YAML comment starts in one line: a ``#`` at the start or after a space, outside
    quotes. Block scalars are not tracked: a pragma-looking line inside one is rare, and at
    worst suppresses a finding on that block."""
    quote: str | None = None
    i = 0
    while i < len(line):
        c = line[i]
        if quote is not None:
            if c == quote:
                if quote == "'" and line.startswith("''", i):
                    i += 2
                    continue
                quote = None
            elif c == "\\" and quote == '"':
                i += 1
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
        elif c in "'\"" and (i == 0 or line[i - 1] in " \t:[{,-"):
            quote = c
        i += 1
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


_LINE = LazyPattern(r"[^\r\n]*(?:\r\n|\r|\n|$)")
# A key or list item whose value is a block scalar (`key: |`, `- >-`, `run: |2`).
_BLOCK_SCALAR = LazyPattern(r"(?:^|[:\s-])[|>][-+0-9]*\s*$")


def _lines(text: str) -> list[tuple[int, str]]:
    """``(offset, text without its line break)`` per line; only CR, LF and CRLF end a line
    (YAML's line breaks), not the other characters ``str.splitlines`` breaks at."""
    out: list[tuple[int, str]] = []
    for m in _LINE.finditer(text):
        if m.start() == len(text) and out:
            break
        out.append((m.start(), m.group(0).rstrip("\r\n")))
    return out


def collect_yaml(text: str, names: Mapping[str, str] | None = None) -> Suppressions:
    """Our pragmas in a YAML (Compose) file.

    ``# dockerlint-django: ignore=DJ046`` on its own line covers the next key or list item and
    everything nested under it; at the end of a line it covers that line's key and what is
    nested under it. A list written at its key's own indentation (`ports:` then `- 80:80` under
    it, unindented) is nested under the key. ``ignore-file`` covers the whole file. Lines inside
    a block scalar (`|`, `>`) are text, never pragmas. A trailing pragma's comment span starts
    at the blank before its ``#``, so that removing it leaves the line as it was.

    One pass over the lines: where each block ends is found with a stack, so a file of many
    pragmas costs no more than one of few.
    """
    lines = _lines(text)
    n = len(lines)
    # Per line: a comment's start (None: none), whether it holds content, and its indentation
    # (a list item counts one deeper, so that an unindented list nests under its key).
    comment_at: list[int | None] = [None] * n
    content = [False] * n
    depth = [0] * n
    scalar_indent: int | None = None  # inside a block scalar: the indentation of its key
    for i, (_, body) in enumerate(lines):
        stripped = body.strip()
        if scalar_indent is not None:
            if not stripped or _indent(body) > scalar_indent:
                continue  # the block scalar's own text
            scalar_indent = None
        at = _yaml_comment_start(body)
        comment_at[i] = at
        code = body[:at] if at is not None else body
        if not code.strip():
            continue
        content[i] = True
        depth[i] = _indent(body) + (1 if code.lstrip().startswith("- ") else 0)
        if _BLOCK_SCALAR.search(code.rstrip()):
            scalar_indent = _indent(body)
    # The last line of the block each content line opens: up to the line before the next
    # content line that is not deeper.
    block_end = list(range(n))
    stack: list[int] = []
    last = -1
    for i in range(n):
        if not content[i]:
            continue
        while stack and depth[stack[-1]] >= depth[i]:
            block_end[stack.pop()] = last
        stack.append(i)
        last = i
    while stack:
        block_end[stack.pop()] = last
    next_content = [-1] * (n + 1)
    for i in range(n - 1, -1, -1):
        next_content[i] = i if content[i] else next_content[i + 1]
    pragmas: list[Pragma] = []
    for i, (start, body) in enumerate(lines):
        at = comment_at[i]
        if at is None:
            continue
        m = _OURS.match(body[at + 1 :].strip())
        if m is None:
            continue
        own_line = not content[i]
        begin = at if own_line else len(body[:at].rstrip())
        comment = Comment(body[at + 1 :].strip(), i + 1, Span(start + begin, start + len(body)))
        codes = _split_codes(m.group("codes"), names)
        if m.group("kind").lower() == "ignore-file":
            pragmas.append(Pragma(comment, codes, True, None))
            continue
        first = next_content[i + 1] if own_line else i
        covers = None
        if first >= 0:
            end = block_end[first]
            covers = Span(lines[first][0], lines[end][0] + len(lines[end][1]))
        pragmas.append(Pragma(comment, codes, False, covers))
    return Suppressions(pragmas)


def unused_fix(
    source: SourceFile, span: Span, code: str | None, pragma: Pragma | None
) -> Fix | None:
    """Drop an unused code from its pragma, or the whole pragma when nothing would be left: its
    whole line, or only the comment when it ends a line of YAML."""
    if pragma is None:
        return None
    # The pragma's codes, names already turned into codes: `ignore=from-as-casing` too. Only the
    # reported code goes: codes of rules switched off here cannot be judged, so they stay.
    remaining = [c for c in pragma.codes if c != code] if code is not None else []
    if remaining:
        m = re.search(r"=\s*([^#]*?)\s*(?:#.*)?$", source.slice(span))
        if m is None:
            return None
        edit = Edit(span.start + m.start(1), span.start + m.end(1), ",".join(remaining))
        return Fix(f"Remove {code} from the suppression", (edit,), Applicability.SAFE)
    text = source.text
    # A lone CR ends a line of YAML but not of a Dockerfile (BuildKit splits on LF alone).
    lone_cr = -1 if source.line_breaks == LF_ONLY else text.rfind("\r", 0, span.start)
    line_start = max(text.rfind("\n", 0, span.start), lone_cr) + 1
    if text[line_start : span.start].strip():
        # A trailing pragma: remove it, keep the line it ends.
        return Fix(
            "Remove the unused suppression", (Edit(span.start, span.end, ""),), Applicability.SAFE
        )
    end = span.end
    if source.line_breaks == LF_ONLY:
        # BuildKit's line ends with whatever CRs precede its LF (`\r\r\n` is one break).
        found = re.compile(r"\r*\n").match(text, end)
        end = found.end() if found is not None else end
    elif text.startswith("\r\n", end):
        end += 2
    elif end < len(text) and text[end] in "\r\n":
        end += 1
    return Fix("Remove the unused suppression", (Edit(line_start, end, ""),), Applicability.SAFE)
