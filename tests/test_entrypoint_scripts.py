"""Entrypoint scripts (§5.3 step 5): a start command that runs a script from the build context.

Each case in ``fixtures/scripts/<case>/`` is a build context with its Dockerfile; the script the
start command runs is found through COPY/ADD, read, and followed to the command it ends with. The
corpus tests run the same tracer over every real Dockerfile, with a build context that maps the
corpus's flattened file names back to their paths in the repository.
"""

from __future__ import annotations

import collections
import posixpath
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockerlint_django import rules as registry
from dockerlint_django.analysis import Analysis
from dockerlint_django.config import Config
from dockerlint_django.dockerfile import model as dfmodel
from dockerlint_django.engine import parse_dockerfile, run_rules
from dockerlint_django.gunicorn import GunicornSettings
from dockerlint_django.project.context import BuildContext
from dockerlint_django.project.view import RuntimeLayer, RuntimeValue
from dockerlint_django.project.workspace import Workspace
from dockerlint_django.shell.launch import (
    MAX_SCRIPT_HOPS,
    Launch,
    ScriptHop,
    ShellHop,
    resolve_launch,
)
from dockerlint_django.shell.scripts import (
    ScriptHow,
    ScriptNotFound,
    ScriptSource,
    read_shebang,
)
from dockerlint_django.shell.syntax import Word
from dockerlint_django.source import Mapped, SourceError, SourceFile, Span
from tests.conftest import CORPUS, ROOT, corpus_rows

FIXTURES = ROOT / "fixtures" / "scripts"


def analyse(folder: Path, context: BuildContext | None = None) -> Analysis:
    source = SourceFile.from_bytes("Dockerfile", (folder / "Dockerfile").read_bytes())
    parsed, error, _ = parse_dockerfile(source)
    assert parsed is not None, error
    model = dfmodel.build(source, parsed)
    return Analysis(source, model, context if context is not None else BuildContext(folder))


def launch_of(a: Analysis) -> Launch:
    final = a.dockerfile.final
    assert final is not None
    start = a.start(final)
    assert start is not None
    return start.launch


def case(name: str) -> tuple[Analysis, Launch]:
    a = analyse(FIXTURES / name)
    return a, launch_of(a)


def text_at(a: Analysis, span: Span) -> tuple[str, str]:
    """The file a workspace span is in, and the text there."""
    source, local = a.workspace.locate(span)
    return source.path, source.slice(local)


def only_hop(launch: Launch) -> ScriptHop:
    assert len(launch.scripts) == 1, launch.scripts
    return launch.scripts[0]


def values(words: object) -> list[str | None]:
    return [w.value for w in words]  # type: ignore[attr-defined]


# -- following a script ------------------------------------------------------------------------


def test_entrypoint_script_hands_over_to_cmd() -> None:
    a, launch = case("handover")
    hop = only_hop(launch)
    assert launch.kind == "gunicorn"
    assert (hop.path, hop.source.path, hop.shell) == (
        "/entrypoint.sh",
        "docker/entrypoint.sh",
        "sh",
    )
    assert hop.handover and hop.exec_prefixed and hop.final and hop.top_level
    assert values(hop.args) == ["gunicorn", "app.wsgi", "--workers", "3"]
    assert values(launch.args) == ["app.wsgi", "--workers", "3"]
    # The server's words are the CMD's: they point into the Dockerfile.
    assert launch.program is not None
    assert text_at(a, launch.program.span) == ("Dockerfile", "gunicorn")
    assert hop.command is not None
    assert text_at(a, hop.command.span) == ("docker/entrypoint.sh", 'exec "$@"')
    assert launch.exec_prefixed is True
    final = a.dockerfile.final
    assert final is not None
    settings = a.gunicorn(final)
    assert settings is not None
    assert settings.get("workers").value == "3"


def test_script_ending_in_exec_gunicorn_is_the_server() -> None:
    a, launch = case("exec-server")
    hop = only_hop(launch)
    assert launch.kind == "gunicorn"
    assert hop.exec_prefixed and not hop.handover and hop.shell == "bash"
    assert launch.program is not None
    assert text_at(a, launch.program.span) == ("start.sh", "gunicorn")
    final = a.dockerfile.final
    assert final is not None
    settings = a.gunicorn(final)
    assert settings is not None
    # `--workers "$WORKERS"`: set in the script, not evaluated, so unknown.
    workers = settings.get("workers")
    assert (workers.value, workers.known, workers.layer) == (None, False, "cli")
    bind = settings.get("bind")
    assert bind.value == ("0.0.0.0:8000",)
    assert bind.span is not None
    assert text_at(a, bind.span)[0] == "start.sh"
    # `export GUNICORN_CMD_ARGS=…` before the exec is the server's environment.
    assert [(e.name, e.value) for e in hop.exports] == [("GUNICORN_CMD_ARGS", "--threads 4")]
    threads = settings.get("threads")
    assert (threads.value, threads.layer) == ("4", "cmd_args_env")


