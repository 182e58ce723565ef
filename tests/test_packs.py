"""Rule packs: the profiles as data, and an organisation's own packs in ``extends``."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockerlint_django import packs
from dockerlint_django import rules as registry
from dockerlint_django.config import Config, ConfigError, apply_overrides, load_file
from dockerlint_django.rules._base import Severity


@pytest.mark.parametrize("profile", sorted(packs.BUILT_IN))
def test_the_packs_are_what_the_rules_declare(profile: str) -> None:
    # A new rule is one edit in packs.py too: its META and the pack must agree.
    assert registry.default_codes(profile) == registry.declared_defaults(profile)


def test_every_rule_is_in_a_pack_or_off_by_default() -> None:
    every = registry.default_codes("ocp")
    left = {c for c in registry.CODES if c not in every}
    assert left == {c for c in registry.CODES if not registry.get(c).meta.default_enabled}


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_pack_file_under_the_configuration(tmp_path: Path) -> None:
    _write(
        tmp_path / "packs" / "acme.yaml",
        "extends: [ocp]\n"
        "ignore: [DJ106]\n"
        "severity: {DJ108: error, DJ101: info}\n"
        "policy:\n"
        "  - {id: ACME001, kind: instruction, message: No MAINTAINER, forbidden: [MAINTAINER]}\n",
    )
    config = load_file(
        _write(
            tmp_path / ".dockerlint-django.yaml",
            "extends: [packs/acme.yaml]\n"
            "ignore: [DJ107]\n"
            "severity: {DJ101: warning}\n"
            "policy:\n"
            "  - {id: ORG001, kind: user, message: Not root, non-root: true}\n",
        )
    )
    assert config is not None
    assert config.profile == "ocp"  # from the pack's own extends
    enabled = config.enabled_codes()
    assert "DJ106" not in enabled and "DJ107" not in enabled  # ignores add up
    assert "DJ060" in enabled  # the ocp pack's rules
    assert config.severity["DJ108"] is Severity.ERROR  # the pack's
    assert config.severity["DJ101"] is Severity.WARNING  # the configuration's wins
    assert [r.code for r in config.policy] == ["ACME001", "ORG001"]
    assert {"ACME001", "ORG001"} <= enabled


def test_extends_a_built_in_pack_is_its_profile(tmp_path: Path) -> None:
    config = load_file(_write(tmp_path / ".dockerlint-django.yaml", "extends: [ocp]\n"))
    assert config is not None and config.profile == "ocp"
    assert config.enabled_codes() == registry.default_codes("ocp")


def test_the_ocp_pack_raises_a_severity_a_configuration_may_lower(tmp_path: Path) -> None:
    def config(folder: str, text: str) -> Config:
        found = load_file(_write(tmp_path / folder / ".dockerlint-django.yaml", text))
        assert found is not None
        return found

    ocp = config("ocp", "profile: ocp\n")
    assert ocp.severity_of("DJ013") is Severity.WARNING
    assert ocp.severities() == {"DJ013": Severity.WARNING}  # what --show-settings lists
    assert config("extends", "extends: [ocp]\n").severity_of("DJ013") is Severity.WARNING
    own = config("own", "extends: [ocp]\nseverity: {DJ013: info}\n")
    assert own.severity_of("DJ013") is Severity.INFO
    generic = config("generic", "profile: generic\n")
    assert generic.severity_of("DJ013") is None  # each finding keeps its own
    assert apply_overrides(generic, {"profile": "ocp"}).severity_of("DJ013") is Severity.WARNING


def test_a_packs_rego_files_are_found_beside_the_pack(tmp_path: Path) -> None:
    pytest.importorskip("regopy")
    # Two files of one package: each its own rule (deny_p, deny_local), as Rego merges them.
    rule = (
        "package main\n\n# METADATA\n# custom:\n#   id: {code}\n"
        'deny_{name} contains "x" if {{ true }}\n'
    )
    base = rule.format(code="PLAT001", name="p")
    _write(tmp_path / "platform" / "policies" / "base.rego", base)
    _write(tmp_path / "platform" / "pack.yaml", "policy-files: [policies/*.rego]\n")
    _write(tmp_path / "repo" / "local.rego", rule.format(code="ORG001", name="local"))
    config = load_file(
        _write(
            tmp_path / "repo" / ".dockerlint-django.yaml",
            "extends: [../platform/pack.yaml]\npolicy-files: [local.rego]\n",
        )
    )
    assert config is not None
    # The pack's files and the configuration's add up, each relative to the file naming it.
    assert sorted(r.code for r in config.policy) == ["ORG001", "PLAT001"]


@pytest.mark.parametrize(
    ("pack", "error"),
    [
        ("select: [DJ001]\n", "extends: p.yaml: 'select' is not a pack's key"),
        ("extends: [p.yaml]\n", "extends: p.yaml: packs extend each other in a cycle"),
        ("- a\n", "extends: p.yaml: a pack is a mapping"),
        (None, "extends: p.yaml: cannot read"),
    ],
)
def test_a_bad_pack_is_an_error(tmp_path: Path, pack: str | None, error: str) -> None:
    if pack is not None:
        _write(tmp_path / "p.yaml", pack)
    config = _write(tmp_path / ".dockerlint-django.yaml", "extends: [p.yaml]\n")
    with pytest.raises(ConfigError) as exc:
        load_file(config)
    assert str(exc.value).startswith(f"{config}: ")
    assert error in str(exc.value)
