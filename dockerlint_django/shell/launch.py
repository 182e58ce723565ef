"""The effective server command: unwrap the launchers around an argv and say what finally runs.

Catalogue §5.3 step 4: an image's start command is often ``tini -- sh -c "… && exec gunicorn …"``
or ``uv run python -m gunicorn …``. ``resolve_launch`` peels such wrappers off one by one, keeping
every launcher with its words (hence spans), follows ``sh -c`` scripts to the command the shell
ends with, and classifies that command (gunicorn, runserver, an entrypoint script…).

Step 5: given a ``ScriptFinder`` (the image's files, see ``shell.scripts``), a command that runs a
script from the build context is followed too: the script is read and parsed, and its last command
(with ``"$@"`` replaced by the script's arguments) is unwrapped in turn, so ``exec "$@"`` hands on
to CMD and ``exec gunicorn …`` is the server. A script that cannot be read or followed stays kind
``"script"``, with ``Launch.opaque`` saying why.

Anything that cannot be known statically (a word whose value is None) where a program name or a
launcher option must be read makes the result ``unknown``; rules report nothing on unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from dockerlint_django._record import LazyPattern, record, replace
from dockerlint_django.shell.scripts import (
    ScriptHow,
    ScriptNotFound,
    ScriptSource,
    plan_script,
    read_shebang,
)
from dockerlint_django.shell.syntax import (
    Dialect,
    Script,
    SimpleCommand,
    Word,
    WordLike,
    last_top_level_command,
    parse_script,
)
from dockerlint_django.source import Mapped, SourceFile, Span

ServerKind = Literal[
    "gunicorn",
    "uvicorn",
    "daphne",
    "hypercorn",
    "uwsgi",
    "runserver",
    "celery",
    "django-command",
    "script",  # an executable file (entrypoint script) that is not followed: Launch.opaque says why
    "other",  # a known literal program that is none of the above
    "empty",  # nothing to run
    "unknown",  # not knowable statically
]

WEB_SERVERS: frozenset[ServerKind] = frozenset(
    {"gunicorn", "uvicorn", "daphne", "hypercorn", "uwsgi", "runserver"}
)

# Unwrapping stops here; real chains are a handful of hops long.
MAX_HOPS = 32
# Scripts handing over to scripts: real images chain two or three (entrypoint, then start.sh).
MAX_SCRIPT_HOPS = 8


@record
class Arg:
    """A piece of a word treated as a word of its own (``-mgunicorn`` → ``gunicorn``)."""

    value: str | None
    span: Span
    mapped: Mapped | None

    @classmethod
    def tail(cls, word: WordLike, offset: int) -> Arg:
        m = word.mapped
        if m is not None:
            part = m[offset:]
            return cls(part.text, part.span(), part)
        value = word.value[offset:] if word.value is not None else None
        return cls(value, word.span, None)


@record
class Launcher:
    """One wrapper peeled off: ``name`` is normalised ("tini", "sh -c", "python -m", "env"…)."""

    name: str
    words: tuple[WordLike, ...]  # the words it used, its program word first

    @property
    def span(self) -> Span:
        first, last = self.words[0].span, self.words[-1].span
        return first.cover(last)


@record
class EnvAssignment:
    """Environment set on the way to the server (``env K=V``, ``K=V cmd`` in a script)."""

    name: str
    value: str | None
    span: Span


@record
class ShellHop:
    """A ``sh -c SCRIPT`` on the way: the script and the command taken from it.

    ``command`` is the script's last top-level simple command (``final``); when the script ends
    in a compound command, the last server-like command inside it (``final`` False). When the
    last command is ``wait``, the backgrounded command before it is taken (``followed_by_wait``).
    ``handover`` means the command was ``exec "$@"``: the shell's own arguments run next.
    """

    shell: str  # basename: "sh", "bash", "dash", "ash"
    shell_word: WordLike
    script_word: WordLike
    script: Script
    command: SimpleCommand | None
    final: bool
    followed_by_wait: bool = False
    handover: bool = False

    @property
    def exec_prefixed(self) -> bool:
        """The shell replaces itself with the command (``exec`` with a command to run)."""
        return self.command is not None and self.command.exec_prefixed and bool(self.command.words)

    @property
    def background(self) -> bool:
        return self.command is not None and self.command.background

    @property
    def top_level(self) -> bool:
        return self.command is not None and self.command.top_level

    @property
    def in_pipeline(self) -> bool:
        return self.command is not None and self.command.in_pipeline


class ScriptFinder(Protocol):
    """The files of an image that a start command can run (``shell.scripts.ImageScripts``)."""

    @property
    def workdir(self) -> str | None: ...

    @property
    def environment(self) -> frozenset[str]: ...

    def find(
        self, name: str, cwd: str | None, how: ScriptHow, *, path_changed: bool = False
    ) -> ScriptSource | ScriptNotFound: ...


@record
class ScriptHop:
    """A script file on the way, read from the build context, and the command taken from it.

    ``ENTRYPOINT ["/entrypoint.sh"]``, ``sh start.sh``, a CMD that ``exec "$@"`` hands to. The
    command is chosen as for ``ShellHop``: the last top-level simple command (``final``); the
    backgrounded command before a final ``wait`` (``followed_by_wait``); in a compound ending, the
    last server-like command inside it (``final`` False). A call to a function the script defines
    is followed into its body (``calls``, outermost first), and a final ``exec "$@"`` with no
    arguments, which runs nothing, leaves the command before it as the last. ``"$@"`` in the
    command stands for ``args`` (the rest of the start command), unless the script shifted them.

    ``before`` is what the script runs first, in source order, each call to one of its functions
    followed by that function's commands (``python manage.py migrate`` …). ``exports`` are the
    variables it puts in its children's environment; ``cwd`` the directory the command runs in
    when the script changes it (``changes_directory``; None: unknown).
    """

    word: WordLike  # the word naming the script
    file: ScriptSource
    shell: str  # the shell that runs it: "sh", "bash", "dash", "ash"
    shell_word: WordLike | None  # the `sh` of `sh FILE`; None when the #! line chose the shell
    script: Script
    args: tuple[WordLike, ...]
    command: SimpleCommand | None
    final: bool
    followed_by_wait: bool = False
    handover: bool = False
    calls: tuple[SimpleCommand, ...] = ()
    top_level: bool = True  # the command and every call on the way are top-level steps
    before: tuple[SimpleCommand, ...] = ()
    exports: tuple[EnvAssignment, ...] = ()
    cwd: str | None = None
    changes_directory: bool = False
    # A compound ending whose server-like commands run different programs: none is taken
    # (``command`` None) and the launch is unknown; these are the candidates, in source order.
    alternatives: tuple[SimpleCommand, ...] = ()

    @property
    def path(self) -> str:
        """Where the script is in the image."""
        return self.file.path

    @property
    def source(self) -> SourceFile:
        """The build-context file (named by its context path)."""
        return self.file.source

    @property
    def crlf(self) -> bool:
        return self.file.crlf

    @property
    def exec_prefixed(self) -> bool:
        """The script replaces itself with the command (``exec`` with a command to run)."""
        return self.command is not None and self.command.exec_prefixed and bool(self.command.words)

    @property
    def background(self) -> bool:
        steps = (*self.calls, self.command) if self.command is not None else self.calls
        return any(c.background for c in steps)

    @property
    def in_pipeline(self) -> bool:
        steps = (*self.calls, self.command) if self.command is not None else self.calls
        return any(c.in_pipeline for c in steps)


@record
class OpaqueScript:
    """A script the start command runs that is not followed: why, and where it is if known.

    ``code`` is one of ``shell.scripts.NotFoundCode`` (the file cannot be found or read), or
    "no-shebang", "not-shell", "syntax-error", "cycle", "too-many-hops".
    """

    word: WordLike
    code: str
    reason: str
    path: str | None = None


@record
class Launch:
    """What an argv finally runs.

    ``program`` names the server or program (``gunicorn``, ``manage.py``, the script path, the
    ``-m`` module); ``subcommand`` is the Django management command (``runserver``); ``args`` are
    the words after them: for gunicorn, exactly what its option parser sees.
    """

    kind: ServerKind
    program: WordLike | None
    args: tuple[WordLike, ...]
    subcommand: WordLike | None = None
    launchers: tuple[Launcher, ...] = ()
    shells: tuple[ShellHop, ...] = ()
    environment: tuple[EnvAssignment, ...] = ()
    module: str | None = None  # "gunicorn" for ``python -m gunicorn``
    scripts: tuple[ScriptHop, ...] = ()
    hops: tuple[ShellHop | ScriptHop, ...] = ()  # shells and scripts, in the order they run
    opaque: OpaqueScript | None = None  # kind "script": the script that is not followed

    @property
    def is_web_server(self) -> bool:
        return self.kind in WEB_SERVERS

    @property
    def via_shell(self) -> bool:
        return bool(self.shells)

    @property
    def shell(self) -> str | None:
        """The outermost shell that ran a ``-c`` script, if any."""
        return self.shells[0].shell if self.shells else None

    @property
    def exec_prefixed(self) -> bool | None:
        """Every shell and script on the way execs into the next step; None when there is none."""
        if not self.hops:
            return None
        return all(h.exec_prefixed for h in self.hops)

    @property
    def background(self) -> bool:
        return any(h.background for h in self.hops)

    @property
    def top_level(self) -> bool:
        return all(h.top_level for h in self.hops)

    @property
    def changes_directory(self) -> bool:
        """A script on the way changes directory: the server may not run in the WORKDIR."""
        return any(h.changes_directory for h in self.scripts)

    @property
    def argv(self) -> tuple[WordLike, ...]:
        head = tuple(w for w in (self.program, self.subcommand) if w is not None)
        return head + self.args


def resolve_launch(argv: Sequence[WordLike], scripts: ScriptFinder | None = None) -> Launch:
    """Unwrap launchers around ``argv`` and classify the command that finally runs.

    With ``scripts``, a script the command runs is read from there and followed (step 5).
    """
    return _Resolver(finder=scripts).run(list(argv), 0)


def resolve_shell_form(
    script: Mapped, shell: Sequence[WordLike] | None = None, *, at: int | None = None
) -> Launch:
    """A shell-form ``CMD``/``ENTRYPOINT``: ``shell`` (default ``/bin/sh -c``) plus the string.

    Without ``shell`` the implicit words are placed at ``at`` (default: the script's start).
    """
    if shell is None:
        where = script.span().start if at is None else at
        shell = [Word.synthetic("/bin/sh", where), Word.synthetic("-c", where)]
    return resolve_launch([*shell, Word.literal(script)])


# `$VENV/bin/gunicorn`, `${APP_HOME}/.venv/bin/uvicorn`: a server whose folder a variable names.
_SERVER_IN_FOLDER = LazyPattern(
    r"\$\{?[A-Za-z_]\w*\}?(?:/[\w.+-]+)*/(gunicorn|uvicorn|daphne|hypercorn|granian|uwsgi)"
)


def _server_behind_a_folder(word: Word) -> Word | None:
    """The program is known whatever the folder variable holds (programs are compared by
    basename): the word with that name as its value. An unquoted variable holding spaces would
    split the word, which a folder path does not do."""
    if word.quoted or len(word.expansions) != 1 or word.expansions[0].kind != "parameter":
        return None
    m = _SERVER_IN_FOLDER.fullmatch(word.raw.text)
    if m is None:
        return None
    return replace(word, value=m.group(1))


def basename(value: str) -> str:
    """Programs are compared by basename: ``/venv/bin/gunicorn`` is ``gunicorn``."""
    return value.rstrip("/").rsplit("/", 1)[-1]


_PYTHON = LazyPattern(r"(?:python|pypy)(?:\d+(?:\.\d+)?)?\Z")
_SHELLS = frozenset({"sh", "bash", "dash", "ash"})
_SERVER_PROGRAMS: dict[str, ServerKind] = {
    "gunicorn": "gunicorn",
    "uvicorn": "uvicorn",
    "daphne": "daphne",
    "hypercorn": "hypercorn",
    "uwsgi": "uwsgi",
    "celery": "celery",
}
_SERVER_MODULES: dict[str, ServerKind] = {
    "gunicorn": "gunicorn",
    "uvicorn": "uvicorn",
    "daphne": "daphne",
    "hypercorn": "hypercorn",
    "celery": "celery",
}
_DJANGO_PROGRAMS = frozenset({"manage.py", "django-admin", "django-admin.py"})
_RUNSERVER = frozenset({"runserver", "runserver_plus"})
_SYSTEM_DIRS = ("/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/")
_SCRIPT_SUFFIXES = (".sh", ".bash")
_ENV_NAME = LazyPattern(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# Options that take a separate argument, per launcher ("-x" letters, "--long" names).
_TINI_ARGS = "pe"
_DUMB_INIT_ARGS = ("r", frozenset({"--rewrite"}))
# runit's chpst: the letters whose option takes a value (-u user, -e dir, -/ root, …).
_CHPST_ARGS = "uUbe/nlLmdopfcrt"
_RUNUSER_ARGS = frozenset({"--user", "--group", "--supplementary-group", "--shell"})


def _runuser_command(words: Sequence[WordLike], j: int) -> int:
    """Where ``runuser -u USER [--] COMMAND`` puts its command. The other forms (``runuser USER
    -c 'string'``, a login shell) run a string or a shell: not followed."""
    end = _skip_options(words, j, "ugGs", _RUNUSER_ARGS | {"--whitelist-environment"})
    options = [w.value or "" for w in words[j:end]]
    if any(o in ("-c", "--command", "-l", "--login", "-") for o in options) or not any(
        o.startswith(("-u", "--user")) for o in options
    ):
        raise _Unknown(words[j] if j < len(words) else words[j - 1])
    return end


_SETPRIV_ARGS = frozenset(
    {"--reuid", "--regid", "--ruid", "--euid", "--rgid", "--egid", "--groups", "--inh-caps"}
    | {"--ambient-caps", "--bounding-set", "--securebits", "--pdeathsig", "--selinux-label"}
    | {"--apparmor-profile", "--landlock-access", "--landlock-rule", "--seccomp-filter"}
)
_UV_GLOBAL_ARGS = (
    "",
    frozenset({"--directory", "--project", "--cache-dir", "--config-file", "--color"}),
)
_UV_RUN_ARGS = (
    "pPfC",
    frozenset(
        {"--with", "--with-editable", "--with-requirements", "--python", "--package", "--extra"}
        | {"--group", "--only-group", "--no-group", "--env-file", "--project", "--directory"}
        | {"--index", "--index-url", "--extra-index-url", "--default-index", "--find-links"}
        | {"--config-file", "--cache-dir", "--color", "--index-strategy", "--keyring-provider"}
        | {"--resolution", "--prerelease", "--exclude-newer", "--link-mode", "--refresh-package"}
        | {"--reinstall-package", "--upgrade-package", "--no-build-package", "--config-setting"}
        | {"--no-binary-package", "--python-platform", "--exclude-newer-package", "--fork-strategy"}
    ),
)
_POETRY_ARGS = ("CP", frozenset({"--directory", "--project"}))
_PDM_ARGS = ("p", frozenset({"--project", "--venv"}))
_DOPPLER_ARGS = (
    "pc",
    frozenset(
        {"--project", "--config", "--token", "--fallback", "--mount", "--mount-format"}
        | {"--mount-template", "--mount-max-reads", "--name-transformer", "--scope"}
        | {"--api-host", "--dashboard-host", "--configuration", "--config-dir", "--command"}
    ),
)
_ENV_ARGS = ("uCS", frozenset({"--unset", "--chdir", "--split-string"}))
_RUNNER_ARGS: dict[str, tuple[str, frozenset[str]]] = {
    "poetry": _POETRY_ARGS,
    "pdm": _PDM_ARGS,
    "pipenv": ("", frozenset({"--python"})),
}


class _Unknown(Exception):
    """A word that must be read to go on is not knowable."""

    def __init__(self, word: WordLike | None) -> None:
        super().__init__()
        self.word = word


class _Resolver:
    def __init__(self, depth: int = 0, finder: ScriptFinder | None = None) -> None:
        self.depth = depth  # nesting of fallback resolutions (scripts ending in compounds)
        self.finder = finder
        self.launchers: list[Launcher] = []
        self.shells: list[ShellHop] = []
        self.scripts: list[ScriptHop] = []
        self.order: list[ShellHop | ScriptHop] = []
        self.opaque: OpaqueScript | None = None
        self.env: list[EnvAssignment] = []
        self.hops = 0
        self.cwd = finder.workdir if finder is not None else None
        self.path_changed = False  # a script exported PATH: bare names are not looked up
        # The shell whose command list the words come from, and the launcher count then: a file
        # without `#!` that this shell runs directly is run by the shell itself (ENOEXEC).
        self.runner: tuple[str, int] | None = None

    def result(
        self,
        kind: ServerKind,
        program: WordLike | None,
        args: Sequence[WordLike],
        subcommand: WordLike | None = None,
        module: str | None = None,
    ) -> Launch:
        return Launch(
            kind,
            program,
            tuple(args),
            subcommand,
            tuple(self.launchers),
            tuple(self.shells),
            tuple(self.env),
            module,
            tuple(self.scripts),
            tuple(self.order),
            self.opaque,
        )

    def run(self, words: list[WordLike], i: int) -> Launch:
        try:
            return self.unwrap(words, i)
        except _Unknown as exc:
            return self.result("unknown", exc.word, ())

    def launcher(self, name: str, words: Sequence[WordLike], i: int, j: int) -> int:
        self.launchers.append(Launcher(name, tuple(words[i:j])))
        return j

    def unwrap(self, words: list[WordLike], i: int) -> Launch:
        while True:
            self.hops += 1
            if i >= len(words):
                return self.result("empty", None, ())
            word = words[i]
            if word.value is None and isinstance(word, Word):
                word = _server_behind_a_folder(word) or word
                words[i] = word
            if word.value is None or self.hops > MAX_HOPS:
                raise _Unknown(word)
            name = basename(word.value)
            n = len(words)
            if name in _SHELLS:
                return self.shell(words, i, name)
            elif name == "exec":
                i = self.launcher("exec", words, i, _skip_exec_options(words, i + 1))
            elif name == "busybox" and i + 1 < n:
                i = self.launcher("busybox", words, i, i + 1)
            elif name == "tini" or name.startswith("tini-"):
                i = self.launcher("tini", words, i, _skip_options(words, i + 1, _TINI_ARGS))
            elif name == "dumb-init":
                i = self.launcher(
                    "dumb-init", words, i, _skip_options(words, i + 1, *_DUMB_INIT_ARGS)
                )
            elif name in ("gosu", "su-exec", "s6-setuidgid"):
                # USER then the command.
                if i + 1 < n and words[i + 1].value is None:
                    raise _Unknown(words[i + 1])
                i = self.launcher(name, words, i, min(n, i + 2))
            elif name == "chpst":
                i = self.launcher(name, words, i, _skip_options(words, i + 1, _CHPST_ARGS))
            elif name == "runuser":
                i = self.launcher(name, words, i, _runuser_command(words, i + 1))
            elif name == "setpriv":
                i = self.launcher(
                    "setpriv", words, i, _skip_options(words, i + 1, "", _SETPRIV_ARGS)
                )
            elif name == "nohup":
                i = self.launcher("nohup", words, i, i + 1)
            elif name == "env":
                i = self.env_launcher(words, i)
            elif name == "uv":
                step2 = self.uv(words, i)
                if isinstance(step2, Launch):
                    return step2
                i = step2
            elif name in ("poetry", "pipenv", "pdm"):
                j = _skip_options(words, i + 1, *_RUNNER_ARGS[name])
                if j >= n or words[j].value != "run":
                    return self.classify(words, i)
                if name == "pdm":
                    j = _skip_options(words, j + 1, *_PDM_ARGS)
                else:
                    j = j + 1
                    if j < n and words[j].value == "--":
                        j += 1
                i = self.launcher(f"{name} run", words, i, j)
            elif name == "ddtrace-run":
                i = self.launcher(name, words, i, _skip_options(words, i + 1, ""))
            elif name == "newrelic-admin":
                sub = words[i + 1].value if i + 1 < n else None
                if i + 1 < n and sub is None:
                    raise _Unknown(words[i + 1])
                if sub == "run-program":
                    i = self.launcher("newrelic-admin run-program", words, i, i + 2)
                elif sub == "run-python":
                    return self.python(words, i + 1, prefix=words[i : i + 1])
                else:
                    return self.classify(words, i)
            elif name == "opentelemetry-instrument":
                i = self.launcher(name, words, i, _skip_pairs(words, i + 1))
            elif name == "doppler":
                step3 = self.doppler(words, i)
                if isinstance(step3, Launch):
                    return step3
                i = step3
            else:
                return self.classify(words, i)

    # -- launchers with structure ----------------------------------------------------------------

    def env_launcher(self, words: list[WordLike], i: int) -> int:
        n = len(words)
        j = i + 1
        while j < n:
            v = words[j].value
            if v is None:
                raise _Unknown(words[j])
            if v == "--":
                j += 1
                break
            if v.startswith(("-S", "--split-string")):
                raise _Unknown(words[j])  # the command is inside a string env splits itself
            if not v.startswith("-"):
                break
            j = j + 1 if v == "-" else _skip_options(words, j, *_ENV_ARGS, stop_at_first=True)
        while j < n:
            v = words[j].value
            if v is None:
                raise _Unknown(words[j])
            name, eq, value = v.partition("=")
            if not eq or not _ENV_NAME.match(name):
                break
            self.env.append(EnvAssignment(name, value, words[j].span))
            j += 1
        return self.launcher("env", words, i, j)

    def uv(self, words: list[WordLike], i: int) -> int | Launch:
        n = len(words)
        j = _skip_options(words, i + 1, *_UV_GLOBAL_ARGS)
        if j >= n or words[j].value != "run":
            return self.classify(words, i)
        k = j + 1
        module: int | None = None
        while k < n:
            v = words[k].value
            if v is None:
                raise _Unknown(words[k])
            if v == "--":
                k += 1
                break
            if v in ("-m", "--module"):
                module = k
                k += 1
                break
            if not v.startswith("-") or v == "-":
                break
            k = _skip_options(words, k, *_UV_RUN_ARGS, stop_at_first=True)
        if module is not None:
            self.launcher("uv run", words, i, module + 1)
            return self.python_module(words, module + 1)
        return self.launcher("uv run", words, i, k)

    def doppler(self, words: list[WordLike], i: int) -> int | Launch:
        n = len(words)
        if i + 1 >= n or words[i + 1].value != "run":
            return self.classify(words, i)
        j = i + 2
        while j < n:
            v = words[j].value
            if v is None:
                raise _Unknown(words[j])
            if v == "--":
                return self.launcher("doppler run", words, i, j + 1)
            if v == "--command" or v.startswith("--command="):
                if v == "--command" and j + 1 < n:
                    script = words[j + 1]
                elif v != "--command":
                    script = Arg.tail(words[j], len("--command="))
                else:
                    return self.result("empty", None, ())
                self.launcher("doppler run", words, i, j + 1)
                return self.script_hop("sh", words[i], script, [])
            if not v.startswith("-") or v == "-":
                break
            j = _skip_options(words, j, *_DOPPLER_ARGS, stop_at_first=True)
        return self.launcher("doppler run", words, i, j)

    def shell(self, words: list[WordLike], i: int, name: str) -> Launch:
        n = len(words)
        j = i + 1
        command_flag = False
        while j < n:
            v = words[j].value
            if v is None:
                raise _Unknown(words[j])
            if v in ("-", "--"):
                j += 1
                break
            if len(v) < 2 or v[0] not in "-+":
                break
            j += 1
            if v.startswith("--"):
                if v in ("--rcfile", "--init-file"):
                    j += 1
                continue
            for ch in v[1:]:
                if ch == "c" and v[0] == "-":
                    command_flag = True
                elif ch in "oO":
                    j += 1  # takes an option name
        if not command_flag:
            self.launcher(name, words, i, min(j, n))
            if j >= n:
                return self.result("other", words[i], ())
            return self.classify(words, j, force_script=True, shell_word=words[i])
        if j >= n:
            return self.result("empty", None, ())
        self.launcher(f"{name} -c", words, i, j + 1)
        return self.script_hop(name, words[i], words[j], words[j + 1 :])

    def script_hop(
        self, name: str, shell_word: WordLike, script_word: WordLike, rest: Sequence[WordLike]
    ) -> Launch:
        text = script_word.mapped
        if text is None:
            raise _Unknown(script_word)
        script = parse_script(text, dialect="bash" if name == "bash" else "posix")
        command = last_top_level_command(script)
        final = command is not None
        waited = False
        if command is not None and command.name == "wait" and not command.exec_prefixed:
            idx = script.commands.index(command)
            earlier = [c for c in script.commands[:idx] if c.top_level and c.background]
            if earlier:
                command, waited = earlier[-1], True
        if command is None:
            command = self.fallback_command(script)
        if command is None or not command.words:
            hop = ShellHop(name, shell_word, script_word, script, command, final, waited)
            self.shells.append(hop)
            self.order.append(hop)
            return self.result("empty", None, ())
        cmd_words: list[WordLike] = []
        handover = False
        for w in command.words:
            if w.is_all_args:
                cmd_words.extend(rest[1:])  # rest[0] is $0
                handover = True
            else:
                cmd_words.append(w)
        hop = ShellHop(name, shell_word, script_word, script, command, final, waited, handover)
        self.shells.append(hop)
        self.order.append(hop)
        for a in command.assignments:
            self.env.append(EnvAssignment(a.name, a.value.value, a.span))
        self.runner = (name, len(self.launchers))
        return self.unwrap(cmd_words, 0)

    def fallback_command(self, script: Script) -> SimpleCommand | None:
        """The script ends in a compound command: take the last server-like command in it."""
        candidates = [
            c for c in script.commands if c.words and not (c.context and c.context[0] == "function")
        ]
        best: SimpleCommand | None = None
        best_rank = -1
        if self.depth >= MAX_HOPS:
            return candidates[-1] if candidates else None
        for cmd in candidates:
            kind = _Resolver(self.depth + 1).run(list(cmd.words), 0).kind
            rank = 2 if kind in WEB_SERVERS else 1 if kind == "celery" else 0
            if rank >= best_rank:
                best, best_rank = cmd, rank
        return best

    # -- the program that runs --------------------------------------------------------------------

    def classify(
        self,
        words: list[WordLike],
        i: int,
        force_script: bool = False,
        shell_word: WordLike | None = None,
    ) -> Launch:
        word = words[i]
        if word.value is None:
            raise _Unknown(word)
        name = basename(word.value)
        if not force_script and _PYTHON.match(name):
            return self.python(words, i)
        if name in _DJANGO_PROGRAMS:
            return self.django(words, i, i + 1)
        kind = _SERVER_PROGRAMS.get(name)
        if kind is not None:
            return self.result(kind, word, words[i + 1 :])
        if force_script or _looks_like_script(word.value):
            return self.follow_script(words, i, shell_word)
        if "/" not in word.value and self.finder is not None:
            # A bare name may be a script the image copies onto PATH (`custom-entrypoint`).
            return self.follow_script(words, i, None, bare=True)
        return self.result("other", word, words[i + 1 :])

    # -- entrypoint scripts (step 5) ---------------------------------------------------------------

    def follow_script(
        self, words: list[WordLike], i: int, shell_word: WordLike | None, bare: bool = False
    ) -> Launch:
        """Run the script ``words[i]`` names with ``words[i + 1:]`` as its arguments."""
        word = words[i]
        rest = tuple(words[i + 1 :])
        finder = self.finder
        name = word.value
        if finder is None or name is None:
            return self.result("other" if bare else "script", word, rest)
        shell_name = basename(shell_word.value) if shell_word and shell_word.value else None
        how: ScriptHow = (
            "command" if shell_name is None else "bash" if shell_name == "bash" else "sh"
        )
        found = finder.find(name, self.cwd, how, path_changed=self.path_changed)
        if isinstance(found, ScriptNotFound):
            if bare:
                return self.result("other", word, rest)
            return self.opaque_script(word, rest, found.code, found.reason)
        path = found.path
        if any(h.file.path == path for h in self.scripts):
            return self.opaque_script(word, rest, "cycle", f"{path} runs itself again", path)
        if len(self.scripts) >= MAX_SCRIPT_HOPS:
            reason = f"more than {MAX_SCRIPT_HOPS} scripts hand over to one another"
            return self.opaque_script(word, rest, "too-many-hops", reason, path)
        if shell_name is not None:
            shell = shell_name
        else:
            bang = read_shebang(found.source)
            if bang is None:
                runner = self.runner
                if runner is None or runner[1] != len(self.launchers):
                    reason = f"{path} has no #! line, so it cannot be executed directly"
                    return self.opaque_script(word, rest, "no-shebang", reason, path)
                shell = runner[0]
            elif bang.dialect is None:
                reason = f"{path} runs with {bang.program or 'an empty #! line'}, not a shell"
                return self.opaque_script(word, rest, "not-shell", reason, path)
            else:
                shell = bang.program
        dialect: Dialect = "bash" if shell == "bash" else "posix"
        script = parse_script(found.text, dialect=dialect)
        if script.errors:
            err = script.errors[0]
            line = found.source.position(max(0, err.span.start - found.text.span().start)).line
            reason = f"{path} line {line}: {err.message}"
            return self.opaque_script(word, rest, "syntax-error", reason, path)
        plan = plan_script(
            script, rest, rank=self.rank, cwd=self.cwd, environment=finder.environment
        )
        exports = tuple(EnvAssignment(e.name, e.value, e.span) for e in plan.exports)
        hop = ScriptHop(
            word,
            found,
            shell,
            shell_word,
            script,
            rest,
            plan.command,
            plan.final,
            plan.followed_by_wait,
            plan.handover,
            plan.calls,
            plan.top_level,
            plan.before,
            exports,
            plan.cwd,
            plan.changes_directory,
            plan.alternatives,
        )
        self.scripts.append(hop)
        self.order.append(hop)
        self.env.extend(exports)
        if plan.changes_directory:
            self.cwd = plan.cwd
        if any(e.name == "PATH" for e in exports):
            self.path_changed = True
        if plan.opaque_call is not None:
            raise _Unknown(plan.opaque_call.words[0])
        if plan.alternatives:
            raise _Unknown(plan.alternatives[0].words[0])
        command = plan.command
        if command is None or not plan.argv:
            return self.result("empty", None, ())
        for a in command.assignments:
            self.env.append(EnvAssignment(a.name, a.value.value, a.span))
        self.runner = (shell, len(self.launchers))
        return self.unwrap(list(plan.argv), 0)

    def opaque_script(
        self,
        word: WordLike,
        rest: Sequence[WordLike],
        code: str,
        reason: str,
        path: str | None = None,
    ) -> Launch:
        self.opaque = OpaqueScript(word, code, reason, path)
        return self.result("script", word, rest)

    def rank(self, words: Sequence[WordLike]) -> tuple[int, str]:
        """How server-like a candidate command of a compound ending is (higher: more), and
        what it runs."""
        if self.depth >= MAX_HOPS:
            return 0, "unknown"
        kind = _Resolver(self.depth + 1).run(list(words), 0).kind
        return (2 if kind in WEB_SERVERS else 1 if kind == "celery" else 0), kind

    def django(self, words: list[WordLike], i: int, j: int) -> Launch:
        if j >= len(words):
            return self.result("django-command", words[i], ())
        sub = words[j]
        if sub.value is None:
            raise _Unknown(sub)
        kind: ServerKind = "runserver" if sub.value in _RUNSERVER else "django-command"
        return self.result(kind, words[i], words[j + 1 :], sub)

    def python(self, words: list[WordLike], i: int, prefix: Sequence[WordLike] = ()) -> Launch:
        """``python [flags] (-m MODULE | -c CMD | SCRIPT) args``."""
        n = len(words)
        j = i + 1
        while j < n:
            v = words[j].value
            if v is None:
                raise _Unknown(words[j])
            if v == "--":
                j += 1
                break
            if not v.startswith("-") or v == "-":
                break
            if v.startswith("--"):
                j += 2 if v == "--check-hash-based-pycs" else 1
                continue
            for k in range(1, len(v)):
                ch = v[k]
                if ch == "c":
                    self.launchers.append(Launcher("python", (*prefix, *words[i:j])))
                    return self.result("other", words[i], words[i + 1 :])
                if ch == "m":
                    if k + 1 < len(v):  # -mgunicorn
                        self.launchers.append(Launcher("python -m", (*prefix, *words[i : j + 1])))
                        return self.module(words, Arg.tail(words[j], k + 1), j + 1)
                    self.launchers.append(Launcher("python -m", (*prefix, *words[i : j + 1])))
                    return self.python_module(words, j + 1)
                if ch in "WX":
                    if k + 1 == len(v):
                        j += 1  # the argument is the next word
                    break
            j += 1
        self.launchers.append(Launcher("python", (*prefix, *words[i : min(j, n)])))
        if j >= n:
            return self.result("other", words[i], ())
        script = words[j]
        if script.value is None:
            raise _Unknown(script)
        if basename(script.value) in _DJANGO_PROGRAMS:
            return self.django(words, j, j + 1)
        return self.result("other", script, words[j + 1 :])

    def python_module(self, words: list[WordLike], j: int) -> Launch:
        if j >= len(words):
            return self.result("other", None, ())
        return self.module(words, words[j], j + 1)

    def module(self, words: list[WordLike], module: WordLike, after: int) -> Launch:
        if module.value is None:
            raise _Unknown(module)
        name = module.value
        if name == "django":
            if after >= len(words):
                return self.result("django-command", module, (), module=name)
            sub = words[after]
            if sub.value is None:
                raise _Unknown(sub)
            kind: ServerKind = "runserver" if sub.value in _RUNSERVER else "django-command"
            return self.result(kind, module, words[after + 1 :], sub, module=name)
        return self.result(_SERVER_MODULES.get(name, "other"), module, words[after:], module=name)


def _looks_like_script(value: str) -> bool:
    if value.endswith(_SCRIPT_SUFFIXES):
        return True
    if "/" not in value:
        return False
    return not value.startswith(_SYSTEM_DIRS)


def _skip_exec_options(words: Sequence[WordLike], j: int) -> int:
    n = len(words)
    while j < n:
        v = words[j].value
        if v is None:
            raise _Unknown(words[j])
        if v == "--":
            return j + 1
        if len(v) < 2 or v[0] != "-" or v.strip("-cla"):
            return j
        j += 2 if "a" in v else 1
    return j


def _skip_options(
    words: Sequence[WordLike],
    j: int,
    short_args: str,
    long_args: frozenset[str] = frozenset(),
    *,
    stop_at_first: bool = False,
) -> int:
    """Index of the first operand after options; ``--`` ends options and is skipped.

    ``short_args`` are the letters whose option takes an argument (attached or next word),
    ``long_args`` the long options that do (``--opt value`` or ``--opt=value``). With
    ``stop_at_first`` only the option at ``j`` is skipped.
    """
    n = len(words)
    while j < n:
        v = words[j].value
        if v is None:
            raise _Unknown(words[j])
        if v == "--":
            return j + 1
        if len(v) < 2 or v[0] != "-":
            return j
        j += 1
        if v.startswith("--"):
            if "=" not in v and v in long_args:
                j += 1
        else:
            for k, ch in enumerate(v[1:], 1):
                if ch in short_args:
                    if k == len(v) - 1:
                        j += 1
                    break
        if stop_at_first:
            return min(j, n)
    return min(j, n)


def _skip_pairs(words: Sequence[WordLike], j: int) -> int:
    """``opentelemetry-instrument``: every option is ``--name value`` or ``--name=value``."""
    n = len(words)
    while j < n:
        v = words[j].value
        if v is None:
            raise _Unknown(words[j])
        if v == "--":
            return j + 1
        if not v.startswith("-") or v == "-":
            return j
        j += 1 if ("=" in v or v in ("-h", "--help", "--version")) else 2
    return min(j, n)


__all__ = [
    "MAX_SCRIPT_HOPS",
    "WEB_SERVERS",
    "Arg",
    "EnvAssignment",
    "Launch",
    "Launcher",
    "OpaqueScript",
    "ScriptFinder",
    "ScriptHop",
    "ServerKind",
    "ShellHop",
    "WordLike",
    "basename",
    "resolve_launch",
    "resolve_shell_form",
]
