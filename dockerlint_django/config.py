"""Configuration: ``.dockerlint-django.yaml`` or ``[tool.dockerlint-django]`` in ``pyproject.toml``.

The nearest file above each linted file applies. Command-line options override it. Unknown keys
and bad values are errors that name the file and the key, never silently ignored.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import os
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from dockerlint_django import rules as registry
from dockerlint_django._record import LazyPattern, field, record, replace
from dockerlint_django.rules._base import Rule, Severity

CONFIG_FILES = (".dockerlint-django.yaml", ".dockerlint-django.yml")
PROFILES = ("generic", "ocp")
KEYS = frozenset(
    {
        "select",
        "ignore",
        "extend-select",
        "severity",
        "per-file-ignores",
        "per-file-target",
        "profile",
        "rules",
        "exclude",
        "fail-on",
        "target",
        "compose",
        "development",
        "limits",
        "policy",
        "policy-files",
        "policy-namespaces",
        "policy-compose-namespaces",
        "extends",
    }
)
LIMIT_KEYS = frozenset({"file-size", "context-file-size"})
# The size bounds (the README's "Limits"): a Dockerfile, Compose or env file above the first is an
# error; a file of the build context above the second (a settings module, a requirements file,
# an entrypoint script) is not read, so what it would tell is unknown, and DJ903 says so. Real
# files are far smaller; the bounds keep a generated or hostile file from costing gigabytes.
DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_CONTEXT_FILE_BYTES = 4 * 1024 * 1024
_SIZE = LazyPattern(r"\s*([0-9]+)\s*(|b|kb|kib|mb|mib|gb|gib)\s*", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "kb": 10**3, "kib": 2**10, "mb": 10**6, "mib": 2**20, "gb": 10**9}
_UNITS["gib"] = 2**30
DEVELOPMENT_KEYS = frozenset({"words", "paths", "production-paths"})
COMPOSE_KEYS = frozenset({"file-sets", "env-files", "env"})
# What BuildKit accepts after `FROM … AS` (instructions.parseBuildStageName).
_STAGE_NAME = LazyPattern(r"^[a-z][a-z0-9_.-]*$")


class ConfigError(Exception):
    pass


@record
class Config:
    path: Path | None = None  # the file it came from; None for defaults
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    profile: str = "generic"
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    fail_on: Severity | None = None
    # `fail-on: none`: findings are reported and never fail the run (errors still do).
    fail_on_none: bool = False
    target: str | None = None
    # `per-file-target`: (glob, stage) pairs, in the file's order; the first that matches a file
    # names the stage it is linted as (globs relative to the configuration, as per-file-ignores).
    per_file_target: tuple[tuple[str, str], ...] = ()
    # Compose projects named in the configuration: each a list of files merged in order as
    # `docker compose -f a -f b` merges them, paths relative to the configuration file.
    compose_file_sets: tuple[tuple[str, ...], ...] = ()
    compose_env_files: tuple[str, ...] = ()  # as --env-file, relative to the configuration file
    compose_env: Mapping[str, str] = field(default_factory=dict)  # as --env NAME=VALUE
    # Which files set up development (project.development): the words their names or folders
    # hold (None: the built-in list), and globs that always or never count, relative to the
    # configuration file.
    development_words: tuple[str, ...] | None = None
    development_paths: tuple[str, ...] = ()
    production_paths: tuple[str, ...] = ()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_context_file_bytes: int = DEFAULT_MAX_CONTEXT_FILE_BYTES
    # The `policy:` entries, each a rule with its id as its code, and the globs of the files each
    # applies to (relative to the configuration, as per-file-ignores; none: every file).
    policy: tuple[Rule, ...] = field(default=(), compare=False, repr=False)
    policy_globs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # What the policy's rules were made from (the entries as read, the Rego files as read and
    # compiled): their checks are closures, which do not pickle, so a configuration sent to a
    # `--jobs` worker carries these and the worker makes the rules again (``__reduce__``).
    policy_entries: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    rego: Any = field(default=None, compare=False, repr=False)
    # The keys the file itself gave (a section's as `development.words`), so ``--show-settings``
    # can tell a value the file chose from a default, even one the file repeats.
    given: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    @property
    def root(self) -> Path | None:
        return None if self.path is None else self.path.parent

    def __reduce__(self) -> tuple[Any, ...]:
        names = [f.name for f in type(self).__record_fields__ if f.init]  # type: ignore[attr-defined]
        state = {n: getattr(self, n) for n in names if n != "policy"}
        return (_unpickled, (state,))

    def severity_of(self, code: str) -> Severity | None:
        """The severity configured for ``code``: this configuration's own (packs it extends
        included), else its profile's pack's; None keeps each finding's own."""
        return self.severities().get(code)

    def severities(self) -> Mapping[str, Severity]:
        """Every severity ``severity_of`` gives, by code."""
        # Asked of every finding: the pack's and the configuration's, merged once.
        merged: dict[str, Severity] | None = self.__dict__.get("_severities")
        if merged is None:
            from dockerlint_django import packs

            merged = self.__dict__["_severities"] = {
                **packs.severities(self.profile),
                **self.severity,
            }
        return merged

    def enabled_codes(self) -> frozenset[str]:
        """The rules that run, after profile defaults, select, extend-select and ignore.

        The policy's entries run unless ignored, as rules on by default do; with ``select``, only
        those it names."""
        # Asked once a file; thirty selectors expanded for each of a thousand files showed.
        cached: frozenset[str] | None = self.__dict__.get("_enabled_codes")
        if cached is None:
            own = frozenset(r.meta.code for r in self.policy)
            cached = _enabled_codes(self.select, self.extend_select, self.ignore, self.profile, own)
            self.__dict__["_enabled_codes"] = cached
        return cached

    def policy_rules(
        self,
        display_path: str,
        real_path: Path | None,
        enabled: Collection[str],
        *,
        images: bool = False,
    ) -> list[Rule]:
        """The policy's rules that apply to a file: ``enabled`` (this configuration's
        ``enabled_codes``), and its ``files`` globs match; with ``images``, only those that
        check an image (not a Compose service)."""
        if not self.policy_globs:
            # The same rules for every file: worked out once for this set of enabled codes.
            kept = self.__dict__.get("_policy_rules")
            if kept is None or kept[0] is not enabled:
                every = [r for r in self.policy if r.meta.code in enabled]
                kept = (enabled, every, [r for r in every if r.check is not None])
                self.__dict__["_policy_rules"] = kept
            return list(kept[2] if images else kept[1])
        out = []
        relative: str | None = None  # the file's path as the globs are written, found once
        for rule in self.policy:
            code = rule.meta.code
            if code not in enabled:
                continue
            globs = self.policy_globs.get(code)
            if globs:
                if relative is None:
                    relative = _project_relative(
                        display_path, real_path, self.root, self._repositories()
                    )
                if not any(_glob_match(relative, g) for g in globs):
                    continue
            if not images or rule.check is not None:
                out.append(rule)
        return out

    def _names(self, display_path: str, real_path: Path | None) -> set[str]:
        """The names per-file globs match a file by: as shown, and from the configuration."""
        candidates = {display_path}
        if real_path is not None and self.root is not None:
            with contextlib.suppress(ValueError):
                candidates.add(real_path.resolve().relative_to(self.root.resolve()).as_posix())
        return candidates

    def ignored_for(self, display_path: str, real_path: Path | None) -> frozenset[str]:
        """Codes ignored for one file by ``per-file-ignores`` (globs relative to the config)."""
        if not self.per_file_ignores:
            return frozenset()
        candidates = self._names(display_path, real_path)
        out: set[str] = set()
        for pattern, selectors in self.per_file_ignores:
            if any(_glob_match(c, pattern) for c in candidates):
                out |= set(expand_selectors(selectors, "per-file-ignores"))
        return frozenset(out)

    def target_for(self, display_path: str, real_path: Path | None) -> tuple[str, str] | None:
        """``(glob, stage)``: the first ``per-file-target`` entry that matches the file."""
        if not self.per_file_target:
            return None
        candidates = self._names(display_path, real_path)
        for pattern, stage in self.per_file_target:
            if any(_glob_match(c, pattern) for c in candidates):
                return pattern, stage
        return None

    def stage_development_reason(self, stage: str | None) -> str | None:
        """Why a build stage sets up development (its name holds a development word, as
        ``development.words`` list them); None for any other stage."""
        from dockerlint_django.project.development import DEVELOPMENT_WORDS, development_reason

        if stage is None:
            return None
        words = DEVELOPMENT_WORDS if self.development_words is None else self.development_words
        if development_reason(stage, words) is None:
            return None
        return f"stage {stage!r} is named for development"

    def _repositories(self) -> dict[Path, Path | None]:
        """The repository of each folder a file was in (``_project_relative``), for this
        configuration's run."""
        found: dict[Path, Path | None] | None = self.__dict__.get("_repository_of")
        if found is None:
            found = self.__dict__["_repository_of"] = {}
        return found

    def development_reason(self, display_path: str, real_path: Path | None) -> str | None:
        """Why a file is a development one (``project.development``); None for production.

        Its name and folders count from the configuration's folder, else from the repository
        that holds it, so the folder a checkout happens to sit in never does.
        """
        from dockerlint_django.project.development import DEVELOPMENT_WORDS, development_reason

        relative = _project_relative(display_path, real_path, self.root, self._repositories())
        for pattern in self.production_paths:
            if _glob_match(relative, pattern):
                return None
        for pattern in self.development_paths:
            if _glob_match(relative, pattern):
                return f"{relative} matches development.paths {pattern!r}"
        words = DEVELOPMENT_WORDS if self.development_words is None else self.development_words
        return development_reason(relative, words)

    def options_for(self, code: str) -> dict[str, Any]:
        rule = registry.get(code)
        merged = dict(rule.meta.options)
        merged.update(self.rule_options.get(code, {}))
        return merged


