"""compose-go's merge rules (override.Merge, EnforceUnicity, !reset/!override) on positioned nodes.

The nodes are built by a tiny builder here, so these tests do not depend on the YAML reader; each
node's origin is a distinct span of a fake file, which lets a test say which side won.
"""

from __future__ import annotations

from typing import Any

import pytest

from dockerlint_django.compose import merge as M
from dockerlint_django.compose.nodes import ComposeError, Mapping, Node, Origin, Scalar, Sequence
from dockerlint_django.source import SourceFile, Span

SOURCE = SourceFile("fake.yaml", "x" * 10_000)
_counter = [0]


def _origin() -> Origin:
    _counter[0] += 1
    return Origin(SOURCE, Span(_counter[0], _counter[0] + 1))


def node(value: Any, tag: str | None = None) -> Node:
    """Plain Python data as nodes: dict -> Mapping, list -> Sequence, else Scalar."""
    if isinstance(value, dict):
        return Mapping(
            _origin(),
            items=tuple(
                (Scalar(_origin(), value=k, kind="str"), node(v)) for k, v in value.items()
            ),
            tag=tag,
        )
    if isinstance(value, list):
        return Sequence(_origin(), items=tuple(node(v) for v in value), tag=tag)
    kind = {type(None): "null", bool: "bool", int: "int", float: "float", str: "str"}[type(value)]
    return Scalar(_origin(), value=value, kind=kind, tag=tag)


def data(n: Node | None) -> Any:
    if isinstance(n, Mapping):
        return {k.text(): data(v) for k, v in n.items}
    if isinstance(n, Sequence):
        return [data(v) for v in n.items]
    assert isinstance(n, Scalar)
    return n.value


def merged(base: dict[str, Any], override: dict[str, Any]) -> Any:
    a, b = node(base), node(override)
    assert isinstance(a, Mapping) and isinstance(b, Mapping)
    return data(M.enforce_unicity(M.merge(a, b)))


def svc(**fields: Any) -> dict[str, Any]:
    return {"services": {"web": fields}}


def test_scalars_replace_maps_merge_lists_append() -> None:
    out = merged(
        svc(image="a", deploy={"mode": "x", "replicas": 1}, cap_add=["A"]),
        svc(image="b", deploy={"replicas": 2}, cap_add=["B"]),
    )
    assert out == svc(image="b", deploy={"mode": "x", "replicas": 2}, cap_add=["A", "B"])


def test_environment_maps_and_lists_merge_by_name_later_wins() -> None:
    out = merged(svc(environment={"A": 1, "B": 2}), svc(environment=["B=3", "C"]))
    assert out == svc(environment=["A=1", "B=3", "C"])


def test_labels_map_becomes_sorted_key_value_list() -> None:
    out = merged(svc(labels={"z": "1", "a": True}), svc(labels={"m": 1.0}))
    assert out == svc(labels=["a=true", "z=1", "m=1"])


@pytest.mark.parametrize("key", ["command", "entrypoint"])
def test_command_and_entrypoint_are_replaced_not_appended(key: str) -> None:
    assert merged(svc(**{key: ["a", "b"]}), svc(**{key: ["c"]})) == svc(**{key: ["c"]})


def test_healthcheck_test_replaced_rest_merged() -> None:
    out = merged(
        svc(healthcheck={"test": ["CMD", "a"], "interval": "5s"}),
        svc(healthcheck={"test": ["CMD", "b"]}),
    )
    assert out == svc(healthcheck={"test": ["CMD", "b"], "interval": "5s"})


def test_ports_deduplicated_by_value_and_key() -> None:
    out = merged(
        svc(ports=["80:80", {"target": 81, "published": "81"}]),
        svc(ports=["80:80", {"target": 81, "published": 81, "protocol": "tcp"}]),
    )
    ports = out["services"]["web"]["ports"]
    assert ports[0] == "80:80"
    assert ports[1] == {"target": 81, "published": 81, "protocol": "tcp"}
    assert len(ports) == 2


