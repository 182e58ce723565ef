"""Every real Dockerfile in ../shared/corpus is checked without a crash.

No rule may raise (DJ902), and each file ends with exit code 0 or 1: the corpus holds no file that
BuildKit's parser rejects once template placeholders are masked.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dockerlint_django import rules as registry
from dockerlint_django.config import Config
from dockerlint_django.engine import Options, exit_code, lint_path
from dockerlint_django.rules._base import Severity
from tests.conftest import ROOT, corpus_file, corpus_rows, corpus_tree

ROWS = corpus_rows("dockerfile")
ALL = Options(Config(select=tuple(registry.CODES)))


@pytest.mark.skipif(not ROWS, reason="../shared/corpus is not present")
@pytest.mark.parametrize("local", [r["local_file"] for r in ROWS])
def test_corpus_file_checks_cleanly(local: str) -> None:
    path = corpus_file(local)
    result = lint_path(path, local, ALL)
    assert result.error is None
    crashed = [f.message for f in result.findings if f.code == "DJ902"]
    assert not crashed
    assert exit_code([result], Severity.INFO) in (0, 1)
    for f in result.findings:
        assert result.source is not None
        assert 0 <= f.span.start <= f.span.end <= len(result.source.text)
        assert (f.start.line, f.start.column) <= (f.end.line, f.end.column)


@pytest.mark.skipif(not ROWS, reason="../shared/corpus is not present")
def test_whole_corpus_in_one_cli_call() -> None:
    paths = [str(corpus_file(r["local_file"])) for r in ROWS]
    proc = subprocess.run(
        [sys.executable, "-m", "dockerlint_django", "check", "--quiet", "--no-color", *paths],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.count("\n") > len(paths)


COMPOSE_PROJECTS = sorted({r["local_file"].split("/", 1)[0] for r in corpus_rows("compose")})


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return corpus_tree(tmp_path_factory.mktemp("corpus"), set(COMPOSE_PROJECTS))


@pytest.mark.skipif(not COMPOSE_PROJECTS, reason="../shared/corpus is not present")
@pytest.mark.parametrize("project", COMPOSE_PROJECTS)
def test_corpus_project_checks_cleanly(
    project: str, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each corpus project with a Compose file, laid out as in its repository and checked whole
    (its Compose files, Dockerfiles, scripts, env files) with every rule: no rule crashes, no
    traceback, and every finding has a real place."""
    from dockerlint_django.cli import collect_results, run_for

    monkeypatch.chdir(tree)
    results = collect_results(run_for([project, "--select", "ALL"]))
    assert results
    for r in results:
        crashed = [f.message for f in r.findings if f.code == "DJ902"]
        assert not crashed, crashed
        for f in r.findings:
            assert r.source is not None, f
            assert 0 <= f.span.start <= f.span.end <= len(r.source.text), f
            for rel in f.related:
                home = rel.source or r.source
                assert 0 <= rel.span.start <= rel.span.end <= len(home.text), (f, rel)


@pytest.mark.skipif(not COMPOSE_PROJECTS, reason="../shared/corpus is not present")
def test_corpus_projects_in_one_cli_call(tree: Path) -> None:
    """Every corpus project with a Compose file, in one command: no traceback, and each error is
    one line that names its file."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "dockerlint_django",
            "check",
            "--quiet",
            "--select",
            "ALL",
            *COMPOSE_PROJECTS,
        ],
        capture_output=True,
        text=True,
        cwd=tree,
        timeout=600,
    )
    assert proc.returncode in (1, 2), proc.stderr
    assert "Traceback" not in proc.stderr
    for line in proc.stderr.splitlines():
        assert line.startswith(("dockerlint-django: error: ", "dockerlint-django: warning: ")), line
    assert proc.stdout.count("\n") > len(COMPOSE_PROJECTS)
