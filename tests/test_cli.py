"""The command line end to end: exit codes, options, formats, discovery, fix, other commands.

Most tests run in-process with click's CliRunner; a few run the real module in a subprocess, where
only a real process shows what a user sees (a terminal, ``python -m``).
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner, Result

from dockerlint_django import __version__
from dockerlint_django import rules as registry
from dockerlint_django.cli import cli
from dockerlint_django.config import load_file
from tests.conftest import in_terminal

# A user that exists, with its group: what the user rules (DJ030/DJ031/DJ035) want.
RUNNER = "RUN groupadd -r app && useradd --no-log-init -r -g app app\nUSER app:app\n"
CLEAN = f'FROM python:3.11\n{RUNNER}CMD ["python", "-m", "http.server"]\n'
# One finding each, of a known severity.
INFO = f'FROM python:3.11 as build\nFROM python:3.11\n{RUNNER}CMD ["true"]\n'  # DJ108
WARNING = 'FROM python:3.11\nCMD ["true"]\n'  # DJ030
# DJ001, with every Gunicorn setting the other rules ask for.
GUNICORN = "gunicorn core.wsgi --bind 0.0.0.0:8000 --worker-tmp-dir /dev/shm --threads 2 --name web"
ERROR = f"FROM python:3.11\n{RUNNER}ENV WEB_CONCURRENCY=2\nEXPOSE 8000\nCMD {GUNICORN}\n"
REJECTED = "FROM python:3.11\nENV DJANGO_ENV\n"  # BuildKit: ENV must have two arguments
# DJ030's fix (adding USER for the user the image creates) is unsafe.
UNSAFE = 'FROM python:3.11\nRUN useradd --no-log-init app\nCMD ["true"]\n'

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def write(path: Path | str, text: str) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def run(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, env=env)


def report(result: Result) -> list[dict[str, Any]]:
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def found(result: Result) -> list[tuple[str, str]]:
    return [(d["filename"], d["code"]) for d in report(result)]


@pytest.fixture(autouse=True)
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # A repository of its own: .gitignore and configuration lookups stop here.
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def subprocess_run(
    *args: str, input: bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run(
        [sys.executable, "-m", "dockerlint_django", *args],
        input=input,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=60,
        check=False,
    )


class TestExitCodes:
    def test_clean_is_0(self) -> None:
        write("Dockerfile", CLEAN)
        res = run("check")
        assert res.exit_code == 0, res.output
        assert res.stdout == "All checks passed (1 file).\n"
        assert res.stderr == ""

    @pytest.mark.parametrize("text", [WARNING, ERROR])
    def test_findings_are_1(self, text: str) -> None:
        write("Dockerfile", text)
        assert run("check").exit_code == 1

    def test_info_is_advice_that_does_not_fail_by_default(self) -> None:
        write("Dockerfile", INFO)
        res = run("check")
        assert res.exit_code == 0
        assert "DJ108" in res.stdout  # reported all the same
        assert run("check", "--fail-on", "info").exit_code == 1
        write(".dockerlint-django.yaml", "fail-on: info\n")
        assert run("check").exit_code == 1

    @pytest.mark.parametrize("command", ["check", "fix"])
    def test_fail_on_none_reports_but_never_fails_on_findings(self, command: str) -> None:
        write("Dockerfile", WARNING)
        res = run(command, "--fail-on", "none")
        assert res.exit_code == 0, res.output
        assert "DJ030" in res.stdout
        write("Dockerfile.bad", REJECTED)
        assert run(command, "--fail-on", "none").exit_code == 2

    @pytest.mark.parametrize(
        "args",
        [
            ["check", "--bogus"],
            ["check", "--format", "xml"],
            ["check", "--fail-on", "fatal"],
            ["check", "--profile", "strict"],
            ["nosuchcommand"],
            ["rule", "--format", "yaml", "DJ001"],
        ],
    )
    def test_usage_errors_are_2(self, args: list[str]) -> None:
        write("Dockerfile", CLEAN)
        res = run(*args)
        assert res.exit_code == 2
        assert "Usage:" in res.stderr

    @pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
    def test_unknown_rule_is_2(self, option: str) -> None:
        write("Dockerfile", INFO)
        res = run("check", option, "DJ001,DJ777")
        assert res.exit_code == 2
        assert res.stdout == ""
        assert res.stderr == (
            f"dockerlint-django: error: {option.lstrip('-')}: "
            "unknown rule code, prefix or name 'DJ777'\n"
        )

    def test_bad_config_is_2(self) -> None:
        write("Dockerfile", CLEAN)
        write(".dockerlint-django.yaml", "select: [DJ001]\nfail_on: error\n")
        res = run("check")
        assert res.exit_code == 2
        assert ".dockerlint-django.yaml: unknown key 'fail_on'" in res.stderr
        assert "Traceback" not in res.output

    def test_non_utf8_file_is_2_and_others_are_still_checked(self) -> None:
        Path("Dockerfile.latin1").write_bytes(b"FROM python:3.11\nLABEL author=Jos\xe9\n")
        write("Dockerfile", INFO)
        res = run("check")
        assert res.exit_code == 2
        assert res.stderr == (
            "dockerlint-django: error: Dockerfile.latin1:2: not valid UTF-8 (byte 33)\n"
        )
        assert "Dockerfile:1:18: DJ108" in res.stdout

    def test_unreadable_file_is_2(self, monkeypatch: pytest.MonkeyPatch) -> None:
        write("Dockerfile", CLEAN)
        secret = write("Dockerfile.secret", CLEAN)
        from dockerlint_django import engine, source

        real_read = source.read_bounded

        def read_bounded(path: Path, limit: int = source.MAX_FILE_BYTES) -> bytes:
            if path.name == secret.name:
                raise PermissionError(13, "Permission denied")
            return real_read(path, limit)

        # Root reads any file whatever its mode, so the denial is simulated.
        monkeypatch.setattr(engine, "read_bounded", read_bounded)
        res = run("check")
        assert res.exit_code == 2
        assert res.stderr == (
            "dockerlint-django: error: Dockerfile.secret: cannot read: Permission denied\n"
        )
        assert "All checks passed" not in res.stdout
        assert res.stdout == "No problems found in 1 file; 1 could not be checked.\n"

    def test_missing_path_is_2_and_others_are_still_checked(self) -> None:
        write("Dockerfile", INFO)
        res = run("check", "nope", "Dockerfile")
        assert res.exit_code == 2
        assert res.stderr == "dockerlint-django: error: nope: no such file or directory\n"
        assert "Dockerfile:1:18: DJ108" in res.stdout

    def test_missing_path_alone_does_not_pass(self) -> None:
        res = run("check", "nope")
        assert res.exit_code == 2
        assert "All checks passed" not in res.stdout

    def test_rejected_dockerfile_is_2_with_one_line_error(self) -> None:
        write("svc/Dockerfile", REJECTED)
        write("Dockerfile", INFO)
        res = run("check")
        assert res.exit_code == 2
        assert res.stderr == (
            "dockerlint-django: error: svc/Dockerfile:2: ENV must have two arguments\n"
        )
        lines = res.stdout.splitlines()
        assert (
            "Dockerfile:1:18: DJ108 [*] [info] 'as' does not match the case of 'FROM'; write 'AS'"
            in lines
        )
        assert "svc/Dockerfile:2:1: DJ900 [error] ENV must have two arguments" in lines

    def test_rejected_dockerfile_in_json(self) -> None:
        write("Dockerfile", REJECTED)
        res = run("check", "--format", "json", "--exit-zero")
        assert res.exit_code == 2
        assert [(d["code"], d["location"]["row"]) for d in report(res)] == [("DJ900", 2)]

    def test_exit_zero(self) -> None:
        write("Dockerfile", ERROR)
        res = run("check", "--exit-zero")
        assert res.exit_code == 0
        assert "DJ001" in res.stdout

    def test_exit_zero_keeps_errors(self) -> None:
        write("Dockerfile", REJECTED)
        assert run("check", "--exit-zero").exit_code == 2

    @pytest.mark.parametrize(
        ("text", "fail_on", "code"),
        [
            (INFO, "info", 1),
            (INFO, "warning", 0),
            (INFO, "error", 0),
            (WARNING, "info", 1),
            (WARNING, "warning", 1),
            (WARNING, "error", 0),
            (ERROR, "error", 1),
            (CLEAN, "info", 0),
        ],
    )
    def test_fail_on(self, text: str, fail_on: str, code: int) -> None:
        write("Dockerfile", text)
        res = run("check", "--fail-on", fail_on)
        assert res.exit_code == code
        # The threshold decides the exit code only, never what is reported.
        assert res.stdout == run("check").stdout

    def test_fail_on_follows_configured_severity(self) -> None:
        write("Dockerfile", INFO)
        write(".dockerlint-django.yaml", "severity: {from-as-casing: error}\n")
        assert run("check", "--fail-on", "error").exit_code == 1


class TestSelection:
    @pytest.fixture(autouse=True)
    def mixed(self) -> None:
        # DJ108 info, DJ101/DJ102 info, DJ104 warning, DJ030 warning.
        write("Dockerfile", "FROM python:3.11 as b\nRUN apt-get update && apt-get install curl\n")

    def codes(self, *args: str) -> list[str]:
        res = run("check", "--format", "json", *args)
        assert res.exit_code in (0, 1), res.output
        return sorted({d["code"] for d in report(res)})

    def test_default(self) -> None:
        assert self.codes() == ["DJ030", "DJ101", "DJ102", "DJ104", "DJ108"]

    @pytest.mark.parametrize(
        ("args", "expected"),
        [
            (["--select", "DJ108"], ["DJ108"]),
            (["--select", "DJ1"], ["DJ101", "DJ102", "DJ104", "DJ108"]),
            (["--select", "dj10"], ["DJ101", "DJ102", "DJ104", "DJ108"]),
            (["--select", "from-as-casing"], ["DJ108"]),
            (["--select", "DJ108,final-stage-runs-as-root"], ["DJ030", "DJ108"]),
            (["--select", "DJ108", "--select", "DJ104"], ["DJ104", "DJ108"]),
            (["--select", "DJ108 , DJ101"], ["DJ101", "DJ108"]),
            (["--select", "ALL", "--ignore", "DJ1"], ["DJ030"]),
            (["--ignore", "DJ10"], ["DJ030"]),
            (["--ignore", "apt-get-without-yes,DJ030"], ["DJ101", "DJ102", "DJ108"]),
            (["--select", "DJ030", "--extend-select", "DJ104"], ["DJ030", "DJ104"]),
            (["--select", "DJ1", "--ignore", "DJ101", "--ignore", "DJ102"], ["DJ104", "DJ108"]),
        ],
    )
    def test_selectors(self, args: list[str], expected: list[str]) -> None:
        assert self.codes(*args) == expected


class TestJson:
    def test_shape(self) -> None:
        write("Dockerfile", INFO)
        res = run("check", "--fail-on", "info", "--format", "json")
        assert res.exit_code == 1
        assert res.stdout.endswith("]\n")
        [item] = report(res)
        assert item == {
            "code": "DJ108",
            "name": "from-as-casing",
            "severity": "info",
            "message": "'as' does not match the case of 'FROM'; write 'AS'",
            "filename": "Dockerfile",
            "location": {"row": 1, "column": 18},
            "end_location": {"row": 1, "column": 20},
            "fix": {
                "applicability": "safe",
                "message": "Write 'AS'",
                "edits": [
                    {
                        "content": "AS",
                        "location": {"row": 1, "column": 18},
                        "end_location": {"row": 1, "column": 20},
                    }
                ],
            },
            "url": "https://github.com/dockerlint-django/dockerlint-django/blob/main/rules/DJ108.md",
            "related": [],
        }

    def test_no_fix_is_null_and_unsafe_is_labelled(self) -> None:
        write("Dockerfile", WARNING)
        write("Dockerfile.user", UNSAFE)
        items = report(run("check", "--format", "json"))
        by_file = {d["filename"]: d for d in items}
        assert by_file["Dockerfile"]["fix"] is None
        assert by_file["Dockerfile.user"]["fix"]["applicability"] == "unsafe"

    def test_empty(self) -> None:
        write("Dockerfile", CLEAN)
        res = run("check", "--format", "json")
        assert res.exit_code == 0
        assert res.stdout == "[]\n"

    def test_sorted_and_stable(self) -> None:
        write("b/Dockerfile", WARNING + "FROM python:3.11 as x\nUSER app\n")
        write("a/Dockerfile", ERROR)
        write("a.Dockerfile", INFO)
        first = run("check", "--format", "json", "b", "a.Dockerfile", "a")
        second = run("check", "--format", "json", "a", "b", "a.Dockerfile")
        assert first.stdout == second.stdout
        keys = [
            (d["filename"], d["location"]["row"], d["location"]["column"], d["code"])
            for d in report(first)
        ]
        assert keys == sorted(keys)
        assert {k[0] for k in keys} == {"a.Dockerfile", "a/Dockerfile", "b/Dockerfile"}

    def test_non_ascii_columns_are_code_points(self) -> None:
        write(
            "Dockerfile", 'FROM python:3.11\nLABEL t="café ☕"\nFROM python:3.11 as b\nUSER app\n'
        )
        [item] = report(run("check", "--format", "json", "--select", "DJ108"))
        assert item["location"] == {"row": 3, "column": 18}
        write("Dockerfile", 'FROM python:3.11 AS a\nLABEL t="é" \\\n  u="☕" as=b\nFROM a as b\n')
        [item] = report(run("check", "--format", "json", "--select", "DJ108"))
        assert item["location"] == {"row": 4, "column": 8}


class TestOutputOptions:
    def test_output_file(self) -> None:
        write("Dockerfile", INFO)
        res = run(
            "check", "--fail-on", "info", "--format", "json", "--output-file", "out/report.json"
        )
        assert res.exit_code == 1
        assert res.stdout == ""
        data = json.loads(Path("out/report.json").read_text(encoding="utf-8"))
        assert [d["code"] for d in data] == ["DJ108"]

    def test_output_file_overwrites_and_has_no_colour(self) -> None:
        write("Dockerfile", INFO)
        write("report.txt", "old report that is much longer than the new one\n" * 50)
        res = run("check", "--fail-on", "info", "--output-file", "report.txt", "--statistics")
        assert res.exit_code == 1
        text = Path("report.txt").read_text(encoding="utf-8")
        assert text.startswith("    1  DJ108  [*] [info]     from-as-casing")
        assert "old report" not in text
        assert "\x1b[" not in text

    def test_statistics(self) -> None:
        write(
            "Dockerfile", "FROM python:3.11 as a\nFROM python:3.11 as b\nRUN apt-get install -y x\n"
        )
        res = run("check", "--statistics", "--select", "DJ108,DJ101")
        lines = res.stdout.splitlines()
        # As ruff's --statistics: counts per rule instead of the findings, then the summary.
        # Each row: the count, the code, whether `fix` fixes all of them ([*]), some ([-]) or
        # none ([ ]) with this run's fixes, the highest severity, the name.
        assert lines[0:2] == [
            "    2  DJ108  [*] [info]     from-as-casing",
            "    1  DJ101  [ ] [info]     apt-install-recommends",
        ]
        assert lines[2].startswith("Found 3 problems (3 info) in 1 file.")
        assert "Dockerfile:1:" not in res.stdout

    def test_quiet(self) -> None:
        write("Dockerfile", INFO)
        res = run("check", "--quiet")
        assert res.stdout == (
            "Dockerfile:1:18: DJ108 [*] [info] 'as' does not match the case of 'FROM'; write 'AS'\n"
        )
        write("Dockerfile", CLEAN)
        assert run("check", "-q").stdout == ""

    def test_summary(self) -> None:
        write("Dockerfile", INFO)
        write("Dockerfile.user", UNSAFE)
        write("Dockerfile.err", ERROR)
        res = run("check")
        assert res.stdout.splitlines()[-3:] == [
            "Found 3 problems (1 error, 1 warning, 1 info) in 3 files.",
            "[*] 2 fixable with `dockerlint-django fix`.",
            "1 more fixable with `dockerlint-django fix --unsafe-fixes`.",
        ]

    def test_no_colour_when_not_a_terminal(self) -> None:
        write("Dockerfile", ERROR)
        assert "\x1b[" not in run("check").stdout

    @pytest.mark.parametrize(
        ("extra", "env", "coloured"),
        [
            ([], {}, True),
            (["--no-color"], {}, False),
            ([], {"NO_COLOR": "1"}, False),
            ([], {"NO_COLOR": ""}, True),
        ],
    )
    def test_colour_on_a_terminal(
        self, project: Path, extra: list[str], env: dict[str, str], coloured: bool
    ) -> None:
        write("Dockerfile", ERROR)
        out = in_terminal(["check", *extra], project, env)
        assert ("\x1b[" in out) is coloured
        assert "Dockerfile:6:1:" in ANSI.sub("", out)
        assert "DJ001" in ANSI.sub("", out)


class TestStdin:
    def test_stdin_with_filename(self) -> None:
        res = run(
            "check", "--fail-on", "info", "-", "--stdin-filename", "docker/Dockerfile", input=INFO
        )
        assert res.exit_code == 1
        assert res.stdout.startswith("docker/Dockerfile:1:18: DJ108")

    def test_stdin_without_filename(self) -> None:
        res = run("check", "-", "--format", "json", input=WARNING)
        assert found(res) == [("-", "DJ030")]

    def test_stdin_filename_finds_config_and_per_file_ignores(self) -> None:
        write("svc/.dockerlint-django.yaml", 'per-file-ignores: {"Dockerfile.dev": [DJ108]}\n')
        res = run(
            "check", "--fail-on", "info", "-", "--stdin-filename", "svc/Dockerfile.dev", input=INFO
        )
        assert res.exit_code == 0, res.output
        res = run(
            "check", "--fail-on", "info", "-", "--stdin-filename", "svc/Dockerfile", input=INFO
        )
        assert res.exit_code == 1

    def test_stdin_with_files(self) -> None:
        write("Dockerfile", WARNING)
        res = run("check", "--format", "json", "Dockerfile", "-", input=INFO)
        assert found(res) == [("-", "DJ108"), ("Dockerfile", "DJ030")]

    def test_stdin_crlf_and_bom(self) -> None:
        data = ("\ufeff" + INFO.replace("\n", "\r\n")).encode()
        [item] = report(run("check", "-", "--format", "json", input=data))
        assert item["location"] == {"row": 1, "column": 18}

    def test_undecodable_stdin_is_2_and_files_still_reported(self) -> None:
        write("Dockerfile", WARNING)
        res = run(
            "check", "Dockerfile", "-", "--stdin-filename", "x/Dockerfile", input=b"FROM \xff\n"
        )
        assert res.exit_code == 2
        assert res.stderr == "dockerlint-django: error: x/Dockerfile:1: not valid UTF-8 (byte 5)\n"
        assert "Dockerfile:1:1: DJ030" in res.stdout

    def test_rejected_stdin(self) -> None:
        res = run("check", "-", input=REJECTED)
        assert res.exit_code == 2
        assert res.stderr == "dockerlint-django: error: -:2: ENV must have two arguments\n"


class TestDiscovery:
    def files(self, *args: str) -> list[str]:
        res = run("check", "--format", "json", "--select", "DJ108", *args)
        assert res.exit_code in (0, 1), res.output
        return sorted({d["filename"] for d in report(res)})

    NAMES: ClassVar[list[str]] = [
        "Dockerfile",
        "Dockerfile.prod",
        "web.Dockerfile",
        "Dockerfile_dev",
        "Containerfile",
        "deep/er/Dockerfile",
        "dockerfile",
        "Dockerfile-old",
        "web.dockerfile",
        "Containerfile.prod",
    ]
    NOT_NAMES: ClassVar[list[str]] = [
        "Dockerfiles/x.txt",
        "README.md",
        "Dockerfile.dockerignore",
        "dockerfile.json",
        "compose.txt",
    ]

    def test_names(self) -> None:
        for name in [*self.NAMES, *self.NOT_NAMES]:
            write(name, INFO)
        assert self.files() == sorted(self.NAMES)
        assert self.files(".") == sorted(self.NAMES)

    def test_a_file_named_on_the_command_line_is_always_checked(self) -> None:
        write("build/app.txt", INFO)
        write(".gitignore", "build/\n")
        assert self.files("build/app.txt") == ["build/app.txt"]

    def test_gitignore(self) -> None:
        write(".gitignore", "# generated\nbuild/\n*.tmp.Dockerfile\n/Dockerfile.local\n")
        for name in [
            "Dockerfile",
            "build/Dockerfile",
            "x.tmp.Dockerfile",
            "Dockerfile.local",
            "sub/Dockerfile.local",
        ]:
            write(name, INFO)
        assert self.files() == ["Dockerfile", "sub/Dockerfile.local"]

    def test_nested_gitignore(self) -> None:
        write(".gitignore", "Dockerfile.*\n")
        write("svc/.gitignore", "!Dockerfile.prod\nlegacy/\n")
        for name in [
            "Dockerfile.dev",
            "svc/Dockerfile.prod",
            "svc/Dockerfile.dev",
            "svc/legacy/Dockerfile",
            "legacy/Dockerfile",
            "other/Dockerfile.prod",
        ]:
            write(name, INFO)
        # git agrees: the deeper file's "!" re-includes, and its patterns stay below it.
        assert self.files() == ["legacy/Dockerfile", "svc/Dockerfile.prod"]

    def test_gitignore_above_the_starting_folder(self) -> None:
        write(".gitignore", "generated/\n")
        write("svc/generated/Dockerfile", INFO)
        write("svc/Dockerfile", INFO)
        assert self.files("svc") == ["svc/Dockerfile"]

    def test_git_folder_is_skipped(self) -> None:
        write(".git/Dockerfile", INFO)
        write("Dockerfile", INFO)
        assert self.files() == ["Dockerfile"]

    def test_config_exclude(self, project: Path) -> None:
        write(".dockerlint-django.yaml", 'exclude: ["docker/legacy", "*.old"]\n')
        for name in [
            "Dockerfile",
            "Dockerfile.old",
            "docker/Dockerfile",
            "docker/legacy/Dockerfile",
            "docker/x/Dockerfile.old",
        ]:
            write(name, INFO)
        assert self.files() == ["Dockerfile", "docker/Dockerfile"]
        # Globs are relative to the configuration, however the folder is named.
        assert self.files(str(project)) == ["Dockerfile", "docker/Dockerfile"]

    def test_config_exclude_from_a_subfolder(
        self, project: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        write(".dockerlint-django.yaml", 'exclude: ["docker/legacy"]\n')
        write("docker/Dockerfile", INFO)
        write("docker/legacy/Dockerfile", INFO)
        monkeypatch.chdir(project / "docker")
        assert self.files() == ["Dockerfile"]

    def test_nested_config_exclude(self) -> None:
        # The nearest configuration applies to a file, its exclude included.
        write("svc/.dockerlint-django.yaml", 'exclude: ["legacy"]\n')
        write("svc/legacy/Dockerfile", INFO)
        write("svc/Dockerfile", INFO)
        write("legacy/Dockerfile", INFO)
        assert self.files() == ["legacy/Dockerfile", "svc/Dockerfile"]
        assert self.files("svc") == ["svc/Dockerfile"]

    def test_explicit_config_exclude(self) -> None:
        write("ci/lint.yaml", 'exclude: ["legacy"]\n')
        write("legacy/Dockerfile", INFO)
        write("Dockerfile", INFO)
        assert self.files("--config", "ci/lint.yaml") == ["Dockerfile"]

    def test_each_file_once(self) -> None:
        write("svc/Dockerfile", INFO)
        res = run("check", "--format", "json", "svc", "svc/Dockerfile", "./svc")
        assert found(res) == [("svc/Dockerfile", "DJ108")]

    def test_paths_outside_the_working_directory(
        self, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        other = tmp_path_factory.mktemp("elsewhere")
        write(other / "Dockerfile", INFO)
        assert self.files(str(other)) == [f"{other.as_posix()}/Dockerfile"]


class TestRuleCommand:
    def test_by_code_and_name(self) -> None:
        by_code = run("rule", "DJ001")
        assert by_code.exit_code == 0
        assert by_code.stdout.startswith("# DJ001 `shell-form-server-command`\n")
        assert "## Why is this bad?" in by_code.stdout
        assert run("rule", "shell-form-server-command").stdout == by_code.stdout
        assert run("rule", "dj001").stdout == by_code.stdout

    def test_json(self) -> None:
        res = run("rule", "DJ108", "--format", "json")
        data = json.loads(res.stdout)
        assert data["code"] == "DJ108"
        assert data["name"] == "from-as-casing"
        assert data["severity"] == "info"
        assert data["fix"] == "always"
        assert data["documentation"] == run("rule", "DJ108").stdout

    def test_all(self) -> None:
        res = run("rule", "--all")
        assert res.exit_code == 0
        lines = res.stdout.splitlines()
        assert [line.split()[0] for line in lines] == list(registry.CODES)
        assert lines[0].split()[1:3] == ["shell-form-server-command", "error"]
        assert run("rule").stdout == res.stdout

    def test_all_json(self) -> None:
        data = json.loads(run("rule", "--all", "--format", "json").stdout)
        assert [d["code"] for d in data] == list(registry.CODES)
        assert set(data[0]) == {
            "code",
            "name",
            "severity",
            "fix",
            "profile",
            "summary",
            "default_enabled",
            "hadolint",
        }

    def test_unknown(self) -> None:
        res = run("rule", "DJ777")
        assert res.exit_code == 2
        assert res.stdout == ""
        assert res.stderr.startswith("dockerlint-django: error: unknown rule 'DJ777'")
        assert res.stderr.count("\n") == 1


class TestParseCommand:
    def test_fields(self) -> None:
        write(
            "Dockerfile",
            "FROM python:3.11\n"
            "COPY --chown=app:app --link . /app\n"
            "RUN <<EOF\necho hi\nEOF\n"
            'CMD ["gunicorn", "core.wsgi"]\n'
            "ONBUILD RUN make\n",
        )
        res = run("parse", "Dockerfile")
        assert res.exit_code == 0
        ins = json.loads(res.stdout)["instructions"]
        keys = {"cmd", "sub_cmd", "json", "start_line", "end_line", "flags", "value", "heredocs"}
        assert all(keys <= set(i) for i in ins)
        core = [{k: i[k] for k in sorted(keys)} for i in ins]
        assert core == [
            {"cmd": "FROM", "sub_cmd": None, "json": False, "start_line": 1, "end_line": 1,
             "flags": [], "value": ["python:3.11"], "heredocs": []},
            {"cmd": "COPY", "sub_cmd": None, "json": False, "start_line": 2, "end_line": 2,
             "flags": ["--chown=app:app", "--link"], "value": [".", "/app"], "heredocs": []},
            {"cmd": "RUN", "sub_cmd": None, "json": False, "start_line": 3, "end_line": 5,
             "flags": [], "value": ["<<EOF"],
             "heredocs": [{"name": "EOF", "content": "echo hi\n"}]},
            {"cmd": "CMD", "sub_cmd": None, "json": True, "start_line": 6, "end_line": 6,
             "flags": [], "value": ["gunicorn", "core.wsgi"], "heredocs": []},
            {"cmd": "ONBUILD", "sub_cmd": "RUN", "json": False, "start_line": 7, "end_line": 7,
             "flags": [], "value": ["make"], "heredocs": []},
        ]  # fmt: skip

    def test_stdin(self) -> None:
        res = run("parse", "-", input="FROM python:3.11\n")
        assert json.loads(res.stdout)["instructions"][0]["value"] == ["python:3.11"]

    def test_rejected_file(self) -> None:
        write("Dockerfile", REJECTED)
        res = run("parse", "Dockerfile")
        assert res.exit_code == 2
        assert res.stdout == ""
        assert res.stderr == "dockerlint-django: error: Dockerfile:2: ENV must have two arguments\n"

    def test_undecodable_file(self) -> None:
        Path("Dockerfile").write_bytes(b"FROM x\nRUN \xff\n")
        res = run("parse", "Dockerfile")
        assert res.exit_code == 2
        assert res.stderr == "dockerlint-django: error: Dockerfile:2: not valid UTF-8 (byte 11)\n"

    def test_missing_file(self) -> None:
        res = run("parse", "nope")
        assert res.exit_code == 2
        assert res.stderr.startswith("dockerlint-django: error: nope: cannot read")
        assert res.stderr.count("\n") == 1


class TestInit:
    def test_writes_the_handbook_files_and_a_valid_config(self) -> None:
        write("requirements.txt", "django\ngunicorn[setproctitle]\n")
        res = run("init")
        assert res.exit_code == 0, res.stderr
        assert "created Dockerfile (handbook Dockerfile_django)" in res.stdout
        assert "created .dockerlint-django.yaml (configuration)" in res.stdout
        assert "Next steps:" in res.stdout
        text = Path(".dockerlint-django.yaml").read_text(encoding="utf-8")
        assert "profile: generic" in text
        assert run("check").exit_code == 0

    def test_keeps_an_existing_file_unless_forced(self) -> None:
        write("Dockerfile", CLEAN)
        res = run("init")
        assert res.exit_code == 0
        assert "kept Dockerfile: it exists and differs; --force overwrites it" in res.stdout
        assert Path("Dockerfile").read_text() == CLEAN
        assert run("init", "--force").exit_code == 0
        assert Path("Dockerfile").read_text() != CLEAN

    def test_never_replaces_the_projects_configuration(self) -> None:
        write(".dockerlint-django.yaml", "select: [DJ001]\n")
        assert run("init", "--force").exit_code == 0
        assert Path(".dockerlint-django.yaml").read_text() == "select: [DJ001]\n"

    def test_dry_run_writes_nothing_and_shows_a_diff(self) -> None:
        res = run("init", "--dry-run")
        assert res.exit_code == 1
        assert "would create Dockerfile" in res.stdout and "+++ b/Dockerfile" in res.stdout
        assert not Path("Dockerfile").exists()

    def test_bad_options_are_usage_errors(self) -> None:
        res = run("init", "--python", "three")
        assert res.exit_code == 2 and "X.Y" in res.stderr
        res = run("init", "--project-module", "not a module")
        assert res.exit_code == 2 and "module name" in res.stderr

    def test_every_commented_example_is_valid(self) -> None:
        # A user uncommenting the template's examples must get a configuration that loads.
        run("init")
        text = Path(".dockerlint-django.yaml").read_text(encoding="utf-8")
        lines = [re.sub(r"^# ?", "", line) for line in text.splitlines()[1:]]
        uncommented = write(".dockerlint-django.yaml", "\n".join(lines) + "\n")
        cfg = load_file(uncommented)
        assert cfg is not None
        assert cfg.select == ("DJ",)
        assert cfg.severity and cfg.per_file_ignores and cfg.rule_options
        assert cfg.extend_select and cfg.ignore and cfg.fail_on is not None


class TestFix:
    def test_safe_fix(self) -> None:
        p = write("Dockerfile", INFO)
        res = run("fix")
        assert res.exit_code == 0, res.output
        assert p.read_text() == INFO.replace(" as ", " AS ")
        # As ruff: the count on standard output, nothing on stderr when all went well.
        assert res.stdout == "Found 1 problem (1 fixed, 0 remaining).\n"
        assert res.stderr == ""

    def test_remaining_findings_exit_1(self) -> None:
        p = write("Dockerfile", 'FROM python:3.11 as b\nCMD ["true"]\n')
        res = run("fix")
        assert res.exit_code == 1
        assert p.read_text() == 'FROM python:3.11 AS b\nCMD ["true"]\n'
        # The findings left, then the count, on standard output.
        assert res.stdout.startswith("Dockerfile:1:1: DJ030 [warning]")
        assert res.stdout.endswith("Found 2 problems (1 fixed, 1 remaining).\n")

    def test_configured_fail_on_applies(self) -> None:
        write(".dockerlint-django.yaml", "fail-on: error\n")
        p = write("Dockerfile", 'FROM python:3.11 as b\nCMD ["true"]\n')
        res = run("fix")
        assert res.exit_code == 0, res.output
        assert "Dockerfile:1:1: DJ030" in res.stdout
        assert p.read_text() == 'FROM python:3.11 AS b\nCMD ["true"]\n'

    def test_unsafe_fixes(self) -> None:
        p = write("Dockerfile", UNSAFE)
        res = run("fix")
        assert res.exit_code == 1
        assert p.read_text() == UNSAFE
        res = run("fix", "--unsafe-fixes")
        assert res.exit_code == 0, res.output
        assert p.read_text() != UNSAFE
        assert "USER app" in p.read_text()
        assert run("check").exit_code == 0

    def test_diff_writes_nothing(self) -> None:
        p = write("Dockerfile", INFO)
        before = p.stat()
        res = run("fix", "--diff")
        assert p.read_text() == INFO
        assert p.stat().st_mtime_ns == before.st_mtime_ns
        assert res.stdout == (
            "--- a/Dockerfile\n"
            "+++ b/Dockerfile\n"
            "@@ -1,4 +1,4 @@\n"
            "-FROM python:3.11 as build\n"
            "+FROM python:3.11 AS build\n"
            " FROM python:3.11\n"
            " RUN groupadd -r app && useradd --no-log-init -r -g app app\n"
            " USER app:app\n"
        )
        # Nothing was written, so the file still has the problem: a CI gate must fail.
        assert res.exit_code == 1

    def test_diff_without_changes(self) -> None:
        write("Dockerfile", CLEAN)
        res = run("fix", "--diff")
        assert res.exit_code == 0
        assert res.stdout == ""

    def test_diff_of_a_last_line_without_newline(self) -> None:
        p = write("Dockerfile", "FROM python:3.11\nFROM python:3.11 as b")
        res = run("fix", "--diff", "--select", "DJ108")
        assert res.stdout.endswith(
            "-FROM python:3.11 as b\n\\ No newline at end of file\n"
            "+FROM python:3.11 AS b\n\\ No newline at end of file\n"
        )
        assert p.read_text() == "FROM python:3.11\nFROM python:3.11 as b"

    def test_diff_lines_break_only_at_newlines(self) -> None:
        write("Dockerfile", 'FROM python:3.11\nLABEL a="x\u2028y\x0cz"\nFROM python:3.11 as b\n')
        res = run("fix", "--diff", "--select", "DJ108")
        assert res.stdout.split("\n")[2:] == [
            "@@ -1,3 +1,3 @@",
            " FROM python:3.11",
            ' LABEL a="x\u2028y\x0cz"',
            "-FROM python:3.11 as b",
            "+FROM python:3.11 AS b",
            "",
        ]

    def test_second_run_is_a_no_op(self) -> None:
        p = write(
            "Dockerfile",
            "FROM python:3.11 as b\nRUN apt-get install curl\n"
            "RUN groupadd -r app && useradd --no-log-init -r -g app app\nUSER app\n",
        )
        run("fix", "--unsafe-fixes")
        once = p.read_bytes()
        inode = p.stat().st_ino
        res = run("fix", "--unsafe-fixes")
        assert p.read_bytes() == once
        assert p.stat().st_ino == inode  # not even rewritten
        assert res.exit_code == 0, res.output
        assert res.stdout == "All checks passed (1 file).\n"

    @pytest.mark.parametrize(
        ("bom", "nl"), [(b"", b"\r\n"), (b"\xef\xbb\xbf", b"\n"), (b"\xef\xbb\xbf", b"\r\n")]
    )
    def test_crlf_and_bom_kept_byte_for_byte(self, bom: bytes, nl: bytes) -> None:
        lines = [
            b"# caf\xc3\xa9  ",
            b"FROM python:3.11 as build",
            b"FROM python:3.11",
            b"RUN groupadd -r app && useradd --no-log-init -r -g app app",
            b"USER app:app",
            b"",
        ]
        p = Path("Dockerfile")
        p.write_bytes(bom + nl.join(lines))
        res = run("fix")
        assert res.exit_code == 0, res.output
        lines[1] = b"FROM python:3.11 AS build"
        assert p.read_bytes() == bom + nl.join(lines)

    def test_mode_kept_and_no_temp_files(self, project: Path) -> None:
        p = write("docker/Dockerfile", INFO)
        p.chmod(0o640)
        assert run("fix", "docker").exit_code == 0
        assert stat.S_IMODE(p.stat().st_mode) == 0o640
        assert sorted(x.name for x in (project / "docker").iterdir()) == ["Dockerfile"]

    def test_symlink_kept(self, project: Path) -> None:
        real = write("real/Dockerfile.base", INFO)
        link = project / "Dockerfile"
        link.symlink_to(real)
        assert run("fix", "Dockerfile").exit_code == 0
        assert link.is_symlink()
        assert real.read_text() == INFO.replace(" as ", " AS ")

    def test_stdin(self) -> None:
        res = run("fix", "-", input=INFO)
        assert res.exit_code == 0
        assert res.stdout == INFO.replace(" as ", " AS ")
        res = run("fix", "-", input=CLEAN)
        assert res.stdout == CLEAN

    def test_stdin_filename_is_never_written(self, project: Path) -> None:
        # The name only picks configuration; the fixed text goes to standard output.
        existing = write("Dockerfile", CLEAN)
        res = run("fix", "--stdin-filename", "Dockerfile", "-", input=INFO)
        assert res.stdout == INFO.replace(" as ", " AS ")
        assert existing.read_text() == CLEAN
        assert not (project / "NAME").exists()

    def test_stdin_bom_crlf(self) -> None:
        data = b"\xef\xbb\xbf" + INFO.replace("\n", "\r\n").encode()
        res = run("fix", "-", input=data)
        assert res.stdout_bytes == data.replace(b" as ", b" AS ")

    def test_rejected_file_untouched(self) -> None:
        p = write("Dockerfile", "FROM python:3.11 as b\nENV X\n")
        res = run("fix")
        assert res.exit_code == 2
        assert p.read_text() == "FROM python:3.11 as b\nENV X\n"

    def test_undecodable_file(self) -> None:
        Path("Dockerfile").write_bytes(b"FROM x\nRUN \xff\n")
        write("svc/Dockerfile", INFO)
        res = run("fix")
        assert res.exit_code == 2
        assert "dockerlint-django: error: Dockerfile:2: not valid UTF-8 (byte 11)\n" in res.stderr
        assert Path("svc/Dockerfile").read_text() == INFO.replace(" as ", " AS ")

    def test_missing_path(self) -> None:
        write("Dockerfile", INFO)
        res = run("fix", "Dockerfile", "nope")
        assert res.exit_code == 2
        assert "nope: no such file or directory" in res.stderr
        assert Path("Dockerfile").read_text() == INFO.replace(" as ", " AS ")

    def test_selection_applies(self) -> None:
        p = write("Dockerfile", "FROM python:3.11 as b\nRUN apt-get install -y curl\nUSER app\n")
        # DJ101's fix is unsafe (a recommended package may be needed at run time).
        assert run("fix", "--select", "DJ101", "--fail-on", "info").exit_code == 1
        assert run("fix", "--select", "DJ101", "--unsafe-fixes", "--fail-on", "info").exit_code == 0
        text = p.read_text()
        assert "--no-install-recommends" in text
        assert text.startswith("FROM python:3.11 as b\n")


class TestSubprocess:
    """The installed module as a user runs it."""

    def test_version(self) -> None:
        res = subprocess_run("--version")
        assert res.returncode == 0
        assert res.stdout.decode() == f"dockerlint-django, version {__version__}\n"

    def test_check_json_and_rejected_file(self, project: Path) -> None:
        write(project / "Dockerfile", INFO)
        write(project / "bad/Dockerfile", REJECTED)
        res = subprocess_run("check", "--format", "json", cwd=project)
        assert res.returncode == 2
        assert res.stderr.decode() == (
            "dockerlint-django: error: bad/Dockerfile:2: ENV must have two arguments\n"
        )
        data = json.loads(res.stdout)
        assert [(d["filename"], d["code"]) for d in data] == [
            ("Dockerfile", "DJ108"),
            ("bad/Dockerfile", "DJ900"),
        ]

    def test_fix_and_stdin(self, project: Path) -> None:
        p = write(project / "Dockerfile", INFO)
        res = subprocess_run("fix", cwd=project)
        assert res.returncode == 0, res.stderr
        assert p.read_text() == INFO.replace(" as ", " AS ")
        res = subprocess_run(
            "check", "-", "--stdin-filename", "x/Dockerfile", input=WARNING.encode(), cwd=project
        )
        assert res.returncode == 1
        assert res.stdout.decode().startswith("x/Dockerfile:1:1: DJ030 [warning]")


def test_configured_fail_on_none() -> None:
    write("Dockerfile", WARNING)
    write(".dockerlint-django.yaml", "fail-on: none\n")
    res = run("check")
    assert res.exit_code == 0, res.output
    assert "DJ030" in res.stdout
    # The command line still decides over the file.
    assert run("check", "--fail-on", "warning").exit_code == 1
    for bad in ("never", "null", "~", ""):
        write(".dockerlint-django.yaml", f"fail-on: {bad}\n")
        res = run("check")
        assert res.exit_code == 2, bad
        assert "fail-on:" in res.stderr


def test_the_report_is_written_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Standard output unbuffered (PYTHONUNBUFFERED, as CI images often set) or a terminal's
    line buffering make each write a system call: a report of a thousand lines is one write."""
    import io

    class Counting(io.StringIO):
        writes = 0

        def write(self, s: str) -> int:
            self.writes += 1
            return super().write(s)

    paths = []
    for i in range(3):
        path = tmp_path / f"Dockerfile.{i}"
        path.write_text(WARNING, encoding="utf-8")
        paths.append(str(path))
    out = Counting()
    monkeypatch.setattr(sys, "stdout", out)
    with pytest.raises(SystemExit) as exited:
        cli(["check", "--no-color", *paths], standalone_mode=False)
    assert exited.value.code == 1
    assert out.getvalue().count("DJ030") == 3 and "Found 3 problems" in out.getvalue()
    assert out.writes == 1
