"""
## What it does
Checks that the command that starts the server (`CMD` or `ENTRYPOINT`) is in exec form, a JSON
array, rather than shell form: in the final stage, and in any other stage a build can target that
starts a web server (the finding then names that target).

## Why is this bad?
The handbook: "The shell form, `CMD command param1`, runs the command as a subcommand of
`/bin/sh -c`, which doesn't pass signals. For Gunicorn to receive the `SIGTERM` signal and stop
gracefully, the exec form, `CMD ["command", "param1"]`, is used." With shell form `/bin/sh` is the
container's PID 1; Debian's `dash` neither forwards `SIGTERM` nor replaces itself with the command,
so `docker stop` waits out its grace period and then kills Gunicorn mid-request.

Only the effective start command of such a stage is checked, after looking through launchers
(`tini --`, `python -m gunicorn`, `uv run`, …): a shell-form `ENTRYPOINT` (which makes Docker ignore
`CMD`), or a shell-form `CMD` that an exec-form `ENTRYPOINT` such as `["tini", "--"]` runs. A web
server (Gunicorn, uvicorn, Daphne, Hypercorn, uWSGI, runserver) is an error; any other program is a
warning. A command inherited from a local parent stage is reported where that stage sets it.

A variable in front of the server does not change this: `CMD $PREFIX gunicorn app.wsgi` is run by
`/bin/sh -c` whatever `PREFIX` holds (empty, `ddtrace-run`, `newrelic-admin run-program`), and the
shell stays in front of what it starts, so it is reported as if the variable were a launcher,
naming it. Only a variable that could *be* the server is unknown: `CMD $START_COMMAND` and
`CMD $PREFIX --flag gunicorn` (the word after the variable may be its argument) are not reported.
(A variable holding `exec` would hand the process over; write `exec` itself, which is read.)

`CMD exec gunicorn …` does deliver signals (the shell replaces itself), so it is only info: BuildKit's
`JSONArgsRecommended` check and hadolint's DL3025 still flag it, and the same fix applies. When a
`SHELL` instruction replaced `/bin/sh`, whether that shell execs its last command cannot be known, and
the finding is info as well.

Only the Dockerfile is judged: a Compose service's `command:` or `entrypoint:` is always run in
exec form, without a shell (Compose splits a string itself), so a service never brings this
problem back. A service whose `command:` replaces a shell-form `CMD` runs clean, but the image
still has the finding.

## Example
```dockerfile
FROM python:3.11
CMD gunicorn core.wsgi --bind 0.0.0.0:8000 --threads 2
```

## Use instead
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--threads", "2"]
```

## Fix safety
The command (after a leading `exec`) is rewritten as the equivalent JSON array when it is plain
words, with no variables, globs, quotes that hide expansions, operators or redirections, and its
program is not a shell builtin or keyword (`cd`, `echo`, `set`, `time`, …, which the JSON form
would run as a program, or not find). A command that needs the shell (`$PORT`, `&&`) has no
automatic fix; converting it would stop the expansion (see DJ004): wrap it as
`["sh", "-c", "exec …"]` by hand instead.

The fix is safe (the same program runs, with the same arguments, environment and working
directory, now as PID 1) when all of these hold for every stage that starts with the instruction:
- the shell is `/bin/sh -c`, or a `SHELL` of `sh`, `dash`, `bash` or `ash` with only `-c`, `-e`,
  `-u` or `-o pipefail`: a login or interactive shell (`-l`, `-i`), bash with `BASH_ENV` set, a
  trace (`-x`) or any other program (`SHELL ["conda", "run", …]`) does something before the
  command that the JSON form would not;
- for a `CMD`, no `ENTRYPOINT` script receives it: an `ENTRYPOINT` such as `["tini", "--"]` runs
  its arguments as given, but a script would see `gunicorn …` where it saw `/bin/sh -c …` (and
  may test `$1`). A base image whose start command is not known (not in the data file) may have
  such an `ENTRYPOINT`, so the fix is unsafe on one unless the Dockerfile sets its own;
- the program is not a script without a `#!` line (or one whose first line cannot be read): the
  shell runs such a file itself, while Docker cannot execute it.

Otherwise it is unsafe. A shell-form `ENTRYPOINT` is always unsafe: Docker ignores `CMD` and the
arguments of `docker run` (or a Compose `command:`) today, and would pass them on in exec form.
One difference remains even when safe: `/bin/sh` exports `PWD` to what it runs, and the JSON form
does not, so a program that reads `$PWD` itself (rather than its working directory) sees none.

## References
- [OCP handbook: Dockerfile for Django](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
- [Dockerfile reference: shell and exec form](https://docs.docker.com/reference/dockerfile/#shell-and-exec-form)
- [BuildKit build checks: JSONArgsRecommended](https://docs.docker.com/reference/build-checks/json-args-recommended/)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from dockerlint_django._record import LazyPattern
from dockerlint_django.analysis import script_commands
from dockerlint_django.dockerfile.model import Command
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
    RuleMeta,
    Severity,
    Violation,
)
from dockerlint_django.shell.launch import (
    WEB_SERVERS,
    Launch,
    ServerKind,
    ShellHop,
    WordLike,
    resolve_launch,
)
from dockerlint_django.shell.scripts import read_shebang

META = RuleMeta(
    code="DJ001",
    name="shell-form-server-command",
    severity=Severity.ERROR,
    summary="The server is started in shell form, so it never receives SIGTERM.",
    fix=FixAvailability.SOMETIMES,
    hadolint=("DL3025",),
    buildkit=("JSONArgsRecommended",),
)

_SPECIAL = set("$`|&;<>()*?[]{}~#\\'\"\n")
_LONG_RUNNING = frozenset({"celery", "django-command", "other", "script"})
# Names the shell runs itself: as a JSON array they would be looked up as programs (or missing).
_BUILTINS = frozenset(
    {".", ":", "alias", "bg", "break", "cd", "command", "continue", "echo", "eval", "exit"}
    | {"export", "false", "fc", "fg", "getopts", "hash", "jobs", "kill", "local", "printf", "pwd"}
    | {"read", "readonly", "return", "set", "shift", "source", "test", "times", "trap", "true"}
    | {"type", "ulimit", "umask", "unalias", "unset", "wait", "time", "!", "if", "for", "while"}
    | {"until", "case", "function", "select", "coproc", "declare", "typeset", "let", "builtin"}
)
# Shell flags that change nothing but error handling before the command runs: `-e`, `-u`,
# `-o pipefail` (also clustered, `-eo pipefail`), and the `-c` (`-ec`) that ends them.
_PLAIN_CLUSTER = LazyPattern(r"-[euo]+\Z")
_LAST_CLUSTER = LazyPattern(r"-[eu]*c\Z")
_PLAIN_OPTIONS = frozenset({"pipefail", "errexit", "nounset"})


def _plain_shell(words: list[str | None], env: dict[str, str | None]) -> bool:
    """`/bin/sh -c`, or a SHELL that runs the string as that would (no startup files, no trace)."""
    if len(words) < 2 or any(w is None for w in words):
        return False
    name = posixpath.basename(words[0] or "")
    if name not in ("sh", "dash", "bash", "ash") or not _LAST_CLUSTER.match(words[-1] or ""):
        return False
    if name == "bash" and "BASH_ENV" in env:
        return False
    flags = [w or "" for w in words[1:-1]]
    i = 0
    while i < len(flags):
        flag = flags[i]
        if not _PLAIN_CLUSTER.match(flag):
            return False
        if "o" in flag:
            if i + 1 >= len(flags) or flags[i + 1] not in _PLAIN_OPTIONS:
                return False
            i += 1
        i += 1
    return True


def _runs_without_shell(launch: Launch, command: Command) -> bool:
    """The program the shell line names can be executed directly: not a script without `#!`
    (the shell runs one itself; `exec` refuses it), nor one whose first line cannot be read."""
    hop = next(
        (
            h
            for h in launch.shells
            if command.script is not None and h.script_word.span == command.script.span
        ),
        None,
    )
    if hop is None or hop.command is None or not hop.command.words:
        return False
    first = hop.command.words[0].span
    for script in launch.scripts:
        if script.word.span == first:
            return script.shell_word is None and read_shebang(script.source) is not None
    opaque = launch.opaque
    if opaque is not None and opaque.word.span == first:
        return opaque.code == "not-shell"  # a `#!` line that names another program
    return True


def _fix_keeps_behaviour(ctx: Context, command: Command) -> bool:
    """Every stage that starts with ``command`` runs the same program once it is a JSON array."""
    a = ctx.analysis
    ins = command.instruction
    if command.keyword == "ENTRYPOINT":
        return False  # CMD and `docker run` arguments are ignored today, passed on after
    for stage in a.dockerfile.stages:
        state = stage.final_state
        own = state.cmd if command.keyword == "CMD" else state.entrypoint
        if own is None or own.instruction is not ins:
            continue
        if not _plain_shell([w.value for w in command.argv[:-1]], dict(state.env)):
            return False
        start = a.start(stage)
        if start is None:
            return False
        if not _runs_without_shell(start.launch, command):
            return False
        root = stage.root_known
        if start.entrypoint is None and (root is None or not root.command_known):
            return False  # the base image may have an ENTRYPOINT that receives the command
        if start.entrypoint is not None and start.entrypoint is not command:
            # The ENTRYPOINT gets the command as its arguments: only launchers that run them
            # as given (`tini --`, `gosu app`) are the same either way.
            hop = next((h for h in start.launch.hops), None)
            script = command.script
            if (
                script is None
                or not isinstance(hop, ShellHop)
                or hop.script_word.span != script.span
            ):
                return False
    return True


def _needs_shell(command: Command) -> str:
    """How the command line uses the shell, which a JSON array would hand to the program as
    words: "several" commands (`migrate && gunicorn`), "one" with expansions, redirections or
    assignments (`$PORT`, `2>&1`), or "" for none."""
    ins = command.instruction
    if ins is None:
        return ""
    parsed = script_commands(ins.args)
    if len(parsed.commands) > 1:
        return "several"
    text = ins.args.text
    if "$" in text or "`" in text or parsed.errors:
        return "one"
    cmd = parsed.commands[0] if parsed.commands else None
    return "one" if cmd is not None and (cmd.assignments or cmd.redirects) else ""


def _json_fix(ctx: Context, command: Command) -> Fix | None:
    import json  # only a fix pays for importing it

    ins = command.instruction
    if ins is None or ins.heredocs:
        return None
    script = ins.args
    # Comment lines inside a continuation would be lost by rewriting the arguments.
    span = script.span()
    if any(span.start <= c.span.start < span.end for c in ctx.analysis.dockerfile.parse.comments):
        return None
    text = script.text.strip()
    if not text or any(ch in _SPECIAL for ch in text):
        return None
    if re.match(r"exec\s+-", text):
        # `exec -a NAME cmd` renames the process; the JSON form cannot say that.
        return None
    if text.split(None, 1)[0] in _BUILTINS:
        return None
    parsed = script_commands(script)
    if len(parsed.commands) != 1 or parsed.errors:
        return None
    cmd = parsed.commands[0]
    if cmd.assignments or cmd.redirects or not cmd.words:
        return None
    values = [w.value for w in cmd.words]
    if any(v is None for v in values) or values[0] in _BUILTINS:
        return None
    array = "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"
    safe = _fix_keeps_behaviour(ctx, command)
    title = "Write the command in exec (JSON) form"
    if not safe:
        title += (
            " (the CMD and arguments Docker ignores today would become its arguments)"
            if command.keyword == "ENTRYPOINT"
            else " (check that the shell or ENTRYPOINT it runs under does nothing else first)"
        )
    return Fix(
        title,
        (Edit.replace(span, array),),
        Applicability.SAFE if safe else Applicability.UNSAFE,
    )


def _server_after_variable(launch: Launch, hop: ShellHop) -> tuple[ServerKind, WordLike] | None:
    """``CMD $PREFIX gunicorn …``: the word the launch could not read is a variable in the shell
    line's own command, and the first known word after it (and any more variables) starts a
    server. What is found is only what runs when the variable is a launcher or empty; with
    ``$PREFIX --flag gunicorn`` the flag may be the variable's own, and nothing is said."""
    unknown = launch.program
    cmd = hop.command
    if unknown is None or cmd is None:
        return None
    words = list(cmd.words)
    at = next((i for i, w in enumerate(words) if w.span == unknown.span), None)
    if at is None:
        return None
    j = at + 1
    while j < len(words) and words[j].value is None:
        j += 1
    if j >= len(words):
        return None
    rest = resolve_launch(words[j:])
    if rest.kind in WEB_SERVERS or rest.kind == "celery":
        return rest.kind, unknown
    return None


