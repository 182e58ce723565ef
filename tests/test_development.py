"""Development files by name or folder (paths relative to the project, as callers pass them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dockerlint_django.config import Config, ConfigError, load_file
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


class TestConfigured:
    def config(self, text: str, tmp_path: Path) -> Config:
        path = tmp_path / ".dockerlint-django.yaml"
        path.write_text(text, encoding="utf-8")
        cfg = load_file(path)
        assert cfg is not None
        return cfg

    def test_own_words_replace_the_list(self, tmp_path: Path) -> None:
        cfg = self.config("development:\n  words: [sandbox]\n", tmp_path)
        assert cfg.development_reason("docker-compose.sandbox.yml", None) is not None
        assert cfg.development_reason("docker-compose.dev.yml", None) is None

    def test_empty_words_turn_it_off(self, tmp_path: Path) -> None:
        cfg = self.config("development:\n  words: []\n", tmp_path)
        assert cfg.development_reason("docker-compose.dev.yml", None) is None

    def test_paths_and_production_paths(self, tmp_path: Path) -> None:
        cfg = self.config(
            "development:\n  paths: ['deploy/staging/*']\n  production-paths: ['ci/*']\n",
            tmp_path,
        )
        reason = cfg.development_reason("deploy/staging/compose.yaml", None)
        assert reason is not None and "development.paths" in reason
        assert cfg.development_reason("ci/Dockerfile", None) is None

    def test_paths_count_from_the_configuration(self, tmp_path: Path) -> None:
        # The checkout's own folder name (`dev-checkout`) never counts.
        root = tmp_path / "dev-checkout"
        root.mkdir()
        cfg = self.config("development:\n  words: [dev]\n", root)
        (root / "Dockerfile").write_text("FROM python:3.12\n", encoding="utf-8")
        assert cfg.development_reason("Dockerfile", root / "Dockerfile") is None

    @pytest.mark.parametrize(
        ("text", "error"),
        [
            ("development: [dev]\n", "development: expected a mapping"),
            ("development:\n  word: [dev]\n", "development.word: unknown key"),
            ("development:\n  words: 3\n", "development.words: expected a list of strings"),
        ],
    )
    def test_bad_values(self, text: str, error: str, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match=re.escape(error)):
            self.config(text, tmp_path)


def test_production_only_rule_is_info_in_a_development_dockerfile() -> None:
    from dockerlint_django.testing import lint_text

    text = 'FROM python:3.12\nCMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n'
    [prod] = [f for f in lint_text(text, ["DJ027"]).findings if f.code == "DJ027"]
    [dev] = [
        f
        for f in lint_text(text, ["DJ027"], filename="Dockerfile.dev").findings
        if f.code == "DJ027"
    ]
    assert prod.severity.label == "error"
    assert dev.severity.label == "info"
    assert dev.message.endswith(
        "(info here: Dockerfile.dev is named as a development file ('dev'))"
    )


def test_the_docs_list_the_production_only_rules() -> None:
    from dockerlint_django import rules as registry
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "compose.md").read_text(encoding="utf-8")
    listed = text[text.index("production-only rules (") :].split(")", 1)[0]
    codes = {c.strip(" \n(") for c in listed.split("(", 1)[1].split(",")}
    assert codes == {r.code for r in registry.all_rules() if r.meta.production_only}