def test_volumes_deduplicated_by_target_later_wins_in_place() -> None:
    out = merged(svc(volumes=["./a:/data", "v:/v"]), svc(volumes=["./b:/data"]))
    assert out == svc(volumes=["./b:/data", "v:/v"])


def test_build_string_merges_with_mapping() -> None:
    out = merged(svc(build="./ctx"), svc(build={"dockerfile": "D"}))
    assert out == svc(build={"context": "./ctx", "dockerfile": "D"})


def test_depends_on_list_and_map_merge_with_defaults() -> None:
    out = merged(
        svc(depends_on=["db"]), svc(depends_on={"cache": {"condition": "service_healthy"}})
    )
    assert out == svc(
        depends_on={
            "db": {"condition": "service_started", "required": True},
            "cache": {"condition": "service_healthy"},
        }
    )


def test_extra_hosts_duplicates_dropped() -> None:
    out = merged(svc(extra_hosts=["a:1.1.1.1"]), svc(extra_hosts={"a": "1.1.1.1", "b": "2.2.2.2"}))
    assert out == svc(extra_hosts=["a:1.1.1.1", "a=1.1.1.1", "b=2.2.2.2"])


def test_null_override_keeps_base() -> None:
    assert merged(svc(image="a"), svc(image=None)) == svc(image="a")


def test_mapping_over_scalar_is_an_error() -> None:
    with pytest.raises(ComposeError, match=r"cannot override services\.web\.deploy"):
        merged(svc(deploy={"mode": "x"}), svc(deploy="y"))


def test_environment_list_item_must_be_a_string() -> None:
    with pytest.raises(
        ComposeError, match=r"services\.web\.environment\.\[0\]: unexpected type int"
    ):
        merged(svc(environment=[1]), svc())


def test_override_side_wins_origin() -> None:
    a, b = node(svc(image="a")), node(svc(image="b"))
    assert isinstance(a, Mapping) and isinstance(b, Mapping)
    out = M.merge(a, b)
    image = M.get(M.get(M.get(out, "services"), "web"), "image")
    b_image = M.get(M.get(M.get(b, "services"), "web"), "image")
    assert image is b_image


def test_reset_and_override_tags() -> None:
    doc = node(svc(ports=["9"], environment={"B": 2}))
    assert isinstance(doc, Mapping)
    web = M.get(M.get(doc, "services"), "web")
    assert isinstance(web, Mapping)
    ports, env = web.items[0][1], web.items[1][1]
    tagged = Mapping(
        web.origin,
        items=(
            (web.items[0][0], Sequence(ports.origin, items=(), tag="!reset")),
            (web.items[1][0], Mapping(env.origin, items=env.items, tag="!override")),  # type: ignore[attr-defined]
        ),
    )
    doc = M.set_item(doc, "services", M.set_item(M.get(doc, "services"), "web", tagged))  # type: ignore[arg-type]
    paths: list[tuple[str, ...]] = []
    stripped = M.strip_resets(doc, (), paths)
    assert paths == [("services", "web", "ports"), ("services", "web", "environment")]
    base = node(svc(image="x", ports=["80"], environment={"A": 1}))
    assert isinstance(base, Mapping) and isinstance(stripped, Mapping)
    reset_base = M.apply_resets(base, paths)
    assert isinstance(reset_base, Mapping)
    assert data(M.merge(reset_base, stripped)) == svc(image="x", environment={"B": 2})


def test_relabel_records_provenance() -> None:
    n = M.relabel(node({"image": "x"}), "extends: base in common.yaml")
    assert isinstance(n, Mapping)
    assert n.items[0][1].origin is not None
    assert n.items[0][1].origin.via == ("extends: base in common.yaml",)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (1500.0, "1500"),
        (1e6, "1e+06"),
        (0.5, "0.5"),
        (1e-5, "1e-05"),
        (float("inf"), "+Inf"),
    ],
)
def test_go_float_formatting(value: float, text: str) -> None:
    assert M.go_float(value) == text
