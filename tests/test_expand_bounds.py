"""Variable expansion is bounded: a few lines that double a value cannot hang the linter.

A value built from variables longer than ``MAX_EXPANDED`` is unknown, and so is every expansion
that needs work once an ``ExpansionBudget`` is spent; BuildKit would expand them, so they are
values the linter chooses not to know, never an error. Ordinary expansions are unchanged.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dockerlint_django.dockerfile.expand import (
    MAX_EXPANDED,
    MAX_EXPANSION_WORK,
    ExpansionBudget,
    ExpansionError,
    expand_word,
    expand_words,
    expansion_budget,
)
from dockerlint_django.dockerfile.model import build
from dockerlint_django.dockerfile.parser import parse
from dockerlint_django.source import SourceFile


def _doubling(keyword: str, lines: int) -> str:
    out = ["FROM python:3.12", f"{keyword} V0=ab"]
    out += [f"{keyword} V{i}=$V{i - 1}$V{i - 1}" for i in range(1, lines)]
    out.append('CMD ["gunicorn", "app.wsgi"]')
    return "\n".join(out) + "\n"


def _first_too_long() -> int:
    """The first V<i> of the doubling chain (V0 = "ab", two characters) longer than the bound."""
    i = 0
    while 2 << i <= MAX_EXPANDED:
        i += 1
    return i


def test_doubling_words_become_unknown_at_the_bound() -> None:
    env: dict[str, str | None] = {"V0": "ab"}
    first = _first_too_long()
    # A few lines past the bound: enough to fail without it, not so many as to hang then.
    for i in range(1, first + 4):
        result = expand_word(f"$V{i - 1}$V{i - 1}", env)
        env[f"V{i}"] = result.value
        if i < first:
            assert result.value == "ab" * (1 << i)
        elif i == first:
            # Too long to follow: unknown, naming what it was built from.
            assert result.value is None
            assert result.unknown_vars == {f"V{i - 1}"}
        else:
            assert result.value is None  # built from an unknown
    assert env[f"V{first + 3}"] is None


def test_a_value_at_the_bound_is_kept_and_one_past_it_is_not() -> None:
    half = "a" * (MAX_EXPANDED // 2)
    assert expand_word("$H$H", {"H": half}).value == half * 2
    result = expand_word("$H$H", {"H": half + "a"})
    assert result.value is None
    assert result.unknown_vars == {"H"}
    # Quotes and nesting do not get around it.
    assert expand_word('"$H$H"', {"H": half + "a"}).value is None
    assert expand_word("${X:-$H$H}", {"H": half + "a"}).value is None


def test_literal_text_is_not_bounded() -> None:
    # Without variables the value is no longer than the word: nothing to bound, nothing unknown.
    word = "x" * (MAX_EXPANDED + 10)
    assert expand_word(word, {}).value == word
    assert expand_word(f"'{word}'", {}).value == word
    # A variable that is set makes it a value built from variables; an unset one adds nothing.
    assert expand_word("$X", {"X": word}).value is None
    assert expand_word(word + "$X", {"X": "x"}).value is None
    assert expand_word(word + "$UNSET", {}).value == word


def test_doubling_dockerfiles_give_unknown_values() -> None:
    first = _first_too_long()
    for keyword in ("ENV", "ARG"):
        source = SourceFile.from_text("Dockerfile", _doubling(keyword, first + 4))
        model = build(source, parse(source))
        state = model.stages[0].final_state
        values = state.env if keyword == "ENV" else state.args
        assert values[f"V{first - 1}"] == "ab" * (1 << (first - 1))
        assert values[f"V{first}"] is None
        assert values[f"V{first + 3}"] is None


def test_the_probe_dockerfiles_are_checked_at_once(tmp_path: Path) -> None:
    # The unbounded expansion took more than a minute and gigabytes; in a subprocess with a bound
    # so that a regression fails instead of hanging the suite.
    for keyword in ("ENV", "ARG"):
        folder = tmp_path / keyword
        folder.mkdir()
        (folder / "Dockerfile").write_text(_doubling(keyword, 31), encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "dockerlint_django", "check", "--format", "concise", "."],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode in (0, 1), done.stderr
        assert "Traceback" not in done.stderr


def test_ordinary_expansion_still_works() -> None:
    env: dict[str, str | None] = {"A": "alpha", "B": "", "U": None, "P": "/usr/local/bin"}
    assert expand_word("${A:-x}/$B/${B:-d}", env).value == "alpha//d"
    assert expand_word("${P}:/app/bin", env).value == "/usr/local/bin:/app/bin"
    assert expand_word("${A%ha}-${A#al}-${A/ph/f}", env).value == "alp-pha-alfa"
    assert expand_word("a$U", env).unknown_vars == {"U"}
    words = expand_words("$A 'b c' $P", env)
    assert words is not None
    assert [w.value for w in words] == ["alpha", "b c", "/usr/local/bin"]
    with pytest.raises(ExpansionError):
        expand_word("${A", env)


def test_replacements_that_multiply_a_value_are_unknown() -> None:
    # `${X//?/$X}` replaces each of n characters with n: n * n characters.
    x = "a" * 2048
    result = expand_word("${X//?/$X}", {"X": x})
    assert result.value is None and result.unknown_vars == {"X"}
    # `$0` in a global replacement (quoted, so that it reaches Go's template) repeats each match.
    many = "${X//a/'" + "$0" * 1024 + "'}"
    assert expand_word(many, {"X": "a" * 2048}).value is None
    # Small ones still work.
    assert expand_word("${X//a/'$0$0'}", {"X": "aa"}).value == "aaaa"
    assert expand_word("${X//a/bb}", {"X": "aaa"}).value == "bbbbbb"


def test_words_split_from_a_doubled_value_are_unknown() -> None:
    half = "a " * (MAX_EXPANDED // 4 + 1)
    assert expand_words("$H$H", {"H": half}) is None
    assert expand_words("$H", {"H": "a b"}) is not None


def test_a_shared_budget_bounds_many_expansions() -> None:
    # Each expansion copies 2,000 characters; a budget for 10,000 runs out at the sixth.
    env: dict[str, str | None] = {"X": "x" * 1000}
    budget = ExpansionBudget(10_000)
    values = [expand_word("$X$X", env, budget=budget).value for _ in range(8)]
    assert values[:5] == ["x" * 2000] * 5
    assert values[5:] == [None, None, None]
    assert budget.spent
    # What needs no copying is still known, and a word without variables is never unknown.
    assert expand_word("$X", env, budget=budget).value == "x" * 1000
    assert expand_word("plain", env, budget=budget).value == "plain"


def test_expansion_budget_is_shared_inside_its_block() -> None:
    env: dict[str, str | None] = {"X": "x" * 1000}
    with expansion_budget(5_000) as budget:
        assert expand_word("$X$X", env).value == "x" * 2000
        assert expand_word("$X$X", env).value == "x" * 2000
        assert expand_word("$X$X", env).value is None
        assert budget.spent
    # Outside the block each call has its own budget again.
    assert expand_word("$X$X", env).value == "x" * 2000
    assert ExpansionBudget().remaining == MAX_EXPANSION_WORK


def test_pattern_matching_is_paid_for_from_the_budget() -> None:
    env: dict[str, str | None] = {"X": "a" * 3000}
    word = "${X#*a*a*a*a*a*a*a*a*a*a*b}"
    # With room, the usual answer (the pattern cannot match: the value stays as it is).
    assert expand_word(word, env).value == "a" * 3000
    # A budget too small for the matcher's steps: unknown, not a long wait.
    assert expand_word(word, env, budget=ExpansionBudget(1000)).value is None
