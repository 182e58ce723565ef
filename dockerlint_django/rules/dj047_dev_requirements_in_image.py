"""
## What it does
Checks that the final image does not install development requirements: a requirements file named
for development (`requirements_dev.txt`, `requirements-dev.txt`, `dev-requirements.txt`,
`requirements/dev*.txt`, `requirements/local.txt`, `requirements/test*.txt`…) given to
`pip install -r` or `uv pip sync|install`, a project installed with a development extra
(`pip install -e .[dev]`, `.[test]`), or a development dependency group that `uv sync`,
`poetry install` or `pipenv install --dev` puts in the image.

This is production advice: in a development file (`Dockerfile.dev`, `docker/dev/Dockerfile`, …)
the finding is info.

## Why is this bad?
The handbook keeps development tools out of production: "`requirements_dev.in` names all direct
requirements needed exclusively in the development environment, and not in the production
environment". Its template installs only `requirements.txt`, and its `.dockerignore` excludes
`**/requirements_dev.txt`. Test runners, debuggers and linters in a production image make it larger,
add code that is never meant to run there, and widen what an attacker can use.

Only the final stage (and the stages it builds `FROM`) is checked: a build stage that runs the
tests does not ship. An install that runs only under a test (`if [ "$DEV" = 1 ]; then …`,
`[ "$DEV" ] && …`) depends on a build argument and is not reported.

Installers add some groups without being asked, so whether they install development packages is in
the project's files, read from the build context where the Dockerfile puts them (a `COPY`, or a
`--mount=type=bind` of the context on the RUN) and never executed:

- `uv sync` installs the `dev` group (`[dependency-groups]`, or the older `[tool.uv]
  dev-dependencies`), or the groups `[tool.uv] default-groups` names; it is reported when the
  `pyproject.toml` next to it declares a development group (`dev`, `test`, `testing`, …) that
  lists packages. `--no-dev`, `--no-group NAME`, `--no-default-groups`, `--only-group`,
  `UV_NO_DEV` and `UV_NO_DEFAULT_GROUPS` leave groups out. Extras are only installed with
  `--extra NAME` or `--all-extras`.
- `poetry install` (and `poetry sync`) installs every group not marked `optional`
  (`[tool.poetry.group.dev]`, the older `[tool.poetry.dev-dependencies]`) unless `--without dev`
  or `--only main` leaves it out.
- `pipenv install --dev` and `pipenv sync --dev` install the `Pipfile`'s `[dev-packages]`.

When that file cannot be read (it is not in the build context, the command runs after a `cd`,
a variable names its folder), only a development group or extra the command names itself
(`uv sync --group test`, `--extra dev`, `poetry install --with dev`) is reported: uv and Poetry
stop when a group or extra they are asked for does not exist. A `pip install .[dev]` is not
reported when the project's `pyproject.toml` declares no such extra, and a development
requirements file that only includes production ones (`-r requirements.txt`) installs nothing
more. A word that is not known (`uv sync $UV_ARGS`) may hold `--no-dev`, and is not reported.

## Example
```dockerfile filename=Dockerfile
FROM python:3.11
COPY requirements.txt requirements_dev.txt /tmp/
RUN pip install --no-cache-dir -r /tmp/requirements_dev.txt
```
```text filename=requirements.txt
Django==5.2.8
```
```text filename=requirements_dev.txt
-r requirements.txt
pytest==8.4.2
```

## Use instead
```dockerfile filename=Dockerfile
FROM python:3.11
COPY requirements.txt requirements_dev.txt /tmp/
RUN pip install --no-cache-dir -r /tmp/requirements.txt
```
```text filename=requirements.txt
Django==5.2.8
```
```text filename=requirements_dev.txt
-r requirements.txt
pytest==8.4.2
```

## Fix safety
Unsafe, and only when the image already has a `requirements.txt` next to the development file
from the same build-context folder when the RUN executes: the file name is replaced with
`requirements.txt`. Packages that only the development file lists are no longer installed, which
is the point, but code or commands in the image may rely on them. Without such a file (or when
the build context cannot be read) there is no fix; `uv sync`, Poetry and pipenv findings have none.

## References
- [OCP handbook: Requirements](https://ocp-software-handbook.readthedocs.io/en/latest/python/requirements.html)
- [OCP handbook: Dockerfile for Django](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html)
- [uv: Syncing development dependencies](https://docs.astral.sh/uv/concepts/projects/sync/#syncing-development-dependencies)
- [uv: Default groups](https://docs.astral.sh/uv/concepts/projects/dependencies/#default-groups)
- [uv sync](https://docs.astral.sh/uv/reference/cli/#uv-sync)
- [Poetry: Installing group dependencies](https://python-poetry.org/docs/managing-dependencies/#installing-group-dependencies)
- [pipenv install --dev](https://pipenv.pypa.io/en/latest/commands.html#install)
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections.abc import Iterator, Mapping

from dockerlint_django._record import LazyPattern
from dockerlint_django.analysis import RunStep, basename
from dockerlint_django.dockerfile.model import Stage
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.readers.pyproject import (
    Pipfile,
    Pyproject,
    is_dev_name,
    normalize,
    read_pipfile,
    read_pyproject,
)
from dockerlint_django.readers.requirements import is_dev_requirements_path, parse_requirements
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.shell.commands import Layered, pip_install
from dockerlint_django.shell.syntax import SimpleCommand, Word
from dockerlint_django.source import SourceFile, Span

META = RuleMeta(
    code="DJ047",
    name="dev-requirements-in-image",
    severity=Severity.WARNING,
    summary="The final image installs development requirements.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    production_only=True,
)

# A local project with extras: `.[dev]`, `./[test]`, `/app[dev,docs]`, `.[dev]` with a marker.
_LOCAL_EXTRAS = LazyPattern(r"^(?P<path>\.{1,2}(?:/[^\[]*)?|/[^\[]*)\[(?P<extras>[^\]]*)\]")
_TRUE = frozenset({"1", "true", "yes", "on", "t", "y"})
_FALSE = frozenset({"0", "false", "no", "off", "f", "n", ""})
_EXPORTS = frozenset({"export", "declare", "typeset", "readonly", "local"})


# -- where a command runs, and what it finds there -----------------------------------------


# For the last RUN asked about: its commands (kept, so that the ids stay theirs), the ids of
# those up to its first `cd`, and whether it has one. Every command of a long heredoc asks.
_MOVES: list[tuple[tuple[SimpleCommand, ...], frozenset[int], bool]] = []


def _cwd(run: RunStep, cmd: SimpleCommand) -> str | None:
    """The directory ``cmd`` runs in: the RUN's WORKDIR, unknown after a ``cd`` in the RUN."""
    if run.state is None:
        return None
    commands = run.commands
    if not _MOVES or _MOVES[0][0] is not commands:
        before: set[int] = set()
        moves = False
        for other in commands:
            before.add(id(other))
            if basename(other.name) in ("cd", "pushd", "popd"):
                moves = True
                break
        _MOVES[:] = [(commands, frozenset(before), moves)]
    _, before_move, moves = _MOVES[0]
    return run.state.workdir if not moves or id(cmd) in before_move else None


