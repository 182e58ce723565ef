"""Lint one file: decode, parse, model, run the rules, then severity, selection, suppression.

Every rule runs inside its own ``try``: a crashing rule becomes a DJ902 finding, never a traceback,
and the other rules and files go on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from dockerlint_django import rules as registry
from dockerlint_django._record import LazyPattern, record, replace
from dockerlint_django.analysis import Analysis
from dockerlint_django.config import DEFAULT_MAX_FILE_BYTES, Config
from dockerlint_django.discover import display_path, resolved
from dockerlint_django.dockerfile import model as dfmodel
from dockerlint_django.dockerfile.ast import Instruction, ParseError, ParseResult
from dockerlint_django.dockerfile.model import Stage
from dockerlint_django.dockerfile.parser import parse
from dockerlint_django.fix import Applicability, Fix, FixOutcome, fix_until_stable
from dockerlint_django.project.context import UNKNOWN_CONTEXT, BuildContext
from dockerlint_django.project.workspace import Workspace
from dockerlint_django.results import FileResult, Finding
from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
    GroupCheckFn,
    Related,
    Rule,
    Severity,
    Violation,
)
from dockerlint_django.shell.launch import WEB_SERVERS
from dockerlint_django.source import LF_ONLY, Position, SourceError, SourceFile, Span, read_bounded
from dockerlint_django.suppress import Suppressions, collect, may_suppress, unused, unused_fix

if TYPE_CHECKING:
    from dockerlint_django.project.links import ImageBuild
    from dockerlint_django.project.view import RuntimeLayer


@record
class Options:
    config: Config
    no_suppress: bool = False
    target: str | None = None
    # Template mode: None = for files under a `{{cookiecutter.*}}` folder, True = also for any
    # file with a cookiecutter.json above it, False = never.
    template: bool | None = None
    # How a Compose service builds this Dockerfile: its context, target and build args replace
    # the defaults (the Dockerfile's folder, the last stage, the ARG defaults).
    build: ImageBuild | None = None
    # The file was named on the command line (or is standard input): a `--target` that names no
    # stage of it is an error, as in `docker build`. A file a folder search found is checked
    # without that target, so one `--target` for a repository does not break its other files.
    target_required: bool = True
    # Only the fixes are wanted (the fix loop's rounds when check counts what `fix` would apply):
    # rules that never fix are not run, in a file with no pragma that could name them (a finding
    # of theirs may be what keeps a suppression from being reported unused, with its fix).
    fixable_only: bool = False


def _hadolint_map() -> dict[str, tuple[str, ...]]:
    # The registry's map, so that pragmas and `--ignore DL3025` can never disagree.
    return registry.by_hadolint()


@cache
def _buildkit_map() -> dict[str, tuple[str, ...]]:
    # From the rule index: building it from every rule's META imported all 60 rule modules, the
    # Compose-only ones included, on every run.
    return registry.by_buildkit()


_PLACEHOLDER = LazyPattern(r"\{\{.*?\}\}")


def _mask_placeholders(text: str) -> str:
    """Replace Jinja ``{{ … }}`` with same-length filler so a template parses, offsets intact."""
    return _PLACEHOLDER.sub(lambda m: "_" * len(m.group(0)), text)


def parse_dockerfile(
    source: SourceFile,
) -> tuple[ParseResult | None, ParseError | None, tuple[Span, ...]]:
    """Parse, with Jinja ``{{ … }}`` placeholders masked; also returns the masked spans.

    A template's `FROM python:{{ version }} AS build` would otherwise split into five words and
    lose its stage name. Masking keeps every offset, so findings still point into the real text;
    fixes that would touch a masked placeholder are dropped by the caller.
    """
    masks: tuple[Span, ...] = ()
    target = source
    if "{{" in source.text:
        masks = tuple(Span(m.start(), m.end()) for m in _PLACEHOLDER.finditer(source.text))
        if masks:
            target = SourceFile(
                source.path,
                _mask_placeholders(source.text),
                source.bom,
                source.newline,
                source.line_breaks,
            )
    try:
        return parse(target), None, masks
    except ParseError as exc:
        return None, exc, masks


def _finding(
    source: SourceFile,
    rule: Rule,
    v: Violation,
    workspace: Workspace | None = None,
    context: BuildContext | None = None,
    placed: dict[tuple[int, int], tuple[Position, Position]] | None = None,
) -> Finding:
    """``placed``: positions of spans in ``source`` found already, by (start, end); several
    rules (and policy entries) report at the same place of an image, its FROM above all."""
    size = len(source.text)
    if v.fix is None and not v.related and v.span.end <= size:
        # The usual finding: in the analysed file, with no fix and no related places.
        span = v.span
        key = (span.start, span.end)
        ends = placed.get(key) if placed is not None else None
        if ends is None:
            ends = source.index.positions(span.start, span.end)
            if placed is not None:
                placed[key] = ends
        return Finding(
            source.path, v.code, rule.name, v.message, v.severity, span, *ends, None, v.related
        )
    target, span, fix, related = _placed(source, v, size, workspace, context)
    start, end = target.index.positions(span.start, span.end)
    return Finding(
        target.path, v.code, rule.name, v.message, v.severity, span, start, end, fix, related
    )


def _placed(
    source: SourceFile,
    v: Violation,
    size: int,
    workspace: Workspace | None,
    context: BuildContext | None,
) -> tuple[SourceFile, Span, Fix | None, tuple[Related, ...]]:
    """The file a violation is reported in, its span there, and the fix and related places that
    still hold from there."""
    target = source
    if workspace is not None and v.span.start > size:
        # A span past the primary file is in another file the check read (an entrypoint script):
        # reported there, at that file's own line and column.
        target, span = workspace.locate(v.span)
    else:
        span = Span(min(v.span.start, size), min(v.span.end, size))
    fix = v.fix
    if fix is not None and (target is not source or any(e.end > size for e in fix.edits)):
        # `fix` rewrites one file at a time; an edit elsewhere would land at the wrong offsets.
        fix = None
    related = v.related
    if workspace is not None and target is not source:
        # Reported in another file: a related place in the Dockerfile must name it.
        related = tuple(
            (_relocate(r, workspace, context) if r.span.start > size else replace(r, source=source))
            if r.source is None
            else r
            for r in related
        )
    elif workspace is not None and any(r.source is None and r.span.start > size for r in related):
        related = tuple(
            _relocate(r, workspace, context) if r.source is None else r for r in related
        )
    return target, span, fix, related


def _relocate(
    related: Related, workspace: Workspace, context: BuildContext | None = None
) -> Related:
    other, span = workspace.locate(related.span)
    if other is workspace.primary:
        return related
    real = context.real_path(other.path) if context is not None else None
    if real is not None:
        # A build-context file, named as reports name it: from the working directory.
        other = replace(other, path=display_path(real))
    return Related(span, related.message, other)


def _meta_finding(source: SourceFile, code: str, message: str, span: Span) -> Finding:
    return _finding(source, registry.get(code), registry.get(code).meta.violation(span, message))


def run_rules(analysis: Analysis, rules: Sequence[Rule], config: Config) -> list[Finding]:
    """Every rule's findings; those in other files than the analysed one carry that file's path."""
    source = analysis.source
    workspace, context = analysis.workspace, analysis.context
    out: list[Finding] = []
    plain: Context | None = None  # one context for the rules with no options, of which are many
    placed: dict[tuple[int, int], tuple[Position, Position]] = {}
    rule_options = config.rule_options
    alone, groups = _partition(rules)
    for rule in alone:
        check = rule.check
        assert check is not None
        if not rule.meta.options and rule.meta.code not in rule_options:
            if plain is None:
                plain = Context(analysis, {}, config.profile)
            ctx = plain
        else:
            ctx = Context(analysis, config.options_for(rule.code), config.profile)
        try:
            violations = list(check(ctx))
        except Exception as exc:  # a rule's bug must not stop the run: report it as DJ902
            out.append(_crashed(source, rule, exc))
            continue
        if violations:
            out.extend(_finding(source, rule, v, workspace, context, placed) for v in violations)
    for check_all, members in groups:
        # One call for all the members, which read no options of their own.
        try:
            found = check_all(plain or Context(analysis, {}, config.profile))
        except Exception as exc:
            out.extend(_crashed(source, rule, exc) for rule in members if rule is not None)
            continue
        for member, of_member in zip(members, found, strict=False):
            if of_member and member is not None:
                if isinstance(of_member, Exception):
                    out.append(_crashed(source, member, of_member))
                else:
                    out.extend(
                        _finding(source, member, v, workspace, context, placed) for v in of_member
                    )
    return out


# The rules checked together (the policy's entries: thirty of them are thirty rules on every
# image), each group by its call with its members in the places of the call's result (None for
# a member not run on this file); and the other rules, that judge an image.
_Partition = tuple[
    list[Rule],
    list[tuple[GroupCheckFn, list[Rule | None]]],
]
# By the ids of the rules run, with the rules themselves, which keep those ids theirs: every
# file of a run is most often checked with the same rules.
_PARTITIONS: dict[tuple[int, ...], tuple[_Partition, list[Rule]]] = {}


def _partition(rules: Sequence[Rule]) -> _Partition:
    key = tuple(map(id, rules))
    kept = _PARTITIONS.get(key)
    if kept is not None:
        return kept[0]
    alone: list[Rule] = []
    by_group: dict[GroupCheckFn, dict[int, Rule]] = {}
    for rule in rules:
        group = rule.group
        if group is not None:
            by_group.setdefault(group.check, {})[group.member] = rule
        elif rule.check is not None:  # None: judges Compose services only
            alone.append(rule)
    groups = [
        (check, [members.get(i) for i in range(max(members) + 1)])
        for check, members in by_group.items()
    ]
    if len(_PARTITIONS) >= 64:
        _PARTITIONS.clear()  # a program that makes rules again and again: bounded, not a leak
    _PARTITIONS[key] = ((alone, groups), list(rules))
    return alone, groups


def _crashed(source: SourceFile, rule: Rule, exc: Exception) -> Finding:
    """A rule's bug, reported as DJ902 rather than stopping the run."""
    import traceback

    where = traceback.extract_tb(exc.__traceback__)[-1]
    msg = (
        f"rule {rule.code} ({rule.name}) crashed on this file: {type(exc).__name__}: {exc} "
        f"[{Path(where.filename).name}:{where.lineno}]"
    )
    return _meta_finding(source, "DJ902", msg, Span(0, 0))


