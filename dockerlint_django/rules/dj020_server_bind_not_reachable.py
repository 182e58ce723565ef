"""
## What it does
Checks that the web server in the final stage listens on all interfaces, not only on the
container's loopback address, where nothing outside the container can reach it.

A Compose service's `command:` and environment (`GUNICORN_CMD_ARGS`, `PORT`, `UVICORN_HOST`)
are laid over the image: a loopback bind they bring back is reported on the Compose line, noting
the image's `CMD` it replaces; one they fix is not reported for the service.

## Why is this bad?
The handbook's command line has `--bind 0.0.0.0:8000`, which "uses Docker's default bind address
for containers and Gunicorn's default port." Without it Gunicorn listens on its default,
`127.0.0.1:8000` ("If the `PORT` environment variable is defined, the default is
`['0.0.0.0:$PORT']`"). A process bound to 127.0.0.1 inside a container can only be reached from
inside that container: a published port (`-p 8000:8000`, compose `ports:`) forwards to the
container's own network interface, and the connection is refused. The same trap exists in uvicorn
(`--host` "Default: '127.0.0.1'"), Daphne (`DEFAULT_HOST = '127.0.0.1'`) and Django's
`runserver` (127.0.0.1:8000).

What is checked:

- Gunicorn: the addresses it binds, from `-b`/`--bind` on the command line, `GUNICORN_CMD_ARGS`
  in the image's `ENV`, or the `PORT` default. Reported when nothing sets them, or when every
  address is a loopback one (`127.0.0.1`, `localhost`, `::1`). `0.0.0.0`, `[::]`, `:8000`, and
  `unix:`/`fd://` sockets (a hand-off to a proxy) are fine. A config file the image may load
  (`-c`, or a `gunicorn.conf.py` that a `COPY` may put in the working folder) may set `bind`: then
  nothing is reported unless the command line sets it.
- uvicorn: `--host`, else `UVICORN_HOST`; `--uds`/`--fd` are fine.
- Daphne: `-b`/`--bind`; `-u`/`--unix-socket`, `--fd` and `-e`/`--endpoint` are fine.
- `manage.py runserver`: the `addrport` argument (`8000` alone keeps 127.0.0.1; `0:8000` is
  0.0.0.0).

A value the shell computes (`--bind $ADDR`) is not knowable and is not reported.

## Example
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi"]
```

## Use instead
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Fix safety
Unsafe: listening on every interface is a change of behaviour by definition, and not always a
wanted one. A container that shares its network namespace (`network_mode: service:…`, a
Kubernetes pod with a proxy sidecar) may bind 127.0.0.1 on purpose so that only the proxy next
to it reaches the server; with `--network host`, 0.0.0.0 opens the server on the host's own
interfaces. When nothing sets the address, the appended port is the stage's single `EXPOSE`d
one, which may not be Gunicorn's default 8000 that it listened on before.

For Gunicorn in an exec-form command (not inside a `sh -c` string, which DJ001/DJ002 are about):
when nothing sets the address, `"--bind", "0.0.0.0:<port>"` is appended, with the stage's `EXPOSE`
port if it exposes exactly one and 8000 otherwise (Gunicorn's own default port); when `--bind`
names a loopback host, only the host is replaced with `0.0.0.0` and the port is kept. uvicorn,
Daphne and `runserver` findings, and addresses set in `GUNICORN_CMD_ARGS`, have no fix.

## References
- [OCP handbook: Dockerfile for Django, Gunicorn](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
- [Gunicorn settings: bind](https://docs.gunicorn.org/en/stable/settings.html#bind)
- [uvicorn settings: --host](https://www.uvicorn.org/settings/)
- [Docker forums: can't access a server on 127.0.0.1 inside Docker](https://forums.docker.com/t/cant-access-to-server-starting-on-127-0-0-1-inside-docker-but-work-with-0-0-0-0/34709)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from dockerlint_django._record import replace
from dockerlint_django.analysis import Analysis, Start
from dockerlint_django.dockerfile.model import Stage
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.gunicorn import GunicornSettings, ParsedOption
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.rules._service_view import (
    command_span,
    from_service,
    replaced,
    service_key,
    service_label,
)
from dockerlint_django.shell.syntax import WordLike
from dockerlint_django.source import Span

META = RuleMeta(
    code="DJ020",
    name="server-bind-not-reachable",
    severity=Severity.ERROR,
    summary="The server listens on the container's loopback address: published ports can't reach it.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    kind=("dockerfile", "compose"),
)

_ALL = "0.0.0.0"


def _is_loopback(host: str) -> bool:
    host = host.lower().strip("[]")
    return host in ("localhost", "::1") or host.startswith("127.")


def gunicorn_host(address: str) -> tuple[str, int] | None:
    """The host of a Gunicorn bind address and where it starts; None for a socket hand-off.

    Follows ``gunicorn.util.parse_address``: ``unix:`` and ``fd://`` are not TCP, ``tcp://`` is
    dropped, ``[v6]:port``, ``host:port``, ``:port`` (all interfaces) and a bare host.
    """
    lowered = address.lower()
    if lowered.startswith(("unix:", "fd://")):
        return None
    at = 6 if lowered.startswith("tcp://") else 0
    netloc = address[at:]
    if netloc.startswith("[") and "]" in netloc:
        return netloc[: netloc.index("]") + 1], at
    return netloc.split(":", 1)[0], at


def _port_of_stage(stage: Stage) -> str:
    ports = set()
    for value, _ins in stage.final_state.expose:
        if value is None:
            return "8000"
        port, _, proto = value.partition("/")
        if proto.lower() not in ("", "tcp"):
            continue
        ports.add(port)
    if len(ports) == 1:
        (port,) = ports
        if port.isdigit():
            return port
    return "8000"


def _append(ctx: Context, start: Start, words: Sequence[str]) -> Edit | None:
    return ctx.analysis.append_to_server(start, words)


def _anchor(a: Analysis, start: Start, stage: Stage) -> Span:
    return command_span(a, start.command, stage)


def _nothing_binds(a: Analysis, start: Start) -> str:
    """How the message says that no setting names an address: which layer starts the server."""
    command = start.command
    if command is not None and service_key(a, command) is not None:
        return f"{service_label(a, command)} starts Gunicorn with no bind address"
    return "nothing sets Gunicorn's bind address"


def _check_gunicorn(
    ctx: Context, start: Start, stage: Stage, settings: GunicornSettings
) -> Iterator[Violation]:
    bind = settings.get("bind")
    values = bind.value
    if not isinstance(values, tuple):
        return
    if bind.layer == "default":
        if not bind.known:
            return
        address = f"{_ALL}:{_port_of_stage(stage)}"
        edit = _append(ctx, start, ["--bind", address])
        yield META.violation(
            _anchor(ctx.analysis, start, stage),
            f"{_nothing_binds(ctx.analysis, start)}, so it listens on 127.0.0.1:8000, which is not "
            f"reachable from outside the container; add --bind {address}",
            fix=None if edit is None else Fix("Bind to 0.0.0.0", (edit,), Applicability.UNSAFE),
        )
        return
    hosts: list[str] = []
    for value in values:
        text = value
        if text is None:
            # Only the one unknown value whose host is written out (`127.0.0.1:$PORT`) is usable.
            if sum(v is None for v in values) != 1 or bind.prefix is None:
                return
            text = bind.prefix
            parsed = gunicorn_host(text)
            if parsed is not None and len(text) <= parsed[1] + len(parsed[0]):
                return  # the host itself is not complete
        else:
            parsed = gunicorn_host(text)
        if parsed is None or not _is_loopback(parsed[0]):
            return
        hosts.append(parsed[0])
    if not hosts:
        return
    shown = ", ".join(v if v is not None else f"{bind.prefix}…" for v in values)
    yield META.violation(
        bind.span or _anchor(ctx.analysis, start, stage),
        f"Gunicorn binds only {shown}, a loopback address that is not reachable from outside "
        "the container; bind 0.0.0.0 instead",
        fix=_replace_hosts(ctx, start, bind.options) if bind.layer == "cli" else None,
    )


def _replace_hosts(ctx: Context, start: Start, options: Sequence[ParsedOption]) -> Fix | None:
    command = start.command
    if (
        command is None
        or command.instruction is None
        or not command.instruction.json
        or start.launch.via_shell
    ):
        return None
    edits: list[Edit] = []
    for opt in options:
        value, span = opt.value, opt.value_span
        if not isinstance(value, str) or span is None:
            return None
        if ctx.analysis.text(span) != value:
            return None  # escapes in the JSON string: offsets do not map one to one
        parsed = gunicorn_host(value)
        if parsed is None:
            return None
        host, at = parsed
        edits.append(Edit(span.start + at, span.start + at + len(host), _ALL))
    return Fix("Bind to 0.0.0.0", tuple(edits), Applicability.UNSAFE) if edits else None


def _option_value(
    args: Sequence[WordLike], i: int, long: frozenset[str], short: str | None
) -> tuple[bool, str | None, Span, int] | None:
    """Whether ``args[i]`` is one of the options; its value, the span, and words used."""
    word = args[i].value
    if word is None:
        return None
    for name in long:
        if word == name:
            if i + 1 >= len(args):
                return True, None, args[i].span, 1
            return True, args[i + 1].value, args[i].span.cover(args[i + 1].span), 2
        if word.startswith(name + "="):
            return True, word[len(name) + 1 :], args[i].span, 1
    if short is not None and word.startswith(short) and not word.startswith("--"):
        if word == short:
            if i + 1 >= len(args):
                return True, None, args[i].span, 1
            return True, args[i + 1].value, args[i].span.cover(args[i + 1].span), 2
        return True, word[len(short) :], args[i].span, 1
    return None


def _opaque(args: Sequence[WordLike], i: int) -> bool:
    """An unknown word that may itself be an option (not the value of the option before it)."""
    if args[i].value is not None:
        return False
    prev = args[i - 1].value if i > 0 else None
    return not (prev is not None and prev.startswith("-") and "=" not in prev)


def _scan_host(
    args: Sequence[WordLike],
    host_long: frozenset[str],
    host_short: str | None,
    sockets: frozenset[str],
) -> tuple[str, Span | None] | None:
    """The last host option's value and span; ("", None) when none is given; None if unknown."""
    found: tuple[str, Span | None] = ("", None)
    i = 0
    while i < len(args):
        if _opaque(args, i):
            return None
        word = args[i].value or ""
        name = word.split("=", 1)[0]
        if name in sockets:
            return None  # a Unix socket or inherited file descriptor: a hand-off to a proxy
        hit = _option_value(args, i, host_long, host_short)
        if hit is None:
            i += 1
            continue
        _, value, span, used = hit
        if value is None:
            return None
        found = (value, span)
        i += used
    return found


