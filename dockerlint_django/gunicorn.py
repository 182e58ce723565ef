"""Gunicorn's command line and settings, resolved the way Gunicorn resolves them.

``parse_args`` reproduces what Gunicorn's ``argparse`` parser (``gunicorn/config.py``, 26.x, as
built by CPython 3.11's argparse) does with an argv: unambiguous long-option prefixes
(``--threa 3``), ``-w3``/``-w 3``/``--workers=3``, combined flags (``-Dw3``), appending options,
the positional APP anywhere in one run, ``--``, negative-number-like values, and the same errors
("ambiguous option", "expected one argument", "unrecognized arguments"). Every option keeps the
word indices and spans it came from so a fixer can delete exactly ``--workers 3`` or ``-w3``.

``resolve_settings`` layers the sources (F-01), lowest to highest: defaults, environment defaults
(``WEB_CONCURRENCY``, ``PORT``, ``FORWARDED_ALLOW_IPS``), the config file, ``GUNICORN_CMD_ARGS``,
the command line; it records which layer won each setting and picks the config file that would be
loaded. Values that cannot be known statically are reported as unknown, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Literal

from dockerlint_django._record import LazyPattern, field, record
from dockerlint_django.shell.syntax import WordLike, shell_split
from dockerlint_django.source import Mapped, Span

Action = Literal["store", "append", "store_true", "store_const", "optional", "help", "version"]
ValueType = Literal["str", "int", "auto_int"]
Layer = Literal["default", "env", "config", "cmd_args_env", "cli"]
ErrorKind = Literal[
    "ambiguous", "unrecognized", "missing_value", "ignored_argument", "invalid_value"
]
SettingValue = str | bool | tuple[str | None, ...] | None


@record
class OptionSpec:
    """One command-line setting of ``gunicorn/config.py`` (``cli``, ``action``, ``type``…)."""

    setting: str  # the argparse dest, i.e. the setting name
    flags: tuple[str, ...]
    action: Action = "store"
    type: ValueType = "str"
    const: str | bool | None = None  # store_const value, or the value of a bare nargs="?" option
    default: SettingValue = None

    @property
    def takes_value(self) -> bool:
        return self.action in ("store", "append")

    @property
    def display(self) -> str:
        """How argparse names the option in messages: ``-w/--workers``."""
        return "/".join(self.flags)


def _o(
    setting: str,
    *flags: str,
    action: Action = "store",
    type: ValueType = "str",
    const: str | bool | None = None,
    default: SettingValue = None,
) -> OptionSpec:
    return OptionSpec(setting, flags, action, type, const, default)


def _flag(setting: str, *flags: str) -> OptionSpec:
    return OptionSpec(setting, flags, "store_true", default=False)


def _int(setting: str, *flags: str, default: str) -> OptionSpec:
    return OptionSpec(setting, flags, type="int", default=default)


# Gunicorn 26.x (docs/content/reference/settings.md, generated from config.py), in the order
# config.py defines them, which is the order the parser gets them (it shows in "ambiguous option"
# messages). argparse's own -h/--help and Gunicorn's -v/--version count for prefix matching.
OPTIONS: tuple[OptionSpec, ...] = (
    _o("help", "-h", "--help", action="help"),
    _o("version", "-v", "--version", action="version"),
    _o("config", "-c", "--config", default="./gunicorn.conf.py"),
    _o("bind", "-b", "--bind", action="append", default=("127.0.0.1:8000",)),
    _int("backlog", "--backlog", default="2048"),
    _int("workers", "-w", "--workers", default="1"),
    _o("worker_class", "-k", "--worker-class", default="sync"),
    _int("threads", "--threads", default="1"),
    _int("worker_connections", "--worker-connections", default="1000"),
    _int("max_requests", "--max-requests", default="0"),
    _int("max_requests_jitter", "--max-requests-jitter", default="0"),
    _int("timeout", "-t", "--timeout", default="30"),
    _int("graceful_timeout", "--graceful-timeout", default="30"),
    _int("keepalive", "--keep-alive", default="2"),
    _int("limit_request_line", "--limit-request-line", default="4094"),
    _int("limit_request_fields", "--limit-request-fields", default="100"),
    _int("limit_request_field_size", "--limit-request-field_size", default="8190"),
    _flag("reload", "--reload"),
    _o("reload_engine", "--reload-engine", default="auto"),
    _o("reload_extra_files", "--reload-extra-file", action="append", default=()),
    _flag("spew", "--spew"),
    _flag("check_config", "--check-config"),
    _flag("print_config", "--print-config"),
    _flag("preload_app", "--preload"),
    _o("sendfile", "--no-sendfile", action="store_const", const=False),
    _flag("reuse_port", "--reuse-port"),
    _o("chdir", "--chdir"),
    _flag("daemon", "-D", "--daemon"),
    _o("raw_env", "-e", "--env", action="append", default=()),
    _o("pidfile", "-p", "--pid"),
    _o("worker_tmp_dir", "--worker-tmp-dir"),
    _o("user", "-u", "--user"),
    _o("group", "-g", "--group"),
    _o("umask", "-m", "--umask", type="auto_int", default="0"),
    _flag("initgroups", "--initgroups"),
    _o("forwarded_allow_ips", "--forwarded-allow-ips", default="127.0.0.1,::1"),
    _o("accesslog", "--access-logfile"),
    _flag("disable_redirect_access_to_syslog", "--disable-redirect-access-to-syslog"),
    _o(
        "access_log_format",
        "--access-logformat",
        default='%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"',
    ),
    _o("errorlog", "--error-logfile", "--log-file", default="-"),
    _o("loglevel", "--log-level", default="info"),
    _flag("capture_output", "--capture-output"),
    _o("logger_class", "--logger-class", default="gunicorn.glogging.Logger"),
    _o("logconfig", "--log-config"),
    _o("logconfig_json", "--log-config-json"),
    _o("syslog_addr", "--log-syslog-to", default="udp://localhost:514"),
    _flag("syslog", "--log-syslog"),
    _o("syslog_prefix", "--log-syslog-prefix"),
    _o("syslog_facility", "--log-syslog-facility", default="user"),
    _flag("enable_stdio_inheritance", "-R", "--enable-stdio-inheritance"),
    _o("statsd_host", "--statsd-host"),
    _o("dogstatsd_tags", "--dogstatsd-tags", default=""),
    _o("statsd_prefix", "--statsd-prefix", default=""),
    _flag("enable_backlog_metric", "--enable-backlog-metric"),
    _o("proc_name", "-n", "--name"),
    _o("pythonpath", "--pythonpath"),
    _o("paste", "--paste", "--paster"),
    _o("proxy_protocol", "--proxy-protocol", action="optional", const="auto", default="off"),
    _o("proxy_allow_ips", "--proxy-allow-from", default="127.0.0.1,::1"),
    _o("protocol", "--protocol", default="http"),
    _o("uwsgi_allow_ips", "--uwsgi-allow-from", default="127.0.0.1,::1"),
    _o("keyfile", "--keyfile"),
    _o("certfile", "--certfile"),
    _o("ssl_version", "--ssl-version", default="2"),
    _o("cert_reqs", "--cert-reqs", default="0"),
    _o("ca_certs", "--ca-certs"),
    _o("suppress_ragged_eofs", "--suppress-ragged-eofs", action="store_true", default=True),
    _flag("do_handshake_on_connect", "--do-handshake-on-connect"),
    _o("ciphers", "--ciphers"),
    _o("http_protocols", "--http-protocols", default="h1"),
    _int("http2_max_concurrent_streams", "--http2-max-concurrent-streams", default="100"),
    _int("http2_initial_window_size", "--http2-initial-window-size", default="65535"),
    _int("http2_max_frame_size", "--http2-max-frame-size", default="16384"),
    _int("http2_max_header_list_size", "--http2-max-header-list-size", default="65536"),
    _o("raw_paste_global_conf", "--paste-global", action="append", default=()),
    _flag("permit_obsolete_folding", "--permit-obsolete-folding"),
    _flag("strip_header_spaces", "--strip-header-spaces"),
    _flag("permit_unconventional_http_method", "--permit-unconventional-http-method"),
    _flag("permit_unconventional_http_version", "--permit-unconventional-http-version"),
    _flag("casefold_http_method", "--casefold-http-method"),
    _o("forwarder_headers", "--forwarder-headers", default="SCRIPT_NAME,PATH_INFO"),
    _o("header_map", "--header-map", default="drop"),
    _o("asgi_loop", "--asgi-loop", default="auto"),
    _o("asgi_lifespan", "--asgi-lifespan", default="auto"),
    _int("asgi_disconnect_grace_period", "--asgi-disconnect-grace-period", default="3"),
    _o("http_parser", "--http-parser", default="auto"),
    _o("root_path", "--root-path", default=""),
    _o("dirty_apps", "--dirty-app", action="append", default=()),
    _int("dirty_workers", "--dirty-workers", default="0"),
    _int("dirty_timeout", "--dirty-timeout", default="300"),
    _int("dirty_threads", "--dirty-threads", default="1"),
    _int("dirty_graceful_timeout", "--dirty-graceful-timeout", default="30"),
    _o("control_socket", "--control-socket"),
    _o("control_socket_mode", "--control-socket-mode", type="auto_int", default="384"),
    _flag("control_socket_disable", "--no-control-socket"),
)

OPTION_STRINGS: dict[str, OptionSpec] = {flag: spec for spec in OPTIONS for flag in spec.flags}
SETTINGS: dict[str, OptionSpec] = {spec.setting: spec for spec in OPTIONS}

# Settings with no command-line option (config file only), and their defaults.
CONFIG_ONLY_DEFAULTS: dict[str, SettingValue] = {
    "wsgi_app": None,
    "tmp_upload_dir": None,
    "default_proc_name": "gunicorn",
}

# gunicorn/workers/__init__.py; eventlet was removed in 26.0 (F-03).
BUNDLED_WORKERS = frozenset(
    {"sync", "gevent", "gevent_wsgi", "gevent_pywsgi", "tornado", "gthread", "asgi"}
)

_NEGATIVE_NUMBER = LazyPattern(r"^-\d+$|^-\d*\.\d+$")  # argparse's _negative_number_matcher
_AUTO_INT_OCTAL = LazyPattern(r"0(\d)", re.IGNORECASE)

# Single-letter options that take no value (-D, -R, -h, -v): what "-DRD…" combines.
_FLAG_LETTERS = "".join(
    sorted(
        flag[1]
        for flag, spec in OPTION_STRINGS.items()
        if len(flag) == 2 and not (spec.takes_value or spec.action == "optional")
    )
)
_FLAG_RUN = LazyPattern(f"[{re.escape(_FLAG_LETTERS)}]*")
# Combined flags listed one by one in a word; past them, a run of flags is listed by the last
# use of each letter, which is all argparse's result depends on: "-DDD…" a megabyte long would
# otherwise become a million options, each recorded for every rule that parses the command.
MAX_LISTED_FLAGS = 16
_MAX_SHOWN = 200  # characters of a value quoted in a message


def _shown(text: str) -> str:
    """``text`` for a message: a hostile megabyte-long word would make an unreadable line."""
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…"


def bundled_worker_classes(version: tuple[int, ...] | None = None) -> frozenset[str]:
    """Short worker-class names Gunicorn accepts; ``eventlet`` only before 26."""
    if version is not None and version < (26,):
        return BUNDLED_WORKERS | {"eventlet"}
    return BUNDLED_WORKERS


def convert(spec: OptionSpec, text: str) -> int | str:
    """The argparse ``type`` conversion of ``spec``; raises ValueError/TypeError like argparse's."""
    if spec.type == "int":
        return int(text)
    if spec.type == "auto_int":
        if _AUTO_INT_OCTAL.match(text):
            text = text.replace("0", "0o", 1)
        return int(text, 0)
    return text


