"""Start-up: what a run imports and compiles before it lints, and the generated data that spares it.

A pre-commit hook or an editor runs the linter once a file, so start-up is most of a run. These
tests keep the work a run does not need out of it: modules it does not use (the Compose reader,
the template engine, the context readers, ``difflib``), regular expressions compiled at import,
TOML parsed on every run, rule modules imported to learn what a selection means. They also keep
the data that replaces such work (``rules/_index.py``, ``dockerfile/_base_images.py``) equal to
what it stands for, and the record classes' first-calls ``__init__`` equal to the compiled one.
"""

from __future__ import annotations

import fnmatch
import pickle
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from dockerlint_django._record import MISSING, LazyPattern, field, record
from dockerlint_django.dockerfile import _base_images, images
from dockerlint_django.rules import _index
from dockerlint_django.rules._pages import index_module

DOCKERFILE = (
    "FROM python:3.12-slim\n"
    "WORKDIR /app\n"
    "COPY requirements.txt .\n"
    "RUN pip install -r requirements.txt\n"
    "COPY . .\n"
    "USER nobody\n"
    "EXPOSE 8000\n"
    "ENV WEB_CONCURRENCY=2\n"
    'CMD ["gunicorn", "app.wsgi", "--bind", "0.0.0.0:8000", "--threads", "2",'
    ' "--worker-tmp-dir", "/dev/shm", "--name", "app"]\n'
)


def _modules_after(code: str, cwd: Path) -> set[str]:
    """The modules imported by ``code`` run in a fresh interpreter (it prints nothing else)."""
    script = code + "\nimport sys\nprint('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, check=True
    )
    return set(done.stderr.split())


