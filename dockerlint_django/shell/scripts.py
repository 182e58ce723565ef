"""Entrypoint scripts: which file a start command runs, and where that script ends up.

Most real Django images start their server through a script (``ENTRYPOINT ["/entrypoint.sh"]``
ending in ``exec "$@"``, a ``start.sh`` ending in ``exec gunicorn …``). Two questions are answered
here, both without running anything:

- ``ImageScripts.find``: which build-context file is at the path a start command names, looked up
  as the kernel and the shell would (absolute, relative to the working directory, a bare name on
  PATH) and traced through the image's COPY/ADD. What cannot be traced is unknown, with a reason:
  nothing is guessed.
- ``plan_script``: where a parsed script ends up. The command it ends with (reached through the
  functions it calls at the end), its words with ``"$@"`` replaced by what the script was given,
  and what the script runs, exports and changes before it.

``shell.launch`` joins the two: it follows a script's last command as it follows a ``sh -c``.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections.abc import Callable, Sequence
from typing import Literal

from dockerlint_django._record import LazyPattern, record
from dockerlint_django.shell.syntax import Dialect, Script, SimpleCommand, Word, WordLike
from dockerlint_django.source import Mapped, SourceFile, Span

# Docker's PATH for an image that sets none (the daemon's default for Linux containers).
DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")

# Functions calling functions at the end of a script: real scripts nest two or three deep.
MAX_CALLS = 8
# Candidate commands ranked when a script ends in a compound command, over all nested calls.
_RANK_BUDGET = 256
# Commands listed as run before the final one, function bodies expanded at each call: enough
# for any real script, and a bound for functions that all call one another.
_STEP_BUDGET = 4096

ScriptHow = Literal["command", "sh", "bash"]
"""How the file is run: as a command (``exec`` by path or PATH), or as ``sh FILE``/``bash FILE``."""

NotFoundCode = Literal[
    "no-context",
    "untraceable",
    "not-copied",
    "no-workdir",
    "no-path",
    "unreadable",
    "changed-by-run",
]


# -- finding the file ------------------------------------------------------------------------


@record
class ScriptSource:
    """A script found in the image: where it is, the build-context file, and its whole text."""

    path: str  # in the image
    source: SourceFile  # named by its build-context path
    text: Mapped  # the whole text, in workspace offsets
    newlines_normalised: bool = False  # a RUN strips its CRs (``sed -i 's/\r$//'``, dos2unix)

    @property
    def crlf(self) -> bool:
        """The image's copy has CR line ends: its ``#!`` line names ``bash\\r``, which fails."""
        return "\r" in self.source.text and not self.newlines_normalised


@record
class ScriptNotFound:
    code: NotFoundCode
    reason: str


_WRITE_REDIRECTS = frozenset({">", ">>", ">|", "<>", "&>", "&>>"})
# Commands that read a file or change only its metadata when it is one of their operands.
_LEAVES_CONTENT = frozenset(
    {"chmod", "chown", "chgrp", "ls", "stat", "test", "[", "file", "cat", "head", "tail", "wc"}
    | {"md5sum", "sha1sum", "sha256sum", "sha512sum", "grep", "echo", "printf", "touch"}
    | {"readlink", "realpath", "dirname", "basename", "setfacl", "getfacl"}
)
# Commands whose last operand is what they write; any other operand is only read.
_LAST_OPERAND_WRITTEN = frozenset({"cp", "ln", "install", "rsync"})
_STRIP_CR = LazyPattern(r"s(.)\\r\$?\1\1g?")
_SED_VALUE_OPTS = frozenset({"-e", "-f", "-l", "--expression", "--file", "--line-length"})

Effect = Literal["none", "normalised", "changed"]


