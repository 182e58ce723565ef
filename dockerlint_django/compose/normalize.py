"""Compose's canonical forms, defaults, path resolution and normalisation, on positioned nodes.

After a file is merged and validated compose-go rewrites short syntaxes into long ones
(``transform.Canonical``); once every file is in, it adds defaults, checks a few rules the schema
cannot say, makes paths absolute and normalises the project (implicit ``default`` network,
``dockerfile: Dockerfile``, bare environment names looked up, ``depends_on`` implied by links).
Each step here is the same rewrite on nodes; a rewritten value keeps the origin of what it was
written as, so that ``8000:80`` turned into ``{target: 80, published: "8000"}`` still points at
the line of ``8000:80``.
"""

from __future__ import annotations

import ipaddress
import posixpath

from dockerlint_django._record import replace
from dockerlint_django.compose.merge import (
    MergeError,
    drop,
    get,
    go_repr,
    go_text,
    is_null,
    is_str,
    key_node,
    null_node,
    set_item,
    string_node,
)
from dockerlint_django.compose.nodes import ComposeError, Mapping, Node, Origin, Scalar, Sequence
from dockerlint_django.compose.volumes import parse_volume


class NormalizeError(ComposeError):
    kind = "schema"


def _fail(message: str, node: Node | None, kind: str = "schema") -> NormalizeError:
    o = node.origin if node is not None else None
    err = NormalizeError(message, o.path if o else "", o.line if o else 0, o.column if o else 0)
    err.kind = kind
    return err


def _str(value: str, origin: Origin | None, like: Node | None = None) -> Scalar:
    return string_node(value, like, origin=origin)


def _bool(value: bool, origin: Origin | None = None) -> Scalar:
    return Scalar(origin, value=value, kind="bool")


def _int(value: int, origin: Origin | None = None) -> Scalar:
    return Scalar(origin, value=value, kind="int")


def _map(origin: Origin | None, pairs: list[tuple[str, Node]]) -> Mapping:
    return Mapping(origin, items=tuple((key_node(k, v.origin or origin), v) for k, v in pairs))


def _with_default(m: Mapping, key: str, value: Node) -> Mapping:
    return m if key in m else set_item(m, key, value)


# ---------------------------------------------------------------------------------------------
# Ports (docker/go-connections nat.ParsePortSpec, as compose-go's ParsePortConfig calls it)


def _port_number(text: str) -> int:
    if not text:
        raise ValueError("value is empty")
    body = text[1:] if text[0] in "+-" else text
    if not body.isdigit() or not body.isascii():
        raise ValueError("invalid syntax")
    port = int(text)
    if port < 0 or port > 65535:
        raise ValueError("value out of range")
    return port


def _port_range(text: str) -> tuple[int, int]:
    if not text:
        raise ValueError("empty string specified for ports")
    start, sep, end = text.partition("-")
    low = _port_number(start)
    if not sep or start == end:
        return low, low
    high = _port_number(end)
    if high < low:
        raise ValueError("invalid port range")
    return low, high


def _valid_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return text.count(":") >= 2 and _valid_ip(text.split("%")[0]) if "%" in text else False
    return True


def parse_port_spec(raw: str) -> list[dict[str, str | int]]:
    """One long-syntax entry per container port; raises ValueError with Compose's message."""
    parts = raw.split(":")
    if len(parts) == 1:
        ip, host_port, container = "", "", parts[0]
    elif len(parts) == 2:
        ip, host_port, container = "", parts[0], parts[1]
    else:
        ip, host_port, container = ":".join(parts[:-2]), parts[-2], parts[-1]
    container, _, proto = container.partition("/")
    # go-connections gives no protocol at all for an empty port, and checks the protocol first.
    proto = (proto or "tcp").lower() if container else ""
    if proto not in ("tcp", "udp", "sctp"):
        raise ValueError(f"invalid proto: {proto}")
    if not container:
        raise ValueError(f"no port specified: {raw}<empty>")
    if ip.startswith("["):
        if not ip.endswith("]"):
            raise ValueError(f"invalid IP address {ip}: address {ip}: missing ']' in address")
        ip = ip[1:-1]
    if ip and not _valid_ip(ip):
        raise ValueError(f"invalid IP address: {ip}")
    try:
        start, end = _port_range(container)
    except ValueError:
        raise ValueError(f"invalid containerPort: {container}") from None
    host_start = host_end = 0
    if host_port:
        try:
            host_start, host_end = _port_range(host_port)
        except ValueError:
            raise ValueError(f"invalid hostPort: {host_port}") from None
        if end - start != host_end - host_start and end != start:
            raise ValueError(
                "invalid ranges specified for container and host Ports: "
                f"{container} and {host_port}"
            )
    count = end - start + 1
    entries: list[tuple[str, dict[str, str | int]]] = []
    for i in range(count):
        published = ""
        if host_port:
            published = str(host_start + i)
            if count == 1 and host_start != host_end:
                published += f"-{host_end}"
        port = start + i
        entry: dict[str, str | int] = {"mode": "ingress", "target": port, "protocol": proto}
        if ip:
            entry["host_ip"] = ip
        if published:
            entry["published"] = published
        entries.append((f"{port}/{proto}", entry))
    # compose-go walks nat's port set in sorted string order ("100/tcp" before "90/tcp").
    entries.sort(key=lambda e: e[0])
    return [e for _, e in entries]