# An array of plain quoted strings, single or double quotes, commas between, one trailing comma
# allowed: the shapes people write when they mean exec form. Anything else is not repaired.
_ITEM = "(?:'[^'\\\\]*'|\"[^\"\\\\]*\")"
_NEAR_JSON = LazyPattern(rf"\[\s*(?:{_ITEM}\s*,\s*)*{_ITEM}\s*,?\s*\]")
_ITEMS = LazyPattern("'([^'\\\\]*)'|\"([^\"\\\\]*)\"")


def _broken_json(ctx: Context, command: Command) -> Violation | None:
    """``CMD ['gunicorn', 'x']``: meant as exec form, but not JSON, so the shell runs ``[gunicorn,``.

    Only a bracketed list whose first item is quoted counts: ``[ -f ready ] && exec …`` is a shell
    test, and valid.
    """
    ins = command.instruction
    script = command.script
    text = (script.value or "").strip() if script is not None else ""
    if ins is None or not (text.startswith("[") and text.endswith("]")):
        return None
    if not re.match(r"\[\s*['\"\]]", text):
        return None
    fix = None
    if _NEAR_JSON.fullmatch(text):
        import json  # only a fix pays for importing it

        values = [
            single if single or not double else double for single, double in _ITEMS.findall(text)
        ]
        array = "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"
        fix = Fix(
            "Write it as valid JSON", (Edit.replace(ins.args.span(), array),), Applicability.SAFE
        )
    why = "JSON needs double quotes" if "'" in text else "check its commas and quotes"
    return META.violation(
        ins.span,
        f"{command.keyword} is not a valid JSON array ({why}), so Docker runs it as a shell "
        "command: the container will not start what it names",
        fix=fix,
    )


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    start = a.start(final)
    if start is None:
        return
    launch = start.launch
    command = start.command
    if command is None or command.json or command.instruction is None:
        return
    broken = _broken_json(ctx, command)
    if broken is not None:
        yield broken
        return
    script = command.script
    # The shell Docker added for the shell-form instruction must be the one the launch went through.
    hop = next(
        (h for h in launch.shells if script is not None and h.script_word.span == script.span), None
    )
    if hop is None:
        return
    behind = _server_after_variable(launch, hop) if launch.kind == "unknown" else None
    if behind is not None:
        kind, word = behind
        severity = Severity.ERROR if kind in WEB_SERVERS else Severity.WARNING
        what = f"starts {kind} (after `{ctx.analysis.text(word.span)}`, whatever it holds)"
    elif launch.kind in WEB_SERVERS:
        severity = Severity.ERROR
        what = f"starts {launch.kind}"
    elif launch.kind in _LONG_RUNNING or launch.scripts or launch.opaque is not None:
        # A script the shell runs is the container's process, however it ends (a command the
        # tracer cannot name, nothing after `exec "$@"`): the shell still stands in front of it.
        severity = Severity.WARNING
        what = "starts its process"
    else:
        return
    keyword = command.keyword
    notes = []
    if hop.exec_prefixed and hop.top_level and not hop.background:
        severity = Severity.INFO
        notes.append("`exec` hands signals on, but the JSON form is the documented one")
    shell = [w.value or "?" for w in command.argv[:-1]]
    # `SHELL ["/bin/sh", "-eux", "-c"]` is still dash; only another shell changes what is known.
    if not shell or posixpath.basename(shell[0]) not in ("sh", "dash"):
        severity = Severity.INFO
        notes.append("a SHELL instruction replaced /bin/sh; whether it passes signals is unknown")
    needs_shell = _needs_shell(command)
    text = command.instruction.args.text if command.instruction is not None else ""
    if needs_shell and re.search(r"(?:^|[;&|\s])(?:while|until|for)\s", text):
        # A restart loop: `exec` would end it. The platform's restart policy does its job.
        advice = (
            "the loop keeps the shell in front of the server; start the server in exec form and "
            "let the restart policy (Compose `restart:`, `docker run --restart`) restart it"
        )
    elif needs_shell and hop.exec_prefixed:
        advice = 'the JSON form would need `["sh", "-c", "exec …"]` here'
    elif needs_shell:
        # The command needs the shell (`$PORT`, `migrate && gunicorn`, `2>&1`): a JSON array
        # would pass those to the program as words (DJ004), so the advice keeps the shell and
        # hands the server the process.
        advice = (
            f'put `exec` before the server ({keyword} … && exec …, or ["sh", "-c", "… && exec …"])'
            if needs_shell == "several"
            else f'start the server with `exec` ({keyword} exec …, or ["sh", "-c", "exec …"])'
        )
    else:
        advice = "write it as a JSON array"
    message = (
        f"shell-form {keyword} {what} under {' '.join(shell)}, which does not pass SIGTERM on; "
        f"{advice}"
    )
    if notes:
        message += " (" + "; ".join(notes) + ")"
    fix = _json_fix(ctx, command)
    yield META.violation(command.instruction.span, message, severity=severity, fix=fix)
