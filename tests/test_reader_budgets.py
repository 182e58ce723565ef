"""Hostile Python context files: the AST readers (Gunicorn config, Django settings) and the
Gunicorn option parser stay bounded in time and memory, and what they cannot afford is unknown.

Costs are compared as the readers' own count of evaluated nodes (``evaluated``), which is
deterministic; wall-clock bounds are generous and only there to turn a hang into a failure.
"""

from __future__ import annotations

import inspect
import textwrap
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from dockerlint_django import gunicorn
from dockerlint_django.cli import cli
from dockerlint_django.gunicorn import parse_args
from dockerlint_django.readers import django_settings, gunicorn_config
from dockerlint_django.readers.django_settings import (
    DjangoSettings,
    load_settings,
    read_settings,
    uses_manifest_storage,
)
from dockerlint_django.readers.gunicorn_config import GunicornConfig, read_config
from dockerlint_django.shell.syntax import WordLike, shell_split
from dockerlint_django.source import Mapped, SourceFile
from tests.conftest import corpus_file, corpus_rows

SECONDS = 5.0  # far above what any case needs (a few tenths), far below a hang

G_BUDGET = gunicorn_config.MAX_EVALUATED_NODES
S_BUDGET = django_settings.MAX_EVALUATED_NODES


@contextmanager
def quick() -> Iterator[None]:
    start = time.process_time()
    yield
    assert time.process_time() - start < SECONDS


def gconf(text: str) -> GunicornConfig:
    with quick():
        return read_config(SourceFile.from_text("gunicorn.conf.py", text))


def settings(text: str, **others: str) -> DjangoSettings:
    files = {"app/settings.py": text} | others

    def read(path: str) -> SourceFile | None:
        body = files.get(path)
        return None if body is None else SourceFile.from_text(path, body)

    def exists(path: str) -> bool:
        return path in files

    with quick():
        return read_settings("app/settings.py", read, exists=exists)


def nested(kinds: list[str], depth: int, body: str) -> str:
    """``body`` inside ``depth`` nested blocks, cycling through ``kinds``."""
    heads = {
        "try": "try:",
        "for": "for i{i} in range(1000):",
        "while": "while True:",
        "if": "if x{i}:",
        "with": "with x{i}:",
    }
    lines: list[str] = []
    for i in range(depth):
        lines.append("    " * i + heads[kinds[i % len(kinds)]].format(i=i))
    lines.append("    " * depth + body)
    for i in reversed(range(depth)):
        if kinds[i % len(kinds)] == "try":
            lines += ["    " * i + "except Exception:", "    " * i + "    pass"]
    return "\n".join(lines) + "\n"


def doubling(step: str, times: int = 60) -> str:
    return '@ = "ab"\n' + f"{step}\n" * times