def _unpickled(state: dict[str, Any]) -> Config:
    """A configuration from another process, with its policy's rules made again."""
    from dockerlint_django import policy as declared

    rules: tuple[Rule, ...] = declared.rules(state["policy_entries"])
    if state["rego"] is not None:
        from dockerlint_django.policy import rego

        rules += rego.rules(state["rego"])
    registry.register_policy(rules)
    return Config(**state, policy=rules)


def _enabled_codes(
    select: Sequence[str] | None,
    extend_select: Sequence[str],
    ignore: Sequence[str],
    profile: str,
    policy: frozenset[str] = frozenset(),
) -> frozenset[str]:
    if select is not None:
        codes = set(expand_selectors(select, "select"))
        if any(s.strip().upper() == "ALL" for s in select):
            codes |= policy  # ALL is every rule, the configuration's own entries included
    else:
        # The policy's entries are on by default, as the profile's rules are.
        codes = set(registry.default_codes(profile)) | policy
    # As in ruff, the most specific selector decides: `ignore DJ1` with `extend-select DJ105`
    # keeps DJ105, `extend-select DJ1` with `ignore DJ105` drops it; on a tie, ignore wins.
    best: dict[str, tuple[int, bool]] = {}
    for selectors, key, keep in (
        (extend_select, "extend-select", True),
        (ignore, "ignore", False),
    ):
        for selector in selectors:
            rank = _specificity(selector)
            for code in expand_selectors([selector], key):
                current = best.get(code)
                if current is None or rank > current[0] or (rank == current[0] and not keep):
                    best[code] = (rank, keep)
    for code, (_, keep) in best.items():
        if keep:
            codes.add(code)
        else:
            codes.discard(code)
    return frozenset(codes)