def test_unknown_word_elsewhere_in_the_script_leaves_the_server_known() -> None:
    _a, launch = case("exec-server")
    hop = only_hop(launch)
    copy = next(c for c in hop.before if c.name == "cp")
    assert copy.words[1].value is None  # "$SETTINGS_FILE"
    assert launch.kind == "gunicorn"


def test_server_started_without_exec_is_recorded() -> None:
    a, launch = case("no-exec")
    hop = only_hop(launch)
    assert launch.kind == "gunicorn"
    assert hop.final and hop.top_level
    assert not hop.exec_prefixed and not hop.background and not hop.in_pipeline
    assert launch.exec_prefixed is False
    assert hop.command is not None
    assert text_at(a, hop.command.span) == ("start.sh", "gunicorn app.wsgi --bind 0.0.0.0:8000")
    assert [c.name for c in hop.before] == ["python"]


def test_sh_file_runs_the_script_with_sh_whatever_its_first_line() -> None:
    _a, launch = case("sh-file")
    hop = only_hop(launch)
    assert launch.kind == "gunicorn"
    assert hop.shell == "sh" and hop.shell_word is not None
    assert values(hop.args) == ["web"]
    assert [ln.name for ln in launch.launchers] == ["sh"]


def test_bash_file_is_found_in_the_workdir_and_parsed_as_bash() -> None:
    _a, launch = case("bash-relative")
    hop = only_hop(launch)
    assert (hop.path, hop.shell) == ("/srv/app/start.sh", "bash")
    assert launch.kind == "gunicorn"
    assert not hop.script.errors


def test_script_on_path_by_bare_name() -> None:
    _a, launch = case("on-path")
    hop = only_hop(launch)
    assert hop.path == "/usr/local/bin/docker-entrypoint.sh"
    assert hop.shell == "bash"  # `#!/usr/bin/env bash`
    assert launch.kind == "gunicorn" and values(launch.args) == ["app.wsgi"]


def test_bare_name_without_suffix_found_on_the_image_path() -> None:
    _a, launch = case("bare-name")
    hop = only_hop(launch)
    assert hop.path == "/opt/tools/bin/start-web"
    assert launch.kind == "gunicorn"


def test_bare_name_nothing_copies_stays_a_program() -> None:
    a = analyse(FIXTURES / "bare-name")
    assert launch_of(a).kind == "gunicorn"
    # The same image without the COPY: `start-web` is some program of the base image.
    text = a.source.text.replace("COPY start-web /opt/tools/bin/start-web\n", "")
    source = SourceFile.from_text("Dockerfile", text)
    parsed, _, _ = parse_dockerfile(source)
    assert parsed is not None
    other = Analysis(source, dfmodel.build(source, parsed), BuildContext(FIXTURES / "bare-name"))
    launch = launch_of(other)
    assert (launch.kind, launch.scripts, launch.opaque) == ("other", (), None)


def test_script_relative_to_workdir() -> None:
    _a, launch = case("workdir-relative")
    hop = only_hop(launch)
    assert (hop.path, hop.source.path) == ("/app/bin/start.sh", "bin/start.sh")
    assert launch.kind == "gunicorn"


def test_script_the_copy_names_is_not_in_the_context() -> None:
    _a, launch = case("missing-file")
    assert launch.kind == "script" and not launch.scripts
    assert launch.opaque is not None and launch.opaque.code == "not-copied"


def test_script_no_copy_brings_is_unknown() -> None:
    _a, launch = case("not-copied")
    assert launch.kind == "script" and not launch.scripts
    assert launch.opaque is not None and launch.opaque.code == "not-copied"


def test_script_copied_with_a_variable_is_unknown() -> None:
    _a, launch = case("copy-variable")
    assert launch.kind == "script"
    assert launch.opaque is not None and launch.opaque.code == "untraceable"


def test_script_copied_from_another_stage_is_unknown() -> None:
    _a, launch = case("copy-from-stage")
    assert launch.kind == "script"
    assert launch.opaque is not None and launch.opaque.code == "untraceable"


def test_without_a_build_context_scripts_are_unknown() -> None:
    source = SourceFile.from_bytes(
        "Dockerfile", (FIXTURES / "handover" / "Dockerfile").read_bytes()
    )
    parsed, _, _ = parse_dockerfile(source)
    assert parsed is not None
    launch = launch_of(Analysis(source, dfmodel.build(source, parsed)))
    assert launch.kind == "script"
    assert launch.opaque is not None and launch.opaque.code == "no-context"


def test_python_shebang_is_not_followed() -> None:
    _a, launch = case("python-shebang")
    assert launch.kind == "script" and not launch.scripts
    assert launch.opaque is not None
    assert (launch.opaque.code, launch.opaque.path) == ("not-shell", "/start.py")
    assert "python3" in launch.opaque.reason


def test_file_without_shebang_run_directly_is_unknown() -> None:
    _a, launch = case("no-shebang")
    assert launch.kind == "script"
    assert launch.opaque is not None and launch.opaque.code == "no-shebang"