# Each makes work or a value that grows exponentially, or is plain huge: (name, text), where
# "@" is the setting assigned (``workers``, ``STATIC_ROOT``).
HOSTILE: list[tuple[str, str]] = [
    ("f-string doubling", doubling('@ = f"{@}{@}"')),
    ("concatenation doubling", doubling("@ = @ + @")),
    ("augmented doubling", doubling("@ += @")),
    ("tuple doubling", "@ = (1,)\n" + "@ = (@, @)\n" * 60),
    ("dict doubling", "@ = {}\n" + '@ = {"a": @, "b": @}\n' * 60),
    ("default nesting", "import os\n@ = '/x'\n" + "@ = os.getenv('A', @)\n" * 3000),
    ("repetition", "@ = 'x' * 10**9"),
    ("power tower", "@ = 10 ** 10 ** 10"),
    ("percent padding", '@ = "%*s" % (10**9, "")'),
    ("list repetition", "@ = [0] * 10**9"),
    ("format padding", '@ = "{:1000000000}".format(1)'),
    ("parentheses", "@ = " + "(" * 10_000 + "1" + ")" * 10_000),
    ("long sum", "@ = " + "+".join(["1"] * 100_000)),
    ("deep attribute chain", "@ = os.environ" + ".b" * 2_900 + ".get('X')"),
    ("deep subscripts", "@ = a" + "[0]" * 2_900),
    ("10,000 nested ifs", "".join(" " * i + f"if x{i}:\n" for i in range(10_000)) + "@ = 1\n"),
    (
        "10,000 elifs",
        "if x:\n    @ = 0\n" + "".join(f"elif x{i}:\n    @ = 1\n" for i in range(10_000)),
    ),
    ("huge literal list", "@ = [" + ",".join(["'a'"] * 1_000_000) + "]"),
    ("big literal list", "@ = [" + ",".join(["'a'"] * 50_000) + "]"),
    ("big literal dict", "@ = {" + ",".join(f"'k{i}': {i}" for i in range(50_000)) + "}"),
    ("one long line", "a = 1;" * 60_000 + "\n@ = 'x'"),
    ("one long non-ASCII line", "é = 1;" * 30_000 + "\n@ = 'x'"),
    (
        "names and branches",
        "".join(f"a{i} = {i}\n" for i in range(2_000)) + "if x:\n b = 1\n" * 500,
    ),
    ("14 nested try", nested(["try"], 14, "@ = 2")),
    ("8 nested for", nested(["for"], 8, "@ = 1")),
    ("14 nested for/while/try", nested(["for", "while", "try"], 14, "@ = 3")),
    ("60 nested for/while/try", nested(["for", "while", "try"], 60, "@ = 3")),
    ("loop-carried, 40 deep", "@ = 0\n" + nested(["for"], 40, "@ = @ + 1")),
    ("parents", "from pathlib import Path\n@ = Path(__file__).resolve().parents[10**12]"),
    ("parents literal", "from pathlib import Path\n@ = Path(__file__).parents[1000000000000]"),
]


@pytest.mark.parametrize(("name", "text"), HOSTILE, ids=[n for n, _ in HOSTILE])
def test_hostile_gunicorn_config_is_unknown(name: str, text: str) -> None:
    config = gconf(text.replace("@", "workers"))
    assert config.unknown or not config.settings["workers"].known
    assert config.evaluated <= 2 * G_BUDGET  # stops at the first step past the budget


@pytest.mark.parametrize(("name", "text"), HOSTILE, ids=[n for n, _ in HOSTILE])
def test_hostile_settings_are_unknown(name: str, text: str) -> None:
    result = settings(text.replace("@", "STATIC_ROOT"))
    assert not result.static_root.known
    assert result.evaluated <= 2 * S_BUDGET


def test_budget_exhausted_makes_the_whole_config_unknown() -> None:
    # 2,000 names copied into both branches of 500 ifs: 4 million copies, over the budget.
    text = "workers = 4\n" + "".join(f"a{i} = {i}\n" for i in range(2_000))
    config = gconf(text + "if x:\n    b = 1\n" * 500)
    assert config.evaluated > G_BUDGET
    assert config.unknown and config.error is None  # Gunicorn itself may load it fine
    assert config.settings == {}
    # The same file with ten branches is read in full.
    small = gconf(text + "if x:\n    b = 1\n" * 10)
    assert not small.unknown and small.settings["workers"].value == 4


def test_budget_exhausted_makes_the_whole_settings_unknown() -> None:
    text = "DEBUG = False\n" + "".join(f"a{i} = {i}\n" for i in range(2_000))
    result = settings(text + "if x:\n    b = 1\n" * 500)
    assert result.evaluated > S_BUDGET
    assert result.error is not None and "budget" in result.error.message
    assert result.debug.state == "unknown"
    small = settings(text + "if x:\n    b = 1\n" * 10)
    assert small.error is None and small.debug.value is False


def test_values_over_the_size_bound_are_unknown_not_truncated() -> None:
    limit = gunicorn_config._MAX_SIZE
    config = gconf(f'workers = "x" * {limit}\nproc_name = "x" * {limit + 1}\n')
    assert config.settings["workers"].value == "x" * limit
    assert not config.settings["proc_name"].known
    limit = django_settings.MAX_VALUE_SIZE
    fits = settings(f'STATIC_ROOT = "/" + "{"x" * (limit - 1)}"\n')
    assert fits.static_root.known
    assert fits.static_root.value is not None and len(fits.static_root.value.path) == limit
    over = settings(f'STATIC_ROOT = "/" + "{"x" * limit}"\n')
    assert over.static_root.state == "unknown"


