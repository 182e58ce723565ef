from __future__ import annotations

from dockerlint_django.rules._pages import expected_pages
from tests.conftest import ROOT


def test_rule_pages_are_current() -> None:
    directory = ROOT / "rules"
    wanted = expected_pages()
    stale = [
        name
        for name, text in wanted.items()
        if not (directory / name).is_file()
        or (directory / name).read_text(encoding="utf-8") != text
    ]
    extra = sorted(p.name for p in directory.glob("*.md") if p.name not in wanted)
    assert not stale and not extra, (
        f"rules/ is stale ({stale + extra}); run: python -m dockerlint_django.rules._pages"
    )
