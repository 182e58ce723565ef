"""Rego policies (``policy-files:``): Conftest's document, our facts, codes, places and errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dockerlint_django import engine
from dockerlint_django.analysis import Analysis
from dockerlint_django.cli import cli
from dockerlint_django.config import ConfigError, from_mapping
from dockerlint_django.engine import Options, build_analysis
from dockerlint_django.policy import rego
from dockerlint_django.source import SourceFile
from dockerlint_django.testing import ProjectFinding, config_for, lint_project
from tests.conftest import corpus_file, corpus_rows

pytest.importorskip("regopy")

CONFIG = "policy-files: [policy/*.rego]\n"

# Written as a Conftest user writes one (Rego v1, package main, rule names with suffixes).
CONFTEST_POLICY = """package main

import rego.v1

denied := ["openjdk", "node"]

deny contains msg if {
  some i
  input[i].Cmd == "from"
  image := input[i].Value[0]
  some name in denied
  startswith(image, name)
  msg := sprintf("image %s is not allowed", [image])
}

deny_latest contains msg if {
  some i
  input[i].Cmd == "from"
  endswith(input[i].Value[0], ":latest")
  msg := "no latest tag"
}

warn contains msg if {
  some i
  input[i].Cmd == "run"
  contains(input[i].Value[0], "apt-get upgrade")
  msg := "apt-get upgrade in a RUN"
}
"""

# The same rules in Rego v0, as older Conftest policies are written.
CONFTEST_V0 = """package main

deny[msg] {
  input[i].Cmd == "from"
  startswith(input[i].Value[0], "openjdk")
  msg := sprintf("image %s is not allowed", [input[i].Value[0]])
}

warn[{"msg": "apt-get upgrade in a RUN", "instruction": i}] {
  input[i].Cmd == "run"
  contains(input[i].Value[0], "apt-get upgrade")
}
"""

DOCKERFILE = """\
# builder
FROM node:20 AS assets
RUN npm ci

FROM python:latest
RUN apt-get update && apt-get upgrade -y
CMD ["gunicorn", "--workers", "4", "app.wsgi"]
"""


def _lint(
    policy: str, dockerfile: str = DOCKERFILE, codes: tuple[str, ...] = ("REGO001",), **files: str
) -> list[ProjectFinding]:
    project = {
        ".dockerlint-django.yaml": CONFIG,
        "policy/p.rego": policy,
        "Dockerfile": dockerfile,
        **files,
    }
    return [f for f in lint_project(project, codes) if f.code in codes]


def _at(found: list[ProjectFinding]) -> list[tuple[str, str, int, str, str]]:
    return sorted((f.path, f.code, f.line, f.severity, f.message) for f in found)


def _analysis(text: str, path: Path | None = None) -> Analysis:
    source = SourceFile.from_text(str(path or "Dockerfile"), text)
    parsed = engine.parse_dockerfile(source)[0]
    assert parsed is not None
    return build_analysis(source, parsed, Options(config_for(["DJ001"])), path)


# Conftest's document


def _oracle_commands(text: str) -> list[dict[str, Any]]:
    """What Conftest builds, from BuildKit's own parse (PyPI ``dockerfile``), comments aside."""
    import dockerfile

    out = []
    stage = -1
    for cmd in dockerfile.parse_string(text):
        if cmd.cmd.lower() == "from":
            stage += 1
        out.append(
            {
                "Cmd": cmd.cmd.lower(),
                "SubCmd": cmd.sub_cmd or "",
                "JSON": cmd.json,
                "Flags": list(cmd.flags),
                "Value": list(cmd.value) or None,
                "Stage": max(stage, 0),
            }
        )
    return out


CORPUS = [r["local_file"] for r in corpus_rows("dockerfile")]


@pytest.mark.parametrize("local", CORPUS)
def test_conftest_document_is_what_conftest_builds_from_buildkit(local: str) -> None:
    import dockerfile

    text = corpus_file(local).read_bytes().decode("utf-8", "replace")
    try:
        # A template's placeholders are masked before it is parsed (engine.parse_dockerfile), so
        # policies see what the rules see: BuildKit is asked about that same text.
        expected = _oracle_commands(engine._mask_placeholders(text))
    except dockerfile.GoParseError:
        pytest.skip("BuildKit does not parse it")
    document = rego.conftest_input(_analysis(text))
    assert [c for c in document if c["Cmd"] != "comment"] == expected