def _project_relative(
    display_path: str,
    real_path: Path | None,
    root: Path | None,
    memo: dict[Path, Path | None] | None = None,
) -> str:
    """``memo``: the repository of each folder found already (a configuration's, for one run):
    the files of a folder, and of a repository, are many, and each look is a stat a parent."""
    if real_path is not None:
        from dockerlint_django.discover import resolved as resolve

        resolved = resolve(real_path)
        if root is not None:
            with contextlib.suppress(ValueError):
                return resolved.relative_to(resolve(root)).as_posix()
        # Else the nearest repository that holds it: looked for only when the root does not.
        folder = resolved.parent
        if memo is not None and folder in memo:
            repository = memo[folder]
        else:
            repository = next((p for p in resolved.parents if (p / ".git").exists()), None)
            if memo is not None:
                memo[folder] = repository
        if repository is not None:
            return resolved.relative_to(repository).as_posix()
    posix = PurePosixPath(display_path.replace("\\", "/"))
    if real_path is not None or posix.is_absolute() or ".." in posix.parts:
        # A file on disk outside any repository and configuration: no folder of its path can
        # be told from the checkout's own, so only its name counts.
        return posix.name or display_path
    return posix.as_posix()  # a name given for standard input, or by a caller


def _glob_match(path: str, pattern: str) -> bool:
    if fnmatch.fnmatchcase(path, pattern):
        return True
    # `**/` also matches no folder at all, as in ruff and git: "**/Dockerfile*" takes ./Dockerfile.
    if pattern.startswith("**/") and _glob_match(path, pattern[3:]):
        return True
    # "Dockerfile*" should match "docker/Dockerfile.prod" the way ruff's per-file-ignores do.
    return "/" not in pattern and fnmatch.fnmatchcase(PurePosixPath(path).name, pattern)


