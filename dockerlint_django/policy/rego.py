"""Rego policies (``policy-files:``), run in process by rego-cpp's interpreter (PyPI ``regopy``).

Each Dockerfile is offered two documents:

- ``input`` is Conftest's document for a Dockerfile, the same shape Conftest builds from
  BuildKit's parser: one object per instruction and per comment line above one, with ``Cmd``
  (lower case), ``SubCmd``, ``JSON``, ``Flags``, ``Value`` and ``Stage``. A Conftest policy
  (``package main``; ``deny``, ``violation`` and ``warn`` rules, each of which may carry a suffix
  such as ``deny_latest``) runs unchanged.
- ``data.dockerlint`` is what this tool knows of the image: its stages with their base images and
  users, the effective start command and the server it runs, Gunicorn's settings with the layer
  each comes from, and, when the image is checked as a Compose service runs it, the service's
  settings. Every fact names its ``file`` and ``line``, and ``instructions[i]`` gives the place of
  ``input[i]``, so a result can say where it is.

A result is a message string or an object with ``msg``. An object may place itself with
``instruction`` (an index into ``input``) or ``line`` (and ``file``, for a Compose file the
service's facts name); otherwise a finding points at the file's first instruction. ``deny`` and
``violation`` results are errors, ``warn`` results warnings.

Codes: a rule's code is the ``custom.id`` of its ``# METADATA`` annotation (rule-scoped, or the
package's), and ``REGO001`` otherwise, so a policy's findings can be selected, ignored and
suppressed by code like any rule's. The annotation's ``title`` is the rule's summary.

rego-cpp differs from OPA in ways a policy author may meet, and this module works around the
ones that touch results: it keeps strings in their escaped form internally and prints them
unescaped in its JSON output (so results are read through ``base64.encode`` and unescaped here);
it reads OPA v0's ``deny[msg] { … }`` as an object of messages (read as the set it is in v0);
and it prints errors to standard output (its log level is set to none, and the one check that
needs the text, when the configuration is loaded, reads it from a captured stream). It does not
accept an iteration (``xs[_]``) as a function's argument; ``some x in xs`` does the same.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockerlint_django._record import record
from dockerlint_django.policy.model import PolicyError
from dockerlint_django.rules._base import FixAvailability, Rule, RuleMeta, Severity
from dockerlint_django.source import SourceFile, Span

if TYPE_CHECKING:
    from dockerlint_django.analysis import Analysis
    from dockerlint_django.compose.model import Project, Value
    from dockerlint_django.compose.nodes import Origin
    from dockerlint_django.rules._base import Context, ServiceContext, Violation
    from dockerlint_django.service import ServiceView

DEFAULT_CODE = "REGO001"
DEFAULT_NAMESPACES = ("main",)
INSTALL_HINT = 'pip install "dockerlint-django[rego]"'
MAX_POLICY_BYTES = 1024 * 1024
MAX_POLICY_FILES = 200
# Conftest's rule names: deny, violation and warn, each with an optional `_suffix`.
RULE_HEAD = re.compile(
    r"^(deny|violation|warn)(_[A-Za-z0-9_]+)?\b(?=\s*(\[|contains\b|:?=|if\b|\{))", re.M
)
_PACKAGE = re.compile(r"^package\s+([A-Za-z_][A-Za-z0-9_.]*)", re.M)
_METADATA = re.compile(r"^#\s*METADATA\s*$", re.M)
_ANNOTATION_REACH = 64 * 1024  # characters above a rule that its METADATA block may take

# Results are read as base64 (see the module's docstring); everything else a result object
# carries that is not a string or a number is not needed to place or word a finding.
_HELPER = """package _dockerlint
import rego.v1

items(rs) := [r | r := rs[_]] if { not is_object(rs) }
items(rs) := [k | rs[k]] if { is_object(rs) }

enc(r) := {"msg": base64.encode(r)} if { is_string(r) }
enc(r) := {
  "msg": base64.encode(r.msg),
  "str": {k: base64.encode(v) | v := r[k]; is_string(v)},
  "num": {k: v | v := r[k]; is_number(v)},
} if {
  is_object(r)
  is_string(r.msg)
}