class ImageScripts:
    """The files a stage's start command can run as scripts, read from the build context.

    ``locate`` is ``Analysis.context_file_at`` for the stage: ``(context path, known)`` for an
    image path. ``runs`` are the stage's RUN commands with their working directories, to tell a
    script that a RUN rewrites, moves or deletes after COPY brought it (then its text is unknown).
    """

    def __init__(
        self,
        *,
        locate: Callable[[str], tuple[str | None, bool]],
        read: Callable[[str], SourceFile | None],
        mapped: Callable[[SourceFile], Mapped],
        workdir: str | None,
        search_path: Sequence[str] | None = DEFAULT_PATH,
        environment: frozenset[str] = frozenset(),
        runs: Sequence[tuple[str | None, Sequence[SimpleCommand]]] = (),
        context_known: bool = True,
    ) -> None:
        self._locate = locate
        self._read = read
        self._mapped = mapped
        self._workdir = workdir
        self._search_path = tuple(search_path) if search_path is not None else None
        # Docker sets these in every container; a script assigning them changes the child's env.
        self._environment = environment | {"PATH", "HOME", "HOSTNAME"}
        self._runs = runs
        self._context_known = context_known

    @property
    def workdir(self) -> str | None:
        """The directory the container starts in; None when unknown."""
        return self._workdir

    @property
    def environment(self) -> frozenset[str]:
        """Names in the container's environment: assigning one in a script exports it."""
        return self._environment

    def find(
        self, name: str, cwd: str | None, how: ScriptHow, *, path_changed: bool = False
    ) -> ScriptSource | ScriptNotFound:
        """The file ``name`` runs when started from ``cwd`` (None: unknown)."""
        if not self._context_known:
            return ScriptNotFound("no-context", "the build context is not known")
        candidates: list[str] = []
        if name.startswith("/"):
            candidates.append(posixpath.normpath(name))
        elif how == "command" and "/" not in name:
            # A bare command name is looked up on PATH only, never in the working directory.
            if path_changed or self._search_path is None:
                return ScriptNotFound("no-path", f"`{name}` is looked up on a PATH that is unknown")
            candidates.extend(posixpath.join(d, name) for d in self._search_path)
        else:
            if cwd is None:
                return ScriptNotFound(
                    "no-workdir", f"`{name}` is relative and the working directory is unknown"
                )
            candidates.append(posixpath.normpath(posixpath.join(cwd, name)))
            if how == "bash" and "/" not in name and not path_changed and self._search_path:
                # bash runs `bash FILE` from PATH when there is no FILE in the working directory.
                candidates.extend(posixpath.join(d, name) for d in self._search_path)
        for path in candidates:
            found, known = self._locate(path)
            if not known:
                return ScriptNotFound(
                    "untraceable",
                    f"cannot tell which file is at {path} (copied from another stage or image, "
                    "or by a COPY/ADD with a variable or a glob)",
                )
            if found is not None:
                return self._load(path, found)
        where = candidates[0] if len(candidates) == 1 else f"{name} on PATH"
        return ScriptNotFound("not-copied", f"no COPY or ADD brings {where} from the build context")

    def _load(self, path: str, context_path: str) -> ScriptSource | ScriptNotFound:
        effect = self._run_effect(path)
        if effect == "changed":
            return ScriptNotFound("changed-by-run", f"a RUN instruction changes or moves {path}")
        source = self._read(context_path)
        if source is None:
            return ScriptNotFound("unreadable", f"{context_path} cannot be read as UTF-8 text")
        return ScriptSource(path, source, self._mapped(source), effect == "normalised")

    def _run_effect(self, path: str) -> Effect:
        result: Effect = "none"
        for workdir, commands in self._runs:
            for cmd in commands:
                effect = _effect_on(cmd, path, workdir)
                if effect == "changed":
                    return "changed"
                if effect == "normalised":
                    result = "normalised"
        return result


