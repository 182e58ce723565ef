"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

Built on ``sarif-om``'s object model and written through its attrs metadata, so the schema's
property names live in one place. This module is imported only for ``--format sarif``, which
keeps ``sarif_om`` and ``attrs`` out of every other run's start-up.

One run per invocation. Every rule that ran or fired is described in ``rules[]`` with its page from
``rules/``; results carry exact regions (columns in code points), GitHub's own line fingerprint,
safe fixes as replacements, and suppressed findings as results with an ``inSource`` suppression.
Deterministic: no timestamps, no absolute paths, a stable order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

import attr
import sarif_om as om

from dockerlint_django import __version__
from dockerlint_django import rules as registry
from dockerlint_django.fix import Applicability
from dockerlint_django.formatters._fingerprint import line_hashes
from dockerlint_django.results import DOCS_URL, Finding
from dockerlint_django.rules._base import Rule, Severity
from dockerlint_django.rules._docs import parse_doc
from dockerlint_django.rules._pages import page
from dockerlint_django.source import BOM, SourceFile, Span

if TYPE_CHECKING:
    from dockerlint_django.formatters import FormatOptions
    from dockerlint_django.results import FileResult

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "dockerlint-django"
INFORMATION_URI = DOCS_URL.split("/blob/", 1)[0]
DEFAULT_CATEGORY = "dockerlint-django/"
SRCROOT = "%SRCROOT%"

# GitHub rejects a file over these (docs: code-scanning/sarif-limits).
MAX_RESULTS = 25_000
MAX_TAGS = 20
MAX_TEXT = 1024  # shortDescription / fullDescription

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub's problem.severity vocabulary for rules that are not security rules.
_PROBLEM_SEVERITY = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "recommendation",
}
# Written even when equal to sarif-om's default: a result without ``level`` takes its rule's
# defaultConfiguration level, not "warning", and GitHub reads a rule's level from
# defaultConfiguration, so leaving either out would change what a consumer shows.
_ALWAYS_WRITTEN = frozenset({"level"})
# LineIndex breaks lines at a lone CR too; SARIF's default sequences are only CRLF and LF.
_NEWLINES = ["\r\n", "\n", "\r"]


@attr.s
class _PropertyBag(om.PropertyBag):  # type: ignore[misc]  # sarif_om ships no type information
    """A property bag with the schema's ``additionalProperties`` (GitHub's keys) next to tags."""

    additional: dict[str, Any] = attr.ib(factory=dict, metadata={"additional_properties": True})


def to_json(obj: object) -> Any:
    """Serialise sarif-om objects: names from the attrs metadata, values left at default dropped."""
    cls = type(obj)
    if attr.has(cls):
        out: dict[str, Any] = {}
        for f in attr.fields(cls):
            value = getattr(obj, f.name)
            if f.metadata.get("additional_properties"):
                out.update((k, to_json(v)) for k, v in value.items())
                continue
            name = f.metadata["schema_property_name"]
            if _is_default(f, value) and name not in _ALWAYS_WRITTEN:
                continue
            out[name] = to_json(value)
        return out
    if isinstance(obj, Mapping):
        return {k: to_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_json(v) for v in obj]
    return obj


def _is_default(f: attr.Attribute[Any], value: object) -> bool:
    if value is None:
        return True
    default: Any = f.default
    if default is attr.NOTHING:
        return False
    factory = getattr(default, "factory", None)
    if factory is not None:  # attr.Factory: sarif-om's list defaults, e.g. newlineSequences
        default = factory()
    return bool(value == default)


