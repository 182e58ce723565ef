"""What a policy entry can check, one kind each: its keys, how they are read, and the check.

Every check reads the model the rules read and follows their rule for what cannot be known: a
value that cannot be known is never reported, but a variable that cannot supply what is
missing does not make a case unknown.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dockerlint_django._record import LazyPattern, record
from dockerlint_django.analysis import basename
from dockerlint_django.dockerfile.images import ImageRef, parse_image_ref
from dockerlint_django.dockerfile.model import Stage, State, expand_in
from dockerlint_django.policy.model import Entry, PolicyError
from dockerlint_django.readers.requirements import normalize_name
from dockerlint_django.rules._base import Grouped
from dockerlint_django.shell.commands import APT_TOOLS, apt, pip_install
from dockerlint_django.source import Span

if TYPE_CHECKING:
    from dockerlint_django.compose.nodes import Node
    from dockerlint_django.dockerfile.ast import Instruction
    from dockerlint_django.rules._base import (
        CheckFn,
        Context,
        RuleMeta,
        ServiceCheckFn,
        ServiceContext,
        Violation,
    )
    from dockerlint_django.shell.syntax import SimpleCommand, Word


class Globs:
    """A list of fnmatch globs (case-sensitive, ``*`` matching ``/`` too), matched as
    ``fnmatch.fnmatchcase`` does, by one regular expression for the list: a name is tested
    once, not once a glob, which is what an entry costs on every image. The expression is
    compiled when the entry first matches, so that a policy's unused entries cost nothing."""

    __slots__ = ("_match", "globs")

    def __init__(self, globs: Sequence[str]) -> None:
        self.globs = tuple(globs)
        self._match: Callable[[str], re.Match[str] | None] | None = None

    def __bool__(self) -> bool:
        return bool(self.globs)

    @property
    def matcher(self) -> Callable[[str], re.Match[str] | None]:
        """The compiled expression's ``match``: a match object (true) when a glob matches."""
        if self._match is None:
            if not self.globs:
                self._match = re.compile(r"(?!)").match
            else:
                either = "|".join(f"(?:{fnmatch.translate(g)})" for g in self.globs)
                self._match = re.compile(either).match
        return self._match

    def match(self, name: str) -> bool:
        return self.matcher(name) is not None

    def first(self, names: Iterable[str]) -> str | None:
        """The first glob, in the order written, that one of ``names`` matches."""
        match = self.matcher
        hit = [n for n in names if match(n)]
        if not hit:
            return None
        return next(g for g in self.globs if any(fnmatch.fnmatchcase(n, g) for n in hit))


def _error(key: str, message: str) -> Exception:
    return PolicyError(f"{key}: {message}")


# Keys