def _port_entry(entry: dict[str, str | int], like: Scalar) -> Mapping:
    pairs: list[tuple[str, Node]] = []
    for key in ("mode", "host_ip", "target", "published", "protocol"):
        if key in entry:
            v = entry[key]
            pairs.append(
                (key, _int(v, like.origin) if isinstance(v, int) else _str(v, like.origin, like))
            )
    return _map(like.origin, pairs)


def _transform_ports(node: Node, path: str, ignore_errors: bool) -> Node:
    if not isinstance(node, Sequence):
        raise _fail(f"{path}: invalid type {_go_type(node)} for port", node)
    ports: list[Node] = []
    for entry in node.items:
        if (
            isinstance(entry, Scalar)
            and isinstance(entry.value, int)
            and not isinstance(entry.value, bool)
        ):
            ports.append(_map(entry.origin, [("target", entry)]))
        elif is_str(entry):
            assert isinstance(entry, Scalar)
            try:
                parsed = parse_port_spec(str(entry.value))
            except ValueError as exc:
                if ignore_errors:
                    return node
                raise _fail(str(exc), entry) from None
            ports.extend(_port_entry(p, entry) for p in parsed)
        elif isinstance(entry, Mapping):
            ports.append(entry)
        else:
            raise _fail(f"{path}: invalid type {_go_type(entry)} for port", entry)
    return replace(node, items=tuple(ports))


def _go_type(node: Node) -> str:
    from dockerlint_django.compose.merge import go_type

    return go_type(node)


def _node_of(value: object, like: Scalar) -> Node:
    if isinstance(value, dict):
        return _map(like.origin, [(k, _node_of(v, like)) for k, v in value.items()])
    if isinstance(value, bool):
        return _bool(value, like.origin)
    if isinstance(value, int):
        return _int(value, like.origin)
    return _str(str(value), like.origin, like)


def _volume_mount(node: Node, path: str) -> Node:
    if isinstance(node, Mapping):
        return node
    if is_str(node):
        assert isinstance(node, Scalar)
        parsed = parse_volume(node)
        order = ["type", "source", "target", "read_only", "bind", "volume"]
        return _map(node.origin, [(k, _node_of(parsed[k], node)) for k in order if k in parsed])
    raise _fail(f"{path}: invalid type {_go_type(node)} for service volume mount", node)


# ---------------------------------------------------------------------------------------------
# transform.Canonical


def _string_or_list(node: Node) -> Node:
    if is_str(node):
        return Sequence(node.origin, items=(node,))
    return node


def _env_file_value(node: Node) -> Node:
    if is_str(node):
        return _map(node.origin, [("path", node), ("required", _bool(True, node.origin))])
    if isinstance(node, Mapping):
        return _with_default(node, "required", _bool(True, node.origin))
    return null_node(node.origin)


def _env_file(node: Node, path: str) -> Node:
    if is_str(node):
        return Sequence(node.origin, items=(_env_file_value(node),))
    if isinstance(node, Sequence):
        return replace(node, items=tuple(_env_file_value(v) for v in node.items))
    raise _fail(f"{path}: invalid type {_go_type(node)} for env_file", node)