def _sentence(text: str) -> str:
    """End a message with a full stop: SARIF viewers show its first sentence as the title."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


def artifact_uri(path: str | Path, root: Path) -> str:
    """``path`` as a percent-encoded URI reference relative to ``root``.

    A symlink is reported where it points when that is inside ``root`` (GitHub does not show
    results in symlinked paths); a file outside ``root`` gets ``..`` segments, never an absolute
    path.
    """
    given = Path(os.path.abspath(path))
    base = Path(os.path.abspath(root))
    resolved = given.resolve()
    real_base = base.resolve()
    if resolved.is_relative_to(real_base):
        rel = resolved.relative_to(real_base).as_posix()
    elif given.is_relative_to(base):
        rel = given.relative_to(base).as_posix()
    else:
        rel = Path(os.path.relpath(given, base)).as_posix()
    return quote(rel, safe="/")


class _Builder:
    def __init__(self, results: Sequence[FileResult], opts: FormatOptions) -> None:
        self.results = results
        self.opts = opts
        self.root = opts.root if opts.root is not None else Path.cwd()

    # Locations

    def location_of(self, result: FileResult) -> om.ArtifactLocation:
        if result.real_path is not None:
            return om.ArtifactLocation(
                uri=artifact_uri(result.real_path, self.root), uri_base_id=SRCROOT
            )
        if result.path == "-":
            # Standard input without --stdin-filename has no name to report; "-" is not a path.
            return om.ArtifactLocation(
                uri="stdin",
                uri_base_id=SRCROOT,
                description=om.Message(
                    text="Standard input; name it with --stdin-filename to locate these results."
                ),
            )
        return om.ArtifactLocation(uri=artifact_uri(result.path, self.root), uri_base_id=SRCROOT)

    def region(self, source: SourceFile, span: Span) -> om.Region:
        start = source.position(span.start)
        end = source.position(span.end)
        return om.Region(
            start_line=start.line,
            start_column=start.column,
            end_line=end.line,
            end_column=end.column,
        )

    # Rules

    def rule_codes(self) -> list[str]:
        fired = {f.code for r in self.results for f in [*r.findings, *r.suppressed]}
        wanted = fired | set(self.opts.enabled)
        return [code for code in registry.known_codes() if code in wanted]

    def descriptor(self, rule: Rule) -> om.ReportingDescriptor:
        meta = rule.meta
        why = parse_doc(rule.doc).sections.get("Why is this bad?", "")
        first = " ".join(why.strip().split("\n\n")[0].split()) or meta.summary
        text = page(rule)
        additional: dict[str, Any] = {}
        if meta.security_severity is not None:
            additional["security-severity"] = meta.security_severity
        else:
            additional["problem.severity"] = _PROBLEM_SEVERITY[meta.severity]
        related = [*meta.hadolint, *meta.buildkit]
        if related:
            # The hadolint codes and BuildKit checks this rule stands for (catalogue §8.3).
            additional["related"] = related
        return om.ReportingDescriptor(
            id=meta.code,
            name=meta.name,
            short_description=om.MultiformatMessageString(text=_clip(meta.summary)),
            full_description=om.MultiformatMessageString(text=_clip(first)),
            help=om.MultiformatMessageString(text=text, markdown=text),
            help_uri=DOCS_URL.format(code=meta.code)
            if meta.code in registry.CODES
            else meta.help_uri,
            default_configuration=om.ReportingConfiguration(level=_LEVEL[meta.severity]),
            # tags is a field of the untyped base class, which mypy cannot see.
            properties=_PropertyBag(tags=list(meta.tags)[:MAX_TAGS], additional=additional),  # type: ignore[call-arg]
        )

    # Results

    def fixes(self, f: Finding, where: om.ArtifactLocation, source: SourceFile) -> list[om.Fix]:
        floor = Applicability.UNSAFE if self.opts.unsafe_fixes else Applicability.SAFE
        if f.fix is None or f.fix.applicability < floor or not f.fix.edits:
            return []
        replacements = [
            om.Replacement(
                deleted_region=self.region(source, Span(e.start, e.end)),
                inserted_content=om.ArtifactContent(text=e.content) if e.content else None,
            )
            for e in f.fix.edits
        ]
        return [
            om.Fix(
                description=om.Message(text=_sentence(f.fix.title)),
                artifact_changes=[
                    om.ArtifactChange(artifact_location=where, replacements=replacements)
                ],
            )
        ]

    def related(self, f: Finding, where: om.ArtifactLocation, source: SourceFile) -> list[Any]:
        out = []
        for i, rel in enumerate(f.related, start=1):
            other = rel.source or source
            artifact = (
                where
                if rel.source is None
                else om.ArtifactLocation(
                    uri=artifact_uri(other.path, self.root), uri_base_id=SRCROOT
                )
            )
            out.append(
                om.Location(
                    id=i,
                    message=om.Message(text=_sentence(rel.message)),
                    physical_location=om.PhysicalLocation(
                        artifact_location=artifact, region=self.region(other, rel.span)
                    ),
                )
            )
        return out

    def result(
        self,
        f: Finding,
        where: om.ArtifactLocation,
        source: SourceFile,
        hashes: list[str],
        index: dict[str, int],
    ) -> om.Result:
        region = self.region(source, f.span)
        return om.Result(
            rule_id=f.code,
            rule_index=index[f.code],
            level=_LEVEL[f.severity],
            message=om.Message(text=_sentence(f.message)),
            locations=[
                om.Location(
                    physical_location=om.PhysicalLocation(artifact_location=where, region=region)
                )
            ],
            related_locations=self.related(f, where, source) or None,
            partial_fingerprints={"primaryLocationLineHash": hashes[region.start_line - 1]},
            fixes=None if f.suppressed else self.fixes(f, where, source) or None,
            suppressions=[om.Suppression(kind="inSource")] if f.suppressed else None,
        )

    def build(self) -> om.SarifLog:
        codes = self.rule_codes()
        index = {code: i for i, code in enumerate(codes)}
        rules = [self.descriptor(registry.get(code)) for code in codes]

        keyed: list[tuple[tuple[Any, ...], om.Result]] = []
        notifications: list[om.Notification] = []
        for r in self.results:
            where = self.location_of(r)
            if r.error is not None:
                notifications.append(self.unreadable(r, where))
            if r.source is None:
                continue
            findings = [*r.findings, *r.suppressed]
            if not findings:
                continue
            text = (BOM if r.source.bom else "") + r.source.text
            hashes = line_hashes(text)
            for f in findings:
                key = (where.uri, f.start.line, f.start.column, f.code, f.message, f.suppressed)
                keyed.append((key, self.result(f, where, r.source, hashes, index)))

        keyed.sort(key=lambda kr: kr[0])
        if len(keyed) > MAX_RESULTS:
            # Keep the findings a user acts on: suppressed ones go first, then the end of the order.
            kept = sorted(keyed, key=lambda kr: (kr[0][5], kr[0]))[:MAX_RESULTS]
            notifications.append(
                om.Notification(
                    level="warning",
                    message=om.Message(
                        text=f"{len(keyed)} results exceed GitHub's limit of {MAX_RESULTS} "
                        f"per run; the {len(keyed) - MAX_RESULTS} left out are suppressed results "
                        "first, then the last in file and line order."
                    ),
                )
            )
            keyed = sorted(kept, key=lambda kr: kr[0])

        category = self.opts.category or DEFAULT_CATEGORY
        if not category.endswith("/"):
            # The category is what precedes the last slash; without one the id is only a run id.
            category += "/"
        run = om.Run(
            tool=om.Tool(
                driver=om.ToolComponent(
                    name=TOOL_NAME,
                    version=__version__,
                    semantic_version=__version__,
                    information_uri=INFORMATION_URI,
                    rules=rules,
                )
            ),
            automation_details=om.RunAutomationDetails(id=category),
            column_kind="unicodeCodePoints",
            newline_sequences=_NEWLINES,
            original_uri_base_ids={
                SRCROOT: om.ArtifactLocation(
                    description=om.Message(
                        text="The folder result paths are relative to: the repository root "
                        "when known, else the folder the tool ran in."
                    )
                )
            },
            invocations=[
                om.Invocation(
                    execution_successful=not any(r.error is not None for r in self.results),
                    tool_execution_notifications=notifications or None,
                )
            ],
            results=[res for _, res in keyed],
        )
        return om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run])

    def unreadable(self, r: FileResult, where: om.ArtifactLocation) -> om.Notification:
        error = r.error or ""
        # The error starts with the path as shown, which may be absolute; the location names it.
        detail = error[len(r.path) :] if error.startswith(r.path) else f": {error}"
        return om.Notification(
            level="error",
            message=om.Message(text=_sentence(f"{where.uri}{detail}")),
            locations=[om.Location(physical_location=om.PhysicalLocation(artifact_location=where))],
        )


def build(results: Sequence[FileResult], opts: FormatOptions) -> dict[str, Any]:
    """The SARIF log as plain JSON data."""
    data: dict[str, Any] = to_json(_Builder(results, opts).build())
    # $schema, then version, then runs: what a reader (or a tool sniffing the start) expects.
    schema = attr.fields_dict(om.SarifLog)["schema_uri"].metadata["schema_property_name"]
    return {k: data[k] for k in sorted(data, key=lambda k: (k != schema, k == "runs"))}


def write(results: Sequence[FileResult], out: TextIO, opts: FormatOptions) -> None:
    json.dump(build(results, opts), out, indent=2, ensure_ascii=False)
    out.write("\n")
