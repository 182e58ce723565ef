"""Gunicorn option model: argparse-exact parsing, spans, layering (F-01, F-03, F-04, F-17)."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dockerlint_django.gunicorn import (
    OPTION_STRINGS,
    OPTIONS,
    SETTINGS,
    ConfigSetting,
    EnvVar,
    GunicornArgs,
    OptionSpec,
    bundled_worker_classes,
    convert,
    parse_args,
    parse_cmd_args_env,
    resolve_settings,
    select_config_file,
)
from dockerlint_django.shell.syntax import Word, parse_script
from dockerlint_django.source import Mapped, Span

# ---------------------------------------------------------------------------------------------
# helpers


def words_of(*argv: str) -> tuple[str, list[Word]]:
    """Exec-form style words laid out in one text, two spaces apart, so spans are checkable."""
    text = "  ".join(argv)
    out: list[Word] = []
    pos = 0
    for a in argv:
        out.append(Word.literal(Mapped.from_source(a, pos)))
        pos += len(a) + 2
    return text, out


def parse(*argv: str) -> tuple[str, GunicornArgs]:
    text, ws = words_of(*argv)
    return text, parse_args(ws)


def cut(text: str, span: Span | None) -> str:
    assert span is not None
    return text[span.start : span.end]


def shell_words(script: str) -> tuple[str, list[Word]]:
    sc = parse_script(Mapped.from_source(script, 0))
    assert not sc.errors
    return script, list(sc.commands[0].words[1:])


# ---------------------------------------------------------------------------------------------
# the option table


def test_table_covers_gunicorn_26_cli() -> None:
    flags = set(OPTION_STRINGS)
    for expected in (
        "-w", "--workers", "-k", "--worker-class", "--threads", "-b", "--bind", "-e", "--env",
        "-c", "--config", "--worker-tmp-dir", "-n", "--name", "--reload", "--preload",
        "--no-control-socket", "--control-socket", "-D", "--daemon", "--graceful-timeout",
        "-t", "--timeout", "--limit-request-field_size", "--paster", "--log-file", "-R",
        "--proxy-protocol", "--dirty-app", "--http2-max-frame-size", "--asgi-loop", "-h", "-v",
    ):  # fmt: skip
        assert expected in flags
    assert "--worker-tmp-dirs" not in flags
    assert len(OPTIONS) == 95
    assert len(flags) == len(OPTION_STRINGS)
    # each flag belongs to exactly one setting
    assert sum(len(o.flags) for o in OPTIONS) == len(OPTION_STRINGS)


def test_catalogue_settings_are_modelled() -> None:
    for name in (
        "workers", "threads", "worker_class", "bind", "worker_tmp_dir", "proc_name", "config",
        "reload", "graceful_timeout", "timeout", "control_socket", "control_socket_disable",
        "raw_env",
    ):  # fmt: skip
        assert name in SETTINGS
    assert SETTINGS["bind"].action == "append"
    assert SETTINGS["raw_env"].action == "append"
    assert SETTINGS["control_socket_disable"].action == "store_true"
    assert SETTINGS["workers"].type == "int"
    assert SETTINGS["umask"].type == "auto_int"


def test_convert_matches_argparse_types() -> None:
    assert convert(SETTINGS["workers"], " 3 ") == 3
    assert convert(SETTINGS["umask"], "0022") == 0o22
    assert convert(SETTINGS["umask"], "0xFF") == 255
    with pytest.raises(ValueError):
        convert(SETTINGS["workers"], "auto")


# ---------------------------------------------------------------------------------------------
# F-01 forms


@pytest.mark.parametrize(
    "argv",
    [
        ("--workers", "3"),
        ("--workers=3",),
        ("-w", "3"),
        ("-w3",),
        ("--threa", "3"),  # prefix of --threads
    ],
)
def test_f01_accepted_forms(argv: tuple[str, ...]) -> None:
    _, a = parse(*argv)
    assert not a.errors
    opts = a.options
    assert len(opts) == 1
    assert opts[0].value == "3"


def test_prefix_threads() -> None:
    text, a = parse("--threa", "3")
    (opt,) = a.options
    assert opt.setting == "threads"
    assert opt.option == "--threads"
    assert opt.written == "--threa"
    assert cut(text, opt.option_span) == "--threa"
    assert cut(text, opt.value_span) == "3"


def test_work_is_ambiguous_exactly_like_gunicorn() -> None:
    _, a = parse("--work", "3")
    assert a.errors[0].kind == "ambiguous"
    assert a.errors[0].message == (
        "ambiguous option: --work could match --workers, --worker-class, "
        "--worker-connections, --worker-tmp-dir"
    )
    assert a.errors[0].matches == (
        "--workers",
        "--worker-class",
        "--worker-connections",
        "--worker-tmp-dir",
    )
    assert not a.find("workers")


def test_short_equals_keeps_real_argparse_behaviour() -> None:
    # CPython's argparse splits "-w=3" at "=" when "-w" is an option: the value is "3".
    # (The catalogue says "=3"; that is what happens inside combined flags, see below.)
    _, a = parse("-w=3")
    assert a.options[0].value == "3"
    assert not a.errors
    _, b = parse("-Dw=3")
    assert [o.setting for o in b.options] == ["daemon", "workers"]
    assert b.options[1].value == "=3"
    assert b.errors[0].message == "argument -w/--workers: invalid int value: '=3'"


def test_attached_spans() -> None:
    text, a = parse("app", "--workers=3", "-w5", "--threa=2")
    w1, w2, th = a.options
    assert (cut(text, w1.option_span), cut(text, w1.value_span)) == ("--workers", "3")
    assert (cut(text, w2.option_span), cut(text, w2.value_span)) == ("-w", "5")
    assert (cut(text, th.option_span), cut(text, th.value_span)) == ("--threa", "2")
    assert all(o.attached for o in a.options)
    assert (w1.start, w1.stop) == (1, 2)
    assert cut(text, w1.span) == "--workers=3"


def test_separate_value_spans_and_indices_for_deletion() -> None:
    text, a = parse("core.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--reload")
    b, w, r = a.options
    assert (b.start, b.stop, w.start, w.stop, r.start, r.stop) == (1, 3, 3, 5, 5, 6)
    assert cut(text, w.span) == "--workers  3"
    assert cut(text, w.option_span) == "--workers"
    assert cut(text, w.value_span) == "3"
    assert r.value is True and r.value_span is None
    assert cut(text, a.app.span if a.app else None) == "core.wsgi"


def test_combined_short_flags() -> None:
    text, a = parse("-DRw3", "app")
    d, r, w = a.options
    assert [o.setting for o in a.options] == ["daemon", "enable_stdio_inheritance", "workers"]
    assert cut(text, d.option_span) == "-D"
    assert cut(text, r.option_span) == "R"
    assert cut(text, w.option_span) == "w"
    assert cut(text, w.value_span) == "3"
    assert all(o.shared for o in (d, r))
    assert w.shared


def test_appending_options() -> None:
    _, a = parse("-b", "127.0.0.1:8000", "--bind=[::1]:8000", "-e", "A=1", "--env", "B=2")
    ns = a.namespace()
    assert ns["bind"] == ["127.0.0.1:8000", "[::1]:8000"]
    assert ns["raw_env"] == ["A=1", "B=2"]


def test_flags() -> None:
    _, a = parse("--reload", "--preload", "--no-control-socket", "--daemon", "--no-sendfile")
    ns = a.namespace()
    assert ns["reload"] is True
    assert ns["preload_app"] is True
    assert ns["control_socket_disable"] is True
    assert ns["daemon"] is True
    assert ns["sendfile"] is False


def test_flag_with_explicit_argument_is_an_error() -> None:
    _, a = parse("--reload=yes")
    assert a.errors[0].message == "argument --reload: ignored explicit argument 'yes'"
    _, b = parse("-Dx")
    assert b.errors[0].message == "argument -D/--daemon: ignored explicit argument 'x'"


def test_positional_anywhere_in_one_run() -> None:
    _, a = parse("-w", "3", "core.wsgi:application", "--threads", "2")
    assert a.app is not None and a.app.value == "core.wsgi:application"
    _, b = parse("core.wsgi", "-w", "3")
    assert b.app is not None and b.app.value == "core.wsgi"
    _, c = parse("one", "-w", "3", "two")
    assert c.app is not None and c.app.value == "one"
    assert [e.kind for e in c.errors] == ["unrecognized"]
    assert c.errors[0].message == "unrecognized arguments: two"


def test_double_dash() -> None:
    _, a = parse("-w", "3", "--", "-x")
    assert a.app is not None and a.app.value == "-x"
    assert not a.errors
    _, b = parse("-w", "--", "3")
    assert b.errors[0].message == "argument -w/--workers: expected one argument"


def test_value_that_looks_like_an_option_is_not_swallowed() -> None:
    _, a = parse("--name", "--reload")
    assert a.errors[0].kind == "missing_value"
    assert a.errors[0].message == "argument -n/--name: expected one argument"
    assert a.find("reload")


def test_negative_numbers_are_values() -> None:
    _, a = parse("-w", "-3", "--timeout", "-1.5")
    assert a.options[0].value == "-3"
    assert a.options[1].value == "-1.5"
    assert a.errors[0].message == "argument -t/--timeout: invalid int value: '-1.5'"
    _, b = parse("-w", "-x")
    assert b.errors[0].kind == "missing_value"


def test_word_with_space_after_short_option_is_its_value() -> None:
    # netbox-docker: CMD ["gunicorn", "-c /etc/netbox/gunicorn_config.py", "netbox.wsgi"]
    text, a = parse("-c /etc/netbox/gunicorn_config.py", "netbox.wsgi")
    (c,) = a.options
    assert c.value == " /etc/netbox/gunicorn_config.py"
    assert cut(text, c.option_span) == "-c"
    assert a.app is not None and a.app.value == "netbox.wsgi"
    # a long option glued to its value with a space is a positional
    _, b = parse("--bind 0.0.0.0:8000")
    assert not b.options and b.app is not None


def test_unknown_option_and_type_error() -> None:
    _, a = parse("--wokers", "3", "app")
    assert a.errors[0].kind == "unrecognized"
    assert a.app is not None and a.app.value == "3"
    _, b = parse("-w", "auto")
    assert b.errors[0].message == "argument -w/--workers: invalid int value: 'auto'"


def test_proxy_protocol_optional_value() -> None:
    _, a = parse("--proxy-protocol", "app")
    assert a.options[0].value == "app"
    _, b = parse("--proxy-protocol", "--reload")
    assert b.options[0].value == "auto"


def test_help_and_version_exit() -> None:
    assert parse("-v")[1].exits
    assert parse("--vers")[1].exits
    assert not parse("-w", "2")[1].exits


def test_unknown_values_from_shell() -> None:
    text, ws = shell_words("gunicorn app --bind=0.0.0.0:$PORT --workers ${N:-2} -k gthread")
    a = parse_args(ws)
    assert not a.errors and not a.uncertain
    bind, workers, klass = a.options
    assert bind.value is None and bind.value_prefix == "0.0.0.0:"
    assert cut(text, bind.option_span) == "--bind"
    assert cut(text, bind.value_span) == "0.0.0.0:$PORT"
    assert workers.value is None and cut(text, workers.value_span) == "${N:-2}"
    assert klass.value == "gthread"


def test_short_option_with_unknown_attached_value() -> None:
    text, ws = shell_words("gunicorn app -w$WORKERS -D$X")
    a = parse_args(ws)
    (w,) = a.find("workers")
    assert w.value is None and w.attached
    assert cut(text, w.option_span) == "-w"
    assert cut(text, w.value_span) == "$WORKERS"
    assert a.uncertain  # "-D$X" may hold more flags


def test_unknown_word_makes_parse_uncertain() -> None:
    _, ws = shell_words("gunicorn $GUNICORN_OPTS app")
    a = parse_args(ws)
    assert a.uncertain
    st_ = resolve_settings(a)
    assert not st_.get("workers").known


def test_gunicorn_cmd_args_env_uses_shlex() -> None:
    text = "--workers 3 --bind='0.0.0.0:8000' -e 'A=a b'"
    a, err = parse_cmd_args_env(Mapped.from_source(text, 100))
    assert err is None
    assert a.namespace() == {
        "workers": 3,
        "bind": ["0.0.0.0:8000"],
        "raw_env": ["A=a b"],
        "args": [],
    }
    bind = a.last("bind")
    assert bind is not None
    # the value maps to its characters in the source, quotes excluded; the option to its word
    assert bind.value_span == Span(100 + text.index("0.0"), 100 + text.index("8000'") + 4)
    assert bind.span == Span(100 + text.index("--bind"), 100 + text.index("8000'") + 5)
    _, err2 = parse_cmd_args_env(Mapped.from_source("--name 'x", 0))
    assert err2 == "No closing quotation"


# ---------------------------------------------------------------------------------------------
# argparse equivalence


class _Exit(Exception):
    pass


class _Error(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Reference(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _Error(message)

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        raise _Exit

    def _print_message(self, message: str, file: object = None) -> None:
        pass


def auto_int(x: str) -> int:
    return int(convert(SETTINGS["umask"], x))


def reference_parser() -> argparse.ArgumentParser:
    """Gunicorn's ``Config.parser()`` rebuilt from our table with plain argparse."""
    p = _Reference(prog="gunicorn")
    p.add_argument("-v", "--version", action="version", default=argparse.SUPPRESS, version="x")
    p.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    types = {"str": str, "int": int, "auto_int": auto_int}
    for spec in OPTIONS:
        if spec.action in ("help", "version"):
            continue
        kw: dict[str, object] = {"dest": spec.setting, "default": None}
        if spec.action == "store":
            kw.update(action="store", type=types[spec.type])
        elif spec.action == "append":
            kw.update(action="append")
        elif spec.action == "store_true":
            kw.update(action="store_true")
        elif spec.action == "store_const":
            kw.update(action="store_const", const=spec.const)
        else:
            kw.update(action="store", nargs="?", const=spec.const, type=str)
        p.add_argument(*spec.flags, **kw)  # type: ignore[arg-type]
    return p


