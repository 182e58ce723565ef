"""Line ends as BuildKit reads them: a line ends at ``\\n`` only.

BuildKit's scanner (``bufio.ScanLines``) splits at ``\\n``; the CRs before it are trimmed as
trailing white space, and a lone CR is white space inside the line. A Dockerfile's
``SourceFile`` counts lines that way (``LF_ONLY``), so a finding's line is the one BuildKit
names, and a fix that inserts a line puts it where BuildKit sees a line start. The oracle is
the ``dockerfile`` package (BuildKit v0.12.5's parser).
"""

from __future__ import annotations

from typing import Any

import pytest

from dockerlint_django.dockerfile.edits import insert_line_before
from dockerlint_django.dockerfile.parser import parse
from dockerlint_django.fix import Fix, apply_fixes
from dockerlint_django.source import (
    ANY_BREAK,
    LF_ONLY,
    LineIndex,
    SourceError,
    SourceFile,
    detect_newline,
)

dockerfile = pytest.importorskip("dockerfile")

ENDS = {"lf": "\n", "crlf": "\r\n", "crcrlf": "\r\r\n", "cr": "\r"}

# Lines of a Dockerfile, joined with each line end in turn: a RUN continued over three lines, a
# comment block (a pragma above an instruction), a heredoc, an indented instruction. With lone
# CRs it is all one line for BuildKit: a FROM with many arguments.
LINES = [
    "FROM python:3.12 AS build",
    "RUN pip install \\",
    "    django \\",
    "    gunicorn",
    "# a note on the next instruction",
    "# dockerlint: ignore=DJ001",
    "COPY <<EOF /app/config",
    "key=value",
    "EOF",
    "  WORKDIR /app",
    'CMD ["gunicorn", "app.wsgi"]',
]


def _text(end: str) -> str:
    return end.join(LINES) + end


def _oracle(text: str) -> list[dict[str, Any]]:
    return [
        {"cmd": c.cmd.upper(), "value": list(c.value), "start": c.start_line, "end": c.end_line}
        for c in dockerfile.parse_string(text)
    ]


def _ours(source: SourceFile) -> list[dict[str, Any]]:
    return [
        {"cmd": i.keyword, "value": list(i.value), "start": i.start_line, "end": i.end_line}
        for i in parse(source).instructions
    ]


