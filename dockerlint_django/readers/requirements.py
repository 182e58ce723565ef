"""pip requirements files, read the way pip reads them (``pip/_internal/req/req_file.py``).

Line handling follows pip: a physical line ending in ``\\`` joins the next (not when it is a
whole-line comment); ``#`` starts a comment at the start of a line or after whitespace only (so
``git+https://…#egg=name`` keeps its fragment); the line splits at the first word starting with
``-`` into the requirement and its options; a line that starts with an option is an options line
(``-r``/``-c`` nest, ``-e`` is an editable requirement, ``--index-url`` and friends are recorded).
As in pip, only the first ``-r`` (else ``-c``) of a line is followed, and ``-r`` inside a
constraints file includes requirements, not constraints.

``${VAR}`` is substituted by pip from the environment of the build, which a linter cannot know:
such a line is kept with ``known`` False (its name is still given when the variable is elsewhere,
``gunicorn==${VERSION}``), and an include through a variable is an unknown branch.

Names and extras are normalised per PEP 503. Names, specifiers and markers are parsed with
``packaging`` (imported on first use: it pulls in ``platform`` and friends).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Literal

from dockerlint_django._record import LazyPattern, record
from dockerlint_django.source import Mapped, SourceFile, Span

Reader = Callable[[str], SourceFile | None]
IncludeStatus = Literal["read", "unreadable", "cycle", "unknown", "remote", "limit"]

_COMMENT = LazyPattern(r"(^|\s+)#.*$")
_ENV_VAR = LazyPattern(r"\$\{[A-Z0-9_]+\}")
_NAME = LazyPattern(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_EGG = LazyPattern(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[([^\]]*)\])?")
_SCHEME = LazyPattern(r"^(?:[a-z][a-z0-9+.-]*)://|^(?:git|hg|svn|bzr)\+", re.IGNORECASE)
_ARCHIVE = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip")
# A requirement of a name, extras and plain version specifiers (`gunicorn[setproctitle]==23.0`),
# the common line: read here as packaging reads it, so that a file of them needs no packaging
# import (13 ms, with `platform` and friends). Anything else goes to packaging.
_SIMPLE = LazyPattern(
    r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*"
    r"(?:\[\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
    r"(?:\s*,\s*[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)*)?\s*\]\s*)?"
    r"((?:==|!=|>=|<=|~=|>|<)\s*[0-9]+(?:\.[0-9]+)*(?:\.\*)?"
    r"(?:\s*,\s*(?:==|!=|>=|<=|~=|>|<)\s*[0-9]+(?:\.[0-9]+)*(?:\.\*)?)*)?\s*"
)
_SPEC = LazyPattern(r"(==|!=|>=|<=|~=|>|<)\s*([0-9]+(?:\.[0-9]+)*)(\.\*)?")
_RELEASE = LazyPattern(r"^(?:\d+!)?(\d+(?:\.\d+)*)")
_MAX_FILES = 200  # diamond includes are re-read, as pip does; stop pathological trees

# Options that take a value, as pip's requirements-file parser defines them.
_VALUE_OPTIONS = {
    "-r": "requirement",
    "--requirement": "requirement",
    "-c": "constraint",
    "--constraint": "constraint",
    "-e": "editable",
    "--editable": "editable",
    "-i": "index-url",
    "--index-url": "index-url",
    "--extra-index-url": "extra-index-url",
    "-f": "find-links",
    "--find-links": "find-links",
    "--no-binary": "no-binary",
    "--only-binary": "only-binary",
    "--trusted-host": "trusted-host",
    "--use-feature": "use-feature",
    "--hash": "hash",
    "--global-option": "global-option",
    "--config-settings": "config-settings",
}
_FLAG_OPTIONS = {
    "--no-index": "no-index",
    "--prefer-binary": "prefer-binary",
    "--require-hashes": "require-hashes",
    "--pre": "pre",
}


def normalize_name(name: str) -> str:
    """PEP 503 normalised project name."""
    if "_" not in name and "." not in name and "--" not in name:
        return name.lower()  # most names: nothing to replace, found without the expression
    return _SEPARATORS.sub("-", name).lower()


_SEPARATORS = LazyPattern(r"[-_.]+")


@record
class Requirement:
    """One requirement line (or ``-e`` value).

    ``name`` None: not knowable (a local path, a URL without ``#egg=``, a ``${VAR}`` name).
    ``known`` False: something on the line is not knowable, so the package or its version may be
    other than shown. ``pinned`` is the version of an exact ``==``/``===`` pin (no wildcard).
    ``constraint``: from a ``-c`` file, which limits versions but installs nothing.
    """

    name: str | None
    extras: tuple[str, ...]
    specifier: str
    pinned: str | None
    markers: str | None
    path: str  # the file the line is in
    span: Span  # the requirement text in that file (options and comments excluded)
    line: int  # 1-based, the first physical line
    text: str  # the requirement text, continuation lines joined
    nested: bool = False  # reached through -r/-c
    constraint: bool = False
    editable: bool = False
    url: str | None = None
    name_span: Span | None = None
    known: bool = True


@record
class Include:
    """A ``-r``/``-c`` line and what became of it."""

    kind: Literal["requirement", "constraint"]
    target: str  # as written
    resolved: str | None  # the path handed to the reader (None: not a readable path)
    path: str  # the including file
    span: Span  # the target in the including file
    line: int
    status: IncludeStatus

    @property
    def unknown(self) -> bool:
        """The branch's contents are not known (a cycle is known: those lines were read)."""
        return self.status not in ("read", "cycle")


@record
class Option:
    """A global option line such as ``--index-url URL`` or ``--no-binary :all:``."""

    name: str  # canonical long name without dashes: "index-url"
    value: str | None
    path: str
    span: Span
    line: int


@record
class Problem:
    """A line pip would reject, or that this reader could not understand."""

    message: str
    path: str
    span: Span
    line: int


@record
class RequirementSet:
    requirements: tuple[Requirement, ...]
    includes: tuple[Include, ...] = ()
    options: tuple[Option, ...] = ()
    problems: tuple[Problem, ...] = ()
    files: tuple[str, ...] = ()  # paths read, the top file first

    @property
    def unknown_includes(self) -> tuple[Include, ...]:
        return tuple(i for i in self.includes if i.unknown)

    @property
    def complete(self) -> bool:
        """Every line of every included file is known: no unreadable or ``${VAR}`` include, no
        requirement whose name cannot be known (``-e .`` installs a project whose dependencies
        are elsewhere), no line this reader failed to understand."""
        return (
            not self.unknown_includes
            and all(r.name is not None and r.known for r in self.requirements)
            and not self.problems
        )

    def installs(self) -> Iterator[Requirement]:
        """Requirements that install something (constraints excluded)."""
        return (r for r in self.requirements if not r.constraint)

    def find(self, name: str) -> tuple[Requirement, ...]:
        wanted = normalize_name(name)
        return tuple(r for r in self.requirements if r.name == wanted)


def parse_requirements(source: SourceFile, read: Reader | None = None) -> RequirementSet:
    """Parse ``source`` and, through ``read``, the files it includes.

    ``read(path)`` gets the include's path joined to the including file's folder (``posixpath``,
    normalised; absolute targets as written) and returns the file, or None when it cannot be read.
    Without ``read`` every include is unreadable.
    """
    state = _State(read)
    state.file(source, nested=False, constraint=False, ancestors=())
    return RequirementSet(
        tuple(state.requirements),
        tuple(state.includes),
        tuple(state.options),
        tuple(state.problems),
        tuple(state.files),
    )


def pinned_version(reqs: RequirementSet, name: str) -> tuple[int, ...] | None:
    """The release tuple of the exact pin of ``name`` (``gunicorn[setproctitle]==26.0.0`` →
    ``(26, 0, 0)``), from requirements or from constraints on an installed package. None when
    unpinned, not installed, or pinned to different versions in different places."""
    entries = reqs.find(name)
    if not any(not r.constraint for r in entries):
        return None
    pins = {r.pinned for r in entries if r.pinned is not None}
    if len(pins) != 1:
        return None
    match = _RELEASE.match(pins.pop())
    if match is None:
        return None
    return tuple(int(part) for part in match.group(1).split("."))


def has_package(reqs: RequirementSet, name: str) -> bool:
    """Whether ``name`` is installed by a requirement, directly or as an extra named after it
    (``gunicorn[setproctitle]`` installs setproctitle). Check ``reqs.complete`` before taking
    False for an answer."""
    wanted = normalize_name(name)
    return any(r.name == wanted or wanted in r.extras for r in reqs.installs())


_DEV_WORDS = r"(?:dev|devel|develop|development|test|tests|testing|local|ci|lint|docs)"
_DEV_BASENAME = LazyPattern(
    rf"^(?:requirements[-_.]{_DEV_WORDS}|{_DEV_WORDS}[-_.]requirements)\.(?:txt|in)$",
    re.IGNORECASE,
)
_DEV_IN_FOLDER = LazyPattern(r"^(?:dev|test|local)[^/]*\.(?:txt|in)$", re.IGNORECASE)


def is_dev_requirements_path(path: str) -> bool:
    """``requirements_dev.txt``, ``requirements-dev.txt``, ``dev-requirements.txt``,
    ``requirements/dev*.txt``, ``requirements/local.txt``, ``requirements/test*.txt``… (also
    their ``.in`` sources)."""
    path = path.replace("\\", "/")
    base = posixpath.basename(path)
    if _DEV_BASENAME.match(base):
        return True
    folder = posixpath.basename(posixpath.dirname(path))
    return folder.lower() == "requirements" and bool(_DEV_IN_FOLDER.match(base))


# --------------------------------------------------------------------------------------------


@record
class _Line:
    text: Mapped
    line: int


class _State:
    def __init__(self, read: Reader | None) -> None:
        self.read = read
        self.requirements: list[Requirement] = []
        self.includes: list[Include] = []
        self.options: list[Option] = []
        self.problems: list[Problem] = []
        self.files: list[str] = []

    def file(
        self, source: SourceFile, *, nested: bool, constraint: bool, ancestors: tuple[str, ...]
    ) -> None:
        self.files.append(source.path)
        ancestors = (*ancestors, _key(source.path))
        for line in _logical_lines(source):
            self.line(source, line, nested, constraint, ancestors)

    def problem(self, message: str, source: SourceFile, span: Span, line: int) -> None:
        self.problems.append(Problem(message, source.path, span, line))

    def line(
        self,
        source: SourceFile,
        line: _Line,
        nested: bool,
        constraint: bool,
        ancestors: tuple[str, ...],
    ) -> None:
        text = line.text
        # pip splits on single spaces: the requirement is every word before the first "-…" word.
        words = text.text.split(" ")
        cut = next((i for i, w in enumerate(words) if w.startswith("-")), len(words))
        req_len = len(" ".join(words[:cut]))
        req_text = text[:req_len].strip()
        opts_text = text[req_len:].strip()
        if req_text.text:
            self.requirements.append(
                _requirement(req_text, source, line.line, nested, constraint, self)
            )
            return  # per-requirement options (--hash…) change nothing we report
        tokens = _tokens(opts_text)
        if tokens is None:
            self.problem("unbalanced quotes in options", source, opts_text.span(), line.line)
            return
        parsed = self._options(tokens, source, line)
        editable = next((v for k, v in parsed if k == "editable"), None)
        if editable is not None:
            self.requirements.append(
                _requirement(editable, source, line.line, nested, constraint, self, editable=True)
            )
            return
        first_req = next((v for k, v in parsed if k == "requirement"), None)
        first_con = next((v for k, v in parsed if k == "constraint"), None)
        if first_req is not None:
            self.include("requirement", first_req, source, line, nested, ancestors)
        elif first_con is not None:
            self.include("constraint", first_con, source, line, nested, ancestors)
        for key, value in parsed:
            if key not in ("requirement", "constraint", "editable"):
                shown = value.text if value is not None else None
                span = value.span() if value is not None else opts_text.span()
                self.options.append(Option(key, shown, source.path, span, line.line))

    def _options(
        self, tokens: list[Mapped], source: SourceFile, line: _Line
    ) -> list[tuple[str, Mapped | None]]:
        out: list[tuple[str, Mapped | None]] = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            word = tok.text
            i += 1
            if word in _FLAG_OPTIONS:
                out.append((_FLAG_OPTIONS[word], None))
                continue
            if word in _VALUE_OPTIONS:
                if i >= len(tokens):
                    self.problem(
                        f"{word} option requires an argument", source, tok.span(), line.line
                    )
                    break
                out.append((_VALUE_OPTIONS[word], tokens[i]))
                i += 1
                continue
            if word.startswith("--") and "=" in word:
                option, _, _ = word.partition("=")
                if option in _VALUE_OPTIONS:
                    out.append((_VALUE_OPTIONS[option], tok[len(option) + 1 :]))
                    continue
            elif not word.startswith("--") and len(word) > 2 and word[:2] in _VALUE_OPTIONS:
                out.append((_VALUE_OPTIONS[word[:2]], tok[2:]))  # -rfile.txt
                continue
            self.problem(f"unknown option {word!r}", source, tok.span(), line.line)
        return out

    def include(
        self,
        kind: Literal["requirement", "constraint"],
        target: Mapped,
        source: SourceFile,
        line: _Line,
        nested: bool,
        ancestors: tuple[str, ...],
    ) -> None:
        written = target.text
        span = target.span()
        resolved: str | None = None
        if _ENV_VAR.search(written):
            status: IncludeStatus = "unknown"
        elif _SCHEME.match(written) or written.startswith("file:"):
            status = "remote"  # fetched at build time (or a file: URL): not followed
        else:
            resolved = _join(source.path, written)
            if _key(resolved) in ancestors:
                status = "cycle"
            elif len(self.files) >= _MAX_FILES:
                status = "limit"
            else:
                nested_source = self.read(resolved) if self.read is not None else None
                status = "read" if nested_source is not None else "unreadable"
                if nested_source is not None:
                    self.includes.append(
                        Include(kind, written, resolved, source.path, span, line.line, status)
                    )
                    self.file(
                        nested_source,
                        nested=True,
                        constraint=kind == "constraint",
                        ancestors=ancestors,
                    )
                    return
        self.includes.append(Include(kind, written, resolved, source.path, span, line.line, status))


def _key(path: str) -> str:
    return posixpath.normpath(path.replace("\\", "/"))


def _join(including: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target)
    folder = posixpath.dirname(including.replace("\\", "/"))
    return (
        posixpath.normpath(posixpath.join(folder, target)) if folder else posixpath.normpath(target)
    )


def _physical_lines(source: SourceFile) -> Iterable[tuple[int, Mapped]]:
    starts = source.index.starts
    text = source.text
    for number, start in enumerate(starts, 1):
        end = starts[number] if number < len(starts) else len(text)
        body = text[start:end].rstrip("\r\n")
        if number == len(starts) and not body:
            break
        yield number, Mapped.from_source(body, start)


def _strip_backslashes(text: Mapped) -> Mapped:
    # pip does line.strip("\\"): both ends, every backslash.
    s = text.text
    i, j = 0, len(s)
    while i < j and s[i] == "\\":
        i += 1
    while j > i and s[j - 1] == "\\":
        j -= 1
    return text[i:j]


def _logical_lines(source: SourceFile) -> Iterator[_Line]:
    pending: list[Mapped] = []
    first = 0
    for number, text in _physical_lines(source):
        comment = _COMMENT.match(text.text) is not None
        if not text.text.endswith("\\") or comment:
            if comment:
                # pip prefixes " " so that the comment is recognised after joining.
                text = Mapped.join([Mapped(" ", [text.span().start], [text.span().start]), text])
            if pending:
                yield from _clean(Mapped.join([*pending, text]), first)
                pending = []
            else:
                yield from _clean(text, number)
        else:
            if not pending:
                first = number
            pending.append(_strip_backslashes(text))
    if pending:
        yield from _clean(Mapped.join(pending), first)


def _clean(text: Mapped, number: int) -> Iterator[_Line]:
    match = _COMMENT.search(text.text)
    if match is not None:
        text = text[: match.start()]
    text = text.strip()
    if text.text:
        yield _Line(text, number)


def _tokens(text: Mapped) -> list[Mapped] | None:
    """shlex words of an options line, each mapped back to the file where it can be found."""
    import shlex  # only a requirements file with options on a line pays for it

    try:
        words = shlex.split(text.text)
    except ValueError:
        return None
    out: list[Mapped] = []
    cursor = 0
    for word in words:
        at = text.find(word, cursor)
        if at < 0:  # quotes changed the word: point at the rest of the line
            out.append(
                Mapped(word, [text.span(cursor).start] * len(word), [text.span().end] * len(word))
            )
            continue
        out.append(text[at : at + len(word)])
        cursor = at + len(word)
    return out


def _requirement(
    text: Mapped,
    source: SourceFile,
    line: int,
    nested: bool,
    constraint: bool,
    state: _State,
    *,
    editable: bool = False,
) -> Requirement:
    s = text.text

    def build(
        name: str | None,
        extras: tuple[str, ...] = (),
        specifier: str = "",
        pinned: str | None = None,
        markers: str | None = None,
        url: str | None = None,
        name_span: Span | None = None,
        known: bool = True,
    ) -> Requirement:
        return Requirement(
            name, extras, specifier, pinned, markers, source.path, text.span(), line, s,
            nested, constraint, editable, url, name_span, known,
        )  # fmt: skip

    has_var = _ENV_VAR.search(s) is not None
    if _is_url_or_path(s):
        # pip: markers after a URL need "; " (a URL may contain ";"), after a path ";" will do.
        sep = "; " if _SCHEME.match(s) or s.startswith("file:") else ";"
        url, _, markers = s.partition(sep)
        url = url.strip()
        name, extras, name_span = _url_name(text, url)
        known = not has_var and name is not None
        return build(name, extras, "", None, markers.strip() or None, url, name_span, known)
    name_match = _NAME.match(s)
    name_span = text.span(0, name_match.end()) if name_match else None
    head = normalize_name(name_match.group()) if name_match else None
    if has_var:
        var_in_name = name_match is None or s[name_match.end() :].startswith(("$", "{", "}"))
        name = None if var_in_name or s.startswith("$") else head
        return build(name, name_span=name_span, known=False)
    simple = simple_requirement(s)
    if simple is not None:
        name, extras, specifier, pinned = simple
        return build(name, extras, specifier, pinned, name_span=name_span)
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Pep508

    try:
        parsed = Pep508(s)
    except InvalidRequirement as exc:
        state.problem(f"invalid requirement: {exc}", source, text.span(), line)
        return build(head, name_span=name_span, known=False)
    exact = [
        spec.version
        for spec in parsed.specifier
        if spec.operator in ("==", "===") and not spec.version.endswith(".*")
    ]
    return build(
        normalize_name(parsed.name),
        tuple(sorted(normalize_name(e) for e in parsed.extras)),
        str(parsed.specifier),
        exact[0] if len(set(exact)) == 1 else None,
        str(parsed.marker) if parsed.marker is not None else None,
        parsed.url,
        name_span,
    )


def simple_requirement(s: str) -> tuple[str, tuple[str, ...], str, str | None] | None:
    """(normalised name, normalised extras, specifier as packaging writes it, exact pin) of a
    name with extras and plain version specifiers; None for anything packaging has to read
    (markers, URLs, pre-releases, local versions, wildcards where packaging refuses them)."""
    match = _SIMPLE.fullmatch(s)
    if match is None:
        return None
    specs: set[str] = set()
    exact: set[str] = set()
    ops: set[str] = set()
    for op, version, star in _SPEC.findall(match.group(3) or ""):
        if op in ops:
            return None  # packaging merges equal versions (`==1.0,==1.0.0`) by their normal form
        ops.add(op)
        if star and op not in ("==", "!="):
            return None  # packaging: only == and != take a prefix match
        if op == "~=" and "." not in version:
            return None  # packaging: ~= needs two release segments
        specs.add(f"{op}{version}{star}")
        if op == "==" and not star:
            exact.add(version)
    # SpecifierSet's str: its specifiers, deduplicated and sorted, joined by commas.
    pinned = next(iter(exact)) if len(exact) == 1 else None
    # packaging keeps the extras as a set of the names written; they are normalised after.
    written = {e.strip() for e in match.group(2).split(",")} if match.group(2) else set()
    extras = tuple(sorted(normalize_name(e) for e in written))
    return normalize_name(match.group(1)), extras, ",".join(sorted(specs)), pinned


def _is_url_or_path(s: str) -> bool:
    if _SCHEME.match(s) or s.startswith("file:"):
        return True
    first = s.split(";", 1)[0].strip()
    if first in (".", "..") or first.startswith(("./", "../", "/", "~")):
        return True
    # "name @ url" is PEP 508; a bare word with a slash or an archive suffix is a local path.
    return "@" not in first and ("/" in first or first.lower().endswith(_ARCHIVE))


def _url_name(text: Mapped, url: str) -> tuple[str | None, tuple[str, ...], Span | None]:
    egg = _EGG.search(url)
    if egg is not None:
        extras = tuple(
            sorted(normalize_name(e.strip()) for e in (egg.group(2) or "").split(",") if e.strip())
        )
        at = text.text.find(egg.group(1))
        return normalize_name(egg.group(1)), extras, text.span(at, at + len(egg.group(1)))
    base = posixpath.basename(url.split("#", 1)[0].split("?", 1)[0].rstrip("/"))
    if base.lower().endswith(".whl"):
        # name-version(-build)?-python-abi-platform.whl: the name is exact.
        name = base.split("-", 1)[0]
        at = text.text.find(base)
        return normalize_name(name), (), text.span(at, at + len(name)) if at >= 0 else None
    return None, (), None


__all__ = [
    "Include",
    "Option",
    "Problem",
    "Reader",
    "Requirement",
    "RequirementSet",
    "has_package",
    "is_dev_requirements_path",
    "normalize_name",
    "parse_requirements",
    "pinned_version",
]
