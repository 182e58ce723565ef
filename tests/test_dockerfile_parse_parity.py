"""A second, independent parser agrees with ours on where instructions start and end.

BuildKit's own parser (PyPI's ``dockerfile``) is the oracle for everything; ``dockerfile-parse``
is the parser most Python tooling uses. It cannot be our structural parser (it splits heredoc
bodies into fake instructions and has no columns), but on files without heredocs or an escape
directive its instruction boundaries are a cheap cross-check of continuation and comment
handling.
"""

from __future__ import annotations

import io

import pytest

from dockerlint_django.dockerfile.ast import ParseError
from dockerlint_django.dockerfile.parser import parse
from dockerlint_django.source import SourceFile
from tests.conftest import corpus_file, corpus_rows

dockerfile_parse = pytest.importorskip("dockerfile_parse")

ROWS = [r["local_file"] for r in corpus_rows("dockerfile")]


def _theirs(text: str) -> list[tuple[str, int, int]]:
    parser = dockerfile_parse.DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8")))
    return [
        (s["instruction"], s["startline"] + 1, s["endline"] + 1)
        for s in parser.structure
        if s["instruction"] != "COMMENT"
    ]


def _ours(text: str) -> list[tuple[str, int, int]]:
    result = parse(SourceFile.from_text("Dockerfile", text))
    return [(i.keyword, i.start_line, i.end_line) for i in result.instructions]


@pytest.mark.skipif(not ROWS, reason="../shared/corpus is not present")
def test_instruction_boundaries_match_on_the_corpus() -> None:
    compared = 0
    for local in ROWS:
        text = corpus_file(local).read_bytes().decode("utf-8")
        if "<<" in text or "escape=" in text:
            continue  # heredocs and escape directives are where dockerfile-parse is wrong
        try:
            ours = _ours(text)
        except ParseError:
            continue
        assert ours == _theirs(text), local
        compared += 1
        assert ours
    assert compared > 200


def test_continuation_with_comment_lines() -> None:
    text = (
        "FROM python:3.11\n"
        "RUN apt-get update \\\n"
        "# a comment inside\n"
        "    && apt-get install -y x\n"
        'CMD ["a"]\n'
    )
    assert _ours(text) == _theirs(text) == [("FROM", 1, 1), ("RUN", 2, 4), ("CMD", 5, 5)]
