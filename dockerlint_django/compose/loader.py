"""Reading a Compose project exactly as Docker Compose v2.40.3 (compose-go v2.9.1) does.

The steps and their order are compose-go's, because the order decides the result: which ``.env``
is read, whether a variable is interpolated before or after a merge, what an override replaces.

1. The CLI layer (docker/compose ``toProjectOptions``): the OS environment, the first ``.env``
   (from the working dir, or the first ``-f`` file's dir), ``COMPOSE_FILE`` or discovery, the
   ``.env`` of the project directory (adding only what is still missing), ``COMPOSE_PROFILES``,
   the project name.
2. Per file and per YAML document: drop ``!reset`` nodes, interpolate the values, apply
   ``extends``, reset what the document reset or overrode in the model so far, import
   ``include`` d projects, merge onto the model, de-duplicate keyed lists, validate against the
   schema, rewrite short syntaxes into canonical forms.
3. Once all files are in: defaults, extra validation, absolute paths, normalisation.
4. The typed model: profiles, cross-checks (undefined services, networks, volumes...), then each
   active service's ``env_file`` read below its ``environment``.

Every value stays a positioned node throughout, so each field of the result names the file, line
and column that set it, and its ``via`` says through which ``extends``/``include`` it came.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from collections.abc import Mapping as AbcMapping
from pathlib import Path
from typing import Any

from dockerlint_django._record import field, record, replace
from dockerlint_django.compose import merge as M
from dockerlint_django.compose import normalize as N
from dockerlint_django.compose.model import (
    EnvSource,
    EnvVar,
    Project,
    Service,
)
from dockerlint_django.compose.nodes import ComposeError, Mapping, Node, Origin, Scalar, Sequence
from dockerlint_django.source import (
    MAX_FILE_BYTES,
    NotRegularFile,
    SourceError,
    SourceFile,
    Span,
    read_bounded,
)

DEFAULT_FILE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_FILE_NAMES = (
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
)

KINDS = ("yaml", "schema", "interpolation", "missing-file", "consistency")


class LoadError(ComposeError):
    """A project Compose rejects. ``kind`` is one of ``KINDS``; ``compose_message`` is the text
    Docker Compose prints (where this loader knows it), ``message`` the same without the file
    prefix, which ``path``/``line``/``column`` give instead."""

    def __init__(
        self,
        kind: str,
        message: str,
        path: str = "",
        line: int = 0,
        column: int = 0,
        compose_message: str | None = None,
    ) -> None:
        super().__init__(message, path, line, column)
        self.kind = kind
        # Variables met on the way that had no value here: when there are some, the project may
        # only be unreadable for want of them (a deployment sets them).
        self.unset_variables: tuple[str, ...] = ()
        self.compose_message = compose_message if compose_message is not None else message


def _error(
    kind: str, message: str, node: Node | None = None, *, path: str = "", compose: str | None = None
) -> LoadError:
    o = node.origin if node is not None else None
    if o is not None:
        return LoadError(kind, message, o.path, o.line, o.column, compose)
    return LoadError(kind, message, path, 0, 0, compose)


def _rekind(exc: ComposeError, kind: str) -> LoadError:
    if isinstance(exc, LoadError):
        return exc
    found = getattr(exc, "kind", None)
    if found not in KINDS:
        found = kind
    compose = getattr(exc, "compose_message", None)
    return LoadError(str(found), exc.message, exc.path, exc.line, exc.column, compose)


@record
class LoadOptions:
    working_dir: Path  # where `docker compose` would run
    files: tuple[Path, ...] = ()  # -f in order (relative to working_dir); () = discover
    project_directory: Path | None = None  # --project-directory
    project_name: str | None = None  # -p
    env_files: tuple[Path, ...] = ()  # --env-file, in order (relative to working_dir)
    profiles: tuple[str, ...] = ()  # --profile ('*' = all)
    # The OS-environment layer: highest priority for interpolation, and where COMPOSE_* are read.
    environment: AbcMapping[str, str] = field(default_factory=dict)
    interpolate: bool = True  # False = --no-interpolate
    # A service's required env_file that does not exist: "error" as Compose does, or "unknown":
    # read on, the variables it would set not known (a linter in CI sees a checkout, where `.env`
    # files are usually not committed; the deployment supplies them).
    missing_env_files: str = "error"
    # False: `${VAR:?message}` with VAR unset is a value not known here (the recommended way to
    # demand a secret from the deployment), not Compose's "required variable" error.
    required_variables: bool = True
    # Texts to read instead of what is on disk, by absolute path: ``fix`` re-reads a project with
    # its edits applied before it writes anything.
    overlay: AbcMapping[str, str] = field(default_factory=dict)
    # A file above this is refused (the configuration's `limits.file-size`).
    max_file_bytes: int = MAX_FILE_BYTES


# ---------------------------------------------------------------------------------------------
# Sibling modules written alongside this one; imported late so that a missing one fails only
# the feature that needs it.


def _load_documents(source: SourceFile) -> list[Node]:
    from dockerlint_django.compose import yamlload

    return yamlload.load_documents(source)


def _substitute(text: str, lookup: Callable[[str], str | None]) -> Any:
    from dockerlint_django.compose import interpolation

    return interpolation.substitute(text, lookup)


def _parse_dotenv(
    text: str, lookup: Callable[[str], str | None], raw: bool, seed: dict[str, str] | None
) -> list[Any]:
    from dockerlint_django.compose import dotenv

    return list(dotenv.parse_dotenv(text, lookup, raw=raw, seed=seed))


def _split_words(text: str) -> Any:
    from dockerlint_django.compose import shellwords

    return shellwords.split(text)


# ---------------------------------------------------------------------------------------------


class _Env:
    """The interpolation environment: values and where each came from."""

    def __init__(self, os_env: AbcMapping[str, str]) -> None:
        self.values: dict[str, str] = dict(os_env)
        self.sources: dict[str, EnvSource] = {
            k: EnvSource(v, None, "os") for k, v in os_env.items()
        }

    def lookup(self, name: str) -> str | None:
        return self.values.get(name)

    def add_missing(self, name: str, value: str, source: EnvSource) -> None:
        if name not in self.values:
            self.values[name] = value
            self.sources[name] = source

    def clone(self) -> _Env:
        other = _Env({})
        other.values = dict(self.values)
        other.sources = dict(self.sources)
        return other


class _Session:
    """State of one load: files read, warnings, options."""

    def __init__(self, options: LoadOptions) -> None:
        self.options = options
        self.cwd = os.path.abspath(os.fspath(options.working_dir))
        self.sources: list[SourceFile] = []
        self.read_cache: dict[str, SourceFile] = {}
        self.docs_cache: dict[str, list[Node]] = {}
        self.warnings: list[str] = []
        self.version_warned: set[str] = set()
        self.loads = 0  # files loaded, counting each include and extends of one again
        self.expanded = 0  # characters substitution and env files have made
        self.interpolate = options.interpolate
        self.missing_env_files = options.missing_env_files
        self.required_variables = options.required_variables
        self.unset_seen: dict[str, None] = {}
        self.home = options.environment.get("HOME") or os.path.expanduser("~")

    def spend(self, characters: int, node: Node | None, path: str = "") -> None:
        """Count characters made by substitution; a project over ``MAX_EXPANDED`` is refused (a
        1 MiB variable used a million times is a bomb Compose would run out of memory on)."""
        self.expanded += characters
        if self.expanded > MAX_EXPANDED:
            raise _error(
                "interpolation",
                f"variables expand to more than {MAX_EXPANDED:,} characters in all",
                node,
                path=path,
            )

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def display(self, path: str) -> str:
        try:
            rel = os.path.relpath(path, self.cwd)
        except ValueError:
            return path
        return path if rel.startswith("..") else rel

    def abspath(self, path: str | os.PathLike[str], base: str | None = None) -> str:
        p = os.fspath(path)
        if p.startswith("~"):
            p = N.expand_user(p, self.home)
        return os.path.normpath(os.path.join(base or self.cwd, p))

    def read(self, path: str, missing: str | None = None) -> SourceFile:
        cached = self.read_cache.get(path)
        if cached is not None:
            return cached
        text = self.options.overlay.get(path)
        if text is not None:
            source = SourceFile.from_text(self.display(path), text)
            self.read_cache[path] = source
            self.sources.append(source)
            return source
        try:
            data = read_bounded(path, self.options.max_file_bytes)
        except NotRegularFile as exc:
            raise LoadError("missing-file", f"read {path}: {exc}", self.display(path)) from None
        except FileNotFoundError:
            raise LoadError(
                "missing-file",
                missing or f"open {path}: no such file or directory",
                self.display(path),
            ) from None
        except IsADirectoryError:
            raise LoadError(
                "missing-file", f"read {path}: is a directory", self.display(path)
            ) from None
        except OSError as exc:
            raise LoadError(
                "missing-file", f"open {path}: {exc.strerror}", self.display(path)
            ) from None
        try:
            source = SourceFile.from_bytes(self.display(path), data)
        except SourceError as exc:
            raise LoadError("yaml", exc.message, self.display(path), exc.line) from None
        self.read_cache[path] = source
        self.sources.append(source)
        return source

    def documents(self, path: str) -> list[Node]:
        cached = self.docs_cache.get(path)
        if cached is not None:
            return cached
        source = self.read(path)
        try:
            docs = _load_documents(source)
        except ComposeError as exc:
            raise _rekind(exc, "yaml") from None
        self.docs_cache[path] = docs
        return docs


# Compose files, env files and included or extended files are read in full; a hostile project
# may name a FIFO, /dev/zero or a huge file instead (Compose would block or exhaust memory).
MAX_FILE_LOADS = 2_000
MAX_EXPANDED = 256 * 1024 * 1024


def _check_regular(path: str, node: Node | None, limit: int) -> None:
    """Refuse, where ``node`` names it, a file ``read_bounded`` would refuse."""
    try:
        st = os.stat(path)
    except OSError:
        return  # reported when read
    if stat.S_ISDIR(st.st_mode):
        raise _error("missing-file", f"read {path}: is a directory", node)
    if not stat.S_ISREG(st.st_mode):
        raise _error("missing-file", f"read {path}: not a regular file", node)
    if st.st_size > limit:
        raise _error(
            "missing-file", f"read {path}: file too large: more than {limit:,} bytes", node
        )


# ---------------------------------------------------------------------------------------------
# .env files (compose-go dotenv.GetEnvFromFile)


def _read_env_files(
    session: _Session, files: list[str], env: _Env, missing_is_error: bool = True
) -> dict[str, tuple[str, EnvSource]]:
    found: dict[str, tuple[str, EnvSource]] = {}
    for path in files:
        if not path:
            continue
        if not os.path.exists(path):
            raise LoadError(
                "missing-file", f"couldn't find env file: {path}", session.display(path)
            )
        if os.path.isdir(path):
            if len(files) == 1:
                return found
            raise LoadError("missing-file", f"{path} is a directory", session.display(path))
        source = session.read(path)

        def lookup(name: str) -> str | None:
            v = env.lookup(name)
            if v is not None:
                return v
            hit = found.get(name)
            return hit[0] if hit else None

        for entry in _dotenv_entries(session, source, lookup, raw=False):
            found[entry[0]] = (entry[1], EnvSource(entry[1], entry[2], "env_file"))
    return found


def _dotenv_entries(
    session: _Session,
    source: SourceFile,
    lookup: Callable[[str], str | None],
    raw: bool,
    seed: dict[str, str] | None = None,
) -> list[tuple[str, str, Origin, int, tuple[str, ...]]]:
    abs_path = session.abspath(source.path)
    try:
        entries = _parse_dotenv(source.text, lookup, raw, seed)
    except ComposeError as exc:
        offset = getattr(exc, "offset", None)
        line, column = exc.line, exc.column
        if isinstance(offset, int) and 0 <= offset <= len(source.text):
            pos = source.position(offset)
            line, column = pos.line, pos.column
        compose_text = getattr(exc, "compose_text", None)
        compose = (
            compose_text(abs_path)
            if callable(compose_text)
            else f"failed to read {abs_path}: {exc.message}"
        )
        raise LoadError("interpolation", exc.message, source.path, line, column, compose) from None
    session.spend(sum(len(e.value or "") for e in entries), None, source.path)
    out: list[tuple[str, str, Origin, int, tuple[str, ...]]] = []
    for e in entries:
        for w in getattr(e, "warnings", ()):
            session.warn(w)
        if e.value is None:
            # A bare name the lookup did not know: Compose sets nothing.
            continue
        origin = Origin(source, Span(e.start, max(e.start, e.end)))
        out.append((e.key, e.value, origin, e.line, tuple(e.unset)))
    return out


# ---------------------------------------------------------------------------------------------
# Interpolation (compose-go interpolation.Interpolate with loader.interpolateTypeCastMapping)

_CASTS: list[tuple[tuple[str, ...], str]] = [
    (tuple(p.split(".")), c)
    for p, c in [
        ("services.*.configs.[].mode", "int"),
        ("services.*.cpu_count", "int"),
        ("services.*.cpu_percent", "float"),
        ("services.*.cpu_period", "int"),
        ("services.*.cpu_quota", "int"),
        ("services.*.cpu_rt_period", "int"),
        ("services.*.cpu_rt_runtime", "int"),
        ("services.*.cpus", "float"),
        ("services.*.cpu_shares", "int"),
        ("services.*.init", "bool"),
        ("services.*.deploy.replicas", "int"),
        ("services.*.deploy.update_config.parallelism", "int"),
        ("services.*.deploy.update_config.max_failure_ratio", "float"),
        ("services.*.deploy.rollback_config.parallelism", "int"),
        ("services.*.deploy.rollback_config.max_failure_ratio", "float"),
        ("services.*.deploy.restart_policy.max_attempts", "int"),
        ("services.*.deploy.placement.max_replicas_per_node", "int"),
        ("services.*.healthcheck.retries", "int"),
        ("services.*.healthcheck.disable", "bool"),
        ("services.*.oom_kill_disable", "bool"),
        ("services.*.oom_score_adj", "int"),
        ("services.*.pids_limit", "int"),
        ("services.*.ports.[].target", "int"),
        ("services.*.privileged", "bool"),
        ("services.*.read_only", "bool"),
        ("services.*.scale", "int"),
        ("services.*.secrets.[].mode", "int"),
        ("services.*.stdin_open", "bool"),
        ("services.*.tty", "bool"),
        ("services.*.ulimits.*", "int"),
        ("services.*.ulimits.*.hard", "int"),
        ("services.*.ulimits.*.soft", "int"),
        ("services.*.volumes.[].read_only", "bool"),
        ("services.*.volumes.[].volume.nocopy", "bool"),
        ("networks.*.external", "bool"),
        ("networks.*.internal", "bool"),
        ("networks.*.attachable", "bool"),
        ("networks.*.enable_ipv6", "bool"),
        ("volumes.*.external", "bool"),
        ("secrets.*.external", "bool"),
        ("configs.*.external", "bool"),
    ]
]

_GO_INT = re.compile(r"^[+-]?[0-9]+$")
_GO_FLOAT = re.compile(
    r"^[+-]?(?:(?:[0-9](?:_?[0-9])*)?\.?[0-9]*(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan)$", re.I
)


_CAST_TABLE = dict(_CASTS)


def _cast_for(path: tuple[str, ...]) -> str | None:
    # Every pattern has its wildcard at the resource name (and ulimits at the limit name): a
    # dictionary probe instead of matching each pattern, as this runs for every scalar.
    if len(path) < 2:
        return None
    key = (path[0], "*", *path[2:])
    cast = _CAST_TABLE.get(key)
    if cast is None and len(path) >= 4 and path[2] == "ulimits":
        cast = _CAST_TABLE.get((path[0], "*", "ulimits", "*", *path[4:]))
    return cast


def _cast(value: str, cast: str, session: _Session) -> tuple[Any, str]:
    """The typed value and its YAML kind; raises ValueError with Go's error text."""
    if cast == "int":
        if not _GO_INT.match(value):
            raise ValueError(f'strconv.Atoi: parsing "{value}": invalid syntax')
        return int(value), "int"
    if cast == "float":
        text = value.replace("_", "") if "_" in value else value
        try:
            if not _GO_FLOAT.match(value) or not value:
                raise ValueError
            return float(text), "float"
        except ValueError:
            raise ValueError(f'strconv.ParseFloat: parsing "{value}": invalid syntax') from None
    low = value.lower()
    if low == "true":
        return True, "bool"
    if low == "false":
        return False, "bool"
    if low in ("y", "yes", "on"):
        session.warn(f'"{value}" for boolean is not supported by YAML 1.2, please use `true`')
        return True, "bool"
    if low in ("n", "no", "off"):
        session.warn(f'"{value}" for boolean is not supported by YAML 1.2, please use `false`')
        return False, "bool"
    raise ValueError(f"invalid boolean: {value}")


