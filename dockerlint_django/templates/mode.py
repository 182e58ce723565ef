"""Template mode: lint a cookiecutter template through its rendered variants.

The handbook's Dockerfiles are cookiecutter templates. Each file is rendered with the defaults of
the nearest ``cookiecutter.json``, once per variant (``templates.variants``: the defaults, then each
y/n choice flipped), every rendering is linted, and findings are reported against the template's
own lines. A finding that only some variants have names them. Fixes are not offered: an edit to a
rendering is not an edit to the template.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dockerlint_django._record import replace
from dockerlint_django.results import FileResult, Finding
from dockerlint_django.source import SourceFile, Span
from dockerlint_django.templates.render import Rendered, RenderError, load_context, render, variants


def context_file(root: Path) -> Path | None:
    path = root / "cookiecutter.json"
    return path if path.is_file() else None


def lint_template(
    source: SourceFile,
    root: Path,
    lint_rendered: Callable[[SourceFile], FileResult],
    make_error: Callable[[SourceFile, str, int], Finding],
) -> FileResult | None:
    """Findings over all variants, on template lines; None when the template cannot be set up
    (no readable ``cookiecutter.json``): the caller then lints the file as it is."""
    json_path = context_file(root)
    if json_path is None:
        return None
    try:
        context = load_context(json_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    result = FileResult(source.path, None, source)
    seen: dict[tuple[str, int, int, str], tuple[Finding, list[str]]] = {}
    names: list[str] = []
    for name, values in variants(context):
        names.append(name)
        rendered = render(source.text, values)
        if isinstance(rendered, RenderError):
            finding = make_error(
                source, f"template does not render: {rendered.message}", rendered.line
            )
            _collect(seen, finding, name)
            result.parse_failed = True
            continue
        text = SourceFile(source.path, rendered.text, source.bom, source.newline)
        linted = lint_rendered(text)
        result.parse_failed = result.parse_failed or linted.parse_failed
        for finding in linted.findings:
            _collect(seen, _to_template(source, text, rendered, finding), name)
    findings: list[Finding] = []
    for finding, found_in in seen.values():
        if len(found_in) < len(names):
            finding = replace(
                finding, message=f"{finding.message} (template variant: {'; '.join(found_in)})"
            )
        findings.append(finding)
    result.findings = sorted(findings, key=Finding.sort_key)
    return result


def _collect(
    seen: dict[tuple[str, int, int, str], tuple[Finding, list[str]]], finding: Finding, name: str
) -> None:
    key = (finding.code, finding.span.start, finding.span.end, finding.message)
    if key in seen:
        if name not in seen[key][1]:
            seen[key][1].append(name)
    else:
        seen[key] = (finding, [name])


def _to_template(template: SourceFile, text: SourceFile, rendered: Rendered, f: Finding) -> Finding:
    """The finding moved from the rendering onto the template line it came from.

    Columns are kept when the template line reads exactly as the rendered one (no placeholder on
    it); otherwise the finding covers the whole template line.
    """
    start_line = rendered.template_line(f.start.line)
    end_line = max(rendered.template_line(f.end.line), start_line)
    same_start = template.line_text(start_line) == text.line_text(f.start.line)
    same_end = template.line_text(end_line) == text.line_text(f.end.line)
    start = (
        template.index.offset(start_line, f.start.column)
        if same_start
        else template.index.line_start(start_line)
    )
    end_line_start = template.index.line_start(end_line)
    end = (
        template.index.offset(end_line, f.end.column)
        if same_end
        else end_line_start + len(template.line_text(end_line))
    )
    span = Span(start, max(start, end))
    return replace(
        f,
        span=span,
        start=template.position(span.start),
        end=template.position(span.end),
        fix=None,
        related=(),
    )
