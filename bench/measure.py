"""Running a tool and measuring what it cost: wall time, CPU time and peak memory.

Each run is one or more processes started one after the other (one process per file is a run of
many). The figures come from the kernel through ``os.wait4``: CPU time is user plus system time
of the process and of every child it waited for (worker processes included), and peak memory is
the largest resident set of any one of them (of at least 8 MB: see ``_LAUNCH``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Run the tools as users have them: an installed package has its bytecode cached. Some sandboxes set
# PYTHONDONTWRITEBYTECODE, which would make every run recompile every module from source.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

# Exit codes that mean "ran and reported": 0 nothing found, 1 findings.
_REPORTED = (0, 1)


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    rss_kb: int


class Failed(Exception):
    """The tool did not run to its end: a usage error, a crash, or the time limit."""

    def __init__(self, message: str, *, unsupported: bool = False, timed_out: bool = False) -> None:
        super().__init__(message)
        self.unsupported = unsupported
        self.timed_out = timed_out


@dataclass
class Series:
    """The runs of one command line (or one sequence of them) in one case."""

    samples: list[Sample] = field(default_factory=list)
    error: str | None = None
    unsupported: bool = False
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.samples)

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def rss_kb(self) -> int:
        return max(s.rss_kb for s in self.samples)

    def as_json(self) -> dict[str, object]:
        if not self.ok:
            return {
                "error": self.error,
                "unsupported": self.unsupported,
                "timed_out": self.timed_out,
            }
        return {
            "runs": len(self.samples),
            "wall_s": self.wall,
            "cpu_s": self.cpu,
            "peak_rss_kb": self.rss_kb,
            "samples": [[s.wall, s.cpu, s.rss_kb] for s in self.samples],
        }


# Started by a small process rather than by the bench itself: Linux carries a parent's high-water
# mark of memory across fork and exec into the child's peak, so a tool started straight from the
# bench (which holds its 15 MB inputs) would report the bench's memory as its own. This launcher
# is about 8 MB, below any of the tools; it times and reaps the tool and writes what the kernel
# says: wall time, user and system time (of the tool and the children it waited for), peak
# memory, and the exit code, which it exits with too.
_LAUNCH = """
import os, sys, time
started = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
code = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as report:
    report.write(f"{wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss} {code}")
sys.exit(code if code >= 0 else 128 - code)
"""


def _one(argv: Sequence[str], cwd: Path | None, timeout: float) -> Sample:
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryFile() as err:
        report = Path(tmp) / "report"
        # Its own session, so that a run past the time limit is stopped with every child it has.
        proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _LAUNCH, str(report), *argv],
            cwd=cwd,
            env=ENV,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise Failed(f"over {timeout:.0f} s (stopped)", timed_out=True) from None
        if not report.is_file():
            err.seek(0)
            raise Failed(f"could not start {argv[0]}: {err.read(300).decode(errors='replace')}")
        wall, cpu, rss, code = report.read_text().split()
        if int(code) not in _REPORTED:
            err.seek(0)
            text = err.read(4000).decode("utf-8", "replace")
            first = next((line for line in text.splitlines() if line.strip()), "")
            # click's wording for an option the installed version does not have.
            unsupported = int(code) == 2 and "no such option" in text.lower()
            raise Failed(f"exit {code}: {first[:200]}", unsupported=unsupported)
    return Sample(float(wall), float(cpu), int(rss))


def run(job: Sequence[Sequence[str]], cwd: Path | None = None, timeout: float = 600) -> Sample:
    """Run the processes of ``job`` one after another; their costs add up, memory is the peak."""
    samples = [_one(argv, cwd, timeout) for argv in job]
    return Sample(
        sum(s.wall for s in samples),
        sum(s.cpu for s in samples),
        max(s.rss_kb for s in samples),
    )


def interleaved(
    jobs: Mapping[str, Sequence[Sequence[str]]],
    runs: int,
    *,
    cwd: Path | None = None,
    timeout: float = 600,
    warm: bool = False,
) -> dict[str, Series]:
    """``runs`` rounds of every job in turn, so that load on the machine affects them alike.

    Each round starts one job later than the one before (A B, then B A): a job that always ran
    second would carry what the first left behind (its files in the page cache, the processor's
    state), and a difference of a few percent between two jobs is what some cases measure. The
    samples of a series are in round order, so that the n-th samples of two series are a pair.

    A job that fails once is not run again: its series carries the error.
    """
    series = {label: Series() for label in jobs}
    labels = list(jobs)
    for round_ in range(runs + (1 if warm else 0)):
        turn = round_ % len(labels) if labels else 0
        for label in labels[turn:] + labels[:turn]:
            job = jobs[label]
            current = series[label]
            if current.error is not None:
                continue
            try:
                sample = run(job, cwd, timeout)
            except Failed as failure:
                current.error = str(failure)
                current.unsupported = failure.unsupported
                current.timed_out = failure.timed_out
                continue
            if warm and round_ == 0:
                continue  # page cache and bytecode cache warm; not counted
            current.samples.append(sample)
    return series
