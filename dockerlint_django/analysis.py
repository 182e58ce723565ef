"""What rules ask of a Dockerfile, computed once per file: RUN commands, the start command, users.

Rules stay short and pure because the questions they share are answered here, once, from the
model: "which commands does this RUN execute?", "what starts the container?", "which users does
this stage create?".
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from dockerlint_django._record import LazyPattern, record, replace
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.edits import json_append
from dockerlint_django.dockerfile.expand import ExpansionError, expand_word
from dockerlint_django.dockerfile.model import Command, Dockerfile, Stage, State, UserValue
from dockerlint_django.fix import Edit
from dockerlint_django.gunicorn import (
    ConfigSetting,
    EnvVar,
    GunicornSettings,
    parse_args,
    resolve_settings,
)
from dockerlint_django.project.context import UNKNOWN_CONTEXT, BuildContext, has_wildcards
from dockerlint_django.project.workspace import Workspace
from dockerlint_django.shell.commands import (
    Layered,
    django_command,
    pip_install,
    run_environment,
)
from dockerlint_django.shell.launch import WEB_SERVERS, Launch, resolve_launch
from dockerlint_django.shell.scripts import DEFAULT_PATH, ImageScripts
from dockerlint_django.shell.syntax import Script, SimpleCommand, Word, parse_script
from dockerlint_django.source import Mapped, SourceFile, Span

if TYPE_CHECKING:
    from dockerlint_django.project.view import RuntimeLayer
    from dockerlint_django.readers.django_settings import DjangoSettings
    from dockerlint_django.readers.gunicorn_config import GunicornConfig
    from dockerlint_django.readers.nginx import NginxConf

_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})
_HEREDOC_ONLY = LazyPattern(r"^\s*(?:\d*<<-?\s*(?:\"[^\"]*\"|'[^']*'|\S+)\s*)+$")
_TRAILING = frozenset({"CMD", "ENTRYPOINT", "EXPOSE", "HEALTHCHECK", "STOPSIGNAL", "LABEL"})


class _NoConfigFile:
    """Gunicorn loads no config file: nothing it could set is unknown."""


_NO_CONFIG_FILE = _NoConfigFile()


@record
class RunStep:
    """One RUN (or ONBUILD RUN) with the commands it executes."""

    instruction: Instruction  # the RUN itself (for ONBUILD, the inner RUN)
    stage: Stage | None  # None for a RUN before any FROM (a model error)
    state: State | None  # the builder's state when it runs; None for ONBUILD triggers
    commands: tuple[SimpleCommand, ...]
    onbuild: bool = False
    # Its own shell text parses without a syntax error. Only then is text added at its end a
    # command of its own: after an unterminated quote, backquote or ``$(`` it would be part of
    # what is left open, and a fix that appends would be offered again on every pass.
    closes: bool = True

    @property
    def keyword_span(self) -> Span:
        return self.instruction.keyword_span

    def environment(self) -> Mapping[str, str]:
        """The values ENV and ARG give this RUN's shell, where nothing in it can change them
        (``shell.commands.run_environment``)."""
        state = self.state
        return run_environment(
            self.instruction,
            self.commands,
            # ENV wins over ARG, as in State.variables, without merging every variable per RUN
            Layered(state.env, state.args) if state is not None else {},
            state.shell if state is not None else None,
        )


# What Gunicorn takes from its environment (F-01, F-02, F-04).
_GUNICORN_ENV = ("GUNICORN_CMD_ARGS", "WEB_CONCURRENCY", "PORT", "FORWARDED_ALLOW_IPS")


def _argv(command: Command | None) -> tuple[Word, ...]:
    return () if command is None else command.argv


def basename(word: str | None) -> str | None:
    # posixpath.basename, without its generic path handling: rules ask it of every command.
    return None if word is None else word[word.rfind("/") + 1 :]


def _exec_command(words: tuple[Word, ...], span: Span) -> SimpleCommand:
    return SimpleCommand(words, (), (), None, False, False, False, (), None, None, span)


def _dialect_for(text: str, shell_name: str | None) -> str:
    first = text.lstrip().split("\n", 1)[0]
    if first.startswith("#!") and "bash" in first:
        return "bash"
    return "bash" if shell_name == "bash" else "posix"


def script_commands(text: Mapped, shell_name: str | None = None) -> Script:
    dialect = _dialect_for(text.text, shell_name)
    return parse_script(text, dialect="bash" if dialect == "bash" else "posix")


def run_commands(ins: Instruction, shell: tuple[str, ...] | None) -> tuple[SimpleCommand, ...]:
    """The simple commands a RUN executes, heredoc scripts and ``sh -c`` strings included."""
    return read_run(ins, shell)[0]


def read_run(
    ins: Instruction, shell: tuple[str, ...] | None
) -> tuple[tuple[SimpleCommand, ...], bool]:
    """``run_commands``, and whether the RUN's own shell text parses without a syntax error
    (``RunStep.closes``)."""
    if ins.json:
        words = tuple(Word.literal(m) for m in ins.value_mapped)
        if not words:
            return (), True
        out = [_exec_command(words, ins.args.span())]
        name = basename(words[0].value)
        if (
            name in _SHELLS
            and len(words) >= 3
            and (words[1].value or "").startswith("-")
            and "c" in (words[1].value or "")
        ):
            script = words[2].mapped
            if script is not None:
                out.extend(script_commands(script, name).commands)
        return tuple(out), True
    shell_name = basename(shell[0]) if shell else "sh"
    commands: list[SimpleCommand] = []
    if ins.heredocs and _HEREDOC_ONLY.match(ins.args.text):
        # `RUN <<EOF` runs each heredoc body as a script with the stage's shell.
        for doc in ins.heredocs:
            commands.extend(script_commands(doc.body, shell_name).commands)
        return tuple(commands), True
    parsed = script_commands(ins.args, shell_name)
    commands.extend(parsed.commands)
    if ins.heredocs:
        # `RUN bash <<EOF` / `RUN sh -e <<EOF`: the body is the shell's script on stdin.
        for cmd in parsed.commands:
            if basename(cmd.name) in _SHELLS and not any(
                (w.value or "").startswith("-") and "c" in (w.value or "") for w in cmd.words[1:]
            ):
                for doc in ins.heredocs:
                    commands.extend(script_commands(doc.body, basename(cmd.name)).commands)
                break
    # `sh -c "…"` inside a shell-form RUN: look into the string too.
    for cmd in parsed.commands:
        words = cmd.words
        if basename(cmd.name) in _SHELLS and len(words) >= 3:
            flag = words[1].value or ""
            if flag.startswith("-") and "c" in flag and words[2].mapped is not None:
                commands.extend(script_commands(words[2].mapped, basename(cmd.name)).commands)
    return tuple(commands), not parsed.errors


def mounts(ins: Instruction) -> list[dict[str, str]]:
    """The ``--mount=`` options of a RUN, each as ``{"type": …, "target": …}``."""
    out = []
    for flag in ins.flags:
        if flag.name != "mount" or flag.value is None:
            continue
        fields: dict[str, str] = {"type": "bind"}
        for part in flag.value.split(","):
            key, eq, value = part.partition("=")
            fields[key.strip().lower()] = value.strip() if eq else "true"
        out.append(fields)
    return out


@record
class Start:
    """What a stage's container runs: ENTRYPOINT + CMD as Docker combines them, unwrapped."""

    stage: Stage
    entrypoint: Command | None
    cmd: Command | None
    argv: tuple[Word, ...]
    launch: Launch

    @property
    def command(self) -> Command | None:
        """The instruction that decides how the server starts.

        A shell-form ENTRYPOINT ignores CMD; otherwise CMD supplies the server command when the
        ENTRYPOINT is only a launcher (``tini --``), and the ENTRYPOINT does when there is no CMD.
        """
        if self.entrypoint is not None and (not self.entrypoint.json or self.cmd is None):
            return self.entrypoint
        return self.cmd if self.cmd is not None else self.entrypoint