def _where_in(node: Scalar, offset: int) -> tuple[str, int, int]:
    o = node.origin
    if o is None:
        return ("", 0, 0)
    if node.style == "plain" and 0 <= offset <= len(o.source.slice(o.span)):
        pos = o.source.position(o.span.start + offset)
        return (o.path, pos.line, pos.column)
    return (o.path, o.line, o.column)


def interpolate(
    node: Node, path: tuple[str, ...], lookup: Callable[[str], str | None], session: _Session
) -> Node:
    if isinstance(node, Mapping):
        changed = False
        items: list[tuple[Scalar, Node]] = []
        for k, v in node.items:
            nv = interpolate(v, (*path, k.text()), lookup, session)
            changed = changed or nv is not v
            items.append((k, nv))
        return replace(node, items=tuple(items)) if changed else node
    if isinstance(node, Sequence):
        sub = (*path, "[]")
        new = [interpolate(v, sub, lookup, session) for v in node.items]
        if all(a is b for a, b in zip(new, node.items, strict=True)):
            return node
        return replace(node, items=tuple(new))
    assert isinstance(node, Scalar)
    if not isinstance(node.value, str) or node.kind in ("timestamp", "binary"):
        return node
    text = node.value
    dotted = ".".join(path)
    value = text
    unset: tuple[str, ...] = ()
    if "$" in text:
        try:
            result = _substitute(text, lookup)
        except ComposeError as exc:
            variable = getattr(exc, "variable", None)
            if (
                not session.required_variables
                and getattr(exc, "kind", None) == "required"
                and isinstance(variable, str)
                and lookup(variable) is None
            ):
                session.unset_seen[variable] = None
                return replace(node, value="", kind="str", unset=(variable,))
            where = _where_in(node, getattr(exc, "offset", -1))
            compose_text = getattr(exc, "compose_text", None)
            message = (
                compose_text(dotted)
                if callable(compose_text)
                else (f"error while interpolating {dotted}: {exc.message}")
            )
            raise LoadError("interpolation", message, *where) from None
        value = result.value
        unset = tuple(result.unset)
        session.unset_seen.update(dict.fromkeys(unset))
        for w in result.warnings:
            session.warn(w)
        session.spend(len(value), node)
    cast = _cast_for(path)
    if cast is not None:
        try:
            typed, kind = _cast(value, cast, session)
        except ValueError as exc:
            raise _error(
                "interpolation",
                f"error while interpolating {dotted}: failed to cast to expected type: {exc}",
                node,
            ) from None
        return replace(node, value=typed, kind=kind, unset=unset)
    if value == text and not unset:
        return node
    return replace(node, value=value, kind="str", unset=unset)


