"""``dockerlint-django check``."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dockerlint_django._record import replace
from dockerlint_django.cli._common import (
    cli,
    common_options,
    compose_options,
    fail,
    repository_root,
)
from dockerlint_django.cli._run import Run, collect_results
from dockerlint_django.engine import (
    exit_code,
)
from dockerlint_django.fix import write_atomic
from dockerlint_django.formatters import AUTO, MODULES, FormatOptions, resolve, writer
from dockerlint_django.results import FileResult
from dockerlint_django.rules._base import Severity

if TYPE_CHECKING:
    pass


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
@common_options
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
@compose_options
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
    run = Run(kw)
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


def run_for(args: Sequence[str]) -> Run:
    """The run ``dockerlint-django check ARGS`` would make (for tests and other callers)."""
    ctx = check.make_context("check", list(args))
    kw = {k: v for k, v in ctx.params.items() if k not in _CHECK_ONLY}
    return Run(kw)


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
        fail(f"{output_file}: cannot write: {exc.strerror or exc}")
