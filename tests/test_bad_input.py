"""The bad-input matrix: every kind of broken, hostile or odd input, through the command line as
CI runs it on a pull request.

Each case says exactly what a user sees: the one error (or warning) line, the exit code (2 for an
input error), and that the good Dockerfile beside the bad input is still checked. The process runs
with its address space capped and under a timeout, so a hang or a memory blow-up fails the test
instead of the machine.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_compose_hostile import SECONDS, _check

GOOD = "FROM python:3.12\nCMD gunicorn app.wsgi\n"
ERROR = "dockerlint-django: error: "
WARNING = "dockerlint-django: warning: "


def _run(folder: Path, *args: str, as_user: bool = False) -> tuple[int, str, str, float]:
    prefix: list[str] = []
    if as_user and os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("root reads any file, and setpriv is not there to drop that power")
        # Root without these two capabilities is held to file modes like any user.
        caps = "-dac_override,-dac_read_search"
        prefix = [setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}"]
    code, out, err, elapsed = _check(folder, *args, prefix=prefix)
    if code != 0 and "setpriv" in err:
        pytest.skip(f"setpriv cannot drop capabilities here: {err}")
    return code, out, err, elapsed


def _lines(err: str, prefix: str) -> list[str]:
    return [line.removeprefix(prefix) for line in err.splitlines() if line.startswith(prefix)]


def _good_still_checked(out: str) -> None:
    assert any(f["filename"] == "ok/Dockerfile" for f in json.loads(out)), out


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)


# --- Dockerfiles that are no Dockerfile, or not one BuildKit reads -----------------------------

# (bytes of bad/Dockerfile, the one error line)
BAD_DOCKERFILES: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "bad/Dockerfile:1: file with no instructions"),
    "only-comments": (b"# one\n# two\n", "bad/Dockerfile:1: file with no instructions"),
    "binary": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "bad/Dockerfile:1: not valid UTF-8 (byte 0)",
    ),
    "invalid-utf8": (
        b"FROM python:3.12\nRUN echo caf\xe9\n",
        "bad/Dockerfile:2: not valid UTF-8 (byte 29)",
    ),
    "utf16-with-bom": (
        "FROM python:3.12\nCMD gunicorn app.wsgi\n".encode("utf-16"),
        "bad/Dockerfile:1: not valid UTF-8 (byte 0)",
    ),
    "ten-megabyte-line": (
        b"FROM python:3.12\nRUN echo " + b"a" * (10 * 1024 * 1024) + b"\n",
        "bad/Dockerfile:2: dockerfile line greater than max allowed size of 65535",
    ),
    "unterminated-heredoc": (
        b"# syntax=docker/dockerfile:1\nFROM python:3.12\nRUN <<EOF\necho hi\n",
        "bad/Dockerfile:3: unterminated heredoc",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_DOCKERFILES))
def test_a_bad_dockerfile_is_one_error_and_the_rest_is_checked(tmp_path: Path, case: str) -> None:
    data, expected = BAD_DOCKERFILES[case]
    _write(tmp_path / "bad" / "Dockerfile", data)
    _write(tmp_path / "ok" / "Dockerfile", GOOD)
    code, out, err, elapsed = _run(tmp_path)
    assert code == 2, err
    assert elapsed < SECONDS
    assert "Traceback" not in err
    assert _lines(err, ERROR) == [expected]
    _good_still_checked(out)


# Inputs BuildKit reads: odd, but Dockerfiles, so they are checked like any other.
ODD_DOCKERFILES: dict[str, bytes] = {
    "nul-bytes": b"FROM python:3.12\x00\nCMD gunicorn\x00 app.wsgi\n",
    "lone-cr": b"FROM python:3.12\rRUN echo a \\\rb\rCMD gunicorn app.wsgi\r",
    "cr-cr-lf": b"FROM python:3.12\r\r\nRUN pip install django\r\r\nCMD gunicorn app.wsgi\r\r\n",
    "unterminated-json-array": b'FROM python:3.12\nCMD ["gunicorn", "app.wsgi"\n',
    "terminal-escapes": b"FROM python:3.12\nRUN echo \x1b]0;pwn\x07\x1b[2J\nCMD gunicorn a.wsgi\n",
    "100000-continuation-lines": b"FROM python:3.12\nRUN echo \\\n"
    + b"  a \\\n" * 100_000
    + b"  b\nCMD gunicorn app.wsgi\n",
}


@pytest.mark.parametrize("case", sorted(ODD_DOCKERFILES))
def test_an_odd_dockerfile_is_checked(tmp_path: Path, case: str) -> None:
    _write(tmp_path / "odd" / "Dockerfile", ODD_DOCKERFILES[case])
    _write(tmp_path / "ok" / "Dockerfile", GOOD)
    code, out, err, elapsed = _run(tmp_path)
    assert code == 1, err
    assert elapsed < SECONDS
    assert "Traceback" not in err
    assert _lines(err, ERROR) == []
    found = json.loads(out)
    assert any(f["filename"] == "odd/Dockerfile" for f in found)
    _good_still_checked(out)
    # No control character of the file reaches the report's text unescaped.
    assert "\x1b" not in err


def test_a_dockerfile_over_the_size_bound_is_one_error(tmp_path: Path) -> None:
    _write(tmp_path / ".dockerlint-django.yaml", "limits:\n  file-size: 100\n")
    _write(tmp_path / "big" / "Dockerfile", "FROM python:3.12\n" + "RUN echo hi\n" * 20)
    _write(tmp_path / "ok" / "Dockerfile", GOOD)
    code, out, err, _ = _run(tmp_path)
    assert code == 2, err
    assert _lines(err, ERROR) == [
        "big/Dockerfile: cannot read: file too large: more than 100 bytes"
    ]
    _good_still_checked(out)


# --- files and folders the search meets, and files named on the command line -----------------


def _broken_link(root: Path) -> None:
    (root / "bad").mkdir()
    (root / "bad" / "Dockerfile").symlink_to("nowhere")


def _link_loop(root: Path) -> None:
    (root / "bad").mkdir()
    (root / "bad" / "Dockerfile").symlink_to("Dockerfile")


def _two_link_loop(root: Path) -> None:
    (root / "bad").mkdir()
    (root / "bad" / "a").symlink_to("Dockerfile")
    (root / "bad" / "Dockerfile").symlink_to("a")


FOUND: dict[str, tuple[Callable[[Path], None], str]] = {
    "broken-link": (_broken_link, "bad/Dockerfile: cannot read: broken symbolic link (to nowhere)"),
    "link-loop": (_link_loop, "bad/Dockerfile: cannot read: symbolic link loop"),
    "two-link-loop": (_two_link_loop, "bad/Dockerfile: cannot read: symbolic link loop"),
}


@pytest.mark.parametrize("case", sorted(FOUND))
def test_a_file_the_search_cannot_read_is_one_error(tmp_path: Path, case: str) -> None:
    make, expected = FOUND[case]
    make(tmp_path)
    _write(tmp_path / "ok" / "Dockerfile", GOOD)
    code, out, err, elapsed = _run(tmp_path)
    assert code == 2, err
    assert elapsed < SECONDS
    assert _lines(err, ERROR) == [expected]
    _good_still_checked(out)


def test_a_fifo_the_search_finds_is_reported_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    os.mkfifo(tmp_path / "bad" / "Dockerfile")
    os.mkfifo(tmp_path / "bad" / "compose.yaml")
    _write(tmp_path / "ok" / "Dockerfile", GOOD)
    code, out, err, elapsed = _run(tmp_path)
    assert code == 1, err
    assert elapsed < SECONDS
    assert _lines(err, ERROR) == []
    assert _lines(err, WARNING) == [
        "bad/Dockerfile: not a regular file (a FIFO), skipped",
        "bad/compose.yaml: not a regular file (a FIFO), skipped",
    ]
    _good_still_checked(out)


def test_links_and_folders_that_loop_do_not_stop_the_search(tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "up").mkdir()
    (tmp_path / "up" / "back").symlink_to("..")
    (tmp_path / "Dockerfile").mkdir()  # a folder named like a Dockerfile is searched, not read
    _write(tmp_path / "ok" / "Dockerfile", GOOD)
    code, out, err, elapsed = _run(tmp_path)
    assert code == 1, err
    assert elapsed < SECONDS
    assert _lines(err, ERROR) == []
    assert _lines(err, WARNING) == []
    assert {f["filename"] for f in json.loads(out)} == {"ok/Dockerfile"}


def test_named_files_that_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "zero").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "broken").symlink_to("nowhere")
    _write(tmp_path / "ok" / "Dockerfile", GOOD)
    code, out, err, elapsed = _run(tmp_path, "zero", "fifo", "broken", "missing", "ok/Dockerfile")
    assert code == 2, err
    assert elapsed < SECONDS
    assert sorted(_lines(err, ERROR)) == [
        "broken: no such file or directory",
        "fifo: cannot read: not a regular file",
        "missing: no such file or directory",
        "zero: cannot read: not a regular file",
    ]
    _good_still_checked(out)


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX file modes")
def test_an_unreadable_file_and_folder(tmp_path: Path) -> None:
    _write(tmp_path / "secret" / "Dockerfile", GOOD)
    _write(tmp_path / "locked" / "Dockerfile", GOOD)
    _write(tmp_path / "ok" / "Dockerfile", GOOD)
    (tmp_path / "secret").chmod(0)
    (tmp_path / "locked" / "Dockerfile").chmod(0)
    try:
        code, out, err, _ = _run(tmp_path, as_user=True)
        named = _run(tmp_path, "locked/Dockerfile", "ok/Dockerfile", as_user=True)
    finally:
        (tmp_path / "secret").chmod(0o755)
        (tmp_path / "locked" / "Dockerfile").chmod(0o644)
    assert code == 2, err
    assert sorted(_lines(err, ERROR)) == [
        "locked/Dockerfile: cannot read: Permission denied",
        "secret: cannot list the folder: Permission denied (`exclude` it to skip it)",
    ]
    _good_still_checked(out)
    # Named on the command line, an unreadable file is an error like any other, not a usage
    # error that checks nothing.
    assert named[0] == 2, named[2]
    assert _lines(named[2], ERROR) == ["locked/Dockerfile: cannot read: Permission denied"]
    _good_still_checked(named[1])


# --- files of the build context ----------------------------------------------------------------


def _context_file(kind: str) -> Callable[[Path], None]:
    def make(app: Path) -> None:
        target = app / "gunicorn.conf.py"
        if kind == "fifo":
            os.mkfifo(target)
        elif kind == "dev-zero":
            target.symlink_to("/dev/zero")
        elif kind == "dev-urandom":
            target.symlink_to("/dev/urandom")
        else:
            target.write_text("bind = '127.0.0.1:8000'\n" + "#" * (5 * 1024 * 1024) + "\n")

    return make


CONTEXT = {
    "fifo": "not a regular file",
    "dev-zero": "not a regular file",
    "dev-urandom": "not a regular file",
    "too-large": "file too large: more than 4,194,304 bytes",
}


@pytest.mark.parametrize("case", sorted(CONTEXT))
def test_a_context_file_that_is_not_read_is_unknown_and_said(tmp_path: Path, case: str) -> None:
    app = tmp_path / "app"
    _write(app / "Dockerfile", "FROM python:3.12\nCOPY . /app\nWORKDIR /app\nCMD gunicorn a.wsgi\n")
    _context_file(case)(app)
    _write(tmp_path / "ok" / "Dockerfile", GOOD)
    code, out, err, elapsed = _run(tmp_path)
    assert code == 1, err
    assert elapsed < SECONDS
    assert "Traceback" not in err
    mine = [f for f in json.loads(out) if f["filename"] == "app/Dockerfile"]
    skipped = [f for f in mine if f["code"] == "DJ903"]
    assert [f["message"] for f in skipped] == [
        f"gunicorn.conf.py in the build context was not read ({CONTEXT[case]}), so what the "
        "checks would learn from it is unknown"
    ]
    assert skipped[0]["severity"] == "info"
    # Unknown: the bind the file may set is not guessed from Gunicorn's default.
    assert not [f for f in mine if f["code"] == "DJ020"]
    _good_still_checked(out)


# --- the configuration ---------------------------------------------------------------------------


def _bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


CONFIGS: dict[str, tuple[str, str, str]] = {
    "wrong-type": (
        ".dockerlint-django.yaml",
        "select: 3\n",
        ".dockerlint-django.yaml: select: expected a list of strings",
    ),
    "unknown-key": (
        ".dockerlint-django.yaml",
        "selekt: [DJ001]\n",
        ".dockerlint-django.yaml: unknown key 'selekt' (known: compose, development, exclude, "
        "extend-select, extends, fail-on, ignore, limits, per-file-ignores, per-file-target, "
        "policy, policy-compose-namespaces, policy-files, policy-namespaces, profile, rules, "
        "select, severity, target)",
    ),
    "yaml-bomb": (
        ".dockerlint-django.yaml",
        _bomb(),
        ".dockerlint-django.yaml:6: invalid YAML: aliases expand to more than 100,000 nodes",
    ),
    "python-tag": (
        ".dockerlint-django.yaml",
        "select: !!python/object/apply:os.system ['touch pwned']\n",
        ".dockerlint-django.yaml:1: invalid YAML: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system'",
    ),
    "yaml-deep-flow": (
        ".dockerlint-django.yaml",
        "[" * 1000 + "]" * 1000 + "\n",
        ".dockerlint-django.yaml:1: invalid YAML: nested deeper than 64",
    ),
    "yaml-deep-block": (
        ".dockerlint-django.yaml",
        "".join(" " * i + f"k{i}:\n" for i in range(1000)),
        ".dockerlint-django.yaml:64: invalid YAML: nested deeper than 64",
    ),
    "toml-deep": (
        "pyproject.toml",
        "[tool.dockerlint-django]\nx = " + "[" * 1000 + "]" * 1000 + "\n",
        "pyproject.toml: invalid TOML: nested too deeply",
    ),
    "toml-long-integer": (
        "pyproject.toml",
        "[tool.dockerlint-django]\nx = " + "9" * 5000 + "\n",
        "pyproject.toml: invalid TOML: an integer too long to read",
    ),
    "bad-limit": (
        ".dockerlint-django.yaml",
        "limits:\n  file-size: lots\n",
        "limits.file-size: expected a size in bytes, such as 16777216 or 16MiB",
    ),
}


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_a_bad_configuration_is_one_error(tmp_path: Path, case: str) -> None:
    name, text, expected = CONFIGS[case]
    _write(tmp_path / name, text)
    _write(tmp_path / "ok" / "Dockerfile", GOOD)
    code, _, err, elapsed = _run(tmp_path)
    # A configuration that cannot be read decides nothing: the run stops there, as ruff's does,
    # rather than check with rules the user did not choose.
    assert code == 2, err
    assert elapsed < SECONDS
    assert "Traceback" not in err
    errors = _lines(err, ERROR)
    assert len(errors) == 1, err
    assert errors[0].endswith(expected), errors[0]
    assert not (tmp_path / "pwned").exists()


def test_a_fifo_configuration_is_an_error_not_a_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / ".dockerlint-django.yaml")
    _write(tmp_path / "ok" / "Dockerfile", GOOD)
    code, _, err, elapsed = _run(tmp_path)
    assert code == 2, err
    assert elapsed < SECONDS
    assert _lines(err, ERROR) == [
        f"{tmp_path}/.dockerlint-django.yaml: cannot read: not a regular file"
    ]


def test_a_fifo_gitignore_is_said_and_does_not_hang_the_search(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / ".gitignore")
    _write(tmp_path / "ok" / "Dockerfile", GOOD)
    code, out, err, elapsed = _run(tmp_path)
    assert code == 1, err
    assert elapsed < SECONDS
    assert _lines(err, WARNING) == [
        ".gitignore: not read (not a regular file), so its patterns do not apply"
    ]
    _good_still_checked(out)


def _readme_limits() -> str:
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = text.index("## Limits on hostile input")
    return text[start : text.index("\n## ", start + 1)]


def test_the_readme_states_the_bounds_the_code_has() -> None:
    from dockerlint_django import config
    from dockerlint_django.compose import interpolation, loader, yamlload
    from dockerlint_django.readers import django_settings, gunicorn_config
    from dockerlint_django.templates import render

    section = _readme_limits()
    mib = 1024 * 1024
    stated = {
        f"`limits.file-size`, {config.DEFAULT_MAX_FILE_BYTES // mib} MiB",
        f"more than {config.DEFAULT_MAX_FILE_BYTES:,} bytes",
        f"`limits.context-file-size`, {config.DEFAULT_MAX_CONTEXT_FILE_BYTES // mib} MiB",
        f"{gunicorn_config.MAX_EVALUATED_NODES:,} evaluated nodes",
        f"{django_settings.MAX_EVALUATED_NODES:,} evaluated nodes",
        f"{gunicorn_config.MAX_SOURCE_CHARS // 1024} KB of source",
        f"values of {django_settings.MAX_VALUE_SIZE:,} characters",
        f"{yamlload.MAX_EXPANDED_NODES:,} YAML nodes",
        f"{yamlload.MAX_DEPTH:,} levels",
        f"{loader.MAX_FILE_LOADS:,} files loaded",
        f"{interpolation.MAX_VALUE_LENGTH // mib} MiB a value",
        f"{loader.MAX_EXPANDED // mib} MiB in all",
        f"{config.MAX_CONFIG_BYTES // mib} MiB, {config.MAX_CONFIG_DEPTH} levels",
        f"{config.MAX_CONFIG_NODES:,} YAML nodes",
        f"{render.MAX_TEMPLATE_CHARS:,} characters of template",
        f"{render.MAX_OUTPUT_CHARS:,} of output a variant",
        f"{render.MAX_TOTAL_OUTPUT_CHARS:,} a file",
        f"{render.MAX_STEPS:,} loop steps",
        f"{render.MAX_VARIANTS} variants",
        f"`cookiecutter.json` of {render.MAX_CONTEXT_BYTES:,} bytes and "
        f"{render.MAX_CONTEXT_DEPTH} levels",
    }
    missing = sorted(fact for fact in stated if fact not in section)
    assert not missing, missing
    assert gunicorn_config.MAX_SOURCE_CHARS == django_settings.MAX_SOURCE_CHARS
