"""Text output in ruff's two forms, colour, statistics and the summary lines.

``full`` shows each finding's source with carets under the span; ``concise`` is one line a
finding. Plain ``text`` is full for a person at a terminal and concise everywhere else: the
terminal cases run the command in a pseudo-terminal, as a person would.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dockerlint_django.cli import cli
from dockerlint_django.cli._output import use_color
from dockerlint_django.config import Config
from dockerlint_django.engine import Options, lint_source
from dockerlint_django.formatters import FormatOptions, writer
from dockerlint_django.results import FileResult, Finding
from dockerlint_django.rules._base import Severity
from dockerlint_django.source import SourceFile, Span
from tests.conftest import ENV_KNOBS, in_terminal

ANSI = re.compile(r"\x1b\[[0-9;]*m")
DOCS = "https://github.com/dockerlint-django/dockerlint-django/blob/main/rules/"

CASING = "FROM python:3.11 as build\nFROM python:3.11\n"
DJ108_LINE = "Dockerfile:1:18: DJ108 [*] [info] 'as' does not match the case of 'FROM'; write 'AS'"
WORKERS = (
    "Gunicorn's command line sets --workers 2; it overrides GUNICORN_CMD_ARGS and "
    "WEB_CONCURRENCY, so a deployment cannot change the worker count"
)
SHELL_FORM = (
    "shell-form CMD starts gunicorn under /bin/sh -c, which does not pass SIGTERM on; "
    "write it as a JSON array"
)


@pytest.fixture(autouse=True)
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()  # a repository of its own: configuration lookups stop here
    monkeypatch.chdir(tmp_path)
    for name in ENV_KNOBS:
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def write(path: str, text: str) -> None:
    Path(path).write_text(text, encoding="utf-8")


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def block(stdout: str) -> str:
    """The findings, without the summary lines."""
    return stdout[: stdout.index("Found ")]


# --- the full form ------------------------------------------------------------------------


class TestFull:
    def test_carets_under_the_span_then_help_and_link(self) -> None:
        write("Dockerfile", CASING)
        res = run("check", "--format", "full", "--select", "DJ108")
        assert res.stdout == (
            f"{DJ108_LINE}\n"
            "  |\n"
            "1 | FROM python:3.11 as build\n"
            "  |                  ^^\n"
            "  |\n"
            "help: Write 'AS'\n"
            f"docs: {DOCS}DJ108.md\n"
            "\n"
            "Found 1 problem (1 info) in 1 file.\n"
            "[*] 1 fixable with `dockerlint-django fix`.\n"
        )

    def test_a_tab_before_the_span(self) -> None:
        write("Dockerfile", "FROM python:3.11\nCMD gunicorn app.wsgi \\\n\t--workers 2\n")
        res = run("check", "--format", "full", "--select", "DJ010")
        # The tab is shown as four spaces, as ruff shows it, and the carets count them.
        assert block(res.stdout) == (
            f"Dockerfile:3:2: DJ010 [warning] {WORKERS}\n"
            "  |\n"
            "3 |     --workers 2\n"
            "  |     ^^^^^^^^^^^\n"
            "  |\n"
            f"docs: {DOCS}DJ010.md\n"
            "\n"
        )

    def test_tabs_and_wide_characters_inside_the_line(self) -> None:
        write("Dockerfile", "FROM python:3.11\nCMD gunicorn\tapp.wsgi --name 中文 --workers 2\n")
        res = run("check", "--format", "full", "--select", "DJ010")
        lines = block(res.stdout).splitlines()
        assert lines[2] == "2 | CMD gunicorn    app.wsgi --name 中文 --workers 2"
        # 中 and 文 take two columns each on a terminal.
        assert lines[3] == "  |" + " " * 38 + "^" * 11

    def test_a_span_over_several_lines(self) -> None:
        write(
            "Dockerfile",
            "FROM python:3.11\nCMD gunicorn \\\n    --bind 0.0.0.0:8000 \\\n\t--workers 2 \\\n"
            "    app.wsgi\n",
        )
        res = run("check", "--format", "full", "--select", "DJ001")
        assert block(res.stdout) == (
            f"Dockerfile:2:1: DJ001 [*] [error] {SHELL_FORM}\n"
            "  |\n"
            "2 | CMD gunicorn \\\n"
            "  | ^^^^^^^^^^^^^^\n"
            "3 |     --bind 0.0.0.0:8000 \\\n"
            "  |     ^^^^^^^^^^^^^^^^^^^^^\n"
            "4 |     --workers 2 \\\n"
            "  |     ^^^^^^^^^^^^^\n"
            "5 |     app.wsgi\n"
            "  |     ^^^^^^^^\n"
            "  |\n"
            "help: Write the command in exec (JSON) form\n"
            f"docs: {DOCS}DJ001.md\n"
            "\n"
        )

    def test_a_long_span_shows_its_ends(self) -> None:
        options = "".join(f"    --opt{i} \\\n" for i in range(1, 10))
        write("Dockerfile", f"FROM python:3.11\nCMD gunicorn \\\n{options}    app.wsgi\n")
        res = run("check", "--format", "full", "--select", "DJ001")
        # Lines 2 to 12: the first three, then the last two.
        assert block(res.stdout).splitlines()[1:13] == [
            "   |",
            " 2 | CMD gunicorn \\",
            "   | ^^^^^^^^^^^^^^",
            " 3 |     --opt1 \\",
            "   |     ^^^^^^^^",
            " 4 |     --opt2 \\",
            "   |     ^^^^^^^^",
            "...",
            "11 |     --opt9 \\",
            "   |     ^^^^^^^^",
            "12 |     app.wsgi",
            "   |     ^^^^^^^^",
        ]

    def test_a_very_long_line_is_cut_around_the_span(self) -> None:
        write(
            "Dockerfile",
            f"FROM python:3.11\nRUN echo {'a' * 300} && apt-get install x {'b' * 300}\n",
        )
        res = run("check", "--format", "full", "--select", "DJ101")
        lines = block(res.stdout).splitlines()
        # 40 columns before the span, 160 in all, and a mark where the line was cut.
        shown = "…" + "a" * 28 + " && apt-get install x " + "b" * 108 + "…"
        assert lines[2:4] == ["2 | " + shown, "  | " + " " * 41 + "^" * 7]

    def test_unsafe_fix_and_related_notes(self) -> None:
        write(
            "Dockerfile",
            "FROM python:3.11\nCOPY . .\nRUN pip install -r requirements.txt\n",
        )
        res = run("check", "--format", "full", "--select", "DJ106")
        assert block(res.stdout).splitlines()[-3:] == [
            "note: Dockerfile:3:5: dependencies installed here",
            f"docs: {DOCS}DJ106.md",
            "",
        ]
        write("Dockerfile", "FROM python:3.11\nRUN apt-get update\nRUN apt-get install -y x\n")
        res = run("check", "--format", "full", "--select", "DJ103")
        assert block(res.stdout).splitlines()[-4:-2] == [
            "help: Merge with the next RUN",
            "note: this fix may change behaviour; `dockerlint-django fix --unsafe-fixes` "
            "applies it",
        ]
        res = run("check", "--format", "full", "--select", "DJ103", "--unsafe-fixes")
        assert "note: this fix may change behaviour\n" in res.stdout

    def test_a_finding_without_its_source_falls_back_to_one_line(self) -> None:
        source = SourceFile.from_text("Dockerfile", CASING)
        f = Finding(
            "Dockerfile",
            "DJ030",
            "final-stage-runs-as-root",
            "m",
            Severity.WARNING,
            Span(17, 22),
            source.position(17),
            source.position(22),
        )
        out = io.StringIO()
        results = [FileResult("Dockerfile", None, None, findings=[f])]
        writer("full")(results, out, FormatOptions(quiet=True))
        assert out.getvalue() == f"Dockerfile:1:18: DJ030 [warning] m\ndocs: {DOCS}DJ030.md\n\n"
        # A source that is not the text the finding points into is not quoted either.
        other = SourceFile.from_text("Dockerfile", "FROM x\n")
        out = io.StringIO()
        writer("full")([FileResult("Dockerfile", None, other, findings=[f])], out, FormatOptions())
        assert "  |" not in out.getvalue()


class TestHostileText:
    HOSTILE = (
        'FROM python:3.11\nENV GUNICORN_CMD_ARGS="-k ev\x1b]0;x\x07\u202eil"\n'
        'CMD ["gunicorn", "app.wsgi"]\n'
    )

    @pytest.mark.parametrize("form", ["full", "concise"])
    def test_control_characters_are_escaped(self, form: str) -> None:
        write("Dockerfile", self.HOSTILE)
        res = run("check", "--format", form, "--select", "DJ015")
        assert not {"\x1b", "\x07", "\u202e"} & set(res.stdout)
        lines = res.stdout.splitlines()
        assert lines[0] == (
            "Dockerfile:2:27: DJ015 [error] Gunicorn has no worker class "
            "'ev\\x1b]0;x\\x07\\u202eil' and stops at startup (known: asgi, gevent, "
            "gevent_pywsgi, gevent_wsgi, gthread, sync, tornado)"
        )
        if form == "full":
            assert lines[2:4] == [
                '2 | ENV GUNICORN_CMD_ARGS="-k ev\\x1b]0;x\\x07\\u202eil"',
                # \x1b takes four columns, \u202e six: the carets cover what is shown.
                "  |" + " " * 27 + "^" * 22,
            ]

    def test_a_path_with_a_line_break_is_one_line(self) -> None:
        name = "Docker\x1b[2Jfile\nx.txt"
        write(name, "FROM python:3.11 as a\n")
        res = run("check", "--select", "DJ108", name)
        assert res.stdout.splitlines()[0] == (
            "Docker\\x1b[2Jfile\\nx.txt:1:18: DJ108 [*] [info] 'as' does not match the case of "
            "'FROM'; write 'AS'"
        )
        assert "\x1b" not in run("check", "--format", "full", "--select", "DJ108", name).stdout


# --- which form, where --------------------------------------------------------------------


class TestWhichForm:
    def test_concise_when_piped(self) -> None:
        write("Dockerfile", CASING)
        res = run("check", "--select", "DJ108")
        assert res.stdout.splitlines()[0] == DJ108_LINE
        assert "  |" not in res.stdout and "docs:" not in res.stdout

    def test_full_on_a_terminal(self, project: Path) -> None:
        write("Dockerfile", CASING)
        out = ANSI.sub("", in_terminal(["check", "--select", "DJ108"], project))
        assert out.splitlines()[:4] == [
            DJ108_LINE,
            "  |",
            "1 | FROM python:3.11 as build",
            "  |" + " " * 18 + "^^",
        ]

    def test_concise_under_pre_commit_even_on_a_terminal(self, project: Path) -> None:
        write("Dockerfile", CASING)
        out = in_terminal(["check", "--select", "DJ108"], project, {"PRE_COMMIT": "1"})
        assert ANSI.sub("", out).splitlines()[0] == DJ108_LINE
        assert "docs:" not in out

    def test_concise_explicitly_on_a_terminal(self, project: Path) -> None:
        write("Dockerfile", CASING)
        out = in_terminal(["check", "--output-format", "concise", "--select", "DJ108"], project)
        assert ANSI.sub("", out).splitlines()[:2] == [
            DJ108_LINE,
            "Found 1 problem (1 info) in 1 file.",
        ]

    def test_output_files_are_concise_unless_full_is_asked(self, project: Path) -> None:
        write("Dockerfile", CASING)
        args = ["check", "--select", "DJ108", "--output-file", "r.txt"]
        in_terminal(args, project)
        assert Path("r.txt").read_text(encoding="utf-8").splitlines()[0:2] == [
            DJ108_LINE,
            "Found 1 problem (1 info) in 1 file.",
        ]
        in_terminal([*args, "--format", "full"], project)
        assert Path("r.txt").read_text(encoding="utf-8").splitlines()[0:2] == [DJ108_LINE, "  |"]

    def test_output_format_is_format(self) -> None:
        write("Dockerfile", CASING)
        res = run("check", "--output-format", "json", "--select", "DJ108")
        assert [d["code"] for d in json.loads(res.stdout)] == ["DJ108"]
        res = run("check", "--output-format", "full", "--format", "json", "--output-file", "r")
        assert res.stdout.startswith(f"{DJ108_LINE}\n  |\n")
        assert "--format, --output-format" in run("check", "--help").stdout


# --- colour -------------------------------------------------------------------------------


class TestColour:
    @pytest.mark.parametrize(
        ("args", "env", "coloured"),
        [
            ([], {}, False),
            ([], {"FORCE_COLOR": "1"}, True),
            ([], {"FORCE_COLOR": ""}, False),
            ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
            (["--color", "auto"], {"FORCE_COLOR": "1"}, True),
            (["--color", "always"], {}, True),
            (["--color", "always"], {"NO_COLOR": "1"}, True),
            (["--color", "never"], {"FORCE_COLOR": "1"}, False),
            (["--no-color"], {"FORCE_COLOR": "1"}, False),
        ],
    )
    def test_when_piped(self, args: list[str], env: dict[str, str], coloured: bool) -> None:
        write("Dockerfile", CASING)
        res = run("check", "--select", "DJ108", *args, env=env)
        assert ("\x1b[" in res.stdout) is coloured
        assert ANSI.sub("", res.stdout).splitlines()[0] == DJ108_LINE

    @pytest.mark.parametrize(
        ("args", "env", "coloured"),
        [
            ([], {}, True),
            ([], {"NO_COLOR": "1"}, False),
            ([], {"NO_COLOR": ""}, True),
            (["--color", "never"], {}, False),
            (["--no-color"], {}, False),
            (["--color", "always"], {"NO_COLOR": "1"}, True),
        ],
    )
    def test_on_a_terminal(
        self, project: Path, args: list[str], env: dict[str, str], coloured: bool
    ) -> None:
        write("Dockerfile", CASING)
        out = in_terminal(["check", "--select", "DJ108", *args], project, env)
        assert ("\x1b[" in out) is coloured
        assert ANSI.sub("", out).splitlines()[0] == DJ108_LINE

    def test_the_decision(self) -> None:
        assert use_color("auto", {}, terminal=True)
        assert not use_color("auto", {}, terminal=False)
        assert use_color("auto", {"FORCE_COLOR": "0"}, terminal=False)  # force-color.org
        assert not use_color("auto", {"NO_COLOR": "0"}, terminal=True)
        assert not use_color("never", {"FORCE_COLOR": "1"}, terminal=True)
        assert use_color("always", {"NO_COLOR": "1"}, terminal=False)

    def test_never_in_files_or_machine_formats(self) -> None:
        write("Dockerfile", CASING)
        run("check", "--color", "always", "--output-file", "r.txt")
        assert "\x1b" not in Path("r.txt").read_text(encoding="utf-8")
        assert "\x1b" not in run("check", "--color", "always", "--format", "json").stdout

    def test_full_form_in_colour(self) -> None:
        write("Dockerfile", CASING)
        res = run("check", "--format", "full", "--color", "always", "--select", "DJ108")
        assert res.stdout.splitlines()[3] == "\x1b[1;34m  |\x1b[0m " + " " * 17 + (
            "\x1b[1m\x1b[36m^^\x1b[0m"
        )
        assert ANSI.sub("", block(res.stdout)).splitlines()[:4] == [
            DJ108_LINE,
            "  |",
            "1 | FROM python:3.11 as build",
            "  |                  ^^",
        ]

    def test_help(self) -> None:
        text = run("check", "--help").stdout
        assert "--color [auto|always|never]" in text
        assert "--no-color" not in text


# --- statistics ---------------------------------------------------------------------------


class TestStatistics:
    @pytest.fixture(autouse=True)
    def two_files(self) -> None:
        # DJ001 has a fix in a.Dockerfile only: $PORT needs the shell in b.Dockerfile.
        write("a.Dockerfile", "FROM python:3.11 as base\nCMD gunicorn app.wsgi\n")
        write("b.Dockerfile", "FROM python:3.11\nRUN apt-get install -y x\nCMD gunicorn $PORT\n")

    ARGS = (
        "check",
        "--statistics",
        "--select",
        "DJ001,DJ108,DJ101",
        "a.Dockerfile",
        "b.Dockerfile",
    )

    def test_text(self) -> None:
        res = run(*self.ARGS)
        assert res.stdout.splitlines()[:4] == [
            "    2  DJ001  [-] [error]    shell-form-server-command",
            "    1  DJ101  [ ] [info]     apt-install-recommends",
            "    1  DJ108  [*] [info]     from-as-casing",
            "Found 4 problems (2 errors, 2 info) in 2 files.",
        ]
        # The same rows in both text forms: the counts replace the findings.
        assert run(*self.ARGS, "--format", "full").stdout == res.stdout

    def test_the_floor_decides_the_mark(self) -> None:
        res = run(*self.ARGS, "--unsafe-fixes")
        assert res.stdout.splitlines()[1] == "    1  DJ101  [*] [info]     apt-install-recommends"

    def test_json(self) -> None:
        res = run(*self.ARGS, "--format", "json")
        assert res.exit_code == 1
        assert json.loads(res.stdout) == [
            {
                "code": "DJ001",
                "name": "shell-form-server-command",
                "count": 2,
                "fixable": False,
                "fixable_count": 1,
                "severity": "error",
            },
            {
                "code": "DJ101",
                "name": "apt-install-recommends",
                "count": 1,
                "fixable": False,
                "fixable_count": 0,
                "severity": "info",
            },
            {
                "code": "DJ108",
                "name": "from-as-casing",
                "count": 1,
                "fixable": True,
                "fixable_count": 1,
                "severity": "info",
            },
        ]

    def test_json_to_a_file_and_text_printed(self) -> None:
        run(*self.ARGS, "--format", "text", "--format", "json", "--output-file", "s.json")
        assert [d["code"] for d in json.loads(Path("s.json").read_text(encoding="utf-8"))] == [
            "DJ001",
            "DJ101",
            "DJ108",
        ]

    def test_other_formats_ignore_it(self) -> None:
        res = run(*self.ARGS, "--format", "sarif")
        assert len(json.loads(res.stdout)["runs"][0]["results"]) == 4

    def test_no_findings(self) -> None:
        write("a.Dockerfile", "FROM python:3.11\n")
        res = run("check", "--statistics", "--select", "DJ108", "a.Dockerfile")
        assert res.stdout == "All checks passed (1 file).\n"
        res = run("check", "--statistics", "--select", "DJ108", "--format", "json", "a.Dockerfile")
        assert json.loads(res.stdout) == []


# --- the summary of a fix run -------------------------------------------------------------


def lint(text: str) -> list[FileResult]:
    source = SourceFile.from_text("Dockerfile", text)
    return [lint_source(source, Options(Config()), real_path=Path("Dockerfile"))]


def summary(results: list[FileResult], **opts: Any) -> list[str]:
    out = io.StringIO()
    writer("text")(results, out, FormatOptions(**opts))
    return [line for line in out.getvalue().splitlines() if not line.startswith("Dockerfile:")]


class TestFixSummary:
    @pytest.fixture
    def clean(self) -> list[FileResult]:
        results = lint("FROM python:3.11 AS a\n")
        results[0].findings = []
        return results

    @pytest.fixture
    def one_left(self) -> list[FileResult]:
        results = lint("FROM python:3.11 as a\n")
        results[0].findings = [f for f in results[0].findings if f.code == "DJ108"]
        return results

    @pytest.fixture
    def unsafe_left(self) -> list[FileResult]:
        results = lint("FROM python:3.11\nRUN apt-get install -y x\n")
        results[0].findings = [f for f in results[0].findings if f.code == "DJ101"]
        return results

    def test_fixed_and_nothing_left(self, clean: list[FileResult]) -> None:
        assert summary(clean, fixed=3) == ["Found 3 problems (3 fixed, 0 remaining)."]
        assert summary(clean, fixed=1) == ["Found 1 problem (1 fixed, 0 remaining)."]

    def test_nothing_fixed_nothing_left(self, clean: list[FileResult]) -> None:
        assert summary(clean, fixed=0) == ["All checks passed (1 file)."]

    def test_fixed_and_some_left(self, one_left: list[FileResult]) -> None:
        assert summary(one_left, fixed=2) == [
            "Found 3 problems (2 fixed, 1 remaining).",
            "[*] 1 fixable with `dockerlint-django fix`.",
        ]
        # Nothing fixed: the check's own line, as ruff's.
        assert summary(one_left, fixed=0)[0] == "Found 1 problem (1 info) in 1 file."

    def test_the_unsafe_hint_stays(self, unsafe_left: list[FileResult]) -> None:
        assert summary(unsafe_left, fixed=4) == [
            "Found 5 problems (4 fixed, 1 remaining).",
            "1 more fixable with `dockerlint-django fix --unsafe-fixes`.",
        ]
        assert summary(unsafe_left)[1:] == [
            "1 more fixable with `dockerlint-django fix --unsafe-fixes`."
        ]

    def test_fix_count(self, one_left: list[FileResult]) -> None:
        assert summary(one_left, fix_count=4)[1] == "[*] 4 fixable with `dockerlint-django fix`."
        assert summary(one_left, fix_count=1, fix_more=True)[1] == (
            "[*] 1 fixable with `dockerlint-django fix` (maybe more after those)."
        )
        assert summary(one_left, fix_count=0) == ["Found 1 problem (1 info) in 1 file."]
        assert summary(one_left)[1] == "[*] 1 fixable with `dockerlint-django fix`."
