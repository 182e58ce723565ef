"""``rule``, ``parse`` and ``init``: the commands that lint nothing."""

from __future__ import annotations

# json is imported in the functions that use it: `check` imports this module, and a check
# that prints text loads no json (tests/test_startup.py).
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dockerlint_django import rules as registry
from dockerlint_django.cli._common import cli, compose_options, env_pairs, fail
from dockerlint_django.discover import display_path
from dockerlint_django.engine import (
    read_source,
)
from dockerlint_django.source import LF_ONLY, SourceError, SourceFile

if TYPE_CHECKING:
    from dockerlint_django.compose.loader import LoadOptions
    from dockerlint_django.rules._base import Rule


def _rule_json(r: Rule) -> dict[str, Any]:
    """What `rule --format json` says of every rule, listed or alone."""
    return {
        "code": r.code,
        "name": r.name,
        "severity": r.meta.severity.label,
        "fix": r.meta.fix.value,
        "profile": r.meta.profile,
        "summary": r.meta.summary,
    }


@cli.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="List every rule.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def rule(code: str | None, show_all: bool, fmt: str) -> None:
    """Show a rule's documentation (DJ001 or its name), or list all rules.

    Given a hadolint code (DL3025), list the rules that refine it.
    """
    import json

    if code is not None and not show_all and registry.is_hadolint_code(code.upper()):
        _hadolint_rules(code.upper(), fmt)
        return
    if show_all or code is None:
        rules = registry.all_rules()
        if fmt == "json":
            click.echo(
                json.dumps(
                    [
                        {
                            **_rule_json(r),
                            "default_enabled": r.meta.default_enabled,
                            "hadolint": list(r.meta.hadolint),
                        }
                        for r in rules
                    ],
                    indent=2,
                )
            )
            return
        for r in rules:
            flag = "" if r.meta.default_enabled else " (off by default)"
            click.echo(f"{r.code}  {r.name:<40} {r.meta.severity.label:<8} {r.meta.summary}{flag}")
        return
    key = code.upper() if code.upper() in registry.CODES else registry.by_name().get(code)
    if key is None and code.upper() not in registry.CODES:
        # A policy entry's id: the configuration of this folder defines it.
        from dockerlint_django.config import ConfigError, ConfigFinder

        try:
            ConfigFinder().for_path(None)
        except ConfigError as exc:
            fail(str(exc))
        key = code.upper() if code.upper() in registry.POLICY else None
    if key is None:
        fail(f"unknown rule {code!r}; `dockerlint-django rule --all` lists them")
    r = registry.get(key)
    from dockerlint_django.rules._pages import page

    if fmt == "json":
        click.echo(
            json.dumps(
                {**_rule_json(r), "hadolint": list(r.meta.hadolint), "documentation": page(r)},
                indent=2,
            )
        )
    else:
        click.echo(page(r), nl=False)


def _hadolint_rules(dl: str, fmt: str) -> None:
    import json

    # Not an error when no rule refines it: the code is hadolint's, and the answer is that
    # hadolint alone reports it.
    rules = [registry.get(c) for c in registry.by_hadolint().get(dl, ())]
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "hadolint": dl,
                    "rules": [
                        {"code": r.code, "name": r.name, "summary": r.meta.summary} for r in rules
                    ],
                },
                indent=2,
            )
        )
        return
    if not rules:
        click.echo(f"No dockerlint-django rule refines hadolint's {dl}; only hadolint reports it.")
        return
    click.echo(f"hadolint's {dl} is refined by:")
    width = max(len(r.name) for r in rules)
    for r in rules:
        click.echo(f"{r.code}  {r.name:<{width}}  {r.meta.summary}")


def _load_options(
    files: Sequence[Path],
    project_directory: Path | None,
    project_name: str | None,
    env_files: Sequence[Path],
    env_values: Sequence[str],
    use_shell_env: bool,
    profiles: Sequence[str] = (),
    interpolate: bool = True,
) -> LoadOptions:
    from dockerlint_django.compose.loader import LoadOptions

    environment: dict[str, str] = dict(os.environ) if use_shell_env else {}
    environment.update(env_pairs(env_values))
    return LoadOptions(
        working_dir=Path.cwd(),
        files=tuple(files),
        project_directory=project_directory,
        project_name=project_name,
        env_files=tuple(env_files),
        profiles=tuple(profiles),
        environment=environment,
        interpolate=interpolate,
    )