class StageIndex:
    """The RUNs of a model and where each instruction is, read once per model.

    None of it depends on the target, so the analyses of one file's targets share it; keys are
    ids of objects the model holds, which stay alive with it. Built once: a search per question
    makes a rule that asks for every instruction quadratic.
    """

    def __init__(self, dockerfile: Dockerfile) -> None:
        self.dockerfile = dockerfile
        self._copies: dict[int, list[tuple[Instruction, State]]] = {}
        self._positions: dict[int, dict[int, int]] = {}
        self._workdirs: dict[int, frozenset[str]] = {}
        self._destinations: dict[int, tuple[str | None, str | None]] = {}
        # What checks outside this module read from the stages once for all of them (policy
        # entries: every stage's images, commands, packages), by their own keys.
        self.memo: dict[str, Any] = {}

    @cached_property
    def runs(self) -> tuple[RunStep, ...]:
        out: list[RunStep] = []
        for stage in self.dockerfile.stages:
            for ins, state in stage.steps():
                if ins.keyword == "RUN":
                    commands, closes = read_run(ins, state.shell)
                    out.append(RunStep(ins, stage, state, commands, closes=closes))
                elif ins.keyword == "ONBUILD" and ins.sub is not None and ins.sub.keyword == "RUN":
                    commands, closes = read_run(ins.sub, state.shell)
                    out.append(RunStep(ins.sub, stage, None, commands, True, closes))
        return tuple(out)

    @cached_property
    def run_of(self) -> dict[int, RunStep]:
        """RUN instruction id -> its RunStep (the first, as a search of ``runs`` finds it)."""
        out: dict[int, RunStep] = {}
        for run in self.runs:
            out.setdefault(id(run.instruction), run)
        return out

    @cached_property
    def positions(self) -> dict[int, int]:
        """RunStep id -> its place in ``runs``."""
        return {id(run): i for i, run in enumerate(self.runs)}

    @cached_property
    def stage_runs(self) -> dict[int, tuple[RunStep, ...]]:
        """Stage index -> the stage's own RUNs (ONBUILD triggers left out), in file order."""
        out: dict[int, list[RunStep]] = {}
        for run in self.runs:
            if run.stage is not None and not run.onbuild:
                out.setdefault(run.stage.index, []).append(run)
        return {k: tuple(v) for k, v in out.items()}

    def copies(self, stage: Stage) -> list[tuple[Instruction, State]]:
        """The stage's own COPY/ADD instructions with a destination, in order."""
        found = self._copies.get(stage.index)
        if found is None:
            found = self._copies[stage.index] = [
                (ins, state)
                for ins, state in stage.steps()
                if ins.keyword in ("COPY", "ADD") and len(ins.value) >= 2
            ]
        return found

    def position(self, stage: Stage) -> dict[int, int]:
        """Instruction id -> its place in the stage (the first, for one listed twice)."""
        found = self._positions.get(stage.index)
        if found is None:
            found = {}
            for i, ins in enumerate(stage.instructions):
                found.setdefault(id(ins), i)
            self._positions[stage.index] = found
        return found

    def workdirs(self, stage: Stage) -> frozenset[str]:
        """Every WORKDIR the stage chain is in at some point (WORKDIR creates its folder)."""
        for s in stage.chain:  # oldest first: each parent is settled before its child
            if s.index not in self._workdirs:
                own = {st.workdir for st in (*s.states, s.final_state) if st.workdir is not None}
                if s.parent is not None:
                    own |= self._workdirs[s.parent.index]
                self._workdirs[s.index] = frozenset(own)
        return self._workdirs[stage.index]

    def copy_destination(self, ins: Instruction, state: State) -> tuple[str | None, str | None]:
        """A COPY/ADD's destination as written but expanded, and made absolute and normalised;
        (None, None) when it is not known."""
        found = self._destinations.get(id(ins))
        if found is None:
            raw_dest = _copy_word(ins.value[-1], state, self.dockerfile.escape)
            dest: str | None = None
            if raw_dest is None or raw_dest == "":
                raw_dest = None
            elif not raw_dest.startswith("/"):
                if state.workdir is None:
                    raw_dest = None
                else:
                    dest = posixpath.normpath(posixpath.join(state.workdir, raw_dest))
            else:
                dest = posixpath.normpath(raw_dest)
            found = self._destinations[id(ins)] = (raw_dest, dest)
        return found

    @cached_property
    def stage_of(self) -> dict[int, Stage]:
        """Instruction id (FROM included) -> the stage it is in."""
        out: dict[int, Stage] = {}
        for stage in self.dockerfile.stages:
            out.setdefault(id(stage.from_), stage)
            for i in stage.instructions:
                out.setdefault(id(i), stage)
        return out


