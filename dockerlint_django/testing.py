"""Helpers for rule tests: lint or fix a text with a chosen set of rules.

Kept in the package so that every rule's docs examples, fixture cases and corpus checks go through
one path, the same one the command line uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from dockerlint_django.config import Config
from dockerlint_django.engine import Options, fix_source, lint_source
from dockerlint_django.results import FileResult, Finding
from dockerlint_django.source import SourceFile


def config_for(
    codes: Iterable[str],
    profile: str = "generic",
    options: dict[str, dict[str, object]] | None = None,
) -> Config:
    return Config(select=tuple(codes), profile=profile, rule_options=options or {})


def lint_text(
    text: str,
    codes: Iterable[str],
    filename: str = "Dockerfile",
    profile: str = "generic",
    options: dict[str, dict[str, object]] | None = None,
    no_suppress: bool = False,
    real_path: Path | None = None,
) -> FileResult:
    """``real_path`` makes the file's folder the build context, as linting it from disk does."""
    source = SourceFile.from_text(filename, text)
    return lint_source(
        source,
        Options(config_for(codes, profile, options), no_suppress=no_suppress),
        real_path=real_path,
    )


def findings(text: str, code: str, **kw: object) -> list[Finding]:
    result = lint_text(text, [code], **kw)  # type: ignore[arg-type]
    return [f for f in result.findings if f.code == code]


def fix_text(
    text: str,
    codes: Iterable[str],
    unsafe: bool = False,
    filename: str = "Dockerfile",
    profile: str = "generic",
    options: dict[str, dict[str, object]] | None = None,
) -> tuple[str, bool]:
    source = SourceFile.from_text(filename, text)
    config = config_for(codes, profile, options)
    new, _applied, converged = fix_source(source, Options(config), unsafe)
    return new, converged
