"""What a run checks: configuration lookup, the files found, Compose projects and their builds."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockerlint_django._record import field, record, replace
from dockerlint_django.cli._common import default_jobs, env_pairs, fail
from dockerlint_django.cli._counts import cascades
from dockerlint_django.cli._jobs import run_each
from dockerlint_django.config import (
    Config,
    ConfigError,
    ConfigFinder,
    apply_overrides,
    split_selectors,
)
from dockerlint_django.discover import DEFAULT_COMPOSE_NAMES, display_path, resolved
from dockerlint_django.engine import Options, fix_source, lint_path, lint_source
from dockerlint_django.results import FileResult, flatten
from dockerlint_django.source import LF_ONLY, SourceError, SourceFile

if TYPE_CHECKING:
    from dockerlint_django.compose.nodes import ComposeError
    from dockerlint_django.project.deployment import Deployment, LoadSettings
    from dockerlint_django.project.links import ImageBuild


@record
class _Plan:
    # Each Dockerfile with a Compose build it is linted with (None: on its own, its folder as
    # the build context); a Dockerfile several services build differently appears once a build.
    dockerfiles: list[tuple[Path, ImageBuild | None]]
    deployments: list[Deployment]
    warnings: list[str]
    # Compose files of projects that could not be checked (they fail to load, or need values a
    # deployment gives): their pragmas are not judged unused.
    unchecked: list[Path] = field(default_factory=list)
    # What the folder search could not read (a folder it cannot list, a link that dangles or
    # loops): each an error, as a named file that cannot be read is.
    errors: list[tuple[str, str]] = field(default_factory=list)


def _real(path: Path) -> Path:
    """The file a path names, symlinks followed (once a run: ``resolved``)."""
    try:
        return resolved(path)
    except (OSError, RuntimeError):  # a symlink loop: RuntimeError before Python 3.13
        return Path(os.path.realpath(path))


def _main_file(variant: Path, compose: Sequence[Path]) -> Path | None:
    """The folder's default Compose file, for a variant file beside it."""
    names = {p.name: p for p in compose if p.parent == variant.parent}
    for name in DEFAULT_COMPOSE_NAMES:
        if name in names and names[name] != variant:
            return names[name]
    return None


_PARTIAL = (
    "neither an image nor a build context",
    "depends on undefined service",
    "empty compose file",
)


def _is_partial(error: ComposeError) -> bool:
    """An error that a file meant to be merged over the main one gives when read alone."""
    return any(text in error.message for text in _PARTIAL)


def _missing_env_files(deployment: Deployment) -> list[str]:
    out: list[str] = []
    if deployment.project is None:
        return out
    for service in deployment.project.services.values():
        for missing in service.missing_env_files:
            ref = next((r for r in service.env_file if r.path == missing), None)
            where = (
                f"{ref.origin.path}:{ref.origin.line}"
                if ref is not None and ref.origin is not None
                else display_path(Path(missing))
            )
            out.append(
                f"{where}: env file {display_path(Path(missing))} of service {service.name} is "
                "not here; the variables it sets are taken as not known"
            )
    return list(dict.fromkeys(out))


def _sniff(path: Path, sniff: Any) -> str | None:
    from dockerlint_django.source import read_bounded

    try:
        head = read_bounded(path)[:65536]
    except OSError:
        return None  # read as a Dockerfile, whose reading reports why it cannot be read
    kind: str | None = sniff(head.decode("utf-8", errors="replace"))
    return kind