def test_file_without_shebang_run_by_a_shell_is_run_by_that_shell(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "no-shebang", tmp_path, dirs_exist_ok=True)
    dockerfile = tmp_path / "Dockerfile"
    text = dockerfile.read_text(encoding="utf-8")
    dockerfile.write_text(text.replace('["/start.sh"]', '["sh", "-c", "/start.sh"]'))
    launch = launch_of(analyse(tmp_path))
    assert launch.kind == "gunicorn"
    assert [type(h) for h in launch.hops] == [ShellHop, ScriptHop]
    assert launch.scripts[0].shell == "sh"


def test_chained_scripts_through_tini_and_gosu() -> None:
    a, launch = case("chained")
    assert [h.path for h in launch.scripts] == ["/entrypoint.sh", "/start.sh"]
    assert launch.kind == "gunicorn" and values(launch.args) == ["app.wsgi", "--workers", "4"]
    assert [ln.name for ln in launch.launchers] == ["tini", "gosu"]
    first, second = launch.scripts
    assert first.handover and first.exec_prefixed and second.exec_prefixed
    assert launch.program is not None
    assert text_at(a, launch.program.span) == ("start.sh", "gunicorn")


def test_script_cycle_is_bounded() -> None:
    _a, launch = case("cycle")
    assert [h.path for h in launch.scripts] == ["/a.sh", "/b.sh"]
    assert launch.kind == "script"
    assert launch.opaque is not None and launch.opaque.code == "cycle"


def test_long_script_chain_is_bounded(tmp_path: Path) -> None:
    count = MAX_SCRIPT_HOPS + 2
    names = [f"s{i}.sh" for i in range(count)]
    for i, name in enumerate(names):
        nxt = f'exec /{names[i + 1]} "$@"' if i + 1 < count else "exec gunicorn app.wsgi"
        (tmp_path / name).write_text(f"#!/bin/sh\n{nxt}\n", encoding="utf-8")
    (tmp_path / "Dockerfile").write_text(
        f'FROM python:3.12\nCOPY {" ".join(names)} /\nENTRYPOINT ["/s0.sh"]\n', encoding="utf-8"
    )
    launch = launch_of(analyse(tmp_path))
    assert len(launch.scripts) == MAX_SCRIPT_HOPS
    assert launch.opaque is not None and launch.opaque.code == "too-many-hops"


def test_wait_after_a_backgrounded_server() -> None:
    a, launch = case("wait")
    hop = only_hop(launch)
    assert launch.kind == "gunicorn"
    assert hop.followed_by_wait and hop.background and hop.final
    assert not hop.exec_prefixed
    assert hop.command is not None
    assert text_at(a, hop.command.span)[1] == "gunicorn app.wsgi --bind 0.0.0.0:8000"


def test_migrations_before_the_exec_are_recorded_in_order() -> None:
    a, launch = case("migrations")
    hop = only_hop(launch)
    assert launch.kind == "gunicorn" and hop.exec_prefixed
    shown = [text_at(a, c.span) for c in hop.before]
    assert shown == [
        ("docker/start.sh", "set -e"),
        ("docker/start.sh", "wait_for_db"),
        ("docker/start.sh", "python manage.py wait_for_database"),
        ("docker/start.sh", "python manage.py migrate --noinput"),
        ("docker/start.sh", "python manage.py collectstatic --noinput --clear"),
    ]


def test_function_called_at_the_end_is_followed() -> None:
    a, launch = case("function-main")
    hop = only_hop(launch)
    assert [c.name for c in hop.calls] == ["main", "run_web"]
    assert launch.kind == "gunicorn" and hop.exec_prefixed and hop.top_level
    # `shift` in main drops "web": the server gets the rest of CMD.
    assert values(launch.args) == ["app.wsgi", "--bind", "0.0.0.0:8000", "--workers", "5"]
    assert hop.command is not None
    assert text_at(a, hop.command.span)[0] == "entrypoint.sh"
    assert "python" in [c.name for c in hop.before]


def test_compound_ending_with_one_server_takes_it() -> None:
    a, launch = case("case-one-server")
    hop = only_hop(launch)
    assert launch.kind == "gunicorn" and not hop.final and hop.exec_prefixed
    assert not hop.top_level and hop.alternatives == ()
    assert hop.command is not None
    assert text_at(a, hop.command.span)[1] == "exec gunicorn app.wsgi --bind 0.0.0.0:8000"


def test_compound_ending_choosing_between_servers_is_unknown() -> None:
    a, launch = case("case-dispatch")
    hop = only_hop(launch)
    assert launch.kind == "unknown" and hop.command is None and not hop.final
    assert [text_at(a, c.span)[1] for c in hop.alternatives] == [
        "exec gunicorn app.wsgi --bind 0.0.0.0:8000",
        "exec python manage.py runserver 0.0.0.0:8000",
    ]


def test_exec_handover_with_no_cmd_leaves_the_command_before_it() -> None:
    a, launch = case("runserver-then-handover")
    hop = only_hop(launch)
    assert launch.kind == "runserver" and not hop.exec_prefixed and hop.final
    assert hop.command is not None
    assert text_at(a, hop.command.span)[1] == "python manage.py runserver 0.0.0.0:8000"
    assert [text_at(a, c.span)[1] for c in hop.before] == ["python manage.py migrate"]


