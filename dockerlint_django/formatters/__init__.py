"""Output formats, one module each, behind one table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TextIO

from dockerlint_django.engine import FileResult
from dockerlint_django.formatters import json_format, text

Writer = Callable[[Sequence[FileResult], TextIO, "FormatOptions"], None]


class FormatOptions:
    def __init__(
        self,
        color: bool = False,
        statistics: bool = False,
        quiet: bool = False,
        show_fixes: bool = True,
        unsafe_fixes: bool = False,
    ) -> None:
        self.color = color
        self.statistics = statistics
        self.quiet = quiet
        self.show_fixes = show_fixes
        self.unsafe_fixes = unsafe_fixes


FORMATTERS: dict[str, Writer] = {
    "text": text.write,
    "json": json_format.write,
}