class Run:
    """State shared by check and fix: configuration lookup and the file list."""

    def __init__(self, kw: dict[str, Any]) -> None:
        self.kw = kw
        try:
            self.finder = ConfigFinder(kw["config_path"])
        except ConfigError as exc:
            fail(str(exc))
        self.overrides = {
            "select": split_selectors(kw["select"]) if kw["select"] else None,
            "extend_select": split_selectors(kw["extend_select"]),
            "ignore": split_selectors(kw["ignore"]),
            "profile": kw["profile"],
            "target": kw["target"],
        }
        # The rules of every configuration a file was linted with: reports describe them all.
        self.enabled: frozenset[str] = frozenset()
        self._plan: _Plan | None = None
        self._named_files: set[Path] | None = None
        self.missing: list[Path] = []
        self.jobs: int = kw.get("jobs") or default_jobs()
        # One configuration (the command line's options over a file's) and its rules for each
        # configuration file found, and the one each path gets: a run asks for each file's
        # several times, and resolving the path and applying the options each time cost more
        # than linting some files.
        self._applied: dict[int, tuple[Config, Config, frozenset[str]]] = {}
        self._config_of: dict[Path | None, tuple[Config, frozenset[str]]] = {}
        # check's count of the fixes `fix` would apply, for the files whose fixes cascade:
        # found by the fix loop in the process that linted the file (``collect_results``).
        self.fix_counts: dict[Path, _Counted] = {}
        self._options_of: dict[Path | None, Options] = {}

    def _config(self, path: Path | None) -> tuple[Config, frozenset[str]]:
        got = self._config_of.get(path)
        if got is not None:
            return got
        try:
            found = self.finder.for_path(path)
            applied = self._applied.get(id(found))
            if applied is None or applied[0] is not found:
                cfg = apply_overrides(found, self.overrides)
                applied = (found, cfg, cfg.enabled_codes())
                self._applied[id(found)] = applied
        except ConfigError as exc:
            fail(str(exc))
        got = applied[1], applied[2]
        self._config_of[path] = got
        return got

    def config_for(self, path: Path | None) -> Config:
        return self._config(path)[0]

    def options_for(self, path: Path | None) -> Options:
        known = self._options_of.get(path)
        if known is not None:
            return known
        cfg, codes = self._config(path)
        self.enabled |= codes
        options = self._options_of[path] = Options(
            cfg,
            no_suppress=self.kw["no_suppress"],
            target=self.kw["target"],
            template=self.kw["template"],
            # `--target` must name a stage of a file named on the command line (as `docker
            # build --target` must); a file a folder search found that lacks it is linted as
            # without it.
            target_required=path is None or self._named(path),
        )
        return options

    def _named(self, path: Path) -> bool:
        if self._named_files is None:
            self._named_files = {
                _real(p) for p in self.kw["paths"] if str(p) != "-" and p.is_file()
            }
        return _real(path) in self._named_files

    def files(self) -> list[Path]:
        """The Dockerfiles to check, each once (a Compose project's builds are in ``plan``)."""
        seen: set[Path] = set()
        out: list[Path] = []
        for path, _ in self.plan().dockerfiles:
            if path not in seen:
                seen.add(path)
                out.append(path)
        return out

    def plan(self) -> _Plan:
        """What to check: Dockerfiles found or named, and Compose projects with their builds."""
        if self._plan is not None:
            return self._plan
        from dockerlint_django.discover import compose_sets, search, sniff_kind

        named_sets: tuple[Path, ...] = tuple(self.kw.get("compose_files") or ())
        paths: Sequence[Path] = self.kw["paths"] or (() if named_sets else (Path("."),))
        present = {p: str(p) != "-" and p.exists() for p in paths}
        self.missing = [p for p in paths if str(p) != "-" and not present[p]]
        self.missing += [p for p in named_sets if not p.exists()]
        existing = [p for p in paths if present[p]]
        base = self.config_for(None)  # a bad configuration is an error even when no file is found
        found = search(existing, exclude_for=self.excludes_in)
        warnings: list[str] = []
        for folder in found.empty:
            warnings.append(f"{display_path(folder.folder)}: no Dockerfile or Compose file found")
        errors: list[tuple[str, str]] = []
        for folder in found.folders:
            errors.extend(
                (display_path(d), f"cannot list the folder: {why} (`exclude` it to skip it)")
                for d, why in folder.unreadable
            )
            errors.extend((display_path(f), f"cannot read: {why}") for f, why in folder.broken)
            warnings.extend(f"{display_path(f)}: {why}" for f, why in folder.special)
        dockerfiles: list[Path] = []
        compose: list[Path] = []
        for target in found.targets:
            kind: str | None = target.kind
            if kind is None:
                # A name that is none of ours, named on the command line: what it holds decides,
                # so a YAML file is never read as a Dockerfile.
                kind = _sniff(target.path, sniff_kind) or "dockerfile"
            if kind == "dockerfile":
                dockerfiles.append(target.path)
            elif kind == "compose":
                compose.append(target.path)
            else:
                warnings.append(
                    f"{display_path(target.path)}: an env file is read with the Compose "
                    "project that uses it, not on its own"
                )
        sets: list[tuple[Path, ...]] = []
        for found_set in compose_sets(compose):
            sets.append(found_set.files)
            if found_set.default and len(found_set.files) > 1:
                # `docker compose up` in the folder merges the override file, which is usually
                # the development setup; deployments run the main file alone (or with their own
                # -f files). Both are real: check each.
                sets.append(found_set.files[:1])
        if named_sets and named_sets not in sets:
            sets.append(named_sets)
        if base.root is not None:
            for entry in base.compose_file_sets:
                files = tuple(base.root / f for f in entry)
                if files not in sets:
                    sets.append(files)
        deployments: list[Deployment] = []
        unchecked: list[Path] = []
        named = {named_sets} if named_sets else set()
        if base.root is not None:
            named.update(tuple(base.root / f for f in entry) for entry in base.compose_file_sets)
        if sets:
            # Only a run that reads Compose files pays for importing the Compose reader.
            from dockerlint_django.project.deployment import load_deployment, plan_builds

            settings = self.load_settings(base)
        for files in sets:
            d = load_deployment(files, settings)
            if d.error is not None and len(files) == 1:
                # `docker-compose.override.dev.yml` or `compose.ci.yaml` are often partial
                # overrides, used as `-f compose.yaml -f <it>`: read them so when they cannot
                # stand alone.
                main = _main_file(files[0], compose)
                if main is not None and _is_partial(d.error):
                    merged = load_deployment((main, files[0]), settings)
                    if merged.error is None or merged.needs_values:
                        d = merged
            if d.error is not None and not d.needs_values and files not in named:
                shown = display_path(files[0])
                if _is_partial(d.error):
                    # Found by the folder search, and only a part of a project (a
                    # `.devcontainer/` override, merged by a tool that names the main file):
                    # not an error of the checkout.
                    warnings.append(
                        f"{d.error.one_line()} (not checked: {shown} looks like a part of a "
                        "project; name its files in order with -f, or in compose.file-sets)"
                    )
                    unchecked.extend(files)
                    continue
                if "{{" in str(files[0]):
                    warnings.append(
                        f"{d.error.one_line()} (not checked: {shown} is a template, and "
                        "Compose templates are not rendered yet)"
                    )
                    unchecked.extend(files)
                    continue
            deployments.append(d)
        for d in deployments:
            warnings.extend(_missing_env_files(d))
            if d.error is not None and d.needs_values:
                names = ", ".join(d.needs_values[:5]) + (", …" if len(d.needs_values) > 5 else "")
                warnings.append(
                    f"{d.error.one_line()} (not checked: this may only need values for {names}; "
                    "give them with --env or --env-file)"
                )
        builds = plan_builds(deployments) if deployments else {}
        planned: list[tuple[Path, ImageBuild | None]] = []
        done: set[Path] = set()
        for path in dockerfiles:
            key = _real(path)
            done.add(key)
            entries: list[ImageBuild | None] = list(builds.get(key, ())) or [None]
            planned.extend((path, b) for b in entries)
        for key, built in builds.items():
            if key in done:
                continue
            if not key.is_file():
                warnings.append(f"{display_path(key)}: built by a Compose service, but not found")
                continue
            planned.extend((key, build) for build in built)
        unchecked.extend(f for d in deployments if d.error is not None for f in d.files)
        self._plan = _Plan(planned, deployments, list(dict.fromkeys(warnings)), unchecked, errors)
        return self._plan

    def fix_builds(self) -> dict[Path, ImageBuild | None]:
        """The build each Dockerfile is fixed with: its first. A Dockerfile several services
        build differently is fixed once: the text is the same, and a fix must not depend on
        which service is asked."""
        builds: dict[Path, ImageBuild | None] = {}
        for dockerfile, build in self.plan().dockerfiles:
            builds.setdefault(dockerfile, build)
        return builds

    def planned_inputs(self) -> list[Path]:
        """Every file the run reads that a report must never replace: the Dockerfiles and the
        Compose projects' files."""
        plan = self.plan()
        out = [path for path, _ in plan.dockerfiles]
        for d in plan.deployments:
            out.extend(d.files)
            if d.project is not None:
                out.extend(Path(f.path) for f in d.project.files)
        return out

    def load_settings(self, base: Config) -> LoadSettings:
        from dockerlint_django.project.deployment import LoadSettings

        kw = self.kw
        root = base.root or Path.cwd()
        env_files = tuple(kw.get("env_files") or ()) or tuple(
            root / f for f in base.compose_env_files
        )
        environment: dict[str, str] = dict(base.compose_env)
        if kw.get("use_shell_env"):
            environment.update(os.environ)
        environment.update(env_pairs(kw.get("env_values") or ()))
        return LoadSettings(
            Path.cwd(),
            env_files,
            environment,
            kw.get("project_directory"),
            kw.get("project_name"),
            base.max_file_bytes,
        )

    def options_with(self, path: Path | None, build: ImageBuild | None) -> Options:
        options = self.options_for(path)
        return options if build is None else replace(options, build=build)

    def excludes_in(self, directory: Path) -> tuple[tuple[str, ...], Path | None]:
        """The ``exclude`` globs of the configuration nearest to a folder's entries."""
        try:
            cfg = self.finder.for_dir(directory)
        except ConfigError as exc:
            fail(str(exc))
        return cfg.exclude, cfg.root

    @property
    def wants_stdin(self) -> bool:
        return any(str(p) == "-" for p in self.kw["paths"])

    @property
    def stdin_name(self) -> str:
        return str(self.kw["stdin_filename"] or "-")

    def stdin_source(self) -> tuple[SourceFile, Path | None] | str:
        """Standard input as a source, or the error message when it is not UTF-8."""
        name = self.stdin_name
        data = sys.stdin.buffer.read()
        try:
            return SourceFile.from_bytes(name, data, LF_ONLY), (
                Path(name) if self.kw["stdin_filename"] else None
            )
        except SourceError as exc:
            line = f":{exc.line}" if exc.line else ""
            return f"{name}{line}: {exc.message}"