def _depends_on(node: Node, path: str) -> Node:
    if isinstance(node, Mapping):
        items: list[tuple[Scalar, Node]] = []
        for k, v in node.items:
            if not isinstance(v, Mapping):
                raise _fail(f"{path}.{k.text()}: unsupported value {go_repr(node)}", v)
            v = _with_default(v, "condition", _str("service_started", v.origin))
            v = _with_default(v, "required", _bool(True, v.origin))
            items.append((k, v))
        return replace(node, items=tuple(items))
    if isinstance(node, Sequence):
        pairs: list[tuple[Scalar, Node]] = []
        for s in node.items:
            dep = _map(
                s.origin,
                [("condition", _str("service_started", s.origin)), ("required", _bool(True))],
            )
            pairs.append((key_node(go_text(s), s.origin), dep))
        return Mapping(node.origin, items=tuple(pairs))
    raise _fail(f"{path}: invalid type {_go_type(node)} for depend_on", node)


def _string_list_to_map(node: Node) -> Node:
    if isinstance(node, Sequence):
        return Mapping(
            node.origin,
            items=tuple((key_node(go_text(s), s.origin), null_node(s.origin)) for s in node.items),
        )
    return node


def _file_mount(node: Node) -> Node:
    if is_str(node):
        return _map(node.origin, [("source", node)])
    return node


def _key_value(node: Node, path: str) -> Node:
    if isinstance(node, Sequence):
        pairs: list[tuple[Scalar, Node]] = []
        for s in node.items:
            text = go_text(s)
            k, sep, v = text.partition("=")
            if not sep:
                raise _fail(f"{path}: invalid key-value pair {text!r}", s)
            pairs.append((key_node(k, s.origin), _str(v, s.origin, s)))
        return Mapping(node.origin, items=tuple(pairs))
    return node


def _ssh(node: Node) -> Node:
    if isinstance(node, Sequence):
        pairs: list[tuple[Scalar, Node]] = []
        for s in node.items:
            if not is_str(s):
                raise _fail(f"invalid ssh key type {_go_type(s)}", s)
            text = go_text(s)
            ident, sep, p = text.partition("=")
            if not sep:
                if ident != "default":
                    raise _fail(f'invalid ssh key "{text}"', s)
                pairs.append((key_node(ident, s.origin), null_node(s.origin)))
            else:
                pairs.append((key_node(ident, s.origin), _str(p, s.origin, s)))
        return Mapping(node.origin, items=tuple(pairs))
    if is_str(node):
        text = go_text(node) or "default"
        k, _, v = text.partition("=")
        return _map(node.origin, [(k, _str(v, node.origin, node))])
    return node


def _device(node: Node, ignore_errors: bool) -> Node:
    if not is_str(node):
        return node
    text = go_text(node)
    parts = text.split(":")
    if len(parts) > 3:
        if ignore_errors:
            return node
        raise _fail(f"confusing device mapping, please use long syntax: {text}", node)
    src = parts[0]
    dst = parts[1] if len(parts) > 1 else ""
    perms = parts[2] if len(parts) > 2 else "rwm"
    o = node.origin
    return _map(
        o,
        [
            ("source", _str(src, o, node)),
            ("target", _str(dst or src, o, node)),
            ("permissions", _str(perms, o, node)),
        ],
    )


def _build(node: Node, path: str) -> Node:
    if is_str(node):
        return _map(node.origin, [("context", node)])
    if not isinstance(node, Mapping):
        raise _fail(f"{path}: invalid type {_go_type(node)} for build", node)
    items: list[tuple[Scalar, Node]] = []
    for k, v in node.items:
        name = k.text()
        if name == "secrets" and isinstance(v, Sequence):
            v = replace(v, items=tuple(_file_mount(s) for s in v.items))
        elif name == "additional_contexts":
            v = _key_value(v, f"{path}.{name}")
        elif name == "ssh":
            v = _ssh(v)
        items.append((k, v))
    return replace(node, items=tuple(items))


def _extends(node: Node) -> Node:
    if is_str(node):
        return _map(node.origin, [("service", node)])
    return node


