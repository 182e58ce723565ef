"""``init``: the handbook's container files for a project, filled in from its files.

Each project shape (pip, uv, Poetry; with and without a manifest storage; with and without
translations; a nested settings package) gets files that ``check`` passes with no findings, and a
second ``init`` changes nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dockerlint_django.scaffold.facts import read_facts
from dockerlint_django.scaffold.plan import plan_init

_MANIFEST = (
    'STORAGES = {"staticfiles": '
    '{"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}\n'
)


def _project(
    root: Path,
    *,
    installer: str = "pip",
    manifest: bool = True,
    locale: bool = False,
    nested: bool = False,
    static: str = "static",
    module: str = "proj",
) -> Path:
    pkg = root / module
    pkg.mkdir(parents=True)
    settings_module = f"{module}.settings.production" if nested else f"{module}.settings"
    (root / "manage.py").write_text(
        f'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "{settings_module}")\n'
    )
    up = ".parent" * (3 if nested else 2)
    settings = (
        "from pathlib import Path\n"
        f"BASE_DIR = Path(__file__).resolve(){up}\n"
        f'WSGI_APPLICATION = "{module}.wsgi.application"\n'
        f'STATIC_ROOT = BASE_DIR / "{static}"\n' + (_MANIFEST if manifest else "")
    )
    if nested:
        (pkg / "settings").mkdir()
        (pkg / "settings" / "__init__.py").write_text("")
        (pkg / "settings" / "production.py").write_text(settings)
    else:
        (pkg / "settings.py").write_text(settings)
    (pkg / "__init__.py").write_text("")
    (pkg / "wsgi.py").write_text("")
    if installer == "pip":
        (root / "requirements.txt").write_text("django\ngunicorn[setproctitle]\n")
    elif installer == "uv":
        (root / "pyproject.toml").write_text(
            '[project]\nname = "x"\nversion = "0"\nrequires-python = ">=3.12"\n'
            'dependencies = ["django", "gunicorn[setproctitle]"]\n'
        )
        (root / "uv.lock").write_text("version = 1\n")
    else:
        (root / "pyproject.toml").write_text(
            '[tool.poetry]\nname = "x"\n[tool.poetry.dependencies]\npython = "^3.13"\n'
            'django = "*"\ngunicorn = {version = "*", extras = ["setproctitle"]}\n'
        )
        (root / "poetry.lock").write_text("# lock\n")
    if locale:
        messages = pkg / "locale" / "es" / "LC_MESSAGES"
        messages.mkdir(parents=True)
        (messages / "django.po").write_text("")
    return root


SHAPES = {
    "pip": {},
    "pip-no-manifest": {"manifest": False},
    "pip-locale": {"locale": True},
    "uv": {"installer": "uv"},
    "uv-locale-no-manifest": {"installer": "uv", "locale": True, "manifest": False},
    "poetry": {"installer": "poetry"},
    "poetry-locale": {"installer": "poetry", "locale": True},
    "nested-settings": {"nested": True, "static": "staticfiles", "module": "site_core"},
}


def _apply(root: Path, **kw: object) -> None:
    plan = plan_init(root, **kw)  # type: ignore[arg-type]
    for planned in plan.changes:
        planned.path.write_text(planned.text, encoding="utf-8")


def _check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dockerlint_django", "check", "--fail-on", "info", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_written_files_pass_check_and_a_second_init_changes_nothing(
    shape: str, tmp_path: Path
) -> None:
    root = _project(tmp_path / shape, **SHAPES[shape])  # type: ignore[arg-type]
    _apply(root)
    done = _check(root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All checks passed" in done.stdout
    assert plan_init(root).changes == ()


def test_facts_come_from_the_project(tmp_path: Path) -> None:
    root = _project(tmp_path, installer="poetry", nested=True, static="staticfiles", locale=True)
    facts = read_facts(root)
    assert facts.settings_module.value == "proj.settings.production"
    assert facts.settings_module.source == "manage.py"
    assert facts.wsgi_module.value == "proj.wsgi"
    assert facts.python.value == "3.13"
    assert (facts.installer, facts.installer_source) == ("poetry", "poetry.lock")
    assert facts.manifest_storage is True
    assert facts.locale is True
    assert facts.static_root == "/workdir/staticfiles"
    assert facts.notes == ()


def test_the_dockerfile_follows_the_project(tmp_path: Path) -> None:
    root = _project(tmp_path, module="shop", locale=False, manifest=True, static="collected")
    (root / ".python-version").write_text("3.13.1\n")
    text = {p.path.name: p.text for p in plan_init(root).files}["Dockerfile"]
    assert text.startswith("FROM python:3.13 AS build-stage\n")
    assert '"shop.wsgi"' in text and "core.wsgi" not in text
    assert "gettext" not in text and "compilemessages" not in text
    assert "/workdir/collected/staticfiles.json /workdir/collected/staticfiles.json" in text
    assert "{{" not in text and "{%" not in text


def test_without_a_manifest_there_is_no_build_stage(tmp_path: Path) -> None:
    root = _project(tmp_path, manifest=False, locale=True)
    text = {p.path.name: p.text for p in plan_init(root).files}["Dockerfile"]
    assert "build-stage" not in text and "staticfiles.json" not in text
    assert "gettext" in text and "RUN python manage.py compilemessages" in text


def test_what_cannot_be_found_takes_the_handbooks_default_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("django\n")
    facts = read_facts(tmp_path)
    assert (facts.project_module.value, facts.project_module.source) == ("core", "default")
    assert (facts.python.value, facts.python.source) == ("3.11", "default")
    assert any("--project-module" in note for note in facts.notes)
    assert any("--python" in note for note in facts.notes)
    chosen = read_facts(tmp_path, project_module="web", python="3.12")
    assert chosen.wsgi_module.value == "web.wsgi" and chosen.python.source == "option"
    assert not any("--python" in note or "--project-module" in note for note in chosen.notes)


def test_existing_files_are_kept_unless_forced(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "Dockerfile").write_text("FROM python:3.12\n")
    kept = {p.path.name: p.action for p in plan_init(root).files}
    assert kept["Dockerfile"] == "keep"
    forced = {p.path.name: p.action for p in plan_init(root, force=True).files}
    assert forced["Dockerfile"] == "overwrite"


def test_the_configuration_goes_where_the_projects_is(tmp_path: Path) -> None:
    root = _project(tmp_path / "toml", installer="uv")
    config = plan_init(root).files[-1]
    assert (config.path.name, config.action) == ("pyproject.toml", "append")
    assert config.text.startswith(config.old or "\0")
    assert "[tool.dockerlint-django]" in config.text
    root.joinpath("pyproject.toml").write_text(config.text)
    assert plan_init(root).files[-1].action == "unchanged"

    yaml_root = _project(tmp_path / "yaml", installer="uv")
    (yaml_root / ".dockerlint-django.yaml").write_text("profile: ocp\n")
    config = plan_init(yaml_root).files[-1]
    assert (config.path.name, config.action) == (".dockerlint-django.yaml", "unchanged")

    plain = _project(tmp_path / "plain")
    config = plan_init(plain).files[-1]
    assert (config.path.name, config.action) == (".dockerlint-django.yaml", "create")


def test_a_fifo_in_a_files_place_is_one_error_not_a_hang(tmp_path: Path) -> None:
    import os

    root = _project(tmp_path)
    os.mkfifo(root / "Dockerfile")
    done = subprocess.run(
        [sys.executable, "-m", "dockerlint_django", "init"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Dockerfile: cannot read" in done.stderr
    assert not (root / "Dockerfile_static").exists()


def test_an_existing_file_that_is_not_utf8_is_kept(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "Dockerfile").write_bytes(b"FROM python:3.12\n# \xff\n")
    actions = {p.path.name: p.action for p in plan_init(root).files}
    assert actions["Dockerfile"] == "keep"
    assert (root / "Dockerfile").read_bytes() == b"FROM python:3.12\n# \xff\n"
