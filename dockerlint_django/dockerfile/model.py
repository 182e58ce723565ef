"""The typed model above the parse: stages, their inheritance, and the build state at each step.

For every instruction the model knows the state the builder is in when it runs it: environment
(ARG and ENV, expanded where Docker expands), user, working directory, shell, entrypoint and
command.
Values that depend on something a linter cannot know (a build argument without a default, an
unknown base image) are ``None``: *unknown*, and rules never report on unknown.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from itertools import islice
from typing import Generic, TypeVar, overload

from dockerlint_django._record import field, record, replace
from dockerlint_django.dockerfile.ast import Instruction, ParseResult
from dockerlint_django.dockerfile.expand import Expansion, ExpansionError, expand_word, is_plain
from dockerlint_django.dockerfile.images import ImageRef, KnownImage, known_image, parse_image_ref
from dockerlint_django.shell.syntax import Word
from dockerlint_django.source import Mapped, SequenceView, SourceFile, Span

# Instructions BuildKit accepts; anything else fails the build with "unknown instruction".
KNOWN_INSTRUCTIONS = frozenset(
    [
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    ]
)
DEFAULT_SHELL = ("/bin/sh", "-c")
# BuildKit defines these automatically in the global scope; their values depend on the builder.
AUTOMATIC_ARGS = frozenset(
    [
        "TARGETPLATFORM",
        "TARGETOS",
        "TARGETARCH",
        "TARGETVARIANT",
        "BUILDPLATFORM",
        "BUILDOS",
        "BUILDARCH",
        "BUILDVARIANT",
        "TARGETSTAGE",
        "BUILDKIT_SBOM_SCAN_CONTEXT",
        "BUILDKIT_SBOM_SCAN_STAGE",
    ]
)


_V = TypeVar("_V")
_T = TypeVar("_T")


class _Log(Generic[_V]):
    """What the ENV (or ARG) of one line of stages wrote: for each name, the versions that wrote
    it, ascending, and the values; an ENV with several pairs writes them all at one version."""

    __slots__ = ("at", "base", "depth", "fresh", "fresh_at", "top", "values")

    def __init__(self, base: Mapping[str, _V], depth: int) -> None:
        self.base = base  # what was in scope before the first write
        self.depth = depth  # how many logs a name written in none of them is looked up in
        self.at: dict[str, list[int]] = {}
        self.values: dict[str, list[_V]] = {}
        self.fresh: list[str] = []  # names not in ``base``, in the order they were first written
        self.fresh_at: list[int] = []  # the version of each one's first write
        self.top = 0  # the last version written


class Scope(Mapping[str, _V]):
    """ENV or ARG as the builder has them before one instruction: a read-only dict.

    A dict copied for every ENV costs the square of the file (a chain of ENVs copies every
    variable for every line). Here the instructions of a stage append to one shared log and each
    state keeps a version number into it: writing costs what it writes, looking up a name is a
    dict lookup and a bisect. A stage built FROM another goes on in its parent's log when it is
    its parent's heaviest child (``build`` chooses), and otherwise starts a log on top of it; with
    heavy children chosen by size no name is looked up in more than log2(stages) logs.

    Iteration and equality are those of the dict the builder would have: names in the order
    first set, an inherited name in its inherited place.
    """

    __slots__ = ("_log", "_version")

    def __init__(self, log: _Log[_V], version: int) -> None:
        self._log = log
        self._version = version

    @classmethod
    def empty(cls) -> Scope[_V]:
        return cls(_Log({}, 0), 0)

    def __getitem__(self, key: str) -> _V:
        log = self._log
        at = log.at.get(key)
        if at is not None:
            version = self._version
            if at[-1] <= version:
                return log.values[key][-1]
            if at[0] <= version:
                return log.values[key][bisect.bisect_right(at, version) - 1]
        return log.base[key]

    def __contains__(self, key: object) -> bool:
        log = self._log
        at = log.at.get(key) if isinstance(key, str) else None
        if at is not None and at[0] <= self._version:
            return True
        return key in log.base

    def __iter__(self) -> Iterator[str]:
        log = self._log
        yield from log.base
        yield from islice(log.fresh, len(self) - len(log.base))

    def __len__(self) -> int:
        log = self._log
        return len(log.base) + bisect.bisect_right(log.fresh_at, self._version)

    def __repr__(self) -> str:
        return repr(dict(self))

    @property
    def depth(self) -> int:
        """How many scopes this one was forked from, one on another: a name set in none of them
        is looked up in each."""
        return self._log.depth

    def forked(self) -> Scope[_V]:
        """This scope, to be written on apart from whoever goes on writing on it."""
        return Scope(_Log(self, self._log.depth + 1), 0)

    def updated(self, pairs: Iterable[tuple[str, _V]]) -> Scope[_V]:
        """This scope with ``pairs`` set, in order (a name set twice keeps the last value)."""
        log = self._log
        if self._version != log.top:
            # Another stage from the same parent writes on this log already.
            log = self.forked()._log
        version = log.top + 1
        at_of, values_of = log.at, log.values
        for name, value in pairs:
            at = at_of.get(name)
            if at is None:
                at_of[name] = [version]
                values_of[name] = [value]
                if name not in log.base:
                    log.fresh.append(name)
                    log.fresh_at.append(version)
            elif at[-1] == version:
                values_of[name][-1] = value
            else:
                at.append(version)
                values_of[name].append(value)
        log.top = version
        return Scope(log, version)


class _Variables(Mapping[str, "str | None"]):
    """ARG and ENV as ``$NAME`` sees them, ENV winning, without merging them for each step: in
    the order of ``dict(args) | env``."""

    __slots__ = ("_args", "_env")

    def __init__(self, env: Mapping[str, str | None], args: Mapping[str, str | None]) -> None:
        self._env = env
        self._args = args

    def __getitem__(self, key: str) -> str | None:
        if key in self._env:
            return self._env[key]
        return self._args[key]

    def __contains__(self, key: object) -> bool:
        return key in self._env or key in self._args

    def __iter__(self) -> Iterator[str]:
        yield from self._args
        args = self._args
        for name in self._env:
            if name not in args:
                yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return repr(dict(self))


class Appended(SequenceView[_T]):
    """A tuple grown by appending, sharing its items with the one it grew from (``Scope``'s
    sharing, for EXPOSE: ``ports + more`` for each EXPOSE copies every port for every line)."""

    __slots__ = ("_base", "_items", "_n")

    def __init__(self, base: Sequence[_T], items: list[_T], n: int) -> None:
        self._base = base
        self._items = items
        self._n = n

    def __len__(self) -> int:
        return len(self._base) + self._n

    @overload
    def __getitem__(self, i: int) -> _T: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[_T]: ...
    def __getitem__(self, i: int | slice) -> _T | Sequence[_T]:
        if isinstance(i, slice):
            return tuple(self)[i]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("index out of range")
        k = len(self._base)
        return self._base[i] if i < k else self._items[i - k]

    def __iter__(self) -> Iterator[_T]:
        yield from self._base
        yield from islice(self._items, self._n)

    def __repr__(self) -> str:
        return repr(tuple(self))

    @property
    def depth(self) -> int:
        """How many sequences this one was forked from, one on another."""
        base = self._base
        return base.depth + 1 if isinstance(base, Appended) else 0

    def forked(self) -> Appended[_T]:
        """This sequence, to be appended to apart from whoever goes on appending to it."""
        return Appended(self, [], 0)

    def extended(self, more: Iterable[_T]) -> Appended[_T]:
        if self._n != len(self._items):
            # Another stage from the same parent appends to these items already.
            return self.forked().extended(more)
        self._items.extend(more)
        return Appended(self._base, self._items, len(self._items))


@record
class Command:
    """A CMD or ENTRYPOINT as Docker stores it in the image config."""

    keyword: str  # "CMD" or "ENTRYPOINT"
    instruction: Instruction | None  # None when it comes from a known base image
    json: bool
    argv: tuple[Word, ...]  # shell form: the SHELL words (synthetic) and the script as one word
    stage: int | None  # index of the stage that set it; None for a base image

    @property
    def script(self) -> Word | None:
        """The shell-form string, when this is a shell-form command."""
        return None if self.json or not self.argv else self.argv[-1]


@record
class UserValue:
    """The effective ``USER``: ``raw`` as written, ``value`` expanded (None: unknown)."""

    value: str | None
    instruction: Instruction | None  # None: inherited from a base image or Docker's default
    stage: int | None

    @property
    def name(self) -> str | None:
        return None if self.value is None else self.value.partition(":")[0]

    @property
    def group(self) -> str | None:
        if self.value is None or ":" not in self.value:
            return None
        return self.value.partition(":")[2]

    @property
    def is_root(self) -> bool | None:
        name = self.name
        if name is None:
            return None
        # `USER 00` is uid 0 too: Docker parses the number.
        return name == "root" or (name.isdigit() and int(name) == 0)


@record
class State:
    """The builder's state before an instruction runs (or at the end of a stage)."""

    env: Scope[str | None]  # ENV, with ENV of ancestor stages
    env_sources: Scope[Mapped]  # where each ENV value is written (quotes stripped)
    args: Scope[str | None]  # ARG in scope in this stage
    user: UserValue
    workdir: str | None
    shell: tuple[str, ...] | None
    entrypoint: Command | None
    cmd: Command | None
    cmd_set_in_stage: bool
    expose: Appended[tuple[str | None, Instruction]]
    stopsignal: str | None

    @property
    def variables(self) -> Mapping[str, str | None]:
        """What ``$NAME`` means to the builder here: ENV wins over ARG."""
        return _Variables(self.env, self.args)

    def argv(self) -> tuple[Word, ...] | None:
        """ENTRYPOINT + CMD as Docker runs them; None when unknown."""
        if self.entrypoint is None and self.cmd is None:
            return None
        out: list[Word] = []
        if self.entrypoint is not None:
            out.extend(self.entrypoint.argv)
        if self.cmd is not None:
            out.extend(self.cmd.argv)
        return tuple(out)