# ---------------------------------------------------------------------------------------------
# One file: documents, extends, include, merge, validation, canonical forms


class _Context:
    """Where a file is loaded from and with what: compose-go's Options + ConfigDetails."""

    def __init__(
        self,
        session: _Session,
        working_dir: str,
        env: _Env,
        *,
        validate: bool = True,
        do_extends: bool = True,
        do_include: bool = True,
        resolve_paths: bool = True,
        defaults: bool = True,
        via: tuple[str, ...] = (),
    ) -> None:
        self.session = session
        self.working_dir = working_dir
        self.env = env
        self.validate = validate
        self.do_extends = do_extends
        self.do_include = do_include
        self.resolve_paths = resolve_paths
        self.defaults = defaults
        self.via = via

    def derive(self, **changes: Any) -> _Context:
        c = _Context(self.session, self.working_dir, self.env)
        c.__dict__.update(self.__dict__)
        c.__dict__.update(changes)
        return c


class _Processors:
    """The reset paths of a document, applied to what it extends or merges onto."""

    def __init__(self, paths: list[tuple[str, ...]]) -> None:
        self.paths = paths


def _load_yaml_model(ctx: _Context, files: list[str], included: list[str]) -> Mapping:
    """compose-go loadYamlModel: every file merged, then defaults, checks, paths."""
    model = Mapping(None, items=())
    for f in files:
        model, _ = _load_yaml_file(ctx, f, model, included)
    if ctx.defaults:
        model = N.set_defaults(model)
    if ctx.validate:
        N.check_model(model)
    if ctx.resolve_paths:
        model = N.resolve_paths(model, ctx.working_dir, ctx.session.home)
    # Bare `environment` names are looked up here, with this model's variables: an included
    # project's own .env fills the names of its services.
    if not ctx.session.interpolate:
        return model
    return _resolve_bare_environment(model, ctx.env.values)


