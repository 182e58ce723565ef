"""
## What it does
Checks that the `AS` keyword of a `FROM … AS name` line has the same case as `FROM`.

## Why is this bad?
BuildKit warns about it (its `FromAsCasing` build check: "The 'as' keyword should match the case of
the 'from' keyword"), so a mixed-case line adds a warning to every build log. The handbook fixed
exactly this in its template ("Fix Docker lettercase warning", which changed `as` to `AS`).

Like BuildKit, this only applies when the `FROM` keyword is all upper or all lower case.

## Example
```dockerfile
FROM python:3.11 as build-stage
RUN pip install --no-cache-dir -r /tmp/requirements.txt
```

## Use instead
```dockerfile
FROM python:3.11 AS build-stage
RUN pip install --no-cache-dir -r /tmp/requirements.txt
```

## Fix safety
Safe: Docker reads the `AS` keyword without regard to case (BuildKit and the classic builder
compare it case-insensitively), and the fix only rewrites that word's letters. The stage name, the
image and every other word stay as written; the build differs only in the warning it no longer
prints (or, under `# check=error=true`, in no longer failing on it).

## References
- [BuildKit build checks: FromAsCasing](https://docs.docker.com/reference/build-checks/from-as-casing/)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ108",
    name="from-as-casing",
    severity=Severity.INFO,
    summary="The AS keyword of FROM … AS should match the case of FROM.",
    fix=FixAvailability.ALWAYS,
    origin="handbook",
    buildkit=("FromAsCasing",),
)


def check(ctx: Context) -> Iterator[Violation]:
    df = ctx.analysis.dockerfile
    for stage in df.stages:
        ins = stage.from_
        if len(ins.value) < 3 or ins.value[1].lower() != "as":
            continue
        keyword = ctx.analysis.source.slice(ins.keyword_span)
        as_word = ins.value_mapped[1]
        if keyword.isupper():
            wanted = "AS"
        elif keyword.islower():
            wanted = "as"
        else:
            continue
        if as_word.text == wanted:
            continue
        fix = Fix(f"Write '{wanted}'", (Edit.replace(as_word.span(), wanted),), Applicability.SAFE)
        yield META.violation(
            as_word.span(),
            f"'{as_word.text}' does not match the case of '{keyword}'; write '{wanted}'",
            fix=fix,
        )
