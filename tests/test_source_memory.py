"""Memory of the parse layer: ``Mapped`` keeps runs, not an offset pair per character.

A 14.7 MB heredoc used to take 2.2 GB: two Python ints per character, copied on every slice
and join. These tests pin the run representation against a per-character model, bound the
parser's peak allocation per input byte (measured with tracemalloc, which counts what Python
allocates, so the numbers are deterministic), and check the bound on what a parse keeps.
"""

from __future__ import annotations

import re
import time
import tracemalloc
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dockerlint_django.dockerfile import parser as parser_module
from dockerlint_django.dockerfile.ast import ParseError, ParseResult
from dockerlint_django.dockerfile.parser import parse
from dockerlint_django.source import LF_ONLY, Mapped, MappedBuilder, SourceFile, Span

BS = "\\"


# --- Mapped against a model that keeps every character's offsets ------------------------------


class Model:
    """What ``Mapped`` was: the text and two offsets per character."""

    def __init__(self, text: str, starts: Sequence[int], ends: Sequence[int], anchor: int = 0):
        self.text, self.starts, self.ends, self.anchor = text, list(starts), list(ends), anchor

    def span(self, i: int, j: int) -> tuple[int, int]:
        if j <= i:
            at = self.point(i)
            return at, at
        return self.starts[i], self.ends[j - 1]

    def point(self, i: int) -> int:
        if not self.text:
            return self.anchor
        return self.ends[-1] if i >= len(self.text) else self.starts[i]

    def slice(self, i: int, j: int) -> Model:
        i, j = max(0, min(i, len(self.text))), max(0, min(j, len(self.text)))
        if j <= i:
            return Model("", [], [], self.point(i))
        return Model(self.text[i:j], self.starts[i:j], self.ends[i:j])


def same(m: Mapped, model: Model) -> None:
    assert m.text == model.text
    assert list(m.starts) == model.starts
    assert list(m.ends) == model.ends
    n = len(model.text)
    for i in range(n + 1):
        for j in (i, min(i + 1, n), n):
            got = _outcome(m.span, i, j)
            assert got == _outcome(lambda a, b: Span(*model.span(a, b)), i, j), (i, j)
    for k in range(n):
        assert (m.starts[k], m.ends[k]) == (model.starts[k], model.ends[k])
    if n:
        assert (m.starts[-1], m.ends[-1]) == (model.starts[-1], model.ends[-1])


def _outcome(f: Callable[[int, int], Span], i: int, j: int) -> Span | type[Exception]:
    # Offsets that go backwards make no Span (ValueError), with or without runs.
    try:
        return f(i, j)
    except ValueError as exc:
        return type(exc)


_offsets = st.integers(0, 40)


@st.composite
def pieces(draw: st.DrawFn) -> tuple[Mapped, Model]:
    """A verbatim piece, synthesised characters, arbitrary offsets, or an empty anchor."""
    kind = draw(st.sampled_from(["source", "source", "at", "free", "empty"]))
    text = draw(st.text(alphabet="ab \t", min_size=1, max_size=6))
    at = draw(_offsets)
    if kind == "source":
        n = len(text)
        return Mapped.from_source(text, at), Model(
            text, range(at, at + n), range(at + 1, at + n + 1)
        )
    if kind == "at":
        end = at + draw(st.integers(0, 3))
        n = len(text)
        return Mapped.at_span(text, Span(at, end)), Model(text, [at] * n, [end] * n)
    if kind == "free":
        starts = draw(st.lists(_offsets, min_size=len(text), max_size=len(text)))
        ends = [s + draw(st.integers(0, 3)) for s in starts]
        return Mapped(text, starts, ends), Model(text, starts, ends)
    return Mapped.empty_at(at), Model("", [], [], at)


