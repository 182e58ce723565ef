"""``dockerlint-django fix`` (and ``check --fix``): apply the fixes, then report what is left."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dockerlint_django._record import LazyPattern, record
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
    stacked,
    threshold,
)
from dockerlint_django.cli._jobs import run_each
from dockerlint_django.cli._output import (
    emit_reports,
    output_options,
    outputs_of,
    refuse_bad_outputs,
    split_output,
)
from dockerlint_django.cli._run import Run
from dockerlint_django.cli._show import before_run, show_options, split_show
from dockerlint_django.discover import display_path
from dockerlint_django.engine import Options, fix_source, lint_source, read_source
from dockerlint_django.fix import Applicability, FixOutcome, WriteRefused, write_fixed
from dockerlint_django.formatters import FormatOptions
from dockerlint_django.formatters.text import visible
from dockerlint_django.results import FileResult, flatten
from dockerlint_django.source import SourceError, SourceFile

if TYPE_CHECKING:
    from dockerlint_django.project.links import ImageBuild

# The keyword arguments ``fix_options`` adds to a command.
FIX_KEYS = ("unsafe_fixes", "diff", "show_fixes")


def fix_options(f: Any) -> Any:
    options = [
        click.option(
            "--unsafe-fixes", is_flag=True, help="Also apply fixes that change behaviour."
        ),
        click.option(
            "--diff",
            is_flag=True,
            help="Print the changes as a unified diff and how many problems they fix; write "
            "nothing.",
        ),
        click.option("--show-fixes", is_flag=True, help="List the fixes applied, per rule."),
    ]
    return stacked(f, options)


@cli.command()
@common_options
@output_options
@show_options
@exit_options
@compose_options
@fix_options
def fix(**kw: Any) -> None:
    """Apply the available fixes, then report what is left.

    Safe fixes keep what the image does; --unsafe-fixes also applies the ones that change it.
    PATHS are files or folders (default: the current folder); '-' reads standard input and prints
    the fixed text.
    """
    sys.exit(run_fix(kw))


def run_fix(kw: dict[str, Any]) -> int:
    """Fix what ``kw`` (the options of ``fix``, or of ``check --fix``) names; the exit code."""
    output = split_output(kw)
    show = split_show(kw)
    fail_on, exit_zero = kw.pop("fail_on"), kw.pop("exit_zero")
    unsafe, diff, show_fixes = (kw.pop(k) for k in FIX_KEYS)
    outputs = outputs_of(output)  # a usage error before any file is read or written
    if diff and show_fixes:
        raise click.UsageError("--diff cannot be used with --show-fixes: a diff applies nothing")
    if diff and any(f not in ("text", "full", "concise") or o is not None for f, o in outputs):
        raise click.UsageError(
            "--diff prints only the diff: --format and --output-file reports need a fix that runs"
        )
    run = Run(kw)
    shown = before_run(run, show)
    if shown is not None:
        return shown
    results: list[FileResult] = []
    diffs: list[str] = []
    total = 0
    # display path -> code -> fixes applied, in the order the files were fixed.
    applied_in: dict[str, dict[str, int]] = {}
    had_error = False
    # (source, its path for configuration and the build context, written back to disk?)
    targets: list[tuple[SourceFile, Path | None, bool]] = []
    plan = run.plan()
    refuse_bad_outputs(output, run.planned_inputs())
    builds = run.fix_builds()
    for warning in plan.warnings:
        say_warning(warning)
    # A file that cannot be read is reported as one, never as "All checks passed".
    unread: list[FileResult] = []
    for p in run.missing:
        say_error(f"{p}: no such file or directory")
        unread.append(FileResult(str(p), None, None, error=f"{p}: no such file or directory"))
    for where, why in plan.errors:
        say_error(f"{where}: {why}")
        unread.append(FileResult(where, None, None, error=f"{where}: {why}"))
        had_error = True
    for d in plan.deployments:
        if d.error is not None and not d.needs_values:
            # As check: a project that only needs values a deployment gives is a warning.
            say_error(d.error.one_line())
            had_error = True
    for planned in builds:
        try:
            limit = run.config_for(planned).max_file_bytes
            targets.append((read_source(planned, display_path(planned), limit), planned, True))
        except SourceError as exc:
            line = f":{exc.line}" if exc.line else ""
            message = f"{display_path(planned)}{line}: {exc.message}"
            say_error(message)
            unread.append(FileResult(display_path(planned), planned, None, error=message))
            had_error = True
    if run.wants_stdin:
        got = run.stdin_source()
        if isinstance(got, str):
            say_error(got)
            unread.append(FileResult(run.stdin_name, None, None, error=got))
            had_error = True
        else:
            # --stdin-filename names the file for configuration, never a file to overwrite.
            targets.append((got[0], got[1], False))
    stdin_text: list[bytes] = []
    builds_of: dict[Path, list[ImageBuild | None]] = {}
    for dockerfile, build in plan.dockerfiles:
        builds_of.setdefault(dockerfile, []).append(build)
    tasks: list[_FixTask] = []
    for source, path, _ in targets:
        first = builds.get(path) if path is not None else None
        # What is left is linted by every build of the file (a finding may be one target's).
        others = [b for b in builds_of.get(path, []) if b is not first] if path is not None else []
        tasks.append(
            _FixTask(
                source,
                path,
                run.options_with(path, first),
                tuple(run.options_with(path, b) for b in others),
                unsafe,
            )
        )
    # The fix loops run in worker processes; what they found is written here, file by file in
    # order, so that messages and writes are those of one process.
    done = run_each(fix_planned, tasks, run.jobs)
    for (source, path, on_disk), task, fixed in zip(targets, tasks, done, strict=True):
        outcome = fixed.outcome
        new_text = outcome.text
        left = fixed.left
        if not outcome.converged:
            # Fixes that undo each other, or that would make the file unparsable: what they
            # leave is not a text anyone asked for, so nothing of it is written.
            say_error(f"{source.path}: its fixes do not converge; the file is left as it is")
            had_error = True
            new_text = source.text
        if new_text != source.text:
            written = True
            if diff:
                diffs.extend(_unified_diff(source.path, source.text, new_text))
            elif on_disk:
                assert path is not None
                written = _write(path, source, new_text)
                had_error = had_error or not written
            if written:
                total += outcome.applied
                _tally(applied_in, source.path, outcome.by_code)
            else:
                left = _left(task, source.text)  # what is on disk is what is left
        if not on_disk and not diff:
            stdin_text.append(source.encode(new_text))
        results.extend(left)
    compose_results: list[FileResult] = []
    if plan.deployments:
        total, had_error = _fix_compose(
            run, unsafe, diff, compose_results, diffs, applied_in, total, had_error
        )
    # The order check reports in: files that could not be read, Compose projects, Dockerfiles.
    results = flatten([*unread, *compose_results, *results])
    for r in results:
        if r.parse_failed:
            say_error(parse_error_line(r))
            had_error = True
    base_cfg = run.config_for(None)
    lowest = threshold(fail_on, base_cfg)
    if diff:
        # The diff alone on standard output, so that it can go straight to `git apply`; the
        # findings left would be positioned in the fixed text, which is not on disk.
        # Byte for byte when piped (for `git apply`); on a terminal, escapes in the files' lines
        # and names must not drive it.
        on_terminal = sys.stdout.isatty()
        sys.stdout.writelines(visible_diff(line) if on_terminal else line for line in diffs)
        if not output["quiet"]:
            click.echo(_would_fix(total, results, unsafe), err=True)
        code = 2 if had_error or run.missing else (1 if diffs else 0)
        return 0 if code == 1 and exit_zero else code
    if stdin_text:
        # The fixed text is the output, as formatters print it; the report goes to stderr.
        for data in stdin_text:
            sys.stdout.buffer.write(data)
        sys.stdout.flush()
    cwd = Path.cwd()
    fopts = FormatOptions(
        root=repository_root(cwd) or cwd,
        enabled=run.enabled or base_cfg.enabled_codes(),
        unsafe_fixes=unsafe,
        fixed=total,
    )
    if stdin_text:
        _emit_to_stderr(results, output, fopts)
    else:
        emit_reports(results, output, fopts)
    if show_fixes:
        _show_fixes(applied_in, to_stderr=bool(stdin_text) or not _text_on_stdout(output))
    code = final_code(results, lowest, exit_zero)
    if had_error or run.missing:
        code = 2
    return code


@record
class _FixTask:
    """One file for the fix loop: what a worker process is given."""

    source: SourceFile
    path: Path | None  # for configuration and the build context
    options: Options  # with the build it is fixed with (``Run.fix_builds``)
    others: tuple[Options, ...]  # with its other builds, which judge what is left too
    unsafe: bool


@record
class _Fixed:
    outcome: FixOutcome
    # The text kept (the fixed one, or the file's own when the fixes do not converge), linted
    # with each build: the one it is fixed with first.
    left: list[FileResult]


def fix_planned(task: _FixTask) -> _Fixed:
    """The fix loop over one file, and what is left. The loop's last lint (of the text it ends
    with) is what is left for the build it fixes with: not linted again."""
    lints: dict[str, FileResult] = {}
    outcome = fix_source(task.source, task.options, task.unsafe, real_path=task.path, lints=lints)
    text = outcome.text if outcome.converged else task.source.text
    return _Fixed(outcome, _left(task, text, lints.get(text)))


def _left(task: _FixTask, text: str, first: FileResult | None = None) -> list[FileResult]:
    source = task.source
    fixed = SourceFile(source.path, text, source.bom, source.newline, source.line_breaks)
    if first is None:
        first = lint_source(fixed, task.options, real_path=task.path)
    return [first, *(lint_source(fixed, o, real_path=task.path) for o in task.others)]


def _fix_compose(
    run: Run,
    unsafe: bool,
    diff: bool,
    results: list[FileResult],
    diffs: list[str],
    applied_in: dict[str, dict[str, int]],
    total: int,
    had_error: bool,
) -> tuple[int, bool]:
    from dockerlint_django.deployments import check_deployments, fix_compose
    from dockerlint_django.project.deployment import load_deployment

    plan = run.plan()
    settings = run.load_settings(run.config_for(None))
    overlay: dict[str, str] = {}
    for source, real, outcome in fix_compose(
        plan.deployments, settings, run.options_with, unsafe, plan.unchecked
    ):
        if not outcome.converged:
            say_error(f"{source.path}: its fixes do not converge; the file is left as it is")
            had_error = True
            continue
        new_text = outcome.text
        if new_text == source.text:
            continue
        if diff:
            diffs.extend(_unified_diff(source.path, source.text, new_text))
        elif not _write(real, source, new_text):
            had_error = True
            continue  # what is left is checked in the text on disk
        total += outcome.applied
        _tally(applied_in, source.path, outcome.by_code)
        for d in plan.deployments:
            # Under every name the projects read it by (a symlink is the same file).
            for other in d.project.files if d.project is not None else ():
                if Path(other.path).resolve() == real.resolve():
                    overlay[str(Path(other.path).absolute())] = new_text
        overlay[str(real.absolute())] = new_text
    again = [
        load_deployment(d.files, settings, overlay) if overlay else d
        for d in plan.deployments
        if d.error is None
    ]
    results.extend(check_deployments(again, run.options_with, plan.unchecked))
    return total, had_error


def _would_fix(total: int, left: Sequence[FileResult], unsafe: bool) -> str:
    """ruff's line for --diff: how many problems the diff fixes, and how many more unsafe fixes
    would."""
    more = 0
    if not unsafe:
        more = sum(
            1
            for r in left
            for f in r.findings
            if f.fix is not None and f.fix.applicability == Applicability.UNSAFE
        )
    extra = f" ({more} more with `--unsafe-fixes`)" if more else ""
    if not total:
        return f"No problems to fix{extra}."
    return f"Would fix {total} problem{'s' if total != 1 else ''}{extra}."


def visible_diff(line: str) -> str:
    """A diff line safe for a terminal: the line breaks kept, other control characters (terminal
    escapes in a Dockerfile or in a file name) escaped."""
    out: list[str] = []
    for piece in line.splitlines(keepends=True):
        body = piece.rstrip("\r\n")
        out.append(visible(body) + piece[len(body) :])
    return "".join(out)


def _write(path: Path, source: SourceFile, new_text: str) -> bool:
    """Write a fixed file; False, with the reason said, when it is not written."""
    try:
        write_fixed(path, source.encode(), source.encode(new_text))
    except WriteRefused as exc:
        say_error(f"{source.path}: {exc}")
        return False
    except OSError as exc:
        say_error(f"{source.path}: cannot write: {exc.strerror or exc}")
        return False
    return True


def _tally(applied_in: dict[str, dict[str, int]], path: str, by_code: dict[str, int]) -> None:
    counts = applied_in.setdefault(path, {})
    for code, n in by_code.items():
        counts[code] = counts.get(code, 0) + n


def _text_on_stdout(output: dict[str, Any]) -> bool:
    return any(
        fmt in ("text", "full", "concise") and where is None for fmt, where in outputs_of(output)
    )


def _emit_to_stderr(
    results: list[FileResult], output: dict[str, Any], fopts: FormatOptions
) -> None:
    # Standard output holds the fixed text: a report meant for it goes to stderr instead.
    saved = sys.stdout
    sys.stdout = sys.stderr
    try:
        emit_reports(results, output, fopts)
    finally:
        sys.stdout = saved


def _show_fixes(applied_in: dict[str, dict[str, int]], to_stderr: bool) -> None:
    """ruff's --show-fixes list: each file, then each rule with how many of its fixes applied."""
    from dockerlint_django import rules as registry

    total = sum(n for counts in applied_in.values() for n in counts.values())
    if not total:
        click.echo("No fixes applied.", err=to_stderr)
        return
    lines = [f"Fixed {total} problem{'s' if total != 1 else ''}:"]
    for path, counts in applied_in.items():
        if not counts:
            continue
        lines.append(f"- {visible(path)}:")
        for code, n in sorted(counts.items()):
            name = registry.get(code).name if registry.known(code) else ""
            lines.append(f"    {n} \N{MULTIPLICATION SIGN} {code}" + (f" ({name})" if name else ""))
    click.echo("\n".join(lines), err=to_stderr)


_LINE = LazyPattern(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _unified_diff(path: str, old: str, new: str) -> list[str]:
    import difflib  # only a run that prints a diff pays for it

    # Not str.splitlines: it also breaks at form feeds and U+2028, which are not line breaks here.
    lines = difflib.unified_diff(_LINE.findall(old), _LINE.findall(new), f"a/{path}", f"b/{path}")
    # A last line without a line break would run into the next one: mark it the way git does.
    return [
        line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
        for line in lines
    ]