@record
class TargetChoice:
    """The stage a file is linted as, and how it was chosen."""

    stage: str | None  # None: the last stage, as `docker build` without --target builds
    # --target or the configuration named it: that one image is judged. Otherwise every other
    # stage a build can target that starts a server is judged too (``extra_targets``).
    explicit: bool
    # The configuration entry that named it, for the error when the file has no such stage.
    where: str | None = None


def choose_target(
    options: Options, parsed: ParseResult, display: str, real_path: Path | None
) -> TargetChoice:
    """A Compose build's target; else ``--target``, ``per-file-target``, ``target``, in that order.

    ``--target`` counts for a file that has the stage, or that was named (``target_required``);
    ``per-file-target`` always counts (a stage it names that the file lacks is an error); the
    repository-wide ``target`` counts only for the files that have the stage.
    """
    build = options.build
    if build is not None:
        return TargetChoice(build.target, False)
    names = _stage_names(parsed)
    config = options.config
    given = options.target
    if given is not None and (given.lower() in names or options.target_required):
        return TargetChoice(given, True)
    entry = config.target_for(display, real_path)
    if entry is not None:
        pattern, stage = entry
        where = f"per-file-target {pattern!r}"
        if config.path is not None:
            where += f" in {display_path(config.path)}"
        return TargetChoice(stage, True, where)
    wide = config.target
    if wide is not None and wide != given and wide.lower() in names:
        return TargetChoice(wide, True)
    return TargetChoice(None, False)


