"""What each fuzz target checks on one input (issue 12's invariants), without any fuzzer.

Each ``check_<target>(data)`` returns when the input is handled as documented: read, or refused
with one of the documented input errors (``SourceError``, the Dockerfile ``ParseError``, Compose's
``ComposeError``; the readers of context files refuse nothing: what they cannot read is unknown).
Anything else escaping is a crash, and a broken invariant raises ``AssertionError``:

- every span, ``Mapped`` offset and Compose origin lies inside the file it points into, and each
  finding's line and column are those of its span;
- no rule crashes (a crashing rule is reported as DJ902 instead of a traceback: here it fails);
- the Dockerfile parse equals BuildKit's (PyPI ``dockerfile``) on every input, accepted or
  refused; the Gunicorn option parser equals argparse; with ``COMPOSE_ORACLE`` set, the Compose
  model equals Docker Compose's;
- the fixer's output still parses, and fixing it again changes nothing.

The harnesses (``fuzz/fuzz_*.py``) call these on the fuzzer's bytes; the regression tests call
them on the inputs the fuzzers found.
"""

from __future__ import annotations

import operator
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from dockerlint_django._record import replace
from dockerlint_django.compose.dotenv import parse_dotenv
from dockerlint_django.compose.nodes import ComposeError
from dockerlint_django.compose.nodes import Origin as ComposeOrigin
from dockerlint_django.config import Config
from dockerlint_django.dockerfile.ast import ParseError
from dockerlint_django.dockerfile.parser import parse
from dockerlint_django.engine import Options, fix_source, lint_path, lint_source
from dockerlint_django.gunicorn import (
    _MAX_SHOWN,
    EnvVar,
    GunicornArgs,
    parse_args,
    parse_cmd_args_env,
    resolve_settings,
)
from dockerlint_django.readers.django_settings import (
    find_settings,
    read_settings,
    settings_module_from_manage,
)
from dockerlint_django.readers.gunicorn_config import read_config
from dockerlint_django.readers.nginx import parse_nginx
from dockerlint_django.readers.pyproject import read_pipfile, read_pyproject
from dockerlint_django.readers.requirements import parse_requirements
from dockerlint_django.results import FileResult, Finding
from dockerlint_django.shell.launch import resolve_launch
from dockerlint_django.shell.scripts import plan_script, read_shebang
from dockerlint_django.shell.syntax import (
    Dialect,
    Script,
    SplitDialect,
    Word,
    WordLike,
    last_top_level_command,
    parse_script,
    shell_split,
)
from dockerlint_django.source import Mapped, SourceError, SourceFile, Span

# Every rule, so that every rule meets every input.
OPTIONS = Options(Config(select=("ALL",)))

# Set by ``fuzz_compose.py --oracle``: also compare each loaded project with Docker Compose's
# (a process a run: far slower than the loader, so off unless asked for).
COMPOSE_ORACLE = False


# --- spans ----------------------------------------------------------------------------------------


_SCALARS = (str, bytes, int, float, bool, type(None))


def _record_values(obj: object) -> Iterator[object]:
    for f in getattr(type(obj), "__record_fields__", ()):
        yield getattr(obj, f.name)


def spans_inside(root: object, size: int | None, what: str = "value") -> None:
    """Every ``Span`` and ``Mapped`` reachable from ``root`` lies inside ``[0, size]``.

    Records are walked field by field (so is every tuple, list, set and dict inside them); a
    Compose ``Origin`` is checked against its own file instead, and a ``SourceFile`` is not entered.
    With ``size`` None only origins are checked (a model drawn from several files).
    """
    seen: set[int] = set()
    stack: list[object] = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, (*_SCALARS, SourceFile)) or id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, Span):
            if size is None:
                continue
            assert 0 <= obj.start <= obj.end <= size, f"{what}: span {obj} outside 0..{size}"
        elif isinstance(obj, Mapped):
            if size is None:
                continue
            if obj.starts:
                inside = min(obj.starts) >= 0 and max(obj.ends) <= size
                assert inside and all(map(operator.le, obj.starts, obj.ends)), (
                    f"{what}: {obj!r} maps outside 0..{size}"
                )
            anchor = obj.span()
            assert 0 <= anchor.start <= anchor.end <= size, f"{what}: {obj!r} outside 0..{size}"
        elif isinstance(obj, ComposeOrigin):
            origin_inside(obj)
        elif isinstance(obj, (tuple, list, set, frozenset)):
            stack.extend(obj)
        elif isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        else:
            stack.extend(_record_values(obj))


