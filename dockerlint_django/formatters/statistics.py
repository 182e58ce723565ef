"""``--statistics``: one row a rule instead of the findings, as ruff's, in text or JSON.

A row has the count, the code, whether the fixes at this run's floor repair them (``[*]`` all,
``[-]`` some, ``[ ]`` none, as ruff marks them), the severity and the rule's name. Rows go from
the most frequent rule down, then by code. A rule configured to different severities in two
folders shows the highest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from dockerlint_django._record import record
from dockerlint_django.fix import Applicability
from dockerlint_django.rules._base import Severity

if TYPE_CHECKING:
    from dockerlint_django.formatters import FormatOptions
    from dockerlint_django.results import FileResult, Finding


@record
class Row:
    code: str
    name: str
    count: int
    fixable_count: int
    severity: Severity

    @property
    def mark(self) -> str:
        if self.fixable_count == self.count:
            return "[*]"
        return "[-]" if self.fixable_count else "[ ]"


def rows(findings: Iterable[Finding], floor: Applicability) -> list[Row]:
    by_code: dict[str, list[Finding]] = {}
    for f in findings:
        by_code.setdefault(f.code, []).append(f)
    out = [
        Row(
            code,
            group[0].name,
            len(group),
            sum(1 for f in group if f.fix is not None and f.fix.applicability >= floor),
            max(f.severity for f in group),
        )
        for code, group in by_code.items()
    ]
    out.sort(key=lambda r: (-r.count, r.code))
    return out


def write_json(results: Sequence[FileResult], out: TextIO, opts: FormatOptions) -> None:
    """ruff's ``--statistics --output-format json`` array, plus ``severity``. ``fixable`` is
    true when every finding of the rule is fixable, as ruff's; ``fixable_count`` counts them."""
    floor = Applicability.UNSAFE if opts.unsafe_fixes else Applicability.SAFE
    items: list[dict[str, Any]] = [
        {
            "code": r.code,
            "name": r.name,
            "count": r.count,
            "fixable": r.fixable_count == r.count,
            "fixable_count": r.fixable_count,
            "severity": r.severity.label,
        }
        for r in rows((f for res in results for f in res.findings), floor)
    ]
    json.dump(items, out, indent=2, ensure_ascii=False)
    out.write("\n")
