"""Effective server command (§5.3 step 4): launcher unwrapping and server classification."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockerlint_django.shell.launch import (
    Launch,
    WordLike,
    basename,
    resolve_launch,
    resolve_shell_form,
)
from dockerlint_django.shell.syntax import Word, split_words
from dockerlint_django.source import Mapped

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def exec_form(*argv: str) -> tuple[str, list[WordLike]]:
    """A JSON array as in ``CMD [...]``; each decoded element maps to its source characters."""
    parts: list[str] = []
    words: list[WordLike] = []
    pos = 1
    for a in argv:
        encoded = json.dumps(a, ensure_ascii=False)
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        i = 1
        while i < len(encoded) - 1:
            width = 1 if encoded[i] != "\\" else 6 if encoded[i + 1] == "u" else 2
            chars.append(json.loads('"' + encoded[i : i + width] + '"'))
            starts.append(pos + i)
            ends.append(pos + i + width)
            i += width
        mapped = Mapped("".join(chars), starts, ends) if chars else Mapped.empty_at(pos + 1)
        words.append(Word.literal(mapped))
        parts.append(encoded)
        pos += len(encoded) + 2
    text = "[" + ", ".join(parts) + "]"
    assert json.loads(text) == list(argv)
    return text, words


def launch(*argv: str) -> Launch:
    return resolve_launch(exec_form(*argv)[1])


def shell_form(text: str) -> Launch:
    return resolve_shell_form(Mapped.from_source(text, 0))


def summary(result: Launch) -> tuple[str, str | None, list[str | None]]:
    program = result.program.value if result.program is not None else None
    return result.kind, program, [w.value for w in result.args]


# ---------------------------------------------------------------------------------------------
# classification


@pytest.mark.parametrize(
    ("argv", "kind", "program", "args"),
    [
        (["gunicorn", "core.wsgi"], "gunicorn", "gunicorn", ["core.wsgi"]),
        (["/venv/bin/gunicorn", "-w", "2"], "gunicorn", "/venv/bin/gunicorn", ["-w", "2"]),
        (
            ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "app"],
            "gunicorn",
            "gunicorn",
            ["-k", "uvicorn.workers.UvicornWorker", "app"],
        ),
        (
            ["uvicorn", "app:app", "--host", "0.0.0.0"],
            "uvicorn",
            "uvicorn",
            ["app:app", "--host", "0.0.0.0"],
        ),
        (
            ["daphne", "-b", "0.0.0.0", "core.asgi:application"],
            "daphne",
            "daphne",
            ["-b", "0.0.0.0", "core.asgi:application"],
        ),
        (["hypercorn", "app:app"], "hypercorn", "hypercorn", ["app:app"]),
        (["uwsgi", "--ini", "/opt/uwsgi.ini"], "uwsgi", "uwsgi", ["--ini", "/opt/uwsgi.ini"]),
        (["celery", "-A", "proj", "worker"], "celery", "celery", ["-A", "proj", "worker"]),
        (["/docker-entrypoint.sh"], "script", "/docker-entrypoint.sh", []),
        (["docker-entrypoint.sh", "gunicorn"], "script", "docker-entrypoint.sh", ["gunicorn"]),
        (["./start"], "script", "./start", []),
        (["/app/start", "web"], "script", "/app/start", ["web"]),
        (
            ["/usr/bin/supervisord", "-c", "x.conf"],
            "other",
            "/usr/bin/supervisord",
            ["-c", "x.conf"],
        ),
        (["nginx", "-g", "daemon off;"], "other", "nginx", ["-g", "daemon off;"]),
        (["web"], "other", "web", []),
    ],
)
def test_program_classification(argv: list[str], kind: str, program: str, args: list[str]) -> None:
    assert summary(launch(*argv)) == (kind, program, args)


@pytest.mark.parametrize(
    ("argv", "kind", "sub", "args"),
    [
        (
            ["python", "manage.py", "runserver", "0.0.0.0:8000"],
            "runserver",
            "runserver",
            ["0.0.0.0:8000"],
        ),
        (["python3", "manage.py", "runserver_plus"], "runserver", "runserver_plus", []),
        (["./manage.py", "runserver"], "runserver", "runserver", []),
        (["/app/manage.py", "migrate", "--noinput"], "django-command", "migrate", ["--noinput"]),
        (["django-admin", "runserver"], "runserver", "runserver", []),
        (["django-admin", "migrate"], "django-command", "migrate", []),
        (["python", "-m", "django", "runserver", "0:8000"], "runserver", "runserver", ["0:8000"]),
        (["python3.12", "-m", "django", "check"], "django-command", "check", []),
        (["python", "manage.py"], "django-command", None, []),
    ],
)
def test_django_commands(argv: list[str], kind: str, sub: str | None, args: list[str]) -> None:
    result = launch(*argv)
    assert result.kind == kind
    assert (result.subcommand.value if result.subcommand else None) == sub
    assert [w.value for w in result.args] == args


@pytest.mark.parametrize(
    ("argv", "module", "kind"),
    [
        (["python", "-m", "gunicorn", "app"], "gunicorn", "gunicorn"),
        (["python3", "-u", "-B", "-m", "gunicorn", "app"], "gunicorn", "gunicorn"),
        (["python3.11", "-W", "ignore", "-X", "dev", "-m", "uvicorn", "app"], "uvicorn", "uvicorn"),
        (["python", "-Wignore", "-OO", "-m", "daphne", "app"], "daphne", "daphne"),
        (["python", "-uBm", "hypercorn", "app"], "hypercorn", "hypercorn"),
        (["python", "-mgunicorn", "app"], "gunicorn", "gunicorn"),
        (["/usr/local/bin/python3", "-m", "celery", "worker"], "celery", "celery"),
        (["python", "-m", "http.server"], "http.server", "other"),
    ],
)
def test_python_interpreter_flags(argv: list[str], module: str, kind: str) -> None:
    result = launch(*argv)
    assert (result.kind, result.module) == (kind, module)
    assert result.program is not None and result.program.value == module
    assert result.launchers[-1].name == "python -m"
    if kind == "gunicorn":
        assert [w.value for w in result.args] == ["app"]


def test_attached_module_word_span() -> None:
    text, words = exec_form("python", "-mgunicorn", "app")
    result = resolve_launch(words)
    assert result.program is not None
    assert text[result.program.span.start : result.program.span.end] == "gunicorn"


def test_python_without_module() -> None:
    assert summary(launch("python", "app.py")) == ("other", "app.py", [])
    assert launch("python", "-c", "import x").kind == "other"
    assert launch("python").kind == "other"


# ---------------------------------------------------------------------------------------------
# launchers


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["exec", "gunicorn", "app"], ["exec"]),
        (["tini", "gunicorn", "app"], ["tini"]),
        (["tini", "--", "gunicorn", "app"], ["tini"]),
        (["/sbin/tini", "-g", "--", "gunicorn", "app"], ["tini"]),
        (["tini", "-p", "SIGTERM", "--", "gunicorn", "app"], ["tini"]),
        (["dumb-init", "gunicorn", "app"], ["dumb-init"]),
        (["dumb-init", "--rewrite", "15:3", "--", "gunicorn", "app"], ["dumb-init"]),
        (["gosu", "app", "gunicorn", "app"], ["gosu"]),
        (["su-exec", "1000:1000", "gunicorn", "app"], ["su-exec"]),
        (
            ["setpriv", "--reuid=1000", "--regid=1000", "--init-groups", "gunicorn", "app"],
            ["setpriv"],
        ),
        (["setpriv", "--reuid", "1000", "gunicorn", "app"], ["setpriv"]),
        (["runuser", "-u", "app", "--", "gunicorn", "app"], ["runuser"]),
        (["runuser", "--user=app", "-g", "app", "gunicorn", "app"], ["runuser"]),
        (["chpst", "-u", "app:app", "gunicorn", "app"], ["chpst"]),
        (["chpst", "-uapp", "-e", "/etc/env", "-v", "gunicorn", "app"], ["chpst"]),
        (["s6-setuidgid", "app", "gunicorn", "app"], ["s6-setuidgid"]),
        (["uv", "run", "gunicorn", "app"], ["uv run"]),
        (["uv", "run", "--frozen", "--no-dev", "--with", "x", "gunicorn", "app"], ["uv run"]),
        (["uv", "run", "--", "gunicorn", "app"], ["uv run"]),
        (["poetry", "run", "gunicorn", "app"], ["poetry run"]),
        (["poetry", "-C", "/app", "run", "gunicorn", "app"], ["poetry run"]),
        (["pipenv", "run", "gunicorn", "app"], ["pipenv run"]),
        (["pdm", "run", "-p", "/app", "gunicorn", "app"], ["pdm run"]),
        (["ddtrace-run", "gunicorn", "app"], ["ddtrace-run"]),
        (["newrelic-admin", "run-program", "gunicorn", "app"], ["newrelic-admin run-program"]),
        (
            [
                "opentelemetry-instrument",
                "--traces_exporter",
                "console",
                "--service_name=x",
                "gunicorn",
                "app",
            ],
            ["opentelemetry-instrument"],
        ),
        (["doppler", "run", "--", "gunicorn", "app"], ["doppler run"]),
        (["doppler", "run", "-p", "proj", "--", "gunicorn", "app"], ["doppler run"]),
        (["env", "gunicorn", "app"], ["env"]),
        (["env", "-i", "PATH=/venv/bin", "gunicorn", "app"], ["env"]),
        (["env", "-u", "HOME", "--", "gunicorn", "app"], ["env"]),
        (["nohup", "gunicorn", "app"], ["nohup"]),
        (["busybox", "sh", "-c", "exec gunicorn app"], ["busybox", "sh -c"]),
        (
            ["tini", "--", "gosu", "app", "uv", "run", "python", "-u", "-m", "gunicorn", "app"],
            ["tini", "gosu", "uv run", "python -m"],
        ),
        (
            [
                "dumb-init",
                "--",
                "newrelic-admin",
                "run-program",
                "ddtrace-run",
                "env",
                "A=1",
                "gunicorn",
                "app",
            ],
            ["dumb-init", "newrelic-admin run-program", "ddtrace-run", "env"],
        ),
    ],
)
def test_launchers_are_unwrapped(argv: list[str], names: list[str]) -> None:
    text, words = exec_form(*argv)
    result = resolve_launch(words)
    assert result.kind == "gunicorn", (argv, result.kind)
    assert [w.value for w in result.args] == ["app"]
    assert [launcher.name for launcher in result.launchers] == names
    for launcher in result.launchers:
        chunk = text[launcher.span.start : launcher.span.end]
        assert chunk.startswith(launcher.words[0].value or "")


def test_launcher_words_and_spans() -> None:
    text, words = exec_form("/sbin/tini", "-g", "--", "gosu", "app", "gunicorn", "core.wsgi")
    result = resolve_launch(words)
    tini, gosu = result.launchers
    assert [w.value for w in tini.words] == ["/sbin/tini", "-g", "--"]
    assert [w.value for w in gosu.words] == ["gosu", "app"]
    assert text[gosu.span.start : gosu.span.end] == 'gosu", "app'
    assert result.program is not None
    assert text[result.program.span.start : result.program.span.end] == "gunicorn"


def test_env_assignments_are_recorded() -> None:
    result = launch("env", "WEB_CONCURRENCY=4", "GUNICORN_CMD_ARGS=--threads 2", "gunicorn", "app")
    assert [(e.name, e.value) for e in result.environment] == [
        ("WEB_CONCURRENCY", "4"),
        ("GUNICORN_CMD_ARGS", "--threads 2"),
    ]
    script = shell_form("PORT=9000 exec gunicorn app")
    assert [(e.name, e.value) for e in script.environment] == [("PORT", "9000")]


def test_uv_run_module() -> None:
    result = launch("uv", "run", "-m", "gunicorn", "app")
    assert (result.kind, result.module) == ("gunicorn", "gunicorn")
    assert [launcher.name for launcher in result.launchers] == ["uv run"]


def test_newrelic_run_python() -> None:
    result = launch("newrelic-admin", "run-python", "-m", "gunicorn", "app")
    assert (result.kind, result.module) == ("gunicorn", "gunicorn")


def test_doppler_command_string_is_a_shell_script() -> None:
    result = launch("doppler", "run", "--command", "python manage.py migrate && exec gunicorn app")
    assert result.kind == "gunicorn"
    assert result.via_shell and result.exec_prefixed


def test_not_a_runner_subcommand() -> None:
    assert launch("uv", "pip", "install", "x").kind == "other"
    assert launch("poetry", "install").kind == "other"
    assert launch("newrelic-admin", "validate-config").kind == "other"


# ---------------------------------------------------------------------------------------------
# shells


@pytest.mark.parametrize(
    "argv",
    [
        ["sh", "-c", "exec gunicorn app"],
        ["/bin/sh", "-c", "exec gunicorn app"],
        ["bash", "-c", "exec gunicorn app"],
        ["dash", "-c", "exec gunicorn app"],
        ["ash", "-c", "exec gunicorn app"],
        ["sh", "-ec", "exec gunicorn app"],
        ["sh", "-xc", "exec gunicorn app"],
        ["bash", "-euc", "exec gunicorn app"],
        ["sh", "-e", "-c", "exec gunicorn app"],
        ["bash", "-o", "pipefail", "-c", "exec gunicorn app"],
        ["bash", "-euo", "pipefail", "-c", "exec gunicorn app"],
        ["bash", "--login", "-c", "exec gunicorn app"],
        ["sh", "-c", "exec gunicorn app", "sh", "ignored"],
    ],
)
def test_shell_c_variants(argv: list[str]) -> None:
    text, words = exec_form(*argv)
    result = resolve_launch(words)
    assert summary(result) == ("gunicorn", "gunicorn", ["app"])
    assert result.via_shell and result.exec_prefixed
    assert result.shell == basename(argv[0])
    hop = result.shells[0]
    assert hop.final and hop.top_level and not hop.background
    assert result.program is not None
    assert text[result.program.span.start : result.program.span.end] == "gunicorn"


def test_sh_c_migrate_then_exec_gunicorn() -> None:
    script = "python manage.py migrate && exec gunicorn core.wsgi --bind 0.0.0.0:${PORT:-8000}"
    text, words = exec_form("sh", "-c", script)
    result = resolve_launch(words)
    assert result.kind == "gunicorn"
    assert [w.value for w in result.args] == ["core.wsgi", "--bind", None]
    hop = result.shells[0]
    assert hop.exec_prefixed and hop.command is not None
    assert hop.command.connector_before == "&&"
    assert hop.shell_word.value == "sh"
    bind_value = result.args[2]
    assert text[bind_value.span.start : bind_value.span.end] == "0.0.0.0:${PORT:-8000}"


def test_shell_without_exec() -> None:
    result = launch("sh", "-c", "gunicorn core.wsgi --bind 0.0.0.0:${PORT:-8000}")
    assert result.kind == "gunicorn"
    assert result.exec_prefixed is False


def test_background_then_wait() -> None:
    result = launch("bash", "-c", "gunicorn app & nginx; wait")
    assert result.kind == "gunicorn"  # the backgrounded command the script waits for
    assert result.shells[0].followed_by_wait
    waited = launch("sh", "-c", "gunicorn app &\nwait")
    assert waited.kind == "gunicorn"
    hop = waited.shells[0]
    assert hop.followed_by_wait and hop.background and waited.background
    assert not waited.exec_prefixed


def test_pipeline_and_compound_endings() -> None:
    piped = launch("sh", "-c", "exec gunicorn app 2>&1 | tee /var/log/x")
    assert summary(piped) == ("other", "tee", ["/var/log/x"])
    assert piped.shells[0].in_pipeline
    loop = launch(
        "sh", "-c", "while true; do python ./manage.py runserver 0.0.0.0:8040; sleep 2; done"
    )
    assert loop.kind == "runserver"
    assert not loop.shells[0].final and not loop.top_level
    cond = launch(
        "sh",
        "-c",
        'if [ "$DEBUG" ]; then exec python manage.py runserver; else exec gunicorn app; fi',
    )
    assert cond.kind == "gunicorn" and not cond.top_level


def test_exec_dollar_at_hands_over() -> None:
    result = launch("sh", "-c", 'exec "$@"', "sh", "gunicorn", "app")
    assert summary(result) == ("gunicorn", "gunicorn", ["app"])
    assert result.shells[0].handover and result.exec_prefixed


def test_shell_running_a_script_file() -> None:
    assert summary(launch("/bin/bash", "docker/entrypoint.sh")) == (
        "script",
        "docker/entrypoint.sh",
        [],
    )
    assert summary(launch("sh", "init_command.sh", "x")) == ("script", "init_command.sh", ["x"])
    assert launch("/bin/bash").kind == "other"


def test_nested_shells() -> None:
    result = launch("sh", "-c", "exec bash -c 'exec gunicorn app'")
    assert result.kind == "gunicorn"
    assert [h.shell for h in result.shells] == ["sh", "bash"]
    assert result.exec_prefixed
    half = launch("sh", "-c", "bash -c 'exec gunicorn app'")
    assert half.exec_prefixed is False


def test_shell_form_cmd() -> None:
    assert shell_form("exec gunicorn core.wsgi").exec_prefixed is True
    plain = shell_form("gunicorn core.wsgi --bind 0.0.0.0:8000")
    assert plain.kind == "gunicorn" and plain.exec_prefixed is False and plain.shell == "sh"
    custom = resolve_shell_form(
        Mapped.from_source("exec gunicorn app", 10),
        [Word.synthetic("/bin/bash", 0), Word.synthetic("-c", 0)],
    )
    assert custom.shell == "bash" and custom.kind == "gunicorn"
    assert custom.program is not None and custom.program.span.start == 15


# ---------------------------------------------------------------------------------------------
# unknown and empty


def test_unknown_words_in_launcher_position() -> None:
    assert shell_form("$CMD_PREFIX gunicorn").kind == "unknown"
    assert shell_form('exec "$@"').kind == "empty"  # sh -c gets no arguments to hand over
    assert shell_form("gosu $USER gunicorn app").kind == "unknown"
    assert shell_form("python -m $MODULE").kind == "unknown"
    assert shell_form("python manage.py $CMD").kind == "unknown"
    assert shell_form('sh -c "$SCRIPT"').kind == "unknown"
    assert shell_form("env -S 'gunicorn app'").kind == "unknown"
    unknown = shell_form("${SERVER} app")
    assert unknown.program is not None and unknown.program.value is None


def test_runuser_forms_that_run_a_string_or_a_shell_are_not_followed() -> None:
    assert launch("runuser", "app", "-c", "gunicorn app").kind == "unknown"
    assert launch("runuser", "-l", "app", "-c", "gunicorn app").kind == "unknown"
    assert launch("runuser", "-u", "app", "-c", "gunicorn app").kind == "unknown"


def test_a_server_in_a_folder_a_variable_names_is_known() -> None:
    assert shell_form("$VENV/bin/gunicorn app").kind == "gunicorn"
    assert shell_form("${APP_HOME}/.venv/bin/uvicorn app:app").kind == "uvicorn"
    # Quoted, or with a default the variable might replace, it stays what it was.
    assert shell_form('"$VENV/bin/gunicorn" app').kind == "unknown"
    assert shell_form("${VENV:-/x}/bin/gunicorn app").kind == "unknown"


def test_unknown_server_arguments_do_not_matter() -> None:
    result = shell_form("exec gunicorn $APP --workers ${N}")
    assert result.kind == "gunicorn"
    assert [w.value for w in result.args] == [None, "--workers", None]


def test_empty() -> None:
    assert resolve_launch([]).kind == "empty"
    assert launch("sh", "-c", "").kind == "empty"
    assert launch("tini", "--").kind == "empty"
    assert launch("sh", "-c").kind == "empty"


def test_compose_string_command_is_split_without_a_shell() -> None:
    words = split_words(Mapped.from_source("python manage.py migrate && gunicorn core.wsgi", 0))
    assert resolve_launch(words).kind == "django-command"


# ---------------------------------------------------------------------------------------------
# real shapes from the corpus

_INSTRUCTION = re.compile(r"^(CMD|ENTRYPOINT)\s+(.*)$")


def _corpus_instructions() -> list[tuple[str, str]]:
    files = CORPUS / "files"
    if not files.is_dir():
        return []
    found = []
    for path in sorted(files.glob("*/*")):
        if "Dockerfile" not in path.name:
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            m = _INSTRUCTION.match(line.strip())
            if m and not m.group(2).endswith("\\"):
                found.append((f"{path.parent.name}/{path.name}", m.group(2)))
    return found


def _resolve_instruction(args: str) -> Launch:
    try:
        argv = json.loads(args)
    except json.JSONDecodeError:
        argv = None
    if isinstance(argv, list) and all(isinstance(a, str) for a in argv):
        return resolve_launch([Word.literal(Mapped.from_source(a, 0)) for a in argv])
    return resolve_shell_form(Mapped.from_source(args, 0))


@pytest.mark.skipif(not _corpus_instructions(), reason="corpus not present")
def test_corpus_instructions_resolve() -> None:
    kinds: dict[str, int] = {}
    for _, args in _corpus_instructions():
        result = _resolve_instruction(args)
        kinds[result.kind] = kinds.get(result.kind, 0) + 1
        for w in result.argv:
            assert 0 <= w.span.start <= w.span.end <= len(args)
    assert kinds.get("gunicorn", 0) >= 20
    assert kinds.get("script", 0) >= 20
    assert kinds.get("runserver", 0) >= 5


@pytest.mark.parametrize(
    ("args", "kind", "exec_prefixed", "top_level"),
    [
        (
            '["newrelic-admin", "run-program", "gunicorn", "--workers=2", "--name", "x", "x.wsgi"]',
            "gunicorn",
            None,
            True,
        ),
        (
            '["sh", "-c", "exec granian --interface wsgi --host 0.0.0.0 main.wsgi:application"]',
            "other",
            True,
            True,
        ),
        ("exec gunicorn core.wsgi", "gunicorn", True, True),
        (
            "set -xe; python manage.py createcachetable; python manage.py migrate --noinput; "
            "gunicorn {{ project_name }}.wsgi:application",
            "gunicorn",
            False,
            True,
        ),
        (
            "while true; do python ./manage.py runserver 0.0.0.0:18130; sleep 2; done",
            "runserver",
            False,
            False,
        ),
        (". venv/bin/activate && exec python app.py", "other", True, True),
        ('["/usr/local/bin/docker-entrypoint.sh"]', "script", None, True),
        (
            '[ "/opt/netbox/docker-entrypoint.sh", "/opt/netbox/launch-netbox.sh" ]',
            "script",
            None,
            True,
        ),
        ('["/bin/bash", "-c", "ollama serve"]', "other", False, True),
        ('["python3", "-m", "shuup_workbench", "runserver", "0.0.0.0:8000"]', "other", None, True),
        ("$CMD_PREFIX gunicorn", "unknown", False, True),
        ("cd sandbox && python manage.py runserver 0.0.0.0:8000", "runserver", False, True),
    ],
)
def test_corpus_shapes(args: str, kind: str, exec_prefixed: bool | None, top_level: bool) -> None:
    result = _resolve_instruction(args)
    assert result.kind == kind
    assert result.exec_prefixed is exec_prefixed
    assert result.top_level is top_level


_TOKENS = [
    "sh", "-c", "bash", "-euo", "pipefail", "exec", "tini", "--", "-g", "gosu", "app", "su-exec",
    "setpriv", "--reuid", "uv", "run", "-m", "poetry", "pipenv", "pdm", "ddtrace-run",
    "newrelic-admin", "run-program", "run-python", "opentelemetry-instrument", "doppler",
    "--command", "env", "-i", "-u", "A=1", "python", "python3.12", "-u", "-W", "-X", "-c",
    "manage.py", "django-admin", "runserver", "gunicorn", "uvicorn", "celery", "busybox", "nohup",
    "/entrypoint.sh", "", "-", 'exec "$@"', "gunicorn app & wait", "while :; do gunicorn; done",
    "a && exec b", "'unterminated", "$X",
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(_TOKENS), st.text(max_size=12)), max_size=10))
def test_resolve_launch_never_raises(argv: list[str]) -> None:
    text, words = exec_form(*argv)
    result = resolve_launch(words)
    assert result.kind in (
        "gunicorn", "uvicorn", "daphne", "hypercorn", "uwsgi", "runserver", "celery",
        "django-command", "script", "other", "empty", "unknown",
    )  # fmt: skip
    for word in result.argv:
        assert 0 <= word.span.start <= word.span.end <= len(text)
    for launcher in result.launchers:
        assert launcher.words
