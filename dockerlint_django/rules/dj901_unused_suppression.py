"""
## What it does
Reports a `# dockerlint-django: ignore=…` or `ignore-file=…` comment that suppresses nothing, or
that names a rule code that does not exist.

## Why is this bad?
A suppression outlives the problem it hid: once the instruction is fixed, the comment stays and
would silently hide the next real finding on that instruction. A misspelt code suppresses nothing
while looking as if it did.

Only rules that are enabled count: a suppression of a rule switched off in the configuration is
not reported, since it cannot be known whether it is needed. `# hadolint ignore=` comments and
BuildKit's `# check=skip=` directive are never reported here: other tools read them too.

## Example
```dockerfile
FROM python:3.11
# dockerlint-django: ignore=DJ108
FROM python:3.11 AS build-stage
```

## Use instead
```dockerfile
FROM python:3.11
FROM python:3.11 AS build-stage
```

## Fix safety
Safe: the unused code is removed from the comment, or the whole comment line when nothing is left.
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ901",
    name="unused-suppression",
    severity=Severity.WARNING,
    summary="A suppression comment suppresses nothing, or names an unknown rule.",
    fix=FixAvailability.ALWAYS,
    origin="meta",
)


def check(ctx: Context) -> Iterator[Violation]:
    # Produced by the engine after every other rule has run and suppressions have been applied.
    return iter(())