def _resolves_to(word: Word, path: str, workdir: str | None) -> bool:
    """The word names ``path`` (or, being partly unknown, may name it)."""
    value = word.value
    if value is not None:
        if not value.startswith("/"):
            if workdir is None:
                return posixpath.basename(value) == posixpath.basename(path) and bool(value)
            value = posixpath.join(workdir, value)
        return posixpath.normpath(value) == path
    prefix = word.prefix.text
    if not prefix:
        return False
    if not prefix.startswith("/"):
        if workdir is None:
            return False
        prefix = workdir.rstrip("/") + "/" + prefix
    return path.startswith(prefix)


def _effect_on(cmd: SimpleCommand, path: str, workdir: str | None) -> Effect:
    """What a RUN command does to the file at ``path``."""
    for r in cmd.redirects:
        if (
            r.op in _WRITE_REDIRECTS
            and r.target is not None
            and _resolves_to(r.target, path, workdir)
        ):
            return "changed"
    operands = [w for w in cmd.words[1:] if _resolves_to(w, path, workdir)]
    if not operands:
        return "none"
    name = posixpath.basename(cmd.name) if cmd.name is not None else None
    if name in _LEAVES_CONTENT:
        return "none"
    if name in ("dos2unix", "fromdos"):
        return "normalised"
    if name == "sed":
        return _sed_effect(cmd)
    if name in _LAST_OPERAND_WRITTEN:
        return "changed" if cmd.words[-1] is operands[-1] else "none"
    return "changed"


def _sed_effect(cmd: SimpleCommand) -> Effect:
    in_place = False
    scripts: list[str | None] = []
    words = cmd.words[1:]
    i = 0
    positional: list[str | None] = []
    while i < len(words):
        v = words[i].value
        if v is None:
            positional.append(None)
        elif v in _SED_VALUE_OPTS:
            if v in ("-e", "--expression"):
                scripts.append(words[i + 1].value if i + 1 < len(words) else None)
            elif v in ("-f", "--file"):
                scripts.append(None)  # the expressions are in another file
            i += 1
        elif v.startswith("--expression="):
            scripts.append(v.partition("=")[2])
        elif v.startswith("--in-place") or (v.startswith("-i") and not v.startswith("--")):
            in_place = True
        elif v.startswith("-") and len(v) > 1:
            # Bundled short flags (`-Ei`): an `i` makes it in place, an `e` takes the next word.
            letters = v[1:]
            if "i" in letters:
                in_place = True
            if letters.endswith("e"):
                scripts.append(words[i + 1].value if i + 1 < len(words) else None)
                i += 1
        else:
            positional.append(v)
        i += 1
    if not in_place:
        return "none"
    if not scripts and positional:
        scripts.append(positional[0])
    if scripts and all(s is not None and _STRIP_CR.fullmatch(s) for s in scripts):
        return "normalised"
    return "changed"


# -- which shell runs it ---------------------------------------------------------------------


@record
class Shebang:
    """A ``#!`` line: the program that runs the file (through ``env``) and its shell dialect."""

    program: str  # basename: "sh", "bash", "python3", or the whole `env` argument
    dialect: Dialect | None  # None: not a shell this project parses


_SHELL_DIALECTS: dict[str, Dialect] = {
    "sh": "posix",
    "dash": "posix",
    "ash": "posix",
    "bash": "bash",
}


def read_shebang(source: SourceFile) -> Shebang | None:
    """The file's ``#!`` line; None when it has none (the kernel then refuses to execute it)."""
    text = source.text
    if source.bom or not text.startswith("#!"):
        return None  # a BOM hides the `#!` from the kernel
    # CRs are reported apart (ScriptSource.crlf); here the line is read for the shell it names.
    line = text[2:].split("\n", 1)[0].rstrip("\r").strip(" \t")
    parts = line.split(None, 1)
    if not parts:
        return Shebang("", None)
    program = posixpath.basename(parts[0])
    rest = parts[1].strip() if len(parts) > 1 else ""
    if program == "env":
        # The kernel passes everything after the interpreter as one argument; only `-S` splits it.
        if rest.startswith("-S"):
            words = [w for w in rest[2:].split() if "=" not in w]
            rest = words[0] if words else ""
        program = posixpath.basename(rest) if rest and " " not in rest else rest
    elif program == "busybox" and rest in ("sh", "ash"):
        program = rest
    return Shebang(program, _SHELL_DIALECTS.get(program))