results(rs) := [enc(r) | some r in items(rs)]
"""


class RegoUnavailable(PolicyError):
    """``policy-files`` is set and regopy is not installed."""


class RegoRuntimeError(RuntimeError):
    """The interpreter could not evaluate the policies on one file."""


@record
class RegoRule:
    """One rule family of a policy file: ``deny_latest`` in package ``main``."""

    package: str
    name: str  # deny, violation or warn, with its suffix
    code: str
    title: str | None

    @property
    def severity(self) -> Severity:
        """Conftest's: a warn rule's results are warnings, deny and violation ones errors."""
        return Severity.WARNING if self.name.startswith("warn") else Severity.ERROR


@record
class PolicyFile:
    path: Path
    shown: str  # as the configuration names it, for messages
    text: str
    package: str
    rules: tuple[RegoRule, ...]


@record
class RegoPolicy:
    files: tuple[PolicyFile, ...]
    namespaces: tuple[str, ...]  # the packages evaluated over each Dockerfile
    compose_namespaces: tuple[str, ...] = ()  # and over each Compose project

    @functools.cached_property
    def helper(self) -> str:
        """The helper module's text for these families (``_helper``), made once."""
        return _helper(self)

    @functools.cached_property
    def families(self) -> tuple[RegoRule, ...]:
        """The rule families that are evaluated on either document, each once."""
        seen: dict[tuple[str, str], RegoRule] = {}
        for f in self.files:
            if f.package not in self.namespaces and f.package not in self.compose_namespaces:
                continue
            for r in f.rules:
                seen.setdefault((r.package, r.name), r)
        return tuple(seen.values())

    def families_of(self, document: str) -> tuple[RegoRule, ...]:
        """The families evaluated on a ``dockerfile`` or a ``compose`` document."""
        packages = self.namespaces if document == "dockerfile" else self.compose_namespaces
        return tuple(f for f in self.families if f.package in packages)


# Loading


def load(
    globs: Sequence[str],
    root: Path,
    namespaces: Sequence[str],
    compose_namespaces: Sequence[str] = (),
) -> RegoPolicy:
    """The policy files the globs name (relative to ``root``), read and compiled once.

    PolicyError names the file (and line) of anything that cannot be used."""
    regopy = _regopy()
    paths: list[tuple[Path, str]] = []
    for pattern in globs:
        base, relative = root, pattern
        if Path(pattern).is_absolute():
            base = Path(Path(pattern).anchor)
            relative = Path(pattern).relative_to(base).as_posix()
        found = sorted(p for p in base.glob(relative) if p.is_file()) if relative else []
        if not found:
            raise PolicyError(f"policy-files: {pattern!r} matches no file")
        for p in found:
            if all(p != q for q, _ in paths):
                shown = p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p)
                paths.append((p, shown))
    if len(paths) > MAX_POLICY_FILES:
        raise PolicyError(f"policy-files: {len(paths)} files, more than {MAX_POLICY_FILES}")
    files = tuple(_read(path, shown) for path, shown in paths)
    policy = RegoPolicy(files, tuple(namespaces), tuple(compose_namespaces))
    _compile(regopy, policy)
    return policy


def _regopy() -> Any:
    try:
        import regopy
    except ImportError:
        raise RegoUnavailable(
            f"policy-files: Rego policies need the Rego interpreter: {INSTALL_HINT}"
        ) from None
    return regopy


def _read(path: Path, shown: str) -> PolicyFile:
    from dockerlint_django.source import NotRegularFile, read_bounded

    try:
        text = read_bounded(path, MAX_POLICY_BYTES).decode("utf-8")
    except (OSError, NotRegularFile) as exc:
        raise PolicyError(f"policy-files: {shown}: cannot read: {exc}") from None
    except UnicodeDecodeError as exc:
        raise PolicyError(f"policy-files: {shown}: not valid UTF-8 (byte {exc.start})") from None
    m = _PACKAGE.search(text)
    if m is None:
        raise PolicyError(f"policy-files: {shown}: no package declaration")
    package = m.group(1)
    package_meta = _annotation_before(text, m.start(), shown)
    default = _custom_id(package_meta, shown, m.start(), text) or DEFAULT_CODE
    rules: dict[str, RegoRule] = {}
    for head in RULE_HEAD.finditer(text):
        name = head.group(1) + (head.group(2) or "")
        if name in rules:
            continue
        meta = _annotation_before(text, head.start(), shown)
        code = _custom_id(meta, shown, head.start(), text) or default
        title = meta.get("title") if isinstance(meta.get("title"), str) else None
        if title is None and isinstance(package_meta.get("title"), str):
            title = package_meta["title"]
        rules[name] = RegoRule(package, name, code, title)
    return PolicyFile(path, shown, text, package, tuple(rules.values()))


