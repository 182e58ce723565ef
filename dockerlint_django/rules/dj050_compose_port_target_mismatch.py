"""
## What it does
Checks that the container side of each Compose `ports:` mapping is a port the service's process
listens on.

## Why is this bad?
A mapping `HOST:CONTAINER` forwards the host port to `CONTAINER` inside the container. When
nothing listens there, every connection is refused (or reset) while the server runs happily on
another port: `8003:80` in front of nginx-unprivileged, whose "default NGINX listen port is now
`8080` instead of `80`", or `8000:8000` in front of a Gunicorn bound to `0.0.0.0:5000`. OCP's
deploy files map `…:8000` for the Django image and `…:8080` for the static one for this reason.

The listening port is taken from what the container runs, with the service's `command:`,
`entrypoint:` and `environment:` over the image:

- Gunicorn: its bind addresses (`--bind`, `GUNICORN_CMD_ARGS`, a config file it loads, the
  `PORT` default, else 8000); `unix:` and `fd://` sockets are not TCP ports;
- uvicorn `--port` (or `UVICORN_PORT`, default 8000), Daphne `-p`/`--port` (default 8000), and
  `runserver`'s `addrport` (default 8000);
- nginx-unprivileged (the `image:`, or the base of the Dockerfile's final stage): 8080, or the
  `listen` ports of a `default.conf` the Dockerfile copies over the image's; plain `nginx`: 80;
- otherwise, for the image's own start command, the ports the image `EXPOSE`s. That is only
  what the image declares, not what its command is seen to listen on, so such a mismatch is
  reported at info, without a fix: the mapping or the `EXPOSE` is wrong.

A port that is not knowable (a variable with no value here, a config file that cannot be read,
a conf mounted as a volume, an entrypoint script that starts something else) is never reported,
nor are UDP mappings, ranges of which one port is listened on, and services with
`network_mode:`.

## Example
```yaml filename=compose.yaml
services:
  static:
    image: nginxinc/nginx-unprivileged:latest
    ports:
      - "8003:80"
```

## Use instead
```yaml filename=compose.yaml
services:
  static:
    image: nginxinc/nginx-unprivileged:latest
    ports:
      - "8003:8080"
```

## Fix safety
Unsafe, when the service has exactly one mapping and the server listens on exactly one port:
only the container part is rewritten (`"8003:80"` → `"8003:8080"`, or the `target:` value),
keeping the host port, the IP, the protocol and the quoting. The host port then reaches the
server, which changes what the service does on purpose, and it rests on the port read from the
image: a process this tool does not see (a second server started by an entrypoint, a sidecar in
the same container) may be what listens on the old port. Services with several mappings, ranges,
container parts written with a variable, mappings shared with other services (an anchor, a merge
key, `extends`, `include`), and ports known only from the image's `EXPOSE` are reported without
a fix.

## References
- [Compose file reference: ports](https://docs.docker.com/reference/compose-file/services/#ports)
- [Gunicorn settings: bind](https://docs.gunicorn.org/en/stable/settings.html#bind)
- [nginx-unprivileged README](https://github.com/nginx/docker-nginx-unprivileged#readme)
- [OCP deploy docs: Docker apps](https://ocp-deploy.readthedocs.io/en/latest/develop/update/docker.html)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from dockerlint_django._record import LazyPattern, record
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import (
    FixAvailability,
    Related,
    RuleMeta,
    Severity,
    Violation,
)
from dockerlint_django.rules.dj021_expose_port_mismatch import bind_ports, scan_port
from dockerlint_django.source import Span

if TYPE_CHECKING:
    from dockerlint_django.analysis import Start
    from dockerlint_django.compose.model import Port
    from dockerlint_django.compose.nodes import Mapping
    from dockerlint_django.rules._base import ServiceContext
    from dockerlint_django.service import ServiceView
    from dockerlint_django.shell.syntax import WordLike

META = RuleMeta(
    code="DJ050",
    name="compose-port-target-mismatch",
    severity=Severity.ERROR,
    summary="A Compose port mapping's container port is not one the service listens on.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    origin="extension",
    kind=("compose", "cross"),
)

_DEFAULT_PORT = 8000  # Gunicorn's, uvicorn's, Daphne's and runserver's default port
_UNPRIVILEGED = frozenset(
    {
        "nginxinc/nginx-unprivileged",
        "nginx/nginx-unprivileged",
        "ghcr.io/nginx/nginx-unprivileged",
        "ghcr.io/nginxinc/nginx-unprivileged",
    }
)
_NGINX_DEFAULT_CONF = "/etc/nginx/conf.d/default.conf"
_LISTEN = LazyPattern(r"^[ \t]*listen[ \t]+([^;\s]+)[^;]*;", re.MULTILINE)
_SERVER_BLOCK = LazyPattern(r"^[ \t]*server[ \t]*\{", re.MULTILINE)


@record
class _Listening:
    """The TCP ports the service's process listens on, who says so, and where."""

    ports: frozenset[int]
    server: str  # "Gunicorn", "nginx-unprivileged"…
    related: tuple[Related, ...] = ()
    # Only the image's EXPOSE says so: the command's own port is not known here.
    declared: bool = False