def _check_uvicorn(ctx: Context, start: Start, stage: Stage) -> Iterator[Violation]:
    scanned = _scan_host(
        start.launch.args, frozenset({"--host"}), None, frozenset({"--uds", "--fd"})
    )
    if scanned is None:
        return
    host, span = scanned
    if span is None:
        env = dict(stage.final_state.env)
        runtime = ctx.analysis.runtime
        if runtime is not None:
            # A service's environment is laid over the image's ENV.
            env.update({name: var.value for name, var in runtime.environment.items()})
            if not runtime.environment_complete and "UVICORN_HOST" not in runtime.environment:
                return  # a missing env file may set it
        for assignment in start.launch.environment:
            env[assignment.name] = assignment.value
        if "UVICORN_HOST" in env:
            value = env["UVICORN_HOST"]
            if value is None or not _is_loopback(value):
                return
            host = value
        else:
            host = "127.0.0.1"
    elif not _is_loopback(host):
        return
    yield META.violation(
        span or _anchor(ctx.analysis, start, stage),
        f"uvicorn listens on {host}, which is not reachable from outside the container; "
        "use --host 0.0.0.0",
    )


def _check_daphne(a: Analysis, start: Start, stage: Stage) -> Iterator[Violation]:
    scanned = _scan_host(
        start.launch.args,
        frozenset({"--bind"}),
        "-b",
        frozenset({"-u", "--unix-socket", "--fd", "-e", "--endpoint"}),
    )
    if scanned is None:
        return
    host, span = scanned
    if span is None:
        host = "127.0.0.1"
    elif not _is_loopback(host):
        return
    yield META.violation(
        span or _anchor(a, start, stage),
        f"Daphne listens on {host}, which is not reachable from outside the container; "
        "use -b 0.0.0.0",
    )


