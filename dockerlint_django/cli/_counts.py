"""How many fixes ``fix`` would apply: the count ``check`` prints under its findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from dockerlint_django import rules as registry
from dockerlint_django.fix import Applicability
from dockerlint_django.results import FileResult, Finding
from dockerlint_django.rules._base import FixAvailability


def _floor(unsafe: bool) -> Applicability:
    return Applicability.UNSAFE if unsafe else Applicability.SAFE


def _edits(f: Finding, floor: Applicability) -> tuple[Any, ...] | None:
    """The edits of a fix ``fix`` applies, else None."""
    if f.fix is not None and f.fix.applicability >= floor and f.fix.edits:
        return f.fix.edits
    return None


def _waits(f: Finding, floor: Applicability) -> bool:
    """A finding with no fix at this floor yet, of a rule that has fixes at it: another fix may
    bring one (or make an unsafe one safe: DJ006's STOPSIGNAL fix once DJ001's exec form lets
    SIGTERM through). A rule whose every fix is unsafe (``RuleMeta.safest_fix``) brings none that
    ``fix`` applies without --unsafe-fixes, whatever comes first: most of the corpus files that
    seemed to cascade had only such a finding waiting."""
    if f.code not in registry.CODES:
        return False
    meta = registry.get(f.code).meta
    return meta.fix is not FixAvailability.NONE and meta.safest_fix >= floor


def cascades(findings: Iterable[Finding], unsafe: bool) -> bool:
    """Whether one file's findings have a fix to apply and one that may follow it: then only
    the fix loop knows how many fixes apply (``fixable_counts``)."""
    floor = _floor(unsafe)
    fixable = waiting = False
    for f in findings:
        if _edits(f, floor) is not None:
            fixable = True
        elif not waiting and _waits(f, floor):
            waiting = True
        if fixable and waiting:
            return True
    return False


def fixable_counts(
    results: Sequence[FileResult],
    unsafe: bool,
    exact: Callable[[FileResult], int | None] = lambda _result: None,
) -> tuple[int, bool]:
    """How many fixes ``fix`` will apply, and whether it may apply more than that.

    The count is the marked findings' fixes, each distinct set of edits once (several findings,
    or several builds of one file, can offer the same edit). More may follow when the file also
    has a finding with no fix at this floor yet, of a rule that has fixes: DJ006's STOPSIGNAL fix
    is safe only once DJ001's fix has made the CMD exec form. For such a file ``exact`` may run
    the fix loop in memory and give the number it applies (None: it cannot), so that the count
    is exact.
    """
    floor = _floor(unsafe)
    edits_in: dict[str, set[tuple[Any, ...]]] = {}
    waiting: set[str] = set()
    home: dict[str, FileResult] = {}
    for r in results:
        for f in r.findings:
            home.setdefault(f.path, r)
            offered = _edits(f, floor)
            if offered is not None:
                edits_in.setdefault(f.path, set()).add(offered)
            elif _waits(f, floor):
                waiting.add(f.path)
    count = 0
    more = False
    for path, edits in edits_in.items():
        cascading = path in waiting
        applied = exact(home[path]) if cascading else None
        if applied is not None:
            count += applied
        else:
            count += len(edits)
            more = more or cascading
    return count, more
