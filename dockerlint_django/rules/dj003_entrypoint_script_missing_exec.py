"""
## What it does
Follows the start command into the entrypoint scripts it runs from the build context
(`ENTRYPOINT ["/docker-entrypoint.sh"]`, `CMD ["./start.sh"]`, `ENTRYPOINT ["sh", "run.sh"]`, a
Compose `entrypoint:` or `command:` that runs a script) and checks the command each script ends
with: the one that starts the server, or `"$@"` handing over to `CMD`, must be started with
`exec`.

## Why is this bad?
A script runs in a shell, and that shell is the container's PID 1. Docker's best practices for
entrypoint scripts: "This script uses the `exec` Bash command so that the final running
application becomes the container's PID 1. This allows the application to receive any Unix
signals sent to the container." Without `exec`, the server is the shell's child: `docker stop`
sends `SIGTERM` to the shell, which (Debian's `dash`, the `/bin/sh` of the `python` images, and
bash alike, when running a script file) neither passes it on nor exits, so Docker waits out the
grace period and kills everything with `SIGKILL`, cutting the requests in flight.

Starting the server in the background (`gunicorn … &`) and `wait`ing for it has the same problem,
unless the script traps `TERM` and forwards it. `exec gosu app "$@"`, `exec su-exec …` and
`exec tini -- …` are fine: each of them ends in the server.

A script started as `sh FILE` (`ENTRYPOINT ["sh", "entrypoint.sh"]`) is checked the same way.
A script that cannot be found in the build context is not judged. The finding is in the script,
with a note at the instruction (or Compose key) that runs it.

## Example
```dockerfile filename=Dockerfile
FROM python:3.12
WORKDIR /app
COPY . .
ENTRYPOINT ["/app/docker-entrypoint.sh"]
```

```sh filename=docker-entrypoint.sh
#!/bin/sh
set -e
python manage.py check --deploy
gunicorn core.wsgi --bind 0.0.0.0:8000
```

```yaml filename=compose.yaml
services:
  web:
    build: .
```

## Use instead
```dockerfile filename=Dockerfile
FROM python:3.12
WORKDIR /app
COPY . .
ENTRYPOINT ["/app/docker-entrypoint.sh"]
```

```sh filename=docker-entrypoint.sh
#!/bin/sh
set -e
python manage.py check --deploy
exec gunicorn core.wsgi --bind 0.0.0.0:8000
```

```yaml filename=compose.yaml
services:
  web:
    build: .
```

## Fix safety
No fix is offered yet. The repair is to insert `exec ` before the command when it is a top-level
simple command on its own line. That would be safe only in a script without a `trap`: the same
program runs, now as PID 1, but a shell that has replaced itself never runs its `EXIT` handler
(clean-up, a last log line), so with a trap it changes what happens at stop. It also edits the
script, not the Dockerfile or Compose file being checked, and fixes are applied to one checked
file at a time.

## References
- [Docker best practices: ENTRYPOINT](https://docs.docker.com/build/building/best-practices/#entrypoint)
- [Dockerfile reference: ENTRYPOINT](https://docs.docker.com/reference/dockerfile/#entrypoint)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
    Related,
    RuleMeta,
    Severity,
    Violation,
)
from dockerlint_django.shell.launch import WEB_SERVERS, ScriptHop, ShellHop, resolve_launch

if TYPE_CHECKING:
    from dockerlint_django.analysis import Analysis, Start
    from dockerlint_django.shell.syntax import SimpleCommand
    from dockerlint_django.source import Span

META = RuleMeta(
    code="DJ003",
    name="entrypoint-script-missing-exec",
    severity=Severity.ERROR,
    summary="An entrypoint script starts the server without exec, so it never gets SIGTERM.",
    fix=FixAvailability.NONE,
    origin="extension",
    kind=("dockerfile", "cross"),
)

# Long-running processes that stop gracefully on SIGTERM: a web server, or a Celery worker.
_SERVERS = WEB_SERVERS | {"celery"}
_TERM = frozenset({"TERM", "SIGTERM", "15"})
_LOOPS = frozenset({"while", "until", "for", "select"})


def _traps_term(hop: ScriptHop) -> bool:
    """The script installs a handler for TERM (``trap 'kill $PID' TERM``): it forwards it."""
    for cmd in hop.script.commands:
        if cmd.name != "trap":
            continue
        for w in cmd.words[2:]:
            v = w.value
            if v is None or v.upper() in _TERM:
                return True  # an unknown signal list may name TERM
    return False


def script_runner(a: Analysis, start: Start, hop: ScriptHop, it: str = "it") -> Related | None:
    """The ENTRYPOINT/CMD or Compose key that starts the script, as a note (None: another
    script or the start command's own words do)."""
    at = hop.word.span
    for command in (start.entrypoint, start.cmd):
        if command is None:
            continue
        ins = command.instruction
        if ins is not None:
            if ins.span.start <= at.start and at.end <= ins.span.end:
                return _related(a, ins.span, f"the {command.keyword} runs {it}")
            continue
        if any(w.span.start <= at.start and at.end <= w.span.end for w in command.argv):
            key = "entrypoint" if command.keyword == "ENTRYPOINT" else "command"
            return _related(a, at, f"the service's `{key}:` runs {it}")
    return None


def _runner(
    a: Analysis, start: Start, hop: ScriptHop, previous: ScriptHop | ShellHop | None
) -> Related:
    """Where the script is started: the ENTRYPOINT/CMD, the Compose key, or another script."""
    found = script_runner(a, start, hop)
    if found is not None:
        return found
    if isinstance(previous, ScriptHop):
        return Related(hop.word.span, f"{previous.path} runs it")
    return Related(hop.word.span, "the start command runs it")


def _related(a: Analysis, span: Span, message: str) -> Related:
    """A note in the Dockerfile or a Compose file, naming its file: the finding itself is in
    the script, and a span without a file would be read as one of the script's."""
    source, local = a.workspace.locate(span)
    return Related(local, message, source)


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    start = a.start(final)
    if start is None:
        return
    launch = start.launch
    if not launch.scripts:
        return
    if launch.kind not in _SERVERS:
        # `gunicorn … | tee log` ends in `tee`: the server is earlier in the pipeline.
        last = launch.hops[-1]
        if isinstance(last, ScriptHop):
            v = _piped_server(last, _runner(a, start, last, _before(launch.hops)))
            if v is not None:
                yield v
        return
    previous: ScriptHop | ShellHop | None = None
    for hop in launch.hops:
        if isinstance(hop, ScriptHop):
            v = _judge(hop, _runner(a, start, hop, previous))
            if v is not None:
                yield v
        previous = hop


def _before(hops: tuple[ScriptHop | ShellHop, ...]) -> ScriptHop | ShellHop | None:
    return hops[-2] if len(hops) > 1 else None


def _piped_server(hop: ScriptHop, runner: Related) -> Violation | None:
    """The script ends in a pipeline whose last command is not the server: the server piped
    into it (`gunicorn … 2>&1 | tee log`) is a child of the shell."""
    cmd = hop.command
    if cmd is None or not cmd.in_pipeline or any(c in _LOOPS for c in cmd.context):
        return None
    commands = hop.script.commands
    i = next((k for k, c in enumerate(commands) if c is cmd), None)
    while i is not None and i > 0 and commands[i].connector_before in ("|", "|&"):
        i -= 1
        piped = commands[i]
        if piped.context != cmd.context or not piped.words:
            return None
        if resolve_launch(list(piped.words)).kind in _SERVERS:
            return META.violation(
                piped.span,
                f"the script runs `{_shown(piped)}` in a pipeline, as a child of the shell, "
                "which stays PID 1: docker stop's SIGTERM never reaches the server; end the "
                "script with `exec` and the server alone, outside a pipeline",
                related=(runner,),
            )
    return None


def _shown(cmd: SimpleCommand) -> str:
    """The start of the command as written: its first three words."""
    words = [" ".join(w.raw.text.split()) for w in cmd.words[:3]]
    return " ".join(words) + (" …" if len(cmd.words) > 3 else "")


def _judge(hop: ScriptHop, runner: Related) -> Violation | None:
    cmd = hop.command
    if cmd is None or not cmd.words:
        return None
    steps = (*hop.calls, cmd)
    if any(c in _LOOPS for step in steps for c in step.context):
        # A restart loop (`while true; do gunicorn …; done`) cannot exec its command: what it
        # needs is a signal handler, a design choice this rule does not judge.
        return None
    shown = _shown(cmd)
    if hop.background or hop.followed_by_wait:
        if _traps_term(hop):
            return None
        problem = (
            f"starts `{shown}` in the background and waits for it without trapping TERM, so "
            "the shell stays PID 1 and docker stop's SIGTERM never reaches the server"
        )
        advice = "run it in the foreground with `exec`"
    elif hop.in_pipeline:
        problem = (
            f"runs `{shown}` in a pipeline, as a child of the shell, which stays PID 1: "
            "docker stop's SIGTERM never reaches the server"
        )
        advice = "end the script with `exec` and the server alone, outside a pipeline"
    elif not hop.exec_prefixed:
        problem = (
            f"runs `{shown}` without exec, so the shell stays PID 1 and docker stop's SIGTERM "
            "never reaches the server, which is killed after the grace period"
        )
        first = cmd.words[0]
        advice = f"write `exec {first.raw.text}`" if first.is_all_args else "start it with `exec`"
    else:
        return None
    return META.violation(cmd.span, f"the script {problem}; {advice}", related=(runner,))
