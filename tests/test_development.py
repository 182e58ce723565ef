"""Development files by name or folder (paths relative to the project, as callers pass them)."""

from __future__ import annotations

import pytest

from dockerlint_django.project.development import development_reason


@pytest.mark.parametrize(
    "path",
    [
        "compose.override.yaml",
        "docker-compose.override.yml",
        "docker-compose.dev.yml",
        "docker-compose-local.yaml",
        "compose.ci.yaml",
        "Dockerfile.dev",
        "Dockerfile-development",
        "local.Dockerfile",
        ".devcontainer/Dockerfile",
        ".devcontainer/docker-compose.yml",
        "docker/dev/Dockerfile",
        "tests/fixtures/compose.yaml",
        "compose/local/django/Dockerfile",
        "e2e/docker-compose.yml",
    ],
)
def test_development_files(path: str) -> None:
    assert development_reason(path) is not None


@pytest.mark.parametrize(
    "path",
    [
        "compose.yaml",
        "docker-compose.yml",
        "docker-compose.prod.yml",
        "Dockerfile",
        "Dockerfile.production",
        "docker/Dockerfile",
        "compose/production/django/Dockerfile",
        "deploy/compose.yaml",
        # Words inside other words do not count.
        "devops/Dockerfile",
        "contest/compose.yaml",
        "latest.Dockerfile",
    ],
)
def test_production_files(path: str) -> None:
    assert development_reason(path) is None


def test_the_reason_names_the_part() -> None:
    assert development_reason("compose.override.yaml") == (
        "compose.override.yaml is a Compose override file (local settings)"
    )
    assert development_reason(".devcontainer/compose.yml") == (
        ".devcontainer/ is a development folder"
    )
    assert development_reason("docker-compose.dev.yml") == (
        "docker-compose.dev.yml is named as a development file ('dev')"
    )


def test_the_words_can_be_replaced() -> None:
    assert development_reason("compose.staging.yaml", ["staging"]) is not None
    assert development_reason("compose.dev.yaml", ["staging"]) is None
