"""The loaded Compose project: typed, positioned fields for the linter's rules.

``Project.services`` holds every service, active or not; each typed field keeps the origin of the
node it was read from (file, span, and the ``-f``/``extends``/``include`` way it came in) and the
variables it depends on that had no value (``unset``), so that a rule can tell a value it knows
from one a deployment may set differently. ``Service.node`` is the final normalised mapping, for
any key without a typed field; ``Service.origin_of(key)`` is where that key was written.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from dockerlint_django._record import field, record
from dockerlint_django.compose.nodes import ComposeError, Mapping, Node, Origin, Scalar

if TYPE_CHECKING:
    from dockerlint_django.source import SourceFile

_T = TypeVar("_T")


@record
class Value:
    """A string setting and where it was written."""

    value: str
    origin: Origin | None = field(compare=False)
    unset: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return not self.unset


@record
class Word:
    """One argv word of ``command``/``entrypoint`` (a list item, or a word split from a string)."""

    value: str
    origin: Origin | None = field(compare=False)
    unset: tuple[str, ...] = ()


@record
class Command:
    """``command`` or ``entrypoint`` as Compose runs it.

    ``form`` is "string" (split by go-shellwords) or "list". For a string, ``dropped`` is the text
    go-shellwords stopped at and Compose silently discards (``&& gunicorn core.wsgi``).
    """

    words: tuple[Word, ...]
    form: str
    origin: Origin | None = field(compare=False)
    text: str | None = None
    dropped: str = ""
    unset: tuple[str, ...] = ()

    @property
    def argv(self) -> tuple[str, ...]:
        return tuple(w.value for w in self.words)


@record
class EnvVar:
    """One variable of the container environment and the layer that set it.

    ``layer`` is "environment" or "env_file"; for an env file, ``file`` and ``line`` say where.
    ``value`` is None for a bare name Compose found no value for.
    """

    name: str
    value: str | None
    origin: Origin | None = field(compare=False)
    layer: str = "environment"
    file: str | None = None
    line: int = 0
    unset: tuple[str, ...] = ()
    # Where the value itself is written (``origin`` is the whole entry or its key), for findings
    # and fixes on the value: the map value, the text after `=` of a list item, the env file's
    # value. None when there is no value, or it cannot be pointed at.
    value_origin: Origin | None = field(default=None, compare=False)


def _after_equals(origin: Origin | None) -> Origin | None:
    """The part of a ``KEY=value`` list item after the ``=``, quotes excluded."""
    if origin is None:
        return None
    written = origin.source.slice(origin.span)
    eq = written.find("=")
    if eq < 0:
        return None
    end = origin.span.end
    if written[:1] in ("'", '"') and written[-1:] == written[:1] and len(written) > 1:
        end -= 1
    start = origin.span.start + eq + 1
    return Origin(origin.source, type(origin.span)(start, max(start, end)), origin.via)


@record
class EnvFileRef:
    path: str  # absolute
    required: bool
    format: str | None
    origin: Origin | None = field(compare=False)


@record
class Port:
    target: int
    published: str | None
    host_ip: str | None
    protocol: str
    mode: str
    origin: Origin | None = field(compare=False)
    name: str | None = None
    app_protocol: str | None = None
    unset: tuple[str, ...] = ()


@record
class Duration:
    """A Go duration: ``text`` as Go prints it (``1h0m0s``), ``seconds`` its length."""

    text: str
    seconds: float
    origin: Origin | None = field(compare=False)
    unset: tuple[str, ...] = ()


@record
class Healthcheck:
    test: tuple[str, ...] | None
    origin: Origin | None = field(compare=False)
    interval: Duration | None = None
    timeout: Duration | None = None
    start_period: Duration | None = None
    start_interval: Duration | None = None
    retries: int | None = None
    disable: bool = False
    test_words: tuple[Word, ...] = ()


@record
class Build:
    context: Value
    origin: Origin | None = field(compare=False)
    dockerfile: Value | None = None
    dockerfile_inline: Value | None = None
    target: Value | None = None
    # Build arguments; a value None is an argument passed without a value (taken from the
    # environment at build time).
    args: dict[str, Value | None] = field(default_factory=dict)
    node: Mapping | None = field(default=None, compare=False, repr=False)

    @property
    def is_remote(self) -> bool:
        from dockerlint_django.compose.normalize import is_remote_context

        return is_remote_context(self.context.value)


@record
class Service:
    name: str
    active: bool
    node: Mapping = field(compare=False, repr=False)
    origin: Origin | None = field(compare=False)
    build: Build | None = None
    image: Value | None = None
    command: Command | None = None
    entrypoint: Command | None = None
    environment: dict[str, EnvVar] = field(default_factory=dict)
    env_file: tuple[EnvFileRef, ...] = ()
    user: Value | None = None
    working_dir: Value | None = None
    ports: tuple[Port, ...] = ()
    expose: tuple[Value, ...] = ()
    tmpfs: tuple[Value, ...] = ()
    stop_signal: Value | None = None
    stop_grace_period: Duration | None = None
    healthcheck: Healthcheck | None = None
    profiles: tuple[Value, ...] = ()
    extra_hosts: tuple[Value, ...] = ()
    init: bool | None = None
    # Required env files that do not exist here (LoadOptions.missing_env_files="unknown"): any
    # variable `environment:` does not set may come from them, so it is not known.
    missing_env_files: tuple[str, ...] = ()

    def get(self, key: str) -> Node | None:
        return self.node.get(key)

    def origin_of(self, key: str) -> Origin | None:
        """Where ``key`` of this service was written (its key node), None if Compose added it."""
        k = self.node.key_node(key)
        return k.origin if k is not None else None


@record
class EnvSource:
    """A variable of the interpolation environment and where it came from."""

    value: str
    origin: Origin | None = field(compare=False)
    layer: str = (
        "os"  # "os" (the environment given to the loader), "env_file" (.env/--env-file), "compose"
    )


@record
class Project:
    name: str
    working_dir: str  # the project directory, absolute
    files: tuple[SourceFile, ...] = field(compare=False, repr=False)
    environment: dict[str, EnvSource] = field(compare=False, repr=False)
    services: dict[str, Service] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    compose_files: tuple[str, ...] = ()
    interpolated: bool = True
    node: Mapping | None = field(default=None, compare=False, repr=False)
    # Service names kept for a `depends_on` that Compose allowed on an inactive service.
    name_origin: Origin | None = field(default=None, compare=False)

    @property
    def project_directory(self) -> str:
        return self.working_dir

    def active_services(self) -> dict[str, Service]:
        return {n: s for n, s in self.services.items() if s.active}

    def top(self, key: str) -> Node | None:
        return self.node.get(key) if self.node is not None else None


def scalar_value(node: Node | None) -> Value | None:
    if isinstance(node, Scalar) and node.value is not None:
        return Value(node.text(), node.origin, node.unset)
    return None


# ---------------------------------------------------------------------------------------------
# From the normalised model to typed fields (compose-go's mapstructure decode, with its hooks),
# and the checks compose-go makes on the typed project.


class DecodeError(ComposeError):
    """A value the schema accepts but Compose's typed decode rejects (a bad duration, command)."""

    kind = "schema"


