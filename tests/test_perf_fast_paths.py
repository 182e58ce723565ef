"""Shortcuts taken for speed give what the general code gives, on the inputs they take."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from dockerlint_django.analysis import basename
from dockerlint_django.dockerfile.expand import (
    ExpansionBudget,
    ExpansionError,
    _expansion,
    _process,
    expand_word,
)
from dockerlint_django.shell.commands import _mentioned, apt, expand_known, pip_install
from dockerlint_django.shell.syntax import parse_script
from dockerlint_django.source import Mapped

# Plain text, and the characters that make a word need the lexer (and a BOM).
_TEXT = st.text(st.sampled_from("ab/._- \t\n:=é\ufeff$\\`'\"{}"), max_size=12)


def _outcome(call: Callable[[], object]) -> object:
    try:
        return call()
    except ExpansionError as exc:
        return ("error", str(exc))


@given(_TEXT, st.sampled_from(["\\", "`"]), st.booleans())
def test_expand_word_without_anything_to_expand_is_the_lexers_answer(
    word: str, escape: str, skip_quotes: bool
) -> None:
    env = {"a": "1", "b": None}
    budget, slow_budget = ExpansionBudget(10_000), ExpansionBudget(10_000)

    def slow() -> object:
        lexer, value = _process(word, env, escape, False, skip_quotes, slow_budget, False)
        return _expansion(value, frozenset(lexer.matched), frozenset(lexer.unmatched))

    fast = _outcome(
        lambda: expand_word(word, env, escape, skip_process_quotes=skip_quotes, budget=budget)
    )
    assert fast == _outcome(slow)
    assert budget.remaining == slow_budget.remaining


_WORD_RUN = re.compile(r"\w+")


def _mentioned_by_hand(text: str) -> set[str]:
    out = set()
    for m in _WORD_RUN.finditer(text):
        at = m.start()
        if (at >= 1 and text[at - 1] == "$") or (at >= 2 and text[at - 2 : at] == "${"):
            continue
        out.add(m.group())
    return out


@given(st.text(st.sampled_from("ab_1é$${}} \n-=\"'"), max_size=16))
def test_names_a_script_mentions(text: str) -> None:
    assert _mentioned(text) == _mentioned_by_hand(text)


@given(st.one_of(st.none(), st.text(st.sampled_from("ab/."), max_size=8)))
def test_basename_is_posixpaths(word: str | None) -> None:
    assert basename(word) == (None if word is None else posixpath.basename(word))


SCRIPTS = [
    "apt-get install -y curl",
    "$APT install -y curl",
    "${PIP:-pip} install -r requirements.txt",
    "pip install --no-cache-dir django",
    "python3 -m pip install x",
    "uv pip install x",
    "/usr/bin/apt-get update",
    "echo pip install x",
    "$TOOL $ARGS",
    "sudo apt-get install x",
]


def test_commands_whose_written_name_is_no_tool_are_told_apart_without_expanding() -> None:
    # The shortcut skips expanding a command whose first word is written out and names another
    # program; expanding first must give the same answer, for every command.
    env = {"APT": "apt-get", "PIP": "pip3", "TOOL": "pip", "ARGS": "install x"}
    for text in SCRIPTS:
        script = parse_script(Mapped.from_source(text, 0))
        for cmd in script.commands:
            expanded = expand_known(cmd, env)
            assert apt(cmd, env) == apt(expanded), text
            assert pip_install(cmd, env) == pip_install(expanded), text