def _stage_names(parsed: ParseResult) -> frozenset[str]:
    return frozenset(
        ins.value[2].lower()
        for ins in parsed.instructions
        if ins.keyword == "FROM" and len(ins.value) == 3 and ins.value[1].lower() == "as"
    )


def build_analysis(
    source: SourceFile,
    parsed: ParseResult,
    options: Options,
    real_path: Path | None,
    runtime: RuntimeLayer | None = None,
    workspace: Workspace | None = None,
    *,
    target: TargetChoice | None = None,
) -> Analysis:
    """The model of a parsed Dockerfile as built (a Compose build's target and args, if any),
    with its build context, and a Compose service's settings over it when ``runtime`` is given."""
    build = options.build
    if build is not None:
        model = dfmodel.build(source, parsed, target=build.target, build_args=build.args)
    else:
        if target is None:
            target = choose_target(options, parsed, source.path, real_path)
        model = dfmodel.build(source, parsed, target=target.stage)
    # The Dockerfile's folder is the build context unless the build says otherwise.
    # The Dockerfile decides which ignore file applies (BuildKit reads `<Dockerfile>.dockerignore`
    # beside it before the context's `.dockerignore`).
    limit = options.config.max_context_file_bytes
    if build is not None:
        context = BuildContext(build.context, dockerfile=real_path, max_bytes=limit)
    elif real_path is not None:
        context = BuildContext(resolved(real_path).parent, dockerfile=real_path, max_bytes=limit)
    else:
        context = UNKNOWN_CONTEXT
    in_template = None if real_path is None else _in_template(real_path)
    return Analysis(source, model, context, in_template, runtime=runtime, workspace=workspace)