REFERENCE = reference_parser()


def check_equivalent(argv: Sequence[str]) -> None:
    _, ours = parse(*argv)
    try:
        ns = REFERENCE.parse_args(list(argv))
    except _Exit:
        assert ours.exits
        return
    except _Error as exc:
        assert ours.errors, (argv, exc.message)
        first = ours.errors[0]
        if exc.message.startswith("unrecognized arguments: "):
            assert first.kind == "unrecognized"
            extras = [
                e.message.removeprefix("unrecognized arguments: ")
                for e in ours.errors
                if e.kind == "unrecognized"
            ]
            assert exc.message == "unrecognized arguments: " + " ".join(extras)
        else:
            assert first.message == exc.message, argv
        return
    # argparse accepts; "--" as an attached value is accepted by argparse but breaks Gunicorn.
    assert all("'--' is dropped" in e.message for e in ours.errors), (argv, ours.errors)
    got = ours.namespace()
    for dest, value in vars(ns).items():
        assert got.get(dest) == value, (argv, dest, got.get(dest), value)
    assert not ours.exits


def test_reference_parser_agrees_with_handpicked_cases() -> None:
    for argv in (
        ["--work", "3"], ["--threa", "3"], ["-w=3"], ["-Dw=3"], ["-Dw3", "app"],
        ["app", "x", "-w", "1"], ["a", "-w", "1", "b"], ["--", "-w"], ["-w", "--"], ["--name=--"],
        ["--proxy-protocol=--"],
        ["--bind=--"], ["-c /x", "app"], ["--b", "x"], ["--bi", "x"], ["-", "-w", "1"], [""],
        ["-w", ""], ["--reload="], ["-D="], ["-3"], ["-w", "-3"], ["--pas", "x"], ["--paste", "x"],
        ["---x"], ["-x"], ["-wx"], ["--workers", "0x10"], ["-m", "0022"], ["-m", "08"],
        ["--no-s"], ["--proxy-protocol"], ["--log", "x"], ["-R", "-D", "-e", "A", "--e", "B"],
        ["app", "--", "--", "x"], ["-h"], ["--vers"], ["-v", "--work"],
    ):  # fmt: skip
        check_equivalent(argv)


