"""What the environment rules (DJ038, DJ044, DJ046, DJ051, DJ052) share: how a container reads
an environment value.

- truthiness of a ``DEBUG`` flag;
- a Compose ``environment:`` value as it is *written* (before interpolation), to tell a literal
  from ``${VAR}``, also for a service merged from several files, whose merged entries no longer
  point at their value;
- the shape of a value whose variables have no value here (``postgres://app:${PW}@localhost``
  still names localhost);
- the host a connection URL or ``*_HOST`` value names, and whether it is the container itself;
- the service's network mode and mount targets;
- whether a service runs Django, and whether it is plainly a development setup (runserver, a
  development build target or env file, the source tree mounted over the code);
- where an entry can be deleted (DJ044's fix) or a key added (DJ052's fix) in a service's block
  in its Compose file, keeping the rest of the file byte for byte.

Nothing here imports the Compose reader at module level: DJ044 also judges Dockerfiles alone.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from dockerlint_django._record import LazyPattern, record
from dockerlint_django.source import Span

if TYPE_CHECKING:
    from dockerlint_django.compose.model import EnvVar
    from dockerlint_django.compose.nodes import Mapping, Node, Origin
    from dockerlint_django.service import ServiceView
    from dockerlint_django.source import SourceFile

# Values the usual readers of a DEBUG flag take as on: `== "True"`, distutils' strtobool,
# django-environ's `env.bool` (`true`, `on`, `ok`, `y`, `yes`, `1`), pydantic.
TRUTHY = frozenset({"true", "1", "yes", "on"})


def is_truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in TRUTHY


def interpolates(text: str) -> bool:
    """The written value refers to a variable (``$VAR``, ``${VAR…}``); ``$$`` is a literal."""
    return "$" in text.replace("$$", "")


def unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


# -- a Compose value as written --------------------------------------------------------------


@record
class Written:
    """An ``environment:`` value as the file has it: ``text`` with its quotes, where it is."""

    text: str
    span: Span  # workspace span
    origin: Origin


@lru_cache(maxsize=32)
def _raw_index(path: str, text: str) -> dict[tuple[int, int], tuple[str, Node, Node]]:
    """Every mapping key and sequence item of a Compose file, by its span: ``("key", value,
    mapping)`` or ``("item", item, sequence)``. Empty when the file does not read."""
    from dockerlint_django.compose.nodes import ComposeError
    from dockerlint_django.compose.nodes import Mapping as MappingNode
    from dockerlint_django.compose.nodes import Sequence as SequenceNode
    from dockerlint_django.compose.yamlload import load_documents
    from dockerlint_django.source import SourceFile

    try:
        docs = load_documents(SourceFile.from_text(path, text))
    except (ComposeError, RecursionError, ValueError):
        return {}
    out: dict[tuple[int, int], tuple[str, Node, Node]] = {}
    todo: list[Node] = list(docs)
    seen: set[int] = set()
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue  # an alias shares its node
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for k, v in node.items:
                if k.origin is not None:
                    out.setdefault((k.origin.span.start, k.origin.span.end), ("key", v, node))
                todo.append(v)
        elif isinstance(node, SequenceNode):
            for item in node.items:
                if item.origin is not None:
                    out.setdefault(
                        (item.origin.span.start, item.origin.span.end), ("item", item, node)
                    )
                todo.append(item)
    return out


def _after_equals(origin: Origin) -> Origin:
    from dockerlint_django.compose.nodes import Origin as OriginType

    written = origin.source.slice(origin.span)
    eq = written.find("=")
    end = origin.span.end
    if written[:1] in ("'", '"') and written[-1:] == written[:1] and len(written) > 1:
        end -= 1
    start = origin.span.start + eq + 1
    return OriginType(origin.source, Span(start, max(start, end)), origin.via)


def value_origin(var: EnvVar) -> Origin | None:
    """Where an ``environment:`` entry's value is written, also when merging lost it."""
    if var.value_origin is not None:
        return var.value_origin
    origin = var.origin
    if origin is None or var.value is None:
        return None
    found = _raw_index(origin.source.path, origin.source.text).get(
        (origin.span.start, origin.span.end)
    )
    if found is None:
        return None
    kind, node, _parent = found
    if kind == "key":
        from dockerlint_django.compose.nodes import Scalar

        return node.origin if isinstance(node, Scalar) else None
    if "=" not in origin.source.slice(origin.span):
        return None
    return _after_equals(origin)


