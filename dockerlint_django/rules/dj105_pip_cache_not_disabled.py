"""
## What it does
Checks that `pip install` runs with `--no-cache-dir` (or with pip's cache otherwise disabled or kept
out of the layer), in the stages whose layers ship: the final stage, its ancestors and any stage
another is built `FROM`. A builder stage whose virtualenv is copied out with `COPY --from` leaves
its cache behind.

## Why is this bad?
pip keeps every wheel it downloads or builds in `~/.cache/pip`. In an image that cache is dead
weight, often as large as the installed packages themselves, and it ships in the layer. The
handbook installs requirements with `pip install --no-cache-dir -r /tmp/requirements.txt`.

These also disable or avoid the cache and are accepted: `PIP_NO_CACHE_DIR` set to any value pip
accepts (pip disables its cache whenever the option is given, whatever the boolean says) through
`ENV`, `ARG`, a command prefix or an earlier `export` in the same `RUN`; and a
`--mount=type=cache` on pip's cache directory. pip takes unambiguous abbreviations, so
`--no-cache` counts as `--no-cache-dir`. `uv pip` keeps its own cache and is not checked.

## Example
```dockerfile
FROM python:3.11
COPY requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt
```

## Use instead
```dockerfile
FROM python:3.11
COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt
```

## Fix safety
Safe: inserts `--no-cache-dir` after `install`. The same packages are installed; only the cache is
not written.

## References
- [OCP handbook: Dockerfile for Django](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html)
- [pip: caching](https://pip.pypa.io/en/stable/topics/caching/)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.analysis import RunStep, basename, mounts
from dockerlint_django.dockerfile.edits import insert_word_after
from dockerlint_django.fix import Applicability, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.shell.commands import pip_install

META = RuleMeta(
    code="DJ105",
    name="pip-cache-not-disabled",
    severity=Severity.WARNING,
    summary="pip install without --no-cache-dir ships pip's download cache in the image.",
    fix=FixAvailability.ALWAYS,
    hadolint=("DL3042",),
)

_VAR = "PIP_NO_CACHE_DIR"


def _cache_mounted(run: RunStep) -> bool:
    for m in mounts(run.instruction):
        if m.get("type") != "cache":
            continue
        target = m.get("target", m.get("dst", m.get("destination", ""))).rstrip("/")
        if (
            target.endswith("/.cache/pip")
            or target.endswith("/.cache")
            or target.endswith("/pip-cache")
        ):
            return True
    return False


def _is_no_cache_dir(option: str | None) -> bool:
    # pip's optparse takes any unambiguous prefix: `--no-cache` is `--no-cache-dir`; shorter ones
    # (`--no-c`) also match --no-color, --no-clean and --no-compile.
    return (
        option is not None
        and len(option) >= len("--no-cache")
        and "--no-cache-dir".startswith(option)
    )


def check(ctx: Context) -> Iterator[Violation]:
    a_source = ctx.analysis.source
    for run in ctx.analysis.runs:
        if not ctx.analysis.ships(run):
            continue  # a builder stage's layers never reach the image (only what is copied out)
        variables = run.state.variables if run.state is not None else {}
        if _VAR in variables or _cache_mounted(run):
            continue
        exported = False
        for cmd in run.commands:
            if basename(cmd.name) == "export" and any(
                (w.value or w.raw.text).startswith(_VAR + "=") for w in cmd.words[1:]
            ):
                exported = True
            if any(a.name == _VAR for a in cmd.assignments) and not cmd.words:
                exported = True
            pip = pip_install(cmd)
            if pip is None or pip.tool != "pip" or exported:
                continue
            if any(a.name == _VAR for a in cmd.assignments):
                continue
            if any(w.value is None for w in pip.options) or any(
                _is_no_cache_dir(w.value) for w in pip.options
            ):
                continue
            yield META.violation(
                pip.install_word.span,
                "pip install without --no-cache-dir keeps pip's download cache in the layer",
                fix=Fix(
                    "Add --no-cache-dir",
                    (
                        insert_word_after(
                            a_source, run.instruction, pip.install_word.span, "--no-cache-dir"
                        ),
                    ),
                    Applicability.SAFE,
                ),
            )
