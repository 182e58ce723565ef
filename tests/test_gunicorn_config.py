"""Gunicorn config files read by AST, never executed; config references resolved to paths."""

from __future__ import annotations

import ast
import textwrap

import pytest

from dockerlint_django.gunicorn import ConfigSetting, resolve_settings
from dockerlint_django.readers.gunicorn_config import (
    CONFIG_SETTINGS,
    ConfigRef,
    GunicornConfig,
    read_config,
    resolve_config_ref,
)
from dockerlint_django.source import SourceFile, Span
from tests.conftest import corpus_file, corpus_rows


def read(text: str, path: str = "gunicorn.conf.py") -> GunicornConfig:
    return read_config(SourceFile.from_text(path, textwrap.dedent(text)))


def setting(text: str, name: str) -> ConfigSetting:
    return read(text).settings[name]


def value(text: str, name: str) -> object:
    entry = setting(text, name)
    assert entry.known, entry
    return entry.value


def span_of(entry: ConfigSetting) -> Span:
    assert entry.span is not None
    return entry.span


def unknown(text: str, name: str) -> bool:
    entry = read(text).settings[name]
    return not entry.known and entry.value is None


# ---------------------------------------------------------------------------------------------
# literals


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("workers = 4", "workers", 4),
        ("timeout = 30.5", "timeout", 30.5),
        ("worker_class = 'gthread'", "worker_class", "gthread"),
        ('bind = ["0.0.0.0:8000", "unix:/tmp/s"]', "bind", ("0.0.0.0:8000", "unix:/tmp/s")),
        ('bind = ("0.0.0.0:8000",)', "bind", ("0.0.0.0:8000",)),
        # Gunicorn's validate_list_string wraps a single string.
        ('bind = "0.0.0.0:8000"', "bind", ("0.0.0.0:8000",)),
        ('raw_env = "A=1"', "raw_env", ("A=1",)),
        # forwarded_allow_ips is not an append option: strings stay strings.
        ('forwarded_allow_ips = "*"', "forwarded_allow_ips", "*"),
        ("preload_app = True", "preload_app", True),
        ("control_socket_disable = False", "control_socket_disable", False),
        ("proc_name = None", "proc_name", None),
        ("workers = 2 * 2", "workers", 4),
        ("workers = 2 * 2 + 1", "workers", 5),
        ("workers = -(-3)", "workers", 3),
        ("timeout = 60 // 2", "timeout", 30),
        ("workers = 2 ** 3", "workers", 8),
        ("bind = '0.0.0.0:' + '8000'", "bind", ("0.0.0.0:8000",)),
        ("bind = ['a:1'] + ['b:2']", "bind", ("a:1", "b:2")),
        ("umask = 0o007", "umask", 7),
        ("workers: int = 3", "workers", 3),
        ("wsgi_app = 'core.wsgi:application'", "wsgi_app", "core.wsgi:application"),
        ("worker_tmp_dir = '/dev/shm'", "worker_tmp_dir", "/dev/shm"),
        ("proc_name = f'app-{1}'", "proc_name", "app-1"),
        ("workers = 4 if True else 2", "workers", 4),
        ("workers = 0 or 3", "workers", 3),
    ],
)
def test_literal_values_are_known(text: str, name: str, expected: object) -> None:
    entry = setting(text, name)
    assert entry.known
    assert entry.value == expected
    assert type(entry.value) is type(expected)


@pytest.mark.parametrize(
    "text",
    [
        "workers = multiprocessing.cpu_count() * 2 + 1",
        "workers = os.environ['WORKERS']",
        "workers = os.getenv('WORKERS', '2')",
        "workers = int('4')",
        "workers = cores",  # a name never bound in the file
        "import os\nworkers = os.cpu_count()",
        "workers = [1, 2][0]",
        "workers = 1 / 0",
        "workers = 'x' * 100000",
        "workers = 2 ** 1000",
        "workers = '%s' % 3",
        "workers = lambda: 3",
        "workers = {'a': 1}",
        "workers = f'{3:>4}'",
        "workers = b'3'",
        "bind = ['0.0.0.0:8000', port]",
        "bind = [1]",
    ],
)
def test_computed_values_are_set_but_unknown(text: str) -> None:
    config = read(text)
    name = "bind" if text.startswith("bind") else "workers"
    assert name in config.settings
    assert unknown(text, name)
    assert not config.all_unknown


