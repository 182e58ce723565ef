"""Human output: ``path:line:col: CODE [severity] message``, then a summary line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from dockerlint_django.fix import Applicability
from dockerlint_django.rules._base import Severity

if TYPE_CHECKING:
    from dockerlint_django.formatters import FormatOptions
    from dockerlint_django.results import FileResult

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def write(results: Sequence[FileResult], out: TextIO, opts: FormatOptions) -> None:
    findings = [f for r in results for f in r.findings]
    homes = {id(f): r.source for r in results for f in r.findings}
    floor = Applicability.UNSAFE if opts.unsafe_fixes else Applicability.SAFE
    fixable = 0
    hidden = 0
    for f in findings:
        mark = ""
        if f.fix is not None and f.fix.applicability >= floor:
            fixable += 1
            mark = " [*]"
        elif f.fix is not None and f.fix.applicability == Applicability.UNSAFE:
            hidden += 1
        where = f"{f.path}:{f.start.line}:{f.start.column}:"
        sev = f"[{f.severity.label}]"
        if opts.color:
            where = f"{_BOLD}{where}{_RESET}"
            sev = f"{_COLORS[f.severity]}{sev}{_RESET}"
            code = f"{_COLORS[f.severity]}{_BOLD}{f.code}{_RESET}"
        else:
            code = f.code
        if not opts.statistics:  # as ruff's --statistics: the counts instead of the findings
            out.write(f"{where} {code}{mark} {sev} {f.message}\n")
            for rel in f.related:
                # The other place that explains it (the layer it loses to, a second file).
                home = rel.source or homes.get(id(f))
                if home is None:
                    continue
                at = home.position(rel.span.start)
                out.write(f"  note: {home.path}:{at.line}:{at.column}: {rel.message}\n")
    if opts.statistics and findings:
        counts = Counter((f.code, f.name) for f in findings)
        for (code, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            out.write(f"{n:>5}  {code}  {name}\n")
    if opts.quiet:
        return
    if not findings:
        checked = sum(1 for r in results if r.error is None)
        unread = len(results) - checked
        if unread:
            out.write(
                f"No problems found in {checked} file{_s(checked)}; "
                f"{unread} could not be checked.\n"
            )
        else:
            out.write(f"All checks passed ({checked} file{_s(checked)}).\n")
        return
    by_sev = Counter(f.severity for f in findings)
    parts = [
        f"{by_sev[s]} {s.label}{_s(by_sev[s]) if s is not Severity.INFO else ''}"
        for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        if by_sev[s]
    ]
    files = len({f.path for f in findings})
    line = (
        f"Found {len(findings)} problem{_s(len(findings))} ({', '.join(parts)}) "
        f"in {files} file{_s(files)}."
    )
    if opts.show_fixes and fixable:
        line += f"\n[*] {fixable} fixable with `dockerlint-django fix`."
    if opts.show_fixes and hidden:
        line += f"\n{hidden} more fixable with `dockerlint-django fix --unsafe-fixes`."
    out.write(line + "\n")
