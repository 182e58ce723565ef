"""Merging Compose models as compose-go's ``override`` package does, on positioned nodes.

Several ``-f`` files, the documents of one file, ``extends`` and ``include`` are all combined
with these rules: maps merge key by key, lists append, a scalar replaces, and some paths have a
rule of their own (``environment``/``labels`` merge by key, ``command`` replaces, ...). Then
``enforce_unicity`` keeps one entry per key in lists where an entry has a key (``ports``,
``volumes``, ``environment``...): a later entry replaces the earlier one in place.

Where both sides set a value, the result keeps the overriding side's key and value nodes, so that
the origin of a merged value is the file that won.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeGuard

from dockerlint_django._record import replace
from dockerlint_django.compose.nodes import ComposeError, Mapping, Node, Origin, Scalar, Sequence

Path = tuple[str, ...]


class MergeError(ComposeError):
    kind = "schema"


def matches(path: Path, pattern: Path) -> bool:
    if len(path) != len(pattern):
        return False
    return all(p == "*" or p == s for s, p in zip(path, pattern, strict=True))


def pattern(text: str) -> Path:
    return tuple(text.split("."))


def go_text(node: Node) -> str:
    """``fmt.Sprintf("%v")`` of a decoded YAML scalar: what Compose prints for a value."""
    if not isinstance(node, Scalar):
        return ""
    return go_value_text(node.value)


def go_value_text(v: object) -> str:
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return go_float(v)
    return str(v)


def go_float(f: float) -> str:
    """strconv.FormatFloat(f, 'g', -1, 64), which %v uses for float64."""
    if f != f:
        return "NaN"
    if f in (float("inf"), float("-inf")):
        return "+Inf" if f > 0 else "-Inf"
    sign = "-" if str(f).startswith("-") else ""
    if f == 0:
        return sign + "0"
    mantissa, _, exp_text = repr(abs(f)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = whole + frac
    point = len(whole) + (int(exp_text) if exp_text else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0") or "0"
    exp = point - 1
    # Shortest formatting switches to an exponent from 1e+06 up and below 1e-04.
    if exp < -4 or exp >= 6:
        m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{m}e{'+' if exp >= 0 else '-'}{abs(exp):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * (-point)}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


def string_node(text: str, like: Node | None, *, origin: Origin | None = None) -> Scalar:
    """A string node standing for a value Compose rewrote (e.g. ``K: v`` turned into ``K=v``)."""
    unset: tuple[str, ...] = like.unset if isinstance(like, Scalar) else ()
    return Scalar(
        origin if origin is not None else (like.origin if like else None),
        value=text,
        kind="str",
        unset=unset,
    )


def key_node(name: str, origin: Origin | None = None) -> Scalar:
    return Scalar(origin, value=name, kind="str")


def null_node(origin: Origin | None = None) -> Scalar:
    return Scalar(origin, value=None, kind="null")


def get(node: Node | None, key: str) -> Node | None:
    if isinstance(node, Mapping):
        for k, v in node.items:
            # Keys are strings once loaded (others are rejected), so compare the value first.
            if k.value == key or (not isinstance(k.value, str) and k.text() == key):
                return v
    return None


def set_item(mapping: Mapping, key: str, value: Node, key_origin: Origin | None = None) -> Mapping:
    items = list(mapping.items)
    for i, (k, _) in enumerate(items):
        if k.text() == key:
            items[i] = (k, value)
            return replace(mapping, items=tuple(items))
    items.append((key_node(key, key_origin or value.origin), value))
    return replace(mapping, items=tuple(items))


def drop(mapping: Mapping, key: str) -> Mapping:
    return replace(mapping, items=tuple((k, v) for k, v in mapping.items if k.text() != key))


def is_null(node: Node | None) -> bool:
    return isinstance(node, Scalar) and node.value is None


def is_str(node: Node | None) -> TypeGuard[Scalar]:
    return isinstance(node, Scalar) and isinstance(node.value, str) and node.kind != "timestamp"


# ---------------------------------------------------------------------------------------------
# override.Merge

Merger = Callable[[Node, Node, Path], Node]


def _override(base: Node, other: Node, path: Path) -> Node:
    return other


def into_sequence(node: Node) -> list[Node]:
    """convertIntoSequence: a map becomes sorted ``k=v`` strings, a string a one-item list."""
    if isinstance(node, Mapping):
        seq: list[Node] = []
        for k, v in node.items:
            if is_null(v):
                seq.append(string_node(k.text(), v, origin=k.origin))
            elif isinstance(v, Sequence):
                for item in v.items:
                    seq.append(string_node(f"{k.text()}={go_text(item)}", item, origin=k.origin))
            else:
                seq.append(string_node(f"{k.text()}={go_text(v)}", v, origin=k.origin))
        seq.sort(key=lambda n: n.value if isinstance(n, Scalar) else "")  # type: ignore[arg-type,return-value]
        return seq
    if isinstance(node, Sequence):
        return list(node.items)
    if is_str(node):
        return [node]
    return []


def _to_sequence(base: Node, other: Node, path: Path) -> Node:
    # Compose keeps one of each identical entry (`labels: [a=1]` merged twice gives one).
    items: list[Node] = []
    seen: set[object] = set()
    for n in into_sequence(base) + into_sequence(other):
        key = n.value if isinstance(n, Scalar) else id(n)
        if key not in seen:
            seen.add(key)
            items.append(n)
    return Sequence(other.origin or base.origin, items=tuple(items))


def _extra_hosts(base: Node, other: Node, path: Path) -> Node:
    right = into_sequence(base)
    seen = {n.value for n in right if isinstance(n, Scalar)}
    left = [n for n in into_sequence(other) if not (isinstance(n, Scalar) and n.value in seen)]
    return Sequence(other.origin or base.origin, items=tuple(right + left))


def into_mapping(node: Node, default: Mapping | None) -> Mapping | None:
    if isinstance(node, Mapping):
        return node
    if isinstance(node, Sequence):
        items: list[tuple[Scalar, Node]] = []
        for s in node.items:
            name = s.text() if isinstance(s, Scalar) else ""
            value: Node = default if default is not None else null_node(s.origin)
            if default is not None:
                value = replace(default, origin=s.origin)
            items.append((key_node(name, s.origin), value))
        return Mapping(node.origin, items=tuple(items))
    return None


def _depends_default(origin: Origin | None) -> Mapping:
    return Mapping(
        origin,
        items=(
            (key_node("condition"), Scalar(None, value="service_started", kind="str")),
            (key_node("required"), Scalar(None, value=True, kind="bool")),
        ),
    )


def _depends_on(base: Node, other: Node, path: Path) -> Node:
    right = into_mapping(base, _depends_default(None))
    left = into_mapping(other, _depends_default(None))
    if right is None or left is None:
        return other
    return merge_mappings(right, left, path)


def _networks(base: Node, other: Node, path: Path) -> Node:
    right = into_mapping(base, None)
    left = into_mapping(other, None)
    if right is None or left is None:
        return other
    return merge_mappings(right, left, path)


def _build(base: Node, other: Node, path: Path) -> Node:
    def to_build(n: Node) -> Mapping | None:
        if is_str(n):
            return Mapping(n.origin, items=((key_node("context", n.origin), n),))
        return n if isinstance(n, Mapping) else None

    right, left = to_build(base), to_build(other)
    if right is None or left is None:
        return other
    return merge_mappings(right, left, path)


def _logging(base: Node, other: Node, path: Path) -> Node:
    if not isinstance(base, Mapping) or not isinstance(other, Mapping):
        return other
    d, o = get(other, "driver"), get(base, "driver")
    if (
        d is None
        or o is None
        or (isinstance(d, Scalar) and isinstance(o, Scalar) and d.value == o.value)
    ):
        return merge_mappings(base, other, path)
    return other


def _ulimit(base: Node, other: Node, path: Path) -> Node:
    if isinstance(other, Mapping):
        return merge_mappings(other, other, path)
    return other


def _ipam_config(base: Node, other: Node, path: Path) -> Node:
    if not isinstance(base, Sequence) or not isinstance(other, Sequence):
        return other
    configs: list[Mapping] = []

    def subnet(m: Mapping | None) -> object:
        s = get(m, "subnet")
        return s.value if isinstance(s, Scalar) else None

    for original in base.items:
        right = into_mapping(original, None)
        for override in other.items:
            left = into_mapping(override, None)
            if right is None or left is None:
                continue
            if subnet(left) != subnet(right) and not any(
                subnet(c) == subnet(left) for c in configs
            ):
                configs.append(left)
                continue
            merged = merge_mappings(right, left, path)
            for i, c in enumerate(configs):
                if subnet(c) == subnet(merged):
                    configs[i] = merged
                    break
            else:
                configs.append(merged)
    return Sequence(other.origin, items=tuple(configs))


_SPECIALS: list[tuple[Path, Merger]] = [
    (pattern(p), m)
    for p, m in [
        ("networks.*.ipam.config", _ipam_config),
        ("networks.*.labels", _to_sequence),
        ("volumes.*.labels", _to_sequence),
        ("services.*.annotations", _to_sequence),
        ("services.*.build", _build),
        ("services.*.build.args", _to_sequence),
        ("services.*.build.additional_contexts", _to_sequence),
        ("services.*.build.extra_hosts", _extra_hosts),
        ("services.*.build.labels", _to_sequence),
        ("services.*.command", _override),
        ("services.*.depends_on", _depends_on),
        ("services.*.deploy.labels", _to_sequence),
        ("services.*.dns", _to_sequence),
        ("services.*.dns_opt", _to_sequence),
        ("services.*.dns_search", _to_sequence),
        ("services.*.entrypoint", _override),
        ("services.*.env_file", _to_sequence),
        ("services.*.label_file", _to_sequence),
        ("services.*.environment", _to_sequence),
        ("services.*.extra_hosts", _extra_hosts),
        ("services.*.healthcheck.test", _override),
        ("services.*.labels", _to_sequence),
        ("services.*.volumes.*.volume.labels", _to_sequence),
        ("services.*.logging", _logging),
        ("services.*.models", _networks),
        ("services.*.networks", _networks),
        # Observed: merged profiles come out once each ([p] + [p, q] is [p, q]).
        ("services.*.profiles", _to_sequence),
        ("services.*.sysctls", _to_sequence),
        ("services.*.tmpfs", _to_sequence),
        ("services.*.ulimits.*", _ulimit),
    ]
]


def merge_yaml(base: Node, other: Node, path: Path) -> Node:
    for pat, merger in _SPECIALS:
        if matches(path, pat):
            return merger(base, other, path)
    if is_null(other):
        return base
    if isinstance(base, Mapping):
        if not isinstance(other, Mapping):
            raise MergeError(f"cannot override {'.'.join(path)}", *_where(other))
        return merge_mappings(base, other, path)
    if isinstance(base, Sequence):
        if not isinstance(other, Sequence):
            raise MergeError(f"cannot override {'.'.join(path)}", *_where(other))
        return Sequence(other.origin, items=base.items + other.items, flow=other.flow)
    return other


def merge_mappings(base: Mapping, other: Mapping, path: Path) -> Mapping:
    index = {k.text(): i for i, (k, _) in enumerate(base.items)}
    items = list(base.items)
    for k, v in other.items:
        name = k.text()
        i = index.get(name)
        if i is None:
            index[name] = len(items)
            items.append((k, v))
            continue
        items[i] = (k, merge_yaml(items[i][1], v, (*path, name)))
    return Mapping(other.origin or base.origin, items=tuple(items), flow=other.flow)


def merge(base: Mapping, other: Mapping) -> Mapping:
    return merge_mappings(base, other, ())


def extend_service(base: Mapping, service: Mapping) -> Mapping:
    merged = merge_yaml(base, service, ("services", "x"))
    assert isinstance(merged, Mapping)
    return merged


def _where(node: Node | None) -> tuple[str, int, int]:
    o = node.origin if node is not None else None
    if o is None:
        return ("", 0, 0)
    return (o.path, o.line, o.column)


# ---------------------------------------------------------------------------------------------
# override.EnforceUnicity

Indexer = Callable[[Node, Path], str]


def _env_index(node: Node, path: Path) -> str:
    if not is_str(node):
        raise MergeError(f"{'.'.join(path)}: unexpected type {go_type(node)}", *_where(node))
    assert isinstance(node, Scalar) and isinstance(node.value, str)
    return node.value.partition("=")[0]


def _key_value_index(node: Node, path: Path) -> str:
    """compose-go's keyValueIndexer: an entry's key is what comes before its first `=`
    (observed on `tmpfs`: `/a:mode=1` and `/a:mode=2` are one entry, the last kept)."""
    text = go_text(node)
    return text.partition("=")[0]


def _volume_index(node: Node, path: Path) -> str:
    if isinstance(node, Mapping):
        target = get(node, "target")
        if not is_str(target):
            raise MergeError(
                f"service volume {'.'.join(path)} is missing a mount target", *_where(node)
            )
        assert isinstance(target, Scalar)
        return str(target.value)
    if is_str(node):
        from dockerlint_django.compose.volumes import parse_volume

        assert isinstance(node, Scalar)
        return parse_volume(node).get("target", "")  # type: ignore[return-value]
    return ""


def _expose_index(node: Node, path: Path) -> str:
    if (
        isinstance(node, Scalar)
        and isinstance(node.value, str | int)
        and not isinstance(node.value, bool)
    ):
        return str(node.value)
    raise MergeError(f"{'.'.join(path)}: unsupported expose value {go_repr(node)}", *_where(node))


def _mount_index(default: str) -> Indexer:
    def index(node: Node, path: Path) -> str:
        if is_str(node):
            return f"{default}/{node.value}"
        if isinstance(node, Mapping):
            t = get(node, "target")
            if t is not None:
                return go_text(t)
            return f"{default}/{go_text(get(node, 'source') or null_node())}"
        raise MergeError(
            f"{'.'.join(path)}: unsupported expose value {go_repr(node)}", *_where(node)
        )

    return index


def _env_file_index(node: Node, path: Path) -> str:
    if isinstance(node, Mapping):
        return go_text(get(node, "path") or null_node())
    return go_text(node)


def _port_index(node: Node, path: Path) -> str:
    if (
        isinstance(node, Scalar)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
    ):
        return str(node.value)
    if isinstance(node, Mapping):
        target = get(node, "target")
        # A target absent or 0 (Go's zero value) is no target; an uninterpolated `${PORT}` is one.
        if (
            target is None
            or is_null(target)
            or (isinstance(target, Scalar) and target.value == 0 and target.kind == "int")
        ):
            raise MergeError(
                f"service ports {'.'.join(path)} is missing a target port", *_where(node)
            )
        pub = get(node, "published")
        # Observed: a port without `published` and one with `published: ""` stay two entries.
        published = "<nil>" if pub is None else go_text(pub)
        host = get(node, "host_ip")
        proto = get(node, "protocol")
        host_text = host.value if is_str(host) else "0.0.0.0"
        proto_text = proto.value if is_str(proto) else "tcp"
        return f"{host_text}:{published}:{go_text(target)}/{proto_text}"
    if is_str(node):
        return str(node.value)
    return ""


_UNIQUE: list[tuple[Path, Indexer]] = [
    (pattern("services.*.environment"), _env_index),
    (pattern("services.*.volumes"), _volume_index),
    (pattern("services.*.expose"), _expose_index),
    (pattern("services.*.secrets"), _mount_index("/run/secrets")),
    (pattern("services.*.configs"), _mount_index("")),
    (pattern("services.*.ports"), _port_index),
    (pattern("services.*.env_file"), _env_file_index),
    # Observed, even within one file: `profiles: [a, a]` is printed as [a].
    (pattern("services.*.profiles"), lambda node, path: go_text(node)),
    (pattern("services.*.tmpfs"), _key_value_index),
]


def enforce_unicity(model: Mapping) -> Mapping:
    result = _unicity(model, ())
    assert isinstance(result, Mapping)
    return result


def _unicity(node: Node, path: Path) -> Node:
    if isinstance(node, Mapping):
        # Only services.*.X lists are affected: skip subtrees that cannot hold one.
        if len(path) >= 3:
            return node
        changed = False
        items: list[tuple[Scalar, Node]] = []
        for k, v in node.items:
            nv = _unicity(v, (*path, k.text()))
            changed = changed or nv is not v
            items.append((k, nv))
        return replace(node, items=tuple(items)) if changed else node
    if isinstance(node, Sequence) and len(path) == 3:
        for pat, indexer in _UNIQUE:
            if matches(path, pat):
                seq: list[Node] = []
                keys: dict[str, int] = {}
                for i, entry in enumerate(node.items):
                    key = indexer(entry, (*path, f"[{i}]"))
                    j = keys.get(key)
                    if j is not None:
                        seq[j] = entry
                    else:
                        keys[key] = len(seq)
                        seq.append(entry)
                if len(seq) == len(node.items) and all(
                    a is b for a, b in zip(seq, node.items, strict=True)
                ):
                    return node
                return replace(node, items=tuple(seq))
    return node


def go_type(node: Node) -> str:
    if isinstance(node, Mapping):
        return "map[string]interface {}"
    if isinstance(node, Sequence):
        return "[]interface {}"
    assert isinstance(node, Scalar)
    v = node.value
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float64"
    if node.kind == "timestamp":
        return "time.Time"
    return "string"


def go_repr(node: Node) -> str:
    """``%s`` of a decoded value, as Go prints it in a few error messages."""
    if isinstance(node, Mapping):
        inner = " ".join(
            f"{k.text()}:{_go_s(v)}" for k, v in sorted(node.items, key=lambda kv: kv[0].text())
        )
        return f"map[{inner}]"
    return _go_s(node)


def _go_s(node: Node) -> str:
    if isinstance(node, Mapping):
        return go_repr(node)
    if isinstance(node, Sequence):
        return "[" + " ".join(_go_s(v) for v in node.items) + "]"
    assert isinstance(node, Scalar)
    v = node.value
    if isinstance(v, str):
        return v
    return f"%!s({go_type(node)}={go_value_text(v)})"


# ---------------------------------------------------------------------------------------------
# !reset and !override (compose-go's ResetProcessor)


def strip_resets(node: Node, path: Path, paths: list[Path]) -> Node | None:
    """Remove ``!reset`` nodes and record the paths of ``!reset`` and ``!override`` ones.

    Returns None for a node that is itself reset. The recorded paths are later applied to the
    model the node is merged onto, so that a reset or overridden value drops what was there.
    """
    if node.tag == "!reset":
        paths.append(path)
        return None
    if node.tag == "!override":
        paths.append(path)
        return node
    if isinstance(node, Sequence):
        kept: list[Node] = []
        changed = False
        for i, item in enumerate(node.items):
            r = strip_resets(item, (*path, str(i)), paths)
            if r is not None:
                kept.append(r)
            changed = changed or r is not item
        return replace(node, items=tuple(kept)) if changed else node
    if isinstance(node, Mapping):
        items: list[tuple[Scalar, Node]] = []
        changed = False
        for k, v in node.items:
            r = strip_resets(v, (*path, k.text()), paths)
            if r is not None:
                items.append((k, r))
            changed = changed or r is not v
        return replace(node, items=tuple(items)) if changed else node
    return node


def apply_resets(node: Node, paths: list[Path], path: Path = ()) -> Node:
    """Drop from ``node`` every key at a recorded path (lists are left alone, as compose-go)."""
    if not paths or not isinstance(node, Mapping):
        return node
    depth = len(path) + 1
    relevant = [p for p in paths if len(p) >= depth and p[: len(path)] == path]
    if not relevant:
        return node
    items: list[tuple[Scalar, Node]] = []
    for k, v in node.items:
        nxt = (*path, k.text())
        if any(p == nxt for p in relevant):
            continue
        items.append((k, apply_resets(v, relevant, nxt)))
    return replace(node, items=tuple(items))


def relabel(node: Node, step: str) -> Node:
    """The same tree, every origin marked as having come through ``step`` (extends/include)."""
    origin = node.origin.through(step) if node.origin is not None else None
    if isinstance(node, Mapping):
        return replace(
            node,
            origin=origin,
            items=tuple(
                (replace(k, origin=k.origin.through(step) if k.origin else None), relabel(v, step))
                for k, v in node.items
            ),
        )
    if isinstance(node, Sequence):
        return replace(node, origin=origin, items=tuple(relabel(v, step) for v in node.items))
    return replace(node, origin=origin)