def test_comments_above_an_instruction_are_commands_of_their_own() -> None:
    document = rego.conftest_input(_analysis("# one\n#\n# two\nFROM a\n\n# three\nFROM b\n"))
    comments = [(c["Value"], c["Stage"], c["Flags"]) for c in document if c["Cmd"] == "comment"]
    # An empty comment line starts the block afresh, as BuildKit's PrevComment does.
    assert comments == [(["two"], 0, None), (["three"], 1, None)]


# Running policies


def test_a_conftest_policy_runs_unchanged() -> None:
    found = _lint(CONFTEST_POLICY)
    assert _at(found) == [
        ("Dockerfile", "REGO001", 2, "error", "image node:20 is not allowed"),
        ("Dockerfile", "REGO001", 2, "error", "no latest tag"),
        ("Dockerfile", "REGO001", 2, "warning", "apt-get upgrade in a RUN"),
    ]


def test_a_rego_v0_policy_runs_too() -> None:
    found = _lint(CONFTEST_V0, DOCKERFILE.replace("node:20", "openjdk:21"))
    assert _at(found) == [
        ("Dockerfile", "REGO001", 2, "error", "image openjdk:21 is not allowed"),
        ("Dockerfile", "REGO001", 6, "warning", "apt-get upgrade in a RUN"),
    ]


def test_metadata_gives_codes_and_titles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = """# METADATA
# title: Our base-image rules
# custom:
#   id: ORG100
package main

import rego.v1

deny contains "from the package's code" if { true }

# METADATA
# title: No root
# custom:
#   id: ORG200
deny_root contains "a rule's own code" if { true }
"""
    assert _at(_lint(policy, codes=("ORG100", "ORG200"))) == [
        ("Dockerfile", "ORG100", 2, "error", "from the package's code"),
        ("Dockerfile", "ORG200", 2, "error", "a rule's own code"),
    ]
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    Path(".dockerlint-django.yaml").write_text(CONFIG)
    Path("policy").mkdir()
    Path("policy/p.rego").write_text(policy)
    Path("Dockerfile").write_text(DOCKERFILE)
    shown = runner.invoke(cli, ["rule", "ORG200"])
    assert "No root" in shown.output
    sarif = json.loads(runner.invoke(cli, ["check", "--format", "sarif", "."]).output)
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["ORG200"]["shortDescription"]["text"] == "No root"


def test_results_place_themselves() -> None:
    policy = """package main

import rego.v1

deny contains {"msg": "by instruction", "instruction": i} if {
  some i
  input[i].Cmd == "cmd"
}

deny contains {"msg": "by line", "line": 3} if { true }

deny contains {"msg": "by a fact's line", "line": s.line} if {
  s := data.dockerlint.stages[_]
  s.final
}

deny contains {"msg": "by the place of input[i]", "line": data.dockerlint.instructions[i].line} if {
  some i
  input[i].Cmd == "comment"
}
"""
    assert _at(_lint(policy)) == [
        ("Dockerfile", "REGO001", 1, "error", "by the place of input[i]"),
        ("Dockerfile", "REGO001", 3, "error", "by line"),
        ("Dockerfile", "REGO001", 5, "error", "by a fact's line"),
        ("Dockerfile", "REGO001", 7, "error", "by instruction"),
    ]


def test_facts_name_the_server_gunicorn_settings_and_users() -> None:
    policy = """package main

import rego.v1

deny contains sprintf("%s runs %s with %v workers (%s)", [
  data.dockerlint.file,
  data.dockerlint.start.server,
  w.value,
  w.layer,
]) if {
  w := data.dockerlint.gunicorn.workers
}

deny contains sprintf("final user %v", [s.user]) if {
  s := data.dockerlint.stages[_]
  s.final
}
"""
    dockerfile = DOCKERFILE.replace('CMD ["gunicorn"', 'USER app\nCMD ["gunicorn"')
    assert [f.message for f in _lint(policy, dockerfile)] == [
        "Dockerfile runs gunicorn with 4 workers (cli)",
        "final user app",
    ]


