"""DJ064 under ocp: the working folder becomes /workdir only when nothing else names it."""

from __future__ import annotations

from dockerlint_django.testing import findings, fix_text


def _fix(text: str) -> str:
    fixed, converged = fix_text(text, ["DJ064"], unsafe=True, profile="ocp")
    assert converged
    return fixed


def test_renames_a_folder_nothing_else_names() -> None:
    text = 'FROM python:3.12\nWORKDIR /app\nCOPY . .\nCMD ["gunicorn", "core.wsgi"]\n'
    assert _fix(text) == text.replace("/app", "/workdir")


def test_no_rename_when_a_copy_lands_in_the_old_folder() -> None:
    text = (
        "FROM python:3.12 AS build\nWORKDIR /app\nCOPY . .\n"
        "FROM python:3.12\nWORKDIR /app\nCOPY --from=build /app /app\n"
        'CMD ["gunicorn", "core.wsgi"]\n'
    )
    [finding] = findings(text, "DJ064", profile="ocp")
    assert finding.fix is None
    assert _fix(text) == text


def test_no_rename_when_env_or_command_names_it() -> None:
    for extra in ("ENV PYTHONPATH=/app/src\n", 'CMD ["/app/start.sh"]\n', "# code lives in /app\n"):
        text = f"FROM python:3.12\nWORKDIR /app\n{extra}"
        [finding] = findings(text, "DJ064", profile="ocp")
        assert finding.fix is None, extra


def test_no_rename_of_a_variable() -> None:
    text = "FROM python:3.12\nARG HOME_DIR=/srv\nWORKDIR $HOME_DIR\n"
    [finding] = findings(text, "DJ064", profile="ocp")
    assert finding.fix is None


def test_no_rename_of_a_home_folder() -> None:
    text = "FROM python:3.12-alpine\nRUN adduser -D flasky\nUSER flasky\nWORKDIR /home/flasky\n"
    [finding] = findings(text, "DJ064", profile="ocp")
    assert finding.fix is None