_LONG = [f for f in OPTION_STRINGS if f.startswith("--")]
_SHORT_LETTERS = "".join(f[1] for f in OPTION_STRINGS if not f.startswith("--"))
_VALUES = ["3", "-3", "-1.5", "app:app", "x", "", "--", "-", "a b", "=", "010", "0x1F", " 3 "]


@st.composite
def argv_token(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 6))
    if kind == 0:
        return draw(st.sampled_from(sorted(OPTION_STRINGS)))
    if kind == 1:
        flag = draw(st.sampled_from(_LONG))
        return flag[: draw(st.integers(2, len(flag)))]
    if kind == 2:
        flag = draw(st.sampled_from(_LONG))
        flag = flag[: draw(st.integers(3, len(flag)))]
        return flag + "=" + draw(st.sampled_from(_VALUES))
    if kind == 3:
        letters = draw(st.text(alphabet=_SHORT_LETTERS + "xyz", min_size=1, max_size=3))
        tail = draw(st.sampled_from(["", "3", "=3", "x", "=", "--"]))
        return "-" + letters + tail
    if kind == 4:
        return draw(st.sampled_from(_VALUES))
    if kind == 5:
        return draw(st.sampled_from(["--", "-", "---", "-x", "--x"]))
    return draw(st.text(alphabet="-=wabc3 ", max_size=5))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(argv_token(), max_size=7))