def _in(cwd: str | None, path: str | None) -> str | None:
    """A directory option's value (None: none given) from the directory the command runs in."""
    if path is None:
        return cwd
    if path.startswith("/"):
        return posixpath.normpath(path)
    return None if cwd is None else posixpath.normpath(posixpath.join(cwd, path))


def _manifest(ctx: Context, run: RunStep, directory: str | None, name: str) -> SourceFile | None:
    """The build-context file the command finds at ``directory/name`` when the RUN executes."""
    if directory is None:
        return None
    found, known = ctx.analysis.run_file(run, posixpath.join(directory, name))
    if not known or found is None:
        return None
    return ctx.analysis.context.read(found)


def _pyproject(ctx: Context, run: RunStep, directory: str | None) -> Pyproject | None:
    source = _manifest(ctx, run, directory, "pyproject.toml")
    if source is None:
        return None
    project = read_pyproject(source)
    return None if project.error is not None else project


def _pipfile(ctx: Context, run: RunStep, directory: str | None) -> Pipfile | None:
    source = _manifest(ctx, run, directory, "Pipfile")
    if source is None:
        return None
    pipfile = read_pipfile(source)
    return None if pipfile.error is not None else pipfile


def _env(run: RunStep, cmd: SimpleCommand, name: str) -> tuple[bool, str | None]:
    """Whether ``name`` may be set for ``cmd``, and its value (None: unknown): ENV and ARG,
    ``NAME=… cmd``, an earlier ``export`` in the RUN; a file the RUN sources may set anything."""
    for a in cmd.assignments:
        if a.name == name:
            return True, a.value.value
    if not _SETS or _SETS[0].run is not run:
        _SETS[:] = [_RunSets(run)]
    return _SETS[0].before(cmd, name)