def _specificity(selector: str) -> int:
    """ALL < a prefix (longer is more specific) < a full code, a rule name or a hadolint code."""
    s = selector.strip().upper()
    if s == "ALL":
        return 0
    # A hadolint code names the few rules that refine it, as precisely as their own codes do.
    if registry.known(s) or registry.is_hadolint_code(s) or selector.strip() in registry.by_name():
        return 100
    return len(s)


def expand_selectors(
    selectors: Iterable[str], key: str, policy: Collection[str] | None = None
) -> list[str]:
    """Codes (``DJ001``), prefixes (``DJ1``), names (``shell-form-server-command``), ``ALL``.

    A hadolint code (``DL3025``) stands for the rules that refine it, and for none when no rule
    does: a hadolint configuration carried over as it is names many such codes, and they are
    not mistakes. So ``ignore: [DL3008]`` ignores nothing and ``select: [DL3008]`` selects nothing.
    """
    out: list[str] = []
    names = registry.by_name()
    for sel in selectors:
        s = sel.strip()
        up = s.upper()
        if up == "ALL":
            out.extend(registry.CODES)  # and, in Config.enabled_codes, the file's own policy
        elif up in registry.POLICY or (
            registry.is_policy_id(up) and (policy is None or up in policy)
        ):
            # An entry's id. A configuration may name only its own entries; the command line
            # applies to every configuration, so an id none defines selects nothing there.
            out.append(up)
        elif s in names:
            out.append(names[s])
        elif up in registry.REMOVED:
            raise ConfigError(f"{key}: {s} was removed: {registry.REMOVED[up]}")
        elif registry.is_hadolint_code(up):
            out.extend(registry.by_hadolint().get(up, ()))
        else:
            matched = [c for c in registry.CODES if c.startswith(up)] if up.startswith("DJ") else []
            if not matched:
                raise ConfigError(f"{key}: unknown rule code, prefix or name {s!r}")
            out.extend(matched)
    return out


def _str_list(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v for v in value.replace(",", " ").split() if v]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key}: expected a list of strings")
    return tuple(value)


def from_mapping(data: Mapping[str, Any], path: Path | None) -> Config:
    where = f"{path}: " if path is not None else ""
    try:
        return _from_mapping(data, path)
    except ConfigError as exc:
        raise ConfigError(f"{where}{exc}") from None


