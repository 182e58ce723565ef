"""
## What it does
Checks exec-form `CMD`/`ENTRYPOINT` commands that start a shell explicitly
(`["sh", "-c", "…"]`) for the shell's last command: it must be started with `exec`, so that the
shell replaces itself with the server.

A Compose service's `command:` or `entrypoint:` that starts a shell (`["sh", "-c", "…"]`,
or a string `sh -c "…"` that Compose splits) is checked too, and reported on the Compose line,
since Compose runs it without a shell of its own; so is one of a service whose image is built
elsewhere, when it runs Django. The finding notes the image's `CMD` the service replaces.

## Why is this bad?
The Dockerfile reference says that for shell processing in exec form you "execute a shell
directly", `[ "sh", "-c", "echo $HOME" ]`; but the shell then is the container's PID 1, and the
same reference warns that a command run as a subcommand of `/bin/sh -c` "will not receive Unix
signals … your executable doesn't receive a `SIGTERM` from `docker stop <container>`". Debian's
`dash` (the `/bin/sh` of the `python` images) does not replace itself even with a single command,
and as PID 1 it ignores `SIGTERM`: `docker stop` waits out its grace period and kills Gunicorn
mid-request. [docker/buildx#3154](https://github.com/docker/buildx/issues/3154) is this exact
case (`CMD [ "sh", "-c", "java $JAVA_OPTS -jar app.jar" ]`).

The last top-level command of the script is the one that must be `exec`'d (after
`python manage.py check && …`, for instance). Starting it in the background and `wait`ing for it
has the same problem: the shell gets the signal, not the server.

`sh`, `dash` and `ash` are a warning. bash replaces itself with the command of a `-c` string
that is a single simple command (no redirection, no `trap`), in every version: that is not
reported. bash 5.1 and later also exec the last command of a list (`cd /app && celery …`) by
themselves, but bash 5.0 and earlier (Ubuntu 20.04, Debian 10) do not: that is info. When bash
cannot exec the command (in the background, with a redirection, inside a compound command, after
a `trap`), it is a warning as for `sh`. Shell-form commands are DJ001's.

## Example
```dockerfile
FROM python:3.11
CMD ["sh", "-c", "gunicorn core.wsgi --bind 0.0.0.0:${PORT:-8000}"]
```

## Use instead
```dockerfile
FROM python:3.11
CMD ["sh", "-c", "exec gunicorn core.wsgi --bind 0.0.0.0:${PORT:-8000}"]
```

## Fix safety
Safe when the last top-level command is a plain simple command that runs a program: not in a
pipeline, subshell, `if`, loop or function, not negated, not backgrounded, and not a shell
builtin. The same program runs with the same arguments, environment and exit status; what
changes is that it replaces the shell, so it receives `docker stop`'s signal, which is the point.
`exec ` is inserted before its program word (after any `NAME=value` prefixes, which `exec` then
passes on), inside the JSON string; `exec ` needs no JSON escaping. In a Compose file it is
inserted only where the script is written character for character (a plain scalar, or quotes
with nothing escaped or interpolated inside); comments, quoting and layout stay.

Unsafe when the script sets a `trap`: once the shell has replaced itself, its `EXIT` handler
(a clean-up, a final log line) never runs, and a handler for `TERM` no longer forwards anything.
Anything else is reported without a fix.

## References
- [Dockerfile reference: ENTRYPOINT, exec form and signals](https://docs.docker.com/reference/dockerfile/#entrypoint)
- [Dockerfile reference: shell and exec form](https://docs.docker.com/reference/dockerfile/#shell-and-exec-form)
- [docker/buildx#3154](https://github.com/docker/buildx/issues/3154)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from dockerlint_django.analysis import script_commands
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.model import Command
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
    Related,
    RuleMeta,
    ServiceContext,
    Severity,
    Violation,
)
from dockerlint_django.rules._service_view import (
    image_less_launch,
    replaced,
    service_label,
    view_file_name,
)
from dockerlint_django.shell.launch import ShellHop
from dockerlint_django.shell.syntax import SimpleCommand
from dockerlint_django.source import Mapped, Span

if TYPE_CHECKING:
    from dockerlint_django.project.view import RuntimeLayer

META = RuleMeta(
    code="DJ002",
    name="shell-wrapper-without-exec",
    severity=Severity.WARNING,
    summary="An exec-form `sh -c` keeps the shell as PID 1 unless its last command is exec'd.",
    fix=FixAvailability.SOMETIMES,
    origin="extension",
    kind=("dockerfile", "compose"),
)

# `exec` looks these up in PATH, where most do not exist: prefixing them breaks the script.
_BUILTINS = frozenset(
    {".", ":", "source", "cd", "wait", "exit", "return", "set", "export", "unset", "trap"}
    | {"eval", "shift", "read", "ulimit", "umask", "alias", "readonly", "local", "true"}
    | {"false", "exec", "command", "builtin", "break", "continue", "times", "type", "hash"}
)


def _json_instruction(instructions: list[Instruction], span: Span) -> Instruction | None:
    for ins in instructions:
        if ins.json and ins.args.span().start <= span.start and span.end <= ins.args.span().end:
            return ins
    return None


def _traps(hop: ShellHop) -> bool:
    """The script installs a signal or EXIT handler, which ``exec`` would drop."""
    return any(c.name == "trap" for c in hop.script.commands)


def bash_execs_itself(hop: ShellHop) -> str | None:
    """Whether bash replaces itself with the hop's command although it has no ``exec``:
    "always" for a script that is that one simple command (every bash version), "5.1" for the
    last command of a list (bash 5.1 and later); None when bash cannot (redirections, a
    ``trap``, a pipeline, the background, a compound command)."""
    cmd = hop.command
    if hop.shell != "bash" or cmd is None or not cmd.words or not hop.final:
        return None
    if not cmd.top_level or cmd.in_pipeline or cmd.background or cmd.negated or cmd.redirects:
        return None
    commands = hop.script.commands
    if hop.followed_by_wait or hop.script.errors or not commands or commands[-1] is not cmd:
        return None
    if _traps(hop):
        return None
    return "always" if len(commands) == 1 else "5.1"


def _fix(hop: ShellHop) -> Fix | None:
    cmd = hop.command
    if cmd is None or not cmd.words or not hop.final:
        return None
    if not cmd.top_level or cmd.in_pipeline or cmd.background or cmd.negated:
        return None
    if hop.followed_by_wait or hop.script.errors:
        return None
    if any(c.context and c.context[0] == "function" for c in hop.script.commands):
        return None  # the last command may call a function, which `exec` cannot run
    first = cmd.words[0]
    # `"$@"` hands over to CMD: a program. Any other unknown name may be a builtin.
    if not first.is_all_args and (first.value is None or first.value in _BUILTINS):
        return None
    at = first.span.start
    # A trap is the shell's own: exec'ing away from it drops the clean-up it would run.
    safety = Applicability.UNSAFE if _traps(hop) else Applicability.SAFE
    return Fix("Start the last command with exec", (Edit.insert(at, "exec "),), safety)


def _exact_command(text: Callable[[Span], str], hop: ShellHop) -> SimpleCommand | None:
    """The hop's command, re-read with exact places in the Compose file, when the script's text
    is written there character for character (a plain scalar, or quotes with nothing escaped or
    interpolated inside). None when it is not."""
    if hop.command is None or not hop.command.words:
        return None
    word = hop.script_word
    value = word.value
    if value is None:
        return None
    span = word.span
    written = text(span)
    if written == value:
        base = span.start
    elif (
        len(written) >= 2
        and written[0] == written[-1]
        and written[0] in "\"'"
        and written[1:-1] == value
    ):
        base = span.start + 1
    else:
        return None
    exact = script_commands(Mapped.from_source(value, base), hop.shell)
    index = next((i for i, c in enumerate(hop.script.commands) if c is hop.command), None)
    if index is None or len(exact.commands) != len(hop.script.commands):
        return None
    cmd = exact.commands[index]
    if not cmd.words or cmd.words[0].value != hop.command.words[0].value:
        return None
    return cmd


def _yaml_fix(text: Callable[[Span], str], hop: ShellHop) -> Fix | None:
    """``exec `` inserted into the Compose string that holds the script, at its exact place."""
    fix = _fix(hop)
    cmd = _exact_command(text, hop) if fix is not None else None
    if fix is None or cmd is None:
        return None
    return Fix(
        "Start the last command with exec",
        (Edit.insert(cmd.words[0].span.start, "exec "),),
        fix.applicability,
    )


def _violation(
    hop: ShellHop,
    where: str = "",
    fix: Fix | None = None,
    related: tuple[Related, ...] = (),
    text: Callable[[Span], str] | None = None,
) -> Violation | None:
    """``text``: a Compose file's, where the command is placed exactly when it can be."""
    cmd = hop.command
    if cmd is None or not cmd.words:
        return None
    exact = _exact_command(text, hop) if text is not None else None
    at = exact.span if exact is not None else cmd.span
    waited = hop.background or hop.followed_by_wait
    if hop.exec_prefixed and not waited:
        return None
    itself = bash_execs_itself(hop)
    if itself == "always":
        return None  # bash execs a lone simple command itself, in every version
    name = cmd.words[0].value or cmd.words[0].raw.text
    advice = "start it with `exec`"
    if waited:
        problem = (
            f"starts `{name}` in the background and waits for it, so the shell, "
            "not the server, receives SIGTERM"
        )
    elif any(c in ("while", "until", "for") for c in cmd.context):
        # `exec` would end the loop: what restarts the server is the loop itself.
        problem = (
            f"runs `{name}` in a loop, so the shell stays PID 1 and SIGTERM from docker stop "
            "never reaches it"
        )
        advice = "drop the loop and start it with `exec` (a restart policy restarts it)"
    elif itself == "5.1":
        problem = (
            f"runs `{name}` after other commands without exec: bash 5.1 and later exec it by "
            "themselves, but bash 5.0 and earlier (Ubuntu 20.04, Debian 10) stay PID 1, and "
            "SIGTERM from docker stop never reaches it"
        )
    else:
        problem = (
            f"runs `{name}` without exec, so the shell stays PID 1 and SIGTERM from "
            "docker stop never reaches it"
        )
    looped = any(c in ("while", "until", "for") for c in cmd.context)
    # A bash restart loop stays info, as it always was: the loop is a choice, not an oversight.
    info = itself == "5.1" or (hop.shell == "bash" and looped and not waited)
    severity = Severity.INFO if info else Severity.WARNING
    message = f"`{hop.shell} -c`{where} {problem}; {advice}"
    return META.violation(at, message, severity=severity, fix=fix, related=related)


