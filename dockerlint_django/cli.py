"""The command line: ``check``, ``fix``, ``rule``, ``parse``, ``init``.

Exit codes: 0 nothing at or above the ``--fail-on`` threshold, 1 findings, 2 usage, configuration
or input errors (a file that cannot be read or that BuildKit would not parse).
"""

from __future__ import annotations

import difflib
import io
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import click

from dockerlint_django import __version__
from dockerlint_django import rules as registry
from dockerlint_django._record import field, record, replace
from dockerlint_django.config import (
    Config,
    ConfigError,
    ConfigFinder,
    apply_overrides,
    split_selectors,
)
from dockerlint_django.discover import DEFAULT_COMPOSE_NAMES, display_path
from dockerlint_django.engine import (
    Options,
    exit_code,
    fix_source,
    lint_path,
    lint_source,
    read_source,
)
from dockerlint_django.fix import write_atomic
from dockerlint_django.formatters import AUTO, MODULES, FormatOptions, resolve, writer
from dockerlint_django.results import FileResult, flatten
from dockerlint_django.rules._base import Severity
from dockerlint_django.source import SourceError, SourceFile

if TYPE_CHECKING:
    from dockerlint_django.compose.loader import LoadOptions
    from dockerlint_django.compose.nodes import ComposeError
    from dockerlint_django.project.deployment import Deployment, LoadSettings
    from dockerlint_django.project.links import ImageBuild


def _fail(message: str) -> NoReturn:
    click.echo(f"dockerlint-django: error: {message}", err=True)
    sys.exit(2)


def _selector_option(name: str, help_text: str) -> Any:
    return click.option(name, multiple=True, metavar="CODES", help=help_text)


