"""``check --show-settings FILE``, ``check --show-files`` and ``check -v``, run as a user runs them.

Each test lays out a small project in a temporary folder and runs from inside it, so paths show
as a user sees them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dockerlint_django.cli import cli
from dockerlint_django.project.development import DEVELOPMENT_WORDS

WARNING = 'FROM python:3.11\nCMD ["true"]\n'  # DJ030
STAGES = 'FROM python:3.11 as build\nFROM python:3.11\nCMD ["true"]\n'  # DJ108 (and DJ030)


def write(path: Path | str, text: str) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", *args])


def rows(text: str) -> dict[str, tuple[str, str]]:
    """``key = value  # source`` lines as {key: (value, source)}; the alignment is left out."""
    out: dict[str, tuple[str, str]] = {}
    for line in text.splitlines():
        if " = " not in line:
            continue
        key, _, rest = line.partition(" = ")
        value, _, source = rest.rpartition("  # ")
        out[key.strip()] = (value, source)
    return out


def settings_json(path: str, *args: str) -> dict[str, Any]:
    res = run("--format", "json", *args, "--show-settings", path)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert isinstance(data, dict)
    return data


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()  # the repository root: development paths count from here
    monkeypatch.chdir(tmp_path)
    return tmp_path


class TestShowSettings:
    def test_yaml_configuration_and_where_each_value_comes_from(self, project: Path) -> None:
        write(
            ".dockerlint-django.yaml",
            "profile: generic\n"  # the default value, but the file's choice
            "select: [DJ030, DJ031, DJ014]\n"
            "severity:\n  DJ030: error\n"
            "rules:\n  DJ014:\n    max-threads: 8\n"
            "fail-on: warning\n"
            "exclude: [legacy]\n"
            "target: runtime\n"
            "compose:\n  env:\n    TAG: '1'\n",
        )
        write("Dockerfile", WARNING)
        res = run("--show-settings", "Dockerfile")
        assert res.exit_code == 0, res.output
        assert res.stderr == ""
        assert res.stdout.splitlines()[:3] == [
            "Settings for: Dockerfile",
            "Configuration file: .dockerlint-django.yaml",
            "",
        ]
        got = rows(res.stdout)
        here = ".dockerlint-django.yaml"
        assert got["profile"] == ('"generic"', here)
        assert got["select"] == ('["DJ030", "DJ031", "DJ014"]', here)
        assert got["extend-select"] == ("[]", "default")
        assert got["ignore"] == ("[]", "default")
        assert got["severity"] == ('{"DJ030": "error"}', here)
        assert got["rules.DJ014.max-threads"] == ("8", here)
        run_wide = f"{here} (run-wide: the configuration where the command runs)"
        assert got["fail-on"] == ('"warning"', run_wide)
        assert got["exclude"] == ('["legacy"]', here)
        assert got["target"] == ('"runtime"', here)
        assert got["template"] == (
            '"auto"',
            "default: for files under a {{cookiecutter.*}} folder",
        )
        assert got["compose.env"] == ('{"TAG": "1"}', here)
        assert got["compose.file-sets"] == ("[]", "default")
        assert got["development.words"] == (json.dumps(list(DEVELOPMENT_WORDS)), "default")
        assert got["enabled"] == (
            '["DJ014", "DJ030", "DJ031"]',
            "3 rules: the profile's, then select, extend-select and ignore",
        )
        # Options of rules that are not enabled would only be noise.
        assert "rules.DJ044.keys" not in got

    def test_the_text_is_aligned_key_value_source(self, project: Path) -> None:
        write(".dockerlint-django.yaml", "select: [DJ030]\n")
        write("Dockerfile", WARNING)
        lines = run("--show-settings", "Dockerfile").stdout.splitlines()
        assert lines[3:6] == [
            'profile                      = "generic"  # default',
            'select                       = ["DJ030"]  # .dockerlint-django.yaml',
            "extend-select                = []  # default",
        ]
        tail = lines[lines.index("For Dockerfile:") :]
        assert tail == [
            "For Dockerfile:",
            'enabled          = ["DJ030"]  # 1 rule: the profile\'s, then select, extend-select '
            "and ignore",
            "per-file-ignored = []  # no per-file-ignores pattern matches",
            'checked-with     = ["DJ030"]  # 1 rule: enabled, less per-file-ignored',
            "development      = false  # no development word in its name or folders",
        ]

    def test_no_configuration_file_means_defaults(self, project: Path) -> None:
        write("Dockerfile", WARNING)
        res = run("--show-settings", "Dockerfile")
        assert res.exit_code == 0
        assert res.stdout.splitlines()[1] == "Configuration file: none; the defaults apply"
        got = rows(res.stdout)
        assert got["select"] == ("null", "default: the rules the profile turns on")
        assert got["fail-on"] == ('"warning"', "default")
        assert got["target"] == (
            "null",
            "default: the last stage, and every other stage a build can target that serves",
        )
        settings = settings_json("Dockerfile")
        assert settings["configuration"] is None
        assert {v["source"] for v in settings["settings"].values()} <= {
            "default",
            "default: the rules the profile turns on",
            "default: for files under a {{cookiecutter.*}} folder",
            "default: the last stage, and every other stage a build can target that serves",
        }

    def test_pyproject_table(self, project: Path) -> None:
        write(
            "pyproject.toml",
            '[project]\nname = "site"\n\n[tool.dockerlint-django]\nprofile = "ocp"\n'
            'ignore = ["DJ031"]\n\n[tool.dockerlint-django.development]\npaths = ["ops/**"]\n',
        )
        write("ops/Dockerfile", WARNING)
        res = run("--show-settings", "ops/Dockerfile")
        assert res.exit_code == 0, res.output
        where = "pyproject.toml [tool.dockerlint-django]"
        assert res.stdout.splitlines()[1] == f"Configuration file: {where}"
        got = rows(res.stdout)
        assert got["profile"] == ('"ocp"', where)
        assert got["ignore"] == ('["DJ031"]', where)
        assert got["development.paths"] == ('["ops/**"]', where)
        assert got["development.production-paths"] == ("[]", "default")
        assert got["development"] == (
            "true",
            "ops/Dockerfile matches development.paths 'ops/**'",
        )
        data = settings_json("ops/Dockerfile")
        assert data["configuration"] == {
            "path": "pyproject.toml",
            "table": "tool.dockerlint-django",
            "given-with": None,
        }
        assert data["settings"]["profile"] == {"value": "ocp", "source": where}
        assert "DJ031" not in data["for-file"]["enabled"]["value"]

    def test_the_nearest_configuration_wins(self, project: Path) -> None:
        write(".dockerlint-django.yaml", "ignore: [DJ031]\n")
        write("svc/.dockerlint-django.yaml", "ignore: [DJ030]\n")
        write("Dockerfile", WARNING)
        write("svc/Dockerfile", WARNING)
        top = rows(run("--show-settings", "Dockerfile").stdout)
        assert top["ignore"] == ('["DJ031"]', ".dockerlint-django.yaml")
        res = run("--show-settings", "svc/Dockerfile")
        assert res.stdout.splitlines()[:2] == [
            "Settings for: svc/Dockerfile",
            "Configuration file: svc/.dockerlint-django.yaml",
        ]
        assert rows(res.stdout)["ignore"] == ('["DJ030"]', "svc/.dockerlint-django.yaml")

    def test_a_folder_shows_what_applies_to_the_files_in_it(self, project: Path) -> None:
        write("svc/.dockerlint-django.yaml", "ignore: [DJ030]\n")
        res = run("--show-settings", "svc")
        assert res.exit_code == 0, res.output
        assert res.stdout.splitlines()[:2] == [
            "Settings for the files in: svc",
            "Configuration file: svc/.dockerlint-django.yaml",
        ]
        assert "For svc" not in res.stdout  # per-file answers need a file
        assert "for-file" not in settings_json("svc")

    def test_config_option(self, project: Path) -> None:
        write(".dockerlint-django.yaml", "ignore: [DJ031]\n")
        write("ci/lint.yaml", "select: [DJ030]\n")
        write("Dockerfile", WARNING)
        res = run("--config", "ci/lint.yaml", "--show-settings", "Dockerfile")
        assert res.exit_code == 0, res.output
        assert (
            res.stdout.splitlines()[1] == "Configuration file: ci/lint.yaml (given with --config)"
        )
        got = rows(res.stdout)
        assert got["select"] == ('["DJ030"]', "ci/lint.yaml")
        assert got["ignore"] == ("[]", "default")  # the file found by search is not read
        data = settings_json("Dockerfile", "--config", "ci/lint.yaml")
        assert data["configuration"] == {
            "path": "ci/lint.yaml",
            "table": None,
            "given-with": "--config",
        }

    def test_command_line_overrides_are_shown_as_such(self, project: Path) -> None:
        write(
            ".dockerlint-django.yaml", "extend-select: [DJ105]\nignore: [DJ031]\nprofile: generic\n"
        )
        write("Dockerfile", WARNING)
        got = rows(
            run(
                "--show-settings",
                "Dockerfile",
                "--profile",
                "ocp",
                "--extend-select",
                "DJ108",
                "--ignore",
                "DJ030",
                "--target",
                "web",
                "--fail-on",
                "error",
                "--no-template",
            ).stdout
        )
        assert got["profile"] == ('"ocp"', "command line (--profile)")
        assert got["select"] == ("null", "default: the rules the profile turns on")
        assert got["extend-select"] == (
            '["DJ105", "DJ108"]',
            ".dockerlint-django.yaml + command line (--extend-select)",
        )
        assert got["ignore"] == (
            '["DJ031", "DJ030"]',
            ".dockerlint-django.yaml + command line (--ignore)",
        )
        assert got["target"] == ('"web"', "command line (--target)")
        assert got["fail-on"] == ('"error"', "command line (--fail-on)")
        assert got["template"] == ("false", "command line (--no-template)")

    def test_select_on_the_command_line_drops_the_files_refinements(self, project: Path) -> None:
        write(".dockerlint-django.yaml", "extend-select: [DJ105]\nignore: [DJ031]\n")
        write("Dockerfile", WARNING)
        got = rows(run("--show-settings", "Dockerfile", "--select", "DJ030,DJ031").stdout)
        assert got["select"] == ('["DJ030", "DJ031"]', "command line (--select)")
        assert got["extend-select"] == (
            "[]",
            "command line (--select): the file's extend-select no longer applies",
        )
        assert got["ignore"] == (
            "[]",
            "command line (--select): the file's ignore no longer applies",
        )
        assert got["enabled"][0] == '["DJ030", "DJ031"]'

    def test_per_file_ignores_that_match_the_file(self, project: Path) -> None:
        write(
            ".dockerlint-django.yaml",
            "select: [DJ030, DJ031]\n"
            "per-file-ignores:\n  'Dockerfile.*': [DJ030]\n  'docker/**': [DJ031]\n"
            "  'other/*': [DJ031]\n",
        )
        write("docker/Dockerfile.web", WARNING)
        res = run("--show-settings", "docker/Dockerfile.web")
        got = rows(res.stdout)
        assert got["per-file-ignores"] == (
            '{"Dockerfile.*": ["DJ030"], "docker/**": ["DJ031"], "other/*": ["DJ031"]}',
            ".dockerlint-django.yaml",
        )
        assert got["per-file-ignored"] == (
            '["DJ030", "DJ031"]',
            'per-file-ignores "Dockerfile.*", "docker/**"',
        )
        assert got["checked-with"] == ("[]", "0 rules: enabled, less per-file-ignored")
        data = settings_json("docker/Dockerfile.web")
        assert data["for-file"]["per-file-ignored"] == {
            "value": ["DJ030", "DJ031"],
            "why": 'per-file-ignores "Dockerfile.*", "docker/**"',
        }

    def test_development_file_and_production_paths(self, project: Path) -> None:
        write(
            ".dockerlint-django.yaml",
            "development:\n  words: [sandbox]\n  production-paths: ['sandbox/live/**']\n",
        )
        write("sandbox/Dockerfile", WARNING)
        write("sandbox/live/Dockerfile", WARNING)
        write("dev/Dockerfile", WARNING)
        got = rows(run("--show-settings", "sandbox/Dockerfile").stdout)
        assert got["development.words"] == ('["sandbox"]', ".dockerlint-django.yaml")
        assert got["development"] == ("true", "sandbox/ is a development folder")
        live = rows(run("--show-settings", "sandbox/live/Dockerfile").stdout)
        assert live["development"] == (
            "false",
            'matches development.production-paths "sandbox/live/**"',
        )
        # The file's words replace the built-in ones: dev/ is no longer one.
        dev = rows(run("--show-settings", "dev/Dockerfile").stdout)
        assert dev["development"] == ("false", "no development word in its name or folders")

    def test_compose_file(self, project: Path) -> None:
        write(
            ".dockerlint-django.yaml",
            "compose:\n  file-sets: [[compose.yaml, compose.prod.yaml]]\n  env-files: [ci.env]\n",
        )
        write("compose.override.yaml", "services: {}\n")
        data = settings_json("compose.override.yaml")
        assert data["settings"]["compose.file-sets"] == {
            "value": [["compose.yaml", "compose.prod.yaml"]],
            "source": ".dockerlint-django.yaml",
        }
        assert data["settings"]["compose.env-files"]["value"] == ["ci.env"]
        assert data["settings"]["compose.env"] == {"value": {}, "source": "default"}
        assert data["for-file"]["development"] == {
            "value": True,
            "why": "compose.override.yaml is a Compose override file (local settings)",
        }

    def test_json(self, project: Path) -> None:
        write(".dockerlint-django.yaml", "select: [DJ030]\nrules:\n  DJ014:\n    max-threads: 2\n")
        write("Dockerfile", WARNING)
        data = settings_json("Dockerfile")
        assert data["path"] == "Dockerfile"
        assert data["configuration"] == {
            "path": ".dockerlint-django.yaml",
            "table": None,
            "given-with": None,
        }
        assert list(data["settings"])[:4] == ["profile", "select", "extend-select", "ignore"]
        assert data["settings"]["select"] == {
            "value": ["DJ030"],
            "source": ".dockerlint-django.yaml",
        }
        # Configured though not enabled: shown, since the file asked for it.
        assert data["settings"]["rules.DJ014.max-threads"] == {
            "value": 2,
            "source": ".dockerlint-django.yaml",
        }
        assert data["for-file"] == {
            "enabled": {
                "value": ["DJ030"],
                "why": "1 rule: the profile's, then select, extend-select and ignore",
            },
            "per-file-ignored": {"value": [], "why": "no per-file-ignores pattern matches"},
            "checked-with": {"value": ["DJ030"], "why": "1 rule: enabled, less per-file-ignored"},
            "development": {"value": False, "why": "no development word in its name or folders"},
        }

    def test_a_missing_file_is_an_error(self, project: Path) -> None:
        res = run("--show-settings", "Dockerfle")
        assert res.exit_code == 2
        assert res.stdout == ""
        assert res.stderr == (
            "dockerlint-django: error: --show-settings: Dockerfle: no such file or directory\n"
        )

    def test_a_bad_configuration_is_an_error(self, project: Path) -> None:
        write(".dockerlint-django.yaml", "select: [DJ999]\n")
        write("Dockerfile", WARNING)
        res = run("--show-settings", "Dockerfile")
        assert res.exit_code == 2
        assert res.stderr.startswith("dockerlint-django: error: ")
        assert "DJ999" in res.stderr
        assert "Traceback" not in res.output

    def test_not_with_show_files(self, project: Path) -> None:
        write("Dockerfile", WARNING)
        res = run("--show-settings", "Dockerfile", "--show-files")
        assert res.exit_code == 2
        assert "--show-settings and --show-files cannot be used together" in res.stderr