def model_join(parts: Sequence[Model]) -> Model:
    text = "".join(p.text for p in parts)
    if not text:
        return Model("", [], [], parts[0].point(0) if parts else 0)
    return Model(text, [s for p in parts for s in p.starts], [e for p in parts for e in p.ends])


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces(), min_size=1, max_size=8), st.integers(-3, 40), st.integers(-3, 40))
def test_join_and_slice_match_the_per_character_model(
    parts: list[tuple[Mapped, Model]], i: int, j: int
) -> None:
    joined = Mapped.join([m for m, _ in parts])
    model = model_join([p for _, p in parts])
    same(joined, model)
    ii = i if i >= 0 else max(0, len(model.text) + i)
    jj = j if j >= 0 else max(0, len(model.text) + j)
    same(joined[i:j], model.slice(ii, jj))
    stripped = joined.strip()
    lead = len(model.text) - len(model.text.lstrip(" \t\r\n\f\v"))
    same(stripped, model.slice(lead, max(lead, len(model.text.rstrip(" \t\r\n\f\v")))))
    # The same characters built piece by piece, and from the offsets themselves.
    b = MappedBuilder()
    for m, _ in parts:
        first = m.starts[0] if m.text else 0
        verbatim = list(m.starts) == list(range(first, first + len(m)))
        if m.text and verbatim and list(m.ends) == list(range(first + 1, first + len(m) + 1)):
            b.append_source(m.text, m.starts[0])
        else:
            b.append_range(m, 0, len(m))
    built = b.build(model.anchor if not model.text else None)
    same(built, model)
    assert built == joined and hash(built) == hash(joined)
    if model.text:
        rebuilt = Mapped(model.text, model.starts, model.ends)
        assert rebuilt == joined and hash(rebuilt) == hash(joined)
        t, r = joined.runs()
        assert Mapped.from_runs(joined.text, t, r) == joined


def test_equality_is_by_offsets_whatever_the_runs() -> None:
    a = Mapped.join([Mapped.from_source("ab", 3), Mapped.from_source("cd", 5)])
    b = Mapped.from_source("abcd", 3)
    assert a == b and hash(a) == hash(b)
    assert a.run_count == 1  # pieces that continue each other are one run
    assert Mapped("abc", [0, 2, 4], [1, 3, 5]).run_count == 1  # a stride of two
    assert Mapped("abc", [0, 2, 4], [1, 3, 5]) != Mapped("abc", [0, 2, 5], [1, 3, 5])
    assert a.starts == (3, 4, 5, 6)
    assert (3, 4, 5, 6) == a.starts  # noqa: SIM300  # the view on the right side too
    assert a.ends[1:3] == (5, 6)


def test_from_runs_checks_its_input() -> None:
    with pytest.raises(ValueError):
        Mapped.from_runs("ab", (1,), (0, 1, 1))
    with pytest.raises(ValueError):
        Mapped.from_runs("ab", (0,), (0, 1))


def test_linear_answers_only_within_one_run() -> None:
    m = Mapped.join([Mapped.from_source("abc", 10), Mapped.from_source("de", 20)])
    assert m.linear(0, 3) == (10, 11, 1)
    assert m.linear(1, 3) == (11, 12, 1)
    assert m.linear(2, 4) is None
    assert m.linear(3, 5) == (20, 21, 1)
    assert m.linear(3, 3) is None


def test_slices_and_joins_cost_runs_not_characters() -> None:
    body = "x" * 2_000_000
    m = Mapped.from_source(body, 5)
    assert m.run_count == 1
    middle = m[100:-100]
    assert middle.run_count == 1 and middle.span() == Span(105, 5 + len(body) - 100)
    assert Mapped.join([m, m]).run_count == 2
    # A continuation chain of 10,000 lines: one run a line, and a slice keeps only its own.
    lines = [Mapped.from_source("ab", 4 * k) for k in range(10_000)]
    joined = Mapped.join(lines)
    assert joined.run_count == 10_000
    assert joined[3:7].run_count == 3
    assert joined[3:7].starts == (5, 8, 9, 12)


# --- the parser's memory ------------------------------------------------------------------------


def _peak_per_byte(text: str) -> tuple[float, ParseResult | ParseError]:
    source = SourceFile.from_text("Dockerfile", text, LF_ONLY)
    tracemalloc.start()
    try:
        result: ParseResult | ParseError = parse(source)
    except ParseError as exc:
        result = exc
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / len(text), result


# (name, text of n lines, bound on the peak in bytes per input byte). The old per-character
# offsets cost 88, 150, 200 and 170 bytes a byte on these; the bounds leave room for noise.
_SHAPES: list[tuple[str, Callable[[int], str], float]] = [
    (
        "heredoc",
        lambda n: "FROM a\nRUN <<EOF\n" + "echo hello world, a heredoc line\n" * n + "EOF\n",
        4,
    ),
    ("continuation", lambda n: "FROM a\nRUN echo \\\n" + f"  a {BS}\n" * n + "  end\n", 40),
    ("json-continued", lambda n: f'FROM a\nCMD ["a",{BS}\n' + f'"a",{BS}\n' * n + '"a"]\n', 90),
    ("heredoc-words", lambda n: f"FROM a\nRUN <<E {BS}\n" + f"w {BS}\n" * n + "w\nE\n", 45),
]