# --------------------------------------------------------------------------------------------
# Command line


@record
class ParsedOption:
    """One option as argparse applied it.

    ``value`` is the argument string (None when unknown); for store_true/store_const options it is
    the bool stored. ``option_span`` covers the option text, ``value_span`` the argument (inside
    the same word for ``--workers=3``/``-w3``, i.e. ``attached``). ``start``/``stop`` are the word
    indices used: deleting ``words[start:stop]`` removes the option, unless ``shared`` says the
    word also carries other options (``-Dw3``).
    """

    spec: OptionSpec
    option: str  # the option string matched: "-w", "--workers"
    written: str | None  # what selected it: "--work", "-w" (None: from an unknown word)
    value: str | bool | None
    value_prefix: str  # known start of an unknown value ("0.0.0.0:" of "0.0.0.0:$PORT")
    option_span: Span
    value_span: Span | None
    start: int
    stop: int
    span: Span
    attached: bool = False
    shared: bool = False

    @property
    def setting(self) -> str:
        return self.spec.setting

    @property
    def known(self) -> bool:
        return self.value is not None


@record
class ArgError:
    """What makes Gunicorn's parser exit at startup, worded as argparse words it."""

    kind: ErrorKind
    message: str
    span: Span
    index: int  # word index
    matches: tuple[str, ...] = ()  # ambiguous: the options it could be


