"""Fixes: sets of text edits with a safety level, applied all-or-nothing, repeated until stable.

A fix never re-serialises a file: it replaces code-point ranges of the decoded text, so everything
it does not touch (comments, spacing, line endings, the BOM) stays byte for byte.
"""

from __future__ import annotations

import contextlib
import enum
import itertools
import os
import stat
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


class WriteRefused(OSError):
    """A file that ``fix`` or a report must not write: the reason is the message."""


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old file or the new one.

    The file a symlink points to is the one replaced; the new file keeps the old one's mode, owner
    (where allowed) and extended attributes. A file with several hard links is written in place,
    since replacing it would split it from its other names.
    """
    target = path.resolve()
    try:
        st: os.stat_result | None = target.stat()
    except FileNotFoundError:
        st = None
    if st is not None and st.st_nlink > 1 and stat.S_ISREG(st.st_mode):
        _write_in_place(target, data)
        return
    if st is not None:
        mode = st.st_mode & 0o7777
        owner: tuple[int, int] | None = (st.st_uid, st.st_gid)
    else:
        # A new file gets the mode open() would have given it.
        umask = os.umask(0)
        os.umask(umask)
        mode, owner = 0o666 & ~umask, None
    existed = st is not None
    if not _write_unnamed(target, data, mode, owner, existed):
        _write_named(target, data, mode, owner, existed)


def _write_unnamed(
    target: Path, data: bytes, mode: int, owner: tuple[int, int] | None, existed: bool
) -> bool:
    """Write through an unnamed file (O_TMPFILE) that gets a name only just before the rename,
    so a run killed while writing leaves nothing behind. False where the system cannot."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not Path("/proc/self/fd").is_dir():
        return False
    try:
        fd = os.open(target.parent, flag | os.O_WRONLY, 0o600)
    except OSError:
        return False  # a file system without O_TMPFILE
    tmp: str | None = None
    try:
        with os.fdopen(fd, "wb") as fh:
            _fill(fh.fileno(), data, target, mode, owner, existed)
            try:
                tmp = _link_unnamed(fh.fileno(), target)
            except OSError:
                return False
        os.replace(tmp, target)
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise
    return True


def _fill(
    fd: int, data: bytes, target: Path, mode: int, owner: tuple[int, int] | None, existed: bool
) -> None:
    """Write the new content and give the file the old one's attributes, before it replaces it."""
    view = memoryview(data)
    written = 0
    while written < len(view):
        written += os.write(fd, view[written:])
    if existed:
        _copy_xattrs(target, fd)
    if owner is not None and owner != (os.geteuid(), os.getegid()):
        # Root fixing another user's file (a hook in a container) must not take it over. A user
        # who may not give files away ends up owning it, as with any editor.
        with contextlib.suppress(PermissionError):
            os.fchown(fd, *owner)
    os.fchmod(fd, mode)
    os.fsync(fd)


def _write_named(
    target: Path, data: bytes, mode: int, owner: tuple[int, int] | None, existed: bool
) -> None:
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            _fill(fh.fileno(), data, target, mode, owner, existed)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_fixed(path: Path, original: bytes, data: bytes) -> None:
    """Write a fixed file over the text it was fixed from, refusing what ``fix`` must leave alone:
    a file that is not a regular file, is read-only, or changed on disk since it was read (an
    edit saved while the run was going must not be lost)."""
    from dockerlint_django.source import NotRegularFile, read_bounded

    target = path.resolve()
    st = target.stat()
    if not stat.S_ISREG(st.st_mode):
        raise WriteRefused("not a regular file; not rewritten")
    if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise WriteRefused("read-only; not rewritten")
    try:
        current = read_bounded(target)
    except NotRegularFile as exc:
        raise WriteRefused(f"{exc}; not rewritten") from None
    if current != original:
        raise WriteRefused("changed on disk while it was being fixed; left as it is")
    write_atomic(path, data)


def check_report_target(path: Path, inputs: Iterable[Path]) -> None:
    """Refuse a report path that is not a regular file or a new one: never through a symlink (a
    committed `report.sarif` link must not make CI overwrite what it points to), never over a
    device, never over a file the run checks."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise WriteRefused("is a symbolic link; reports are not written through links")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise WriteRefused("is not a regular file; reports are written only to regular files")
    real = path.resolve()
    for given in inputs:
        if given.resolve() == real:
            raise WriteRefused("is a file this run checks; it would be replaced by the report")


def _link_unnamed(fd: int, target: Path) -> str:
    """Give an O_TMPFILE file a name beside the target, as open(2) shows: linkat with
    AT_SYMLINK_FOLLOW on its /proc/self/fd link. (os.link does not pass that flag on Linux.)"""
    import ctypes
    import secrets

    name = str(target.parent / f".{target.name}.{secrets.token_hex(4)}")
    libc = ctypes.CDLL(None, use_errno=True)
    at_fdcwd, at_symlink_follow = -100, 0x400
    done = libc.linkat(
        at_fdcwd, f"/proc/self/fd/{fd}".encode(), at_fdcwd, os.fsencode(name), at_symlink_follow
    )
    if done != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno), name)
    return name


def _copy_xattrs(source: Path, fd: int) -> None:
    # Labels and ACLs kept in extended attributes (SELinux contexts, macOS quarantine, user.*)
    # belong to the file, not to its content. Some cannot be set without privileges: skipped.
    if not hasattr(os, "listxattr"):
        return
    try:
        names = os.listxattr(source)
    except OSError:
        return
    for name in names:
        with contextlib.suppress(OSError):
            os.setxattr(fd, name, os.getxattr(source, name))


def _write_in_place(target: Path, data: bytes) -> None:
    # Several hard links share one inode: writing into it keeps them together (and keeps mode,
    # owner and attributes). The new content is written before the file is cut to its length, so
    # a crash leaves at worst the new text followed by a tail of the old one, never an empty file.
    fd = os.open(target, os.O_WRONLY)
    try:
        view = memoryview(data)
        offset = 0
        while offset < len(view):
            offset += os.pwrite(fd, view[offset:], offset)
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)
