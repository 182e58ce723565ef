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
from dockerlint_django.dockerfile.model import State, _expand, build, expand_in
from dockerlint_django.engine import parse_dockerfile
from dockerlint_django.shell.commands import (
    _READINGS,
    PipInstall,
    _mentioned,
    apt,
    expand_known,
    pip_install,
    reading_once,
)
from dockerlint_django.shell.syntax import SimpleCommand, parse_script
from dockerlint_django.source import Mapped, SourceFile

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


def _run_state() -> State:
    source = SourceFile.from_text("Dockerfile", "FROM x\nARG a=1\nENV b=2 c=\nRUN true\n")
    parsed, error, _ = parse_dockerfile(source)
    assert parsed is not None, error
    stage = build(source, parsed).stages[0]
    return stage.states[-1]


@given(_TEXT, st.sampled_from(["\\", "`"]))
def test_expand_in_without_anything_to_expand_is_the_general_answer(word: str, escape: str) -> None:
    # expand_in gives back a plain word without building the state's variables.
    state = _run_state()
    assert expand_in(state, word, escape) == _expand(word, state.variables, escape)


def test_apt_and_pip_read_a_command_once_while_reading_once_holds() -> None:
    script = parse_script(
        Mapped.from_source("apt-get install -y gcc && pip install ipdb && apt-get install $PKG", 0)
    )
    apt_get, pip, with_variable = script.commands
    fresh = apt(apt_get)
    assert fresh is not None and apt(apt_get) is not fresh  # no memo outside a lint
    env = {"PKG": "gcc"}
    with reading_once():
        first = apt(apt_get)
        assert apt(apt_get) is first and first == fresh
        assert pip_install(pip) is pip_install(pip) and pip_install(pip) == pip_install_read(pip)
        assert apt(pip) is None and pip_install(apt_get) is None
        # A command that known variables rewrite is a command of its own: read each time.
        rewritten = apt(with_variable, env)
        assert rewritten is not None and rewritten is not apt(with_variable, env)
        assert [w.value for w in rewritten.packages] == ["gcc"]
    assert apt(apt_get) is not first


def pip_install_read(cmd: SimpleCommand) -> PipInstall | None:
    """``pip_install`` outside any memo: what reading the command gives."""
    token = _READINGS.set(None)
    try:
        return pip_install(cmd)
    finally:
        _READINGS.reset(token)
