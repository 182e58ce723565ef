"""What reading Compose files costs a run.

1. In one process, warm: loading a typical Compose project (the bundled fixture: two files, a
   .env and an env file) and a large one (the largest corpus Compose file), median of many loads.
2. From the command line, cold, as a pre-commit hook pays it: ``check`` on a Dockerfile alone
   against ``check`` on the same Dockerfile with the Compose project that builds it. The
   difference is what Compose support adds to one run.
3. A project of 20 services building 20 Dockerfiles, checked in one call.

    python bench/compose.py [--runs N] [--json OUT]

``python bench/bench.py`` runs these too, in its table. Not a test: timings depend on the
machine. Targets: (2) under 15 ms; (3) well under a second.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import measure
from inputs import CORPUS, ROOT

FIXTURE = ROOT / "fixtures" / "projects" / "compose" / "input"


def tool() -> str:
    here = Path(sys.executable).parent / "dockerlint-django"
    found = str(here) if here.exists() else shutil.which("dockerlint-django")
    if found is None:
        sys.exit("bench: dockerlint-django not found; pip install -e .")
    return found


def in_process(folder: Path, files: tuple[Path, ...], runs: int) -> float:
    """The median time of one warm ``load_project`` in this process."""
    from dockerlint_django.compose.loader import LoadOptions, load_project

    options = LoadOptions(working_dir=folder, files=files)
    load_project(options)  # imports and caches warm, as in a run that reads several projects
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        load_project(options)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def load_fixture(runs: int) -> float:
    return in_process(FIXTURE, (FIXTURE / "compose.yaml", FIXTURE / "compose.override.yaml"), runs)


def largest_corpus_compose() -> Path | None:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return None
    rows = [line.split("\t") for line in manifest.read_text(encoding="utf-8").splitlines()[1:]]
    paths = [CORPUS / "files" / r[0] for r in rows if len(r) > 5 and r[5] == "compose"]
    return max(paths, key=lambda p: p.stat().st_size, default=None)


def fixture_jobs(ours: str, work: Path) -> dict[str, list[list[str]]]:
    """The fixture project copied to ``work``: a Dockerfile checked alone and with its project."""
    if not work.is_dir():
        shutil.copytree(FIXTURE, work)
    return {
        "alone": [[ours, "check", "docker/Dockerfile"]],
        "with compose": [[ours, "check", "-f", "compose.yaml", "docker/Dockerfile"]],
    }


def twenty_services(ours: str, work: Path, services: int = 20) -> list[list[str]]:
    """A project of ``services`` services, each building its own Dockerfile, under ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    entries = []
    for i in range(services):
        folder = work / f"svc{i}"
        folder.mkdir(exist_ok=True)
        (folder / "Dockerfile").write_text(
            "FROM python:3.12-slim\nRUN useradd --no-log-init -r app\nWORKDIR /app\n"
            "COPY . .\nUSER app:app\nENV WEB_CONCURRENCY=2\nEXPOSE 8000\n"
            f'CMD ["gunicorn", "svc{i}.wsgi", "--bind", "0.0.0.0:8000"]\n',
            encoding="utf-8",
        )
        entries.append(
            f"  svc{i}:\n    build: ./svc{i}\n    environment:\n"
            f"      GUNICORN_CMD_ARGS: --threads=2\n    ports: ['{8000 + i}:8000']\n"
        )
    (work / "compose.yaml").write_text("services:\n" + "".join(entries), encoding="utf-8")
    return [[ours, "check", "--exit-zero", "."]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    ours = tool()
    results: dict[str, float] = {}
    results["load_fixture_ms"] = 1000 * load_fixture(args.runs * 10)
    print(
        f"load the fixture project (2 files, .env, env file): {results['load_fixture_ms']:.2f} ms"
    )
    big = largest_corpus_compose()
    if big is not None:
        results["load_largest_corpus_ms"] = 1000 * in_process(big.parent, (big,), args.runs * 4)
        lines = len(big.read_text(encoding="utf-8", errors="replace").splitlines())
        print(f"load {big.name} ({lines} lines): {results['load_largest_corpus_ms']:.2f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "fixture"
        series = measure.interleaved(fixture_jobs(ours, work), args.runs, cwd=work, warm=True)
        for name, one in series.items():
            if not one.ok:
                sys.exit(f"bench: check {name}: {one.error}")
        alone, both = series["alone"].wall, series["with compose"].wall
        results["cli_dockerfile_ms"] = 1000 * alone
        results["cli_with_compose_ms"] = 1000 * both
        results["cli_added_ms"] = 1000 * (both - alone)
        added_cpu = series["with compose"].cpu - series["alone"].cpu
        results["cli_added_cpu_ms"] = 1000 * added_cpu
        print(
            f"check a Dockerfile: {1000 * alone:.0f} ms; with its Compose project: "
            f"{1000 * both:.0f} ms; added: {1000 * (both - alone):.1f} ms, "
            f"{1000 * added_cpu:.1f} ms CPU (target < 15 ms)"
        )
        work = Path(tmp) / "twenty"
        job = {"twenty": twenty_services(ours, work)}
        twenty = measure.interleaved(job, max(3, args.runs // 3), cwd=work, warm=True)["twenty"]
        if not twenty.ok:
            sys.exit(f"bench: 20 services: {twenty.error}")
        results["twenty_services_ms"] = 1000 * twenty.wall
        print(f"20 services, 20 Dockerfiles, one call: {results['twenty_services_ms']:.0f} ms")
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
