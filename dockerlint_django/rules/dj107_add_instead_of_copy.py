"""
## What it does
Checks for `ADD` used to copy plain local files and folders, where `COPY` does the same thing.

## Why is this bad?
The handbook: "Prefer the `COPY` instruction to the ADD instruction, as recommended." `ADD` also
fetches URLs, clones git repositories and unpacks local archives; using it for a plain copy hides
which of those a reader should expect, and a file that later gains an archive extension is
silently unpacked.

Like hadolint's DL3020, `ADD` is only reported when every source is a local path that is not a URL,
not a git source, and not an archive `ADD` would unpack (`.tar`, `.tar.gz`, `.tgz`, `.tar.bz2`,
`.tbz2`, `.tar.xz`, `.txz`, `.tar.zst`, and `.gz`, `.bz2`, `.xz`, `.zst`). Sources are read as
BuildKit reads them, quotes removed and variables replaced, so `ADD "https://…/app.tar.gz" /opt/`
is a URL like its unquoted spelling; a source whose value cannot be known is not reported.
`ADD` decides whether a local file is an archive by its content, not its name: when the build
context shows a source is a file that is not text and whose name gives no other format, it may be
a tar archive, and it is not reported either. Heredoc sources are not reported.

## Example
```dockerfile
FROM python:3.11
ADD requirements.txt /tmp/requirements.txt
```

## Use instead
```dockerfile
FROM python:3.11
COPY requirements.txt /tmp/requirements.txt
```

## Fix safety
`COPY` and `ADD` run the same copy for local sources: same files, ownership (`--chown`, default
root), permissions (`--chmod`), `--link` and `--exclude`, and the same variable expansion. The one
difference left is that `ADD` unpacks a source file that is a tar archive (plain, gzip, bzip2 or xz,
judged by its content), where `COPY` copies the archive. So the fix is:
- safe when no source can be an archive: a folder (`.`, a path ending in `/`, or a folder in the
  build context; `ADD` copies a folder's files as they are, archives inside included), a file the
  build context shows is text, a file whose name gives a format that is not tar (`requirements.txt`,
  `manage.py`, `nginx.conf`, `Pipfile`, `logo.png`, …), or a wildcard every match of which is one
  of those;
- unsafe otherwise (a name with no such extension, outside a build context that shows the file),
  since `COPY` would copy a tar archive `ADD` unpacks;
- not offered when `ADD` has a flag `COPY` does not share (`--checksum`, `--keep-git-dir`,
  `--unpack`, or one `ADD` does not know, such as `--from`, which fails the build as it is: `COPY`
  would make it build).

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [Docker best practices: ADD or COPY](https://docs.docker.com/build/building/best-practices/#add-or-copy)
- [Dockerfile reference: ADD, adding local tar archives](https://docs.docker.com/reference/dockerfile/#adding-local-tar-archives)
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterator, Mapping

from dockerlint_django._record import LazyPattern
from dockerlint_django.analysis import Analysis
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.expand import ExpansionError, expand_word
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ107",
    name="add-instead-of-copy",
    severity=Severity.WARNING,
    summary="Use COPY, not ADD, to copy local files and folders.",
    fix=FixAvailability.SOMETIMES,
    hadolint=("DL3020",),
)

_ARCHIVE = LazyPattern(
    r"\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|tzst|gz|bz2|xz|zst)$", re.I
)
_REMOTE = LazyPattern(r"^([a-z][a-z0-9+.-]*://|git@|github\.com/)", re.I)
# Flags ADD and COPY share, with the same meaning. Any other flag keeps ADD as it is.
_SHARED_FLAGS = frozenset({"chown", "chmod", "link", "exclude"})
# Extensions of text files, and of formats that are not tar archives: a file so named is not one.
_NOT_TAR_EXTENSIONS = frozenset(
    {
        "txt",
        "py",
        "pyi",
        "cfg",
        "conf",
        "ini",
        "toml",
        "yaml",
        "yml",
        "json",
        "lock",
        "md",
        "rst",
        "sh",
        "bash",
        "env",
        "sql",
        "html",
        "htm",
        "css",
        "scss",
        "js",
        "mjs",
        "cjs",
        "ts",
        "tsx",
        "jsx",
        "vue",
        "xml",
        "csv",
        "in",
        "j2",
        "jinja",
        "jinja2",
        "tmpl",
        "template",
        "tpl",
        "service",
        "properties",
        "po",
        "pem",
        "crt",
        "cer",
        "key",
        "svg",
        "map",
        "cnf",
        "pip",
        "rb",
        "php",
        "pl",
        "lua",
        "go",
        "c",
        "h",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "ico",
        "webp",
        "woff",
        "woff2",
        "ttf",
        "otf",
        "eot",
        "pdf",
        "mo",
        "whl",
        "zip",
        "jar",
        "war",
        "deb",
        "rpm",
    }
)
_TEXT_NAMES = frozenset(
    {"Pipfile", "Procfile", "Makefile", "Dockerfile", "Gemfile", "Caddyfile", "LICENSE", "README"}
)


def _expand(raw: str, variables: Mapping[str, str | None] | None, escape: str) -> str | None:
    """A source as BuildKit's ``ProcessWord`` reads it; None when its value cannot be known
    (an ONBUILD trigger is expanded in the build that uses the image)."""
    try:
        result = expand_word(raw, variables or {}, escape, undefined_is_unknown=variables is None)
    except ExpansionError:
        return None
    if result.value is None or result.unmatched:
        return None  # a name the Dockerfile does not define may come from the base image
    return result.value


def _adds(a: Analysis) -> Iterator[tuple[Instruction, Mapping[str, str | None] | None]]:
    for stage in a.dockerfile.stages:
        for ins, state in stage.steps():
            if ins.keyword == "ADD":
                yield ins, state.variables
            elif ins.keyword == "ONBUILD" and ins.sub is not None and ins.sub.keyword == "ADD":
                yield ins.sub, None


def _named_not_tar(name: str) -> bool:
    if name in _TEXT_NAMES:
        return True
    stem, ext = posixpath.splitext(name)
    if not ext and stem.startswith("."):
        ext = stem  # `.env`, `.npmrc`
    return ext[1:].lower() in _NOT_TAR_EXTENSIONS


def _is_folder(src: str) -> bool:
    return src in (".", "..", "/") or src.endswith(("/", "/.", "/.."))


def _may_be_archive(a: Analysis, src: str) -> bool | None:
    """Whether a local source may be a tar archive ``ADD`` unpacks: False when it cannot be,
    True when the build context shows a file that is not text, None when it cannot be told."""
    if _is_folder(src):
        return False
    if any(c in src for c in "*?["):
        folder, pattern = posixpath.split(src)
        if any(c in folder for c in "*?[") or "[" in pattern:
            return None
        names = a.context.list_dir(folder or ".")
        if names is None:
            return False if _pattern_named_not_tar(pattern) else None
        results = [
            _may_be_archive(a, posixpath.join(folder, n))
            for n in names
            if fnmatch.fnmatchcase(n, pattern)
        ]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False
    if a.context.list_dir(src) is not None:
        return False
    found = a.context.exists(src)
    if found is None or not found:
        # No build context (or not the one this Dockerfile is built with): the name decides.
        return False if _named_not_tar(posixpath.basename(src)) else None
    if _named_not_tar(posixpath.basename(src)):
        return False
    text = a.context.read(src)
    return text is None or "\x00" in text.text[:512]


def _pattern_named_not_tar(pattern: str) -> bool:
    """Every name the pattern matches has an extension that says it is not an archive."""
    ext = posixpath.splitext(pattern)[1]
    return bool(ext) and not any(c in ext for c in "*?[") and ext[1:].lower() in _NOT_TAR_EXTENSIONS


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    escape = a.dockerfile.escape
    for ins, variables in _adds(a):
        if ins.heredocs or len(ins.value) < 2:
            continue
        if any(s.startswith("<<") for s in ins.value[:-1]):
            continue  # a heredoc source (of an ONBUILD ADD, whose heredocs are the ONBUILD's)
        sources = [_expand(s, variables, escape) for s in ins.value[:-1]]
        if any(s is None or _REMOTE.match(s) or _ARCHIVE.search(s) for s in sources):
            continue
        local = [s for s in sources if s is not None]
        archives = [_may_be_archive(a, s) for s in local]
        if any(m is True for m in archives):
            continue
        fix = None
        if all(f.name in _SHARED_FLAGS for f in ins.flags):
            keyword = a.source.slice(ins.keyword_span)
            copy = "copy" if keyword.islower() else "COPY"
            safe = all(m is False for m in archives)
            fix = Fix(
                "Use COPY",
                (Edit.replace(ins.keyword_span, copy),),
                Applicability.SAFE if safe else Applicability.UNSAFE,
            )
        yield META.violation(
            ins.keyword_span,
            "ADD copies local files here; use COPY, which cannot fetch URLs or unpack archives",
            fix=fix,
        )