# -- where the script ends up ----------------------------------------------------------------


@record
class Export:
    """A variable the script puts in its children's environment; ``value`` None when unknown."""

    name: str
    value: str | None
    span: Span


@record
class ScriptPlan:
    """Where a script ends up, and what it does on the way.

    ``command`` is the script's last top-level simple command, taken through the functions it
    calls at the end (``calls``, outermost first); when the script or a called function ends in a
    compound command, the last server-like command inside it (``final`` False). ``argv`` is
    ``command``'s words with ``"$@"`` and friends replaced by the arguments in scope there; a word
    whose value is unknown stays as it is. ``before`` lists the commands run before ``command`` in
    source order, each function call followed by the commands of the function it calls.
    """

    command: SimpleCommand | None
    argv: tuple[WordLike, ...]
    final: bool
    followed_by_wait: bool = False
    handover: bool = False
    calls: tuple[SimpleCommand, ...] = ()
    top_level: bool = True
    before: tuple[SimpleCommand, ...] = ()
    exports: tuple[Export, ...] = ()
    cwd: str | None = None
    changes_directory: bool = False
    # The script ends by calling a function it defines that cannot be followed (nested or
    # redefined functions): what runs is unknown.
    opaque_call: SimpleCommand | None = None
    # The script ends in a compound command whose most server-like commands run different
    # programs (a `case "$1"` choosing gunicorn or runserver): which one runs is unknown.
    alternatives: tuple[SimpleCommand, ...] = ()


Entry = tuple[SimpleCommand, tuple[str, ...]]  # a command and its context inside its frame

_FUNCTION_DEF = LazyPattern(
    r"(?:^|(?<=[;&|(){}]))[ \t]*"
    r"(?:function[ \t]+(?P<kw>[A-Za-z_][\w:.-]*)(?:[ \t]*\([ \t]*\))?|(?P<name>[A-Za-z_][\w:.-]*)"
    r"[ \t]*\([ \t]*\))",
    re.MULTILINE,
)


def _function_bodies(script: Script) -> dict[str, tuple[Entry, ...] | None]:
    """Each function the script defines with the commands of its body; None: cannot be followed.

    The parser marks body commands ("function" context) but not which function they belong to;
    definitions are found in the text and each body command belongs to the last one before it.
    A definition inside a command (a quoted string), a heredoc or a comment is no definition.
    """
    text = script.text
    s = text.text
    taken = [c.span for c in script.commands]
    taken.extend(
        r.heredoc.span() for c in script.commands for r in c.redirects if r.heredoc is not None
    )
    defs: list[tuple[int, str]] = []
    for m in _FUNCTION_DEF.finditer(s):
        group = "kw" if m.group("kw") else "name"
        at = m.start(group)
        line_start = s.rfind("\n", 0, at) + 1
        if "#" in s[line_start:at]:
            continue
        offset = text.span(at, at + 1).start
        if any(span.start <= offset < span.end for span in taken):
            continue
        defs.append((offset, m.group(group)))
    defs.sort()
    names = [n for _, n in defs]
    out: dict[str, tuple[Entry, ...] | None] = {}
    bodies: dict[str, list[Entry]] = {n: [] for n in names}
    broken: set[str] = {n for n in names if names.count(n) > 1}
    offsets = [o for o, _ in defs]
    for cmd in script.commands:
        ctx = cmd.context
        if not ctx or ctx[0] != "function":
            continue
        k = bisect.bisect_right(offsets, cmd.span.start) - 1
        if k < 0 or ctx.count("function") > 1:
            # A body before any definition, or a function defined inside a function: the
            # bodies cannot be told apart.
            return dict.fromkeys(names)
        name = defs[k][1]
        if len(ctx) < 2 or ctx[1] != "brace":
            broken.add(name)  # `f() ( … )` runs in a subshell: its `exec` replaces no PID 1
        bodies[name].append((cmd, ctx[2:]))
    for name in names:
        entries = bodies[name]
        out[name] = None if name in broken or not entries else tuple(entries)
    return out


