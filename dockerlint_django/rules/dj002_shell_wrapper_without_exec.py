"""
## What it does
Checks exec-form `CMD`/`ENTRYPOINT` commands that start a shell explicitly
(`["sh", "-c", "…"]`) for the shell's last command: it must be started with `exec`, so that the
shell replaces itself with the server.

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

`sh`, `dash` and `ash` are a warning. `bash` is info: current versions exec the last simple
command of `-c` implicitly, but relying on that optimisation is fragile; it is a warning when the
command is backgrounded, since bash cannot exec it then. Shell-form commands are DJ001's.

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
builtin. `exec ` is inserted before its program word (after any `NAME=value` prefixes, which
`exec` then passes on), inside the JSON string; `exec ` needs no JSON escaping. Anything else is
reported without a fix.

## References
- [Dockerfile reference: ENTRYPOINT, exec form and signals](https://docs.docker.com/reference/dockerfile/#entrypoint)
- [Dockerfile reference: shell and exec form](https://docs.docker.com/reference/dockerfile/#shell-and-exec-form)
- [docker/buildx#3154](https://github.com/docker/buildx/issues/3154)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.shell.launch import ShellHop
from dockerlint_django.source import Span

META = RuleMeta(
    code="DJ002",
    name="shell-wrapper-without-exec",
    severity=Severity.WARNING,
    summary="An exec-form `sh -c` keeps the shell as PID 1 unless its last command is exec'd.",
    fix=FixAvailability.SOMETIMES,
    origin="extension",
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
    return Fix("Start the last command with exec", (Edit.insert(at, "exec "),), Applicability.SAFE)


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
    for hop in start.launch.shells:
        cmd = hop.command
        if cmd is None or not cmd.words:
            continue
        # Only a shell written into a JSON array; the implicit `/bin/sh -c` of shell form, and
        # shells inside it, are DJ001's.
        if _json_instruction(instructions, hop.script_word.span) is None:
            continue
        if _json_instruction(instructions, hop.shell_word.span) is None:
            continue
        waited = hop.background or hop.followed_by_wait
        if hop.exec_prefixed and not waited:
            continue
        name = cmd.words[0].value or cmd.words[0].raw.text
        if waited:
            problem = (
                f"starts `{name}` in the background and waits for it, so the shell, "
                "not the server, receives SIGTERM"
            )
        else:
            problem = (
                f"runs `{name}` without exec, so the shell stays PID 1 and SIGTERM from "
                "docker stop never reaches it"
            )
        severity = Severity.INFO if hop.shell == "bash" and not waited else Severity.WARNING
        message = f"`{hop.shell} -c` {problem}; start it with `exec`"
        if severity is Severity.INFO:
            message += " (bash usually execs the last command itself, but that is not guaranteed)"
        yield META.violation(cmd.span, message, severity=severity, fix=_fix(hop))
