"""What reading Compose files costs a run.

1. In one process, warm: loading a typical Compose project (the bundled fixture: two files, a
   .env and an env file) and a large one (the largest corpus Compose file), median of many loads.
2. From the command line, cold, as a pre-commit hook pays it: ``check`` on a Dockerfile alone
   against ``check`` on the same Dockerfile with the Compose project that builds it. The
   difference is what Compose support adds to one run.
3. A project of 20 services building 20 Dockerfiles, checked in one call.

    python bench/compose.py [--runs N] [--json OUT]

Not a test: timings depend on the machine. Targets: (2) under 15 ms; (3) well under a second.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "projects" / "compose" / "input"
CORPUS = ROOT.parent / "shared" / "corpus"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _tool() -> str:
    here = Path(sys.executable).parent / "dockerlint-django"
    found = str(here) if here.exists() else shutil.which("dockerlint-django")
    if found is None:
        sys.exit("bench: dockerlint-django not found; pip install -e .")
    return found


def _run(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, env=ENV
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"bench: {cmd} exited {proc.returncode}: {proc.stderr.decode()[:500]}")
    return elapsed


def in_process(folder: Path, files: tuple[Path, ...], runs: int) -> float:
    from dockerlint_django.compose.loader import LoadOptions, load_project

    options = LoadOptions(working_dir=folder, files=files)
    load_project(options)  # imports and caches warm, as in a run that reads several projects
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        load_project(options)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def largest_corpus_compose() -> Path | None:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return None
    rows = [line.split("\t") for line in manifest.read_text(encoding="utf-8").splitlines()[1:]]
    paths = [CORPUS / "files" / r[0] for r in rows if len(r) > 5 and r[5] == "compose"]
    return max(paths, key=lambda p: p.stat().st_size, default=None)


def cli_added_cost(runs: int) -> tuple[float, float]:
    tool = _tool()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "p"
        shutil.copytree(FIXTURE, work)
        alone = [tool, "check", "--config", os.devnull, "docker/Dockerfile"]
        with_compose = [tool, "check", "-f", "compose.yaml", "docker/Dockerfile"]
        _run(alone, work), _run(with_compose, work)  # bytecode and page cache warm
        a, b = [], []
        for _ in range(runs):
            a.append(_run(alone, work))
            b.append(_run(with_compose, work))
        return statistics.median(a), statistics.median(b)


def twenty_services(runs: int) -> float:
    tool = _tool()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        services = []
        for i in range(20):
            folder = work / f"svc{i}"
            folder.mkdir()
            (folder / "Dockerfile").write_text(
                "FROM python:3.12-slim\nRUN useradd --no-log-init -r app\nWORKDIR /app\n"
                "COPY . .\nUSER app:app\nENV WEB_CONCURRENCY=2\nEXPOSE 8000\n"
                f'CMD ["gunicorn", "svc{i}.wsgi", "--bind", "0.0.0.0:8000"]\n',
                encoding="utf-8",
            )
            services.append(
                f"  svc{i}:\n    build: ./svc{i}\n    environment:\n"
                f"      GUNICORN_CMD_ARGS: --threads=2\n    ports: ['{8000 + i}:8000']\n"
            )
        (work / "compose.yaml").write_text("services:\n" + "".join(services), encoding="utf-8")
        cmd = [tool, "check", "--exit-zero", "."]
        _run(cmd, work)
        return statistics.median(_run(cmd, work) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results: dict[str, float] = {}
    results["load_fixture_ms"] = 1000 * in_process(
        FIXTURE, (FIXTURE / "compose.yaml", FIXTURE / "compose.override.yaml"), args.runs * 10
    )
    print(
        f"load the fixture project (2 files, .env, env file): {results['load_fixture_ms']:.2f} ms"
    )
    big = largest_corpus_compose()
    if big is not None:
        results["load_largest_corpus_ms"] = 1000 * in_process(big.parent, (big,), args.runs * 4)
        lines = len(big.read_text(encoding="utf-8", errors="replace").splitlines())
        print(f"load {big.name} ({lines} lines): {results['load_largest_corpus_ms']:.2f} ms")
    alone, both = cli_added_cost(args.runs)
    results["cli_dockerfile_ms"] = 1000 * alone
    results["cli_with_compose_ms"] = 1000 * both
    results["cli_added_ms"] = 1000 * (both - alone)
    print(
        f"check a Dockerfile: {1000 * alone:.0f} ms; with its Compose project: "
        f"{1000 * both:.0f} ms; added: {1000 * (both - alone):.1f} ms (target < 15 ms)"
    )
    results["twenty_services_ms"] = 1000 * twenty_services(max(3, args.runs // 3))
    print(f"20 services, 20 Dockerfiles, one call: {results['twenty_services_ms']:.0f} ms")
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