def _expand(words: Sequence[Word], positional: Sequence[WordLike] | None) -> list[WordLike]:
    """``words`` with each ``"$@"``/``$@``/``$*``/``"$*"`` replaced by the positional arguments.

    Unquoted, each argument is split on blanks (IFS), and a piece with glob characters becomes
    unknown (pathname expansion depends on the files there). ``"$*"`` joins them into one word:
    known only when there is exactly one. Unknown ``positional`` leaves the word as it is: an
    unknown word, which may stand for any number of words.
    """
    out: list[WordLike] = []
    for w in words:
        if not w.is_all_args or positional is None:
            out.append(w)
        elif w.raw.text.startswith('"') and "*" in w.raw.text:
            out.append(positional[0] if len(positional) == 1 else _unknown_word(w))
        elif w.raw.text.startswith('"'):
            out.extend(positional)
        else:
            for arg in positional:
                out.extend(_field_split(arg))
    return out


def _unknown_word(w: WordLike) -> Word:
    """A word standing where ``w`` is, whose value is unknown."""
    if isinstance(w, Word):
        raw = w.raw
    elif w.mapped is not None:
        raw = w.mapped
    else:
        raw = Word.synthetic(w.value or "", w.span.start).raw
    return Word(raw, None, None, Mapped.empty_at(w.span.start))


_IFS = LazyPattern(r"[^ \t\n]+")


def _field_split(arg: WordLike) -> list[WordLike]:
    value = arg.value
    if value is None:
        return [arg]
    out: list[WordLike] = []
    for m in _IFS.finditer(value):
        i, j = m.start(), m.end()
        if arg.mapped is not None:
            piece = Word.literal(arg.mapped[i:j])
        else:
            piece = Word.synthetic(value[i:j], arg.span.start)
        out.append(_unknown_word(piece) if any(c in m.group() for c in "*?[") else piece)
    return out


def _conditional(cmd: SimpleCommand, ctx: tuple[str, ...]) -> bool:
    """The command may not run: it is in a branch or loop, or after ``&&``/``||``."""
    return bool(ctx) or cmd.connector_before in ("&&", "||")


def _isolated(cmd: SimpleCommand, ctx: tuple[str, ...]) -> bool:
    """The command runs in a subshell: what it sets or changes does not reach the script."""
    return cmd.background or cmd.in_pipeline or "subshell" in ctx


@record
class _Step:
    command: SimpleCommand
    conditional: bool
    isolated: bool


Rank = tuple[int, str]  # how server-like a command is (higher: more), and what it runs


@record
class _Choice:
    index: int
    final: bool
    waited: bool
    positional: Sequence[WordLike] | None  # `"$@"` where the command runs
    # A compound ending whose most server-like commands run different programs
    # (`case "$1" in web) exec gunicorn …;; dev) exec … runserver;; esac`): any may run.
    alternatives: tuple[SimpleCommand, ...] = ()


