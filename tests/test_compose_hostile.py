"""Hostile Compose files, through the command line as CI runs it on a pull request.

Each input must give one clear line naming the file, exit code 2, and the other files in the run
still checked, within a small bound of time and memory: the process runs with its address space
capped, and under a timeout.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

MEMORY_CAP = 1536 * 1024 * 1024  # bytes of address space; Python itself needs a few hundred MiB
SECONDS = 20.0


def _bomb(levels: int) -> str:
    lines = ["x-a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"x-a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\nservices:\n  web:\n    image: nginx\n"


CASES: dict[str, bytes] = {
    "alias-bomb-6": _bomb(6).encode(),
    "alias-bomb-9": _bomb(9).encode(),
    "deep-flow": ("services: " + "[" * 10_000 + "]" * 10_000 + "\n").encode(),
    "deep-block": (
        "services:\n" + "".join(f"{'  ' * (i + 1)}k{i}:\n" for i in range(10_000)) + "\n"
    ).encode(),
    "python-tag": b"services:\n  web:\n    image: !!python/object/apply:os.system ['id']\n",
    "a-list": b"- services\n- web\n",
    "a-scalar": b"just a string\n",
    "invalid-utf8": b"services:\n  web:\n    image: caf\xe9\n",
}


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _check(folder: Path, *args: str, prefix: Sequence[str] = ()) -> tuple[int, str, str, float]:
    """Run ``check`` in ``folder`` (under ``prefix``, a command that runs it, when given)."""
    start = time.monotonic()
    done = subprocess.run(
        [*prefix, sys.executable, "-m", "dockerlint_django", "check", "--format", "json", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=SECONDS * 3,
        preexec_fn=_limit,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr, time.monotonic() - start


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_compose_file(tmp_path: Path, case: str) -> None:
    (tmp_path / "compose.yaml").write_bytes(CASES[case])
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text(
        "FROM python:3.12\nCMD gunicorn app.wsgi\n", encoding="utf-8"
    )
    code, out, err, elapsed = _check(tmp_path)
    assert code == 2, (out, err)
    assert elapsed < SECONDS
    errors = [line for line in err.splitlines() if line.startswith("dockerlint-django: error:")]
    assert len(errors) == 1, err
    assert "compose.yaml" in errors[0]
    assert "Traceback" not in err
    # The Dockerfile beside it is still checked and reported.
    assert any(f["filename"] == "app/Dockerfile" for f in json.loads(out))


def test_fifty_megabyte_scalar_is_read_in_bounded_time(tmp_path: Path) -> None:
    big = "x" * (50 * 1024 * 1024)
    (tmp_path / "compose.yaml").write_text(
        f"services:\n  web:\n    image: nginx\n    labels:\n      big: {big}\n", encoding="utf-8"
    )
    code, _, err, elapsed = _check(tmp_path)
    # Compose reads it; so do we, or we refuse it with one line: never a hang or a crash.
    assert code in (0, 2), err
    assert "Traceback" not in err
    assert elapsed < SECONDS
    if code == 2:
        assert len(err.strip().splitlines()) == 1


def test_a_fifo_or_a_device_named_on_the_command_line_is_an_error_not_a_hang(
    tmp_path: Path,
) -> None:
    import os

    os.mkfifo(tmp_path / "Dockerfile")
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    (tmp_path / "Dockerfile.ok").write_text("FROM python:3.12\n", encoding="utf-8")
    code, out, err, elapsed = _check(tmp_path, "Dockerfile", "zero.yaml", "Dockerfile.ok")
    assert code == 2, err
    assert elapsed < SECONDS
    errors = [line for line in err.splitlines() if line.startswith("dockerlint-django: error:")]
    assert errors == [
        "dockerlint-django: error: Dockerfile: cannot read: not a regular file",
        "dockerlint-django: error: zero.yaml: cannot read: not a regular file",
    ]
    assert any(f["filename"] == "Dockerfile.ok" for f in json.loads(out))


def test_the_same_compose_error_in_several_sets_is_said_once(tmp_path: Path) -> None:
    # The main file is read twice: with its override file, and alone.
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: [\n", encoding="utf-8")
    (tmp_path / "compose.override.yaml").write_text(
        "services:\n  web:\n    image: a\n", encoding="utf-8"
    )
    code, _, err, _ = _check(tmp_path)
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("dockerlint-django: error:")]
    assert len(errors) == 1, err


@pytest.mark.parametrize(("text", "what"), [("- a\n- b\n", "a list"), ("42\n", "a single value")])
def test_a_file_that_is_not_a_mapping_says_what_it_is(tmp_path: Path, text: str, what: str) -> None:
    (tmp_path / "compose.yaml").write_text(text, encoding="utf-8")
    code, _, err, _ = _check(tmp_path)
    assert code == 2
    assert f"compose.yaml:1:1: not a Compose file: the top level is {what}" in err
