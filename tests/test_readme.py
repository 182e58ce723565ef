"""The README's quick start says what the command really prints."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, in_terminal

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_sample_output_is_what_the_example_prints() -> None:
    # The quick start runs in a terminal: the sample is what a terminal shows, from the top.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"dockerlint-django check (examples/\S+)", readme)
    assert command is not None
    first, concise = re.findall(r"```text\n(examples/.*?)```", readme, re.DOTALL)[:2]
    shown = ANSI.sub("", in_terminal(["check", command.group(1)], ROOT))
    printed = shown.splitlines()
    head, _, tail = first.partition("…\n")
    assert printed[: len(head.splitlines())] == head.splitlines()
    assert printed[-len(tail.splitlines()) :] == tail.splitlines()
    # And one line a finding when piped.
    done = subprocess.run(
        [sys.executable, "-m", "dockerlint_django", "check", command.group(1)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    for line in concise.splitlines():
        assert line in done.stdout.splitlines(), line


def test_no_snippet_names_a_release_that_does_not_exist() -> None:
    # There is no tag yet: a snippet that pins one fails for every user who copies it.
    tags = subprocess.run(
        ["git", "tag", "--list"], capture_output=True, text=True, cwd=ROOT, check=False
    ).stdout.split()
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for doc in docs:
        text = doc.read_text(encoding="utf-8")
        named = re.findall(r"dockerlint-django@(v[\w.]+)|rev: (v[\w.]+)", text)
        for ref in (a or b for a, b in named):
            assert ref in tags, f"{doc.name} pins {ref}, which is not a tag of this repository"


def test_fix_sample_is_what_fix_prints(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Fixing") :]
    sample = re.search(r"```text\n(.*?)```", section, re.DOTALL)
    assert sample is not None
    project = tmp_path / "polls"
    shutil.copytree(ROOT / "examples" / "polls", project)
    done = subprocess.run(
        [sys.executable, "-m", "dockerlint_django", "fix", "--no-color", "."],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    printed = done.stdout.splitlines()
    for line in sample.group(1).splitlines():
        if line != "…":
            assert line in printed, line
    assert printed[-2:] == sample.group(1).splitlines()[-2:]
