"""Inputs the fuzzers (fuzz/) found, each a plain test from then on.

Each test runs the fuzz target's own check (``fuzz.targets``) on the input as found (shrunk with
fuzz/minimize.py), and where it helps also says what the package must do. A test marked
``xfail(strict=True)`` is a bug not fixed yet: it fails as soon as the fix lands, so that its mark
is removed with it and the test keeps the bug fixed. The Compose tests compare with Docker
Compose itself, as fuzz_compose.py --oracle found them, and are skipped without it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from dockerlint_django.readers.django_settings import read_settings
from dockerlint_django.source import SourceFile
from dockerlint_django.testing import fix_text, lint_text
from fuzz.targets import check_context_readers, check_fix
from tests.compose_oracle import Case, compare, run_oracle, run_ours, unavailable_reason

# --- the fixer ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # Found as b'FROM\nRUN apt update "' and b'FROM\nRUN apt update `' (fuzz_fix.py).
        'FROM debian\nRUN apt-get update "\n',
        "FROM debian\nRUN apt-get update `\n",
        "FROM debian\nRUN apt-get update && apt-get install -y curl '\n",
        "FROM debian\nRUN apt-get update $(\n",
        # Found again by the campaign (tests/test_fuzz_campaign.py), shrunk: a quote opened in
        # the middle of a command, the removal already written inside it.
        'FROM debian\nRUN apt-get update && apt-ge"t install -y curl \\\n'
        "    && rm -rf /var/lib/apt/lists/*\n",
    ],
)
def test_apt_lists_fix_is_not_offered_where_the_shell_text_is_open(text: str) -> None:
    # The appended `&& rm -rf /var/lib/apt/lists/*` lands inside the open quote, so the finding
    # stays and the fix is offered again on every pass: `fix` gives up ("its fixes do not
    # converge") on a file that `check` calls fixable.
    (finding,) = [f for f in lint_text(text, ["DJ102"]).findings if f.code == "DJ102"]
    assert finding.fix is None
    fixed, converged = fix_text(text, ["DJ102"])
    assert converged and fixed == text
    check_fix(text.encode(), unsafe=False)
    check_fix(text.encode(), unsafe=True)


# --- the readers of build-context files ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        b"DEBUG = 1if True else 0\n",  # SyntaxWarning: invalid decimal literal
        b'PATTERN = "\\d+"\n',  # an invalid escape: DeprecationWarning, SyntaxWarning from 3.12
    ],
)
def test_context_readers_print_no_python_warnings(text: bytes) -> None:
    # `check` printed "app/settings.py:1: SyntaxWarning: invalid decimal literal" and the line
    # on stderr, for a settings module Django itself imports without a word.
    check_context_readers(text)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="open: each path a settings import reaches through a symlinked folder is read and "
    "parsed again (readers/django_settings.py _Reader.run_file, module_scope)",
)
def test_settings_read_through_folders_linked_to_themselves_stay_bounded() -> None:
    # A build context with `app/a -> .` and `app/b -> .` (symlinks to their own folder) and
    # `from .a import *` and `from .b import *` in app/settings.py and app/__init__.py: every
    # `app/a/b/a/.../__init__.py` is a new path holding the same text, so the reader reads
    # and parses 25,000 files before the evaluation budget stops it (a minute for a 60 KB
    # settings module, which is within MAX_SOURCE_CHARS). Found by fuzz_context_readers.py,
    # then checked through `check` on such a folder.
    text = "from .a import *\nfrom .b import *\nDEBUG = True\n" + "# padding\n" * 100

    def exists(path: str) -> bool:
        # What the folder holds, seen through its links: app/(a|b)/.../{__init__,settings}.py.
        first, *folders, name = path.split("/")
        return first == "app" and set(folders) <= {"a", "b"} and name in _MODULES

    reads: list[str] = []

    def read(path: str) -> SourceFile | None:
        if not exists(path):
            return None
        reads.append(path)
        # Stops the test early; a bounded reader never gets near.
        assert len(reads) <= 1_000, f"{len(reads)} files read, the last {path}"
        return SourceFile.from_text(path, text)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read_settings("app/settings.py", read, project_dir="", exists=exists)


_MODULES = ("__init__.py", "settings.py")


# --- the Compose reader against Docker Compose (fuzz_compose.py --oracle) -------------------------


@pytest.fixture
def compose_oracle() -> None:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)


def _differences(folder: Path, files: dict[str, bytes]) -> list[str]:
    for name, body in files.items():
        (folder / name).write_bytes(body)
    case = Case(id=folder.name, root=folder.resolve())
    expected = run_oracle(case)
    assert expected.kind != "unknown", f"classify() does not know: {expected.detail}"
    return compare(expected, run_ours(case))


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="open: an env file that is not UTF-8 is refused (compose/loader.py _Session.read), "
    "where Compose reads its bytes",
)
@pytest.mark.parametrize(
    "env",
    [
        b"A=\xe1\nB=a\n",  # Compose loads the project, A a byte that is no character
        b"A=1\nC\xff\xffote=x\n",  # Compose refuses it, as a dotenv syntax error (interpolation)
    ],
)
def test_env_file_that_is_not_utf8_is_read_as_compose_reads_it(
    compose_oracle: None, tmp_path: Path, env: bytes
) -> None:
    compose = b"services:\n  svc:\n    image: busybox\n    env_file: a.env\n"
    assert not _differences(tmp_path, {"compose.yaml": compose, "a.env": env})


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="open: every YAML document is parsed before the first is validated "
    "(compose/loader.py _Session.documents); compose-go decodes and validates one at a time",
)
def test_an_invalid_first_document_is_reported_before_a_syntax_error_after_it(
    compose_oracle: None, tmp_path: Path
) -> None:
    # go-yaml ends the first document at `c:` (less indented than ` a:`), and Compose rejects
    # that document's key `a` before it reads on: a schema error, where we report the syntax.
    assert not _differences(tmp_path, {"compose.yaml": b" a: 1\nc: 2\n"})


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="open: tests/compose_oracle.py classify() does not know "
    "'extends.<service>.service is required'",
)
def test_extends_without_a_service_is_an_error_of_a_known_kind(
    compose_oracle: None, tmp_path: Path
) -> None:
    compose = b"services:\n  a:\n    extends:\n      file: b.yaml\n"
    assert not _differences(tmp_path, {"compose.yaml": compose})