def _annotation_before(text: str, at: int, shown: str) -> Mapping[str, Any]:
    """The YAML of the ``# METADATA`` comment block that ends on the line above ``at``."""
    # Only the text just above: a file of many rules is not split once for each of them.
    lines = text[max(0, at - _ANNOTATION_REACH) : at].split("\n")[:-1]
    block: list[str] = []
    while lines and lines[-1].lstrip().startswith("#"):
        line = lines.pop().lstrip()[1:]
        if _METADATA.match("#" + line):
            break
        block.append(line[1:] if line.startswith(" ") else line)
    else:
        return {}
    import yaml

    try:
        value = yaml.safe_load("\n".join(reversed(block)))
    except yaml.YAMLError as exc:
        line_no = text.count("\n", 0, at) - len(block)
        raise PolicyError(f"policy-files: {shown}:{line_no}: METADATA is not YAML: {exc}") from None
    return value if isinstance(value, Mapping) else {}


def _custom_id(meta: Mapping[str, Any], shown: str, at: int, text: str) -> str | None:
    from dockerlint_django.rules import is_policy_id

    custom = meta.get("custom")
    ident = custom.get("id") if isinstance(custom, Mapping) else None
    if ident is None:
        return None
    if not isinstance(ident, str) or not is_policy_id(ident):
        line = text.count("\n", 0, at) + 1
        raise PolicyError(
            f"policy-files: {shown}:{line}: custom.id {ident!r}: expected capitals then digits, "
            "such as ORG001, not a DJ, DL or SC code"
        )
    return ident


def _helper(policy: RegoPolicy) -> str:
    """The helper module, with one rule that holds every family's results: rego-cpp compiles
    the modules again for each query, so a file is one query, not one per family."""
    lines = [_HELPER]
    number = {}
    for i, family in enumerate(policy.families):
        number[family] = i
        lines.append(f"default r{i} := []")
        lines.append(f"r{i} := results(data.{family.package}.{family.name})")
    for document in _DOCUMENTS:
        listed = ", ".join(f"r{number[f]}" for f in policy.families_of(document))
        lines.append(f"{document} := [{listed}]")
    return "\n".join(lines) + "\n"


_DOCUMENTS = ("dockerfile", "compose")


def _interpreter(regopy: Any, policy: RegoPolicy) -> Any:
    from regopy.rego_shared import LogLevel, rego_set_log_level

    rego = regopy.Interpreter()
    rego_set_log_level(rego._impl, LogLevel.NONE)
    rego.add_module("_dockerlint.rego", policy.helper)
    for f in policy.files:
        rego.add_module(f.shown, f.text)
    return rego


def _compile(regopy: Any, policy: RegoPolicy) -> None:
    """Every file parsed and every rule family evaluated once on an empty input, so that an
    error is the configuration's, naming the file and line, and not a crash on some file.

    rego-cpp aborts the process on some policies it cannot compile (a C++ exception it does not
    catch), so where the system can fork, the first evaluation runs in a child process."""
    if hasattr(os, "fork"):
        reader, writer = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: report and leave, never return into the caller's code
            code = 0
            try:
                os.close(reader)
                _compile_here(regopy, policy)
            except PolicyError as exc:
                os.write(writer, str(exc).encode("utf-8", "replace")[:8192])
                code = 1
            except BaseException:  # anything else is the parent's to find again
                code = 3
            os._exit(code)
        os.close(writer)
        with os.fdopen(reader, "rb") as pipe:
            message = pipe.read().decode("utf-8", "replace")
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            raise PolicyError(
                "policy-files: the Rego interpreter (rego-cpp) stopped with signal "
                f"{os.WTERMSIG(status)} while compiling " + ", ".join(f.shown for f in policy.files)
            )
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 1:
            raise PolicyError(message)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            return
    _compile_here(regopy, policy)