class Analysis:
    def __init__(
        self,
        source: SourceFile,
        dockerfile: Dockerfile,
        context: BuildContext = UNKNOWN_CONTEXT,
        in_template: bool | None = None,
        *,
        runtime: RuntimeLayer | None = None,
        workspace: Workspace | None = None,
        base: Analysis | None = None,
    ) -> None:
        self.source = source
        self.dockerfile = dockerfile
        self.context = context
        # Every file this analysis reads (scripts, Compose files) at its own offsets: spans from
        # any of them can be reported (see project.workspace).
        self.workspace = workspace if workspace is not None else Workspace(source)
        # A Compose service's settings over the image; they apply to the stage the service runs.
        self.runtime = runtime
        # The file lies under a `{{cookiecutter.*}}` folder: placeholders are expected there.
        # None when the file has no path (standard input).
        self.in_template = in_template
        self._starts: dict[int, Start | None] = {}
        self._gunicorn: dict[int, GunicornSettings | None] = {}
        self._settings: dict[int, DjangoSettings | None] = {}
        self._nginx: dict[int, NginxFiles | None] = {}
        # What checks outside this module read from this image once for all of them (policy
        # entries, Rego policies), by their own keys; what depends on the stages alone is in
        # ``index.memo``, shared with the file's other targets.
        self.memo: dict[str, Any] = {}
        # What depends on the stages alone: the analysis of another target of the same model
        # (``engine.as_target``) reads the file's RUNs once, not once per target.
        self.index: StageIndex = (
            base.index
            if base is not None and base.dockerfile.stages is dockerfile.stages
            else StageIndex(dockerfile)
        )

    def text(self, span: Span) -> str:
        """The text of a workspace span, in whichever file it lies (Dockerfile, script, Compose)."""
        source, local = self.workspace.locate(span)
        return source.slice(local)

    # -- instructions ---------------------------------------------------------------------

    def instructions(self, *keywords: str, onbuild: bool = True) -> Iterator[Instruction]:
        """Instructions with these keywords, in file order; ONBUILD triggers included."""
        wanted = set(keywords)
        for ins in self.dockerfile.parse.instructions:
            if ins.keyword in wanted:
                yield ins
            elif (
                onbuild
                and ins.keyword == "ONBUILD"
                and ins.sub is not None
                and ins.sub.keyword in wanted
            ):
                yield ins.sub

    def stage_of(self, ins: Instruction) -> Stage | None:
        return self.index.stage_of.get(id(ins))

    # -- RUN ------------------------------------------------------------------------------

    @property
    def runs(self) -> tuple[RunStep, ...]:
        return self.index.runs

    @cached_property
    def shipped(self) -> frozenset[int]:
        """The stages whose layers are in an image: the final stage, its ancestors, and any
        stage another stage is built FROM (catalogue decision 9). A stage that is only a
        `COPY --from` source ships only what is copied out of it."""
        df = self.dockerfile
        out = {s.index for s in df.shipped_stages()}
        out |= {s.parent.index for s in df.stages if s.parent is not None}
        return frozenset(out)

    def ships(self, run: RunStep) -> bool:
        """The RUN's layer is in an image (an ONBUILD trigger runs in every image built on it)."""
        return run.onbuild or (run.stage is not None and run.stage.index in self.shipped)

    def run_of(self, ins: Instruction) -> RunStep | None:
        """The RunStep of a RUN (for an ONBUILD RUN, of its inner RUN); None for anything else."""
        return self.index.run_of.get(id(ins))

    def run_position(self, run: RunStep) -> int:
        """Where ``run`` (one of ``runs``) is in ``runs``."""
        return self.index.positions[id(run)]

    def runs_in(self, stage: Stage, *, chain: bool = False) -> Iterator[RunStep]:
        """The RUNs of the stage (and its ancestors, oldest first, with ``chain``), in file
        order; ONBUILD triggers left out."""
        # A parent always comes earlier in the file than the stage built FROM it, so the chain,
        # oldest first, is in file order.
        stage_runs = self.index.stage_runs
        for s in stage.chain if chain else (stage,):
            yield from stage_runs.get(s.index, ())

    # -- users ----------------------------------------------------------------------------

    def created_users(self, stage: Stage) -> list[tuple[str, str]]:
        """``(user, primary group)`` created by useradd/adduser in the stage and its ancestors."""
        out: list[tuple[str, str]] = []
        for run in self.runs_in(stage, chain=True):
            for cmd in run.commands:
                created = _created_user(cmd)
                if created is not None:
                    out.append(created)
        return out

    # -- the start command ----------------------------------------------------------------

    def start(self, stage: Stage) -> Start | None:
        """The stage's start command; None when neither ENTRYPOINT nor CMD is known."""
        if stage.index in self._starts:
            return self._starts[stage.index]
        state = stage.final_state
        entry, cmd = state.entrypoint, state.cmd
        if self.runtime is not None and stage is self.dockerfile.final:
            from dockerlint_django.project.view import merge_start

            entry, cmd = merge_start(entry, cmd, self.runtime)
        argv = None if entry is None and cmd is None else (*_argv(entry), *_argv(cmd))
        result = None
        if argv is not None:
            if entry is not None and not entry.json:
                # A shell-form ENTRYPOINT runs `sh -c` with CMD as `$0 …`: CMD never runs.
                argv = entry.argv
            launch = resolve_launch(argv, self._image_scripts(stage))
            result = Start(stage, entry, cmd, tuple(argv), launch)
        self._starts[stage.index] = result
        return result

    def _image_scripts(self, stage: Stage) -> ImageScripts:
        """The scripts the stage's start command can run: files COPY/ADD bring from the context.

        The container starts in the WORKDIR (a Compose ``working_dir`` over it) with the image's
        PATH; an image PATH built on ``$PATH`` lists only what the Dockerfile adds (the base
        image's part is unknown here), so Docker's default directories are searched after it.
        """
        state = stage.final_state
        workdir = state.workdir
        env_names = set(state.env)
        runtime = self.runtime if stage is self.dockerfile.final else None
        if runtime is not None:
            if runtime.working_dir is not None:
                workdir = runtime.working_dir.value
            env_names.update(runtime.environment)
        search: tuple[str, ...] | None = DEFAULT_PATH
        if "PATH" in env_names:
            if runtime is not None and "PATH" in runtime.environment:
                value = runtime.environment["PATH"].value
            else:
                value = state.env.get("PATH")
            search = None
            if value is not None:
                listed = tuple(d for d in value.split(":") if d.startswith("/"))
                search = listed + tuple(d for d in DEFAULT_PATH if d not in listed)
        runs = [
            (run.state.workdir if run.state is not None else None, run.commands)
            for run in self.runs_in(stage, chain=True)
        ]
        return ImageScripts(
            locate=lambda path: self.context_file_at(stage, path),
            read=self.context.read,
            mapped=self.workspace.mapped,
            workdir=workdir,
            search_path=search,
            environment=frozenset(env_names),
            runs=runs,
            context_known=self.context.exists(".") is not None,
        )

    def user(self, stage: Stage) -> UserValue:
        """The user the container runs as: a Compose ``user:`` over the image's USER."""
        state = stage.final_state
        runtime = self.runtime
        if runtime is not None and runtime.user is not None and stage is self.dockerfile.final:
            return UserValue(runtime.user.value, None, None)
        return state.user

    def stop_signal(self, stage: Stage) -> str | None:
        """The signal ``docker stop`` sends: Compose's ``stop_signal`` over STOPSIGNAL."""
        runtime = self.runtime
        if (
            runtime is not None
            and runtime.stop_signal is not None
            and stage is self.dockerfile.final
        ):
            return runtime.stop_signal.value
        return stage.final_state.stopsignal

    def append_to_server(self, start: Start, words: Sequence[str]) -> Edit | None:
        """An edit appending ``words`` to the server's arguments, or None when that is unsafe.

        Only for an exec-form command whose last element is the server's own last argument: not a
        word inside a ``sh -c`` string (appending would add arguments to the shell), and not after
        a ``--`` (everything after it is positional).
        """
        command = start.command
        if command is None or command.instruction is None or not command.instruction.json:
            return None
        args = start.launch.args
        if any(w.value == "--" for w in args):
            return None
        program = start.launch.program
        last = args[-1].span if args else (program.span if program is not None else None)
        ins = command.instruction
        if last is None or not ins.value_mapped or ins.value_mapped[-1].span() != last:
            return None
        return json_append(self.source, ins, words)

    def gunicorn(self, stage: Stage) -> GunicornSettings | None:
        """Gunicorn's settings for the stage's start command; None when it does not run Gunicorn."""
        # Once a stage: a dozen rules ask, and what it reads (the start command, the stage's
        # environment, the config file in the build context) is fixed for the analysis.
        if stage.index not in self._gunicorn:
            self._gunicorn[stage.index] = self._gunicorn_settings(stage)
        return self._gunicorn[stage.index]

    def _gunicorn_settings(self, stage: Stage) -> GunicornSettings | None:
        start = self.start(stage)
        if start is None or start.launch.kind != "gunicorn":
            return None
        env: dict[str, EnvVar] = {}
        state = stage.final_state
        for name, value in state.env.items():
            origin = state.env_sources.get(name)
            span = origin.span() if origin is not None else None
            mapped = None
            if origin is not None and value is not None:
                # A value changed by expansion or escapes has no char-by-char source: anchor every
                # character to the whole written value, so spans still land on the right line.
                whole = origin.span()
                n = len(value)
                mapped = (
                    origin
                    if origin.text == value
                    else Mapped(value, [whole.start] * n, [whole.end] * n)
                )
            env[name] = EnvVar(value, span, mapped)
        if self.runtime is not None and stage is self.dockerfile.final:
            if not self.runtime.environment_complete:
                # A missing env file may set what Gunicorn reads from the environment.
                for name in _GUNICORN_ENV:
                    env[name] = EnvVar(None)
            for name, var in self.runtime.environment.items():
                word = var.mapped
                env[name] = EnvVar(var.value, var.span, word.mapped if word is not None else None)
        for assignment in start.launch.environment:
            # `env GUNICORN_CMD_ARGS=… gunicorn` and `VAR=… gunicorn` in a script set the
            # container environment for Gunicorn alone, over the image's ENV.
            env[assignment.name] = EnvVar(assignment.value, assignment.span)
        cli = parse_args(start.launch.args)
        settings = resolve_settings(cli, env=env)
        selection = settings.config_file
        if selection.layer != "default" and selection.path is None:
            return resolve_settings(cli, env=env, config_unknown=True)
        config = self._gunicorn_config(
            stage, None if selection.layer == "default" else selection.path
        )
        if config is None:
            # A config file may be loaded but cannot be read: all it could set is unknown.
            return resolve_settings(cli, env=env, config_unknown=True)
        if isinstance(config, _NoConfigFile):
            return resolve_settings(cli, env=env, config={}, config_unknown=False)
        # A setting's span is moved into the workspace, so that the services listing and the
        # rules can say which line of the config file sets it.
        source = config.source
        values = {
            name: ConfigSetting(
                setting.value,
                setting.known,
                None
                if source is None or setting.span is None
                else self.workspace.to_workspace(source, setting.span),
            )
            for name, setting in config.settings.items()
        }
        return resolve_settings(cli, env=env, config=values, config_unknown=config.unknown)

    def context_file_at(
        self, stage: Stage, image_path: str, *, before: Instruction | None = None
    ) -> tuple[str | None, bool]:
        """The build-context file a COPY/ADD put at ``image_path`` in the stage.

        Returns ``(context path, known)``: ``(path, True)`` when a copy brings it, ``(None, True)``
        when no copy can, ``(None, False)`` when it cannot be known (another stage's files,
        variables in a source, no readable build context). ``before``: only the copies that run
        before that instruction of the stage (what a RUN finds).

        Sources and destinations are read as BuildKit expands them (quotes removed, variables
        replaced); one whose value is not known then (a build argument, a variable the base
        image may set) is unknown. A source with wildcards copies what it matches in the build
        context (``BuildContext.glob``), nothing when it matches nothing. "No copy can" is only
        said when every copy's destination is known: a copy to an unknown place may have put the
        file anywhere.
        """
        target = posixpath.normpath(image_path)
        index = self.index
        copies: list[tuple[Instruction, State]] = []
        for s in stage.chain:
            own = index.copies(s)
            if before is not None:
                at = index.position(s).get(id(before))
                if at is not None:
                    own = [c for c in own if index.position(s)[id(c[0])] < at]
            copies.extend(own)
        # WORKDIR creates its directory: a copy to one of them puts files inside it.
        dirs = index.workdirs(stage)
        for ins, state in reversed(copies):  # the last copy to a place wins
            raw_dest, dest = index.copy_destination(ins, state)
            if raw_dest is None or dest is None:
                return None, False
            inside = "/" if dest == "/" else dest + "/"
            if target != dest and not target.startswith(inside):
                continue  # this copy writes elsewhere
            rel = target[len(inside) :] if target != dest else None
            # BuildKit copies into the destination when it ends in `/` or is `.`; with one
            # source, also when it already is a directory in the image.
            into_dir = raw_dest.endswith(("/", "/.")) or raw_dest == "." or len(ins.value) > 2
            is_dir = into_dir or dest in _IMAGE_DIRS or dest in dirs
            sources = self._copy_sources(ins, state)
            if sources is None:
                return None, False  # it writes under the target's place, from elsewhere
            if len(sources) > 1 and not is_dir:
                return None, False  # matches copied one over the other, or the build stops
            into_dir = into_dir or len(sources) > 1
            for src in reversed(sources):  # a later source overwrites an earlier one
                if rel is not None:
                    # A folder's contents land in the destination: `COPY . /app/`.
                    candidate = posixpath.join(src, rel)
                    found = self.context.exists(candidate)
                    if found is None:
                        return None, False
                    if found:
                        return candidate, True
                    if target == posixpath.join(dest, posixpath.basename(src)):
                        # A file copied into the destination folder: `COPY manage.py /app/`.
                        found = self.context.exists(src)
                        if found is None or (found and not is_dir):
                            return None, False  # a file only if /app is a directory
                        if found:
                            return src, True
                elif not into_dir:
                    found = self.context.exists(src)  # `COPY conf.py /app/gunicorn.conf.py`
                    if found is None:
                        return None, False
                    if found:
                        return src, True
        return None, True

    def _copy_sources(self, ins: Instruction, state: State) -> list[str] | None:
        """The build-context paths a COPY/ADD copies, in order, wildcards matched; None when
        they are not known (another stage or image, a variable, a URL or an archive ADD unpacks,
        a heredoc, `--parents`/`--exclude`, a pattern without a readable context)."""
        if any(f.name in ("from", "parents", "exclude") for f in ins.flags) or ins.heredocs:
            return None
        out: list[str] = []
        for raw_src in ins.value[:-1]:
            src = _copy_word(raw_src, state, self.dockerfile.escape)
            if src is None:
                return None
            if has_wildcards(src):
                if ins.keyword == "ADD" and "://" in src:
                    return None
                matches = self.context.glob(src)
                if matches is None:
                    return None
                out.extend(matches)
            else:
                out.append(src)
        if ins.keyword == "ADD" and any(_remote_or_archive(src) for src in out):
            return None
        return out

    def run_file(self, run: RunStep, image_path: str) -> tuple[str | None, bool]:
        """The build-context file at ``image_path`` while ``run`` executes, as
        ``context_file_at`` answers it: a ``--mount=type=bind`` of the build context on the RUN
        (``source=pyproject.toml,target=pyproject.toml``, as uv's Docker guide writes it) first,
        else what the COPY/ADD before the RUN put there. Any other mount over the path (another
        stage's files, a cache, a secret) is unknown."""
        if run.stage is None or run.state is None:
            return None, False
        target = posixpath.normpath(image_path)
        workdir = run.state.workdir
        for mount in reversed(mounts(run.instruction)):
            where = mount.get("target", mount.get("dst", mount.get("destination")))
            if where is None or "$" in where:
                return None, False
            if not where.startswith("/"):
                if workdir is None:
                    return None, False
                where = posixpath.join(workdir, where)
            where = posixpath.normpath(where)
            inside = "/" if where == "/" else where + "/"
            if target != where and not target.startswith(inside):
                continue
            source = mount.get("source", mount.get("src", "."))
            if mount.get("type") != "bind" or "from" in mount or "$" in source:
                return None, False
            rel = target[len(inside) :] if target != where else ""
            candidate = posixpath.normpath(posixpath.join(source.lstrip("/") or ".", rel))
            found = self.context.exists(candidate)
            if found is None:
                return None, False
            return (candidate, True) if found else (None, True)
        return self.context_file_at(run.stage, target, before=run.instruction)

    def _gunicorn_config(
        self, stage: Stage, ref: str | None
    ) -> GunicornConfig | _NoConfigFile | None:
        """The config file Gunicorn loads, read from the build context; None when unknown.

        ``ref`` None means the implicit ``./gunicorn.conf.py``; ``_NO_CONFIG_FILE`` stands for
        "no file is loaded" (only a file read imports the reader). Both are found from the
        directory Gunicorn starts in:
        the WORKDIR (a Compose ``working_dir`` over it), or the directory a script on the way
        changes to; a launcher or ``sh -c`` string that changes directory makes it unknown.
        """
        workdir = stage.final_state.workdir
        runtime = self.runtime if stage is self.dockerfile.final else None
        if runtime is not None and runtime.working_dir is not None:
            workdir = runtime.working_dir.value
        start = self.start(stage)
        if start is not None:
            launch = start.launch
            if launch.changes_directory:
                # Each script starts where the one before left off: the last one's is the server's.
                workdir = launch.scripts[-1].cwd
            if _launch_moves(launch):
                workdir = None
        if ref is None:
            if workdir is None:
                return None
            candidates: tuple[str, ...] = (posixpath.join(workdir, "gunicorn.conf.py"),)
            complete = True
        else:
            from dockerlint_django.readers.gunicorn_config import resolve_config_ref

            resolved = resolve_config_ref(ref, workdir)
            if resolved.error is not None:
                return None
            candidates, complete = resolved.candidates, resolved.complete
        for image_path in candidates:
            found, known = self.context_file_at(stage, image_path)
            if not known:
                return None
            if found is not None:
                source = self.context.read(found)
                if source is None:
                    return None
                from dockerlint_django.readers.gunicorn_config import read_config

                config = read_config(source)
                return None if config.error is not None else config
        if ref is None and complete:
            return _NO_CONFIG_FILE
        return None  # a named file that no copy brings: Gunicorn stops, or it comes from elsewhere

    def django_settings(self, stage: Stage) -> DjangoSettings | None:
        """The Django settings the stage's project loads, read from the build context.

        The project is where the stage's ``manage.py`` comes from; the module is the stage's
        ``DJANGO_SETTINGS_MODULE``, else ``manage.py``'s default. None when any of it is unknown.
        """
        if stage.index in self._settings:
            return self._settings[stage.index]
        result: DjangoSettings | None = None
        workdir = stage.final_state.workdir
        if workdir is not None:
            manage, known = self.context_file_at(stage, posixpath.join(workdir, "manage.py"))
            env = stage.final_state.env
            module = env.get("DJANGO_SETTINGS_MODULE")
            if (
                known
                and manage is not None
                and not ("DJANGO_SETTINGS_MODULE" in env and module is None)
            ):
                # Only images whose project the build context shows pay for the settings reader.
                from dockerlint_django.readers.django_settings import load_settings

                project = posixpath.dirname(posixpath.normpath(manage))
                loaded = load_settings(
                    self.context.exists,
                    self.context.read,
                    settings_module=module,
                    project_dir="" if project == "." else project,
                    list_dir=self.context.list_dir,
                )
                result = None if loaded is None else loaded[1]
        self._settings[stage.index] = result
        return result

    def gunicorn_version(self, stage: Stage) -> tuple[int, ...] | None:
        """The Gunicorn release the stage pins (``gunicorn==26.0.0`` in a requirements file it
        installs, nested ``-r`` followed, or on the pip command line); None when unknown."""
        from dockerlint_django.readers.requirements import parse_requirements, pinned_version

        found: tuple[int, ...] | None = None
        for run in self.runs_in(stage, chain=True):
            for cmd in run.commands:
                pip = pip_install(cmd)
                if pip is None:
                    continue
                for word in pip.packages:
                    name, sep, version = (word.value or "").partition("==")
                    if sep and name.split("[")[0].strip().lower() == "gunicorn":
                        found = tuple(int(p) for p in version.split(".") if p.isdigit()) or found
                for word in pip.requirement_files:
                    value = word.value
                    if value is None or run.state is None:
                        return None
                    value = value.removeprefix("--requirement=")
                    workdir = run.state.workdir
                    if not value.startswith("/") and workdir is None:
                        return None
                    image_path = (
                        value if value.startswith("/") else posixpath.join(workdir or "/", value)
                    )
                    context_path, known = self.context_file_at(stage, image_path)
                    source = self.context.read(context_path) if context_path is not None else None
                    if not known or source is None:
                        return None
                    pin = pinned_version(parse_requirements(source, self.context.read), "gunicorn")
                    found = pin or found
        return found

    def nginx_files(self, stage: Stage) -> NginxFiles | None:
        """The nginx configuration files the stage copies from the build context that nginx
        loads; None when the stage is not built on the official ``nginx`` image or on
        nginx-unprivileged (another base's layout and main file are not known).

        nginx reads ``/etc/nginx/nginx.conf``; the images' stock one includes
        ``/etc/nginx/conf.d/*.conf`` in its ``http`` block, and their entrypoint renders
        ``/etc/nginx/templates/**/*.template`` into ``/etc/nginx/conf.d/`` (envsubst, the suffix
        dropped) before nginx starts. A copied main file decides by its own ``include``s.
        ``complete`` is False when nginx may load something not read here: a copy to an unknown
        place or from another stage or image into ``/etc/nginx``, a RUN that names
        ``/etc/nginx`` (other than an ``rm`` of files), a file that cannot be read or parsed, an
        ``include`` of a file that is neither copied nor the images' own.
        """
        if stage.index in self._nginx:
            return self._nginx[stage.index]
        result = self._nginx_files(stage)
        self._nginx[stage.index] = result
        return result

    def _nginx_files(self, stage: Stage) -> NginxFiles | None:
        image = stage.root_image
        if image is None or not (image.name == "nginx" or image.name in NGINX_UNPRIVILEGED):
            return None
        if not self._starts_nginx(stage):
            return None  # another start command, or nginx told to read another main file
        from dockerlint_django.readers.nginx import parse_nginx

        complete = True
        present: dict[str, Instruction] = {}  # image path -> the copy that put it there
        removed: set[str] = set()
        index = self.index
        for s in stage.chain:
            for ins, state in s.steps():
                if ins.keyword == "RUN":
                    run = self.run_of(ins)
                    if run is None:
                        continue
                    gone = _nginx_removals(run, state.workdir)
                    if gone is None:
                        complete = False
                        continue
                    for pattern in gone:
                        for other in [p for p in present if _removes(pattern, p)]:
                            del present[other]
                        removed.add(pattern)
                    continue
                if ins.keyword not in ("COPY", "ADD") or len(ins.value) < 2:
                    continue
                raw_dest, dest = index.copy_destination(ins, state)
                if raw_dest is None or dest is None:
                    complete = False
                    continue
                if dest == _NGINX_HOOKS or dest.startswith(_NGINX_HOOKS + "/"):
                    return None  # a script the entrypoint runs first may rewrite anything
                if not _touches_nginx(dest):
                    continue
                sources = self._copy_sources(ins, state)
                if sources is None:
                    complete = False
                    continue
                into_dir = (
                    raw_dest.endswith(("/", "/."))
                    or raw_dest == "."
                    or len(ins.value) > 2
                    or len(sources) > 1
                    or dest in _NGINX_DIRS
                )
                for src in sources:
                    placed = self._nginx_placed(src, dest, into_dir)
                    if placed is None:
                        complete = False
                        continue
                    for path in placed:
                        present[path] = ins
                        removed.discard(path)
        files: list[NginxFile] = []
        by_path: dict[str, NginxFile] = {}
        for image_path, ins in present.items():
            loaded_as = _nginx_loaded_as(image_path)
            if loaded_as is None:
                continue
            found, known = self.context_file_at(stage, image_path)
            source = self.context.read(found) if known and found is not None else None
            if source is None:
                complete = False
                continue
            conf = parse_nginx(source)
            if conf.error is not None:
                complete = False
                continue
            entry = NginxFile(image_path, loaded_as, source, conf, ins)
            by_path[loaded_as] = entry  # a rendered template replaces a copied file
            files.append(entry)
        main = by_path.get(NGINX_MAIN)
        loaded: list[NginxFile] = []
        for entry in files:
            if by_path.get(entry.loaded_as) is not entry:
                continue
            if entry.loaded_as == NGINX_MAIN:
                loaded.append(entry)
                continue
            where = _nginx_included(main.conf if main is not None else None, entry.loaded_as)
            if where is None:
                continue
            loaded.append(replace(entry, context=where))
        if main is not None:
            # An include the main file makes of something neither copied nor stock is unknown.
            for directive, _parents in main.conf.walk():
                if directive.name != "include" or len(directive.args) != 1:
                    continue
                pattern = directive.args[0].value
                if "$" in pattern:
                    complete = False
                    continue
                target = posixpath.normpath(posixpath.join("/etc/nginx", pattern))
                if target in _NGINX_STOCK_FILES:
                    continue
                if has_wildcards(target) and target.startswith(NGINX_CONF_D + "/"):
                    continue  # every file there that the stage has is read above
                if target not in by_path:
                    complete = False
        stock_default = (
            NGINX_DEFAULT_CONF not in by_path
            and not any(_removes(r, NGINX_DEFAULT_CONF) for r in removed)
            and (main is None or _nginx_included(main.conf, NGINX_DEFAULT_CONF) is not None)
        )
        return NginxFiles(tuple(loaded), complete, main, stock_default)

    def _starts_nginx(self, stage: Stage) -> bool:
        """The container runs nginx with its stock main file, through the images' entrypoint
        or directly: nothing on the way rewrites the configuration, other than what the
        images' own ``/docker-entrypoint.d`` scripts do (templates)."""
        start = self.start(stage)
        if start is None:
            return False
        values = [w.value for w in start.argv]
        if values[:1] == ["/docker-entrypoint.sh"]:
            values = values[1:]
        if not values or basename(values[0]) != "nginx" or any(v is None for v in values):
            return False
        # `-c FILE` reads another main file, `-p` another prefix: not the layout known here.
        return not any(v is not None and v.startswith(("-c", "-p")) for v in values[1:])

    def _nginx_placed(self, src: str, dest: str, into_dir: bool) -> list[str] | None:
        """The image paths under ``/etc/nginx`` that copying ``src`` to ``dest`` writes; None
        when not known."""
        found = self.context.exists(src)
        if found is None:
            return None
        if not found:
            return []  # the build stops
        listing = self.context.list_dir(src)
        if listing is None:  # a file
            target = posixpath.join(dest, posixpath.basename(src)) if into_dir else dest
            return [target] if _in_nginx(target) else []
        # A folder's contents land in the destination; only its part under /etc/nginx counts.
        if _in_nginx(dest):
            folder, prefix = src, dest
        else:
            rel = posixpath.relpath("/etc/nginx", dest)
            folder, prefix = posixpath.normpath(posixpath.join(src, rel)), "/etc/nginx"
            if self.context.exists(folder) is not True:
                return [] if self.context.exists(folder) is False else None
        out: list[str] = []
        pending = [(folder, prefix)]
        while pending:
            here, at = pending.pop()
            names = self.context.list_dir(here)
            if names is None:
                out.append(at)  # a file
                continue
            for name in names:
                if len(out) + len(pending) > _NGINX_MAX_FILES:
                    return None
                pending.append((posixpath.join(here, name), posixpath.join(at, name)))
        return sorted(out)

    def is_django_stage(self, stage: Stage) -> bool:
        """The stage runs a Django/WSGI/ASGI server or manage.py, or builds with manage.py."""
        start = self.start(stage)
        if start is not None and (
            start.launch.kind in WEB_SERVERS or start.launch.kind == "django-command"
        ):
            return True
        for run in self.runs_in(stage, chain=True):
            if any(django_command(c) is not None for c in run.commands):
                return True
        for s in stage.chain:
            for ins in s.instructions:
                if ins.keyword in ("COPY", "ADD") and any(
                    posixpath.basename(v.rstrip("/")) == "manage.py" for v in ins.value[:-1]
                ):
                    return True
        return False

    def start_instruction(self, stage: Stage) -> Instruction | None:
        """The first of the trailing EXPOSE/CMD/ENTRYPOINT/… block at the end of a stage."""
        first: Instruction | None = None
        for ins in reversed(stage.instructions):
            if ins.keyword not in _TRAILING:
                break
            first = ins
        return first