def test_oversized_files_are_unknown_without_parsing() -> None:
    big = "workers = 2\n" + "#" * gunicorn_config.MAX_SOURCE_CHARS
    config = gconf(big)
    assert config.unknown and config.error is None and config.evaluated == 0
    result = settings("DEBUG = False\n" + "#" * django_settings.MAX_SOURCE_CHARS)
    assert result.error is not None and result.debug.state == "unknown"


def cost(read: Callable[[str], int], make: Callable[[int], str], n: int) -> tuple[int, int]:
    return read(make(n)), read(make(2 * n))


def gconf_cost(text: str) -> int:
    return gconf(text).evaluated


def settings_cost(text: str) -> int:
    return settings(text).evaluated


GROWTH: list[tuple[str, list[str], float]] = [
    # Reading a ``try`` body once for both outcomes makes nesting linear (it was 2**depth).
    ("try", ["try"], 2.5),
    ("if", ["if"], 2.5),
    ("with", ["with"], 2.5),
    # A loop body is read twice only when it reads what its first pass changed; the
    # environment grows with the loop variables, hence quadratic (it was 2**depth).
    ("for", ["for"], 5.0),
    ("while", ["while"], 5.0),
    ("mixed", ["for", "while", "try"], 5.0),
]


@pytest.mark.parametrize(("name", "kinds", "ratio"), GROWTH, ids=[g[0] for g in GROWTH])
def test_nesting_cost_is_polynomial(name: str, kinds: list[str], ratio: float) -> None:
    for read, body in ((gconf_cost, "workers = 3"), (settings_cost, "STATIC_ROOT = 3")):
        small, large = read(nested(kinds, 12, body)), read(nested(kinds, 24, body))
        assert small > 0 and large <= ratio * small, (small, large)
        assert large < min(G_BUDGET, S_BUDGET) // 5


def test_loop_carried_values_stay_exact() -> None:
    # The second pass still runs where it matters: a value carried across iterations.
    config = gconf("x = 1\nworkers = 1\nfor i in r:\n    workers = x\n    x = 2\n")
    assert not config.settings["workers"].known
    # ... and a body that reads nothing the first pass changed keeps what is known.
    config = gconf("threads = 2\nfor i in r:\n    workers = threads\n")
    assert config.settings["threads"].value == 2
    assert not config.settings["workers"].known  # the loop may not run


def test_doubling_cost_is_bounded() -> None:
    # Linear in the number of lines: the value stops growing (as unknown) at the size bound.
    step = "@ = @ + @"
    small, large = cost(gconf_cost, lambda n: doubling(step, n).replace("@", "workers"), 40)
    assert large <= 2.5 * small
    step = '@ = f"{@}{@}"'
    small, large = cost(settings_cost, lambda n: doubling(step, n).replace("@", "STATIC_ROOT"), 40)
    assert large <= 2.5 * small


def test_corpus_configs_are_far_below_the_budget() -> None:
    # Room to spare: a legitimate config never comes near giving up.
    for row in corpus_rows("gunicorn-config"):
        path = corpus_file(row["local_file"])
        config = read_config(SourceFile.from_text(path.name, path.read_text(encoding="utf-8")))
        assert config.evaluated < G_BUDGET // 20, path


@pytest.mark.parametrize("module", [gunicorn_config, django_settings, gunicorn])
def test_bounds_are_documented(module: ModuleType) -> None:
    doc = inspect.getdoc(module) or ""
    source = inspect.getsource(module)
    names = (
        ["MAX_LISTED_FLAGS"] if module is gunicorn else ["MAX_EVALUATED_NODES", "MAX_SOURCE_CHARS"]
    )
    for name in names:
        value = getattr(module, name)
        assert isinstance(value, int) and value > 0
        # Declared with a comment saying why, right above it.
        before = source.split(f"\n{name} = ", 1)[0].rstrip().splitlines()[-1]
        assert before.startswith("#"), name
        if module is not gunicorn:
            assert name in doc, name


