"""
## What it does
Checks that a short-syntax Compose port mapping with a colon (`HOST:CONTAINER`,
`IP:HOST:CONTAINER`) is written as a quoted YAML string, not as a plain scalar.

## Why is this bad?
The Compose file reference says: "`HOST:CONTAINER` should always be specified as a (quoted)
string, to avoid conflicts with yaml base-60 float". YAML 1.1 reads a plain `2222:22` as the
sexagesimal (base-60) integer 133342, not as the text `2222:22`; a port whose container part is
below 60 (`22`, `53`) is the usual victim. Docker Compose v2 is not affected: it reads Compose
files with go-yaml v3, which "Does not support base-60 floats", so `2222:22` stays a string there.
Tools that read the file with a YAML 1.1 parser are: docker-compose v1, and scripts or linters
built on PyYAML. A quoted mapping means the same to every reader.

Mappings that YAML 1.1 would read as a number are warnings; other plain `HOST:CONTAINER` scalars
(`8000:8000`, whose parts are not base-60 digits) read the same everywhere and are reported at
info, as a matter of style. Long-syntax entries (`target:`/`published:`) and a container port
alone (`- 8000`) are not reported.

## Example
```yaml filename=compose.yaml
services:
  web:
    image: example/web-django
    ports:
      - 2222:22
```

## Use instead
```yaml filename=compose.yaml
services:
  web:
    image: example/web-django
    ports:
      - "2222:22"
```

## Fix safety
Double quotes are put around the scalar as written; a scalar that holds a `"` or a `\\` is
reported without a fix. For a mapping that is no base-60 number (`8000:8000`, `127.0.0.1:80:80`,
`${PORT}:8000`) the fix is safe: every reader, YAML 1.1 or 1.2, read the plain scalar as that
string, and reads the quoted one as the same string, interpolated the same way. For a base-60
one (`2222:22`) it is unsafe: Compose v2 reads the same string before and after, but a YAML 1.1
reader (docker-compose v1, a PyYAML deployment script) read the number 133342 and now reads the
mapping. That is the mapping the file means and the one Compose v2 already runs, but for that
reader the behaviour changes (a port is published where an error, or container port 133342, was).

## References
- [Compose file reference: ports, short syntax](https://docs.docker.com/reference/compose-file/services/#short-syntax-3)
- [YAML 1.1: integer (sexagesimal)](https://yaml.org/type/int.html)
- [go-yaml v3: compatibility](https://github.com/go-yaml/yaml/tree/v3#compatibility)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dockerlint_django._record import LazyPattern
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import FixAvailability, RuleMeta, Severity, Violation

if TYPE_CHECKING:
    from dockerlint_django.rules._base import ServiceContext

META = RuleMeta(
    code="DJ111",
    name="compose-port-unquoted",
    severity=Severity.INFO,
    summary="A `HOST:CONTAINER` port mapping is an unquoted YAML scalar (base-60 in YAML 1.1).",
    fix=FixAvailability.SOMETIMES,
    origin="extension",
    kind=("compose",),
)

# YAML 1.1's sexagesimal integer (https://yaml.org/type/int.html), as PyYAML resolves it.
_BASE60 = LazyPattern(r"[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+\Z")
_TAG_BEFORE = LazyPattern(r"!\S*\s+\Z")


def _base60(text: str) -> int | None:
    if not _BASE60.match(text):
        return None
    sign = -1 if text.startswith("-") else 1
    value = 0
    for part in text.lstrip("+-").replace("_", "").split(":"):
        value = value * 60 + int(part)
    return sign * value


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    from dockerlint_django.compose.nodes import Mapping, Sequence

    view = ctx.service
    node = view.service.get("ports")
    if not isinstance(node, Sequence):
        return
    seen: set[tuple[int, int]] = set()
    for entry in node.items:
        # A short-syntax entry becomes a mapping whose parts all point at the scalar written.
        if not isinstance(entry, Mapping) or entry.origin is None:
            continue
        target = entry.get("target")
        if target is None or target.origin is None or target.origin.span != entry.origin.span:
            continue  # long syntax
        span = view.span(entry.origin)
        if span is None or (span.start, span.end) in seen:
            continue
        seen.add((span.start, span.end))
        written = view.text(span)
        if ":" not in written or not written or written[0] in "\"'|>" or "\n" in written:
            continue
        source, local = view.workspace.locate(span)
        line_start = source.text.rfind("\n", 0, local.start) + 1
        if _TAG_BEFORE.search(source.text[line_start : local.start]):
            continue  # `!!str 2222:22`: a string for every reader
        number = _base60(written)
        fix = None
        if '"' not in written and "\\" not in written:
            # Quoting keeps what every reader reads, unless a YAML 1.1 reader took it as a number.
            fix = Fix(
                "Quote the port mapping",
                (Edit(span.start, span.end, f'"{written}"'),),
                Applicability.SAFE if number is None else Applicability.UNSAFE,
            )
        if number is not None:
            yield META.violation(
                span,
                f"`{written}` is an unquoted YAML scalar: YAML 1.1 readers (docker-compose v1, "
                f"PyYAML-based tools) take it as the base-60 number {number}, not a port mapping "
                f'(Compose v2 reads it as a string); quote it: "{written}"',
                severity=Severity.WARNING,
                fix=fix,
            )
            continue
        yield META.violation(
            span,
            f"the port mapping `{written}` is an unquoted YAML scalar; Compose v2 reads it as a "
            "string, but the Compose spec says `HOST:CONTAINER` should always be quoted for "
            f'YAML 1.1 readers (docker-compose v1, PyYAML-based tools); write "{written}"',
            fix=fix,
        )