# -- what the container listens on ------------------------------------------------------------


def _gunicorn(view: ServiceView) -> _Listening | None:
    settings = view.gunicorn()
    if settings is None:
        return None
    bind = settings.get("bind")
    ports = bind_ports(settings)
    if ports is None:
        return None
    if not ports:
        return None  # only sockets: a proxy in the container may publish anything
    related: tuple[Related, ...] = ()
    if bind.span is not None and bind.layer != "default":
        where = {
            "cli": "the command line",
            "cmd_args_env": "GUNICORN_CMD_ARGS",
            "config": "the config file",
            "env": "PORT",
        }.get(bind.layer, bind.layer)
        related = (Related(bind.span, f"Gunicorn binds here ({where})"),)
    return _Listening(frozenset(ports), "Gunicorn", related)


def _opaque(args: Sequence[WordLike], i: int) -> bool:
    """An unknown word that may itself be an option (not the value of the option before it)."""
    if args[i].value is not None:
        return False
    prev = args[i - 1].value if i > 0 else None
    return not (prev is not None and prev.startswith("-") and "=" not in prev)


def _scan_port(
    args: Sequence[WordLike], long: str, short: str | None, sockets: frozenset[str]
) -> tuple[int | None, Span | None] | None:
    """The last port option's value and span; (None, None) when none is given; None when it
    cannot be known or the server listens on a socket instead."""
    found = scan_port(args, long, short, sockets)
    if found is None:
        return None
    port, span = found
    return (int(port) if port else None), span


def _env_value(view: ServiceView, start: Start, name: str) -> tuple[bool, str | None]:
    """Whether the container sets ``name`` and to what (None: unknown)."""
    for assignment in reversed(start.launch.environment):
        if assignment.name == name:
            return True, assignment.value
    var = view.env(name)
    if var is not None:
        return True, None if var.unset else var.value
    if not view.layer.environment_complete:
        return True, None
    stage = view.stage
    if stage is not None and name in stage.final_state.env:
        return True, stage.final_state.env[name]
    return False, None


def _uvicorn(view: ServiceView, start: Start) -> _Listening | None:
    scanned = _scan_port(start.launch.args, "--port", None, frozenset({"--uds", "--fd"}))
    if scanned is None:
        return None
    port, span = scanned
    if port is None:
        present, value = _env_value(view, start, "UVICORN_PORT")
        if present:
            if value is None or not value.isdigit():
                return None
            port = int(value)
        else:
            port = _DEFAULT_PORT
    related = () if span is None else (Related(span, "uvicorn's port"),)
    return _Listening(frozenset({port}), "uvicorn", related)


def _daphne(start: Start) -> _Listening | None:
    scanned = _scan_port(
        start.launch.args,
        "--port",
        "-p",
        frozenset({"-u", "--unix-socket", "--fd", "-e", "--endpoint"}),
    )
    if scanned is None:
        return None
    port, span = scanned
    related = () if span is None else (Related(span, "Daphne's port"),)
    return _Listening(frozenset({port or _DEFAULT_PORT}), "Daphne", related)


# Django's BaseCommand options that take a value; runserver's own are flags.
_DJANGO_VALUE_OPTIONS = frozenset({"--settings", "--pythonpath", "-v", "--verbosity"})