def written(view: ServiceView, name: str) -> Written | None:
    """The ``environment:`` value of ``name`` as written; None for an env file's value, a bare
    name, or a value that cannot be pointed at."""
    var = view.service.environment.get(name)
    if var is None or var.layer != "environment":
        return None
    origin = value_origin(var)
    if origin is None:
        return None
    span = view.span(origin)
    if span is None:
        return None
    return Written(origin.source.slice(origin.span), span, origin)


def value_span(view: ServiceView, name: str) -> Span | None:
    """Where a finding on the service's variable ``name`` points: its value, else its key."""
    var = view.service.environment.get(name)
    if var is None:
        return None
    origin = value_origin(var) if var.layer == "environment" else var.value_origin
    span = view.span(origin) if origin is not None else None
    if span is not None:
        return span
    env = view.env(name)
    return env.span if env is not None else view.span(var.origin)


def where(view: ServiceView, name: str) -> str:
    """The file (and layer) that sets the service's variable, for messages."""
    var = view.service.environment.get(name)
    if var is None:
        return "the service"
    origin = var.value_origin or var.origin
    path = origin.path if origin is not None else (var.file or "the Compose file")
    name_only = posixpath.basename(path.replace("\\", "/"))
    if var.layer == "environment":
        return f"{name_only} `environment:`"
    return f"the env file {name_only}"


# -- URLs and hosts --------------------------------------------------------------------------


@record
class Url:
    scheme: str  # lower-cased
    user: str | None
    password: str | None
    hosts: tuple[str, ...]  # as written, brackets removed; ("",) for an empty host
    path: str
    query: str


_URL = LazyPattern(r"^([A-Za-z][A-Za-z0-9+.\-]*)://(.*)$", re.DOTALL)


def parse_url(value: str) -> Url | None:
    m = _URL.match(value.strip())
    if m is None:
        return None
    scheme, rest = m.group(1).lower(), m.group(2)
    # As urlsplit reads it: the authority ends at the first `/`, `?` or `#`, and its last `@`
    # ends the userinfo.
    cut = re.search(r"[/?#]", rest)
    netloc = rest if cut is None else rest[: cut.start()]
    tail = "" if cut is None else rest[cut.start() :]
    userinfo: str | None = None
    authority = netloc
    if "@" in netloc:
        userinfo, _, authority = netloc.rpartition("@")
    path, _, query = tail.partition("?")
    query = query.partition("#")[0]
    user = password = None
    if userinfo is not None:
        user, sep, pw = userinfo.partition(":")
        password = pw if sep else None
    hosts: list[str] = []
    for part in authority.split(","):
        if part.startswith("["):
            hosts.append(part[1:].partition("]")[0])
        else:
            hosts.append(part.rpartition(":")[0] if part.count(":") == 1 else part)
    return Url(scheme, user, password, tuple(hosts), path, query)


def is_loopback(host: str) -> bool:
    """A host that, inside a container, is the container itself. Not `0.0.0.0`: as a value
    it is far more often an address to listen on (`FLOWER_HOST`) than one to connect to."""
    h = host.strip().strip("[]").lower().rstrip(".")
    if h in ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"):
        return True
    try:
        ip = ipaddress.ip_address(h)
    except ValueError:
        return False
    return ip.is_loopback


def host_part(value: str) -> str:
    """``host`` of a ``*_HOST`` value written as ``host``, ``host:port`` or ``[v6]:port``."""
    v = value.strip()
    if v.startswith("["):
        return v[1:].partition("]")[0]
    if v.count(":") == 1:
        return v.partition(":")[0]
    return v


def query_param(query: str, name: str) -> str | None:
    for pair in query.split("&"):
        k, _, v = pair.partition("=")
        if k == name:
            from urllib.parse import unquote as url_unquote

            return url_unquote(v)
    return None