class _RunSets:
    """What the commands of one RUN set in its shell, read once: every uv command of a long
    heredoc asks about several variables."""

    def __init__(self, run: RunStep) -> None:
        self.run = run
        self.variables: Mapping[str, str | None] = (
            Layered(run.state.env, run.state.args) if run.state is not None else {}
        )
        self.position: dict[int, int] = {}
        # Where a command first makes every variable unknown (a sourced file, an unknown
        # export); the settings by name: (position, word value or None for the bare assignment,
        # "export X" without a value).
        self.opaque = len(run.commands)
        self.sets: dict[str, list[tuple[int, str | None, bool]]] = {}
        for i, other in enumerate(run.commands):
            self.position.setdefault(id(other), i)
            if i >= self.opaque:
                continue
            if other.name in (".", "source"):
                self.opaque = i
            elif not other.words:
                for a in other.assignments:
                    self.sets.setdefault(a.name, []).append((i, a.value.value, True))
            elif basename(other.name) in _EXPORTS:
                for word in other.words[1:]:
                    if word.value is None:
                        self.opaque = i
                        break
                    key, eq, given = word.value.partition("=")
                    self.sets.setdefault(key, []).append((i, given, bool(eq)))
        self._found: dict[str, tuple[list[int], list[tuple[bool, str | None]]]] = {}

    def before(self, cmd: SimpleCommand, name: str) -> tuple[bool, str | None]:
        at = self.position.get(id(cmd), len(self.run.commands))
        if self.opaque < at:
            return True, None
        found = self._found.get(name)
        if found is None:
            # The value after each setting, in order: `export X` keeps the value it had.
            value: tuple[bool, str | None] = (name in self.variables, self.variables.get(name))
            indexes: list[int] = []
            values: list[tuple[bool, str | None]] = []
            for i, given, has_value in self.sets.get(name, ()):
                value = (True, given if has_value else value[1])
                indexes.append(i)
                values.append(value)
            found = self._found[name] = (indexes, values)
        indexes, values = found
        k = bisect.bisect_left(indexes, at)
        if k == 0:
            return name in self.variables, self.variables.get(name)
        return values[k - 1]


# The RUN _env read last.
_SETS: list[_RunSets] = []


def _flag(run: RunStep, cmd: SimpleCommand, name: str) -> bool | None:
    """A boolean environment setting as uv reads it; None when it may be on but is not known."""
    present, value = _env(run, cmd, name)
    if not present:
        return False
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    return False if lowered in _FALSE else None


