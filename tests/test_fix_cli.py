"""``fix`` and ``check --fix`` as ruff users expect them: the same options as ``check``, ruff's
summary on standard output, ``--diff`` that prints only the diff, ``--show-fixes``, and a ``[*]``
count in ``check`` that says what ``fix`` will do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dockerlint_django.cli import cli

RUNNER = "RUN groupadd -r app && useradd --no-log-init -r -g app app\nUSER app:app\n"
# DJ108 (safe fix) and DJ030 (no user: a warning with no safe fix).
TWO = 'FROM python:3.11 as b\nCMD ["true"]\n'
# Two safe fixes that do not wait for each other: DJ108 and DJ107 (ADD of a local file).
INDEPENDENT = f'FROM python:3.11 as b\nFROM python:3.11\n{RUNNER}ADD a.txt /a.txt\nCMD ["true"]\n'
# DJ006's fix (STOPSIGNAL SIGTERM) is safe only once SIGTERM reaches Gunicorn, which DJ001's fix
# (exec form) makes so.
CASCADE = (
    f"FROM python:3.11\n{RUNNER}ENV WEB_CONCURRENCY=2\nEXPOSE 8000\nSTOPSIGNAL SIGINT\n"
    "CMD gunicorn core.wsgi --bind 0.0.0.0:8000 --threads 2 --worker-tmp-dir /dev/shm "
    "--name web\n"
)


def write(path: str, text: str) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input)


@pytest.fixture(autouse=True)
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return tmp_path


class TestSummary:
    def test_remaining_findings_then_rufs_count_on_stdout(self) -> None:
        p = write("Dockerfile", TWO)
        res = run("fix")
        assert p.read_text() == TWO.replace(" as ", " AS ")
        lines = res.stdout.splitlines()
        assert lines[0].startswith("Dockerfile:1:1: DJ030 [warning]")
        assert lines[-1] == "Found 2 problems (1 fixed, 1 remaining)."
        assert res.stderr == ""
        assert res.exit_code == 1

    def test_unsafe_hint_after_a_fix(self) -> None:
        write("Dockerfile", 'FROM python:3.11\nRUN useradd --no-log-init app\nCMD ["true"]\n')
        res = run("fix")
        assert "1 more fixable with `dockerlint-django fix --unsafe-fixes`." in res.stdout

    def test_quiet_prints_findings_only(self) -> None:
        write("Dockerfile", TWO)
        res = run("fix", "--quiet")
        assert res.stdout.startswith("Dockerfile:1:1: DJ030")
        assert "Found" not in res.stdout


class TestOptionsShared:
    def test_fail_on_and_exit_zero(self) -> None:
        write("Dockerfile", TWO)
        assert run("fix", "--fail-on", "error").exit_code == 0
        write("Dockerfile", TWO)
        assert run("fix", "--exit-zero").exit_code == 0
        write("Dockerfile", TWO)
        assert run("fix").exit_code == 1

    def test_json_report_of_what_is_left(self) -> None:
        write("Dockerfile", TWO)
        res = run("fix", "--format", "json")
        assert [d["code"] for d in json.loads(res.stdout)] == ["DJ030"]

    def test_output_file(self) -> None:
        write("Dockerfile", TWO)
        res = run("fix", "--format", "sarif", "--output-file", "out.sarif")
        assert res.stdout == ""
        sarif = json.loads(Path("out.sarif").read_text(encoding="utf-8"))
        assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["DJ030"]

    def test_select_and_ignore(self) -> None:
        p = write("Dockerfile", INDEPENDENT)
        run("fix", "--ignore", "DJ108")
        assert " as b" in p.read_text()
        assert "COPY a.txt" in p.read_text()
        p = write("Dockerfile", INDEPENDENT)
        run("fix", "--select", "DJ108")
        assert " AS b" in p.read_text()
        assert "ADD a.txt" in p.read_text()


class TestCheckFix:
    def test_check_fix_is_fix(self, tmp_path: Path) -> None:
        a = write("a/Dockerfile", TWO)
        b = write("b/Dockerfile", TWO)
        by_check = run("check", "--fix", "a")
        by_fix = run("fix", "b")
        assert a.read_text() == b.read_text() == TWO.replace(" as ", " AS ")
        assert by_check.exit_code == by_fix.exit_code == 1
        assert by_check.stdout.replace("a/", "b/") == by_fix.stdout

    def test_check_diff_is_fix_diff(self) -> None:
        write("Dockerfile", TWO)
        assert run("check", "--diff").stdout == run("fix", "--diff").stdout != ""

    def test_show_fixes_without_a_fix_is_a_usage_error(self) -> None:
        write("Dockerfile", TWO)
        res = run("check", "--show-fixes")
        assert res.exit_code == 2
        assert "--show-fixes" in res.output


class TestDiff:
    def test_only_the_diff_on_stdout_and_the_count_on_stderr(self) -> None:
        p = write("Dockerfile", TWO)
        res = run("fix", "--diff")
        assert p.read_text() == TWO
        assert res.stdout == (
            "--- a/Dockerfile\n"
            "+++ b/Dockerfile\n"
            "@@ -1,2 +1,2 @@\n"
            "-FROM python:3.11 as b\n"
            "+FROM python:3.11 AS b\n"
            ' CMD ["true"]\n'
        )
        # The DJ030 left would be positioned in a text that is not on disk: not shown.
        assert res.stderr == "Would fix 1 problem.\n"
        assert res.exit_code == 1

    def test_nothing_to_fix(self) -> None:
        write("Dockerfile", 'FROM python:3.11\nCMD ["true"]\n')
        res = run("fix", "--diff")
        assert res.stdout == ""
        assert res.stderr == "No problems to fix.\n"
        assert res.exit_code == 0

    def test_exit_zero(self) -> None:
        write("Dockerfile", TWO)
        assert run("fix", "--diff", "--exit-zero").exit_code == 0


class TestShowFixes:
    def test_per_file_and_rule(self) -> None:
        write("Dockerfile", INDEPENDENT)
        write("svc/Dockerfile", TWO)
        res = run("fix", "--show-fixes")
        text = res.stdout
        listing = text[text.index("Fixed 3 problems:") :].splitlines()
        assert listing == [
            "Fixed 3 problems:",
            "- Dockerfile:",
            "    1 \N{MULTIPLICATION SIGN} DJ107 (add-instead-of-copy)",
            "    1 \N{MULTIPLICATION SIGN} DJ108 (from-as-casing)",
            "- svc/Dockerfile:",
            "    1 \N{MULTIPLICATION SIGN} DJ108 (from-as-casing)",
        ]

    def test_nothing_applied(self) -> None:
        write("Dockerfile", 'FROM python:3.11\nCMD ["true"]\n')
        assert "No fixes applied." in run("fix", "--show-fixes").stdout

    def test_json_keeps_stdout_for_the_report(self) -> None:
        write("Dockerfile", TWO)
        res = run("fix", "--show-fixes", "--format", "json")
        json.loads(res.stdout)
        assert "1 \N{MULTIPLICATION SIGN} DJ108" in res.stderr


class TestFixableCount:
    def _check_count(self) -> str:
        lines = [line for line in run("check").stdout.splitlines() if line.startswith("[*]")]
        assert len(lines) == 1
        return lines[0]

    def test_the_count_is_what_fix_applies(self) -> None:
        write("Dockerfile", INDEPENDENT)
        said = self._check_count()
        assert said == "[*] 2 fixable with `dockerlint-django fix`."
        assert run("fix").stdout.splitlines()[-1] == "Found 2 problems (2 fixed, 0 remaining)."

    def test_the_same_edit_offered_twice_counts_once(self) -> None:
        # Two builds of one Dockerfile (two services) report the same DJ108 twice.
        write("Dockerfile", INDEPENDENT)
        write(
            "compose.yaml",
            "services:\n  web:\n    build: .\n  worker:\n    build:\n      context: .\n"
            "      args: {X: '1'}\n",
        )
        said = self._check_count()
        assert said.startswith("[*] 2 fixable")

    def test_fixes_that_follow_other_fixes_are_counted(self) -> None:
        # Only DJ001's fix is safe at first; DJ006's becomes safe once the CMD is exec form.
        # check counts it by running the fix loop in memory for such a file.
        write("Dockerfile", CASCADE)
        marked = [line for line in run("check").stdout.splitlines() if " [*] " in line]
        assert len(marked) == 1
        assert self._check_count() == "[*] 2 fixable with `dockerlint-django fix`."
        summary = run("fix").stdout.splitlines()[-1]
        assert summary.startswith("Found ") and "(2 fixed" in summary

    def test_a_finding_beside_an_edit_is_not_taken_for_a_cascade(self) -> None:
        # DJ030 (no safe fix) reports the FROM line that DJ108's fix edits.
        write("Dockerfile", TWO)
        assert self._check_count() == "[*] 1 fixable with `dockerlint-django fix`."

    def test_unsafe_count_names_the_unsafe_command(self) -> None:
        write("Dockerfile", 'FROM python:3.11\nRUN useradd --no-log-init app\nCMD ["true"]\n')
        lines = run("check", "--unsafe-fixes").stdout.splitlines()
        assert "[*] 1 fixable with `dockerlint-django fix --unsafe-fixes`." in lines


class TestStdin:
    def test_fixed_text_on_stdout_and_the_report_on_stderr(self) -> None:
        res = run("fix", "-", input=TWO)
        assert res.stdout == TWO.replace(" as ", " AS ")
        assert "DJ030" in res.stderr
        assert "Found 2 problems (1 fixed, 1 remaining)." in res.stderr


class TestReviewedEdges:
    def test_diff_of_a_file_that_does_not_parse_is_an_error(self) -> None:
        write("Dockerfile", "FROM python:3.11\nRUN <<EOF\n")
        res = run("fix", "--diff", "--fail-on", "none")
        assert res.exit_code == 2
        assert "dockerlint-django: error: Dockerfile:2:" in res.stderr

    @pytest.mark.parametrize("make", ["missing", "undecodable"])
    def test_a_file_fix_cannot_read_is_never_all_checks_passed(self, make: str) -> None:
        if make == "undecodable":
            Path("Dockerfile").write_bytes(b"FROM python:3.11\nLABEL a=\xff\n")
            target = "Dockerfile"
        else:
            target = "nonexistent"
        res = run("fix", target)
        assert res.exit_code == 2
        assert "All checks passed" not in res.stdout
        assert "could not be checked" in res.stdout
        data = json.loads(run("fix", target, "--format", "json").stdout)
        assert data == [] or all(d["code"] != "DJ108" for d in data)

    def test_diff_lines_are_escaped_for_a_terminal_only(self) -> None:
        from dockerlint_django.cli.fix import visible_diff

        line = "--- a/Dockerfile.\x1b[31mred\n"
        assert visible_diff(line) == "--- a/Dockerfile.\\x1b[31mred\n"
        marked = "-FROM x as b\n\\ No newline at end of file\n"
        assert visible_diff(marked) == marked
        # Piped, the diff stays byte for byte what `git apply` needs.
        name = "Dockerfile.\x1b[31mred"
        write(name, TWO)
        assert "--- a/Dockerfile.\x1b[31mred" in run("fix", "--diff", name).stdout

    def test_errors_name_files_escaped(self) -> None:
        Path("Dockerfile.\x1b[2Jbad").write_bytes(b"FROM python:3.11\nLABEL a=\xff\n")
        res = run("fix", "Dockerfile.\x1b[2Jbad")
        assert "\x1b" not in res.stderr
        assert "Dockerfile.\\x1b[2Jbad" in res.stderr

    @pytest.mark.parametrize(
        "args",
        [
            ["fix", "--diff", "--show-fixes"],
            ["fix", "--diff", "--format", "sarif", "--output-file", "r.sarif"],
            ["check", "--fix", "--show-services"],
            ["check", "--show-files", "--output-file", "files.txt"],
        ],
    )
    def test_options_that_would_be_ignored_are_usage_errors(self, args: list[str]) -> None:
        write("Dockerfile", TWO)
        res = run(*args)
        assert res.exit_code == 2
        assert not Path("r.sarif").exists() and not Path("files.txt").exists()

    def test_fix_reports_in_checks_order(self) -> None:
        write("Dockerfile", 'FROM python:3.11\nCMD ["true"]\n')
        write(
            "compose.yaml",
            "services:\n  web:\n    build: .\n"
            "    command: python manage.py migrate && gunicorn app.wsgi\n",
        )
        checked = [line.split(":")[0] for line in run("check", "-q").stdout.splitlines()]
        fixed = [line.split(":")[0] for line in run("fix", "-q").stdout.splitlines()]
        assert checked == fixed
        assert checked[0] == "compose.yaml"

    def test_diff_says_what_unsafe_fixes_would_add(self) -> None:
        write("Dockerfile", 'FROM python:3.11 as b\nRUN useradd --no-log-init app\nCMD ["true"]\n')
        res = run("fix", "--diff")
        assert res.stderr == "Would fix 1 problem (1 more with `--unsafe-fixes`).\n"
        assert run("fix", "--diff", "-q").stderr == ""

    def test_selecting_no_rule_says_so(self) -> None:
        write("Dockerfile", TWO)
        res = run("check", "--select", "DL3008")
        assert res.exit_code == 0
        assert "no rule is selected" in res.stderr