def _runserver(start: Start) -> _Listening | None:
    args = start.launch.args
    addrport: WordLike | None = None
    i = 0
    while i < len(args):
        word = args[i].value
        if word is None:
            if _opaque(args, i):
                return None
            i += 1
            continue
        if word in _DJANGO_VALUE_OPTIONS:
            i += 2
            continue
        if not word.startswith("-") and addrport is None:
            addrport = args[i]
        i += 1
    if addrport is None:
        return _Listening(frozenset({_DEFAULT_PORT}), "runserver")
    text = addrport.value
    if text is None:
        return None
    port = text.rsplit(":", 1)[1] if ":" in text and not text.endswith("]") else text
    if not port.isdigit():
        if text.startswith("[") or "." in text or text.isalpha():
            return _Listening(frozenset({_DEFAULT_PORT}), "runserver")  # an address alone
        return None
    return _Listening(frozenset({int(port)}), "runserver", (Related(addrport.span, "its port"),))


def _volume_targets(view: ServiceView) -> list[str] | None:
    """Container paths the service mounts over; None when one is not known."""
    from dockerlint_django.compose.nodes import Mapping, Scalar, Sequence

    node = view.service.get("volumes")
    if node is None:
        return []
    if not isinstance(node, Sequence):
        return None
    out: list[str] = []
    for item in node.items:
        target = item.get("target") if isinstance(item, Mapping) else None
        if not isinstance(target, Scalar) or target.unset or not isinstance(target.value, str):
            return None
        out.append(target.value)
    return out


def _mounts_nginx_conf(view: ServiceView) -> bool | None:
    targets = _volume_targets(view)
    if targets is None:
        return None
    return any(posixpath.normpath(t).startswith("/etc/nginx") for t in targets)


def _conf_listens(view: ServiceView, default: int) -> _Listening | None:
    """For an image built FROM nginx[-unprivileged]: its default conf's port, or the ``listen``
    ports of a ``default.conf`` the Dockerfile copies over it. None when other files under
    /etc/nginx are copied in (they may listen anywhere)."""
    a, stage = view.analysis, view.stage
    if a is None or stage is None:
        return None
    for s in stage.chain:
        for ins, state in s.steps():
            if ins.keyword not in ("COPY", "ADD") or len(ins.value) < 2:
                continue
            dest = ins.value[-1]
            if "$" in dest:
                return None
            if not dest.startswith("/"):
                if state.workdir is None:
                    return None
                dest = posixpath.join(state.workdir, dest)
            dest = posixpath.normpath(dest)
            if dest == "/" or "/etc/nginx/".startswith(dest + "/"):
                return None  # a tree copied over /etc: it may hold nginx confs
            if dest != "/etc/nginx" and not dest.startswith("/etc/nginx/"):
                continue
            sources = [posixpath.basename(v.rstrip("/")) for v in ins.value[:-1]]
            if dest == _NGINX_DEFAULT_CONF or (
                dest == posixpath.dirname(_NGINX_DEFAULT_CONF) and sources == ["default.conf"]
            ):
                continue  # read below, as the last copy to that place
            return None
    found, known = a.context_file_at(stage, _NGINX_DEFAULT_CONF)
    if not known:
        return None
    if found is None:
        return _Listening(frozenset({default}), _nginx_name(default))
    source = a.context.read(found)
    if source is None:
        return None
    ports: set[int] = set()
    related: list[Related] = []
    text = source.text
    for m in _LISTEN.finditer(text):
        value = m.group(1)
        if value.lower().startswith("unix:"):
            continue
        port = value.rsplit(":", 1)[1] if ":" in value and not value.endswith("]") else value
        if not port.isdigit():
            if "$" in value or not ("." in value or value.startswith("[") or value == "*"):
                return None
            port = "80"
        ports.add(int(port))
        related.append(
            Related(
                a.workspace.to_workspace(source, Span(m.start(1), m.end(1))),
                f"{found} listens here",
            )
        )
    starts = [m.start() for m in _SERVER_BLOCK.finditer(text)]
    for begin, end in zip(starts, [*starts[1:], len(text)], strict=True):
        if not _LISTEN.search(text, begin, end):
            return None  # a server block without `listen` takes nginx's default, 80 or 8000
    if not ports:
        return None
    return _Listening(frozenset(ports), _nginx_name(default), tuple(related[:1]))