class _Args:
    """A command's words, read one at a time; an option's value is taken when asked for."""

    def __init__(self, words: tuple[Word, ...]) -> None:
        self.words = words
        self.i = 0

    def __iter__(self) -> _Args:
        return self

    def __next__(self) -> tuple[str, Word]:
        if self.i >= len(self.words):
            raise StopIteration
        word = self.words[self.i]
        self.i += 1
        return word.value or "", word

    def value(self, option: str, word: Word) -> tuple[str, Word] | None:
        """The value of ``option``: ``--opt=value``, ``-Ovalue`` or the next word."""
        text = word.value or ""
        if option.startswith("--") and text.startswith(option + "="):
            return text[len(option) + 1 :], word
        if not option.startswith("--") and len(text) > len(option):
            return text[len(option) :], word
        if self.i < len(self.words):
            nxt = self.words[self.i]
            self.i += 1
            return nxt.value or "", nxt
        return None


def _spells(text: str, options: tuple[str, ...]) -> str | None:
    """The value-taking option ``text`` is (``--group``, ``--group=dev``, ``-Edev``), or None."""
    for option in options:
        if text == option or (option.startswith("--") and text.startswith(option + "=")):
            return option
        if not option.startswith("--") and text.startswith(option) and len(text) > len(option):
            return option
    return None


def _names(text: str) -> list[str]:
    return [normalize(n) for n in re.split(r"[\s,]+", text) if n]


class _Selection:
    """The dependency groups and extras an installer command asks for."""

    def __init__(self) -> None:
        self.defaults = True  # the groups the tool installs unasked
        self.groups: dict[str, Word] = {}  # named on the command line
        self.only: set[str] | None = None  # Poetry's --only
        self.all_groups: Word | None = None
        self.excluded: set[str] = set()
        self.extras: dict[str, Word] = {}
        self.all_extras: Word | None = None
        self.no_extras: set[str] = set()
        self.directory: str | None = None  # --project/--directory, as written
        self.directory_known = True


def _subcommand(
    cmd: SimpleCommand, tool: str, names: tuple[str, ...], directory: tuple[str, ...]
) -> tuple[int, _Selection] | None:
    """The index of ``tool``'s subcommand (one of ``names``) among the command's words, with the
    directory a global option before it names; None for another command or an unknown word."""
    words = cmd.words
    if len(words) < 2 or basename(words[0].value) != tool:
        return None
    selection = _Selection()
    args = _Args(words)
    next(args)
    for text, word in args:
        if word.value is None:
            return None
        if text in names:
            return args.i - 1, selection
        if not text.startswith("-"):
            return None  # another subcommand, or a global option's value
        option = _spells(text, directory)
        if option is not None:
            given = args.value(option, word)
            if given is None:
                return None
            selection.directory = given[0]
    return None


# -- uv sync ---------------------------------------------------------------------------------

_UV_VALUES = (
    "--group",
    "--only-group",
    "--no-group",
    "--extra",
    "--no-extra",
    "--project",
    "--directory",
    "--package",
    "--script",
)


def _uv_selection(run: RunStep, cmd: SimpleCommand) -> tuple[Word, _Selection] | None:
    """What ``uv sync`` installs besides the project's dependencies; None when it cannot be
    known (a word that is not known may hold ``--no-dev``)."""
    found = _subcommand(cmd, "uv", ("sync",), ("--project", "--directory"))
    if found is None:
        return None
    at, sel = found
    rest = cmd.words[at + 1 :]
    if any(w.value is None for w in rest):
        return None
    args = _Args(rest)
    for text, word in args:
        option = _spells(text, _UV_VALUES)
        if option is None:
            if text == "--no-dev":
                sel.excluded.add("dev")
            elif text in ("--dev", "--only-dev"):
                # Aliases of `--group dev` and `--only-group dev`.
                sel.groups["dev"] = word
                sel.defaults = sel.defaults and text == "--dev"
            elif text == "--no-default-groups":
                sel.defaults = False
            elif text == "--all-groups":
                sel.all_groups = word
            elif text == "--all-extras":
                sel.all_extras = word
            elif text == "--all-packages":
                return None  # every workspace member's groups: not read here
            continue
        given = args.value(option, word)
        if given is None or option in ("--package", "--script"):
            return None  # a workspace member or a script: another project's groups
        value, where = given
        if option in ("--project", "--directory"):
            sel.directory = value
        elif option in ("--group", "--only-group"):
            sel.groups.update(dict.fromkeys(_names(value), where))
            if option == "--only-group":
                sel.defaults = False
        elif option == "--no-group":
            sel.excluded.update(_names(value))
        elif option == "--extra":
            sel.extras.update(dict.fromkeys(_names(value), where))
        else:
            sel.no_extras.update(_names(value))
    no_dev = _flag(run, cmd, "UV_NO_DEV")
    no_defaults = _flag(run, cmd, "UV_NO_DEFAULT_GROUPS")
    if no_dev is None or no_defaults is None:
        return None
    if no_dev:
        sel.excluded.add("dev")
    if no_defaults:
        sel.defaults = False
    if any(_env(run, cmd, n)[0] for n in ("UV_NO_GROUP", "UV_ONLY_GROUP", "UV_ONLY_DEV")):
        return None
    if any(_env(run, cmd, n)[0] for n in ("UV_PROJECT", "UV_WORKING_DIR")):
        sel.directory_known = False
    return cmd.words[at], sel


