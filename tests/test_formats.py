"""The github, gitlab and junit formats, ``--format auto``, and several outputs in one run.

GitHub's runner is the judge of the github format: ``runner_parse`` reads a workflow command the
way ``actions/runner`` ``src/Runner.Common/ActionCommand.cs`` does (split the properties at ``,``
and ``=``, then undo ``_escapePropertyMappings`` / ``_escapeDataMappings``, ``%25`` last).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from dockerlint_django import rules as registry
from dockerlint_django.cli import cli, pair_outputs, repository_root
from dockerlint_django.config import Config
from dockerlint_django.engine import Options, lint_source
from dockerlint_django.formatters import (
    MODULES,
    FormatOptions,
    github,
    gitlab,
    report_path,
    resolve,
    writer,
)
from dockerlint_django.results import FileResult, Finding
from dockerlint_django.rules._base import Severity
from dockerlint_django.source import SourceFile, Span

# A user that exists, with its group: what the user rules (DJ030/DJ031/DJ035) want.
RUNNER = "RUN groupadd -r app && useradd --no-log-init -r -g app app\nUSER app:app\n"
# DJ001 alone: every other Gunicorn setting the rules ask for is there.
ERROR = (
    f"FROM python:3.11\n{RUNNER}ENV WEB_CONCURRENCY=2\nEXPOSE 8000\n"
    "CMD gunicorn core.wsgi --bind 0.0.0.0:8000 --worker-tmp-dir /dev/shm --threads 2 --name web\n"
)
# Text behind hand-made results (never linted): formatter tests place findings on it by offset.
SAMPLE = "FROM python:3.11\nUSER app\nCMD gunicorn core.wsgi --worker-tmp-dir /dev/shm\n"
CMD_LINE = Span(26, 74)  # line 3 of SAMPLE, without its line break


@pytest.fixture(autouse=True)
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()  # a repository of its own: the report root and lookups stop here
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path


def write(path: Path | str, text: str) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def render(fmt: str, results: list[FileResult], **opts: Any) -> str:
    out = io.StringIO()
    writer(fmt)(results, out, FormatOptions(**opts))
    return out.getvalue()


def result_with(
    message: str, path: str = "Dockerfile", code: str = "DJ001", span: Span = CMD_LINE
) -> FileResult:
    """A result with one finding whose message is ``message``: rules never write such text."""
    source = SourceFile.from_text(path, SAMPLE)
    finding = Finding(
        path,
        code,
        registry.get(code).name,
        message,
        Severity.ERROR,
        span,
        source.position(span.start),
        source.position(span.end),
    )
    return FileResult(path, Path(path), source, findings=[finding])


def lint(text: str, path: str = "Dockerfile") -> FileResult:
    return lint_source(SourceFile.from_text(path, text), Options(Config()), real_path=Path(path))


# --- github ---------------------------------------------------------------------------------


def unescape_data(s: str) -> str:
    return s.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(s: str) -> str:
    s = s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",")
    return s.replace("%25", "%")


def runner_parse(line: str) -> tuple[str, dict[str, str], str]:
    assert line.startswith("::")
    end = line.index("::", 2)
    head, message = line[2:end], line[end + 2 :]
    name, _, props = head.partition(" ")
    properties: dict[str, str] = {}
    for prop in props.split(","):
        if prop:
            key, _, value = prop.partition("=")
            properties[key] = unescape_property(value)
    return name, properties, unescape_data(message)


class TestGithubEscaping:
    @pytest.mark.parametrize(
        ("raw", "data", "prop"),
        [
            ("100%", "100%25", "100%25"),
            ("a\nb", "a%0Ab", "a%0Ab"),
            ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
            ("key: a, b", "key: a, b", "key%3A a%2C b"),
            # A literal escape sequence must survive: '%' goes first, so it is not read back.
            ("%0A%3A", "%250A%253A", "%250A%253A"),
            ("::error::", "::error::", "%3A%3Aerror%3A%3A"),
        ],
    )
    def test_as_the_toolkit_escapes(self, raw: str, data: str, prop: str) -> None:
        assert github.escape_data(raw) == data
        assert github.escape_property(raw) == prop

    @given(st.text(alphabet=st.sampled_from("%:,\r\n=aZ0A2C53D é")))
    def test_the_runner_reads_back_what_was_written(self, text: str) -> None:
        line = github.command("warning", [("file", text), ("title", text)], text)
        assert "\n" not in line and "\r" not in line
        assert runner_parse(line) == ("warning", {"file": text, "title": text}, text)

    def test_message_and_path_through_the_writer(self) -> None:
        message = "50% of workers: bad,\nsee line 2\r\nand %0A"
        out = render("github", [result_with(message, path="we:ird,dir/Dockerfile")])
        assert out.count("\n") == 1
        name, props, text = runner_parse(out.rstrip("\n"))
        assert name == "error"
        assert text == message
        assert props == {
            "file": "we:ird,dir/Dockerfile",
            "line": "3",
            "col": "1",
            "endLine": "3",
            "endColumn": "49",
            "title": "DJ001 shell-form-server-command",
        }
        assert out.startswith("::error file=we%3Aird%2Cdir/Dockerfile,line=3,col=1,endLine=3,")


class TestGithubFormat:
    def test_levels_and_title(self) -> None:
        write("Dockerfile", "FROM python:3.11 as build\nFROM python:3.11\nCMD gunicorn app.wsgi\n")
        res = run("check", "--format", "github", "--select", "DJ108,DJ030,DJ001")
        assert res.exit_code == 1
        assert [runner_parse(line)[0] for line in res.stdout.splitlines()] == [
            "notice",  # DJ108 is info: GitHub's lowest level is notice
            "warning",
            "error",
        ]
        assert res.stdout.splitlines()[0] == (
            "::notice file=Dockerfile,line=1,col=18,endLine=1,endColumn=20,"
            "title=DJ108 from-as-casing::'as' does not match the case of 'FROM'; write 'AS'"
        )

    def test_a_span_over_several_lines_has_no_columns(self) -> None:
        source = SourceFile.from_text("Dockerfile", ERROR)
        f = Finding(
            "Dockerfile",
            "DJ030",
            "final-stage-runs-as-root",
            "m",
            Severity.WARNING,
            Span(0, 20),
            source.position(0),
            source.position(20),
        )
        out = render("github", [FileResult("Dockerfile", None, source, findings=[f])])
        assert runner_parse(out.strip())[1] == {
            "file": "Dockerfile",
            "line": "1",
            "endLine": "2",
            "title": "DJ030 final-stage-runs-as-root",
        }

    def test_a_span_with_its_line_break_ends_on_its_line(self) -> None:
        out = render("github", [result_with("m", span=Span(26, 75))])
        props = runner_parse(out.strip())[1]
        assert (props["endLine"], props["endColumn"]) == ("3", "49")
        (issue,) = gitlab.issues([result_with("m", span=Span(26, 75))], FormatOptions())
        assert issue["location"]["lines"] == {"begin": 3, "end": 3}

    def test_unreadable_file_is_an_error_annotation(self) -> None:
        res = run("check", "--format", "github", "nosuch/Dockerfile")
        assert res.exit_code == 2
        assert res.stdout == (
            "::error file=nosuch/Dockerfile::nosuch/Dockerfile: no such file or directory\n"
        )

    def test_paths_are_relative_to_the_repository_root(self, project: Path) -> None:
        write("deploy/web/Dockerfile", ERROR)
        os.chdir(project / "deploy")
        res = run("check", "--format", "github", "web")
        assert runner_parse(res.stdout.splitlines()[0])[1]["file"] == "deploy/web/Dockerfile"
        # Text keeps paths as the user sees them from where the command ran.
        assert run("check", "web").stdout.startswith("web/Dockerfile:6:1:")


class TestAuto:
    @pytest.mark.parametrize(
        ("env", "expected"),
        [
            ({"GITHUB_ACTIONS": "true"}, "github"),
            ({"GITHUB_ACTIONS": "false"}, "text"),
            ({}, "text"),
        ],
    )
    def test_resolve(self, env: dict[str, str], expected: str) -> None:
        assert resolve("auto", env) == expected
        assert resolve("json", env) == "json"

    def test_auto_in_actions(self) -> None:
        write("Dockerfile", ERROR)
        res = run("check", "--format", "auto", env={"GITHUB_ACTIONS": "true"})
        assert res.stdout.startswith("::error file=Dockerfile,line=6,col=1,")
        res = run("check", "--format", "auto")
        assert res.stdout.startswith("Dockerfile:6:1: DJ001")

    def test_default_stays_text_in_actions(self) -> None:
        write("Dockerfile", ERROR)
        res = run("check", env={"GITHUB_ACTIONS": "true"})
        assert res.stdout.startswith("Dockerfile:6:1: DJ001")

    def test_auto_is_a_choice_but_not_a_module(self) -> None:
        assert "auto" not in MODULES
        assert "auto" in run("check", "--help").stdout


# --- gitlab ---------------------------------------------------------------------------------

PROJECT = """\
FROM python:3.11
RUN apt-get update
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
RUN apt-get update
CMD gunicorn core.wsgi --bind 0.0.0.0:8000
"""
# Lines added above every finding; none of them is a finding itself.
ABOVE = "# syntax=docker/dockerfile:1\n# The web image.\n\n"


def codes_and_prints(text: str) -> list[tuple[str, str, int]]:
    found = gitlab.issues([lint(text)], FormatOptions())
    return [(d["check_name"], d["fingerprint"], d["location"]["lines"]["begin"]) for d in found]


class TestGitlab:
    def test_fingerprints_survive_lines_inserted_above(self) -> None:
        before = codes_and_prints(PROJECT)
        after = codes_and_prints(ABOVE + PROJECT.replace("WORKDIR /app\n", "WORKDIR /app\n\n"))
        # DJ106's message quotes a line number, which moved: the fingerprint must not follow it.
        assert "DJ106" in [c for c, _, _ in before]
        assert [(c, p) for c, p, _ in after] == [(c, p) for c, p, _ in before]
        assert [line for _, _, line in after] != [line for _, _, line in before]

    def test_identical_lines_get_distinct_fingerprints(self) -> None:
        found = codes_and_prints(PROJECT)
        updates = [p for c, p, _ in found if c == "DJ103"]
        assert len(updates) == 2
        assert len({p for _, p, _ in found}) == len(found)

    def test_fingerprint_follows_the_finding_line_content(self) -> None:
        before = dict((c, p) for c, p, _ in codes_and_prints(PROJECT))
        after = dict(
            (c, p) for c, p, _ in codes_and_prints(PROJECT.replace("core.wsgi", "polls.wsgi"))
        )
        assert after["DJ001"] != before["DJ001"]
        assert after["DJ105"] == before["DJ105"]

    def test_fingerprint_depends_on_the_path(self) -> None:
        a = gitlab.issues([lint(ERROR, "a/Dockerfile")], FormatOptions())
        b = gitlab.issues([lint(ERROR, "b/Dockerfile")], FormatOptions())
        assert a[0]["fingerprint"] != b[0]["fingerprint"]

    def test_report_shape(self, project: Path) -> None:
        write("sub/Dockerfile", "FROM python:3.11 as b\nFROM python:3.11\nCMD gunicorn app.wsgi\n")
        os.chdir(project / "sub")
        res = run("check", "--format", "gitlab", "--select", "DJ108,DJ030,DJ001")
        data = json.loads(res.stdout)
        assert [sorted(d) for d in data] == [
            ["check_name", "description", "fingerprint", "location", "severity"]
        ] * 3
        assert [(d["check_name"], d["severity"]) for d in data] == [
            ("DJ108", "info"),
            ("DJ030", "minor"),
            ("DJ001", "major"),
        ]
        assert data[0]["location"] == {"path": "sub/Dockerfile", "lines": {"begin": 1, "end": 1}}
        assert data[0]["description"].startswith("DJ108: 'as' does not match")
        assert all(len(d["fingerprint"]) == 32 for d in data)

    def test_description_is_one_line(self) -> None:
        (issue,) = gitlab.issues([result_with("first\nsecond")], FormatOptions())
        assert issue["description"] == "DJ001: first second"

    def test_unreadable_file(self) -> None:
        data = json.loads(run("check", "--format", "gitlab", "gone/Dockerfile").stdout)
        assert data == [
            {
                "description": "gone/Dockerfile: no such file or directory",
                "check_name": "unreadable-file",
                "fingerprint": data[0]["fingerprint"],
                "severity": "blocker",
                "location": {"path": "gone/Dockerfile", "lines": {"begin": 1}},
            }
        ]

    def test_empty(self) -> None:
        write("Dockerfile", f'FROM python:3.11\n{RUNNER}CMD ["python", "-m", "http.server"]\n')
        assert run("check", "--format", "gitlab").stdout == "[]\n"


# --- junit ----------------------------------------------------------------------------------


def parse_junit(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


class TestJunit:
    def test_well_formed_with_hostile_text(self) -> None:
        message = "<b>&amp;\"quotes\" 'and' ]]> \x0c\x1b[0m\x00 tab\tnew\nline é"
        out = render("junit", [result_with(message, path="a&b<c>.Dockerfile")], enabled=frozenset())
        root = parse_junit(out)
        (failure,) = root.iter("failure")
        # Characters XML 1.0 cannot carry at all are spelled out; everything else survives.
        expected = message.replace("\x0c", "\\x0c").replace("\x1b", "\\x1b")
        assert failure.get("message") == expected.replace("\x00", "\\x00")
        assert failure.get("type") == "error"
        assert failure.text is not None and "a&b<c>.Dockerfile:3:1: DJ001 [error]" in failure.text
        assert root.find("testsuite") is not None

    def test_one_case_per_enabled_rule_and_counts(self) -> None:
        write("Dockerfile", "FROM python:3.11 as b\nFROM python:3.11\nCMD gunicorn app.wsgi\n")
        write("clean/Dockerfile", f'FROM python:3.11\n{RUNNER}CMD ["true"]\n')
        res = run("check", "--format", "junit", "--select", "DJ108,DJ030,DJ001,DJ101")
        root = parse_junit(res.stdout)
        suites = root.findall("testsuite")
        assert [s.get("name") for s in suites] == ["Dockerfile", "clean/Dockerfile"]
        names = [c.get("name") for c in suites[0].findall("testcase")]
        assert names == [
            "DJ001 shell-form-server-command",
            "DJ030 final-stage-runs-as-root",
            "DJ101 apt-install-recommends",
            "DJ108 from-as-casing",
        ]
        failed = {c.get("name", "")[:5]: c.find("failure") for c in suites[0].findall("testcase")}
        assert {k for k, v in failed.items() if v is not None} == {"DJ001", "DJ030", "DJ108"}
        assert [c.find("failure") for c in suites[1].findall("testcase")] == [None] * 4
        assert {k: suites[0].get(k) for k in ("tests", "failures", "errors", "skipped")} == {
            "tests": "4",
            "failures": "3",
            "errors": "0",
            "skipped": "0",
        }
        assert (root.get("tests"), root.get("failures")) == ("8", "3")

    def test_several_findings_of_one_rule(self) -> None:
        write("Dockerfile", "FROM python:3.11 as a\nFROM python:3.11 as b\nFROM python:3.11\n")
        root = parse_junit(run("check", "--format", "junit", "--select", "DJ108").stdout)
        (failure,) = root.iter("failure")
        assert failure.get("message", "").endswith("(and 1 more)")
        assert failure.text is not None
        assert [line.split(": ")[0] for line in failure.text.splitlines()] == [
            "Dockerfile:1:18",
            "Dockerfile:2:18",
        ]

    def test_unreadable_and_rejected_files(self) -> None:
        write("Dockerfile", "FROM python:3.11\nENV DJANGO_ENV\n")
        res = run("check", "--format", "junit", "--select", "DJ001,DJ030", "Dockerfile", "gone")
        assert res.exit_code == 2
        rejected, gone = parse_junit(res.stdout).findall("testsuite")
        assert gone.get("name") == "gone"
        assert [(e.tag, e.get("type")) for e in gone.iter() if e.tag == "error"] == [
            ("error", "unreadable")
        ]
        outcome = {c.get("name", "")[:5]: [e.tag for e in c] for c in rejected.findall("testcase")}
        assert outcome == {"DJ001": ["skipped"], "DJ030": ["skipped"], "DJ900": ["failure"]}

    def test_deterministic(self) -> None:
        write("Dockerfile", PROJECT)
        first = run("check", "--format", "junit").stdout
        assert first == run("check", "--format", "junit").stdout
        # No time attributes (JUnit's `time`, `timestamp`); messages may say "timeout".
        assert not re.search(r"\btime(stamp)?=", first)


# --- several outputs ------------------------------------------------------------------------


class TestPairing:
    @pytest.mark.parametrize(
        ("formats", "files", "expected"),
        [
            (["text"], [], [("text", None)]),
            (["json"], ["r.json"], [("json", "r.json")]),
            (["text", "sarif"], ["r.sarif"], [("text", None), ("sarif", "r.sarif")]),
            (
                ["github", "sarif", "junit"],
                ["r.sarif", "r.xml"],
                [("github", None), ("sarif", "r.sarif"), ("junit", "r.xml")],
            ),
            (["sarif", "junit"], ["r.sarif", "r.xml"], [("sarif", "r.sarif"), ("junit", "r.xml")]),
        ],
    )
    def test_files_pair_with_the_last_formats(
        self, formats: list[str], files: list[str], expected: list[tuple[str, str | None]]
    ) -> None:
        got = pair_outputs(formats, [Path(f) for f in files])
        assert [(f, None if p is None else str(p)) for f, p in got] == expected

    @pytest.mark.parametrize(
        ("formats", "files", "error"),
        [
            (["text"], ["a", "b"], "2 --output-file options but 1 format"),
            (["json", "gitlab"], [], "at most one format can go to standard output"),
            (["json", "gitlab", "junit"], ["a"], "at most one format can go to standard output"),
            (["json", "gitlab"], ["a", "./a"], "the same --output-file is given twice"),
        ],
    )
    def test_errors(self, formats: list[str], files: list[str], error: str) -> None:
        with pytest.raises(click.UsageError, match=error):
            pair_outputs(formats, [Path(f) for f in files])

    def test_text_to_stdout_and_reports_to_files(self) -> None:
        write("Dockerfile", ERROR)
        res = run(
            "check",
            *("--format", "text", "--format", "json", "--format", "junit"),
            *("--output-file", "out/report.json", "--output-file", "report.xml"),
        )
        assert res.exit_code == 1
        assert res.stdout == run("check").stdout
        assert (
            Path("out/report.json").read_text(encoding="utf-8")
            == run("check", "--format", "json").stdout
        )
        assert (
            Path("report.xml").read_text(encoding="utf-8")
            == run("check", "--format", "junit").stdout
        )

    def test_only_files_leave_stdout_empty(self) -> None:
        write("Dockerfile", ERROR)
        res = run("check", "--format", "gitlab", "--output-file", "gl.json")
        assert res.stdout == ""
        assert json.loads(Path("gl.json").read_text(encoding="utf-8"))[0]["check_name"] == "DJ001"

    @pytest.mark.parametrize(
        "args",
        [
            ["--output-file", "a.txt", "--output-file", "b.txt"],
            ["--format", "json", "--format", "text"],
            ["--format", "json", "--format", "text", "--output-file", "a", "--output-file", "a"],
        ],
    )
    def test_usage_errors_are_2_and_write_nothing(self, args: list[str]) -> None:
        write("Dockerfile", ERROR)
        res = run("check", *args)
        assert res.exit_code == 2
        assert "Usage:" in res.stderr
        assert res.stdout == ""
        assert not Path("a.txt").exists() and not Path("a").exists()

    def test_auto_pairs_like_any_format(self) -> None:
        write("Dockerfile", ERROR)
        res = run(
            "check",
            *("--format", "auto", "--format", "json", "--output-file", "r.json"),
            env={"GITHUB_ACTIONS": "true"},
        )
        assert res.stdout.startswith("::error ")
        assert json.loads(Path("r.json").read_text(encoding="utf-8"))[0]["code"] == "DJ001"

    def test_formatters_load_only_when_asked_for(self, project: Path) -> None:
        write("Dockerfile", ERROR)
        probe = (
            "import sys\n"
            "from dockerlint_django.cli import cli\n"
            "try:\n"
            "    cli(sys.argv[1:])\n"
            "except SystemExit:\n"
            "    pass\n"
            "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules\n"
            "      if m.startswith('dockerlint_django.formatters.')), file=sys.stderr)\n"
        )

        def loaded(*args: str) -> str:
            proc = subprocess.run(
                [sys.executable, "-c", probe, "check", *args],
                capture_output=True,
                text=True,
                cwd=project,
                timeout=60,
            )
            return proc.stderr.strip().splitlines()[-1]

        assert loaded("-q") == "['text']"
        assert loaded("--format", "text", "--format", "gitlab", "--output-file", "g") == (
            "['gitlab', 'text']"
        )


# --- options the command line passes --------------------------------------------------------


class TestFormatOptions:
    @pytest.fixture
    def seen(self, monkeypatch: pytest.MonkeyPatch) -> list[FormatOptions]:
        got: list[FormatOptions] = []

        def capture(name: str) -> Any:
            def write_(results: Any, out: Any, opts: FormatOptions) -> None:
                got.append(opts)

            return write_

        monkeypatch.setattr("dockerlint_django.cli._output.writer", capture)
        return got

    def test_root_is_the_repository_top(self, project: Path, seen: list[FormatOptions]) -> None:
        write("a/b/Dockerfile", ERROR)
        os.chdir(project / "a" / "b")
        run("check")
        assert seen[0].root == project

    def test_root_of_a_worktree(self, tmp_path: Path) -> None:
        (tmp_path / "wt").mkdir()
        (tmp_path / "wt" / ".git").write_text("gitdir: /elsewhere\n", encoding="utf-8")
        (tmp_path / "wt" / "sub").mkdir()
        assert repository_root(tmp_path / "wt" / "sub") == tmp_path / "wt"
        assert repository_root(tmp_path / "wt") == tmp_path / "wt"

    def test_enabled_is_the_union_over_configs(self, seen: list[FormatOptions]) -> None:
        write("a/.dockerlint-django.yaml", "select: [DJ001]\n")
        write("a/Dockerfile", ERROR)
        write("b/.dockerlint-django.yaml", "select: [DJ030]\n")
        write("b/Dockerfile", ERROR)
        run("check", "a", "b")
        assert seen[0].enabled == frozenset({"DJ001", "DJ030"})
        seen.clear()
        run("check", "a")
        assert seen[0].enabled == frozenset({"DJ001"})

    def test_enabled_without_files_is_the_base_config(self, seen: list[FormatOptions]) -> None:
        write(".dockerlint-django.yaml", "select: [DJ108]\n")
        run("check")
        assert seen[0].enabled == frozenset({"DJ108"})

    def test_category(self, seen: list[FormatOptions]) -> None:
        write("Dockerfile", ERROR)
        run("check", "--category", "docker/web")
        run("check")
        assert [o.category for o in seen] == ["docker/web", None]

    def test_report_path_outside_the_root_keeps_the_given_path(self, project: Path) -> None:
        outside = FileResult("../x/Dockerfile", Path("../x/Dockerfile"), None)
        assert report_path(outside, project) == "../x/Dockerfile"
        inside = FileResult("Dockerfile", Path("Dockerfile"), None)
        assert report_path(inside, project.parent) == f"{project.name}/Dockerfile"
        assert report_path(FileResult("-", None, None), project) == "-"