# Django's BaseCommand options that take a value; runserver's own are flags.
_DJANGO_VALUE_OPTIONS = frozenset({"--settings", "--pythonpath", "-v", "--verbosity"})


def _check_runserver(a: Analysis, start: Start, stage: Stage) -> Iterator[Violation]:
    sub = start.launch.subcommand
    if sub is None or sub.value != "runserver":
        return  # runserver_plus and friends have options of their own
    args = start.launch.args
    ipv6 = False
    addrport: WordLike | None = None
    i = 0
    while i < len(args):
        word = args[i].value
        if word is None:
            if addrport is None and not _opaque(args, i):
                i += 1
                continue
            if addrport is None:
                addrport = args[i]
            i += 1
            continue
        if word in _DJANGO_VALUE_OPTIONS:
            i += 2
            continue
        if word in ("-6", "--ipv6"):
            ipv6 = True
        elif not word.startswith("-") and addrport is None:
            addrport = args[i]
        i += 1
    if addrport is None:
        host = "::1" if ipv6 else "127.0.0.1"
        span = _anchor(a, start, stage)
    else:
        text = addrport.value
        if text is None:
            return
        span = addrport.span
        if text.isdigit():
            host = "::1" if ipv6 else "127.0.0.1"
        elif text.startswith("["):
            host = text[: text.find("]") + 1] if "]" in text else text
        else:
            host = text.rsplit(":", 1)[0] if ":" in text else text
        if not _is_loopback(host):
            return
    yield META.violation(
        span,
        f"runserver listens on {host}, which is not reachable from outside the container; "
        "give it 0.0.0.0:8000",
    )


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    start = a.start(final)
    if start is None:
        return
    found: Iterator[Violation]
    kind = start.launch.kind
    if kind == "gunicorn":
        settings = a.gunicorn(final)
        if settings is None:
            return
        found = _check_gunicorn(ctx, start, final, settings)
    elif kind == "uvicorn":
        found = _check_uvicorn(ctx, start, final)
    elif kind == "daphne":
        found = _check_daphne(a, start, final)
    elif kind == "runserver":
        found = _check_runserver(a, start, final)
    else:
        return
    if a.runtime is None:
        yield from found
        return
    # A service's view: what its own settings (command, environment) cause; the image's
    # instruction a service's command replaces says which layer wins.
    command = start.command
    words = _anchor(a, start, final) if service_key(a, command) is not None else None
    for v in found:
        if not from_service(a, v.span):
            continue
        if words is not None and words.start <= v.span.start and v.span.end <= words.end:
            v = replace(v, related=replaced(a, command))
        yield v
