"""``--format sarif``: schema validity, what GitHub code scanning reads, and Microsoft's validator.

Fixture projects are linted through the real command line from inside their ``input/`` folder and
compared with ``expected/sarif.json``; ``UPDATE_SNAPSHOTS=1`` rewrites those files. The whole
corpus is linted in one call and validated as one run.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlparse

import jsonschema  # type: ignore[import-untyped]  # ships no type information
import pytest
from click.testing import CliRunner

from dockerlint_django import __version__
from dockerlint_django import rules as registry
from dockerlint_django.cli import cli
from dockerlint_django.config import Config
from dockerlint_django.engine import Options, lint_source
from dockerlint_django.formatters import FormatOptions, sarif
from dockerlint_django.formatters._fingerprint import line_hashes
from dockerlint_django.results import FileResult
from dockerlint_django.rules._base import Severity
from dockerlint_django.source import SourceFile
from tests.conftest import CORPUS, ROOT, SHARED, corpus_rows

# The tests carry their own copy, so that SARIF reports are validated on any checkout.
SCHEMA_PATH = ROOT / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json"
SHARED_SCHEMA = SHARED / "sarif" / "sarif-schema-2.1.0.json"
PROJECTS = sorted(p.parent for p in (ROOT / "fixtures" / "projects").glob("*/input"))
CORPUS_ROWS = corpus_rows("dockerfile")
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"


def assert_snapshot(path: Path, actual: str) -> None:
    """Compare with a committed snapshot; ``UPDATE_SNAPSHOTS=1`` writes it instead."""
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.is_file(), f"{path} is missing: run the tests with UPDATE_SNAPSHOTS=1"
    assert path.read_bytes().decode("utf-8") == actual, (
        f"{path} differs: inspect, then run the tests with UPDATE_SNAPSHOTS=1"
    )


# Running the tool


def cli_sarif(cwd: Path, *args: str, stdin: bytes | None = None) -> str:
    """The SARIF the real command prints, run from ``cwd``."""
    proc = subprocess.run(
        [sys.executable, "-m", "dockerlint_django", "check", "--format", "sarif", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=300,
    )
    assert proc.returncode in (0, 1, 2), proc.stderr.decode()
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()
    return proc.stdout.decode("utf-8")


@cache
def project_output(name: str) -> str:
    return cli_sarif(ROOT / "fixtures" / "projects" / name / "input", ".")


@cache
def corpus_output() -> str:
    files = CORPUS / "files"
    return cli_sarif(files, "--exit-zero", *[r["local_file"] for r in CORPUS_ROWS])


def lint(text: str, path: Path, codes: tuple[str, ...] | None = None) -> FileResult:
    config = Config(select=codes) if codes else Config()
    return lint_source(SourceFile.from_text(path.name, text), Options(config), real_path=path)


def build(results: list[FileResult], root: Path, **kw: Any) -> dict[str, Any]:
    return sarif.build(results, FormatOptions(root=root, **kw))


def run_of(log: dict[str, Any]) -> dict[str, Any]:
    assert len(log["runs"]) == 1
    run: dict[str, Any] = log["runs"][0]
    return run


@cache
def validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_errors(log: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(log)
    ]


_NEWLINE = re.compile(r"\r\n|\r|\n")


def offset(text: str, line: int, column: int) -> int:
    """A SARIF (line, column) as an offset, counted here without the project's LineIndex."""
    starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
    return starts[line - 1] + column - 1


def region_text(text: str, region: dict[str, Any]) -> str:
    start = offset(text, region["startLine"], region["startColumn"])
    end = offset(text, region["endLine"], region["endColumn"])
    return text[start:end]


# Schema


needs_schema = pytest.mark.skipif(not SCHEMA_PATH.is_file(), reason=f"{SCHEMA_PATH} is absent")


@pytest.mark.skipif(not SHARED_SCHEMA.is_file(), reason="../shared/sarif is not present")
def test_carried_schema_is_the_oasis_schema_unchanged() -> None:
    assert SCHEMA_PATH.read_bytes() == SHARED_SCHEMA.read_bytes()


