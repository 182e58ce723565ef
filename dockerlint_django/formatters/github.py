"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per finding.

Escaped exactly as ``actions/toolkit`` ``packages/core/src/command.ts`` escapes them: the runner
unescapes ``%25``, ``%0D`` and ``%0A`` in the message, and additionally ``%3A`` and ``%2C`` in
property values, so a message with a newline or a literal ``%0A`` reaches the annotation intact.
Paths are relative to the repository root, against which the runner resolves ``file``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from dockerlint_django.formatters import report_path, shown_end
from dockerlint_django.rules._base import Severity

if TYPE_CHECKING:
    from dockerlint_django.formatters import FormatOptions
    from dockerlint_django.results import FileResult, Finding
    from dockerlint_django.source import SourceFile

# GitHub has no "info" annotation; "notice" is its lowest level.
_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(s: str) -> str:
    """``escapeData`` of ``command.ts``, for the message after the second ``::``."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    """``escapeProperty`` of ``command.ts``: ``:`` and ``,`` would end a property value."""
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: Sequence[tuple[str, object]], message: str) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
    return (
        f"::{name} {props}::{escape_data(message)}"
        if props
        else f"::{name}::{escape_data(message)}"
    )


def _properties(path: str, f: Finding, source: SourceFile | None) -> list[tuple[str, object]]:
    end = shown_end(f, source)
    props: list[tuple[str, object]] = [("file", path), ("line", f.start.line)]
    if f.start.line == end.line:
        # GitHub's annotations take columns only within one line ("omit this parameter if
        # start_line and end_line have different values", checks API), so a longer span gets lines.
        props += [("col", f.start.column), ("endLine", end.line), ("endColumn", end.column)]
    else:
        props.append(("endLine", end.line))
    props.append(("title", f"{f.code} {f.name}"))
    return props


def write(results: Sequence[FileResult], out: TextIO, opts: FormatOptions) -> None:
    rows = sorted(((report_path(r, opts.root), r) for r in results), key=lambda pr: pr[0])
    for path, r in rows:
        if r.error is not None:
            out.write(command("error", [("file", path)], r.error) + "\n")
        for f in r.findings:
            out.write(
                command(_COMMAND[f.severity], _properties(path, f, r.source), f.message) + "\n"
            )