@record(frozen=False)
class Stage:
    index: int
    from_: Instruction
    base: str | None  # FROM's image (expanded); None when unknown
    name: str | None  # lower-cased AS name
    name_span: Span | None
    parent: Stage | None  # a local stage this one builds FROM
    image: ImageRef | None
    known: KnownImage | None
    instructions: list[Instruction] = field(default_factory=list)
    states: list[State] = field(default_factory=list)  # states[i] is before instructions[i]
    end: State | None = None
    # The oldest local ancestor, kept: `chain` costs the depth of the chain, asked for each RUN.
    # None for a stage that is its own root: a reference to itself would make every stage a
    # cycle, which keeps a file's whole model alive until the cyclic collector runs.
    _root: Stage | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._root = None if self.parent is None else self.parent.root

    @property
    def root(self) -> Stage:
        return self if self._root is None else self._root

    @property
    def chain(self) -> list[Stage]:
        """This stage and its local ancestors, oldest first."""
        out: list[Stage] = []
        s: Stage | None = self
        while s is not None:
            out.append(s)
            s = s.parent
        return out[::-1]

    @property
    def final_state(self) -> State:
        assert self.end is not None
        return self.end

    @cached_property
    def image_span(self) -> Span:
        """Where the FROM names its image (its first word; the keyword when it has none): where
        a finding about the image a stage starts from, or one missing from it, is reported."""
        ins = self.from_
        return ins.value_mapped[0].span() if ins.value_mapped else ins.keyword_span

    @property
    def root_image(self) -> ImageRef | None:
        return self.root.image

    @property
    def root_known(self) -> KnownImage | None:
        return self.root.known

    def steps(self) -> Iterator[tuple[Instruction, State]]:
        # The zip itself, not a generator over it: rules walk every stage's steps, and a
        # generator's frame is resumed once a step.
        return zip(self.instructions, self.states, strict=True)

    def label(self) -> str:
        return self.name if self.name is not None else str(self.index)


