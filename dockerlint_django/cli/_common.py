"""Options and helpers every command shares, and the command group itself."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from dockerlint_django import __version__
from dockerlint_django.config import Config
from dockerlint_django.engine import exit_code
from dockerlint_django.formatters.text import visible
from dockerlint_django.results import FileResult
from dockerlint_django.rules._base import Severity


def fail(message: str) -> NoReturn:
    say_error(message)
    sys.exit(2)


def say_error(message: str) -> None:
    # Escaped: a file name or a line of a checked file must not drive the terminal.
    click.echo(f"dockerlint-django: error: {visible(message)}", err=True)


def say_warning(message: str) -> None:
    click.echo(f"dockerlint-django: warning: {visible(message)}", err=True)


def parse_error_line(result: FileResult) -> str:
    """``path:line: message`` for a file BuildKit's parser rejects (its DJ900 finding)."""
    f = next((f for f in result.findings if f.code == "DJ900"), None)
    return f"{result.path}:{f.start.line}: {f.message}" if f else f"{result.path}: parse error"


def selector_option(name: str, help_text: str) -> Any:
    return click.option(name, multiple=True, metavar="CODES", help=help_text)


def env_pairs(values: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        name, eq, value = item.partition("=")
        if not eq or not name:
            fail(f"--env expects NAME=VALUE, got {item!r}")
        out[name] = value
    return out


def stacked(f: Any, options: Sequence[Any]) -> Any:
    """``f`` with click options applied so that ``--help`` lists them in the order given."""
    for option in reversed(options):
        f = option(f)
    return f


def compose_options(f: Any) -> Any:
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
    return stacked(f, options)


def default_jobs() -> int:
    """The cores this process may run on (its affinity mask and, from Python 3.13, its quota)."""
    count: Callable[[], int | None] | None = getattr(os, "process_cpu_count", None)
    if count is not None:
        return count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def jobs_option(f: Any) -> Any:
    return click.option(
        "--jobs",
        type=click.IntRange(min=1),
        metavar="N",
        help="Check files in N processes (default: the cores available; 1: in this process "
        "alone). Output is the same whatever N.",
    )(f)


def common_options(f: Any) -> Any:
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path, readable=False)),
        selector_option(
            "--select",
            "Only these rules: codes, prefixes (DJ1), names or hadolint codes (DL3025), "
            "comma-separated.",
        ),
        selector_option("--extend-select", "Add these rules to the selection."),
        selector_option("--ignore", "Skip these rules."),
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
        jobs_option,
    ]
    return stacked(f, options)


# The commands defined in a module ``cli/__init__`` does not import, by name: its module.
_LATER: Mapping[str, str] = {"rule": "info", "parse": "info", "init": "info"}


class _Commands(click.Group):
    """The command group, with the commands of ``cli.info`` (``rule``, ``parse``, ``init``)
    imported when one of them is asked for: a ``check``, which every hook and CI run makes,
    does not build their options (about a millisecond)."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = _LATER.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            _import_command_module(module)
        found = super().get_command(ctx, cmd_name)
        if found is None:
            # No such command: click suggests close names from ``self.commands``, which must
            # then hold every command (`rul` -> "Did you mean 'rule'?").
            for later in set(_LATER.values()):
                _import_command_module(later)
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *_LATER})


def _import_command_module(name: str) -> None:
    import importlib

    importlib.import_module(f"dockerlint_django.cli.{name}")  # its commands register themselves


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dockerlint-django")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Lint how Django and Gunicorn projects are containerised."""
    from dockerlint_django.discover import resolving_once

    # A command is one run: each path it names is resolved once (``discover.resolved``).
    ctx.with_resource(resolving_once())


def repository_root(start: Path) -> Path | None:
    """The top folder of the git repository holding ``start``, like ``git rev-parse
    --show-toplevel`` but without starting git on every pre-commit call."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():  # a folder, or a file in worktrees and submodules
            return folder
    return None


# With no --fail-on and no `fail-on` in the configuration: advice (`info`) is shown but does not
# fail CI or a hook, as linters with severities do; `--fail-on info` fails on it too.
DEFAULT_FAIL_ON = Severity.WARNING


def exit_options(f: Any) -> Any:
    options = [
        click.option(
            "--fail-on",
            type=click.Choice(["error", "warning", "info", "none"]),
            help="Lowest severity that fails (default: the configuration's fail-on, else "
            "warning); 'none': findings never fail, errors still do.",
        ),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings."),
    ]
    return stacked(f, options)


def threshold(fail_on: str | None, cfg: Config) -> Severity | None:
    """The lowest severity that fails the run (the command line's, the configuration's, the
    default); None: no finding fails it."""
    if fail_on == "none":
        return None
    if fail_on:
        return Severity.parse(fail_on)
    if cfg.fail_on_none:
        return None
    return cfg.fail_on or DEFAULT_FAIL_ON


def final_code(results: Sequence[FileResult], lowest: Severity | None, exit_zero: bool) -> int:
    """0 clean, 1 findings at or above ``lowest``, 2 when a file could not be checked."""
    code = exit_code(results, lowest or Severity.ERROR)
    if code == 1 and (lowest is None or exit_zero):
        return 0
    return code