def _nginx_name(default: int) -> str:
    return "nginx-unprivileged" if default == 8080 else "nginx"


def _nginx_default(name: str | None) -> int | None:
    from dockerlint_django.dockerfile.images import parse_image_ref

    if name is None:
        return None
    ref = parse_image_ref(name)
    if ref is None:
        return None
    if ref.name in _UNPRIVILEGED:
        return 8080
    if ref.name == "nginx":
        return 80
    return None


def _nginx(view: ServiceView) -> _Listening | None:
    if view.service.command is not None or view.service.entrypoint is not None:
        return None  # it may run anything
    if _mounts_nginx_conf(view) is not False:
        return None
    stage = view.stage
    if stage is None:
        default = _nginx_default(view.image_name)
        if default is None:
            return None
        return _Listening(frozenset({default}), _nginx_name(default))
    root = stage.root_image
    default = _nginx_default(root.raw if root is not None else None)
    if default is None:
        return None
    state = stage.final_state
    if (
        stage.root_known is None
        or state.cmd is None
        or state.cmd.instruction is not None
        or (state.entrypoint is not None and state.entrypoint.instruction is not None)
    ):
        return None  # the Dockerfile runs its own command
    return _conf_listens(view, default)


def _exposed(view: ServiceView) -> _Listening | None:
    """The image's EXPOSE ports, for its own start command on a base image this tool knows."""
    stage = view.stage
    if stage is None or stage.root_known is None:
        return None
    if view.service.command is not None or view.service.entrypoint is not None:
        return None  # the service runs something the image's EXPOSE says nothing about
    if not stage.final_state.expose:
        return None  # the base image's EXPOSE speaks for its own command, maybe not this one
    ports: set[int] = {int(value) for value in stage.root_known.expose}
    related: list[Related] = []
    for value, ins in stage.final_state.expose:
        if value is None:
            return None
        port, _, proto = value.partition("/")
        if proto.lower() not in ("", "tcp"):
            continue
        low, dash, high = port.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            return None
        ports.update(range(int(low), int(high) + 1) if dash else (int(low),))
        if not related:
            related.append(Related(ins.span, "the image's EXPOSE"))
    if not ports:
        return None
    return _Listening(frozenset(ports), "the image", tuple(related), declared=True)


def _listening(view: ServiceView) -> _Listening | None:
    start = view.start()
    if start is not None:
        kind = start.launch.kind
        if kind == "gunicorn":
            return _gunicorn(view)
        if kind == "uvicorn":
            return _uvicorn(view, start)
        if kind == "daphne":
            return _daphne(start)
        if kind == "runserver":
            return _runserver(start)
        if kind in ("unknown", "hypercorn", "uwsgi"):
            return None
    elif view.stage is not None:
        return None
    nginx = _nginx(view)
    if nginx is not None:
        return nginx
    return _exposed(view)


# -- the mappings -------------------------------------------------------------------------------


def _container_part(written: str) -> tuple[int, int] | None:
    """Where the container port is in a short-syntax scalar as written (quotes included): the
    text after the last ``:`` outside ``${…}``, without ``/protocol``."""
    body_start = 1 if written[:1] in "\"'" else 0
    body_end = len(written) - 1 if body_start else len(written)
    depth = 0
    last = -1
    for i in range(body_start, body_end):
        c = written[i]
        if c == "{" and i > 0 and written[i - 1] == "$":
            depth += 1
        elif c == "}" and depth:
            depth -= 1
        elif c == ":" and depth == 0:
            last = i
    start = last + 1 if last >= 0 else body_start
    end = written.find("/", start, body_end)
    return start, end if end >= 0 else body_end


@record
class _Entry:
    """One mapping as written (a range is one entry with several ports)."""

    node: Mapping
    ports: tuple[Port, ...]
    short: bool


def _entries(view: ServiceView) -> list[_Entry]:
    from dockerlint_django.compose.nodes import Mapping, Sequence

    node = view.service.get("ports")
    if not isinstance(node, Sequence):
        return []
    nodes = [n for n in node.items if isinstance(n, Mapping)]
    ports = view.service.ports
    if len(nodes) != len(ports):
        return []
    out: list[_Entry] = []
    for item, port in zip(nodes, ports, strict=True):
        target = item.get("target")
        short = (
            item.origin is not None
            and target is not None
            and target.origin is not None
            and target.origin.span == item.origin.span
        )
        if out and short and out[-1].short and out[-1].node.origin == item.origin:
            out[-1] = _Entry(out[-1].node, (*out[-1].ports, port), True)
        else:
            out.append(_Entry(item, (port,), short))
    return out