def test_names_bound_to_literals_are_followed() -> None:
    text = """
        port = 8000
        host = "0.0.0.0"
        bind = f"{host}:{port}"
        cores = multiprocessing.cpu_count()
        workers = cores * 2 + 1
        threads = port // 4000
    """
    config = read(text)
    assert config.settings["bind"].value == ("0.0.0.0:8000",)
    assert not config.settings["workers"].known
    assert config.settings["threads"].value == 2
    # Names Gunicorn does not read never show up.
    assert set(config.settings) == {"bind", "workers", "threads"}


def test_only_gunicorn_settings_are_reported() -> None:
    text = """
        WORKERS = 4
        Workers = 4
        my_workers = 4
        worker_class = "sync"
        help = 1
        version = 2
    """
    assert set(read(text).settings) == {"worker_class"}
    assert "post_fork" in CONFIG_SETTINGS
    assert "wsgi_app" in CONFIG_SETTINGS
    assert "help" not in CONFIG_SETTINGS


def test_reassignment_last_wins_and_augmented_assignment() -> None:
    text = """
        workers = 2
        workers = 3
        threads = 2
        threads += 2
        timeout = 30
        timeout *= cpu_count()
        max_requests += 1
    """
    config = read(text)
    assert config.settings["workers"].value == 3
    assert config.settings["threads"].value == 4
    assert not config.settings["timeout"].known
    assert not config.settings["max_requests"].known  # += on a name never bound


def test_tuple_and_chained_targets() -> None:
    text = """
        workers, threads = 4, 2
        (timeout, [graceful_timeout, keepalive]) = (60, (30, 5))
        backlog = max_requests = 100
        worker_connections, *rest = 1, 2, 3
        a, b = c
        user, group = "app", compute()
        pair = ("u", "g")
        x_user, x_group = pair
    """
    config = read(text)
    assert config.settings["workers"].value == 4
    assert config.settings["threads"].value == 2
    assert config.settings["timeout"].value == 60
    assert config.settings["graceful_timeout"].value == 30
    assert config.settings["keepalive"].value == 5
    assert config.settings["backlog"].value == 100
    assert config.settings["max_requests"].value == 100
    assert not config.settings["worker_connections"].known
    assert config.settings["user"].value == "app"
    assert not config.settings["group"].known


def test_tuple_target_from_bound_name() -> None:
    config = read('pair = ("app", "grp")\nuser, group = pair\n')
    assert config.settings["user"].value == "app"
    assert config.settings["group"].value == "grp"


def test_delete_unsets() -> None:
    config = read("workers = 3\ndel workers\nthreads = 2\n")
    assert "workers" not in config.settings
    assert config.settings["threads"].value == 2


# ---------------------------------------------------------------------------------------------
# branches


def test_if_without_else_is_set_but_unknown() -> None:
    text = """
        if os.environ.get("DEBUG"):
            reload = True
    """
    assert unknown(text, "reload")


def test_if_else_agreeing_is_known_and_disagreeing_is_not() -> None:
    text = """
        if os.environ.get("DEBUG"):
            workers = 2
            threads = 1
        else:
            workers = 2
            threads = 4
    """
    config = read(text)
    assert config.settings["workers"].value == 2
    assert config.settings["workers"].known
    assert not config.settings["threads"].known


def test_elif_chain_must_all_agree() -> None:
    text = """
        if a:
            workers = 2
        elif b:
            workers = 2
        else:
            workers = 3
    """
    assert unknown(text, "workers")
    text_ok = text.replace("workers = 3", "workers = 2")
    assert value(text_ok, "workers") == 2


def test_branch_keeps_earlier_value_when_untouched() -> None:
    text = """
        workers = 3
        if flag:
            threads = 2
    """
    config = read(text)
    assert config.settings["workers"].value == 3
    assert not config.settings["threads"].known


def test_constant_tests_take_one_branch() -> None:
    text = """
        if True:
            workers = 2
        else:
            workers = 9
        if __name__ == "__main__":
            threads = 8
        else:
            threads = 3
        if "__main__" != __name__:
            timeout = 10
        DEBUG = False
        if DEBUG:
            reload = True
    """
    config = read(text)
    assert config.settings["workers"].value == 2
    assert config.settings["threads"].value == 3
    assert config.settings["timeout"].value == 10
    assert "reload" not in config.settings