def _resolve_bare_environment(model: Mapping, env: dict[str, str]) -> Mapping:
    services = M.get(model, "services")
    if not isinstance(services, Mapping):
        return model
    out: list[tuple[Scalar, Node]] = []
    changed = False
    for sk, svc in services.items:
        environment = M.get(svc, "environment")
        if isinstance(svc, Mapping) and environment is not None:
            resolved = N.resolve_bare(environment, env, True)
            if resolved is not environment:
                svc = M.set_item(svc, "environment", resolved)
                changed = True
        out.append((sk, svc))
    return M.set_item(model, "services", replace(services, items=tuple(out))) if changed else model


def _load_yaml_file(
    ctx: _Context, filename: str, model: Mapping, included: list[str]
) -> tuple[Mapping, list[_Processors]]:
    session = ctx.session
    session.loads += 1
    if session.loads > MAX_FILE_LOADS:
        # Each `include` and `extends: {file: ...}` loads its file again, so ten files each
        # including the next ten times would load 10^8 files (Compose itself never finishes).
        raise LoadError(
            "consistency",
            f"include and extends load more than {MAX_FILE_LOADS:,} files (an include bomb?)",
            session.display(filename),
        )
    docs = session.documents(filename)
    processors: list[_Processors] = []
    for doc in docs:
        paths: list[tuple[str, ...]] = []
        stripped = M.strip_resets(doc, (), paths)
        processor = _Processors(paths)
        processors = [processor]
        if stripped is None or not isinstance(stripped, Mapping):
            raise _error("schema", "top-level object must be a mapping", doc)
        cfg: Mapping = stripped
        if ctx.via:
            cfg = _relabel_all(cfg, ctx.via)
        _check_keys(cfg, ())
        if session.interpolate:
            cfg = interpolate(cfg, (), ctx.env.lookup, session)  # type: ignore[assignment]
        if ctx.do_extends:
            cfg = _apply_extends(ctx, filename, cfg, [processor])
        model = M.apply_resets(model, paths)  # type: ignore[assignment]
        if ctx.do_include:
            cfg = _apply_include(ctx, filename, cfg, [*included, filename])
        try:
            model = M.merge(model, cfg)
            model = M.enforce_unicity(model)
        except ComposeError as exc:
            raise _rekind(exc, "schema") from None
        if ctx.validate:
            _validate(session, model, filename)
            if "version" in model:
                if filename not in session.version_warned:
                    session.version_warned.add(filename)
                    session.warn(
                        f"{filename}: the attribute `version` is obsolete, it will be ignored, "
                        "please remove it to avoid potential confusion"
                    )
                model = M.drop(model, "version")
        try:
            model = N.canonical(model, not session.interpolate, session.warnings)
            model = M.enforce_unicity(_omit_empty(model))
        except ComposeError as exc:
            raise _rekind(exc, "schema") from None
    return model, processors