def _compile_here(regopy: Any, policy: RegoPolicy) -> None:
    from regopy.rego_shared import LogLevel, rego_set_log_level

    for f in policy.files:
        rego = regopy.Interpreter()
        rego_set_log_level(rego._impl, LogLevel.NONE)
        try:
            rego.add_module(f.shown, f.text)
        except regopy.RegoError as exc:
            raise PolicyError(f"policy-files: {_error_text(str(exc), policy)}") from None
    rego = _interpreter(regopy, policy)
    rego.set_input_term("[]")
    rego.add_data_json('{"dockerlint": {}}')
    for family in policy.families:
        # One family at a time, so that an error names the rule it is in.
        query = f"x := data._dockerlint.results(data.{family.package}.{family.name})"
        rego_set_log_level(rego._impl, LogLevel.ERROR)
        ok, printed = _captured(lambda q=query: _run(rego, q))  # type: ignore[misc]
        rego_set_log_level(rego._impl, LogLevel.NONE)
        if not ok:
            detail = _printed_error(printed) or "the interpreter could not evaluate it"
            raise PolicyError(f"policy-files: data.{family.package}.{family.name}: {detail}")


def _run(rego: Any, query: str) -> bool:
    from regopy.rego_shared import rego_free_output, rego_output_ok, rego_query

    out = rego_query(rego._impl, query)
    try:
        return bool(rego_output_ok(out))
    finally:
        rego_free_output(out)


def _captured(fn: Callable[[], bool]) -> tuple[bool, str]:
    """``fn()`` with the process's standard output (file descriptor 1) written to a file."""
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as tmp:
        try:
            os.dup2(tmp.fileno(), 1)
            result = fn()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        tmp.seek(0)
        return result, tmp.read(64 * 1024).decode("utf-8", "replace")


_PRINTED = re.compile(r"Errors:\s*\n(?P<msg>[^\n]+)\n--\s*(?P<where>[^\s]+:\d+:\d+)")


def _printed_error(text: str) -> str | None:
    m = _PRINTED.search(text)
    return None if m is None else f"{m.group('where')}: {m.group('msg').strip()}"


_SEXP_ERROR = re.compile(r"\(error (\d+):")


def _error_text(raw: str, policy: RegoPolicy) -> str:
    """``file:line:column: message`` from rego-cpp's error tree (length-prefixed strings)."""
    m = _SEXP_ERROR.search(raw)
    if m is None:
        return raw.strip().splitlines()[0] if raw.strip() else "the policy does not compile"
    n = int(m.group(1))
    name = raw[m.end() : m.end() + n]
    rest = raw[m.end() + n :]
    pos = re.match(r"\|(\d+)\|", rest)
    msg = re.search(r"\(errormsg (\d+):", rest)
    text = rest[msg.end() : msg.end() + int(msg.group(1))] if msg else "does not compile"
    where = name
    if pos is not None:
        source = next((f.text for f in policy.files if f.shown == name), None)
        if source is not None:
            offset = int(pos.group(1))
            line = source.count("\n", 0, offset) + 1
            column = offset - (source.rfind("\n", 0, offset) + 1) + 1
            where = f"{name}:{line}:{column}"
    return f"{where}: {text}"


# Rules


def rules(policy: RegoPolicy) -> tuple[Rule, ...]:
    """A rule for each code the policy's results may carry."""
    by_code: dict[str, list[RegoRule]] = {}
    for family in policy.families:
        by_code.setdefault(family.code, []).append(family)
    over_images = set(policy.families_of("dockerfile"))
    over_projects = set(policy.families_of("compose"))
    out = []
    for code, families in by_code.items():
        images = any(f in over_images for f in families)
        projects = any(f in over_projects for f in families)
        titles = [f.title for f in families if f.title]
        names = ", ".join(f"data.{f.package}.{f.name}" for f in families)
        summary = titles[0] if len(titles) == 1 else f"Rego policy ({names})"
        meta = RuleMeta(
            code=code,
            name=code.lower(),
            severity=Severity.ERROR,
            summary=summary,
            fix=FixAvailability.NONE,
            origin="policy",
            kind=(
                *(("dockerfile", "cross") if images else ()),
                *(("compose",) if projects else ()),
            ),
        )
        packages = {f.package for f in families}
        doc = (
            "## What it does\n"
            f"{summary}\n\n"
            f"Results of the Rego rules {names}, from "
            + ", ".join(f"`{f.shown}`" for f in policy.files if f.package in packages)
            + ".\n"
        )
        out.append(
            Rule(
                meta,
                _checker(policy, meta) if images else None,
                doc,
                f"rego:{code}",
                _project_checker(policy, meta) if projects else None,
            )
        )
    return tuple(out)


