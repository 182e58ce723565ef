"""Per-rule fixture cases from ``fixtures/rules/<CODE>.yaml``.

Each case has ``pass`` (no finding), ``fail`` (findings, optionally exactly at ``violations``), or
``corpus`` (a real file under ``../shared/corpus/files``, with its exact ``violations``). A case
with ``fixed`` must fix to exactly that text (``unsafe_fixes: true`` to include unsafe fixes), and
every fix must converge to a file that parses and no longer has that fixable finding.

A project case has ``files`` (relative path to text: Dockerfile, Compose file, env files,
scripts), checked from inside that folder as ``check`` is; ``violations`` then name their
``file``, ``related`` the other places (``file:line``) each finding carries, ``fixed_files`` what
``fix`` leaves in the files it changes, and ``args`` are more command-line arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from dockerlint_django import rules as registry
from dockerlint_django.testing import fix_project, fix_text, lint_project, lint_text
from tests.conftest import CORPUS, ROOT, codes_for

FIXTURES = ROOT / "fixtures" / "rules"
KEYS = {
    "pass",
    "fail",
    "corpus",
    "violations",
    "fixed",
    "unsafe_fixes",
    "filename",
    "profile",
    "options",
    "severity",
    "messages",
    "description",
    "files",
    "fixed_files",
    "args",
}


def _cases() -> list[Any]:
    out = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        code = data["rule"]
        for name, case in data["cases"].items():
            out.append(pytest.param(code, name, case, id=f"{code}-{name}"))
    return out


CASES = _cases()


def test_every_rule_has_cases() -> None:
    covered = {p.values[0] for p in CASES}
    missing = [c for c in registry.CODES if c not in covered and c not in ("DJ902",)]
    assert not missing


@pytest.mark.parametrize(("code", "name", "case"), CASES)
def test_case(code: str, name: str, case: dict[str, Any]) -> None:
    unknown = set(case) - KEYS
    assert not unknown, f"unknown keys {unknown}"
    filename = case.get("filename", "Dockerfile")
    profile = case.get("profile", "generic")
    options = {code: case["options"]} if "options" in case else None
    codes = codes_for(code)
    if "files" in case:
        _project_case(code, codes, case, profile, options)
        return
    if "corpus" in case:
        path = CORPUS / "files" / case["corpus"]
        if not path.is_file():
            pytest.skip("corpus not present")
        text = path.read_bytes().decode("utf-8")
        filename = case.get("filename", Path(case["corpus"]).name)
    else:
        text = case.get("pass", case.get("fail"))
        assert text is not None, "a case needs pass, fail or corpus"
    # A corpus case with its own `filename` lints that text as a copy elsewhere (no build context,
    # no template folder): "this real file, copied into a project".
    real_path = (
        CORPUS / "files" / case["corpus"] if "corpus" in case and "filename" not in case else None
    )
    result = lint_text(
        text, codes, filename=filename, profile=profile, options=options, real_path=real_path
    )
    found = [f for f in result.findings if f.code == code]
    if "pass" in case or case.get("violations") == []:
        assert not found, [f"{f.start.line}:{f.start.column} {f.message}" for f in found]
        return
    assert found, "expected a finding"
    if "violations" in case:
        got = [{"line": f.start.line, "column": f.start.column} for f in found]
        want = [dict(v) for v in case["violations"]]
        for w, g in zip(want, got, strict=False):
            if "column" not in w:
                g.pop("column")
        assert got == want
    if "severity" in case:
        assert {f.severity.label for f in found} == {case["severity"]}
    for fragment in case.get("messages", []):
        assert any(fragment in f.message for f in found), fragment
    unsafe = bool(case.get("unsafe_fixes", False))
    fixed, converged = fix_text(
        text, codes, unsafe=unsafe, filename=filename, profile=profile, options=options
    )
    assert converged
    again = lint_text(fixed, codes, filename=filename, profile=profile, options=options)
    assert again.parse_failed == result.parse_failed
    if "fixed" in case:
        assert fixed == case["fixed"]
    floor = 1 if unsafe else 2
    left = [f for f in again.findings if f.code == code and f.fix and f.fix.applicability >= floor]
    assert not left, "a fix did not remove its own finding"


def _project_case(
    code: str,
    codes: list[str],
    case: dict[str, Any],
    profile: str,
    options: dict[str, Any] | None,
) -> None:
    files: dict[str, str] = case["files"]
    args = case.get("args", [])
    found = [f for f in lint_project(files, codes, profile, options, args=args) if f.code == code]
    described = [f"{f.path}:{f.line}:{f.column} {f.message}" for f in found]
    if case.get("violations") == []:
        assert not found, described
        return
    assert found, "expected a finding"
    if "violations" in case:
        got = []
        for f, want in zip(found, case["violations"], strict=False):
            entry: dict[str, Any] = {"file": f.path, "line": f.line}
            if "column" in want:
                entry["column"] = f.column
            if "related" in want:
                entry["related"] = [f"{p}:{line}" for p, line, _ in f.related]
            got.append(entry)
        assert len(found) == len(case["violations"]), described
        assert got == [dict(v) for v in case["violations"]], described
    if "severity" in case:
        assert {f.severity for f in found} == {case["severity"]}, described
    for fragment in case.get("messages", []):
        assert any(fragment in f.message for f in found), (fragment, described)
    unsafe = bool(case.get("unsafe_fixes", False))
    fixed = fix_project(files, codes, unsafe=unsafe, profile=profile, options=options)
    if "fixed_files" in case:
        for name, text in case["fixed_files"].items():
            assert fixed[name] == text, name
    again = lint_project(fixed, codes, profile, options, args=args)
    wanted = ("safe", "unsafe") if unsafe else ("safe",)
    left = [f for f in again if f.code == code and f.fix in wanted]
    assert not left, "a fix did not remove its own finding"