class _Planner:
    def __init__(
        self,
        script: Script,
        rank: Callable[[Sequence[WordLike]], Rank],
        cwd: str | None,
        environment: frozenset[str],
    ) -> None:
        self.functions = _function_bodies(script)
        self.rank = rank
        self.cwd = cwd
        self.environment = environment
        self.budget = _RANK_BUDGET
        self.step_budget = _STEP_BUDGET
        self.main: tuple[Entry, ...] = tuple(
            (c, c.context) for c in script.commands if "function" not in c.context
        )

    # -- choosing the command --------------------------------------------------------------

    def call_target(self, cmd: SimpleCommand) -> str | None:
        """The function ``cmd`` calls, when it calls one the script defines."""
        name = cmd.name
        if cmd.exec_prefixed or name is None or name not in self.functions:
            return None  # `exec f` looks `f` up on PATH: functions are not exec'd
        return name

    def followable(self, name: str, stack: Sequence[str]) -> tuple[Entry, ...] | None:
        body = self.functions[name]
        if body is None or name in stack or len(stack) >= MAX_CALLS:
            return None
        return body

    def noop(self, cmd: SimpleCommand, positional: Sequence[WordLike] | None) -> bool:
        """``exec "$@"`` with no arguments (or ``exec`` with only redirections) runs nothing."""
        if not cmd.exec_prefixed:
            return False
        return not cmd.words or (positional is not None and not _expand(cmd.words, positional))

    def score(
        self, cmd: SimpleCommand, positional: Sequence[WordLike] | None, stack: Sequence[str]
    ) -> Rank:
        if self.budget <= 0:
            return 0, "unknown"
        self.budget -= 1
        target = self.call_target(cmd)
        if target is None:
            return self.rank(_expand(cmd.words, positional))
        body = self.followable(target, stack)
        if body is None:
            return 0, "unknown"
        inner = self.choose(body, _expand(cmd.words[1:], positional), (*stack, target))
        if inner is None:
            return 0, "empty"
        if inner.alternatives:
            return 0, "unknown"
        return self.score(body[inner.index][0], inner.positional, (*stack, target))

    def choose(
        self,
        entries: Sequence[Entry],
        positional: Sequence[WordLike] | None,
        stack: Sequence[str],
    ) -> _Choice | None:
        """The command a frame ends with."""
        n = len(entries)
        # before[j]: `"$@"` where entries[j] runs.
        before = [positional]
        for cmd, ctx in entries:
            before.append(_shifted(before[-1], cmd, ctx))
        # A final no-op `exec` leaves the simple command before it as the last that does
        # anything (`python manage.py runserver` then `exec "$@"` with no CMD). Before a compound
        # step it stays: no single command would be last, and the script just ends there.
        while (
            n >= 2
            and not entries[n - 1][1]
            and not entries[n - 2][1]
            and self.noop(entries[n - 1][0], before[n - 1])
        ):
            n -= 1
        if n == 0:
            return None
        if not entries[n - 1][1]:
            k = n - 1
            cmd = entries[k][0]
            if cmd.name == "wait" and not cmd.exec_prefixed:
                earlier = [j for j in range(k) if not entries[j][1] and entries[j][0].background]
                if earlier:
                    return _Choice(earlier[-1], True, True, before[earlier[-1]])
            return _Choice(k, True, False, before[k])
        best, best_rank = -1, -1
        kinds: dict[str, list[SimpleCommand]] = {}
        for j in range(n):
            cmd = entries[j][0]
            if not cmd.words:
                continue
            r, kind = self.score(cmd, before[j], stack)
            if r > best_rank:
                kinds = {}
            if r >= best_rank:
                best, best_rank = j, r
                kinds.setdefault(kind, []).append(cmd)
        if best < 0:
            return None
        alternatives: tuple[SimpleCommand, ...] = ()
        if best_rank > 0 and len(kinds) > 1:
            alternatives = tuple(
                sorted((c for cmds in kinds.values() for c in cmds), key=lambda c: c.span.start)
            )
        return _Choice(best, False, False, before[best], alternatives)

    # -- the plan --------------------------------------------------------------------------

    def plan(self, args: Sequence[WordLike]) -> ScriptPlan:
        entries: Sequence[Entry] = self.main
        positional: Sequence[WordLike] | None = tuple(args)
        stack: list[str] = []
        calls: list[SimpleCommand] = []
        steps: list[_Step] = []
        top = True
        waited = False
        conditional = False
        while True:
            chosen = self.choose(entries, positional, stack)
            if chosen is None:
                steps.extend(self.steps(entries, conditional, stack))
                return self.finish(None, (), True, waited, calls, top, steps)
            k, final, here = chosen.index, chosen.final, chosen.positional
            waited = waited or chosen.waited
            if chosen.alternatives:
                first = next(j for j, e in enumerate(entries) if e[0] is chosen.alternatives[0])
                steps.extend(self.steps(entries[:first], conditional, stack))
                return self.finish(
                    None, (), False, waited, calls, False, steps, alternatives=chosen.alternatives
                )
            cmd, ctx = entries[k]
            steps.extend(self.steps(entries[:k], conditional, stack))
            top = top and final and not ctx
            target = self.call_target(cmd)
            if target is None:
                argv = tuple(_expand(cmd.words, here))
                return self.finish(cmd, argv, final, waited, calls, top, steps)
            body = self.followable(target, stack)
            if body is None:
                return self.finish(cmd, (), final, waited, calls, top, steps, opaque=True)
            calls.append(cmd)
            stack.append(target)
            conditional = conditional or _conditional(cmd, ctx)
            positional = tuple(_expand(cmd.words[1:], here))
            entries = body

    def steps(
        self, entries: Sequence[Entry], conditional: bool, stack: Sequence[str]
    ) -> list[_Step]:
        """The commands ``entries`` run, in order, function calls followed by their bodies."""
        out: list[_Step] = []
        for cmd, ctx in entries:
            cond = conditional or _conditional(cmd, ctx)
            isolated = _isolated(cmd, ctx)
            out.append(_Step(cmd, cond, isolated))
            self.step_budget -= 1
            target = self.call_target(cmd)
            body = self.followable(target, stack) if target is not None else None
            if body is not None and target is not None and not isolated and self.step_budget > 0:
                out.extend(self.steps(body, cond, (*stack, target)))
        return out

    def finish(
        self,
        command: SimpleCommand | None,
        argv: tuple[WordLike, ...],
        final: bool,
        waited: bool,
        calls: Sequence[SimpleCommand],
        top: bool,
        steps: Sequence[_Step],
        *,
        opaque: bool = False,
        alternatives: tuple[SimpleCommand, ...] = (),
    ) -> ScriptPlan:
        exports, cwd, moved = self.effects(steps)
        handover = command is not None and any(w.is_all_args for w in command.words)
        return ScriptPlan(
            command,
            argv,
            final,
            waited,
            handover,
            tuple(calls),
            top,
            tuple(s.command for s in steps),
            tuple(exports),
            cwd,
            moved,
            command if opaque else None,
            alternatives,
        )

    def effects(self, steps: Sequence[_Step]) -> tuple[list[Export], str | None, bool]:
        """Exports, and the working directory after ``steps`` (None: unknown) and whether any
        step changes it. A variable a step may not set is unknown, as is a directory it may
        enter; what a subshell does stays there."""
        exports: list[Export] = []
        exported = set(self.environment)
        assigned: dict[str, str | None] = {}
        allexport = False
        cwd = self.cwd
        moved = False
        for step in steps:
            cmd, unsure = step.command, step.conditional
            if step.isolated or cmd.exec_prefixed:
                continue
            if not cmd.words:
                for a in cmd.assignments:
                    value = None if unsure else a.value.value
                    assigned[a.name] = value
                    if allexport or a.name in exported:
                        exports.append(Export(a.name, value, a.span))
                continue
            name = cmd.name
            if name in ("cd", "pushd", "popd"):
                moved = True
                cwd = None if unsure else _cd(cmd, cwd)
            elif name == "export":
                for w in cmd.words[1:]:
                    exports.extend(_export(w, unsure, assigned, exported))
            elif name == "unset":
                for w in cmd.words[1:]:
                    v = w.value
                    if v is not None and _NAME.fullmatch(v):
                        exports.append(Export(v, None, w.span))
            elif name == "set" and _sets_allexport(cmd.words):
                allexport = True
        return exports, cwd, moved


