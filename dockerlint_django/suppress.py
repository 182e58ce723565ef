"""Inline suppressions: our own pragmas, hadolint's, and BuildKit's ``# check=skip=`` directive.

- ``# dockerlint-django: ignore=DJ001,DJ030`` covers the next instruction, all its lines included
  (Dockerfiles have no trailing comments, so a pragma goes on the line above, as with hadolint).
  Inside a continuation it covers the instruction it sits in.
- ``# dockerlint-django: ignore-file=DJ001`` (or bare ``ignore-file``) covers the whole file.
- ``# hadolint ignore=DL3025`` / ``# hadolint global ignore=…`` suppress the DJ rules mapped to
  those DL codes, so teams moving from hadolint keep their pragmas.
- ``# check=skip=FromAsCasing`` (BuildKit) skips the DJ rules that mirror that check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from dockerlint_django._record import field, record
from dockerlint_django.dockerfile.ast import Comment, Instruction
from dockerlint_django.source import Span

_OURS = re.compile(
    # A reason may follow after a second "#": `# dockerlint-django: ignore=DJ030  # runs gosu`.
    r"^dockerlint-django\s*:\s*(?P<kind>ignore-file|ignore)\s*(?:=\s*(?P<codes>[^#]*?))?\s*(?:#.*)?$",
    re.IGNORECASE,
)
_HADOLINT = re.compile(r"^hadolint\s+(?P<global>global\s+)?ignore\s*=\s*(?P<codes>[\w,\s-]+?)\s*$")
_CODE = re.compile(r"^[A-Za-z]+\d+$")


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
) -> Suppressions:
    pragmas: list[Pragma] = []
    for comment in comments:
        text = comment.text
        m = _OURS.match(text)
        if m:
            codes = _split_codes(m.group("codes"), names)
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
    if check_directive:
        skipped = _check_skips(check_directive, buildkit_map)
        if skipped:
            anchor = comments[0] if comments else Comment("", 1, Span(0, 0))
            pragmas.append(Pragma(anchor, skipped, True, None, foreign=True))
    return Suppressions(pragmas)


def _check_skips(directive: str, buildkit_map: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    # BuildKit: `# check=skip=A,B;error=true`
    out: list[str] = []
    for part in directive.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() != "skip":
            continue
        for name in value.split(","):
            name = name.strip()
            if name.lower() == "all":
                out.extend(c for codes in buildkit_map.values() for c in codes)
            else:
                out.extend(buildkit_map.get(name, ()))
    return tuple(dict.fromkeys(out))


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
            if not _CODE.match(code) or code not in known_set:
                out.append(Unused(p.comment, code, f"names unknown rule {code}"))
            elif code in enabled_set and code not in p.used:
                out.append(Unused(p.comment, code, f"{code} reported nothing here"))
    return out