def origin_inside(origin: ComposeOrigin) -> None:
    size = len(origin.source.text)
    span = origin.span
    assert 0 <= span.start <= span.end <= size, f"{origin!r}: span {span} outside 0..{size}"


def check_results(results: Iterable[FileResult]) -> None:
    """Findings (and the files read on the way) of a lint: inside their files, no rule crashed."""
    pending = list(results)
    while pending:
        result = pending.pop()
        pending.extend(result.others)
        if result.source is None:
            assert result.error is not None, f"{result.path}: neither a source nor an error"
            assert "\n" not in result.error.rstrip("\n"), f"error of many lines: {result.error!r}"
            continue
        for finding in [*result.findings, *result.suppressed]:
            _check_finding(finding, result)


def _check_finding(finding: Finding, result: FileResult) -> None:
    source = result.source
    assert source is not None
    where = f"{finding.code} in {result.path}"
    # A crashing rule's message says where it crashed: that is the traceback summary.
    assert finding.code != "DJ902", finding.message
    assert finding.path == result.path, f"{where}: finding names {finding.path}"
    size = len(source.text)
    span = finding.span
    assert 0 <= span.start <= span.end <= size, f"{where}: span {span} outside 0..{size}"
    assert finding.start == source.position(span.start), f"{where}: start {finding.start}"
    assert finding.end == source.position(span.end), f"{where}: end {finding.end}"
    if finding.fix is not None:
        for edit in finding.fix.edits:
            assert 0 <= edit.start <= edit.end <= size, f"{where}: fix edit {edit} outside"
    for related in finding.related:
        other = related.source if related.source is not None else source
        bound = len(other.text)
        assert 0 <= related.span.start <= related.span.end <= bound, (
            f"{where}: related {related.span} outside {other.path} (0..{bound})"
        )


def _decode(data: bytes, path: str) -> SourceFile | None:
    """The file as the linter reads it; None for bytes it refuses (with a line inside them)."""
    try:
        return SourceFile.from_bytes(path, data)
    except SourceError as exc:
        assert 1 <= exc.line <= data.count(b"\n") + data.count(b"\r") + 1, (exc.line, exc.message)
        return None


def _text(data: bytes) -> str:
    # Targets that take text: invalid UTF-8 still reaches them, as replacement characters.
    return data.decode("utf-8", "replace")


# --- the Dockerfile parser ------------------------------------------------------------------------


def check_dockerfile(data: bytes) -> None:
    """Parse like BuildKit (or refuse like it), with every span inside the file."""
    from tests import test_parser_oracle as oracle  # the corpus test's comparison, reused
    from tests.test_parser_oracle import check_invariants

    source = _decode(data, "Dockerfile")
    if source is None:
        return
    text = data.decode("utf-8")
    if "\x00" in text:
        # The oracle hands strings back as C strings, cut at the first NUL: no answer to compare.
        try:
            result = parse(source)
        except ParseError as exc:
            assert 0 <= exc.line <= source.index.line_count, (exc.line, exc.message)
            return
        check_invariants(source, result)
        return
    expected = oracle._oracle(lambda: oracle.dockerfile.parse_string(text))
    oracle._compare(source, expected)
    try:
        parse(source)
    except ParseError as exc:
        # The engine points DJ900 at this line.
        assert 0 <= exc.line <= source.index.line_count, (exc.line, exc.message)


# --- the shell parser -----------------------------------------------------------------------------


def _rank(argv: Sequence[WordLike]) -> tuple[int, str]:
    value = argv[0].value if argv else None
    return (1 if value else 0, value or "")


def _check_script(script: Script, size: int, text: str) -> None:
    spans_inside(script.commands, size, "shell command")
    spans_inside(script.errors, size, "shell error")
    for cmd in script.commands:
        for word in cmd.words:
            assert text[word.span.start : word.span.end] == word.raw.text, word
            if word.mapped is not None:
                assert word.mapped.text == word.value, word


