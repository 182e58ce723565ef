"""Spans across files: each file the check reads has its own offset range, and reports find it."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from dockerlint_django.project.workspace import Workspace
from dockerlint_django.results import FileResult, Finding, flatten
from dockerlint_django.rules._base import Severity
from dockerlint_django.source import Position, SourceFile, Span
from tests.conftest import ROOT


def _files() -> tuple[SourceFile, SourceFile, SourceFile]:
    return (
        SourceFile.from_text("Dockerfile", 'FROM python\nCMD ["/start.sh"]\n'),
        SourceFile.from_text("start.sh", "#!/bin/sh\nexec gunicorn --workers 3 app.wsgi\n"),
        SourceFile.from_text("other.sh", ""),
    )


def test_primary_file_keeps_its_own_offsets() -> None:
    dockerfile, _, _ = _files()
    ws = Workspace(dockerfile)
    assert ws.locate(Span(5, 11)) == (dockerfile, Span(5, 11))
    assert ws.locate(Span(len(dockerfile.text), len(dockerfile.text)))[0] is dockerfile


def test_other_files_get_their_own_ranges() -> None:
    dockerfile, script, empty = _files()
    ws = Workspace(dockerfile)
    base = ws.add(script)
    assert base > len(dockerfile.text)
    assert ws.add(script) == base  # the same file is added once
    start = script.text.index("--workers")
    found, span = ws.locate(Span(base + start, base + start + 9))
    assert found is script
    assert script.slice(span) == "--workers"
    # An empty file, and an empty span at a file's end, stay in their own file.
    empty_base = ws.add(empty)
    assert ws.locate(Span(empty_base, empty_base)) == (empty, Span(0, 0))
    end = base + len(script.text)
    assert ws.locate(Span(end, end)) == (script, Span(len(script.text), len(script.text)))


def test_mapped_text_is_in_workspace_offsets() -> None:
    dockerfile, script, _ = _files()
    ws = Workspace(dockerfile)
    mapped = ws.mapped(script)
    at = script.text.index("gunicorn")
    assert ws.locate(mapped.span(at, at + 8)) == (script, Span(at, at + 8))


def _finding(path: str, code: str, start: int) -> Finding:
    return Finding(
        path,
        code,
        "name",
        "message",
        Severity.WARNING,
        Span(start, start + 1),
        Position(1, start + 1),
        Position(1, start + 2),
    )


def test_flatten_merges_findings_in_shared_files_once() -> None:
    _, script, _ = _files()
    shared = _finding("start.sh", "DJ010", 3)
    a = FileResult("a/Dockerfile", None, None, others=[FileResult("start.sh", None, script)])
    a.others[0].findings.append(shared)
    b = FileResult("b/Dockerfile", None, None, others=[FileResult("start.sh", None, script)])
    b.others[0].findings.extend([shared, _finding("start.sh", "DJ023", 0)])
    out = flatten([a, b])
    assert [r.path for r in out] == ["a/Dockerfile", "b/Dockerfile", "start.sh"]
    assert [f.code for f in out[2].findings] == ["DJ023", "DJ010"]


def test_flatten_adds_to_a_file_that_was_checked_itself() -> None:
    _, script, _ = _files()
    own = FileResult("start.sh", None, script, findings=[_finding("start.sh", "DJ023", 0)])
    a = FileResult("Dockerfile", None, None, others=[FileResult("start.sh", None, script)])
    a.others[0].findings.extend(
        [_finding("start.sh", "DJ023", 0), _finding("start.sh", "DJ010", 4)]
    )
    out = flatten([own, a])
    assert len(out) == 2
    assert [f.code for f in out[0].findings] == ["DJ023", "DJ010"]


def test_every_result_reaches_flatten_with_its_findings_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # flatten sorts only the results others merge into: every producer must hand over its
    # findings sorted (the engine, its results for scripts, Compose files, templates).
    from click.testing import CliRunner

    from dockerlint_django.cli import _run, cli

    counted: list[int] = []

    def checked(given: Iterable[FileResult]) -> list[FileResult]:
        kept = list(given)
        pending = list(kept)
        while pending:
            r = pending.pop()
            assert r.findings == sorted(r.findings, key=Finding.sort_key), r.path
            counted.append(len(r.findings))
            pending.extend(r.others)
        return flatten(kept)

    monkeypatch.setattr(_run, "flatten", checked)
    for project in sorted((ROOT / "fixtures" / "projects").iterdir()):
        folder = project / "input" if (project / "input").is_dir() else project
        monkeypatch.chdir(folder)
        CliRunner().invoke(cli, ["check", "--exit-zero", "."], catch_exceptions=False)
    assert len(counted) > 10 and sum(counted) > 20  # the projects were checked, and found things