def _relabel_all(node: Mapping, via: tuple[str, ...]) -> Mapping:
    for step in reversed(via):
        node = M.relabel(node, step)  # type: ignore[assignment]
    return node


def _check_keys(node: Node, path: tuple[str, ...]) -> None:
    """compose-go converts keys to strings and rejects any other key."""
    if isinstance(node, Mapping):
        for k, v in node.items:
            if not isinstance(k.value, str) or k.kind == "timestamp":
                where = ".".join(path)
                raise _error("schema", f"non-string key in {where}: {k.text()}", k)
            _check_keys(v, (*path, k.text()))
    elif isinstance(node, Sequence):
        for v in node.items:
            _check_keys(v, path)


def _omit_empty(model: Mapping) -> Mapping:
    services = M.get(model, "services")
    if not isinstance(services, Mapping):
        return model
    changed = False
    out: list[tuple[Scalar, Node]] = []
    for sk, svc in services.items:
        dns = M.get(svc, "dns")
        if isinstance(svc, Mapping) and isinstance(dns, Sequence):
            kept = tuple(
                d for d in dns.items if not (isinstance(d, Scalar) and d.value in ("", None))
            )
            if len(kept) != len(dns.items):
                svc = M.set_item(svc, "dns", replace(dns, items=kept))
                changed = True
        out.append((sk, svc))
    return M.set_item(model, "services", replace(services, items=tuple(out))) if changed else model


def _validate(session: _Session, model: Mapping, filename: str) -> None:
    from dockerlint_django.compose import schema

    found = schema.validate(model)
    if found is None:
        return
    if isinstance(found, schema.InvalidType):
        text = f"{'.'.join(found.location)} invalid jsonType {found.type_name}"
        node = found.node
    else:
        text = found.text()
        node = found.node
    raise _error(
        "schema",
        text.strip(),
        node,
        path=session.display(filename),
        compose=f"validating {filename}: {text}",
    )


# --- extends (loader/extends.go) -----------------------------------------------------------------


def _apply_extends(ctx: _Context, filename: str, cfg: Mapping, post: list[_Processors]) -> Mapping:
    services = M.get(cfg, "services")
    if services is None:
        return cfg
    if not isinstance(services, Mapping):
        raise _error("schema", "services must be a mapping", services)
    table: dict[str, Node] = {k.text(): v for k, v in services.items}
    for name in list(table):
        _extend_service(ctx, filename, name, table, [], post)
    items = tuple((k, table[k.text()]) for k, _ in services.items)
    return M.set_item(cfg, "services", replace(services, items=items))


def _extend_service(
    ctx: _Context,
    filename: str,
    name: str,
    services: dict[str, Node],
    tracker: list[tuple[str, str]],
    post: list[_Processors],
) -> Node | None:
    service = services.get(name)
    if service is None or M.is_null(service):
        return None
    if not isinstance(service, Mapping):
        raise _error("schema", f"services.{name} must be a mapping", service)
    extends = M.get(service, "extends")
    if extends is None:
        return service
    file_node: Node | None = None
    if isinstance(extends, Mapping):
        ref_node = M.get(extends, "service")
        if not M.is_str(ref_node):
            raise _error("schema", f"extends.{name}.service is required", extends)
        assert isinstance(ref_node, Scalar)
        ref = str(ref_node.value)
        file_node = M.get(extends, "file")
    elif M.is_str(extends):
        assert isinstance(extends, Scalar)
        ref = str(extends.value)
    else:
        raise _error("schema", f"services.{name}.extends must be a string or mapping", extends)
    base_services = services
    base_file = filename
    step_post = list(post)
    if file_node is not None and not M.is_null(file_node):
        ref_file = file_node.text() if isinstance(file_node, Scalar) else ""
        base_services, processors, base_file = _extends_base_from_file(
            ctx, name, ref, filename, ref_file, file_node
        )
        step_post.extend(processors)
    elif ref not in services:
        raise _error(
            "consistency",
            f'cannot extend service "{name}" in {filename}: service "{ref}" not found',
            extends,
        )
    key = (base_file if file_node is not None else filename, name)
    if key in tracker:
        chain = [*tracker, key]
        lines = ["Circular reference:", f"  {chain[0][1]} in {chain[0][0]}"]
        lines += [f"  extends {s} in {f}" for f, s in chain[1:]]
        raise _error("consistency", "\n".join(lines), extends)
    base = _extend_service(ctx, filename, ref, base_services, [*tracker, key], step_post)
    if base is None:
        return service
    assert isinstance(base, Mapping)
    step = f"extends: {ref} in {ctx.session.display(base_file)}"
    source = M.relabel(base, step)
    assert isinstance(source, Mapping)
    for processor in step_post:
        wrapped = M.apply_resets(
            Mapping(
                None,
                items=(
                    (M.key_node("services"), Mapping(None, items=((M.key_node(name), source),))),
                ),
            ),
            processor.paths,
        )
        inner = M.get(M.get(wrapped, "services"), name)
        source = inner if isinstance(inner, Mapping) else Mapping(source.origin, items=())
    try:
        merged = M.extend_service(source, service)
    except ComposeError as exc:
        raise _rekind(exc, "schema") from None
    merged = M.drop(merged, "extends")
    services[name] = merged
    return merged