@record
class _LintTask:
    """One Dockerfile to lint with one of its builds: what a worker process is given."""

    path: Path
    display: str
    options: Options
    # Also count the fixes `fix` would apply when they cascade (check's summary), at the floor
    # this says (unsafe fixes too?); None: not counted. Only for the build `fix` uses.
    count_unsafe: bool | None = None


@record
class _Counted:
    text: str
    options: Options
    unsafe: bool
    applied: int


def lint_planned(task: _LintTask) -> tuple[FileResult, int | None]:
    """A planned Dockerfile's result, and how many fixes the fix loop applies to it if asked and
    they cascade. The loop starts from this lint (its first round) instead of linting again."""
    result = lint_path(task.path, task.display, task.options)
    unsafe = task.count_unsafe
    if unsafe is None or result.source is None or not cascades(result.findings, unsafe):
        return result, None
    # ``result`` is the lint of ``result.source`` (the file as read) with these options.
    outcome = fix_source(
        result.source,
        task.options,
        unsafe,
        task.path,
        lints={result.source.text: result},
        fixes_only=True,
    )
    return result, outcome.applied


def collect_results(run: Run, count_unsafe: bool | None = None) -> list[FileResult]:
    """Everything a check finds: each Dockerfile as built, each Compose project's services.

    With ``count_unsafe`` set, the fix counts of files whose fixes cascade are found on the way
    (``Run.fix_counts``)."""
    plan = run.plan()
    # A missing path is a file that could not be read: reported, and never "All checks passed".
    results = [
        FileResult(str(p), None, None, error=f"{p}: no such file or directory") for p in run.missing
    ]
    results.extend(
        FileResult(where, None, None, error=f"{where}: {why}") for where, why in plan.errors
    )
    results.extend(_compose_results(plan.deployments, run))
    tasks: list[_LintTask] = []
    seen: set[Path] = set()
    for path, build in plan.dockerfiles:
        # `fix` fixes a file with its first build (``Run.fix_builds``): that one is counted.
        counted = count_unsafe if path not in seen else None
        seen.add(path)
        tasks.append(_LintTask(path, display_path(path), run.options_with(path, build), counted))
    for task, (result, applied) in zip(tasks, run_each(lint_planned, tasks, run.jobs), strict=True):
        results.append(result)
        if applied is not None and result.source is not None and task.count_unsafe is not None:
            run.fix_counts[task.path] = _Counted(
                result.source.text, task.options, task.count_unsafe, applied
            )
    if run.wants_stdin:
        got = run.stdin_source()
        if isinstance(got, str):
            # Like an undecodable file: reported, and the other files are still checked.
            results.append(FileResult(run.stdin_name, None, None, error=got))
        else:
            results.append(lint_source(got[0], run.options_for(got[1]), real_path=got[1]))
    return flatten(results)


def _compose_results(deployments: Sequence[Deployment], run: Run) -> list[FileResult]:
    """A result for each Compose file read (it counts as checked), with what its services'
    checks found, or the error that stopped it."""
    out: list[FileResult] = []
    said: set[str] = set()
    for d in deployments:
        if d.error is not None and d.needs_values:
            continue  # said as a warning: the project needs values a deployment gives
        if d.error is not None:
            line = d.error.one_line()
            if line in said:
                continue  # the same file fails in several sets: one line is enough
            said.add(line)
            where = d.error.path or (display_path(d.files[0]) if d.files else ".")
            out.append(FileResult(where, None, None, error=line))
            continue
    loaded = [d for d in deployments if d.error is None]
    if loaded:
        # Only a run with a Compose project to check imports the checks of its services.
        from dockerlint_django.deployments import check_deployments

        out.extend(check_deployments(loaded, run.options_with, run.plan().unchecked))
    return out
