"""The build context as the engine sees it: which files exist, asked before any rule runs.

Rules never read files. When a question about the model depends on a file in the build context
(does ``COPY . .`` bring a ``gunicorn.conf.py`` that Gunicorn will load on its own?), the engine
answers it through this object. Without a real folder (standard input, tests) every answer is
None: unknown, and unknown never produces a finding.

The context is what the builder receives: the folder less what the ignore file excludes. BuildKit
takes ``<Dockerfile>.dockerignore`` next to the Dockerfile when there is one, else the context's
``.dockerignore``, and reads its patterns as ``moby/patternmatcher`` does (``**`` for any number of
folders, ``!`` to take a path back, a folder excluded with everything in it). A COPY source with
wildcards is matched as ``tonistiigi/fsutil``'s ``ResolveWildcards`` does: the segments before
the first one with a wildcard name a folder, the rest is matched against paths under it with Go's
``filepath.Match`` (``*`` and ``?`` stop at ``/``), and a matched folder is taken whole.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from dockerlint_django.source import (
    MAX_FILE_BYTES,
    NotRegularFile,
    SourceError,
    SourceFile,
    read_bounded,
)

_UNSET = object()
# A context this large is not walked for a wildcard COPY: its matches are unknown.
_MAX_WALK = 50_000
_IGNORE_FILE_BYTES = 1024 * 1024


class BuildContext:
    def __init__(
        self, root: Path | None, dockerfile: Path | None = None, max_bytes: int = MAX_FILE_BYTES
    ) -> None:
        self.root = root
        self.max_bytes = max_bytes
        # Files a check asked for that were not read, with why (too large, a FIFO): what they
        # would tell is unknown, and the engine says so (DJ903).
        self.skipped: dict[str, str] = {}
        # The Dockerfile decides which ignore file applies (`Dockerfile.dockerignore` next to it).
        self.dockerfile = dockerfile
        self._cache: dict[str, bool | None] = {}
        self._globs: dict[tuple[str, bool], list[str] | None] = {}
        self._ignore: _IgnoreRules | None = None
        # The ignore file that applies, once read; None when there is none.
        self._ignore_path: Path | None = None
        self._ignore_loaded = False
        self._ignore_unknown = False
        self._repository: object = _UNSET

    # -- the ignore file ------------------------------------------------------------------

    def _rules(self) -> _IgnoreRules | None:
        """The ignore file's patterns; None when there are none. Sets ``_ignore_unknown`` when
        the file cannot be read or holds a pattern the builder would reject."""
        if self._ignore_loaded:
            return self._ignore
        self._ignore_loaded = True
        assert self.root is not None
        candidates: list[Path] = []
        if self.dockerfile is not None:
            candidates.append(self.dockerfile.with_name(self.dockerfile.name + ".dockerignore"))
        else:
            try:
                own = any(
                    name.endswith(".dockerignore") and name != ".dockerignore"
                    for name in os.listdir(self.root)
                )
            except OSError:
                own = True
            if own:
                # `web.Dockerfile.dockerignore` would replace .dockerignore for that Dockerfile,
                # and which Dockerfile this is was not said.
                self._ignore_unknown = True
                return None
        candidates.append(self.root / ".dockerignore")
        for path in candidates:
            try:
                data = read_bounded(path, _IGNORE_FILE_BYTES)
            except FileNotFoundError:
                continue
            except OSError:
                self._ignore_unknown = True
                return None
            self._ignore_path = path
            rules = _IgnoreRules.parse(data.decode("utf-8", "surrogateescape"))
            if rules is None:
                self._ignore_unknown = True
            elif rules.patterns:
                self._ignore = rules
            return self._ignore
        return None

    def _excluded(self, norm: str) -> bool | None:
        """Whether the ignore file leaves ``norm`` (a normalised context path) out."""
        if norm == ".":
            return False
        rules = self._rules()
        if self._ignore_unknown:
            return None
        return rules is not None and rules.excludes(norm)

    def _norm(self, relative: str) -> str | None:
        if self.root is None:
            return None
        norm = posixpath.normpath(relative.lstrip("/")) if relative not in ("", ".") else "."
        if norm.startswith(".."):
            return None
        return norm

    # -- the repository the context is the root of ----------------------------------------

    def repository_files(self) -> list[tuple[str, str]] | None:
        """When the context's folder is a Git repository's root (it holds ``.git``): the regular
        files directly in it that the repository's ``.gitignore`` and ``.git/info/exclude`` do
        not ignore, as ``(name, name to report it by)``, sorted. None otherwise, or when unknown.

        Git is never run: a file that is not ignored may be tracked, or be about to be. A global
        ignore file (``core.excludesFile``) is not known here.
        """
        if self.root is None:
            return None
        if self._repository is not _UNSET:
            return self._repository  # type: ignore[return-value]
        self._repository = found = self._repository_files()
        return found

    def _repository_files(self) -> list[tuple[str, str]] | None:
        assert self.root is not None
        git = self.root / ".git"
        if not (git.is_dir() or git.is_file()):
            return None
        try:
            names = sorted(
                e.name for e in os.scandir(self.root) if e.is_file(follow_symlinks=False)
            )
        except OSError:
            return None
        lines: list[str] = []
        for ignore in (self.root / ".gitignore", git / "info" / "exclude"):
            try:
                data = read_bounded(ignore, _IGNORE_FILE_BYTES)
            except FileNotFoundError:
                continue
            except OSError:
                if ignore.exists():
                    return None  # a file that says what is ignored, and cannot be read
                continue
            lines.extend(data.decode("utf-8", "replace").splitlines())
        import pathspec

        from dockerlint_django.discover import display_path

        spec = pathspec.GitIgnoreSpec.from_lines(lines)
        return [(n, display_path(self.root / n)) for n in names if not spec.match_file(n)]

    # -- questions ------------------------------------------------------------------------

    def ignore_file(self) -> str | None:
        """The name of the ignore file that applies (``.dockerignore``,
        ``Dockerfile.dockerignore``); None when there is none, or it is not known."""
        if self.root is None:
            return None
        self._rules()
        if self._ignore_unknown or self._ignore_path is None:
            return None
        return self._ignore_path.name

    def has_ignore_file(self) -> bool | None:
        """Whether an ignore file applies to this context (even an empty one); None when
        unknown (no context, or one that cannot be told)."""
        if self.root is None:
            return None
        self._rules()
        if self._ignore_unknown:
            return None
        return self._ignore_path is not None

    def ignored(self, relative: str) -> bool | None:
        """Whether ``relative`` is in the folder but the ignore file keeps it out of the
        context: True only for a path on disk that the builder does not receive (a folder none
        of whose contents a ``!`` pattern takes back). None when unknown, or not on disk."""
        norm = self._norm(relative)
        if norm is None or norm == ".":
            return None
        assert self.root is not None
        path = self.root / norm
        if not (path.exists() or path.is_symlink()):
            return None
        excluded = self._excluded(norm)
        if not excluded:
            return excluded
        present = self.exists(norm)
        return None if present is None else not present

    def exists(self, relative: str) -> bool | None:
        """Whether ``relative`` (a context path, ``/`` separators) is a file or folder there."""
        norm = self._norm(relative)
        if norm is None:
            return None
        if norm not in self._cache:
            self._cache[norm] = self._exists(norm)
        return self._cache[norm]

    def _exists(self, norm: str) -> bool | None:
        assert self.root is not None
        path = self.root / norm
        if not path.exists():
            return False
        excluded = self._excluded(norm)
        if excluded is None:
            return None
        if not excluded:
            # A parent left out of the context takes the path with it, unless a `!` pattern
            # brings this path back; `excludes` checks the parents too.
            return True
        rules = self._ignore
        if rules is None or not rules.has_exceptions or not path.is_dir():
            return False
        # An excluded folder is still sent when a `!` pattern takes back something inside it.
        seen = 0
        for folder, dirs, files in os.walk(path):
            rel_folder = posixpath.relpath(Path(folder).as_posix(), self.root.as_posix())
            for name in (*dirs, *files):
                seen += 1
                if seen > _MAX_WALK:
                    return None
                if not rules.excludes(posixpath.join(rel_folder, name)):
                    return True
        return False

    def list_dir(self, relative: str) -> list[str] | None:
        """Names in a folder of the context, sorted; None when unknown or not a folder."""
        norm = self._norm(relative)
        if norm is None:
            return None
        assert self.root is not None
        try:
            names = sorted(p.name for p in (self.root / norm).iterdir())
        except OSError:
            return None
        out = []
        for name in names:
            present = self.exists(name if norm == "." else posixpath.join(norm, name))
            if present is None:
                return None
            if present:
                out.append(name)
        return out

    def real_path(self, relative: str) -> Path | None:
        """The file a context path names on disk; None without a context or outside it."""
        norm = self._norm(relative)
        if norm is None:
            return None
        assert self.root is not None
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
            return SourceFile.from_bytes(name, read_bounded(path, self.max_bytes))
        except NotRegularFile as exc:
            self.skipped.setdefault(name, str(exc))
            return None
        except (OSError, SourceError):
            return None

    def glob(self, pattern: str, *, on_disk: bool = False) -> list[str] | None:
        """The context paths a COPY/ADD source with wildcards copies, in the builder's order.

        ``on_disk``: what it would match in the folder if the ignore file left everything in.

        None when unknown: no context, a pattern Go's ``filepath.Match`` rejects, a folder before
        the wildcard that is not there (the build stops), or a context too large to walk. An empty
        list is a pattern that matches nothing, which BuildKit accepts.
        """
        if self.root is None:
            return None
        key = (pattern, on_disk)
        if key not in self._globs:
            self._globs[key] = self._glob(pattern, on_disk)
        cached = self._globs[key]
        return None if cached is None else list(cached)

    def _glob(self, pattern: str, on_disk: bool = False) -> list[str] | None:
        assert self.root is not None

        def present_at(path: str) -> bool | None:
            assert self.root is not None
            if on_disk:
                full = self.root / path
                return full.exists() or full.is_symlink()
            return self.exists(path)

        parts = [p for p in posixpath.normpath("/" + pattern).split("/") if p]
        first = next((i for i, p in enumerate(parts) if _has_wildcards(p)), None)
        if first is None:
            return None  # not a pattern: the caller asks `exists`
        base = "/".join(parts[:first]) or "."
        rest = parts[first:]
        if "\\" in base or base.startswith(".."):
            return None
        matcher = _go_match(posixpath.join(*rest))
        if matcher is None or present_at(base) is not True or not (self.root / base).is_dir():
            return None
        # `*` and `?` never match `/`, so deeper paths cannot match unless a class might.
        depth = None if any("[" in p for p in rest) else len(rest)
        out: list[str] = []
        budget = [_MAX_WALK]

        def walk(folder: str, rel: str, level: int) -> bool:
            assert self.root is not None
            try:
                names = sorted(os.listdir(self.root / folder))
            except OSError:
                return False
            for name in names:
                budget[0] -= 1
                if budget[0] < 0:
                    return False
                path = name if folder == "." else f"{folder}/{name}"
                under = name if not rel else f"{rel}/{name}"
                present = present_at(path)
                if present is None:
                    return False
                if not present:
                    continue
                if matcher.fullmatch(under):
                    out.append(path)
                    continue  # a matched folder is copied whole
                full = self.root / path
                deeper = (depth is None or level < depth) and full.is_dir()
                if deeper and not full.is_symlink() and not walk(path, under, level + 1):
                    return False
            return True

        if not walk(base, "", 1):
            return None
        return out


UNKNOWN_CONTEXT = BuildContext(None)


def has_wildcards(source: str) -> bool:
    """A COPY/ADD source the builder matches as a pattern (``*``, ``?``, ``[``, not escaped)."""
    return _has_wildcards(source)


def _has_wildcards(name: str) -> bool:
    i = 0
    while i < len(name):
        ch = name[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "*?[":
            return True
        i += 1
    return False


def _go_match(pattern: str) -> re.Pattern[str] | None:
    """Go's ``path/filepath.Match`` as a regular expression; None for a pattern it rejects
    (``ErrBadPattern``: an unterminated class, a trailing ``\\``, ``[]``, ``[-a]``)."""
    out: list[str] = []
    i, n = 0, len(pattern)

    def escaped(j: int) -> tuple[str, int] | None:
        # One class character: `\c` or `c`, never an unescaped `-` or `]`.
        if j >= n or pattern[j] in "-]":
            return None
        if pattern[j] == "\\":
            j += 1
            if j >= n:
                return None
        if j + 1 >= n:
            return None  # the class is not closed
        return pattern[j], j + 1

    while i < n:
        ch = pattern[i]
        if ch == "*":
            out.append("[^/]*")
            i += 1
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "\\":
            if i + 1 >= n:
                return None
            out.append(re.escape(pattern[i + 1]))
            i += 2
        elif ch == "[":
            i += 1
            negated = i < n and pattern[i] == "^"
            if negated:
                i += 1
            ranges: list[tuple[str, str]] = []
            while True:
                if i < n and pattern[i] == "]" and ranges:
                    i += 1
                    break
                lo = escaped(i)
                if lo is None:
                    return None
                low, i = lo
                high = low
                if i < n and pattern[i] == "-":
                    hi = escaped(i + 1)
                    if hi is None:
                        return None
                    high, i = hi
                ranges.append((low, high))
            parts = [f"{re.escape(a)}-{re.escape(b)}" for a, b in ranges if a <= b]
            if not parts:
                out.append(r"[\s\S]" if negated else "(?!)")
            else:
                out.append("[" + ("^" if negated else "") + "".join(parts) + "]")
        else:
            out.append(re.escape(ch))
            i += 1
    return re.compile("".join(out), re.DOTALL)


class _Pattern:
    """One ``.dockerignore`` pattern, compiled as ``patternmatcher.Pattern.compile`` does."""

    def __init__(self, text: str, exclusion: bool) -> None:
        self.exclusion = exclusion
        self.text = text
        self.regex: re.Pattern[str] | None = None
        kind = "exact"
        regex = "^"
        pos, n = 0, len(text)
        step = 0  # Go counts the scanner's outer reads: `**` at step 0 is a suffix match
        while pos < n:
            ch = text[pos]
            pos += 1
            if ch == "*":
                if pos < n and text[pos] == "*":
                    pos += 1
                    if pos < n and text[pos] == "/":
                        pos += 1  # `**/` is `**`
                    if pos >= n:
                        # A trailing `**` takes everything under it, as in .gitignore.
                        if kind == "exact":
                            kind = "prefix"
                        else:
                            regex += ".*"
                            kind = "regexp"
                    else:
                        regex += "(.*/)?"
                        kind = "regexp"
                    if step == 0:
                        kind = "suffix"
                else:
                    regex += "[^/]*"
                    kind = "regexp"
            elif ch == "?":
                regex += "[^/]"
                kind = "regexp"
            elif ch in ".+()|{}$":
                regex += "\\" + ch
            elif ch == "\\":
                if pos < n:
                    regex += "\\" + text[pos]
                    pos += 1
                    kind = "regexp"
                else:
                    regex += "\\"
            elif ch in "[]":
                regex += ch
                kind = "regexp"
            else:
                regex += ch
            step += 1
        self.kind = kind
        if kind == "regexp":
            self.regex = re.compile(regex + r"\Z")

    def match(self, path: str) -> bool:
        if self.kind == "exact":
            return path == self.text
        if self.kind == "prefix":
            return path.startswith(self.text[:-2])
        if self.kind == "suffix":
            suffix = self.text[2:]
            if path.endswith(suffix):
                return True
            return suffix.startswith("/") and path == suffix[1:]  # `**/foo` matches `foo`
        assert self.regex is not None
        return self.regex.match(path) is not None


def _go_clean(path: str) -> str:
    """Go's ``filepath.Clean`` (POSIX ``normpath`` keeps a leading ``//``; Go does not)."""
    clean = posixpath.normpath(path)
    return "/" + clean.lstrip("/") if clean.startswith("//") else clean


class _IgnoreRules:
    def __init__(self, patterns: list[_Pattern]) -> None:
        self.patterns = patterns
        self.has_exceptions = any(p.exclusion for p in patterns)

    @classmethod
    def parse(cls, text: str) -> _IgnoreRules | None:
        """``ignorefile.ReadAll`` then ``patternmatcher.New``; None for a file the builder
        rejects (a lone ``!``, a pattern ``filepath.Match`` calls bad)."""
        patterns: list[_Pattern] = []
        for number, raw in enumerate(text.split("\n")):
            line = raw.removesuffix("\r")
            if number == 0:
                line = line.removeprefix("\ufeff")
            if line.startswith("#"):
                continue  # a comment only in the first column: ` # x` is a pattern
            line = line.strip()
            if not line:
                continue
            invert = line.startswith("!")
            if invert:
                line = line[1:].strip()
            if line:
                line = _go_clean(line)
                if len(line) > 1 and line.startswith("/"):
                    line = line[1:]
            if invert and not line:
                return None  # "illegal exclusion pattern"
            if not line:
                continue
            if _go_match(line) is None:
                return None
            try:
                patterns.append(_Pattern(line, invert))
            except re.error:
                return None
        return cls(patterns)

    def excludes(self, path: str) -> bool:
        """``MatchesOrParentMatches``: the patterns in order, each tried on the path and on each
        of its parent folders; a match excludes, a matching ``!`` pattern takes it back."""
        parent = posixpath.dirname(path)
        parents = parent.split("/") if parent else []
        matched = False
        for pattern in self.patterns:
            if pattern.exclusion != matched:
                continue
            hit = pattern.match(path)
            if not hit and parents:
                hit = any(pattern.match("/".join(parents[: i + 1])) for i in range(len(parents)))
            if hit:
                matched = not pattern.exclusion
        return matched
