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
    # Found in the image another build target makes (its stage name; "" for the last stage),
    # not in the one the file is linted as: the message names it.
    other_target: str | None = None

    @property
    def url(self) -> str | None:
        """The rule's page: a built-in rule's docs, a policy entry's own ``help`` (or none)."""
        from dockerlint_django import rules as registry

        if self.code not in registry.CODES and self.code in registry.POLICY:
            return registry.POLICY[self.code].meta.help_uri
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
    keeps its own result, with the other findings added. One finding a rule and place: where two
    builds word it differently (each names the other's target), the most severe reading is kept,
    else the first.
    """
    out: list[FileResult] = []
    index: dict[str, FileResult] = {}
    # Where each finding of a result that others merge into is, by rule and place: made at the
    # first merge, since most files are checked once and merge nothing.
    seen: dict[str, dict[tuple[object, ...], int]] = {}

    def merge(home: FileResult, findings: Iterable[Finding]) -> None:
        at = seen.get(home.path)
        if at is None:
            at = seen[home.path] = {}
            # A result's own findings are each kept (two parse errors may share a place).
            for n, f in enumerate(home.findings):
                at.setdefault(_key(f), n)
        for f in findings:
            i = at.get(_key(f))
            if i is None:
                at[_key(f)] = len(home.findings)
                home.findings.append(f)
            elif _better(f, home.findings[i]):
                home.findings[i] = f

    pending: list[FileResult] = []
    for r in results:
        home = index.get(r.path) if r.error is None else None
        if home is not None:
            # The same file checked again (a Dockerfile that several Compose services build
            # differently): one result, each finding once.
            merge(home, r.findings)
            known = {_key(f) for f in home.suppressed}
            home.suppressed.extend(f for f in r.suppressed if _key(f) not in known)
            home.parse_failed = home.parse_failed or r.parse_failed
            pending.extend(r.others)
            continue
        out.append(r)
        if r.error is None:
            index[r.path] = r
        pending.extend(r.others)
    for extra in pending:
        home = index.get(extra.path)
        if home is None:
            home = FileResult(extra.path, extra.real_path, extra.source)
            index[extra.path] = home
            out.append(home)
        merge(home, extra.findings)
    # Each result comes with its findings in order (engine.lint_source and its results for the
    # other files it read, templates.mode and deployments sort them; tests/test_workspace.py
    # checks a check's results are): only those that others merged into are sorted again.
    for r in out:
        if r.path in seen:
            r.findings.sort(key=Finding.sort_key)
    return out


def _better(f: Finding, held: Finding) -> bool:
    """More severe; or as severe, and found in the image the build makes rather than worded for
    another of the file's targets."""
    if f.severity != held.severity:
        return f.severity > held.severity
    return f.other_target is None and held.other_target is not None


def _key(f: Finding) -> tuple[object, ...]:
    return (f.code, f.span.start, f.span.end)