# -- nginx -------------------------------------------------------------------------------------

NGINX_UNPRIVILEGED = frozenset(
    {
        "nginxinc/nginx-unprivileged",
        "nginx/nginx-unprivileged",
        "ghcr.io/nginx/nginx-unprivileged",
        "ghcr.io/nginxinc/nginx-unprivileged",
        "public.ecr.aws/nginx/nginx-unprivileged",
    }
)
NGINX_MAIN = "/etc/nginx/nginx.conf"
NGINX_CONF_D = "/etc/nginx/conf.d"
NGINX_DEFAULT_CONF = "/etc/nginx/conf.d/default.conf"
_NGINX_TEMPLATES = "/etc/nginx/templates"
_NGINX_HOOKS = "/docker-entrypoint.d"  # scripts the images' entrypoint runs before nginx
# Folders the nginx images have: a single file copied to one of them lands inside it.
_NGINX_DIRS = frozenset({"/", "/etc", "/etc/nginx", NGINX_CONF_D, _NGINX_TEMPLATES})
# What the images' stock main file includes besides conf.d, and the files beside it.
_NGINX_STOCK_FILES = frozenset(
    "/etc/nginx/" + name
    for name in (
        "mime.types",
        "fastcgi_params",
        "fastcgi.conf",
        "scgi_params",
        "uwsgi_params",
        "koi-utf",
        "koi-win",
        "win-utf",
    )
)
_NGINX_MAX_FILES = 1_000  # a folder copied into /etc/nginx with more is not walked
# Commands that may write a file they name through a variable.
_NGINX_WRITERS = frozenset(
    {"sed", "cp", "mv", "ln", "envsubst", "tee", "install", "rm", "perl", "awk", "rsync", "tar"}
    | {"unzip", "curl", "wget", "python", "python3", "sh", "bash", "ash", "dd", "truncate"}
)
# Commands that name /etc/nginx without changing what nginx reads.
_NGINX_READERS = frozenset(
    {"mkdir", "chown", "chmod", "chgrp", "ls", "cat", "test", "[", "nginx", "stat", "find"}
)