SPLIT_CHARS = 400


def check_shell(data: bytes) -> None:
    """Parse as dash and as bash, split as Compose and as shlex, follow as an entrypoint."""
    text = _text(data)
    whole = Mapped.from_source(text, 0)
    size = len(text)
    dialects: tuple[Dialect, ...] = ("posix", "bash")
    for dialect in dialects:
        script = parse_script(whole, dialect=dialect)
        _check_script(script, size, text)
        last = last_top_level_command(script)
        assert last is None or last in script.commands
        if dialect == "posix":
            plan = plan_script(script, [Word.synthetic("arg", 0)], rank=_rank, cwd="/app")
            spans_inside(plan, size, "script plan")
            if plan.command is not None:
                spans_inside(resolve_launch(plan.argv), size, "launch")
    # Splitting without a shell is for one command line (Compose's `command:`, GUNICORN_CMD_ARGS),
    # not for whole scripts: the start of the text is enough, and keeps the runs fast.
    line = whole[:SPLIT_CHARS]
    splits: tuple[SplitDialect, ...] = ("shellwords", "shlex")
    for split in splits:
        spans_inside(shell_split(line, dialect=split), size, f"{split} split")
    shebang = read_shebang(SourceFile.from_text("entrypoint.sh", text))
    assert shebang is None or text.startswith("#!")


# --- the Gunicorn option parser -------------------------------------------------------------------


def _argv_words(argv: Sequence[str]) -> tuple[str, list[Word]]:
    # As tests/test_gunicorn.py lays exec-form words out: two spaces apart, spans checkable.
    out: list[Word] = []
    pos = 0
    for arg in argv:
        out.append(Word.literal(Mapped.from_source(arg, pos)))
        pos += len(arg) + 2
    return "  ".join(argv), out


def _check_args(args: GunicornArgs, size: int) -> None:
    spans_inside(args, size, "gunicorn args")
    for opt in args.options:
        assert opt.span.start <= opt.option_span.start <= opt.option_span.end <= opt.span.end, opt


def check_gunicorn_args(data: bytes) -> None:
    """Lines as exec-form argv (equal to argparse's reading), the text as shell words and as
    GUNICORN_CMD_ARGS, then every layer resolved."""
    from tests.test_gunicorn import check_equivalent  # argparse built from the same table

    text = _text(data)
    argv = text.split("\n")[:24]
    laid, words = _argv_words(argv)
    args = parse_args(words)
    _check_args(args, len(laid))
    if all(len(arg) <= _MAX_SHOWN for arg in argv):
        # Longer words are cut short in our messages (argparse quotes them whole).
        check_equivalent(argv)
    whole = Mapped.from_source(text, 0)
    for cmd in parse_script(whole).commands[:8]:
        _check_args(parse_args(cmd.words[1:]), len(text))
    env_args, _ = parse_cmd_args_env(whole)
    _check_args(env_args, len(text))
    env = {
        "GUNICORN_CMD_ARGS": EnvVar(text, whole.span(), whole),
        "WEB_CONCURRENCY": EnvVar(argv[0]),
        "PORT": EnvVar(argv[-1]),
    }
    settings = resolve_settings(args, env=env)
    for name in ("workers", "bind", "threads", "worker_class", "config", "timeout", "proc_name"):
        settings.get(name)
    settings.worker_class()
    # Errors point into the argv laid out or into the variable's text.
    spans_inside(settings.errors, max(len(laid), len(text)), "gunicorn errors")


# --- the context readers --------------------------------------------------------------------------


# A reader that reads more files than this for one input does unbounded work: a context holds
# at most a few dozen of the files below.
MAX_READS = 2_000
_CONTEXT_NAMES = frozenset(
    {"__init__.py", "settings.py", "base.py", "local.py", "production.py", "manage.py"}
    | {"requirements.txt", "base.txt", "dev.txt", "constraints.txt"}
)