def _project(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    (tmp_path / "requirements.txt").write_text("django==5.1\ngunicorn==23.0.0\n", encoding="utf-8")
    return tmp_path


# What a check of a plain Dockerfile never needs: each is imported only by the run that uses it.
NOT_FOR_A_DOCKERFILE = (
    "dockerlint_django.compose",  # a Compose file
    "dockerlint_django.deployments",
    "dockerlint_django.service",
    "dockerlint_django.project.deployment",
    "dockerlint_django.project.view",
    "dockerlint_django.templates.render",  # a cookiecutter template, or `{` in the file
    "dockerlint_django.readers.gunicorn_config",  # a Gunicorn config file in the build context
    "dockerlint_django.readers.django_settings",  # the project's settings module
    "dockerlint_django.formatters.json_format",  # the other report formats
    "dockerlint_django.formatters.sarif",
    "jinja2",
    "yaml",
    "tomllib",  # a pyproject.toml or Pipfile to read
    "shlex",  # fixes that quote or split shell words
)
# Beyond those, what the lint itself (below the command line) never needs. (unicodedata is for
# text outside ASCII in a report; the command line's modules are left out for it because
# compiling a `\N{…}` escape imports it, as a run from sources without bytecode does.)
NOT_FOR_THE_LINT = (*NOT_FOR_A_DOCKERFILE, "unicodedata", "difflib", "json")


def _unwanted(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_linting_a_dockerfile_imports_only_what_it_uses(tmp_path: Path) -> None:
    code = (
        "from pathlib import Path\n"
        "from dockerlint_django.config import Config\n"
        "from dockerlint_django.engine import Options, lint_path\n"
        "result = lint_path(Path('Dockerfile'), 'Dockerfile', Options(Config()))\n"
        "assert result.error is None and result.findings, result\n"
    )
    modules = _modules_after(code, _project(tmp_path))
    assert "dockerlint_django.rules.dj010_gunicorn_workers_hardcoded" in modules  # it did lint
    assert _unwanted(modules, NOT_FOR_THE_LINT) == []


def test_checking_a_dockerfile_imports_only_what_it_uses(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from dockerlint_django.cli import main\n"
        "sys.argv = ['dockerlint-django', 'check', '--exit-zero', 'Dockerfile']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
    )
    modules = _modules_after(code, _project(tmp_path))
    assert _unwanted(modules, NOT_FOR_A_DOCKERFILE) == []
    assert "json" not in modules  # a text report: only JSON reports and listings import it
    assert "dockerlint_django.cli.info" not in modules  # `rule`, `parse`, `init`: when asked for


def _passes(code: str) -> None:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_commands_imported_when_asked_for_are_listed_and_run() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from dockerlint_django.cli import cli\n"
        "assert 'dockerlint_django.cli.info' not in sys.modules\n"
        "listed = CliRunner().invoke(cli, ['--help']).output\n"
        "assert all(f'  {c} ' in listed for c in ('rule', 'parse', 'init')), listed\n"
        "shown = CliRunner().invoke(cli, ['rule', 'DJ001'])\n"
        "assert shown.exit_code == 0 and 'DJ001' in shown.output, shown.output\n"
    )
    _passes(code)


def test_a_mistyped_command_is_told_of_a_command_imported_later() -> None:
    code = (
        "from click.testing import CliRunner\n"
        "from dockerlint_django.cli import cli\n"
        "done = CliRunner().invoke(cli, ['rul'])\n"
        "assert done.exit_code == 2, done.output\n"
        "assert \"Did you mean 'rule'?\" in done.output, done.output\n"
    )
    _passes(code)


def test_the_commands_imported_later_are_every_command_of_their_module() -> None:
    code = (
        "from dockerlint_django.cli import cli\n"
        "from dockerlint_django.cli._common import _LATER\n"
        "before = set(cli.commands)\n"
        "import dockerlint_django.cli.info\n"
        "added = set(cli.commands) - before\n"
        "assert added == {c for c, m in _LATER.items() if m == 'info'}, added\n"
    )
    _passes(code)


def test_a_selection_is_known_without_importing_rules(tmp_path: Path) -> None:
    # The registry's index answers names, hadolint codes, BuildKit checks, defaults and which
    # rules check images; only the rules a run then runs are imported.
    code = (
        "from dockerlint_django import rules as registry\n"
        "from dockerlint_django.config import from_mapping\n"
        "cfg = from_mapping({'select': ['shell-form-server-command', 'DL3025', 'DJ00'],\n"
        "                    'ignore': ['DJ002', 'DJ003', 'DJ004', 'DJ005', 'DJ006', 'DJ007']},\n"
        "                   None)\n"
        "assert cfg.enabled_codes() == {'DJ001'}, cfg.enabled_codes()\n"
        "assert registry.by_buildkit()['JSONArgsRecommended'] == ('DJ001',)\n"
        "assert registry.by_hadolint()['DL3002'] == ('DJ030',)\n"
        "import sys\n"
        "assert not [m for m in sys.modules if m.startswith('dockerlint_django.rules.dj')]\n"
        "registry.image_rules(cfg.enabled_codes())\n"
    )
    modules = _modules_after(code, tmp_path)
    rules = sorted(m for m in modules if m.startswith("dockerlint_django.rules.dj"))
    assert rules == ["dockerlint_django.rules.dj001_shell_form_server_command"]


def test_modules_that_a_check_imports_compile_no_pattern_at_import(tmp_path: Path) -> None:
    # Patterns are compiled on first use (``LazyPattern``): a run pays only for those it uses.
    # Modules not yet converted are listed; the list may only shrink.
    not_yet = {
        "dockerlint_django.dockerfile._json",
        "dockerlint_django.dockerfile._shlex",
        "dockerlint_django.dockerfile._words",
        "dockerlint_django.dockerfile.model",
        "dockerlint_django.dockerfile.parser",
        "dockerlint_django.engine",
        "dockerlint_django.shell.syntax",
        "dockerlint_django.source",
        "dockerlint_django.suppress",
    }
    code = (
        "import re, sys\n"
        "compiled = set()\n"
        "real = re._compile\n"
        "def spy(pattern, flags):\n"
        "    frame = sys._getframe(1)\n"
        "    while frame.f_code.co_filename == real.__code__.co_filename:\n"
        "        frame = frame.f_back\n"
        "    if frame.f_code.co_name == '<module>':\n"
        "        compiled.add(frame.f_globals['__name__'])\n"
        "    return real(pattern, flags)\n"
        "re._compile = spy\n"
        "from dockerlint_django.cli import main\n"
        "from dockerlint_django import rules\n"
        "rules.all_rules()\n"
        "import dockerlint_django.readers.requirements, dockerlint_django.readers.pyproject\n"
        "import dockerlint_django.readers.gunicorn_config, dockerlint_django.discover\n"
        "import dockerlint_django.formatters.junit, dockerlint_django.service\n"
        "for name in sorted(compiled):\n"
        "    if name.startswith('dockerlint_django'):\n"
        "        print(name)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert set(done.stdout.split()) - not_yet == set()


def test_a_lazy_pattern_is_the_compiled_pattern() -> None:
    pattern = LazyPattern(r"(?P<word>[a-z]+)(\d)?", re.IGNORECASE)
    compiled = re.compile(pattern.pattern, pattern.flags)
    for text in ("Ab1 cd", "", "12 x9"):
        found, expected = pattern.search(text), compiled.search(text)
        assert (found and found.span(), found and found.groups()) == (
            expected and expected.span(),
            expected and expected.groups(),
        )
        assert pattern.sub("-", text) == compiled.sub("-", text)
        assert pattern.split(text) == compiled.split(text)
        assert pattern.findall(text) == compiled.findall(text)
    assert pattern.groups == 2
    # Compiled once: afterwards the methods are the compiled pattern's own.
    assert pattern.match.__self__ is pattern.compiled()  # type: ignore[attr-defined]


# -- generated data ---------------------------------------------------------------------------


def test_the_rule_index_is_current() -> None:
    committed = Path(_index.__file__).read_text(encoding="utf-8")
    assert committed == index_module(), "run: python -m dockerlint_django.rules._pages"


def test_the_base_image_module_is_the_toml() -> None:
    text = images.DATA_PATH.read_text(encoding="utf-8")
    assert Path(_base_images.__file__).read_text(encoding="utf-8") == images.data_module(text), (
        "run: python -m dockerlint_django.dockerfile.images"
    )
    # Key order too: the first entry that names an image wins.
    assert repr(_base_images.DOC) == repr(tomllib.loads(text))
    # A run trusts the module unchecked: the TOML it comes from passes every check.
    images.load(text)


def test_the_base_image_module_would_fail_on_a_changed_table() -> None:
    text = images.DATA_PATH.read_text(encoding="utf-8")
    changed = text.replace('names = ["python"]', 'names = ["python", "pypy"]', 1)
    assert changed != text
    assert images.data_module(changed) != Path(_base_images.__file__).read_text(encoding="utf-8")


def _table_globs() -> set[str]:
    globs: set[str] = set()
    for entry in _base_images.DOC["image"]:
        for part in [entry, *entry.get("variant", [])]:
            globs.update(part.get("names", ()))
            globs.update(part.get("tags", ()))
            globs.update(part.get("steps_down", {}).get("commands", ()))
    return globs


GLOB_TEXTS = [
    "", "python", "3.12-slim", "3.12-alpine3.20", "2", "2.7-alpine", "latest", "nonroot",
    "registry.access.redhat.com/ubi9/python-311", "registry.access.redhat.com/ubi10",
    "registry.redhat.io/ubi8", "gcr.io/distroless/python3-debian12", "-x", "postgres",
    "windowsservercore-ltsc2022", "a*b", "alpine", "ab", "abab", "aXbXb", "3.12-python-alpine",
]  # fmt: skip


@pytest.mark.parametrize("pattern", sorted(_table_globs() | {"*", "**", "a*b*b", "a*", "*a", "a"}))
def test_image_globs_match_as_fnmatch_does(pattern: str) -> None:
    for text in GLOB_TEXTS:
        assert images._glob(text, pattern) == fnmatch.fnmatchcase(text, pattern), (text, pattern)


# -- records ----------------------------------------------------------------------------------


@record
class _Shapes:
    a: int
    b: list[int] = field(default_factory=list)
    c: str = "c"
    d: tuple[int, ...] = field(default=(), kw_only=True)
    e: list[str] = field(default_factory=list, kw_only=True)
    f: int = field(init=False, default=6)
    g: dict[str, int] = field(init=False, default_factory=dict)
    h: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "h", self.a + len(self.b))


@record(frozen=False)
class _Open:
    x: int
    y: list[int] = field(default_factory=list)


CALLS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    ((1,), {}),
    ((1, [2]), {}),
    ((1, [2], "z"), {"d": (4,), "e": ["e"]}),
    ((), {"a": 1, "c": "k"}),
    ((1,), {"b": MISSING}),  # MISSING asks for the factory, as in the compiled __init__
    ((1,), {"e": MISSING}),
]
BAD_CALLS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    ((), {}),
    ((1, [], "c", ()), {}),
    ((1,), {"a": 2}),
    ((1,), {"f": 3}),
    ((1,), {"nope": 3}),
]