@record
class GunicornArgs:
    """The parse of one argv (Gunicorn's own, or ``GUNICORN_CMD_ARGS`` split by shlex).

    ``errors[0]`` is the error argparse would stop at. ``uncertain`` means some word that could
    be an option is not knowable (``$GUNICORN_OPTS``): settings missing here may still be set.
    ``exits`` means ``-h``/``-v`` make Gunicorn print and exit.
    """

    words: tuple[WordLike, ...]
    options: tuple[ParsedOption, ...]
    positionals: tuple[int, ...]  # word indices of the APP positional(s), "--" excluded
    errors: tuple[ArgError, ...]
    uncertain: bool = False
    exits: bool = False

    @property
    def app(self) -> WordLike | None:
        """The application (Gunicorn uses the first positional; extra ones are ignored)."""
        return self.words[self.positionals[0]] if self.positionals else None

    def find(self, setting: str) -> tuple[ParsedOption, ...]:
        return tuple(o for o in self.options if o.spec.setting == setting)

    def last(self, setting: str) -> ParsedOption | None:
        found = self.find(setting)
        return found[-1] if found else None

    def namespace(self) -> dict[str, object]:
        """What argparse's namespace would hold (only options given, plus ``args``).

        Unknown values are None; ``int``/``auto_int`` values are converted where possible.
        """
        ns: dict[str, object] = {}
        for opt in self.options:
            spec = opt.spec
            if spec.action in ("help", "version"):
                continue
            value = _namespace_value(opt)
            if spec.action == "append":
                current = ns.setdefault(spec.setting, [])
                assert isinstance(current, list)
                current.append(value)
            else:
                ns[spec.setting] = value
        ns["args"] = [self.words[i].value for i in self.positionals]
        return ns