def test_a_service_result_lands_in_the_compose_file() -> None:
    policy = """package main

import rego.v1

# METADATA
# custom:
#   id: ORG300
deny_service contains {"msg": msg, "file": s.file, "line": s.user_at.line} if {
  s := data.dockerlint.service
  s.user == "root"
  msg := sprintf("service %s runs as root with %v", [s.name, s.command])
}
"""
    compose = (
        'services:\n  web:\n    build: .\n    command: ["gunicorn", "app.wsgi"]\n    user: root\n'
    )
    found = _lint(policy, codes=("ORG300",), **{"compose.yaml": compose})
    assert _at(found) == [
        (
            "compose.yaml",
            "ORG300",
            5,
            "error",
            'service web runs as root with ["gunicorn", "app.wsgi"]',
        )
    ]


# Over a Compose project (policy-compose-namespaces)

COMPOSE_POLICY = """package compose

import rego.v1

# METADATA
# custom:
#   id: ORG310
deny_privileged contains {"msg": sprintf("%s is privileged", [name]), "service": name} if {
  some name, svc in input.services
  svc.privileged
}

# METADATA
# custom:
#   id: ORG311
deny_ports contains result if {
  some name, svc in input.services
  some i, port in svc.ports
  not port.host_ip
  result := {
    "msg": sprintf("%s publishes %s on every interface", [name, port.published]),
    "service": name,
    "line": data.dockerlint.services[name].ports[i].line,
  }
}

# METADATA
# custom:
#   id: ORG312
warn_project contains msg if {
  data.dockerlint.document == "compose"
  msg := sprintf("project %s has %d services", [data.dockerlint.project, count(input.services)])
}
"""

COMPOSE = """\
name: shop
services:
  db:
    image: postgres:${PG:-16}
    privileged: true
  web:
    image: nginx
    ports:
      - "8080:80"
      - "127.0.0.1:8443:443"
"""

COMPOSE_CONFIG = "policy-files: [policy/*.rego]\npolicy-compose-namespaces: [compose]\n"


def _lint_compose(
    policy: str, config: str = COMPOSE_CONFIG, codes: tuple[str, ...] = ("REGO001",)
) -> list[tuple[str, str, int, str, str]]:
    project = {
        ".dockerlint-django.yaml": config,
        "policy/p.rego": policy,
        "compose.yaml": COMPOSE,
    }
    return _at([f for f in lint_project(project, codes) if f.code in codes])


def test_a_compose_policy_reads_the_project_as_compose_config_prints_it() -> None:
    # Ports in their long form, variables interpolated; each result reported once, at the
    # service it names, the line it gives, or the first line when it names neither.
    assert _lint_compose(COMPOSE_POLICY, codes=("ORG310", "ORG311", "ORG312")) == [
        ("compose.yaml", "ORG310", 3, "error", "db is privileged"),
        ("compose.yaml", "ORG311", 9, "error", "web publishes 8080 on every interface"),
        ("compose.yaml", "ORG312", 1, "warning", "project shop has 2 services"),
    ]


def test_compose_facts_name_each_service_key_and_port(tmp_path: Path) -> None:
    from dockerlint_django.compose.loader import LoadOptions, load_project

    (tmp_path / "compose.yaml").write_text(COMPOSE)
    (tmp_path / "compose.override.yaml").write_text("services:\n  web:\n    read_only: true\n")
    (tmp_path / ".env").write_text("TAG=1\n")
    project = load_project(LoadOptions(working_dir=tmp_path))
    known = rego.compose_facts(project)
    # Both files Compose merged, the env file it read left out.
    assert [Path(f).name for f in known["files"]] == ["compose.yaml", "compose.override.yaml"]
    db, web = known["services"]["db"], known["services"]["web"]
    assert (known["document"], known["project"]) == ("compose", "shop")
    # A value a deployment may set (from an unset variable) is not known, so not a fact.
    assert (db["image"], web["image"]) == (None, "nginx")
    assert (db["line"], db["keys"]["privileged"]["line"]) == (3, 5)
    assert [(p["published"], p["host_ip"], p["line"]) for p in web["ports"]] == [
        ("8080", None, 9),
        ("8443", "127.0.0.1", 10),
    ]
    assert rego.compose_input(project)["services"]["web"]["ports"][0]["target"] == 80


