"""The Markdown reference under ``rules/``: one page per rule from its docstring, and an index.

Generated, never edited by hand: ``python -m dockerlint_django.rules._pages`` rewrites them, and a
test fails when the committed pages differ from what the docstrings say.
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


if __name__ == "__main__":
    target = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "rules"
    )
    for name in write_pages(target):
        print(f"wrote {target / name}")