def _namespace_value(opt: ParsedOption) -> object:
    spec = opt.spec
    value = opt.value
    if not isinstance(value, str):
        return value
    if opt.attached and value == "--" and spec.takes_value:
        return []  # argparse drops the first "--" of an option's arguments, even "--workers=--"
    try:
        return convert(spec, value)
    except (ValueError, TypeError):
        return value


@record
class _Optional:
    """argparse's option tuple (action, option_string, explicit_arg), plus where things sit in
    the word: the option text ends at ``text_end`` (None: the whole word), an explicit argument
    starts at ``explicit_at``."""

    spec: OptionSpec | None
    option: str
    explicit: str | None  # None: no explicit argument (or an unknown one, see explicit_known)
    explicit_known: bool = True
    text_end: int | None = None
    explicit_at: int = 0

    @property
    def has_explicit(self) -> bool:
        return self.explicit is not None or not self.explicit_known


class _Ambiguous(Exception):
    def __init__(self, matches: tuple[str, ...]) -> None:
        super().__init__()
        self.matches = matches


def _option_tuples(arg: str) -> list[_Optional]:
    """argparse ``_get_option_tuples`` (3.11): candidate options for a non-exact option word."""
    result: list[_Optional] = []
    if arg[1] == "-":
        prefix, eq, explicit = arg.partition("=")
        end = len(prefix) if eq else None
        for flag, spec in OPTION_STRINGS.items():
            if flag.startswith(prefix):
                result.append(
                    _Optional(spec, flag, explicit if eq else None, True, end, len(prefix) + 1)
                )
    else:
        short = arg[:2]
        for flag, spec in OPTION_STRINGS.items():
            if flag == short:
                result.append(_Optional(spec, flag, arg[2:], True, 2, 2))
            elif flag.startswith(arg):
                result.append(_Optional(spec, flag, None))
    return result


def _parse_optional(arg: str) -> _Optional | None:
    """argparse ``_parse_optional`` (3.11). None: a positional. Raises _Ambiguous."""
    if not arg or arg[0] != "-":
        return None
    spec = OPTION_STRINGS.get(arg)
    if spec is not None:
        return _Optional(spec, arg, None)
    if len(arg) == 1:
        return None
    if "=" in arg:
        option, _, explicit = arg.partition("=")
        spec = OPTION_STRINGS.get(option)
        if spec is not None:
            return _Optional(spec, option, explicit, True, len(option), len(option) + 1)
    tuples = _option_tuples(arg)
    if len(tuples) > 1:
        raise _Ambiguous(tuple(t.option for t in tuples))
    if len(tuples) == 1:
        return tuples[0]
    if _NEGATIVE_NUMBER.match(arg):
        return None
    if " " in arg:
        return None
    return _Optional(None, arg, None)


def _unknown_optional(prefix: str) -> tuple[_Optional | None, bool]:
    """Classify a word whose value is unknown from its known prefix: (optional, uncertain).

    Only ``--option=…``, ``-o=…`` and ``-o…`` (a short option taking a value) with a literal
    option part are taken as an option with an unknown argument; anything else that could be an
    option leaves the parse uncertain.
    """
    if not prefix:
        return None, True  # "$OPTS" may expand to anything, options included
    if prefix[0] != "-" or prefix == "-":
        return None, False
    option, eq, _ = prefix.partition("=")
    if eq:
        spec = OPTION_STRINGS.get(option)
        if spec is None and option.startswith("--"):
            tuples = _option_tuples(option)
            if len(tuples) == 1:
                spec, option = tuples[0].spec, tuples[0].option
        if spec is not None:
            end = prefix.index("=")
            return _Optional(spec, option, None, False, end, end + 1), False
    spec = OPTION_STRINGS.get(prefix[:2])
    if len(prefix) <= 2 and spec is not None and spec.takes_value and prefix[1] != "-":
        return _Optional(spec, prefix[:2], None, False, 2, 2), False  # "-w$N"
    return None, True


def _word_prefix(word: WordLike) -> str:
    prefix = getattr(word, "prefix", None)
    return prefix.text if isinstance(prefix, Mapped) else ""


