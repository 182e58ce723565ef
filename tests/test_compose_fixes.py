"""A fix to a Compose file changes only what it says it changes, as Docker Compose reads it.

Every rule fixture case whose ``fixed_files`` edit a Compose file is read by Docker Compose
itself (``config --format json``, see tests/compose_oracle.py) before and after the fix. The two
models must be equal except in the service keys the rule's fix is about: quoting a port changes
nothing, adding ``extra_hosts`` changes only ``extra_hosts``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.compose_oracle import Case, differences, run_oracle, unavailable_reason
from tests.conftest import ROOT

# What each rule's Compose fix may change in a service, as Compose reads it.
CHANGES: dict[str, frozenset[str]] = {
    "DJ002": frozenset({"command", "entrypoint"}),
    "DJ005": frozenset({"command", "entrypoint"}),
    "DJ006": frozenset({"stop_signal"}),
    "DJ007": frozenset({"stop_grace_period"}),
    "DJ016": frozenset({"command"}),
    "DJ044": frozenset({"environment"}),
    "DJ050": frozenset({"ports"}),
    "DJ052": frozenset({"extra_hosts"}),
    "DJ056": frozenset({"environment"}),
    "DJ111": frozenset(),
    "DJ901": frozenset(),
}


def _is_compose(name: str) -> bool:
    return name.endswith((".yaml", ".yml")) and "compose" in Path(name).name


def _cases() -> list[Any]:
    out = []
    for path in sorted((ROOT / "fixtures" / "rules").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name, case in data["cases"].items():
            fixed = case.get("fixed_files") or {}
            files = case.get("files") or {}
            if any(_is_compose(n) and fixed[n] != files.get(n) for n in fixed):
                out.append(pytest.param(data["rule"], case, id=f"{data['rule']}-{name}"))
    return out


CASES = _cases()


def test_every_compose_fix_is_covered() -> None:
    assert {p.values[0] for p in CASES} <= set(CHANGES)
    assert CASES


def _read(files: dict[str, str], root: Path) -> dict[str, Any]:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    outcome = run_oracle(Case(id=root.name, root=root.resolve()))
    assert outcome.ok, outcome.detail
    assert outcome.model is not None
    return outcome.model


@pytest.mark.parametrize(("code", "case"), CASES)
def test_fix_changes_only_its_keys(code: str, case: dict[str, Any], tmp_path: Path) -> None:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    # The same folder name: the project name Compose derives from it is the same.
    before = _read(dict(case["files"]), tmp_path / "before" / "project")
    after = _read({**case["files"], **case["fixed_files"]}, tmp_path / "after" / "project")
    changed = differences(before, after)
    allowed = CHANGES[code]
    unexpected = [
        line
        for line in changed
        if not any(f".{key}" in line.split(":", 1)[0] for key in allowed)
        or not line.startswith("services.")
    ]
    assert not unexpected, unexpected
    if allowed:
        assert changed, "the fix changed nothing Compose reads"