def _from_mapping(data: Mapping[str, Any], path: Path | None) -> Config:
    if not isinstance(data, Mapping):
        raise ConfigError("the configuration must be a mapping")
    if "extends" in data:
        data = _extended(data, path, ())
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(KEYS))})")
    cfg = Config(path=path)
    if "policy" in data:
        # First: select, ignore and severity may name the policy's ids.
        cfg = _policy_section(cfg, data["policy"])
    if any(k in data for k in ("policy-files", "policy-namespaces", "policy-compose-namespaces")):
        cfg = _rego_section(cfg, data, path)
    own = frozenset(r.meta.code for r in cfg.policy)
    if "select" in data:
        cfg = replace(cfg, select=_str_list(data["select"], "select"))
        expand_selectors(cfg.select or (), "select", own)
    if "extend-select" in data:
        cfg = replace(cfg, extend_select=_str_list(data["extend-select"], "extend-select"))
        expand_selectors(cfg.extend_select, "extend-select", own)
    if "ignore" in data:
        cfg = replace(cfg, ignore=_str_list(data["ignore"], "ignore"))
        expand_selectors(cfg.ignore, "ignore", own)
    if "profile" in data:
        profile = data["profile"]
        if profile not in PROFILES:
            raise ConfigError(f"profile: expected one of {', '.join(PROFILES)}, got {profile!r}")
        cfg = replace(cfg, profile=profile)
    if "severity" in data:
        sev = data["severity"]
        if not isinstance(sev, Mapping):
            raise ConfigError("severity: expected a mapping of rule code to error/warning/info")
        entries = []
        for key, level in sev.items():
            codes = expand_selectors([str(key)], "severity", own)
            try:
                entries.append((codes, Severity.parse(str(level))))
            except ValueError as exc:
                raise ConfigError(f"severity.{key}: {exc}") from None
        out: dict[str, Severity] = {}
        # Broad prefixes first, so that `DJ108: error` beats `DJ1: info` whatever their order.
        for codes, parsed in sorted(entries, key=lambda e: -len(e[0])):
            for code in codes:
                out[code] = parsed
        cfg = replace(cfg, severity=out)
    if "per-file-ignores" in data:
        pfi = data["per-file-ignores"]
        if not isinstance(pfi, Mapping):
            raise ConfigError("per-file-ignores: expected a mapping of glob to rule codes")
        pairs = []
        for pattern, sels in pfi.items():
            selectors = _str_list(sels, f"per-file-ignores.{pattern}")
            expand_selectors(selectors, f"per-file-ignores.{pattern}", own)
            pairs.append((str(pattern), selectors))
        cfg = replace(cfg, per_file_ignores=tuple(pairs))
    if "rules" in data:
        cfg = replace(cfg, rule_options=_rule_options(data["rules"]))
    if "exclude" in data:
        cfg = replace(cfg, exclude=_str_list(data["exclude"], "exclude"))
    if "fail-on" in data:
        if not isinstance(data["fail-on"], str):
            # YAML's `fail-on:` alone, `~` or `null` is no value, not the word "none".
            raise ConfigError("fail-on: expected error, warning, info or none")
        if data["fail-on"].strip().lower() == "none":
            cfg = replace(cfg, fail_on=None, fail_on_none=True)
        else:
            try:
                cfg = replace(cfg, fail_on=Severity.parse(str(data["fail-on"])))
            except ValueError as exc:
                raise ConfigError(f"fail-on: {exc}; or none") from None
    if "target" in data:
        if not isinstance(data["target"], str):
            raise ConfigError("target: expected a stage name")
        cfg = replace(cfg, target=data["target"])
    if "per-file-target" in data:
        cfg = replace(cfg, per_file_target=_per_file_target(data["per-file-target"]))
    if "compose" in data:
        cfg = _compose_section(cfg, data["compose"])
    if "development" in data:
        cfg = _development_section(cfg, data["development"])
    if "limits" in data:
        cfg = _limits_section(cfg, data["limits"])
    given = {str(k) for k in data}
    for section in ("compose", "development", "limits"):
        given.update(f"{section}.{k}" for k in data.get(section) or {})
    return replace(cfg, given=frozenset(given))


# The keys a pack may set: the rules, their severities and options, policy entries and the profile
# the rules see. Where files are (targets, Compose projects, limits) stays each repository's.
PACK_KEYS = frozenset(
    {"extends", "extend-select", "ignore", "severity", "rules", "per-file-ignores", "policy"}
    | {"policy-files", "policy-namespaces", "policy-compose-namespaces", "profile", "fail-on"}
)
MAX_PACK_DEPTH = 8


def _extended(data: Mapping[str, Any], path: Path | None, seen: tuple[Path, ...]) -> dict[str, Any]:
    """The configuration with the packs it ``extends`` below it (``packs.merge``): built-in
    ones by name (``ocp``), an organisation's own as YAML files, relative to the file naming
    them."""
    from dockerlint_django import packs

    names = _str_list(data["extends"], "extends")
    layers: list[Mapping[str, Any]] = []
    for name in names:
        if name in packs.BUILT_IN:
            layers.append({"profile": packs.BUILT_IN[name]["profile"]})
            continue
        pack_path = ((path.parent if path is not None else Path.cwd()) / name).resolve()
        if pack_path in seen or len(seen) >= MAX_PACK_DEPTH:
            raise ConfigError(f"extends: {name}: packs extend each other in a cycle")
        raw = _read_pack(pack_path, name)
        unknown = sorted(str(k) for k in raw if k not in PACK_KEYS)
        if unknown:
            known = ", ".join(sorted(PACK_KEYS))
            raise ConfigError(
                f"extends: {name}: {unknown[0]!r} is not a pack's key (known: {known})"
            )
        if "policy-files" in raw:
            # A pack's Rego files are beside the pack, wherever the configuration using it is.
            globs = _str_list(raw["policy-files"], f"extends: {name}: policy-files")
            raw = {
                **raw,
                "policy-files": [
                    g if Path(g).is_absolute() else os.path.normpath(pack_path.parent / g)
                    for g in globs
                ],
            }
        if "extends" in raw:
            raw = _extended(raw, pack_path, (*seen, pack_path))
        layers.append(raw)
    own = {k: v for k, v in data.items() if k != "extends"}
    return packs.merge([*layers, own])


