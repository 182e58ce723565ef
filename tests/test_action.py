"""The GitHub Action in ``action.yml``: its structure, and its scripts run the way a runner would.

GitHub only reads ``action.yml`` when a workflow uses it, so a mistake here (an input that does not
exist, a ``run`` step without ``shell``, an option the CLI does not have) would otherwise be found
by the first user.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
# Errors: DJ001 (shell form), DJ020 (default bind); warnings such as DJ022 and DJ030.
BAD = "FROM python:3.12-slim\nCMD gunicorn app.wsgi\n"
CLEAN = (
    "FROM python:3.12-slim\n"
    "RUN groupadd -r app && useradd --no-log-init -r -g app app\n"
    "USER app:app\n"
    "ENV WEB_CONCURRENCY=2\n"
    "EXPOSE 8000\n"
    'CMD ["gunicorn", "app.wsgi", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", '
    '"--threads", "2", "--name", "app"]\n'
)


def action() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def steps() -> list[dict[str, Any]]:
    found = action()["runs"]["steps"]
    assert isinstance(found, list)
    return found


def step(step_id: str) -> dict[str, Any]:
    return next(s for s in steps() if s.get("id") == step_id)


def expressions(node: Any) -> list[str]:
    """Every ``${{ … }}`` expression in a parsed YAML value, keys and values alike."""
    if isinstance(node, dict):
        return [e for k, v in node.items() for e in expressions(k) + expressions(v)]
    if isinstance(node, list):
        return [e for item in node for e in expressions(item)]
    return EXPRESSION.findall(node) if isinstance(node, str) else []


def test_metadata() -> None:
    data = action()
    assert isinstance(data["name"], str) and data["name"]
    assert isinstance(data["description"], str)
    # The description is what the Marketplace shows: it has to say how results reach code scanning.
    for needed in ("github/codeql-action/upload-sarif", "security-events: write", "if: always()"):
        assert needed in data["description"]
    assert set(data) <= {"name", "author", "description", "inputs", "outputs", "runs", "branding"}


def test_inputs_are_documented() -> None:
    inputs = action()["inputs"]
    assert {"paths", "format", "fail-on", "sarif-file", "category", "args"} <= set(inputs)
    for name, spec in inputs.items():
        assert re.fullmatch(r"[a-z][a-z0-9-]*", name), name
        assert isinstance(spec["description"], str) and spec["description"].strip(), name
        assert set(spec) <= {"description", "required", "default", "deprecationMessage"}, name
        assert isinstance(spec.get("required", False), bool), name
        # The runner hands every input over as a string: a YAML number or bool would be retyped.
        if "default" in spec:
            assert isinstance(spec["default"], str), name


def test_composite_steps() -> None:
    runs = action()["runs"]
    assert runs["using"] == "composite"
    ids = [s["id"] for s in steps() if "id" in s]
    assert len(ids) == len(set(ids))
    for s in steps():
        assert ("run" in s) != ("uses" in s), s
        if "run" in s:
            # Composite actions have no default shell: a run step without one is rejected.
            assert s.get("shell") == "bash", s
        else:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", s["uses"]), s


def test_every_referenced_input_exists_and_every_input_is_used() -> None:
    inputs = set(action()["inputs"])
    used = {e.split(".", 1)[1] for e in expressions(action()) if e.startswith("inputs.")}
    assert used == inputs


def test_run_scripts_take_no_expressions() -> None:
    # An expression in a script is pasted in before bash parses it: an input could inject shell.
    for s in steps():
        if "run" in s:
            assert not EXPRESSION.search(s["run"]), s["id"]


def test_step_references_point_backwards() -> None:
    order = [s.get("id") for s in steps()]
    for position, s in enumerate(steps()):
        for e in expressions(s):
            if e.startswith("steps."):
                assert e.split(".")[1] in order[:position], e


def test_outputs_come_from_the_check_step() -> None:
    outputs = action()["outputs"]
    assert set(outputs) == {"sarif-file", "exit-code"}
    written = set(re.findall(r'echo "([\w-]+)=', step("check")["run"]))
    for name, spec in outputs.items():
        assert isinstance(spec["description"], str) and spec["description"].strip()
        assert spec["value"] == "${{ steps.check.outputs." + name + " }}"
        assert name in written


# --- the scripts, run as a runner would run them ---------------------------------------------


def evaluate(value: str, context: dict[str, str]) -> str:
    """Substitute the expressions ``action.yml`` uses; anything else is a test failure."""

    def one(match: re.Match[str]) -> str:
        assert match.group(1) in context, f"no value for ${{{{ {match.group(1)} }}}}"
        return context[match.group(1)]

    return EXPRESSION.sub(one, value)


def run_step(
    step_id: str, context: dict[str, str], cwd: Path, tmp: Path, timeout: float = 120
) -> tuple[int, str, dict[str, str]]:
    """Run one step's script with bash, as the runner does; its exit code, output and outputs."""
    s = step(step_id)
    output_file = tmp / f"{step_id}.github_output"
    output_file.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env |= {k: evaluate(str(v), context) for k, v in s.get("env", {}).items()}
    env |= {"GITHUB_OUTPUT": str(output_file), "GITHUB_ACTIONS": "true", "NO_COLOR": "1"}
    # The runner runs `bash --noprofile --norc -eo pipefail {0}` for shell: bash.
    script = tmp / f"{step_id}.sh"
    script.write_text(s["run"], encoding="utf-8")
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    outputs = dict(
        line.split("=", 1) for line in output_file.read_text(encoding="utf-8").splitlines()
    )
    return done.returncode, done.stdout + done.stderr, outputs