def test_sh_c_string_that_execs_a_script() -> None:
    _a, launch = case("shell-hop")
    assert launch.kind == "gunicorn"
    assert [type(h) for h in launch.hops] == [ShellHop, ScriptHop]
    assert launch.shells[0].exec_prefixed
    assert values(launch.args) == ["app.wsgi", "--preload"]
    assert launch.scripts[0].shell == "sh"  # no #! line: the shell that execs it runs it


def test_cd_in_a_script_moves_relative_lookups() -> None:
    _a, launch = case("cd-then-relative")
    assert [h.path for h in launch.scripts] == ["/srv/entrypoint.sh", "/srv/run.sh"]
    assert launch.scripts[0].changes_directory and launch.scripts[0].cwd == "/srv"
    assert launch.changes_directory and launch.kind == "gunicorn"


def test_crlf_script_is_followed_and_marked(tmp_path: Path) -> None:
    (tmp_path / "start.sh").write_bytes(
        b"#!/bin/sh\r\nset -e\r\npython manage.py migrate\r\nexec gunicorn app.wsgi\r\n"
    )
    (tmp_path / "Dockerfile").write_text(
        'FROM python:3.12\nCOPY start.sh /start.sh\nCMD ["/start.sh"]\n', encoding="utf-8"
    )
    a = analyse(tmp_path)
    launch = launch_of(a)
    hop = only_hop(launch)
    assert launch.kind == "gunicorn" and hop.exec_prefixed
    assert hop.crlf  # the kernel would look for `/bin/sh\r`: a rule can say so
    assert values(launch.args) == ["app.wsgi"]
    assert [text_at(a, c.span)[1] for c in hop.before] == ["set -e", "python manage.py migrate"]


def test_crlf_stripped_by_a_run_is_not_marked(tmp_path: Path) -> None:
    (tmp_path / "start").write_bytes(b"#!/bin/bash\r\nexec gunicorn app.wsgi\r\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.12\nCOPY start /start\n"
        "RUN sed -i 's/\\r$//g' /start && chmod +x /start\n"
        'CMD ["/start"]\n',
        encoding="utf-8",
    )
    hop = only_hop(launch_of(analyse(tmp_path)))
    assert hop.file.newlines_normalised and not hop.crlf


def test_script_a_run_rewrites_is_unknown() -> None:
    _a, launch = case("changed-by-run")
    assert launch.kind == "script"
    assert launch.opaque is not None and launch.opaque.code == "changed-by-run"


def test_script_with_a_syntax_error_is_unknown() -> None:
    _a, launch = case("syntax-error")
    assert launch.kind == "script" and not launch.scripts
    assert launch.opaque is not None and launch.opaque.code == "syntax-error"
    assert "/start.sh line" in launch.opaque.reason


def test_commands_without_a_script_are_unchanged() -> None:
    source = SourceFile.from_text(
        "Dockerfile", 'FROM python:3.12\nCMD ["sh", "-c", "exec gunicorn app.wsgi"]\n'
    )
    parsed, _, _ = parse_dockerfile(source)
    assert parsed is not None
    launch = launch_of(Analysis(source, dfmodel.build(source, parsed), BuildContext(FIXTURES)))
    assert launch.kind == "gunicorn"
    assert (launch.scripts, launch.opaque) == ((), None)
    assert launch.hops == launch.shells


@pytest.mark.parametrize(
    ("line", "program", "dialect"),
    [
        ("#!/bin/sh", "sh", "posix"),
        ("#! /bin/bash -e", "bash", "bash"),
        ("#!/usr/bin/env bash", "bash", "bash"),
        ("#!/usr/bin/env -S bash -eu", "bash", "bash"),
        ("#!/bin/busybox sh", "sh", "posix"),
        ("#!/usr/bin/env python3", "python3", None),
        ("#!/usr/bin/env bash -e", "bash -e", None),  # env looks for a program named "bash -e"
        ("#!/bin/zsh", "zsh", None),
    ],
)
def test_shebang(line: str, program: str, dialect: str | None) -> None:
    bang = read_shebang(SourceFile.from_text("s", line + "\nexec true\n"))
    assert bang is not None
    assert (bang.program, bang.dialect) == (program, dialect)


def test_no_shebang_behind_a_bom() -> None:
    assert read_shebang(SourceFile.from_bytes("s", b"\xef\xbb\xbf#!/bin/sh\n")) is None


# -- robustness --------------------------------------------------------------------------------


