"""Every rule's docstring is its documentation, and its examples are executed.

Example must trigger the rule, Use instead must not, and the rule's fix applied to the Example
must converge to a file that parses.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterator

import pytest

from dockerlint_django import rules as registry
from dockerlint_django.config import Config
from dockerlint_django.engine import Options, lint_source
from dockerlint_django.rules._base import Context, FixAvailability, Rule, Violation
from dockerlint_django.rules._docs import check_doc, parse_doc
from dockerlint_django.source import SourceFile
from dockerlint_django.testing import fix_project, fix_text, lint_project, lint_text
from tests.conftest import COMPANIONS, codes_for

ALL = list(registry.CODES)


_DEFAULT_NAMES = {"dockerfile": "Dockerfile", "yaml": "compose.yaml"}


def _blocks(code: str, section: str) -> list[tuple[str, str]]:
    """A section's examples, one file each (a project's files are in ``_project``)."""
    if _project(code, section) is not None:
        return []
    doc = parse_doc(registry.get(code).doc)
    return [(b.text, b.filename or "Dockerfile") for b in doc.blocks(section)]


def _project(code: str, section: str) -> dict[str, str] | None:
    """A section whose blocks are a project's files (a Compose file, a script, the settings…):
    one example. A section of Dockerfiles only is one example per block."""
    blocks = parse_doc(registry.get(code).doc).blocks(section)
    if all(b.language == "dockerfile" for b in blocks):
        return None
    files: dict[str, str] = {}
    for b in blocks:
        name = b.filename or _DEFAULT_NAMES.get(b.language)
        assert name is not None, (
            f"{code}: a {b.language} block in a project example needs filename="
        )
        files[name] = b.text
    return files


def _crashing_rule() -> Rule:
    def check(ctx: Context) -> Iterator[Violation]:
        raise RuntimeError("deliberate crash")

    base = registry.get("DJ108")
    return Rule(base.meta, check, base.doc, "tests.crashing")


def _codes_found(code: str, text: str, filename: str) -> list[str]:
    if code == "DJ902":
        source = SourceFile.from_text(filename, text)
        result = lint_source(
            source, Options(Config(select=("DJ902", "DJ108"))), rules=[_crashing_rule()]
        )
        return [f.code for f in result.findings]
    if code in COMPANIONS:
        result = lint_text(text, codes_for(code), filename=filename)
        return [f.code for f in result.findings]
    return [f.code for f in lint_text(text, [code], filename=filename).findings]


@pytest.mark.parametrize("code", ALL)
def test_docstring_sections(code: str) -> None:
    rule = registry.get(code)
    doc = parse_doc(rule.doc)
    assert check_doc(code, doc) == []
    assert rule.meta.summary
    assert rule.meta.name and rule.meta.name == rule.meta.name.lower()


@pytest.mark.parametrize("code", ALL)
def test_example_triggers(code: str) -> None:
    project = _project(code, "Example")
    if project is not None:
        codes = [f.code for f in lint_project(project, codes_for(code))]
        assert code in codes, f"{code} Example did not fire on the project {sorted(project)}"
        return
    blocks = _blocks(code, "Example")
    assert blocks
    for text, filename in blocks:
        assert code in _codes_found(code, text, filename), f"{code} Example did not fire:\n{text}"


@pytest.mark.parametrize("code", ALL)
def test_use_instead_is_clean(code: str) -> None:
    project = _project(code, "Use instead")
    if project is not None:
        fired = [f for f in lint_project(project, codes_for(code)) if f.code == code]
        assert not fired, f"{code} fired on its Use instead: {fired}"
        return
    blocks = _blocks(code, "Use instead")
    assert blocks
    if code == "DJ902":
        pytest.skip("DJ902 fires only for a crashing rule, whatever the file")
    for text, filename in blocks:
        found = [c for c in _codes_found(code, text, filename) if c == code]
        assert not found, f"{code} fired on its Use instead:\n{text}"


@pytest.mark.parametrize("code", ALL)
def test_fix_converges(code: str) -> None:
    rule = registry.get(code)
    codes = codes_for(code)
    project = _project(code, "Example")
    if project is not None:
        mine = [f for f in lint_project(project, codes) if f.code == code]
        if rule.meta.fix is FixAvailability.NONE:
            assert not any(f.fixable for f in mine), f"{code} declares no fix but offered one"
            return
        if rule.meta.fix is FixAvailability.ALWAYS:
            assert all(f.fixable for f in mine), f"{code} declares a fix on every finding"
        if not any(f.fixable for f in mine):
            return
        fixed_files = fix_project(project, codes, unsafe=True)
        assert fixed_files != project
        left = [f for f in lint_project(fixed_files, codes) if f.code == code]
        assert not [f for f in left if f.fixable]
        return
    for text, filename in _blocks(code, "Example"):
        result = lint_text(text, codes, filename=filename)
        own = [f for f in result.findings if f.code == code]
        has_fix = any(f.fix is not None for f in own)
        if rule.meta.fix is FixAvailability.NONE:
            assert not has_fix, f"{code} declares no fix but offered one"
            continue
        if rule.meta.fix is FixAvailability.ALWAYS:
            assert all(f.fix is not None for f in own), f"{code} declares a fix on every finding"
        if not has_fix:
            continue
        fixed, converged = fix_text(text, codes, unsafe=True, filename=filename)
        assert converged
        assert fixed != text
        again = lint_text(fixed, codes, filename=filename)
        assert not again.parse_failed
        assert not [f for f in again.findings if f.code == code and f.fix is not None]


def _pairs(code: str) -> list[tuple[dict[str, str], dict[str, str]]]:
    """Each Example with the Use instead at the same place, as a project's files."""
    project = _project(code, "Example")
    if project is not None:
        after = _project(code, "Use instead")
        assert after is not None, f"{code}: a project Example needs a project Use instead"
        return [(project, after)]
    examples, better = _blocks(code, "Example"), _blocks(code, "Use instead")
    assert len(examples) == len(better), f"{code}: one Use instead for each Example"
    return [
        ({name: text}, {name: fixed})
        for (text, name), (fixed, _) in zip(examples, better, strict=True)
    ]


