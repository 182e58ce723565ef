"""What a run would do, shown instead of doing it: ``--show-settings``, ``--show-files``, and
``-v``'s account of the configuration used.

As in ruff, both ``--show-*`` options check nothing and exit 0; they answer "why is this rule
(not) reported here?" and "why is this file (not) checked?" without reading the code.
"""

from __future__ import annotations

# json is imported in the functions that use it: `check` imports this module, and a check
# that prints text loads no json (tests/test_startup.py).
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from dockerlint_django.cli._common import DEFAULT_FAIL_ON, fail, say_error, say_warning, stacked
from dockerlint_django.cli._run import Run
from dockerlint_django.config import Config, ConfigError, apply_overrides
from dockerlint_django.discover import display_path
from dockerlint_django.formatters.text import visible

# The keyword arguments ``show_options`` adds to a command.
SHOW_KEYS = ("verbose", "show_settings", "show_files")

DEFAULT = "default"


def show_options(f: Any) -> Any:
    options = [
        click.option(
            "--show-settings",
            metavar="FILE",
            type=click.Path(path_type=Path),
            help="Print the configuration that applies to FILE and where each value comes from, "
            "then exit without checking.",
        ),
        click.option(
            "--show-files",
            is_flag=True,
            help="List the files a run would check, then exit without checking.",
        ),
        click.option(
            "-v",
            "--verbose",
            is_flag=True,
            help="Say on standard error which configuration file is used and how many files "
            "are checked.",
        ),
    ]
    return stacked(f, options)


def split_show(kw: dict[str, Any]) -> dict[str, Any]:
    """Take the show options out of a command's keyword arguments."""
    return {k: kw.pop(k) for k in SHOW_KEYS}


def before_run(run: Run, show: dict[str, Any]) -> int | None:
    """Print what was asked for. An exit code when that is all the run does, else None."""
    settings_for: Path | None = show.get("show_settings")
    if settings_for is not None and show.get("show_files"):
        raise click.UsageError("--show-settings and --show-files cannot be used together")
    ctx = click.get_current_context(silent=True)
    if (
        (settings_for is not None or show.get("show_files"))
        and ctx
        and ctx.params.get("output_files")
    ):
        raise click.UsageError(
            "--show-settings and --show-files print to standard output; --output-file is for "
            "reports of findings"
        )
    if settings_for is not None:
        # The settings name their configuration file themselves: -v has nothing to add.
        return show_settings(run, settings_for, _wants_json())
    if show.get("verbose"):
        say_configuration(run)
    if show.get("show_files"):
        return show_files(run, _wants_json())
    return None


def _wants_json() -> bool:
    # --format belongs to the output options, which check takes out before calling us.
    ctx = click.get_current_context(silent=True)
    formats: Sequence[str] = (ctx.params.get("formats") or ()) if ctx is not None else ()
    return "json" in formats


# --- -v -----------------------------------------------------------------------------------------


def _checked(run: Run) -> tuple[dict[str, Path], dict[str, Path]]:
    """The Dockerfiles and the Compose files the run checks, each once, by their shown name."""
    plan = run.plan()
    dockerfiles = {display_path(p): p for p, _ in plan.dockerfiles}
    compose: dict[str, Path] = {}
    for d in plan.deployments:
        if d.error is not None and d.needs_values:
            continue  # only a warning: the run does not check it
        compose.update((display_path(f), f) for f in d.files)
    return dockerfiles, compose


def _config_name(cfg: Config) -> str:
    assert cfg.path is not None
    shown = visible(display_path(cfg.path))
    return f"{shown} [tool.dockerlint-django]" if cfg.path.name == "pyproject.toml" else shown


def say_configuration(run: Run) -> None:
    dockerfiles, compose = _checked(run)
    found = {**dockerfiles, **compose}
    files: list[Path | None] = [found[k] for k in sorted(found)]
    if run.wants_stdin:
        files.append(Path(run.kw["stdin_filename"]) if run.kw["stdin_filename"] else None)
    used: dict[Path | None, Config] = {}
    for path in files or [None]:
        cfg = run.config_for(path)
        used.setdefault(cfg.path, cfg)
    for cfg in used.values():
        if cfg.path is None:
            click.echo(
                "dockerlint-django: no configuration file found; using the defaults", err=True
            )
        else:
            click.echo(f"dockerlint-django: using configuration {_config_name(cfg)}", err=True)
    n = len(files)
    click.echo(f"dockerlint-django: {n} file{'' if n == 1 else 's'} to check", err=True)


# --- --show-files -------------------------------------------------------------------------------


