"""How a run's findings are reported: the output options ``check`` and ``fix`` share, and the
code that writes each report where it was asked for."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from dockerlint_django._record import replace
from dockerlint_django.cli._common import fail
from dockerlint_django.fix import write_atomic
from dockerlint_django.formatters import AUTO, MODULES, FormatOptions, resolve, writer
from dockerlint_django.results import FileResult

# The keyword arguments ``output_options`` adds to a command.
OUTPUT_KEYS = ("formats", "output_files", "category", "statistics", "quiet", "no_color")


def output_options(f: Any) -> Any:
    options = [
        click.option(
            "--format",
            "formats",
            type=click.Choice([*sorted(MODULES), AUTO]),
            multiple=True,
            help="Report format; repeat it for several reports in one run. Default: text, in "
            "GitHub Actions too (as ruff); 'auto' is github when GITHUB_ACTIONS=true, else text.",
        ),
        click.option(
            "--output-file",
            "output_files",
            type=click.Path(path_type=Path, dir_okay=False),
            multiple=True,
            help="Write a report here instead of to standard output. Repeatable: output files "
            "pair with the last --format options in order; the one format left over is printed.",
        ),
        click.option(
            "--category",
            metavar="NAME",
            help="SARIF analysis category (runAutomationDetails.id); GitHub keeps one analysis "
            "each.",
        ),
        click.option("--statistics", is_flag=True, help="Count findings per rule."),
        click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary."),
        click.option("--no-color", is_flag=True, help="No colour (also: NO_COLOR set)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def split_output(kw: dict[str, Any]) -> dict[str, Any]:
    """Take the output options out of a command's keyword arguments."""
    return {k: kw.pop(k) for k in OUTPUT_KEYS}


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


def outputs_of(output: dict[str, Any]) -> list[tuple[str, Path | None]]:
    """Each report to write and where (None: standard output). A usage error comes before any
    file is read."""
    # As in ruff, the default stays text even inside GitHub Actions: logs read by people keep
    # working unchanged, and annotations are one '--format auto' (or github) away.
    formats = [resolve(f) for f in output["formats"] or ("text",)]
    return pair_outputs(formats, output["output_files"])


def emit_reports(results: list[FileResult], output: dict[str, Any], fopts: FormatOptions) -> None:
    """Write every report a run asked for. ``fopts`` carries what the run knows (root, enabled
    rules, fix counts); the output options decide the rest."""
    fopts = replace(
        fopts,
        statistics=output["statistics"],
        quiet=output["quiet"],
        category=output["category"],
    )
    for fmt, output_file in outputs_of(output):
        use_color = (
            fmt == "text"
            and output_file is None
            and not output["no_color"]
            and not os.environ.get("NO_COLOR")  # no-color.org: an empty value does not count
            and sys.stdout.isatty()
        )
        _emit(fmt, results, replace(fopts, color=use_color), output_file)


def _emit(
    fmt: str, results: list[FileResult], fopts: FormatOptions, output_file: Path | None
) -> None:
    write = writer(fmt)
    if output_file is None:
        write(results, sys.stdout, fopts)
        return
    buf = io.StringIO()
    write(results, buf, fopts)
    try:
        output_file.parent.mkdir(parents=True, exist_ok=True)
        # Atomic, new file or old: a CI step reading the report never sees half of one.
        write_atomic(output_file, buf.getvalue().encode("utf-8"))
    except OSError as exc:
        fail(f"{output_file}: cannot write: {exc.strerror or exc}")
