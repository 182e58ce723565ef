"""`check --show-services` as text: one line per value whatever the values hold."""

from __future__ import annotations

import json
from pathlib import Path

from dockerlint_django.formatters.services import _runs_text, _safe
from tests.test_project import run


def test_control_characters_in_values_are_shown_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "evil\n\x1b[31mred"
    folder.mkdir()
    (folder / "Dockerfile").write_text(
        'FROM python:3.12\nCMD ["gunicorn", "app.wsgi"]\n', encoding="utf-8"
    )
    (folder / ".env").write_text("Q='multi\nline'\n", encoding="utf-8")
    (folder / "compose.yaml").write_text(
        "services:\n  web:\n    build: .\n    environment:\n      MULTI: ${Q}\n"
        '      BIDI: "a\\u202eb"\n',
        encoding="utf-8",
    )
    code, out, err = run(tmp_path, "check", "--show-services", ".")
    assert code == 0, err
    assert "\x1b" not in out and "\u202e" not in out
    lines = out.splitlines()
    assert all(line.startswith(("project ", "  ")) for line in lines), out
    assert (
        "    env          MULTI=multi\\nline [environment, evil\\n\\x1b[31mred/compose.yaml:5]"
        in lines
    )
    assert (
        "    env          BIDI=a\\u202eb [environment, evil\\n\\x1b[31mred/compose.yaml:6]" in lines
    )
    # JSON keeps the values as they are (JSON escapes them itself).
    code, out, _ = run(tmp_path, "check", "--show-services", "--format", "json", ".")
    env = json.loads(out)[0]["services"][0]["environment"]
    assert env["MULTI"]["value"] == "multi\nline"


def test_safe_leaves_printable_text_alone() -> None:
    assert _safe("    env          A=café ✓") == "    env          A=café ✓"
    assert _safe("a\tb\rc\x00") == "a\\tb\\rc\\x00"


def test_runs_names_the_program_once() -> None:
    assert _runs_text({"kind": "gunicorn", "program": "gunicorn"}) == "gunicorn"
    assert _runs_text({"kind": "celery", "program": "/usr/local/bin/celery"}) == (
        "/usr/local/bin/celery"
    )
    assert _runs_text({"kind": "runserver", "program": "manage.py", "subcommand": "runserver"}) == (
        "manage.py runserver"
    )
    assert _runs_text({"kind": "other", "program": "sleep"}) == "sleep"
    assert _runs_text({"kind": "gunicorn", "program": "python"}) == "python (gunicorn)"
    assert _runs_text({"kind": "unknown"}) == "unknown"