def _sets_allexport(words: Sequence[Word]) -> bool:
    for i, w in enumerate(words[1:], 1):
        v = w.value
        if v is None or v == "--":
            return False
        if v == "-o" and i + 1 < len(words) and words[i + 1].value == "allexport":
            return True
        if v.startswith("-") and not v.startswith("--") and "a" in v[1:]:
            return True
    return False


_NAME = LazyPattern(r"[A-Za-z_][A-Za-z0-9_]*")


def _shifted(
    args: Sequence[WordLike] | None, cmd: SimpleCommand, ctx: tuple[str, ...]
) -> Sequence[WordLike] | None:
    """``"$@"`` after ``cmd``: ``shift`` and ``set --`` change it; in a branch, to unknown."""
    name = cmd.name
    if name not in ("shift", "set") or cmd.exec_prefixed or _isolated(cmd, ctx):
        return args
    if name == "shift":
        if args is None:
            return None
        count = cmd.words[1].value if len(cmd.words) > 1 else "1"
        if _conditional(cmd, ctx) or count is None or not count.isdigit():
            return None
        return args[int(count) :]
    operands = _set_operands(cmd.words)
    if operands is None:
        return args
    return None if _conditional(cmd, ctx) else tuple(_expand(operands, args))


def _set_operands(words: Sequence[Word]) -> list[Word] | None:
    """The new positional arguments of ``set [options] [--] args``; None when it sets none."""
    i = 1
    while i < len(words):
        v = words[i].value
        if v is None:
            return None  # `set $FLAGS` may set anything
        if v == "--":
            return list(words[i + 1 :])
        if v.startswith(("-", "+")) and len(v) > 1:
            # `-o NAME`, bundled too (`-euo pipefail`): the option name is the next word.
            i += 2 if "o" in v[1:] else 1
            continue
        return list(words[i:])
    return None