def _target_span(view: ServiceView, entry: _Entry) -> tuple[Span, str] | None:
    """The container port as written (workspace span, text); None when not a literal."""
    from dockerlint_django.compose.nodes import Scalar

    if entry.short:
        span = view.span(entry.node.origin)
        if span is None:
            return None
        written = view.text(span)
        part = _container_part(written)
        if part is None:
            return None
        inner = Span(span.start + part[0], span.start + part[1])
        return inner, written[part[0] : part[1]]
    target = entry.node.get("target")
    if not isinstance(target, Scalar):
        return None
    span = view.node_span(target)
    if span is None:
        return None
    written = view.text(span)
    if written[:1] in "\"'" and len(written) >= 2:
        return Span(span.start + 1, span.end - 1), written[1:-1]
    return span, written


def _known_target(view: ServiceView, entry: _Entry) -> bool:
    from dockerlint_django.compose.nodes import Scalar

    if not any(p.unset for p in entry.ports):
        return True
    if entry.short:
        found = _target_span(view, entry)
        return found is not None and "$" not in found[1]
    target = entry.node.get("target")
    return isinstance(target, Scalar) and not target.unset


def _own(view: ServiceView, entry: _Entry) -> bool:
    """The mapping is written in this service alone: not through an anchor, a merge key,
    ``extends`` or ``include`` (a fix there would change other services too)."""
    ports = view.service.get("ports")
    origin, home = entry.node.origin, view.service.node.origin
    if ports is None or ports.anchor is not None or origin is None or home is None:
        return False
    if origin.via != home.via:
        return False
    if origin.source is home.source:
        return home.span.start <= origin.span.start and origin.span.end <= home.span.end
    return True  # an override file (-f) merged over the service


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    view = ctx.service
    if not view.service.ports or view.service.get("network_mode") is not None:
        return
    entries = _entries(view)
    if not entries:
        return
    listening = _listening(view)
    if listening is None:
        return
    ports = listening.ports
    shown = ", ".join(str(p) for p in sorted(ports))
    if any(p.target in ports for p in view.service.ports):
        # The server is published; other mappings may be ports the app opens itself (a
        # debugger, a metrics exporter).
        return
    for entry in entries:
        tcp = [p for p in entry.ports if p.protocol.lower() == "tcp"]
        if not tcp or not _known_target(view, entry):
            continue
        found = _target_span(view, entry)
        span = found[0] if found is not None else view.node_span(entry.node)
        if span is None:
            continue
        fix: Fix | None = None
        if (
            not listening.declared
            and len(entries) == 1
            and len(entry.ports) == 1
            and len(ports) == 1
            and found is not None
            and found[1].isdigit()
            and _own(view, entry)
        ):
            (port,) = ports
            fix = Fix(
                f"Map to container port {port}",
                (Edit(found[0].start, found[0].end, str(port)),),
                Applicability.UNSAFE,
            )
        targets = sorted({p.target for p in tcp})
        target_text = str(targets[0]) if len(targets) == 1 else f"{targets[0]}-{targets[-1]}"
        published = tcp[0].published
        host = f"host port {published}" if published and published.isdigit() else "a host port"
        mapping = f"{host} to container port {target_text}"
        suggestion = f"map it to {shown}" if len(ports) == 1 else f"map it to one of {shown}"
        if listening.declared:
            yield META.violation(
                span,
                f"service `{view.name}` publishes {mapping}, but its image EXPOSEs only {shown} and "
                "nothing here says its command listens on that port: if the EXPOSE is right, "
                f"connections reach nothing; {suggestion}, or correct the EXPOSE",
                severity=Severity.INFO,
                related=listening.related,
            )
            continue
        yield META.violation(
            span,
            f"service `{view.name}` publishes {mapping}, but {listening.server} listens on {shown} in "
            f"the container: connections to that port reach nothing; {suggestion}",
            fix=fix,
            related=listening.related,
        )