@record
class NginxFile:
    """A configuration file copied from the build context that nginx loads."""

    image_path: str  # where the copy puts it (a template's own path)
    loaded_as: str  # what nginx reads: a template's rendering in conf.d
    source: SourceFile  # the build-context file (its own offsets)
    conf: NginxConf
    copy: Instruction  # the COPY/ADD that brings it
    # The block the file's top level is in: "http" for the stock main file's conf.d include,
    # "main" for the main file itself, else the block of the include that reads it.
    context: str = "main"


@record
class NginxFiles:
    files: tuple[NginxFile, ...]  # parsed, in copy order
    complete: bool  # nothing else nginx may load is unknown
    main: NginxFile | None  # a copied /etc/nginx/nginx.conf; None: the image's stock one
    stock_default: bool  # the image's own conf.d/default.conf is still loaded


def _in_nginx(path: str) -> bool:
    return path == "/etc/nginx" or path.startswith("/etc/nginx/")


def _touches_nginx(dest: str) -> bool:
    """A copy to ``dest`` may write under /etc/nginx."""
    return _in_nginx(dest) or dest in ("/", "/etc")


def _nginx_loaded_as(image_path: str) -> str | None:
    """The path nginx reads a copied file as: itself, or a template's rendering; None for a
    file that is not configuration by place (conf.d's non-``.conf`` files are read only when
    a main file includes them)."""
    if image_path.startswith(_NGINX_TEMPLATES + "/"):
        if not image_path.endswith(".template"):
            return None
        rel = image_path[len(_NGINX_TEMPLATES) + 1 : -len(".template")]
        return posixpath.join(NGINX_CONF_D, rel) if rel else None
    return image_path if _in_nginx(image_path) else None


