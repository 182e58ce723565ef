"""
## What it does
Checks that the final stage's `EXPOSE` names the port the web server listens on.

For a Compose service whose `command:` or environment makes the server listen on a port the
image does not EXPOSE, the service's setting is reported, unless the service adds the port with
`expose:` or publishes ports (a published port that is not the server's is DJ050's).

## Why is this bad?
The handbook's image has `EXPOSE 8000` and `--bind 0.0.0.0:8000`. The Dockerfile reference: "The
`EXPOSE` instruction informs Docker that the container listens on the specified network ports at
runtime", and it "functions as a type of documentation between the person who builds the image
and the person who runs the container, about which ports are intended to be published."
Deployment tools read it: `docker run -P` publishes the exposed ports, and OCP's deploy docs map
`…:8000` "If the Dockerfile exposes a port". An `EXPOSE` that names another port sends the
traffic where nothing listens; a missing one leaves the reader to guess.

The server's ports come from its command line and the image's `ENV`: Gunicorn's `--bind`
(command line, `GUNICORN_CMD_ARGS`, a config file the image loads, or the `PORT` default; `unix:`
and `fd://` sockets are not TCP ports), uvicorn's `--port` (or `UVICORN_PORT`, default 8000),
Daphne's `-p`/`--port` (default 8000). `EXPOSE` values are expanded from `ARG`/`ENV`; `/udp`
ports are ignored. A mismatch is reported only when no exposed port is one the server listens
on: exposing more ports than the server uses (a metrics port) is fine. A port that is not
knowable (`--bind 0.0.0.0:$PORT` with no default, `EXPOSE $PORT` without a value) is never
reported, nor are other servers (nginx, uWSGI, scripts).

## Example
```dockerfile
FROM python:3.11
EXPOSE 80
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Use instead
```dockerfile
FROM python:3.11
EXPOSE 8000
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Fix safety
Unsafe. `EXPOSE` does not change where the server listens, but it is not only documentation:
`docker run -P` publishes the exposed ports, and Traefik, Dokku and other deployment tools route
to them (Dokku sets `PORT` and routes to port 5000 when the image exposes nothing). A port another
process in the container serves (an nginx an entrypoint script starts), or one the platform's
`PORT` moves the server to, would stop being published or routed to.

When the server listens on exactly one port, a single exposed port written as a literal is
rewritten to it (a `/tcp` suffix is kept), and a missing `EXPOSE` is inserted on the line before
the final stage's start command. Several exposed ports, or one written with a variable, get no
fix.

## References
- [OCP handbook: Dockerfile for Django, Gunicorn](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
- [Dockerfile reference: EXPOSE](https://docs.docker.com/reference/dockerfile/#expose)
- [Gunicorn settings: bind](https://docs.gunicorn.org/en/stable/settings.html#bind)
- [uvicorn settings](https://www.uvicorn.org/settings/)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from dockerlint_django.analysis import Analysis, Start
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.edits import insert_line_before
from dockerlint_django.dockerfile.model import Stage
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
    Related,
    RuleMeta,
    ServiceContext,
    Severity,
    Violation,
)
from dockerlint_django.rules._service_view import (
    command_span,
    file_name,
    from_service,
    replaced,
    service_key,
    service_label,
)
from dockerlint_django.shell.syntax import WordLike
from dockerlint_django.source import Span

if TYPE_CHECKING:
    from dockerlint_django.gunicorn import GunicornSettings
    from dockerlint_django.service import ServiceView

META = RuleMeta(
    code="DJ021",
    name="expose-port-mismatch",
    severity=Severity.WARNING,
    summary="EXPOSE does not name the port the web server listens on.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    origin="extension",
    kind=("dockerfile", "compose"),
)

_NAMES = {"gunicorn": "Gunicorn", "uvicorn": "uvicorn", "daphne": "Daphne"}
_DEFAULT_PORT = "8000"  # uvicorn's, Daphne's and Gunicorn's default port


def gunicorn_port(address: str) -> str | None:
    """The TCP port of a Gunicorn bind address ("" for a socket); None when not a valid port.

    Follows ``gunicorn.util.parse_address``: ``unix:`` and ``fd://`` are sockets, ``tcp://`` is
    dropped, ``[v6]:port``, ``host:port``, ``:port``, and a bare host on port 8000.
    """
    lowered = address.lower()
    if lowered.startswith(("unix:", "fd://")):
        return ""
    netloc = address[6:] if lowered.startswith("tcp://") else address
    if netloc.startswith("["):
        if "]" not in netloc:
            return None
        rest = netloc[netloc.index("]") + 1 :]
        if not rest:
            return _DEFAULT_PORT
        port = rest[1:] if rest.startswith(":") else None
    elif ":" in netloc:
        port = netloc.split(":", 1)[1]
    else:
        return _DEFAULT_PORT
    return port if port is not None and port.isdigit() else None


def bind_ports(settings: GunicornSettings) -> set[int] | None:
    """The TCP ports of Gunicorn's effective bind list (sockets left out); None when one is
    not known or not a valid port."""
    bind = settings.get("bind")
    if not bind.known or not isinstance(bind.value, tuple):
        return None
    ports: set[int] = set()
    for value in bind.value:
        if value is None:
            return None
        port = gunicorn_port(value)
        if port is None:
            return None
        if port:
            ports.add(int(port))
    return ports


def _gunicorn_ports(a: Analysis, stage: Stage) -> tuple[set[str], Span | None] | None:
    settings = a.gunicorn(stage)
    if settings is None:
        return None
    ports = bind_ports(settings)
    if ports is None:
        return None
    return {str(p) for p in ports}, settings.get("bind").span


def scan_port(
    args: Sequence[WordLike], long: str, short: str | None, sockets: frozenset[str]
) -> tuple[str, Span | None] | None:
    """The last port option's value and span; ("", None) when none is given; None if unknown."""
    found: tuple[str, Span | None] = ("", None)
    i = 0
    while i < len(args):
        word = args[i].value
        if word is None:
            prev = args[i - 1].value if i > 0 else None
            if not (prev is not None and prev.startswith("-") and "=" not in prev):
                return None  # an unknown word that may itself be an option
            i += 1
            continue
        name = word.split("=", 1)[0]
        if name in sockets or any(
            len(s) == 2 and word.startswith(s) and not word.startswith("--") for s in sockets
        ):
            return None  # a Unix socket, descriptor or endpoint: no plain TCP port to compare
        value: str | None
        if word == long or (short is not None and word == short):
            if i + 1 >= len(args):
                return None
            value, span, used = args[i + 1].value, args[i].span.cover(args[i + 1].span), 2
        elif word.startswith(long + "="):
            value, span, used = word[len(long) + 1 :], args[i].span, 1
        elif short is not None and word.startswith(short) and not word.startswith("--"):
            value, span, used = word[len(short) :], args[i].span, 1
        else:
            i += 1
            continue
        if value is None or not value.isdigit():
            return None
        found = (str(int(value)), span)
        i += used
    return found