def _checker(policy: RegoPolicy, meta: RuleMeta) -> Callable[[Context], Iterator[Violation]]:
    def check(ctx: Context) -> Iterator[Violation]:
        for family, result in _results(policy, ctx.analysis):
            if family.code != meta.code:
                continue
            span = _place(ctx.analysis, result)
            yield meta.violation(span, result["msg"], severity=family.severity)

    return check


def _results(policy: RegoPolicy, analysis: Analysis) -> Sequence[tuple[RegoRule, dict[str, Any]]]:
    """The policy's results on one image, evaluated once for all its codes (``Analysis.memo``)."""
    key = f"rego:{id(policy)}"
    kept = analysis.memo.get(key)
    if kept is not None and kept[0] is policy:
        found: Sequence[tuple[RegoRule, dict[str, Any]]] = kept[1]
        return found
    found = evaluate(policy, conftest_input(analysis), facts(analysis))
    analysis.memo[key] = (policy, found)
    return found


def _project_checker(
    policy: RegoPolicy, meta: RuleMeta
) -> Callable[[ServiceContext], Iterator[Violation]]:
    """Over a Compose project, evaluated once for all its services and codes; each service's
    check reports the results that name it, and all report those that name no service (the
    engine keeps one finding a place)."""

    def check(ctx: ServiceContext) -> Iterator[Violation]:
        view = ctx.service
        for family, result in _project_results(policy, view.project):
            if family.code != meta.code:
                continue
            span = _compose_place(view, result)
            if span is None:
                continue  # another service's
            yield meta.violation(span, result["msg"], severity=family.severity)

    return check


# The last projects' results: each service of a project asks for them once a code. The project
# is kept with them, so that its id is not another's while they are here.
_PROJECTS: dict[tuple[int, int], tuple[Project, list[tuple[RegoRule, dict[str, Any]]]]] = {}
_PROJECTS_KEPT = 8


def _project_results(policy: RegoPolicy, project: Project) -> list[tuple[RegoRule, dict[str, Any]]]:
    key = (id(policy), id(project))
    kept = _PROJECTS.get(key)
    if kept is not None and kept[0] is project:
        return kept[1]
    found = evaluate(policy, compose_input(project), compose_facts(project), "compose")
    if len(_PROJECTS) >= _PROJECTS_KEPT:
        del _PROJECTS[next(iter(_PROJECTS))]
    _PROJECTS[key] = (project, found)
    return found


def evaluate(
    policy: RegoPolicy, document: Any, known: Mapping[str, Any], kind: str = "dockerfile"
) -> list[tuple[RegoRule, dict[str, Any]]]:
    """Each rule family's results on one input, decoded: ``msg`` and the result's other
    strings and numbers."""
    from regopy.rego_shared import (
        rego_free_output,
        rego_output_ok,
        rego_output_string,
        rego_query,
    )

    rego = _interpreter(_regopy(), policy)
    rego.add_data_json(json.dumps({"dockerlint": known}))
    rego.set_input_term(json.dumps(document))
    raw = rego_query(rego._impl, f"x := data._dockerlint.{kind}")
    try:
        if not rego_output_ok(raw):
            raise RegoRuntimeError("the Rego interpreter could not evaluate the policies")
        text = rego_output_string(raw)
    finally:
        rego_free_output(raw)
    value = json.loads(text) if text != "undefined" else {}
    families = value.get("bindings", {}).get("x", []) if isinstance(value, dict) else []
    out: list[tuple[RegoRule, dict[str, Any]]] = []
    for family, items in zip(policy.families_of(kind), families, strict=False):
        for item in items:
            result: dict[str, Any] = {"msg": _decode(item["msg"])}
            for key, b64 in item.get("str", {}).items():
                if key != "msg":
                    result[key] = _decode(b64)
            for key, number in item.get("num", {}).items():
                result[key] = number
            out.append((family, result))
    return out