def test_try_except() -> None:
    text = """
        try:
            import multiprocessing
            workers = multiprocessing.cpu_count()
        except ImportError:
            workers = 2
        try:
            threads = 4
        except Exception:
            threads = 4
        try:
            timeout = 60
        except Exception:
            pass
        try:
            pass
        finally:
            keepalive = 5
    """
    config = read(text)
    assert not config.settings["workers"].known
    assert config.settings["threads"].value == 4
    assert not config.settings["timeout"].known
    assert config.settings["keepalive"].value == 5


def test_loops_and_with() -> None:
    text = """
        for name in ("a", "b"):
            workers = 2
        while False:
            threads = 3
        with open("x") as fh:
            timeout = 10
        for worker_class in ["sync"]:
            pass
    """
    config = read(text)
    assert not config.settings["workers"].known
    assert not config.settings["threads"].known
    assert not config.settings["timeout"].known
    assert not config.settings["worker_class"].known


def test_match_statement() -> None:
    text = """
        match env:
            case "prod":
                workers = 4
            case _:
                workers = 2
    """
    assert unknown(text, "workers")


# ---------------------------------------------------------------------------------------------
# hooks, imports, escapes


def test_hooks_defined_with_def_are_set() -> None:
    text = """
        def post_fork(server, worker):
            pass

        async def on_starting(server):
            pass

        def helper():
            pass

        when_ready = helper
    """
    config = read(text)
    assert config.settings["post_fork"] == ConfigSetting(
        "<function post_fork>", True, config.settings["post_fork"].span
    )
    assert config.settings["on_starting"].known
    assert config.settings["when_ready"].value == "<function helper>"
    assert "helper" not in config.settings


def test_imported_settings_are_unknown() -> None:
    text = """
        from hooks import post_fork, worker_exit as worker_int
        import bind
    """
    config = read(text)
    for name in ("post_fork", "worker_int", "bind"):
        assert not config.settings[name].known
    assert not config.all_unknown


@pytest.mark.parametrize(
    "text",
    [
        "from defaults import *",
        "set_defaults(globals())",
        "globals()['workers'] = 3",
        "globals().update(workers=3)",
        "exec(open('x').read())",
        "vars()['workers'] = 3",
        "for k in env:\n    locals()[k] = env[k]",
        "if flag:\n    from defaults import *",
    ],
)
def test_namespace_escapes_make_everything_unknown(text: str) -> None:
    config = read(text)
    assert config.all_unknown
    assert config.unknown
    assert config.error is None


def test_assignments_after_an_escape_win() -> None:
    config = read("workers = 2\nset_defaults(globals())\nworker_class = 'gthread'\n")
    assert config.all_unknown
    assert not config.settings["workers"].known
    assert config.settings["worker_class"].value == "gthread"
    resolved = resolve_settings(config=config.settings, config_unknown=config.unknown)
    assert resolved.get("worker_class").value == "gthread"
    assert not resolved.get("threads").known


def test_escape_inside_a_hook_body_does_not_count() -> None:
    text = """
        def post_fork(server, worker):
            globals()["x"] = 1
            exec("y = 2")

        workers = 2
    """
    config = read(text)
    assert not config.all_unknown
    assert config.settings["workers"].value == 2


def test_called_function_global_and_escape_are_followed() -> None:
    text = """
        workers = 2
        threads = 3

        def tune():
            global workers
            workers = 8

        tune()
    """
    config = read(text)
    assert not config.settings["workers"].known
    assert config.settings["threads"].value == 3
    assert not config.all_unknown
    escaping = read("def load():\n    globals().update(x=1)\n\nload()\n")
    assert escaping.all_unknown


def test_shadowed_globals_is_not_an_escape() -> None:
    config = read("def globals():\n    return {}\n\nglobals()\nworkers = 2\n")
    assert not config.all_unknown


def test_walrus_binds_unknown() -> None:
    config = read("print(workers := 3)\n")
    assert not config.settings["workers"].known


# ---------------------------------------------------------------------------------------------
# errors and spans


def test_syntax_error_reports_line_without_raising() -> None:
    config = read("workers = 2\nbind = [\n\nthreads = = 3\n")
    assert config.error is not None
    assert config.error_line in (2, 4)
    assert str(config.error_line) in config.error
    assert config.settings == {}
    assert config.unknown


def test_non_python_file_is_an_error() -> None:
    config = read("GUNICORN_BIND=0.0.0.0:8000\nGUNICORN_WORKERS=2\n")
    assert config.error is not None
    assert config.error_line == 1


