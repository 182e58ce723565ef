"""The dependency sets a project declares in ``pyproject.toml`` (and ``Pipfile``), read as TOML.

Installers put some sets in an image without being asked: ``uv sync`` adds the ``dev`` dependency
group (or the groups ``[tool.uv] default-groups`` names), ``poetry install`` every group that is
not ``optional``. Whether those sets hold anything is only in the project's files, read here as
text with ``tomllib``; nothing of the project is executed.

What uv reads (``docs/concepts/projects/dependencies.md``): PEP 735 ``[dependency-groups]``, with
the legacy ``[tool.uv] dev-dependencies`` merged into ``dev``; ``default-groups`` a list of names
or ``"all"``. What Poetry reads: ``[tool.poetry.group.<name>]`` (``dependencies``, ``optional``)
and the legacy ``[tool.poetry.dev-dependencies]`` as the ``dev`` group. Extras are
``[project.optional-dependencies]`` (and ``[tool.poetry.extras]``); when ``[project]`` lists them
as ``dynamic`` a build backend computes them, which is unknown. Names are normalised as PEP 503
and PEP 685 do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dockerlint_django._record import LazyPattern, record
from dockerlint_django.source import SourceFile

# No real pyproject.toml or Pipfile comes near this; a larger one is not read (unknown).
MAX_CHARS = 1_000_000

# The names projects give their development and test sets (groups and extras alike).
_DEV_NAME = LazyPattern(r"^(?:dev|devel|develop|development|test|tests|testing)$")


def normalize(name: str) -> str:
    """A group or extra name as uv, pip and Poetry compare them (PEP 503, PEP 685)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def is_dev_name(name: str) -> bool:
    """``dev``, ``test``, ``testing``, ``development``…: a set named for development."""
    return bool(_DEV_NAME.match(normalize(name)))


@record
class PoetryGroup:
    installs: bool  # it lists at least one dependency
    optional: bool  # installed only with `--with NAME`


@record
class Pyproject:
    """What installers take from one ``pyproject.toml``; ``error`` set when it cannot be read.

    ``groups``: PEP 735 groups (``tool.uv.dev-dependencies`` merged into ``dev``) and whether each
    installs anything, its ``include-group`` entries followed. ``uv_default_groups``: the groups
    ``uv sync`` adds by default, ``"all"``, or None when the setting is not valid (uv stops).
    ``extras``: extra name to "installs anything"; None when not knowable (no ``[project]``
    table, or extras computed by the build backend).
    """

    groups: Mapping[str, bool]
    uv_default_groups: tuple[str, ...] | str | None
    extras: Mapping[str, bool] | None
    poetry_groups: Mapping[str, PoetryGroup]
    poetry_extras: Mapping[str, bool]
    path: str = ""
    error: str | None = None


@record
class Pipfile:
    """What ``pipenv install --dev`` adds: whether ``[dev-packages]`` lists anything."""

    dev_packages: bool
    path: str = ""
    error: str | None = None


def _load(source: SourceFile) -> tuple[dict[str, Any] | None, str | None]:
    import tomllib  # only a run that reads a pyproject.toml or Pipfile pays for the parser

    text = source.text
    if len(text) > MAX_CHARS:
        return None, f"{source.path} is larger than {MAX_CHARS:,} characters"
    try:
        return tomllib.loads(text), None
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        return None, f"{source.path} is not valid TOML: {exc or 'nested too deeply'}"
    except ValueError:
        # Python refuses to convert an integer of more than 4,300 digits (CVE-2020-10735).
        return None, f"{source.path} holds an integer too long to read"


def _table(data: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    node: Any = data
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _groups(data: Mapping[str, Any]) -> dict[str, bool]:
    raw: dict[str, list[Any]] = {}
    for name, entries in _table(data, "dependency-groups").items():
        if isinstance(entries, list):
            raw.setdefault(normalize(name), []).extend(entries)
    legacy = _table(data, "tool", "uv").get("dev-dependencies")
    if isinstance(legacy, list):
        raw.setdefault("dev", []).extend(legacy)

    # A group installs something when it lists a package or includes a group that does: found
    # backwards from the groups that list packages, so that long include chains cost little.
    included_by: dict[str, list[str]] = {}
    installing: list[str] = []
    for name, entries in raw.items():
        for entry in entries:
            if isinstance(entry, str) and entry.strip():
                installing.append(name)
            elif isinstance(entry, dict) and isinstance(entry.get("include-group"), str):
                included_by.setdefault(normalize(entry["include-group"]), []).append(name)
    found = set(installing)
    while installing:
        for parent in included_by.get(installing.pop(), ()):
            if parent not in found:
                found.add(parent)
                installing.append(parent)
    return {name: name in found for name in raw}


def _uv_default_groups(data: Mapping[str, Any]) -> tuple[str, ...] | str | None:
    uv = _table(data, "tool", "uv")
    if "default-groups" not in uv:
        return ("dev",)
    value = uv["default-groups"]
    if value == "all":
        return "all"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(normalize(v) for v in value)
    return None


def _extras(data: Mapping[str, Any]) -> dict[str, bool] | None:
    project = data.get("project")
    if not isinstance(project, dict):
        return None
    dynamic = project.get("dynamic")
    if isinstance(dynamic, list) and "optional-dependencies" in dynamic:
        return None
    extras = project.get("optional-dependencies", {})
    if not isinstance(extras, dict):
        return None
    return {
        normalize(name): isinstance(deps, list) and any(isinstance(d, str) for d in deps)
        for name, deps in extras.items()
    }


def _poetry_groups(data: Mapping[str, Any]) -> dict[str, PoetryGroup]:
    poetry = _table(data, "tool", "poetry")
    out: dict[str, PoetryGroup] = {}
    legacy = poetry.get("dev-dependencies")
    if isinstance(legacy, dict):
        out["dev"] = PoetryGroup(bool(legacy), False)
    for name, group in _table(poetry, "group").items():
        if not isinstance(group, dict):
            continue
        deps = group.get("dependencies")
        key = normalize(name)
        installs = isinstance(deps, dict) and bool(deps)
        previous = out.get(key)
        out[key] = PoetryGroup(
            installs or (previous is not None and previous.installs),
            group.get("optional") is True,
        )
    return out


def _poetry_extras(data: Mapping[str, Any]) -> dict[str, bool]:
    extras = _table(data, "tool", "poetry", "extras")
    return {normalize(k): isinstance(v, list) and bool(v) for k, v in extras.items()}


def read_pyproject(source: SourceFile) -> Pyproject:
    data, error = _load(source)
    if data is None:
        return Pyproject({}, None, None, {}, {}, source.path, error)
    return Pyproject(
        _groups(data),
        _uv_default_groups(data),
        _extras(data),
        _poetry_groups(data),
        _poetry_extras(data),
        source.path,
    )


def read_pipfile(source: SourceFile) -> Pipfile:
    data, error = _load(source)
    if data is None:
        return Pipfile(False, source.path, error)
    return Pipfile(bool(_table(data, "dev-packages")), source.path)
