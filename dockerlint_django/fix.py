"""Fixes: sets of text edits with a safety level, applied all-or-nothing, repeated until stable.

A fix never re-serialises a file: it replaces code-point ranges of the decoded text, so everything
it does not touch (comments, spacing, line endings, the BOM) stays byte for byte.
"""

from __future__ import annotations

import contextlib
import enum
import itertools
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from dockerlint_django._record import field, record
from dockerlint_django.source import Span


class Applicability(enum.IntEnum):
    DISPLAY_ONLY = 0  # shown as a suggestion, never applied
    UNSAFE = 1  # applied with --unsafe-fixes: changes behaviour or needs judgement
    SAFE = 2  # applied by `fix`: keeps the meaning the author intended

    @property
    def label(self) -> str:
        return {0: "display-only", 1: "unsafe", 2: "safe"}[int(self)]


@record(order=True)
class Edit:
    start: int  # code-point offsets into the decoded text, half-open
    end: int
    content: str = ""  # "" deletes; start == end inserts

    @classmethod
    def replace(cls, span: Span, content: str) -> Edit:
        return cls(span.start, span.end, content)

    @classmethod
    def insert(cls, offset: int, content: str) -> Edit:
        return cls(offset, offset, content)

    @classmethod
    def delete(cls, span: Span) -> Edit:
        return cls(span.start, span.end, "")


@record
class Fix:
    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE
    # The rule whose finding offered it, stamped by the fix loop's callers so that `fix
    # --show-fixes` can count what was applied per rule.
    code: str = ""

    def __post_init__(self) -> None:
        edits = tuple(sorted(set(self.edits)))
        for a, b in itertools.pairwise(edits):
            if b.start < a.end:
                raise ValueError(f"overlapping edits in fix {self.title!r}")
        object.__setattr__(self, "edits", edits)

    @property
    def start(self) -> int:
        return self.edits[0].start if self.edits else 0

    @property
    def end(self) -> int:
        return self.edits[-1].end if self.edits else 0


def apply_fixes(text: str, fixes: Iterable[Fix]) -> tuple[str, int]:
    """Apply fixes in source order in one pass; a fix that overlaps or touches an earlier one waits.

    Touching counts as a conflict because two insertions at the same offset have no defined order.
    Returns the new text and how many fixes were applied.
    """
    new, applied = apply_listed(text, fixes)
    return new, len(applied)


def first_pass(fixes: Iterable[Fix]) -> list[Fix]:
    """The fixes one pass applies (each distinct set of edits once, none overlapping an earlier
    one); the others wait for a later pass, after the text is linted again."""
    chosen: list[Fix] = []
    last_end = -1
    seen: set[tuple[Edit, ...]] = set()
    for fix in sorted(fixes, key=lambda f: (f.start, f.end, f.title)):
        if not fix.edits or fix.edits in seen:
            continue
        if fix.edits[0].start <= last_end:
            continue
        seen.add(fix.edits)
        chosen.append(fix)
        last_end = fix.edits[-1].end
    return chosen


def apply_listed(text: str, fixes: Iterable[Fix]) -> tuple[str, list[Fix]]:
    """``apply_fixes``, returning the fixes applied."""
    chosen = first_pass(fixes)
    out: list[str] = []
    pos = 0
    for fix in chosen:
        for edit in fix.edits:
            out.append(text[pos : edit.start])
            out.append(edit.content)
            pos = edit.end
    out.append(text[pos:])
    return "".join(out), chosen


@record
class FixOutcome:
    text: str
    applied: int  # fixes applied over all passes
    converged: bool
    passes: int
    # How many of the applied fixes each rule offered (by Fix.code).
    by_code: dict[str, int] = field(default_factory=dict)


def fix_until_stable(
    text: str,
    fixes_for: Callable[[str], Sequence[Fix] | None],
    max_passes: int = 10,
) -> FixOutcome:
    """Apply, re-lint, repeat. ``fixes_for`` returns None when the text no longer parses.

    A pass that would make the file unparsable is discarded (the text before it is kept), and a text
    seen before means two fixes undo each other: stop rather than loop.
    """
    seen = {text}
    total = 0
    by_code: dict[str, int] = {}
    fixes = fixes_for(text)
    if fixes is None:
        return FixOutcome(text, 0, True, 0)
    for passes in range(1, max_passes + 1):
        new, applied = apply_listed(text, fixes)
        if not applied:
            return FixOutcome(text, total, True, passes - 1, by_code)
        new_fixes = fixes_for(new)
        if new_fixes is None or new in seen:
            return FixOutcome(text, total, False, passes, by_code)
        seen.add(new)
        total += len(applied)
        for fix in applied:
            by_code[fix.code] = by_code.get(fix.code, 0) + 1
        text, fixes = new, new_fixes
    return FixOutcome(text, total, not fixes, max_passes, by_code)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old file or the new one."""
    import tempfile  # only when writing: start-up time matters in hooks

    target = path.resolve()
    owner: tuple[int, int] | None = None
    if target.exists():
        st = target.stat()
        mode = st.st_mode & 0o7777
        owner = (st.st_uid, st.st_gid)
    else:
        # mkstemp creates 0600; a new file should get the mode open() would have given it.
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if owner is not None and owner != (os.geteuid(), os.getegid()):
            # Root fixing another user's file (a hook in a container) must not take it over. A
            # user who may not give files away ends up owning it, as with any editor.
            with contextlib.suppress(PermissionError):
                os.chown(tmp, *owner)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
