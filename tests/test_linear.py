"""Linting costs time linear in the size of the Dockerfile, whatever grows.

Each shape is linted in-process at size n and 2n with every rule on, the way ``check`` lints a
file, and the best of three CPU timings of 2n must be at most three times that of n: linear code
doubles, a loop over every instruction for every instruction quadruples. A test of growth, not of
speed: n is chosen so that one run takes a few tenths of a second, the two sizes take turns (load
on the machine touches both alike), and the bound is generous; the model's old copies of the
ENV/ARG scopes measured 4-6x here. Where a cost cannot be made linear (copies of the accounts for
every step), a budget makes the answer unknown instead.

The top sizes of the performance issue (100,000 instructions, 10,000 stages, 15 MB of heredocs)
are in ``test_top_sizes_grow_linearly``, marked ``slow``: five minutes on a busy 2-core machine.
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


def _copied_stages(n: int) -> str:
    # Every stage named and copied from by name: the stage lookups of COPY --from and FROM.
    return "FROM python:3.12 AS s0\nRUN echo 0\n" + "".join(
        f"FROM python:3.12 AS s{i}\nCOPY --from=s{i - 1} /a /a\nFROM s{i} AS t{i}\nRUN echo {i}\n"
        for i in range(1, n)
    )


def _chained_stages(n: int) -> str:
    # Each stage built FROM the one before: what walks a stage's ancestors does it once per stage.
    return "FROM python:3.12 AS s0\nRUN echo 0\n" + "".join(
        f"FROM s{i - 1} AS s{i}\nRUN echo {i}\nCOPY a{i} /a{i}\n" for i in range(1, n)
    )


def _heredoc(n: int) -> str:
    body = "".join(f"echo hello world {i}\n" for i in range(n))
    return f"# syntax=docker/dockerfile:1\nFROM python:3.12\nRUN <<EOF\n{body}EOF\n"


def _heredocs(n: int) -> str:
    # The shape: three heredocs of n lines of about 50 bytes.
    body = "".join(f"echo hello world from line {i:06d} of the heredoc\n" for i in range(n))
    return "# syntax=docker/dockerfile:1\nFROM python:3.12\n" + f"RUN <<EOF\n{body}EOF\n" * 3


def _continuations(n: int) -> str:
    return "FROM python:3.12\nRUN echo \\\n" + "  a \\\n" * n + "  done\n"


def _env_chain(n: int) -> str:
    lines = "".join(f"ENV V{i}=$V{i - 1}\n" for i in range(1, n))
    return f"FROM python:3.12\nENV V0=ab\n{lines}RUN echo $V{n - 1}\n"


def _arg_chain(n: int) -> str:
    lines = "".join(f"ARG V{i}=${{V{i - 1}}}\n" for i in range(1, n))
    return f"ARG V0=ab\nFROM python:3.12\nARG V0\n{lines}RUN echo $V{n - 1}\n"


def _env_stages(n: int) -> str:
    # Stages built FROM one base, each setting its own ENV: scopes shared across stages.
    lines = "".join(f"FROM base AS s{i}\nENV S{i}=$B{i % 50}\nEXPOSE {i}\n" for i in range(n))
    base = "".join(f"ENV B{i}={i}\n" for i in range(50))
    return f"FROM python:3.12 AS base\n{base}{lines}"


def _expose(n: int) -> str:
    return "FROM python:3.12\n" + "".join(f"EXPOSE {1000 + i}\n" for i in range(n))


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
    "instructions": (_instructions, 1500),
    "stages": (_stages, 800),
    "copied-stages": (_copied_stages, 300),
    # Below a few thousand stages a walk of the ancestors per stage hides in the constant factor.
    "chained-stages": (_chained_stages, 5000),
    "heredoc": (_heredoc, 3000),
    "heredocs": (_heredocs, 600),
    "continuations": (_continuations, 15000),
    "env-chain": (_env_chain, 5000),
    "arg-chain": (_arg_chain, 6000),
    "env-stages": (_env_stages, 500),
    "expose": (_expose, 8000),
    "accounts": (_accounts, 400),
    "mixed": (_mixed, 800),
}


def _lint(source: SourceFile) -> float:
    # Timed without the cyclic collector: its passes cost in proportion to everything alive (what
    # earlier tests left included), amortised linear by CPython's design, and they were most of
    # the noise between runs; linting frees what it makes by reference counts.
    gc.collect()
    gc.disable()
    try:
        started = time.process_time()
        result = lint_source(source, _OPTIONS)
        took = time.process_time() - started
    finally:
        gc.enable()
    assert not result.parse_failed, [f.message for f in result.findings]
    return took


def _growth(make: Callable[[int], str], n: int, runs: int = _RUNS) -> tuple[float, float]:
    """The best CPU time at n and at 2n, measured in turns."""
    _lint(SourceFile.from_text("Dockerfile", make(10)))  # rules and data imported, caches warm
    small = SourceFile.from_text("Dockerfile", make(n))
    large = SourceFile.from_text("Dockerfile", make(2 * n))
    best_small = best_large = float("inf")
    for _ in range(runs):
        best_small = min(best_small, _lint(small))
        best_large = min(best_large, _lint(large))
    return best_small, best_large


@pytest.mark.parametrize("shape", sorted(_SHAPES))
def test_doubling_the_file_at_most_triples_the_time(shape: str) -> None:
    make, n = _SHAPES[shape]
    small, large = _growth(make, n)
    assert large <= _BOUND * small, (
        f"{shape}: n={n} took {small:.3f}s, 2n took {large:.3f}s ({large / small:.2f}x)"
    )


# The sizes the performance issue names, against half of them. One run each: a run of seconds is
# not thrown off by a moment of load the way one of a tenth of a second is.
_TOP: dict[str, tuple[Callable[[int], str], int]] = {
    "instructions": (_instructions, 50_000),
    "stages": (_stages, 5_000),
    "heredocs": (_heredocs, 50_000),  # 7.5 MB and 15 MB
}


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(_TOP))
def test_top_sizes_grow_linearly(shape: str) -> None:
    make, n = _TOP[shape]
    small, large = _growth(make, n, runs=1)
    assert large <= _BOUND * small, (
        f"{shape}: n={n} took {small:.1f}s, 2n took {large:.1f}s ({large / small:.2f}x)"
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