class TestShowFiles:
    def test_lists_what_a_run_checks(self, project: Path) -> None:
        write(".dockerlint-django.yaml", "exclude: [legacy]\n")
        write("Dockerfile", WARNING)
        write("legacy/Dockerfile", WARNING)  # excluded by the configuration
        write("deploy/compose.yaml", _COMPOSE)
        write("deploy/compose.override.yaml", "services:\n  web:\n    environment: [DEBUG=1]\n")
        # A name the folder search never takes: only the Compose build makes it checked.
        write("images/web-image", WARNING)
        res = run("--show-files")
        assert res.exit_code == 0, res.output
        assert res.stdout == (
            "Dockerfile\n"
            "deploy/compose.override.yaml\n"
            "deploy/compose.yaml\n"
            "images/web-image  (built by services web, worker)\n"
        )
        assert res.stderr == ""

    def test_json(self, project: Path) -> None:
        write("deploy/compose.yaml", _COMPOSE)
        write("images/web-image", WARNING)
        write("Dockerfile", WARNING)
        res = run("--show-files", "--format", "json")
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout) == [
            {"path": "Dockerfile", "kind": "dockerfile", "built-by": []},
            {"path": "deploy/compose.yaml", "kind": "compose"},
            {
                "path": "images/web-image",
                "kind": "dockerfile",
                "built-by": [
                    {"service": "web", "compose-files": ["deploy/compose.yaml"]},
                    {"service": "worker", "compose-files": ["deploy/compose.yaml"]},
                ],
            },
        ]

    def test_named_paths_and_a_missing_one(self, project: Path) -> None:
        write("a/Dockerfile", WARNING)
        write("b/Dockerfile", WARNING)
        res = run("--show-files", "b", "nope")
        assert res.exit_code == 2
        assert res.stdout == "b/Dockerfile\n"
        assert res.stderr == "dockerlint-django: error: nope: no such file or directory\n"

    def test_an_empty_folder_warns(self, project: Path) -> None:
        (project / "empty").mkdir()
        res = run("--show-files", "empty")
        assert res.exit_code == 0
        assert res.stdout == ""
        assert res.stderr == (
            "dockerlint-django: warning: empty: no Dockerfile or Compose file found\n"
        )