@record
class ModelError:
    message: str
    instruction: Instruction
    # The build cannot even start as asked (a --target that names no stage): an input error.
    fatal: bool = False


@record(frozen=False)
class Dockerfile:
    source: SourceFile
    parse: ParseResult
    stages: list[Stage]
    global_args: dict[str, str | None]
    errors: list[ModelError]
    target: str | None = None
    # The first stage of each name, as `final` and `stage_ref` find them: without a scan of the
    # stages for every reference.
    _first_named: dict[str, Stage] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        first: dict[str, Stage] = {}
        for s in self.stages:
            if s.name is not None:
                first.setdefault(s.name, s)
        self._first_named = first

    @property
    def escape(self) -> str:
        return self.parse.directives.escape

    @property
    def final(self) -> Stage | None:
        if not self.stages:
            return None
        if self.target is not None:
            # `docker build --target` with a stage that does not exist fails: there is no image.
            return self._first_named.get(self.target.lower())
        return self.stages[-1]

    def stage_ref(self, ref: str) -> Stage | None:
        """The stage a ``--from=``/``FROM`` reference names: by name or by index."""
        named = self._first_named.get(ref.lower())
        if named is not None:
            return named
        if ref.isdigit() and int(ref) < len(self.stages):
            return self.stages[int(ref)]
        return None

    def shipped_stages(self) -> list[Stage]:
        """The final stage and its ancestors: the stages whose layers end up in the image."""
        final = self.final
        return final.chain if final is not None else []

    def all_instructions(self) -> Iterator[Instruction]:
        yield from self.parse.instructions