def show_files(run: Run, as_json: bool) -> int:
    import json

    plan = run.plan()
    for warning in plan.warnings:
        say_warning(warning)
    # Every service that builds each Dockerfile, not only the first of each distinct build the
    # run lints it with: the list answers "what checks this file?".
    builders: dict[Path, list[dict[str, Any]]] = {}
    for d in plan.deployments:
        if d.error is not None:
            continue
        project = [display_path(f) for f in d.files]
        for link in d.links:
            build = link.image
            if build is None or build.dockerfile is None or link.service.build is None:
                continue  # no Dockerfile on disk, or an image another service builds
            if build.builder != link.service.name:
                continue
            entry = {"service": link.service.name, "compose-files": project}
            listed = builders.setdefault(Path(os.path.realpath(build.dockerfile)), [])
            if entry not in listed:
                listed.append(entry)
    entries: dict[str, dict[str, Any]] = {}
    dockerfiles, compose = _checked(run)
    for shown, path in dockerfiles.items():
        built_by = builders.get(Path(os.path.realpath(path)), [])
        entries[shown] = {"path": shown, "kind": "dockerfile", "built-by": built_by}
    for shown in compose:
        entries[shown] = {"path": shown, "kind": "compose"}
    if run.wants_stdin:
        entries[run.stdin_name] = {"path": run.stdin_name, "kind": "stdin"}
    listing = [entries[k] for k in sorted(entries)]
    if as_json:
        click.echo(json.dumps(listing, indent=2))
    else:
        for item in listing:
            services = list(dict.fromkeys(b["service"] for b in item.get("built-by") or ()))
            if services:
                plural = "s" if len(services) > 1 else ""
                names = ", ".join(visible(s) for s in services)
                click.echo(f"{visible(item['path'])}  (built by service{plural} {names})")
            else:
                click.echo(visible(item["path"]))
    for missing in run.missing:
        say_error(f"{missing}: no such file or directory")
    return 2 if run.missing else 0


# --- --show-settings ----------------------------------------------------------------------------


def _command_line(*options: str) -> str:
    return f"command line ({', '.join(options)})"


class _Settings:
    """Each setting's value (as JSON gives it) and where it came from."""

    def __init__(self, run: Run, cfg: Config) -> None:
        self.run = run
        self.cfg = cfg
        self.file = _config_name(cfg) if cfg.path is not None else None
        self.rows: list[tuple[str, Any, str]] = []

    def of_file(self, key: str) -> str:
        return self.file if self.file is not None and key in self.cfg.given else DEFAULT

    def add(self, key: str, value: Any, source: str | None = None) -> None:
        self.rows.append((key, value, self.of_file(key) if source is None else source))


def _selection_source(s: _Settings, key: str, option: str) -> str:
    """extend-select and ignore: the file's, the command line's, or both."""
    overrides = s.run.overrides
    parts: list[str] = []
    if key in s.cfg.given and s.file is not None:
        if overrides["select"] is not None:
            parts.append(f"{_command_line('--select')}: the file's {key} no longer applies")
        else:
            parts.append(s.file)
    if overrides[key.replace("-", "_")]:
        parts.append(_command_line(option))
    return " + ".join(parts) or DEFAULT


def _collect(run: Run, cfg: Config) -> _Settings:
    from dockerlint_django.project.development import DEVELOPMENT_WORDS

    s = _Settings(run, cfg)
    overrides = run.overrides
    s.add("profile", cfg.profile, _command_line("--profile") if overrides["profile"] else None)
    if overrides["select"] is not None:
        s.add("select", list(cfg.select or ()), _command_line("--select"))
    elif cfg.select is None:
        s.add("select", None, f"{DEFAULT}: the rules the profile turns on")
    else:
        s.add("select", list(cfg.select))
    s.add(
        "extend-select",
        list(cfg.extend_select),
        _selection_source(s, "extend-select", "--extend-select"),
    )
    s.add("ignore", list(cfg.ignore), _selection_source(s, "ignore", "--ignore"))
    s.add("per-file-ignores", {p: list(codes) for p, codes in cfg.per_file_ignores})
    # The profile's pack's severities too, under the configuration's own, as findings get them.
    severity = cfg.severities()
    s.add("severity", {code: severity[code].label for code in sorted(severity)})
    enabled = cfg.enabled_codes()
    for code in sorted(set(enabled) | set(cfg.rule_options)):
        given = cfg.rule_options.get(code, {})
        for name, value in cfg.options_for(code).items():
            source = s.file if name in given and s.file is not None else DEFAULT
            s.add(f"rules.{code}.{name}", value, source)
    ctx = click.get_current_context(silent=True)
    fail_on = ctx.params.get("fail_on") if ctx is not None else None
    if fail_on is not None:
        s.add("fail-on", fail_on, _command_line("--fail-on"))
    else:
        # One exit code a run: fail-on is the configuration's where the command runs, not the
        # nearest one to the file.
        run_cfg = run.config_for(None)
        configured = (
            "none" if run_cfg.fail_on_none else run_cfg.fail_on.label if run_cfg.fail_on else None
        )
        where = (
            f"{_config_name(run_cfg)} (run-wide: the configuration where the command runs)"
            if configured and run_cfg.path is not None
            else DEFAULT
        )
        s.add("fail-on", configured or DEFAULT_FAIL_ON.label, where)
    s.add("exclude", list(cfg.exclude))
    template = run.kw["template"]
    if template is None:
        s.add("template", "auto", f"{DEFAULT}: for files under a {{{{cookiecutter.*}}}} folder")
    else:
        s.add("template", template, _command_line("--template" if template else "--no-template"))
    if overrides["target"] is not None:
        s.add("target", cfg.target, _command_line("--target"))
    elif cfg.target is None:
        s.add(
            "target",
            None,
            f"{DEFAULT}: the last stage, and every other stage a build can target that serves",
        )
    else:
        s.add("target", cfg.target)
    s.add("per-file-target", {p: stage for p, stage in cfg.per_file_target})
    words = DEVELOPMENT_WORDS if cfg.development_words is None else cfg.development_words
    s.add("development.words", list(words))
    s.add("development.paths", list(cfg.development_paths))
    s.add("development.production-paths", list(cfg.production_paths))
    s.add("compose.file-sets", [list(files) for files in cfg.compose_file_sets])
    s.add("compose.env-files", list(cfg.compose_env_files))
    s.add("compose.env", dict(cfg.compose_env))
    s.add("limits.file-size", cfg.max_file_bytes)
    s.add("limits.context-file-size", cfg.max_context_file_bytes)
    return s


