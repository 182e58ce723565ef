"""``dockerlint-django fix``."""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from dockerlint_django.cli._common import cli, common_options, compose_options
from dockerlint_django.cli._run import Run
from dockerlint_django.discover import display_path
from dockerlint_django.engine import (
    exit_code,
    fix_source,
    lint_source,
    read_source,
)
from dockerlint_django.fix import write_atomic
from dockerlint_django.formatters import FormatOptions, writer
from dockerlint_django.results import FileResult, flatten
from dockerlint_django.rules._base import Severity
from dockerlint_django.source import SourceError, SourceFile

if TYPE_CHECKING:
    from dockerlint_django.project.links import ImageBuild


@cli.command()
@common_options
@compose_options
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that change behaviour.")
@click.option("--diff", is_flag=True, help="Print the changes as a unified diff; write nothing.")
def fix(unsafe_fixes: bool, diff: bool, **kw: Any) -> None:
    """Apply the available fixes, then report what is left."""
    run = Run(kw)
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
