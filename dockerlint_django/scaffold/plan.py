"""What ``dockerlint-django init`` writes, worked out before anything is written.

A plan lists each file with its new text and what is there now, so that ``--dry-run`` can show a
diff and a second run can see that nothing changes. An existing file is kept unless ``force``;
the configuration goes where the project's configuration already is (an existing
``.dockerlint-django.yaml``, else ``[tool.dockerlint-django]`` in an existing ``pyproject.toml``,
else a new ``.dockerlint-django.yaml``), so that ``init`` never writes a second configuration
that would silently shadow the first.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from dockerlint_django._record import record
from dockerlint_django.config import CONFIG_FILES
from dockerlint_django.scaffold.facts import ProjectFacts, read_facts
from dockerlint_django.scaffold.handbook import files
from dockerlint_django.source import read_bounded

Action = Literal["create", "overwrite", "keep", "unchanged", "append"]

CONFIG_YAML = """\
# dockerlint-django configuration. Every key is optional; see `dockerlint-django rule --all`.
profile: generic          # or "ocp" for the Open Contracting Partnership house conventions
# select: [DJ]            # replace the default rule set (codes, prefixes, or names)
# extend-select: [DJ040]  # add rules that are off by default
# ignore: [DJ106]
# severity:
#   DJ108: warning
# per-file-ignores:
#   "docker/Dockerfile.dev": [DJ030]
# rules:
#   DJ030: {}
# fail-on: info           # lowest severity that makes `check` exit 1
"""

CONFIG_TOML = """\

[tool.dockerlint-django]
# Every key is optional; see `dockerlint-django rule --all`.
profile = "generic"  # or "ocp" for the Open Contracting Partnership house conventions
# ignore = ["DJ106"]
# fail-on = "info"  # lowest severity that makes `check` exit 1
"""

_OUR_TABLE = re.compile(
    r'^\s*\[\s*tool\s*\.\s*(?:"dockerlint-django"|dockerlint-django)\s*[\].]', re.M
)


@record
class Planned:
    path: Path
    text: str  # the whole file as it will be
    old: str | None  # the file as it is, None when absent
    action: Action
    source: str


@record
class InitPlan:
    facts: ProjectFacts
    files: tuple[Planned, ...]

    @property
    def changes(self) -> tuple[Planned, ...]:
        return tuple(p for p in self.files if p.action in ("create", "overwrite", "append"))

    @property
    def kept(self) -> tuple[Planned, ...]:
        return tuple(p for p in self.files if p.action == "keep")


class InitError(Exception):
    """A file ``init`` would write over or append to cannot be read: one line naming it."""


def _read(path: Path) -> str | None:
    """The file as it is, None when absent. Bytes that are not UTF-8 are replaced: the text is
    only compared with what ``init`` would write and shown in a diff, never written back."""
    try:
        return read_bounded(path).decode("utf-8", "replace")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InitError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _file(path: Path, text: str, source: str, force: bool) -> Planned:
    old = _read(path)
    if old is None:
        action: Action = "create"
    elif old == text:
        action = "unchanged"
    else:
        action = "overwrite" if force else "keep"
    return Planned(path, text, old, action, source)


def _config(root: Path) -> Planned:
    for name in CONFIG_FILES:
        existing = root / name
        old = _read(existing)
        if old is not None:
            return Planned(existing, old, old, "unchanged", "the project's configuration")
    pyproject = root / "pyproject.toml"
    old = _read(pyproject)
    if old is not None:
        if _OUR_TABLE.search(old):
            return Planned(pyproject, old, old, "unchanged", "the project's configuration")
        sep = "" if not old or old.endswith("\n") else "\n"
        return Planned(
            pyproject, old + sep + CONFIG_TOML, old, "append", "[tool.dockerlint-django]"
        )
    path = root / CONFIG_FILES[0]
    return Planned(path, CONFIG_YAML, None, "create", "configuration")


def plan_init(
    root: Path,
    *,
    project_module: str | None = None,
    python: str | None = None,
    force: bool = False,
) -> InitPlan:
    facts = read_facts(root, project_module=project_module, python=python)
    planned = [_file(root / w.name, w.text, w.source, force) for w in files(facts)]
    planned.append(_config(root))
    return InitPlan(facts, tuple(planned))