def _expand(text: str, variables: Mapping[str, str | None], escape: str) -> str | None:
    try:
        result: Expansion = expand_word(text, variables, escape)
    except ExpansionError:
        return None
    return result.value


def _exec_args(instruction: Instruction) -> tuple[Word, ...]:
    return tuple(Word.literal(m) for m in instruction.value_mapped)


def _command(
    keyword: str, instruction: Instruction, shell: tuple[str, ...] | None, stage: int
) -> Command:
    if instruction.json:
        return Command(keyword, instruction, True, _exec_args(instruction), stage)
    at = instruction.keyword_span.start
    prefix = tuple(Word.synthetic(word, at) for word in (shell or DEFAULT_SHELL))
    return Command(keyword, instruction, False, (*prefix, Word.literal(instruction.args)), stage)


def _base_command(keyword: str, words: tuple[str, ...] | None) -> Command | None:
    if words is None:
        return None
    return Command(keyword, None, True, tuple(Word.synthetic(w, 0) for w in words), None)


def _initial_state(known: KnownImage | None) -> State:
    if known is None:
        # An unknown image may set its user, command and environment; the shell of every Linux
        # image is /bin/sh unless the image says otherwise, which almost none do.
        return State(
            Scope.empty(),
            Scope.empty(),
            Scope.empty(),
            UserValue(None, None, None),
            None,
            DEFAULT_SHELL,
            None,
            None,
            False,
            Appended((), [], 0),
            None,
        )
    return State(
        env=Scope.empty(),
        env_sources=Scope.empty(),
        args=Scope.empty(),
        user=UserValue(known.user, None, None),
        workdir=known.workdir,
        shell=DEFAULT_SHELL,
        entrypoint=_base_command("ENTRYPOINT", known.entrypoint),
        cmd=_base_command("CMD", known.cmd),
        cmd_set_in_stage=False,
        expose=Appended((), [], 0),
        stopsignal=known.stopsignal,
    )


def _arg_pairs(instruction: Instruction) -> Iterator[tuple[str, str | None]]:
    """ARG declarations: ``(name, default)``; ``default`` None when there is none."""
    for word in instruction.value:
        name, eq, default = word.partition("=")
        yield name, (default if eq else None)


def _env_value_mapped(instruction: Instruction) -> Iterator[Mapped]:
    mapped = instruction.value_mapped
    for i in range(1, len(mapped), 2):
        yield mapped[i]


def _unquote(m: Mapped) -> Mapped:
    if len(m) >= 2 and m.text[0] == m.text[-1] and m.text[0] in "\"'":
        return m[1:-1]
    return m


def _env_pairs(instruction: Instruction) -> Iterator[tuple[str, str]]:
    values = instruction.value
    for i in range(0, len(values) - 1, 2):
        yield values[i], values[i + 1]


