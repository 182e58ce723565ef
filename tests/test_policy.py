"""The configuration's ``policy:`` entries: each an organisation's rule, reported like ours."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dockerlint_django.cli import cli
from dockerlint_django.config import ConfigError, from_mapping
from dockerlint_django.policy.kinds import Globs
from dockerlint_django.rules._base import Context, Violation
from dockerlint_django.testing import ProjectFinding, lint_project


def _findings(entries: list[dict[str, Any]], dockerfile: str, **files: str) -> list[ProjectFinding]:
    config = yaml.safe_dump({"policy": entries})
    project = {".dockerlint-django.yaml": config, "Dockerfile": dockerfile, **files}
    codes = [e["id"] for e in entries]
    return [f for f in lint_project(project, codes) if f.code in codes]


def _at(found: list[ProjectFinding]) -> list[tuple[str, int, int]]:
    return [(f.code, f.line, f.column) for f in found]


def _entry(kind: str, **keys: Any) -> dict[str, Any]:
    return {"id": "ORG001", "kind": kind, "message": "Our rule", **keys}


# Reading the entries


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        ({"kind": "user", "message": "m"}, "policy[0].id: expected letters then digits"),
        (_entry("nothing"), "policy[0] (ORG001).kind: expected one of arg, base-image"),
        (_entry("user", colour="red"), "policy[0] (ORG001).colour: unknown key for kind user"),
        (_entry("env", patterns={"X": "("}), "policy[0] (ORG001).patterns.X: not a regular"),
        (_entry("user", severity="fatal"), "policy[0] (ORG001).severity:"),
        (_entry("user", help="wiki/page"), "policy[0] (ORG001).help: expected an http(s) URL"),
        (_entry("user", files=[1]), "policy[0] (ORG001).files: expected a glob"),
        (_entry("python-version", minimum=3.12), "(ORG001).minimum: expected a version"),
        (_entry("instruction", forbidden=["MAINTAINERS"]), "MAINTAINERS is not a Dockerfile"),
        (_entry("command", forbidden=["curl |"]), "(ORG001).forbidden: 'curl |': expected"),
        ({**_entry("user"), "id": "DJ999"}, "DJ codes are reserved"),
        ({**_entry("user"), "message": ""}, "(ORG001).message: expected the text"),
    ],
)
def test_a_bad_entry_names_the_file_the_entry_and_the_key(
    entry: dict[str, Any], error: str
) -> None:
    with pytest.raises(ConfigError) as exc:
        from_mapping({"policy": [entry]}, Path("/repo/.dockerlint-django.yaml"))
    assert str(exc.value).startswith("/repo/.dockerlint-django.yaml: ")
    assert error in str(exc.value)


def test_ids_are_unique_and_not_ours() -> None:
    with pytest.raises(ConfigError, match="ORG001 is used by an earlier entry"):
        from_mapping({"policy": [_entry("user"), _entry("user")]}, None)
    with pytest.raises(ConfigError, match="expected a list of entries"):
        from_mapping({"policy": {"id": "ORG001"}}, None)


def test_select_and_ignore_know_the_ids() -> None:
    config = from_mapping({"policy": [_entry("user", **{"non-root": True})]}, None)
    assert "ORG001" in config.enabled_codes()
    ignored = from_mapping({"policy": [_entry("user")], "ignore": ["ORG001"]}, None)
    assert "ORG001" not in ignored.enabled_codes()
    selected = from_mapping({"policy": [_entry("user")], "select": ["DJ030"]}, None)
    assert "ORG001" not in selected.enabled_codes()
    # A configuration names only its own entries: another id there is a mistake.
    with pytest.raises(ConfigError, match="unknown rule code"):
        from_mapping({"policy": [_entry("user")], "ignore": ["ORG002"]}, None)
    with pytest.raises(ConfigError, match="unknown rule code"):
        from_mapping({"ignore": ["DJ999"]}, None)
    everything = from_mapping({"policy": [_entry("user")], "select": ["ALL"]}, None)
    assert "ORG001" in everything.enabled_codes()


# The kinds


def test_base_image_allow_deny_digest_latest() -> None:
    text = (
        "FROM python:3.12 AS build\n"
        "FROM registry.example.org/python:3.12\n"
        "COPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/uv\n"
        "COPY --from=build /a /a\n"
        "RUN --mount=type=bind,from=alpine,target=/x true\n"
    )
    allowed = _findings([_entry("base-image", allow=["registry.example.org/*"])], text)
    assert _at(allowed) == [("ORG001", 1, 6), ("ORG001", 3, 13), ("ORG001", 5, 28)]
    denied = _findings([_entry("base-image", deny=["docker.io/library/*"])], text)
    assert _at(denied) == [("ORG001", 1, 6), ("ORG001", 5, 28)]
    latest = _findings([_entry("base-image", **{"forbid-latest": True})], text)
    assert _at(latest) == [("ORG001", 3, 13), ("ORG001", 5, 28)]
    pinned = _findings(
        [_entry("base-image", **{"require-digest": True})],
        "FROM python:3.12@sha256:" + "a" * 64 + "\n",
    )
    assert pinned == []


def test_base_image_from_an_unknown_variable_is_unknown() -> None:
    text = "ARG BASE\nFROM ${BASE}\n"
    assert _findings([_entry("base-image", allow=["registry.example.org/*"])], text) == []


def test_label_required_and_patterns() -> None:
    entry = _entry(
        "label",
        required=["org.opencontainers.image.source"],
        patterns={"org.opencontainers.image.version": r"\d+\.\d+\.\d+"},
    )
    bad = 'FROM python:3.12\nLABEL org.opencontainers.image.version="latest"\n'
    found = _findings([entry], bad)
    assert _at(found) == [("ORG001", 1, 6), ("ORG001", 2, 40)]
    assert "org.opencontainers.image.source" in found[0].message
    good = (
        "FROM python:3.12\n"
        "LABEL org.opencontainers.image.source=https://example.org/app \\\n"
        "      org.opencontainers.image.version=1.2.3\n"
    )
    assert _findings([entry], good) == []
    # A label whose name cannot be known may be the one asked for.
    assert _findings([entry], "FROM python:3.12\nARG K\nLABEL ${K}=x\n") == []


def test_labels_of_a_parent_stage_count() -> None:
    entry = _entry("label", required=["oci"])
    labels = " ".join(
        f"org.opencontainers.image.{k}=x"
        for k in ("source", "revision", "version", "created", "title", "description", "licenses")
    )
    text = f"FROM python:3.12 AS base\nLABEL {labels}\nFROM base\n"
    assert _findings([entry], text) == []


def test_env_and_arg() -> None:
    env = _entry("env", forbidden=["*PASSWORD*"], required=["DJANGO_ENV"])
    found = _findings([env], "FROM python:3.12\nENV DB_PASSWORD=x LANG=C\n")
    assert _at(found) == [("ORG001", 1, 6), ("ORG001", 2, 5)]
    assert _findings([env], "FROM python:3.12\nENV DJANGO_ENV=production\n") == []
    arg = _entry("arg", patterns={"PYTHON": r"3\.1[2-9]"})
    assert _at(_findings([arg], "ARG PYTHON=3.11\nFROM python:${PYTHON}\n")) == [("ORG001", 1, 5)]
    assert _findings([arg], "ARG PYTHON=3.12\nFROM python:${PYTHON}\n") == []


def test_instruction_forbidden_required_and_add_urls() -> None:
    entry = _entry(
        "instruction",
        forbidden=["MAINTAINER"],
        required=["HEALTHCHECK"],
        **{"forbid-add-url": True},
    )
    text = "FROM python:3.12\nMAINTAINER me\nADD https://example.org/a.tgz /a\nADD b.tgz /b\n"
    assert _at(_findings([entry], text)) == [("ORG001", 1, 6), ("ORG001", 2, 1), ("ORG001", 3, 5)]
    ok = "FROM python:3.12\nHEALTHCHECK CMD true\n"
    assert _findings([entry], ok) == []


def test_user() -> None:
    root = _entry("user", **{"non-root": True})
    assert _at(_findings([root], "FROM python:3.12\n")) == [("ORG001", 1, 6)]
    assert _at(_findings([root], "FROM python:3.12\nUSER root\n")) == [("ORG001", 2, 6)]
    assert _findings([root], "FROM python:3.12\nRUN useradd app\nUSER app\n") == []
    named = _entry("user", name="runner")
    assert _at(_findings([named], "FROM python:3.12\nUSER app:app\n")) == [("ORG001", 2, 6)]
    assert _findings([named], "FROM python:3.12\nUSER runner:runner\n") == []
    assert _findings([root], "FROM python:3.12\nARG U\nUSER ${U}\n") == []


def test_entries_of_one_kind_each_report_their_own() -> None:
    # The engine checks an image once for every entry of a kind: each keeps its own findings.
    root = {**_entry("user", **{"non-root": True}), "id": "ORG001"}
    named = {**_entry("user", name="runner"), "id": "ORG002", "message": "Runner"}
    found = _findings([root, named], "FROM python:3.12\nUSER app:app\n")
    assert [(f.code, f.line, f.message) for f in found] == [
        ("ORG002", 2, "Runner: the image runs as app:app")
    ]
    found = _findings([root, named], "FROM python:3.12\n")
    assert sorted(f.code for f in found) == ["ORG001", "ORG002"]


def test_a_crashing_kind_is_reported_for_each_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    from dockerlint_django.policy import kinds

    def crash(ctx: Context, members: Sequence[kinds.Member]) -> list[list[Violation]]:
        raise RuntimeError("broken")

    broken = kinds._image_kind(("non-root", "name"), kinds._parse_user, crash)
    monkeypatch.setitem(kinds.KINDS, "user", broken)
    entries = [
        _entry("user", name="a"),
        {**_entry("label", required=["x"]), "id": "ORG002"},
        {**_entry("user", name="b"), "id": "ORG003"},
    ]
    config = yaml.safe_dump({"policy": entries})
    project = {".dockerlint-django.yaml": config, "Dockerfile": "FROM python:3.12\nUSER root\n"}
    found = lint_project(project, ["ORG001", "ORG002", "ORG003", "DJ902", "DJ030"])
    crashes = [f.message for f in found if f.code == "DJ902"]
    assert len(crashes) == 2 and all("RuntimeError: broken" in m for m in crashes), crashes
    assert "ORG001" in crashes[0] + crashes[1] and "ORG003" in crashes[0] + crashes[1]
    # The other kinds' entries, checked in the same call, and the other rules still ran.
    assert [f.line for f in found if f.code == "ORG002"] == [1]
    assert [f.line for f in found if f.code == "DJ030"] == [2]


def test_python_version() -> None:
    entry = _entry("python-version", minimum="3.12")
    assert _at(_findings([entry], "FROM python:3.11-slim\n")) == [("ORG001", 1, 6)]
    assert _findings([entry], "FROM python:3.13\n") == []
    assert _findings([entry], "FROM python:latest\n") == []
    assert _findings([entry], "FROM debian:12\n") == []


def test_command_pipelines_through_the_shell_model() -> None:
    entry = _entry("command", forbidden=["curl | sh", "sudo", "apt-get upgrade"])
    text = (
        "FROM python:3.12\n"
        "RUN curl -fsSL https://x.example/i.sh | sh\n"
        "RUN curl -o i.sh https://x.example/i.sh && sh i.sh\n"
        "RUN if true; then sudo true; fi\n"
        "RUN apt-get -y upgrade\n"
        "RUN echo 'curl x | sh'\n"
    )
    assert _at(_findings([entry], text)) == [("ORG001", 2, 5), ("ORG001", 4, 19), ("ORG001", 5, 5)]


def test_command_through_launchers() -> None:
    entry = _entry("command", forbidden=["curl | sh", "apt-get upgrade"])
    text = (
        "FROM python:3.12\n"
        "RUN curl -LsSf https://astral.sh/uv/install.sh | env UV_INSTALL_DIR=/bin sh\n"
        "RUN curl -fsSL https://x.example/i.sh | sudo -u root sh\n"
        "RUN sudo -E apt-get -y upgrade\n"
        "RUN curl -fsSL https://x.example/k.asc | env gpg --dearmor -o /k.gpg\n"
    )
    assert _at(_findings([entry], text)) == [("ORG001", 2, 5), ("ORG001", 3, 5), ("ORG001", 4, 5)]


def test_package() -> None:
    entry = _entry("package", apt=["gcc", "build-*"], pip=["ipdb"], apk=["curl"])
    text = (
        "FROM python:3.12\n"
        "RUN apt-get install -y --no-install-recommends gcc=4:12 libpq5\n"
        "RUN pip install --no-cache-dir IPDB==0.13 django\n"
        "RUN apk add --no-cache -t .deps curl\n"
        "RUN apt-get install -y build-essential\n"
    )
    assert _at(_findings([entry], text)) == [
        ("ORG001", 2, 48),
        ("ORG001", 3, 32),
        ("ORG001", 4, 33),
        ("ORG001", 5, 24),
    ]


def test_files_limit_where_an_entry_applies() -> None:
    entry = _entry("user", **{"non-root": True}, files=["docker/*"])
    project = {
        ".dockerlint-django.yaml": yaml.safe_dump({"policy": [entry]}),
        "Dockerfile": "FROM python:3.12\n",
        "docker/Dockerfile": "FROM python:3.12\n",
    }
    found = [f for f in lint_project(project, ["ORG001"]) if f.code == "ORG001"]
    assert [f.path for f in found] == ["docker/Dockerfile"]


# A file with more than one image (engine.extra_targets)

MULTI_TARGET = """\
FROM python:3.12 AS base
RUN curl -fsSL https://example.org/install.sh | sh