def test_argparse_equivalence(argv: list[str]) -> None:
    check_equivalent(argv)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="-wb3 '\"=\\x", max_size=20))
def test_cmd_args_env_equivalent_to_shlex_then_argparse(text: str) -> None:
    try:
        expected_words = shlex.split(text)
    except ValueError as exc:
        _, err = parse_cmd_args_env(Mapped.from_source(text, 0))
        assert err == str(exc)
        return
    args, err = parse_cmd_args_env(Mapped.from_source(text, 0))
    assert err is None
    assert [w.value for w in args.words] == expected_words
    assume(expected_words == [w.value for w in args.words])
    check_equivalent(expected_words)


# ---------------------------------------------------------------------------------------------
# layering (F-01, F-04, F-03)


def env(**values: str | None) -> dict[str, EnvVar]:
    return {k: EnvVar(v) for k, v in values.items()}


def test_defaults() -> None:
    s = resolve_settings(parse("app")[1])
    workers = s.get("workers")
    assert (workers.value, workers.layer, workers.known) == ("1", "default", True)
    bind = s.get("bind")
    assert (bind.value, bind.layer) == (("127.0.0.1:8000",), "default")
    assert s.get("worker_tmp_dir").value is None
    assert s.get("worker_tmp_dir").known
    assert s.get("wsgi_app").value == "app"
    assert s.get("wsgi_app").layer == "cli"


