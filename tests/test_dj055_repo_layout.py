"""DJ055 compose-or-env-in-app-repo: Compose and .env files at a Django repository's root."""

from __future__ import annotations

from dockerlint_django import rules
from dockerlint_django.testing import ProjectFinding, lint_project

DOCKERFILE = 'FROM python:3.11\nCOPY manage.py .\nCMD ["gunicorn", "core.wsgi"]\n'
REPO = {"Dockerfile": DOCKERFILE, "manage.py": "", ".git/HEAD": "ref: refs/heads/main\n"}


def _lint(files: dict[str, str], base: dict[str, str] = REPO) -> list[ProjectFinding]:
    found = lint_project({**base, **files}, ["DJ055"], profile="ocp")
    return [f for f in found if f.code == "DJ055"]


def test_compose_and_env_at_first_line() -> None:
    found = _lint({"docker-compose.yml": "services:\n  web:\n    build: .\n", ".env": "A=1\n"})
    assert sorted((f.path, f.line, f.column, f.severity) for f in found) == [
        (".env", 1, 1, "info"),
        ("docker-compose.yml", 1, 1, "info"),
    ]
    # The .env is named, never quoted: it holds secrets.
    assert all("A=1" not in f.message for f in found)


def test_compose_names() -> None:
    names = ["compose.yaml", "compose.override.yml", "docker-compose.prod.yaml", "compose-ci.yml"]
    found = _lint(dict.fromkeys(names, "services: {}\n"))
    assert sorted(f.path for f in found) == sorted(names)
    assert _lint({"compose.json": "{}", "mkdocs.yml": "", ".env.example": ""}) == []


def test_gitignored_files_are_not_in_the_repository() -> None:
    assert _lint({".env": "", ".gitignore": ".env\n"}) == []
    assert _lint({".env": "", ".gitignore": "/.env*\n"}) == []
    assert _lint({".env": "", ".git/info/exclude": ".env\n"}) == []
    found = _lint({".env": "", ".gitignore": "*.env\n!.env\n"})
    assert [f.path for f in found] == [".env"]


def test_not_a_repository_root() -> None:
    base = {k: v for k, v in REPO.items() if not k.startswith(".git")}
    assert _lint({"compose.yaml": "services: {}\n"}, base) == []


def test_dockerfile_in_a_subfolder() -> None:
    base = {"docker/Dockerfile": DOCKERFILE, "docker/manage.py": "", ".git/HEAD": "x\n"}
    assert _lint({"compose.yaml": "services: {}\n"}, base) == []


def test_not_a_django_image() -> None:
    base = {**REPO, "Dockerfile": "FROM nginx:1.27\nCOPY default.conf /etc/nginx/conf.d/\n"}
    assert _lint({"compose.yaml": "services: {}\n", "default.conf": ""}, base) == []


def test_only_in_the_ocp_profile() -> None:
    assert "DJ055" in rules.default_codes("ocp")
    assert "DJ055" not in rules.default_codes("generic")