@pytest.mark.parametrize(("name", "make", "bound"), _SHAPES, ids=[s[0] for s in _SHAPES])
def test_parse_peak_memory_per_byte_is_small_and_flat(
    name: str, make: Callable[[int], str], bound: float
) -> None:
    small, result = _peak_per_byte(make(2_000))
    assert isinstance(result, ParseResult), result
    large, result = _peak_per_byte(make(8_000))
    assert isinstance(result, ParseResult), result
    assert large <= bound, (name, large)
    # Linear: four times the input, about four times the memory (per byte: about the same).
    assert large <= small * 1.5 + 2, (name, small, large)


def test_heredoc_body_is_one_run_and_shares_the_file_text() -> None:
    text = "FROM a\nRUN <<EOF\n" + "line\n" * 50_000 + "EOF\n"
    result = parse(SourceFile.from_text("Dockerfile", text))
    (doc,) = result.instructions[1].heredocs
    assert doc.body.run_count == 1
    assert doc.body.span() == Span(text.index("line"), text.rindex("EOF"))
    spans = result.instructions[1].line_spans
    assert len(spans) == 50_002
    assert text[spans[1].start : spans[1].end] == "line"
    assert spans[-1] == Span(len(text) - 4, len(text) - 1)


# --- bounds: what a parse keeps, and time that stays linear ---------------------------------


@pytest.mark.parametrize(
    ("unit", "head", "tail"),
    [
        ("RUN a\n", "FROM a\n", ""),  # instructions
        ("# note\n", "FROM a\n", ""),  # comment lines
        (f"a=1 {BS}\n", f"FROM a\nENV {BS}\n", "b=2\n"),  # values
        (f"--a {BS}\n", f"FROM a\nCOPY {BS}\n", "x y\n"),  # flags
        (f'"a",{BS}\n', f'FROM a\nCMD ["a",{BS}\n', '"a"]\n'),  # JSON elements
        (f"<<E {BS}\n", f"FROM a\nRUN cat {BS}\n", "E\n"),  # heredoc words
    ],
    ids=["instructions", "comments", "values", "flags", "json", "heredocs"],
)
def test_more_than_max_items_is_refused_with_a_parse_error(
    monkeypatch: pytest.MonkeyPatch, unit: str, head: str, tail: str
) -> None:
    monkeypatch.setattr(parser_module, "MAX_ITEMS", 300)

    def text(n: int) -> str:
        # Each heredoc needs its own terminator line.
        return head + unit * n + ("x\n" + tail * n if "<<" in unit else tail)

    parse(SourceFile.from_text("Dockerfile", text(100)))  # well under the bound: parses
    with pytest.raises(ParseError) as info:
        parse(SourceFile.from_text("Dockerfile", text(400)))
    assert info.value.message.startswith("too large to check")
    assert info.value.line >= 1


def test_max_items_leaves_room_for_ten_thousand_stages() -> None:
    text = "".join(f"FROM python:3.12 AS s{k}\nRUN echo {k}\n" for k in range(10_000))
    assert len(parse(SourceFile.from_text("Dockerfile", text)).instructions) == 20_000


def _best_time(fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


_OLD_DIRECTIVE = re.compile(
    r"#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\Z", re.DOTALL
)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="#ab=x \t\r\f\v`\\1", max_size=14))
def test_directive_matches_buildkit_pattern(line: str) -> None:
    old = _OLD_DIRECTIVE.match(line)
    new = parser_module._directive(line)
    if old is None:
        assert new is None
    else:
        assert new == (old.group(1), old.group(2), old.start(2))


def test_directive_with_a_long_run_of_blanks_is_linear() -> None:
    # The lazy pattern took 16 s on one 64 KiB line; the ratio of two sizes shows the growth.
    def run(n: int) -> float:
        src = SourceFile.from_text("Dockerfile", "# syntax=x" + " " * n + "y\nFROM a\n")
        return _best_time(lambda: parse(src))

    small, large = run(15_000), run(60_000)
    assert large <= max(small * 12, 0.05), (small, large)


def test_heredoc_lexing_of_a_long_escaped_word_is_linear() -> None:
    # Words were built by adding to a string: quadratic for a word of many escapes.
    def run(n: int) -> float:
        word = "a\\b" * n
        src = SourceFile.from_text("Dockerfile", f"FROM a\nRUN <<E {word}\nE\n")
        return _best_time(lambda: parse(src))

    small, large = run(2_000), run(16_000)
    assert large <= max(small * 24, 0.05), (small, large)


def test_many_blank_lines_are_skipped_in_one_step() -> None:
    text = "FROM a\n" + "  \n" * 200_000 + "RUN x\n"
    (_, run) = parse(SourceFile.from_text("Dockerfile", text)).instructions
    assert run.start_line == 200_002
