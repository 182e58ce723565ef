"""Our parser against BuildKit's own, as wrapped by the ``dockerfile`` package (BuildKit v0.12.5).

Every corpus Dockerfile and a few hundred generated ones must give the same instructions, or the
same error, as the Go parser; every span we add must lie inside the file and read back as the
text it stands for.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dockerlint_django.dockerfile.ast import Instruction, ParseError, ParseResult
from dockerlint_django.dockerfile.parser import parse, to_oracle_dict
from dockerlint_django.source import Mapped, SourceFile, Span

dockerfile = pytest.importorskip("dockerfile")

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
FIELDS = ("cmd", "sub_cmd", "json", "start_line", "end_line", "flags", "value", "heredocs")


def _corpus_dockerfiles() -> list[str]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8", newline="") as fh:
        return [
            r["local_file"] for r in csv.DictReader(fh, delimiter="\t") if r["kind"] == "dockerfile"
        ]


def _oracle(run: Any) -> list[dict[str, Any]] | tuple[str, str] | None:
    """The oracle's answer; None when it cannot say (Go produced invalid UTF-8)."""
    try:
        commands = run()
    except dockerfile.GoParseError as exc:
        return ("error", str(exc))
    except UnicodeDecodeError:
        return None
    return [
        {
            "cmd": c.cmd,
            "sub_cmd": c.sub_cmd,
            "json": c.json,
            "start_line": c.start_line,
            "end_line": c.end_line,
            "flags": list(c.flags),
            "value": list(c.value),
            "heredocs": [{"name": h.name, "content": h.content} for h in c.heredocs],
            "original": c.original,
            "fds": [h.file_descriptor for h in c.heredocs],
        }
        for c in commands
    ]


def _ours(source: SourceFile) -> tuple[ParseResult | None, list[dict[str, Any]] | tuple[str, str]]:
    try:
        result = parse(source)
    except ParseError as exc:
        return None, ("error", exc.message)
    rows = []
    for row, ins in zip(to_oracle_dict(result)["instructions"], result.instructions, strict=True):
        mine = {k: row[k] for k in FIELDS}
        # The package rebuilds `original` from Node.Original and the heredocs; so do we.
        docs = (ins.sub or ins).heredocs  # the package reports the ONBUILD trigger's
        original = ins.original
        if docs:
            original += "\n" + "".join(h.content + h.name + "\n" for h in docs)
        mine["original"] = original or None
        mine["fds"] = [h.file_descriptor for h in docs]
        rows.append(mine)
    return result, rows


def _compare(source: SourceFile, expected: list[dict[str, Any]] | tuple[str, str] | None) -> None:
    result, got = _ours(source)
    if expected is None:
        return
    if isinstance(expected, tuple) or isinstance(got, tuple):
        assert got == expected
    else:
        assert len(got) == len(expected), (got, expected)
        for mine, theirs in zip(got, expected, strict=True):
            assert mine == theirs
    if result is not None:
        check_invariants(source, result)


def check_invariants(source: SourceFile, result: ParseResult) -> None:
    text = source.text
    size = len(text)

    def inside(span: Span) -> None:
        assert 0 <= span.start <= span.end <= size, span

    def verbatim(m: Mapped) -> None:
        """Each character of a slice of the source sits where it says."""
        for k, ch in enumerate(m.text):
            if ch == "\ufffd" and text[m.starts[k] : m.ends[k]] != ch:
                continue  # a code point BuildKit cut in two bytewise
            assert text[m.starts[k] : m.ends[k]] == ch

    for comment in result.comments:
        inside(comment.span)
        assert source.slice(comment.span).lstrip().startswith("#")
    if result.directives.escape_span is not None:
        assert source.slice(result.directives.escape_span) == result.directives.escape
    for ins in result.instructions:
        _check_instruction(ins, source, inside, verbatim)


def _check_instruction(ins: Instruction, source: SourceFile, inside: Any, verbatim: Any) -> None:
    text = source.text
    for span in (ins.keyword_span, ins.span, ins.args.span(), *ins.line_spans):
        inside(span)
    assert len(ins.line_spans) == ins.end_line - ins.start_line + 1
    assert all(a.end < b.start for a, b in zip(ins.line_spans, ins.line_spans[1:], strict=False))
    assert ins.line_spans[0].start <= ins.span.start <= ins.span.end <= ins.line_spans[-1].end
    verbatim(ins.args)
    assert len(ins.value) == len(ins.value_mapped)
    for index, (value, mapped) in enumerate(zip(ins.value, ins.value_mapped, strict=True)):
        assert mapped.text == value
        inside(mapped.span())
        # HEALTHCHECK's first value is its type word, never JSON.
        if ins.json and not (index == 0 and ins.keyword == "HEALTHCHECK"):
            for k, ch in enumerate(mapped.text):
                raw = text[mapped.starts[k] : mapped.ends[k]]
                if "\n" not in raw and "\r" not in raw:
                    decoded = json.loads('"' + raw + '"')
                    assert decoded == ch or (ch == "\ufffd" and len(decoded) == 1)
        elif value:
            verbatim(mapped)
    for flag in ins.flags:
        inside(flag.span)
        assert source.slice(flag.span).startswith("--")
        if flag.value_span is not None:
            inside(flag.value_span)
            assert flag.span.start < flag.value_span.start <= flag.value_span.end == flag.span.end
    for doc in ins.heredocs:
        inside(doc.marker)
        assert "<<" in source.slice(doc.marker)
        assert doc.body.text == doc.content
        verbatim(doc.body)
    if ins.sub is not None:
        _check_instruction(ins.sub, source, inside, verbatim)


