"""DJ030's fix that creates the handbook's `runner` user when the stage chain creates none."""

from __future__ import annotations

from dockerlint_django.testing import fix_text, lint_text

CREATE = "RUN groupadd -r runner && useradd --no-log-init -r -g runner runner"
# Gunicorn reads ./gunicorn.conf.py, which a `COPY . .` without a build context may bring: these
# cases start uvicorn, which reads no file; the first one starts Gunicorn outside the copies.
CMD = 'CMD ["uvicorn", "core.asgi:application", "--host", "0.0.0.0", "--port", "8000"]'
GUNICORN = 'CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]'


def _fix(text: str) -> str:
    fixed, converged = fix_text(text, ["DJ030"], unsafe=True)
    assert converged
    return fixed


def _titles(text: str) -> list[str | None]:
    return [
        f.fix.title if f.fix is not None else None
        for f in lint_text(text, ["DJ030"]).findings
        if f.code == "DJ030"
    ]


def _no_dj030(text: str) -> None:
    assert [f.code for f in lint_text(text, ["DJ030"]).findings] == []


def test_plain_python_base_inserts_after_from() -> None:
    text = f"FROM python:3.11\nCOPY . /workdir\n{GUNICORN}\n"
    fixed = _fix(text)
    assert fixed == (
        f"FROM python:3.11\n{CREATE}\nCOPY --chown=runner:runner . /workdir\n"
        f"USER runner:runner\n{GUNICORN}\n"
    )
    _no_dj030(fixed)
    assert _titles(text) == ["Create the runner user and switch to it"]


def test_after_the_last_apt_install_run() -> None:
    text = (
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN apt-get update && apt-get install -y libpq5\n"
        "RUN pip install -r requirements.txt\nCOPY . .\n" + CMD + "\n"
    )
    assert _fix(text) == (
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN apt-get update && apt-get install -y libpq5\n"
        f"{CREATE}\nRUN pip install -r requirements.txt\nCOPY --chown=runner:runner . .\n"
        f"USER runner:runner\n{CMD}\n"
    )


def test_several_copies_and_an_existing_chown() -> None:
    text = (
        "FROM python:3.11 AS build\nRUN pip wheel -w /w x\n"
        "FROM python:3.11\nWORKDIR /app\nCOPY a.txt .\nCOPY --chown=1000:1000 b.txt .\n"
        "COPY --from=build /w /app/w\nCOPY --from=ghcr.io/astral-sh/uv:0.7 /uv /bin/\n"
        "COPY --link c.txt .\nCOPY entry.conf /etc/app.conf\nADD d.tar .\n" + CMD + "\n"
    )
    fixed = _fix(text)
    assert fixed.split("FROM python:3.11\n", 1)[1] == (
        f"{CREATE}\nWORKDIR /app\nCOPY --chown=runner:runner a.txt .\n"
        "COPY --chown=1000:1000 b.txt .\n"
        "COPY --chown=runner:runner --from=build /w /app/w\n"
        "COPY --from=ghcr.io/astral-sh/uv:0.7 /uv /bin/\n"
        "COPY --link c.txt .\nCOPY entry.conf /etc/app.conf\n"
        f"ADD --chown=runner:runner d.tar .\nUSER runner:runner\n{CMD}\n"
    )
    _no_dj030(fixed)


def test_copy_before_the_inserted_run_keeps_root() -> None:
    text = (
        "FROM python:3.11\nWORKDIR /app\nCOPY req.txt .\nRUN apt-get install -y x\n"
        "COPY . .\n" + CMD + "\n"
    )
    fixed = _fix(text)
    assert "COPY req.txt .\nRUN apt-get install -y x\n" + CREATE in fixed
    assert "COPY --chown=runner:runner . .\n" in fixed


def test_trailing_user_root_is_replaced() -> None:
    text = (
        "FROM python:3.11\nWORKDIR /app\nUSER root\nRUN apt-get install -y x\n"
        "USER root\nCOPY . .\n" + CMD + "\n"
    )
    fixed = _fix(text)
    assert fixed == (
        "FROM python:3.11\nWORKDIR /app\nUSER root\nRUN apt-get install -y x\n"
        f"{CREATE}\nUSER runner:runner\nCOPY --chown=runner:runner . .\n{CMD}\n"
    )
    _no_dj030(fixed)


def test_unknown_base_image_has_no_fix() -> None:
    assert _titles(f"FROM example.com/python:3.11\nWORKDIR /app\nUSER root\n{CMD}\n") == [None]


def test_alpine_base_has_no_fix() -> None:
    assert _titles(f"FROM python:3.11-alpine\nWORKDIR /app\n{CMD}\n") == [None]


