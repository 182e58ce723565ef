"""Machine output shaped like ruff's ``--output-format json``, plus ``name`` and ``severity``.

Stable: sorted by file, position and code; no timestamps; paths as given on the command line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from dockerlint_django.formatters import FormatOptions
    from dockerlint_django.results import FileResult, Finding
    from dockerlint_django.source import SourceFile


def _fix(f: Finding, source: SourceFile | None) -> dict[str, Any] | None:
    if f.fix is None or source is None:
        return None
    edits = []
    for e in f.fix.edits:
        start = source.position(e.start)
        end = source.position(e.end)
        edits.append(
            {
                "content": e.content,
                "location": {"row": start.line, "column": start.column},
                "end_location": {"row": end.line, "column": end.column},
            }
        )
    return {"applicability": f.fix.applicability.label, "message": f.fix.title, "edits": edits}


def finding_dict(f: Finding, source: SourceFile | None) -> dict[str, Any]:
    return {
        "code": f.code,
        "name": f.name,
        "severity": f.severity.label,
        "message": f.message,
        "filename": f.path,
        "location": {"row": f.start.line, "column": f.start.column},
        "end_location": {"row": f.end.line, "column": f.end.column},
        "fix": _fix(f, source),
        "url": f.url,
        "related": _related(f, source),
    }


def _related(f: Finding, source: SourceFile | None) -> list[dict[str, Any]]:
    out = []
    for rel in f.related:
        home = rel.source or source
        if home is None:
            continue
        start, end = home.position(rel.span.start), home.position(rel.span.end)
        out.append(
            {
                "filename": home.path,
                "location": {"row": start.line, "column": start.column},
                "end_location": {"row": end.line, "column": end.column},
                "message": rel.message,
            }
        )
    return out


def write(results: Sequence[FileResult], out: TextIO, opts: FormatOptions) -> None:
    items = [finding_dict(f, r.source) for r in results for f in r.findings]
    items.sort(
        key=lambda d: (
            d["filename"],
            d["location"]["row"],
            d["location"]["column"],
            d["code"],
            d["message"],
        )
    )
    json.dump(items, out, indent=2, ensure_ascii=False)
    out.write("\n")