def _extends_base_from_file(
    ctx: _Context, name: str, ref: str, filename: str, ref_file: str, node: Node
) -> tuple[dict[str, Node], list[_Processors], str]:
    session = ctx.session
    if N.is_remote_resource(ref_file):
        raise _error("missing-file", f"failed to access repository at {ref_file}", node)
    local = session.abspath(ref_file, ctx.working_dir)
    local_dir = os.path.dirname(local)
    sub = ctx.derive(
        working_dir=local_dir,
        validate=False,
        do_extends=False,
        do_include=False,
        resolve_paths=False,
        defaults=False,
        via=(),
    )
    if not os.path.exists(local):
        raise _error("missing-file", f"open {local}: no such file or directory", node)
    _check_regular(local, node, session.options.max_file_bytes)
    source, processors = _load_yaml_file(sub, local, Mapping(None, items=()), [])
    services = M.get(source, "services")
    if services is None:
        raise _error(
            "consistency", f'cannot extend service "{name}" in {local}: no services section', node
        )
    if not isinstance(services, Mapping):
        raise _error(
            "consistency",
            f'cannot extend service "{name}" in {local}: services must be a mapping',
            node,
        )
    if ref not in services:
        raise _error(
            "consistency",
            f'cannot extend service "{name}" in {filename}: '
            f'service "{ref}" not found in {ref_file}',
            node,
        )
    resolved = N.resolve_paths(source, local_dir, session.home)
    resolved_services = M.get(resolved, "services")
    if not isinstance(resolved_services, Mapping):
        resolved_services = services
    table = {k.text(): v for k, v in resolved_services.items}
    return table, processors, local


# --- include (loader/include.go) -----------------------------------------------------------------


def _string_list(node: Node | None) -> list[Scalar]:
    if node is None or M.is_null(node):
        return []
    if isinstance(node, Scalar):
        return [node]
    if isinstance(node, Sequence):
        return [n for n in node.items if isinstance(n, Scalar)]
    raise _error("schema", f"expected a string or a list, got {M.go_repr(node)}", node)


def _apply_include(ctx: _Context, filename: str, cfg: Mapping, included: list[str]) -> Mapping:
    include = M.get(cfg, "include")
    if include is None:
        return cfg
    session = ctx.session
    if not isinstance(include, Sequence):
        raise _error("schema", f"`include` must be a list, got {M.go_repr(include)}", include)
    for entry in include.items:
        if M.is_str(entry):
            entry = Mapping(entry.origin, items=((M.key_node("path", entry.origin), entry),))
        if not isinstance(entry, Mapping):
            raise _error("schema", "include entries must be a string or a mapping", entry)
        if not session.interpolate:
            # compose-go interpolates `include` entries even under --no-interpolate.
            entry = interpolate(entry, ("include", "[]"), ctx.env.lookup, session)
            assert isinstance(entry, Mapping)
        paths = _string_list(M.get(entry, "path"))
        project_dir_node = M.get(entry, "project_directory")
        env_files = _string_list(M.get(entry, "env_file"))
        project_dir = (
            project_dir_node.text()
            if isinstance(project_dir_node, Scalar) and project_dir_node.value is not None
            else ""
        )
        resolved: list[str] = []
        for i, p in enumerate(paths):
            text = p.text()
            if N.is_remote_resource(text):
                raise _error("missing-file", f"failed to access repository at {text}", p)
            path = session.abspath(text, ctx.working_dir)
            if i == 0:
                if not project_dir:
                    project_dir = os.path.dirname(path)
                elif not os.path.isabs(project_dir):
                    project_dir = session.abspath(project_dir, ctx.working_dir)
                if path in included:
                    chain = [*included, path]
                    raise _error(
                        "consistency",
                        f"include cycle detected:\n{chain[0]}\n include "
                        + "\n include ".join(chain[1:]),
                        p,
                    )
            resolved.append(path)
        if not resolved:
            continue
        files: list[str] = []
        if not env_files:
            default = os.path.join(project_dir, ".env")
            if os.path.isfile(default):
                files = [default]
        else:
            for f in env_files:
                fp = f.text()
                if not os.path.isabs(fp):
                    fp = session.abspath(fp, ctx.working_dir)
                    if not os.path.exists(fp):
                        raise _error("missing-file", f"stat {fp}: no such file or directory", f)
                    if os.path.isdir(fp):
                        raise _error("missing-file", f"{fp} is not a file", f)
                files.append(fp)
        env = ctx.env.clone()
        for k, (v, src) in _read_env_files(session, files, ctx.env).items():
            env.add_missing(k, v, src)
        step = f"include: {session.display(resolved[0])}"
        sub = ctx.derive(
            working_dir=project_dir,
            env=env,
            validate=True,
            do_extends=True,
            do_include=True,
            resolve_paths=True,
            defaults=True,
            via=(*ctx.via, step) if ctx.via else (step,),
        )
        for included_file in resolved:
            if not os.path.exists(included_file):
                raise _error(
                    "missing-file", f"open {included_file}: no such file or directory", entry
                )
            _check_regular(included_file, entry, session.options.max_file_bytes)
        imported = _load_yaml_model(sub, resolved, included)
        cfg = _import_resources(imported, cfg)
    return M.drop(cfg, "include")


