"""hadolint codes on the command line, in configuration files and in ``rule``; docs/hadolint.md.

The parts of docs/hadolint.md between ``<!-- begin NAME -->`` and ``<!-- end NAME -->`` are
generated from the registry: ``python -m tests.test_hadolint_codes`` rewrites them, and a test
fails when the committed page differs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dockerlint_django import rules as registry
from dockerlint_django.cli import cli
from dockerlint_django.engine import _hadolint_map
from dockerlint_django.rules._base import Rule
from tests.conftest import ROOT

DOC = ROOT / "docs" / "hadolint.md"
WIKI = "https://github.com/hadolint/hadolint/wiki/"

# DJ001 (refines DL3025) and DJ064 (refines DL3000), and nothing else.
DOCKERFILE = (
    "FROM python:3.11\n"
    "RUN groupadd -r app && useradd --no-log-init -r -g app app\n"
    "USER app:app\n"
    "WORKDIR app\n"
    "ENV WEB_CONCURRENCY=2\n"
    "EXPOSE 8000\n"
    "CMD gunicorn core.wsgi --bind 0.0.0.0:8000 --worker-tmp-dir /dev/shm --threads 2 --name web\n"
)


def _pairs() -> list[tuple[str, Rule]]:
    return [(dl, registry.get(c)) for dl, codes in registry.by_hadolint().items() for c in codes]


def _table() -> str:
    lines = ["| hadolint | Rule | Name | Summary |", "| --- | --- | --- | --- |"]
    for dl, r in _pairs():
        summary = r.meta.summary.replace("|", "\\|")
        lines.append(
            f"| [{dl}]({WIKI}{dl}) | [{r.code}](../rules/{r.code}.md) | `{r.name}` | {summary} |"
        )
    return "\n".join(lines) + "\n"


def _hadolint_yaml() -> str:
    lines = [
        "```yaml",
        "# .hadolint.yaml: dockerlint-django reports these (docs/hadolint.md)",
        "ignored:",
    ]
    for dl, codes in registry.by_hadolint().items():
        rules = ", ".join(f"{c} {registry.get(c).name}" for c in codes)
        lines.append(f"  - {dl}  # {rules}")
    return "\n".join([*lines, "```"]) + "\n"


def _dockerlint_yaml() -> str:
    return (
        "```yaml\n"
        "# .dockerlint-django.yaml: hadolint reports these (docs/hadolint.md)\n"
        f"ignore: [{', '.join(registry.by_hadolint())}]\n"
        "```\n"
    )


GENERATED: dict[str, Callable[[], str]] = {
    "table": _table,
    "hadolint-yaml": _hadolint_yaml,
    "dockerlint-yaml": _dockerlint_yaml,
}


def render(text: str) -> str:
    """The page with every generated part as the registry says it should be."""
    for name, make in GENERATED.items():
        pattern = re.compile(rf"(<!-- begin {name} -->\n).*?(<!-- end {name} -->)", re.DOTALL)
        text, count = pattern.subn(_filler(make), text)
        if count != 1:
            raise ValueError(f"{DOC}: expected one <!-- begin {name} --> part, found {count}")
    return text


def _filler(make: Callable[[], str]) -> Callable[[re.Match[str]], str]:
    def fill(m: re.Match[str]) -> str:
        return m.group(1) + make() + m.group(2)

    return fill


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def codes(result: Result) -> list[str]:
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return [d["code"] for d in data]


@pytest.fixture(autouse=True)
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # A repository of its own, so that no configuration above the test's folder applies.
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "Dockerfile", DOCKERFILE)
    return tmp_path


# The map


def test_every_mapped_code_is_spelled_as_hadolint_spells_it() -> None:
    for rule in registry.all_rules():
        for dl in rule.meta.hadolint:
            assert registry.is_hadolint_code(dl), f"{rule.code}: {dl!r} is not a DL code"
    assert registry.by_hadolint()["DL3025"] == ("DJ001",)


def test_pragmas_and_selectors_share_one_map() -> None:
    assert _hadolint_map() is registry.by_hadolint()


# The documentation


def test_hadolint_page_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert render(text) == text, f"{DOC} is stale; run: python -m tests.test_hadolint_codes"


def test_hadolint_page_lists_every_mapped_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    for dl, r in _pairs():
        assert f"| [{dl}]({WIKI}{dl}) | [{r.code}](../rules/{r.code}.md) |" in text
        assert f"  - {dl}  # " in text


# The command line


def test_the_dockerfile_has_one_finding_per_rule() -> None:
    result = run("check", "--format", "json", "Dockerfile")
    assert result.exit_code == 1, result.output
    assert codes(result) == ["DJ064", "DJ001"]


def test_select_a_hadolint_code() -> None:
    result = run("check", "--format", "json", "--select", "DL3025", "Dockerfile")
    assert result.exit_code == 1, result.output
    assert codes(result) == ["DJ001"]


def test_select_several_hadolint_codes_mixed_with_ours() -> None:
    result = run("check", "--format", "json", "--select", "dl3025,DJ064", "Dockerfile")
    assert codes(result) == ["DJ064", "DJ001"]


def test_ignore_a_hadolint_code() -> None:
    result = run("check", "--format", "json", "--ignore", "DL3025", "Dockerfile")
    assert result.exit_code == 1, result.output
    assert codes(result) == ["DJ064"]


def test_ignore_a_hadolint_code_written_in_lower_case() -> None:
    result = run("check", "--format", "json", "--ignore", "dl3000", "Dockerfile")
    assert codes(result) == ["DJ001"]


def test_a_hadolint_code_is_as_specific_as_a_rule_code() -> None:
    # The prefix drops DJ001, the hadolint code that names it brings it back, whatever the order.
    for args in (
        ("--ignore", "DJ0", "--extend-select", "DL3025"),
        ("--extend-select", "DL3025", "--ignore", "DJ0"),
    ):
        result = run("check", "--format", "json", *args, "Dockerfile")
        assert codes(result) == ["DJ001"], args
    # On a tie with a rule code, ignore wins, as it does between two rule codes.
    result = run(
        "check", "--format", "json", "--extend-select", "DJ001", "--ignore", "DL3025", "Dockerfile"
    )
    assert codes(result) == ["DJ064"]


def test_ignore_an_uncovered_hadolint_code_ignores_nothing() -> None:
    result = run("check", "--format", "json", "--ignore", "DL3008", "Dockerfile")
    assert result.exit_code == 1, result.output
    assert result.stderr == ""
    assert codes(result) == ["DJ064", "DJ001"]


def test_select_an_uncovered_hadolint_code_selects_nothing() -> None:
    result = run("check", "--format", "json", "--select", "DL3008", "Dockerfile")
    assert result.exit_code == 0, result.output
    # Said, so that a selection that checks nothing is not taken for a clean file.
    assert "no rule is selected" in result.stderr
    assert codes(result) == []
    result = run("check", "--format", "json", "--select", "DL3008,DL3025", "Dockerfile")
    assert codes(result) == ["DJ001"]


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
@pytest.mark.parametrize("malformed", ["DL302", "DL30250", "DLX3025"])
def test_a_malformed_hadolint_code_is_an_error(option: str, malformed: str) -> None:
    result = run("check", option, malformed, "Dockerfile")
    assert result.exit_code == 2
    key = option.removeprefix("--")
    assert result.stderr == (
        f"dockerlint-django: error: {key}: unknown rule code, prefix or name {malformed!r}\n"
    )


def test_fix_takes_hadolint_codes() -> None:
    result = run("fix", "--select", "DL3025", "Dockerfile")
    assert result.exit_code in (0, 1), result.output
    text = Path("Dockerfile").read_text(encoding="utf-8")
    assert 'CMD ["gunicorn", "core.wsgi"' in text  # DJ001's fix
    assert "WORKDIR app\n" in text  # DJ064 was not selected


def test_hadolint_pragma_still_silences_the_refining_rule() -> None:
    write(Path("Dockerfile"), DOCKERFILE.replace("CMD ", "# hadolint ignore=DL3025\nCMD "))
    result = run("check", "--format", "json", "--extend-select", "DJ901", "Dockerfile")
    assert codes(result) == ["DJ064"]


# Configuration files


def test_config_ignore(project: Path) -> None:
    write(project / ".dockerlint-django.yaml", "ignore: [DL3025]\n")
    assert codes(run("check", "--format", "json", "Dockerfile")) == ["DJ064"]


def test_config_ignore_in_pyproject(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.dockerlint-django]\nignore = ["DL3000"]\n')
    assert codes(run("check", "--format", "json", "Dockerfile")) == ["DJ001"]


def test_config_select_and_extend_select(project: Path) -> None:
    write(project / ".dockerlint-django.yaml", "select: [DL3025]\n")
    assert codes(run("check", "--format", "json", "Dockerfile")) == ["DJ001"]
    write(project / ".dockerlint-django.yaml", "ignore: [DJ]\nextend-select: [DL3000]\n")
    assert codes(run("check", "--format", "json", "Dockerfile")) == ["DJ064"]


def test_config_per_file_ignores(project: Path) -> None:
    write(project / ".dockerlint-django.yaml", "per-file-ignores:\n  Dockerfile: [DL3025]\n")
    write(project / "other" / "Dockerfile.web", DOCKERFILE)
    result = run("check", "--format", "json", "Dockerfile", "other/Dockerfile.web")
    data = json.loads(result.stdout)
    assert [(d["filename"], d["code"]) for d in data] == [
        ("Dockerfile", "DJ064"),
        ("other/Dockerfile.web", "DJ064"),
        ("other/Dockerfile.web", "DJ001"),
    ]


def test_config_severity(project: Path) -> None:
    write(project / ".dockerlint-django.yaml", "severity:\n  DL3025: info\n")
    result = run("check", "--format", "json", "Dockerfile")
    data = json.loads(result.stdout)
    assert [(d["code"], d["severity"]) for d in data] == [("DJ064", "error"), ("DJ001", "info")]


def test_config_with_a_hadolint_list_copied_over(project: Path) -> None:
    # A hadolint `ignored:` list names codes no rule refines: they are accepted, not errors.
    write(project / ".dockerlint-django.yaml", "ignore: [DL3008, DL3013, DL3025, DL4006]\n")
    result = run("check", "--format", "json", "Dockerfile")
    assert result.stderr == ""
    assert codes(result) == ["DJ064"]


def test_config_with_a_malformed_hadolint_code(project: Path) -> None:
    config = write(project / ".dockerlint-django.yaml", "ignore: [DL325]\n")
    result = run("check", "Dockerfile")
    assert result.exit_code == 2
    assert result.stderr == (
        f"dockerlint-django: error: {config}: ignore: unknown rule code, prefix or name 'DL325'\n"
    )


# rule DL3025


def test_rule_names_the_refining_rules() -> None:
    result = run("rule", "DL3025")
    assert result.exit_code == 0
    assert result.stdout == (
        "hadolint's DL3025 is refined by:\n"
        "DJ001  shell-form-server-command  "
        "The server is started in shell form, so it never receives SIGTERM.\n"
    )
    assert run("rule", "dl3025").stdout == result.stdout


def test_rule_json_for_a_hadolint_code() -> None:
    result = run("rule", "DL3002", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "hadolint": "DL3002",
        "rules": [
            {
                "code": "DJ030",
                "name": "final-stage-runs-as-root",
                "summary": registry.get("DJ030").meta.summary,
            }
        ],
    }


def test_rule_for_an_uncovered_hadolint_code() -> None:
    result = run("rule", "DL3008")
    assert result.exit_code == 0
    assert result.stdout == (
        "No dockerlint-django rule refines hadolint's DL3008; only hadolint reports it.\n"
    )
    result = run("rule", "DL3008", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"hadolint": "DL3008", "rules": []}


def test_rule_for_a_malformed_code() -> None:
    result = run("rule", "DL302")
    assert result.exit_code == 2
    assert result.stderr == (
        "dockerlint-django: error: unknown rule 'DL302'; "
        "`dockerlint-django rule --all` lists them\n"
    )


def test_rule_json_lists_hadolint_codes() -> None:
    listed = {
        d["code"]: d["hadolint"]
        for d in json.loads(run("rule", "--all", "--format", "json").stdout)
    }
    assert listed == {r.code: list(r.meta.hadolint) for r in registry.all_rules()}
    assert listed["DJ001"] == ["DL3025"]
    assert listed["DJ011"] == []
    one = json.loads(run("rule", "DJ001", "--format", "json").stdout)
    assert one["hadolint"] == ["DL3025"]


if __name__ == "__main__":
    DOC.write_text(render(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {DOC}")


def test_our_own_pragma_takes_hadolint_codes(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11\nRUN useradd --no-log-init -r app\nUSER app\n"
        "# dockerlint-django: ignore=DL3025\nCMD gunicorn app.wsgi\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(cli, ["check", "--select", "DJ001,DJ901", "--format", "json"])
    assert [d["code"] for d in json.loads(res.stdout)] == []
    (tmp_path / "Dockerfile").write_text(
        'FROM python:3.11\n# dockerlint-django: ignore=DL3008\nCMD ["true"]\n', encoding="utf-8"
    )
    res = CliRunner().invoke(cli, ["check", "--select", "DJ901", "--format", "json"])
    [finding] = json.loads(res.stdout)
    assert "DL3008 is a hadolint code no rule refines" in finding["message"]