needs_corpus = pytest.mark.skipif(not CORPUS_ROWS, reason="../shared/corpus is not present")


@needs_schema
@pytest.mark.parametrize("project", [p.name for p in PROJECTS])
def test_fixture_project_sarif_is_valid(project: str) -> None:
    log = json.loads(project_output(project))
    assert schema_errors(log) == []


@needs_schema
@needs_corpus
def test_corpus_sarif_is_valid() -> None:
    log = json.loads(corpus_output())
    assert schema_errors(log) == []
    run = run_of(log)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    }
    # Findings land in the Dockerfiles and in the entrypoint scripts their start commands run.
    listed = [quote(r["local_file"]) for r in corpus_rows()]
    # Relative to the repository root when the corpus is in one, else to the folder linted from.
    assert all(any(u == f or u.endswith("/" + f) for f in listed) for u in uris)
    assert len(uris) > len(CORPUS_ROWS) // 2


@needs_schema
def test_schema_check_catches_a_broken_log() -> None:
    log = json.loads(project_output("polls"))
    run_of(log)["results"][0]["level"] = "info"  # SARIF says "note"
    del run_of(log)["tool"]["driver"]["name"]
    assert len(schema_errors(log)) == 2


# Snapshots


@pytest.mark.parametrize("project", [p.name for p in PROJECTS])
def test_fixture_project_snapshot(project: str) -> None:
    output = project_output(project)
    assert output.endswith("}\n")
    assert_snapshot(ROOT / "fixtures" / "projects" / project / "expected" / "sarif.json", output)


# What GitHub reads