class Files:
    """A ``ScriptFinder`` over a few files by image path, without a Dockerfile."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files
        self.workspace = Workspace(SourceFile.from_text("Dockerfile", "CMD"))

    @property
    def workdir(self) -> str | None:
        return "/app"

    @property
    def environment(self) -> frozenset[str]:
        return frozenset({"WEB_CONCURRENCY"})

    def find(
        self, name: str, cwd: str | None, how: ScriptHow, *, path_changed: bool = False
    ) -> ScriptSource | ScriptNotFound:
        path = posixpath.normpath(posixpath.join(cwd or "/", name))
        if path not in self.files:
            return ScriptNotFound("not-copied", f"no {path}")
        source = SourceFile.from_text(path.lstrip("/"), self.files[path])
        return ScriptSource(path, source, self.workspace.mapped(source))


def run_script(text: str, *args: str, others: dict[str, str] | None = None) -> Launch:
    finder = Files({"/s.sh": text, **(others or {})})
    argv = [Word.literal(Mapped.from_source(a, 0)) for a in ("/s.sh", *args)]
    return resolve_launch(argv, finder)


_FRAGMENTS = [
    'exec "$@"',
    "exec $@",
    'exec "$*"',
    "exec gunicorn app.wsgi",
    "gunicorn app.wsgi &",
    "python manage.py runserver",
    "wait",
    'main "$@"',
    "main() {",
    "run() {",
    "}",
    "run",
    'if [ -n "$X" ]; then',
    "else",
    "fi",
    'case "$1" in',
    "a) exec gunicorn x;;",
    "b) shift; exec /t.sh;;",
    "esac",
    "shift",
    "shift 2",
    "set -- gunicorn app",
    "set -euo pipefail",
    "cd /srv",
    "export GUNICORN_CMD_ARGS=--threads=2",
    "WEB_CONCURRENCY=$(nproc)",
    'exec /t.sh "$@"',
    "exec ./s.sh",
    "f() { f; }",
    "f",
    "cat <<EOF",
    "main() {",
    "EOF",
    "$CMD",
    "exec",
    "exec >/dev/null 2>&1",
    "(cd /x && exec gunicorn y)",
    "echo 'unterminated",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(_FRAGMENTS), max_size=14),
    st.lists(st.sampled_from(_FRAGMENTS), max_size=6),
    st.lists(st.sampled_from(["web", "gunicorn", "a b", "*.py", "-c /x"]), max_size=3),
    st.sampled_from(["#!/bin/sh\n", "#!/bin/bash\n", "", "#!/usr/bin/env python\n"]),
)
def test_any_script_is_followed_without_raising(
    lines: list[str], other: list[str], args: list[str], shebang: str
) -> None:
    sep = "\r\n" if len(lines) % 3 == 0 else "\n"
    launch = run_script(
        shebang + sep.join(lines), *args, others={"/t.sh": "#!/bin/sh\n" + "\n".join(other)}
    )
    assert len(launch.scripts) <= MAX_SCRIPT_HOPS
    assert (launch.kind == "script") == (launch.opaque is not None)


def test_functions_calling_one_another_stay_bounded() -> None:
    names = [f"f{i}" for i in range(12)]
    body = "; ".join(names)
    text = "#!/bin/sh\n" + "\n".join(f"{n}() {{ {body}; }}" for n in names) + "\nf0\n"
    launch = run_script(text + 'exec "$@"\n', "gunicorn", "app.wsgi")
    assert launch.kind == "gunicorn"
    assert 0 < len(launch.scripts[0].before) <= 5000


def test_function_redefined_is_not_guessed() -> None:
    text = "#!/bin/sh\nstart() { exec gunicorn a; }\nstart() { exec uvicorn b; }\nstart\n"
    launch = run_script(text)
    assert launch.kind == "unknown" and launch.scripts[0].calls == ()


def test_shift_in_a_branch_makes_the_handover_unknown() -> None:
    text = '#!/bin/sh\nif [ "$1" = web ]; then shift; fi\nexec gunicorn "$@"\n'
    launch = run_script(text, "web", "app.wsgi")
    assert launch.kind == "gunicorn"
    assert [w.value for w in launch.args] == [None]  # "$@": any number of unknown words


def test_unquoted_handover_splits_and_globs_are_unknown() -> None:
    launch = run_script("#!/bin/sh\nexec $@\n", "gunicorn", "-c /etc/g.py", "*.wsgi")
    assert [w.value for w in launch.args] == ["-c", "/etc/g.py", None]


def test_exports_in_a_branch_are_unknown_and_in_a_subshell_ignored() -> None:
    text = (
        "#!/bin/sh\n"
        "export A=1\n"
        'if [ -n "$X" ]; then export B=2; fi\n'
        "(export C=3)\n"
        "WEB_CONCURRENCY=4\n"
        "OTHER=5\n"
        "exec gunicorn app\n"
    )
    hop = run_script(text).scripts[0]
    assert [(e.name, e.value) for e in hop.exports] == [
        ("A", "1"),
        ("B", None),
        ("WEB_CONCURRENCY", "4"),  # already in the environment: children see the new value
    ]


# -- rules over followed scripts ---------------------------------------------------------------


def findings_of(name: str, code: str) -> list[tuple[str, int, str, str]]:
    """``code``'s findings on a fixture case: (file, line, severity, message)."""
    a = analyse(FIXTURES / name)
    rule = registry.get(code)
    out = []
    for f in run_rules(a, [rule], Config(select=(code,))):
        out.append((f.path, f.start.line, f.severity.label, f.message))
    return out