def _decode_error(key: str, service: str, message: str, node: Node | None) -> DecodeError:
    o = node.origin if node is not None else None
    err = DecodeError(message, o.path if o else "", o.line if o else 0, o.column if o else 0)
    err.compose_message = (  # type: ignore[attr-defined]
        f"decoding failed due to the following error(s):\n\n'services[{service}].{key}' {message}"
    )
    return err


def _text(node: Node | None) -> str:
    if isinstance(node, Scalar):
        from dockerlint_django.compose.merge import go_value_text

        return "" if node.value is None else go_value_text(node.value)
    return ""


def _sequence_items(node: Node | None) -> tuple[Node, ...]:
    from dockerlint_django.compose.nodes import Sequence

    if isinstance(node, Sequence):
        return node.items
    if isinstance(node, Scalar) and node.value is not None:
        return (node,)
    return ()


_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,
    "\u03bcs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
    "d": 86_400_000_000_000,
    "w": 604_800_000_000_000,
}


def parse_duration(text: str) -> int:
    """Nanoseconds, as go-str2duration (time.ParseDuration plus d and w) reads ``text``."""
    orig = text
    s = text
    neg = False
    if s and s[0] in "+-":
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0
    if not s:
        raise ValueError(f'time: invalid duration "{orig}"')
    total = 0.0
    while s:
        if not (s[0] == "." or s[0].isdigit()):
            raise ValueError(f'time: invalid duration "{orig}"')
        i = 0
        while i < len(s) and s[i].isdigit():
            i += 1
        whole = s[:i]
        s = s[i:]
        frac = ""
        if s.startswith("."):
            s = s[1:]
            j = 0
            while j < len(s) and s[j].isdigit():
                j += 1
            frac = s[:j]
            s = s[j:]
        if not whole and not frac:
            raise ValueError(f'time: invalid duration "{orig}"')
        k = 0
        while k < len(s) and s[k] != "." and not s[k].isdigit():
            k += 1
        unit = s[:k]
        s = s[k:]
        if not unit:
            raise ValueError(f'time: missing unit in duration "{orig}"')
        scale = _UNITS.get(unit)
        if scale is None:
            raise ValueError(f'time: unknown unit "{unit}" in duration "{orig}"')
        value = int(whole or "0") * scale
        if frac:
            value += int(int(frac) * scale / (10 ** len(frac)))
        total += value
    ns = int(total)
    return -ns if neg else ns