def build(
    source: SourceFile,
    parsed: ParseResult,
    target: str | None = None,
    build_args: Mapping[str, str | None] | None = None,
) -> Dockerfile:
    """Walk the instructions the way the builder does, recording the state before each one.

    ``build_args`` are ``--build-arg`` values (a Compose service's ``build.args``): as in BuildKit
    they replace the default of an ARG the file declares, and do nothing for one it does not; a
    None value is a build argument whose value is not known (an unset variable).
    """
    given = build_args or {}
    escape = parsed.directives.escape
    stages: list[Stage] = []
    errors: list[ModelError] = []
    global_args: dict[str, str | None] = {name: None for name in AUTOMATIC_ARGS}
    # Build arguments can be overridden on the command line; the default is what a linter can know.
    named: dict[str, Stage] = {}  # the last stage of each name, as FROM finds its parent
    stage: Stage | None = None

    # First the stages and their instructions (FROM sees only the global ARGs), then the states:
    # a state's scopes are shared along a line of stages, chosen once the tree of stages is known.
    for ins in parsed.instructions:
        kw = ins.keyword
        errors.extend(ModelError(m, ins) for m in validate(ins))
        if kw not in KNOWN_INSTRUCTIONS:
            errors.append(ModelError(f"unknown instruction: {kw}", ins))
            if stage is not None:
                stage.instructions.append(ins)
            continue
        if kw == "FROM":
            stage = _new_stage(ins, len(stages), named, global_args, escape)
            if stage.name is not None:
                if stage.name in named:
                    errors.append(ModelError(f"duplicate stage name {stage.name!r}", ins))
                named[stage.name] = stage
            stages.append(stage)
            continue
        if stage is None:
            if kw == "ARG":
                for name, default in _arg_pairs(ins):
                    if name in given:
                        global_args[name] = given[name]
                        continue
                    global_args[name] = (
                        None if default is None else _expand(default, global_args, escape)
                    )
            else:
                errors.append(ModelError(f"{kw} before the first FROM: no build stage", ins))
            continue
        stage.instructions.append(ins)

    heavy = _heavy_children(stages)
    for stage in stages:
        state = _first_state(stage, stage.index in heavy)
        states = stage.states
        for ins in stage.instructions:
            states.append(state)
            if ins.keyword in KNOWN_INSTRUCTIONS:
                state = _apply(ins, state, stage.index, global_args, escape, given)
        stage.end = state
    if target is not None and stages and target.lower() not in named:
        errors.append(
            ModelError(f"target stage '{target}' could not be found", stages[0].from_, fatal=True)
        )
    return Dockerfile(source, parsed, stages, global_args, errors, target)


def _heavy_children(stages: list[Stage]) -> set[int]:
    """The stages that go on in their parent's scopes: of the children of each stage, the one
    with the most stages below it (heavy-light decomposition: any other child has at most half
    of its parent's, so a line from a stage to its root passes at most log2(stages) others)."""
    below = [1] * len(stages)
    heaviest: dict[int, int] = {}  # parent index -> its heaviest child so far
    for stage in reversed(stages):  # children come after their parents
        parent = stage.parent
        if parent is None:
            continue
        below[parent.index] += below[stage.index]
        best = heaviest.get(parent.index)
        # Ties go to the first child; reversed order meets it last.
        if best is None or below[stage.index] >= below[best]:
            heaviest[parent.index] = stage.index
    return set(heaviest.values())


# Flags BuildKit's instruction parser accepts (newer Dockerfile syntaxes included, so that a file
# written for them is not called broken); any other flag fails the build with "unknown flag".
_FLAGS = {
    "FROM": {"platform"},
    "RUN": {"mount", "network", "security", "device"},
    "COPY": {"from", "chown", "chmod", "link", "parents", "exclude"},
    "ADD": {"chown", "chmod", "link", "keep-git-dir", "checksum", "exclude", "unpack"},
    "HEALTHCHECK": {"interval", "timeout", "start-period", "start-interval", "retries"},
}
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9_.-]*$")
_NOT_TRIGGERS = frozenset({"ONBUILD", "FROM", "MAINTAINER"})


def validate(ins: Instruction) -> list[str]:
    """What BuildKit's instruction parser rejects in a parsed instruction (its own messages)."""
    kw = ins.keyword
    out: list[str] = []
    if kw in KNOWN_INSTRUCTIONS:
        allowed = _FLAGS.get(kw, set())
        out.extend(f"unknown flag: {f.name}" for f in ins.flags if f.name not in allowed)
    if kw == "FROM":
        words = ins.value
        if len(words) not in (1, 3) or (len(words) == 3 and words[1].lower() != "as"):
            out.append("FROM requires either one or three arguments")
        elif len(words) == 3 and "$" not in words[2] and not _STAGE_NAME.match(words[2].lower()):
            out.append(
                f"invalid name for build stage: {words[2]!r}, "
                "name can't start with a number or contain symbols"
            )
    elif kw in ("COPY", "ADD") and len(ins.value) < 2 and not ins.heredocs:
        out.append(
            f"{kw} requires at least two arguments, but only one was provided. "
            "Destination could not be determined"
        )
    elif kw == "SHELL" and not ins.json:
        out.append("SHELL requires the arguments to be in JSON form")
    elif kw == "ONBUILD" and ins.sub is not None and ins.sub.keyword in _NOT_TRIGGERS:
        out.append(f"{ins.sub.keyword} isn't allowed as an ONBUILD trigger")
    return out