def _fresh(cls: type) -> type:
    # A record class whose __init__ has not run yet (its first calls bind arguments themselves).
    return record(frozen=cls is _Shapes)(
        type(cls.__name__, (), {"__annotations__": dict(cls.__annotations__), **_defaults(cls)})
    )


def _defaults(cls: type) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in cls.__record_fields__:  # type: ignore[attr-defined]
        if f.factory is not None:
            out[f.name] = field(
                default_factory=f.factory, init=f.init, kw_only=f.kw_only, compare=f.compare
            )
        elif f.default is not MISSING:
            out[f.name] = field(
                default=f.default, init=f.init, kw_only=f.kw_only, compare=f.compare
            )
        else:
            out[f.name] = field(init=f.init, kw_only=f.kw_only, compare=f.compare)
    if "__post_init__" in cls.__dict__:
        out["__post_init__"] = cls.__dict__["__post_init__"]
    return out


@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_a_records_first_calls_bind_as_its_compiled_init(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    early = _fresh(_Shapes)(*args, **kwargs)
    compiled = _fresh(_Shapes)
    source, namespace = _init_source(compiled)
    exec(source, namespace)
    late: Any = object.__new__(compiled)
    namespace["__init__"](late, *args, **kwargs)
    assert list(vars(early).items()) == list(vars(late).items())


def _init_source(cls: type) -> tuple[str, dict[str, Any]]:
    from dockerlint_django._record import _init_source as source_of

    return source_of(cls, list(cls.__record_fields__), cls is not _Open)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("args", "kwargs"), BAD_CALLS)