def _glob_match(pattern: str, path: str) -> bool:
    """nginx's ``include`` glob (``glob(3)``): ``*`` and ``?`` do not cross a ``/``."""
    from fnmatch import fnmatchcase

    parts, names = pattern.split("/"), path.split("/")
    return len(parts) == len(names) and all(
        fnmatchcase(n, p) for p, n in zip(parts, names, strict=True)
    )


def _nginx_included(main: NginxConf | None, path: str) -> str | None:
    """The block whose ``include`` reads ``path`` ("http" for the stock main file's
    ``conf.d/*.conf``); None when nothing includes it."""
    if main is None:
        return "http" if _glob_match(NGINX_CONF_D + "/*.conf", path) else None
    for directive, parents in main.walk():
        if directive.name != "include" or len(directive.args) != 1:
            continue
        pattern = directive.args[0].value
        if "$" in pattern:
            continue
        if _glob_match(posixpath.normpath(posixpath.join("/etc/nginx", pattern)), path):
            return parents[-1].name if parents else "main"
    return None


def _removes(pattern: str, path: str) -> bool:
    """``rm pattern`` removes ``path`` (a folder with what is in it; the shell expands globs)."""
    if path == pattern or path.startswith(pattern + "/"):
        return True
    return has_wildcards(pattern) and _glob_match(pattern, path)


