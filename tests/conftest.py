from __future__ import annotations

import csv
import os
import pty
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Generated tests explore the same examples on every run, so that CI's verdict depends on the
# code and not on the draw; `HYPOTHESIS_PROFILE=explore` draws new ones, to hunt for bugs (each
# one found becomes a regular test).
settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
# The handbook's cookiecutter template as the package ships it (see dockerlint_django/handbook/
# NOTICE.md), so the tests that need it run from a checkout with nothing beside it;
# test_templates.py keeps it identical to ``SHARED / "handbook" / "cookiecutter-django"``.
HANDBOOK_TEMPLATE = ROOT / "dockerlint_django" / "handbook" / "cookiecutter-django"


def corpus_rows(kind: str | None = None) -> list[dict[str, str]]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [r for r in rows if kind is None or r["kind"] == kind]


def corpus_file(local: str) -> Path:
    return CORPUS / "files" / local


@pytest.fixture
def corpus() -> Path:
    if not (CORPUS / "MANIFEST.tsv").is_file():
        pytest.skip("../shared/corpus is not present")
    return CORPUS


def corpus_tree(dest: Path, projects: set[str] | None = None) -> Path:
    """The corpus projects laid out as their repositories have them, under ``dest``.

    The corpus stores each file flat (``files/<owner>__<repo>/<path with / as __>``); a Compose
    file's ``build: ./docker/web`` and a Dockerfile's ``COPY docker/entrypoint.sh`` only resolve
    in the real layout. Files are copied byte for byte from the corpus, outside this repository,
    and never changed. Returns ``dest``, with one folder per project (``<owner>__<repo>``), each
    marked as a repository root (an empty ``.git`` folder).
    """
    for row in corpus_rows():
        project, _, _ = row["local_file"].partition("/")
        if projects is not None and project not in projects:
            continue
        source = CORPUS / "files" / row["local_file"]
        target = dest / project / row["path"]
        if target.exists() or not source.is_file():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
        # Each project is the root of its repository, as in a checkout: paths count from there.
        (dest / project / ".git").mkdir(exist_ok=True)
    return dest


# Environment variables that change what the command prints: left out of terminal runs.
ENV_KNOBS = ("NO_COLOR", "FORCE_COLOR", "PRE_COMMIT", "GITHUB_ACTIONS")


def in_terminal(args: list[str], cwd: Path, env_extra: dict[str, str] | None = None) -> str:
    """What ``dockerlint-django ARGS`` prints to a terminal."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_KNOBS}
    env.update(env_extra or {})
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dockerlint_django", *args],
            stdout=follower,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            env=env,
        )
        os.close(follower)
        chunks: list[bytes] = []
        while True:
            ready, _, _ = select.select([leader], [], [], 30)
            if not ready:
                break
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=30)
    finally:
        os.close(leader)
    # The terminal turns each line break into CR LF.
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


# Meta rules judge what another rule did: DJ901 a suppression of DJ108's findings, DJ903 a context
# file DJ020 asked for. Their examples run with that rule on too.
COMPANIONS = {"DJ901": ("DJ108",), "DJ903": ("DJ020",)}


def codes_for(code: str) -> list[str]:
    return [code, *COMPANIONS.get(code, ())]


@pytest.fixture(autouse=True)
def _policy_left_by_other_tests() -> Iterator[None]:
    # A configuration with `policy:` entries registers them for the process (reports look them
    # up by code): each test starts with none, so that one test's ids never reach another's.
    from dockerlint_django import rules as registry

    registry.POLICY.clear()
    yield
    registry.POLICY.clear()
