"""``dockerlint-django check``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from dockerlint_django.cli._common import (
    cli,
    common_options,
    compose_options,
    exit_options,
    final_code,
    parse_error_line,
    repository_root,
    say_error,
    say_warning,
    threshold,
)
from dockerlint_django.cli._counts import fixable_counts
from dockerlint_django.cli._output import (
    OUTPUT_KEYS,
    emit_reports,
    output_options,
    outputs_of,
    refuse_bad_outputs,
    split_output,
)
from dockerlint_django.cli._run import Run, collect_results
from dockerlint_django.cli._show import SHOW_KEYS, before_run, show_options, split_show
from dockerlint_django.cli.fix import FIX_KEYS, fix_options, run_fix
from dockerlint_django.engine import fix_source
from dockerlint_django.formatters import FormatOptions
from dockerlint_django.results import FileResult


@cli.command()
@common_options
@output_options
@show_options
@exit_options
@compose_options
@click.option(
    "--fix", "apply_fixes", is_flag=True, help="Apply the fixes: `fix`, as ruff spells it."
)
@fix_options
@click.option(
    "--show-services",
    is_flag=True,
    help="List each Compose service: the image it runs and what runs in it, layer by layer.",
)
def check(
    show_services: bool,
    apply_fixes: bool,
    **kw: Any,
) -> None:
    """Lint Dockerfiles, Compose files and what they run.

    PATHS are files or folders (default: the current folder); '-' reads standard input.
    """
    if apply_fixes or kw["diff"]:
        if show_services:
            raise click.UsageError("--show-services lists services; it does not go with --fix")
        sys.exit(run_fix(kw))
    fail_on, exit_zero = kw.pop("fail_on"), kw.pop("exit_zero")
    unsafe = kw.pop("unsafe_fixes")
    if kw.pop("show_fixes"):
        raise click.UsageError("--show-fixes lists what a fix applied: use it with --fix or fix")
    kw.pop("diff")
    output = split_output(kw)
    show = split_show(kw)
    outputs_of(output)  # a usage error before any file is read
    run = Run(kw)
    shown = before_run(run, show)
    if shown is not None:
        sys.exit(shown)
    plan = run.plan()
    refuse_bad_outputs(output, run.planned_inputs())
    for warning in plan.warnings:
        say_warning(warning)
    if show_services:
        from dockerlint_django.formatters.services import describe_services

        text, failed = describe_services(
            plan.deployments, run.options_with, as_json="json" in output["formats"]
        )
        click.echo(text, nl=False)
        for d in plan.deployments:
            if d.error is not None:
                say_error(d.error.one_line())
        sys.exit(2 if failed or run.missing else 0)
    # Only the text summary says how many `fix` would fix: other reports skip the fix loop.
    says_count = not output["quiet"] and any(
        fmt in ("text", "full", "concise") for fmt, _ in outputs_of(output)
    )
    results = collect_results(run, unsafe if says_count else None)
    for r in results:
        if r.error is not None:
            say_error(r.error)
        elif r.parse_failed:
            say_error(parse_error_line(r))
    base_cfg = run.config_for(None)
    if not run.enabled and not base_cfg.enabled_codes():
        click.echo(
            "dockerlint-django: warning: no rule is selected, so nothing is checked (a hadolint "
            "code that no rule refines selects none)",
            err=True,
        )
    cwd = Path.cwd()
    exact = _exact_fixes(run, unsafe) if says_count else (lambda _result: None)
    fix_count, fix_more = fixable_counts(results, unsafe, exact)
    fopts = FormatOptions(
        root=repository_root(cwd) or cwd,
        enabled=run.enabled or base_cfg.enabled_codes(),
        unsafe_fixes=unsafe,
        fix_count=fix_count,
        fix_more=fix_more,
    )
    emit_reports(results, output, fopts)
    sys.exit(final_code(results, threshold(fail_on, base_cfg), exit_zero))


def _exact_fixes(run: Run, unsafe: bool) -> Callable[[FileResult], int | None]:
    """For a Dockerfile whose fixes cascade, the number the fix loop really applies, found by
    running it in memory with the build `fix` uses (the first)."""
    builds = run.fix_builds()

    def exact(result: FileResult) -> int | None:
        path = result.real_path
        if result.source is None or path is None or path not in builds:
            return None
        options = run.options_with(path, builds[path])
        known = run.fix_counts.get(path)
        if (
            known is not None
            and known.text == result.source.text
            and known.unsafe == unsafe
            and known.options == options
        ):
            return known.applied
        # Cascading only once the builds' findings are merged: not counted on the way.
        return fix_source(result.source, options, unsafe, real_path=path, fixes_only=True).applied

    return exact


_CHECK_ONLY = (
    "show_services",
    "apply_fixes",
    "fail_on",
    "exit_zero",
    *FIX_KEYS,
    *OUTPUT_KEYS,
    *SHOW_KEYS,
)


def run_for(args: Sequence[str]) -> Run:
    """The run ``dockerlint-django check ARGS`` would make (for tests and other callers)."""
    ctx = check.make_context("check", list(args))
    kw = {k: v for k, v in ctx.params.items() if k not in _CHECK_ONLY}
    return Run(kw)
