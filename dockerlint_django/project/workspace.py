"""Every file one check reads, laid end to end in one offset space.

Rules speak in spans (``Span(start, end)``), and a span used to mean "of the Dockerfile". Once an
image's start command runs an entrypoint script, or a Compose file overrides it, the words a rule
judges come from several files. Rather than teach every rule and every word a second coordinate,
each file gets its own range of offsets: the primary file (the one being linted) at 0, each other
file after the previous one, with a gap so that an empty span at a file's end stays in that file.
A span then says by itself which file it is in, rule code stays as it is, and the engine turns
spans back into (file, line, column) when it reports.
"""

from __future__ import annotations

import bisect

from dockerlint_django.source import Mapped, SourceFile, Span


class Workspace:
    def __init__(self, primary: SourceFile) -> None:
        self._files: list[SourceFile] = [primary]
        self._bases: list[int] = [0]
        self._by_key: dict[tuple[str, str], int] = {(primary.path, primary.text): 0}

    @property
    def primary(self) -> SourceFile:
        return self._files[0]

    def add(self, source: SourceFile) -> int:
        """The base offset of ``source``, adding it when it is new (same path and text: same)."""
        key = (source.path, source.text)
        found = self._by_key.get(key)
        if found is not None:
            return self._bases[found]
        last = self._files[-1]
        base = self._bases[-1] + len(last.text) + 1
        self._files.append(source)
        self._bases.append(base)
        self._by_key[key] = len(self._files) - 1
        return base

    def mapped(self, source: SourceFile) -> Mapped:
        """The whole text of ``source`` as a Mapped string in workspace offsets."""
        return Mapped.from_source(source.text, self.add(source))

    def locate(self, span: Span) -> tuple[SourceFile, Span]:
        """The file a workspace span lies in, and the span in that file's own offsets."""
        i = bisect.bisect_right(self._bases, span.start) - 1
        source, base = self._files[i], self._bases[i]
        end = min(span.end - base, len(source.text))
        start = min(span.start - base, end)
        return source, Span(start, end)

    def base_of(self, source: SourceFile) -> int | None:
        found = self._by_key.get((source.path, source.text))
        return None if found is None else self._bases[found]

    def to_workspace(self, source: SourceFile, span: Span) -> Span:
        """A span of ``source``'s own text as a workspace span (the file is added if new)."""
        base = self.add(source)
        return Span(span.start + base, span.end + base)

    @property
    def files(self) -> tuple[SourceFile, ...]:
        return tuple(self._files)