def _read_text(path: Path, where: str) -> str:
    """A configuration file's text; a ConfigError ``<where>: cannot read: …`` otherwise."""
    from dockerlint_django.source import NotRegularFile, read_bounded

    try:
        return read_bounded(path, MAX_CONFIG_BYTES).decode("utf-8")
    except NotRegularFile as exc:
        raise ConfigError(f"{where}: cannot read: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where}: cannot read: not valid UTF-8 (byte {exc.start})") from None


def _read_pack(path: Path, name: str) -> Mapping[str, Any]:
    text = _read_text(path, f"extends: {name}")
    raw = _load_yaml(path, text) or {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"extends: {name}: a pack is a mapping of configuration keys")
    return raw


def _policy_section(cfg: Config, value: Any) -> Config:
    from dockerlint_django import policy

    try:
        entries = policy.load(value)
    except policy.PolicyError as exc:
        raise ConfigError(str(exc)) from None
    clash = next((e.id for e in entries if e.id in registry.CODES), None)
    if clash is not None:
        raise ConfigError(f"policy: {clash} is a built-in rule's code")
    rules = policy.rules(entries)
    registry.register_policy(rules)
    return replace(
        cfg,
        policy=rules,
        policy_globs={e.id: e.files for e in entries if e.files},
        policy_entries=entries,
    )


def _rego_section(cfg: Config, data: Mapping[str, Any], path: Path | None) -> Config:
    from dockerlint_django.policy import PolicyError, rego

    globs = _str_list(data.get("policy-files", []), "policy-files")
    namespaces = _str_list(
        data.get("policy-namespaces", list(rego.DEFAULT_NAMESPACES)), "policy-namespaces"
    )
    # None by default: a Dockerfile policy run over a Compose project would find every
    # instruction it requires missing there.
    compose = _str_list(data.get("policy-compose-namespaces", []), "policy-compose-namespaces")
    for key, names in (
        ("policy-namespaces", namespaces),
        ("policy-compose-namespaces", compose),
    ):
        bad = next((n for n in names if not _PACKAGE_NAME.fullmatch(n)), None)
        if bad is not None:
            raise ConfigError(f"{key}: {bad!r} is not a Rego package name")
    if not globs:
        return cfg
    root = path.parent if path is not None else Path.cwd()
    try:
        policy = rego.load(globs, root, namespaces, compose)
    except PolicyError as exc:
        raise ConfigError(str(exc)) from None
    rules = rego.rules(policy)
    taken = {r.meta.code for r in cfg.policy}
    for rule in rules:
        if rule.meta.code in registry.CODES or rule.meta.code in taken:
            raise ConfigError(
                f"policy-files: {rule.meta.code} is already the code of "
                + ("a built-in rule" if rule.meta.code in registry.CODES else "a policy entry")
            )
    registry.register_policy(rules)
    return replace(cfg, policy=(*cfg.policy, *rules), rego=policy)


_PACKAGE_NAME = LazyPattern(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def _per_file_target(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping):
        raise ConfigError("per-file-target: expected a mapping of glob to stage name")
    pairs = []
    for pattern, stage in value.items():
        if not isinstance(stage, str) or not _STAGE_NAME.match(stage.lower()):
            raise ConfigError(f"per-file-target.{pattern}: expected a stage name, got {stage!r}")
        pairs.append((str(pattern), stage))
    return tuple(pairs)


def _compose_section(cfg: Config, value: Any) -> Config:
    if not isinstance(value, Mapping):
        raise ConfigError("compose: expected a mapping with file-sets, env-files or env")
    unknown = sorted(str(k) for k in value if k not in COMPOSE_KEYS)
    if unknown:
        raise ConfigError(
            f"compose.{unknown[0]}: unknown key (known: {', '.join(sorted(COMPOSE_KEYS))})"
        )
    sets: list[tuple[str, ...]] = []
    raw_sets = value.get("file-sets", [])
    if not isinstance(raw_sets, list):
        raise ConfigError("compose.file-sets: expected a list of lists of Compose files")
    for i, entry in enumerate(raw_sets):
        files = _str_list(entry, f"compose.file-sets[{i}]")
        if not files:
            raise ConfigError(f"compose.file-sets[{i}]: name at least one Compose file")
        sets.append(files)
    env_files = _str_list(value.get("env-files", []), "compose.env-files")
    env = value.get("env", {})
    if not isinstance(env, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str | int | float) and not isinstance(v, bool)
        for k, v in env.items()
    ):
        raise ConfigError("compose.env: expected a mapping of variable name to string")
    return replace(
        cfg,
        compose_file_sets=tuple(sets),
        compose_env_files=env_files,
        compose_env={str(k): str(v) for k, v in env.items()},
    )