def _frac(v: int, prec: int) -> tuple[str, int]:
    digits = ""
    printed = False
    for _ in range(prec):
        digit = v % 10
        printed = printed or digit != 0
        if printed:
            digits = str(digit) + digits
        v //= 10
    return ("." + digits if printed else ""), v


def format_duration(ns: int) -> str:
    """Go's time.Duration.String()."""
    neg = ns < 0
    u = -ns if neg else ns
    if u < 1_000_000_000:
        if u == 0:
            return "0s"
        if u < 1_000:
            out = f"{u}ns"
        elif u < 1_000_000:
            f, w = _frac(u, 3)
            out = f"{w}{f}\u00b5s"
        else:
            f, w = _frac(u, 6)
            out = f"{w}{f}ms"
    else:
        f, w = _frac(u, 9)
        out = f"{w % 60}{f}s"
        w //= 60
        if w > 0:
            out = f"{w % 60}m{out}"
            w //= 60
            if w > 0:
                out = f"{w}h{out}"
    return ("-" if neg else "") + out


def _duration(node: Node | None, key: str, service: str) -> Duration | None:
    if not isinstance(node, Scalar) or node.value is None:
        return None
    text = _text(node)
    try:
        ns = parse_duration(text)
    except ValueError as exc:
        raise _decode_error(key, service, str(exc), node) from None
    return Duration(format_duration(ns), ns / 1e9, node.origin, node.unset)


def _split_command(node: Scalar, key: str, service: str) -> Command:
    from dockerlint_django.compose import shellwords

    text = _text(node)
    try:
        split = shellwords.split(text)
    except ComposeError:
        raise _decode_error(key, service, "invalid command line string", node) from None
    o = node.origin
    exact = (
        o is not None
        and node.style == "plain"
        and not node.unset
        and o.source.slice(o.span) == text
    )
    words: list[Word] = []
    for w in split.words:
        origin = o
        if exact and o is not None:
            from dockerlint_django.source import Span

            origin = Origin(o.source, Span(o.span.start + w.start, o.span.start + w.end), o.via)
        words.append(Word(w.value, origin, node.unset))
    dropped = getattr(split, "dropped", "") or ""
    return Command(tuple(words), "string", o, text, dropped, node.unset)


def _command(node: Node | None, key: str, service: str) -> Command | None:
    from dockerlint_django.compose.nodes import Sequence

    if node is None or (isinstance(node, Scalar) and node.value is None):
        return None
    if isinstance(node, Scalar):
        return _split_command(node, key, service)
    if isinstance(node, Sequence):
        words = tuple(
            Word(_text(w), w.origin, w.unset if isinstance(w, Scalar) else ()) for w in node.items
        )
        unset = tuple(dict.fromkeys(n for w in words for n in w.unset))
        return Command(words, "list", node.origin, None, "", unset)
    return None