def _env(a: Analysis, start: Start, stage: Stage) -> dict[str, str | None]:
    env = dict(stage.final_state.env)
    if a.runtime is not None:
        # A service's environment is laid over the image's ENV; a missing env file may set more.
        env.update({name: var.value for name, var in a.runtime.environment.items()})
        if not a.runtime.environment_complete:
            env.setdefault("UVICORN_PORT", None)
    for assignment in start.launch.environment:
        env[assignment.name] = assignment.value
    return env


def _server_ports(a: Analysis, start: Start, stage: Stage) -> tuple[set[str], Span | None] | None:
    kind = start.launch.kind
    if kind == "gunicorn":
        return _gunicorn_ports(a, stage)
    if kind == "uvicorn":
        scanned = scan_port(start.launch.args, "--port", None, frozenset({"--uds", "--fd"}))
        if scanned is None:
            return None
        port, span = scanned
        if span is None:
            env = _env(a, start, stage)
            if "UVICORN_PORT" in env:
                value = env["UVICORN_PORT"]
                if value is None or not value.isdigit():
                    return None
                return {str(int(value))}, None
            port = _DEFAULT_PORT
        return {port}, span
    if kind == "daphne":
        scanned = scan_port(
            start.launch.args,
            "--port",
            "-p",
            frozenset({"-u", "--unix-socket", "--fd", "-e", "--endpoint"}),
        )
        if scanned is None:
            return None
        port, span = scanned
        return {port or _DEFAULT_PORT}, span
    return None


def _exposed(stage: Stage) -> list[tuple[str, Instruction, int]] | None:
    """TCP ports the stage exposes: (port, instruction, index of the word); None if unknown."""
    out: list[tuple[str, Instruction, int]] = []
    seen: dict[int, int] = {}
    for value, ins in stage.final_state.expose:
        index = seen.get(id(ins), 0)
        seen[id(ins)] = index + 1
        if value is None:
            return None
        port, _, proto = value.partition("/")
        if proto.lower() not in ("", "tcp"):
            continue
        low, dash, high = port.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            return None
        if dash:
            out.extend((str(p), ins, index) for p in range(int(low), int(high) + 1))
        else:
            out.append((str(int(low)), ins, index))
    return out