def _new_stage(
    ins: Instruction,
    index: int,
    named: Mapping[str, Stage],
    global_args: dict[str, str | None],
    escape: str,
) -> Stage:
    words = ins.value
    base_raw = words[0] if words else ""
    base = _expand(base_raw, global_args, escape) if base_raw else None
    name: str | None = None
    name_span: Span | None = None
    if len(words) >= 3 and words[1].lower() == "as":
        name = words[2].lower()
        name_span = ins.value_mapped[2].span()
    parent = None if base is None else named.get(base.lower())
    image = None if parent is not None or base is None else parse_image_ref(base)
    known = None if image is None else known_image(image)
    return Stage(index, ins, base, name, name_span, parent, image, known)


def _first_state(stage: Stage, heavy: bool) -> State:
    parent = stage.parent
    if parent is None:
        return _initial_state(stage.known)
    inherited = parent.final_state
    if heavy:
        env, sources, expose = inherited.env, inherited.env_sources, inherited.expose
    else:
        env, sources = inherited.env.forked(), inherited.env_sources.forked()
        expose = inherited.expose.forked()
    return replace(
        inherited,
        env=env,
        env_sources=sources,
        args=Scope.empty(),
        expose=expose,
        cmd_set_in_stage=False,
    )


def _apply(
    ins: Instruction,
    state: State,
    stage_index: int,
    global_args: Mapping[str, str | None],
    escape: str,
    build_args: Mapping[str, str | None],
) -> State:
    kw = ins.keyword
    variables = state.variables
    if kw == "ARG":
        args: list[tuple[str, str | None]] = []
        for name, default in _arg_pairs(ins):
            if name in build_args:
                args.append((name, build_args[name]))
            elif default is None:
                # `ARG X` in a stage takes the global default, if any; else only --build-arg can.
                args.append((name, global_args.get(name)))
            else:
                args.append((name, _expand(default, variables, escape)))
        return replace(state, args=state.args.updated(args))
    if kw == "ENV":
        # Every value of one ENV sees the environment from before it: `ENV A=1 B=$A` gives B
        # the old A.
        env: list[tuple[str, str | None]] = []
        sources: list[tuple[str, Mapped]] = []
        for (key, raw), mapped in zip(_env_pairs(ins), _env_value_mapped(ins), strict=False):
            env.append((key, _expand(raw, variables, escape)))
            sources.append((key, _unquote(mapped)))
        return replace(
            state, env=state.env.updated(env), env_sources=state.env_sources.updated(sources)
        )
    if kw == "USER":
        raw = ins.value[0] if ins.value else ""
        return replace(state, user=UserValue(_expand(raw, variables, escape), ins, stage_index))
    if kw == "WORKDIR":
        raw = ins.value[0] if ins.value else ""
        value = _expand(raw, variables, escape)
        if value is None:
            return replace(state, workdir=None)
        if not _is_absolute(value):
            if state.workdir is None:
                return replace(state, workdir=None)
            value = posixpath.join(state.workdir, value)
        return replace(state, workdir=posixpath.normpath(value) if value != "/" else "/")
    if kw == "SHELL":
        return replace(state, shell=tuple(ins.value))
    if kw == "CMD":
        return replace(
            state, cmd=_command("CMD", ins, state.shell, stage_index), cmd_set_in_stage=True
        )
    if kw == "ENTRYPOINT":
        cmd = state.cmd if state.cmd_set_in_stage else None
        return replace(
            state, entrypoint=_command("ENTRYPOINT", ins, state.shell, stage_index), cmd=cmd
        )
    if kw == "EXPOSE":
        ports = [(_expand(v, variables, escape), ins) for v in ins.value]
        return replace(state, expose=state.expose.extended(ports))
    if kw == "STOPSIGNAL":
        raw = ins.value[0] if ins.value else ""
        return replace(state, stopsignal=_expand(raw, variables, escape))
    return state


def _is_absolute(path: str) -> bool:
    # A Windows drive path is absolute too (BuildKit accepts both on Windows images).
    return path.startswith("/") or (len(path) >= 3 and path[1] == ":" and path[2] in "\\/")


def expand_in(state: State, text: str, escape: str) -> str | None:
    """Expand ``text`` as the builder would at this point; None when unknown."""
    if is_plain(text, escape):
        return text  # without building the state's variables, which most words do not use
    return _expand(text, state.variables, escape)