FROM base AS prod
CMD ["gunicorn", "app.wsgi"]

FROM base AS dev
CMD ["python", "manage.py", "runserver"]
"""


def test_an_entry_that_reads_every_stage_alike_reports_once_a_file() -> None:
    piped = {**_entry("command", forbidden=["curl | sh"]), "id": "ORG001"}
    labels = {**_entry("label", required=["org.opencontainers.image.source"]), "id": "ORG002"}
    found = _findings([piped, labels], MULTI_TARGET)
    # The pipe is in a stage both images share: one finding. Each image lacks the label.
    assert sorted((f.code, f.line) for f in found) == [("ORG001", 2), ("ORG002", 4), ("ORG002", 7)]
    assert any("--target prod" in f.message for f in found if f.code == "ORG002")


@pytest.mark.parametrize(
    ("entry", "alike"),
    [
        (_entry("base-image", deny=["node:*"]), True),
        (_entry("command", forbidden=["sudo"]), True),
        (_entry("package", apt=["gcc"]), True),
        (_entry("arg", forbidden=["*SECRET*"]), True),
        (_entry("arg", required=["VERSION"]), False),  # of the image built
        (_entry("instruction", forbidden=["MAINTAINER"]), True),
        (_entry("instruction", required=["HEALTHCHECK"]), False),
        (_entry("env", forbidden=["*SECRET*"]), False),  # the image's own ENV
        (_entry("label", required=["oci"]), False),
        (_entry("user", **{"non-root": True}), False),
        (_entry("python-version", minimum="3.12"), False),
    ],
)
def test_which_entries_read_every_stage_alike(entry: dict[str, Any], alike: bool) -> None:
    from dockerlint_django import policy

    (rule,) = policy.rules(policy.load([entry]))
    assert rule.meta.every_target_alike is alike


# Reported like a rule


def _run(tmp_path: Path, entries: list[dict[str, Any]], dockerfile: str, *args: str) -> Any:
    (tmp_path / ".dockerlint-django.yaml").write_text(
        yaml.safe_dump({"policy": entries}), encoding="utf-8"
    )
    (tmp_path / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    return CliRunner().invoke(cli, ["check", *args, str(tmp_path / "Dockerfile")])


def test_suppressed_by_its_id_and_unknown_ids_reported(tmp_path: Path) -> None:
    entry = _entry("instruction", forbidden=["MAINTAINER"])
    text = "FROM python:3.12\n# dockerlint-django: ignore=ORG001\nMAINTAINER me\n"
    done = _run(tmp_path, [entry], text, "--select", "ORG001,DJ901")
    assert done.exit_code == 0, done.output
    text = "FROM python:3.12\n# dockerlint-django: ignore=ORG002\nMAINTAINER me\n"
    done = _run(tmp_path, [entry], text, "--select", "ORG001,DJ901")
    assert "ORG001" in done.output and "names unknown rule ORG002" in done.output


def test_sarif_has_the_entry_as_a_rule(tmp_path: Path) -> None:
    entry = _entry(
        "instruction", forbidden=["MAINTAINER"], severity="error", help="https://wiki.example/x"
    )
    done = _run(tmp_path, [entry], "FROM python:3.12\nMAINTAINER me\n", "--output-format", "sarif")
    assert done.exit_code == 1, done.output
    run = json.loads(done.output)["runs"][0]
    [rule] = [r for r in run["tool"]["driver"]["rules"] if r["id"] == "ORG001"]
    assert rule["shortDescription"]["text"] == "Our rule"
    assert rule["helpUri"] == "https://wiki.example/x"
    assert rule["defaultConfiguration"]["level"] == "error"
    [result] = [r for r in run["results"] if r["ruleId"] == "ORG001"]
    assert result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2


def test_json_and_severity_override(tmp_path: Path) -> None:
    entry = _entry("instruction", forbidden=["MAINTAINER"])
    (tmp_path / "pyproject.toml").write_text(
        "[tool.dockerlint-django]\nseverity = { ORG001 = 'info' }\n"
        "[[tool.dockerlint-django.policy]]\n"
        "id = 'ORG001'\nkind = 'instruction'\nmessage = 'Our rule'\nforbidden = ['MAINTAINER']\n",
        encoding="utf-8",
    )
    (tmp_path / "Dockerfile").write_text("FROM python:3.12\nMAINTAINER me\n", encoding="utf-8")
    done = CliRunner().invoke(
        cli,
        ["check", "--output-format", "json", "--select", "ORG001", str(tmp_path / "Dockerfile")],
    )
    [finding] = json.loads(done.output)
    assert finding["code"] == "ORG001"
    assert finding["severity"] == "info"
    assert finding["url"] is None
    assert entry["message"] in finding["message"]


def test_rule_shows_the_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".dockerlint-django.yaml").write_text(
        yaml.safe_dump({"policy": [_entry("user", **{"non-root": True})]}), encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(cli, ["rule", "ORG001"])
    assert done.exit_code == 0, done.output
    assert "A `user` entry of the project's `policy:` configuration" in done.output
    assert "`non-root`: `true`" in done.output


def test_the_docs_show_every_kind_and_their_examples_load() -> None:
    import re

    from dockerlint_django.policy.kinds import KINDS
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "policy.md").read_text(encoding="utf-8")
    entries: list[dict[str, Any]] = []
    for block in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL):
        if "kind:" not in block:
            continue  # a configuration that extends packs, not entries
        data = yaml.safe_load(block)
        entries.extend(data["policy"] if isinstance(data, dict) else data)
    config = from_mapping({"policy": entries}, None)
    assert {r.meta.code for r in config.policy} == {e["id"] for e in entries}
    shown = {e["kind"] for e in entries}
    assert shown == set(KINDS)
    for kind in KINDS:
        assert f"### `{kind}`" in text or f"`{kind}` and" in text or f"and `{kind}`" in text


def _service_findings(entry: dict[str, Any], compose: str) -> list[ProjectFinding]:
    project = {
        ".dockerlint-django.yaml": yaml.safe_dump({"policy": [entry]}),
        "compose.yaml": compose,
    }
    return [f for f in lint_project(project, [entry["id"]]) if f.code == entry["id"]]


def test_compose_forbidden_keys_and_values() -> None:
    entry = _entry(
        "compose",
        forbidden=[
            "privileged",
            "network-mode-host",
            "cap-add-all",
            "docker-socket",
            "ports-on-all-interfaces",
        ],
    )
    compose = (
        "services:\n"
        "  web:\n"
        "    image: example/web:1\n"
        "    privileged: true\n"
        "    cap_add: [ALL]\n"
        "    volumes:\n"
        "      - /var/run/docker.sock:/var/run/docker.sock\n"
        "      - ./data:/data\n"
        "    ports:\n"
        "      - '8000:8000'\n"
        "      - '127.0.0.1:8001:8001'\n"
        "  worker:\n"
        "    image: example/web:1\n"
        "    network_mode: host\n"
    )
    found = _service_findings(entry, compose)
    assert [(f.line, f.message.split(": ", 1)[1]) for f in found] == [
        (4, "privileged: True"),
        (5, "cap_add: ALL"),
        (7, "/var/run/docker.sock is mounted"),
        (10, "port 8000 is published on every interface"),
        (14, "network_mode: host"),
    ]


def test_compose_required_keys() -> None:
    entry = _entry("compose", required=["restart", "read-only", "resource-limits"])
    compose = (
        "services:\n"
        "  web:\n"
        "    image: example/web:1\n"
        "    restart: unless-stopped\n"
        "    read_only: true\n"
        "    deploy:\n"
        "      resources:\n"
        "        limits: {memory: 512M}\n"
        "  worker:\n"
        "    image: example/web:1\n"
    )
    found = _service_findings(entry, compose)
    assert [f.line for f in found] == [9]
    assert "restart, read_only: true, resource limits" in found[0].message


def test_compose_names_must_be_known() -> None:
    with pytest.raises(ConfigError, match=r"forbidden: root: expected one of cap-add-all"):
        from_mapping({"policy": [_entry("compose", forbidden=["root"])]}, None)


def test_a_policy_crosses_to_worker_processes(tmp_path: Path) -> None:
    import pickle

    entries = [
        _entry("user", **{"non-root": True}),
        {**_entry("command"), "id": "ORG002", "forbidden": ["curl | sh"]},
    ]
    config = from_mapping({"policy": entries}, tmp_path / ".dockerlint-django.yaml")
    again = pickle.loads(pickle.dumps(config))
    assert [r.meta for r in again.policy] == [r.meta for r in config.policy]
    assert again.enabled_codes() == config.enabled_codes()
    dockerfile = "FROM python:3.12\nRUN curl -sSL https://x | sh\n"
    (tmp_path / ".dockerlint-django.yaml").write_text(yaml.safe_dump({"policy": entries}))
    for i in range(20):  # enough files for worker processes (cli._jobs.MIN_FILES_FORKED)
        (tmp_path / f"d{i}").mkdir()
        (tmp_path / f"d{i}" / "Dockerfile").write_text(dockerfile)
    runner = CliRunner()
    outputs = []
    for jobs in ("1", "2"):
        args = ["check", "--jobs", jobs, "--select", "ORG001,ORG002", str(tmp_path)]
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, result.output
        outputs.append(result.output)
    assert outputs[0] == outputs[1]
    assert outputs[0].count("ORG002") == 20


# Globs


@settings(max_examples=400)
@example(globs=["a*a"], name="", fill="")  # a prefix and a suffix that would overlap
@example(globs=["*a*a*", "a?"], name="aba", fill="b")
@given(
    globs=st.lists(st.text(alphabet="a*?[]!", max_size=4), min_size=1, max_size=3),
    name=st.text(alphabet="ab[]*", max_size=5),
    fill=st.text(alphabet="ab", max_size=2),
)
def test_globs_match_as_fnmatch_does(globs: list[str], name: str, fill: str) -> None:
    # One expression for the list must agree with fnmatch, glob by glob, on every name, and
    # on which glob is the first to match. Random names seldom come near a glob, so names made
    # from its own parts are tried too: its stars filled or left empty, and each literal part
    # alone (`a*a` and `a`, where a prefix and a suffix would overlap).
    names = [name]
    for glob in globs:
        parts = glob.split("*")
        names += [fill.join(parts), "".join(parts), *parts]
    matcher = Globs(globs)
    for candidate in names:
        expected = [g for g in globs if fnmatch.fnmatchcase(candidate, g)]
        assert matcher.match(candidate) is bool(expected), candidate
        assert matcher.first([candidate]) == (expected[0] if expected else None), candidate


@pytest.mark.parametrize(
    ("glob", "name", "matches"),
    [
        ("registry.example.org/*", "registry.example.org/team/app:1", True),
        ("registry.example.org/*", "registry.example.org", False),
        ("*PASSWORD*", "DB_PASSWORD_FILE", True),
        ("*PASSWORD*", "PASSWD", False),
        ("a*a", "a", False),  # the prefix and the suffix may not share the one character
        ("a*a", "aa", True),
        ("node:*", "docker.io/library/node:20", False),
    ],
)
def test_star_globs(glob: str, name: str, matches: bool) -> None:
    assert Globs([glob]).match(name) is matches