def _rewrite(ctx: Context, ins: Instruction, index: int, port: str) -> Fix | None:
    if index >= len(ins.value_mapped):
        return None
    mapped = ins.value_mapped[index]
    span = mapped.span()
    raw = ctx.analysis.source.slice(span)
    number = raw.partition("/")[0]
    if raw != ins.value[index] or not number.isdigit():
        return None  # written with a variable or quotes: rewriting could change more
    edit = Edit(span.start, span.start + len(number), port)
    return Fix(f"Expose port {port}", (edit,), Applicability.UNSAFE)


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    if a.runtime is not None:
        return  # a service's view is judged by check_service, which knows its ports
    final = a.dockerfile.final
    if final is None:
        return
    start = a.start(final)
    if start is None:
        return
    found = _server_ports(a, start, final)
    if found is None:
        return
    ports, bind_span = found
    if not ports:
        return  # a Unix socket or inherited descriptor: a proxy in front publishes the port
    exposed = _exposed(final)
    if exposed is None:
        return
    server = _NAMES.get(start.launch.kind, start.launch.kind)
    listening = ", ".join(sorted(ports, key=int))
    related = () if bind_span is None else (Related(bind_span, f"{server} listens here"),)
    command = start.command
    if not exposed:
        fix: Fix | None = None
        ins = command.instruction if command is not None else None
        if (
            len(ports) == 1
            and ins is not None
            and command is not None
            and command.stage == final.index
            and any(i is ins for i in final.instructions)
        ):
            (port,) = ports
            edit = insert_line_before(a.source, ins, f"EXPOSE {port}")
            fix = Fix(f"Expose port {port}", (edit,), Applicability.UNSAFE)
        anchor = ins.span if ins is not None else final.from_.span
        yield META.violation(
            anchor,
            f"the image does not EXPOSE the port {server} listens on ({listening}); "
            f"add EXPOSE {listening.split(', ')[0]}",
            severity=Severity.INFO,
            fix=fix,
            related=related,
        )
        return
    if ports & {p for p, _, _ in exposed}:
        return
    _, ins, index = exposed[0]
    fix = None
    if len(exposed) == 1 and len(ports) == 1:
        (port,) = ports
        fix = _rewrite(ctx, ins, index, port)
    span = ins.value_mapped[index].span() if index < len(ins.value_mapped) else ins.span
    shown = ", ".join(sorted({p for p, _, _ in exposed}, key=int))
    yield META.violation(
        span,
        f"EXPOSE {shown}, but {server} listens on {listening}: whoever publishes the exposed "
        "port reaches nothing",
        fix=fix,
        related=related,
    )


def _service_ports(view: ServiceView) -> set[str] | None:
    """TCP ports the service adds with `expose:` (None when one is not known)."""
    out: set[str] = set()
    for value in view.service.expose:
        if value.unset:
            return None
        port, _, proto = value.value.partition("/")
        if proto.lower() not in ("", "tcp"):
            continue
        low, dash, high = port.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            return None
        out.update(str(p) for p in range(int(low), int(high or low) + 1))
    return out


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    """A service whose `command:` or environment makes the server listen on a port its image
    does not EXPOSE, and that the service neither exposes nor publishes (a published port that
    is not the server's is DJ050's)."""
    view = ctx.service
    a = view.analysis
    final = view.stage
    if a is None or final is None or view.service.ports:
        return
    start = a.start(final)
    if start is None:
        return
    found = _server_ports(a, start, final)
    if found is None:
        return
    ports, bind_span = found
    command = start.command
    if bind_span is not None:
        if not from_service(a, bind_span):
            return  # the image's own setting: its EXPOSE is the Dockerfile's business
        span = bind_span
    elif command is not None and service_key(a, command) is not None:
        span = command_span(a, command, final)  # the server's default port, by the service
    else:
        return
    exposed = _exposed(final)
    added = _service_ports(view)
    if not ports or not exposed or added is None:
        return  # no TCP port, no EXPOSE at all (the image's own finding), or not known
    if ports & ({p for p, _, _ in exposed} | added):
        return
    server = _NAMES.get(start.launch.kind, start.launch.kind)
    listening = ", ".join(sorted(ports, key=int))
    shown = ", ".join(sorted({p for p, _, _ in exposed}, key=int))
    _, ins, _ = exposed[0]
    words = command_span(a, command, final)
    within = (
        command is not None
        and service_key(a, command) is not None
        and words.start <= span.start
        and span.end <= words.end
    )
    where = (
        service_label(a, command)
        if command is not None and within
        else f"the environment {file_name(a, span)} sets"
    )
    yield META.violation(
        span,
        f"{where} makes {server} listen on {listening}, but the image EXPOSEs {shown}: whoever "
        f'reaches the service on the exposed port reaches nothing; add `expose: ["{listening.split(", ")[0]}"]` '
        "to the service, or listen on the exposed port",
        related=(
            Related(ins.span, f"the image's EXPOSE {shown}"),
            *(replaced(a, command) if within else ()),
        ),
    )