def test_dj010_shows_a_value_written_in_a_script() -> None:
    # The span of `"$WORKERS"` is in start.sh: its text is read from there, not the Dockerfile.
    [(path, line, _, message)] = findings_of("workers-variable", "DJ010")
    assert (path, line) == ("start.sh", 3)
    assert 'sets --workers "$WORKERS";' in message
    # The script sets the variable itself (from nproc), so a deployment cannot change it.
    assert "setting those at deploy time does not change the worker count" in message


def test_text_of_a_span_in_a_script() -> None:
    a, launch = case("workers-variable")
    assert launch.program is not None
    assert a.text(launch.program.span) == "gunicorn"
    assert a.text(launch.args[-1].span) == '"$WORKERS"'


def test_dj030_exec_gosu_with_an_unknown_user_is_not_root() -> None:
    _a, launch = case("gosu-unknown-user")
    assert launch.kind == "unknown"  # gosu's user is a variable: the launcher cannot be read
    assert findings_of("gosu-unknown-user", "DJ030") == []


def test_dj030_script_ending_in_gosu_is_not_root() -> None:
    assert findings_of("chained", "DJ030") == []  # exec gosu app "$@"


def test_dj030_script_that_reexecs_itself_as_a_user_is_info() -> None:
    # `exec setpriv … "$0" "$@"` in a branch: the tracer takes the final `exec "$@"`, but the
    # script steps down first when it runs as root.
    [(path, _, severity, message)] = findings_of("reexec-as-user", "DJ030")
    assert (path, severity) == ("Dockerfile", "info")
    assert "/entrypoint.sh runs setpriv" in message


def test_dj030_step_down_for_one_command_before_the_server_is_still_root() -> None:
    # `su app -c "…migrate"` returns: the server after it still runs as root.
    [(_, _, severity, message)] = findings_of("su-before", "DJ030")
    assert severity == "warning" and "ignore this" not in message


def test_dj030_followed_script_in_an_image_with_gosu_is_info() -> None:
    [(_, _, severity, message)] = findings_of("installs-gosu", "DJ030")
    assert severity == "info" and "the image installs gosu/su-exec" in message


def test_dj001_shell_form_entrypoint_running_a_script_is_long_running() -> None:
    # The script ends in `exec "$@"`, whose words ($0 $@ of the shell) are unknown: the script is
    # still the container's process behind /bin/sh, as when scripts were not followed.
    _a, launch = case("shell-entrypoint-args")
    assert launch.kind == "unknown" and launch.scripts
    [(path, line, severity, message)] = findings_of("shell-entrypoint-args", "DJ001")
    assert (path, line, severity) == ("Dockerfile", 3, "warning")
    assert "shell-form ENTRYPOINT starts its process" in message


def test_copy_with_quoted_variable_destination_brings_the_script() -> None:
    a, launch = case("copy-quoted-variable")  # COPY "." "$CODE_DIR/"
    assert [h.path for h in launch.scripts] == ["/app/bin/entrypoint.sh"]
    assert launch.kind == "gunicorn"
    final = a.dockerfile.final
    assert final is not None
    assert a.context_file_at(final, "/app/bin/entrypoint.sh") == ("./bin/entrypoint.sh", True)
    assert a.context_file_at(final, "/app/missing.py") == (None, True)


def context_answer(tmp_path: Path, dockerfile: str, path: str) -> tuple[str | None, bool]:
    (tmp_path / "Dockerfile").write_text(dockerfile)
    for name in ("manage.py", "gunicorn.conf.py", "app.tar.gz"):
        (tmp_path / name).write_text("")
    a = analyse(tmp_path)
    final = a.dockerfile.final
    assert final is not None
    return a.context_file_at(final, path)