def test_distroless_and_privileged_starts_have_no_fix() -> None:
    assert _titles('FROM python:3.11\nWORKDIR /app\nCMD ["gunicorn", "x", "-b", ":80"]\n') == [None]
    assert _titles(f"FROM python:3.11\nWORKDIR /app\nEXPOSE 80\n{CMD}\n") == [None]
    assert _titles(f"FROM python:3.11\nWORKDIR /app\nCOPY . .\n{GUNICORN}\n") == [
        None
    ]  # config unknown
    assert _titles('FROM python:3.11\nWORKDIR /app\nCMD ["gunicorn", "-u", "www-data", "x"]\n') == [
        None
    ]
    assert _titles(f"FROM python:3.11\nCOPY . .\n{CMD}\n") == [None]  # into /
    assert _titles('FROM python:3.11\nWORKDIR /app\nCMD ["python", "app.py"]\n') == [None]
    assert _titles(f"FROM python:3.11\nWORKDIR /app\nENV PATH=/root/.local/bin:$PATH\n{CMD}\n") == [
        None
    ]
    assert _titles(f"FROM python:3.11\nWORKDIR /app\n{CMD}\nRUN echo\n") == [None]


def test_existing_runner_group_has_no_fix() -> None:
    assert _titles(f"FROM python:3.11\nWORKDIR /app\nRUN groupadd runner\n{CMD}\n") == [None]


def test_existing_useradd_keeps_the_user_fix() -> None:
    text = f"FROM python:3.11\nWORKDIR /app\nRUN useradd -m app\nCOPY . .\n{CMD}\n"
    assert _titles(text) == ["Add USER app:app"]
    assert _fix(text) == (
        f"FROM python:3.11\nWORKDIR /app\nRUN useradd -m app\nCOPY . .\nUSER app:app\n{CMD}\n"
    )


def test_stage_from_a_local_stage_that_creates_a_user() -> None:
    text = (
        f"FROM python:3.11 AS base\nRUN useradd -m app\nFROM base\nWORKDIR /app\nCOPY . .\n{CMD}\n"
    )
    assert _titles(text) == ["Add USER app:app"]
    assert CREATE not in _fix(text)


def test_stage_from_a_local_stage_without_user() -> None:
    text = (
        "FROM python:3.11 AS base\nRUN apt-get install -y x\n"
        f"FROM base\nWORKDIR /app\nCOPY . .\n{CMD}\n"
    )
    fixed = _fix(text)
    assert fixed.endswith(
        f"FROM base\n{CREATE}\nWORKDIR /app\nCOPY --chown=runner:runner . .\n"
        f"USER runner:runner\n{CMD}\n"
    )


def test_crlf() -> None:
    text = f"FROM python:3.11\r\nWORKDIR /app\r\nCOPY . .\r\n{CMD}\r\n"
    fixed = _fix(text)
    assert fixed == (
        f"FROM python:3.11\r\n{CREATE}\r\nWORKDIR /app\r\nCOPY --chown=runner:runner . .\r\n"
        f"USER runner:runner\r\n{CMD}\r\n"
    )
    _no_dj030(fixed)


def test_backtick_escape() -> None:
    text = (
        "# escape=`\nFROM python:3.11\nWORKDIR /app\n"
        "RUN apt-get update && `\n    apt-get install -y x\nCOPY . .\n" + CMD + "\n"
    )
    fixed = _fix(text)
    assert fixed == (
        "# escape=`\nFROM python:3.11\nWORKDIR /app\n"
        f"RUN apt-get update && `\n    apt-get install -y x\n{CREATE}\n"
        f"COPY --chown=runner:runner . .\nUSER runner:runner\n{CMD}\n"
    )
    _no_dj030(fixed)


def test_convergence() -> None:
    text = f"FROM python:3.11\nWORKDIR /app\nRUN apt-get install -y x\nCOPY . .\n{CMD}\n"
    once = _fix(text)
    assert _fix(once) == once
    _no_dj030(once)


def test_both_lines_above_the_start_command() -> None:
    text = f"FROM python:3.11\nWORKDIR /app\nRUN apt-get install -y x\n{CMD}\n"
    assert _fix(text) == (
        f"FROM python:3.11\nWORKDIR /app\nRUN apt-get install -y x\n{CREATE}\n"
        f"USER runner:runner\n{CMD}\n"
    )


def test_no_user_line_above_a_start_command_that_runs_follow() -> None:
    # The existing-user fix: USER above CMD would make the RUN after CMD run as that user.
    text = (
        "FROM python:3.12\nRUN useradd app\n"
        'CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]\nRUN echo done > /marker\n'
    )
    [finding] = [f for f in lint_text(text, ["DJ030"]).findings if f.code == "DJ030"]
    assert finding.fix is None