def _service(node: Node, path: str, ignore_errors: bool) -> Node:
    if not isinstance(node, Mapping):
        return node
    items: list[tuple[Scalar, Node]] = []
    for k, v in node.items:
        name = k.text()
        sub = f"{path}.{name}"
        if name == "build":
            v = _build(v, sub)
        elif name == "depends_on":
            v = _depends_on(v, sub)
        elif name == "env_file":
            v = _env_file(v, sub)
        elif name in ("label_file", "dns"):
            v = _string_or_list(v)
        elif name == "extends":
            v = _extends(v)
        elif name == "networks":
            v = _string_list_to_map(v)
        elif name == "volumes" and isinstance(v, Sequence):
            v = replace(
                v, items=tuple(_volume_mount(x, f"{sub}[{i}]") for i, x in enumerate(v.items))
            )
        elif name == "devices" and isinstance(v, Sequence):
            v = replace(v, items=tuple(_device(x, ignore_errors) for x in v.items))
        elif name in ("secrets", "configs") and isinstance(v, Sequence):
            v = replace(v, items=tuple(_file_mount(x) for x in v.items))
        elif name == "ports":
            v = _transform_ports(v, sub, ignore_errors)
        items.append((k, v))
    return replace(node, items=tuple(items))


def _maybe_external(node: Node, kind: str, name: str, warnings: list[str]) -> Node:
    if not isinstance(node, Mapping):
        return node
    ext = get(node, "external")
    if isinstance(ext, Mapping):
        ext_name = get(ext, "name")
        if ext_name is not None:
            warnings.append(
                f"{kind} {name}: external.name is deprecated. Please set name and external: true"
            )
            node = set_item(node, "external", _bool(True, ext.origin))
            node = set_item(node, "name", ext_name)
    return node


def _include(node: Node) -> Node:
    if is_str(node):
        return _map(node.origin, [("path", Sequence(node.origin, items=(node,)))])
    if isinstance(node, Mapping):
        p = get(node, "path")
        if p is not None and is_str(p):
            return set_item(node, "path", Sequence(p.origin, items=(p,)))
    return node


_RESOURCE_KIND = {
    "volumes": "volume",
    "networks": "network",
    "secrets": "secret",
    "configs": "config",
}


def canonical(model: Mapping, ignore_errors: bool, warnings: list[str]) -> Mapping:
    items: list[tuple[Scalar, Node]] = []
    for k, v in model.items:
        name = k.text()
        if name == "services" and isinstance(v, Mapping):
            v = replace(
                v,
                items=tuple(
                    (sk, _service(sv, f"services.{sk.text()}", ignore_errors)) for sk, sv in v.items
                ),
            )
        elif name in _RESOURCE_KIND and isinstance(v, Mapping):
            kind = _RESOURCE_KIND[name]
            v = replace(
                v,
                items=tuple(
                    (rk, _maybe_external(rv, kind, rk.text(), warnings)) for rk, rv in v.items
                ),
            )
        elif name == "include" and isinstance(v, Sequence):
            v = replace(v, items=tuple(_include(x) for x in v.items))
        items.append((k, v))
    return replace(model, items=tuple(items))


# ---------------------------------------------------------------------------------------------
# transform.SetDefaultValues and the validation package


def set_defaults(model: Mapping) -> Mapping:
    services = get(model, "services")
    if not isinstance(services, Mapping):
        return model
    out: list[tuple[Scalar, Node]] = []
    for sk, svc in services.items:
        if isinstance(svc, Mapping):
            build = get(svc, "build")
            if isinstance(build, Mapping):
                svc = set_item(
                    svc, "build", _with_default(build, "context", _str(".", build.origin))
                )
            ports = get(svc, "ports")
            if isinstance(ports, Sequence):
                fixed: list[Node] = []
                for p in ports.items:
                    if isinstance(p, Mapping):
                        p = _with_default(p, "protocol", _str("tcp", p.origin))
                        p = _with_default(p, "mode", _str("ingress", p.origin))
                    fixed.append(p)
                svc = set_item(svc, "ports", replace(ports, items=tuple(fixed)))
            secrets = get(svc, "secrets")
            if isinstance(secrets, Sequence):
                mounts: list[Node] = []
                for s in secrets.items:
                    if isinstance(s, Mapping) and "target" not in s:
                        src = go_text(get(s, "source") or null_node())
                        s = set_item(s, "target", _str(f"/run/secrets/{src}", s.origin))
                    mounts.append(s)
                svc = set_item(svc, "secrets", replace(secrets, items=tuple(mounts)))
            volumes = get(svc, "volumes")
            if isinstance(volumes, Sequence):
                vols: list[Node] = []
                for vol in volumes.items:
                    bind = get(vol, "bind")
                    if isinstance(vol, Mapping) and isinstance(bind, Mapping):
                        vol = set_item(
                            vol, "bind", _with_default(bind, "create_host_path", _bool(True))
                        )
                    vols.append(vol)
                svc = set_item(svc, "volumes", replace(volumes, items=tuple(vols)))
        out.append((sk, svc))
    return set_item(model, "services", replace(services, items=tuple(out)))