def _env_pairs(values: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        name, eq, value = item.partition("=")
        if not eq or not name:
            _fail(f"--env expects NAME=VALUE, got {item!r}")
        out[name] = value
    return out


def _compose_options(f: Any) -> Any:
    options = [
        click.option(
            "-f",
            "--file",
            "compose_files",
            multiple=True,
            type=click.Path(path_type=Path, dir_okay=False, allow_dash=False),
            help="A Compose file (repeatable: merged in order, as docker compose -f merges).",
        ),
        click.option(
            "--project-directory",
            type=click.Path(path_type=Path, file_okay=False),
            help="Compose's project directory (default: the first file's folder).",
        ),
        click.option("-p", "--project-name", help="Compose's project name."),
        click.option(
            "--env-file",
            "env_files",
            multiple=True,
            type=click.Path(path_type=Path, dir_okay=False),
            help="Interpolation variables from this file instead of the project's .env "
            "(repeatable).",
        ),
        click.option(
            "--env",
            "env_values",
            multiple=True,
            metavar="NAME=VALUE",
            help="An interpolation variable, as if set in the shell (repeatable).",
        ),
        click.option(
            "--use-shell-env",
            is_flag=True,
            help="Also read interpolation variables from this shell's environment, as docker "
            "compose does (off by default, so a repository gives the same result everywhere).",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _common(f: Any) -> Any:
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        _selector_option(
            "--select", "Only these rules: codes, prefixes (DJ1) or names, comma-separated."
        ),
        _selector_option("--extend-select", "Add these rules to the selection."),
        _selector_option("--ignore", "Skip these rules."),
        click.option("--profile", type=click.Choice(["generic", "ocp"]), help="Rule profile."),
        click.option(
            "--target",
            metavar="STAGE",
            help="Lint as if building this stage (docker build --target).",
        ),
        click.option(
            "--config",
            "config_path",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Use this configuration file instead of searching for one.",
        ),
        click.option(
            "--stdin-filename", metavar="NAME", help="Name to report for '-' (standard input)."
        ),
        click.option("--no-suppress", is_flag=True, help="Ignore suppression comments."),
        click.option(
            "--template/--no-template",
            default=None,
            help="Lint cookiecutter templates through their rendered variants (default: for "
            "files under a {{cookiecutter.*}} folder).",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@record
class _Plan:
    # Each Dockerfile with a Compose build it is linted with (None: on its own, its folder as
    # the build context); a Dockerfile several services build differently appears once a build.
    dockerfiles: list[tuple[Path, ImageBuild | None]]
    deployments: list[Deployment]
    warnings: list[str]
    # Compose files of projects that could not be checked (they fail to load, or need values a
    # deployment gives): their pragmas are not judged unused.
    unchecked: list[Path] = field(default_factory=list)


def _main_file(variant: Path, compose: Sequence[Path]) -> Path | None:
    """The folder's default Compose file, for a variant file beside it."""
    names = {p.name: p for p in compose if p.parent == variant.parent}
    for name in DEFAULT_COMPOSE_NAMES:
        if name in names and names[name] != variant:
            return names[name]
    return None


_PARTIAL = (
    "neither an image nor a build context",
    "depends on undefined service",
    "empty compose file",
)


def _is_partial(error: ComposeError) -> bool:
    """An error that a file meant to be merged over the main one gives when read alone."""
    return any(text in error.message for text in _PARTIAL)


def _missing_env_files(deployment: Deployment) -> list[str]:
    out: list[str] = []
    if deployment.project is None:
        return out
    for service in deployment.project.services.values():
        for missing in service.missing_env_files:
            ref = next((r for r in service.env_file if r.path == missing), None)
            where = (
                f"{ref.origin.path}:{ref.origin.line}"
                if ref is not None and ref.origin is not None
                else display_path(Path(missing))
            )
            out.append(
                f"{where}: env file {display_path(Path(missing))} of service {service.name} is "
                "not here; the variables it sets are taken as not known"
            )
    return list(dict.fromkeys(out))


def _sniff(path: Path, sniff: Any) -> str | None:
    from dockerlint_django.source import read_bounded

    try:
        head = read_bounded(path)[:65536]
    except OSError:
        return None  # read as a Dockerfile, whose reading reports why it cannot be read
    kind: str | None = sniff(head.decode("utf-8", errors="replace"))
    return kind


class _Run:
    """State shared by check and fix: configuration lookup and the file list."""

    def __init__(self, kw: dict[str, Any]) -> None:
        self.kw = kw
        try:
            self.finder = ConfigFinder(kw["config_path"])
        except ConfigError as exc:
            _fail(str(exc))
        self.overrides = {
            "select": split_selectors(kw["select"]) if kw["select"] else None,
            "extend_select": split_selectors(kw["extend_select"]),
            "ignore": split_selectors(kw["ignore"]),
            "profile": kw["profile"],
            "target": kw["target"],
        }
        # The rules of every configuration a file was linted with: reports describe them all.
        self.enabled: frozenset[str] = frozenset()
        self._plan: _Plan | None = None
        self.missing: list[Path] = []

    def config_for(self, path: Path | None) -> Config:
        try:
            cfg = apply_overrides(self.finder.for_path(path), self.overrides)
            cfg.enabled_codes()
        except ConfigError as exc:
            _fail(str(exc))
        return cfg

    def options_for(self, path: Path | None) -> Options:
        cfg = self.config_for(path)
        self.enabled |= cfg.enabled_codes()
        return Options(
            cfg,
            no_suppress=self.kw["no_suppress"],
            target=self.kw["target"],
            template=self.kw["template"],
        )

    def files(self) -> list[Path]:
        """The Dockerfiles to check, each once (a Compose project's builds are in ``plan``)."""
        seen: set[Path] = set()
        out: list[Path] = []
        for path, _ in self.plan().dockerfiles:
            if path not in seen:
                seen.add(path)
                out.append(path)
        return out

    def plan(self) -> _Plan:
        """What to check: Dockerfiles found or named, and Compose projects with their builds."""
        if self._plan is not None:
            return self._plan
        from dockerlint_django.discover import compose_sets, search, sniff_kind

        named_sets: tuple[Path, ...] = tuple(self.kw.get("compose_files") or ())
        paths: Sequence[Path] = self.kw["paths"] or (() if named_sets else (Path("."),))
        self.missing = [p for p in paths if str(p) != "-" and not p.exists()]
        self.missing += [p for p in named_sets if not p.exists()]
        existing = [p for p in paths if str(p) != "-" and p.exists()]
        base = self.config_for(None)  # a bad configuration is an error even when no file is found
        found = search(existing, exclude_for=self.excludes_in)
        warnings: list[str] = []
        for folder in found.empty:
            warnings.append(f"{display_path(folder.folder)}: no Dockerfile or Compose file found")
        for folder in found.folders:
            warnings.extend(
                f"{display_path(d)}: cannot be listed, skipped" for d in folder.unreadable
            )
        dockerfiles: list[Path] = []
        compose: list[Path] = []
        for target in found.targets:
            kind: str | None = target.kind
            if kind is None:
                # A name that is none of ours, named on the command line: what it holds decides,
                # so a YAML file is never read as a Dockerfile.
                kind = _sniff(target.path, sniff_kind) or "dockerfile"
            if kind == "dockerfile":
                dockerfiles.append(target.path)
            elif kind == "compose":
                compose.append(target.path)
            else:
                warnings.append(
                    f"{display_path(target.path)}: an env file is read with the Compose "
                    "project that uses it, not on its own"
                )
        sets: list[tuple[Path, ...]] = []
        for found_set in compose_sets(compose):
            sets.append(found_set.files)
            if found_set.default and len(found_set.files) > 1:
                # `docker compose up` in the folder merges the override file, which is usually
                # the development setup; deployments run the main file alone (or with their own
                # -f files). Both are real: check each.
                sets.append(found_set.files[:1])
        if named_sets and named_sets not in sets:
            sets.append(named_sets)
        if base.root is not None:
            for entry in base.compose_file_sets:
                files = tuple(base.root / f for f in entry)
                if files not in sets:
                    sets.append(files)
        deployments: list[Deployment] = []
        unchecked: list[Path] = []
        named = {named_sets} if named_sets else set()
        if base.root is not None:
            named.update(tuple(base.root / f for f in entry) for entry in base.compose_file_sets)
        if sets:
            # Only a run that reads Compose files pays for importing the Compose reader.
            from dockerlint_django.project.deployment import load_deployment, plan_builds

            settings = self.load_settings(base)
        for files in sets:
            d = load_deployment(files, settings)
            if d.error is not None and len(files) == 1:
                # `docker-compose.override.dev.yml` or `compose.ci.yaml` are often partial
                # overrides, used as `-f compose.yaml -f <it>`: read them so when they cannot
                # stand alone.
                main = _main_file(files[0], compose)
                if main is not None and _is_partial(d.error):
                    merged = load_deployment((main, files[0]), settings)
                    if merged.error is None or merged.needs_values:
                        d = merged
            if d.error is not None and not d.needs_values and files not in named:
                shown = display_path(files[0])
                if _is_partial(d.error):
                    # Found by the folder search, and only a part of a project (a
                    # `.devcontainer/` override, merged by a tool that names the main file):
                    # not an error of the checkout.
                    warnings.append(
                        f"{d.error.one_line()} (not checked: {shown} looks like a part of a "
                        "project; name its files in order with -f, or in compose.file-sets)"
                    )
                    unchecked.extend(files)
                    continue
                if "{{" in str(files[0]):
                    warnings.append(
                        f"{d.error.one_line()} (not checked: {shown} is a template, and "
                        "Compose templates are not rendered yet)"
                    )
                    unchecked.extend(files)
                    continue
            deployments.append(d)
        for d in deployments:
            warnings.extend(_missing_env_files(d))
            if d.error is not None and d.needs_values:
                names = ", ".join(d.needs_values[:5]) + (", …" if len(d.needs_values) > 5 else "")
                warnings.append(
                    f"{d.error.one_line()} (not checked: this may only need values for {names}; "
                    "give them with --env or --env-file)"
                )
        builds = plan_builds(deployments) if deployments else {}
        planned: list[tuple[Path, ImageBuild | None]] = []
        done: set[Path] = set()
        for path in dockerfiles:
            key = Path(os.path.realpath(path))
            done.add(key)
            entries: list[ImageBuild | None] = list(builds.get(key, ())) or [None]
            planned.extend((path, b) for b in entries)
        for key, built in builds.items():
            if key in done:
                continue
            if not key.is_file():
                warnings.append(f"{display_path(key)}: built by a Compose service, but not found")
                continue
            planned.extend((key, build) for build in built)
        unchecked.extend(f for d in deployments if d.error is not None for f in d.files)
        self._plan = _Plan(planned, deployments, list(dict.fromkeys(warnings)), unchecked)
        return self._plan

    def load_settings(self, base: Config) -> LoadSettings:
        from dockerlint_django.project.deployment import LoadSettings

        kw = self.kw
        root = base.root or Path.cwd()
        env_files = tuple(kw.get("env_files") or ()) or tuple(
            root / f for f in base.compose_env_files
        )
        environment: dict[str, str] = dict(base.compose_env)
        if kw.get("use_shell_env"):
            environment.update(os.environ)
        environment.update(_env_pairs(kw.get("env_values") or ()))
        return LoadSettings(
            Path.cwd(),
            env_files,
            environment,
            kw.get("project_directory"),
            kw.get("project_name"),
        )

    def options_with(self, path: Path | None, build: ImageBuild | None) -> Options:
        options = self.options_for(path)
        return options if build is None else replace(options, build=build)

    def excludes_in(self, directory: Path) -> tuple[tuple[str, ...], Path | None]:
        """The ``exclude`` globs of the configuration nearest to a folder's entries."""
        try:
            cfg = self.finder.for_dir(directory)
        except ConfigError as exc:
            _fail(str(exc))
        return cfg.exclude, cfg.root

    @property
    def wants_stdin(self) -> bool:
        return any(str(p) == "-" for p in self.kw["paths"])

    @property
    def stdin_name(self) -> str:
        return str(self.kw["stdin_filename"] or "-")

    def stdin_source(self) -> tuple[SourceFile, Path | None] | str:
        """Standard input as a source, or the error message when it is not UTF-8."""
        name = self.stdin_name
        data = sys.stdin.buffer.read()
        try:
            return SourceFile.from_bytes(name, data), (
                Path(name) if self.kw["stdin_filename"] else None
            )
        except SourceError as exc:
            line = f":{exc.line}" if exc.line else ""
            return f"{name}{line}: {exc.message}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dockerlint-django")
def cli() -> None:
    """Lint how Django and Gunicorn projects are containerised."""


def repository_root(start: Path) -> Path | None:
    """The top folder of the git repository holding ``start``, like ``git rev-parse
    --show-toplevel`` but without starting git on every pre-commit call."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():  # a folder, or a file in worktrees and submodules
            return folder
    return None


def pair_outputs(
    formats: Sequence[str], output_files: Sequence[Path]
) -> list[tuple[str, Path | None]]:
    """Match ``--output-file`` options with the last ``--format`` options, in order; the formats
    left over go to standard output. ``--format text --format sarif --output-file r.sarif`` prints
    text and writes SARIF to r.sarif."""
    if len(output_files) > len(formats):
        raise click.UsageError(
            f"{len(output_files)} --output-file options but {len(formats)} format"
            f"{'s' if len(formats) != 1 else ''}: each output file takes the format of a --format "
            "option (the last ones, in order)"
        )
    if len(formats) - len(output_files) > 1:
        raise click.UsageError(
            "at most one format can go to standard output: give --output-file for all but one "
            "--format"
        )
    seen = [p.resolve() for p in output_files]
    if len(set(seen)) != len(seen):
        raise click.UsageError("the same --output-file is given twice")
    stdout: list[Path | None] = [None] * (len(formats) - len(output_files))
    return list(zip(formats, [*stdout, *output_files], strict=True))


@cli.command()
@_common
@click.option(
    "--format",
    "formats",
    type=click.Choice([*sorted(MODULES), AUTO]),
    multiple=True,
    help="Report format; repeat it for several reports in one run. Default: text, in GitHub "
    "Actions too (as ruff); 'auto' is github when GITHUB_ACTIONS=true, else text.",
)
@click.option(
    "--output-file",
    "output_files",
    type=click.Path(path_type=Path, dir_okay=False),
    multiple=True,
    help="Write a report here instead of to standard output. Repeatable: output files pair with "
    "the last --format options in order; the one format left over is printed.",
)
@click.option(
    "--category",
    metavar="NAME",
    help="SARIF analysis category (runAutomationDetails.id); GitHub keeps one analysis each.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    help="Lowest severity that fails (default: info).",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Count findings per rule.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
@click.option("--no-color", is_flag=True, help="No colour (also: NO_COLOR set).")
@_compose_options
@click.option(
    "--show-services",
    is_flag=True,
    help="List each Compose service: the image it runs and what runs in it, layer by layer.",
)
def check(
    show_services: bool,
    formats: tuple[str, ...],
    output_files: tuple[Path, ...],
    category: str | None,
    fail_on: str | None,
    exit_zero: bool,
    statistics: bool,
    quiet: bool,
    no_color: bool,
    **kw: Any,
) -> None:
    """Lint Dockerfiles.

    PATHS are files or folders (default: the current folder); '-' reads standard input.
    """
    # As in ruff, the default stays text even inside GitHub Actions: logs read by people keep
    # working unchanged, and annotations are one '--format auto' (or github) away.
    outputs = pair_outputs([resolve(f) for f in formats or ("text",)], output_files)
    run = _Run(kw)
    plan = run.plan()
    for warning in plan.warnings:
        click.echo(f"dockerlint-django: warning: {warning}", err=True)
    if show_services:
        from dockerlint_django.formatters.services import describe_services

        text, failed = describe_services(
            plan.deployments, run.options_with, as_json="json" in formats
        )
        click.echo(text, nl=False)
        for d in plan.deployments:
            if d.error is not None:
                click.echo(f"dockerlint-django: error: {d.error.one_line()}", err=True)
        sys.exit(2 if failed or run.missing else 0)
    results = collect_results(run)
    for r in results:
        if r.error is not None:
            click.echo(f"dockerlint-django: error: {r.error}", err=True)
        elif r.parse_failed:
            f = next((f for f in r.findings if f.code == "DJ900"), None)
            where = (
                f"{r.path}:{f.start.line}: {f.message}"
                if f is not None
                else f"{r.path}: parse error"
            )
            click.echo(f"dockerlint-django: error: {where}", err=True)
    base_cfg = run.config_for(None)
    threshold = Severity.parse(fail_on) if fail_on else (base_cfg.fail_on or Severity.INFO)
    cwd = Path.cwd()
    fopts = FormatOptions(
        statistics=statistics,
        quiet=quiet,
        root=repository_root(cwd) or cwd,
        enabled=run.enabled or base_cfg.enabled_codes(),
        category=category,
    )
    for fmt, output_file in outputs:
        use_color = (
            fmt == "text"
            and output_file is None
            and not no_color
            and not os.environ.get("NO_COLOR")  # no-color.org: an empty value does not count
            and sys.stdout.isatty()
        )
        _emit(writer(fmt), results, replace(fopts, color=use_color), output_file)
    code = exit_code(results, threshold)
    if exit_zero and code == 1:
        code = 0
    sys.exit(code)


_CHECK_ONLY = (
    "show_services",
    "formats",
    "output_files",
    "category",
    "fail_on",
    "exit_zero",
    "statistics",
    "quiet",
    "no_color",
)


def run_for(args: Sequence[str]) -> _Run:
    """The run ``dockerlint-django check ARGS`` would make (for tests and other callers)."""
    ctx = check.make_context("check", list(args))
    kw = {k: v for k, v in ctx.params.items() if k not in _CHECK_ONLY}
    return _Run(kw)


def collect_results(run: _Run) -> list[FileResult]:
    """Everything a check finds: each Dockerfile as built, each Compose project's services."""
    plan = run.plan()
    # A missing path is a file that could not be read: reported, and never "All checks passed".
    results = [
        FileResult(str(p), None, None, error=f"{p}: no such file or directory") for p in run.missing
    ]
    results.extend(_compose_results(plan.deployments, run))
    for path, build in plan.dockerfiles:
        results.append(lint_path(path, display_path(path), run.options_with(path, build)))
    if run.wants_stdin:
        got = run.stdin_source()
        if isinstance(got, str):
            # Like an undecodable file: reported, and the other files are still checked.
            results.append(FileResult(run.stdin_name, None, None, error=got))
        else:
            results.append(lint_source(got[0], run.options_for(got[1]), real_path=got[1]))
    return flatten(results)


def _compose_results(deployments: Sequence[Deployment], run: _Run) -> list[FileResult]:
    """A result for each Compose file read (it counts as checked), with what its services'
    checks found, or the error that stopped it."""
    from dockerlint_django.deployments import check_deployments

    out: list[FileResult] = []
    said: set[str] = set()
    for d in deployments:
        if d.error is not None and d.needs_values:
            continue  # said as a warning: the project needs values a deployment gives
        if d.error is not None:
            line = d.error.one_line()
            if line in said:
                continue  # the same file fails in several sets: one line is enough
            said.add(line)
            where = d.error.path or (display_path(d.files[0]) if d.files else ".")
            out.append(FileResult(where, None, None, error=line))
            continue
    checked = check_deployments(
        (d for d in deployments if d.error is None), run.options_with, run.plan().unchecked
    )
    out.extend(checked)
    return out


def _emit(
    writer: Any, results: list[FileResult], fopts: FormatOptions, output_file: Path | None
) -> None:
    if output_file is None:
        writer(results, sys.stdout, fopts)
        return
    buf = io.StringIO()
    writer(results, buf, fopts)
    try:
        output_file.parent.mkdir(parents=True, exist_ok=True)
        # Atomic, new file or old: a CI step reading the report never sees half of one.
        write_atomic(output_file, buf.getvalue().encode("utf-8"))
    except OSError as exc:
        _fail(f"{output_file}: cannot write: {exc.strerror or exc}")


@cli.command()
@_common
@_compose_options
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that change behaviour.")
@click.option("--diff", is_flag=True, help="Print the changes as a unified diff; write nothing.")
def fix(unsafe_fixes: bool, diff: bool, **kw: Any) -> None:
    """Apply the available fixes, then report what is left."""
    run = _Run(kw)
    results: list[FileResult] = []
    out: TextIO = sys.stdout
    total = 0
    had_error = False
    changed = False
    # (source, its path for configuration and the build context, written back to disk?)
    targets: list[tuple[SourceFile, Path | None, bool]] = []
    plan = run.plan()
    # A Dockerfile several services build differently is fixed once, with its first build:
    # the text is the same, and a fix must not depend on which service is asked.
    builds: dict[Path, ImageBuild | None] = {}
    for dockerfile, build in plan.dockerfiles:
        builds.setdefault(dockerfile, build)
    for warning in plan.warnings:
        click.echo(f"dockerlint-django: warning: {warning}", err=True)
    for p in run.missing:
        click.echo(f"dockerlint-django: error: {p}: no such file or directory", err=True)
    for d in plan.deployments:
        if d.error is not None and not d.needs_values:
            # As check: a project that only needs values a deployment gives is a warning.
            click.echo(f"dockerlint-django: error: {d.error.one_line()}", err=True)
            had_error = True
    for planned in builds:
        try:
            targets.append((read_source(planned, display_path(planned)), planned, True))
        except SourceError as exc:
            line = f":{exc.line}" if exc.line else ""
            click.echo(
                f"dockerlint-django: error: {display_path(planned)}{line}: {exc.message}", err=True
            )
            had_error = True
    if run.wants_stdin:
        got = run.stdin_source()
        if isinstance(got, str):
            click.echo(f"dockerlint-django: error: {got}", err=True)
            had_error = True
        else:
            # --stdin-filename names the file for configuration, never a file to overwrite.
            targets.append((got[0], got[1], False))
    for source, path, on_disk in targets:
        options = run.options_with(path, builds.get(path) if path is not None else None)
        new_text, applied, converged = fix_source(source, options, unsafe_fixes, real_path=path)
        if not converged:
            click.echo(
                f"dockerlint-django: warning: {source.path}: fixes did not converge", err=True
            )
        total += applied
        fixed = SourceFile(source.path, new_text, source.bom, source.newline)
        if new_text != source.text:
            changed = True
            if diff:
                out.writelines(_unified_diff(source.path, source.text, new_text))
            elif not on_disk:
                sys.stdout.buffer.write(source.encode(new_text))
            else:
                assert path is not None
                try:
                    write_atomic(path, source.encode(new_text))
                except OSError as exc:
                    click.echo(
                        f"dockerlint-django: error: {source.path}: cannot write: {exc}", err=True
                    )
                    had_error = True
        elif not on_disk and not diff:
            sys.stdout.buffer.write(source.encode())
        # What is left, by every build of the file (a finding may be one target's alone).
        others = [b for d, b in plan.dockerfiles if d == path and b is not builds.get(path)]
        for build in [builds.get(path) if path is not None else None, *others]:
            results.append(lint_source(fixed, run.options_with(path, build), real_path=path))
    if plan.deployments:
        from dockerlint_django.deployments import check_deployments, fix_compose
        from dockerlint_django.project.deployment import load_deployment

        settings = run.load_settings(run.config_for(None))
        overlay: dict[str, str] = {}
        for source, real, new_text, applied, converged in fix_compose(
            plan.deployments, settings, run.options_with, unsafe_fixes, plan.unchecked
        ):
            if not converged:
                click.echo(
                    f"dockerlint-django: warning: {source.path}: fixes did not converge", err=True
                )
            if new_text == source.text:
                continue
            total += applied
            changed = True
            for d in plan.deployments:
                # Under every name the projects read it by (a symlink is the same file).
                for other in d.project.files if d.project is not None else ():
                    if Path(other.path).resolve() == real.resolve():
                        overlay[str(Path(other.path).absolute())] = new_text
            overlay[str(real.absolute())] = new_text
            if diff:
                out.writelines(_unified_diff(source.path, source.text, new_text))
                continue
            try:
                write_atomic(real, source.encode(new_text))
            except OSError as exc:
                click.echo(
                    f"dockerlint-django: error: {source.path}: cannot write: {exc}", err=True
                )
                had_error = True
        again = [
            load_deployment(d.files, settings, overlay) if overlay else d
            for d in plan.deployments
            if d.error is None
        ]
        results.extend(check_deployments(again, run.options_with, plan.unchecked))
        targets_on_disk = True
    else:
        targets_on_disk = any(on_disk for _, _, on_disk in targets)
    if not diff and targets_on_disk:
        click.echo(f"Fixed {total} problem{'s' if total != 1 else ''}.", err=True)
    results = flatten(results)
    remaining = [f for r in results for f in r.findings]
    if remaining and targets_on_disk:
        writer("text")(results, sys.stderr, FormatOptions(quiet=True))
    code = exit_code(results, run.config_for(None).fail_on or Severity.INFO)
    if diff and changed and code == 0:
        # Nothing was written, so the files on disk still have the problems the diff fixes.
        code = 1
    if had_error or run.missing:
        code = 2
    sys.exit(code)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _unified_diff(path: str, old: str, new: str) -> list[str]:
    # Not str.splitlines: it also breaks at form feeds and U+2028, which are not line breaks here.
    lines = difflib.unified_diff(_LINE.findall(old), _LINE.findall(new), f"a/{path}", f"b/{path}")
    # A last line without a line break would run into the next one: mark it the way git does.
    return [
        line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
        for line in lines
    ]


@cli.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="List every rule.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def rule(code: str | None, show_all: bool, fmt: str) -> None:
    """Show a rule's documentation (DJ001 or its name), or list all rules."""
    if show_all or code is None:
        rules = registry.all_rules()
        if fmt == "json":
            click.echo(
                json.dumps(
                    [
                        {
                            "code": r.code,
                            "name": r.name,
                            "severity": r.meta.severity.label,
                            "fix": r.meta.fix.value,
                            "profile": r.meta.profile,
                            "summary": r.meta.summary,
                            "default_enabled": r.meta.default_enabled,
                        }
                        for r in rules
                    ],
                    indent=2,
                )
            )
            return
        for r in rules:
            flag = "" if r.meta.default_enabled else " (off by default)"
            click.echo(f"{r.code}  {r.name:<40} {r.meta.severity.label:<8} {r.meta.summary}{flag}")
        return
    key = code.upper() if code.upper() in registry.CODES else registry.by_name().get(code)
    if key is None:
        _fail(f"unknown rule {code!r}; `dockerlint-django rule --all` lists them")
    r = registry.get(key)
    from dockerlint_django.rules._pages import page

    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "code": r.code,
                    "name": r.name,
                    "severity": r.meta.severity.label,
                    "fix": r.meta.fix.value,
                    "profile": r.meta.profile,
                    "summary": r.meta.summary,
                    "documentation": page(r),
                },
                indent=2,
            )
        )
    else:
        click.echo(page(r), nl=False)


