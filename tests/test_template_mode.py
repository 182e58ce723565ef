"""Template mode on the handbook's own cookiecutter template (issue 3's acceptance).

Both handbook Dockerfiles lint clean at warning and error under the generic profile in every
variant; breaking the template on purpose is caught by the matching rule, on the template's line.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dockerlint_django.config import Config
from dockerlint_django.engine import Options, lint_path
from dockerlint_django.results import FileResult
from dockerlint_django.rules._base import Severity
from tests.conftest import HANDBOOK_TEMPLATE as TEMPLATE

SLUG = "{{cookiecutter.project_slug}}"


def lint(path: Path) -> FileResult:
    return lint_path(path, path.name, Options(Config()))


def test_handbook_dockerfiles_are_clean_at_warning_and_error() -> None:
    for name in ("Dockerfile_django", "Dockerfile_static"):
        result = lint(TEMPLATE / SLUG / name)
        serious = [f for f in result.findings if f.severity >= Severity.WARNING]
        assert serious == [], [f"{f.start.line} {f.code} {f.message}" for f in serious]
    # The one info finding, and why it stands: the handbook asks for USER user:group, and its
    # static image writes `USER nginx`.
    static = lint(TEMPLATE / SLUG / "Dockerfile_static")
    assert [(f.code, f.start.line) for f in static.findings] == [("DJ031", 17)]


@pytest.fixture
def template(tmp_path: Path) -> Path:
    shutil.copytree(TEMPLATE, tmp_path / "cookiecutter-django")
    return tmp_path / "cookiecutter-django" / SLUG / "Dockerfile_django"


def broken(path: Path, old: str, new: str) -> list[tuple[str, int, str]]:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [(f.code, f.start.line, f.message) for f in lint(path).findings]


def codes_at(found: list[tuple[str, int, str]], code: str) -> list[int]:
    return [line for c, line, _ in found if c == code]


def test_dropping_worker_tmp_dir(template: Path) -> None:
    found = broken(template, '"--worker-tmp-dir", "/dev/shm", ', "")
    assert codes_at(found, "DJ022") == [42]


def test_dropping_the_manifest_copy(template: Path) -> None:
    found = broken(template, "COPY --from=build-stage", "# COPY --from=build-stage")
    [(_, line, message)] = [f for f in found if f[0] == "DJ040"]
    assert line == 16
    # Only the use_fathom=y renderings have a build stage that collects.
    assert "use_fathom=n" not in message


def test_hard_coded_workers(template: Path) -> None:
    found = broken(template, '"--threads", "2"', '"--threads", "2", "--workers", "3"')
    assert codes_at(found, "DJ010") == [42]


def test_shell_form_cmd(template: Path) -> None:
    found = broken(
        template,
        'CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"',
        "CMD gunicorn core.wsgi --bind 0.0.0.0:8000 #",
    )
    assert codes_at(found, "DJ001") == [42]


def test_no_user(template: Path) -> None:
    found = broken(template, "USER runner:runner\n", "")
    assert codes_at(found, "DJ030") == [16]


def test_useradd_without_no_log_init(template: Path) -> None:
    found = broken(template, "useradd --no-log-init", "useradd")
    assert codes_at(found, "DJ032") == [22]


def test_no_gettext(template: Path) -> None:
    found = broken(template, "        gettext \\\n", "")
    assert codes_at(found, "DJ042") == [38]