class _ArgParser:
    def __init__(self, words: Sequence[WordLike]) -> None:
        self.words = tuple(words)
        self.options: list[ParsedOption] = []
        self.errors_pattern: list[ArgError] = []
        self.errors_consume: list[ArgError] = []
        self.errors_late: list[ArgError] = []
        self.extras: list[int] = []
        self.positionals: list[int] = []
        self.uncertain = False
        self.exits = False
        self.reported: set[int] = set()  # ambiguous words: already an error, not "unrecognized"

    def run(self) -> GunicornArgs:
        words = self.words
        n = len(words)
        pattern: list[str] = []
        optionals: dict[int, _Optional] = {}
        maybe_option: list[int] = []  # unknown words that could expand to options
        after_dashdash = False
        for i, word in enumerate(words):
            if after_dashdash:
                pattern.append("A")
                continue
            value = word.value
            if value == "--":
                pattern.append("-")
                after_dashdash = True
                continue
            opt: _Optional | None
            if value is None:
                opt, uncertain = _unknown_optional(_word_prefix(word))
                if uncertain:
                    maybe_option.append(i)
            else:
                try:
                    opt = _parse_optional(value)
                except _Ambiguous as exc:
                    matches = ", ".join(exc.matches)
                    self.errors_pattern.append(
                        ArgError(
                            "ambiguous",
                            f"ambiguous option: {_shown(value)} could match {matches}",
                            word.span,
                            i,
                            exc.matches,
                        )
                    )
                    opt = _Optional(None, value, None)
                    self.reported.add(i)
            if opt is None:
                pattern.append("A")
            else:
                optionals[i] = opt
                pattern.append("O")
        self.pattern = pattern

        positionals_done = False
        i = 0
        last_option = max(optionals, default=-1)
        option_indices = sorted(optionals)
        k = 0  # next entry of option_indices to look at
        while i <= last_option:
            while option_indices[k] < i:
                k += 1
            nxt = option_indices[k]
            if i != nxt:
                if not positionals_done:
                    positionals_done = True
                    end = self.positional_run(i)
                    if end > i:
                        i = end
                        continue
                if i not in optionals:
                    self.extras.extend(range(i, nxt))
                    i = nxt
            i = self.consume_optional(i, optionals[i])
        if not positionals_done:
            i = self.positional_run(i)
        self.extras.extend(range(i, n))

        # An unknown word taken as an option's argument is just an unknown value; anywhere else
        # it might have been options, so what this parse says is missing may be there.
        values = {o.start + 1 for o in self.options if o.stop == o.start + 2}
        self.uncertain = self.uncertain or any(i not in values for i in maybe_option)
        errors = self.errors_pattern + self.errors_consume
        for j in self.extras:
            value = words[j].value
            text = _shown(value) if value is not None else "<unknown>"
            errors.append(
                ArgError("unrecognized", f"unrecognized arguments: {text}", words[j].span, j)
            )
        errors.extend(self.errors_late)
        return GunicornArgs(
            words,
            tuple(self.options),
            tuple(self.positionals),
            tuple(errors),
            self.uncertain,
            self.exits,
        )

    def positional_run(self, i: int) -> int:
        """The APP positional (nargs="*"): every "A"/"-" word from ``i``; drops the first "--"."""
        j = i
        dropped = False
        while j < len(self.pattern) and self.pattern[j] in "A-":
            if self.pattern[j] == "-" and not dropped:
                dropped = True
            else:
                self.positionals.append(j)
            j += 1
        return j

    def consume_optional(self, i: int, opt: _Optional) -> int:
        """argparse ``consume_optional``: the option at ``i`` and the words it takes."""
        word = self.words[i]
        if opt.spec is None:
            if i not in self.reported:
                self.extras.append(i)
            return i + 1
        spec: OptionSpec = opt.spec
        option, known = opt.option, opt.explicit_known
        # A known explicit argument is always the rest of the word from ``at``: kept as an index
        # rather than sliced off letter by letter, which made "-DDD…" quadratic.
        text = word.value if known and word.value is not None else ""
        has_explicit = opt.has_explicit
        o_start, o_end, at = 0, opt.text_end, opt.explicit_at
        shared = False
        listed = 0
        while has_explicit:
            takes = spec.takes_value or spec.action == "optional"
            if not takes and option[1] != "-" and (not known or at < len(text)):
                # "-Dw3": a flag, then more single-letter options in the rest of the word
                if known and listed >= MAX_LISTED_FLAGS:
                    last = self.add_flag_run(i, text, o_start)
                    if last > o_start:
                        spec, option = OPTION_STRINGS["-" + text[last]], "-" + text[last]
                        o_start, o_end, at = last, last + 1, last + 1
                        has_explicit = at < len(text)
                        continue
                self.add(spec, option, i, i + 1, o_start, o_end, None, None, shared=True)
                shared = True
                listed += 1
                if not known:
                    self.uncertain = True
                    return i + 1
                letter = "-" + text[at]
                nxt_spec = OPTION_STRINGS.get(letter)
                if nxt_spec is None:
                    break
                spec, option = nxt_spec, letter
                o_start, o_end, at = at, at + 1, at + 1
                has_explicit = at < len(text)
                continue
            if takes:
                explicit = text[at:] if known else None
                self.add(spec, option, i, i + 1, o_start, o_end, at, explicit, shared=shared)
                return i + 1
            break
        else:
            nxt_is_arg = i + 1 < len(self.pattern) and self.pattern[i + 1] == "A"
            if spec.takes_value and not nxt_is_arg:
                self.consume_error(
                    "missing_value", f"argument {spec.display}: expected one argument", word, i
                )
                return i + 1
            stop = (
                i + 2 if nxt_is_arg and (spec.takes_value or spec.action == "optional") else i + 1
            )
            self.add(spec, option, i, stop, o_start, o_end, None, None, shared=shared)
            return stop
        shown = _shown(text[at:]) if known else "<unknown>"
        self.consume_error(
            "ignored_argument",
            f"argument {spec.display}: ignored explicit argument {shown!r}",
            word,
            i,
        )
        return i + 1

    def add_flag_run(self, i: int, text: str, start: int) -> int:
        """List the run of flag letters of word ``i`` from ``start`` by the last use of each
        letter but the run's final one, and return where that final letter is (its caller
        lists it, then goes on after the run)."""
        run = _FLAG_RUN.match(text, start)  # "[…]*" matches, if only the empty string
        last = (run.end() if run is not None else start) - 1
        if last <= start:
            return start
        found = sorted(
            p
            for p in (text.rfind(c, start, last) for c in _FLAG_LETTERS if c != text[last])
            if p >= 0
        )
        for p in found:
            flag = "-" + text[p]
            self.add(OPTION_STRINGS[flag], flag, i, i + 1, p, p + 1, None, None, shared=True)
        return last

    def consume_error(self, kind: ErrorKind, message: str, word: WordLike, i: int) -> None:
        self.errors_consume.append(ArgError(kind, message, word.span, i))

    def add(
        self,
        spec: OptionSpec,
        option: str,
        start: int,
        stop: int,
        o_start: int,
        o_end: int | None,
        at: int | None,
        explicit: str | None,
        *,
        shared: bool,
    ) -> None:
        """Record one option. Its text is ``word[o_start:o_end]`` (the whole word when
        ``o_end`` is None); an argument attached to it starts at ``at``."""
        words = self.words
        word = words[start]
        text = word.value if word.value is not None else _word_prefix(word)
        if o_end is None:
            option_span = word.span
            written = word.value
        else:
            option_span = _sub_span(word, o_start, o_end)
            written = text[o_start:o_end] if o_end <= len(text) else None
        value_word: WordLike | None = None
        value: str | bool | None
        if at is not None:
            value_span: Span | None = _sub_span(word, at, None)
            value = explicit
            prefix = explicit if explicit is not None else text[at:]
        elif stop > start + 1:
            value_word = words[start + 1]
            value_span = value_word.span
            value = value_word.value
            prefix = value if value is not None else _word_prefix(value_word)
        else:
            value_span = None
            prefix = ""
            if spec.action in ("store_const", "optional"):
                value = spec.const
            else:
                value = True
                self.exits = self.exits or spec.action in ("help", "version")
        if spec.action == "optional" and at is not None and value == "--":
            value = spec.const  # argparse drops the first "--"; nargs="?" then falls back to const
        span = words[start].span.cover(words[stop - 1].span)
        self.options.append(
            ParsedOption(
                spec,
                option,
                written,
                value,
                prefix,
                option_span,
                value_span,
                start,
                stop,
                span,
                at is not None,
                shared,
            )
        )
        if not isinstance(value, str) or not spec.takes_value:
            return
        if at is not None and value == "--":
            # argparse accepts this; Gunicorn then fails validating the empty list it stored.
            self.errors_late.append(
                ArgError(
                    "invalid_value",
                    f"argument {spec.display}: '--' is dropped by argparse, leaving no value",
                    word.span,
                    start,
                )
            )
        elif spec.type != "str":
            try:
                convert(spec, value)
            except (ValueError, TypeError):
                self.consume_error(
                    "invalid_value",
                    f"argument {spec.display}: invalid {spec.type} value: {_shown(value)!r}",
                    word if value_word is None else value_word,
                    start,
                )