def _import_resources(source: Mapping, target: Mapping) -> Mapping:
    from dockerlint_django.compose.schema import plain

    for key in ("services", "volumes", "networks", "secrets", "configs"):
        src = M.get(source, key)
        if not isinstance(src, Mapping):
            continue
        dst = M.get(target, key)
        to: Mapping = dst if isinstance(dst, Mapping) else Mapping(src.origin, items=())
        for k, v in src.items:
            name = k.text()
            existing = to.get(name)
            if existing is not None:
                if plain(existing) == plain(v):
                    continue
                raise _error(
                    "consistency", f"{key}.{name} conflicts with imported resource", existing
                )
            to = replace(to, items=(*to.items, (k, v)))
        target = M.set_item(target, key, to)
    return target


# ---------------------------------------------------------------------------------------------
# The CLI layer: environment, discovery, project name


_NAME_CHARS = re.compile(r"[a-z0-9_-]")


def normalize_project_name(name: str) -> str:
    return "".join(_NAME_CHARS.findall(name.lower())).lstrip("_-")


def _invalid_name(name: str) -> LoadError:
    return LoadError(
        "schema",
        f'invalid project name "{name}": must consist only of lowercase alphanumeric characters, '
        "hyphens, and underscores as well as start with a letter or number",
    )


def _parse_bool(text: str) -> bool:
    low = text
    if low in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if low in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise LoadError("schema", f'strconv.ParseBool: parsing "{text}": invalid syntax')


def _find_files(names: tuple[str, ...], directory: str) -> list[str]:
    return [os.path.join(directory, n) for n in names if os.path.exists(os.path.join(directory, n))]


def load_project(options: LoadOptions) -> Project:
    """The project Docker Compose would load with these options; raises LoadError otherwise."""
    session = _Session(options)
    try:
        return _load_project(options, session)
    except LoadError as exc:
        exc.unset_variables = tuple(session.unset_seen)
        raise


def _load_project(options: LoadOptions, session: _Session) -> Project:
    os_env = dict(options.environment)
    env = _Env(os_env)
    if "PWD" not in env.values:
        env.values["PWD"] = session.cwd
        env.sources["PWD"] = EnvSource(session.cwd, None, "compose")

    project_dir = session.abspath(options.project_directory) if options.project_directory else None
    config_paths = [session.abspath(f) for f in options.files]

    def working_dir() -> str:
        if project_dir:
            return project_dir
        if config_paths:
            return os.path.dirname(config_paths[0])
        return session.cwd

    explicit_env_files = [session.abspath(f) for f in options.env_files]
    if not explicit_env_files and "COMPOSE_ENV_FILES" in os_env:
        explicit_env_files = [
            session.abspath(f) for f in os_env["COMPOSE_ENV_FILES"].split(",") if f
        ]

    def env_files() -> list[str]:
        if explicit_env_files:
            return explicit_env_files
        disable = os_env.get("COMPOSE_DISABLE_ENV_FILE")
        if disable is not None and _parse_bool(disable):
            return []
        default = os.path.join(working_dir(), ".env")
        return [default] if os.path.isfile(default) else []

    read_env_files: list[list[str]] = []

    def dot_env() -> None:
        files = env_files()
        # Reading the same files again would only offer keys already set.
        if files in read_env_files:
            return
        read_env_files.append(files)
        for k, (v, src) in _read_env_files(session, files, env).items():
            env.add_missing(k, v, src)

    dot_env()
    if not config_paths and "COMPOSE_FILE" in env.values:
        sep = env.values.get("COMPOSE_PATH_SEPARATOR") or ":"
        for f in env.values["COMPOSE_FILE"].split(sep):
            p = session.abspath(f)
            if not os.path.exists(p):
                raise LoadError(
                    "missing-file", f"stat {p}: no such file or directory", session.display(p)
                )
            config_paths.append(p)
    if not config_paths:
        directory = working_dir()
        while True:
            candidates = _find_files(DEFAULT_FILE_NAMES, directory)
            if candidates:
                if len(candidates) > 1:
                    session.warn(
                        f"Found multiple config files with supported names: {', '.join(candidates)}"
                    )
                    session.warn(f"Using {candidates[0]}")
                config_paths.append(candidates[0])
                overrides = _find_files(OVERRIDE_FILE_NAMES, directory)
                if overrides:
                    if len(overrides) > 1:
                        listed = ", ".join(overrides)
                        session.warn(
                            f"Found multiple override files with supported names: {listed}"
                        )
                        session.warn(f"Using {overrides[0]}")
                    config_paths.append(overrides[0])
                break
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
    dot_env()
    profiles = list(options.profiles)
    if not profiles:
        profiles = [p.strip() for p in env.values.get("COMPOSE_PROFILES", "").split(",")]
    if (
        options.project_name
        and normalize_project_name(options.project_name) != options.project_name
    ):
        raise _invalid_name(options.project_name)
    if not config_paths:
        raise LoadError("missing-file", "no configuration file provided: not found")
    base_dir = working_dir()
    for p in config_paths:
        if not os.path.exists(p):
            raise LoadError(
                "missing-file", f"open {p}: no such file or directory", session.display(p)
            )

    name, name_origin = _project_name(session, options, env, config_paths, base_dir)
    env.values["COMPOSE_PROJECT_NAME"] = name
    env.sources["COMPOSE_PROJECT_NAME"] = EnvSource(name, name_origin, "compose")

    ctx = _Context(session, base_dir, env)
    model = _load_yaml_model(ctx, config_paths, [])
    if not model.items:
        raise LoadError("schema", "empty compose file", session.display(config_paths[0]))
    if not name:
        raise LoadError("schema", "project name must not be empty")
    # Without interpolation Compose looks no variable up, bare names included.
    model = N.normalize(model, env.values if session.interpolate else {}, name)
    return _build_project(
        session, options, model, env, name, name_origin, base_dir, profiles, config_paths
    )


