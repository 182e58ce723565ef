"""The model's scopes are shared, not copied, and read as the dicts they replace.

``State.env``/``args``/``env_sources`` were dicts copied for every ENV or ARG, and ``expose`` a
tuple copied for every EXPOSE: a file of such lines cost the square of its length. They are now
versions of shared logs (``model.Scope``, ``model.Appended``). These tests hold them to the
dicts and tuples they stand for, and bound how far a lookup goes in a tree of stages.
"""

from __future__ import annotations

import gc
import math
import random
import time
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dockerlint_django.dockerfile.model import Appended, Dockerfile, Scope, build
from dockerlint_django.dockerfile.parser import parse
from dockerlint_django.source import SourceFile


def _model(text: str, target: str | None = None) -> Dockerfile:
    source = SourceFile.from_text("Dockerfile", text)
    return build(source, parse(source), target=target)


# --- Scope against dicts -------------------------------------------------------------------------

_names = st.sampled_from(["A", "B", "C", "D", "E"])
_writes = st.lists(st.tuples(_names, st.integers(0, 9)), max_size=4)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), _writes), max_size=25))
def test_scopes_read_as_the_dicts_they_stand_for(
    steps: list[tuple[int, list[tuple[str, int]]]],
) -> None:
    # Each step writes on one of the scopes made so far, the newest or an older one (a second
    # stage built from the same parent): every scope must still read as its own dict.
    scopes: list[Scope[int]] = [Scope.empty()]
    dicts: list[dict[str, int]] = [{}]
    for pick, pairs in steps:
        k = pick % len(scopes)
        base = scopes[k] if pick % 3 else scopes[k].forked()
        scopes.append(base.updated(pairs))
        expected = dict(dicts[k])
        expected.update(pairs)
        dicts.append(expected)
    for scope, expected in zip(scopes, dicts, strict=True):
        assert scope == expected and dict(scope) == expected
        assert list(scope) == list(expected) and list(scope.items()) == list(expected.items())
        assert len(scope) == len(expected)
        for name in "ABCDEF":
            assert (name in scope) == (name in expected)
            assert scope.get(name) == expected.get(name)


def test_appended_reads_as_the_tuple_it_stands_for() -> None:
    empty: Appended[int] = Appended((), [], 0)
    first = empty.extended([1, 2])
    second = first.extended([3])
    other = first.extended([4, 5])  # from the same first: its own items
    assert first == (1, 2) and second == (1, 2, 3) and other == (1, 2, 4, 5)
    assert other[2] == 4 and other[-1] == 5 and other[1:3] == (2, 4) and len(other) == 4
    assert list(first.forked().extended([9])) == [1, 2, 9] and first == (1, 2)
    with pytest.raises(IndexError):
        other[4]


def test_variables_read_as_args_updated_by_env() -> None:
    df = _model("FROM python:3.12\nARG A=1 B=2\nENV B=env C=3\nARG D=4\nRUN echo\n")
    state = df.stages[0].end
    assert state is not None
    merged = dict(state.args)
    merged.update(state.env)
    assert dict(state.variables) == merged and list(state.variables) == list(merged)
    assert (
        len(state.variables) == 4 and state.variables["B"] == "env" and "Z" not in state.variables
    )


# --- stages --------------------------------------------------------------------------------------


def _chain(n: int) -> str:
    lines = "".join(
        f"FROM s{i - 1} AS s{i}\nENV V{i}=$V0-$UNSET\nEXPOSE {i}\n" for i in range(1, n)
    )
    return f"FROM python:3.12 AS s0\nENV V0=a\n{lines}"


def _comb(n: int) -> str:
    # Each stage of a chain has a second child, met first: the child that goes on in the parent's
    # log must be chosen by the tree, not by the order of the file.
    out = ["FROM python:3.12 AS s0\nENV V0=a\n"]
    for i in range(1, n):
        out.append(f"FROM s{i - 1} AS leaf{i}\nENV L{i}=1\n")
        out.append(f"FROM s{i - 1} AS s{i}\nENV V{i}=$V0-$UNSET\n")
    return "".join(out)


@pytest.mark.parametrize("make", [_chain, _comb], ids=["chain", "comb"])
def test_lookups_in_a_tree_of_stages_go_through_few_logs(make: Callable[[int], str]) -> None:
    df = _model(make(1000))
    bound = math.log2(len(df.stages)) + 1
    for stage in df.stages:
        assert stage.end is not None
        assert stage.end.env.depth <= bound, (stage.name, stage.end.env.depth)
        assert stage.end.expose.depth <= bound
    last = df.stages[-1].end
    assert last is not None and last.env["V999"] == "a-"
    assert list(last.env) == [f"V{i}" for i in range(1000)]


def test_a_tree_of_stages_reads_as_copies_would() -> None:
    # Random trees: each stage's env is its parent's, updated by its own ENVs, whatever the order.
    rnd = random.Random(3)
    for _ in range(30):
        lines = ["FROM python:3.12 AS s0\nENV A=0\n"]
        expected: list[dict[str, str]] = [{"A": "0"}]
        for i in range(1, 40):
            parent = rnd.randrange(i)
            env = dict(expected[parent])
            lines.append(f"FROM s{parent} AS s{i}\n")
            for _ in range(rnd.randrange(3)):
                name = rnd.choice("ABC")
                env[name] = str(i)
                lines.append(f"ENV {name}={i}\n")
            expected.append(env)
        df = _model("".join(lines))
        for stage, env in zip(df.stages, expected, strict=True):
            assert stage.end is not None and dict(stage.end.env) == env


def _build_time(text: str) -> float:
    source = SourceFile.from_text("Dockerfile", text)
    parsed = parse(source)
    best = float("inf")
    for _ in range(3):
        gc.collect()
        gc.disable()  # as in test_linear: the collector's passes are noise here
        try:
            started = time.process_time()
            build(source, parsed)
            best = min(best, time.process_time() - started)
        finally:
            gc.enable()
    return best


@pytest.mark.parametrize("make", [_chain, _comb], ids=["chain", "comb"])
def test_the_model_of_a_tree_of_stages_grows_linearly(make: Callable[[int], str]) -> None:
    # The model alone: the rules walk each stage's whole ancestry, which a chain of stages makes
    # quadratic in any linter that reports per stage.
    small, large = _build_time(make(1500)), _build_time(make(3000))
    assert large <= 3 * small, (small, large)


def test_stage_names_are_looked_up_as_the_first_of_the_name() -> None:
    df = _model("FROM python:3.12 AS a\nFROM python:3.12 AS b\nFROM python:3.12 AS a\n", "A")
    assert [e.message for e in df.errors] == ["duplicate stage name 'a'"]
    assert df.final is df.stages[0] and df.stage_ref("A") is df.stages[0]
    assert df.stage_ref("2") is df.stages[2] and df.stage_ref("c") is None
    assert _model("FROM python:3.12 AS a\nFROM a AS a\nFROM a\n").stages[2].parent is not None


# --- the parser's bound --------------------------------------------------------------------------


def test_a_hundred_thousand_instructions_are_within_the_bound() -> None:
    text = "FROM python:3.12\n" + "RUN echo\n" * 100_000
    parsed = parse(SourceFile.from_text("Dockerfile", text))
    assert len(parsed.instructions) == 100_001