def test_null_byte_is_an_error() -> None:
    config = read("workers = 2\x00\n")
    assert config.error is not None


def test_spans_are_exact_code_point_offsets() -> None:
    text = '# é ünïcode comment\nproc_name = "café"  # ü\nbind = ["a:1",\n        "b:2"]\n'
    source = SourceFile.from_text("g.py", text)
    config = read_config(source)
    proc = config.settings["proc_name"]
    assert source.slice(span_of(proc)) == '"café"'
    assert proc.span == Span(text.index('"café"'), text.index('"café"') + 6)
    bind = config.settings["bind"]
    assert source.slice(span_of(bind)) == '["a:1",\n        "b:2"]'


def test_spans_with_crlf_and_bom() -> None:
    data = b"\xef\xbb\xbfworkers = 3\r\nthreads = 2\r\n"
    source = SourceFile.from_bytes("g.py", data)
    config = read_config(source)
    assert source.slice(span_of(config.settings["workers"])) == "3"
    assert source.slice(span_of(config.settings["threads"])) == "2"
    assert source.position(span_of(config.settings["threads"]).start).line == 2


def test_span_of_def_and_tuple_element() -> None:
    text = "workers, threads = 4, 2\n\ndef post_fork(server, worker):\n    pass\n"
    source = SourceFile.from_text("g.py", text)
    config = read_config(source)
    assert source.slice(span_of(config.settings["threads"])) == "2"
    assert source.slice(span_of(config.settings["post_fork"])).startswith("def post_fork(")


def test_span_of_branch_value_points_into_the_branch() -> None:
    text = "if flag:\n    workers = 4\n"
    source = SourceFile.from_text("g.py", text)
    entry = read_config(source).settings["workers"]
    assert source.slice(span_of(entry)) == "4"


def test_file_is_never_executed() -> None:
    # Would raise SystemExit, or write, if it ran.
    config = read("import sys\nsys.exit(1)\nopen('/tmp/x', 'w')\nworkers = 2\n")
    assert config.settings["workers"].value == 2


def test_settings_join_resolve_settings_at_the_config_layer() -> None:
    config = read("workers = 4\nbind = '0.0.0.0:9000'\nthreads = cpu()\n")
    resolved = resolve_settings(config=config.settings, config_unknown=config.unknown)
    workers = resolved.get("workers")
    assert (workers.value, workers.layer, workers.known) == ("4", "config", True)
    assert resolved.get("bind").value == ("0.0.0.0:9000",)
    assert not resolved.get("threads").known
    assert resolved.get("timeout").value == "30"  # not in the file: default


# ---------------------------------------------------------------------------------------------
# config references


@pytest.mark.parametrize(
    ("ref", "workdir", "expected"),
    [
        ("gunicorn.conf.py", "/app", ("/app/gunicorn.conf.py",)),
        ("./gunicorn.conf.py", "/app", ("/app/gunicorn.conf.py",)),
        ("file:conf/g.py", "/app", ("/app/conf/g.py",)),
        ("file:/etc/g.py", None, ("/etc/g.py",)),
        ("/etc/gunicorn/app.py", "/app", ("/etc/gunicorn/app.py",)),
        ("../etc/g.py", "/app/src", ("/app/etc/g.py",)),
    ],
)
def test_file_refs(ref: str, workdir: str | None, expected: tuple[str, ...]) -> None:
    resolved = resolve_config_ref(ref, workdir)
    assert resolved == ConfigRef(ref, "file", expected, True)


def test_relative_file_ref_without_workdir_is_unknown() -> None:
    resolved = resolve_config_ref("gunicorn.conf.py", None)
    assert resolved.candidates == ()
    assert not resolved.complete
    assert resolved.error is None


def test_python_refs() -> None:
    resolved = resolve_config_ref("python:core.gunicorn_conf", "/app", python_path=("/lib",))
    assert resolved.kind == "python"
    assert resolved.candidates == (
        "/app/core/gunicorn_conf.py",
        "/app/core/gunicorn_conf/__init__.py",
        "/lib/core/gunicorn_conf.py",
        "/lib/core/gunicorn_conf/__init__.py",
    )
    assert not resolved.complete  # site-packages could hold it too
    assert resolve_config_ref("python:conf", None).candidates == ()


@pytest.mark.parametrize(
    "ref", ["python:", "python:a..b", "python:.rel", "python:a-b", "file:", ""]
)
def test_bad_refs(ref: str) -> None:
    resolved = resolve_config_ref(ref, "/app")
    assert resolved.error is not None
    assert resolved.candidates == ()