def _section(name: str, value: Any, known: frozenset[str], expected: str) -> Mapping[Any, Any]:
    """A section's mapping, refusing anything else and any key it does not know."""
    if not isinstance(value, Mapping):
        raise ConfigError(f"{name}: expected a mapping with {expected}")
    unknown = sorted({str(k) for k in value} - known)
    if unknown:
        raise ConfigError(f"{name}.{unknown[0]}: unknown key (known: {', '.join(sorted(known))})")
    return value


def _limits_section(cfg: Config, value: Any) -> Config:
    value = _section("limits", value, LIMIT_KEYS, "file-size or context-file-size")
    if "file-size" in value:
        cfg = replace(cfg, max_file_bytes=parse_size(value["file-size"], "limits.file-size"))
    if "context-file-size" in value:
        size = parse_size(value["context-file-size"], "limits.context-file-size")
        cfg = replace(cfg, max_context_file_bytes=size)
    return cfg


def parse_size(value: Any, key: str) -> int:
    """A size in bytes: a number, or a string with a unit (`16MiB`, `500 kB`)."""
    found = _SIZE.fullmatch(value) if isinstance(value, str) else None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if found is not None and len(found.group(1)) < 19 and int(found.group(1)) > 0:
        return int(found.group(1)) * _UNITS[found.group(2).lower()]
    raise ConfigError(f"{key}: expected a size in bytes, such as 16777216 or 16MiB")


def _development_section(cfg: Config, value: Any) -> Config:
    value = _section("development", value, DEVELOPMENT_KEYS, "words, paths or production-paths")
    words = None
    if "words" in value:
        words = tuple(w.lower() for w in _str_list(value["words"], "development.words"))
    return replace(
        cfg,
        development_words=words,
        development_paths=_str_list(value.get("paths", []), "development.paths"),
        production_paths=_str_list(
            value.get("production-paths", []), "development.production-paths"
        ),
    )


def _rule_options(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, Mapping):
        raise ConfigError("rules: expected a mapping of rule code to options")
    out: dict[str, dict[str, Any]] = {}
    for key, opts in value.items():
        codes = expand_selectors([str(key)], "rules")
        if len(codes) != 1:
            raise ConfigError(f"rules.{key}: name exactly one rule")
        code = codes[0]
        if not isinstance(opts, Mapping):
            raise ConfigError(f"rules.{key}: expected a mapping of option to value")
        defaults = registry.get(code).meta.options
        for name, val in opts.items():
            if name not in defaults:
                known = ", ".join(sorted(defaults)) or "none"
                raise ConfigError(f"rules.{key}.{name}: unknown option (known: {known})")
            expected = type(defaults[name])
            ok = isinstance(val, expected) and not (expected is int and isinstance(val, bool))
            if not ok:
                raise ConfigError(
                    f"rules.{key}.{name}: expected {expected.__name__}, got {type(val).__name__}"
                )
        out[code] = dict(opts)
    return out


# A configuration is a few dozen lines; these bound what a hostile one can cost (see the README's
# "Limits" section).
MAX_CONFIG_BYTES = 1024 * 1024
MAX_CONFIG_DEPTH = 64
MAX_CONFIG_NODES = 100_000


def load_file(path: Path) -> Config | None:
    """The configuration in ``path``; None for a pyproject.toml without our table."""
    text = _read_text(path, str(path))
    if path.name == "pyproject.toml":
        # Most pyproject.toml files have no table of ours: say so without paying for a TOML parse,
        # which costs a hook more than linting a Dockerfile does. Every way to write the table
        # (header, dotted keys, inline table) names it.
        if "dockerlint-django" not in text:
            return None
        doc = _load_toml(path, text)
        tool = doc.get("tool", {})
        table = tool.get("dockerlint-django") if isinstance(tool, dict) else None
        if table is None:
            return None
        return from_mapping(table, path)
    return from_mapping(_load_yaml(path, text) or {}, path)


def _load_toml(path: Path, text: str) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None
    except ValueError:
        # Python refuses to convert an integer of more than 4,300 digits (CVE-2020-10735).
        raise ConfigError(f"{path}: invalid TOML: an integer too long to read") from None


def _load_yaml(path: Path, text: str) -> Any:
    import yaml  # only when a YAML configuration exists: start-up time matters in hooks

    loader = _bounded_loader(yaml)(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}{line}: invalid YAML: {problem}") from None
    finally:
        loader.dispose()