def _load_options(
    files: Sequence[Path],
    project_directory: Path | None,
    project_name: str | None,
    env_files: Sequence[Path],
    env_values: Sequence[str],
    use_shell_env: bool,
    profiles: Sequence[str] = (),
    interpolate: bool = True,
) -> LoadOptions:
    from dockerlint_django.compose.loader import LoadOptions

    environment: dict[str, str] = dict(os.environ) if use_shell_env else {}
    environment.update(_env_pairs(env_values))
    return LoadOptions(
        working_dir=Path.cwd(),
        files=tuple(files),
        project_directory=project_directory,
        project_name=project_name,
        env_files=tuple(env_files),
        profiles=tuple(profiles),
        environment=environment,
        interpolate=interpolate,
    )


@cli.command()
@click.argument(
    "file", required=False, type=click.Path(path_type=Path, dir_okay=False, allow_dash=True)
)
@click.option(
    "--compose",
    is_flag=True,
    help="Print a Compose project as JSON, in the shape of `docker compose config --format json`.",
)
@_compose_options
@click.option("--profile", "profiles", multiple=True, help="Enable a Compose profile ('*': all).")
@click.option("--no-interpolate", is_flag=True, help="Keep ${...} as written, as Compose does.")
def parse(
    file: Path | None,
    compose: bool,
    compose_files: tuple[Path, ...],
    project_directory: Path | None,
    project_name: str | None,
    env_files: tuple[Path, ...],
    env_values: tuple[str, ...],
    use_shell_env: bool,
    profiles: tuple[str, ...],
    no_interpolate: bool,
) -> None:
    """Print a parse as JSON: a Dockerfile's BuildKit syntax tree, or (--compose) a Compose project.

    With --compose and no -f, the project is what docker compose would load in this folder.
    """
    if compose or compose_files:
        files = (*compose_files, *((file,) if file is not None else ()))
        _parse_compose(
            _load_options(
                files,
                project_directory,
                project_name,
                env_files,
                env_values,
                use_shell_env,
                profiles,
                not no_interpolate,
            )
        )
        return
    if file is None:
        _fail("parse: name a Dockerfile, or use --compose")
    from dockerlint_django.dockerfile.ast import ParseError
    from dockerlint_django.dockerfile.parser import parse as parse_dockerfile
    from dockerlint_django.dockerfile.parser import to_oracle_dict

    name = "-" if str(file) == "-" else display_path(file)
    try:
        if str(file) == "-":
            source = SourceFile.from_bytes(name, sys.stdin.buffer.read())
        else:
            source = read_source(file, name)
    except SourceError as exc:
        line = f":{exc.line}" if exc.line else ""
        _fail(f"{name}{line}: {exc.message}")
    try:
        result = parse_dockerfile(source)
    except ParseError as exc:
        line = f":{exc.line}" if exc.line else ""
        _fail(f"{name}{line}: {exc.message}")
    click.echo(json.dumps(to_oracle_dict(result), indent=2, ensure_ascii=False))