def _env_map(node: Node | None, key: str, service: str) -> dict[str, EnvVar]:
    """MappingWithEquals: ``K=V`` / ``K`` list items or a map; values None for bare names."""
    from dockerlint_django.compose.nodes import Sequence

    out: dict[str, EnvVar] = {}
    if isinstance(node, Mapping):
        for k, v in node.items:
            value = None if isinstance(v, Scalar) and v.value is None else _text(v)
            unset = v.unset if isinstance(v, Scalar) else ()
            out[k.text()] = EnvVar(
                k.text(),
                value,
                k.origin,
                "environment",
                None,
                0,
                unset,
                v.origin if value is not None else None,
            )
    elif isinstance(node, Sequence):
        for item in node.items:
            text = _text(item)
            name, sep, value = text.partition("=")
            if name and name[-1].isspace():
                raise _decode_error(
                    key,
                    service,
                    f"environment variable {name} is declared with a trailing space",
                    item,
                )
            unset = item.unset if isinstance(item, Scalar) else ()
            out[name] = EnvVar(
                name,
                value if sep else None,
                item.origin,
                "environment",
                None,
                0,
                unset,
                _after_equals(item.origin) if sep else None,
            )
    return out


def _values(node: Node | None) -> tuple[Value, ...]:
    out: list[Value] = []
    for item in _sequence_items(node):
        v = scalar_value(item)
        if v is not None:
            out.append(v)
    return (out and tuple(out)) or ()


def _unique(values: tuple[Value, ...]) -> tuple[Value, ...]:
    """One of each value, first kept (Compose prints `tmpfs: [/run, /run]` once)."""
    seen: dict[str, Value] = {}
    for v in values:
        seen.setdefault(v.value, v)
    return tuple(seen.values())


def _int(node: Node | None) -> int | None:
    if (
        isinstance(node, Scalar)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
    ):
        return node.value
    if isinstance(node, Scalar) and isinstance(node.value, float) and node.value.is_integer():
        return int(node.value)
    if isinstance(node, Scalar) and isinstance(node.value, str) and node.value.isdigit():
        return int(node.value)
    return None


def _ports(node: Node | None) -> tuple[Port, ...]:
    ports: list[Port] = []
    for p in _sequence_items(node):
        if not isinstance(p, Mapping):
            continue
        target = _int(p.get("target")) or 0
        published = p.get("published")
        host_ip = p.get("host_ip")
        unset = tuple(
            dict.fromkeys(
                n
                for part in (p.get("target"), published, host_ip)
                if isinstance(part, Scalar)
                for n in part.unset
            )
        )
        ports.append(
            Port(
                target=target,
                published=_text(published) or None,
                host_ip=_text(host_ip) or None,
                protocol=_text(p.get("protocol")) or "tcp",
                mode=_text(p.get("mode")) or "ingress",
                origin=p.origin,
                name=_text(p.get("name")) or None,
                app_protocol=_text(p.get("app_protocol")) or None,
                unset=unset,
            )
        )
    return tuple(ports)


def _extra_hosts(node: Node | None, service: str) -> tuple[Value, ...]:
    """HostsList: ``host:ip``/``host=ip`` items or a map; printed as sorted ``host=ip``."""
    from dockerlint_django.compose.nodes import Sequence

    hosts: dict[str, list[tuple[str, Node]]] = {}
    if isinstance(node, Mapping):
        for k, v in node.items:
            ips = [(_text(x), x) for x in v.items] if isinstance(v, Sequence) else [(_text(v), v)]
            hosts[k.text()] = ips
    elif isinstance(node, Sequence):
        for item in node.items:
            text = _text(item)
            for sep in ("=", ":"):
                host, found, ip = text.partition(sep)
                if found:
                    hosts.setdefault(host, []).extend((i, item) for i in ip.split(","))
                    break
            else:
                raise _decode_error(
                    "extra_hosts", service, f"invalid additional host, missing IP: {text}", item
                )
    else:
        return ()
    out: list[Value] = []
    for host, ips in hosts.items():
        if not host or "=" in host or ":" in host:
            raise _decode_error("extra_hosts", service, f"bad host name '{host}'", node)
        for ip, where in ips:
            if len(ip) > 2 and ip[0] == "[" and ip[-1] == "]":
                ip = ip[1:-1]
            unset = where.unset if isinstance(where, Scalar) else ()
            out.append(Value(f"{host}={ip}", where.origin, unset))
    out.sort(key=lambda v: v.value)
    return tuple(out)