_SELECTION = "the profile's, then select, extend-select and ignore"


def _rules(n: int) -> str:
    return f"{n} rule{'' if n == 1 else 's'}"


def _for_file(cfg: Config, path: Path) -> list[tuple[str, Any, str]]:
    """What the settings mean for this one file: the rules it is checked with, and whether it
    counts as a development file."""
    import json

    from dockerlint_django._record import replace

    shown = display_path(path)
    enabled = cfg.enabled_codes()
    rows: list[tuple[str, Any, str]] = []
    matched = [
        (pattern, codes)
        for pattern, codes in cfg.per_file_ignores
        if replace(cfg, per_file_ignores=((pattern, codes),)).ignored_for(shown, path)
    ]
    ignored = cfg.ignored_for(shown, path)
    here = sorted(enabled - ignored)
    rows.append(("enabled", sorted(enabled), f"{_rules(len(enabled))}: {_SELECTION}"))
    if matched:
        patterns = ", ".join(json.dumps(p) for p, _ in matched)
        rows.append(("per-file-ignored", sorted(ignored), f"per-file-ignores {patterns}"))
    else:
        rows.append(("per-file-ignored", [], "no per-file-ignores pattern matches"))
    rows.append(("checked-with", here, f"{_rules(len(here))}: enabled, less per-file-ignored"))
    entry = cfg.target_for(shown, path)
    if entry is not None:
        rows.append(("target", entry[1], f"per-file-target {json.dumps(entry[0])}"))
    reason = cfg.development_reason(shown, path)
    if reason is not None:
        rows.append(("development", True, reason))
    else:
        why = "no development word in its name or folders"
        if replace(cfg, production_paths=()).development_reason(shown, path) is not None:
            for pattern in cfg.production_paths:
                one = replace(cfg, production_paths=(pattern,))
                if one.development_reason(shown, path) is None:
                    why = f"matches development.production-paths {json.dumps(pattern)}"
                    break
        rows.append(("development", False, why))
    return rows


def show_settings(run: Run, path: Path, as_json: bool) -> int:
    import json

    if not path.exists():
        # As ruff: a path that is not there is more likely a typo than a file yet to be written,
        # and the settings of some folder above it would mislead.
        fail(f"--show-settings: {path}: no such file or directory")
    if path.is_dir():
        try:
            cfg = apply_overrides(run.finder.for_dir(path), run.overrides)
            cfg.enabled_codes()
        except ConfigError as exc:
            fail(str(exc))
    else:
        cfg = run.config_for(path)
    s = _collect(run, cfg)
    explicit = run.kw["config_path"] is not None
    per_file = [] if path.is_dir() else _for_file(cfg, path)
    shown = display_path(path)
    if as_json:
        configuration = None
        if cfg.path is not None:
            configuration = {
                "path": display_path(cfg.path),
                "table": "tool.dockerlint-django" if cfg.path.name == "pyproject.toml" else None,
                "given-with": "--config" if explicit else None,
            }
        data: dict[str, Any] = {
            "path": shown,
            "configuration": configuration,
            "settings": {key: {"value": v, "source": src} for key, v, src in s.rows},
        }
        if not path.is_dir():
            data["for-file"] = {key: {"value": v, "why": why} for key, v, why in per_file}
        click.echo(json.dumps(data, indent=2))
        return 0
    if s.file is None:
        found = "none; the defaults apply"
    elif explicit:
        found = f"{s.file} (given with --config)"
    else:
        found = s.file
    shown = visible(shown)
    click.echo(f"Settings for the files in: {shown}" if path.is_dir() else f"Settings for: {shown}")
    click.echo(f"Configuration file: {visible(found)}")
    click.echo("")
    _rows(s.rows)
    if per_file:
        click.echo("")
        click.echo(f"For {shown}:")
        _rows(per_file)
    return 0


def _rows(rows: list[tuple[str, Any, str]]) -> None:
    import json

    width = max(len(key) for key, _, _ in rows)
    for key, value, source in rows:
        click.echo(f"{visible(key.ljust(width))} = {json.dumps(value)}  # {visible(source)}")
