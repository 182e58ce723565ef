"""Spans, mapped strings, comments and error lines of the Dockerfile parser, case by case."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dockerlint_django.dockerfile.ast import Instruction, ParseError, ParseResult
from dockerlint_django.dockerfile.parser import parse, to_oracle_dict
from dockerlint_django.source import Mapped, SourceFile, Span


def _parse(text: str) -> tuple[SourceFile, ParseResult]:
    source = SourceFile.from_text("Dockerfile", text)
    return source, parse(source)


def _only(text: str) -> tuple[SourceFile, Instruction]:
    source, result = _parse(text)
    (ins,) = result.instructions
    return source, ins


def _where(source: SourceFile, span: Span) -> tuple[int, int]:
    pos = source.position(span.start)
    return pos.line, pos.column


def test_flag_spans() -> None:
    source, ins = _only("COPY --from=build --link /src /dst\n")
    from_, link = ins.flags
    assert source.slice(from_.span) == "--from=build"
    assert (from_.raw, from_.name, from_.value) == ("--from=build", "from", "build")
    assert from_.value_span is not None and source.slice(from_.value_span) == "build"
    assert source.slice(link.span) == "--link"
    assert (link.name, link.value, link.value_span) == ("link", None, None)
    assert source.slice(ins.keyword_span) == "COPY"
    assert ins.args.text == "/src /dst" and source.slice(ins.args.span()) == "/src /dst"
    assert [source.slice(m.span()) for m in ins.value_mapped] == ["/src", "/dst"]


def test_quoted_flag_value_span_keeps_the_quotes() -> None:
    source, ins = _only('RUN --mount="type=cache,target=/root" pip install x\n')
    (flag,) = ins.flags
    assert flag.raw == "--mount=type=cache,target=/root"
    assert flag.value_span is not None
    assert source.slice(flag.value_span) == '"type=cache,target=/root"'
    assert ins.value == ("pip install x",)


def test_non_ascii_flag_is_kept_bytewise_like_buildkit() -> None:
    source, ins = _only("COPY --chown=josé a b\n")
    (flag,) = ins.flags
    assert flag.raw == "--chown=josÃ©"  # BuildKit turns each byte into a rune
    assert source.slice(flag.span) == "--chown=josé"
    assert ins.value == ("a", "b")


def test_json_element_maps_escapes_to_their_source() -> None:
    text = 'CMD ["echo", "a\\"b\\u00e9\\ud83d\\ude00"]\n'
    source, ins = _only(text)
    assert ins.json
    assert ins.value == ("echo", 'a"bé😀')
    m = ins.value_mapped[1]
    assert m.text == ins.value[1]
    pieces = [source.slice(m.span(k, k + 1)) for k in range(len(m))]
    assert pieces == ["a", '\\"', "b", "\\u00e9", "\\ud83d\\ude00"]
    assert source.slice(m.span()) == 'a\\"b\\u00e9\\ud83d\\ude00'
    assert source.slice(ins.value_mapped[0].span()) == "echo"


def test_word_on_a_continuation_line() -> None:
    text = (
        "FROM python:3.12 AS base\n"
        "RUN apt-get update \\\n"
        "    && apt-get install -y \\\n"
        "        curl\n"
    )
    source, result = _parse(text)
    run = result.instructions[1]
    assert run.value == ("apt-get update     && apt-get install -y         curl",)
    assert (run.start_line, run.end_line) == (2, 4)
    at = run.args.text.index("curl")
    span = run.args.span(at, at + 4)
    assert source.slice(span) == "curl"
    assert _where(source, span) == (4, 9)
    # The mapped value skips the escapes and line breaks it joined.
    assert run.value_mapped[0].span() == Span(text.index("apt-get update"), text.index("curl") + 4)
    assert source.slice(run.span) == text[text.index("RUN") : text.index("curl") + 4]
    assert [source.slice(s) for s in run.line_spans] == [
        "RUN apt-get update \\",
        "    && apt-get install -y \\",
        "        curl",
    ]


def test_from_split_over_lines_with_comment_and_blank_inside() -> None:
    text = "FROM \\\n# which image\n\n  python:3.12 \\\n  AS base\n"
    source, result = _parse(text)
    (ins,) = result.instructions
    assert ins.value == ("python:3.12", "AS", "base")
    assert [_where(source, m.span()) for m in ins.value_mapped] == [(4, 3), (5, 3), (5, 6)]
    assert [c.text for c in result.comments] == ["which image"]
    assert result.comments[0].line == 2
    assert ins.end_line == 5
    assert result.warnings  # the empty continuation line


def test_heredoc_marker_and_body() -> None:
    text = "FROM a\nRUN <<EOF bash\necho hi\n  two\nEOF\nUSER app\n"
    source, result = _parse(text)
    run = result.instructions[1]
    (doc,) = run.heredocs
    assert (doc.name, doc.content, doc.file_descriptor, doc.chomp, doc.expand) == (
        "EOF",
        "echo hi\n  two\n",
        0,
        False,
        True,
    )
    assert source.slice(doc.marker) == "<<EOF"
    assert source.slice(doc.body.span()) == "echo hi\n  two\n"
    assert doc.body.text == doc.content
    assert (run.start_line, run.end_line) == (2, 5)
    assert source.slice(run.span) == "RUN <<EOF bash\necho hi\n  two\nEOF"
    assert result.instructions[2].start_line == 6


def test_heredoc_forms() -> None:
    text = "COPY <<-'A' 3<<\"B\" /dst\n\tx\n\tA\ny $z\nB\n"
    source, ins = _only(text)
    first, second = ins.heredocs
    assert (first.name, first.chomp, first.expand, first.content) == ("A", True, False, "\tx\n")
    assert (second.name, second.file_descriptor, second.expand) == ("B", 3, False)
    assert source.slice(first.marker) == "<<-'A'"
    assert source.slice(second.marker) == '3<<"B"'
    assert ins.value == ("<<-'A'", '3<<"B"', "/dst")


def test_crlf_columns_and_line_breaks_excluded() -> None:
    text = "FROM a\r\nRUN echo hi \\\r\n  there\r\n"
    source, result = _parse(text)
    run = result.instructions[1]
    assert _where(source, run.keyword_span) == (2, 1)
    assert source.slice(run.span) == "RUN echo hi \\\r\n  there"
    assert run.value == ("echo hi   there",)
    at = run.args.text.index("there")
    assert _where(source, run.args.span(at, at + 5)) == (3, 3)
    row = to_oracle_dict(result)["instructions"][1]
    assert (row["start_column"], row["end_column"]) == (1, 8)
    assert row["span"] == [run.span.start, run.span.end]


def test_bom_is_not_part_of_the_offsets() -> None:
    source = SourceFile.from_bytes("Dockerfile", b"\xef\xbb\xbfFROM a\n")
    (ins,) = parse(source).instructions
    assert ins.keyword_span == Span(0, 4)


def test_bare_cr_line_ends_make_one_buildkit_line() -> None:
    _, ins = _only("FROM a\rRUN b\r")
    assert ins.value == ("a", "RUN", "b")
    assert (ins.start_line, ins.end_line) == (1, 1)


def test_no_final_newline() -> None:
    source, ins = _only("FROM a AS b")
    assert source.slice(ins.span) == "FROM a AS b"
    assert source.slice(ins.value_mapped[2].span()) == "b"


def test_env_forms() -> None:
    source, result = _parse('ENV k  v w\nENV a=1 b="x y" c=\\ z\n')
    legacy, modern = result.instructions
    assert legacy.value == ("k", "v w")
    assert source.slice(legacy.value_mapped[1].span()) == "v w"
    assert modern.value == ("a", "1", "b", '"x y"', "c", "\\ z")
    assert [source.slice(m.span()) for m in modern.value_mapped] == list(modern.value)


def test_onbuild_sub_instruction() -> None:
    source, ins = _only('ONBUILD COPY --from=x ["a", "b"]\n')
    assert ins.keyword == "ONBUILD"
    assert ins.value == ("",)  # BuildKit's Node.Next holds the trigger as a child
    assert ins.sub is not None
    assert (ins.sub.keyword, ins.sub.json, ins.sub.value) == ("COPY", True, ("a", "b"))
    assert source.slice(ins.sub.keyword_span) == "COPY"
    assert source.slice(ins.sub.flags[0].span) == "--from=x"
    row = to_oracle_dict(parse(source))["instructions"][0]
    assert (row["cmd"], row["sub_cmd"], row["json"], row["value"]) == (
        "ONBUILD",
        "COPY",
        True,
        ["a", "b"],
    )


def test_healthcheck_and_unknown_instruction() -> None:
    source, result = _parse('HEALTHCHECK --interval=5s CMD ["curl", "-f"]\nfrobnicate now\n')
    health, unknown = result.instructions
    assert health.json and health.value == ("CMD", "curl", "-f")
    assert source.slice(health.value_mapped[0].span()) == "CMD"
    assert unknown.keyword == "FROBNICATE" and unknown.value == ("",)
    assert to_oracle_dict(result)["instructions"][1]["cmd"] == "frobnicate"


def test_comments_above_an_instruction() -> None:
    text = (
        "# syntax=docker/dockerfile:1\n# one\n\n# two\nFROM a\n"
        "#\n# three\nRUN b \\\n  # inside\n  c\n"
    )
    _, result = _parse(text)
    from_, run = result.instructions
    assert result.directives.syntax == "docker/dockerfile:1"
    assert [c.text for c in from_.comments] == ["one", "two"]  # blank lines do not break it
    assert [c.text for c in run.comments] == ["three"]  # an empty comment does
    assert [(c.line, c.text) for c in result.comments] == [
        (1, "syntax=docker/dockerfile:1"),
        (2, "one"),
        (4, "two"),
        (6, ""),
        (7, "three"),
        (9, "inside"),
    ]


def test_escape_and_check_directives() -> None:
    text = "# escape=`\n# check=skip=JSONArgsRecommended\nFROM a `\n  AS b\n"
    source, result = _parse(text)
    directives = result.directives
    assert directives.escape == "`"
    assert directives.escape_span is not None and source.slice(directives.escape_span) == "`"
    assert directives.check == "skip=JSONArgsRecommended"
    (ins,) = result.instructions
    assert ins.value == ("a", "AS", "b")


def test_mapped_values_read_back_from_the_source() -> None:
    text = 'FROM a\nLABEL x="1 2" \\\n  y=3\nEXPOSE 80/tcp 443\nARG V=1\nVOLUME ["/a", "/b"]\n'
    source, result = _parse(text)
    for ins in result.instructions:
        assert tuple(m.text for m in ins.value_mapped) == ins.value
        for m in ins.value_mapped:
            span = m.span()
            assert 0 <= span.start <= span.end <= len(source.text)
            if not ins.json:
                assert all(source.text[a] == ch for a, ch in zip(m.starts, m.text, strict=True))


_NAME_VALUE = "Must be of the form: name=value"
NOT_STRING_ARRAY = "when using JSON array syntax, arrays must be comprised of strings only"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("FROM a\nENV x\n", "ENV must have two arguments", 2),
        ("FROM a\nLABEL x=1 \\\n  y\n", 'Syntax error - can\'t find = in "y". ' + _NAME_VALUE, 2),
        ("FROM a\n\nRUN <<EOF\nbody\n", "unterminated heredoc", 3),
        ('FROM a\nCMD ["a", 1]\n', NOT_STRING_ARRAY, 2),
        ("# syntax=a\n# escape=x\nFROM a\n", "invalid escape token 'x' does not match ` or \\", 2),
        ("# escape=`\n# escape=\\\nFROM a\n", "only one escape parser directive can be used", 2),
        ("", "file with no instructions", 0),
        ("# only a comment\n\n", "file with no instructions", 0),
        ("FROM a\nONBUILD ENV b\n", "ENV must have two arguments", 2),
    ],
)  # fmt: skip
def test_parse_errors(text: str, message: str, line: int) -> None:
    with pytest.raises(ParseError) as info:
        parse(SourceFile.from_text("Dockerfile", text))
    assert (info.value.message, info.value.line) == (message, line)


def test_too_long_line() -> None:
    with pytest.raises(ParseError) as info:
        parse(SourceFile.from_text("Dockerfile", "FROM a\nRUN " + "x" * 70000 + "\n"))
    assert info.value.message == "dockerfile line greater than max allowed size of 65535"
    assert info.value.line == 2


def test_oracle_dict_fields() -> None:
    _, result = _parse("FROM a\nCOPY <<EOF /x\nhi\nEOF\n")
    rows = to_oracle_dict(result)["instructions"]
    assert set(rows[1]) == {
        "cmd", "sub_cmd", "json", "start_line", "end_line", "flags", "value", "heredocs",
        "start_column", "end_column", "span",
    }  # fmt: skip
    assert rows[1]["heredocs"] == [{"name": "EOF", "content": "hi\n"}]
    assert (rows[1]["start_line"], rows[1]["end_line"], rows[1]["end_column"]) == (2, 4, 4)


def test_mapped_join_of_a_continued_line_is_contiguous_per_piece() -> None:
    source, ins = _only("RUN a \\\n  b\n")
    args: Mapped = ins.args
    assert args.text == "a   b"
    assert [source.text[s] for s in args.starts] == ["a", " ", " ", " ", "b"]


_SCRAPS = st.lists(
    st.sampled_from(
        [
            "RUN ", "COPY ", "ENV ", "ONBUILD ", "FROM ", "a", " ", "\t", "\n", "\r", "\\", "`",
            "'", '"', "$", "{", "}", "=", "[", "]", ",", "#", "<<EOF", "\nEOF\n", "--x=", "\x00",
            "\v", "\x85", "\xa0", "\u3000", "é", "à", "\u2800", "😀", '["a\\u00e9"]',
            "# escape=`\n",
        ]
    ),
    max_size=40,
).map("".join)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(_SCRAPS)
def test_any_text_parses_or_raises_parse_error(text: str) -> None:
    source = SourceFile.from_text("Dockerfile", text)
    try:
        result = parse(source)
    except ParseError:
        return
    size = len(source.text)
    for ins in result.instructions:
        for item in (ins, *((ins.sub,) if ins.sub else ())):
            assert 0 <= item.span.start <= item.span.end <= size
            assert tuple(m.text for m in item.value_mapped) == item.value
            for m in (*item.value_mapped, item.args):
                assert all(0 <= a < b <= size for a, b in zip(m.starts, m.ends, strict=True))
    to_oracle_dict(result)
