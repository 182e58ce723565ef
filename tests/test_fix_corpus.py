"""``fix --unsafe-fixes`` on every corpus Dockerfile, judged by BuildKit's parser.

Each pass of the fix loop is replayed: its output must parse under the oracle (PyPI
``dockerfile``), every instruction no edit of the pass touched must still be there, unchanged and
in order, and the loop must end with no fixable finding left. Then a second run changes nothing,
and every rule that fixed something has fewer findings than before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from dockerlint_django import rules as registry
from dockerlint_django.config import Config
from dockerlint_django.engine import Options, fix_source, lint_source
from dockerlint_django.fix import Applicability, Edit, Fix, apply_listed
from dockerlint_django.results import FileResult
from dockerlint_django.source import SourceFile
from tests.conftest import corpus_file, corpus_rows

dockerfile = pytest.importorskip("dockerfile")

# Every rule, under both profiles: ocp adds its conventions' fixes (WORKDIR /workdir).
PROFILES = {p: Options(Config(select=tuple(registry.CODES), profile=p)) for p in ("generic", "ocp")}


FILES = [r["local_file"] for r in corpus_rows("dockerfile")]

Row = tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def _oracle(text: str) -> list[tuple[Row, int, int]] | None:
    """(instruction, first line, last line) for each instruction; None when BuildKit refuses."""
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError:
        return None
    return [
        (
            (c.cmd, tuple(c.flags), tuple(c.value), tuple(h.content for h in c.heredocs)),
            c.start_line,
            c.end_line,
        )
        for c in commands
    ]


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    return starts


def _touched(start: int, end: int, fixes: Sequence[Fix]) -> bool:
    for fix in fixes:
        for edit in fix.edits:
            if edit.start == edit.end:
                # An insertion at an instruction's first character is above it.
                if start < edit.start < end:
                    return True
            elif edit.start < end and edit.end > start:
                return True
    return False


def _is_subsequence(needle: list[Row], hay: list[Row]) -> bool:
    it = iter(hay)
    return all(any(row == other for other in it) for row in needle)


def _check_pass(name: str, before: str, after: str, applied: Sequence[Fix]) -> None:
    old = _oracle(before)
    if old is None:
        return  # a template BuildKit refuses already ({{ project_name }} in an ENV)
    new = _oracle(after)
    assert new is not None, f"{name}: BuildKit cannot parse the output of {_codes(applied)}"
    starts = _line_starts(before)
    kept = []
    for row, first, last in old:
        start = starts[first - 1]
        end = starts[last] if last < len(starts) else len(before)
        if not _touched(start, end, applied):
            kept.append(row)
    rows = [row for row, _, _ in new]
    assert _is_subsequence(kept, rows), (
        f"{name}: an instruction no fix touched changed ({_codes(applied)})"
    )


def _codes(fixes: Sequence[Fix]) -> list[str]:
    return sorted({f.code for f in fixes})


def _fixable(result: FileResult) -> list[Fix]:
    return [
        Fix(f.fix.title, f.fix.edits, f.fix.applicability, code=f.code)
        for f in result.findings
        if f.fix is not None and f.fix.applicability >= Applicability.UNSAFE
    ]


def _replay(name: str, text: str, path: Path, options: Options) -> tuple[str, Counter[str]]:
    applied_codes: Counter[str] = Counter()
    seen = {text}
    for _ in range(10):
        result = lint_source(SourceFile.from_text(name, text), options, real_path=path)
        assert not [f for f in result.findings if f.code == "DJ902"], f"{name}: a rule crashed"
        fixes = _fixable(result)
        new, applied = apply_listed(text, fixes)
        if not applied:
            return text, applied_codes
        _check_pass(name, text, new, applied)
        assert new not in seen, f"{name}: fixes undo each other ({_codes(applied)})"
        seen.add(new)
        applied_codes.update(f.code for f in applied)
        text = new
    raise AssertionError(f"{name}: the fixes did not settle in 10 passes")


def _counts(result: FileResult) -> Counter[str]:
    return Counter(f.code for f in result.findings)


@pytest.mark.skipif(not FILES, reason="the corpus is not beside the checkout")
@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("local", FILES)
def test_unsafe_fixes_keep_the_dockerfile_buildkit_valid(local: str, profile: str) -> None:
    options = PROFILES[profile]
    path = corpus_file(local)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        pytest.skip("not UTF-8: fix leaves it alone")
    name = str(path)
    fixed, applied = _replay(name, text, path, options)
    if not applied:
        return
    # The engine's own loop ends where the replay did, and a second run has nothing to do.
    outcome = fix_source(SourceFile.from_text(name, text), options, True, real_path=path)
    assert outcome.converged and outcome.text == fixed
    # What check counts runs only the rules that fix (Options.fixable_only): the same loop.
    counted = fix_source(
        SourceFile.from_text(name, text), options, True, real_path=path, fixes_only=True
    )
    assert (counted.text, counted.applied) == (outcome.text, outcome.applied)
    again = fix_source(SourceFile.from_text(name, fixed), options, True, real_path=path)
    assert again.applied == 0 and again.text == fixed
    before = _counts(lint_source(SourceFile.from_text(name, text), options, real_path=path))
    after = _counts(lint_source(SourceFile.from_text(name, fixed), options, real_path=path))
    for code in applied:
        assert after[code] < before[code], f"{name}: {code} fixed, yet as many findings as before"


def test_a_fix_that_changes_an_instruction_it_did_not_touch_is_caught() -> None:
    text = "FROM python:3.12\nRUN echo one\nRUN echo two\n"
    # A line ending in a continuation, inserted above the first RUN, swallows it.
    bad = Fix("bad", (Edit.insert(text.index("RUN"), "RUN true \\\n"),), code="DJ000")
    new, applied = apply_listed(text, [bad])
    with pytest.raises(AssertionError, match="no fix touched"):
        _check_pass("Dockerfile", text, new, applied)
    good = Fix("good", (Edit.insert(text.index("RUN"), "RUN true\n"),), code="DJ000")
    new, applied = apply_listed(text, [good])
    _check_pass("Dockerfile", text, new, applied)
