"""The pre-commit hooks in ``.pre-commit-hooks.yaml``.

The ``files`` pattern is compared with the tool's own discovery; then the real ``pre-commit
try-repo`` installs this repository the way a user's pre-commit would (pip, from PyPI) and runs the
hooks in a throwaway git repository.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from dockerlint_django.discover import SEARCHED_KINDS, file_kind

ROOT = Path(__file__).resolve().parents[1]

CLEAN = (
    "FROM python:3.12-slim\n"
    "RUN groupadd -r app && useradd --no-log-init -r -g app app\n"
    "USER app:app\n"
    "ENV WEB_CONCURRENCY=2\n"
    "EXPOSE 8000\n"
    'CMD ["gunicorn", "app.wsgi", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", '
    '"--threads", "2", "--name", "app"]\n'
)
BAD = "FROM python:3.12-slim\nCMD gunicorn app.wsgi\n"  # DJ001 (fixable), DJ020, DJ022, DJ030…

# One name for each of discover.DOCKERFILE_GLOBS and COMPOSE_GLOBS, and names a loose pattern
# would also take.
MATCHING = [
    "Dockerfile",
    "docker/Dockerfile.prod",
    "docker/api.Dockerfile",
    "docker/Dockerfile_worker",
    "Containerfile",
    "Dockerfile-old",
    "docker/web.dockerfile",
    "Containerfile.bak",
    "compose.yaml",
    "deploy/docker-compose.yml",
    "compose.override.yaml",
    "docker-compose.prod.yml",
    ".github/docker-compose-github.yml",
]
COMPOSE_MATCHING = frozenset(p for p in MATCHING if "compose" in p)
# An unquoted HOST:CONTAINER port: DJ111, with a safe fix that quotes it.
COMPOSE = "services:\n  cache:\n    image: redis:7\n    ports:\n      - 6379:6379\n"
COMPOSE_FIXED = COMPOSE.replace("- 6379:6379", '- "6379:6379"')
NOT_MATCHING = [
    "Dockerfile.dockerignore",
    "docker/dockerfile.json",
    "MyDockerfile",
    ".github/workflows/docker-compose.yml",
    "docker-compose.override.yml.example",
]


def hooks() -> list[dict[str, Any]]:
    loaded = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, list)
    return loaded


def hook(hook_id: str) -> dict[str, Any]:
    return next(h for h in hooks() if h["id"] == hook_id)


def test_hooks_are_declared() -> None:
    by_id = {h["id"]: h for h in hooks()}
    assert set(by_id) == {"dockerlint-django", "dockerlint-django-fix"}
    assert by_id["dockerlint-django"]["entry"].split()[:2] == ["dockerlint-django", "check"]
    assert by_id["dockerlint-django-fix"]["entry"].split()[:2] == ["dockerlint-django", "fix"]
    for h in by_id.values():
        assert h["language"] == "python"
        # The tool lints the files it is given; without them it would lint the whole checkout.
        assert h.get("pass_filenames", True) is True


@pytest.mark.skipif(importlib.util.find_spec("pre_commit") is None, reason="needs pre-commit")
def test_manifest_is_valid_for_pre_commit() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# Names built from the pieces the globs are made of, so that near misses come up often.
_PIECES = [
    *("Dockerfile", "Containerfile", "dockerfile", "compose", "docker-", ".yml", ".yaml"),
    *(".json", ".", "_", "-", "x", "Docker", "file", "\n"),
]
names = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=5).map("".join)
folders = st.sampled_from(["", "a/", "Dockerfile/", "x.Dockerfile/", "a/Containerfile/"])


@pytest.mark.parametrize("hook_id", ["dockerlint-django", "dockerlint-django-fix"])
@given(folder=folders, name=names)
def test_files_pattern_is_discovery(hook_id: str, folder: str, name: str) -> None:
    # pre-commit applies `files` with re.search to the path relative to the repository root.
    pattern = re.compile(hook(hook_id)["files"])
    # A path a file system cannot have ("a/." is "a") says nothing about names.
    assume(name not in (".", ".."))
    assert bool(pattern.search(folder + name)) == (
        file_kind(PurePosixPath(folder + name)) in SEARCHED_KINDS
    )


@pytest.mark.parametrize("path", MATCHING)
def test_files_pattern_takes(path: str) -> None:
    assert re.search(hook("dockerlint-django")["files"], path)


@pytest.mark.parametrize("path", NOT_MATCHING)
def test_files_pattern_leaves(path: str) -> None:
    assert not re.search(hook("dockerlint-django")["files"], path)


# --- the real pre-commit -------------------------------------------------------------------------

# Each try-repo builds a fresh environment with pip; a slow index must not hang the suite.
TIMEOUT = 600
_NETWORK_ERRORS = (
    "Temporary failure in name resolution",
    "Failed to establish a new connection",
    "Network is unreachable",
    "Could not fetch URL",
)


def _clean_env(tmp: Path) -> dict[str, str]:
    # Variables a surrounding git hook sets (GIT_DIR, GIT_INDEX_FILE) would point git at the
    # wrong repository; a user's pre-commit cache is not ours to fill.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env["PRE_COMMIT_HOME"] = str(tmp / "pre-commit-home")
    env["NO_COLOR"] = "1"
    return env


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _commit_all(repo: Path, env: dict[str, str]) -> str:
    _git(repo, env, "init", "-q")
    _git(repo, env, "add", "-A")
    _git(repo, env, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "snapshot")
    return _git(repo, env, "rev-parse", "HEAD").strip()


def _project_files() -> list[Path]:
    """The working tree as it would be committed: tracked and new files, not ignored ones."""
    if (ROOT / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            timeout=60,
            check=True,
        ).stdout
        paths = [Path(p) for p in listed.decode("utf-8", "surrogateescape").split("\0") if p]
    else:
        skip = {".git", ".venv", ".ci-venv", "build", "dist", "__pycache__", ".hypothesis"}
        paths = [
            p.relative_to(ROOT)
            for p in ROOT.rglob("*")
            if not skip.intersection(p.relative_to(ROOT).parts) and not p.name.endswith("_cache")
        ]
    return [p for p in paths if (ROOT / p).is_file()]


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A git repository holding a copy of this working tree, committed: what try-repo installs."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if importlib.util.find_spec("pre_commit") is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    tmp = tmp_path_factory.mktemp("hook-repo")
    repo = tmp / "dockerlint-django"
    for rel in _project_files():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, repo / rel)
    yield repo, _commit_all(repo, _clean_env(tmp))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A user's repository with Dockerfiles under every name the hooks take, and others."""
    repo = tmp_path / "project"
    for rel in MATCHING:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(COMPOSE if rel in COMPOSE_MATCHING else BAD, encoding="utf-8")
    # Files a loose pattern would hand to the hook; the tool lints any file it is given.
    for rel in NOT_MATCHING:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(BAD, encoding="utf-8")
    (repo / "clean").mkdir()
    (repo / "clean" / "Dockerfile").write_text(CLEAN, encoding="utf-8")
    _commit_all(repo, _clean_env(tmp_path))
    return repo