def extra_targets(analysis: Analysis, config: Config) -> list[Stage]:
    """The other images a build of this file can make that may run in production.

    Besides the stage the file is linted as, a build can target any stage; the ones that are
    images of their own are the leaves (no stage builds FROM them or copies from them) that set
    their own start command, and it starts a web server: `prod` before a last `dev` (stages only
    development stages build on count as leaves). Under a
    Compose build's target the last stage is one too (what a build without --target makes):
    `docker-compose.yml` builds `dev`, the deployment the last stage. A stage named for
    development is left out: it is judged when it is the one built (then production-only advice
    is info there), and as another target it would only add that advice.
    None when a FROM or ``--from`` that a variable names could be any stage.
    """
    df = analysis.dockerfile
    stages = df.stages
    primary = df.final
    if len(stages) < 2 or primary is None:
        return []
    # Stages another image is built from. A stage only development stages build on is still an
    # image of its own (`production`, then `dev FROM production`): what the deployment builds.
    used: set[int] = set()
    for stage in stages:
        for_production = config.stage_development_reason(stage.name) is None
        if stage.parent is not None:
            if for_production:
                used.add(stage.parent.index)
        elif stage.base is None and not any(c in stage.from_.args.text for c in ":/@"):
            return []  # `FROM $BASE`: perhaps a stage
        for ins in stage.instructions:
            for ref in _stage_refs(ins):
                if "$" in ref:
                    return []
                found = df.stage_ref(ref)
                if found is not None and for_production:
                    used.add(found.index)
    last = stages[-1]
    out: list[Stage] = []
    for stage in stages:
        if stage is primary or stage.index in used:
            continue
        if config.stage_development_reason(stage.name) is not None:
            continue
        if stage is last:
            out.append(stage)
            continue
        if stage.name is None or not any(
            ins.keyword in ("CMD", "ENTRYPOINT") for ins in stage.instructions
        ):
            continue
        start = analysis.start(stage)
        if start is not None and start.launch.kind in WEB_SERVERS:
            out.append(stage)
    return out


def _stage_refs(ins: Instruction) -> Iterator[str]:
    """The stages (or images) an instruction reads: ``COPY --from``, ``RUN --mount=from=``."""
    for flag in ins.flags:
        if flag.value is None:
            continue
        if flag.name == "from":
            yield flag.value
        elif flag.name == "mount":
            for part in flag.value.split(","):
                key, eq, value = part.partition("=")
                if eq and key.strip().lower() == "from":
                    yield value.strip()


def as_target(analysis: Analysis, stage: Stage) -> Analysis:
    """The same file analysed as the image ``docker build --target <stage>`` makes.

    The model is shared (only the target differs, and with it ``final``), and so are the build
    context and the workspace, so that files read on the way get one offset each.
    """
    df = analysis.dockerfile
    target = None if stage is df.stages[-1] else stage.name
    model = replace(df, target=target, errors=[])
    return Analysis(
        analysis.source,
        model,
        analysis.context,
        analysis.in_template,
        runtime=analysis.runtime,
        workspace=analysis.workspace,
        # The stages are the same objects, so their RUNs are read and shell-parsed once.
        base=analysis,
    )