def test_compose_projects_run_no_namespace_unless_named() -> None:
    # A Dockerfile policy that requires an instruction would find none in a Compose project.
    dockerfile_policy = """package main

import rego.v1

deny contains "no HEALTHCHECK" if {
  not any_healthcheck
}

any_healthcheck if {
  some i
  input[i].Cmd == "healthcheck"
}
"""
    assert _lint_compose(dockerfile_policy, CONFIG) == []
    both = CONFIG + "policy-compose-namespaces: [main]\n"
    assert _lint_compose(dockerfile_policy, both) == [
        ("compose.yaml", "REGO001", 1, "error", "no HEALTHCHECK")
    ]


def test_a_compose_namespace_must_be_a_package_name(tmp_path: Path) -> None:
    path = _written(tmp_path, {"p.rego": COMPOSE_POLICY})
    with pytest.raises(ConfigError, match="policy-compose-namespaces: 'a b' is not a Rego"):
        from_mapping({"policy-files": ["p.rego"], "policy-compose-namespaces": ["a b"]}, path)


def test_strings_keep_quotes_backslashes_and_unicode() -> None:
    policy = r"""package main

import rego.v1

deny contains sprintf("label %s: \"%s\"", [input[i].Value[0], input[i].Value[1]]) if {
  some i
  input[i].Cmd == "label"
}

deny contains "caf\u00e9 \\ tab\tend" if { true }
"""
    dockerfile = 'FROM python:3.12\nLABEL note="say \\"hi\\" \\\\ é"\n'
    value = rego.conftest_input(_analysis(dockerfile))[1]["Value"][1]
    assert '\\"hi\\"' in value  # BuildKit keeps a LABEL's quotes and escapes
    assert sorted(f.message for f in _lint(policy, dockerfile)) == [
        "café \\ tab\tend",
        f'label note: "{value}"',
    ]


def test_a_finding_is_suppressed_and_ignored_by_its_code(tmp_path: Path) -> None:
    policy = 'package main\n\nimport rego.v1\n\ndeny contains "no" if { true }\n'
    dockerfile = "# dockerlint-django: ignore=REGO001\nFROM python:3.12\n"
    assert _lint(policy, dockerfile) == []
    config = from_mapping(
        {"policy-files": ["p.rego"], "ignore": ["REGO001"]},
        _written(tmp_path, {"p.rego": policy}),
    )
    assert "REGO001" not in config.enabled_codes()


def test_namespaces_choose_the_packages(tmp_path: Path) -> None:
    other = 'package org.images\n\nimport rego.v1\n\ndeny contains "org" if { true }\n'
    files = {"policy/p.rego": other}
    assert (
        from_mapping({"policy-files": ["p.rego"]}, _written(tmp_path, {"p.rego": other})).policy
        == ()
    )
    project = {
        ".dockerlint-django.yaml": CONFIG + "policy-namespaces: [main, org.images]\n",
        "Dockerfile": DOCKERFILE,
        **files,
    }
    assert [f.message for f in lint_project(project, ["REGO001"]) if f.code == "REGO001"] == ["org"]


def test_jobs_give_the_same_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    Path(".dockerlint-django.yaml").write_text(CONFIG)
    Path("policy").mkdir()
    Path("policy/p.rego").write_text(CONFTEST_POLICY)
    # Enough files for worker processes (cli._jobs.MIN_FILES_FORKED), which receive the
    # configuration pickled and make its policy's rules again.
    for i in range(20):
        Path(f"d{i}").mkdir()
        Path(f"d{i}/Dockerfile").write_text(DOCKERFILE)
    one = runner.invoke(cli, ["check", "--jobs", "1", "--format", "json", "."]).output
    two = runner.invoke(cli, ["check", "--jobs", "2", "--format", "json", "."]).output
    assert one == two
    assert json.loads(one) and "REGO001" in one


# Errors