def _nginx_removals(run: RunStep, workdir: str | None) -> list[str] | None:
    """The paths under /etc/nginx a RUN removes (``rm -f /etc/nginx/conf.d/default.conf``);
    None when it may change what nginx reads in another way, or it cannot be known."""
    if workdir is not None and _in_nginx(posixpath.normpath(workdir)):
        return None
    out: list[str] = []
    for cmd in run.commands:
        values = [w.value for w in cmd.words]
        targets = [r.target.value if r.target is not None else None for r in cmd.redirects]
        name = basename(values[0]) if values else None
        if any(v is not None and "/etc/nginx" in v for v in targets):
            return None
        if any(
            r.op in (">", ">>", ">|", "&>", "&>>", "<>") and v is None
            for r, v in zip(cmd.redirects, targets, strict=True)
        ):
            return None  # it writes to a file whose name is not known
        if not any(v is not None and "/etc/nginx" in v for v in values):
            if name in _NGINX_WRITERS and any(v is None for v in values):
                return None
            continue
        if name in _NGINX_READERS:
            continue
        if name != "rm":
            return None
        for v in values[1:]:
            if v is None:
                return None
            if v.startswith("-"):
                continue
            if not v.startswith("/"):
                return None
            out.append(posixpath.normpath(v))
    return out