def _target_note(stage: Stage) -> str:
    if stage.name is not None:
        return f"in the image built with --target {stage.name}"
    return "in the image of the last stage, built without --target"


def lint_source(
    source: SourceFile,
    options: Options,
    real_path: Path | None = None,
    rules: Sequence[Rule] | None = None,
) -> FileResult:
    from dockerlint_django.dockerfile.expand import expansion_budget
    from dockerlint_django.shell.commands import reading_once

    # One expansion budget a file: a long value reused on every line cannot add up unbounded.
    with expansion_budget(), reading_once():
        return _lint_source(source, options, real_path, rules)


def _lint_source(
    source: SourceFile,
    options: Options,
    real_path: Path | None = None,
    rules: Sequence[Rule] | None = None,
) -> FileResult:
    # Lines are BuildKit's: a lone CR is no line break in a Dockerfile, so line numbers and the
    # lines fixes insert agree with the builder's.
    source = source.with_line_breaks(LF_ONLY)
    if options.template is not False and real_path is not None:
        templated = _lint_as_template(source, options, real_path, rules)
        if templated is not None:
            return templated
    config = options.config
    enabled = config.enabled_codes()
    result = FileResult(source.path, real_path, source)
    raw: list[Finding] = []
    # Findings of the other images a build can make (``extra_targets``), by the stage built.
    extra: list[tuple[Stage, list[Finding]]] = []
    analysis: Analysis | None = None
    parsed, error, masks = parse_dockerfile(source)
    suppressions = Suppressions([])
    if parsed is None:
        assert error is not None
        line = max(error.line, 1)
        line = min(line, source.index.line_count)
        raw.append(_meta_finding(source, "DJ900", error.message, source.line_span(line)))
        result.parse_failed = True
    else:
        choice = choose_target(options, parsed, source.path, real_path)
        analysis = build_analysis(source, parsed, options, real_path, target=choice)
        model = analysis.dockerfile
        for err in model.errors:
            message = err.message
            if err.fatal and choice.where is not None:
                message = f"{message} ({choice.where})"
            raw.append(_meta_finding(source, "DJ900", message, err.instruction.keyword_span))
            if err.fatal:
                result.parse_failed = True
        selected = (
            list(rules)
            if rules is not None
            # Rules that judge Compose services only are not imported for a Dockerfile.
            else registry.image_rules(enabled)
            + config.policy_rules(source.path, real_path, enabled, images=True)
        )
        if options.fixable_only and not may_suppress(source.text):
            selected = [r for r in selected if r.meta.fix is not FixAvailability.NONE]
        raw.extend(run_rules(analysis, selected, config))
        targets = [] if choice.explicit else extra_targets(analysis, config)
        if targets:
            others = [r for r in selected if not r.meta.every_target_alike]
            for stage in targets:
                extra.append((stage, run_rules(as_target(analysis, stage), others, config)))
        for name, why in sorted(analysis.context.skipped.items()):
            message = (
                f"{name} in the build context was not read ({why}), so what the checks would "
                "learn from it is unknown"
            )
            raw.append(_meta_finding(source, "DJ903", message, Span(0, 0)))
        if not options.no_suppress:
            suppressions = collect(
                parsed.comments,
                parsed.instructions,
                _hadolint_map(),
                _buildkit_map(),
                parsed.directives.check,
                registry.by_name(),
                source_text=source.text,
            )

    ignored = config.ignored_for(source.path, real_path)
    development: list[str | None] = []  # computed once, when a production-only rule reports
    judged = analysis.dockerfile.final if analysis is not None else None

    severities = config.severities()  # `severity_of`, for every finding

    def settled(f: Finding, stage: Stage | None) -> Finding:
        """Severity as configured, info where the image is a development one, and the target
        named when it is not the one the file is linted as."""
        configured = severities.get(f.code)
        if configured is not None:
            f = replace(f, severity=configured)
        notes: list[str] = []
        if stage is not None:
            notes.append(_target_note(stage))
            f = replace(f, other_target=stage.name or "")
        if f.severity > Severity.INFO and registry.get(f.code).meta.production_only:
            # The image is a development one when its Dockerfile is; a script it runs (found
            # on the way) can also say so by its own name (`entrypoints/local.sh`).
            if not development:
                development.append(config.development_reason(source.path, real_path))
            reason = development[0]
            if reason is None and f.path != source.path:
                reason = config.development_reason(f.path, None)
            if reason is None:
                built = stage if stage is not None else judged
                reason = config.stage_development_reason(built.name if built else None)
            if reason is not None:
                f = replace(f, severity=Severity.INFO)
                notes.append(f"info here: {reason}")
        if notes:
            f = replace(f, message=f"{f.message} ({'; '.join(notes)})")
        return f

    def wanted(f: Finding) -> bool:
        if f.code not in enabled and f.code not in ("DJ900", "DJ902"):
            return False
        if f.path != source.path:
            # In a file the check read on the way (an entrypoint script): its own ignores apply.
            return f.code not in config.ignored_for(f.path, None)
        return f.code not in ignored

    found = [settled(f, None) for f in raw if wanted(f)]
    if extra:
        # One finding a rule and place: another image's finding is new only where the file's own
        # image has none, and replaces it where it is more severe (`prod`'s warning over the
        # info a `dev` image gets).
        at = {_place(f): i for i, f in enumerate(found)}
        for stage, findings in extra:
            for f in findings:
                if not wanted(f):
                    continue
                f = settled(f, stage)
                i = at.get(_place(f))
                if i is None:
                    at[_place(f)] = len(found)
                    found.append(f)
                elif f.severity > found[i].severity:
                    found[i] = f

    kept: list[Finding] = []
    elsewhere: list[Finding] = []
    for f in found:
        if f.path != source.path:
            # The Dockerfile's pragmas do not apply in another file (their spans are of its text).
            elsewhere.append(f)
            continue
        if f.code not in ("DJ900",) and suppressions.suppress(f.code, f.span):
            result.suppressed.append(replace(f, suppressed=True))
            continue
        kept.append(f)
    if "DJ901" in enabled and "DJ901" not in ignored and not options.no_suppress:
        # A pragma may suppress DJ901 itself (`ignore-file=DJ901`): mark those uses first, so that
        # such a pragma is not in turn reported as unused.
        known = registry.known_codes()
        hidden = {
            (u.comment.span, u.code)
            for u in unused(suppressions, enabled, known)
            if suppressions.suppress("DJ901", u.comment.span)
        }
        for u in unused(suppressions, enabled, known):
            msg = f"unused suppression: {u.reason}"
            pragma = next((p for p in suppressions.pragmas if p.comment is u.comment), None)
            fix = unused_fix(source, u.comment.span, u.code, pragma)
            f = _meta_finding(source, "DJ901", msg, u.comment.span)
            configured = config.severity_of("DJ901")
            if configured is not None:
                f = replace(f, severity=configured)
            f = replace(f, fix=fix)
            if (u.comment.span, u.code) in hidden:
                result.suppressed.append(replace(f, suppressed=True))
            else:
                kept.append(f)
    if masks:
        kept = [_without_masked_fix(f, masks) for f in kept]
    result.findings = sorted(kept, key=Finding.sort_key)
    result.suppressed.sort(key=Finding.sort_key)
    if elsewhere and analysis is not None:
        result.others = _results_elsewhere(elsewhere, analysis.workspace, analysis.context)
    return result


