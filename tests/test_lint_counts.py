"""How many times a run lints a file: ``fix`` once a round of its fix loop and not again after
it, and ``check``'s exact fixable count starting from the lint the check already made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dockerlint_django import engine
from dockerlint_django.cli import cli

RUNNER = "RUN groupadd -r app && useradd --no-log-init -r -g app app\nUSER app:app\n"
# No fix at all.
CLEAN = f'FROM python:3.11\n{RUNNER}CMD ["true"]\n'
# DJ108's fix: one round fixes it, the next finds nothing to fix.
CASING = f'FROM python:3.11 as b\nFROM python:3.11\n{RUNNER}CMD ["true"]\n'
# DJ001's fix (exec form) makes DJ006's (STOPSIGNAL SIGTERM) safe: two rounds fix, a third
# finds nothing.
CASCADE = (
    f"FROM python:3.11\n{RUNNER}ENV WEB_CONCURRENCY=2\nEXPOSE 8000\nSTOPSIGNAL SIGINT\n"
    "CMD gunicorn core.wsgi --bind 0.0.0.0:8000 --threads 2 --worker-tmp-dir /dev/shm "
    "--name web\n"
)


@pytest.fixture(autouse=True)
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def lints(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of each lint of a Dockerfile, in order (every lint goes through this one)."""
    seen: list[str] = []
    real = engine._lint_source

    def counted(source: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(source.text)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(engine, "_lint_source", counted)
    return seen


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def write(text: str) -> Path:
    p = Path("Dockerfile")
    p.write_text(text, encoding="utf-8")
    return p


# (file, rounds of the fix loop: lints until one finds nothing to fix)
CASES = [
    pytest.param(CLEAN, 1, id="no-fix"),
    pytest.param(CASING, 2, id="one-round"),
    pytest.param(CASCADE, 3, id="cascading"),
]


@pytest.mark.parametrize(("text", "rounds"), CASES)
def test_fix_lints_once_a_round(text: str, rounds: int, lints: list[str]) -> None:
    p = write(text)
    res = run("fix", "--jobs", "1", "Dockerfile")
    assert res.exit_code in (0, 1), res.output
    # What is left is the last round's lint: never linted again.
    assert len(lints) == rounds
    assert len(set(lints)) == rounds  # each text once
    assert lints[-1] == p.read_text(encoding="utf-8")


@pytest.mark.parametrize(("text", "rounds"), CASES)
def test_fix_diff_lints_once_a_round(text: str, rounds: int, lints: list[str]) -> None:
    p = write(text)
    res = run("fix", "--diff", "Dockerfile")
    assert res.exit_code in (0, 1), res.output
    assert len(lints) == rounds
    assert len(set(lints)) == rounds
    assert p.read_text(encoding="utf-8") == text  # --diff writes nothing


@pytest.mark.parametrize(("text", "rounds"), CASES)
def test_check_counts_fixes_from_its_own_lint(text: str, rounds: int, lints: list[str]) -> None:
    write(text)
    res = run("check", "Dockerfile")
    assert res.exit_code in (0, 1), res.output
    # Only a file whose fixes cascade runs the fix loop for the count; its first round is the
    # check's own lint.
    assert len(lints) == (rounds if text is CASCADE else 1)
    assert lints[0] == text
    assert len(set(lints)) == len(lints)


def test_the_cascading_count_is_the_loops(lints: list[str]) -> None:
    write(CASCADE)
    res = run("check", "Dockerfile")
    assert "[*] 2 fixable with `dockerlint-django fix`." in res.stdout


def test_a_finding_whose_fixes_are_all_unsafe_is_not_waited_for(lints: list[str]) -> None:
    # DJ030 (root at run time) offers only unsafe fixes (RuleMeta.safest_fix), and none here:
    # nothing DJ108's safe fix does can give it one that `fix` applies, so the count is DJ108's,
    # from the check's own lint. With --unsafe-fixes an unsafe fix may follow: the loop runs.
    text = 'FROM python:3.11 as b\nFROM python:3.11\nCMD ["true"]\n'
    write(text)
    res = run("check", "Dockerfile")
    assert "[*] 1 fixable with `dockerlint-django fix`." in res.stdout
    assert lints == [text]
    lints.clear()
    res = run("check", "--unsafe-fixes", "Dockerfile")
    assert "[*] 1 fixable with `dockerlint-django fix --unsafe-fixes`." in res.stdout
    assert len(lints) == 2 and lints[0] == text


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_reports_without_the_count_lint_once(fmt: str, lints: list[str]) -> None:
    write(CASCADE)
    run("check", "--format", fmt, "Dockerfile")
    assert lints == [CASCADE]


def test_a_fix_that_is_not_written_reports_the_file_as_it_is(
    project: Path, lints: list[str]
) -> None:
    p = write(CASING)
    p.chmod(0o444)
    res = run("fix", "Dockerfile")
    assert res.exit_code == 2
    assert "read-only; not rewritten" in res.stderr
    # The loop's two rounds, then the text left on disk: the first round's text, linted again
    # only because the fixed text is not what is left.
    assert lints == [CASING, CASING.replace(" as ", " AS "), CASING]