# --- the corpus ------------------------------------------------------------------------------

CORPUS_FILES = _corpus_dockerfiles()


@pytest.mark.skipif(
    not CORPUS_FILES, reason="../shared/corpus is not present beside the repository"
)
@pytest.mark.parametrize("local", CORPUS_FILES)
def test_corpus_file_parses_like_buildkit(local: str) -> None:
    path = CORPUS / "files" / local
    source = SourceFile.from_bytes(local, path.read_bytes())
    _compare(source, _oracle(lambda: dockerfile.parse_file(str(path))))


# --- generated Dockerfiles ----------------------------------------------------------------------

_KEYWORDS = [
    "FROM", "RUN", "CMD", "ENTRYPOINT", "COPY", "ADD", "ENV", "LABEL", "ARG", "EXPOSE", "USER",
    "WORKDIR", "VOLUME", "SHELL", "HEALTHCHECK", "STOPSIGNAL", "MAINTAINER", "ONBUILD",
    "run", "Copy", "from", "FOO", "onbuild",
]  # fmt: skip
_WORD_CHARS = "abcxyz019_-./:=@$ {}'\"\\`<>#[],\t" + "éà\u00a0\u3000\u2800😀"
_SOURCES = st.text(alphabet=_WORD_CHARS, max_size=12)
_FLAGS = st.sampled_from(
    [
        "--from=build", "--link", "--chown=app:app", "--mount=type=cache,target=/root/.cache",
        '--x="a b"', "--", "--from=é", "--chmod=7\\55", "--a=b=c", "-x", "--'q'=1", "--from",
    ]
)  # fmt: skip


@st.composite
def _json_form(draw: st.DrawFn) -> str:
    items = draw(
        st.lists(st.text(alphabet=_WORD_CHARS + "\n\x01\x7f\u2028", max_size=6), max_size=4)
    )
    good = json.dumps(items, ensure_ascii=draw(st.booleans()))
    broken = draw(
        st.sampled_from(
            [
                good,
                good,
                good.replace(", ", ",\t") if items else "[ ]",
                good[:-1] + ",]" if items else "[,]",
                good.replace('"', "'"),
                '["a", 1]',
                '["a", ["b"]]',
                '["a", NaN]',
                '["a", 1e400]',
                '["\\ud83d\\ude00", "\\ud83d", "\\u00e9\\"\\\\"]',
                '["a" "b"]',
                "[]",
                '{"a": "b"}',
                '["a"] x',
                '[{"a": [1, true, null]}]',
                '["a\\x"]',
            ]
        )
    )
    return broken