@functools.cache
def _bounded_loader(yaml: Any) -> Any:
    """PyYAML's safe loader, refusing nesting past ``MAX_CONFIG_DEPTH`` (its composer recurses,
    and Python's stack would give out first) and documents that alias expansion makes larger than
    ``MAX_CONFIG_NODES`` nodes (an alias bomb is small as text and huge once walked)."""

    events_of: Any = None
    try:
        from yaml._yaml import CParser
    except ImportError:  # PyYAML built without libyaml
        pass
    else:
        events_of = CParser

    class Loader(yaml.SafeLoader):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.depth = 0
            self.weight = 0
            self.weights: dict[int, int] = {}
            self.events: Any = None
            if events_of is not None:
                # libyaml's events under PyYAML's own composer, which the bounds below need:
                # scanning a policy of thirty entries in Python cost more than checking with it.
                self.events = events_of(stream)
                self.check_event = self.events.check_event
                self.peek_event = self.events.peek_event
                self.get_event = self.events.get_event

        def dispose(self) -> None:
            super().dispose()
            if self.events is not None:
                self.events.dispose()

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent):
                node = super().compose_node(parent, index)
                self._count(self.weights.get(id(node), 1), event)
                return node
            self.depth += 1
            if self.depth > MAX_CONFIG_DEPTH:
                raise yaml.MarkedYAMLError(
                    problem=f"nested deeper than {MAX_CONFIG_DEPTH}", problem_mark=event.start_mark
                )
            before = self.weight
            try:
                node = super().compose_node(parent, index)
            finally:
                self.depth -= 1
            self._count(1, event)
            self.weights[id(node)] = self.weight - before
            return node

        def _count(self, weight: int, event: Any) -> None:
            self.weight += weight
            if self.weight > MAX_CONFIG_NODES:
                raise yaml.MarkedYAMLError(
                    problem=f"aliases expand to more than {MAX_CONFIG_NODES:,} nodes",
                    problem_mark=event.start_mark,
                )

    return Loader


class ConfigFinder:
    """Finds and caches the nearest configuration above each file."""

    def __init__(self, explicit: Path | None = None) -> None:
        self._explicit = load_file(explicit) if explicit is not None else None
        if explicit is not None and self._explicit is None:
            raise ConfigError(f"{explicit}: no [tool.dockerlint-django] table")
        self._cache: dict[Path, Config] = {}

    def for_path(self, path: Path | None) -> Config:
        if self._explicit is not None:
            return self._explicit
        start = path.resolve().parent if path is not None else Path.cwd().resolve()
        return self._for_dir(start)

    def for_dir(self, directory: Path) -> Config:
        """The configuration for files inside ``directory``."""
        if self._explicit is not None:
            return self._explicit
        return self._for_dir(directory.resolve())

    def _for_dir(self, directory: Path) -> Config:
        if directory in self._cache:
            return self._cache[directory]
        found: Config | None = None
        for name in (*CONFIG_FILES, "pyproject.toml"):
            candidate = directory / name
            # A FIFO or a broken link in a configuration's place is an error, not no
            # configuration: checking with rules the user did not choose would pass for a check.
            if os.path.lexists(candidate) and not candidate.is_dir():
                found = load_file(candidate)
                if found is not None:
                    break
        if found is None:
            parent = directory.parent
            found = Config() if parent == directory else self._for_dir(parent)
        self._cache[directory] = found
        return found


def apply_overrides(cfg: Config, overrides: Mapping[str, Any]) -> Config:
    """Command-line options over a file's configuration."""
    changes: dict[str, Any] = {}
    if overrides.get("select") is not None:
        # `--select` means "only these rules" (as in ruff): the file's extend-select and ignore,
        # which refine the file's own selection, no longer apply.
        cfg = replace(cfg, select=tuple(overrides["select"]), extend_select=(), ignore=())
    if overrides.get("extend_select"):
        changes["extend_select"] = cfg.extend_select + tuple(overrides["extend_select"])
    if overrides.get("ignore"):
        changes["ignore"] = cfg.ignore + tuple(overrides["ignore"])
    if overrides.get("profile") is not None:
        changes["profile"] = overrides["profile"]
    if overrides.get("target") is not None:
        changes["target"] = overrides["target"]
    return replace(cfg, **changes)


def split_selectors(values: Sequence[str]) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        out.extend(p for p in v.replace(",", " ").split() if p)
    return tuple(out)