@cli.command()
@click.argument(
    "file", required=False, type=click.Path(path_type=Path, dir_okay=False, allow_dash=True)
)
@click.option(
    "--compose",
    is_flag=True,
    help="Print a Compose project as JSON, in the shape of `docker compose config --format json`.",
)
@compose_options
@click.option("--profile", "profiles", multiple=True, help="Enable a Compose profile ('*': all).")
@click.option("--no-interpolate", is_flag=True, help="Keep ${...} as written, as Compose does.")
def parse(
    file: Path | None,
    compose: bool,
    compose_files: tuple[Path, ...],
    project_directory: Path | None,
    project_name: str | None,
    env_files: tuple[Path, ...],
    env_values: tuple[str, ...],
    use_shell_env: bool,
    profiles: tuple[str, ...],
    no_interpolate: bool,
) -> None:
    """Print a parse as JSON: a Dockerfile's BuildKit syntax tree, or (--compose) a Compose project.

    With --compose and no -f, the project is what docker compose would load in this folder.
    """
    import json

    if compose or compose_files:
        files = (*compose_files, *((file,) if file is not None else ()))
        _parse_compose(
            _load_options(
                files,
                project_directory,
                project_name,
                env_files,
                env_values,
                use_shell_env,
                profiles,
                not no_interpolate,
            )
        )
        return
    if file is None:
        fail("parse: name a Dockerfile, or use --compose")
    from dockerlint_django.dockerfile.ast import ParseError
    from dockerlint_django.dockerfile.parser import parse as parse_dockerfile
    from dockerlint_django.dockerfile.parser import to_oracle_dict

    name = "-" if str(file) == "-" else display_path(file)
    try:
        if str(file) == "-":
            source = SourceFile.from_bytes(name, sys.stdin.buffer.read(), LF_ONLY)
        else:
            source = read_source(file, name)
    except SourceError as exc:
        line = f":{exc.line}" if exc.line else ""
        fail(f"{name}{line}: {exc.message}")
    try:
        result = parse_dockerfile(source)
    except ParseError as exc:
        line = f":{exc.line}" if exc.line else ""
        fail(f"{name}{line}: {exc.message}")
    click.echo(json.dumps(to_oracle_dict(result), indent=2, ensure_ascii=False))


def _parse_compose(options: LoadOptions) -> None:
    import json

    from dockerlint_django.compose.config_json import config_json
    from dockerlint_django.compose.loader import load_project
    from dockerlint_django.compose.nodes import ComposeError

    try:
        project = load_project(options)
    except ComposeError as exc:
        fail(exc.one_line())
    for warning in project.warnings:
        click.echo(f"dockerlint-django: warning: {warning}", err=True)
    click.echo(json.dumps(config_json(project), indent=2, ensure_ascii=False))


@cli.command()
@click.option("--force", is_flag=True, help="Overwrite files that exist and differ.")
@click.option(
    "--dry-run", is_flag=True, help="Show what would be written, as a diff; write nothing."
)
@click.option(
    "--project-module",
    metavar="NAME",
    help="The package holding settings.py and wsgi.py, when manage.py does not name it.",
)
@click.option("--python", "python_version", metavar="X.Y", help="The Python version of the image.")
def init(
    force: bool, dry_run: bool, project_module: str | None, python_version: str | None
) -> None:
    """Write the handbook's container files for the project in the current folder.

    A Dockerfile, Dockerfile_static and default.conf (the static image), a .dockerignore, a
    production compose.yaml example and the configuration, filled in from the project's files:
    the settings module, Python version, dependency installer, manifest storage, translations and
    STATIC_ROOT. Nothing of the project is run.
    """
    from dockerlint_django.scaffold.handbook import TemplateDrift
    from dockerlint_django.scaffold.plan import InitError, plan_init
    from dockerlint_django.scaffold.run import run_init

    if python_version is not None and not re.fullmatch(r"3\.\d{1,2}", python_version):
        fail(f"--python {python_version}: give a version as X.Y, such as 3.12")
    if project_module is not None and not all(p.isidentifier() for p in project_module.split(".")):
        fail(f"--project-module {project_module}: not a Python module name")
    try:
        plan = plan_init(
            Path.cwd(), project_module=project_module, python=python_version, force=force
        )
        code = run_init(plan, dry_run=dry_run, echo=click.echo)
    except (TemplateDrift, InitError, OSError) as exc:
        fail(str(exc))
    raise SystemExit(code)
