"""Linting costs time linear in the size of the Dockerfile, whatever grows.

Each shape is linted in-process at size n and 2n with every rule on, the way ``check`` lints a
file, and the best of three timings must at most triple (linear code doubles; a loop over every
instruction for every instruction quadruples). A test of growth, not of speed: n is chosen so
that one run takes a few tenths of a second, and the bound is generous. Where a cost cannot be
made linear (copies of the accounts for every step), a budget makes the answer unknown instead.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import pytest

from dockerlint_django.accounts import MAX_SNAPSHOT_WORK
from dockerlint_django.config import Config
from dockerlint_django.engine import Options, lint_source
from dockerlint_django.rules import CODES
from dockerlint_django.source import SourceFile
from dockerlint_django.testing import findings

_OPTIONS = Options(Config(select=tuple(CODES)))
_RUNS = 3
_BOUND = 3.0


def _instructions(n: int) -> str:
    return "FROM python:3.12\n" + "".join(f"RUN echo {i}\n" for i in range(n))


def _stages(n: int) -> str:
    return "".join(f"FROM python:3.12 AS s{i}\nRUN echo {i}\n" for i in range(n))


def _heredoc(n: int) -> str:
    body = "".join(f"echo hello world {i}\n" for i in range(n))
    return f"# syntax=docker/dockerfile:1\nFROM python:3.12\nRUN <<EOF\n{body}EOF\n"


def _continuations(n: int) -> str:
    return "FROM python:3.12\nRUN echo \\\n" + "  a \\\n" * n + "  done\n"


def _env_chain(n: int) -> str:
    lines = "".join(f"ENV V{i}=$V{i - 1}\n" for i in range(1, n))
    return f"FROM python:3.12\nENV V0=ab\n{lines}RUN echo $V{n - 1}\n"


def _arg_chain(n: int) -> str:
    lines = "".join(f"ARG V{i}=${{V{i - 1}}}\n" for i in range(1, n))
    return f"ARG V0=ab\nFROM python:3.12\nARG V0\n{lines}RUN echo $V{n - 1}\n"


def _accounts(n: int) -> str:
    # Users created and named on every line: what DJ031, DJ033-DJ036 follow.
    lines = "".join(
        f"RUN useradd -m u{i} && chown u{i}:u{i} /srv\nCOPY --chown=u{i} a /a{i}\nUSER u{i}\n"
        for i in range(n)
    )
    return f"FROM python:3.12\nWORKDIR /app\n{lines}"


_COMMANDS = (
    "apt-get update && apt-get install -y curl{i}",
    "pip install foo{i}",
    "pip install -r requirements-dev.txt",
    "uv sync",
    "python manage.py collectstatic",
    "sh -c 'echo {i}'",
    "cd /tmp/{i} && echo $X{i}",
    "rm -rf /root/.cache/pip",
)


def _mixed(n: int) -> str:
    # Many ENV variables read by many RUNs of many kinds (apt, pip, uv, Django, sh -c, COPY).
    lines = []
    for i in range(n):
        lines.append("RUN " + _COMMANDS[i % len(_COMMANDS)].format(i=i))
        if i % 4 == 0:
            lines.append(f"ENV X{i}=/opt/{i}")
        if i % 16 == 0:
            lines.append(f"COPY f{i}.txt /app/")
    body = "\n".join(lines)
    return f'FROM python:3.12\nWORKDIR /app\nUSER nobody\n{body}\nCMD ["gunicorn", "app.wsgi"]\n'


_SHAPES: dict[str, tuple[Callable[[int], str], int]] = {
    "instructions": (_instructions, 4000),
    "stages": (_stages, 1200),
    "heredoc": (_heredoc, 8000),
    "continuations": (_continuations, 40000),
    "env-chain": (_env_chain, 2000),
    "arg-chain": (_arg_chain, 2500),
    "accounts": (_accounts, 800),
    "mixed": (_mixed, 2500),
}


def _best(text: str) -> float:
    source = SourceFile.from_text("Dockerfile", text)
    best = float("inf")
    for _ in range(_RUNS):
        gc.collect()
        started = time.perf_counter()
        result = lint_source(source, _OPTIONS)
        best = min(best, time.perf_counter() - started)
        assert not result.parse_failed, [f.message for f in result.findings]
    return best


# Still quadratic, in dockerfile/model.py: `_apply` copies the ENV/ARG scopes on every ENV or ARG
# and the stage-name checks scan every earlier stage (the performance issue's work). Measured at
# 2.8-3.5x; kept here so the day they become linear shows.
_MODEL_BOUND = frozenset({"env-chain", "arg-chain", "stages"})
_MODEL_REASON = "dockerfile/model.py copies variable scopes per ENV/ARG and scans earlier stages"


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(s, marks=pytest.mark.xfail(reason=_MODEL_REASON, strict=False))
        if s in _MODEL_BOUND
        else s
        for s in sorted(_SHAPES)
    ],
)
def test_doubling_the_file_at_most_triples_the_time(shape: str) -> None:
    make, n = _SHAPES[shape]
    _best(make(10))  # rules and data imported, caches warm
    small = _best(make(n))
    large = _best(make(2 * n))
    assert large <= _BOUND * small, (
        f"{shape}: n={n} took {small:.3f}s, 2n took {large:.3f}s ({large / small:.2f}x)"
    )


def _users(n: int) -> str:
    return "FROM python:3.12\n" + "".join(f"RUN useradd u{i}\n" for i in range(n)) + "USER ghost\n"


def test_accounts_past_their_budget_are_unknown() -> None:
    # Each step that creates a user hands the rules a copy of the accounts, so creating users
    # on every line costs the square of the file; past MAX_SNAPSHOT_WORK copied entries the
    # accounts are unknown (any name may exist), and unknown names make no finding.
    assert [f.code for f in findings(_users(100), "DJ035")] == ["DJ035"]
    # A useradd adds a user, its group and a creation record: the copies add up to about
    # 1.5 * n * n entries.
    past = int((MAX_SNAPSHOT_WORK / 1.5) ** 0.5) + 50
    assert findings(_users(past), "DJ035") == []