_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _decode(b64: str) -> str:
    """A string as rego-cpp holds it (JSON escapes kept, some quotes raw), as its text."""
    raw = base64.b64decode(b64).decode("utf-8", "replace")
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c == "\\" and i + 1 < n:
            nxt = raw[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", raw[i + 2 : i + 6]):
                out.append(chr(int(raw[i + 2 : i + 6], 16)))
                i += 6
                continue
        out.append(c)
        i += 1
    text = "".join(out)
    with contextlib.suppress(UnicodeError):
        # A pair of \u escapes is one character outside the basic plane.
        text = text.encode("utf-16", "surrogatepass").decode("utf-16")
    return text


# Placing a result


def _place(analysis: Analysis, result: Mapping[str, Any]) -> Span:
    entries = _entries(analysis)  # found once an image, with the documents
    index = result.get("instruction")
    if isinstance(index, int) and 0 <= index < len(entries):
        return entries[index][1]
    line = result.get("line")
    if isinstance(line, int) and line >= 1:
        where = result.get("file")
        source = analysis.source
        if isinstance(where, str) and where != source.path:
            other = next((f for f in analysis.workspace.files if f.path == where), None)
            if other is not None and line <= other.index.line_count:
                return analysis.workspace.to_workspace(other, other.line_span(line))
        elif line <= source.index.line_count:
            for _, span, first, last in _instruction_lines(analysis):
                if first <= line <= last:
                    return span
            return source.line_span(line)
    parse = analysis.dockerfile.parse
    if parse.instructions:
        return parse.instructions[0].keyword_span
    return Span(0, 0)


def _instruction_lines(analysis: Analysis) -> Iterator[tuple[int, Span, int, int]]:
    for i, ins in enumerate(analysis.dockerfile.parse.instructions):
        yield i, ins.keyword_span, ins.start_line, ins.end_line


# The documents


def _entries(analysis: Analysis) -> list[tuple[dict[str, Any], Span, int]]:
    """Conftest's commands, each with the span a result about it points at and its line; read
    once an image (``Analysis.memo``) for the input, the facts and every result's place."""
    kept: list[tuple[dict[str, Any], Span, int]] | None = analysis.memo.get("rego:entries")
    if kept is None:
        kept = analysis.memo["rego:entries"] = _read_entries(analysis)
    return kept


def _read_entries(analysis: Analysis) -> list[tuple[dict[str, Any], Span, int]]:
    out: list[tuple[dict[str, Any], Span, int]] = []
    stage = -1
    for ins in analysis.dockerfile.parse.instructions:
        if ins.keyword == "FROM":
            stage += 1
        for comment in ins.comments:
            out.append(
                (
                    {
                        "Cmd": "comment",
                        "SubCmd": "",
                        "JSON": False,
                        "Flags": None,
                        "Value": [comment.text],
                        "Stage": max(stage, 0),
                    },
                    comment.span,
                    comment.line,
                )
            )
        body = ins.sub if ins.sub is not None else ins
        from dockerlint_django.dockerfile.parser import command_name

        value = list(body.value) or None
        out.append(
            (
                {
                    "Cmd": ins.keyword.lower(),
                    "SubCmd": command_name(ins.sub) if ins.sub is not None else "",
                    "JSON": body.json,
                    "Flags": [f.raw for f in ins.flags],
                    "Value": value,
                    "Stage": max(stage, 0),
                },
                ins.keyword_span,
                ins.start_line,
            )
        )
    return out


def conftest_input(analysis: Analysis) -> list[dict[str, Any]]:
    """The document Conftest gives a Dockerfile policy as ``input``."""
    return [entry for entry, _, _ in _entries(analysis)]


def facts(analysis: Analysis) -> dict[str, Any]:
    """``data.dockerlint``: the image as this tool reads it, each fact with its file and line."""

    def at(span: Span | None) -> dict[str, Any]:
        if span is None:
            return {"file": None, "line": None}
        source, local = analysis.workspace.locate(span)
        return {"file": source.path, "line": source.position(local.start).line}

    model = analysis.dockerfile
    final = model.final
    stages = []
    for stage in model.stages:
        user = analysis.user(stage)
        stages.append(
            {
                "index": stage.index,
                "name": stage.name,
                "base": stage.base,
                "final": stage is final,
                "user": user.value,
                "user_at": at(user.instruction.keyword_span if user.instruction else None),
                **at(stage.from_.keyword_span),
            }
        )
    out: dict[str, Any] = {
        "document": "dockerfile",
        "file": analysis.source.path,
        "instructions": [
            {"file": analysis.source.path, "line": line} for _, _, line in _entries(analysis)
        ],
        "stages": stages,
        "final_stage": None if final is None else final.index,
        "start": None,
        "gunicorn": None,
        "service": None,
    }
    if final is None:
        return out
    start = analysis.start(final)
    if start is not None:
        launch = start.launch
        out["start"] = {
            "argv": [w.value for w in start.argv],
            "server": launch.kind,
            "program": launch.program.value if launch.program is not None else None,
            "subcommand": launch.subcommand.value if launch.subcommand is not None else None,
            "args": [w.value for w in launch.args],
            **at(start.argv[0].span if start.argv else None),
        }
    settings = analysis.gunicorn(final) if start is not None else None
    if settings is not None:
        from dockerlint_django.gunicorn import CONFIG_ONLY_DEFAULTS, SETTINGS

        values = {}
        for name in (*SETTINGS, *CONFIG_ONLY_DEFAULTS):
            resolved = settings.get(name)
            value = resolved.value
            values[name] = {
                "value": list(value) if isinstance(value, tuple) else value,
                "layer": resolved.layer,
                "known": resolved.known,
                **at(resolved.span),
            }
        out["gunicorn"] = values
    runtime = analysis.runtime
    if runtime is not None:
        out["service"] = {
            "name": runtime.service,
            "command": _argv(runtime.command),
            "entrypoint": _argv(runtime.entrypoint),
            "user": runtime.user.value if runtime.user is not None else None,
            "user_at": at(runtime.user.key_span if runtime.user is not None else None),
            "environment": {k: v.value for k, v in runtime.environment.items()},
            **at(
                runtime.command.argv[0].span if runtime.command and runtime.command.argv else None
            ),
        }
    return out


def _argv(command: Any) -> list[str | None] | None:
    return None if command is None else [w.value for w in command.argv]


# A Compose project


def _compose_files(project: Project) -> list[SourceFile]:
    from dockerlint_django.discover import compose_sources

    return compose_sources(project.files)


def compose_input(project: Project) -> dict[str, Any]:
    """``input`` for a Compose project: the project as ``docker compose config --format json``
    prints it (files merged, variables interpolated, short forms written long)."""
    from dockerlint_django.compose.config_json import config_json

    return config_json(project)


def _origin_at(origin: Origin | None) -> dict[str, Any]:
    if origin is None:
        return {"file": None, "line": None}
    return {"file": origin.source.path, "line": origin.source.position(origin.span.start).line}


def compose_facts(project: Project) -> dict[str, Any]:
    """``data.dockerlint`` for a Compose project: where each service and each of its keys and
    published ports was written, with the values a policy most often asks about."""
    services: dict[str, Any] = {}
    for name, service in project.services.items():
        keys = {}
        for key_node, _ in service.node.items:
            keys[key_node.text()] = _origin_at(key_node.origin)
        services[name] = {
            "name": name,
            "active": service.active,
            "image": _known(service.image),
            "builds": service.build is not None,
            "user": _known(service.user),
            "command": _argv(service.command),
            "entrypoint": _argv(service.entrypoint),
            "ports": [
                {
                    "target": port.target,
                    "published": port.published,
                    "host_ip": port.host_ip,
                    "protocol": port.protocol,
                    **_origin_at(port.origin),
                }
                for port in service.ports
            ],
            "keys": keys,
            **_origin_at(service.origin),
        }
    return {
        "document": "compose",
        "project": project.name,
        "files": [f.path for f in _compose_files(project)],
        "services": services,
    }


def _known(value: Value | None) -> str | None:
    return value.value if value is not None and value.known else None


def _compose_place(view: ServiceView, result: Mapping[str, Any]) -> Span | None:
    """Where a project's result is reported: ``service`` names the service (reported by its own
    check, at its name unless ``line`` says where); ``file`` and ``line``, or ``line`` in the
    first Compose file, a line; otherwise the first Compose file's first line. None: it is
    another service's."""
    named = result.get("service")
    if isinstance(named, str) and named in view.project.services and named != view.name:
        return None
    files = _compose_files(view.project)
    line = result.get("line")
    if isinstance(line, int) and line >= 1:
        where = result.get("file")
        source: SourceFile | None
        if isinstance(where, str):
            # Every file the facts name (included and extended ones too) is one the project read.
            source = next((f for f in view.project.files if f.path == where), None)
        elif named == view.name and view.service.origin is not None:
            source = view.service.origin.source
        else:
            source = files[0] if files else None
        if source is not None and line <= source.index.line_count:
            return view.workspace.to_workspace(source, source.line_span(line))
    if named == view.name:
        return view.anchor
    if not files:
        return view.anchor
    return view.workspace.to_workspace(files[0], files[0].line_span(1))