@st.composite
def _instruction(draw: st.DrawFn, escape: str) -> list[str]:
    """One instruction as physical lines (without line ends)."""
    kind = draw(
        st.sampled_from(
            ["words", "json", "json", "heredoc", "heredoc", "heredoc", "env", "health", "empty"]
        )
    )
    if kind == "heredoc":
        keyword = draw(st.sampled_from(["RUN", "COPY", "ADD", "run", "Copy", "ONBUILD RUN", "CMD"]))
    else:
        keyword = draw(st.sampled_from(_KEYWORDS))
    if keyword.upper() == "ONBUILD":
        keyword += " " + draw(st.sampled_from(["RUN", "COPY", "ENV", "ONBUILD", "CMD", ""]))
    parts = [keyword]
    parts += draw(st.lists(_FLAGS, max_size=2))
    heredoc_bodies: list[str] = []
    if kind == "json":
        parts.append(draw(_json_form()))
    elif kind == "env":
        parts += draw(
            st.lists(
                st.sampled_from(["a=b", 'c="d e"', "f", "g='h i'", "j=k\\ l", "m=", "=n", "x y"]),
                max_size=3,
            )
        )
    elif kind == "health":
        parts += [
            draw(st.sampled_from(["NONE", "CMD", "CMDà", "--interval=5s CMD"])),
            draw(_json_form()),
        ]
    elif kind == "heredoc":
        count = draw(st.integers(1, 2))
        for _ in range(count):
            name = draw(st.sampled_from(["EOF", "E_OF", "end", "X1"]))
            form = draw(
                st.sampled_from(
                    [
                        "<<{}",
                        "<<-{}",
                        "<<'{}'",
                        '<<"{}"',
                        "3<<{}",
                        "<<\\{}",
                        "<<{}$x",
                        "<<'{}",
                        "<<<{}",
                    ]
                )
            )
            parts.append(form.format(name))
            body = draw(
                st.lists(st.sampled_from(["echo hi", "\tindented", "", "#c", "  x \\"]), max_size=3)
            )
            terminator = draw(
                st.sampled_from([name, name, name, name, "\t" + name, name + " ", ""])
            )
            heredoc_bodies.append("\n".join([*body, terminator]))
        parts.append(draw(st.sampled_from(["", "/dst", "&& echo done", "> f"])))
    elif kind == "words":
        parts += draw(st.lists(_SOURCES, max_size=4))
    lines = [" ".join(parts)]
    # Continue the line at a few spaces, maybe with comments and blank lines in between.
    for _ in range(draw(st.integers(0, 2))):
        last = lines[-1]
        cuts = [k for k, c in enumerate(last) if c == " "]
        if not cuts:
            break
        cut = draw(st.sampled_from(cuts))
        trail = draw(st.sampled_from(["", " ", " \t"]))
        filler = draw(st.lists(st.sampled_from(["# inside", "  #x", "", "   ", "\t"]), max_size=2))
        indent = draw(st.sampled_from(["", "  ", "\t"]))
        lines[-1:] = [last[:cut] + " " + escape + trail, *filler, indent + last[cut + 1 :]]
    if draw(st.integers(0, 3)) == 0:
        lines[-1] += " " + escape  # continuation into what follows (or the end of the file)
    for heredoc in heredoc_bodies:
        lines += heredoc.split("\n")
    return lines


_CHAOS = st.lists(
    st.sampled_from(
        [
            " ", "\t", "\\", "`", "'", '"', "$", "${", "}", "<<", "-", "--", "=", "[", "]",
            ",", "#", "a", "EOF", "x=y", "\u00a0", "\u3000", "\u0085", "à", "\u2800", "\u0805",
            "é", "\v",
        ]
    ),
    max_size=14,
).map("".join)  # fmt: skip


@st.composite
def _chaos(draw: st.DrawFn) -> list[str]:
    """An instruction word and then anything: the corners the structured blocks miss."""
    keyword = draw(st.sampled_from([*_KEYWORDS, "", "#x", "  RUN"]))
    return [
        keyword + draw(st.sampled_from([" ", "\t", ""])) + draw(_CHAOS)
        for _ in range(draw(st.integers(1, 3)))
    ]


@st.composite
def dockerfiles(draw: st.DrawFn) -> str:
    header = draw(
        st.lists(
            st.sampled_from(
                [
                    "# syntax=docker/dockerfile:1",
                    "# escape=`",
                    "#escape = \\",
                    "# escape=`",
                    "# check=skip=all",
                    "# foo=bar",
                    "#",
                    "",
                    "  # escape=`",
                    "#\v escape=`",
                    "# escape=x",
                ]
            ),
            max_size=2,
            unique=True,
        )
    )
    escape = "`" if any("`" in h for h in header) and draw(st.booleans()) else "\\"
    lines = list(header)
    for _ in range(draw(st.integers(1, 6))):
        block = draw(st.sampled_from(["instruction", "instruction", "chaos", "blank", "comment"]))
        if block == "instruction":
            lines += draw(_instruction(escape))
        elif block == "chaos":
            lines += draw(_chaos())
        elif block == "blank":
            lines.append(draw(st.sampled_from(["", "  ", "\t"])))
        else:
            lines.append(
                draw(st.sampled_from(["# note", "#", "  # indented", "# dockerlint: ignore"]))
            )
    newline = draw(st.sampled_from(["\n", "\n", "\n", "\r\n", "\r\n", "\r", "mixed"]))
    out: list[str] = []
    for line in lines:
        out.append(line)
        out.append(draw(st.sampled_from(["\n", "\r\n", "\r"])) if newline == "mixed" else newline)
    drop_last: bool = draw(st.booleans())
    if out and drop_last:
        out.pop()  # no final line end
    text = "".join(out)
    if draw(st.integers(0, 9)) == 0:
        text = "\ufeff" + text
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfiles())
@example("FROM a\nRUN <<EOF cat\nbody\nEOF\n")
@example("# escape=`\nFROM a `\n  # c\n\n  b\r\nCOPY --from=x --link a b\r\n")
@example('\ufeffONBUILD RUN ["a", "b\\""]\nENV k v w')
@example('HEALTHCHECK ["a", ["b"]] x\nCMD ["a"] trailing')
def test_generated_dockerfile_parses_like_buildkit(text: str) -> None:
    expected = _oracle(lambda: dockerfile.parse_string(text))
    _compare(SourceFile.from_text("Dockerfile", text), expected)