def _build(node: Node | None, service: str) -> Build | None:
    if not isinstance(node, Mapping):
        return None
    context = scalar_value(node.get("context")) or Value(".", node.origin)
    args: dict[str, Value | None] = {}
    for name, var in _env_map(node.get("args"), "build.args", service).items():
        args[name] = None if var.value is None else Value(var.value, var.origin, var.unset)
    return Build(
        context=context,
        origin=node.origin,
        dockerfile=scalar_value(node.get("dockerfile")),
        dockerfile_inline=scalar_value(node.get("dockerfile_inline")),
        target=scalar_value(node.get("target")),
        args=args,
        node=node,
    )


def _healthcheck(node: Node | None, service: str) -> Healthcheck | None:
    from dockerlint_django.compose.nodes import Sequence

    if not isinstance(node, Mapping):
        return None
    test_node = node.get("test")
    test: tuple[str, ...] | None = None
    words: tuple[Word, ...] = ()
    if isinstance(test_node, Scalar) and test_node.value is not None:
        test = ("CMD-SHELL", _text(test_node))
        words = (Word(_text(test_node), test_node.origin, test_node.unset),)
    elif isinstance(test_node, Sequence):
        words = tuple(
            Word(_text(w), w.origin, w.unset if isinstance(w, Scalar) else ())
            for w in test_node.items
        )
        test = tuple(w.value for w in words)
    disable = node.get("disable")
    return Healthcheck(
        test=test,
        origin=node.origin,
        interval=_duration(node.get("interval"), "healthcheck.interval", service),
        timeout=_duration(node.get("timeout"), "healthcheck.timeout", service),
        start_period=_duration(node.get("start_period"), "healthcheck.start_period", service),
        start_interval=_duration(node.get("start_interval"), "healthcheck.start_interval", service),
        retries=_int(node.get("retries")),
        disable=isinstance(disable, Scalar) and disable.value is True,
        test_words=words,
    )


def _env_files(node: Node | None) -> tuple[EnvFileRef, ...]:
    refs: list[EnvFileRef] = []
    for item in _sequence_items(node):
        if isinstance(item, Mapping):
            required = item.get("required")
            fmt = item.get("format")
            refs.append(
                EnvFileRef(
                    path=_text(item.get("path")),
                    required=not (isinstance(required, Scalar) and required.value is False),
                    format=_text(fmt) or None,
                    origin=item.origin,
                )
            )
    return tuple(refs)


def has_profile(node: Mapping, profiles: list[str] | tuple[str, ...]) -> bool:
    mine = [_text(p) for p in _sequence_items(node.get("profiles"))]
    if not mine:
        return True
    return any(p == "*" or p in mine for p in profiles)


