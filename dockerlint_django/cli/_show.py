"""What a run would do, shown instead of doing it: ``--show-settings``, ``--show-files``, and
``-v``'s account of the configuration used."""

from __future__ import annotations

from typing import Any

import click

from dockerlint_django.cli._run import Run

# The keyword arguments ``show_options`` adds to a command.
SHOW_KEYS = ("verbose",)


def show_options(f: Any) -> Any:
    options = [
        click.option("-v", "--verbose", is_flag=True, help="Say which configuration is used."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def split_show(kw: dict[str, Any]) -> dict[str, Any]:
    """Take the show options out of a command's keyword arguments."""
    return {k: kw.pop(k) for k in SHOW_KEYS}


def before_run(run: Run, show: dict[str, Any]) -> int | None:
    """Print what was asked for. An exit code when that is all the run does, else None."""
    return None
