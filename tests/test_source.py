"""SourceFile decoding, line index and Mapped strings: the ground every span stands on."""

from __future__ import annotations

import pytest

from dockerlint_django.source import (
    LineIndex,
    Mapped,
    Position,
    SourceError,
    SourceFile,
    Span,
    detect_newline,
)


class TestDecoding:
    def test_bom_is_removed_from_text_and_restored_on_encode(self) -> None:
        data = b"\xef\xbb\xbfFROM python:3.11\n"
        src = SourceFile.from_bytes("Dockerfile", data)
        assert src.bom is True
        assert src.text == "FROM python:3.11\n"
        assert src.position(0) == Position(1, 1)
        assert src.encode() == data
        assert src.encode("FROM x\n") == b"\xef\xbb\xbfFROM x\n"

    def test_no_bom_encodes_without_one(self) -> None:
        src = SourceFile.from_bytes("Dockerfile", b"FROM x\n")
        assert src.bom is False
        assert src.encode() == b"FROM x\n"

    def test_from_text_strips_bom_too(self) -> None:
        src = SourceFile.from_text("Dockerfile", "\ufeffFROM x\r\n")
        assert (src.bom, src.text, src.newline) == (True, "FROM x\r\n", "\r\n")

    def test_only_a_leading_bom_counts(self) -> None:
        src = SourceFile.from_bytes("Dockerfile", "FROM x\n# \ufeff\n".encode())
        assert src.bom is False
        assert src.text.endswith("\ufeff\n")

    @pytest.mark.parametrize(
        ("data", "newline"),
        [
            (b"FROM x\nRUN y\n", "\n"),
            (b"FROM x\r\nRUN y\r\n", "\r\n"),
            (b"FROM x\rRUN y\r", "\r"),
            (b"FROM x", "\n"),
            (b"FROM x\r\nRUN y\n", "\r\n"),
            (b"FROM x\nRUN y\r\n", "\n"),
        ],
    )
    def test_newline_is_the_first_break(self, data: bytes, newline: str) -> None:
        src = SourceFile.from_bytes("Dockerfile", data)
        assert src.newline == newline
        assert src.encode() == data

    def test_detect_newline_cr_at_end(self) -> None:
        assert detect_newline("a\r") == "\r"
        assert detect_newline("") == "\n"

    def test_invalid_utf8_names_the_line(self) -> None:
        data = b"FROM x\nRUN a\nRUN \xff\n"
        with pytest.raises(SourceError) as info:
            SourceFile.from_bytes("Dockerfile", data)
        assert info.value.line == 3
        assert "UTF-8" in info.value.message
        assert "byte 17" in info.value.message

    def test_invalid_utf8_line_counts_crlf_once(self) -> None:
        with pytest.raises(SourceError) as info:
            SourceFile.from_bytes("Dockerfile", b"FROM x\r\nRUN \xc3(\r\n")
        assert info.value.line == 2

    def test_invalid_utf8_line_counts_lone_cr(self) -> None:
        # The line index treats a lone CR as a line break, so the error must agree with it.
        with pytest.raises(SourceError) as info:
            SourceFile.from_bytes("Dockerfile", b"FROM x\rRUN a\rRUN \xff\r")
        assert info.value.line == 3

    def test_invalid_utf8_on_first_line(self) -> None:
        with pytest.raises(SourceError) as info:
            SourceFile.from_bytes("Dockerfile", b"\xfeFROM x\n")
        assert info.value.line == 1

    def test_truncated_multibyte_sequence_at_end(self) -> None:
        with pytest.raises(SourceError) as info:
            SourceFile.from_bytes("Dockerfile", b"FROM x\nRUN \xe2\x82")
        assert info.value.line == 2


