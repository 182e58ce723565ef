"""What ``init`` needs to know about a Django project, read from its files without running them.

Each fact carries where it came from (``source``), so that ``init`` can say which values it found
and which are the handbook's defaults. Nothing here imports or executes the project: ``manage.py``
and the settings are read as ASTs by the same readers the rules use, the other files as text.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from dockerlint_django._record import record
from dockerlint_django.project.context import BuildContext
from dockerlint_django.readers.django_settings import load_settings, uses_manifest_storage
from dockerlint_django.source import read_bounded

# The handbook's cookiecutter template: `core` is its project module, 3.11 its Python default.
DEFAULT_PROJECT_MODULE = "core"
DEFAULT_PYTHON = "3.11"

Installer = Literal["pip", "uv", "poetry"]

_VERSION = re.compile(r"(?:python-?)?(3\.\d{1,2})(?:\.\d+)*\s*$")
_REQUIRES = re.compile(r"(>=|~=|==|>)\s*(3\.\d{1,2})")
# Folders a project's own `locale/` is never in.
_SKIPPED = frozenset({".git", ".venv", "venv", "node_modules", "site-packages", "__pycache__"})
_MAX_DEPTH = 6


@record
class Fact:
    """A value and where it came from (a file, or ``"default"`` / ``"option"``)."""

    value: str
    source: str


@record
class ProjectFacts:
    root: Path
    project_module: Fact  # the package holding the settings and wsgi modules
    settings_module: Fact
    wsgi_module: Fact  # `core.wsgi`, what Gunicorn is given
    python: Fact  # major.minor
    installer: Installer
    installer_source: str
    requirements: str | None  # the requirements file pip installs, when pip
    manifest_storage: bool | None  # None: the settings could not tell
    locale: bool
    static_root: str | None  # STATIC_ROOT in the image (project at WORKDIR /workdir), when known
    notes: tuple[str, ...] = ()


def _python_version(root: Path) -> Fact | None:
    for name in (".python-version", "runtime.txt"):
        text = _read_text(root / name)
        if text is None:
            continue
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            found = _VERSION.match(line)
            if found:
                return Fact(found.group(1), name)
            break
    pyproject = _pyproject(root)
    if pyproject is not None:
        project = pyproject.get("project")
        requires = project.get("requires-python") if isinstance(project, dict) else None
        if not isinstance(requires, str):
            tool = pyproject.get("tool")
            poetry = tool.get("poetry") if isinstance(tool, dict) else None
            deps = poetry.get("dependencies") if isinstance(poetry, dict) else None
            requires = deps.get("python") if isinstance(deps, dict) else None
            if isinstance(requires, str):
                requires = requires.replace("^", ">=")
        if isinstance(requires, str):
            found = _REQUIRES.search(requires)
            if found:
                return Fact(found.group(2), "pyproject.toml")
    return None


def _read_text(path: Path, limit: int = 1 << 20) -> str | None:
    try:
        return read_bounded(path, limit).decode("utf-8", "replace")
    except OSError:  # absent, a folder, a FIFO, too large: the fact is not found there
        return None


def _pyproject(root: Path) -> dict[str, object] | None:
    text = _read_text(root / "pyproject.toml")
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return None


def _installer(root: Path) -> tuple[Installer, str, str | None]:
    if (root / "uv.lock").is_file():
        return "uv", "uv.lock", None
    if (root / "poetry.lock").is_file():
        return "poetry", "poetry.lock", None
    if (root / "requirements.txt").is_file():
        return "pip", "requirements.txt", "requirements.txt"
    for name in ("requirements/production.txt", "requirements/base.txt", "requirements/prod.txt"):
        if (root / name).is_file():
            return "pip", name, name
    return "pip", "default", "requirements.txt"


def _has_locale(root: Path) -> bool:
    def walk(folder: Path, depth: int) -> bool:
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            return False
        for entry in entries:
            if entry.name in _SKIPPED or entry.is_symlink() or not entry.is_dir():
                continue
            if entry.name == "locale" and any(entry.glob("*/LC_MESSAGES/*.po")):
                return True
            if depth < _MAX_DEPTH and walk(entry, depth + 1):
                return True
        return False

    return walk(root, 0)


def read_facts(
    root: Path, *, project_module: str | None = None, python: str | None = None
) -> ProjectFacts:
    """The project in ``root``; ``project_module`` and ``python`` are the user's options, which
    win over what the files say."""
    context = BuildContext(root)
    notes: list[str] = []
    loaded = load_settings(
        context.exists,
        context.read,
        settings_module=None,
        project_dir="",
        list_dir=context.list_dir,
    )
    settings_fact: Fact | None = None
    wsgi_fact: Fact | None = None
    manifest: bool | None = None
    static_root: str | None = None
    if loaded is not None:
        location, settings = loaded
        if location.module is not None:
            found_in = "manage.py" if location.found_by == "manage.py" else location.path
            settings_fact = Fact(location.module, found_in)
        wsgi = settings.wsgi_application
        if wsgi.known and wsgi.value and wsgi.value.count(".") >= 1:
            wsgi_fact = Fact(wsgi.value.rsplit(".", 1)[0], location.path)
        manifest = uses_manifest_storage(settings, context.read, exists=context.exists)
        root_setting = settings.static_root
        if root_setting.known and root_setting.value is not None:
            static_root = root_setting.value.in_image("/workdir", "/workdir")
    if project_module is not None:
        module = Fact(project_module, "option")
        settings_fact = Fact(f"{project_module}.settings", "option")
        wsgi_fact = Fact(f"{project_module}.wsgi", "option")
    elif settings_fact is not None:
        module = Fact(settings_fact.value.split(".", 1)[0], settings_fact.source)
    elif wsgi_fact is not None:
        module = Fact(wsgi_fact.value.split(".", 1)[0], wsgi_fact.source)
    else:
        module = Fact(DEFAULT_PROJECT_MODULE, "default")
        notes.append(
            "no settings module found (manage.py or */settings.py): "
            f"using the handbook's `{DEFAULT_PROJECT_MODULE}`; pass --project-module to change it"
        )
    if settings_fact is None:
        settings_fact = Fact(f"{module.value}.settings", module.source)
    if wsgi_fact is None:
        wsgi_fact = Fact(f"{module.value}.wsgi", module.source)
    if python is not None:
        python_fact = Fact(python, "option")
    else:
        found = _python_version(root)
        if found is None:
            python_fact = Fact(DEFAULT_PYTHON, "default")
            notes.append(
                "no Python version found (.python-version, runtime.txt, requires-python): "
                f"using the handbook's {DEFAULT_PYTHON}; pass --python to change it"
            )
        else:
            python_fact = found
    installer, installer_source, requirements = _installer(root)
    if installer_source == "default":
        notes.append(
            "no requirements.txt, uv.lock or poetry.lock found: the Dockerfile installs "
            "requirements.txt, as the handbook does"
        )
    if manifest is None and loaded is not None:
        notes.append("the settings do not tell whether static files use a manifest storage")
    return ProjectFacts(
        root=root,
        project_module=module,
        settings_module=settings_fact,
        wsgi_module=wsgi_fact,
        python=python_fact,
        installer=installer,
        installer_source=installer_source,
        requirements=requirements,
        manifest_storage=manifest,
        locale=_has_locale(root),
        static_root=static_root,
        notes=tuple(notes),
    )
