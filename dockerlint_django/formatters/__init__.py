"""Output formats, one module each, behind one table.

Each module exposes ``write(results, out, options)``. Modules load on first use: a pre-commit run
that prints text should not pay for importing the SARIF object model.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from dockerlint_django._record import field, record

if TYPE_CHECKING:
    from dockerlint_django.engine import FileResult


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


Writer = Callable[[Sequence["FileResult"], TextIO, FormatOptions], None]

# Format name -> module under dockerlint_django.formatters.
MODULES: dict[str, str] = {
    "text": "text",
    "json": "json_format",
    "sarif": "sarif",
    "github": "github",
    "gitlab": "gitlab",
    "junit": "junit",
}


def writer(name: str) -> Writer:
    module = importlib.import_module(f"{__name__}.{MODULES[name]}")
    write: Writer = module.write
    return write
