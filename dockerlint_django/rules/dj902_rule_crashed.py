"""
## What it does
Reports that a rule raised an exception on a file. The other rules and files are still checked,
and the crash is reported under this code with the failing rule's code and the exception.

## Why is this bad?
A crash means a rule could not check the file, so its findings, if any, are missing. It is a bug in
dockerlint-django, not in the Dockerfile: please report it with the file that triggers it.

## Example
```dockerfile
FROM python:3.11
```

## Use instead
```dockerfile
FROM python:3.11
```

## Fix safety
No fix.
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.rules._base import Context, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ902",
    name="rule-crashed",
    severity=Severity.ERROR,
    summary="A rule crashed on this file; its findings are missing.",
    origin="meta",
)


def check(ctx: Context) -> Iterator[Violation]:
    # Produced by the engine when another rule raises; the example runs with a crashing rule.
    return iter(())
