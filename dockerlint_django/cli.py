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
from typing import Any, NoReturn, TextIO

import click

from dockerlint_django import __version__
from dockerlint_django import rules as registry
from dockerlint_django._record import replace
from dockerlint_django.config import (
    Config,
    ConfigError,
    ConfigFinder,
    apply_overrides,
    split_selectors,
)
from dockerlint_django.discover import display_path, find_files
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


def _fail(message: str) -> NoReturn:
    click.echo(f"dockerlint-django: error: {message}", err=True)
    sys.exit(2)


def _selector_option(name: str, help_text: str) -> Any:
    return click.option(name, multiple=True, metavar="CODES", help=help_text)


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
        paths: Sequence[Path] = self.kw["paths"] or (Path("."),)
        self.missing = [p for p in paths if str(p) != "-" and not p.exists()]
        existing = [p for p in paths if str(p) != "-" and p.exists()]
        self.config_for(None)  # a bad configuration is an error even when no file is found
        return list(find_files(existing, exclude_for=self.excludes_in))

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
def check(
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
    found = run.files()
    # A missing path is a file that could not be read: reported, and never "All checks passed".
    results = [
        FileResult(str(p), None, None, error=f"{p}: no such file or directory") for p in run.missing
    ]
    for path in found:
        results.append(lint_path(path, display_path(path), run.options_for(path)))
    if run.wants_stdin:
        got = run.stdin_source()
        if isinstance(got, str):
            # Like an undecodable file: reported, and the other files are still checked.
            results.append(FileResult(run.stdin_name, None, None, error=got))
        else:
            results.append(lint_source(got[0], run.options_for(got[1]), real_path=got[1]))
    results = flatten(results)
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
    files = run.files()
    for p in run.missing:
        click.echo(f"dockerlint-django: error: {p}: no such file or directory", err=True)
    for found in files:
        try:
            targets.append((read_source(found, display_path(found)), found, True))
        except SourceError as exc:
            line = f":{exc.line}" if exc.line else ""
            click.echo(
                f"dockerlint-django: error: {display_path(found)}{line}: {exc.message}", err=True
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
        options = run.options_for(path)
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
        results.append(lint_source(fixed, options, real_path=path))
    if not diff and any(on_disk for _, _, on_disk in targets):
        click.echo(f"Fixed {total} problem{'s' if total != 1 else ''}.", err=True)
    remaining = [f for r in results for f in r.findings]
    if remaining and any(on_disk for _, _, on_disk in targets):
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


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True))
def parse(file: Path) -> None:
    """Print a Dockerfile's parse as JSON, with the fields of BuildKit's own syntax tree."""
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