# Directories every Linux base image has: a single file copied to one of them lands inside it.
_IMAGE_DIRS = frozenset(
    {"/", "/bin", "/etc", "/home", "/opt", "/root", "/sbin", "/srv", "/tmp", "/usr", "/var"}
    | {"/usr/bin", "/usr/sbin", "/usr/local", "/usr/local/bin", "/usr/local/sbin"}
)
# ADD unpacks a local tar archive, plain or compressed (it looks at the content, not the name).
_ARCHIVE_SUFFIXES = (".tar", ".tgz", ".tbz", ".tbz2", ".txz", ".tzst", ".gz", ".bz2", ".xz", ".zst")


def _copy_word(raw: str, state: State, escape: str) -> str | None:
    """A COPY/ADD source or destination as BuildKit expands it (``ProcessWord``, quotes removed);
    None when its value is not known. A name the Dockerfile does not define may be set by the
    base image's ENV, which the model does not know: unknown too."""
    try:
        expansion = expand_word(raw, state.variables, escape)
    except ExpansionError:
        return None
    return None if expansion.unmatched else expansion.value


def _remote_or_archive(src: str) -> bool:
    """An ADD source that is not copied as it is: a URL, a Git repository, a local tar archive
    (which ADD unpacks)."""
    return "://" in src or src.startswith("git@") or src.lower().endswith(_ARCHIVE_SUFFIXES)


# Launcher options that start the command in another directory.
_CHDIR_OPTIONS: dict[str, tuple[str, ...]] = {
    "env": ("-C", "--chdir"),
    "uv run": ("--directory",),
    "poetry run": ("-C", "--directory"),
    "pdm run": ("-p", "--project"),
}


def _launch_moves(launch: Launch) -> bool:
    """A launcher option, a ``sh -c`` string or a file a script sources may change the directory
    on the way: where the server starts is then unknown (scripts are followed and say where they
    ``cd`` to)."""
    for launcher in launch.launchers:
        options = _CHDIR_OPTIONS.get(launcher.name, ())
        for word in launcher.words[1:]:
            v = word.value or ""
            for opt in options:
                if v == opt or v.startswith(opt + "=" if opt.startswith("--") else opt):
                    return True
    if any(c.name in ("cd", "pushd", "popd") for hop in launch.shells for c in hop.script.commands):
        return True
    # A file a script sources runs in the script's shell: it may `cd` (and export anything).
    # A virtualenv's `bin/activate` only sets PATH and VIRTUAL_ENV.
    return any(
        c.name in (".", "source")
        and not (len(c.words) == 2 and (c.words[1].value or "").endswith("bin/activate"))
        for hop in launch.scripts
        for c in hop.script.commands
    )


_USERADD_VALUE_OPTS = frozenset(
    [
        "-b",
        "-c",
        "-d",
        "-e",
        "-f",
        "-g",
        "-G",
        "-k",
        "-K",
        "-p",
        "-R",
        "-P",
        "-s",
        "-u",
        "--base-dir",
        "--comment",
        "--home-dir",
        "--expiredate",
        "--inactive",
        "--gid",
        "--groups",
        "--skel",
        "--key",
        "--password",
        "--root",
        "--prefix",
        "--shell",
        "--uid",
        "--selinux-user",
        "--btrfs-subvolume",
    ]
)
_ADDUSER_VALUE_OPTS = frozenset(
    [
        "-h",
        "-g",
        "-s",
        "-G",
        "-u",
        "-k",
        "--home",
        "--gecos",
        "--shell",
        "--ingroup",
        "--uid",
        "--gid",
        "--firstuid",
        "--lastuid",
        "--conf",
        "--comment",
    ]
)


def _created_user(cmd: SimpleCommand) -> tuple[str, str] | None:
    name = basename(cmd.name)
    if name not in ("useradd", "adduser"):
        return None
    opts = _USERADD_VALUE_OPTS if name == "useradd" else _ADDUSER_VALUE_OPTS
    words = cmd.words[1:]
    group: str | None = None
    positional: list[str | None] = []
    i = 0
    while i < len(words):
        w = words[i].value
        if w is None:
            positional.append(None)
        elif w.startswith("--") and "=" in w:
            key, _, given = w.partition("=")
            if key in ("--gid", "--ingroup"):
                group = given
        elif w in opts:
            val = words[i + 1].value if i + 1 < len(words) else None
            if w in ("-g", "--gid", "--ingroup") or (name == "adduser" and w == "-G"):
                group = val
            i += 1
        elif w.startswith("-") and len(w) > 1:
            if name == "useradd" and w.startswith("-g") and len(w) > 2 and not w.startswith("--"):
                group = w[2:]
        else:
            positional.append(w)
        i += 1
    if not positional or positional[0] is None:
        return None
    user = positional[0]
    if name == "adduser" and len(positional) >= 2 and positional[1] is not None and group is None:
        # Debian's `adduser USER GROUP` adds an existing user to a group; it creates nobody.
        return None
    return user, group or user
