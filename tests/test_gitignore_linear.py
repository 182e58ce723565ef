"""A .gitignore line cannot make the folder search backtrack for ever: star-literal-star runs are
matched atomically, which gives the same answers as pathspec's plain regex (checked on generated
patterns and paths) in linear time."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pathspec

from dockerlint_django.discover import _linear, search


def test_the_pathological_line_from_the_report_is_answered_at_once(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("*a" * 25 + "*b\n", encoding="utf-8")
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / ("a" * 60)).write_text("", encoding="utf-8")
    (tmp_path / "Dockerfile").write_text("FROM python:3.12\n", encoding="utf-8")
    # In a subprocess with a bound: the old matcher did not return within minutes.
    code = (
        "import sys; from pathlib import Path; from dockerlint_django.discover import search; "
        "print(len(search([Path('.')]).targets))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"


def test_atomic_matching_answers_as_the_plain_regex_does() -> None:
    rng = random.Random(20261202)
    pieces = ["*", "a", "b", "ab", "*a", "?", "[ab]", "\\*", "/", "**/"]
    compared = 0
    for _ in range(4000):
        glob = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 7)))
        try:
            spec = pathspec.GitIgnoreSpec.from_lines([glob])
        except ValueError:
            continue
        if not spec.patterns or spec.patterns[0].regex is None:
            continue
        plain = spec.patterns[0].regex
        linear = re.compile(_linear(plain.pattern))
        for _ in range(25):
            path = "".join(rng.choice("ab/*") for _ in range(rng.randint(0, 10)))
            assert bool(plain.match(path)) == bool(linear.match(path)), (glob, path)
            compared += 1
    assert compared > 50_000


def test_ignored_files_stay_ignored(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("*o*k*e*n*\n", encoding="utf-8")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "Dockerfile").write_text("FROM python:3.12\n", encoding="utf-8")
    (tmp_path / "Dockerfile").write_text("FROM python:3.12\n", encoding="utf-8")
    found = [t.path.relative_to(tmp_path).as_posix() for t in search([tmp_path]).targets]
    assert found == ["Dockerfile"]
