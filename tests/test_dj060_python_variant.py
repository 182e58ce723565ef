"""DJ060: FROM python:<tag> should be the default image of a minor version."""

from __future__ import annotations

import pytest

from dockerlint_django.testing import findings, fix_text


def _fix(text: str) -> str:
    fixed, converged = fix_text(text, ["DJ060"], unsafe=True, profile="ocp")
    assert converged
    return fixed


@pytest.mark.parametrize(
    "tag",
    ["3.11", "3.11-bookworm", "3.12-trixie", "3.7-buster", "3.14-windowsservercore-ltsc2022"],
)
def test_accepted_tags(tag: str) -> None:
    assert findings(f"FROM python:{tag}\n", "DJ060") == []


@pytest.mark.parametrize(
    ("tag", "fixed"),
    [
        ("3.11-slim", "3.11"),
        ("3.11-slim-bookworm", "3.11-bookworm"),
        ("3.12.1-alpine3.19", "3.12"),
        ("3.11.9", "3.11"),
        ("3.14.7-bookworm", "3.14-bookworm"),
        ("3.10-alpine", "3.10"),
    ],
)
def test_flagged_and_fixed(tag: str, fixed: str) -> None:
    text = f"FROM python:{tag} AS base\nRUN pip install x\n"
    [finding] = findings(text, "DJ060")
    assert (finding.start.line, finding.start.column) == (1, 6)
    assert finding.fix is not None
    assert _fix(text) == f"FROM python:{fixed} AS base\nRUN pip install x\n"


@pytest.mark.parametrize(
    "line",
    [
        "FROM python",
        "FROM python:3",
        "FROM python:latest",
        "FROM python:slim",
        "FROM python:3.13.0rc1-slim",
        "FROM python:3.11-slim@sha256:" + "a" * 64,
    ],
)
def test_flagged_without_fix(line: str) -> None:
    text = line + "\n"
    [finding] = findings(text, "DJ060")
    assert finding.fix is None
    assert _fix(text) == text


def test_registry_spellings() -> None:
    for ref in (
        "docker.io/library/python:3.11-slim",
        "public.ecr.aws/docker/library/python:3.9-slim",
    ):
        assert len(findings(f"FROM {ref}\n", "DJ060")) == 1, ref
    assert findings("FROM example.com/python:3.11-slim\n", "DJ060") == []
    assert findings("FROM pypy:3.10-slim\n", "DJ060") == []


def test_build_argument_is_resolved_but_not_fixed() -> None:
    text = "ARG PYTHON_VERSION=3.12-slim\nFROM python:${PYTHON_VERSION}\n"
    [finding] = findings(text, "DJ060")
    assert "3.12-slim" in finding.message and "build argument" in finding.message
    assert finding.fix is None


def test_unknown_tags_are_skipped() -> None:
    for text in (
        "ARG PYTHON_VERSION\nFROM python:${PYTHON_VERSION}\n",
        "FROM python:$UNDECLARED\n",
        "FROM python:{{ cookiecutter.python_version }}\n",
    ):
        assert findings(text, "DJ060") == [], text


def test_every_stage_but_not_local_stages_or_copy_from() -> None:
    text = (
        "FROM python:3.11-slim AS python\n"
        "FROM python\n"
        "FROM python:3.11\n"
        "COPY --from=python:3.12-slim /usr/local/bin/python3 /tmp/\n"
    )
    [finding] = findings(text, "DJ060")
    assert finding.start.line == 1
