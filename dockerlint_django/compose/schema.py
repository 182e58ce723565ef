"""Validation against the Compose JSON schema, on positioned nodes, as compose-go reports it.

compose-go validates the merged model with santhosh-tekuri/jsonschema and prints the single
"most specific" error of the error tree. ``jsonschema`` is far too slow to import for a linter
started on every commit, and it would not give positions; compose-spec.json uses only a dozen
keywords, so this module compiles the vendored schema (compose-go v2.9.1's own copy, see NOTICE)
into small closures over nodes, and picks the reported error with compose-go's rule.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dockerlint_django.compose.nodes import Mapping, Node, Scalar, Sequence

SCHEMA_PATH = Path(__file__).with_name("compose-spec.json")


class SchemaError:
    """One failed keyword: where (instance path), what, and the node it is about."""

    __slots__ = ("additional", "location", "message", "node")

    def __init__(
        self, location: tuple[str, ...], message: str, node: Node, additional: bool = False
    ) -> None:
        self.location = location
        self.message = message
        self.node = node
        self.additional = additional

    @property
    def specificity(self) -> int:
        # compose-go's getMostSpecificError: the deepest wins, an unknown key counting one deeper.
        return len(self.location) + (1 if self.additional else 0)

    def text(self) -> str:
        return f"{'.'.join(self.location)} {self.message}"


class InvalidType(Exception):
    """A value JSON cannot hold (a YAML timestamp): the validator stops, as santhosh-tekuri's."""

    def __init__(self, location: tuple[str, ...], node: Node, type_name: str) -> None:
        super().__init__(type_name)
        self.location = location
        self.node = node
        self.type_name = type_name


Check = Callable[[Node, tuple[str, ...], list[SchemaError]], None]


def json_type(node: Node, location: tuple[str, ...]) -> str:
    if isinstance(node, Mapping):
        return "object"
    if isinstance(node, Sequence):
        return "array"
    assert isinstance(node, Scalar)
    v = node.value
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "integer" if math.isfinite(v) and v.is_integer() else "number"
    if node.kind == "timestamp":
        raise InvalidType(location, node, "time.Time")
    return "string"


def _type_matches(actual: str, want: str) -> bool:
    return actual == want or (want == "number" and actual == "integer")


def human_type(want: list[str]) -> str:
    names = sorted("mapping" if w == "object" else w for w in want)
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} or {names[-1]}"


def plain(node: Node) -> Any:
    """A hashable JSON-like value, for `enum` and `uniqueItems` (1 and 1.0 equal, True not 1)."""
    if isinstance(node, Mapping):
        return ("o", frozenset((k.text(), plain(v)) for k, v in node.items))
    if isinstance(node, Sequence):
        return ("a", tuple(plain(v) for v in node.items))
    assert isinstance(node, Scalar)
    v = node.value
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, int | float):
        return ("n", float(v))
    return ("s" if v is not None else "z", v)


def _quote_list(values: list[Any]) -> str:
    return ", ".join(f"'{v}'" if isinstance(v, str) else json.dumps(v) for v in values)