@pytest.mark.parametrize(
    ("lines", "path", "answer"),
    [
        # The destination is expanded as BuildKit does: quotes removed, variables replaced.
        (["ENV D=/app", 'COPY manage.py "${D}/"'], "/app/manage.py", ("manage.py", True)),
        (["ARG D=/app", "COPY . $D"], "/app/manage.py", ("./manage.py", True)),
        # A destination whose value is not known may be anywhere: nothing is known absent.
        (["ARG D", "COPY . $D/"], "/app/manage.py", (None, False)),
        (['COPY . "$FROM_BASE_IMAGE/"'], "/app/manage.py", (None, False)),
        (["ARG D", "COPY . $D/", "COPY gunicorn.conf.py /etc/"], "/app/manage.py", (None, False)),
        # A later copy with a known destination still wins over an earlier unknown one.
        (["ARG D", "COPY . $D/", "COPY manage.py /app/"], "/app/manage.py", ("manage.py", True)),
        # A variable or quoted source is expanded too.
        (["ENV F=manage.py", 'COPY "$F" /app/'], "/app/manage.py", ("manage.py", True)),
        (["ARG F", "COPY $F /app/"], "/app/manage.py", (None, False)),
        # A single file copied to a directory the image has lands inside it.
        (["WORKDIR /app", "COPY manage.py /app"], "/app/manage.py", ("manage.py", True)),
        (["COPY manage.py /usr/local/bin"], "/usr/local/bin/manage.py", ("manage.py", True)),
        (["COPY manage.py /app", "WORKDIR /srv"], "/app/manage.py", (None, False)),
        (["COPY manage.py ."], "/manage.py", ("manage.py", True)),
        # Heredocs, archives ADD unpacks, URLs: the file comes from elsewhere.
        (
            ["COPY <<EOF /app/gunicorn.conf.py", "workers = 2", "EOF"],
            "/app/gunicorn.conf.py",
            (None, False),
        ),
        (["ADD app.tar.gz /app/"], "/app/manage.py", (None, False)),
        (["ADD https://example.com/manage.py /app/"], "/app/manage.py", (None, False)),
        (["COPY --parents ./manage.py /app/"], "/app/manage.py", (None, False)),
        # No copy writes there: known absent.
        (["COPY manage.py /app/"], "/srv/manage.py", (None, True)),
    ],
)
def test_context_file_at(
    tmp_path: Path, lines: list[str], path: str, answer: tuple[str | None, bool]
) -> None:
    dockerfile = "FROM python:3.12-slim\n" + "\n".join(lines) + "\n"
    assert context_answer(tmp_path, dockerfile, path) == answer


def gunicorn_of(name: str) -> GunicornSettings:
    a = analyse(FIXTURES / name)
    final = a.dockerfile.final
    assert final is not None
    settings = a.gunicorn(final)
    assert settings is not None
    return settings


def test_gunicorn_config_is_found_where_a_script_cds_to() -> None:
    # `cd /app/src` then gunicorn: ./gunicorn.conf.py is /app/src/gunicorn.conf.py.
    settings = gunicorn_of("cd-literal-config")
    workers = settings.get("workers")
    assert (workers.value, workers.layer) == ("4", "config")
    assert findings_of("cd-literal-config", "DJ011") == []


@pytest.mark.parametrize(
    "name",
    [
        "cd-unknown",  # cd "$APP_HOME"
        "shell-cd",  # sh -c "cd src && exec gunicorn …"
        "sourced-file",  # . /app/settings.sh may cd (and export anything)
    ],
)
def test_gunicorn_config_is_unknown_when_the_directory_is(name: str) -> None:
    settings = gunicorn_of(name)
    assert settings.config_unknown
    assert not settings.get("workers").known
    assert findings_of(name, "DJ011") == []


def test_virtualenv_activate_leaves_the_directory_known() -> None:
    settings = gunicorn_of("venv-activate")
    assert not settings.config_unknown
    assert settings.get("workers").layer == "default"


def test_compose_working_dir_is_where_gunicorn_looks(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "cd-literal-config", tmp_path / "ctx")
    (tmp_path / "ctx" / "start.sh").write_text("#!/bin/sh\nexec gunicorn app.wsgi\n")
    a = analyse(tmp_path / "ctx")
    final = a.dockerfile.final
    assert final is not None
    at = Span(0, 0)
    a.runtime = RuntimeLayer("web", working_dir=RuntimeValue("/app/src", at, at))
    settings = a.gunicorn(final)
    assert settings is not None and settings.get("workers").layer == "config"


# -- the corpus --------------------------------------------------------------------------------


class FlatContext(BuildContext):
    """The build context of a corpus Dockerfile, whose files the corpus keeps flattened.

    The corpus stores ``docker/entrypoint.sh`` of a repository as ``docker__entrypoint.sh``, and
    a file from another commit as ``docker__entrypoint.sh@380cb77``. A context path is looked up
    from the repository root, then from the Dockerfile's own folder (the two build contexts real
    projects use), then from a cookiecutter template's project folder, preferring the
    Dockerfile's own commit.
    """

    def __init__(self, folder: Path, dockerfile: str) -> None:
        super().__init__(folder)
        self.names = {p.name for p in folder.iterdir()}
        dockerfile, _, commit = dockerfile.partition("@")
        self.suffixes = [f"@{commit}", ""] if commit else [""]
        parent = dockerfile.rsplit("__", 1)[0].replace("__", "/") if "__" in dockerfile else ""
        self.prefixes = ["", parent] if parent else [""]
        if parent.startswith("{{"):
            # A cookiecutter template: its project folder is the build context.
            self.prefixes.append(parent.split("/", 1)[0])

    def _flat(self, relative: str) -> tuple[str | None, bool | None]:
        """(flattened file name, None) for a file, (None, True) for a folder, else (None, None)."""
        norm = posixpath.normpath(relative.lstrip("/")) if relative not in ("", ".") else "."
        if norm.startswith(".."):
            return None, None
        for prefix in self.prefixes:
            full = posixpath.normpath(posixpath.join(prefix, norm))
            if full == ".":
                return None, True
            flat = full.replace("/", "__")
            for suffix in self.suffixes:
                if flat + suffix in self.names:
                    return flat + suffix, None
            if any(n.startswith(flat + "__") for n in self.names):
                return None, True
        return None, None

    def exists(self, relative: str) -> bool | None:
        flat, folder = self._flat(relative)
        return flat is not None or folder is True

    def list_dir(self, relative: str) -> list[str] | None:
        return None

    def read(self, relative: str) -> SourceFile | None:
        flat, _ = self._flat(relative)
        if flat is None:
            return None
        assert self.root is not None
        try:
            name = posixpath.normpath(relative.lstrip("/"))
            return SourceFile.from_bytes(name, (self.root / flat).read_bytes())
        except (OSError, SourceError):
            return None


