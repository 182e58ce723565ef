"""
## What it does
Reports a Dockerfile that BuildKit would not accept: a parse error (no instructions, an `ENV`
without a value, an unterminated heredoc, a JSON array of non-strings) or an instruction BuildKit
does not know.

## Why is this bad?
`docker build` stops at the first such line, so nothing after it is built. No other rule can check
a file that does not parse; the error is reported at its line and the other files are still checked.

A file that BuildKit's parser rejects makes `dockerlint-django check` exit with code 2, like any
other input it cannot read. An unknown instruction parses, and fails only when built: it is an
ordinary error-level finding.

## Example
```dockerfile
FROM python:3.11
ENV DJANGO_ENV
```

## Use instead
```dockerfile
FROM python:3.11
ENV DJANGO_ENV=production
```

## Fix safety
No fix: what the author meant cannot be known.
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.rules._base import Context, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ900",
    name="parse-error",
    severity=Severity.ERROR,
    summary="The Dockerfile does not parse the way BuildKit requires.",
    origin="meta",
)


def check(ctx: Context) -> Iterator[Violation]:
    # Produced by the engine, which sees parse errors before any model exists.
    return iter(())
