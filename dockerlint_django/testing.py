"""Helpers for rule tests: lint or fix a text with a chosen set of rules.

Kept in the package so that every rule's docs examples, fixture cases and corpus checks go through
one path, the same one the command line uses.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from dockerlint_django._record import record
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
    outcome = fix_source(source, Options(config), unsafe)
    return outcome.text, outcome.converged


@record
class ProjectFinding:
    path: str
    code: str
    line: int
    column: int
    severity: str
    message: str
    related: tuple[tuple[str, int, str], ...]  # (path, line, message)
    fix: str | None  # "safe", "unsafe" or None

    @property
    def fixable(self) -> bool:
        return self.fix is not None


def lint_project(
    files: Mapping[str, str],
    codes: Iterable[str],
    profile: str = "generic",
    options: dict[str, dict[str, object]] | None = None,
    args: Sequence[str] = (),
) -> list[ProjectFinding]:
    """Check a whole project (Dockerfiles, Compose files, scripts, env files) as ``check`` does
    from inside its folder; ``files`` maps relative paths to their text."""
    return _in_project(files, lambda: _project_findings(codes, profile, options, args))


def fix_project(
    files: Mapping[str, str],
    codes: Iterable[str],
    unsafe: bool = False,
    profile: str = "generic",
    options: dict[str, dict[str, object]] | None = None,
) -> dict[str, str]:
    """The project's files after ``fix`` (with ``--unsafe-fixes`` when ``unsafe``)."""
    from click.testing import CliRunner

    from dockerlint_django.cli import cli

    def run() -> dict[str, str]:
        _write_config(codes, profile, options)
        CliRunner().invoke(cli, ["fix", *(["--unsafe-fixes"] if unsafe else [])])
        # Bytes, not read_text: universal newlines would hide a fix that broke CRLF.
        return {name: Path(name).read_bytes().decode("utf-8") for name in files}

    return _in_project(files, run)


_T = TypeVar("_T")


def _in_project(files: Mapping[str, str], body: Callable[[], _T]) -> _T:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, text in files.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
        before = os.getcwd()
        os.chdir(root)
        try:
            return body()
        finally:
            os.chdir(before)


def _write_config(
    codes: Iterable[str], profile: str, options: dict[str, dict[str, object]] | None
) -> None:
    import json

    config: dict[str, object] = {}
    given = Path(".dockerlint-django.yaml")
    if given.is_file():
        import yaml

        # A project's own settings (its `limits`, say) stay; the rules are the test's.
        config = dict(yaml.safe_load(given.read_text(encoding="utf-8")) or {})
    config.update({"select": list(codes), "profile": profile, "rules": options or {}})
    # JSON is YAML: no dependency on a YAML writer.
    Path(".dockerlint-django.yaml").write_text(json.dumps(config), encoding="utf-8")


def _project_findings(
    codes: Iterable[str],
    profile: str,
    options: dict[str, dict[str, object]] | None,
    args: Sequence[str],
) -> list[ProjectFinding]:
    from dockerlint_django.cli import collect_results, run_for

    _write_config(codes, profile, options)
    results = collect_results(run_for(list(args)))
    out: list[ProjectFinding] = []
    for r in results:
        if r.error is not None:
            raise AssertionError(r.error)
        for f in r.findings:
            related = []
            for rel in f.related:
                home = rel.source or r.source
                line = home.position(rel.span.start).line if home is not None else 0
                related.append((home.path if home is not None else f.path, line, rel.message))
            out.append(
                ProjectFinding(
                    f.path,
                    f.code,
                    f.start.line,
                    f.start.column,
                    f.severity.label,
                    f.message,
                    tuple(related),
                    None if f.fix is None else f.fix.applicability.label,
                )
            )
    return sorted(out, key=lambda f: (f.path, f.line, f.column, f.code))
