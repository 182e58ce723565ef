"""Which files set up development rather than production, by their name or folder.

A Compose override file, `docker-compose.dev.yml`, `Dockerfile.local`, `.devcontainer/` or
`docker/test/` describe a developer's machine or a CI job, where `runserver`, `DEBUG=1` or a
literal password are normal. Production-only rules report there at ``info``, and say why.

A path is a development one when one of its parts (the file name split at ``.``, ``-`` and ``_``,
or a folder name) is one of ``DEVELOPMENT_WORDS`` (a caller may pass its own list), or the file
is a Compose override file. Paths are relative to the project, so that the folder a repository
happens to be checked out in never counts.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import PurePosixPath

from dockerlint_django._record import LazyPattern

DEVELOPMENT_WORDS: tuple[str, ...] = (
    "dev",
    "develop",
    "development",
    "local",
    "test",
    "tests",
    "testing",
    "ci",
    "e2e",
    "devcontainer",
    "override",
    "debug",
    # Open edX's names for its development images and stages (`devstack`, `legacy_devapp`).
    "devstack",
    "devapp",
)
_SPLIT = LazyPattern(r"[.\-_]+")


def development_reason(path: str, words: Collection[str] = DEVELOPMENT_WORDS) -> str | None:
    """Why ``path`` is a development file, or None for a production one."""
    parts = PurePosixPath(path.replace("\\", "/")).parts
    if not parts:
        return None
    wanted = {w.lower() for w in words}
    name = parts[-1]
    for folder in parts[:-1]:
        if _SPLIT.sub("", folder.lower()) in wanted or any(
            piece in wanted for piece in _SPLIT.split(folder.lower()) if piece
        ):
            return f"{folder}/ is a development folder"
    for piece in _SPLIT.split(name.lower()):
        if piece in wanted:
            if piece == "override":
                return f"{name} is a Compose override file (local settings)"
            return f"{name} is named as a development file ({piece!r})"
    return None