DOCKERFILES = corpus_rows("dockerfile")


def corpus_analysis(local: str) -> Analysis | None:
    folder, name = local.split("/", 1)
    path = CORPUS / "files" / local
    source = SourceFile.from_bytes(local, path.read_bytes())
    parsed, _, _ = parse_dockerfile(source)
    if parsed is None:
        return None
    model = dfmodel.build(source, parsed)
    return Analysis(source, model, FlatContext(CORPUS / "files" / folder, name))


def corpus_launches() -> dict[str, Launch]:
    out: dict[str, Launch] = {}
    for row in DOCKERFILES:
        a = corpus_analysis(row["local_file"])
        if a is None or a.dockerfile.final is None:
            continue
        start = a.start(a.dockerfile.final)
        if start is not None:
            out[row["local_file"]] = start.launch
    return out


def tally(launches: dict[str, Launch]) -> collections.Counter[str]:
    """How far each start command that runs a script got, as counted in the issue's report."""
    counts: collections.Counter[str] = collections.Counter()
    for launch in launches.values():
        if not launch.scripts and launch.opaque is None:
            continue
        counts["runs a script"] += 1
        if launch.scripts:
            counts["script read"] += 1
        if launch.is_web_server:
            counts["followed to a server"] += 1
        if any(h.handover for h in launch.scripts):
            counts['through exec "$@"'] += 1
        if launch.opaque is not None:
            counts[f"opaque: {launch.opaque.code}"] += 1
        elif launch.kind == "unknown":
            counts["unknown word in the final command"] += 1
    return counts


@pytest.mark.skipif(not DOCKERFILES, reason="../shared/corpus is not present")
def test_corpus_scripts_are_traced() -> None:
    launches = corpus_launches()
    counts = tally(launches)
    assert counts["runs a script"] >= 100
    assert counts["script read"] >= 60
    assert counts["followed to a server"] >= 30
    assert counts['through exec "$@"'] >= 20
    for local, launch in launches.items():
        for hop in launch.scripts:
            assert hop.source.text, local
            assert not hop.script.errors, local
        if launch.opaque is not None:
            assert launch.kind == "script", local


@pytest.mark.skipif(not DOCKERFILES, reason="../shared/corpus is not present")
def test_corpus_known_scripts_end_where_they_do() -> None:
    launches = corpus_launches()
    ctfd = launches["CTFd__CTFd/Dockerfile"]
    assert ctfd.kind == "gunicorn" and ctfd.scripts[0].path == "/opt/CTFd/docker-entrypoint.sh"
    meinheld = launches["tiangolo__meinheld-gunicorn-docker/docker-images__python3.9.dockerfile"]
    assert [h.path for h in meinheld.scripts] == ["/entrypoint.sh", "/start.sh"]
    assert meinheld.kind == "gunicorn"
    netbox = launches["netbox-community__netbox-docker/Dockerfile@380cb77"]
    # `exec $@` splits the CMD's "-c /etc/netbox/gunicorn_config.py" into two words.
    assert values(netbox.args) == ["-c", "/etc/netbox/gunicorn_config.py", "netbox.wsgi"]
    plane = launches["makeplane__plane/apps__api__Dockerfile.api"]
    django = [
        c.words[2].value for c in plane.scripts[0].before if values(c.words[1:2]) == ["manage.py"]
    ]
    assert plane.kind == "gunicorn"
    assert django[:2] == ["wait_for_db", "wait_for_migrations"] and django[-1] == "collectstatic"
    assert launches["maxking__docker-mailman/web__Dockerfile"].kind == "uwsgi"
    core = launches["maxking__docker-mailman/core__Dockerfile"]  # `exec su-exec mailman "$@"`
    assert [ln.name for ln in core.launchers] == ["su-exec"] and values(core.argv) == [
        "master",
        "--force",
    ]


@pytest.mark.skipif(not DOCKERFILES, reason="../shared/corpus is not present")
def test_rules_run_cleanly_on_corpus_scripts() -> None:
    """Every rule runs over the corpus with its scripts visible, without crashing on their spans."""
    config = Config(select=tuple(registry.CODES))
    rules = [registry.get(c) for c in registry.CODES if c not in registry.META_CODES]
    for row in DOCKERFILES:
        a = corpus_analysis(row["local_file"])
        if a is None:
            continue
        findings = run_rules(a, rules, config)
        assert not [f.message for f in findings if f.code == "DJ902"], row["local_file"]
        for f in findings:
            assert f.path in {p.path for p in a.workspace.files}