def service(
    name: str, node: Mapping, active: bool, origin: Origin | None, *, strict: bool = True
) -> Service:
    """The typed view of one normalised service mapping; raises DecodeError as Compose would.

    With ``strict=False`` (``--no-interpolate``, where Compose decodes nothing) a field that
    cannot be decoded, such as ``stop_grace_period: ${GRACE}``, is left as None instead.
    """
    index = {k.value: v for k, v in node.items if isinstance(k.value, str)}
    get = index.get

    def attempt(convert: Callable[..., _T], *args: Any) -> _T | None:
        if strict:
            return convert(*args)
        try:
            return convert(*args)
        except (ComposeError, ValueError):
            return None

    init = get("init")
    return Service(
        name=name,
        active=active,
        node=node,
        origin=origin,
        build=attempt(_build, get("build"), name),
        image=scalar_value(get("image")),
        command=attempt(_command, get("command"), "command", name),
        entrypoint=attempt(_command, get("entrypoint"), "entrypoint", name),
        environment=attempt(_env_map, get("environment"), "environment", name) or {},
        env_file=_env_files(get("env_file")),
        user=scalar_value(get("user")),
        working_dir=scalar_value(get("working_dir")),
        ports=_ports(get("ports")),
        expose=_values(get("expose")),
        tmpfs=_unique(_values(get("tmpfs"))),
        stop_signal=scalar_value(get("stop_signal")),
        stop_grace_period=attempt(_duration, get("stop_grace_period"), "stop_grace_period", name),
        healthcheck=attempt(_healthcheck, get("healthcheck"), name),
        profiles=_values(get("profiles")),
        extra_hosts=attempt(_extra_hosts, get("extra_hosts"), name) or (),
        init=init.value if isinstance(init, Scalar) and isinstance(init.value, bool) else None,
    )


class ConsistencyError(ComposeError):
    kind = "consistency"


class TestPrefixError(ComposeError):
    """A healthcheck test Compose cannot run: reported with the decode errors."""

    kind = "schema"


def _inconsistent(
    message: str, node: Node | None, origin: Origin | None = None
) -> ConsistencyError:
    o = node.origin if node is not None else origin
    return ConsistencyError(message, o.path if o else "", o.line if o else 0, o.column if o else 0)


def check_consistency(project: Project) -> None:
    """compose-go's checkConsistency, on the active services.

    Compose walks a Go map, so with several errors it names one at random; this names the first
    in file order."""

    def top_keys(key: str) -> set[str]:
        n = project.top(key)
        return set(n.keys()) if isinstance(n, Mapping) else set()

    networks, volumes = top_keys("networks"), top_keys("volumes")
    secrets, configs = top_keys("secrets"), top_keys("configs")
    container_names: dict[str, str] = {}
    for s in project.services.values():
        if not s.active:
            continue
        n = s.node
        no_image = s.image is None or not s.image.value  # `image: ${UNSET}` is no image
        if s.build is None and no_image and "provider" not in n:
            raise _inconsistent(
                f'service "{s.name}" has neither an image nor a build context specified: '
                "invalid compose project",
                None,
                s.origin,
            )
        if (
            s.build is not None
            and s.build.dockerfile_inline is not None
            and s.build.dockerfile is not None
        ):
            raise _inconsistent(
                f'service "{s.name}" declares mutualy exclusive dockerfile and dockerfile_inline: '
                "invalid compose project",
                s.build.node,
            )
        nets = n.get("networks")
        if "network_mode" in n and isinstance(nets, Mapping) and nets.items:
            raise _inconsistent(
                f"service {s.name} declares mutually exclusive `network_mode` and `networks`: "
                "invalid compose project",
                nets,
            )
        if isinstance(nets, Mapping):
            for k, _ in nets.items:
                if k.text() not in networks:
                    raise _inconsistent(
                        f'service "{s.name}" refers to undefined network {k.text()}: '
                        "invalid compose project",
                        k,
                    )
        hc = s.healthcheck
        if hc is not None and hc.test and hc.test[0] not in ("CMD", "CMD-SHELL", "NONE"):
            where = hc.test_words[0].origin if hc.test_words else hc.origin
            raise TestPrefixError(
                'healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"',
                where.path if where else "",
                where.line if where else 0,
                where.column if where else 0,
            )
        deps = n.get("depends_on")
        if isinstance(deps, Mapping):
            for k, v in deps.items:
                other = project.services.get(k.text())
                if other is not None and other.active:
                    continue
                required = v.get("required") if isinstance(v, Mapping) else None
                if other is not None and isinstance(required, Scalar) and required.value is False:
                    continue
                raise _inconsistent(
                    f'service "{s.name}" depends on undefined service "{k.text()}": '
                    "invalid compose project",
                    k,
                )
        mode = n.get("network_mode")
        if (
            isinstance(mode, Scalar)
            and isinstance(mode.value, str)
            and mode.value.startswith("service:")
        ):
            target = mode.value[len("service:") :]
            other = project.services.get(target)
            if other is None or not other.active:
                raise _inconsistent(
                    f"service \"{target}\" not found for network_mode 'service:{target}'", mode
                )
        vols = n.get("volumes")
        for v in _sequence_items(vols):
            if isinstance(v, Mapping) and _text(v.get("type")) == "volume":
                src = _text(v.get("source"))
                if src and src not in volumes:
                    raise _inconsistent(
                        f'service "{s.name}" refers to undefined volume {src}: '
                        "invalid compose project",
                        v,
                    )
        if s.build is not None and s.build.node is not None:
            for sec in _sequence_items(s.build.node.get("secrets")):
                src = _text(sec.get("source")) if isinstance(sec, Mapping) else _text(sec)
                if src not in secrets:
                    raise _inconsistent(
                        f'service "{s.name}" refers to undefined build secret {src}: '
                        "invalid compose project",
                        sec,
                    )
        for key, known in (("configs", configs), ("secrets", secrets)):
            for ref in _sequence_items(n.get(key)):
                src = _text(ref.get("source")) if isinstance(ref, Mapping) else _text(ref)
                if src not in known:
                    raise _inconsistent(
                        f'service "{s.name}" refers to undefined {key[:-1]} {src}: '
                        "invalid compose project",
                        ref,
                    )
        _check_mount_targets(s.name, n)
        cname = n.get("container_name")
        if isinstance(cname, Scalar) and cname.value:
            existing = container_names.get(_text(cname))
            if existing is not None:
                raise _inconsistent(
                    f'"services.{s.name}": container name "{_text(cname)}" is already in use by '
                    f'"services.{existing}": invalid compose project',
                    cname,
                )
            container_names[_text(cname)] = s.name
    _check_cycles(project)