def check_model(model: Mapping) -> None:
    """compose-go's validation package: rules the JSON schema cannot express."""
    services = get(model, "services")
    if isinstance(services, Mapping):
        for sk, svc in services.items:
            ports = get(svc, "ports")
            if isinstance(ports, Sequence):
                for i, p in enumerate(ports.items):
                    ip = get(p, "host_ip")
                    if isinstance(ip, Scalar) and not _valid_ip(go_text(ip)):
                        raise _fail(
                            f"services.{sk.text()}.ports.[{i}]: invalid ip address: {go_text(ip)}",
                            ip,
                        )
    for section, keys in (
        ("configs", ("file", "environment", "content")),
        ("secrets", ("file", "environment")),
    ):
        resources = get(model, section)
        if not isinstance(resources, Mapping):
            continue
        for rk, r in resources.items:
            if not isinstance(r, Mapping):
                continue
            count = sum(1 for key in keys if key in r)
            where = f"{section}.{rk.text()}"
            if count > 1:
                raise _fail(
                    f"{where}: {'|'.join(keys)} attributes are mutually exclusive", r, "consistency"
                )
            if count == 0 and "driver" not in r:
                ext = get(r, "external")
                if not (isinstance(ext, Scalar) and ext.value is True):
                    raise _fail(f"{where}: one of {'|'.join(keys)} must be set", r)


# ---------------------------------------------------------------------------------------------
# paths.ResolveRelativePaths

_REMOTE_CONTEXT = ("https://", "http://", "git://", "ssh://", "github.com/", "git@")


def expand_user(path: str, home: str) -> str:
    if path.startswith("~"):
        return posixpath.join(home, path[1:].lstrip("/")) if path[1:] else home
    return path


def abs_path(value: str, base: str, home: str) -> str:
    value = expand_user(value, home)
    if posixpath.isabs(value) or not value:
        return value
    return posixpath.normpath(posixpath.join(base, value))


def _abs_node(node: Node, base: str, home: str) -> Node:
    if is_str(node):
        assert isinstance(node, Scalar)
        new = abs_path(str(node.value), base, home)
        return node if new == node.value else replace(node, value=new)
    return node


def is_remote_context(value: str) -> bool:
    return "://" in value or value.startswith(_REMOTE_CONTEXT)


def _context_node(node: Node, base: str, home: str) -> Node:
    if is_str(node) and is_remote_context(str(node.value)):
        return node
    return _abs_node(node, base, home)


def is_remote_resource(path: str) -> bool:
    # The resource loaders Compose has (git, oci); they fail offline anyway.
    return path.startswith(("oci://", "git@", "https://", "http://", "git://", "ssh://")) or (
        path.startswith("github.com/")
    )


def resolve_service_paths(svc: Node, base: str, home: str) -> Node:
    if not isinstance(svc, Mapping):
        return svc
    items: list[tuple[Scalar, Node]] = []
    for k, v in svc.items:
        name = k.text()
        if name == "build" and isinstance(v, Mapping):
            bitems: list[tuple[Scalar, Node]] = []
            for bk, bv in v.items:
                bname = bk.text()
                if bname == "context":
                    bv = _context_node(bv, base, home)
                elif bname == "additional_contexts" and isinstance(bv, Mapping):
                    bv = replace(
                        bv, items=tuple((ak, _context_node(av, base, home)) for ak, av in bv.items)
                    )
                elif bname == "ssh" and isinstance(bv, Mapping):
                    bv = replace(
                        bv, items=tuple((ak, _abs_node(av, base, home)) for ak, av in bv.items)
                    )
                bitems.append((bk, bv))
            v = replace(v, items=tuple(bitems))
        elif name == "env_file" and isinstance(v, Sequence):
            entries: list[Node] = []
            for e in v.items:
                p = get(e, "path")
                if isinstance(e, Mapping) and p is not None:
                    e = set_item(e, "path", _abs_node(p, base, home))
                entries.append(e)
            v = replace(v, items=tuple(entries))
        elif name == "label_file" and isinstance(v, Sequence):
            v = replace(v, items=tuple(_abs_node(x, base, home) for x in v.items))
        elif name == "extends" and isinstance(v, Mapping):
            f = get(v, "file")
            if is_str(f) and not is_remote_resource(str(f.value)):
                assert f is not None
                v = set_item(v, "file", _abs_node(f, base, home))
        elif name == "volumes" and isinstance(v, Sequence):
            vols: list[Node] = []
            for vol in v.items:
                if isinstance(vol, Mapping):
                    t = get(vol, "type")
                    if isinstance(t, Scalar) and t.value == "bind":
                        src = get(vol, "source")
                        if src is None:
                            raise _fail(
                                'invalid mount config for type "bind": '
                                "field Source must not be empty",
                                vol,
                            )
                        vol = set_item(vol, "source", _abs_node(src, base, home))
                vols.append(vol)
            v = replace(v, items=tuple(vols))
        elif name == "develop" and isinstance(v, Mapping):
            watch = get(v, "watch")
            if isinstance(watch, Sequence):
                ws: list[Node] = []
                for w in watch.items:
                    p = get(w, "path")
                    if isinstance(w, Mapping) and p is not None:
                        w = set_item(w, "path", _abs_node(p, base, home))
                    ws.append(w)
                v = set_item(v, "watch", replace(watch, items=tuple(ws)))
        items.append((k, v))
    return replace(svc, items=tuple(items))