def _service_commands(runtime: RuntimeLayer) -> list[tuple[Command, set[Span]]]:
    """The commands a Compose service sets, with the spans of their words."""
    return [
        (c, {w.span for w in c.argv})
        for c in (runtime.entrypoint, runtime.command)
        if c is not None and c.argv
    ]


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    start = a.start(final)
    if start is None:
        return
    instructions = [
        c.instruction for c in (start.entrypoint, start.cmd) if c is not None and c.instruction
    ]
    service = [] if a.runtime is None else _service_commands(a.runtime)
    for hop in start.launch.shells:
        # Only a shell written out: in a JSON array, or in a Compose service's command (which
        # Compose runs without a shell of its own). The implicit `/bin/sh -c` of shell form, and
        # shells inside it, are DJ001's.
        composed = next((c for c, spans in service if hop.script_word.span in spans), None)
        if composed is not None:
            if any(hop.shell_word.span in spans for _, spans in service) or (
                _json_instruction(instructions, hop.shell_word.span) is not None
            ):
                found = _violation(
                    hop,
                    f" in {service_label(a, composed)}",
                    _yaml_fix(a.text, hop),
                    replaced(a, composed),
                    a.text,
                )
                if found is not None:
                    yield found
            continue
        if a.runtime is not None:
            continue  # the image's own shell: the Dockerfile's check reports it
        if _json_instruction(instructions, hop.script_word.span) is None:
            continue
        if _json_instruction(instructions, hop.shell_word.span) is None:
            continue
        found = _violation(hop, fix=_fix(hop))
        if found is not None:
            yield found


# What a service whose image is built elsewhere runs, when Compose says: only then is a shell
# without exec reported there (a database's or a frontend's `sh -c` is not this tool's business).
_DJANGO_KINDS = frozenset({"gunicorn", "uvicorn", "daphne", "hypercorn", "runserver", "celery"})


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    """A service whose image is not built here: its own `entrypoint:`/`command:` are known."""
    view = ctx.service
    found = image_less_launch(view)
    if found is None:
        return
    launch, keys = found
    if not (launch.kind in _DJANGO_KINDS or launch.kind == "django-command" or view.runs_django()):
        return
    for hop in launch.shells:
        key = keys.get(id(hop.script_word))
        if key is None or id(hop.shell_word) not in keys:
            continue
        where = f" in {view_file_name(view, hop.script_word.span)}'s `{key}:`"
        found_v = _violation(hop, where, _yaml_fix(view.text, hop), text=view.text)
        if found_v is not None:
            yield found_v