class TestLineIndex:
    @pytest.mark.parametrize(
        ("text", "starts"),
        [
            ("", (0,)),
            ("a", (0,)),
            ("a\n", (0, 2)),
            ("a\nb", (0, 2)),
            ("a\r\nb\r\n", (0, 3, 6)),
            ("a\rb\r", (0, 2, 4)),
            ("a\r\rb", (0, 2, 3)),
            ("a\n\r\nb", (0, 2, 4)),
        ],
    )
    def test_line_starts(self, text: str, starts: tuple[int, ...]) -> None:
        index = LineIndex.build(text)
        assert index.starts == starts
        assert index.line_count == len(starts)

    def test_positions_in_crlf_text(self) -> None:
        src = SourceFile.from_text("f", "FROM x\r\nRUN y\r\n")
        assert src.position(0) == Position(1, 1)
        assert src.position(6) == Position(1, 7)  # the CR
        assert src.position(7) == Position(1, 8)  # the LF: still line 1
        assert src.position(8) == Position(2, 1)
        assert src.position(len(src.text)) == Position(3, 1)

    def test_positions_without_final_newline(self) -> None:
        src = SourceFile.from_text("f", "FROM x\nRUN y")
        assert src.index.line_count == 2
        assert src.position(len(src.text)) == Position(2, 6)
        assert src.line_text(2) == "RUN y"

    def test_position_clamps_out_of_range_offsets(self) -> None:
        src = SourceFile.from_text("f", "ab\ncd")
        assert src.position(-5) == Position(1, 1)
        assert src.position(999) == Position(2, 3)

    def test_columns_count_code_points(self) -> None:
        # "é" is 2 bytes in UTF-8, "😀" 4 bytes and 2 UTF-16 units: columns count neither.
        text = "LABEL a=é😀 b=ü\nRUN x\n"
        src = SourceFile.from_bytes("f", text.encode("utf-8"))
        b = src.text.index("b=")
        assert src.position(b) == Position(1, 12)
        run = src.text.index("RUN")
        assert src.position(run) == Position(2, 1)
        assert src.position(run + 4) == Position(2, 5)

    def test_offset_is_the_inverse_of_position(self) -> None:
        src = SourceFile.from_text("f", "é\r\n😀x\rlast")
        for off in range(len(src.text) + 1):
            pos = src.position(off)
            assert src.index.offset(pos.line, pos.column) == off

    @pytest.mark.parametrize("text", ["", "a", "ab\ncd", "ab\n", "\n\n\n", "é\r\n😀x\rlast\n"])
    def test_positions_of_a_span_are_each_offsets_position(self, text: str) -> None:
        # The one-lookup path for a span on one line must agree with two lookups everywhere:
        # at line starts, at the end, past the end and with the ends reversed.
        src = SourceFile.from_text("f", text)
        offsets = range(-1, len(src.text) + 3)
        for start in offsets:
            for end in offsets:
                assert src.index.positions(start, end) == (src.position(start), src.position(end))

    def test_line_text_strips_only_the_break(self) -> None:
        src = SourceFile.from_text("f", "FROM x  \r\nRUN y\rCMD z\n\n")
        assert [src.line_text(i) for i in range(1, src.index.line_count + 1)] == [
            "FROM x  ",
            "RUN y",
            "CMD z",
            "",
            "",
        ]
        assert src.index.line_start(3) == src.text.index("CMD")

    def test_slice(self) -> None:
        src = SourceFile.from_text("f", "FROM é AS b\n")
        assert src.slice(Span(5, 6)) == "é"
        assert src.slice(Span(7, 7)) == ""


class TestSpan:
    def test_rejects_negative_and_reversed(self) -> None:
        with pytest.raises(ValueError):
            Span(-1, 2)
        with pytest.raises(ValueError):
            Span(3, 2)

    def test_cover_contains_len(self) -> None:
        a, b = Span(2, 4), Span(7, 9)
        assert a.cover(b) == Span(2, 9) == b.cover(a)
        assert len(Span(3, 3)) == 0
        assert a.contains(2) and a.contains(3) and not a.contains(4)
        assert not Span(3, 3).contains(3)