def _project_name(
    session: _Session, options: LoadOptions, env: _Env, files: list[str], base_dir: str
) -> tuple[str, Origin | None]:
    if options.project_name:
        return options.project_name, None
    from_env = env.values.get("COMPOSE_PROJECT_NAME")
    if from_env:
        if normalize_project_name(from_env) != from_env:
            raise _invalid_name(from_env)
        return from_env, env.sources["COMPOSE_PROJECT_NAME"].origin
    # docker/compose reads the first document of each file for `name:` (the whole load reads
    # all of them), and fails on a file that is not YAML or not a mapping there.
    written = ""
    origin: Origin | None = None
    for f in files:
        docs = session.documents(f)
        if docs and not isinstance(docs[0], Mapping) and not M.is_null(docs[0]):
            raise _error(
                "yaml",
                # Compose says "cannot unmarshal !!str into cli.named"; say what it means.
                "not a Compose file: the top level is "
                f"{'a list' if isinstance(docs[0], Sequence) else 'a single value'}, "
                "not a mapping of Compose keys (services:, …)",
                docs[0],
            )
        for doc in docs:
            n = M.get(doc, "name")
            if isinstance(n, Scalar) and n.value not in (None, ""):
                written = n.text()
                origin = n.origin
                text_node: Scalar = n
    if not written:
        return normalize_project_name(os.path.basename(base_dir)), None
    if session.interpolate:
        interpolated = interpolate(text_node, ("name",), env.lookup, session)
        assert isinstance(interpolated, Scalar)
        written = interpolated.text()
    # A name written in a file wins even when it normalises to nothing (then Compose fails).
    return normalize_project_name(written), origin


# ---------------------------------------------------------------------------------------------
# The typed model (loader.modelToProject)


def _build_project(
    session: _Session,
    options: LoadOptions,
    model: Mapping,
    env: _Env,
    name: str,
    name_origin: Origin | None,
    base_dir: str,
    profiles: list[str],
    config_paths: list[str],
) -> Project:
    from dockerlint_django.compose import model as convert

    services_node = M.get(model, "services")
    services: dict[str, Service] = {}
    if isinstance(services_node, Mapping):
        for k, v in services_node.items:
            sname = k.text()
            if not isinstance(v, Mapping):
                raise _error("schema", f"services.{sname} must be a mapping", v)
            svc_node = N.drop_extensions(v)
            active = convert.has_profile(svc_node, profiles)
            try:
                services[sname] = convert.service(
                    sname, svc_node, active, k.origin, strict=session.interpolate
                )
            except ComposeError as exc:
                raise _rekind(exc, "schema") from None
    project = Project(
        name=name,
        working_dir=base_dir,
        files=tuple(session.sources),
        environment=dict(env.sources),
        services=services,
        warnings=(),
        profiles=tuple(profiles),
        compose_files=tuple(config_paths),
        interpolated=session.interpolate,
        node=model,
        name_origin=name_origin,
    )
    # `config --no-interpolate` prints the model without making it a project: nothing is checked.
    if session.interpolate:
        try:
            convert.check_consistency(project)
        except ComposeError as exc:
            raise _rekind(exc, "consistency") from None
    resolved: dict[str, Service] = {}
    for sname, svc in services.items():
        if session.interpolate:
            svc = _resolve_environment(session, svc, env, required=svc.active)
        resolved[sname] = svc
    return replace(project, services=resolved, warnings=tuple(session.warnings))


def _resolve_environment(session: _Session, svc: Service, env: _Env, required: bool) -> Service:
    """The service's env_file files read below its environment (compose-go's
    Project.WithServicesEnvironmentResolved)."""
    own = dict(svc.environment)
    layered: dict[str, EnvVar] = {k: v for k, v in own.items() if v.value is not None}
    missing: list[str] = []
    for ref in svc.env_file:
        if not os.path.exists(ref.path):
            if ref.required and required and session.missing_env_files == "unknown":
                missing.append(ref.path)
                continue
            if ref.required and required:
                raise LoadError(
                    "missing-file",
                    f"env file {ref.path} not found: stat {ref.path}: no such file or directory",
                    ref.origin.path if ref.origin else "",
                    ref.origin.line if ref.origin else 0,
                    ref.origin.column if ref.origin else 0,
                )
            continue
        if os.path.isdir(ref.path):
            if required:
                raise LoadError(
                    "missing-file",
                    f"read {ref.path}: is a directory",
                    ref.origin.path if ref.origin else "",
                )
            continue
        try:
            source = session.read(ref.path)
        except LoadError as exc:
            if required and exc.kind != "missing-file":
                raise  # a decoding error, at its line of the env file
            if required:
                # Named where the service names the file, as a missing one is.
                raise LoadError(
                    exc.kind,
                    exc.message,
                    ref.origin.path if ref.origin else exc.path,
                    ref.origin.line if ref.origin else exc.line,
                    ref.origin.column if ref.origin else exc.column,
                ) from None
            continue

        def lookup(name: str) -> str | None:
            v = env.lookup(name)
            if v is not None:
                return v
            hit = own.get(name)
            return hit.value if hit is not None else None

        seed = {k: v.value for k, v in layered.items() if v.value is not None}
        try:
            entries = _dotenv_entries(session, source, lookup, ref.format == "raw", seed)
        except LoadError:
            if required:
                raise
            continue
        for key, value, origin, line, unset in entries:
            layered[key] = EnvVar(key, value, origin, "env_file", source.path, line, unset, origin)
    for k, v in own.items():
        layered[k] = v
    if missing:
        return replace(svc, environment=layered, missing_env_files=tuple(missing))
    return replace(svc, environment=layered)