def test_f01_precedence_chain() -> None:
    # WEB_CONCURRENCY=2 → 2; + GUNICORN_CMD_ARGS="--workers 3" → 3; + CLI --workers=5 → 5
    low = resolve_settings(parse("app")[1], env=env(WEB_CONCURRENCY="2")).get("workers")
    assert (low.value, low.layer) == ("2", "env")
    s = resolve_settings(
        parse("app")[1], env=env(WEB_CONCURRENCY="2", GUNICORN_CMD_ARGS="--workers 3")
    )
    assert (s.get("workers").value, s.get("workers").layer) == ("3", "cmd_args_env")
    s = resolve_settings(
        parse("app", "--workers=5")[1],
        env=env(WEB_CONCURRENCY="2", GUNICORN_CMD_ARGS="--workers 3"),
    )
    assert (s.get("workers").value, s.get("workers").layer) == ("5", "cli")
    # config file beats WEB_CONCURRENCY; GUNICORN_CMD_ARGS beats the config file
    cfg = {"workers": ConfigSetting(4, span=Span(0, 11))}
    s = resolve_settings(parse("app")[1], env=env(WEB_CONCURRENCY="2"), config=cfg)
    assert (s.get("workers").value, s.get("workers").layer) == ("4", "config")
    assert s.get("workers").span == Span(0, 11)
    s = resolve_settings(
        parse("app")[1], env=env(WEB_CONCURRENCY="2", GUNICORN_CMD_ARGS="-w3"), config=cfg
    )
    assert (s.get("workers").value, s.get("workers").layer) == ("3", "cmd_args_env")


def test_cli_append_replaces_lower_layers() -> None:
    s = resolve_settings(
        parse("app", "-b", "0.0.0.0:1", "-b", "0.0.0.0:2")[1],
        env=env(GUNICORN_CMD_ARGS="--bind 0.0.0.0:3", PORT="9000"),
    )
    assert s.get("bind").value == ("0.0.0.0:1", "0.0.0.0:2")
    assert len(s.get("bind").options) == 2


