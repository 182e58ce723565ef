"""
## What it does
Checks the tag of every `FROM python:<tag>` (in any stage): it should be the default image of a
minor version, `MAJOR.MINOR`, optionally with a Debian release (`3.11`, `3.11-bookworm`). A
`-slim` or `-alpine` variant is reported, and so is a tag that is not a minor version: `3`,
`latest` (also a `FROM python` without a tag), or a patch release such as `3.11.9`.

A tag taken from a build argument is judged by the argument's default (`ARG PYTHON_VERSION=3.11-slim`
then `FROM python:${PYTHON_VERSION}`). A tag that cannot be known (an argument without a default,
a cookiecutter placeholder such as `{{ cookiecutter.python_version }}`) is not reported, nor are
the Windows images (`windowsservercore`, `nanoserver`) and images copied from with
`COPY --from=python:…`, which take files from the image rather than run on it.

## Why is this bad?
The handbook: "For Python, use the default image, as recommended, of the minor version, to
ensure predictable behavior. Do not use the `-slim` or `-alpine` versions." The python image's
own documentation recommends the default image unless space is tight: the slim variant lacks the
compilers and headers that packages built from source need, and Alpine uses musl, so wheels built
for glibc do not install. A tag of a major version or `latest` moves to a new minor version of
Python without warning; a patch tag stops receiving security releases.

Docker's and Gunicorn's advice favours small images; this is the `ocp` profile's convention.

## Example
```dockerfile
FROM python:3.11-slim
```

## Use instead
```dockerfile
FROM python:3.11
```

## Fix safety
Unsafe: the fix rewrites the tag to `MAJOR.MINOR`, keeping a Debian release named in it
(`3.11-slim-bookworm` becomes `3.11-bookworm`). The image then has other OS packages, is larger,
and an Alpine image becomes a Debian one, so `apk` commands stop working. There is a fix only when
the FROM line spells the minor version itself: not for a tag from a build argument, a `latest` or
major-version tag, a pre-release, or a reference pinned by digest (the digest would still choose
the old image).

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [python image: image variants](https://hub.docker.com/_/python#image-variants)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django._record import LazyPattern
from dockerlint_django.dockerfile.model import Stage
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.source import Mapped

META = RuleMeta(
    code="DJ060",
    name="python-base-image-variant",
    severity=Severity.INFO,
    summary="FROM python: use the default image of a minor version (3.11), not slim/alpine.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    profile="ocp",
)

# Debian releases the python image is built on, past and present.
_CODENAMES = frozenset(
    {"wheezy", "jessie", "stretch", "buster", "bullseye", "bookworm", "trixie", "forky"}
)
_GOOD = LazyPattern(r"^(?P<minor>\d+\.\d+)(?:-(?P<codename>[a-z]+))?$")
# A tag naming a minor version: `3.11`, `3.11.9`, `3.11-slim-bookworm`, `3.12.1-alpine3.19`.
_VERSIONED = LazyPattern(r"^(?P<minor>\d+\.\d+)(?P<patch>\.\d+)?(?P<rest>-.*)?$")
_PRERELEASE = LazyPattern(r"^\d+\.\d+(?:\.\d+)?(?:a|b|rc)\d*")
# Where the official image is also published: (registry, repository).
_PYTHON = frozenset(
    {
        ("docker.io", "python"),
        ("public.ecr.aws", "docker/library/python"),
        ("mirror.gcr.io", "library/python"),
    }
)


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.analysis.dockerfile.stages:
        v = _stage(ctx, stage)
        if v is not None:
            yield v


def _stage(ctx: Context, stage: Stage) -> Violation | None:
    image = stage.image
    if image is None or (image.registry, image.repository) not in _PYTHON:
        return None
    ins = stage.from_
    if not ins.value_mapped:
        return None
    word = ins.value_mapped[0]
    written = ctx.analysis.source.slice(word.span())
    if "{{" in written or "{%" in written:
        return None  # a cookiecutter placeholder (parsed masked)
    tag = image.tag
    if tag == "":
        return None  # `python:$TAG` with no value for TAG: the reference is not known
    if tag is None:
        if image.digest is not None:
            return None  # pinned by digest: which release it is, is not in the reference
        tag_shown = "latest (no tag)"
        problem = "the latest release, which moves to a new Python version without warning"
    else:
        tag_shown = tag
        lowered = tag.lower()
        if "windowsservercore" in lowered or "nanoserver" in lowered:
            return None
        good = _GOOD.match(lowered)
        if good is not None and (good.group("codename") in (None, *_CODENAMES)):
            return None
        problem = _problem(lowered)
    literal = "$" not in word.text
    fix = _fix(word, image.digest) if literal else None
    where = "" if literal else f" (the tag comes from a build argument: {word.text})"
    return META.violation(
        word.span(),
        f"FROM python:{tag_shown}{where} is {problem}; the handbook uses the default image of "
        "the minor version (python:MAJOR.MINOR)",
        fix=fix,
    )


def _problem(tag: str) -> str:
    if "slim" in tag:
        return "the slim variant, which lacks the build tools packages built from source need"
    if "alpine" in tag:
        return "the Alpine variant (musl, not glibc: many wheels do not install)"
    m = _VERSIONED.match(tag)
    if m is not None and m.group("patch"):
        return "a patch release, which gets no security updates once the next one is out"
    if m is not None:
        return "not the default image of the minor version"
    if tag == "latest":
        return "the latest release, which moves to a new Python version without warning"
    return "not a minor version, so the Python version can change under it"


def _fix(word: Mapped, digest: str | None) -> Fix | None:
    if digest is not None:
        return None
    text = word.text
    colon = text.rfind(":")
    if colon < 0 or "/" in text[colon:]:
        return None
    tag = text[colon + 1 :]
    m = _VERSIONED.match(tag.lower())
    if m is None or _PRERELEASE.match(tag.lower()):
        return None
    rest = (m.group("rest") or "").lstrip("-").split("-")
    codename = next((p for p in rest if p in _CODENAMES), None)
    new = m.group("minor") + (f"-{codename}" if codename else "")
    if new == tag:
        return None
    return Fix(
        f"Use python:{new}", (Edit.replace(word[colon + 1 :].span(), new),), Applicability.UNSAFE
    )
