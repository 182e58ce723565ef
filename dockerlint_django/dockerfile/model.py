"""The typed model above the parse: stages, their inheritance, and the build state at each step.

For every instruction the model knows the state the builder is in when it runs it: environment
(ARG and ENV, expanded where Docker expands), user, working directory, shell, entrypoint and
command.
Values that depend on something a linter cannot know (a build argument without a default, an
unknown base image) are ``None``: *unknown*, and rules never report on unknown.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping

from dockerlint_django._record import field, record, replace
from dockerlint_django.dockerfile.ast import Instruction, ParseResult
from dockerlint_django.dockerfile.expand import Expansion, ExpansionError, expand_word
from dockerlint_django.dockerfile.images import ImageRef, KnownImage, known_image, parse_image_ref
from dockerlint_django.shell.syntax import Word
from dockerlint_django.source import Mapped, SourceFile, Span

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

    env: Mapping[str, str | None]  # ENV, with ENV of ancestor stages
    env_sources: Mapping[str, Mapped]  # where each ENV value is written (quotes stripped)
    args: Mapping[str, str | None]  # ARG in scope in this stage
    user: UserValue
    workdir: str | None
    shell: tuple[str, ...] | None
    entrypoint: Command | None
    cmd: Command | None
    cmd_set_in_stage: bool
    expose: tuple[tuple[str | None, Instruction], ...]
    stopsignal: str | None

    @property
    def variables(self) -> dict[str, str | None]:
        """What ``$NAME`` means to the builder here: ENV wins over ARG."""
        merged = dict(self.args)
        merged.update(self.env)
        return merged

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

    @property
    def root_image(self) -> ImageRef | None:
        return self.chain[0].image

    @property
    def root_known(self) -> KnownImage | None:
        return self.chain[0].known

    def steps(self) -> Iterator[tuple[Instruction, State]]:
        yield from zip(self.instructions, self.states, strict=True)

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

    @property
    def escape(self) -> str:
        return self.parse.directives.escape

    @property
    def final(self) -> Stage | None:
        if not self.stages:
            return None
        if self.target is not None:
            # `docker build --target` with a stage that does not exist fails: there is no image.
            return next((s for s in self.stages if s.name == self.target.lower()), None)
        return self.stages[-1]

    def stage_ref(self, ref: str) -> Stage | None:
        """The stage a ``--from=``/``FROM`` reference names: by name or by index."""
        low = ref.lower()
        for s in self.stages:
            if s.name == low:
                return s
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


def _initial_state(known: KnownImage | None, args: Mapping[str, str | None]) -> State:
    if known is None:
        # An unknown image may set its user, command and environment; the shell of every Linux
        # image is /bin/sh unless the image says otherwise, which almost none do.
        return State(
            {},
            {},
            dict(args),
            UserValue(None, None, None),
            None,
            DEFAULT_SHELL,
            None,
            None,
            False,
            (),
            None,
        )
    return State(
        env={},
        env_sources={},
        args=dict(args),
        user=UserValue(known.user, None, None),
        workdir=known.workdir,
        shell=DEFAULT_SHELL,
        entrypoint=_base_command("ENTRYPOINT", known.entrypoint),
        cmd=_base_command("CMD", known.cmd),
        cmd_set_in_stage=False,
        expose=(),
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
    stage: Stage | None = None
    state: State | None = None

    for ins in parsed.instructions:
        kw = ins.keyword
        errors.extend(ModelError(m, ins) for m in validate(ins))
        if kw not in KNOWN_INSTRUCTIONS:
            errors.append(ModelError(f"unknown instruction: {kw}", ins))
            if stage is not None and state is not None:
                stage.instructions.append(ins)
                stage.states.append(state)
            continue
        if kw == "FROM":
            if stage is not None:
                stage.end = state
            stage, state = _start_stage(ins, len(stages), stages, global_args, escape)
            if stage.name is not None and any(s.name == stage.name for s in stages):
                errors.append(ModelError(f"duplicate stage name {stage.name!r}", ins))
            stages.append(stage)
            continue
        if stage is None or state is None:
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
        stage.states.append(state)
        state = _apply(ins, state, stage.index, global_args, escape, given)
    if stage is not None:
        stage.end = state
    if target is not None and stages and not any(s.name == target.lower() for s in stages):
        errors.append(
            ModelError(f"target stage '{target}' could not be found", stages[0].from_, fatal=True)
        )
    return Dockerfile(source, parsed, stages, global_args, errors, target)


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


def _start_stage(
    ins: Instruction,
    index: int,
    stages: list[Stage],
    global_args: dict[str, str | None],
    escape: str,
) -> tuple[Stage, State]:
    words = ins.value
    base_raw = words[0] if words else ""
    base = _expand(base_raw, global_args, escape) if base_raw else None
    name: str | None = None
    name_span: Span | None = None
    if len(words) >= 3 and words[1].lower() == "as":
        name = words[2].lower()
        name_span = ins.value_mapped[2].span()
    parent: Stage | None = None
    if base is not None:
        for s in reversed(stages):
            if s.name is not None and s.name == base.lower():
                parent = s
                break
    image = None if parent is not None or base is None else parse_image_ref(base)
    known = None if image is None else known_image(image)
    if parent is not None:
        assert parent.end is not None
        inherited = parent.end
        state = replace(inherited, args={}, cmd_set_in_stage=False)
    else:
        state = _initial_state(known, {})
    stage = Stage(index, ins, base, name, name_span, parent, image, known)
    return stage, state


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
        args = dict(state.args)
        for name, default in _arg_pairs(ins):
            if name in build_args:
                args[name] = build_args[name]
            elif default is None:
                # `ARG X` in a stage takes the global default, if any; else only --build-arg can.
                args[name] = global_args.get(name)
            else:
                args[name] = _expand(default, variables, escape)
        return replace(state, args=args)
    if kw == "ENV":
        # Every value of one ENV sees the environment from before it: `ENV A=1 B=$A` gives B
        # the old A.
        env = dict(state.env)
        sources = dict(state.env_sources)
        for (key, raw), mapped in zip(_env_pairs(ins), _env_value_mapped(ins), strict=False):
            env[key] = _expand(raw, variables, escape)
            sources[key] = _unquote(mapped)
        return replace(state, env=env, env_sources=sources)
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
        ports = tuple((_expand(v, variables, escape), ins) for v in ins.value)
        return replace(state, expose=state.expose + ports)
    if kw == "STOPSIGNAL":
        raw = ins.value[0] if ins.value else ""
        return replace(state, stopsignal=_expand(raw, variables, escape))
    return state


def _is_absolute(path: str) -> bool:
    # A Windows drive path is absolute too (BuildKit accepts both on Windows images).
    return path.startswith("/") or (len(path) >= 3 and path[1] == ":" and path[2] in "\\/")


def expand_in(state: State, text: str, escape: str) -> str | None:
    """Expand ``text`` as the builder would at this point; None when unknown."""
    return _expand(text, state.variables, escape)