def _uv_sync(ctx: Context, run: RunStep, cmd: SimpleCommand) -> Iterator[Violation]:
    got = _uv_selection(run, cmd)
    if got is None:
        return
    sync, sel = got
    span = cmd.words[0].span.cover(sync.span)
    directory = _in(_cwd(run, cmd), sel.directory) if sel.directory_known else None
    project = _pyproject(ctx, run, directory)
    if project is None:
        yield from _named(sel, "uv sync")
        return
    declared = project.groups
    defaults: set[str] = set()
    if sel.defaults:
        if project.uv_default_groups is None:
            return  # uv stops on a default-groups setting it cannot read
        defaults = set(
            declared if project.uv_default_groups == "all" else project.uv_default_groups
        )
    every = set(declared) if sel.all_groups is not None else set()
    installed = (defaults | set(sel.groups) | every) - sel.excluded
    dev = sorted(g for g in installed if declared.get(g) and is_dev_name(g))
    by_default = [g for g in dev if g not in sel.groups and g in defaults]
    if by_default:
        if by_default == ["dev"] and project.uv_default_groups == ("dev",):
            advice = "uv adds it by default; pass --no-dev in the final image"
        else:
            advice = (
                "default-groups in [tool.uv] makes uv add "
                + ("them" if len(by_default) > 1 else "it")
                + "; pass --no-default-groups in the final image"
            )
        yield META.violation(
            span,
            f"uv sync installs the development dependency group{_s(by_default)} "
            f"{', '.join(by_default)} that {project.path} declares: {advice}",
        )
    for name in dev:
        if name in sel.groups:
            yield _named_group("uv sync", name, sel.groups[name])
        elif name not in defaults and sel.all_groups is not None:
            yield META.violation(
                sel.all_groups.span,
                f"uv sync --all-groups installs the development dependency group {name} that "
                f"{project.path} declares; name the groups the final image needs instead",
            )
    yield from _extras(sel, project.extras, project.path, "uv sync")


def _s(names: list[str]) -> str:
    return "s" if len(names) > 1 else ""


def _named_group(tool: str, name: str, where: Word) -> Violation:
    return META.violation(
        where.span,
        f"{tool} installs the development dependency group {name} it is asked for; "
        "leave it out of the final image",
    )


def _named(sel: _Selection, tool: str) -> Iterator[Violation]:
    """Without the project's file: the development groups and extras the command names itself
    (uv and Poetry stop when a named group or extra does not exist)."""
    for name, where in sel.groups.items():
        if name == "dev" and (where.value or "").startswith(("--dev", "--only-dev")):
            continue  # `--dev` adds an empty group when there is none
        if name not in sel.excluded and is_dev_name(name):
            yield _named_group(tool, name, where)
    yield from _extras(sel, None, None, tool)


