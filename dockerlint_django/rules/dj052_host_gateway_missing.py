"""
## What it does
Checks that a Compose service whose environment refers to `host.docker.internal` (a
`DATABASE_URL` at `host.docker.internal:5432`, in `environment:` or a readable `env_file:`) maps
that name with `extra_hosts`, as in `extra_hosts: ["host.docker.internal:host-gateway"]`.

## Why is this bad?
`host.docker.internal` is the usual way for a container to reach a service on its host (the
PostgreSQL or RabbitMQ a server already runs), and the OCP deployment docs pair every such URL
with `extra_hosts: - "host.docker.internal:host-gateway"`. Docker Desktop resolves the name by
itself, so the setup works on a laptop; the Docker Engine on Linux, where servers run, does not:
without the mapping the name does not resolve and the app fails to connect. The special
`host-gateway` value (Docker 20.10 and later) stands for the host's address on the container's
network.

The mapping may be written as a list (`"host.docker.internal:host-gateway"` or `=`), a map, or
with a fixed address; any of them counts, also when it comes from another Compose file or an
anchor. A service with `network_mode: service:…` or `container:…` cannot have `extra_hosts`,
and is not reported. A value whose variable has no value here is not known, and not reported.

## Example
```yaml filename=compose.yaml
services:
  web:
    image: ghcr.io/example/app-django:latest
    environment:
      DATABASE_URL: postgresql://app:${DB_PASSWORD}@host.docker.internal:5432/app
```

## Use instead
```yaml filename=compose.yaml
services:
  web:
    image: ghcr.io/example/app-django:latest
    environment:
      DATABASE_URL: postgresql://app:${DB_PASSWORD}@host.docker.internal:5432/app
    extra_hosts:
      - "host.docker.internal:host-gateway"
```

## Fix safety
Unsafe: the fix adds `extra_hosts:` with `"host.docker.internal:host-gateway"` at the end of the
service's block, at the indentation of its keys, or appends that item to the service's own
`extra_hosts` list or map; nothing else in the file changes. On a Linux engine the name now
resolves, which is the point and a change. Elsewhere it can change what the name means: Docker
Desktop answered through its own DNS, and `/etc/hosts` now answers first with the engine's
`host-gateway` address; Rancher Desktop's `host-gateway` is the VM's bridge (`172.17.0.1`), not
the host, so a container that reached the host before may no longer. It is offered when the service's block is written in
block style in the same file as the value (not through an alias or a merge key).

## References
- [OCP deploy docs: Docker](https://ocp-deploy.readthedocs.io/en/latest/develop/update/docker.html)
- [Compose file reference: extra_hosts](https://docs.docker.com/reference/compose-file/services/#extra_hosts)
- [docker run: --add-host and host-gateway](https://docs.docker.com/reference/cli/docker/container/run/#add-host)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import (
    FixAvailability,
    Related,
    RuleMeta,
    ServiceContext,
    Severity,
    Violation,
)
from dockerlint_django.rules._env_values import (
    block_end,
    network_mode,
    node_contains,
    service_block,
    shape,
    value_span,
    where,
)

if TYPE_CHECKING:
    from dockerlint_django.compose.nodes import Origin
    from dockerlint_django.rules._env_values import ServiceBlock
    from dockerlint_django.service import ServiceView

META = RuleMeta(
    code="DJ052",
    name="host-gateway-missing",
    severity=Severity.WARNING,
    summary="host.docker.internal is used without an extra_hosts mapping: it does not resolve on Linux.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    origin="extension",
    kind=("compose",),
)

_NAME = "host.docker.internal"
_ENTRY = f"{_NAME}:host-gateway"


def _mapped(view: ServiceView) -> bool:
    return any(h.value.partition("=")[0].lower() == _NAME for h in view.service.extra_hosts)


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    view = ctx.service
    mode = network_mode(view)
    if mode is not None and mode.startswith(("service:", "container:")):
        return
    if _mapped(view):
        return
    users = [
        (name, env)
        for name, env in view.layer.environment.items()
        if _NAME in (shape(view, name) or "").lower()
    ]
    if not users:
        return
    # Point at a value written in the Compose file when there is one: that is where the fix goes.
    users.sort(key=lambda item: item[1].layer != "environment")
    name, env = users[0]
    var = view.service.environment.get(name)
    if var is None:
        return
    related: list[Related] = []
    if env.layer == "environment":
        span = value_span(view, name)
        anchor = var.origin
        message = f"{where(view, name)} sets {name} for {view.name} to an address at {_NAME}"
    else:
        anchor = view.service.origin_of("env_file")
        span = view.key_span("env_file")
        where_set = value_span(view, name)
        if where_set is not None:
            related.append(Related(where_set, f"{name} uses {_NAME}"))
        message = (
            f"{where(view, name)}, which {view.name} reads, sets {name} to an address at {_NAME}"
        )
    if span is None:
        return
    for other, _env in users[1:]:
        at = value_span(view, other)
        if at is not None:
            related.append(Related(at, f"{other} uses {_NAME} too"))
    message += (
        f", but the service has no extra_hosts entry for it: Docker Desktop resolves {_NAME}, the "
        f'Docker Engine on Linux does not; add `extra_hosts: ["{_ENTRY}"]`'
    )
    yield META.violation(span, message, fix=_fix(view, anchor), related=tuple(related))


def _fix(view: ServiceView, anchor: Origin | None) -> Fix | None:
    if anchor is None:
        return None
    block = service_block(anchor.source, view.name)
    if block is None or not node_contains(block.mapping, anchor.span):
        return None
    local = _edit(block)
    if local is None:
        return None
    at = view.span(anchor)
    if at is None:
        return None
    base = at.start - anchor.span.start
    start, end, content = local
    return Fix(
        f"Map {_NAME} to the host gateway",
        (Edit(start + base, end + base, content),),
        Applicability.UNSAFE,
    )


def _edit(block: ServiceBlock) -> tuple[int, int, str] | None:
    """``(start, end, text)`` in the file's own offsets."""
    from dockerlint_django.compose.nodes import Mapping, Scalar, Sequence

    text = block.source.text
    nl = "\r\n" if "\r\n" in text else "\n"
    existing = block.mapping.get("extra_hosts")
    if existing is None:
        at = block_end(block)
        lead = "" if at == 0 or text[at - 1] == "\n" else nl
        indent = " " * block.key_column
        step = " " * max(2, block.key_column - block.name_column)
        insert = f'{lead}{indent}extra_hosts:{nl}{indent}{step}- "{_ENTRY}"{nl}'
        return at, at, insert
    if isinstance(existing, Sequence) and existing.origin is not None:
        items = existing.items
        if existing.flow:
            close = text.rfind("]", existing.origin.span.start, existing.origin.span.end)
            if close < 0:
                return None
            sep = ", " if items else ""
            return close, close, f'{sep}"{_ENTRY}"'
        last = items[-1] if items else None
        if last is None or last.origin is None or not isinstance(last, Scalar):
            return None
        line_start = text.rfind("\n", 0, last.origin.span.start) + 1
        prefix = text[line_start : last.origin.span.start]
        if prefix.strip() != "-":
            return None
        end = last.origin.span.end
        nxt = text.find("\n", end)
        at = len(text) if nxt < 0 else nxt + 1
        lead = "" if at == 0 or text[at - 1] == "\n" else nl
        return at, at, f'{lead}{prefix}"{_ENTRY}"{nl}'
    if isinstance(existing, Mapping) and not existing.flow and existing.items:
        first = existing.items[0][0]
        if first.origin is None:
            return None
        last_value = existing.items[-1][1]
        if last_value.origin is None:
            return None
        end = last_value.origin.span.end
        nxt = text.find("\n", end)
        at = len(text) if nxt < 0 else nxt + 1
        lead = "" if at == 0 or text[at - 1] == "\n" else nl
        indent = " " * (first.origin.column - 1)
        return at, at, f"{lead}{indent}{_NAME}: host-gateway{nl}"
    return None
