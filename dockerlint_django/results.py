"""What a run found: one file's findings, suppressed findings and read errors.

Kept apart from the engine so that everything that reports findings (template mode, the
formatters) depends on the results, not on the engine that computes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from dockerlint_django._record import field, record
from dockerlint_django.fix import Fix
from dockerlint_django.rules._base import Related, Severity
from dockerlint_django.source import Position, SourceFile, Span

DOCS_URL = "https://github.com/dockerlint-django/dockerlint-django/blob/main/rules/{code}.md"


@record
class Finding:
    path: str
    code: str
    name: str
    message: str
    severity: Severity
    span: Span
    start: Position
    end: Position
    fix: Fix | None = None
    related: tuple[Related, ...] = ()
    suppressed: bool = False

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.start.line, self.start.column, self.code, self.message)


@record(frozen=False)
class FileResult:
    path: str  # as shown to users
    real_path: Path | None
    source: SourceFile | None
    findings: list[Finding] = field(default_factory=list)  # not suppressed
    suppressed: list[Finding] = field(default_factory=list)
    error: str | None = None  # the file could not be read: exit code 2
    # BuildKit's parser rejects the file, or the build cannot start as asked (--target names no
    # stage): an input error, exit code 2.
    parse_failed: bool = False
    # Findings this check made in other files it read (an entrypoint script), one result a file.
    others: list[FileResult] = field(default_factory=list)


def flatten(results: Iterable[FileResult]) -> list[FileResult]:
    """One result per file: results for files read on the way merged in, findings once each.

    Two Dockerfiles that run the same entrypoint script both report its findings, and a
    Dockerfile built several ways is checked once a build; a file that is also checked on its own
    keeps its own result, with the other findings added.
    """
    out: list[FileResult] = []
    index: dict[str, FileResult] = {}
    seen: dict[str, set[tuple[object, ...]]] = {}
    pending: list[FileResult] = []
    for r in results:
        home = index.get(r.path) if r.error is None else None
        if home is not None:
            # The same file checked again (a Dockerfile that several Compose services build
            # differently): one result, each finding once.
            for f in r.findings:
                if _key(f) not in seen[r.path]:
                    seen[r.path].add(_key(f))
                    home.findings.append(f)
            known = {_key(f) for f in home.suppressed}
            home.suppressed.extend(f for f in r.suppressed if _key(f) not in known)
            home.parse_failed = home.parse_failed or r.parse_failed
            home.findings.sort(key=Finding.sort_key)
            pending.extend(r.others)
            continue
        out.append(r)
        if r.error is None:
            index[r.path] = r
            seen[r.path] = {_key(f) for f in r.findings}
        pending.extend(r.others)
    for extra in pending:
        home = index.get(extra.path)
        if home is None:
            home = FileResult(extra.path, extra.real_path, extra.source)
            index[extra.path] = home
            seen[extra.path] = set()
            out.append(home)
        for f in extra.findings:
            if _key(f) not in seen[extra.path]:
                seen[extra.path].add(_key(f))
                home.findings.append(f)
        home.findings.sort(key=Finding.sort_key)
    return out


def _key(f: Finding) -> tuple[object, ...]:
    return (f.code, f.span.start, f.span.end, f.message)
