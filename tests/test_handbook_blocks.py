"""The lines fixes insert are the handbook's: each block is where it says in the template."""

from __future__ import annotations

import json

from dockerlint_django.rules import _handbook
from tests.conftest import HANDBOOK_TEMPLATE

TEMPLATE = HANDBOOK_TEMPLATE / "{{cookiecutter.project_slug}}" / _handbook.TEMPLATE_FILE
LINES = TEMPLATE.read_text(encoding="utf-8").splitlines()


def _at(line: int, count: int = 1) -> str:
    return "\n".join(LINES[line - 1 : line - 1 + count])


def test_blocks_are_the_handbook_lines() -> None:
    for block in (
        _handbook.GETTEXT_INSTALL,
        _handbook.CREATE_USER,
        _handbook.SWITCH_USER,
        _handbook.DJANGO_ENV,
        _handbook.WEB_CONCURRENCY,
    ):
        assert block.render() == _at(block.handbook_line, len(block.lines)), block


def test_manifest_copy_is_the_handbook_line() -> None:
    assert _at(_handbook.MANIFEST_COMMENT_LINE) == _handbook.MANIFEST_COMMENT
    path = "/workdir/static/staticfiles.json"
    line = _handbook.manifest_copy("build-stage", "runner:runner", path, path)
    assert _at(_handbook.MANIFEST_COPY_LINE) == line
    assert _handbook.CHOWN in line


def test_server_words_are_in_the_handbook_start_command() -> None:
    cmd = _at(_handbook.START_COMMAND_LINE)
    assert cmd.startswith("CMD ")
    argv = json.loads(cmd[len("CMD ") :])
    for block in (_handbook.WORKER_TMP_DIR, _handbook.NO_CONTROL_SOCKET, _handbook.THREADS):
        n = len(block.words)
        assert any(tuple(argv[i : i + n]) == block.words for i in range(len(argv))), block


def test_render_uses_the_files_escape_and_newline() -> None:
    text = _handbook.GETTEXT_INSTALL.render("`", "\r\n")
    assert text.count(" `\r\n") == 2
    assert "\\" not in text