def go_path_clean(path: str) -> str:
    """Go's path.Clean: like posixpath.normpath, but a leading `//` is `/`."""
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def _check_mount_targets(name: str, n: Mapping) -> None:
    """Observed: a target mounted twice, by two `tmpfs` entries (`/run:size=64m` and `/run`) or
    by a `tmpfs` entry and a volume, is an error; `tmpfs` entries are counted first."""
    mounts: dict[str, str] = {}
    tmpfs = n.get("tmpfs")
    for i, item in enumerate(_sequence_items(tmpfs)):
        loc = f"services.{name}.tmpfs[{i}]"
        target = _text(item).partition(":")[0]
        if target in mounts:
            raise _inconsistent(f"{loc}: target {target} already mounted as {mounts[target]}", item)
        mounts[target] = loc
    for i, item in enumerate(_sequence_items(n.get("volumes"))):
        if not isinstance(item, Mapping):
            continue
        loc = f"services.{name}.volumes[{i}]"
        # Observed: Compose cleans a long-syntax target (`/run/` is `/run`) after it has made
        # the list unique, so `./x:/run` and `{target: /run/}` are two mounts of one target.
        target = go_path_clean(_text(item.get("target")))
        if target in mounts:
            raise _inconsistent(f"{loc}: target {target} already mounted as {mounts[target]}", item)
        mounts[target] = loc


def _check_cycles(project: Project) -> None:
    """compose-go's graph check: `depends_on` among the active services must not loop."""
    edges: dict[str, list[str]] = {}
    for s in project.services.values():
        deps = s.node.get("depends_on") if s.active else None
        edges[s.name] = [k.text() for k, _ in deps.items] if isinstance(deps, Mapping) else []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for dep in edges.get(name, ()):
            if dep not in edges:
                continue
            if state.get(dep) == 1:
                loop = [*stack[stack.index(dep) :], dep]
                svc = project.services[name]
                raise _inconsistent(
                    f"dependency cycle detected: {' -> '.join(loop)}", None, svc.origin
                )
            if state.get(dep) is None:
                visit(dep)
        stack.pop()
        state[name] = 2

    for name in edges:
        if state.get(name) is None:
            visit(name)