# ---------------------------------------------------------------------------------------------
# the corpus


def _python_configs() -> list[str]:
    return [r["local_file"] for r in corpus_rows("gunicorn-config")]


@pytest.mark.parametrize("local", _python_configs() or ["<no corpus>"])
def test_every_corpus_config_reads(local: str) -> None:
    if local == "<no corpus>":
        pytest.skip("../shared/corpus is not present")
    data = corpus_file(local).read_bytes()
    source = SourceFile.from_bytes(local, data)
    config = read_config(source)
    try:
        ast.parse(source.text)
    except SyntaxError as exc:
        # Not Python (supervisor, Caddyfile, shell env): a clear error, never an exception.
        assert config.error is not None
        assert config.error_line == exc.lineno
        return
    assert config.error is None
    for name, entry in config.settings.items():
        assert name in CONFIG_SETTINGS
        assert entry.span is not None
        assert source.slice(span_of(entry)).strip(), name
        assert entry.known or entry.value is None


def _corpus_config(local: str) -> tuple[SourceFile, GunicornConfig]:
    path = corpus_file(local)
    if not path.is_file():
        pytest.skip("../shared/corpus is not present")
    source = SourceFile.from_bytes(local, path.read_bytes())
    return source, read_config(source)


def test_corpus_pythondotorg() -> None:
    source, config = _corpus_config("python__pythondotorg/gunicorn.conf")
    s = config.settings
    assert s["bind"].value == ("unix:/var/run/cabotage/nginx.sock",)
    assert s["workers"].value == 2
    assert s["preload_app"].value is True
    assert s["max_requests_jitter"].value == 128
    assert s["when_ready"].value == "<function when_ready>"
    assert source.slice(span_of(s["backlog"])) == "1024"
    assert source.position(span_of(s["backlog"]).start).line == 2


def test_corpus_open_contracting_cpu_count() -> None:
    source, config = _corpus_config("open-contracting__data-registry/gunicorn_docker.py")
    workers = config.settings["workers"]
    assert not workers.known
    assert workers.span is not None
    assert source.slice(span_of(workers)) == "multiprocessing.cpu_count() * 2 + 1"


def test_corpus_wemake_template() -> None:
    local = (
        "wemake-services__wemake-django-template/"
        "{{cookiecutter.project_name}}__docker__django__gunicorn_config.py"
    )
    _, config = _corpus_config(local)
    s = config.settings
    assert s["bind"].value == ("0.0.0.0:8000",)
    assert not s["workers"].known
    assert s["worker_tmp_dir"].value == "/dev/shm"
    assert s["chdir"].value == "/code"


def test_corpus_globals_escape() -> None:
    _, config = _corpus_config("alphagov__notifications-admin/gunicorn_config.py")
    assert config.all_unknown  # set_gunicorn_defaults(globals())
    assert config.settings["workers"].value == 5
    assert config.settings["worker_class"].value == "eventlet"
    assert not config.settings["child_exit"].known  # imported
    assert not config.settings["timeout"].known


def test_corpus_locals_escape_in_loop() -> None:
    _, config = _corpus_config("mozilla__fx-private-relay/gunicorn.conf.py")
    assert config.all_unknown
    assert config.settings == {}


def test_corpus_hook_defined_in_a_branch() -> None:
    _, config = _corpus_config("alphagov__notifications-api/gunicorn_config.py")
    assert not config.settings["pre_request"].known  # only when an env var is set
    assert config.settings["child_exit"].known
    assert config.settings["worker_class"].value == "eventlet"


def test_corpus_names_through_branches() -> None:
    _, config = _corpus_config("tiangolo__meinheld-gunicorn-docker/docker-images__gunicorn_conf.py")
    s = config.settings
    assert not s["bind"].known
    assert not s["workers"].known
    assert s["keepalive"].value == 120
    assert s["errorlog"].value == "-"


def test_corpus_peering_manager() -> None:
    _, config = _corpus_config("peering-manager__docker/configuration__gunicorn_config.py")
    s = config.settings
    assert (s["workers"].value, s["threads"].value) == (5, 3)
    assert s["pythonpath"].value == "/opt/peering-manager"
    assert s["capture_output"].value is False


def test_corpus_not_python() -> None:
    _, config = _corpus_config("mathesar-foundation__mathesar/Caddyfile")
    assert config.error is not None
    assert config.error_line >= 1
