"""Configuration files: where they are found, every key, and the errors for bad ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dockerlint_django import rules as registry
from dockerlint_django._record import replace
from dockerlint_django.cli import cli
from dockerlint_django.config import (
    KEYS,
    Config,
    ConfigError,
    ConfigFinder,
    apply_overrides,
    expand_selectors,
    from_mapping,
    load_file,
    split_selectors,
)
from dockerlint_django.engine import Options, lint_source
from dockerlint_django.rules._base import Rule, Severity
from dockerlint_django.source import SourceFile

ALL = list(registry.CODES)
DJ1 = [c for c in ALL if c.startswith("DJ1")]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    # Config search climbs to the filesystem root: a .git marker documents where the project is.
    (tmp_path / ".git").mkdir()
    return tmp_path


class TestDiscovery:
    def test_nearest_file_above_each_file(self, tree: Path) -> None:
        write(tree / ".dockerlint-django.yaml", "select: [DJ108]\n")
        write(tree / "svc" / "pyproject.toml", '[tool.dockerlint-django]\nselect = ["DJ101"]\n')
        write(tree / "svc" / "deep" / "Dockerfile", "FROM x\n")
        write(tree / "other" / "Dockerfile", "FROM x\n")
        finder = ConfigFinder()
        deep = finder.for_path(tree / "svc" / "deep" / "Dockerfile")
        other = finder.for_path(tree / "other" / "Dockerfile")
        top = finder.for_path(tree / "Dockerfile")
        assert deep.select == ("DJ101",)
        assert deep.path == tree / "svc" / "pyproject.toml"
        assert deep.root == tree / "svc"
        assert other.select == ("DJ108",)
        assert top.path == tree / ".dockerlint-django.yaml"

    def test_pyproject_without_the_table_is_skipped(self, tree: Path) -> None:
        write(tree / ".dockerlint-django.yaml", "select: [DJ108]\n")
        write(tree / "svc" / "pyproject.toml", '[project]\nname = "svc"\n[tool.ruff]\n')
        assert ConfigFinder().for_path(tree / "svc" / "Dockerfile").select == ("DJ108",)

    def test_pyproject_whose_tool_is_not_a_table_is_skipped(self, tree: Path) -> None:
        write(tree / ".dockerlint-django.yaml", "select: [DJ108]\n")
        write(tree / "svc" / "pyproject.toml", 'tool = "poetry"\n')
        assert ConfigFinder().for_path(tree / "svc" / "Dockerfile").select == ("DJ108",)

    def test_yaml_wins_over_pyproject_in_the_same_folder(self, tree: Path) -> None:
        write(tree / ".dockerlint-django.yaml", "select: [DJ108]\n")
        write(tree / "pyproject.toml", '[tool.dockerlint-django]\nselect = ["DJ101"]\n')
        assert ConfigFinder().for_path(tree / "Dockerfile").select == ("DJ108",)

    def test_yml_spelling(self, tree: Path) -> None:
        write(tree / ".dockerlint-django.yml", "select: [DJ104]\n")
        assert ConfigFinder().for_path(tree / "Dockerfile").select == ("DJ104",)

    def test_no_file_gives_defaults(self, tree: Path) -> None:
        cfg = ConfigFinder().for_path(tree / "a" / "Dockerfile")
        assert cfg == Config()
        assert cfg.root is None

    def test_none_means_the_working_directory(
        self, tree: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        write(tree / ".dockerlint-django.yaml", "ignore: [DJ030]\n")
        (tree / "sub").mkdir()
        monkeypatch.chdir(tree / "sub")
        assert ConfigFinder().for_path(None).ignore == ("DJ030",)

    def test_explicit_file_applies_everywhere(self, tree: Path) -> None:
        write(tree / "sub" / ".dockerlint-django.yaml", "select: [DJ108]\n")
        explicit = write(tree / "ci.yaml", "select: [DJ001]\n")
        finder = ConfigFinder(explicit)
        assert finder.for_path(tree / "sub" / "Dockerfile").select == ("DJ001",)

    def test_explicit_pyproject_without_table_is_an_error(self, tree: Path) -> None:
        p = write(tree / "pyproject.toml", "[project]\nname = 'x'\n")
        with pytest.raises(ConfigError, match=r"pyproject\.toml: no \[tool\.dockerlint-django\]"):
            ConfigFinder(p)

    def test_empty_yaml_is_an_empty_config(self, tree: Path) -> None:
        p = write(tree / ".dockerlint-django.yaml", "# nothing yet\n")
        assert load_file(p) == Config(path=p)

    def test_broken_file_far_away_is_not_read(self, tree: Path) -> None:
        write(tree / ".dockerlint-django.yaml", "select: [")
        write(tree / "svc" / ".dockerlint-django.yaml", "select: [DJ108]\n")
        assert ConfigFinder().for_path(tree / "svc" / "Dockerfile").select == ("DJ108",)


class TestKeys:
    def test_keys_are_the_documented_ones(self) -> None:
        assert {
            "select",
            "ignore",
            "extend-select",
            "severity",
            "per-file-ignores",
            "per-file-target",
            "profile",
            "rules",
            "exclude",
            "fail-on",
            "target",
            "compose",
            "development",
            "limits",
            "policy",
            "policy-files",
            "policy-namespaces",
            "policy-compose-namespaces",
            "extends",
        } == KEYS

    def test_compose_section(self, tree: Path) -> None:
        write(
            tree / ".dockerlint-django.yaml",
            "compose:\n"
            "  file-sets: [[compose.yaml, compose.prod.yaml], [deploy/compose.yaml]]\n"
            "  env-files: [.env.example]\n"
            "  env: {DEBUG: '0', WORKERS: 4}\n",
        )
        cfg = ConfigFinder().for_path(tree / "Dockerfile")
        assert cfg.compose_file_sets == (
            ("compose.yaml", "compose.prod.yaml"),
            ("deploy/compose.yaml",),
        )
        assert cfg.compose_env_files == (".env.example",)
        assert cfg.compose_env == {"DEBUG": "0", "WORKERS": "4"}

    @pytest.mark.parametrize(
        ("value", "codes"),
        [
            (["DJ001"], ["DJ001"]),
            ("DJ001, DJ030", ["DJ001", "DJ030"]),
            (["DJ1"], DJ1),
            (["shell-form-server-command", "dj108"], ["DJ001", "DJ108"]),
            (["ALL"], ALL),
            ([], []),
        ],
    )
    def test_select(self, value: Any, codes: list[str]) -> None:
        cfg = from_mapping({"select": value}, None)
        assert sorted(cfg.enabled_codes()) == sorted(codes)

    def test_ignore_and_extend_select(self) -> None:
        cfg = from_mapping(
            {
                "select": ["DJ1"],
                "ignore": ["DJ101", "apt-get-without-yes"],
                "extend-select": ["DJ001"],
            },
            None,
        )
        assert sorted(cfg.enabled_codes()) == sorted({*DJ1, "DJ001"} - {"DJ101", "DJ104"})

    def test_the_more_specific_selector_wins(self) -> None:
        # As ruff: a full code beats a prefix, whichever list it is in.
        cfg = from_mapping({"extend-select": ["DJ001"], "ignore": ["DJ0"]}, None)
        assert sorted(c for c in cfg.enabled_codes() if c.startswith("DJ0")) == ["DJ001"]
        cfg = from_mapping({"extend-select": ["DJ0"], "ignore": ["DJ001"]}, None)
        assert "DJ001" not in cfg.enabled_codes() and "DJ010" in cfg.enabled_codes()

    def test_ignore_wins_a_tie(self) -> None:
        cfg = from_mapping({"extend-select": ["DJ001"], "ignore": ["DJ001"]}, None)
        assert "DJ001" not in cfg.enabled_codes()

    def test_default_selection_is_every_default_enabled_generic_rule(self) -> None:
        assert sorted(Config().enabled_codes()) == sorted(
            r.code
            for r in registry.all_rules()
            if r.meta.default_enabled and r.meta.profile == "generic"
        )
        ocp = {r.code for r in registry.all_rules() if r.meta.profile == "ocp"}
        assert ocp and ocp <= Config(profile="ocp").enabled_codes()

    @pytest.mark.parametrize(
        "text",
        ["severity:\n  DJ108: error\n  DJ10: Info\n", "severity: {DJ10: info, DJ108: ERROR}\n"],
    )
    def test_severity(self, tree: Path, text: str) -> None:
        # The specific code wins over the prefix, in whichever order they are written.
        p = write(tree / ".dockerlint-django.yaml", text)
        cfg = load_file(p)
        assert cfg is not None
        assert cfg.severity["DJ108"] is Severity.ERROR
        assert cfg.severity["DJ101"] is Severity.INFO
        assert cfg.severity["DJ104"] is Severity.INFO
        source = SourceFile.from_text("Dockerfile", "FROM python:3.11 as b\n")
        res = lint_source(source, Options(replace(cfg, select=("DJ108",))))
        assert [(f.code, f.severity) for f in res.findings] == [("DJ108", Severity.ERROR)]

    def test_per_file_ignores(self, tree: Path) -> None:
        p = write(
            tree / ".dockerlint-django.yaml",
            'per-file-ignores:\n  "docker/*.dev": [DJ108]\n  "Dockerfile.ci": DJ1, DJ030\n',
        )
        cfg = load_file(p)
        assert cfg is not None
        dev = tree / "docker" / "Dockerfile.dev"
        assert cfg.ignored_for("elsewhere/Dockerfile.dev", dev) == {"DJ108"}
        assert cfg.ignored_for("docker/Dockerfile", tree / "docker" / "Dockerfile") == set()
        # A pattern without "/" matches the file name at any depth.
        ci = tree / "a" / "b" / "Dockerfile.ci"
        assert cfg.ignored_for("x/Dockerfile.ci", ci) == {*DJ1, "DJ030"}

    def test_per_file_ignores_apply_to_findings(self, tree: Path) -> None:
        cfg_path = write(
            tree / ".dockerlint-django.yaml", 'per-file-ignores:\n  "svc/*": [DJ108]\n'
        )
        cfg = load_file(cfg_path)
        assert cfg is not None
        cfg = replace(cfg, select=("DJ108",))
        real = write(tree / "svc" / "Dockerfile", "FROM python:3.11 as b\n")
        source = SourceFile.from_text("../elsewhere/Dockerfile", real.read_text())
        assert lint_source(source, Options(cfg), real_path=real).findings == []
        other = write(tree / "web" / "Dockerfile", "FROM python:3.11 as b\n")
        src2 = SourceFile.from_text("web/Dockerfile", other.read_text())
        assert [f.code for f in lint_source(src2, Options(cfg), real_path=other).findings] == [
            "DJ108"
        ]

    def test_profile(self, monkeypatch: pytest.MonkeyPatch) -> None:
        fake = _with_meta(monkeypatch, "DJ030", profile="ocp")
        assert "DJ030" not in from_mapping({"profile": "generic"}, None).enabled_codes()
        assert "DJ030" in from_mapping({"profile": "ocp"}, None).enabled_codes()
        assert fake.meta.profile == "ocp"

    def test_off_by_default_rules_need_extend_select(self, monkeypatch: pytest.MonkeyPatch) -> None:
        _with_meta(monkeypatch, "DJ030", default_enabled=False)
        assert "DJ030" not in Config().enabled_codes()
        assert "DJ030" in from_mapping({"extend-select": ["DJ030"]}, None).enabled_codes()

    def test_rule_options(self, monkeypatch: pytest.MonkeyPatch) -> None:
        _with_meta(monkeypatch, "DJ010", options={"max": 4, "names": ["a"], "strict": False})
        cfg = from_mapping({"rules": {"gunicorn-workers-hardcoded": {"max": 8}}}, None)
        assert cfg.options_for("DJ010") == {"max": 8, "names": ["a"], "strict": False}
        assert Config().options_for("DJ010") == {"max": 4, "names": ["a"], "strict": False}

    @pytest.mark.parametrize(
        ("opts", "message"),
        [
            ({"max": "8"}, "rules.DJ010.max: expected int, got str"),
            ({"max": True}, "rules.DJ010.max: expected int, got bool"),
            ({"strict": 1}, "rules.DJ010.strict: expected bool, got int"),
            ({"nope": 1}, "rules.DJ010.nope: unknown option (known: max, names, strict)"),
        ],
    )
    def test_rule_option_errors(
        self, monkeypatch: pytest.MonkeyPatch, opts: dict[str, Any], message: str
    ) -> None:
        _with_meta(monkeypatch, "DJ010", options={"max": 4, "names": ["a"], "strict": False})
        with pytest.raises(ConfigError) as info:
            from_mapping({"rules": {"DJ010": opts}}, Path("conf.yaml"))
        assert str(info.value) == f"conf.yaml: {message}"

    def test_rules_empty_mapping(self) -> None:
        assert from_mapping({"rules": {"DJ030": {}}}, None).rule_options == {"DJ030": {}}

    def test_exclude_fail_on_target(self) -> None:
        cfg = from_mapping(
            {"exclude": ["legacy", "*.old"], "fail-on": "warning", "target": "app"}, None
        )
        assert cfg.exclude == ("legacy", "*.old")
        assert cfg.fail_on is Severity.WARNING
        assert cfg.target == "app"

    def test_target_selects_the_final_stage(self) -> None:
        text = "FROM python:3.11 AS app\nUSER app\nFROM python:3.11 AS debug\n"
        source = SourceFile.from_text("Dockerfile", text)
        base = Config(select=("DJ030",))
        assert [f.start.line for f in lint_source(source, Options(base)).findings] == [3]
        cfg = replace(base, target="app")
        assert lint_source(source, Options(cfg)).findings == []

    def test_pyproject_table(self, tree: Path) -> None:
        p = write(
            tree / "pyproject.toml",
            "[tool.dockerlint-django]\n"
            'select = ["DJ1"]\n'
            'fail-on = "error"\n'
            "[tool.dockerlint-django.severity]\n"
            'DJ101 = "warning"\n'
            '[tool.dockerlint-django.per-file-ignores]\n"Dockerfile.dev" = ["DJ104"]\n',
        )
        cfg = load_file(p)
        assert cfg is not None
        assert cfg.select == ("DJ1",)
        assert cfg.fail_on is Severity.ERROR
        assert cfg.severity == {"DJ101": Severity.WARNING}
        assert cfg.per_file_ignores == (("Dockerfile.dev", ("DJ104",)),)


def _with_meta(monkeypatch: pytest.MonkeyPatch, code: str, **changes: Any) -> Rule:
    """Pretend one rule has other metadata, for behaviour no shipped rule exercises yet."""
    real_get: Callable[[str], Rule] = registry.get
    original = real_get(code)
    fake = replace(original, meta=replace(original.meta, **changes))

    def get(c: str) -> Rule:
        return fake if c == code else real_get(c)

    monkeypatch.setattr(registry, "get", get)
    monkeypatch.setattr(registry, "all_rules", lambda: [get(c) for c in registry.CODES])
    # The packs name the default rules, and agree with what the modules declare
    # (tests/test_packs.py): a pretended declaration stands in for a pack that agrees with it.
    monkeypatch.setattr(registry, "default_codes", registry.declared_defaults)
    return fake


BAD = [
    ("selectt: [DJ001]\n", "unknown key 'selectt'"),
    ("compose: [a.yaml]\n", "compose: expected a mapping"),
    ("compose: {files: []}\n", "compose.files: unknown key"),
    ("compose: {file-sets: [[]]}\n", "compose.file-sets[0]: name at least one Compose file"),
    ("compose: {file-sets: [[a.yaml, 3]]}\n", "compose.file-sets[0]: expected a list of strings"),
    ("compose: {env: {DEBUG: [1]}}\n", "compose.env: expected a mapping"),
    ("select: 5\n", "select: expected a list of strings"),
    ("select: [DJ001, 7]\n", "select: expected a list of strings"),
    ("select: [DJX]\n", "select: unknown rule code, prefix or name 'DJX'"),
    ("select: [E501]\n", "select: unknown rule code, prefix or name 'E501'"),
    ("ignore: [nope]\n", "ignore: unknown rule code, prefix or name 'nope'"),
    ("extend-select: [DJ9999]\n", "extend-select: unknown rule code, prefix or name 'DJ9999'"),
    ("severity: [DJ001]\n", "severity: expected a mapping"),
    ("severity: {DJ001: fatal}\n", "severity.DJ001: unknown severity 'fatal'"),
    ("severity: {DJX: error}\n", "severity: unknown rule code, prefix or name 'DJX'"),
    ("per-file-ignores: [a]\n", "per-file-ignores: expected a mapping"),
    ("per-file-ignores: {'a/*': [DJX]}\n", "per-file-ignores.a/*: unknown rule code"),
    ("per-file-ignores: {'a/*': 3}\n", "per-file-ignores.a/*: expected a list of strings"),
    ("profile: strict\n", "profile: expected one of generic, ocp, got 'strict'"),
    ("rules: [DJ001]\n", "rules: expected a mapping"),
    ("rules: {DJ001: 3}\n", "rules.DJ001: expected a mapping of option to value"),
    ("rules: {DJ001: {x: 1}}\n", "rules.DJ001.x: unknown option (known: none)"),
    ("rules: {DJ1: {}}\n", "rules.DJ1: name exactly one rule"),
    ("rules: {DJX: {}}\n", "rules: unknown rule code, prefix or name 'DJX'"),
    ("exclude: legacy: x\n", ":1: invalid YAML"),
    ("exclude: {a: 1}\n", "exclude: expected a list of strings"),
    ("fail-on: never\n", "fail-on: unknown severity 'never'"),
    ("target: [a]\n", "target: expected a stage name"),
    ("- select\n", "the configuration must be a mapping"),
    ("select: [DJ001\n", ":2: invalid YAML"),
]


class TestErrors:
    @pytest.mark.parametrize(("text", "message"), BAD)
    def test_names_file_and_key(self, tree: Path, text: str, message: str) -> None:
        p = write(tree / ".dockerlint-django.yaml", text)
        with pytest.raises(ConfigError) as info:
            ConfigFinder().for_path(tree / "Dockerfile")
        assert str(info.value).startswith(f"{p}")
        assert message in str(info.value)

    def test_bad_toml(self, tree: Path) -> None:
        p = write(tree / "pyproject.toml", "[tool.dockerlint-django\n")
        with pytest.raises(ConfigError, match="invalid TOML") as info:
            load_file(p)
        assert str(info.value).startswith(str(p))

    def test_unknown_key_in_pyproject(self, tree: Path) -> None:
        p = write(tree / "pyproject.toml", "[tool.dockerlint-django]\nselcet = []\n")
        with pytest.raises(ConfigError) as info:
            load_file(p)
        assert str(info.value).startswith(f"{p}: unknown key 'selcet'")

    def test_non_utf8_file(self, tree: Path) -> None:
        p = tree / ".dockerlint-django.yaml"
        p.write_bytes(b"select: [\xff]\n")
        with pytest.raises(ConfigError, match="cannot read") as info:
            load_file(p)
        assert str(info.value).startswith(str(p))

    def test_cli_reports_bad_config_and_exits_2(
        self, tree: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tree)
        write(tree / "svc" / ".dockerlint-django.yaml", "severity: {DJ001: fatal}\n")
        write(tree / "svc" / "Dockerfile", "FROM python:3.11\n")
        res = CliRunner().invoke(cli, ["check", "svc"])
        assert res.exit_code == 2
        assert res.stderr.count("\n") == 1
        assert "svc/.dockerlint-django.yaml" in res.stderr
        assert "severity.DJ001" in res.stderr
        assert "Traceback" not in res.output


class TestSelectors:
    def test_split_selectors(self) -> None:
        assert split_selectors(["DJ001,DJ030", " DJ1 ", "a,,b"]) == (
            "DJ001",
            "DJ030",
            "DJ1",
            "a",
            "b",
        )

    def test_expand(self) -> None:
        assert expand_selectors(["dj00"], "select") == [
            *("DJ001", "DJ002", "DJ003", "DJ004", "DJ005", "DJ006", "DJ007")
        ]
        assert expand_selectors(["DJ01"], "select") == [
            *("DJ010", "DJ011", "DJ012", "DJ013", "DJ014", "DJ015", "DJ016", "DJ017", "DJ018")
        ]
        assert expand_selectors(["DJ"], "select") == ALL
        assert expand_selectors(["all"], "select") == ALL

    def test_removed_code_explains_itself(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(registry.REMOVED, "DJ099", "merged into DJ001")
        with pytest.raises(ConfigError, match="DJ099 was removed: merged into DJ001"):
            expand_selectors(["DJ099"], "select")


# Four findings of known severity: DJ108 info, DJ101 info, DJ104 warning, DJ030 warning.
MIXED = "FROM python:3.11 as b\nRUN apt-get update && apt-get install curl\n"


def run(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args)


def codes(result: Result) -> list[str]:
    return sorted({d["code"] for d in json.loads(result.stdout)})


class TestCommandLineOverrides:
    @pytest.fixture(autouse=True)
    def project(self, tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tree)
        write(tree / "Dockerfile", MIXED)

    def test_file_applies_without_options(self, tree: Path) -> None:
        write(tree / ".dockerlint-django.yaml", "select: [DJ108]\n")
        assert codes(run(["check", "--format", "json"])) == ["DJ108"]

    def test_select_replaces_the_files_selection(self, tree: Path) -> None:
        write(tree / ".dockerlint-django.yaml", "select: [DJ108]\nextend-select: [DJ104]\n")
        assert codes(run(["check", "--format", "json", "--select", "DJ101"])) == ["DJ101"]

    def test_select_on_the_command_line_beats_the_files_ignore(self, tree: Path) -> None:
        # As in ruff: an explicit --select starts the selection afresh.
        write(tree / ".dockerlint-django.yaml", "ignore: [DJ101]\n")
        assert codes(run(["check", "--format", "json", "--select", "DJ101"])) == ["DJ101"]

    def test_ignore_adds_to_the_files(self, tree: Path) -> None:
        write(tree / ".dockerlint-django.yaml", "select: [DJ1]\nignore: [DJ108]\n")
        assert codes(run(["check", "--format", "json", "--ignore", "DJ104"])) == [
            "DJ101",
            "DJ102",
        ]

    def test_extend_select_adds_to_the_files(self, tree: Path) -> None:
        write(tree / ".dockerlint-django.yaml", "select: [DJ108]\n")
        assert codes(run(["check", "--format", "json", "--extend-select", "DJ030"])) == [
            "DJ030",
            "DJ108",
        ]

    def test_fail_on_option_beats_the_file(self, tree: Path) -> None:
        write(tree / ".dockerlint-django.yaml", "select: [DJ108]\nfail-on: error\n")
        assert run(["check"]).exit_code == 0
        assert run(["check", "--fail-on", "info"]).exit_code == 1

    def test_target_option_beats_the_file(self, tree: Path) -> None:
        # `web`, not a development name: a stage named for development gets info, not warnings.
        write(tree / "Dockerfile", "FROM python:3.11 AS app\nUSER app\nFROM python:3.11 AS web\n")
        write(tree / ".dockerlint-django.yaml", "select: [DJ030]\ntarget: web\n")
        assert run(["check"]).exit_code == 1
        assert run(["check", "--target", "app"]).exit_code == 0

    def test_profile_option_beats_the_file(
        self, tree: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _with_meta(monkeypatch, "DJ108", profile="ocp")
        write(tree / ".dockerlint-django.yaml", "profile: ocp\n")
        assert "DJ108" in codes(run(["check", "--format", "json"]))
        assert "DJ108" not in codes(run(["check", "--format", "json", "--profile", "generic"]))

    def test_config_option(self, tree: Path) -> None:
        write(tree / ".dockerlint-django.yaml", "select: [DJ108]\n")
        write(tree / "ci.yaml", "select: [DJ104]\n")
        assert codes(run(["check", "--format", "json", "--config", "ci.yaml"])) == ["DJ104"]

    def test_missing_config_option_is_a_usage_error(self) -> None:
        res = run(["check", "--config", "nope.yaml"])
        assert res.exit_code == 2
        assert "nope.yaml" in res.stderr

    def test_apply_overrides_leaves_unset_options_alone(self) -> None:
        cfg = Config(select=("DJ1",), ignore=("DJ101",), profile="ocp", target="app")
        same = apply_overrides(
            cfg,
            {"select": None, "extend_select": (), "ignore": (), "profile": None, "target": None},
        )
        assert same == cfg