class _LoopingContext:
    """A build context where each of a few common file names, in any folder up to three deep,
    holds the input: its imports and includes of one another (and of itself) loop. Counts what
    is read."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.reads = 0

    def exists(self, path: str) -> bool:
        parts = path.strip("/").split("/")
        return len(parts) <= 3 and parts[-1] in _CONTEXT_NAMES

    def __call__(self, path: str) -> SourceFile | None:
        if not self.exists(path):
            return None
        self.reads += 1
        assert self.reads <= MAX_READS, f"more than {MAX_READS:,} files read for one input"
        return replace(self.source, path=path)


def check_context_readers(data: bytes) -> None:
    """Every reader of a file a build context holds: none may raise, whatever the bytes, nor
    print a Python warning about the file (the report is all a check prints)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _read_context_file(data)
    said = [f"{w.category.__name__}: {w.message}" for w in caught]
    assert not said, f"a reader let Python warn about the file it read: {said[0]}"


def _read_context_file(data: bytes) -> None:
    source = _decode(data, "settings.py")
    text = _text(data)
    size = len(text)
    if source is not None:
        size = len(source.text)
        spans_inside(read_config(source), size, "gunicorn.conf.py")

        read = _LoopingContext(source)
        spans_inside(
            read_settings("app/settings.py", read, project_dir="", exists=read.exists),
            size,
            "settings",
        )
        spans_inside(settings_module_from_manage(source), size, "manage.py")
        read.reads = 0
        spans_inside(
            find_settings(
                read.exists, read, settings_module=None, project_dir="", list_dir=lambda p: []
            ),
            size,
            "find_settings",
        )
        read.reads = 0
        spans_inside(parse_requirements(source, read), size, "requirements")
        spans_inside(read_pyproject(source), size, "pyproject.toml")
        spans_inside(read_pipfile(source), size, "Pipfile")
        spans_inside(parse_nginx(source), size, "nginx conf")
        read_shebang(source)
    for raw in (False, True):
        try:
            entries = parse_dotenv(text, lambda name: None, raw=raw)
        except ComposeError as exc:
            assert exc.message, "an env file error without a message"
            continue
        spans_inside(entries, len(text), ".env")


# --- the fixer ------------------------------------------------------------------------------------


def check_fix(data: bytes, unsafe: bool | None = None) -> None:
    """Lint with every rule (no crash, findings inside the file), fix, and check the fix: its
    output parses whenever the input did, and fixing it again changes nothing. ``unsafe`` None:
    the unsafe fixes too for inputs of odd length (half of what a fuzzer makes)."""
    source = _decode(data, "Dockerfile")
    if source is None:
        return
    if unsafe is None:
        unsafe = len(data) % 2 == 1
    result = lint_source(source, OPTIONS)
    check_results([result])
    outcome = fix_source(source, OPTIONS, unsafe)
    if result.parse_failed:
        assert outcome.text == source.text, "a file that does not parse was changed"
        return
    codes = ", ".join(sorted(outcome.by_code))
    assert outcome.converged, f"fixes of {codes} did not settle after {outcome.passes} passes"
    if outcome.text == source.text:
        return
    fixed = replace(source, text=outcome.text)
    after = lint_source(fixed, OPTIONS)
    assert not after.parse_failed, "the fixed file no longer parses"
    check_results([after])
    again = fix_source(fixed, OPTIONS, unsafe)
    assert again.text == outcome.text, (
        f"fixing the fixed file changed it again (fixes of {', '.join(sorted(again.by_code))})"
    )


# --- the Compose reader (and the checks of the project it loads) ----------------------------------


_PART = re.compile(r"^#%% (\S+)\r?\n", re.MULTILINE)
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,40}")


def split_project(data: bytes) -> dict[str, bytes]:
    """A project packed in one input: ``compose.yaml``'s text, then for each further file a
    ``#%% path`` line and its text. Paths that could leave the folder are dropped."""
    files: dict[str, bytes] = {}
    text = data.decode("utf-8", "surrogateescape")
    marks = list(_PART.finditer(text))
    pieces = [("compose.yaml", 0, marks[0].start() if marks else len(text))]
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        pieces.append((m.group(1), m.end(), end))
    for name, start, end in pieces[:12]:
        parts = name.split("/")
        if len(parts) > 3 or not all(_NAME.fullmatch(p) and p not in (".", "..") for p in parts):
            continue
        files.setdefault(name, text[start:end].encode("utf-8", "surrogateescape"))
    return files