def resolve_paths(model: Mapping, base: str, home: str) -> Mapping:
    items: list[tuple[Scalar, Node]] = []
    for k, v in model.items:
        name = k.text()
        if name == "services" and isinstance(v, Mapping):
            v = replace(
                v, items=tuple((sk, resolve_service_paths(sv, base, home)) for sk, sv in v.items)
            )
        elif name in ("configs", "secrets") and isinstance(v, Mapping):
            res: list[tuple[Scalar, Node]] = []
            for rk, rv in v.items:
                f = get(rv, "file")
                if isinstance(rv, Mapping) and f is not None:
                    rv = set_item(rv, "file", _abs_node(f, base, home))
                res.append((rk, rv))
            v = replace(v, items=tuple(res))
        elif name == "volumes" and isinstance(v, Mapping):
            res = []
            for rk, rv in v.items:
                driver = get(rv, "driver")
                opts = get(rv, "driver_opts")
                if (
                    isinstance(rv, Mapping)
                    and isinstance(driver, Scalar)
                    and driver.value == "local"
                    and isinstance(opts, Mapping)
                ):
                    o = get(opts, "o")
                    dev = get(opts, "device")
                    if isinstance(o, Scalar) and o.value == "bind" and dev is not None:
                        rv = set_item(
                            rv, "driver_opts", set_item(opts, "device", _abs_node(dev, base, home))
                        )
                res.append((rk, rv))
            v = replace(v, items=tuple(res))
        items.append((k, v))
    return replace(model, items=tuple(items))


# ---------------------------------------------------------------------------------------------
# loader.Normalize


def _dependency(origin: Origin | None, restart: bool) -> Mapping:
    return _map(
        origin,
        [
            ("condition", _str("service_started", origin)),
            ("restart", _bool(restart, origin)),
            ("required", _bool(True, origin)),
        ],
    )


def resolve_bare(node: Node, env: dict[str, str], keep_empty: bool) -> Node:
    """Bare names (``- FOO`` or ``FOO:``) take the project environment's value where it has one."""
    if isinstance(node, Mapping):
        items: list[tuple[Scalar, Node]] = []
        for k, v in node.items:
            if not is_null(v):
                items.append((k, v))
                continue
            value = env.get(k.text())
            if value is not None:
                items.append((k, _str(value, v.origin or k.origin)))
            elif keep_empty:
                items.append((k, v))
        return replace(node, items=tuple(items))
    if isinstance(node, Sequence):
        out: list[Node] = []
        for s in node.items:
            text = go_text(s) if isinstance(s, Scalar) else ""
            if isinstance(s, Scalar) and isinstance(s.value, str) and "=" not in text:
                value = env.get(text)
                if value is not None:
                    out.append(_str(f"{text}={value}", s.origin, s))
                elif keep_empty:
                    out.append(s)
            else:
                out.append(s)
        return replace(node, items=tuple(out))
    return node


