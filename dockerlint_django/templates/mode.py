"""Template mode: lint a cookiecutter template through its rendered variants.

The handbook's Dockerfiles are cookiecutter templates. Each file is rendered with the defaults of
the nearest ``cookiecutter.json``, once per variant (``templates.variants``: the defaults, then each
y/n choice flipped), every rendering is linted, and findings are reported against the template's
own lines. A finding that only some variants have names them. Fixes are not offered: an edit to a
rendering is not an edit to the template.

Templates are untrusted: the renderings of one file share one ``Budget`` (see ``render``), and a
template that passes one of its bounds is reported once ("template gave up: ...") and not rendered
in its remaining variants. A ``cookiecutter.json`` that cannot be used (unreadable, not JSON, too
large or deep, a default that does not render) is reported on the file, which is then not linted:
its text is a template, not a Dockerfile.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from dockerlint_django._record import replace
from dockerlint_django.results import FileResult, Finding
from dockerlint_django.source import SourceFile, Span, read_bounded
from dockerlint_django.templates.render import (
    MAX_CONTEXT_BYTES,
    MAX_VARIANTS,
    Budget,
    ContextError,
    Rendered,
    RenderError,
    load_context,
    plan_variants,
    render,
    template_reads,
)


def context_file(root: Path) -> Path | None:
    path = root / "cookiecutter.json"
    return path if path.is_file() else None


def lint_template(
    source: SourceFile,
    root: Path,
    lint_rendered: Callable[[SourceFile], FileResult],
    make_error: Callable[[SourceFile, str, int, str], Finding],
) -> FileResult | None:
    """Findings over all variants, on template lines; None when there is no ``cookiecutter.json``
    (the caller then lints the file as it is)."""
    json_path = context_file(root)
    if json_path is None:
        return None
    result = FileResult(source.path, None, source)
    try:
        context = load_context(_read_context(json_path))
    except ContextError as exc:
        message = str(exc)
        if not message.startswith("cookiecutter.json"):
            message = f"cookiecutter.json: {message}"
        shown = _shown(json_path)
        message = shown + message.removeprefix("cookiecutter.json")
        result.findings = [make_error(source, f"template does not render: {message}", 0, "DJ900")]
        result.parse_failed = True
        return result
    plan = plan_variants(context, template_reads(source.text))
    budget = Budget()
    seen: dict[tuple[str, int, int, str], tuple[Finding, list[str]]] = {}
    names: list[str] = []
    # Two variants that render the same text with the same line map have the same findings:
    # lint it once (a choice the file does not read renders as the defaults do).
    linted_before: dict[tuple[str, tuple[int, ...]], tuple[list[Finding], bool]] = {}
    for name, values in plan.chosen:
        names.append(name)
        rendered = render(source.text, values, budget)
        if isinstance(rendered, RenderError):
            message = rendered.message
            if not rendered.gave_up:
                message = f"template does not render: {message}"
            left = len(plan.chosen) - len(names)
            if rendered.gave_up and left:
                message += f" ({left} more variant{'s' if left > 1 else ''} not rendered)"
            _collect(seen, make_error(source, message, rendered.line, "DJ900"), name)
            result.parse_failed = True
            if rendered.gave_up:
                break
            continue
        key = (rendered.text, rendered.line_map)
        if key not in linted_before:
            text = SourceFile(
                source.path, rendered.text, source.bom, source.newline, source.line_breaks
            )
            linted = lint_rendered(text)
            mapped = [_to_template(source, text, rendered, f) for f in linted.findings]
            linted_before[key] = (mapped, linted.parse_failed)
        mapped, parse_failed = linted_before[key]
        result.parse_failed = result.parse_failed or parse_failed
        for finding in mapped:
            _collect(seen, finding, name)
    findings: list[Finding] = []
    for finding, found_in in seen.values():
        if len(found_in) < len(names):
            finding = replace(
                finding, message=f"{finding.message} (template variant: {'; '.join(found_in)})"
            )
        findings.append(finding)
    if plan.dropped:
        # Not an error of the file: the variants past the cap are input left unchecked.
        findings.append(make_error(source, _capped(plan.total, plan.dropped), 0, "DJ903"))
    result.findings = sorted(findings, key=Finding.sort_key)
    return result


def _read_context(path: Path) -> str:
    """The text of ``cookiecutter.json``; ContextError when it cannot be read."""
    try:
        return read_bounded(path, MAX_CONTEXT_BYTES).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContextError(f"cookiecutter.json is not UTF-8: {exc.reason}") from None
    except OSError as exc:
        raise ContextError(f"cookiecutter.json cannot be read: {exc.strerror or exc}") from None


def _shown(path: Path) -> str:
    """``path`` as the user names it: relative to the working directory when inside it."""
    try:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except (OSError, ValueError):
        return str(path)


def _capped(total: int, dropped: list[str]) -> str:
    shown = ", ".join(dropped[:3]) + (f" and {len(dropped) - 3:,} more" if len(dropped) > 3 else "")
    return (
        f"template has {total:,} variants; only {MAX_VARIANTS} were checked (the defaults, then"
        f" each y/n choice the file reads flipped, in cookiecutter.json order); not checked:"
        f" {shown}"
    )


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
