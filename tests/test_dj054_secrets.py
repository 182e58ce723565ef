"""DJ054 dockerignore-missing-secrets: `COPY .` bringing .env files or .git into the image."""

from __future__ import annotations

from dockerlint_django.testing import ProjectFinding, lint_project

DOCKERFILE = "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\nCOPY . .\n"


def _lint(files: dict[str, str], dockerfile: str = DOCKERFILE) -> list[ProjectFinding]:
    project = {"Dockerfile": dockerfile, "requirements.txt": "", "manage.py": "", **files}
    return [f for f in lint_project(project, ["DJ054"]) if f.code == "DJ054"]


def test_env_without_dockerignore() -> None:
    found = _lint({".env": "SECRET_KEY=x\n"})
    assert [(f.line, f.column, f.severity) for f in found] == [(4, 6, "warning")]
    assert "copies .env into the image" in found[0].message
    assert "no .dockerignore" in found[0].message


def test_env_files_are_one_finding() -> None:
    found = _lint({".env": "", "prod.env": "", ".env.production": "", ".dockerignore": "*.pyc\n"})
    assert len(found) == 1
    assert "copies .env, .env.production, prod.env" in found[0].message
    assert ".dockerignore does not exclude them" in found[0].message
    assert "`**/prod.env`" in found[0].message
    assert "**/.*" not in found[0].message  # prod.env is not a dotfile


def test_excluded_by_template_or_by_name() -> None:
    assert _lint({".env": "", ".dockerignore": "**/.*\n"}) == []
    assert _lint({".env": "", ".dockerignore": "**/.env\n"}) == []


def test_example_files_are_not_secrets() -> None:
    files = {".env.example": "", ".env.sample": "", "template.env": "", ".dockerignore": "x\n"}
    assert _lint(files) == []


def test_git_folder() -> None:
    found = _lint({".git/HEAD": "ref: refs/heads/main\n", ".dockerignore": "x\n"})
    assert len(found) == 1
    assert "copies .git" in found[0].message
    assert "history" in found[0].message


def test_git_file_of_a_worktree_is_not_reported() -> None:
    assert _lint({".git": "gitdir: /elsewhere\n", ".dockerignore": "x\n"}) == []


def test_subfolder_copy() -> None:
    dockerfile = "FROM python:3.11\nCOPY requirements.txt /tmp/\nCOPY src/ /app/\n"
    found = _lint({"src/.env": "", ".dockerignore": "x\n"}, dockerfile)
    assert [(f.line, f.column) for f in found] == [(3, 6)]
    assert "src/.env" in found[0].message


def test_env_copied_by_name_is_meant() -> None:
    dockerfile = DOCKERFILE + "COPY .env /app/.env\n"
    assert _lint({".env": "", ".dockerignore": "x\n"}, dockerfile) == []


def test_no_dockerignore_is_info() -> None:
    found = _lint({})
    assert [(f.line, f.column, f.severity) for f in found] == [(4, 6, "info")]


def test_empty_dockerignore_is_not_missing() -> None:
    assert _lint({".dockerignore": ""}) == []


def test_not_the_build_context() -> None:
    # requirements.txt is not in this folder: the Dockerfile is built from another one.
    project = {"docker/Dockerfile": DOCKERFILE, "docker/.env": "", "requirements.txt": ""}
    assert [f for f in lint_project(project, ["DJ054"]) if f.code == "DJ054"] == []


def test_not_a_project_root() -> None:
    dockerfile = "FROM python:3.11\nCOPY . /srv/\n"
    project = {"Dockerfile": dockerfile, ".env": "", "index.html": ""}
    assert lint_project(project, ["DJ054"]) == []


def test_other_stage_is_not_the_image() -> None:
    dockerfile = (
        "FROM python:3.11 AS build\nCOPY . /src\nFROM python:3.11\nCOPY requirements.txt .\n"
    )
    assert _lint({".env": ""}, dockerfile) == []


def test_development_dockerfile_is_info() -> None:
    project = {"Dockerfile.dev": DOCKERFILE, "requirements.txt": "", "manage.py": "", ".env": ""}
    found = [f for f in lint_project(project, ["DJ054"]) if f.code == "DJ054"]
    assert [f.severity for f in found] == ["info"]