def _buildkit_lines(text: str) -> list[str]:
    """The file's lines as BuildKit scans them: split at LF, trailing CRs trimmed."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


@pytest.mark.parametrize("name", ENDS)
def test_instruction_lines_are_buildkits(name: str) -> None:
    text = _text(ENDS[name])
    source = SourceFile.from_text("Dockerfile", text, LF_ONLY)
    expected = _oracle(text)
    assert _ours(source) == expected
    if name == "cr":
        assert len(expected) == 1 and source.index.line_count == 1  # no LF: one line
    lines = _buildkit_lines(text)
    # The index counts the empty line after the final LF too.
    assert source.index.line_count == len(lines) + text.endswith("\n")
    for ins in parse(source).instructions:
        # Positions of findings: the keyword sits on BuildKit's start line, the end on its end.
        assert source.position(ins.keyword_span.start).line == ins.start_line
        assert source.position(ins.span.end).line == ins.end_line or ins.heredocs
        # Spans read back the text BuildKit has on those lines.
        got = [source.slice(s) for s in ins.line_spans]
        assert got == lines[ins.start_line - 1 : ins.end_line]
        assert [source.line_text(n) for n in range(ins.start_line, ins.end_line + 1)] == got
        for value, mapped in zip(ins.value, ins.value_mapped, strict=True):
            assert mapped.text == value
            if not ins.json:
                assert all(text[a] == ch for a, ch in zip(mapped.starts, value, strict=True))


def test_lone_cr_files_are_one_buildkit_line() -> None:
    # The probe case df-lone-cr, byte for byte.
    text = "FROM python:3.12\rRUN echo a \\\rb\rCMD gunicorn app.wsgi\r"
    source = SourceFile.from_text("Dockerfile", text, LF_ONLY)
    assert _ours(source) == _oracle(text)
    (ins,) = parse(source).instructions
    assert ins.value == (
        "python:3.12",
        "RUN",
        "echo",
        "a",
        "\\",
        "b",
        "CMD",
        "gunicorn",
        "app.wsgi",
    )
    cmd = text.index("CMD")
    assert source.position(cmd).line == 1 and source.position(cmd).column == cmd + 1
    assert source.newline == "\n"  # a lone CR would not start a line for BuildKit
    # Read as other files are (ANY_BREAK), the same text has four lines and an empty fifth.
    assert SourceFile.from_text("x.py", text).index.line_count == 5


def test_crcrlf_probe_case() -> None:
    text = "FROM python:3.12\r\r\nRUN pip install django\r\r\nCMD gunicorn app.wsgi\r\r\n"
    source = SourceFile.from_text("Dockerfile", text, LF_ONLY)
    assert _ours(source) == _oracle(text)
    assert [i.start_line for i in parse(source).instructions] == [1, 2, 3]
    assert source.position(text.index("CMD")).line == 3
    assert source.newline == "\r\r\n"
    assert source.line_text(2) == "RUN pip install django"


def _insert_before(text: str, index: int, line: str = "LABEL inserted=1") -> str:
    source = SourceFile.from_text("Dockerfile", text, LF_ONLY)
    ins = parse(source).instructions[index]
    edit = insert_line_before(source, ins, line)
    new, applied = apply_fixes(text, [Fix("insert", (edit,))])
    assert applied == 1
    # Every other byte stays, line ends included: the edit only adds.
    assert new[: edit.start] + new[edit.start + len(edit.content) :] == text
    return new


@pytest.mark.parametrize("name", ENDS)
def test_inserting_a_line_before_each_instruction(name: str) -> None:
    text = _text(ENDS[name])
    before = _oracle(text)
    for index in range(len(before)):
        new = _insert_before(text, index)
        after = _oracle(new)
        label = {"cmd": "LABEL", "value": ["inserted", "1"]}
        assert [{k: v for k, v in c.items() if k in ("cmd", "value")} for c in after] == [
            *[{"cmd": c["cmd"], "value": c["value"]} for c in before[:index]],
            label,
            *[{"cmd": c["cmd"], "value": c["value"]} for c in before[index:]],
        ], (name, index, new)
        # What follows moves down one line; what comes before stays.
        assert [c["start"] for c in after[:index]] == [c["start"] for c in before[:index]]
        assert [c["start"] for c in after[index + 1 :]] == [c["start"] + 1 for c in before[index:]]


def test_inserted_line_goes_above_the_comments_of_the_instruction() -> None:
    for end in ("\n", "\r\n", "\r\r\n"):
        text = _text(end)
        copy = parse(SourceFile.from_text("D", text, LF_ONLY)).instructions[2]
        assert copy.keyword == "COPY"
        new = _insert_before(text, 2)
        assert f"gunicorn{end}LABEL inserted=1{end}# a note" in new
        # The indentation of the instruction is kept.
        new = _insert_before(text, 3)
        assert f"EOF{end}  LABEL inserted=1{end}  WORKDIR" in new


def test_insert_with_lone_crs_inside_a_continuation() -> None:
    # A lone CR is white space inside BuildKit's line; an insertion after it would land in the
    # RUN's continuation. The edit must use LF, whatever the source counts.
    text = "FROM a\nRUN echo a \\\rb\nCMD x\n"
    for breaks in (LF_ONLY, ANY_BREAK):
        source = SourceFile.from_text("Dockerfile", text, breaks)
        cmd = parse(source).instructions[2]
        edit = insert_line_before(source, cmd, "LABEL x=1")
        assert edit.start == text.index("CMD") and edit.content == "LABEL x=1\n"
    new = _insert_before(text, 1)
    assert new == "FROM a\nLABEL inserted=1\nRUN echo a \\\rb\nCMD x\n"
    assert [c["cmd"] for c in _oracle(new)] == ["FROM", "LABEL", "RUN", "CMD"]


def test_line_index_modes() -> None:
    assert tuple(LineIndex.build("a\rb\r\nc\r\rd\n", LF_ONLY).starts) == (0, 5, 10)
    assert tuple(LineIndex.build("a\rb\r\nc\r\rd\n").starts) == (0, 2, 5, 7, 8, 10)
    assert LineIndex.build("", LF_ONLY).starts == (0,)
    src = SourceFile.from_text("Dockerfile", "FROM a \r\r\nRUN b\rc\r\n", LF_ONLY)
    assert [src.line_text(n) for n in (1, 2, 3)] == ["FROM a ", "RUN b\rc", ""]


@pytest.mark.parametrize(
    ("text", "newline"),
    [
        ("a\nb", "\n"),
        ("a\r\nb", "\r\n"),
        ("a\r\r\nb", "\r\r\n"),
        ("a\rb\r", "\n"),
        ("a\rb\r\n", "\r\n"),
        ("", "\n"),
    ],
)
def test_newline_for_a_dockerfile(text: str, newline: str) -> None:
    assert detect_newline(text, LF_ONLY) == newline
    assert SourceFile.from_text("Dockerfile", text, LF_ONLY).newline == newline


def test_with_line_breaks() -> None:
    src = SourceFile.from_text("Dockerfile", "FROM a\rRUN b\r\nCMD c\r\n")
    assert (src.newline, src.index.line_count) == ("\r", 4)
    df = src.with_line_breaks(LF_ONLY)
    assert (df.newline, df.index.line_count, df.text) == ("\r\n", 3, src.text)
    assert df.with_line_breaks(LF_ONLY) is df
    assert df.with_line_breaks(ANY_BREAK) == src


def test_invalid_utf8_line_is_counted_like_buildkit() -> None:
    with pytest.raises(SourceError) as info:
        SourceFile.from_bytes("Dockerfile", b"FROM x\rRUN a\rRUN \xff\r", LF_ONLY)
    assert info.value.line == 1
    with pytest.raises(SourceError) as info:
        SourceFile.from_bytes("Dockerfile", b"FROM x\r\r\nRUN \xff\n", LF_ONLY)
    assert info.value.line == 2


@pytest.mark.parametrize(
    "text",
    [
        "FROM python:3.12\r\r\nRUN pip install django\r\r\nCMD gunicorn app.wsgi\r\r\n",
        "FROM python:3.12\nRUN echo a \\\rb\nCMD gunicorn app.wsgi\n",
        "FROM python:3.12\r\nRUN echo a \\\r\n  b\r\nCMD gunicorn app.wsgi\r\n",
    ],
    ids=["crcrlf", "lone-cr-in-continuation", "crlf"],
)
def test_fixes_that_insert_lines_keep_the_file_buildkits(text: str) -> None:
    # Through the rules' own fixes (DJ011 adds ENV WEB_CONCURRENCY, DJ021 adds EXPOSE, both
    # above the CMD). With lone CRs counted as line breaks, the ENV landed inside the RUN's
    # continuation, and the \r\r\n file did not converge.
    from dockerlint_django.testing import fix_text

    new, converged = fix_text(text, ["DJ011", "DJ021"], unsafe=True)
    assert converged
    before = [(c.cmd, c.value) for c in dockerfile.parse_string(text)]
    after = [(c.cmd, c.value) for c in dockerfile.parse_string(new)]
    added = [c for c in after if c not in before]
    assert [c[0] for c in added] == ["ENV", "EXPOSE"]
    assert [c for c in after if c in before] == before
    assert after[-1] == before[-1]
    end = detect_newline(text, LF_ONLY)
    for cmd, value in added:
        new = new.replace(f"{cmd} {'='.join(value) if cmd == 'ENV' else value[0]}{end}", "", 1)
    assert new == text  # every other byte, line ends included
