"""The README's quick start says what the command really prints."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT


def test_sample_output_is_what_the_example_prints() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"dockerlint-django check (examples/\S+)", readme)
    assert command is not None
    sample = re.search(r"```text\n(examples/.*?)```", readme, re.DOTALL)
    assert sample is not None
    done = subprocess.run(
        [sys.executable, "-m", "dockerlint_django", "check", "--no-color", command.group(1)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    printed = done.stdout.splitlines()
    lines = [line for line in sample.group(1).splitlines() if line != "…"]
    assert lines[:3] == printed[:3]
    for line in lines:
        assert line in printed, line
