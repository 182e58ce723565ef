"""Which files to lint: explicit files as given, folders searched for Dockerfiles.

Folder search honours ``.gitignore`` files (each applies below its own folder, as git does), skips
``.git``, and honours the configuration's ``exclude`` globs. A file named explicitly is always
linted.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec


DOCKERFILE_GLOBS = ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "Dockerfile_*", "Containerfile")
_SKIP_DIRS = frozenset({".git", ".hg", ".svn"})


def is_dockerfile_name(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, g) for g in DOCKERFILE_GLOBS)


def display_path(path: Path) -> str:
    """Relative to the working directory when under it, with ``/`` separators."""
    # Not resolved: a symlink is reported under the name it was given, which is also the name
    # per-file-ignores patterns are written against.
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path(os.path.abspath(Path.cwd()))).as_posix()
    except ValueError:
        return path.as_posix()


def _load_ignore(directory: Path) -> pathspec.GitIgnoreSpec | None:
    path = directory / ".gitignore"
    if not path.is_file():
        return None
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    import pathspec  # only when a folder is searched: start-up time matters in hooks

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _ignored(
    path: Path, is_dir: bool, specs: Sequence[tuple[Path, pathspec.GitIgnoreSpec]]
) -> bool:
    # As in git, the deepest .gitignore with a matching pattern decides, so that a nested
    # `!pattern` re-includes what a parent folder's .gitignore excluded.
    for base, spec in reversed(specs):
        rel = path.relative_to(base).as_posix()
        if is_dir:
            rel += "/"
        verdict = spec.check_file(rel).include
        if verdict is not None:
            return verdict
    return False


def _excluded(shown: Path, real: Path, exclude: Sequence[str], root: Path | None) -> bool:
    candidates = {shown.as_posix(), shown.name}
    if root is not None and real.is_relative_to(root):
        # Globs are written relative to the configuration file, wherever the run starts.
        candidates.add(real.relative_to(root).as_posix())
    return any(fnmatch.fnmatchcase(c, g) for c in candidates for g in exclude)


ExcludeFor = Callable[[Path], tuple[Sequence[str], Path | None]]


def find_files(
    paths: Sequence[Path],
    exclude: Sequence[str] = (),
    root: Path | None = None,
    exclude_for: ExcludeFor | None = None,
) -> Iterator[Path]:
    """Files to lint, each once, in a stable order.

    ``exclude`` globs are relative to ``root``; ``exclude_for``, when given, instead maps each
    folder (resolved) to the globs and root of the configuration that applies inside it.
    """
    seen: set[Path] = set()
    real_root = root.resolve() if root is not None else None
    excludes = exclude_for or (lambda _directory: (exclude, real_root))
    for top in paths:
        if top.is_dir():
            for found in _walk(top, excludes):
                key = found.resolve()
                if key not in seen:
                    seen.add(key)
                    yield found
        else:
            key = top.resolve() if top.exists() else top
            if key not in seen:
                seen.add(key)
                yield top


def _walk(root: Path, excludes: ExcludeFor) -> Iterator[Path]:
    specs: list[tuple[Path, pathspec.GitIgnoreSpec]] = []
    # .gitignore files above the starting folder apply too, up to the repository root.
    parent = root.resolve()
    ancestors: list[Path] = []
    while True:
        ancestors.append(parent)
        if (parent / ".git").exists() or parent.parent == parent:
            break
        parent = parent.parent
    for directory in reversed(ancestors[1:]):
        spec = _load_ignore(directory)
        if spec is not None:
            specs.append((directory, spec))
    yield from _walk_dir(root, root.resolve(), specs, excludes)


def _walk_dir(
    shown: Path,
    real: Path,
    specs: list[tuple[Path, pathspec.GitIgnoreSpec]],
    excludes: ExcludeFor,
) -> Iterator[Path]:
    spec = _load_ignore(real)
    local = [*specs, (real, spec)] if spec is not None else specs
    try:
        entries = sorted(os.scandir(real), key=lambda e: e.name)
    except OSError:
        return
    exclude, exclude_root = excludes(real)
    for entry in entries:
        child_real = real / entry.name
        child_shown = shown / entry.name
        is_dir = entry.is_dir(follow_symlinks=False)
        if is_dir and entry.name in _SKIP_DIRS:
            continue
        if _ignored(child_real, is_dir, local) or _excluded(
            child_shown, child_real, exclude, exclude_root
        ):
            continue
        if is_dir:
            yield from _walk_dir(child_shown, child_real, local, excludes)
        elif entry.is_file() and is_dockerfile_name(entry.name):
            yield child_shown
