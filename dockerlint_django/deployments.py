"""Check Compose projects: each service as it runs, by the rules that judge services.

For every service of every project read (``project.deployment``), a ``service.ServiceView`` joins
the service's settings with the image its Dockerfile builds, when the project builds one here.
Two kinds of rule look at it:

- Compose rules (``check_service``) judge the service itself: ``command:`` strings Compose cuts,
  literal secrets, ports, users, stop signals, and settings that lose to the image's;
- image rules of kind ``compose``/``cross`` (``check``) judge the image with the service's
  settings over it. What they find in the Dockerfile is the image's own finding, reported by the
  Dockerfile's check; what they find in a Compose file (a ``command:`` that brings back
  ``--reload``) is the service's, and says so.

Findings land in the file their span lies in, with every related place in its own file. A
finding of a production-only rule in a development setup (``project.development``) is reported
at ``info`` with the reason. Compose files take ``# dockerlint-django: ignore=…`` pragmas
(``suppress.collect_yaml``); unused ones are DJ901.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dockerlint_django import rules as registry
from dockerlint_django._record import replace
from dockerlint_django.analysis import Analysis
from dockerlint_django.config import Config
from dockerlint_django.discover import compose_sources, display_path
from dockerlint_django.engine import Options, build_analysis, parse_dockerfile, read_source
from dockerlint_django.fix import Applicability, Edit, Fix, FixOutcome
from dockerlint_django.project.view import runtime_layer
from dockerlint_django.project.workspace import Workspace
from dockerlint_django.results import FileResult, Finding
from dockerlint_django.rules._base import (
    Context,
    Related,
    Rule,
    ServiceContext,
    Severity,
    Violation,
)
from dockerlint_django.service import ServiceView
from dockerlint_django.source import SourceError, SourceFile, Span
from dockerlint_django.suppress import Suppressions, collect_yaml, unused, unused_fix

if TYPE_CHECKING:
    from dockerlint_django.project.deployment import Deployment, LoadSettings
    from dockerlint_django.project.links import ImageBuild, ServiceLink

OptionsFor = Callable[[Path | None, "ImageBuild | None"], Options]


class _Collector:
    """Findings of every project, by the file they are in; sources and configs of those files."""

    def __init__(self) -> None:
        self.findings: dict[str, list[Finding]] = {}
        self.sources: dict[str, SourceFile] = {}
        self.real: dict[str, Path | None] = {}
        self.compose: list[str] = []  # Compose files read, in order

    def file(self, source: SourceFile, real: Path | None, compose: bool = False) -> None:
        if source.path not in self.sources:
            self.sources[source.path] = source
            self.real[source.path] = real
            self.findings[source.path] = []
            if compose:
                self.compose.append(source.path)

    def add(self, finding: Finding) -> None:
        self.findings.setdefault(finding.path, []).append(finding)


def check_deployments(
    deployments: Iterable[Deployment], options_for: OptionsFor, unchecked: Iterable[Path] = ()
) -> list[FileResult]:
    """A result for each Compose file read (and for any other file a service's finding is in).

    ``unchecked`` are Compose files of projects that could not be checked: their pragmas are
    not reported as unused, since they may serve those projects.
    """
    out = _Collector()
    configs: dict[str, Config] = {}
    # A project of fewer files first (the main file alone before it with its override): where
    # both see the same finding, the production reading's related places are kept.
    ordered = sorted(
        (d for d in deployments if d.project is not None),
        key=lambda d: len(d.project.compose_files) if d.project is not None else 0,
    )
    for d in ordered:
        if d.project is None:
            continue
        compose = compose_sources(d.project.files)
        if not compose:
            continue
        config = options_for(Path(compose[0].path), None).config
        for source in compose:
            out.file(source, Path(source.path), compose=True)
            configs.setdefault(source.path, options_for(Path(source.path), None).config)
        dev = next(
            (r for s in compose if (r := config.development_reason(s.path, Path(s.path)))),
            None,
        )
        enabled = config.enabled_codes()
        rules = [
            registry.get(c) for c in registry.CODES if c in enabled and c not in registry.META_CODES
        ]
        rules += config.policy_rules(compose[0].path, Path(compose[0].path), enabled)
        rules = [r for r in rules if r.judges_services]
        for link in d.links:
            _check_service(d, link, rules, config, dev, options_for, out)
    return _results(out, configs, options_for, frozenset(p.absolute() for p in unchecked))


def service_image(
    link: ServiceLink, options_for: OptionsFor
) -> tuple[Workspace | None, Analysis | None, SourceFile | None, str | None]:
    """The image a service runs, analysed with the service's settings over it.

    Returns the workspace (the Dockerfile first), the analysis (None when the image cannot be
    analysed), the Dockerfile's source, and why the analysis is missing, if it is.
    """
    build = link.image
    if build is None or build.dockerfile is None:
        return None, None, None, None
    shown = display_path(build.dockerfile)
    if not build.dockerfile.is_file():
        return None, None, None, f"{shown}: not found"
    try:
        source = read_source(build.dockerfile, shown)
    except SourceError as exc:
        return None, None, None, f"{shown}: {exc.message}"  # its own check reports it too
    parsed, error, _masks = parse_dockerfile(source)
    if parsed is None:
        return None, None, source, f"{shown}: {error.message if error else 'parse error'}"
    workspace = Workspace(source)
    layer = runtime_layer(link.service, workspace)
    options = options_for(build.dockerfile, build)
    analysis = build_analysis(source, parsed, options, build.dockerfile, layer, workspace)
    if analysis.dockerfile.final is None:
        return workspace, None, source, f"{shown}: no stage named {build.target!r}"
    if any(e.fatal for e in analysis.dockerfile.errors):
        return workspace, None, source, f"{shown}: {analysis.dockerfile.errors[0].message}"
    return workspace, analysis, source, None


def _check_service(
    d: Deployment,
    link: ServiceLink,
    rules: Sequence[Rule],
    config: Config,
    dev: str | None,
    options_for: OptionsFor,
    out: _Collector,
) -> None:
    assert d.project is not None
    workspace, analysis, dockerfile, _why = service_image(link, options_for)
    if workspace is None:
        origin = link.service.origin
        if origin is None:
            return
        workspace = Workspace(origin.source)
    layer = analysis.runtime if analysis is not None and analysis.runtime is not None else None
    if layer is None:
        layer = runtime_layer(link.service, workspace)
    view = ServiceView(d.project, link, layer, workspace, analysis)
    image_dev = None
    if dockerfile is not None and link.image is not None and link.image.dockerfile is not None:
        image_dev = config.development_reason(dockerfile.path, link.image.dockerfile)
    setups: list[str | None] = []

    def setup(view: ServiceView) -> str | None:
        # Computed once a service, when a production-only rule reports: a service that mounts
        # its source over the image's code is a development setup whatever its file is called.
        if not setups:
            setups.append(view.development_setup(runserver=False))
        return setups[0]

    for rule in rules:
        options = config.options_for(rule.code)
        try:
            found: list[tuple[Violation, bool]] = []
            if rule.check_service is not None:
                sctx = ServiceContext(view, options, config.profile)
                found.extend((v, True) for v in rule.check_service(sctx))
            if rule.check is not None and analysis is not None:
                ctx = Context(analysis, options, config.profile)
                found.extend((v, False) for v in rule.check(ctx))
        except Exception as exc:  # a rule's bug must not stop the run: report it as DJ902
            import traceback

            where = traceback.extract_tb(exc.__traceback__)[-1]
            message = (
                f"rule {rule.code} ({rule.name}) crashed on service {link.service.name}: "
                f"{type(exc).__name__}: {exc} [{Path(where.filename).name}:{where.lineno}]"
            )
            meta = registry.get("DJ902").meta
            found = [(meta.violation(view.anchor, message), True)]
            rule = registry.get("DJ902")
        for v, own in found:
            if rule.check is not None and _blames_command(view, v.span):
                # An image rule on the service's command, about a server that comes from the
                # image (a script that ignores the command): the image's own finding.
                continue
            finding, home = _locate(view, analysis, rule, v)
            if home.path not in out.sources:
                out.file(home, _real(home, analysis))
            if not own and dockerfile is not None and finding.path == dockerfile.path:
                continue  # the image's own finding: the Dockerfile's check reports it
            configured = config.severity_of(rule.code)
            if configured is not None:
                finding = replace(finding, severity=configured)
            if rule.meta.production_only and finding.severity > Severity.INFO:
                reason = (
                    config.development_reason(finding.path, out.real.get(finding.path))
                    or dev
                    or image_dev
                    or setup(view)
                )
                if reason is not None:
                    finding = replace(
                        finding,
                        severity=Severity.INFO,
                        message=f"{finding.message} (info here: {reason})",
                    )
            out.add(finding)


def _blames_command(view: ServiceView, span: Span) -> bool:
    """A finding pinned on the service's ``command:``/``entrypoint:`` although the server it is
    about comes from the image (an ENTRYPOINT script that ignores the command's words)."""
    commands = [c for c in (view.service.command, view.service.entrypoint) if c is not None]
    spans = [view.span(c.origin) for c in commands]
    if not any(w is not None and w.start <= span.start <= w.end for w in spans):
        return False
    start = view.start()
    program = start.launch.program if start is not None else None
    if program is None:
        return False
    source, _ = view.workspace.locate(program.span)
    return not any(source is f for f in view.project.files)


def _real(source: SourceFile, analysis: Analysis | None) -> Path | None:
    if analysis is not None and source.path == analysis.source.path:
        return Path(source.path)
    return Path(source.path) if Path(source.path).is_file() else None


def _locate(
    view: ServiceView, analysis: Analysis | None, rule: Rule, v: Violation
) -> tuple[Finding, SourceFile]:
    workspace = view.workspace
    source, span = workspace.locate(v.span)
    base = workspace.base_of(source) or 0
    fix = v.fix
    if fix is not None:
        inside = all(base <= e.start and e.end <= base + len(source.text) for e in fix.edits)
        fix = (
            Fix(
                fix.title,
                tuple(Edit(e.start - base, e.end - base, e.content) for e in fix.edits),
                fix.applicability,
            )
            if inside
            else None
        )
    related: list[Related] = []
    for r in v.related:
        if r.source is not None:
            related.append(r)
            continue
        other, local = workspace.locate(r.span)
        related.append(
            Related(
                local,
                r.message,
                None if other is source else _shown(other, analysis, view.project.files),
            )
        )
    shown = _shown(source, analysis, view.project.files)
    return (
        Finding(
            shown.path,
            v.code,
            rule.name,
            v.message,
            v.severity,
            span,
            source.position(span.start),
            source.position(span.end),
            fix,
            tuple(related),
        ),
        shown,
    )


def _shown(
    source: SourceFile, analysis: Analysis | None, project_files: Sequence[SourceFile] = ()
) -> SourceFile:
    """A file of the workspace under the name reports use (build-context files by their path
    from the working directory)."""
    if analysis is None or source is analysis.source:
        return source
    if any(s is source for s in project_files):
        return source  # a Compose or env file, named as the Compose reader names it
    real = analysis.context.real_path(source.path)
    if real is None or source.path == display_path(real):
        return source
    return replace(source, path=display_path(real))


def _results(
    out: _Collector,
    configs: dict[str, Config],
    options_for: OptionsFor,
    unchecked: frozenset[Path],
) -> list[FileResult]:
    results: list[FileResult] = []
    names = registry.by_name()
    for path in list(out.findings):
        source = out.sources.get(path)
        findings = _dedupe(out.findings[path])
        config = configs.get(path) or options_for(out.real.get(path), None).config
        ignored = config.ignored_for(path, out.real.get(path))
        # The rules ran with the configuration of the project's first file; a file with its
        # own configuration (an `include`d one in another folder) keeps only what it enables.
        on = config.enabled_codes() | {"DJ902"}
        findings = [f for f in findings if f.code not in ignored and f.code in on]
        result = FileResult(path, out.real.get(path), source)
        if path in out.compose and source is not None:
            enabled = config.enabled_codes()
            options = options_for(out.real.get(path), None)
            suppressions = (
                Suppressions([]) if options.no_suppress else collect_yaml(source.text, names)
            )
            for f in findings:
                if suppressions.suppress(f.code, f.span):
                    result.suppressed.append(replace(f, suppressed=True))
                else:
                    result.findings.append(f)
            real = out.real.get(path)
            judged = real is None or real.absolute() not in unchecked
            # A pragma may serve a project that could not be checked here (it needs values a
            # deployment gives): only a file every project of which was checked is judged.
            if "DJ901" in enabled and "DJ901" not in ignored and judged and not options.no_suppress:
                for u in unused(suppressions, enabled, registry.known_codes()):
                    meta = registry.get("DJ901").meta
                    v = meta.violation(u.comment.span, f"unused suppression: {u.reason}")
                    f = Finding(
                        path,
                        v.code,
                        "unused-suppression",
                        v.message,
                        config.severity_of("DJ901") or v.severity,
                        u.comment.span,
                        source.position(u.comment.span.start),
                        source.position(u.comment.span.end),
                        unused_fix(
                            source,
                            u.comment.span,
                            u.code,
                            next((p for p in suppressions.pragmas if p.comment is u.comment), None),
                        ),
                    )
                    if suppressions.suppress("DJ901", u.comment.span):
                        result.suppressed.append(replace(f, suppressed=True))
                    else:
                        result.findings.append(f)
        else:
            if not findings:
                continue  # a Dockerfile or script: its own check stands for it
            # `fix` edits a Dockerfile or script by its own check; these stay advice.
            result.findings = [replace(f, fix=None) for f in findings]
        result.findings.sort(key=Finding.sort_key)
        results.append(result)
    return results


def _dedupe(findings: Sequence[Finding]) -> list[Finding]:
    """One finding per rule and place: several projects (the main file alone, and with its
    override) see the same line; the most severe reading wins."""
    best: dict[tuple[str, int, int], Finding] = {}
    for f in findings:
        key = (f.code, f.span.start, f.span.end)
        held = best.get(key)
        if held is None or f.severity > held.severity:
            best[key] = f
    return list(best.values())


def fix_compose(
    deployments: Sequence[Deployment],
    settings: LoadSettings,
    options_for: OptionsFor,
    unsafe: bool,
    unchecked: Sequence[Path] = (),
) -> list[tuple[SourceFile, Path, FixOutcome]]:
    """The Compose files whose services' findings have fixes: ``(source, absolute path, what
    the fix loop did)``. Each pass re-reads the projects with the edited text (in
    memory) and checks them again, so a fix is kept only while the files still load."""
    from dockerlint_django.fix import fix_until_stable
    from dockerlint_django.project.deployment import load_deployment

    floor = Applicability.UNSAFE if unsafe else Applicability.SAFE
    loaded = [d for d in deployments if d.project is not None]
    first = check_deployments(loaded, options_for, unchecked)
    out: list[tuple[SourceFile, Path, FixOutcome]] = []
    done: set[Path] = set()
    for result in first:
        source = result.source
        if source is None or result.real_path is None:
            continue
        if not any(f.fix is not None and f.fix.applicability >= floor for f in result.findings):
            continue
        target = result.real_path.resolve()
        if target in done:
            continue  # the same file by another name (a symlink): fixed once
        done.add(target)
        # Every name the projects read this file by sees the edited text.
        aliases = tuple(
            str(r.real_path.absolute())
            for r in first
            if r.real_path is not None and r.real_path.resolve() == target
        )
        sets = [
            d
            for d in loaded
            if d.project is not None
            and any(Path(s.path).resolve() == target for s in d.project.files)
        ]

        def fixes_for(
            text: str,
            sets: list[Deployment] = sets,
            path: str = source.path,
            aliases: tuple[str, ...] = aliases,
        ) -> list[Fix] | None:
            overlay = dict.fromkeys(aliases, text)
            again = [load_deployment(d.files, settings, overlay) for d in sets]
            if any(d.error is not None for d in again):
                return None
            found = check_deployments(again, options_for, unchecked)
            return [
                replace(f.fix, code=f.code)
                for r in found
                if r.path == path
                for f in r.findings
                if f.fix is not None and f.fix.applicability >= floor
            ]

        out.append((source, result.real_path, fix_until_stable(source.text, fixes_for)))
    return out