def _sub_span(word: WordLike, start: int, end: int | None) -> Span:
    """Span of characters ``[start:end)`` of a word's value (to the word's end when None)."""
    mapped = word.mapped
    if mapped is not None:
        return mapped.span(start, len(mapped) if end is None else end)
    # An unknown word: only its known prefix maps characters; the rest runs to the word's end.
    prefix = getattr(word, "prefix", None)
    if not isinstance(prefix, Mapped) or not prefix or start > len(prefix):
        return word.span
    if end is not None and end <= len(prefix):
        return prefix.span(start, end)
    at = prefix.span(start, start + 1).start if start < len(prefix) else prefix.span().end
    return Span(at, max(at, word.span.end))


def parse_args(words: Sequence[WordLike]) -> GunicornArgs:
    """Parse Gunicorn's argv (the words after the ``gunicorn`` program word)."""
    return _ArgParser(words).run()


def parse_cmd_args_env(value: Mapped) -> tuple[GunicornArgs, str | None]:
    """``GUNICORN_CMD_ARGS``: ``shlex.split`` then the same parser. Returns (args, split error)."""
    split = shell_split(value, dialect="shlex")
    return parse_args(split.words), split.error


# --------------------------------------------------------------------------------------------
# Settings across layers


@record
class EnvVar:
    """A container environment variable: ``value`` None when not knowable statically."""

    value: str | None
    span: Span | None = None
    mapped: Mapped | None = None  # GUNICORN_CMD_ARGS: lets its options point into the file