def pack_project(files: dict[str, bytes]) -> bytes:
    """The inverse of ``split_project`` (seeds are written with it)."""
    out = [files.get("compose.yaml", b"")]
    for name, body in files.items():
        if name != "compose.yaml":
            if out[-1] and not out[-1].endswith(b"\n"):
                out.append(b"\n")
            out.append(f"#%% {name}\n".encode() + body)
    return b"".join(out)


# The environment of the load (and of the oracle): nothing from the machine leaks in.
COMPOSE_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent-home"}
_SCRATCH: list[Path] = []


def _scratch() -> Path:
    if not _SCRATCH:
        # One folder a process (campaigns run several at once), beside the harnesses' seeds.
        parent = Path(tempfile.gettempdir()) / "dockerlint-fuzz"
        parent.mkdir(exist_ok=True)
        _SCRATCH.append(Path(tempfile.mkdtemp(prefix="compose-", dir=parent)).resolve())
    return _SCRATCH[0]


def _write_project(folder: Path, files: dict[str, bytes]) -> None:
    for name, body in files.items():
        target = folder / name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            continue  # `a` and `a/b` both named: the first one wins


def check_compose(data: bytes) -> None:
    """Load the project as Docker Compose would and check it as ``check`` does: its services,
    the Dockerfiles they build (with their scripts) and the other Dockerfiles in it."""
    files = split_project(data)
    folder = Path(tempfile.mkdtemp(dir=_scratch()))
    before = os.getcwd()
    try:
        _write_project(folder, files)
        os.chdir(folder)  # `check` runs from the project: paths are shown from there
        _check_project(folder, files)
        if COMPOSE_ORACLE:
            _compare_with_compose(folder)
    finally:
        os.chdir(before)
        shutil.rmtree(folder, ignore_errors=True)


def _check_project(folder: Path, files: dict[str, bytes]) -> None:
    from dockerlint_django.deployments import check_deployments
    from dockerlint_django.discover import display_path, is_dockerfile_name
    from dockerlint_django.project.deployment import LoadSettings, load_deployment, plan_builds

    deployment = load_deployment((), LoadSettings(working_dir=folder, environment=COMPOSE_ENV))
    results: list[FileResult] = []
    if deployment.error is not None:
        _check_compose_error(deployment.error, folder)
    else:
        project = deployment.project
        assert project is not None
        from dockerlint_django.compose.config_json import config_json

        config_json(project)
        spans_inside(project.services, None, "project")  # from several files: origins only
        spans_inside(project.node, None, "project")

        def options_for(path: Path | None, build: Any) -> Options:
            return OPTIONS if build is None else replace(OPTIONS, build=build)

        results.extend(check_deployments([deployment], options_for))
        for path, builds in plan_builds([deployment]).items():
            for build in builds:
                results.append(lint_path(path, display_path(path), options_for(path, build)))
    for name in files:
        path = folder / name
        if is_dockerfile_name(path.name) and path.is_file():
            results.append(lint_path(path, display_path(path), OPTIONS))
    check_results(results)


def _check_compose_error(error: ComposeError, folder: Path) -> None:
    line = error.one_line()
    assert line and "\n" not in line.strip(), f"error of many lines: {line!r}"
    if error.path and error.line:
        path = Path(error.path)
        path = path if path.is_absolute() else folder / path
        if path.is_file():
            try:
                lines = SourceFile.from_bytes(error.path, path.read_bytes()).index.line_count
            except SourceError:
                return
            assert error.line <= lines, f"{line}: the file has {lines} lines"


def _compare_with_compose(folder: Path) -> None:
    from tests.compose_oracle import Case, compare, run_oracle, run_ours

    case = Case(id="fuzz", root=folder.resolve(), env=())
    expected = run_oracle(case)
    assert expected.kind != "unknown", f"an oracle error classify() does not know: {expected}"
    problems = compare(expected, run_ours(case))
    assert not problems, "\n".join(problems)


# --- the harnesses' table -------------------------------------------------------------------------


TARGETS: dict[str, Callable[[bytes], None]] = {
    "dockerfile": check_dockerfile,
    "shell": check_shell,
    "gunicorn_args": check_gunicorn_args,
    "compose": check_compose,
    "context_readers": check_context_readers,
    "fix": check_fix,
}