_COMPOSE = (
    "services:\n"
    "  web:\n"
    "    build:\n      context: ../images\n      dockerfile: web-image\n"
    "  worker:\n"
    "    build:\n      context: ../images\n      dockerfile: web-image\n"
    "  cache:\n    image: redis:7\n"
)


class TestVerbose:
    def test_says_the_configuration_and_the_count_on_stderr(self, project: Path) -> None:
        write(".dockerlint-django.yaml", "select: [DJ030]\n")
        write("svc/pyproject.toml", '[tool.dockerlint-django]\nselect = ["DJ108"]\n')
        write("Dockerfile", WARNING)
        write("svc/Dockerfile", STAGES)
        write("svc/Dockerfile.worker", STAGES)
        res = run("-v", "--format", "json")
        assert res.exit_code == 1  # the run goes on and reports its findings
        assert res.stderr == (
            "dockerlint-django: using configuration .dockerlint-django.yaml\n"
            "dockerlint-django: using configuration svc/pyproject.toml [tool.dockerlint-django]\n"
            "dockerlint-django: 3 files to check\n"
        )
        findings = json.loads(res.stdout)  # standard output stays clean
        assert sorted((f["filename"].rsplit("/", 1)[-1], f["code"]) for f in findings) == [
            ("Dockerfile", "DJ030"),
            ("Dockerfile", "DJ108"),
            ("Dockerfile.worker", "DJ108"),
        ]

    def test_no_configuration_file(self, project: Path) -> None:
        write("Dockerfile", WARNING)
        res = run("--verbose", "--quiet")
        assert res.exit_code == 1
        assert res.stderr == (
            "dockerlint-django: no configuration file found; using the defaults\n"
            "dockerlint-django: 1 file to check\n"
        )

    def test_config_option_and_compose(self, project: Path) -> None:
        write("lint.yaml", "select: [DJ030]\n")
        write("deploy/compose.yaml", _COMPOSE)
        write("images/web-image", WARNING)
        res = run("-v", "--config", "lint.yaml", "--show-files")
        assert res.exit_code == 0
        assert res.stderr == (
            "dockerlint-django: using configuration lint.yaml\n"
            "dockerlint-django: 2 files to check\n"
        )
        assert (
            res.stdout == "deploy/compose.yaml\nimages/web-image  (built by services web, worker)\n"
        )

    def test_nothing_found(self, project: Path) -> None:
        write(".dockerlint-django.yaml", "select: [DJ030]\n")
        res = run("-v")
        assert res.stderr.splitlines()[:2] == [
            "dockerlint-django: using configuration .dockerlint-django.yaml",
            "dockerlint-django: 0 files to check",
        ]

    def test_standard_input_counts_with_its_name(self, project: Path) -> None:
        write("svc/.dockerlint-django.yaml", "select: [DJ030]\n")
        res = CliRunner().invoke(
            cli, ["check", "-v", "--stdin-filename", "svc/Dockerfile", "-"], input=WARNING
        )
        assert res.exit_code == 1
        assert res.stderr == (
            "dockerlint-django: using configuration svc/.dockerlint-django.yaml\n"
            "dockerlint-django: 1 file to check\n"
        )
        listed = CliRunner().invoke(
            cli, ["check", "--show-files", "--stdin-filename", "svc/Dockerfile", "-"], input=""
        )
        assert listed.exit_code == 0
        assert listed.stdout == "svc/Dockerfile\n"


def test_fail_on_of_a_nested_configuration_is_not_the_one_shown(project: Path) -> None:
    # One exit code a run: the configuration where the command runs sets fail-on.
    write("sub/.dockerlint-django.yaml", "fail-on: none\n")
    write("sub/Dockerfile", WARNING)
    got = rows(run("--show-settings", "sub/Dockerfile").stdout)
    assert got["fail-on"] == ('"warning"', "default")
    assert run("sub").exit_code == 1


def test_file_names_are_shown_escaped(project: Path) -> None:
    write("Dockerfile.x\nDockerfile:1:1: DJ001 [error] fake", WARNING)
    out = run("--show-files").stdout
    assert "Dockerfile.x\\nDockerfile:1:1: DJ001 [error] fake" in out
    assert not any(line.startswith("Dockerfile:1:1") for line in out.splitlines())
