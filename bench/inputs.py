"""What the benchmarks lint: the corpus, copies of it, and generated Dockerfiles.

The generated files are the shapes the issue names: many instructions in one stage, many stages,
and heredocs of many lines. Every tool is given the same file.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
ONE_FILE = "open-contracting__cove-ocds/Dockerfile_django"


def corpus_dockerfiles() -> list[Path]:
    """The corpus Dockerfiles, in the manifest's order; empty when the corpus is not there."""
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["kind"] == "dockerfile"]
    return [CORPUS / "files" / r["local_file"] for r in rows]


def copy_corpus(dest: Path, copies: int, files: list[Path]) -> list[Path]:
    """``copies`` copies of the corpus tree under ``dest``; the copies of ``files`` in them.

    The whole tree is copied, not only the Dockerfiles, so that each copy has the build context
    (settings, requirements, entrypoints) its Dockerfiles read, as the original does.
    """
    source = CORPUS / "files"
    copied: list[Path] = []
    for i in range(copies):
        tree = dest / str(i)
        if not tree.is_dir():
            shutil.copytree(source, tree)
        copied += [tree / f.relative_to(source) for f in files]
    return copied


# The names tally accepts for a Dockerfile; it refuses any other name ("not a Dockerfile").
_TALLY_NAME = re.compile(r"(Dockerfile|Containerfile)(\..+)?|.+\.Dockerfile")


def tally_names(files: list[Path], dest: Path) -> dict[Path, Path]:
    """A copy of each file under a name tally accepts, e.g. ``docker__Dockerfile.Dockerfile``."""
    mirror: dict[Path, Path] = {}
    for f in files:
        name = f.name if _TALLY_NAME.fullmatch(f.name) else f"{f.name}.Dockerfile"
        # The parent folders keep copies of two repositories' files apart.
        target = dest / f.parent.parent.name / f.parent.name / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target)
        mirror[f] = target
    return mirror


_BODY = (
    "RUN apt-get update && apt-get install -y --no-install-recommends curl{i}",
    "ENV APP_DIR_{i}=/srv/app/{i}",
    "RUN pip install --no-cache-dir package{i}==1.{i}",
    "COPY requirements{i}.txt /srv/app/",
    'RUN cd "$APP_DIR_{i}" && python manage.py collectstatic --noinput',
    "WORKDIR /srv/app/{i}",
    "RUN useradd --no-log-init -r user{i}",
    'LABEL org.example.step{i}="{i}"',
)


def instructions(n: int) -> str:
    """One stage of ``n`` instructions, of the kinds a Django image has, in turn."""
    body = "\n".join(_BODY[i % len(_BODY)].format(i=i) for i in range(n - 2))
    return (
        f'FROM python:3.12-slim\n{body}\nCMD ["gunicorn", "app.wsgi", "--bind", "0.0.0.0:8000"]\n'
    )


def stages(n: int) -> str:
    """``n`` stages in pairs: a build stage, and a stage that copies from it."""
    out = []
    for i in range(n):
        if i % 2 == 0:
            out.append(f"FROM python:3.12-slim AS build{i}\nRUN pip wheel --wheel-dir /w app{i}\n")
        else:
            out.append(
                f"FROM python:3.12-slim AS run{i}\nCOPY --from=build{i - 1} /w /w\n"
                f"RUN pip install --no-index /w/*.whl\n"
            )
    return "".join(out)


def heredocs(count: int, lines: int) -> str:
    """``count`` RUN heredocs of ``lines`` shell lines each."""
    runs = []
    for h in range(count):
        body = "".join(f"echo hello world from line {i:06d} of heredoc {h}\n" for i in range(lines))
        runs.append(f"RUN <<EOF\n{body}EOF\n")
    return "# syntax=docker/dockerfile:1\nFROM python:3.12-slim\n" + "".join(runs)


def write(dest: Path, text: str) -> Path:
    """``text`` as ``dest/Dockerfile``, alone in its folder (a name every tool accepts)."""
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / "Dockerfile"
    path.write_text(text, encoding="utf-8")
    return path