def normalize(model: Mapping, env: dict[str, str], project_name: str) -> Mapping:
    model = set_item(model, "name", _str(project_name, None))
    model = _normalize_networks(model)
    services = get(model, "services")
    if isinstance(services, Mapping):
        out: list[tuple[Scalar, Node]] = []
        for sk, svc in services.items:
            if isinstance(svc, Mapping):
                svc = _normalize_service(svc, env)
            out.append((sk, svc))
        model = set_item(model, "services", replace(services, items=tuple(out)))
    for section in ("networks", "volumes", "configs", "secrets"):
        res = get(model, section)
        if not isinstance(res, Mapping):
            continue
        named: list[tuple[Scalar, Node]] = []
        for rk, rv in res.items:
            if is_null(rv):
                rv = Mapping(rv.origin, items=())
            if isinstance(rv, Mapping) and "name" not in rv:
                rv = set_item(rv, "name", _str(f"{project_name}_{rk.text()}", rk.origin))
            named.append((rk, rv))
        model = set_item(model, section, replace(res, items=tuple(named)))
    return model


def _normalize_networks(model: Mapping) -> Mapping:
    networks = get(model, "networks")
    uses_default = False
    services = get(model, "services")
    if isinstance(services, Mapping):
        out: list[tuple[Scalar, Node]] = []
        for sk, svc in services.items:
            if isinstance(svc, Mapping) and "provider" not in svc and "network_mode" not in svc:
                nets = get(svc, "networks")
                default = Mapping(None, items=((key_node("default"), null_node()),))
                if nets is None or (isinstance(nets, Mapping) and not nets.items):
                    svc = set_item(svc, "networks", default)
                    uses_default = True
                elif isinstance(nets, Mapping) and "default" in nets:
                    uses_default = True
            out.append((sk, svc))
        model = set_item(model, "services", replace(services, items=tuple(out)))
    if uses_default:
        if not isinstance(networks, Mapping):
            networks = Mapping(None, items=())
        if "default" not in networks:
            networks = set_item(networks, "default", null_node())
        model = set_item(model, "networks", networks)
    return model


def _absent(node: Node | None) -> bool:
    return node is None or is_null(node)


def _normalize_service(svc: Mapping, env: dict[str, str]) -> Mapping:
    policy = get(svc, "pull_policy")
    if isinstance(policy, Scalar) and policy.value == "if_not_present":
        svc = set_item(svc, "pull_policy", replace(policy, value="missing"))
    build = get(svc, "build")
    if isinstance(build, Mapping):
        if _absent(get(build, "context")):
            build = set_item(build, "context", _str(".", build.origin))
        if _absent(get(build, "dockerfile")) and _absent(get(build, "dockerfile_inline")):
            build = set_item(build, "dockerfile", _str("Dockerfile", None))
        args = get(build, "args")
        if args is not None:
            # Compose drops a bare argument the environment has no value for; the model keeps
            # it as a value not known here (the shell running `docker compose build` may set
            # it), and config_json leaves it out as Compose does.
            build = set_item(build, "args", resolve_bare(args, env, True))
        svc = set_item(svc, "build", build)
    environment = get(svc, "environment")
    if environment is not None:
        svc = set_item(svc, "environment", resolve_bare(environment, env, True))
    depends = get(svc, "depends_on")
    deps: Mapping = depends if isinstance(depends, Mapping) else Mapping(None, items=())
    links = get(svc, "links")
    if isinstance(links, Sequence):
        for link in links.items:
            text = go_text(link)
            parts = text.split(":")
            name = parts[0] if len(parts) == 2 else text
            if name not in deps:
                deps = set_item(deps, name, _dependency(link.origin, True), link.origin)
    for namespace in ("network_mode", "ipc", "pid", "uts", "cgroup"):
        ref = get(svc, namespace)
        if is_str(ref) and str(ref.value).startswith("service:"):
            assert ref is not None
            name = str(ref.value)[len("service:") :]
            if name not in deps:
                deps = set_item(deps, name, _dependency(ref.origin, True), ref.origin)
    volumes_from = get(svc, "volumes_from")
    if isinstance(volumes_from, Sequence):
        for vf in volumes_from.items:
            text = go_text(vf)
            if not text.startswith("container:"):
                name = text.split(":")[0]
                if name not in deps:
                    deps = set_item(deps, name, _dependency(vf.origin, False), vf.origin)
    if deps.items:
        svc = set_item(svc, "depends_on", deps)
    return svc


def drop_extensions(svc: Mapping) -> Mapping:
    """Service-level ``x-*`` keys: compose-go moves them out of the printed model."""
    for k in [k.text() for k, _ in svc.items if k.text().startswith("x-")]:
        svc = drop(svc, k)
    return svc


def raise_merge(exc: MergeError) -> None:
    raise exc