# -- the service's network and mounts --------------------------------------------------------


def network_mode(view: ServiceView) -> str | None:
    from dockerlint_django.compose.nodes import Scalar

    node = view.service.get("network_mode")
    if isinstance(node, Scalar) and node.value is not None and not node.unset:
        return node.text()
    return None


def shares_a_network_namespace(view: ServiceView) -> bool:
    """``network_mode: host`` (the host's localhost) or ``service:``/``container:`` (another
    container's): localhost is not this container's own."""
    mode = network_mode(view)
    return mode is not None and (mode == "host" or mode.startswith(("service:", "container:")))


def mount_targets(view: ServiceView) -> Iterator[str]:
    from dockerlint_django.compose.nodes import Mapping as MappingNode
    from dockerlint_django.compose.nodes import Scalar
    from dockerlint_django.compose.nodes import Sequence as SequenceNode

    node = view.service.get("volumes")
    if not isinstance(node, SequenceNode):
        return
    for item in node.items:
        if isinstance(item, MappingNode):
            target = item.get("target")
            if isinstance(target, Scalar) and target.value is not None:
                yield posixpath.normpath(target.text())
        elif isinstance(item, Scalar) and item.value is not None:
            parts = item.text().split(":")
            if len(parts) >= 2:
                yield posixpath.normpath(parts[1])


def is_mounted(view: ServiceView, path: str) -> bool:
    """A volume mounts ``path``, a folder above it, or a folder below it (a socket folder)."""
    path = posixpath.normpath(path)
    for target in mount_targets(view):
        if target == path or path.startswith(target.rstrip("/") + "/"):
            return True
        if target.startswith(path.rstrip("/") + "/"):
            return True
    return False


# -- adding a key to a service (DJ052's fix) -------------------------------------------------


@record
class ServiceBlock:
    """A service's own block mapping in one Compose file."""

    source: SourceFile
    mapping: Mapping  # the raw node (before merging and interpolation)
    name_column: int  # 0-based column of the service's name
    key_column: int  # 0-based column of its keys


def service_block(source: SourceFile, name: str) -> ServiceBlock | None:
    """The raw block mapping ``services: <name>:`` of ``source``; None when it is not a
    block mapping written there (flow style, an alias, a merge from elsewhere)."""
    from dockerlint_django.compose.nodes import ComposeError
    from dockerlint_django.compose.nodes import Mapping as MappingNode
    from dockerlint_django.compose.yamlload import load_documents

    try:
        docs = load_documents(source)
    except (ComposeError, RecursionError, ValueError):
        return None
    if len(docs) != 1 or not isinstance(docs[0], MappingNode):
        return None
    services = docs[0].get("services")
    if not isinstance(services, MappingNode) or services.flow:
        return None
    key = services.key_node(name)
    block = services.get(name)
    if key is None or key.origin is None or not isinstance(block, MappingNode):
        return None
    if block.flow or block.anchor is not None or block.origin is None or not block.items:
        return None
    if block.origin.source.path != source.path:
        return None
    first = block.items[0][0]
    if first.origin is None:
        return None
    name_col = key.origin.column - 1
    key_col = first.origin.column - 1
    if key_col <= name_col:
        return None
    for k, _ in block.items:
        if k.origin is None or k.origin.column - 1 != key_col or k.text() == "<<":
            return None
    return ServiceBlock(source, block, name_col, key_col)


def block_end(block: ServiceBlock) -> int:
    """The offset of the line after the service block's last value (local offsets)."""
    text = block.source.text
    end = 0
    for k, v in block.mapping.items:
        for node in (k, v):
            if node.origin is not None:
                end = max(end, node.origin.span.end)
    # Nested block nodes may end before their own trailing comment; the line is what counts.
    nl = text.find("\n", max(0, end - 1) if end and text[end - 1 : end] == "\n" else end)
    return len(text) if nl < 0 else nl + 1


def node_contains(node: Node, span: Span) -> bool:
    o = node.origin
    return o is not None and o.span.start <= span.start and span.end <= o.span.end


