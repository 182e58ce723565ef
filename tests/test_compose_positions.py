"""Every value the Compose model gives a rule points at the text that wrote it.

For each corpus Compose file (read in place, with and without interpolation) and each service,
every typed value with an origin is checked against its file: the origin's line and column are
where its span starts, and the span's text is the value as written (quotes, escapes and
interpolation aside, the value's own characters stand in it). A finding built from these origins
therefore lands on the line that set the value.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dockerlint_django.compose.loader import LoadOptions, load_project
from dockerlint_django.compose.model import Command, Duration, EnvVar, Port, Service, Value
from dockerlint_django.compose.nodes import ComposeError, Origin
from tests.conftest import corpus_file, corpus_rows

ROWS = corpus_rows("compose")


def _values(service: Service) -> Iterator[tuple[str, str, Origin | None]]:
    """(field, value as the model holds it, origin) for each positioned value of a service."""
    for key in ("image", "user", "working_dir", "stop_signal"):
        value = getattr(service, key)
        if isinstance(value, Value):
            yield key, value.value, value.origin
    for key in ("command", "entrypoint"):
        command = getattr(service, key)
        if isinstance(command, Command):
            for word in command.words:
                yield key, word.value, word.origin
    for name, var in service.environment.items():
        assert isinstance(var, EnvVar)
        if var.value is not None and var.layer == "environment":
            yield f"environment.{name}", var.value, var.value_origin
            yield f"environment.{name}", name, var.origin
    for port in service.ports:
        assert isinstance(port, Port)
        yield "ports", str(port.target), port.origin
    for group in ("expose", "tmpfs", "profiles", "extra_hosts"):
        for value in getattr(service, group):
            yield group, value.value, value.origin
    grace = service.stop_grace_period
    if isinstance(grace, Duration):
        yield "stop_grace_period", grace.text, grace.origin
    if service.build is not None:
        for key in ("dockerfile", "target"):
            value = getattr(service.build, key)
            if isinstance(value, Value):
                yield f"build.{key}", value.value, value.origin


def _check(origin: Origin, field: str, value: str) -> list[str]:
    problems = []
    text = origin.source.text
    span = origin.span
    if not (0 <= span.start <= span.end <= len(text)):
        return [f"{field}: span {span} outside {origin.path}"]
    position = origin.source.position(span.start)
    if (position.line, position.column) != (origin.line, origin.column):
        problems.append(f"{field}: line/column {origin.line}:{origin.column} != {position}")
    written = text[span.start : span.end]
    # A value Compose derives (an interpolated, escaped, re-printed or defaulted one) need not
    # appear verbatim; every other value must, for a fix or a finding to point at it.
    key = field.split(".", 1)[1]
    derived = (
        "$" in written
        or "\\" in written
        or key in ("ports", "stop_grace_period", "extra_hosts")
        or key.startswith("build.")
        or not written
        or written[:1] in (">", "|")  # a block scalar's lines are folded or re-indented
    )
    # Quotes inside a command string are removed by the split; YAML booleans and numbers are
    # re-printed as Go prints them (`True` is "true").
    bare = written.replace("'", "").replace('"', "").replace("\n", " ")
    if not derived and value not in written and value.lower() not in bare.lower():
        problems.append(f"{field}: {value!r} not in its span {written!r} ({origin.path})")
    return problems


@pytest.mark.parametrize("interpolate", [True, False], ids=["interpolated", "raw"])
@pytest.mark.parametrize("local", [r["local_file"] for r in ROWS])
def test_every_modelled_value_points_at_its_text(local: str, interpolate: bool) -> None:
    path = corpus_file(local)
    options = LoadOptions(working_dir=path.parent, files=(path,), interpolate=interpolate)
    try:
        project = load_project(options)
    except ComposeError as exc:
        # Files whose env files the flattened corpus lacks: Compose rejects them too (the oracle
        # suite checks that it does). A rejection must still name a file.
        assert exc.one_line()
        CHECKED[(local, interpolate)] = 0
        return
    problems: list[str] = []
    checked = 0
    for service in project.services.values():
        for field, value, origin in _values(service):
            if origin is None:
                continue
            checked += 1
            problems.extend(_check(origin, f"{service.name}.{field}", value))
    assert problems == []
    CHECKED[(local, interpolate)] = checked


CHECKED: dict[tuple[str, bool], int] = {}


def test_the_corpus_is_there_and_its_values_were_checked(corpus: Path) -> None:
    assert len(ROWS) > 100
    if len(CHECKED) == 2 * len(ROWS):  # the whole file ran (not a -k selection)
        # Thousands of values, not a test that passes by looking at none.
        assert sum(CHECKED.values()) > 5000