def _place(f: Finding) -> tuple[str, str, int, int]:
    return (f.path, f.code, f.span.start, f.span.end)


def _results_elsewhere(
    findings: Sequence[Finding], workspace: Workspace, context: BuildContext
) -> list[FileResult]:
    by_path: dict[str, FileResult] = {}
    for source in workspace.files[1:]:
        if source.path in by_path:
            continue
        real = context.real_path(source.path)
        if real is not None:
            # Build-context files are named by their context path (so that includes resolve
            # there); reports name them as the user sees them, from the working directory.
            shown = display_path(real)
            by_path[source.path] = FileResult(shown, real, replace(source, path=shown))
        else:
            by_path[source.path] = FileResult(source.path, None, source)
    for f in findings:
        home = by_path.get(f.path)
        if home is not None:
            home.findings.append(replace(f, path=home.path))
    out = [r for r in by_path.values() if r.findings]
    for r in out:
        r.findings.sort(key=Finding.sort_key)
    return out


def _lint_as_template(
    source: SourceFile, options: Options, real_path: Path, rules: Sequence[Rule] | None
) -> FileResult | None:
    root = None
    if "{{" in str(real_path.parent):
        # Only such a path can be in a template: other files skip importing the template engine.
        from dockerlint_django.templates.render import find_template_root

        root = find_template_root(real_path)
    if root is None and options.template:
        root = next(
            (d for d in real_path.resolve().parents if (d / "cookiecutter.json").is_file()), None
        )
    if root is None:
        return None
    from dockerlint_django.templates.mode import lint_template

    inner = replace(options, template=False)

    def lint_rendered(rendered: SourceFile) -> FileResult:
        return lint_source(rendered, inner, real_path, rules)

    def error(src: SourceFile, message: str, line: int, code: str) -> Finding:
        line = min(max(line, 1), src.index.line_count)
        return _meta_finding(src, code, message, src.line_span(line))

    result = lint_template(source, root, lint_rendered, error)
    if result is not None:
        result.real_path = real_path
    return result