@record
class ConfigSetting:
    """A setting read from the config file. ``known`` False: set, but to a dynamic value."""

    value: str | int | float | bool | tuple[str, ...] | list[str] | None
    known: bool = True
    span: Span | None = None


@record
class ConfigSelection:
    """Which config file Gunicorn loads (F-01): ``-c`` on the command line, else ``-c`` in
    ``GUNICORN_CMD_ARGS``, else ``./gunicorn.conf.py`` in the working directory if it exists
    (``implicit``). ``path`` None: chosen by an option whose value is unknown."""

    path: str | None
    layer: Literal["cli", "cmd_args_env", "default"]
    option: ParsedOption | None = None

    @property
    def implicit(self) -> bool:
        return self.layer == "default"


@record
class Resolved:
    """A setting's effective value and the layer that set it.

    ``known`` False means the value cannot be known statically (``value`` is then None or a
    partial tuple). List settings (``bind``, ``raw_env``…) are tuples whose unknown items are None;
    ``prefix`` is the known start of the (first) unknown value, e.g. "0.0.0.0:".
    """

    setting: str
    value: SettingValue
    layer: Layer
    known: bool = True
    span: Span | None = None
    options: tuple[ParsedOption, ...] = ()
    prefix: str | None = None


@record
class WorkerClass:
    """The worker class Gunicorn loads: ``sync`` with threads > 1 becomes ``gthread`` (F-03)."""

    name: str | None  # None: unknown
    configured: Resolved
    threads: Resolved
    switched: bool = False  # sync → gthread because of threads

    @property
    def known(self) -> bool:
        return self.name is not None


@record
class GunicornSettings:
    cli: GunicornArgs | None
    cmd_args_env: GunicornArgs | None
    config_file: ConfigSelection
    env: Mapping[str, EnvVar] = field(default_factory=dict)
    config: Mapping[str, ConfigSetting] | None = None
    config_unknown: bool = False
    errors: tuple[ArgError | str, ...] = ()

    def get(self, setting: str) -> Resolved:
        """The effective value of ``setting`` and the layer it comes from."""
        spec = SETTINGS.get(setting)
        layers: tuple[tuple[Layer, GunicornArgs | None], ...] = (
            ("cli", self.cli),
            ("cmd_args_env", self.cmd_args_env),
        )
        for layer, args in layers:
            if args is None:
                continue
            found = args.find(setting)
            if found:
                return _from_options(setting, layer, found)
            if args.uncertain:
                return Resolved(setting, None, layer, known=False)
        if setting == "wsgi_app" and self.cli is not None and self.cli.app is not None:
            app = self.cli.app
            return Resolved(setting, app.value, "cli", app.value is not None, app.span)
        if self.cmd_args_env is None and _cmd_args_unknown(self.env):
            return Resolved(setting, None, "cmd_args_env", known=False)
        if self.config is not None and setting in self.config:
            entry = self.config[setting]
            return Resolved(setting, _config_value(entry.value), "config", entry.known, entry.span)
        if self.config_unknown:
            return Resolved(setting, None, "config", known=False)
        env = _env_default(setting, self.env)
        if env is not None:
            return env
        if spec is not None:
            return Resolved(setting, spec.default, "default")
        if setting in CONFIG_ONLY_DEFAULTS:
            return Resolved(setting, CONFIG_ONLY_DEFAULTS[setting], "default")
        return Resolved(setting, None, "default", known=False)

    def worker_class(self) -> WorkerClass:
        configured = self.get("worker_class")
        threads = self.get("threads")
        uri = configured.value
        if not configured.known or not isinstance(uri, str):
            return WorkerClass(None, configured, threads)
        if uri == "sync" or uri.endswith("SyncWorker"):
            count = _as_int(threads)
            if count is None:
                return WorkerClass(None, configured, threads)
            if count > 1:
                return WorkerClass("gthread", configured, threads, switched=True)
        return WorkerClass(uri, configured, threads)


