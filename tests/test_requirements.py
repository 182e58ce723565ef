"""pip requirements files: pip's line rules, nesting, markers, pins, and the handbook's files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from dockerlint_django.readers.requirements import (
    Requirement,
    RequirementSet,
    has_package,
    is_dev_requirements_path,
    normalize_name,
    parse_requirements,
    pinned_version,
)
from dockerlint_django.source import SourceFile, Span
from tests.conftest import HANDBOOK_TEMPLATE

TEMPLATE = HANDBOOK_TEMPLATE / "{{cookiecutter.project_slug}}"


def files(contents: dict[str, str]) -> Callable[[str], SourceFile | None]:
    """A reader over in-memory files, recording the paths it is asked for."""
    table = {k: textwrap.dedent(v) for k, v in contents.items()}
    calls: list[str] = []

    def read(path: str) -> SourceFile | None:
        calls.append(path)
        text = table.get(path)
        return None if text is None else SourceFile.from_text(path, text)

    read.calls = calls  # type: ignore[attr-defined]
    return read


def parse(
    text: str, path: str = "requirements.txt", others: dict[str, str] | None = None
) -> RequirementSet:
    return parse_requirements(
        SourceFile.from_text(path, textwrap.dedent(text)), files(others or {})
    )


def only(reqs: RequirementSet) -> Requirement:
    assert len(reqs.requirements) == 1, reqs.requirements
    return reqs.requirements[0]


# ---------------------------------------------------------------------------------------------
# single lines


def test_names_extras_specifiers_pins() -> None:
    req = only(parse("Gunicorn[SetProcTitle]==26.0.0\n"))
    assert req.name == "gunicorn"
    assert req.extras == ("setproctitle",)
    assert req.specifier == "==26.0.0"
    assert req.pinned == "26.0.0"
    assert req.markers is None
    assert req.known
    assert not req.nested


@pytest.mark.parametrize(
    ("line", "pinned"),
    [
        ("gunicorn==26.0.0", "26.0.0"),
        ("gunicorn===26.0.0", "26.0.0"),
        ("gunicorn == 26.0.0", "26.0.0"),
        ("gunicorn>=25,==25.1.0", "25.1.0"),
        ("gunicorn==26.*", None),
        ("gunicorn>=26", None),
        ("gunicorn~=26.0", None),
        ("gunicorn", None),
        ("gunicorn==25.0,==26.0", None),
    ],
)
def test_only_exact_pins_are_pinned(line: str, pinned: str | None) -> None:
    assert only(parse(line)).pinned == pinned


@pytest.mark.parametrize(
    ("raw", "normal"),
    [("Django", "django"), ("dj_database.URL", "dj-database-url"), ("a-_.b", "a-b")],
)
def test_pep503(raw: str, normal: str) -> None:
    assert normalize_name(raw) == normal
    assert only(parse(f"{raw}==1\n")).name == normal


def test_markers() -> None:
    req = only(parse('tomli>=1; python_version < "3.11"\n'))
    assert req.name == "tomli"
    assert req.markers == 'python_version < "3.11"'
    assert req.specifier == ">=1"


def test_comments_blank_lines_and_inline_comments() -> None:
    reqs = parse(
        """
        # a comment
           # indented comment

        django==5.2  # trailing comment
        flask==3.0 #no-space-needed-after-hash
        """
    )
    assert [r.name for r in reqs.requirements] == ["django", "flask"]
    assert reqs.requirements[0].text == "django==5.2"


def test_line_continuations_and_hashes() -> None:
    text = "gunicorn==26.0.0 \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb\nsix==1.0\n"
    source = SourceFile.from_text("r.txt", text)
    reqs = parse_requirements(source)
    assert [r.name for r in reqs.requirements] == ["gunicorn", "six"]
    assert reqs.requirements[0].line == 1
    assert reqs.requirements[1].line == 4
    assert source.slice(reqs.requirements[0].span) == "gunicorn==26.0.0"
    assert reqs.problems == ()


def test_continuation_joins_a_requirement_split_across_lines() -> None:
    text = "gunicorn\\\n==26.0.0\n"
    source = SourceFile.from_text("r.txt", text)
    req = only(parse_requirements(source))
    assert req.pinned == "26.0.0"
    assert req.text == "gunicorn==26.0.0"
    assert req.span == Span(0, len(text) - 1)
    assert req.name_span == Span(0, 8)


def test_comment_line_ending_in_backslash_does_not_continue() -> None:
    reqs = parse("# comment \\\ndjango==5.2\n")
    assert [r.name for r in reqs.requirements] == ["django"]


def test_spans_are_exact() -> None:
    text = "# é\n  Django[Argon2] >= 5.2 ; python_version > '3'  # x\n"
    source = SourceFile.from_text("r.txt", text)
    req = only(parse_requirements(source))
    assert source.slice(req.span) == "Django[Argon2] >= 5.2 ; python_version > '3'"
    assert req.name_span is not None
    assert source.slice(req.name_span) == "Django"
    assert req.line == 2
    assert req.extras == ("argon2",)


def test_urls_vcs_and_paths() -> None:
    reqs = parse(
        """
        -e git+https://github.com/org/Repo.git@v1#egg=My_Pkg[extra]
        git+https://github.com/org/other.git#egg=other
        https://example.com/pkgs/Some_Pkg-1.0-py3-none-any.whl ; sys_platform == "linux"
        name @ https://example.com/name-1.0.tar.gz
        ./vendor/thing
        -e .
        ../sibling.tar.gz
        """
    )
    by_text = {r.text: r for r in reqs.requirements}
    vcs = by_text["git+https://github.com/org/Repo.git@v1#egg=My_Pkg[extra]"]
    assert (vcs.name, vcs.extras, vcs.editable) == ("my-pkg", ("extra",), True)
    assert vcs.url is not None
    assert by_text["git+https://github.com/org/other.git#egg=other"].name == "other"
    wheel = by_text[
        'https://example.com/pkgs/Some_Pkg-1.0-py3-none-any.whl ; sys_platform == "linux"'
    ]
    assert wheel.name == "some-pkg"
    assert wheel.markers == 'sys_platform == "linux"'
    direct = by_text["name @ https://example.com/name-1.0.tar.gz"]
    assert (direct.name, direct.url) == ("name", "https://example.com/name-1.0.tar.gz")
    for text in ("./vendor/thing", ".", "../sibling.tar.gz"):
        assert by_text[text].name is None
        assert not by_text[text].known
    assert not reqs.complete  # "-e ." brings dependencies we cannot see


def test_env_vars_are_unknown() -> None:
    reqs = parse("gunicorn==${GUNICORN_VERSION}\n${PKG}==1\n-r ${DIR}/base.txt\n")
    pinned, named = reqs.requirements
    assert pinned.name == "gunicorn"
    assert pinned.pinned is None
    assert not pinned.known
    assert named.name is None
    (include,) = reqs.includes
    assert include.status == "unknown"
    assert include.unknown
    assert not reqs.complete
    assert pinned_version(reqs, "gunicorn") is None


def test_option_lines_are_recorded_not_requirements() -> None:
    text = (
        "--index-url https://pypi.example/simple\n"
        "--extra-index-url=https://other/simple\n"
        "-f ./wheels\n--no-binary :all:\n--require-hashes\n--pre\ndjango==5.2\n"
    )
    source = SourceFile.from_text("r.txt", text)
    reqs = parse_requirements(source)
    assert [r.name for r in reqs.requirements] == ["django"]
    assert [(o.name, o.value) for o in reqs.options] == [
        ("index-url", "https://pypi.example/simple"),
        ("extra-index-url", "https://other/simple"),
        ("find-links", "./wheels"),
        ("no-binary", ":all:"),
        ("require-hashes", None),
        ("pre", None),
    ]
    assert source.slice(reqs.options[1].span) == "https://other/simple"
    assert reqs.problems == ()


def test_unknown_option_and_invalid_requirement_are_problems_not_crashes() -> None:
    reqs = parse("--frobnicate\ndjango=>5\n-r\n")
    messages = [p.message for p in reqs.problems]
    assert any("--frobnicate" in m for m in messages)
    assert any("invalid requirement" in m for m in messages)
    assert any("requires an argument" in m for m in messages)
    (bad,) = reqs.requirements
    assert bad.name == "django"
    assert not bad.known
    assert not reqs.complete


# ---------------------------------------------------------------------------------------------
# nesting


def test_nested_requirement_and_constraint_files() -> None:
    reqs = parse(
        "-r base.txt\n--constraint=constraints.txt\ndjango\n",
        path="reqs/prod.txt",
        others={
            "reqs/base.txt": "gunicorn[setproctitle]\n-rsub/more.txt\n",
            "reqs/sub/more.txt": "six==1.0\n",
            "reqs/constraints.txt": "gunicorn==25.1.0\nsetproctitle==1.3\n",
        },
    )
    assert reqs.files == (
        "reqs/prod.txt",
        "reqs/base.txt",
        "reqs/sub/more.txt",
        "reqs/constraints.txt",
    )
    by = {(r.name, r.constraint): r for r in reqs.requirements}
    assert by[("gunicorn", False)].nested
    assert by[("gunicorn", False)].path == "reqs/base.txt"
    assert by[("six", False)].nested
    assert not by[("django", False)].nested
    assert by[("gunicorn", True)].pinned == "25.1.0"
    # A constraint pins an installed package, but does not install one.
    assert pinned_version(reqs, "gunicorn") == (25, 1, 0)
    assert has_package(reqs, "setproctitle")  # via the extra, not the constraint
    assert not has_package(parse("-c c.txt\n", others={"c.txt": "six==1\n"}), "six")
    assert pinned_version(parse("-c c.txt\n", others={"c.txt": "six==1\n"}), "six") is None
    assert reqs.complete


def test_requirement_inside_constraint_file_is_a_requirement() -> None:
    # pip: "-r" in a constraints file includes requirements, like anywhere else.
    reqs = parse("-c c.txt\n", others={"c.txt": "-r r.txt\n", "r.txt": "six==1\n"})
    (six,) = reqs.requirements
    assert not six.constraint
    assert has_package(reqs, "six")


def test_relative_paths_resolve_against_the_including_file() -> None:
    reader = files({"requirements_base.txt": "django==5.2\n"})
    source = SourceFile.from_text("docs/requirements.txt", "-r ../requirements_base.txt\n")
    reqs = parse_requirements(source, reader)
    assert reader.calls == ["requirements_base.txt"]  # type: ignore[attr-defined]
    assert [r.name for r in reqs.requirements] == ["django"]
    absolute = parse_requirements(SourceFile.from_text("a/r.txt", "-r /abs/x.txt\n"), reader)
    assert absolute.includes[0].resolved == "/abs/x.txt"


def test_cycles_are_safe() -> None:
    reqs = parse(
        "-r a.txt\nsix\n",
        path="top.txt",
        others={"a.txt": "-r b.txt\nalpha\n", "b.txt": "-r top.txt\n-r ./a.txt\nbeta\n"},
    )
    assert [r.name for r in reqs.requirements] == ["beta", "alpha", "six"]
    statuses = [(i.target, i.status) for i in reqs.includes]
    assert ("top.txt", "cycle") in statuses
    assert ("./a.txt", "cycle") in statuses
    assert reqs.complete  # a cycle repeats known lines: nothing is missing


def test_self_include() -> None:
    reqs = parse("-r requirements.txt\nsix\n")
    assert reqs.includes[0].status == "cycle"
    assert [r.name for r in reqs.requirements] == ["six"]


def test_diamond_includes_are_read_each_time() -> None:
    reqs = parse(
        "-r a.txt\n-r b.txt\n",
        others={"a.txt": "-r c.txt\n", "b.txt": "-r c.txt\n", "c.txt": "six\n"},
    )
    assert [r.name for r in reqs.requirements] == ["six", "six"]
    assert reqs.files.count("c.txt") == 2


def test_unreadable_and_remote_includes_are_unknown_branches() -> None:
    reqs = parse(
        "-r missing.txt\n-r https://example.com/r.txt\ndjango==5.2\n-r present.txt\n",
        others={"present.txt": "six==1\n"},
    )
    assert [(i.target, i.status) for i in reqs.includes] == [
        ("missing.txt", "unreadable"),
        ("https://example.com/r.txt", "remote"),
        ("present.txt", "read"),
    ]
    assert [i.target for i in reqs.unknown_includes] == ["missing.txt", "https://example.com/r.txt"]
    assert [r.name for r in reqs.requirements] == ["django", "six"]
    assert not reqs.complete


def test_no_reader_means_every_include_is_unreadable() -> None:
    reqs = parse_requirements(SourceFile.from_text("r.txt", "-r base.txt\n"))
    assert reqs.includes[0].status == "unreadable"


def test_only_first_include_of_a_line_is_followed() -> None:
    reader = files({"a.txt": "alpha\n", "b.txt": "beta\n"})
    reqs = parse_requirements(SourceFile.from_text("r.txt", "-r a.txt -r b.txt\n"), reader)
    assert [r.name for r in reqs.requirements] == ["alpha"]


def test_include_span() -> None:
    text = "# x\n-r  base.txt  # why\n"
    source = SourceFile.from_text("r.txt", text)
    reqs = parse_requirements(source, files({"base.txt": "six\n"}))
    include = reqs.includes[0]
    assert source.slice(include.span) == "base.txt"
    assert include.line == 2


# ---------------------------------------------------------------------------------------------
# helpers


def test_pinned_version_and_has_package() -> None:
    reqs = parse("gunicorn[setproctitle]==26.0.0\nDjango==5.2.16\npsycopg[c]\n")
    assert pinned_version(reqs, "gunicorn") == (26, 0, 0)
    assert pinned_version(reqs, "GUNICORN") == (26, 0, 0)
    assert pinned_version(reqs, "django") == (5, 2, 16)
    assert pinned_version(reqs, "psycopg") is None
    assert pinned_version(reqs, "flask") is None
    assert has_package(reqs, "setproctitle")
    assert has_package(reqs, "Django")
    assert not has_package(reqs, "uvicorn")
    assert pinned_version(parse("gunicorn==26.0.0rc1\n"), "gunicorn") == (26, 0, 0)
    assert pinned_version(parse("gunicorn==1!2.0\n"), "gunicorn") == (2, 0)


def test_conflicting_pins_give_no_version() -> None:
    reqs = parse("gunicorn==25.0.0\n-r b.txt\n", others={"b.txt": "gunicorn==26.0.0\n"})
    assert pinned_version(reqs, "gunicorn") is None
    agreeing = parse(
        "gunicorn==26.0.0\n-r b.txt\n", others={"b.txt": "gunicorn[setproctitle]==26.0.0\n"}
    )
    assert pinned_version(agreeing, "gunicorn") == (26, 0, 0)


@pytest.mark.parametrize(
    "path",
    [
        "requirements_dev.txt",
        "requirements-dev.txt",
        "requirements.dev.txt",
        "dev-requirements.txt",
        "dev_requirements.txt",
        "requirements_test.txt",
        "test-requirements.txt",
        "requirements/dev.txt",
        "requirements/development.txt",
        "requirements/local.txt",
        "requirements/test.txt",
        "requirements/testing.txt",
        "/tmp/requirements_dev.txt",
        "src/requirements_dev.in",
        "Requirements_Dev.TXT",
    ],
)
def test_dev_requirement_paths(path: str) -> None:
    assert is_dev_requirements_path(path)


@pytest.mark.parametrize(
    "path",
    [
        "requirements.txt",
        "requirements_base.txt",
        "requirements/base.txt",
        "requirements/production.txt",
        "requirements/localized.txt.bak",
        "dev/requirements.txt",
        "devtools.txt",
        "requirements_development_notes.md",
    ],
)
def test_not_dev_requirement_paths(path: str) -> None:
    assert not is_dev_requirements_path(path)


# ---------------------------------------------------------------------------------------------
# the handbook template, read in place


def _template_reader() -> Callable[[str], SourceFile | None]:
    def read(path: str) -> SourceFile | None:
        target = TEMPLATE / path
        if not target.is_file():
            return None
        return SourceFile.from_bytes(path, target.read_bytes())

    return read


def _template(path: str) -> tuple[SourceFile, RequirementSet]:
    read = _template_reader()
    source = read(path)
    assert source is not None
    return source, parse_requirements(source, read)


def test_template_requirements_txt_pins_gunicorn() -> None:
    source, reqs = _template("requirements.txt")
    assert reqs.complete
    assert reqs.includes == ()  # "# via -r requirements_base.txt" lines are comments
    assert pinned_version(reqs, "gunicorn") == (26, 0, 0)
    assert has_package(reqs, "setproctitle")
    (gunicorn,) = reqs.find("gunicorn")
    assert gunicorn.extras == ("setproctitle",)
    assert source.slice(gunicorn.span) == "gunicorn[setproctitle]==26.0.0"
    assert source.line_text(gunicorn.line) == "gunicorn[setproctitle]==26.0.0"
    assert pinned_version(reqs, "django") is not None
    assert not is_dev_requirements_path(source.path)


def test_template_requirements_base_in_has_setproctitle_extra() -> None:
    _, reqs = _template("requirements_base.in")
    (gunicorn,) = reqs.find("gunicorn")
    assert gunicorn.extras == ("setproctitle",)
    assert gunicorn.pinned is None
    assert pinned_version(reqs, "gunicorn") is None
    assert has_package(reqs, "setproctitle")
    assert reqs.find("django")[0].specifier == "<5.3"


def test_template_nested_in_files() -> None:
    _, reqs = _template("requirements_dev.in")
    assert reqs.files == ("requirements_dev.in", "requirements_base.txt")
    assert reqs.complete
    gunicorn = reqs.find("gunicorn")[0]
    assert gunicorn.nested
    assert gunicorn.path == "requirements_base.txt"
    coverage = reqs.find("coverage")[0]
    assert not coverage.nested
    assert is_dev_requirements_path("requirements_dev.in")
    assert is_dev_requirements_path("requirements_dev.txt")


def test_template_docs_requirements_go_up_a_folder() -> None:
    _, reqs = _template("docs/requirements.txt")
    assert reqs.files == ("docs/requirements.txt", "requirements_base.txt")
    assert pinned_version(reqs, "gunicorn") == (26, 0, 0)


def test_every_template_requirements_file_parses_cleanly() -> None:
    read = _template_reader()
    paths = sorted(
        str(p.relative_to(TEMPLATE)) for p in Path(TEMPLATE).rglob("requirements*") if p.is_file()
    )
    assert "requirements.txt" in paths
    for path in paths:
        source = read(path)
        assert source is not None
        reqs = parse_requirements(source, read)
        assert reqs.problems == (), path
        assert reqs.complete, path
        assert all(r.name for r in reqs.requirements), path


def test_marker_separator_after_url_needs_a_space() -> None:
    # A URL may contain ";": pip only splits markers off a URL at "; ".
    url = only(parse("https://example.com/a;b/Pkg-1.0-py3-none-any.whl\n"))
    assert url.url == "https://example.com/a;b/Pkg-1.0-py3-none-any.whl"
    assert url.markers is None
    assert url.name == "pkg"
    path = only(parse('./vendor/pkg;python_version > "3"\n'))
    assert path.url == "./vendor/pkg"
    assert path.markers == 'python_version > "3"'


def test_importing_the_readers_stays_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, dockerlint_django.readers.requirements, "
        "dockerlint_django.readers.gunicorn_config; "
        "print(sorted(m for m in ('packaging', 'platform', 'dataclasses') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