def _strings(params: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = params.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _error(key, "expected a list of strings")
    return tuple(value)


def _flag(params: Mapping[str, Any], key: str) -> bool:
    value = params.get(key, False)
    if not isinstance(value, bool):
        raise _error(key, "expected true or false")
    return value


def _patterns(params: Mapping[str, Any], key: str) -> dict[str, re.Pattern[str]]:
    value = params.get(key, {})
    if not isinstance(value, Mapping):
        raise _error(key, "expected a mapping of name to regular expression")
    out = {}
    for name, pattern in value.items():
        if not isinstance(pattern, str):
            raise _error(f"{key}.{name}", "expected a regular expression")
        try:
            out[str(name)] = re.compile(pattern)
        except re.error as exc:
            raise _error(f"{key}.{name}", f"not a regular expression: {exc}") from None
    return out


def _never(params: Mapping[str, Any]) -> bool:
    return False


# An entry's (image check, service check, its place in the group check of an image).
Bound = tuple["CheckFn | None", "ServiceCheckFn | None", "Grouped | None"]


# An entry as its kind's check reads it: parameters, the rule it reports as, its message.
Member = tuple[Mapping[str, Any], "RuleMeta", str]
# A kind's check of an image for all the policy's entries of the kind: each one's violations.
GroupCheck = Callable[["Context", Sequence[Member]], list[list["Violation"]]]


@record
class Kind:
    keys: frozenset[str]
    parse: Callable[[Mapping[str, Any]], Mapping[str, Any]]
    # The entries of the kind in a policy, each with its meta -> each one's (image check,
    # service check, group place), in the same order. Image kinds are bound together instead
    # (``bind_images``), through ``check``.
    bind: Callable[[Sequence[tuple[Entry, RuleMeta]]], list[Bound]] | None = None
    reads: tuple[str, ...] = ("dockerfile",)
    # Whether an entry (its parsed parameters) reads every stage alike, whatever the build
    # targets: its findings on another target of the file are the file's own again.
    every_stage: Callable[[Mapping[str, Any]], bool] = _never
    # An image kind's check of an image for all the policy's entries of the kind.
    check: GroupCheck | None = None


def _always(params: Mapping[str, Any]) -> bool:
    return True


def _unless_required(params: Mapping[str, Any]) -> bool:
    return not params["required"]  # what is required is required of the image built


def _image_kind(
    keys: Sequence[str],
    parse: Callable[[Mapping[str, Any]], Mapping[str, Any]],
    check: GroupCheck,
    every_stage: Callable[[Mapping[str, Any]], bool] = _never,
) -> Kind:
    return Kind(frozenset(keys), parse, every_stage=every_stage, check=check)


def bind_images(entries: Sequence[tuple[Entry, RuleMeta]]) -> list[Bound]:
    """The entries of every image kind as one group: one call an image checks all of them, each
    kind once for all its entries, so that what they read of the image is looked up once, not
    once an entry (thirty entries are thirty rules on every image). The engine makes that call
    itself (``Rule.group``); each entry's ``run`` serves the other callers."""
    by_kind: dict[str, list[int]] = {}
    for at, (entry, _) in enumerate(entries):
        by_kind.setdefault(entry.kind, []).append(at)
    # The group's result lists each kind's entries together, kind after kind, as its checks
    # return them: an entry's place in it is not its place in ``entries``.
    plan: list[tuple[GroupCheck, _Members]] = []
    place = [0] * len(entries)
    offset = 0
    for kind, ats in by_kind.items():
        check = KINDS[kind].check
        assert check is not None, kind
        for i, at in enumerate(ats):
            place[at] = offset + i
        offset += len(ats)
        members = _Members(
            (entries[at][0].params, entries[at][1], entries[at][0].message) for at in ats
        )
        plan.append((check, members))
    # The group's result on an analysis, kept with it for the other callers.
    key = f"policy:images:{id(plan)}"

    def group(ctx: Context) -> list[list[Violation] | Exception]:
        memo = ctx.analysis.memo
        found: list[list[Violation] | Exception] | None = memo.get(key)
        if found is None:
            found = memo[key] = []
            for check, members in plan:
                try:
                    found += check(ctx, members)
                except Exception as exc:  # a kind's bug: reported for its entries (DJ902) alone
                    found += [exc] * len(members)
        return found

    def for_entry(i: int) -> CheckFn:
        def run(ctx: Context) -> Iterator[Violation]:
            found = group(ctx)[i]
            if isinstance(found, Exception):
                raise found
            return iter(found)

        return run

    return [(for_entry(i), None, Grouped(group, i)) for i in place]


class _Members(list[Member]):
    """A group's members, with what its check works out from them alone (``_plan``): the same
    on every image."""

    __slots__ = ("plans",)

    def __init__(self, members: Iterable[Member]) -> None:
        super().__init__(members)
        self.plans: dict[Callable[..., Any], Any] = {}


def _plan(members: Sequence[Member], make: Callable[[Sequence[Member]], Any]) -> Any:
    if not isinstance(members, _Members):
        return make(members)
    found = members.plans.get(make, _ABSENT)
    if found is _ABSENT:
        found = members.plans[make] = make(members)
    return found


def _none(members: Sequence[Member]) -> list[list[Violation]]:
    return [[] for _ in members]


def _shared(ctx: Context, key: str, compute: Callable[[Context], Any]) -> Any:
    """What depends on the stages alone (every stage's images, commands, packages, instructions
    and ARGs), found once for the file's targets too (``StageIndex.memo``, under ``policy:``
    keys), which share them: ``compute(ctx)``."""
    memo = ctx.analysis.index.memo
    found = memo.get(key, _ABSENT)
    if found is _ABSENT:
        found = memo[key] = compute(ctx)
    return found


# Not None: what a memo holds may be None.
_ABSENT = object()


def _final_chain(ctx: Context) -> list[Stage]:
    """The stages of the image built, oldest first: asked by most entries of every image, found
    once an image (``Analysis.memo``)."""
    memo = ctx.analysis.memo
    found: list[Stage] | None = memo.get("policy:chain")
    if found is None:
        final = ctx.analysis.dockerfile.final
        found = memo["policy:chain"] = [] if final is None else final.chain
    return found


def _keyword_index(ctx: Context) -> _KeywordIndex:
    """Every stage's instructions by keyword (``_by_keyword``), found once a file."""
    index: _KeywordIndex = _shared(ctx, "policy:keywords", _by_keyword)
    return index


def _keyword_steps(
    ctx: Context, stages: Sequence[Stage], keyword: str
) -> Iterator[tuple[Instruction, State]]:
    """The stages' instructions of one keyword, in order, from the file's index (``_by_keyword``)
    rather than a walk of every instruction."""
    found = _keyword_index(ctx).get(keyword, ())
    if len(stages) == len(ctx.analysis.dockerfile.stages):
        # Every stage (an ARG entry; the one stage of most files): nothing to leave out.
        for _, ins, state in found:
            yield ins, state
        return
    wanted = {stage.index for stage in stages}
    for at, ins, state in found:
        if at in wanted:
            yield ins, state


# base-image


def _parse_base_image(params: Mapping[str, Any]) -> Mapping[str, Any]:
    return {
        "allow": Globs(_strings(params, "allow")),
        "deny": Globs(_strings(params, "deny")),
        "require-digest": _flag(params, "require-digest"),
        "forbid-latest": _flag(params, "forbid-latest"),
    }


def _names(ref: ImageRef) -> set[str]:
    """The spellings of a reference a glob may be written against: as written, short
    (`python:3.12`) and in full (`docker.io/library/python:3.12`)."""
    repository = ref.repository
    if ref.registry == "docker.io" and "/" not in repository:
        repository = f"library/{repository}"
    full = f"{ref.registry}/{repository}"
    out = {ref.raw, ref.name, full}
    if ref.tag is not None:
        out |= {f"{ref.name}:{ref.tag}", f"{full}:{ref.tag}"}
    if ref.digest is not None:
        out |= {f"{ref.name}@{ref.digest}", f"{full}@{ref.digest}"}
    return out


def _images(ctx: Context) -> Iterator[tuple[ImageRef, Span, str]]:
    """Every image the build pulls: FROM, COPY --from and RUN --mount=from, stages left out."""
    df = ctx.analysis.dockerfile
    for stage in df.stages:
        if stage.parent is None and stage.image is not None:
            yield stage.image, stage.image_span, "FROM"
    # Reports are sorted by place, so the order the images are found in does not show.
    for ins, state in _keyword_index(ctx).flagged:
        for flag in ins.flags:
            value: str | None = None
            span = flag.value_span
            if ins.keyword in ("COPY", "ADD") and flag.name == "from":
                value = flag.value
            elif ins.keyword == "RUN" and flag.name == "mount" and flag.value and span:
                at = 0
                for part in flag.value.split(","):
                    key, eq, val = part.partition("=")
                    if key == "from" and eq:
                        # The value alone, inside `type=bind,from=<image>,…`.
                        start = span.start + at + len("from=")
                        value, span = val, Span(start, start + len(val))
                        break
                    at += len(part) + 1
            if value is None or span is None:
                continue
            expanded = expand_in(state, value, df.escape)
            if expanded is None or df.stage_ref(expanded) is not None:
                continue
            ref = parse_image_ref(expanded)
            if ref is not None:
                yield ref, span, f"{ins.keyword} --{flag.name}"


def _image_list(ctx: Context) -> list[tuple[ImageRef, Span, str]]:
    return list(_images(ctx))


def _check_base_image(ctx: Context, members: Sequence[Member]) -> list[list[Violation]]:
    out = _none(members)
    images: list[tuple[ImageRef, Span, str]] = _shared(ctx, "policy:images", _image_list)
    if not images:
        return out
    verdicts: dict[ImageRef, tuple[str | None, ...]] = _plan(members, _new_verdicts)
    for ref, span, where in images:
        verdict = verdicts.get(ref)
        if verdict is None:
            if len(verdicts) >= _MAX_VERDICTS:
                verdicts.clear()  # a scan of many repositories: a bounded memo, not a leak
            verdict = verdicts[ref] = _verdicts(ref, members)
        for found, why, (_, meta, message) in zip(out, verdict, members, strict=True):
            if why is not None:
                found.append(meta.violation(span, f"{message}: {where} {ref.raw}{why}"))
    return out


# Images are few and repeat across a repository's files (``python:3.12-slim`` in most of
# them): each entry's verdict on one is worked out once, and kept for the next file.
_MAX_VERDICTS = 4096


def _new_verdicts(members: Sequence[Member]) -> dict[ImageRef, tuple[str | None, ...]]:
    return {}


def _verdicts(ref: ImageRef, members: Sequence[Member]) -> tuple[str | None, ...]:
    """What each entry says of an image: the end of its finding's message, None if nothing."""
    names = _names(ref)
    out: list[str | None] = []
    for params, _, _ in members:
        allow, deny = params["allow"], params["deny"]
        denied = deny.first(names) if deny.globs else None
        if denied is not None:
            out.append(f" matches {denied}")
        elif allow.globs and not any(map(allow.matcher, names)):
            out.append(f" is not among {list(allow.globs)}")
        elif params["require-digest"] and ref.digest is None:
            out.append(" is not pinned by digest")
        elif params["forbid-latest"] and ref.digest is None and ref.tag in (None, "latest"):
            out.append(f" has {'no tag' if ref.tag is None else 'the latest tag'}")
        else:
            out.append(None)
    return tuple(out)


# label

# The OCI image-spec's pre-defined annotations a published image is most often asked for.
OCI_LABELS = tuple(
    f"org.opencontainers.image.{k}"
    for k in ("source", "revision", "version", "created", "title", "description", "licenses")
)


def _parse_label(params: Mapping[str, Any]) -> Mapping[str, Any]:
    required: list[str] = []
    for name in _strings(params, "required"):
        required.extend(OCI_LABELS if name == "oci" else (name,))
    return {"required": tuple(dict.fromkeys(required)), "patterns": _patterns(params, "patterns")}


def _labels(
    ctx: Context, stages: Sequence[Stage]
) -> tuple[dict[str, tuple[Instruction, State, int]], bool]:
    """The labels the stages set (last wins), each with the LABEL, its state and the index of
    the value's word (expanded only when an entry reads it); and whether every key is known."""
    escape = ctx.analysis.dockerfile.escape
    out: dict[str, tuple[Instruction, State, int]] = {}
    known = True
    for ins, state in _keyword_steps(ctx, stages, "LABEL"):
        for i in range(0, len(ins.value) - 1, 2):
            key = expand_in(state, ins.value[i], escape)
            if key is None:
                known = False
                continue
            out[key] = (ins, state, i + 1)
    return out, known


def _check_label(ctx: Context, members: Sequence[Member]) -> list[list[Violation]]:
    out = _none(members)
    chain = _final_chain(ctx)
    if not chain:
        return out
    labels, known = _labels(ctx, chain)
    escape = ctx.analysis.dockerfile.escape
    for found, (params, meta, message) in zip(out, members, strict=True):
        missing = [name for name in params["required"] if name not in labels]
        if missing and known:
            found.append(
                meta.violation(
                    chain[-1].image_span,
                    f"{message}: the image sets no label {', '.join(missing)}",
                )
            )
        for name, pattern in params["patterns"].items():
            if name in labels:
                ins, state, i = labels[name]
                value = expand_in(state, ins.value[i], escape)
                if value is not None and not pattern.fullmatch(value):
                    found.append(
                        meta.violation(
                            ins.value_mapped[i].span(),
                            f"{message}: label {name}={value} does not match {pattern.pattern}",
                        )
                    )
    return out


# env and arg


def _parse_variables(params: Mapping[str, Any]) -> Mapping[str, Any]:
    return {
        "required": _strings(params, "required"),
        "forbidden": Globs(_strings(params, "forbidden")),
        "patterns": _patterns(params, "patterns"),
    }


class _Var:
    """One ENV or ARG name; its value and places are worked out only when an entry needs them
    (most entries look at names alone, and most names are not what an entry asks about)."""

    __slots__ = ("_read", "at", "ins", "name", "state")

    def __init__(self, name: str, ins: Instruction, at: int, state: State | None) -> None:
        self.name = name
        self.ins = ins
        self.at = at  # the ENV's name word, or the ARG's word
        self.state = state  # None: a global ARG, whose default is read as written
        self._read: tuple[str | None, Span, Span | None] | None = None

    def read(self, escape: str) -> tuple[str | None, Span, Span | None]:
        """(value, name span, value span); value None when it cannot be known."""
        if self._read is None:
            self._read = self._env(escape) if self.ins.keyword == "ENV" else self._arg(escape)
        return self._read

    def _env(self, escape: str) -> tuple[str | None, Span, Span | None]:
        ins, i = self.ins, self.at
        assert self.state is not None
        value = expand_in(self.state, ins.value[i + 1], escape)
        return value, ins.value_mapped[i].span(), ins.value_mapped[i + 1].span()

    def _arg(self, escape: str) -> tuple[str | None, Span, Span | None]:
        word, span = self.ins.value[self.at], self.ins.value_mapped[self.at].span()
        _, eq, default = word.partition("=")
        if not eq:
            value = None
        elif self.state is None:
            value = _global_default(default)
        else:
            value = expand_in(self.state, default, escape)
        return value, Span(span.start, span.start + len(self.name)), span if eq else None


def _assignments(
    ctx: Context, stages: Sequence[Stage], keyword: str
) -> Iterator[tuple[str, Instruction, int, State | None]]:
    """Every ENV or ARG of the stages, in order, global ARGs first: (name, the instruction, the
    index of the name's word, the state; None for a global ARG, whose default is read as
    written). Names are what most entries read; a _Var is made only for what one reports."""
    if keyword == "ARG":
        for ins in _global_args(ctx):
            for i, word in enumerate(ins.value):
                yield word.partition("=")[0], ins, i, None
    for ins, state in _keyword_steps(ctx, stages, keyword):
        words = ins.value
        if keyword == "ENV":
            for i in range(0, len(words) - 1, 2):
                yield words[i], ins, i, state
        else:
            for i, word in enumerate(words):
                yield word.partition("=")[0], ins, i, state


def _global_default(default: str) -> str | None:
    """A global ARG's default as written; unknown when it expands."""
    if "$" in default or "\\" in default:
        return None
    if len(default) >= 2 and default[0] == default[-1] in "\"'":
        return default[1:-1]
    return default


def _global_args(ctx: Context) -> Iterator[Instruction]:
    """The ARGs before the first FROM."""
    for ins in ctx.analysis.dockerfile.parse.instructions:
        if ins.keyword == "FROM":
            return
        if ins.keyword == "ARG":
            yield ins


def _variables_check(keyword: str) -> GroupCheck:
    def check(ctx: Context, members: Sequence[Member]) -> list[list[Violation]]:
        out = _none(members)
        df = ctx.analysis.dockerfile
        escape = df.escape
        chain = _final_chain(ctx)
        # ENV is the final image's; an ARG of any stage is what the build is given.
        stages = chain if keyword == "ENV" else df.stages

        def collect(ctx: Context) -> dict[str, tuple[Instruction, int, State | None]]:
            # The last assignment of each name.
            return {name: (ins, i, st) for name, ins, i, st in _assignments(ctx, stages, keyword)}

        # ARGs are every stage's, the same for the file's other targets.
        last = _shared(ctx, "policy:ARG", collect) if keyword == "ARG" else collect(ctx)
        inherited = chain[-1].final_state.env if chain and keyword == "ENV" else {}
        for found, (params, meta, message) in zip(out, members, strict=True):
            forbidden = params["forbidden"]
            if forbidden.globs and any(map(forbidden.matcher, last)):
                for name, ins, i, state in _assignments(ctx, stages, keyword):
                    bad = forbidden.first((name,))
                    if bad is not None:
                        at = _Var(name, ins, i, state).read(escape)[1]
                        found.append(
                            meta.violation(at, f"{message}: {keyword} {name} matches {bad}")
                        )
            if chain:
                missing = [n for n in params["required"] if n not in last and n not in inherited]
                if missing:
                    found.append(
                        meta.violation(
                            chain[-1].image_span,
                            f"{message}: no {keyword} {', '.join(missing)}",
                        )
                    )
            for name, pattern in params["patterns"].items():
                assigned = last.get(name)
                if assigned is None:
                    continue
                value, _, where = _Var(name, *assigned).read(escape)
                if value is not None and where is not None and not pattern.fullmatch(value):
                    found.append(
                        meta.violation(
                            where,
                            f"{message}: {keyword} {name}={value} does not match {pattern.pattern}",
                        )
                    )
        return out

    return check


# instruction


def _keywords(params: Mapping[str, Any], key: str) -> tuple[str, ...]:
    from dockerlint_django.dockerfile.model import KNOWN_INSTRUCTIONS

    words = tuple(w.upper() for w in _strings(params, key))
    for w in words:
        if w not in KNOWN_INSTRUCTIONS:
            raise _error(key, f"{w} is not a Dockerfile instruction")
    return words


class _KeywordIndex(dict[str, list[tuple[int, "Instruction", State]]]):
    """Every stage's instructions by keyword, in order, each with its stage's index: what the
    instruction, label, env and arg kinds look up. ``flagged``: the COPY, ADD and RUN
    instructions with flags (``--from``, ``--mount``), where the base-image kind looks for
    images; most have none."""

    __slots__ = ("flagged",)

    def __init__(self) -> None:
        super().__init__()
        self.flagged: list[tuple[Instruction, State]] = []


_IMAGE_FLAGS = frozenset({"COPY", "ADD", "RUN"})


def _by_keyword(ctx: Context) -> _KeywordIndex:
    out = _KeywordIndex()
    flagged = out.flagged
    for stage in ctx.analysis.dockerfile.stages:
        at = stage.index
        for ins, state in stage.steps():
            keyword = ins.keyword
            found = out.get(keyword)
            if found is None:
                found = out[keyword] = []
            found.append((at, ins, state))
            if ins.flags and keyword in _IMAGE_FLAGS:
                flagged.append((ins, state))
    return out


def _parse_instruction(params: Mapping[str, Any]) -> Mapping[str, Any]:
    return {
        "forbidden": _keywords(params, "forbidden"),
        "required": _keywords(params, "required"),
        "forbid-add-url": _flag(params, "forbid-add-url"),
    }


_URL = LazyPattern(r"(?i)(https?|ftp)://")


def _check_instruction(ctx: Context, members: Sequence[Member]) -> list[list[Violation]]:
    out = _none(members)
    df = ctx.analysis.dockerfile
    steps = _keyword_index(ctx)
    chain = _final_chain(ctx)
    present: frozenset[str] | None = None
    for found, (params, meta, message) in zip(out, members, strict=True):
        for keyword in dict.fromkeys(params["forbidden"]):
            for _, ins, _ in steps.get(keyword, ()):
                found.append(meta.violation(ins.keyword_span, f"{message}: {ins.keyword}"))
        if params["forbid-add-url"] and "ADD" not in params["forbidden"]:
            for _, ins, state in steps.get("ADD", ()):
                for word, mapped in zip(ins.value[:-1], ins.value_mapped[:-1], strict=True):
                    value = expand_in(state, word, df.escape)
                    if value is not None and _URL.match(value):
                        found.append(meta.violation(mapped.span(), f"{message}: ADD of {value}"))
        if chain and params["required"]:
            if present is None:
                present = frozenset(ins.keyword for stage in chain for ins in stage.instructions)
            missing = [k for k in params["required"] if k not in present]
            if missing:
                found.append(
                    meta.violation(
                        chain[-1].image_span,
                        f"{message}: the image has no {', '.join(missing)}",
                    )
                )
    return out


# user


def _parse_user(params: Mapping[str, Any]) -> Mapping[str, Any]:
    name = params.get("name")
    if name is not None and (not isinstance(name, str) or not name):
        raise _error("name", "expected a user name")
    return {"non-root": _flag(params, "non-root"), "name": name}


def _check_user(ctx: Context, members: Sequence[Member]) -> list[list[Violation]]:
    out = _none(members)
    final = ctx.analysis.dockerfile.final
    if final is None or final.end is None:
        return out
    user = final.end.user
    if user.value is None:
        return out
    span = user.instruction.args.span() if user.instruction is not None else final.image_span
    name = user.value.partition(":")[0]
    for found, (params, meta, message) in zip(out, members, strict=True):
        root = params["non-root"] and user.is_root is True
        other = params["name"] is not None and name != params["name"]
        if root or other:
            found.append(meta.violation(span, f"{message}: the image runs as {user.value}"))
    return out


# python-version


def _parse_python(params: Mapping[str, Any]) -> Mapping[str, Any]:
    minimum = params.get("minimum")
    if not isinstance(minimum, str) or not re.fullmatch(r"\d+\.\d+", minimum):
        raise _error("minimum", "expected a version such as '3.12' (quoted)")
    major, minor = minimum.split(".")
    return {"minimum": (int(major), int(minor))}


def _check_python(ctx: Context, members: Sequence[Member]) -> list[list[Violation]]:
    out = _none(members)
    final = ctx.analysis.dockerfile.final
    if final is None:
        return out
    root = final.chain[0]
    ref = root.image
    if ref is None or ref.tag is None or ref.repository not in ("python", "library/python"):
        return out
    found = re.match(r"(\d+)\.(\d+)", ref.tag)
    if found is None:
        return out  # `latest`, `3`, `slim`: the version is not in the tag
    version = (int(found.group(1)), int(found.group(2)))
    for violations, (params, meta, message) in zip(out, members, strict=True):
        if version < params["minimum"]:
            want = ".".join(map(str, params["minimum"]))
            violations.append(
                meta.violation(
                    root.image_span,
                    f"{message}: Python {found.group(0)} is older than {want}",
                )
            )
    return out


# command


# A forbidden pipeline: the words of each of its commands, the program first.
Pipeline = tuple[tuple[str, ...], ...]


def _parse_command(params: Mapping[str, Any]) -> Mapping[str, Any]:
    pipelines = []
    for text in _strings(params, "forbidden"):
        parts = [p.split() for p in text.split("|")]
        if not all(parts):
            raise _error("forbidden", f"{text!r}: expected commands, such as 'curl | sh'")
        pipelines.append((text, tuple(tuple(p) for p in parts)))
    # The pipelines by their first program: a command is tried only against those it runs.
    by_program: dict[str, list[tuple[str, tuple[tuple[str, ...], ...]]]] = {}
    for text, pipeline in pipelines:
        by_program.setdefault(pipeline[0][0], []).append((text, pipeline))
    return {"forbidden": tuple(pipelines), "by_program": by_program}


# Programs that run the command they are given: `curl … | sudo sh`, `| env X=1 sh` pipe into `sh`.
_LAUNCHERS = frozenset({"env", "sudo", "nice", "nohup", "time", "doas"})
_TAKES_VALUE = frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-n", "-S"})


def _argv(cmd: SimpleCommand) -> list[str | None]:
    """The words of the program the command runs, launchers and their options passed over."""
    words = [w.value for w in cmd.words]
    while words and basename(words[0]) in _LAUNCHERS:
        launcher = basename(words[0])
        i = 1
        while i < len(words):
            word = words[i]
            if word is None:
                return []  # an option or program that cannot be known
            if word == "--":
                i += 1
                break
            if launcher == "env" and "=" in word and not word.startswith("-"):
                i += 1  # env's NAME=VALUE
            elif word.startswith("-"):
                takes = launcher in ("sudo", "doas", "nice") and word in _TAKES_VALUE
                i += 2 if takes else 1
            else:
                break
        words = words[i:]
    return words


class _Commands:
    """The commands of every RUN as the command and package kinds read them, once a file for all
    their entries: where each program starts a command (by its name as written), and each
    command's readings, worked out only for the commands an entry looks at."""

    __slots__ = ("_readings", "by_name")

    def __init__(self, ctx: Context) -> None:
        # name -> (the RUN's commands, index): an entry looks only at the programs it names,
        # and at launchers.
        by_name: dict[str | None, list[tuple[tuple[SimpleCommand, ...], int]]] = {}
        self.by_name = by_name
        self._readings: dict[int, tuple[tuple[str, list[str | None]], ...]] = {}
        for run in ctx.analysis.runs:
            commands = run.commands
            for i, command in enumerate(commands):
                words = command.words
                # ``basename``, inline: this is asked of every command of every RUN.
                name = words[0].value if words else None
                if name is not None:
                    name = name[name.rfind("/") + 1 :]
                found = by_name.get(name)
                if found is None:
                    found = by_name[name] = []
                found.append((commands, i))

    def readings(self, cmd: SimpleCommand) -> tuple[tuple[str, list[str | None]], ...]:
        """(program, words after it): as written, and past launchers (`sudo`, `env X=1`)."""
        found = self._readings.get(id(cmd))  # the model keeps the command, and so its id
        if found is None:
            out: list[tuple[str, list[str | None]]] = []
            written = [w.value for w in cmd.words]
            # Past launchers, the words differ only when the command starts with one.
            readings = [written, _argv(cmd)] if basename(cmd.name) in _LAUNCHERS else [written]
            for words in readings:
                program = basename(words[0]) if words else None
                if program is not None:
                    out.append((program, words[1:]))
            found = self._readings[id(cmd)] = tuple(out)
        return found

    def matches(self, cmd: SimpleCommand, pattern: Sequence[str]) -> bool:
        """The command runs the program (also through env or sudo) and has the pattern's other
        words, in order."""
        return any(
            program == pattern[0] and _in_order(rest, pattern)
            for program, rest in self.readings(cmd)
        )


def _in_order(rest: list[str | None], pattern: Sequence[str]) -> bool:
    """The pattern's words after its program are among ``rest``, in order."""
    at = 0
    for want in pattern[1:]:
        if want not in rest:
            return False  # the usual case, found without raising
        try:
            at = rest.index(want, at) + 1
        except ValueError:
            return False
    return True


def _commands(ctx: Context) -> _Commands:
    found: _Commands = _shared(ctx, "policy:commands", _Commands)
    return found


def _command_plan(members: Sequence[Member]) -> dict[str, list[tuple[int, str, Pipeline]]]:
    """Every entry's pipelines by their first program, each with its entry's place."""
    plan: dict[str, list[tuple[int, str, Pipeline]]] = {}
    for at, (params, _, _) in enumerate(members):
        for program, pipelines in params["by_program"].items():
            plan.setdefault(program, []).extend((at, text, p) for text, p in pipelines)
    return plan


def _check_command(ctx: Context, members: Sequence[Member]) -> list[list[Violation]]:
    out = _none(members)
    plan = _plan(members, _command_plan)
    commands = _commands(ctx)
    # The commands a pipeline can start at: those that run one of its first programs, as
    # written or past a launcher. Findings are sorted by place when reported.
    for name, places in commands.by_name.items():
        if name not in plan and name not in _LAUNCHERS:
            continue
        launcher = name in _LAUNCHERS
        for run, i in places:
            first = run[i]
            # The readings run different programs (past launchers, none is one), so a pipeline
            # is found under one reading at most. A command that starts with no launcher has
            # one reading, its words as written: read here without making it.
            readings: Sequence[tuple[str | None, list[str | None] | None]] = (
                commands.readings(first) if launcher else ((name, None),)
            )
            for program, rest in readings:
                for at, text, pipeline in plan.get(program, ()):
                    head = pipeline[0]
                    if len(head) > 1:
                        if rest is None:
                            rest = [w.value for w in first.words[1:]]
                        if not _in_order(rest, head):
                            continue
                    last = i + len(pipeline) - 1
                    if last >= len(run):
                        continue
                    piped = all(c.connector_after in ("|", "|&") for c in run[i:last])
                    others = zip(run[i + 1 : last + 1], pipeline[1:], strict=True)
                    if piped and all(commands.matches(c, p) for c, p in others):
                        _, meta, message = members[at]
                        span = Span(first.span.start, run[last].span.end)
                        out[at].append(meta.violation(span, f"{message}: {text}"))
    return out


# package


def _parse_package(params: Mapping[str, Any]) -> Mapping[str, Any]:
    out = {m: Globs(_strings(params, m)) for m in ("apt", "apk")}
    # pip compares names as PEP 503 normalises them (`IPDB`, `ipdb`); globs are read so once.
    out["pip"] = Globs([normalize_name(g) for g in _strings(params, "pip")])
    return out


# Where a package's name ends: a version or release (`gcc=4:12`, `gcc:amd64`), a requirement's
# extras, markers or version (`ipdb[x]>=1`), apk's version constraints.
_APT_NAME_END = (frozenset("=:"), LazyPattern(r"[=:]"))
_PIP_NAME_END = (frozenset("[=<>!~; "), LazyPattern(r"[\[=<>!~; ]"))
_APK_NAME_END = (frozenset("=<>~"), LazyPattern(r"[=<>~]"))


def _package_name(value: str, end: tuple[frozenset[str], LazyPattern]) -> str:
    """A package word's name: what comes before the first of ``end``'s characters (a version,
    extras, markers); most words are the name alone, found without a regular expression."""
    chars, pattern = end
    if chars.isdisjoint(value):
        return value
    return pattern.split(value, maxsplit=1)[0]


def _installed(cmd: SimpleCommand, program: str) -> Iterator[tuple[str, str, Word]]:
    """(manager, package name, the word) for each package the command installs; ``program`` is
    the command's program as written (the name ``_Commands`` indexes it by)."""
    if program in APT_TOOLS:
        found = apt(cmd)
        if found is not None and found.action == "install":
            for w in found.packages:
                if w.value is not None:
                    yield "apt", _package_name(w.value, _APT_NAME_END), w
        return
    if program == "apk":
        if len(cmd.words) > 1 and cmd.words[1].value == "add":
            values = iter(cmd.words[2:])
            for w in values:
                if w.value is None:
                    continue
                if w.value in ("-t", "--virtual", "-X", "--repository"):
                    next(values, None)  # the option's value is no package
                elif not w.value.startswith("-"):
                    yield "apk", _package_name(w.value, _APK_NAME_END), w
        return
    pip = pip_install(cmd)
    if pip is not None:
        for w in pip.packages:
            if w.value is not None:
                yield "pip", _package_name(w.value, _PIP_NAME_END), w


# The programs `_installed` reads: any other command installs nothing it could name. A program
# that cannot be known is none of them either, since it is read unexpanded.
_INSTALLERS = APT_TOOLS | {"apk", "uv"}


def _packages(ctx: Context) -> dict[str, list[tuple[str, str, Word]]]:
    """Every package the RUNs install, by manager: (name, the name as globs match it, the word),
    read from the commands whose program installs."""
    out: dict[str, list[tuple[str, str, Word]]] = {"apt": [], "apk": [], "pip": []}
    for name, places in _commands(ctx).by_name.items():
        if name is None or not (name in _INSTALLERS or name.startswith(("pip", "python"))):
            continue
        # apt-get, pip and uv install only with a written `install` (or uv's `sync`) verb, apk
        # with `add`: `apt-get update`, `pip --version` and `python manage.py …` are not read.
        verbs = ("add",) if name == "apk" else ("install", "sync")
        for run, i in places:
            cmd = run[i]
            for w in cmd.words[1:]:
                if w.value in verbs:
                    break
            else:
                continue
            for manager, package, word in _installed(cmd, name):
                # pip compares names as PEP 503 normalises them (`IPDB`, `ipdb`).
                key = normalize_name(package) if manager == "pip" else package
                out[manager].append((package, key, word))
    return out


def _package_plan(members: Sequence[Member]) -> dict[str, tuple[Globs, list[tuple[int, Globs]]]]:
    """By manager: one expression for every entry's globs (a package most often matches none),
    and each entry's own globs with its place."""
    plan: dict[str, tuple[Globs, list[tuple[int, Globs]]]] = {}
    for manager in ("apt", "apk", "pip"):
        entries = [
            (at, params[manager])
            for at, (params, _, _) in enumerate(members)
            if params[manager].globs
        ]
        if entries:
            union = Globs([g for _, globs in entries for g in globs.globs])
            plan[manager] = (union, entries)
    return plan


def _check_package(ctx: Context, members: Sequence[Member]) -> list[list[Violation]]:
    out = _none(members)
    plan = _plan(members, _package_plan)
    installed: dict[str, list[tuple[str, str, Word]]] = _shared(ctx, "policy:packages", _packages)
    for manager, packages in installed.items():
        wanted = plan.get(manager)
        if wanted is None or not packages:
            continue
        union, entries = wanted
        match = union.matcher
        for name, key, word in packages:
            if match(key):
                for at, globs in entries:
                    if globs.matcher(key):
                        _, meta, message = members[at]
                        out[at].append(
                            meta.violation(word.span, f"{message}: {manager} package {name}")
                        )
    return out


# compose

# What a service must not do, by name: each a key and the values that are refused.
_FORBIDDEN_SERVICE = frozenset(
    {
        "privileged",
        "network-mode-host",
        "pid-host",
        "ipc-host",
        "cap-add-all",
        "docker-socket",
        "ports-on-all-interfaces",
    }
)
_REQUIRED_SERVICE = frozenset({"restart", "read-only", "resource-limits", "user"})
_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock")


def _parse_compose(params: Mapping[str, Any]) -> Mapping[str, Any]:
    forbidden = _strings(params, "forbidden")
    required = _strings(params, "required")
    for key, names, known in (
        ("forbidden", forbidden, _FORBIDDEN_SERVICE),
        ("required", required, _REQUIRED_SERVICE),
    ):
        for name in names:
            if name not in known:
                raise _error(key, f"{name}: expected one of {', '.join(sorted(known))}")
    return {"forbidden": forbidden, "required": required}


def _scalar(node: Any) -> Any:
    """A known scalar's value; None for anything else (unset, interpolated from nothing)."""
    from dockerlint_django.compose.nodes import Scalar

    if isinstance(node, Scalar) and node.known:
        return node.value
    return None


def _mount_source(node: Any) -> tuple[str | None, Any]:
    """A volume entry's source and the node that holds it."""
    from dockerlint_django.compose.nodes import Mapping as MappingNode

    if isinstance(node, MappingNode):
        source = node.get("source")
        value = _scalar(source)
        return (value if isinstance(value, str) else None), source
    value = _scalar(node)
    if not isinstance(value, str):
        return None, node
    return value.split(":", 1)[0], node


def _check_compose(
    ctx: ServiceContext, params: Mapping[str, Any], meta: RuleMeta, message: str
) -> Iterator[Violation]:
    from dockerlint_django.compose.nodes import Mapping as MappingNode
    from dockerlint_django.compose.nodes import Sequence as SequenceNode

    view = ctx.service
    service = view.service
    node = service.node
    forbidden, required = params["forbidden"], params["required"]

    def at(n: Node | None) -> Span:
        return view.node_span(n) or view.anchor

    for key, value, name in (
        ("privileged", True, "privileged"),
        ("network_mode", "host", "network-mode-host"),
        ("pid", "host", "pid-host"),
        ("ipc", "host", "ipc-host"),
    ):
        if name in forbidden and _scalar(node.get(key)) == value:
            yield meta.violation(at(node.get(key)), f"{message}: {key}: {value}")
    caps = node.get("cap_add")
    if "cap-add-all" in forbidden and isinstance(caps, SequenceNode):
        for item in caps.items:
            cap = _scalar(item)
            if isinstance(cap, str) and cap.upper() in ("ALL", "CAP_ALL"):
                yield meta.violation(at(item), f"{message}: cap_add: {cap}")
    volumes = node.get("volumes")
    if "docker-socket" in forbidden and isinstance(volumes, SequenceNode):
        for item in volumes.items:
            source, holder = _mount_source(item)
            if source is not None and source.rstrip("/") in _SOCKETS:
                yield meta.violation(at(holder), f"{message}: {source} is mounted")
    if "ports-on-all-interfaces" in forbidden:
        for port in service.ports:
            if port.published is None or port.unset:
                continue
            if port.host_ip in (None, "", "0.0.0.0", "::", "[::]"):
                where = view.span(port.origin) or view.anchor
                yield meta.violation(
                    where, f"{message}: port {port.published} is published on every interface"
                )
    missing = []
    deploy = node.get("deploy")
    deploy_map = deploy if isinstance(deploy, MappingNode) else None
    if (
        "restart" in required
        and node.get("restart") is None
        and (deploy_map is None or deploy_map.get("restart_policy") is None)
    ):
        missing.append("restart")
    read_only = node.get("read_only")
    if "read-only" in required and (read_only is None or _scalar(read_only) is False):
        missing.append("read_only: true")
    if "resource-limits" in required:
        resources = deploy_map.get("resources") if deploy_map is not None else None
        limits = resources.get("limits") if isinstance(resources, MappingNode) else None
        if limits is None and node.get("mem_limit") is None and node.get("cpus") is None:
            missing.append("resource limits (deploy.resources.limits)")
    if "user" in required and node.get("user") is None:
        missing.append("user")
    if missing:
        yield meta.violation(view.anchor, f"{message}: the service sets no {', '.join(missing)}")


def _compose_kind() -> Kind:
    def bind(entries: Sequence[tuple[Entry, RuleMeta]]) -> list[Bound]:
        def for_entry(entry: Entry, meta: RuleMeta) -> ServiceCheckFn:
            params, message = entry.params, entry.message

            def run(ctx: ServiceContext) -> Iterator[Violation]:
                return _check_compose(ctx, params, meta, message)

            return run

        return [(None, for_entry(entry, meta), None) for entry, meta in entries]

    return Kind(frozenset({"forbidden", "required"}), _parse_compose, bind, ("compose",))


KINDS: dict[str, Kind] = {
    "base-image": _image_kind(
        ("allow", "deny", "require-digest", "forbid-latest"),
        _parse_base_image,
        _check_base_image,
        _always,  # every stage's images
    ),
    "label": _image_kind(("required", "patterns"), _parse_label, _check_label),
    "env": _image_kind(
        ("required", "forbidden", "patterns"), _parse_variables, _variables_check("ENV")
    ),
    "arg": _image_kind(
        ("required", "forbidden", "patterns"),
        _parse_variables,
        _variables_check("ARG"),
        _unless_required,
    ),
    "instruction": _image_kind(
        ("forbidden", "required", "forbid-add-url"),
        _parse_instruction,
        _check_instruction,
        _unless_required,
    ),
    "user": _image_kind(("non-root", "name"), _parse_user, _check_user),
    "python-version": _image_kind(("minimum",), _parse_python, _check_python),
    "command": _image_kind(("forbidden",), _parse_command, _check_command, _always),
    "package": _image_kind(("apt", "apk", "pip"), _parse_package, _check_package, _always),
    "compose": _compose_kind(),
}