def check_rules_and_results(log: dict[str, Any]) -> None:
    run = run_of(log)
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        assert result["partialFingerprints"]["primaryLocationLineHash"]
        loc = result["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        assert loc["artifactLocation"]["uriBaseId"] in run["originalUriBaseIds"]
        assert not uri.startswith(("/", "file:", "-")) and "\\" not in uri and uri != "-"
        assert set(loc["region"]) == {"startLine", "startColumn", "endLine", "endColumn"}
    for rule in rules:
        url = urlparse(rule["helpUri"])
        assert url.scheme == "https"
        page = ROOT / "rules" / Path(unquote(url.path)).name
        assert page.name == f"{rule['id']}.md" and page.is_file(), rule["helpUri"]
        assert rule["help"]["markdown"] == page.read_text(encoding="utf-8")
        assert rule["help"]["text"]
        assert 0 < len(rule["shortDescription"]["text"]) <= 1024
        assert 0 < len(rule["fullDescription"]["text"]) <= 1024
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert 0 < len(rule["properties"]["tags"]) <= 20


@pytest.mark.parametrize("project", [p.name for p in PROJECTS])
def test_fixture_project_rules_and_results_agree(project: str) -> None:
    check_rules_and_results(json.loads(project_output(project)))


@needs_corpus
def test_corpus_rules_and_results_agree() -> None:
    log = json.loads(corpus_output())
    check_rules_and_results(log)
    # No absolute path of this machine anywhere in the report.
    text = corpus_output()
    assert str(CORPUS) not in text and str(ROOT) not in text


def test_log_and_driver(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    log = build([lint('FROM python:3.11\nCMD ["true"]\n', dockerfile)], tmp_path)
    assert list(log)[:2] == ["$schema", "version"]
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    run = run_of(log)
    driver = run["tool"]["driver"]
    assert driver["name"] == "dockerlint-django"
    assert driver["version"] == driver["semanticVersion"] == __version__
    assert driver["informationUri"].startswith("https://")
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["automationDetails"] == {"id": "dockerlint-django/"}
    assert run["invocations"] == [{"executionSuccessful": True}]
    # sarif-om's defaults (rank -1, kind "fail", language "en-US", ...) are not written out.
    text = json.dumps(log)
    for absent in ('"rank"', '"kind"', '"language"', '"index"', '"enabled"', '"contents"'):
        assert absent not in text
    assert -1 not in numbers(log)


def numbers(data: object) -> list[object]:
    if isinstance(data, dict):
        return [n for v in data.values() for n in numbers(v)]
    if isinstance(data, list):
        return [n for v in data for n in numbers(v)]
    return [data] if isinstance(data, int | float) and not isinstance(data, bool) else []


def test_category(tmp_path: Path) -> None:
    result = lint("FROM python:3.11\n", tmp_path / "Dockerfile")
    for given, expected in [("docker", "docker/"), ("web/docker/", "web/docker/")]:
        run = run_of(build([result], tmp_path, category=given))
        assert run["automationDetails"] == {"id": expected}


def test_rules_cover_enabled_and_fired(tmp_path: Path) -> None:
    # DJ030 fires but was not named as enabled (a meta rule, say); DJ101 was enabled and did not.
    result = lint('FROM python:3.11\nCMD ["true"]\n', tmp_path / "Dockerfile", ("DJ030",))
    run = run_of(build([result], tmp_path, enabled=frozenset({"DJ101", "DJ022"})))
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["DJ022", "DJ030", "DJ101"]
    assert [r["ruleIndex"] for r in run["results"]] == [1]


def test_rule_descriptor(tmp_path: Path) -> None:
    result = lint('FROM python:3.11\nCMD ["true"]\n', tmp_path / "Dockerfile", ("DJ030",))
    enabled = frozenset({"DJ030", "DJ105", "DJ108"})
    rules = {
        r["id"]: r
        for r in run_of(build([result], tmp_path, enabled=enabled))["tool"]["driver"]["rules"]
    }
    dj030, dj105, dj108 = rules["DJ030"], rules["DJ105"], rules["DJ108"]
    meta = registry.get("DJ030").meta
    assert dj030["name"] == "final-stage-runs-as-root"
    assert dj030["shortDescription"]["text"] == meta.summary
    assert dj030["fullDescription"]["text"].startswith("The handbook creates a non-root user")
    assert "\n" not in dj030["fullDescription"]["text"]
    assert "hadolint's DL3002" not in dj030["fullDescription"]["text"]  # second paragraph
    assert dj030["helpUri"].endswith("/rules/DJ030.md")
    assert dj030["properties"]["security-severity"] == "5.0"
    assert "security" in dj030["properties"]["tags"]
    assert "problem.severity" not in dj030["properties"]
    assert dj030["properties"]["related"] == ["DL3002"]
    assert dj105["defaultConfiguration"] == {"level": "warning"}
    assert dj105["properties"]["problem.severity"] == "warning"
    assert "security-severity" not in dj105["properties"]
    assert dj108["defaultConfiguration"] == {"level": "note"}
    assert dj108["properties"]["problem.severity"] == "recommendation"
    assert dj108["properties"]["related"] == ["FromAsCasing"]


def test_result_level_is_the_findings_own(tmp_path: Path) -> None:
    # DJ001 is an error rule; `CMD exec gunicorn` is only info, and says so even when "warning"
    # would be sarif-om's default, since a result without level takes the rule's.
    text = "FROM python:3.11\nUSER app\nCMD exec gunicorn core.wsgi --worker-tmp-dir /dev/shm\n"
    run = run_of(build([lint(text, tmp_path / "Dockerfile", ("DJ001",))], tmp_path))
    assert [r["level"] for r in run["results"]] == ["note"]
    assert run["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"] == "error"
    config = Config(select=("DJ001",), severity={"DJ001": Severity.WARNING})
    source = SourceFile.from_text("Dockerfile", text.replace("exec ", ""))
    result = lint_source(source, Options(config), real_path=tmp_path / "Dockerfile")
    run = run_of(build([result], tmp_path))
    assert [r["level"] for r in run["results"]] == ["warning"]


def test_descriptions_are_clipped_at_githubs_limit() -> None:
    clipped = sarif._clip("word " * 300)
    assert len(clipped) <= 1024 and clipped.endswith("word…")
    assert sarif._clip("short text") == "short text"


def test_to_json_drops_defaults_but_keeps_levels() -> None:
    import sarif_om as om

    data = sarif.to_json(om.Result(message=om.Message(text="x."), level="warning", rule_index=0))
    assert data == {"message": {"text": "x."}, "level": "warning", "ruleIndex": 0}
    assert sarif.to_json(om.Run(tool=om.Tool(driver=om.ToolComponent(name="t")))) == {
        "tool": {"driver": {"name": "t"}}
    }


# Locations


def test_columns_are_exact_for_non_ascii_and_crlf(tmp_path: Path) -> None:
    cases = [
        # A non-BMP character (two UTF-16 units, one code point) before the finding.
        'FROM python:3.11\nUSER app\nRUN echo "héllo 𝄞 ☕" && pip install -r r.txt\n',
        "FROM python:3.11 as build\r\nFROM python:3.11\r\nUSER app\r\nRUN pip install x\r\n",
        "# ünïcödé\rFROM python:3.11 as b\rFROM python:3.11\rUSER app\r",
        "\ufeffFROM python:3.11 as build\nFROM python:3.11\nUSER app\n",
    ]
    for text in cases:
        result = lint(text, tmp_path / "Dockerfile")
        assert result.source is not None and result.findings
        run = run_of(build([result], tmp_path))
        got = {
            (
                r["ruleId"],
                region_text(result.source.text, r["locations"][0]["physicalLocation"]["region"]),
            )
            for r in run["results"]
        }
        want = {(f.code, result.source.slice(f.span)) for f in result.findings}
        assert got == want, text
    line = 'RUN echo "héllo 𝄞 ☕" && pip install -r r.txt'
    result = lint(f"FROM python:3.11\nUSER app\n{line}\n", tmp_path / "Dockerfile", ("DJ105",))
    region = run_of(build([result], tmp_path))["results"][0]["locations"][0]["physicalLocation"][
        "region"
    ]
    assert region == {
        "startLine": 3,
        "startColumn": line.index("install") + 1,
        "endLine": 3,
        "endColumn": line.index("install") + 1 + len("install"),
    }


def test_related_locations(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11\nUSER app\nWORKDIR /w\nCOPY . .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n"
    )
    result = lint(text, tmp_path / "Dockerfile", ("DJ106",))
    assert result.source is not None
    [finding] = result.findings
    [res] = run_of(build([result], tmp_path))["results"]
    [related] = res["relatedLocations"]
    assert related["id"] == 1
    assert related["message"]["text"] == finding.related[0].message + "."
    phys = related["physicalLocation"]
    assert phys["artifactLocation"] == {"uri": "Dockerfile", "uriBaseId": "%SRCROOT%"}
    assert region_text(text, phys["region"]) == result.source.slice(finding.related[0].span)
    assert region_text(text, phys["region"]) == "pip install --no-cache-dir -r requirements.txt"


def test_uris_are_relative_encoded_and_resolved(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    odd = root / "docker" / "my web ü#1.Dockerfile"
    odd.parent.mkdir(parents=True)
    odd.write_text("FROM python:3.11\n")
    assert sarif.artifact_uri(odd, root) == "docker/my%20web%20%C3%BC%231.Dockerfile"
    outside = tmp_path / "elsewhere" / "Dockerfile"
    assert sarif.artifact_uri(outside, root) == "../elsewhere/Dockerfile"
    link = root / "Dockerfile"
    link.symlink_to(odd)
    assert sarif.artifact_uri(link, root) == "docker/my%20web%20%C3%BC%231.Dockerfile"
    escaping = root / "Dockerfile.out"
    escaping.symlink_to(outside)
    assert sarif.artifact_uri(escaping, root) == "Dockerfile.out"


def test_stdin_is_never_reported_as_a_dash(tmp_path: Path) -> None:
    text = b'FROM python:3.11\nCMD ["true"]\n'
    (tmp_path / "sub").mkdir()
    named = run_of(
        json.loads(cli_sarif(tmp_path, "--stdin-filename", "sub/Dockerfile", "-", stdin=text))
    )
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in named["results"]
    }
    assert uris == {"sub/Dockerfile"}
    anonymous = run_of(json.loads(cli_sarif(tmp_path, "-", stdin=text)))
    artifact = anonymous["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact["uri"] == "stdin" and "--stdin-filename" in artifact["description"]["text"]


def test_unreadable_file_is_a_tool_notification(tmp_path: Path) -> None:
    missing = FileResult(
        str(tmp_path / "gone"), None, None, error=f"{tmp_path / 'gone'}: no such file or directory"
    )
    run = run_of(build([missing], tmp_path))
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["message"]["text"] == "gone: no such file or directory."
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "gone"
    assert str(tmp_path) not in json.dumps(run)


# Fingerprints


def test_fingerprint_port_matches_codeql_action_vectors() -> None:
    # Expected values from github/codeql-action src/fingerprints.test.ts.
    assert line_hashes("") == ["c129715d7a2bc9a3:1"]
    assert line_hashes(" a\nb\n  \t\tc\n d") == [
        "271789c17abda88f:1",
        "54703d4cd895b18:1",
        "180aee12dab6264:1",
        "a23a3dc5e078b07b:1",
    ]
    assert line_hashes(" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End") == [
        "8b7cf3e952e7aeb2:1",
        "b1ae1287ec4718d9:1",
        "bff680108adb0fcc:1",
        "c6805c5e1288b612:1",
        "b86d3392aea1be30:1",
        "e6ceba753e1a442:1",
    ]
    with_final_newline = [
        "e9496ae3ebfced30:1",
        "fb7c023a8b9ccb3f:1",
        "ce8ba1a563dcdaca:1",
        "e20e36e16fcb0cc8:1",
        "b3edc88f2938467e:1",
        "c8e28b0b4002a3a0:1",
        "c129715d7a2bc9a3:1",
    ]
    for text in [
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
        " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
        " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
        " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
    ]:
        assert line_hashes(text) == with_final_newline
    assert line_hashes("Lorem ipsum dolor sit amet.\n" * 10) == [
        "a7f2ff13bc495cf2:1",
        "a7f2ff13bc495cf2:2",
        "a7f2ff13bc495cf2:3",
        "a7f2ff13bc495cf2:4",
        "a7f2ff13bc495cf2:5",
        "a7f2ff13bc495cf2:6",
        "a7f2ff1481e87703:1",
        "a9cf91f7bbf1862b:1",
        "55ec222b86bcae53:1",
        "cc97dc7b1d7d8f7b:1",
        "c129715d7a2bc9a3:1",
    ]


def test_fingerprint_counts_lines_as_the_line_index_does() -> None:
    for text in ["a", "a\n", "a\r\nb\rc\n\n", "\n\r\n\r", "x𝄞y\n\tz"]:
        assert len(line_hashes(text)) == SourceFile.from_text("D", text).index.line_count


def test_fingerprint_reads_utf16_code_units() -> None:
    # For a one-line file the hash is the plain polynomial over its 100-unit window: the units,
    # then 65535 for the end of the file, then zeros. JavaScript's charCodeAt sees a character
    # outside the BMP as two UTF-16 units, and so must the port.
    m = 1 << 64

    def poly(units: list[int]) -> str:
        return f"{sum(u * pow(37, 99 - i, m) for i, u in enumerate(units)) % m:x}:1"

    assert line_hashes("é") == [poly([0xE9, 0xFFFF])]
    assert line_hashes("\U0001d11e") == [poly([0xD834, 0xDD1E, 0xFFFF])]


def fingerprints(text: str, tmp_path: Path) -> dict[tuple[str, str], str]:
    result = lint(text, tmp_path / "Dockerfile")
    assert result.source is not None
    out = {}
    for r in run_of(build([result], tmp_path))["results"]:
        region = r["locations"][0]["physicalLocation"]["region"]
        out[(r["ruleId"], region_text(result.source.text, region))] = r["partialFingerprints"][
            "primaryLocationLineHash"
        ]
    return out


BASE = """FROM python:3.11 as build
RUN pip install -r requirements.txt
FROM python:3.11
USER app
RUN apt-get update && apt-get install -y curl
CMD gunicorn core.wsgi --worker-tmp-dir /dev/shm
"""


def test_fingerprints_survive_lines_inserted_above(tmp_path: Path) -> None:
    before = fingerprints(BASE, tmp_path)
    assert {code for code, _ in before} >= {"DJ108", "DJ101", "DJ102", "DJ001"}
    assert fingerprints("# Build: docker build .\n\n" + BASE, tmp_path) == before
    # Lines added between the stages move the findings below them and leave their fingerprints.
    middle = BASE.replace("FROM python:3.11\nUSER", "FROM python:3.11\nLABEL a=b\n\nUSER")
    after = fingerprints(middle, tmp_path)
    below = {k: v for k, v in before.items() if k[0] in ("DJ101", "DJ102", "DJ001")}
    assert {k: after[k] for k in below} == below
    # The hash reads 100 characters from the finding's line on, so the lines above do change.
    assert after[("DJ108", "as")] != before[("DJ108", "as")]


def test_fingerprint_changes_with_the_findings_own_line(tmp_path: Path) -> None:
    before = fingerprints(BASE, tmp_path)
    after = fingerprints(BASE.replace("install -y curl", "install -y wget"), tmp_path)
    changed = {k[0] for k in after if after[k] != before.get(k)}
    assert {"DJ101", "DJ102"} <= changed
    assert (
        after[("DJ001", "CMD gunicorn core.wsgi --worker-tmp-dir /dev/shm")]
        == before[("DJ001", "CMD gunicorn core.wsgi --worker-tmp-dir /dev/shm")]
    )


def test_fingerprint_is_githubs_hash_of_the_file_as_read(tmp_path: Path) -> None:
    for text in [BASE, "\ufeff" + BASE.replace("\n", "\r\n")]:
        path = tmp_path / "Dockerfile"
        path.write_bytes(text.encode("utf-8"))
        source = SourceFile.from_bytes("Dockerfile", path.read_bytes())
        result = lint_source(source, Options(Config()), real_path=path)
        # Node reads the file without dropping a byte order mark, so neither does the hash.
        hashes = line_hashes(path.read_bytes().decode("utf-8"))
        for r in run_of(build([result], tmp_path))["results"]:
            line = r["locations"][0]["physicalLocation"]["region"]["startLine"]
            assert r["partialFingerprints"]["primaryLocationLineHash"] == hashes[line - 1]


# Suppressions and fixes


def test_suppressed_findings_are_results_with_a_suppression(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11\nUSER app\n# dockerlint-django: ignore=DJ107\n"
        'ADD a.txt /a.txt\nADD b.txt /b.txt\nCMD ["true"]\n'
    )
    result = lint(text, tmp_path / "Dockerfile", ("DJ107",))
    run = run_of(build([result], tmp_path))
    by_line = {
        r["locations"][0]["physicalLocation"]["region"]["startLine"]: r for r in run["results"]
    }
    assert sorted(by_line) == [4, 5]
    assert by_line[4]["suppressions"] == [{"kind": "inSource"}]
    assert "fixes" not in by_line[4]  # the author chose to keep it
    assert "suppressions" not in by_line[5] and by_line[5]["fixes"]


def test_polls_fixture_reports_its_suppressed_finding() -> None:
    run = run_of(json.loads(project_output("polls")))
    suppressed = [r for r in run["results"] if "suppressions" in r]
    assert [(r["ruleId"], r["suppressions"]) for r in suppressed] == [
        ("DJ107", [{"kind": "inSource"}])
    ]


def apply_sarif_fixes(text: str, run: dict[str, Any]) -> str:
    """Apply every result's fix, skipping one that overlaps or touches an earlier one."""
    fixes = []
    for r in run["results"]:
        for fix in r.get("fixes", []):
            [change] = fix["artifactChanges"]
            edits = tuple(
                (
                    offset(
                        text, rep["deletedRegion"]["startLine"], rep["deletedRegion"]["startColumn"]
                    ),
                    offset(
                        text, rep["deletedRegion"]["endLine"], rep["deletedRegion"]["endColumn"]
                    ),
                    rep.get("insertedContent", {}).get("text", ""),
                )
                for rep in change["replacements"]
            )
            fixes.append((edits[0][0], edits[-1][1], fix["description"]["text"], edits))
    out, pos, last_end = [], 0, -1
    seen = set()
    for start, end, _title, edits in sorted(fixes):
        if edits in seen or start <= last_end:
            continue
        seen.add(edits)
        for s, e, content in edits:
            out += [text[pos:s], content]
            pos = e
        last_end = end
    out.append(text[pos:])
    return "".join(out)


FIXABLE = [
    (ROOT / "fixtures" / "projects" / "polls" / "input" / "Dockerfile").read_text(encoding="utf-8"),
    "FROM python:3.11 as build\r\nRUN apt-get install curl\r\nFROM python:3.11\r\nUSER app\r\n"
    'RUN echo "ü 𝄞" && pip install x\r\nCMD gunicorn core.wsgi --worker-tmp-dir /dev/shm\r\n',
]


@pytest.mark.parametrize("text", FIXABLE, ids=["polls", "crlf-unicode"])
def test_sarif_fixes_give_what_fix_writes(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = text.encode("utf-8")
    # Unnamed standard input: `fix` prints the result rather than writing a file.
    fixed = CliRunner().invoke(cli, ["fix", "-"], input=data)
    assert fixed.exit_code in (0, 1), fixed.output
    expected = fixed.stdout_bytes.decode("utf-8")
    assert expected != text
    current = text
    for _ in range(10):
        out = CliRunner().invoke(
            cli,
            ["check", "--format", "sarif", "-"],
            input=current.encode(),
        )
        new = apply_sarif_fixes(current, run_of(json.loads(out.stdout)))
        if new == current:
            break
        current = new
    assert current == expected


def test_unsafe_fixes_only_when_asked(tmp_path: Path) -> None:
    result = lint(
        'FROM python:3.11\nRUN useradd app\nCMD ["true"]\n', tmp_path / "Dockerfile", ("DJ030",)
    )
    [plain] = run_of(build([result], tmp_path))["results"]
    [unsafe] = run_of(build([result], tmp_path, unsafe_fixes=True))["results"]
    assert "fixes" not in plain
    assert unsafe["fixes"][0]["artifactChanges"][0]["replacements"]


# Limits and determinism


def test_results_over_githubs_limit_are_cut_with_a_notification(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        "FROM python:3.11\nUSER app\n# dockerlint-django: ignore=DJ107\n"
        "ADD a /a\nADD b /b\nADD c /c\n"
    )
    result = lint(text, tmp_path / "Dockerfile", ("DJ107",))
    monkeypatch.setattr(sarif, "MAX_RESULTS", 2)
    run = run_of(build([result], tmp_path))
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in run["results"]]
    assert lines == [5, 6]  # the suppressed one on line 4 goes first
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "warning"
    assert note["message"]["text"].startswith(
        "3 results exceed GitHub's limit of 2 per run; the 1 left out"
    )
    assert run["invocations"][0]["executionSuccessful"] is True


def test_output_is_deterministic_and_ordered(tmp_path: Path) -> None:
    a = lint("FROM python:3.11\nRUN pip install x\n", tmp_path / "b" / "Dockerfile")
    b = lint("FROM python:3.11\nRUN pip install x\n", tmp_path / "a" / "Dockerfile")
    one = build([a, b], tmp_path)
    assert one == build([b, a], tmp_path)
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in run_of(one)["results"]
    ]
    assert uris == sorted(uris) and set(uris) == {"a/Dockerfile", "b/Dockerfile"}


def test_writer_output_is_indented_utf8_with_final_newline(tmp_path: Path) -> None:
    import io

    result = lint(
        'FROM python:3.11\nRUN echo "ü" && pip install x\nUSER app\n', tmp_path / "Dockerfile"
    )
    out = io.StringIO()
    sarif.write([result], out, FormatOptions(root=tmp_path))
    text = out.getvalue()
    assert text.startswith('{\n  "$schema"') and text.endswith("}\n") and not text.endswith("\n\n")
    assert json.loads(text) == build([result], tmp_path)


def test_sarif_om_loads_only_for_sarif(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.11\n")
    probe = (
        "import sys\n"
        "from dockerlint_django.cli import main\n"
        "sys.argv = ['dockerlint-django', 'check', '--format', sys.argv[1], 'Dockerfile']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('sarif_om' in sys.modules, file=sys.stderr)\n"
    )
    for fmt, loaded in [("text", "False"), ("sarif", "True")]:
        proc = subprocess.run(
            [sys.executable, "-c", probe, fmt],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.stderr.strip().splitlines()[-1] == loaded, proc.stderr


# Microsoft's validator


def multitool() -> list[str] | None:
    command = os.environ.get("SARIF_MULTITOOL")
    if not command:
        return None
    # A path to the executable (spaces and all), or a command line such as "npx sarif-multitool".
    argv = [command] if os.path.isfile(command) else shlex.split(command)
    return argv if shutil.which(argv[0]) else None


def validate(files: list[Path], out: Path) -> dict[str, Counter[str]]:
    """Run ``Sarif.Multitool validate``: per input file, the count of each level and rule."""
    argv = multitool()
    assert argv is not None
    proc = subprocess.run(
        [*argv, "validate", "--log", "ForceOverwrite", "-o", str(out), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.is_file(), proc.stdout + proc.stderr
    log = json.loads(out.read_text(encoding="utf-8-sig"))
    [run] = log["runs"]
    assert run["invocations"][0]["executionSuccessful"], proc.stdout + proc.stderr
    rules = run["tool"]["driver"].get("rules", [])
    found: dict[str, Counter[str]] = {f.name: Counter() for f in files}
    for r in run.get("results", []):
        rule = rules[r["ruleIndex"]] if "ruleIndex" in r else {}
        level = r.get("level") or rule.get("defaultConfiguration", {}).get("level", "warning")
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        found[Path(unquote(urlparse(uri).path)).name][f"{level} {r['ruleId']}"] += 1
    return found


@pytest.mark.skipif(
    multitool() is None,
    reason="SARIF_MULTITOOL is not set to an installed Sarif.Multitool "
    "(npm install @microsoft/sarif-multitool; .ci/run does this when npm is available)",
)
def test_microsoft_sarif_validator_finds_no_error_or_warning(tmp_path: Path) -> None:
    files = []
    for project in PROJECTS:
        path = tmp_path / f"{project.name}.sarif"
        path.write_text(project_output(project.name), encoding="utf-8")
        files.append(path)
    if CORPUS_ROWS:
        path = tmp_path / "corpus.sarif"
        path.write_text(corpus_output(), encoding="utf-8")
        files.append(path)
    # A log the validator must warn about (SARIF2005: no tool version), so that a validator that
    # ran nothing, or output this test misreads, cannot pass.
    control = tmp_path / "control.sarif"
    control.write_text(
        json.dumps(
            {
                "$schema": sarif.SCHEMA_URI,
                "version": "2.1.0",
                "runs": [{"tool": {"driver": {"name": "x", "rules": []}}, "results": []}],
            }
        ),
        encoding="utf-8",
    )
    found = validate([*files, control], tmp_path / "validation.sarif")
    assert found.pop("control.sarif")["warning SARIF2005"] >= 1
    serious = {
        name: {k: n for k, n in counts.items() if k.startswith(("error", "warning"))}
        for name, counts in found.items()
    }
    assert serious == {f.name: {} for f in files}
