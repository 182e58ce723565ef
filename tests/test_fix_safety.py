"""``RuleMeta.safest_fix`` says what each rule's fixes are: check's fix count relies on it.

A rule declared UNSAFE (every fix it offers changes behaviour) is one whose waiting findings
``check`` does not run the fix loop for at the safe floor (``cli/_counts.py``): were it ever to
offer a safe fix, the count would miss it. So each rule is held to its module's source: every
``Fix(...)`` it builds names ``Applicability.UNSAFE``, and the fixes it takes from elsewhere are
known to be unsafe. The other way round too: a rule whose fixes are all unsafe declares it, so
that the count does not run the loop for it in vain.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from dockerlint_django import rules as registry
from dockerlint_django.fix import Applicability
from dockerlint_django.rules._base import FixAvailability
from dockerlint_django.testing import lint_project, lint_text
from tests.conftest import codes_for
from tests.test_rule_docs import _blocks, _project

# The module that makes a rule's fixes, where it is not the rule's own: DJ901's unused-suppression
# fix is made where suppressions are read.
_MADE_BY = {"DJ901": "dockerlint_django.suppress"}
# Fixes that rule modules take from other modules, with the applicability each one gives.
_IMPORTED_FIXES = {"accounts.chown_fix": "Applicability.UNSAFE"}

FIXING = [c for c in registry.CODES if registry.get(c).meta.fix is not FixAvailability.NONE]


def _fixes_in(source: str) -> list[str]:
    """The applicability of every fix a module's source builds or takes, as written."""
    tree = ast.parse(source)
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    out: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name == "Fix":
            given = node.args[2] if len(node.args) > 2 else None
            for keyword in node.keywords:
                if keyword.arg == "applicability":
                    given = keyword.value
            # Fix's own default is SAFE.
            out.append("Applicability.SAFE" if given is None else ast.unparse(given))
        elif isinstance(name, str) and name.endswith("_fix") and name not in defined:
            out.append(_IMPORTED_FIXES.get(ast.unparse(func), f"unknown: {ast.unparse(func)}"))
    return out


def _fixes_of(code: str) -> list[str]:
    module = importlib.import_module(_MADE_BY.get(code, registry.get(code).module))
    assert module.__file__ is not None
    return _fixes_in(Path(module.__file__).read_text(encoding="utf-8"))


@pytest.mark.parametrize("code", FIXING)
def test_safest_fix_is_what_the_module_builds(code: str) -> None:
    fixes = _fixes_of(code)
    assert fixes, f"{code} declares fixes, yet its module builds none that this test can see"
    unsafe_only = all(f == "Applicability.UNSAFE" for f in fixes)
    declared = registry.get(code).meta.safest_fix
    if unsafe_only:
        assert declared is Applicability.UNSAFE, f"{code}: every fix is unsafe; say so in META"
    else:
        assert declared is Applicability.SAFE, f"{code} may build a fix that is not unsafe: {fixes}"


@pytest.mark.parametrize(
    "code", [c for c in FIXING if registry.get(c).meta.safest_fix is Applicability.UNSAFE]
)
def test_an_unsafe_only_rule_offers_no_safe_fix_on_its_example(code: str) -> None:
    codes = codes_for(code)
    project = _project(code, "Example")
    if project is not None:
        shown = [f for f in lint_project(project, codes) if f.code == code]
        assert shown
        assert all(f.fix in (None, "unsafe") for f in shown), f"{code} offered a safe fix: {shown}"
        return
    found = [
        f
        for text, filename in _blocks(code, "Example")
        for f in lint_text(text, codes, filename=filename).findings
        if f.code == code
    ]
    assert found
    for f in found:
        if f.fix is not None:
            assert f.fix.applicability <= Applicability.UNSAFE, f"{code} offered a safe fix: {f}"


def test_the_reading_sees_every_way_a_fix_is_made() -> None:
    source = """
def _local_fix():
    return Fix("t", (), applicability=Applicability.UNSAFE)

def check():
    yield Fix("t", ())
    yield Fix("t", (), Applicability.SAFE if safe else Applicability.UNSAFE)
    yield _local_fix()
    yield accounts.chown_fix()
    yield other.move_fix()
"""
    assert sorted(_fixes_in(source)) == sorted(
        [
            "Applicability.UNSAFE",
            "Applicability.SAFE",  # Fix's default
            "Applicability.SAFE if safe else Applicability.UNSAFE",
            "Applicability.UNSAFE",  # accounts.chown_fix
            "unknown: other.move_fix",
        ]
    )
    assert set(_fixes_of("DJ108")) == {"Applicability.SAFE"}
    assert set(_fixes_of("DJ030")) == {"Applicability.UNSAFE"}