def _written(root: Path, files: dict[str, str | bytes]) -> Path:
    """The files under ``root``; the path of a configuration file beside them."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        (root / name).write_bytes(data)
    return root / ".dockerlint-django.yaml"


@pytest.mark.parametrize(
    ("files", "error"),
    [
        ({}, "policy-files: 'p.rego' matches no file"),
        ({"p.rego": "deny contains 1 if { true }\n"}, "p.rego: no package declaration"),
        (
            {"p.rego": "package main\ndeny contains msg if {\n  msg := \n}\n"},
            "p.rego:3:7: Invalid assignment operator",
        ),
        (
            {
                "p.rego": 'package main\nd := ["a"]\n'
                'deny contains m if {\n  contains("x", d[_])\n}\n'
            },
            "data.main.deny: p.rego:4:19: Invalid bracket argument",
        ),
        (
            {"p.rego": "# METADATA\n# custom:\n#   id: DJ001\npackage main\n"},
            "p.rego:4: custom.id 'DJ001': expected capitals then digits",
        ),
        ({"p.rego": b"package main\n\xff\n"}, "p.rego: not valid UTF-8 (byte 13)"),
    ],
)
def test_a_bad_policy_is_a_configuration_error_naming_the_file(
    files: dict[str, str | bytes], error: str, tmp_path: Path
) -> None:
    path = _written(tmp_path, files)
    with pytest.raises(ConfigError) as exc:
        from_mapping({"policy-files": ["p.rego"]}, path)
    assert str(exc.value).startswith(f"{path}: policy-files: ")
    assert error in str(exc.value)


def test_a_code_may_not_be_a_policy_entrys(tmp_path: Path) -> None:
    policy = (
        "# METADATA\n# custom:\n#   id: ORG001\npackage main\n\n"
        "import rego.v1\n\ndeny contains 1 if { true }\n"
    )
    entry = {"id": "ORG001", "kind": "user", "message": "m", "non-root": True}
    with pytest.raises(ConfigError, match="ORG001 is already the code of a policy entry"):
        from_mapping(
            {"policy": [entry], "policy-files": ["p.rego"]}, _written(tmp_path, {"p.rego": policy})
        )


def test_without_regopy_the_error_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "regopy", None)
    path = _written(tmp_path, {"p.rego": CONFTEST_POLICY})
    with pytest.raises(ConfigError) as exc:
        from_mapping({"policy-files": ["p.rego"]}, path)
    assert str(exc.value) == (
        f"{path}: policy-files: Rego policies need the Rego interpreter: "
        'pip install "dockerlint-django[rego]"'
    )
    # A configuration without policy files never needs it.
    assert from_mapping({"policy-namespaces": ["main"]}, path).policy == ()


def test_without_regopy_check_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "regopy", None)
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    Path(".dockerlint-django.yaml").write_text("policy-files: [p.rego]\n")
    Path("p.rego").write_text(CONFTEST_POLICY)
    Path("Dockerfile").write_text(DOCKERFILE)
    result = runner.invoke(cli, ["check", "Dockerfile"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert 'pip install "dockerlint-django[rego]"' in result.output


def test_rego_decoding_undoes_rego_cpp_escapes() -> None:
    import base64

    def enc(s: str) -> str:
        return base64.b64encode(s.encode()).decode()

    assert rego._decode(enc('a \\"b\\" \\\\ \\u00e9 \\n')) == 'a "b" \\ é \n'
    assert rego._decode(enc('raw "quote" kept')) == 'raw "quote" kept'
    assert rego._decode(enc("\\ud83d\\ude00")) == "\U0001f600"
    assert rego._decode(enc("lone \\q")) == "lone \\q"


def _docs_example(package: str) -> str:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "policy.md").read_text()
    blocks = [b.split("```", 1)[0] for b in docs.split("```rego\n")[1:]]
    return next(b for b in blocks if package in b)


def test_the_compose_docs_example_runs() -> None:
    assert _lint_compose(_docs_example("package compose")) == [
        ("compose.yaml", "REGO001", 9, "error", "web publishes 8080 on every interface")
    ]


def test_the_docs_example_runs() -> None:
    policy = _docs_example("package main")
    dockerfile = (
        "FROM registry.example.org/python:3.12 AS build\n"
        "FROM python:3.12-slim\n"
        "COPY --from=build /x /x\n"
        'CMD ["gunicorn", "--workers", "1", "app.wsgi"]\n'
    )
    found = _lint(policy, dockerfile, codes=("ORG200", "ORG201"))
    assert _at(found) == [
        ("Dockerfile", "ORG200", 2, "error", "python:3.12-slim is not from registry.example.org"),
        ("Dockerfile", "ORG201", 4, "error", "one Gunicorn worker"),
    ]