def test_storage_class_search_reads_each_class_once() -> None:
    # Each class has ten bases, all the next one: 10**8 paths through eight levels.
    classes = "".join(f"class C{i}({', '.join([f'C{i + 1}'] * 10)}):\n    pass\n" for i in range(9))
    files = {
        "app/settings.py": 'STORAGES = {"staticfiles": {"BACKEND": "app.storage.C0"}}\n',
        "app/storage.py": classes + "class C9(Unknown):\n    pass\n",
    }
    reads: list[str] = []

    def read(path: str) -> SourceFile | None:
        reads.append(path)
        body = files.get(path)
        return None if body is None else SourceFile.from_text(path, body)

    def exists(path: str) -> bool:
        return path in files

    with quick():
        result = read_settings("app/settings.py", read, exists=exists)
        assert uses_manifest_storage(result, read, exists=exists) is None
    assert reads.count("app/storage.py") == 1


# --------------------------------------------------------------------------------------------
# the option parser


def words(line: str) -> Sequence[WordLike]:
    return shell_split(Mapped.from_source(line, 0), dialect="shlex").words


def test_long_combined_flags_are_linear_and_few() -> None:
    # (A megabyte would do as well, but the shell splitting before the parser takes seconds.)
    for n in (10_000, 100_000):
        with quick():
            args = parse_args(words(f"-{'DR' * n}w3 app"))
        assert len(args.options) <= gunicorn.MAX_LISTED_FLAGS + 4
        workers = args.last("workers")
        assert workers is not None and workers.value == "3"
        daemon = args.last("daemon")
        assert daemon is not None and daemon.value is True
        # The flag listed last is the last one written.
        assert daemon.option_span.start == 2 * n - 1
    # Short combinations are listed one by one, as before.
    args = parse_args(words("-DRDw3 app"))
    assert [o.option for o in args.options] == ["-D", "-R", "-D", "-w"]


def test_messages_quote_a_bounded_part_of_hostile_words() -> None:
    args = parse_args(words(f"--workers={'9' * 100_000} --{'x' * 100_000} app"))
    assert args.errors
    assert all(len(e.message) < 1_000 for e in args.errors)


# --------------------------------------------------------------------------------------------
# nothing from the project is executed or imported


def test_check_never_executes_or_imports_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "MARKER"
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / ".git").mkdir()
    payload = textwrap.dedent(
        f"""\
        import os
        os.system("touch {marker}")
        open({str(marker)!r}, "w").write(__name__)
        __import__("subprocess").run(["touch", {str(marker)!r}])
        exec("open({str(marker)!r}, 'w')")
        """
    )
    files = {
        "Dockerfile": textwrap.dedent(
            """\
            FROM python:3.12 AS build
            WORKDIR /app
            COPY . /app
            RUN python manage.py collectstatic --noinput

            FROM python:3.12
            WORKDIR /app
            COPY . /app
            CMD ["gunicorn", "app.wsgi"]
            """
        ),
        "manage.py": payload + 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")\n',
        "app/__init__.py": payload,
        "app/sibling.py": payload,
        "app/other.py": payload,
        "app/wsgi.py": payload,
        "app/settings.py": payload
        + "from .sibling import *\nfrom app import other\nimport app.wsgi\n"
        + 'STORAGES = {"staticfiles": {"BACKEND": "app.storage.Storage"}}\n',
        "app/storage.py": payload + "class Storage(ManifestStaticFilesStorage):\n    pass\n",
        "gunicorn.conf.py": payload + "workers = 4\n",
    }
    for name, text in files.items():
        (project / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(project)
    result = CliRunner().invoke(cli, ["check", "--format", "concise", "."])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert not marker.exists()
    # The files were read all the same: the settings' manifest storage (found through the
    # storage module) makes DJ040 an error, and the config's workers silence DJ011.
    assert "DJ040 [error]" in result.output
    assert "DJ011" not in result.output
    loaded = load_settings(
        lambda p: (project / p).is_file(),
        lambda p: SourceFile.from_text(p, (project / p).read_text(encoding="utf-8")),
        settings_module=None,
        project_dir="",
    )
    assert loaded is not None and "app/sibling.py" in loaded[1].files
    assert not marker.exists()
