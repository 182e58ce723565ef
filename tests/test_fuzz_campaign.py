"""The bounded fuzz campaign: every atheris harness under fuzz/ for a fixed number of inputs.

Each harness runs as its own process (``python fuzz/fuzz_TARGET.py``), from a spread of its seeds
(the corpus beside the repository, the fixtures, fuzz/seeds/) and then on libFuzzer's mutations of
them, with a fixed ``-seed`` so that a run's inputs depend only on the code. A broken invariant or
an escaping exception ends the process with a traceback and a crash file: the test fails with
both. All harnesses start at once and share the machine's cores, so that the campaign costs about
a minute of wall time on two cores. The long campaign is described in fuzz/README.md.

Skipped where atheris is not installed (it has wheels for CPython on Linux x86_64 only).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

needs_atheris = pytest.mark.skipif(
    importlib.util.find_spec("atheris") is None, reason="atheris is not installed"
)

# target: (seeds taken, inputs run in all, the seeds among them), chosen by each harness's speed
# under instrumentation (some 15 inputs a second for the whole-linter targets, a few hundred for
# the readers) for ten to twenty seconds of one core each.
CAMPAIGN: dict[str, tuple[int, int]] = {
    "dockerfile": (120, 1_200),
    "shell": (40, 250),
    "gunicorn_args": (80, 1_200),
    "compose": (40, 200),
    "context_readers": (80, 2_500),
    "fix": (50, 250),
}
# A run that takes longer than this is hung (the slowest takes some 30 s on a loaded machine).
TIMEOUT_SECONDS = 600


class Campaign:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, target: str) -> None:
        seeds, runs = CAMPAIGN[target]
        out = self.folder / target
        out.mkdir()
        # Scratch files (generated seeds, Compose projects) go under the test's folder.
        env = {**os.environ, "TMPDIR": str(out)}
        log = (out / "log").open("wb")
        self.processes[target] = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "fuzz" / f"fuzz_{target}.py"),
                f"--max-seeds={seeds}",
                f"-runs={runs}",
                "-seed=1",
                "-timeout=120",
                "-print_final_stats=1",
                f"-artifact_prefix={out}/",
            ],
            cwd=out,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def result(self, target: str) -> tuple[int, str]:
        process = self.processes[target]
        try:
            code = process.wait(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = -9
        text = (self.folder / target / "log").read_text(encoding="utf-8", errors="replace")
        return code, text

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Campaign]:
    runs = Campaign(tmp_path_factory.mktemp("fuzz"))
    try:
        for target in CAMPAIGN:
            runs.start(target)
        yield runs
    finally:
        runs.stop()


def _summary(log: str) -> str:
    """What the failure says: libFuzzer's traceback and crash lines, without the start-up."""
    lines = [line for line in log.splitlines() if not line.startswith("INFO: Instrumenting")]
    return "\n".join(lines[-60:])


@needs_atheris
@pytest.mark.parametrize("target", list(CAMPAIGN))
def test_harness_survives_its_campaign(campaign: Campaign, target: str) -> None:
    code, log = campaign.result(target)
    assert code == 0, f"fuzz/fuzz_{target}.py exited with {code}:\n{_summary(log)}"
    _, runs = CAMPAIGN[target]
    # The run did what it was asked: all its inputs, not a start-up failure that exits 0.
    assert f"Done {runs} runs" in log, _summary(log)
    assert "INITED" in log, _summary(log)


def test_every_harness_is_in_the_campaign() -> None:
    harnesses = {p.stem.removeprefix("fuzz_") for p in (ROOT / "fuzz").glob("fuzz_*.py")}
    assert harnesses == set(CAMPAIGN)