def context(**inputs: str) -> dict[str, str]:
    values = {f"inputs.{k}": str(v.get("default", "")) for k, v in action()["inputs"].items()}
    values |= {f"inputs.{k.replace('_', '-')}": v for k, v in inputs.items()}
    tool = shutil.which("dockerlint-django", path=str(Path(sys.executable).parent))
    assert tool is not None, "dockerlint-django is not installed beside this python"
    values["steps.install.outputs.bin"] = tool
    return values


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A checkout with one bad and one clean Dockerfile; a .git folder marks the repository root."""
    ws = tmp_path / "workspace"
    (ws / ".git").mkdir(parents=True)
    (ws / "web").mkdir()
    (ws / "web" / "Dockerfile").write_text(BAD, encoding="utf-8")
    (ws / "Dockerfile").write_text(CLEAN, encoding="utf-8")
    return ws


needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")


@needs_bash
def test_check_step_writes_sarif_and_fails_on_findings(workspace: Path, tmp_path: Path) -> None:
    code, log, outputs = run_step("check", context(), workspace, tmp_path)
    assert code == 1, log
    assert outputs == {"exit-code": "1", "sarif-file": "dockerlint-django.sarif"}
    assert re.search(r"^web/Dockerfile:2:1: DJ001 ", log, re.MULTILINE), log
    sarif = json.loads((workspace / "dockerlint-django.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"DJ001"}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"web/Dockerfile"}


@needs_bash
def test_check_step_inputs(workspace: Path, tmp_path: Path) -> None:
    ctx = context(
        paths="Dockerfile\n web/Dockerfile",
        format="github",
        fail_on="error",
        sarif_file="reports/out.sarif",
        category="dockerfiles/web",
        args="--ignore DJ001,DJ020",
    )
    code, log, outputs = run_step("check", ctx, workspace, tmp_path)
    # With the two error rules ignored only warnings remain, below fail-on: error.
    assert code == 0, log
    assert outputs == {"exit-code": "0", "sarif-file": "reports/out.sarif"}
    assert "::warning file=web/Dockerfile,line=1" in log
    assert "DJ001" not in log
    sarif = json.loads((workspace / "reports" / "out.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["automationDetails"]["id"].startswith("dockerfiles/web")


@needs_bash
def test_check_step_fail_on_none_and_no_sarif(workspace: Path, tmp_path: Path) -> None:
    code, log, outputs = run_step(
        "check", context(fail_on="none", sarif_file="", paths="*"), workspace, tmp_path
    )
    # '*' stays a name: no file of that name exists, which is an error (2) that --exit-zero keeps.
    assert code == 2, log
    assert "*: no such file or directory" in log
    assert outputs == {"exit-code": "2"}
    code, log, outputs = run_step(
        "check", context(fail_on="none", sarif_file=""), workspace, tmp_path
    )
    assert code == 0, log
    assert "DJ001" in log
    assert outputs == {"exit-code": "0"}
    assert not list(workspace.glob("*.sarif"))


@pytest.mark.slow
@needs_bash
def test_install_step(tmp_path: Path) -> None:
    # The action's folder as a runner checks it out: the committed tree, not build leftovers.
    from tests.test_precommit import _project_files

    action_path = tmp_path / "action"
    for rel in _project_files():
        (action_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, action_path / rel)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    ctx = {
        "steps.python.outputs.python-path": sys.executable,
        "github.action_path": str(action_path),
        "runner.temp": str(runner_temp),
    }
    code, log, outputs = run_step("install", ctx, tmp_path, tmp_path, timeout=600)
    assert code == 0, log
    tool = Path(outputs["bin"])
    assert tool.is_relative_to(runner_temp)
    done = subprocess.run(
        [str(tool), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("dockerlint-django")


# --- the documented workflows ----------------------------------------------------------------

DOCS = [ROOT / "README.md", ROOT / "docs" / "github-actions.md", ROOT / "docs" / "gitlab-ci.md"]
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(language: str) -> list[tuple[Path, str]]:
    return [
        (doc, m.group(2))
        for doc in DOCS
        for m in FENCE.finditer(doc.read_text("utf-8"))
        if m.group(1) == language
    ]


def yaml_blocks() -> list[tuple[Path, Any]]:
    return [(doc, yaml.safe_load(text)) for doc, text in blocks("yaml")]


def walk(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [node, *(n for v in node.values() for n in walk(v))]
    if isinstance(node, list):
        return [node, *(n for v in node for n in walk(v))]
    return [node]


def check_jsonschema(schema: str, files: list[Path]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


needs_check_jsonschema = pytest.mark.skipif(
    importlib.util.find_spec("check_jsonschema") is None,
    reason="check-jsonschema is not installed (pip install -e '.[test]')",
)


@needs_check_jsonschema
def test_action_matches_githubs_schema() -> None:
    check_jsonschema("vendor.github-actions", [ROOT / "action.yml"])


@needs_check_jsonschema
def test_documented_pipelines_match_their_schemas(tmp_path: Path) -> None:
    workflows: list[Path] = []
    gitlab: list[Path] = []
    for n, (doc, text) in enumerate(blocks("yaml")):
        data = yaml.safe_load(text)
        # PyYAML reads the key `on` as True (YAML 1.1); the schema checker reads YAML 1.2.
        if isinstance(data, dict) and "jobs" in data and "on" not in data and True not in data:
            # A workflow shown from `jobs:` down: complete it the way the text around it does.
            text = "on: [push, pull_request]\n" + text
        elif isinstance(data, list):
            # Steps shown on their own, indented as in a job: give them one.
            text = "on: push\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n" + text
            data = yaml.safe_load(text)
        path = tmp_path / f"{doc.stem}-{n}.yml"
        path.write_text(text, encoding="utf-8")
        if isinstance(data, dict) and "jobs" in data:
            workflows.append(path)
        elif isinstance(data, dict) and any(
            isinstance(job, dict) and "script" in job for job in data.values()
        ):
            gitlab.append(path)
    assert len(workflows) >= 5 and len(gitlab) >= 3
    check_jsonschema("vendor.github-workflows", workflows)
    check_jsonschema("vendor.gitlab-ci", gitlab)


def test_documented_uses_of_the_action_take_its_inputs() -> None:
    inputs = set(action()["inputs"])
    uses = [
        node
        for _doc, data in yaml_blocks()
        for node in walk(data)
        if isinstance(node, dict)
        and str(node.get("uses", "")).startswith("dockerlint-django/dockerlint-django@")
    ]
    assert len(uses) >= 4
    for node in uses:
        assert set(node.get("with", {})) <= inputs, node
    # The upload step reads the file the action wrote, wherever the docs point it.
    for _doc, data in yaml_blocks():
        for job_steps in (n for n in walk(data) if isinstance(n, list)):
            ours = [
                s
                for s in job_steps
                if isinstance(s, dict) and "dockerlint-django/" in str(s.get("uses"))
            ]
            uploads = [
                s
                for s in job_steps
                if isinstance(s, dict) and "codeql-action/upload-sarif" in str(s.get("uses"))
            ]
            written = {
                str(s.get("with", {}).get("sarif-file", "dockerlint-django.sarif")) for s in ours
            }
            for upload in uploads:
                assert upload.get("if") == "always()", upload
                assert upload["with"]["sarif_file"] in written, upload


def documented_commands() -> list[str]:
    """Every `dockerlint-django check` command line in the docs' pipelines and shell blocks."""
    lines: list[str] = []
    for _doc, data in yaml_blocks():
        for node in walk(data):
            if isinstance(node, str):
                lines += node.splitlines()
    for doc, text in blocks("sh"):
        if doc.parent.name == "docs":
            lines += text.splitlines()
    return [line.strip() for line in lines if line.strip().startswith("dockerlint-django check")]


def test_documented_commands_run(workspace: Path) -> None:
    commands = documented_commands()
    assert len(commands) >= 5
    tool = context()["steps.install.outputs.bin"]
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    for command in commands:
        argv = shlex.split(command)
        outputs = [
            workspace / argv[i + 1] for i, word in enumerate(argv) if word == "--output-file"
        ]
        for path in outputs:
            path.unlink(missing_ok=True)  # a report an earlier command wrote proves nothing
        done = subprocess.run(
            [tool, *argv[1:]],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        # 1: the workspace's bad Dockerfile was found and reported; 2 would be a usage error.
        assert done.returncode == 1, (command, done.stderr)
        assert "DJ001" in done.stdout, command
        for path in outputs:
            assert path.stat().st_size > 0, command