def _extras(
    sel: _Selection, declared: Mapping[str, bool] | None, path: str | None, tool: str
) -> Iterator[Violation]:
    if declared is None:
        wanted = {n: w for n, w in sel.extras.items() if n not in sel.no_extras}
        for name, where in wanted.items():
            if is_dev_name(name):
                yield _extra_violation(tool, name, where)
        return
    every = set(declared) if sel.all_extras is not None else set()
    for name in sorted((set(sel.extras) | every) - sel.no_extras):
        if not (declared.get(name) and is_dev_name(name)):
            continue
        named = sel.extras.get(name)
        if named is not None:
            yield _extra_violation(tool, name, named)
        elif sel.all_extras is not None:
            yield META.violation(
                sel.all_extras.span,
                f"{tool} --all-extras installs the project's development extra [{name}] that "
                f"{path} declares; name the extras the final image needs instead",
            )


def _extra_violation(tool: str, name: str, where: Word) -> Violation:
    return META.violation(
        where.span,
        f"{tool} installs the project's development extra [{name}]; "
        "install it without development extras",
    )


# -- poetry install ------------------------------------------------------------------------

_POETRY_DIRECTORY = ("-C", "--directory", "-P", "--project")
_POETRY_VALUES = ("--with", "--without", "--only", "-E", "--extras", *_POETRY_DIRECTORY)


def _poetry_selection(cmd: SimpleCommand) -> tuple[Word, _Selection] | None:
    found = _subcommand(cmd, "poetry", ("install", "sync"), _POETRY_DIRECTORY)
    if found is None:
        return None
    at, sel = found
    rest = cmd.words[at + 1 :]
    if any(w.value is None for w in rest):
        return None
    args = _Args(rest)
    for text, word in args:
        option = _spells(text, _POETRY_VALUES)
        if option is None:
            if text in ("--only-root", "--no-dev", "--dry-run"):
                return None  # no group at all (`--no-dev` was `--only main`), or nothing
            if text == "--all-groups":
                sel.all_groups = word
            elif text == "--all-extras":
                sel.all_extras = word
            continue
        given = args.value(option, word)
        if given is None:
            return None
        value, where = given
        names = _names(value)
        if option in _POETRY_DIRECTORY:
            sel.directory = value
        elif option == "--with":
            sel.groups.update(dict.fromkeys(names, where))
        elif option == "--without":
            sel.excluded.update(names)
        elif option == "--only":
            sel.only = (sel.only or set()) | set(names)
            sel.groups.update(dict.fromkeys(names, where))
        else:
            sel.extras.update(dict.fromkeys(names, where))
    return cmd.words[at], sel


def _poetry(ctx: Context, run: RunStep, cmd: SimpleCommand) -> Iterator[Violation]:
    got = _poetry_selection(cmd)
    if got is None:
        return
    sub, sel = got
    tool = f"poetry {sub.value}"
    project = _pyproject(ctx, run, _in(_cwd(run, cmd), sel.directory))
    if project is None or not project.poetry_groups:
        # No file, or groups Poetry may take from elsewhere ([dependency-groups] since 2.2).
        yield from _named(sel, tool)
        return
    declared = project.poetry_groups
    if sel.only is not None:
        installed = set(sel.only)
    else:
        installed = {g for g, group in declared.items() if not group.optional} | set(sel.groups)
        if sel.all_groups is not None:
            installed |= set(declared)
    for name in sorted(installed - sel.excluded):
        group = declared.get(name)
        if group is None or not group.installs or not is_dev_name(name):
            continue
        if name in sel.groups:
            yield _named_group(tool, name, sel.groups[name])
        else:
            yield META.violation(
                cmd.words[0].span.cover(sub.span),
                f"{tool} installs the development dependency group {name} that {project.path} "
                f"declares (Poetry installs every group not marked optional); pass --without "
                f"{name} or --only main in the final image",
            )
    extras = dict(project.poetry_extras)
    if project.extras is not None:
        extras.update(project.extras)
    yield from _extras(sel, extras, project.path, tool)


