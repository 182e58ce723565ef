"""How a run's findings are reported: the output options ``check`` and ``fix`` share, and the
code that writes each report where it was asked for."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from dockerlint_django._record import replace
from dockerlint_django.cli._common import fail, stacked
from dockerlint_django.fix import WriteRefused, check_report_target, write_atomic
from dockerlint_django.formatters import (
    AUTO,
    MODULES,
    TEXT_FORMS,
    FormatOptions,
    Writer,
    resolve,
    writer,
)
from dockerlint_django.results import FileResult

# The keyword arguments ``output_options`` adds to a command.
OUTPUT_KEYS = ("formats", "output_files", "category", "statistics", "quiet", "color", "no_color")


def output_options(f: Any) -> Any:
    options = [
        click.option(
            "--format",
            "--output-format",
            "formats",
            type=click.Choice([*sorted(MODULES), AUTO]),
            multiple=True,
            help="Report format; repeat it for several reports in one run. Default: text, in "
            "GitHub Actions too (as ruff). text is full (each finding with its source line, "
            "carets under the span, the fix and the rule's page) on a terminal, concise (one "
            "line a finding) when piped, written to a file or run by pre-commit; 'full' and "
            "'concise' ask for one. 'auto' is github when GITHUB_ACTIONS=true, else text.",
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
        click.option(
            "--statistics",
            is_flag=True,
            help="Count findings per rule instead of listing them: count, code, fixable ([*] "
            "all, [-] some, [ ] none), severity, name. In text, and in json as an array of "
            "rules; the other formats ignore it.",
        ),
        click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary."),
        click.option(
            "--color",
            type=click.Choice(["auto", "always", "never"]),
            default="auto",
            show_default=True,
            help="Colour in text printed to standard output (reports written to files never "
            "have it). auto: on a terminal, off when NO_COLOR is set, on even when piped when "
            "FORCE_COLOR is set; NO_COLOR beats FORCE_COLOR, and always/never beat both.",
        ),
        # The old spelling of --color never; kept working, no longer shown.
        click.option("--no-color", is_flag=True, hidden=True),
    ]
    return stacked(f, options)


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


def use_color(
    choice: str, environ: Mapping[str, str] = os.environ, terminal: bool | None = None
) -> bool:
    """Whether text on standard output gets colour. An explicit --color wins; then NO_COLOR
    (no-color.org), then FORCE_COLOR (force-color.org: CI logs that are not a terminal but show
    colour), each counting only when set and not empty; then whether stdout is a terminal."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return _stdout_is_terminal() if terminal is None else terminal


def text_form(
    fmt: str,
    output_file: Path | None,
    environ: Mapping[str, str] = os.environ,
    terminal: bool | None = None,
) -> bool:
    """Whether a text report is in its full form. Plain ``text`` is full only for a person at a
    terminal: concise in a file, through a pipe, and under pre-commit (which sets PRE_COMMIT=1
    and may hand its hooks a terminal), where one line a finding is what tools and logs read."""
    if fmt != "text":
        return fmt == "full"
    if output_file is not None or environ.get("PRE_COMMIT"):
        return False
    return _stdout_is_terminal() if terminal is None else terminal


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # replaced or closed standard output
        return False


def emit_reports(results: list[FileResult], output: dict[str, Any], fopts: FormatOptions) -> None:
    """Write every report a run asked for. ``fopts`` carries what the run knows (root, enabled
    rules, fix counts); the output options decide the rest."""
    fopts = replace(
        fopts,
        statistics=output["statistics"],
        quiet=output["quiet"],
        category=output["category"],
    )
    refuse_bad_outputs(output, [r.real_path for r in results if r.real_path is not None])
    choice = "never" if output.get("no_color") else output.get("color") or "auto"
    for fmt, output_file in outputs_of(output):
        text = fmt in TEXT_FORMS
        opts = replace(
            fopts,
            color=text and output_file is None and use_color(choice),
            full=text and text_form(fmt, output_file),
        )
        _emit(fmt, results, opts, output_file)


def refuse_bad_outputs(output: dict[str, Any], inputs: Sequence[Path]) -> None:
    """Exit with one line when an --output-file is a symlink, a device, or a file the run reads:
    before anything is written, so that no report replaces what it should not."""
    for _, output_file in outputs_of(output):
        if output_file is None:
            continue
        try:
            check_report_target(output_file, inputs)
        except WriteRefused as exc:
            fail(f"--output-file {output_file}: {exc}")


def _emit(
    fmt: str, results: list[FileResult], fopts: FormatOptions, output_file: Path | None
) -> None:
    write: Writer
    if fmt == "json" and fopts.statistics:
        from dockerlint_django.formatters.statistics import write_json

        write = write_json
    else:
        write = writer(fmt)
    buf = io.StringIO()
    write(results, buf, fopts)
    if output_file is None:
        # The report in one write: written a line at a time, it is a system call a line where
        # standard output is unbuffered (PYTHONUNBUFFERED, as CI images often set) or a
        # terminal's, which is line-buffered.
        sys.stdout.write(buf.getvalue())
        return
    try:
        output_file.parent.mkdir(parents=True, exist_ok=True)
        # Atomic, new file or old: a CI step reading the report never sees half of one.
        write_atomic(output_file, buf.getvalue().encode("utf-8"))
    except OSError as exc:
        fail(f"{output_file}: cannot write: {exc.strerror or exc}")