def _parse_compose(options: LoadOptions) -> None:
    from dockerlint_django.compose.config_json import config_json
    from dockerlint_django.compose.loader import load_project
    from dockerlint_django.compose.nodes import ComposeError

    try:
        project = load_project(options)
    except ComposeError as exc:
        _fail(exc.one_line())
    for warning in project.warnings:
        click.echo(f"dockerlint-django: warning: {warning}", err=True)
    click.echo(json.dumps(config_json(project), indent=2, ensure_ascii=False))


_INIT_TEMPLATE = """\
# dockerlint-django configuration. Every key is optional; see `dockerlint-django rule --all`.
profile: generic          # or "ocp" for the Open Contracting Partnership house conventions
# select: [DJ]            # replace the default rule set (codes, prefixes, or names)
# extend-select: [DJ040]  # add rules that are off by default
# ignore: [DJ106]
# severity:
#   DJ108: warning
# per-file-ignores:
#   "docker/Dockerfile.dev": [DJ030]
# rules:
#   DJ030: {}
# fail-on: info           # lowest severity that makes `check` exit 1
"""


@cli.command()
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(force: bool) -> None:
    """Write a starter .dockerlint-django.yaml in the current folder."""
    path = Path(".dockerlint-django.yaml")
    if path.exists() and not force:
        _fail(f"{path} exists; use --force to overwrite it")
    path.write_text(_INIT_TEMPLATE, encoding="utf-8")
    click.echo(f"Wrote {path}")


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