# -- pipenv install --dev ------------------------------------------------------------------


def _pipenv(ctx: Context, run: RunStep, cmd: SimpleCommand) -> Iterator[Violation]:
    found = _subcommand(cmd, "pipenv", ("install", "sync"), ())
    if found is None:
        return
    at, _ = found
    rest = cmd.words[at + 1 :]
    if any(w.value is None for w in rest):
        return
    dev = next((w for w in rest if w.value in ("--dev", "-d")), None)
    if dev is None or _env(run, cmd, "PIPENV_PIPFILE")[0]:
        return
    pipfile = _pipfile(ctx, run, _cwd(run, cmd))
    if pipfile is None or not pipfile.dev_packages:
        return
    yield META.violation(
        dev.span,
        f"pipenv {cmd.words[at].value} --dev installs the [dev-packages] that {pipfile.path} "
        "lists; leave --dev out in the final image",
    )


# -- pip: requirement files and extras -----------------------------------------------------


def _requirement_files(cmd: SimpleCommand) -> Iterator[tuple[Word, int]]:
    """The requirement-file words of a pip/uv pip install, with where the path starts in each."""
    pip = pip_install(cmd)
    if pip is None:
        return
    seen: set[Span] = set()
    for word in pip.requirement_files:
        value = word.value
        if value is None:
            continue
        offset = len("--requirement=") if value.startswith("--requirement=") else 0
        seen.add(word.span)
        yield word, offset
    for word in pip.options:
        value = word.value
        if word.span in seen or value is None:
            continue
        # `-rrequirements-dev.txt`: the commands recogniser keeps it as an option only.
        if value.startswith("-r") and not value.startswith("--") and len(value) > 2:
            yield word, 2


def _image_path(cwd: str | None, path: str) -> str | None:
    if path.startswith("/"):
        return path
    return None if cwd is None else posixpath.join(cwd, path)


def _installs_development(ctx: Context, run: RunStep, cwd: str | None, path: str) -> bool:
    """False only when the file is read and all it installs comes from files it includes that
    are not named for development (``requirements-dev.txt`` holding ``-r requirements.txt``)."""
    image_path = _image_path(cwd, path)
    if image_path is None:
        return True
    found, known = ctx.analysis.run_file(run, image_path)
    source = ctx.analysis.context.read(found) if known and found is not None else None
    if source is None:
        return True
    reqs = parse_requirements(source, ctx.analysis.context.read)
    if reqs.unknown_includes:
        return True
    return any(r.path == source.path or is_dev_requirements_path(r.path) for r in reqs.installs())


def _path_span(word: Word, offset: int) -> Span | None:
    """The source span of the file name in ``word`` when it is written verbatim (no quotes,
    escapes or expansions), so that a fix can rewrite it in place."""
    if word.value is None or word.raw.text != word.value:
        return None
    value = word.value[offset:]
    base = posixpath.basename(value)
    start = word.span.start + offset + len(value) - len(base)
    return Span(start, start + len(base))


def _fix(ctx: Context, run: RunStep, cwd: str | None, path: str, span: Span | None) -> Fix | None:
    if span is None or run.state is None:
        return None
    if posixpath.basename(path) == "requirements.txt":
        return None  # `dev/requirements.txt` style: the replacement would be the same name
    image_path = _image_path(cwd, path)
    if image_path is None:
        return None
    found, known = ctx.analysis.run_file(run, image_path)
    if not known or found is None:
        return None
    context_sibling = posixpath.join(posixpath.dirname(found), "requirements.txt")
    if ctx.analysis.context.exists(context_sibling) is not True:
        return None
    # The replacement must be in the image when the RUN executes, brought from that same
    # context file: a `COPY requirements_dev.txt /tmp/` alone leaves no /tmp/requirements.txt.
    image_sibling = posixpath.join(posixpath.dirname(image_path), "requirements.txt")
    sibling_found, sibling_known = ctx.analysis.run_file(run, image_sibling)
    if not sibling_known or sibling_found is None:
        return None
    if posixpath.normpath(sibling_found.lstrip("/")) != posixpath.normpath(
        context_sibling.lstrip("/")
    ):
        return None
    return Fix(
        "Install requirements.txt instead",
        (Edit.replace(span, "requirements.txt"),),
        Applicability.UNSAFE,
    )