def test_f04_port_default() -> None:
    s = resolve_settings(parse("app")[1], env=env(PORT="9000"))
    assert s.get("bind").value == ("0.0.0.0:9000",)
    assert s.get("bind").layer == "env"
    u = resolve_settings(parse("app")[1], env=env(PORT=None))
    bind = u.get("bind")
    assert not bind.known and bind.prefix == "0.0.0.0:"


def test_unknown_layers_stay_unknown() -> None:
    s = resolve_settings(parse("app")[1], env=env(GUNICORN_CMD_ARGS=None, WEB_CONCURRENCY="2"))
    assert not s.get("workers").known
    c = resolve_settings(parse("app", "-w", "2")[1], config_unknown=True)
    assert c.get("workers").known and c.get("workers").layer == "cli"
    assert not c.get("threads").known
    d = resolve_settings(parse("app")[1], config={"workers": ConfigSetting(None, known=False)})
    assert not d.get("workers").known and d.get("workers").layer == "config"


def test_config_file_selection() -> None:
    cli = parse("app", "-c", "cli.py")[1]
    envargs = parse_cmd_args_env(Mapped.from_source("-c env.py", 0))[0]
    assert select_config_file(cli, envargs).path == "cli.py"
    assert select_config_file(cli, envargs).layer == "cli"
    assert select_config_file(parse("app")[1], envargs).path == "env.py"
    sel = select_config_file(parse("app")[1], None)
    assert sel.path == "./gunicorn.conf.py" and sel.implicit
    s = resolve_settings(parse("app")[1], env=env(GUNICORN_CMD_ARGS="--config=python:conf"))
    assert (s.config_file.path, s.config_file.layer) == ("python:conf", "cmd_args_env")


def test_f03_threads_switch_sync_to_gthread() -> None:
    wc = resolve_settings(parse("app", "--threads", "2")[1]).worker_class()
    assert (wc.name, wc.switched) == ("gthread", True)
    assert resolve_settings(parse("app")[1]).worker_class().name == "sync"
    explicit = resolve_settings(parse("app", "-k", "gevent", "--threads", "4")[1]).worker_class()
    assert (explicit.name, explicit.switched) == ("gevent", False)
    uvi = resolve_settings(parse("app", "-k", "uvicorn.workers.UvicornWorker")[1]).worker_class()
    assert uvi.name == "uvicorn.workers.UvicornWorker"
    _, ws = shell_words("gunicorn app --threads $T")
    assert resolve_settings(parse_args(ws)).worker_class().name is None
    cfg = resolve_settings(parse("app")[1], config={"threads": ConfigSetting(4)}).worker_class()
    assert cfg.name == "gthread"


def test_bundled_worker_classes() -> None:
    assert "gthread" in bundled_worker_classes()
    assert "gthreads" not in bundled_worker_classes()
    assert "eventlet" not in bundled_worker_classes()
    assert "eventlet" in bundled_worker_classes((25, 1))
    assert "asgi" in bundled_worker_classes((26, 0))


def test_errors_collected_across_layers() -> None:
    s = resolve_settings(
        parse("app", "--work", "2")[1], env=env(WEB_CONCURRENCY="auto", GUNICORN_CMD_ARGS="-w x")
    )
    messages = [e if isinstance(e, str) else e.message for e in s.errors]
    assert any("ambiguous option: --work" in m for m in messages)
    assert any("invalid int value: 'x'" in m for m in messages)
    assert any("WEB_CONCURRENCY='auto'" in m for m in messages)


def test_option_spec_display() -> None:
    assert SETTINGS["workers"].display == "-w/--workers"
    assert isinstance(SETTINGS["workers"], OptionSpec)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="-=wbDkc3x $'\"{}:", max_size=40))
def test_parse_args_never_raises_on_shell_words(script: str) -> None:
    sc = parse_script(Mapped.from_source(script, 0))
    for cmd in sc.commands:
        args = parse_args(cmd.words)
        for opt in args.options:
            assert 0 <= opt.span.start <= opt.span.end <= len(script)
            assert opt.span.start <= opt.option_span.start <= opt.option_span.end <= opt.span.end
        settings_ = resolve_settings(args, env=env(GUNICORN_CMD_ARGS=script, PORT="1"))
        for name in ("workers", "bind", "threads", "worker_class", "config"):
            settings_.get(name)
        settings_.worker_class()
