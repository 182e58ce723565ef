"""The build context as the engine sees it: which files exist, asked before any rule runs.

Rules never read files. When a question about the model depends on a file in the build context
(does ``COPY . .`` bring a ``gunicorn.conf.py`` that Gunicorn will load on its own?), the engine
answers it through this object. Without a real folder (standard input, tests) every answer is
None: unknown, and unknown never produces a finding.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from dockerlint_django.source import SourceError, SourceFile


class BuildContext:
    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._cache: dict[str, bool] = {}

    def exists(self, relative: str) -> bool | None:
        """Whether ``relative`` (a context path, ``/`` separators) is a file or folder there."""
        if self.root is None:
            return None
        norm = posixpath.normpath(relative.lstrip("/")) if relative not in ("", ".") else "."
        if norm.startswith(".."):
            return None
        if norm not in self._cache:
            self._cache[norm] = (self.root / norm).exists()
        return self._cache[norm]

    def list_dir(self, relative: str) -> list[str] | None:
        """Names in a folder of the context, sorted; None when unknown or not a folder."""
        if self.root is None:
            return None
        norm = posixpath.normpath(relative.lstrip("/")) if relative not in ("", ".") else "."
        if norm.startswith(".."):
            return None
        try:
            return sorted(p.name for p in (self.root / norm).iterdir())
        except OSError:
            return None

    def real_path(self, relative: str) -> Path | None:
        """The file a context path names on disk; None without a context or outside it."""
        if self.root is None:
            return None
        norm = posixpath.normpath(relative.lstrip("/")) if relative not in ("", ".") else "."
        if norm.startswith(".."):
            return None
        return self.root / norm

    def read(self, relative: str) -> SourceFile | None:
        """A text file of the context; None when absent, unreadable or not UTF-8."""
        if self.exists(relative) is not True:
            return None
        assert self.root is not None
        name = posixpath.normpath(relative.lstrip("/"))
        path = self.root / name
        try:
            # Named by its context path, so that what it includes (`-r base.txt`) resolves there.
            return SourceFile.from_bytes(name, path.read_bytes())
        except (OSError, SourceError):
            return None


UNKNOWN_CONTEXT = BuildContext(None)