class _Compiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def ref(self, pointer: str) -> Check:
        check = self.refs.get(pointer)
        if check is None:
            # A forward slot first, so that recursive definitions compile.
            slot: list[Check] = []

            def deferred(node: Node, loc: tuple[str, ...], errs: list[SchemaError]) -> None:
                slot[0](node, loc, errs)

            self.refs[pointer] = deferred
            target: Any = self.root
            for part in pointer.lstrip("#/").split("/"):
                target = target[part]
            slot.append(self.compile(target))
            check = deferred
        return check

    def compile(self, schema: Any) -> Check:
        if schema is True or schema == {}:
            return lambda node, loc, errs: None
        if schema is False:
            return lambda node, loc, errs: errs.append(SchemaError(loc, "not allowed", node))
        checks: list[Check] = []
        if "$ref" in schema:
            checks.append(self.ref(schema["$ref"]))
        if "type" in schema:
            checks.append(self._type(schema["type"]))
        if "enum" in schema:
            checks.append(self._enum(schema["enum"]))
        if "pattern" in schema:
            checks.append(self._pattern(schema["pattern"]))
        if "minimum" in schema or "maximum" in schema:
            checks.append(self._range(schema.get("minimum"), schema.get("maximum")))
        if any(k in schema for k in ("properties", "patternProperties", "additionalProperties")):
            checks.append(self._object(schema))
        if "required" in schema:
            checks.append(self._required(schema["required"]))
        if "items" in schema:
            # uniqueItems holds only where Compose was seen to enforce it (_UNIQUE): it accepts
            # `dns: [a, a]`, `ports: [80, 80]` and `args: [a=1, a=1]`, which its loader reads
            # into other shapes before validating.
            checks.append(self._array(schema.get("items"), bool(schema.get(_UNIQUE_MARK))))
        if "oneOf" in schema:
            checks.append(self._one_of([self.compile(s) for s in schema["oneOf"]]))
        if "anyOf" in schema:
            checks.append(self._any_of([self.compile(s) for s in schema["anyOf"]]))
        if "allOf" in schema:
            subs = [self.compile(s) for s in schema["allOf"]]
            checks.extend(subs)
        if len(checks) == 1:
            return checks[0]

        def all_checks(node: Node, loc: tuple[str, ...], errs: list[SchemaError]) -> None:
            for c in checks:
                c(node, loc, errs)

        return all_checks

    def _type(self, want: str | list[str]) -> Check:
        wants = [want] if isinstance(want, str) else list(want)
        message = f"must be a {human_type(wants)}"

        def check(node: Node, loc: tuple[str, ...], errs: list[SchemaError]) -> None:
            actual = json_type(node, loc)
            if not any(_type_matches(actual, w) for w in wants):
                errs.append(SchemaError(loc, message, node))

        return check

    def _enum(self, values: list[Any]) -> Check:
        allowed = {plain(_scalar_of(v)) for v in values}
        message = f"value must be one of {_quote_list(values)}"

        def check(node: Node, loc: tuple[str, ...], errs: list[SchemaError]) -> None:
            if plain(node) not in allowed:
                errs.append(SchemaError(loc, message, node))

        return check

    def _pattern(self, pattern: str) -> Check:
        regex = re.compile(pattern)

        def check(node: Node, loc: tuple[str, ...], errs: list[SchemaError]) -> None:
            if (
                isinstance(node, Scalar)
                and isinstance(node.value, str)
                and node.kind != "timestamp"
                and not regex.search(node.value)
            ):
                message = f"'{node.value}' does not match pattern '{pattern}'"
                errs.append(SchemaError(loc, message, node))

        return check

    def _range(self, low: float | None, high: float | None) -> Check:
        def check(node: Node, loc: tuple[str, ...], errs: list[SchemaError]) -> None:
            if not isinstance(node, Scalar) or isinstance(node.value, bool):
                return
            v = node.value
            if not isinstance(v, int | float):
                return
            if low is not None and v < low:
                errs.append(SchemaError(loc, f"must be greater than or equal to {low:g}", node))
            if high is not None and v > high:
                errs.append(SchemaError(loc, f"must be less than or equal to {high:g}", node))

        return check

    def _object(self, schema: dict[str, Any]) -> Check:
        # Each property's schema is compiled when a file first has the property: a Compose file
        # uses a few of the schema's hundreds, and a one-file run pays for what it reads.
        written = schema.get("properties", {})
        props: dict[str, Check] = {}
        pattern_schemas = schema.get("patternProperties", {})
        patterns: list[tuple[re.Pattern[str], Check]] | None = None
        additional = schema.get("additionalProperties", True)
        extra: Check | None = None
        if isinstance(additional, dict):
            extra = self.compile(additional)
        forbid = additional is False

        def check(node: Node, loc: tuple[str, ...], errs: list[SchemaError]) -> None:
            nonlocal patterns
            if not isinstance(node, Mapping):
                return
            if patterns is None:
                patterns = [(re.compile(p), self.compile(v)) for p, v in pattern_schemas.items()]
            unknown: list[str] = []
            for key, value in node.items:
                name = key.text()
                sub = (*loc, name)
                matched = False
                c = props.get(name)
                if c is None and name in written:
                    c = props[name] = self.compile(written[name])
                if c is not None:
                    matched = True
                    c(value, sub, errs)
                for regex, pc in patterns:
                    if regex.search(name):
                        matched = True
                        pc(value, sub, errs)
                if not matched:
                    if forbid:
                        unknown.append(name)
                    elif extra is not None:
                        extra(value, sub, errs)
            if unknown:
                names = ", ".join(f"'{u}'" for u in unknown)
                word = "property" if len(unknown) == 1 else "properties"
                bad = node.key_node(unknown[0])
                errs.append(
                    SchemaError(
                        loc, f"additional {word} {names} not allowed", bad or node, additional=True
                    )
                )

        return check

    def _required(self, names: list[str]) -> Check:
        def check(node: Node, loc: tuple[str, ...], errs: list[SchemaError]) -> None:
            if not isinstance(node, Mapping):
                return
            missing = [n for n in names if n not in node]
            if missing:
                word = "property" if len(missing) == 1 else "properties"
                listed = ", ".join(f"'{m}'" for m in missing)
                errs.append(SchemaError(loc, f"missing {word} {listed}", node))

        return check

    def _array(self, items: Any, unique: bool) -> Check:
        item_check = self.compile(items) if items is not None else None

        def check(node: Node, loc: tuple[str, ...], errs: list[SchemaError]) -> None:
            if not isinstance(node, Sequence):
                return
            if item_check is not None:
                for i, item in enumerate(node.items):
                    item_check(item, (*loc, str(i)), errs)
            if unique:
                seen: dict[Any, int] = {}
                for i, item in enumerate(node.items):
                    key = plain(item)
                    if key in seen:
                        errs.append(
                            SchemaError(loc, f"items at {seen[key]} and {i} are equal", item)
                        )
                        break
                    seen[key] = i

        return check

    def _one_of(self, subs: list[Check]) -> Check:
        def check(node: Node, loc: tuple[str, ...], errs: list[SchemaError]) -> None:
            failures: list[list[SchemaError]] = []
            matched: list[int] = []
            for i, sub in enumerate(subs):
                found: list[SchemaError] = []
                sub(node, loc, found)
                if found:
                    failures.append(found)
                else:
                    matched.append(i)
            if len(matched) == 1:
                return
            if not matched:
                # compose-go reports the most specific cause, so keep them all.
                for found in failures:
                    errs.extend(found)
                return
            errs.append(
                SchemaError(
                    loc, f"oneOf failed, subschemas {matched[0]}, {matched[1]} matched", node
                )
            )

        return check

    def _any_of(self, subs: list[Check]) -> Check:
        def check(node: Node, loc: tuple[str, ...], errs: list[SchemaError]) -> None:
            collected: list[SchemaError] = []
            for sub in subs:
                found: list[SchemaError] = []
                sub(node, loc, found)
                if not found:
                    return
                collected.extend(found)
            errs.extend(collected)

        return check


def _scalar_of(value: Any) -> Scalar:
    kind = "null" if value is None else type(value).__name__
    return Scalar(None, value=value, kind={"NoneType": "null"}.get(kind, kind))


_validator: Check | None = None


# Service keys whose duplicate items `docker compose config` rejects ("items at 0 and 1 are
# equal"), checked one by one against the oracle; the other uniqueItems of the schema it accepts.
_UNIQUE = ("external_links", "group_add", "security_opt", "volumes_from")
_UNIQUE_MARK = "x-dockerlint-unique"


def _compiled() -> Check:
    global _validator
    if _validator is None:
        root = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
        service = root["definitions"]["service"]["properties"]
        for key in _UNIQUE:
            service[key][_UNIQUE_MARK] = True
        _validator = _Compiler(root).compile(root)
    return _validator


def validate(model: Mapping) -> SchemaError | InvalidType | None:
    """The error compose-go would report for ``model``, or None when the schema accepts it."""
    errs: list[SchemaError] = []
    try:
        _compiled()(model, (), errs)
    except InvalidType as exc:
        return exc
    if not errs:
        return None
    best = errs[0]
    for e in errs[1:]:
        if e.specificity > best.specificity:
            best = e
    return best