def _in_template(path: Path) -> bool:
    # Only a path with a `{{cookiecutter.` folder can be in one: skip importing the template
    # engine (and what it imports) for every other file.
    if "{{" not in str(path):
        return False
    if re.search(r"\{\{\s*cookiecutter\.", path.name):
        return True  # cookiecutter renders file names too
    from dockerlint_django.templates.render import find_template_root

    return find_template_root(path) is not None


def _without_masked_fix(finding: Finding, masks: Sequence[Span]) -> Finding:
    # A fix computed on the masked text would write the filler into the file.
    fix = finding.fix
    if fix is None or not any(
        e.start < m.end and m.start < max(e.end, e.start + 1) for e in fix.edits for m in masks
    ):
        return finding
    return replace(finding, fix=None)


def read_source(path: Path, display: str, limit: int = DEFAULT_MAX_FILE_BYTES) -> SourceFile:
    try:
        data = read_bounded(path, limit)
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None
    return SourceFile.from_bytes(display, data, LF_ONLY)


def lint_path(path: Path, display: str, options: Options) -> FileResult:
    try:
        source = read_source(path, display, options.config.max_file_bytes)
    except SourceError as exc:
        line = f":{exc.line}" if exc.line else ""
        return FileResult(display, path, None, error=f"{display}{line}: {exc.message}")
    return lint_source(source, options, real_path=path)


def fix_source(
    source: SourceFile,
    options: Options,
    unsafe: bool,
    real_path: Path | None = None,
    lints: MutableMapping[str, FileResult] | None = None,
    fixes_only: bool = False,
) -> FixOutcome:
    """Apply fixes until stable: the new text, how many fixes applied (by rule), convergence.

    ``fixes_only``: the lints it makes are wanted for their fixes alone (``Options.fixable_only``);
    only the outcome's text and counts are then to be used, not those lints' findings.

    ``lints`` holds results of ``lint_source`` of this source, with these options and path, by
    text: a round whose text is in it uses that result instead of linting again, and every lint
    the loop makes is added, so that the caller finds the final text's result there.
    """
    floor = Applicability.UNSAFE if unsafe else Applicability.SAFE
    known: MutableMapping[str, FileResult] = {} if lints is None else lints
    if fixes_only:
        options = replace(options, fixable_only=True)

    def fixes_for(text: str) -> list[Fix] | None:
        res = known.get(text)
        if res is None:
            res = lint_source(replace(source, text=text), options, real_path)
            known[text] = res
        if res.parse_failed:
            return None
        return [
            replace(f.fix, code=f.code)
            for f in res.findings
            if f.fix is not None and f.fix.applicability >= floor
        ]

    return fix_until_stable(source.text, fixes_for)


def exit_code(results: Iterable[FileResult], fail_on: Severity) -> int:
    worst = 0
    for r in results:
        if r.error is not None or r.parse_failed:
            return 2
        if any(f.severity >= fail_on for f in r.findings):
            worst = 1
    return worst