class TestMapped:
    def test_from_source_maps_each_character(self) -> None:
        m = Mapped.from_source("abc", 10)
        assert str(m) == "abc"
        assert m.starts == (10, 11, 12)
        assert m.ends == (11, 12, 13)
        assert m.span() == Span(10, 13)
        assert m.span(1, 2) == Span(11, 12)

    def test_lengths_must_agree(self) -> None:
        with pytest.raises(ValueError):
            Mapped("ab", (0,), (1,))

    def test_slicing_keeps_positions(self) -> None:
        m = Mapped.from_source("gunicorn", 100)
        part = m[3:6]
        assert str(part) == "ico"
        assert part.span() == Span(103, 106)
        assert m[-2:].span() == Span(106, 108)
        assert m[5] == "o"

    def test_slice_with_step_is_refused(self) -> None:
        with pytest.raises(ValueError):
            Mapped.from_source("abc", 0)[::2]

    def test_empty_slice_is_anchored_where_it_was_cut(self) -> None:
        m = Mapped.from_source("abc", 10)
        assert m[1:1].span() == Span(11, 11)
        assert m[3:].span() == Span(13, 13)
        assert m[10:20].span() == Span(13, 13)
        assert m[2:1].span() == Span(12, 12)
        assert m.span(2, 2) == Span(12, 12)
        assert m.span(3, 3) == Span(13, 13)

    def test_empty_at_keeps_its_anchor_through_slicing_and_strip(self) -> None:
        e = Mapped.empty_at(42)
        assert len(e) == 0
        assert e.span() == Span(42, 42)
        assert e[0:0].span() == Span(42, 42)
        assert e[5:9].span() == Span(42, 42)
        assert e.strip().span() == Span(42, 42)

    def test_join_concatenates_maps(self) -> None:
        # A continuation line: "RUN a \\\n  b" joined without the backslash-newline.
        a = Mapped.from_source("a ", 4)
        b = Mapped.from_source("b", 11)
        j = Mapped.join([a, b])
        assert str(j) == "a b"
        assert j.starts == (4, 5, 11)
        assert j.span() == Span(4, 12)
        assert j[1:3].span() == Span(5, 12)

    def test_join_of_empties_keeps_the_first_anchor(self) -> None:
        j = Mapped.join([Mapped.empty_at(7), Mapped.empty_at(9)])
        assert str(j) == ""
        assert j.span() == Span(7, 7)

    def test_join_skips_empty_parts_positionally(self) -> None:
        j = Mapped.join([Mapped.empty_at(3), Mapped.from_source("xy", 20)])
        assert str(j) == "xy"
        assert j.span() == Span(20, 22)

    def test_synthesised_characters_take_a_neighbours_place(self) -> None:
        # A decoded JSON escape "\\n" (two source chars) becomes one character spanning both.
        m = Mapped("a\nb", (0, 1, 3), (1, 3, 4))
        assert m[1:2].span() == Span(1, 3)
        assert m.span() == Span(0, 4)

    def test_strip_keeps_positions(self) -> None:
        m = Mapped.from_source("  web \t", 50)
        s = m.strip()
        assert str(s) == "web"
        assert s.span() == Span(52, 55)
        assert Mapped.from_source("   ", 5).strip().span() == Span(8, 8)

    def test_sequence_protocol_and_find(self) -> None:
        m = Mapped.from_source("a=b", 0)
        assert list(m) == ["a", "=", "b"]
        assert m.find("=") == 1
        assert m.find("=", 2) == -1
        assert "=" in m

    def test_equality_includes_positions(self) -> None:
        assert Mapped.from_source("ab", 0) == Mapped.from_source("ab", 0)
        assert Mapped.from_source("ab", 0) != Mapped.from_source("ab", 1)
        assert hash(Mapped.from_source("ab", 3)) == hash(Mapped.from_source("ab", 3))
        assert Mapped.from_source("ab", 0) != "ab"