def _as_int(resolved: Resolved) -> int | None:
    value = resolved.value
    if not resolved.known or not isinstance(value, str):
        return None
    try:
        # Command-line values went through int(); others through validate_pos_int's int(v, 0).
        return int(value) if resolved.layer in ("cli", "cmd_args_env") else int(value, 0)
    except ValueError:
        return None


def _cmd_args_unknown(env: Mapping[str, EnvVar]) -> bool:
    var = env.get("GUNICORN_CMD_ARGS")
    return var is not None and var.value is None


def _from_options(setting: str, layer: Layer, found: tuple[ParsedOption, ...]) -> Resolved:
    spec = found[-1].spec
    if spec.action == "append":
        values = tuple(o.value if isinstance(o.value, str) else None for o in found)
        unknown = [o for o in found if o.value is None]
        span = found[0].span.cover(found[-1].span)
        prefix = unknown[0].value_prefix if unknown else None
        return Resolved(setting, values, layer, not unknown, span, found, prefix)
    last = found[-1]
    prefix = last.value_prefix if last.value is None else None
    return Resolved(setting, last.value, layer, last.value is not None, last.span, found, prefix)


def _config_value(value: object) -> SettingValue:
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return str(value)


def _env_default(setting: str, env: Mapping[str, EnvVar]) -> Resolved | None:
    if setting == "workers" and "WEB_CONCURRENCY" in env:
        var = env["WEB_CONCURRENCY"]
        return Resolved(setting, var.value, "env", var.value is not None, var.span)
    if setting == "bind" and "PORT" in env:
        var = env["PORT"]
        if var.value is None:
            return Resolved(setting, (None,), "env", False, var.span, prefix="0.0.0.0:")
        return Resolved(setting, (f"0.0.0.0:{var.value}",), "env", True, var.span)
    if setting == "forwarded_allow_ips" and "FORWARDED_ALLOW_IPS" in env:
        var = env["FORWARDED_ALLOW_IPS"]
        return Resolved(setting, var.value, "env", var.value is not None, var.span)
    return None


def select_config_file(
    cli: GunicornArgs | None, cmd_args_env: GunicornArgs | None
) -> ConfigSelection:
    """F-01: ``-c`` on the command line beats ``-c`` in GUNICORN_CMD_ARGS beats the implicit
    ``./gunicorn.conf.py``."""
    layers: tuple[tuple[Literal["cli", "cmd_args_env"], GunicornArgs | None], ...] = (
        ("cli", cli),
        ("cmd_args_env", cmd_args_env),
    )
    for layer, args in layers:
        if args is None:
            continue
        opt = args.last("config")
        if opt is not None:
            value = opt.value if isinstance(opt.value, str) else None
            return ConfigSelection(value, layer, opt)
    return ConfigSelection("./gunicorn.conf.py", "default")


def resolve_settings(
    cli: GunicornArgs | None = None,
    *,
    env: Mapping[str, EnvVar] | None = None,
    config: Mapping[str, ConfigSetting] | None = None,
    config_unknown: bool = False,
) -> GunicornSettings:
    """Layer Gunicorn's settings sources for one container.

    ``env`` is the container environment (image ``ENV`` overridden by Compose). ``config`` is the
    content of the config file ``select_config_file`` picks (pass None when no file is loaded);
    ``config_unknown`` says a file is loaded but could not be read, making every setting not
    given on the command line unknown.
    """
    env = dict(env or {})
    errors: list[ArgError | str] = []
    cmd_args: GunicornArgs | None = None
    var = env.get("GUNICORN_CMD_ARGS")
    if var is not None and var.value is not None:
        text = var.mapped if var.mapped is not None else Mapped.from_source(var.value, 0)
        cmd_args, split_error = parse_cmd_args_env(text)
        if split_error is not None:
            errors.append(f"GUNICORN_CMD_ARGS: {split_error}")
        errors.extend(cmd_args.errors)
    if cli is not None:
        errors.extend(cli.errors)
    web = env.get("WEB_CONCURRENCY")
    if web is not None and web.value is not None:
        try:
            int(web.value)
        except ValueError:
            errors.append(f"WEB_CONCURRENCY={_shown(web.value)!r} is not an integer")
    return GunicornSettings(
        cli,
        cmd_args,
        select_config_file(cli, cmd_args),
        env,
        config,
        config_unknown,
        tuple(errors),
    )


__all__ = [
    "BUNDLED_WORKERS",
    "OPTIONS",
    "OPTION_STRINGS",
    "SETTINGS",
    "ArgError",
    "ConfigSelection",
    "ConfigSetting",
    "EnvVar",
    "GunicornArgs",
    "GunicornSettings",
    "OptionSpec",
    "ParsedOption",
    "Resolved",
    "WorkerClass",
    "bundled_worker_classes",
    "convert",
    "parse_args",
    "parse_cmd_args_env",
    "resolve_settings",
    "select_config_file",
]
