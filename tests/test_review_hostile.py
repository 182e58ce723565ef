"""Hostile projects found in review: each gives one clear line and exit code 2, within a bound
of time and memory, and the Dockerfile beside it is still checked."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_compose_hostile import SECONDS, _check

WEB = "services:\n  web:\n    image: nginx\n"


def _fan_out(root: Path) -> None:
    # Ten files each including the next ten times: 10^8 loads, unless refused.
    for depth in range(8):
        includes = "".join(f"  - l{depth + 1}.yaml\n" for _ in range(10))
        (root / f"l{depth}.yaml").write_text(
            f"include:\n{includes}services:\n  s{depth}:\n    image: b\n", encoding="utf-8"
        )
    (root / "l8.yaml").write_text("services:\n  last:\n    image: b\n", encoding="utf-8")
    (root / "compose.yaml").write_text("include: [l0.yaml]\n", encoding="utf-8")


def _doubling_env(root: Path) -> None:
    lines = ["V0=abcdefgh"] + [f'V{i}="${{V{i - 1}}}${{V{i - 1}}}"' for i in range(1, 40)]
    (root / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "compose.yaml").write_text(WEB + "    environment: [A=${V39}]\n", encoding="utf-8")


def _growing_env(root: Path) -> None:
    # Each value one longer than the last, 100,000 lines: quadratic without a bound.
    lines = [f"V{i}=${{V{i - 1}:-x}}{i}" for i in range(100_000)]
    (root / "app.env").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "compose.yaml").write_text(WEB + "    env_file: app.env\n", encoding="utf-8")


def _many_copies(root: Path) -> None:
    # A 1 MiB variable substituted into many nodes (through aliases).
    (root / ".env").write_text("V=" + "a" * 1_000_000 + "\n", encoding="utf-8")
    ten = ", ".join(['"x${V}"'] * 10)
    refs = ", ".join(["*a"] * 10)
    (root / "compose.yaml").write_text(
        f"x-a: &a [{ten}]\nx-b: &b [{refs}]\nx-c: &c [{refs.replace('a', 'b')}]\n"
        f"x-d: [{refs.replace('a', 'c')}]\n" + WEB,
        encoding="utf-8",
    )


def _env_file_to(target: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        (root / "compose.yaml").write_text(WEB + "    env_file: app.env\n", encoding="utf-8")
        if target == "fifo":
            os.mkfifo(root / "app.env")
        else:
            (root / "app.env").symlink_to(target)

    return make


def _included(kind: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        if kind == "include":
            text = "include: [other.yaml]\n" + WEB
        else:
            text = WEB + "    extends: {file: other.yaml, service: base}\n"
        (root / "compose.yaml").write_text(text, encoding="utf-8")
        os.mkfifo(root / "other.yaml")

    return make


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "env-file-dev-zero": (_env_file_to("/dev/zero"), "compose.yaml:4:15: read "),
    "env-file-fifo": (_env_file_to("fifo"), "compose.yaml:4:15: read "),
    "include-fifo": (_included("include"), "compose.yaml:1:11: read "),
    "extends-fifo": (_included("extends"), "compose.yaml:4:21: read "),
    "include-fan-out": (_fan_out, "load more than 2,000 files"),
    "env-doubling": (_doubling_env, ".env:23:5: the value expands to more than"),
    "env-growing": (_growing_env, "app.env:"),
    "substituted-copies": (_many_copies, "compose.yaml:1:"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_project(tmp_path: Path, case: str) -> None:
    make, expected = CASES[case]
    make(tmp_path)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text(
        "FROM python:3.12\nCMD gunicorn app.wsgi\n", encoding="utf-8"
    )
    code, out, err, elapsed = _check(tmp_path)
    assert code == 2, (out, err)
    assert elapsed < SECONDS
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("dockerlint-django: error:")]
    assert len(errors) == 1, err
    assert expected in errors[0], errors[0]
    assert any(f["filename"] == "app/Dockerfile" for f in json.loads(out))


def test_a_long_env_file_of_plain_values_is_read(tmp_path: Path) -> None:
    lines = [f"V{i}=value-{i}" for i in range(100_000)]
    (tmp_path / "app.env").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "compose.yaml").write_text(WEB + "    env_file: app.env\n", encoding="utf-8")
    code, _, err, elapsed = _check(tmp_path)
    assert code == 0, err
    assert elapsed < SECONDS
