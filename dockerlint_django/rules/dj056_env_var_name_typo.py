"""
## What it does
Checks the names of environment variables that a Dockerfile's `ENV` or `ARG`, or a Compose
service's `environment:` (mapping or list form), sets against the handbook's naming rules:

- `SENTRY_DNS`, a misspelling of `SENTRY_DSN` (the Sentry SDK and the handbook's settings read
  `SENTRY_DSN`);
- a name ending in `_HOST` whose value is a URL (it contains `://`): the handbook names those
  `*_URL` (`DATABASE_URL`, `REDIS_URL`), keeping `*_HOST` for a host name alone.

Variables whose names belong to other tools and take a URL by design (`DOCKER_HOST`,
`CONTAINER_HOST`, `OLLAMA_HOST`, `LANGFUSE_HOST`, `POSTHOG_HOST`, Redash's `REDASH_HOST`…) are left alone, as is a value
that cannot be known.

## Why is this bad?
The handbook's settings page: "`SENTRY_DSN` (not DNS!)", and "`*_URL` (not `*_HOST`, unless it is
only the host part, like `localhost`)". Settings that follow it read `SENTRY_DSN` and
`DATABASE_URL`: a value set under the other name is never read, so error reporting is silently off
or the application connects to its default database. Where the settings do read the odd name,
the name still tells the next reader the wrong thing about its value.

## Example
```dockerfile
FROM python:3.11
ENV SENTRY_DNS=https://public@sentry.example.com/1
```

## Use instead
```dockerfile
FROM python:3.11
ENV SENTRY_DSN=https://public@sentry.example.com/1
```

## Fix safety
Unsafe: the fix renames the key of a Dockerfile `ENV` or of a Compose `environment:` entry,
keeping its quotes and layout. The application then receives the value under the name it reads
(or no longer receives it under the name it read), which changes its behaviour. There is no fix
when the image or service already sets the new name, for an `ARG` (its `--build-arg` callers and
uses would have to be renamed too), or when the key is not written plainly.

## References
- [OCP handbook: Settings](https://ocp-software-handbook.readthedocs.io/en/latest/python/settings.html)
- [Sentry for Django: options (dsn)](https://docs.sentry.io/platforms/python/configuration/options/#dsn)
- [Compose file reference: environment](https://docs.docker.com/reference/compose-file/services/#environment)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.model import State, expand_in
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
    RuleMeta,
    ServiceContext,
    Severity,
    Violation,
)
from dockerlint_django.source import Span

META = RuleMeta(
    code="DJ056",
    name="env-var-name-typo",
    severity=Severity.INFO,
    summary="SENTRY_DNS for SENTRY_DSN, or a *_HOST variable holding a URL (name it *_URL).",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    profile="ocp",
    kind=("dockerfile", "compose"),
)

# Tools' own variables that take a URL under a `_HOST` name.
_TOOL_HOSTS = frozenset(
    {
        "DOCKER_HOST",
        "CONTAINER_HOST",
        "PODMAN_HOST",
        "OLLAMA_HOST",
        "LANGFUSE_HOST",
        "POSTHOG_HOST",
        "DAGSTER_HOST",
        "PREFECT_API_HOST",
        "REDASH_HOST",
    }
)


def suggestion(name: str, value: str | None) -> tuple[str, str] | None:
    """The name to use instead of ``name`` and why; None when ``name`` is fine (or unknown)."""
    if name == "SENTRY_DNS":
        return "SENTRY_DSN", "SENTRY_DNS is a misspelling of SENTRY_DSN, the name Sentry reads"
    if (
        name.endswith("_HOST")
        and len(name) > len("_HOST")
        and name not in _TOOL_HOSTS
        and value is not None
        and "://" in value
    ):
        new = name[: -len("_HOST")] + "_URL"
        return new, f"{name} holds a URL ({_shown(value)}); the handbook names URLs *_URL"
    return None


def _shown(value: str) -> str:
    return value if len(value) <= 40 else value[:37] + "..."


# -- the image ------------------------------------------------------------------------------


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    escape = a.dockerfile.escape
    for stage in a.dockerfile.stages:
        for ins, state in stage.steps():
            if ins.keyword == "ENV":
                yield from _env(ins, state, escape)
            elif ins.keyword == "ARG":
                yield from _arg(ins, state, escape)


def _value(state: State, raw: str, escape: str) -> str | None:
    value = expand_in(state, raw, escape)
    if value is None and "://" in raw:
        return raw  # `redis://${REDIS_HOST}:6379`: a URL whatever the variable holds
    return value


def _env(ins: Instruction, state: State, escape: str) -> Iterator[Violation]:
    mapped = ins.value_mapped
    keys = {ins.value[i] for i in range(0, len(ins.value) - 1, 2)}
    for i in range(0, len(ins.value) - 1, 2):
        key = ins.value[i]
        found = suggestion(key, _value(state, ins.value[i + 1], escape))
        if found is None:
            continue
        new, why = found
        fix = None
        if mapped[i].text == key and new not in state.env and new not in keys:
            fix = Fix(
                f"Rename to {new}", (Edit.replace(mapped[i].span(), new),), Applicability.UNSAFE
            )
        yield META.violation(mapped[i].span(), f"ENV {why}; rename it {new}", fix=fix)


def _arg(ins: Instruction, state: State, escape: str) -> Iterator[Violation]:
    for word, m in zip(ins.value, ins.value_mapped, strict=False):
        name, eq, default = word.partition("=")
        value = _value(state, default, escape) if eq else None
        found = suggestion(name, value)
        if found is None:
            continue
        new, why = found
        end = m.text.find("=")
        span = m.span() if end < 0 else m[:end].span()
        yield META.violation(span, f"build argument {why}; rename it {new}")


# -- a Compose service ----------------------------------------------------------------------


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    view = ctx.service
    for name, var in view.service.environment.items():
        if var.layer != "environment" or var.origin is None:
            continue
        found = suggestion(name, var.value)
        if found is None:
            continue
        new, why = found
        span = view.span(var.origin)
        if span is None:
            continue
        written = var.origin.source.slice(var.origin.span)
        lead = len(written) - len(written.lstrip("\"'"))
        key_span = Span(span.start + lead, span.start + lead + len(name))
        fix = None
        if written[lead : lead + len(name)] == name and new not in view.service.environment:
            after = written[lead + len(name) : lead + len(name) + 1]
            if after in ("", "=", "'", '"'):
                fix = Fix(f"Rename to {new}", (Edit.replace(key_span, new),), Applicability.UNSAFE)
        else:
            key_span = span
        yield META.violation(key_span, f"`environment:` {why}; rename it {new}", fix=fix)