def _cd(cmd: SimpleCommand, cwd: str | None) -> str | None:
    if cmd.name != "cd":
        return None  # pushd/popd work on a stack this reader does not keep
    operands = [w for w in cmd.words[1:] if w.value not in ("-L", "-P", "-e", "-@")]
    if len(operands) != 1:
        return None  # `cd` alone goes $HOME
    target = operands[0].value
    if target is None or target == "-":
        return None
    if target.startswith("/"):
        return posixpath.normpath(target)
    return None if cwd is None else posixpath.normpath(posixpath.join(cwd, target))


def _export(
    w: Word, unsure: bool, assigned: dict[str, str | None], exported: set[str]
) -> list[Export]:
    v = w.value
    if v is not None and v.startswith("-"):
        return []
    text = v if v is not None else w.prefix.text
    name, eq, value = text.partition("=")
    if not _NAME.fullmatch(name):
        return []  # `export "$NAME"=…`: which variable is unknown
    exported.add(name)
    if eq:
        known = value if v is not None and not unsure else None
        assigned[name] = known
        return [Export(name, known, w.span)]
    if name in assigned:
        return [Export(name, None if unsure else assigned[name], w.span)]
    return []  # exporting a variable the environment already has changes nothing


def plan_script(
    script: Script,
    args: Sequence[WordLike],
    *,
    rank: Callable[[Sequence[WordLike]], Rank],
    cwd: str | None = None,
    environment: frozenset[str] = frozenset(),
) -> ScriptPlan:
    """Where ``script`` ends up when run with ``args``; ``cwd`` is where it starts (None unknown).

    ``rank`` scores a candidate command when the script ends in a compound command: how
    server-like it is (the last best one is taken) and what it runs (when the best ones run
    different programs, none is taken: ``alternatives``). ``environment`` names the variables
    the script inherits: assigning one of them changes what its children see, as ``export`` does.
    """
    return _Planner(script, rank, cwd, environment).plan(args)


__all__ = [
    "DEFAULT_PATH",
    "Export",
    "ImageScripts",
    "ScriptHow",
    "ScriptNotFound",
    "ScriptPlan",
    "ScriptSource",
    "Shebang",
    "WordLike",
    "plan_script",
    "read_shebang",
]
