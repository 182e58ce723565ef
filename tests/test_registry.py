from __future__ import annotations

import re

import pytest

from dockerlint_django import rules as registry
from tests.conftest import SHARED


def test_codes_and_modules_agree() -> None:
    names = set()
    for code, module in registry.CODES.items():
        assert re.fullmatch(r"DJ\d{3}", code)
        assert module.startswith(code.lower() + "_")
        rule = registry.get(code)
        assert rule.code == code
        assert module.endswith(rule.name.replace("-", "_"))
        assert rule.name not in names
        names.add(rule.name)


def test_codes_are_listed_in_order() -> None:
    # One table, read by people: kept in code order so that a merge cannot hide a duplicate.
    assert list(registry.CODES) == sorted(registry.CODES)


def test_names_match_the_catalogue() -> None:
    catalogue = SHARED / "domain" / "rules-catalog.md"
    if not catalogue.is_file():
        pytest.skip("../shared/domain is not present")
    text = catalogue.read_text(encoding="utf-8")
    table = dict(re.findall(r"^#### (DJ\d{3}) `([a-z0-9-]+)`", text, re.MULTILINE))
    table.update(dict(re.findall(r"^\| (DJ1\d\d) \| ([a-z0-9-]+) \|", text, re.MULTILINE)))
    table.update(dict(re.findall(r"(DJ90\d) `([a-z-]+)`", text)))
    for code in registry.CODES:
        if code in OWN_META_CODES and code not in table:
            continue
        assert table.get(code) == registry.get(code).name, code


# Meta codes of this project that the catalogue does not list (it lists the rules of the practice
# and the first meta codes): DJ903 came with the size bounds on context files.
OWN_META_CODES = frozenset({"DJ903"})