def try_repo(hook_repo: tuple[Path, str], project: Path, *args: str) -> tuple[int, str]:
    path, rev = hook_repo
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(path), "--ref", rev]
    command += ["--color", "never", *args]
    try:
        done = subprocess.run(
            command,
            cwd=project,
            env=_clean_env(project.parent),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"pre-commit try-repo took over {TIMEOUT}s: {exc.output!r}")
    if done.returncode != 0 and any(e in done.stdout for e in _NETWORK_ERRORS):
        pytest.skip(f"pre-commit could not install the hook from the package index:\n{done.stdout}")
    return done.returncode, done.stdout


def _status(output: str, name: str) -> str:
    """The word pre-commit prints after a hook's name and its row of dots."""
    found = re.search(rf"^{re.escape(name)}\.+(?:\([^)]*\))?(\w+)$", output, re.MULTILINE)
    assert found, output
    return found.group(1)


@pytest.mark.slow
def test_hooks_in_a_real_repository(hook_repo: tuple[Path, str], project: Path) -> None:
    # One try-repo for the failing case and one for the passing case: each installs the hook's
    # environment afresh, which is most of the time this test takes.
    code, output = try_repo(hook_repo, project, "--all-files")
    assert code == 1, output
    assert _status(output, "dockerlint-django") == "Failed"
    assert _status(output, "dockerlint-django (fix)") == "Failed"
    assert "files were modified by this hook" in output
    # Every Compose file was read: none is an input error.
    assert "error:" not in output, output
    for rel in MATCHING:
        if rel in COMPOSE_MATCHING:
            # Compose files are checked, and the fix hook applied the safe fix to them.
            assert re.search(rf"^{re.escape(rel)}:5:9: DJ111 ", output, re.MULTILINE), output
            assert (project / rel).read_text(encoding="utf-8") == COMPOSE_FIXED
            continue
        assert re.search(rf"^{re.escape(rel)}:2:1: DJ001 ", output, re.MULTILINE), output
        # The fix hook rewrote the shell-form CMD as an exec-form array (other safe fixes, such
        # as DJ021's EXPOSE, may add lines above it).
        lines = (project / rel).read_text(encoding="utf-8").splitlines()
        assert [x for x in lines if x.startswith("CMD ")] == [lines[-1]]
        assert lines[-1].startswith("CMD [")
    for rel in [*NOT_MATCHING, "clean/Dockerfile"]:
        assert rel not in output
    for rel in NOT_MATCHING:
        assert (project / rel).read_text(encoding="utf-8") == BAD

    # The clean file passes; the others named here are not the hooks' to check, so they are
    # filtered out, not linted (the tool would report the bad content of any file it is given).
    code, output = try_repo(hook_repo, project, "--files", "clean/Dockerfile", *NOT_MATCHING)
    assert code == 0, output
    assert _status(output, "dockerlint-django") == "Passed"
    assert _status(output, "dockerlint-django (fix)") == "Passed"
