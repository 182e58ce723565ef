"""Wildcard COPY sources and ``.dockerignore``, matched against the build context as BuildKit does.

A glob source is split at its first segment with a wildcard (``tonistiigi/fsutil``'s
``ResolveWildcards``) and the rest matched with Go's ``filepath.Match``; the ignore file follows
``moby/patternmatcher``. These tests pin both, then show the rules that used to go quiet after a
``COPY requirements*.txt ./`` now judge the image.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

import pytest

from dockerlint_django import engine
from dockerlint_django.analysis import Analysis
from dockerlint_django.engine import Options, build_analysis
from dockerlint_django.project.context import BuildContext, _go_match, _IgnoreRules
from dockerlint_django.readers.pyproject import PoetryGroup, Pyproject, is_dev_name, read_pyproject
from dockerlint_django.source import SourceFile
from dockerlint_django.testing import config_for, lint_project, lint_text


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# -- Go's filepath.Match ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "name", "matched"),
    [
        ("requirements*.txt", "requirements.txt", True),
        ("requirements*.txt", "requirements-dev.txt", True),
        ("*.py", "gunicorn.conf.py", True),
        ("*.py", "app/wsgi.py", False),  # `*` stops at `/`
        ("*/*.py", "app/wsgi.py", True),
        ("*", ".dockerignore", True),  # no special case for dot files
        ("?.txt", "a.txt", True),
        ("?.txt", "ab.txt", False),
        ("[a-c]*", "base.txt", True),
        ("[a-c]*", "dev.txt", False),
        ("[^a-c]*", "dev.txt", True),
        ("[^a-c]*", "base.txt", False),
        (r"\*.txt", "*.txt", True),
        (r"\*.txt", "a.txt", False),
        ("[\\]]", "]", True),
    ],
)
def test_go_match(pattern: str, name: str, matched: bool) -> None:
    regex = _go_match(pattern)
    assert regex is not None
    assert bool(regex.fullmatch(name)) is matched


@pytest.mark.parametrize("pattern", ["x[", "[]", "[-a]", "a\\", "[a-"])
def test_go_match_rejects_bad_patterns(pattern: str) -> None:
    assert _go_match(pattern) is None


# -- BuildContext.glob -----------------------------------------------------------------------


def test_glob_matches_one_segment_at_a_time(tmp_path: Path) -> None:
    ctx = BuildContext(
        _tree(
            tmp_path,
            {
                "requirements.txt": "",
                "requirements-dev.txt": "",
                "src/app/a.py": "",
                "src/b.py": "",
                "docs/x.md": "",
            },
        )
    )
    assert ctx.glob("requirements*.txt") == ["requirements-dev.txt", "requirements.txt"]
    assert ctx.glob("./requirements*.txt") == ["requirements-dev.txt", "requirements.txt"]
    assert ctx.glob("src/*.py") == ["src/b.py"]
    assert ctx.glob("*/*.py") == ["src/b.py"]
    assert ctx.glob("s?c") == ["src"]  # a matched folder is copied whole
    assert ctx.glob("nomatch*") == []  # BuildKit copies nothing, and the build goes on
    assert ctx.glob("missing/*.py") is None  # the walk fails: the build stops
    assert ctx.glob("x[") is None
    assert ctx.glob("requirements.txt") is None  # not a pattern
    assert BuildContext(None).glob("*.txt") is None


def test_dockerignore_leaves_files_out(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            ".dockerignore": "# a comment\nnode_modules\n**/*.md\n!docs/keep.md\n/secret.env\n",
            "node_modules/x/y.js": "",
            "docs/notes.md": "",
            "docs/keep.md": "",
            "README.md": "",
            "secret.env": "",
            "app.py": "",
        },
    )
    ctx = BuildContext(root)
    assert ctx.exists("node_modules") is False
    assert ctx.exists("node_modules/x/y.js") is False  # a parent left out takes it along
    assert ctx.exists("docs/notes.md") is False
    assert ctx.exists("README.md") is False
    assert ctx.exists("docs/keep.md") is True
    assert ctx.exists("docs") is True
    assert ctx.exists("secret.env") is False
    assert ctx.exists("app.py") is True
    assert ctx.glob("docs/*") == ["docs/keep.md"]
    assert ctx.list_dir(".") == [".dockerignore", "app.py", "docs"]
    assert ctx.read("secret.env") is None


def test_excluded_folder_with_a_file_taken_back(tmp_path: Path) -> None:
    root = _tree(tmp_path, {".dockerignore": "config\n!config/gunicorn.conf.py\n"})
    _tree(root, {"config/gunicorn.conf.py": "workers = 2\n", "config/local.py": ""})
    ctx = BuildContext(root)
    assert ctx.exists("config") is True
    assert ctx.exists("config/gunicorn.conf.py") is True
    assert ctx.exists("config/local.py") is False


def test_dockerfile_specific_ignore_file_wins(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            ".dockerignore": "gunicorn.conf.py\n",
            "docker/web.Dockerfile.dockerignore": "*.md\n",
            "docker/web.Dockerfile": "FROM python:3.12\n",
            "gunicorn.conf.py": "",
            "README.md": "",
        },
    )
    ctx = BuildContext(root, dockerfile=root / "docker" / "web.Dockerfile")
    assert ctx.exists("gunicorn.conf.py") is True
    assert ctx.exists("README.md") is False
    assert BuildContext(root).exists("gunicorn.conf.py") is False


def test_a_dockerfile_ignore_file_for_an_unnamed_dockerfile_is_unknown(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"Dockerfile.dockerignore": "*.md\n", "README.md": ""})
    assert BuildContext(root).exists("README.md") is None
    assert BuildContext(root, dockerfile=root / "Dockerfile").exists("README.md") is False


def test_an_ignore_file_the_builder_rejects_is_unknown(tmp_path: Path) -> None:
    root = _tree(tmp_path, {".dockerignore": "!\n", "app.py": ""})
    assert BuildContext(root).exists("app.py") is None
    assert _IgnoreRules.parse("[\n") is None


@pytest.mark.parametrize(
    ("pattern", "path", "excluded"),
    [
        ("**/__pycache__", "app/__pycache__/x.pyc", True),
        ("**/__pycache__", "__pycache__", True),
        ("*.pyc", "app/x.pyc", False),  # `*` does not reach into folders
        ("**/*.pyc", "app/x.pyc", True),
        ("docs/**", "docs/a/b.md", True),
        ("./build", "build/x", True),
        ("/build", "build", True),
        ("tmp?", "tmp1", True),
    ],
)
def test_pattern_matcher(pattern: str, path: str, excluded: bool) -> None:
    rules = _IgnoreRules.parse(pattern + "\n")
    assert rules is not None
    assert rules.excludes(path) is excluded


# -- what a COPY with wildcards brings -------------------------------------------------------


def _analysis(root: Path, dockerfile: str) -> Analysis:
    path = root / "Dockerfile"
    path.write_text(dockerfile, encoding="utf-8")
    source = SourceFile.from_text(str(path), dockerfile)
    parsed = engine.parse_dockerfile(source)[0]
    assert parsed is not None
    return build_analysis(source, parsed, Options(config_for(["DJ022"])), path)


def test_glob_copy_is_matched_in_the_context(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"requirements.txt": "", "gunicorn.conf.py": "", "wsgi.py": ""})
    a = _analysis(
        root,
        "FROM python:3.12\nWORKDIR /app\nCOPY requirements*.txt ./\nCOPY *.py /srv/\n",
    )
    stage = a.dockerfile.stages[0]
    assert a.context_file_at(stage, "/app/requirements.txt") == ("requirements.txt", True)
    assert a.context_file_at(stage, "/app/gunicorn.conf.py") == (None, True)
    assert a.context_file_at(stage, "/srv/gunicorn.conf.py") == ("gunicorn.conf.py", True)
    assert a.context_file_at(stage, "/srv/settings.py") == (None, True)


def test_glob_copy_without_a_context_stays_unknown() -> None:
    text = (
        'FROM python:3.12\nWORKDIR /app\nCOPY requirements*.txt ./\nCMD ["gunicorn", "app.wsgi"]\n'
    )
    assert not [f for f in lint_text(text, ["DJ022"]).findings if f.code == "DJ022"]


def test_several_matches_onto_one_file_are_unknown(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"a.conf.py": "", "b.conf.py": ""})
    a = _analysis(root, "FROM python:3.12\nCOPY *.conf.py /etc/app.conf.py\n")
    stage = a.dockerfile.stages[0]
    assert a.context_file_at(stage, "/etc/app.conf.py") == (None, False)


def test_one_match_onto_a_file(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"gunicorn-prod.conf.py": ""})
    a = _analysis(root, "FROM python:3.12\nCOPY gunicorn-*.conf.py /app/gunicorn.conf.py\n")
    stage = a.dockerfile.stages[0]
    assert a.context_file_at(stage, "/app/gunicorn.conf.py") == ("gunicorn-prod.conf.py", True)


def test_glob_add_of_an_archive_is_unknown(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"dist/app.tar.gz": ""})
    a = _analysis(root, "FROM python:3.12\nADD dist/*.gz /app/\n")
    stage = a.dockerfile.stages[0]
    assert a.context_file_at(stage, "/app/gunicorn.conf.py") == (None, False)


def test_what_a_run_finds_is_what_was_copied_before_it(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"requirements.txt": "", "pyproject.toml": ""})
    a = _analysis(
        root,
        "FROM python:3.12\nWORKDIR /app\n"
        "RUN --mount=type=bind,source=pyproject.toml,target=pyproject.toml uv sync\n"
        "COPY . .\n",
    )
    run = a.runs[0]
    assert a.run_file(run, "/app/pyproject.toml") == ("pyproject.toml", True)
    assert a.run_file(run, "/app/requirements.txt") == (None, True)
    assert run.stage is not None
    found, known = a.context_file_at(run.stage, "/app/requirements.txt")
    assert known
    assert found is not None
    assert posixpath.normpath(found) == "requirements.txt"


# -- the rules that a glob COPY used to silence ----------------------------------------------

_SERVER = """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements*.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY app/ ./
{copy}CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app.wsgi"]
"""


def test_gunicorn_rules_judge_the_image_after_a_glob_copy() -> None:
    files = {"Dockerfile": _SERVER.format(copy=""), "requirements.txt": "gunicorn\n"}
    files["app/wsgi.py"] = ""
    found = lint_project(files, ["DJ022"])
    assert [(f.code, f.line) for f in found] == [("DJ022", 6)]


def test_a_config_file_a_glob_brings_is_read() -> None:
    files = {
        "Dockerfile": _SERVER.format(copy="COPY *.py ./\n"),
        "requirements.txt": "gunicorn\n",
        "gunicorn.conf.py": 'worker_tmp_dir = "/dev/shm"\n',
        "app/wsgi.py": "",
    }
    assert not lint_project(files, ["DJ022"])


def test_a_config_file_the_ignore_file_leaves_out_is_not_in_the_image() -> None:
    files = {
        "Dockerfile": _SERVER.format(copy="COPY . .\n"),
        ".dockerignore": "gunicorn.conf.py\n",
        "requirements.txt": "gunicorn\n",
        "gunicorn.conf.py": 'worker_tmp_dir = "/dev/shm"\n',
        "app/wsgi.py": "",
    }
    found = lint_project(files, ["DJ022"])
    assert [(f.code, f.line) for f in found] == [("DJ022", 7)]


# -- pyproject.toml, read as TOML ------------------------------------------------------------


def _pyproject(text: str) -> Pyproject:
    return read_pyproject(SourceFile.from_text("pyproject.toml", text))


def test_dependency_groups_follow_includes() -> None:
    project = _pyproject(
        "[dependency-groups]\n"
        'Dev_Tools = [{include-group = "test"}]\n'
        'test = ["pytest"]\n'
        'empty = [{include-group = "none"}]\n'
        "[tool.uv]\n"
        'dev-dependencies = ["ruff"]\n'
    )
    assert project.groups == {"dev-tools": True, "test": True, "empty": False, "dev": True}
    assert project.uv_default_groups == ("dev",)
    assert project.extras is None  # no [project] table: extras are not known


def test_default_groups_and_extras() -> None:
    project = _pyproject(
        '[project]\nname = "x"\nversion = "1"\n'
        '[project.optional-dependencies]\nTest = ["pytest"]\ndocs = []\n'
        '[tool.uv]\ndefault-groups = "all"\n'
    )
    assert project.uv_default_groups == "all"
    assert project.extras == {"test": True, "docs": False}
    assert _pyproject("[tool.uv]\ndefault-groups = 3\n").uv_default_groups is None
    dynamic = _pyproject('[project]\nname = "x"\ndynamic = ["optional-dependencies"]\n')
    assert dynamic.extras is None


def test_poetry_groups() -> None:
    project = _pyproject(
        "[tool.poetry.dev-dependencies]\npytest = '*'\n"
        "[tool.poetry.group.docs]\noptional = true\n"
        "[tool.poetry.group.docs.dependencies]\nsphinx = '*'\n"
    )
    assert project.poetry_groups == {
        "dev": PoetryGroup(True, False),
        "docs": PoetryGroup(True, True),
    }


def test_a_file_that_is_not_toml_or_too_large_is_not_read() -> None:
    assert _pyproject("[dependency-groups\n").error is not None
    assert _pyproject("a = " + "[" * 5000 + "]" * 5000).error is not None
    assert _pyproject("# " + "x" * 1_000_001).error is not None
    assert is_dev_name("Testing") and is_dev_name("dev") and not is_dev_name("docs")
