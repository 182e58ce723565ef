"""Snapshots of every report format for the fixture projects.

Each ``fixtures/projects/<case>/input/`` is checked from inside that folder, the way a user runs
the tool in a project, and each format's report must equal ``expected/<format>.<ext>``. Paths in
the github, gitlab and junit reports are relative to this repository's root, as they would be in
CI. ``UPDATE_SNAPSHOTS=1 pytest tests/test_projects.py`` rewrites the files; read the diff before
committing it. SARIF snapshots belong to the SARIF tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from dockerlint_django.cli import cli

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"
CASES = sorted(p.name for p in PROJECTS.iterdir() if (p / "input").is_dir())
FORMATS = {"text": "txt", "json": "json", "github": "txt", "gitlab": "json", "junit": "xml"}


def report(case: str, fmt: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(PROJECTS / case / "input")
    for name in ("GITHUB_ACTIONS", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli, ["check", "--format", fmt])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.stdout


def test_there_are_cases() -> None:
    assert len(CASES) >= 3


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("case", CASES)
def test_snapshot(case: str, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    got = report(case, fmt, monkeypatch)
    expected = PROJECTS / case / "expected" / f"{fmt}.{FORMATS[fmt]}"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        expected.parent.mkdir(exist_ok=True)
        expected.write_bytes(got.encode("utf-8"))
    assert expected.is_file(), f"no snapshot {expected}; run with UPDATE_SNAPSHOTS=1"
    # Bytes, not text: a report's line breaks are part of what it must reproduce.
    assert got == expected.read_bytes().decode("utf-8")


@pytest.mark.parametrize("case", CASES)
def test_reports_are_deterministic(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for fmt in FORMATS:
        assert report(case, fmt, monkeypatch) == report(case, fmt, monkeypatch)
