"""Which files to lint: explicit files as given, folders searched for Dockerfiles and Compose files.

Folder search honours ``.gitignore`` files (each applies below its own folder, as git does), skips
``.git``, and honours the configuration's ``exclude`` globs. A file named explicitly is always
linted; its kind comes from its name, or is None when the name is not one of ours, and the caller
decides (``sniff_kind`` tells the two formats apart by content).

Compose files found in one folder are grouped by ``compose_sets`` into the file sets Compose itself
would load there.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Literal, NamedTuple

from dockerlint_django._record import LazyPattern, field, record

if TYPE_CHECKING:
    import pathspec

    from dockerlint_django.source import SourceFile


Kind = Literal["dockerfile", "compose", "env"]

# What a folder search looks for. `.env` files are read through the Compose file that uses them,
# never linted on their own: they are named by ``file_kind`` only so a caller can recognise them.
SEARCHED_KINDS: frozenset[Kind] = frozenset({"dockerfile", "compose"})
_DOCKERFILES_ONLY: frozenset[Kind] = frozenset({"dockerfile"})

# The names, as globs matched case-insensitively; `_DOCKERFILE_NAME`, `_COMPOSE_NAME` and
# `.pre-commit-hooks.yaml` say the same, and tests/test_discover.py holds them together.
DOCKERFILE_GLOBS = (
    "Dockerfile",
    "Dockerfile.*",
    "Dockerfile-*",
    "Dockerfile_*",
    "*.Dockerfile",
    "Containerfile",
    "Containerfile.*",
)
COMPOSE_GLOBS = (
    # Compose's default names; the override names (`compose.override.yml`, ...) are variants.
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
    "compose.*.yaml",
    "compose.*.yml",
    "docker-compose.*.yaml",
    "docker-compose.*.yml",
    "docker-compose-*.yaml",
    "docker-compose-*.yml",
    # Not a convention of Compose's, but the same habit without the `docker-` (the corpus has
    # `compose-e2e.yml`).
    "compose-*.yaml",
    "compose-*.yml",
)
# `.env` is the file Compose reads itself; `.env.prod` and `prod.env` are how `env_file:` entries
# are commonly named.
ENV_GLOBS = (".env", ".env.*", "*.env")

# A last extension naming another format wins over a Dockerfile-like start. Matching without
# regard to case makes `Dockerfile.*`, `Dockerfile-*` and `Dockerfile_*` take lowercase names
# that tools, docs and snippets about Dockerfiles are given (`dockerfile.json` is VS Code's snippet
# file, `dockerfile_parser.py`, `dockerfile-build.sh`, `dockerfile.md`), none of them Dockerfile
# syntax. `.dockerignore` is BuildKit's per-Dockerfile ignore file, named after the Dockerfile it
# serves (`Dockerfile.dockerignore`, `api.Dockerfile.dockerignore`). Template and backup endings
# (`.tmpl`, `.j2`, `.in`, `.bak`, `.old`) are left in: what they hold is Dockerfile syntax.
NOT_DOCKERFILE_EXTENSIONS = (
    "dockerignore",
    "json",
    "yaml",
    "yml",
    "toml",
    "xml",
    "md",
    "rst",
    "txt",
    "html",
    "py",
    "pyc",
    "js",
    "ts",
    "go",
    "rs",
    "rb",
    "java",
    "sh",
    "patch",
    "diff",
)

# re.ASCII: in Unicode mode IGNORECASE also folds a few other letters onto ASCII ones (the Kelvin
# sign onto `k`, the long s onto `s`), which no file system or git does.
_FLAGS = re.IGNORECASE | re.ASCII | re.DOTALL
_DOCKERFILE_NAME = LazyPattern(
    rf"(?!.*\.(?:{'|'.join(NOT_DOCKERFILE_EXTENSIONS)})\Z)"
    r"(?:dockerfile(?:[._-].*)?|containerfile(?:\..*)?|.*\.dockerfile)\Z",
    _FLAGS,
)
_COMPOSE_NAME = LazyPattern(r"(?:docker-)?compose(?:[.-].*)?\.ya?ml\Z", _FLAGS)
_ENV_NAME = LazyPattern(r"(?:\.env(?:\..*)?|.+\.env)\Z", _FLAGS)

_SKIP_DIRS = frozenset({".git", ".hg", ".svn"})


def _name_kind(name: str) -> Kind | None:
    if _DOCKERFILE_NAME.match(name):
        return "dockerfile"
    if _COMPOSE_NAME.match(name):
        return "compose"
    if _ENV_NAME.match(name):
        return "env"
    return None


def _in_workflows(path: PurePath) -> bool:
    # GitHub runs every YAML file directly in .github/workflows as a workflow, and workflows are
    # often named after what they test (`docker-compose.yml`): a Compose name there is no Compose
    # file. Exact case, as GitHub spells the folder.
    return path.parent.name == "workflows" and path.parent.parent.name == ".github"


def file_kind(path: PurePath) -> Kind | None:
    """The kind of file a path names, by its name (and, for workflows, its folder)."""
    kind = _name_kind(path.name)
    if kind == "compose" and _in_workflows(path):
        return None
    return kind


def compose_sources(files: Iterable[SourceFile]) -> list[SourceFile]:
    """The Compose files among a project's files (``compose.model.Project.files``, in the order
    they were read, included ones too): the env files it read left out."""
    return [f for f in files if file_kind(Path(f.path)) != "env"]


def is_dockerfile_name(name: str) -> bool:
    return _name_kind(name) == "dockerfile"


# --- telling the formats apart by content --------------------------------------------------------

_INSTRUCTIONS = (
    *("ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL"),
    *("MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"),
)
# After the keyword comes its arguments or a line continuation, never the `:` of a YAML key.
_INSTRUCTION_LINE = LazyPattern(rf"\s*(?:{'|'.join(_INSTRUCTIONS)})(?:\s|\\|\Z)", re.I | re.A)
_DIRECTIVE_LINE = LazyPattern(r"\s*#\s*(?:syntax|escape|check)\s*=", re.I | re.A)
# Python's `from x import y` would pass for FROM, instructions being case-insensitive.
_PYTHON_IMPORT = LazyPattern(r"\s*from\s+\S+\s+import\s", re.A)
# The top-level keys the Compose schema allows (compose-go schema/compose-spec.json: the root's
# `additionalProperties: false`, `^x-` pattern properties); `<<` is a YAML merge key.
_COMPOSE_TOP_KEYS = frozenset(
    {"version", "name", "include", "services", "models", "networks", "volumes", "secrets"}
    | {"configs", "<<"}
)
_TOP_KEY = LazyPattern(r"""(?:"([^"]*)"|'([^']*)'|([^\s#'"{\[\-?:][^:#]*?))\s*:(?:\s|\Z)""")


def sniff_kind(text: str) -> Kind | None:
    """``"dockerfile"`` or ``"compose"`` by content, None when it is neither.

    A Dockerfile starts with parser directives or, after comments, with an instruction (a script's
    ``#!`` line and Python's ``from x import y`` are not taken for one). A Compose file is YAML
    (or JSON) whose top level has ``services`` or ``include``, or has only keys that Compose allows
    there: a GitHub workflow has a top-level ``name`` too, next to ``on`` and ``jobs``. Jinja
    statement and comment lines (``{% if ... %}``) are passed over, as a rendered template has
    none.
    """
    lines = [
        line
        for line in text.removeprefix("\ufeff").splitlines()
        if line.strip() and not line.lstrip().startswith(("{%", "{#"))
    ]
    if not lines or lines[0].startswith("#!"):
        return None  # nothing to tell by, or a script
    if _DIRECTIVE_LINE.match(lines[0]):
        return "dockerfile"
    first = next((line for line in lines if not line.lstrip().startswith("#")), None)
    if first is None:
        return None
    if _INSTRUCTION_LINE.match(first) and not _PYTHON_IMPORT.match(first):
        return "dockerfile"
    keys = _json_keys(text) if first.lstrip().startswith("{") else _yaml_top_keys(lines)
    if not keys:
        return None
    if keys & {"services", "include"}:
        return "compose"
    if all(k in _COMPOSE_TOP_KEYS or k.startswith("x-") for k in keys) and keys - {"<<"}:
        return "compose"
    return None


def _yaml_top_keys(lines: Sequence[str]) -> set[str] | None:
    """The keys of a block mapping at column 0, or None when the top level is something else."""
    keys: set[str] = set()
    for line in lines:
        if line[0] in " \t#" or line.startswith(("---", "...", "%")):
            continue  # nested content, comments, document markers, YAML directives
        found = _TOP_KEY.match(line)
        if found is None:
            return None  # a top-level sequence, scalar or flow collection: no Compose file
        keys.add(next(g for g in found.groups() if g is not None).strip())
    return keys


def _json_keys(text: str) -> set[str] | None:
    # Compose reads JSON too, being YAML; a YAML flow mapping that is not JSON is not worth a
    # YAML parser here (and an alias bomb would make one slow).
    import json  # only a file that opens with `{` pays for importing it

    try:
        loaded = json.loads(text.removeprefix("\ufeff"))
    except (ValueError, RecursionError):
        return None
    return {str(k) for k in loaded} if isinstance(loaded, dict) else None


# --- Compose's own file sets ---------------------------------------------------------------------

# compose-go cli/options.go: `DefaultFileNames` and `DefaultOverrideFileNames`, each in Compose's
# order of preference, and `WithDefaultConfigPath`, which uses them when no `-f` is given (the
# discovery paragraph of /work/shared/domain/compose-oracle.md §3 records the same, observed with
# Docker Compose v2.40.3; tests/test_discover.py checks these sets against that binary).
# `findFiles` looks the exact names up with os.Stat, so on Linux, where images are built and CI
# runs, `Compose.yaml` is no default file: case variants are found by the search but form sets of
# their own.
DEFAULT_COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
DEFAULT_OVERRIDE_NAMES = (
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
)


@record
class ComposeSet:
    """Compose files loaded together, in load order (later files merge over earlier ones)."""

    files: tuple[Path, ...]
    # What `docker compose` run in the folder without `-f` loads.
    default: bool
    # For a default name Compose passes over: the file it uses instead (Compose warns "Found
    # multiple config files with supported names" / "Using ...").
    shadowed_by: Path | None = None

    @property
    def main(self) -> Path:
        return self.files[0]

    @property
    def folder(self) -> Path:
        return self.files[0].parent


def compose_sets(folder_files: Iterable[Path]) -> list[ComposeSet]:
    """``folder_files``, Compose files, grouped as Compose would load them, per folder.

    In each folder (in the order first seen): the default set first, then every other file as a
    set of one, in the order given. Every path is taken for a Compose file, whatever its name:
    the caller may have told by content (``sniff_kind``) what an unknown name holds; names decide
    only which files Compose would load together.
    """
    by_folder: dict[Path, list[Path]] = {}
    for path in folder_files:
        files = by_folder.setdefault(path.parent, [])
        if path not in files:
            files.append(path)
    sets: list[ComposeSet] = []
    for files in by_folder.values():
        sets.extend(_folder_sets(files))
    return sets


def _folder_sets(files: list[Path]) -> list[ComposeSet]:
    by_name = {p.name: p for p in files}
    # WithDefaultConfigPath: the first default name present wins...
    mains = [by_name[n] for n in DEFAULT_COMPOSE_NAMES if n in by_name]
    overrides = [by_name[n] for n in DEFAULT_OVERRIDE_NAMES if n in by_name]
    sets: list[ComposeSet] = []
    used: set[Path] = set()
    if mains:
        # ...and only then is the first override name present merged on top; any main name
        # pairs with any override name (`compose.yaml` with `docker-compose.override.yml`).
        chosen = (mains[0], *overrides[:1])
        sets.append(ComposeSet(chosen, default=True))
        used.update(chosen)
    winner = {p: mains[0] for p in mains[1:]}
    if mains:
        winner.update({p: overrides[0] for p in overrides[1:]})
    for path in files:
        # Everything else Compose loads only when named with `-f`, alone (with `-f`, no override
        # file is added): a variant (`docker-compose.prod.yml`), a shadowed default name, or an
        # override with no main file beside it (Compose then looks in the parent folder instead).
        if path in used:
            continue
        base = None if path in winner else _override_base(path, by_name, mains)
        if base is not None:
            # An override variant (`docker-compose.override.dev.yml`, `compose.test.override.yml`)
            # is written to be merged over another file, `-f base -f override`: alone it is
            # usually no project at all (services without an image).
            sets.append(ComposeSet((base, path), default=False))
        else:
            sets.append(ComposeSet((path,), default=False, shadowed_by=winner.get(path)))
    return sets


_OVERRIDE_WORD = LazyPattern(r"(?<![a-z0-9])override(?![a-z0-9])", re.IGNORECASE)
_OVERRIDE_SUFFIX = LazyPattern(r"(.+)[._-]override\.(ya?ml)", re.IGNORECASE)


def _override_base(path: Path, by_name: dict[str, Path], mains: list[Path]) -> Path | None:
    """The file an override variant is merged over: the file it names before `override`
    (`compose.test.override.yml` over `compose.test.yml`) when that file is beside it, else the
    folder's main file. None for a file that is no override variant."""
    name = path.name
    if not _OVERRIDE_WORD.search(name) or name in DEFAULT_OVERRIDE_NAMES:
        return None
    suffix = _OVERRIDE_SUFFIX.fullmatch(name)
    if suffix is not None:
        for ext in ("yml", "yaml"):
            own = by_name.get(f"{suffix.group(1)}.{ext}")
            if own is not None and own != path:
                return own
    return mains[0] if mains else None


# --- folder search -------------------------------------------------------------------------------


class Target(NamedTuple):
    path: Path
    # None only for an explicitly named file whose name is none of ours.
    kind: Kind | None


@record(frozen=False)
class FolderReport:
    """What the search of one folder named by the caller came to."""

    folder: Path
    # Files of the searched kinds in it, counted before files already found through another
    # argument are dropped: a folder named twice is not reported empty the second time.
    found: int = 0
    # Folders below it (or it) that could not be listed, each with why (an error: what they
    # hold is not checked, and the run cannot say it checked the folder).
    unreadable: list[tuple[Path, str]] = field(default_factory=list)
    # Files of the searched kinds that cannot be read: a link that dangles or loops (errors).
    broken: list[tuple[Path, str]] = field(default_factory=list)
    # Files of the searched kinds that are no regular file (a FIFO, socket or device): never
    # opened, so a FIFO cannot hang the run; reported and skipped.
    special: list[tuple[Path, str]] = field(default_factory=list)


@record(frozen=False)
class Search:
    targets: list[Target]
    folders: list[FolderReport]

    @property
    def empty(self) -> list[FolderReport]:
        """The folders searched in vain, for the caller to warn about."""
        return [f for f in self.folders if f.found == 0]


# The paths resolved in this run, by absolute path (``resolving_once``): a file named on the
# command line is resolved by the search, by the plan, for its build context and for its
# repository, each a stat of every folder above it.
_RESOLVED: ContextVar[dict[str, Path] | None] = ContextVar("resolved", default=None)


@contextmanager
def resolving_once() -> Iterator[None]:
    """While it holds, ``resolved`` resolves each path once: one run sees one answer for a
    path, as it sees one text for a file."""
    token = _RESOLVED.set({})
    try:
        yield
    finally:
        _RESOLVED.reset(token)


def resolved(path: Path) -> Path:
    """``path.resolve()``; within ``resolving_once``, once for each path. A symlink loop raises
    (RuntimeError before Python 3.13) every time, as ``resolve`` does."""
    memo = _RESOLVED.get()
    if memo is None:
        return path.resolve()
    # Absolute, but with `..` kept: `link/../x` is not `x` when `link` is a symlink elsewhere.
    key = str(path.absolute())
    found = memo.get(key)
    if found is None:
        found = memo[key] = path.resolve()
    return found


def display_path(path: Path) -> str:
    """Relative to the working directory when under it, with ``/`` separators."""
    # Not resolved: a symlink is reported under the name it was given, which is also the name
    # per-file-ignores patterns are written against.
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path(os.path.abspath(Path.cwd()))).as_posix()
    except ValueError:
        return path.as_posix()


# Git reads a .gitignore of any size; one this large is generated or hostile.
_MAX_IGNORE_BYTES = 1024 * 1024


def _load_ignore(
    directory: Path, report: FolderReport | None = None
) -> pathspec.GitIgnoreSpec | None:
    from dockerlint_django.source import NotRegularFile, read_bounded

    path = directory / ".gitignore"
    try:
        lines = read_bounded(path, _MAX_IGNORE_BYTES).decode("utf-8", errors="replace")
    except NotRegularFile as exc:
        # A FIFO would hang the search, and a huge file exhaust it: said, and read as no file.
        if report is not None:
            report.special.append((path, f"not read ({exc}), so its patterns do not apply"))
        return None
    except OSError:
        # Absent, a folder, or in a folder that cannot be read (then scandir reports it).
        return None
    import pathspec  # only when a folder is searched: start-up time matters in hooks

    spec = pathspec.GitIgnoreSpec.from_lines(lines.splitlines())
    for pattern in spec.patterns:
        regex = getattr(pattern, "regex", None)
        if regex is not None and regex.pattern.count(_STAR) > 1:
            pattern.regex = re.compile(_linear(regex.pattern))
    return spec


# A `*` of a .gitignore pattern, as pathspec writes it in a regex.
_STAR = "[^/]*"
# A star, the literal text (or `?`) after it, and another star: the literal's earliest occurrence is
# always the one to take (whatever follows starts with a star that can absorb the rest), so
# the match can be made atomic. pathspec's plain regex tries every occurrence of every literal,
# which for a line like `*a*a*a*a*a*a*a*a*a*a*b` takes longer than a run can wait; git matches it
# at once.
_STAR_LITERAL_STAR = LazyPattern(
    r"\[\^/\]\*((?:[^\[\](){}*+?.^$|\\/]|\\.|\[\^/\](?!\*))+)(?=\[\^/\]\*)"
)


def _linear(pattern: str) -> str:
    return _STAR_LITERAL_STAR.sub(lambda m: f"(?>[^/]*?{m.group(1)})", pattern)


def _ignored(
    path: Path, is_dir: bool, specs: Sequence[tuple[Path, pathspec.GitIgnoreSpec]]
) -> bool:
    # As in git, the deepest .gitignore with a matching pattern decides, so that a nested
    # `!pattern` re-includes what a parent folder's .gitignore excluded.
    for base, spec in reversed(specs):
        rel = path.relative_to(base).as_posix()
        if is_dir:
            rel += "/"
        verdict = spec.check_file(rel).include
        if verdict is not None:
            return verdict
    return False


def _excluded(shown: Path, real: Path, exclude: Sequence[str], root: Path | None) -> bool:
    candidates = {shown.as_posix(), shown.name}
    if root is not None and real.is_relative_to(root):
        # Globs are written relative to the configuration file, wherever the run starts.
        candidates.add(real.relative_to(root).as_posix())
    return any(fnmatch.fnmatchcase(c, g) for c in candidates for g in exclude)


ExcludeFor = Callable[[Path], tuple[Sequence[str], Path | None]]


def _key(path: Path) -> Path:
    try:
        return resolved(path)
    except (OSError, RuntimeError):  # a symlink loop: RuntimeError before Python 3.13
        return Path(os.path.abspath(path))


def search(
    paths: Sequence[Path],
    exclude: Sequence[str] = (),
    root: Path | None = None,
    exclude_for: ExcludeFor | None = None,
    kinds: Collection[Kind] = SEARCHED_KINDS,
) -> Search:
    """``find_targets`` collected, with what each folder's search came to."""
    folders: list[FolderReport] = []
    targets = list(_targets(paths, exclude, root, exclude_for, kinds, folders))
    return Search(targets, folders)


def find_targets(
    paths: Sequence[Path],
    exclude: Sequence[str] = (),
    root: Path | None = None,
    exclude_for: ExcludeFor | None = None,
    kinds: Collection[Kind] = SEARCHED_KINDS,
) -> Iterator[Target]:
    """Files to lint with their kinds, each once, in a stable order.

    Folders are searched for files of ``kinds``; a file named in ``paths`` is always given, with
    the kind its name says. ``exclude`` globs are relative to ``root``; ``exclude_for``, when
    given, instead maps each folder (resolved) to the globs and root of the configuration that
    applies inside it.
    """
    return _targets(paths, exclude, root, exclude_for, kinds, None)


def find_files(
    paths: Sequence[Path],
    exclude: Sequence[str] = (),
    root: Path | None = None,
    exclude_for: ExcludeFor | None = None,
    kinds: Collection[Kind] = _DOCKERFILES_ONLY,
) -> Iterator[Path]:
    """``find_targets`` without the kinds.

    Folders give Dockerfiles only unless ``kinds`` says otherwise: a caller from before Compose
    files would lint what it is given as a Dockerfile.
    """
    for target in _targets(paths, exclude, root, exclude_for, kinds, None):
        yield target.path


def _targets(
    paths: Sequence[Path],
    exclude: Sequence[str],
    root: Path | None,
    exclude_for: ExcludeFor | None,
    kinds: Collection[Kind],
    reports: list[FolderReport] | None,
) -> Iterator[Target]:
    seen: set[Path] = set()
    real_root = root.resolve() if root is not None else None
    excludes = exclude_for or (lambda _directory: (exclude, real_root))
    wanted = frozenset(kinds)
    for top in paths:
        if top.is_dir():
            report = FolderReport(top)
            if reports is not None:
                reports.append(report)
            for found in _walk(top, excludes, wanted, report):
                report.found += 1
                key = _key(found.path)
                if key not in seen:
                    seen.add(key)
                    yield found
        else:
            key = _key(top) if top.exists() else top
            if key not in seen:
                seen.add(key)
                yield Target(top, file_kind(Path(os.path.abspath(top))))


def _walk(
    root: Path, excludes: ExcludeFor, kinds: frozenset[Kind], report: FolderReport
) -> Iterator[Target]:
    specs: list[tuple[Path, pathspec.GitIgnoreSpec]] = []
    # .gitignore files above the starting folder apply too, up to the repository root.
    parent = root.resolve()
    ancestors: list[Path] = []
    while True:
        ancestors.append(parent)
        if (parent / ".git").exists() or parent.parent == parent:
            break
        parent = parent.parent
    for directory in reversed(ancestors[1:]):
        spec = _load_ignore(directory, report)
        if spec is not None:
            specs.append((directory, spec))
    yield from _walk_dir(root, root.resolve(), specs, excludes, kinds, report)


def _walk_dir(
    shown: Path,
    real: Path,
    specs: list[tuple[Path, pathspec.GitIgnoreSpec]],
    excludes: ExcludeFor,
    kinds: frozenset[Kind],
    report: FolderReport,
) -> Iterator[Target]:
    spec = _load_ignore(real, report)
    local = [*specs, (real, spec)] if spec is not None else specs
    try:
        with os.scandir(real) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        report.unreadable.append((shown, exc.strerror or type(exc).__name__))
        return
    exclude, exclude_root = excludes(real)
    for entry in entries:
        child_real = real / entry.name
        child_shown = shown / entry.name
        # Symlinked folders are not followed, so a link back up the tree cannot loop.
        is_dir = _is(entry.is_dir, follow_symlinks=False)
        if is_dir and entry.name in _SKIP_DIRS:
            continue
        if _ignored(child_real, is_dir, local) or _excluded(
            child_shown, child_real, exclude, exclude_root
        ):
            continue
        if is_dir:
            yield from _walk_dir(child_shown, child_real, local, excludes, kinds, report)
            continue
        kind = file_kind(child_real)
        if kind not in kinds:
            continue
        problem = _not_a_file(entry)
        if problem is None:
            yield Target(child_shown, kind)
        elif problem[1]:
            # Counted as found: a folder whose only Dockerfile is a broken link is not empty.
            report.found += 1
            (report.broken if problem[0] else report.special).append((child_shown, problem[1]))


def _not_a_file(entry: os.DirEntry[str]) -> tuple[bool, str] | None:
    """None for a regular file (or a link to one); else whether it is an error, and why. A
    folder named like a Dockerfile is no file and no error: it gives an empty reason."""
    if _is(entry.is_file, follow_symlinks=False):
        return None  # the listing says so: no stat call for the usual case
    try:
        info = entry.stat()  # follows the link
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return True, "symbolic link loop"
        if exc.errno == errno.ENOENT and entry.is_symlink():
            return True, f"broken symbolic link (to {_link_target(entry.path)})"
        return True, exc.strerror or type(exc).__name__
    if stat.S_ISREG(info.st_mode):
        return None
    if stat.S_ISDIR(info.st_mode):
        return False, ""
    return False, f"not a regular file ({_file_type(info.st_mode)}), skipped"


def _link_target(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def _file_type(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "a special file"


def _is(test: Callable[..., bool], **kwargs: bool) -> bool:
    try:
        return test(**kwargs)
    except OSError:
        return False
