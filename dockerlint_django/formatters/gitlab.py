"""GitLab Code Quality report: a JSON array of issues (the subset of the Code Climate spec GitLab
reads: ``description``, ``check_name``, ``fingerprint``, ``severity``, ``location``).

GitLab compares reports across pipelines by ``fingerprint``: a finding whose fingerprint changes
shows up as one fixed and one new issue in the merge request. So fingerprints are built from what
identifies a finding, not from where it is: the path, the rule, the text of its own lines and span
(whitespace-collapsed), and a counter among findings that share all of those. Lines added above a
finding, or a message that quotes a line number, leave them unchanged.

``location`` is line-based (``lines.begin``/``lines.end``). The Code Climate spec makes a location
either ``lines`` or ``positions``, not both, and GitLab shows lines only.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from dockerlint_django.formatters import report_path, shown_end
from dockerlint_django.rules._base import Severity

if TYPE_CHECKING:
    from dockerlint_django.formatters import FormatOptions
    from dockerlint_django.results import FileResult, Finding
    from dockerlint_django.source import SourceFile

# GitLab's scale is info < minor < major < critical < blocker. Errors are "major", as in most
# linters' GitLab reports; a file that could not be checked at all is a "blocker": none of its
# problems can be known.
_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}
_UNREADABLE = "blocker"


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _content(f: Finding, source: SourceFile | None) -> str:
    """What a finding is about, independent of where in the file it sits."""
    if source is None:
        return ""
    lines = "\n".join(
        _collapse(source.line_text(n)) for n in range(f.start.line, shown_end(f, source).line + 1)
    )
    return f"{lines}\0{_collapse(source.slice(f.span))}"


def fingerprint(*parts: str) -> str:
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()
    return digest[:32]  # MD5's length, which GitLab's documentation shows


def issues(results: Sequence[FileResult], opts: FormatOptions) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in results:
        path = report_path(r, opts.root)
        if r.error is not None:
            out.append(
                {
                    "description": " ".join(r.error.splitlines()),
                    "check_name": "unreadable-file",
                    "fingerprint": fingerprint(path, "unreadable-file"),
                    "severity": _UNREADABLE,
                    "location": {"path": path, "lines": {"begin": 1}},
                }
            )
        seen: Counter[tuple[str, str]] = Counter()
        for f in r.findings:
            key = (f.code, _content(f, r.source))
            occurrence = seen[key]
            seen[key] += 1
            out.append(
                {
                    # Code Climate: "Descriptions must be a single line of text".
                    "description": f"{f.code}: {' '.join(f.message.splitlines())}",
                    "check_name": f.code,
                    "fingerprint": fingerprint(path, *key, str(occurrence)),
                    "severity": _SEVERITY[f.severity],
                    "location": {
                        "path": path,
                        "lines": {"begin": f.start.line, "end": shown_end(f, r.source).line},
                    },
                }
            )
    out.sort(key=lambda d: (d["location"]["path"], d["location"]["lines"]["begin"]))
    return out


def write(results: Sequence[FileResult], out: TextIO, opts: FormatOptions) -> None:
    json.dump(issues(results, opts), out, indent=2, ensure_ascii=False)
    out.write("\n")