def _dev_extras(cmd: SimpleCommand) -> Iterator[tuple[Word, str, list[str]]]:
    """Local projects installed with a development extra: ``pip install -e .[dev]``, as
    ``(word, project path, development extras)``."""
    pip = pip_install(cmd)
    if pip is None:
        return
    for word in (*pip.packages, *pip.options):
        value = word.value
        if value is None and word.expansions and all(e.kind == "glob" for e in word.expansions):
            # Unquoted `.[dev]` is a bracket glob matching one-letter names such as `.d`; with no
            # such file the shell passes it on as written, which is what projects rely on.
            value = None if any(c in word.raw.text for c in "\\'\"") else word.raw.text
        if value is None:
            continue
        m = _LOCAL_EXTRAS.match(value)
        if m is None:
            continue
        extras = [e.strip() for e in m.group("extras").split(",")]
        dev = [e for e in extras if is_dev_name(e)]
        if dev:
            yield word, m.group("path"), dev


def _declared_extras(
    ctx: Context, run: RunStep, cwd: str | None, path: str, extras: list[str]
) -> list[str]:
    """The extras of ``extras`` the project may declare: those its ``pyproject.toml`` lists
    with packages, all of them when its extras are not known (no file, a ``setup.py``, extras
    computed by the build backend)."""
    project = _pyproject(ctx, run, _in(cwd, path.rstrip("/") or "/"))
    if project is None or project.extras is None:
        return extras
    return [e for e in extras if project.extras.get(normalize(e))]


def _conditional(cmd: SimpleCommand, previous: SimpleCommand | None) -> bool:
    """The command runs only when a test passes: `if [ "$DEV" = 1 ]; then pip install …`.

    Such a RUN installs the dev requirements only for a build argument the default build does not
    set (the usual dev-and-prod Dockerfile), which cannot be known here.
    """
    if any(c in ("if", "case") for c in cmd.context):
        return True
    return (
        previous is not None
        and cmd.connector_before in ("&&", "||")
        and basename(previous.name) in ("[", "[[", "test")
    )


def _check_stage(ctx: Context, stage: Stage) -> Iterator[Violation]:
    for run in ctx.analysis.runs_in(stage, chain=True):
        previous: SimpleCommand | None = None
        for cmd in run.commands:
            conditional = _conditional(cmd, previous)
            previous = cmd
            if conditional:
                continue
            cwd = _cwd(run, cmd)
            for word, offset in _requirement_files(cmd):
                assert word.value is not None
                path = word.value[offset:]
                if not is_dev_requirements_path(path):
                    continue
                if not _installs_development(ctx, run, cwd, path):
                    continue
                yield META.violation(
                    word.span,
                    f"the final image installs the development requirements file {path}; "
                    "install the production requirements (requirements.txt) instead",
                    fix=_fix(ctx, run, cwd, path, _path_span(word, offset)),
                )
            yield from _uv_sync(ctx, run, cmd)
            yield from _poetry(ctx, run, cmd)
            yield from _pipenv(ctx, run, cmd)
            for word, project_path, extras in _dev_extras(cmd):
                declared = _declared_extras(ctx, run, cwd, project_path, extras)
                if declared:
                    yield META.violation(
                        word.span,
                        f"the final image installs the project with its development extra "
                        f"[{', '.join(declared)}]; install it without development extras",
                    )


def check(ctx: Context) -> Iterator[Violation]:
    stage = ctx.analysis.dockerfile.final
    if stage is None:
        return
    yield from _check_stage(ctx, stage)
