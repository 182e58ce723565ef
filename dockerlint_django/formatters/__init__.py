"""Output formats, one module each, behind one table.

Each module exposes ``write(results, out, options)``. Modules load on first use: a pre-commit run
that prints text should not pay for importing the SARIF object model.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from dockerlint_django._record import field, record, replace

if TYPE_CHECKING:
    from dockerlint_django.results import FileResult, Finding
    from dockerlint_django.source import Position, SourceFile


@record
class FormatOptions:
    color: bool = False
    statistics: bool = False
    quiet: bool = False
    show_fixes: bool = True
    unsafe_fixes: bool = False
    # The folder result paths are made relative to in machine formats (SARIF artifact URIs, GitLab
    # paths): the repository root when known, else the working directory. None: the working folder.
    root: Path | None = None
    # The rules that ran, so that SARIF can describe every enabled rule, not only those that fired.
    enabled: frozenset[str] = field(default_factory=frozenset)
    # SARIF runAutomationDetails.id category (GitHub keeps one analysis per category).
    category: str | None = None
    # Text in its full form: each finding with its source line and a caret run under the span.
    full: bool = False
    # A fix run: how many problems the fix applied (None: a check). The summary then says
    # "Found N problems (F fixed, R remaining)." as ruff's does.
    fixed: int | None = None
    # What the fix loop would fix, when the caller counted it: the "[*] N fixable" line uses it
    # instead of counting marks, and says "(more after those)" when fixes open up further fixes.
    fix_count: int | None = None
    fix_more: bool = False


Writer = Callable[[Sequence["FileResult"], TextIO, FormatOptions], None]

# Format name -> module under dockerlint_django.formatters.
MODULES: dict[str, str] = {
    "text": "text",
    "json": "json_format",
    "sarif": "sarif",
    "github": "github",
    "gitlab": "gitlab",
    "junit": "junit",
    # The two forms of text; plain "text" is one or the other by where it goes (cli/_output.py).
    "full": "text",
    "concise": "text",
}

TEXT_FORMS = frozenset({"text", "full", "concise"})


# Not a module: picks one of the formats above from the environment (see ``resolve``).
AUTO = "auto"


def resolve(name: str, environ: Mapping[str, str] = os.environ) -> str:
    """The format ``name`` means: ``auto`` is ``github`` inside GitHub Actions, else ``text``."""
    if name != AUTO:
        return name
    # GitHub sets GITHUB_ACTIONS=true in every step it runs; "false" or empty is not Actions.
    return "github" if environ.get("GITHUB_ACTIONS") == "true" else "text"


def report_path(result: FileResult, root: Path | None) -> str:
    """A result's path relative to ``root`` (default: the working folder), with ``/`` separators.

    CI services resolve report paths against the repository checkout, not against the folder the
    linter happened to start in. A symlink is reported where it points when that is inside
    ``root``: GitHub shows nothing on a symlink's own path. A file outside ``root`` keeps the path
    the user gave.
    """
    if result.real_path is not None:
        target = result.real_path
    elif result.path != "-":
        target = Path(result.path)  # a missing file: no real path, but a name on the command line
    else:
        return result.path
    given = Path(os.path.abspath(target))
    base = Path(os.path.abspath(root if root is not None else os.getcwd()))
    resolved, real_base = given.resolve(), base.resolve()
    if resolved.is_relative_to(real_base):
        return resolved.relative_to(real_base).as_posix()
    if given.is_relative_to(base):
        return given.relative_to(base).as_posix()
    return result.path


def shown_end(f: Finding, source: SourceFile | None) -> Position:
    """Where a finding ends for a line-based viewer: a span that takes its line break along ends
    on that line, not at column 1 of the next, which it does not touch."""
    if f.end.column == 1 and f.end.line > f.start.line and source is not None:
        line = f.end.line - 1
        return type(f.end)(line, len(source.line_text(line)) + 1)
    return f.end


def writer(name: str) -> Writer:
    module = importlib.import_module(f"{__name__}.{MODULES[name]}")
    write: Writer = module.write
    if name in ("full", "concise"):
        full = name == "full"

        def write_form(results: Sequence[FileResult], out: TextIO, options: FormatOptions) -> None:
            write(results, out, replace(options, full=full))

        return write_form
    return write
