"""The Markdown reference under ``rules/``: one page per rule from its docstring, and an index;
and ``rules/_index.py`` in the package, what the registry knows of each rule without importing it.

Generated, never edited by hand: ``python -m dockerlint_django.rules._pages`` rewrites them, and
tests fail when the committed files differ from what the rule modules say.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dockerlint_django import rules as registry
from dockerlint_django.rules._base import FixAvailability, Rule
from dockerlint_django.rules._docs import render_markdown

_FIX = {
    FixAvailability.NONE: "none",
    FixAvailability.SOMETIMES: "sometimes",
    FixAvailability.ALWAYS: "always",
}


def page(rule: Rule) -> str:
    meta = rule.meta
    text = render_markdown(
        meta.code, meta.name, meta.severity.label, _FIX[meta.fix], meta.profile, rule.doc
    )
    extra = []
    if not meta.default_enabled:
        extra.append("This rule is off by default; enable it with `extend-select`.")
    if meta.hadolint:
        extra.append(
            "A `# hadolint ignore="
            + ",".join(meta.hadolint)
            + "` pragma also suppresses this rule."
        )
    if meta.buildkit:
        extra.append(
            "BuildKit's `# check=skip="
            + ",".join(meta.buildkit)
            + "` directive also skips this rule."
        )
    if extra:
        text += "\n## Related checks\n\n" + "\n".join(f"- {e}" for e in extra) + "\n"
    return text


def index() -> str:
    lines = [
        "# dockerlint-django rules",
        "",
        "Generated from the rule docstrings by `python -m dockerlint_django.rules._pages`.",
        "",
        "| Code | Name | Severity | Fix | Profile | Summary |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in registry.all_rules():
        m = r.meta
        name = m.name if m.default_enabled else f"{m.name} (off by default)"
        summary = m.summary.replace("|", "\\|")
        lines.append(
            f"| [{m.code}]({m.code}.md) | `{name}` | {m.severity.label} | {_FIX[m.fix]} "
            f"| {m.profile} | {summary} |"
        )
    return "\n".join(lines) + "\n"


def expected_pages() -> dict[str, str]:
    out = {f"{r.code}.md": page(r) for r in registry.all_rules()}
    out["README.md"] = index()
    return out


def write_pages(directory: Path) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    wanted = expected_pages()
    for name, text in wanted.items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(name)
    for stale in directory.glob("*.md"):
        if stale.name not in wanted:
            stale.unlink()
            changed.append(stale.name)
    return changed


INDEX_PATH = Path(__file__).with_name("_index.py")


def _strings(values: tuple[str, ...]) -> str:
    inner = ", ".join(f'"{v}"' for v in values)
    return f"({inner},)" if len(values) == 1 else f"({inner})"


def index_module() -> str:
    """The source of ``rules/_index.py``: the facts about each rule that a run needs before it
    knows which rules it runs, so that choosing them imports none (``--select DJ001``, one)."""
    rules = registry.all_rules()
    sections: list[tuple[str, str, list[str]]] = [
        ("NAMES", "dict[str, str]", [f'"{r.code}": "{r.name}"' for r in rules]),
        (
            "OFF_BY_DEFAULT",
            "frozenset[str]",
            [f'"{r.code}"' for r in rules if not r.meta.default_enabled],
        ),
        ("PROFILES", "dict[str, str]", [f'"{r.code}": "{r.meta.profile}"' for r in rules]),
        # A rule without one judges Compose services only: a Dockerfile's run never imports it.
        ("IMAGE_CHECKS", "frozenset[str]", [f'"{r.code}"' for r in rules if r.check is not None]),
        (
            "HADOLINT",
            "dict[str, tuple[str, ...]]",
            [f'"{r.code}": {_strings(r.meta.hadolint)}' for r in rules if r.meta.hadolint],
        ),
        (
            "BUILDKIT",
            "dict[str, tuple[str, ...]]",
            [f'"{r.code}": {_strings(r.meta.buildkit)}' for r in rules if r.meta.buildkit],
        ),
    ]
    lines = [
        '"""What the registry knows of each rule without importing its module.',
        "",
        "Generated from the rule modules by ``python -m dockerlint_django.rules._pages``; a test",
        "fails when it differs from what they declare.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Final",
        "",
        "# fmt: off",
    ]
    for name, kind, items in sections:
        opening, closing = ("{", "}") if kind.startswith("dict") else ("frozenset({", "})")
        lines.append(f"{name}: Final[{kind}] = {opening}")
        lines.extend(f"    {item}," for item in items)
        lines.append(closing)
    lines.append("# fmt: on")
    return "\n".join(lines) + "\n"


def write_index(path: Path = INDEX_PATH) -> bool:
    text = index_module()
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


if __name__ == "__main__":
    target = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "rules"
    )
    for name in write_pages(target):
        print(f"wrote {target / name}")
    if write_index():
        print(f"wrote {INDEX_PATH}")