def _fixed(code: str, files: dict[str, str]) -> dict[str, str]:
    codes = codes_for(code)
    if len(files) == 1 and _project(code, "Example") is None:
        [(name, text)] = files.items()
        fixed, converged = fix_text(text, codes, unsafe=True, filename=name)
        assert converged
        return {name: fixed}
    return fix_project(files, codes, unsafe=True)


@pytest.mark.parametrize(
    "code", [c for c in ALL if registry.get(c).meta.fix is not FixAvailability.NONE]
)
def test_fix_turns_the_example_into_the_use_instead(code: str) -> None:
    """The fix is the advice: an Example it changes becomes its Use instead, byte for byte, and
    every fixable rule shows at least one such Example."""
    changed = 0
    for example, use_instead in _pairs(code):
        fixed = _fixed(code, example)
        if fixed == example:
            continue
        changed += 1
        for name, text in use_instead.items():
            assert fixed.get(name) == text, (
                f"{code}: the fixed Example's {name} is not the Use instead:\n{fixed.get(name)}"
            )
    assert changed, f"{code} has a fix, but no Example shows it"


@pytest.mark.parametrize("code", ALL)
def test_docstring_keeps_line_continuations(code: str) -> None:
    """In a docstring that is not raw, a backslash at the end of a line joins it to the next one:
    an example's ``RUN … \\`` continuation would silently become one line."""
    source = inspect.getsource(importlib.import_module(registry.get(code).module))
    docstring = source[: source.index('"""', source.index('"""') + 3)]
    lone = [
        n
        for n, line in enumerate(docstring.splitlines(), 1)
        if re.search(r"(?<!\\)(\\\\)*\\$", line)
    ]
    assert not lone, f"{code}: write \\\\ for a line continuation (lines {lone})"