def entry_deletion(view: ServiceView, name: str) -> tuple[int, int] | None:
    """The workspace range of the whole line(s) of the ``environment:`` entry ``name``, when
    deleting them leaves valid YAML with the rest unchanged: a block mapping or list with other
    entries, the entry alone on its lines. None otherwise."""
    from dockerlint_django.compose.nodes import Mapping as MappingNode
    from dockerlint_django.compose.nodes import Sequence as SequenceNode

    var = view.service.environment.get(name)
    if var is None or var.layer != "environment" or var.origin is None:
        return None
    origin = var.origin
    source = origin.source
    found = _raw_index(source.path, source.text).get((origin.span.start, origin.span.end))
    if found is None:
        return None
    kind, node, parent = found
    if not isinstance(parent, MappingNode | SequenceNode) or parent.flow or len(parent.items) < 2:
        return None
    end = origin.span.end
    if kind == "key":
        if node.origin is None:
            return None
        end = node.origin.span.end
    text = source.text
    line_start = text.rfind("\n", 0, origin.span.start) + 1
    lead = text[line_start : origin.span.start]
    if kind == "key" and lead.strip():
        return None
    if kind == "item" and lead.strip() != "-":
        return None
    nl = text.find("\n", end)
    line_end = len(text) if nl < 0 else nl + 1
    rest = text[end:line_end].strip()
    if rest and not rest.startswith("#"):
        return None
    span = view.span(origin)
    if span is None:
        return None
    base = span.start - origin.span.start
    return line_start + base, line_end + base


_RUNSERVER = LazyPattern(r"(^|\s)(runserver|runserver_plus)(\s|$)")


_DJANGO_NAME = LazyPattern(r"(^|[-_.])django([-_.]|$)")
_DJANGO_SETTINGS = frozenset({"ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"})
_DJANGO_COMMAND = LazyPattern(r"(^|[\s/])(manage\.py|django-admin)(\s|$)")


def runs_django(view: ServiceView) -> bool:
    """The service runs a Django app: its image says so, its command runs ``manage.py``, or
    its environment names Django's settings (``DJANGO_*``, ``ALLOWED_HOSTS``)."""
    if view.runs_django() is True or _DJANGO_NAME.search(view.name.lower()):
        return True
    env = view.service.environment
    if any(n.startswith("DJANGO_") or n in _DJANGO_SETTINGS for n in env):
        return True
    for command in (view.service.entrypoint, view.service.command):
        if command is not None and any(_DJANGO_COMMAND.search(w.value) for w in command.words):
            return True
    return False


HOLE = "\x00"  # stands for an interpolated part whose value is not known here


def with_holes(text: str) -> str:
    """``text`` as written, every ``$VAR``/``${…}`` replaced by ``HOLE`` and ``$$`` by ``$``:
    the parts of a value that no variable can change."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c != "$":
            out.append(c)
            i += 1
            continue
        if text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("${", i):
            depth, j = 0, i
            while j < n:
                if text.startswith("${", j):
                    depth += 1
                    j += 2
                    continue
                if text[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            out.append(HOLE)
            i = j + 1
        else:
            m = re.match(r"\$[A-Za-z_][A-Za-z0-9_]*", text[i:])
            if m is None:
                out.append(c)
                i += 1
            else:
                out.append(HOLE)
                i += m.end()
    return "".join(out)


def shape(view: ServiceView, name: str) -> str | None:
    """The service's value of ``name``: the value when it is known, else the written value with
    ``HOLE`` for the variables that have no value here (``postgres://app:${PW}@localhost/app``
    still names localhost). None when nothing of it is known."""
    env = view.env(name)
    if env is None:
        return None
    if env.value is not None:
        return env.value
    if not env.unset:
        return None  # a bare name with no value
    var = view.service.environment.get(name)
    if var is None:
        return None
    origin = value_origin(var) if var.layer == "environment" else var.value_origin
    if origin is None:
        return None
    text = unquote(origin.source.slice(origin.span).strip())
    if var.layer != "environment" and origin.source.slice(origin.span).strip().startswith("'"):
        return text  # a single-quoted env file value is not interpolated
    holed = with_holes(text)
    return None if holed.strip() == HOLE else holed