def test_a_records_first_calls_refuse_what_python_refuses(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    cls = _fresh(_Shapes)
    with pytest.raises(TypeError) as early:
        cls(*args, **kwargs)
    with pytest.raises(TypeError) as late:
        cls(*args, **kwargs)  # now the compiled __init__
    assert str(early.value) == str(late.value)
    assert f"{cls.__qualname__}.__init__()" in str(early.value)


def test_a_record_compiles_its_init_after_its_first_calls() -> None:
    cls = _fresh(_Open)
    stand_in = cls.__dict__["__init__"]
    made = [cls(i, [i]) for i in range(200)]
    assert cls.__dict__["__init__"] is not stand_in
    assert [(m.x, m.y) for m in made] == [(i, [i]) for i in range(200)]
    made[0].x = 5  # not frozen
    assert made[0].x == 5


def test_records_pickle_equal_before_and_after_their_init_compiles() -> None:
    from dockerlint_django.config import Config
    from dockerlint_django.engine import Options, lint_source
    from dockerlint_django.source import SourceFile

    result = lint_source(SourceFile.from_text("Dockerfile", DOCKERFILE), Options(Config()))
    assert result.findings
    for finding in result.findings:
        again = pickle.loads(pickle.dumps(finding))
        assert again == finding and vars(again) == vars(finding)
    fresh = _fresh(_Shapes)(1, [2], d=(3,))
    copied = pickle.loads(pickle.dumps(_Shapes(1, [2], d=(3,))))
    assert vars(copied) == vars(fresh)
