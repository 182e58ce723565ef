"""
## What it does
Checks that the command that starts the server in the final stage (`CMD` or `ENTRYPOINT`) is in
exec form, a JSON array, rather than shell form.

## Why is this bad?
The handbook: "The shell form, `CMD command param1`, runs the command as a subcommand of
`/bin/sh -c`, which doesn't pass signals. For Gunicorn to receive the `SIGTERM` signal and stop
gracefully, the exec form, `CMD ["command", "param1"]`, is used." With shell form `/bin/sh` is the
container's PID 1; Debian's `dash` neither forwards `SIGTERM` nor replaces itself with the command,
so `docker stop` waits out its grace period and then kills Gunicorn mid-request.

Only the effective start command of the final stage is checked, after looking through launchers
(`tini --`, `python -m gunicorn`, `uv run`, …): a shell-form `ENTRYPOINT` (which makes Docker ignore
`CMD`), or a shell-form `CMD` that an exec-form `ENTRYPOINT` such as `["tini", "--"]` runs. A web
server (Gunicorn, uvicorn, Daphne, Hypercorn, uWSGI, runserver) is an error; any other program is a
warning. A command inherited from a local parent stage is reported where that stage sets it.

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
Safe when the command (after a leading `exec`) is plain words, with no variables, globs, quotes
that hide expansions, operators or redirections: it is rewritten as the equivalent JSON array. A
command that needs the shell (`$PORT`, `&&`) has no automatic fix; converting it would stop the
expansion (see DJ004) — wrap it as `["sh", "-c", "exec …"]` by hand instead.

## References
- [OCP handbook: Dockerfile for Django](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
- [Dockerfile reference: shell and exec form](https://docs.docker.com/reference/dockerfile/#shell-and-exec-form)
- [BuildKit build checks: JSONArgsRecommended](https://docs.docker.com/reference/build-checks/json-args-recommended/)
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from dockerlint_django._record import replace
from dockerlint_django.analysis import Analysis, script_commands
from dockerlint_django.dockerfile.model import Command, Stage
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
    Related,
    RuleMeta,
    Severity,
    Violation,
)
from dockerlint_django.shell.launch import WEB_SERVERS, Launch, resolve_launch
from dockerlint_django.shell.syntax import WordLike
from dockerlint_django.source import Span

if TYPE_CHECKING:
    from dockerlint_django.service import ServiceView

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


def _json_fix(ctx: Context, command: Command) -> Fix | None:
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
    parsed = script_commands(script)
    if len(parsed.commands) != 1 or parsed.errors:
        return None
    cmd = parsed.commands[0]
    if cmd.assignments or cmd.redirects or not cmd.words:
        return None
    values = [w.value for w in cmd.words]
    if any(v is None for v in values):
        return None
    array = "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"
    return Fix(
        "Write the command in exec (JSON) form", (Edit.replace(span, array),), Applicability.SAFE
    )


# An array of plain quoted strings, single or double quotes, commas between, one trailing comma
# allowed: the shapes people write when they mean exec form. Anything else is not repaired.
_ITEM = "(?:'[^'\\\\]*'|\"[^\"\\\\]*\")"
_NEAR_JSON = re.compile(rf"\[\s*(?:{_ITEM}\s*,\s*)*{_ITEM}\s*,?\s*\]")
_ITEMS = re.compile("'([^'\\\\]*)'|\"([^\"\\\\]*)\"")


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
    if launch.kind in WEB_SERVERS:
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
    text = command.instruction.args.text if command.instruction is not None else ""
    if ("$" in text or "`" in text) and hop.exec_prefixed:
        advice = 'the JSON form would need `["sh", "-c", "exec …"]` here'
    elif "$" in text or "`" in text:
        # The command needs the shell (`$PORT`): a JSON array would pass `$PORT` literally
        # (DJ004), so the advice keeps the shell and hands the server the process.
        advice = f'start the server with `exec` ({keyword} exec …, or ["sh", "-c", "exec …"])'
    else:
        advice = "write it as a JSON array"
    message = (
        f"shell-form {keyword} {what} under {' '.join(shell)}, which does not pass SIGTERM on; "
        f"{advice}"
    )
    if notes:
        message += " (" + "; ".join(notes) + ")"
    fix = _json_fix(ctx, command)
    if fix is not None and command.keyword == "ENTRYPOINT" and start.cmd is not None:
        # Docker ignores CMD after a shell-form ENTRYPOINT; in exec form CMD becomes its arguments.
        fix = replace(
            fix,
            title=f"{fix.title} (the CMD Docker ignores today would become its arguments)",
            applicability=Applicability.UNSAFE,
        )
    yield META.violation(command.instruction.span, message, severity=severity, fix=fix)


# -- A Compose service's view: helpers for the rules that judge the start command ----------------
#
# The engine runs an image rule's `check` over each service's view (the image with the service's
# settings over it). These say which of the words a rule judges the service wrote, and where.


def service_key(a: Analysis, command: Command | None) -> str | None:
    """``"command"`` or ``"entrypoint"`` when ``command`` is what a Compose service sets over
    the image (``a.runtime``); None for the image's own (or a base image's)."""
    runtime = a.runtime
    if runtime is None or command is None:
        return None
    if command is runtime.command:
        return "command"
    if command is runtime.entrypoint:
        return "entrypoint"
    return None


def file_name(a: Analysis, span: Span) -> str:
    """The name of the file a workspace span lies in (``compose.yaml``)."""
    return PurePosixPath(a.workspace.locate(span)[0].path.replace("\\", "/")).name


def service_label(a: Analysis, command: Command) -> str:
    """How a message names a start command: ``compose.yaml's `command:` `` for a service's,
    ``CMD``/``ENTRYPOINT`` for the image's."""
    key = service_key(a, command)
    if key is None or not command.argv:
        return command.keyword
    return f"{file_name(a, command.argv[0].span)}'s `{key}:`"


def command_span(a: Analysis, command: Command | None, stage: Stage) -> Span:
    """Where a finding about a start command points: its instruction, the words a Compose
    service wrote, else the stage's FROM."""
    if command is not None and command.instruction is not None:
        return command.instruction.span
    if command is not None and command.argv and service_key(a, command) is not None:
        return command.argv[0].span.cover(command.argv[-1].span)
    return stage.from_.span


def replaced(a: Analysis, command: Command | None) -> tuple[Related, ...]:
    """The image's instruction a service's ``command:``/``entrypoint:`` replaces, as a related
    place: which layer wins."""
    key = service_key(a, command)
    final = a.dockerfile.final
    if key is None or final is None:
        return ()
    state = final.final_state
    image = state.cmd if key == "command" else state.entrypoint
    if image is None or image.instruction is None:
        if key == "entrypoint" and state.cmd is not None and state.cmd.instruction is not None:
            return (
                Related(
                    state.cmd.instruction.span,
                    "the image's CMD, which Compose drops when a service sets `entrypoint:`",
                ),
            )
        return ()
    return (
        Related(
            image.instruction.span,
            f"the image's {image.keyword}, which the service's `{key}:` replaces",
        ),
    )


def service_sources(a: Analysis) -> frozenset[str]:
    """The files a Compose service's settings come from (Compose files, env files)."""
    runtime = a.runtime
    if runtime is None:
        return frozenset()
    spans: list[Span] = []
    for command in (runtime.command, runtime.entrypoint):
        if command is not None:
            spans.extend(w.span for w in command.argv)
    spans.extend(v.span for v in runtime.environment.values() if v.span is not None)
    for value in (runtime.user, runtime.working_dir, runtime.stop_signal):
        if value is not None:
            spans.append(value.span)
    return frozenset(a.workspace.locate(s)[0].path for s in spans)


def from_service(a: Analysis, span: Span) -> bool:
    """The span lies in a file a Compose service's settings come from: a finding there is the
    service's. Anything else (the Dockerfile, an entrypoint script) is the image's own, which
    the image's check reports."""
    return a.runtime is not None and a.workspace.locate(span)[0].path in service_sources(a)


def image_less_launch(view: ServiceView) -> tuple[Launch, dict[int, str]] | None:
    """What a service whose image is not built here runs, by its own ``entrypoint:`` and
    ``command:`` (an image's ENTRYPOINT, unknown here, may run in front of a ``command:``); and
    which of the words each key wrote (``id(word)`` → ``"command"``). None when the service sets
    no command, or its image is known (the image's check judges the service's view then)."""
    if view.analysis is not None:
        return None
    layer = view.layer
    entry, cmd = layer.entrypoint, layer.command
    keys: dict[int, str] = {}
    if entry is not None and entry.argv:
        argv: tuple[WordLike, ...] = (*entry.argv, *(cmd.argv if cmd is not None else ()))
        keys.update((id(w), "entrypoint") for w in entry.argv)
    elif cmd is not None and cmd.argv:
        argv = cmd.argv
    else:
        return None
    if cmd is not None:
        keys.update((id(w), "command") for w in cmd.argv)
    return resolve_launch(argv), keys


def view_file_name(view: ServiceView, span: Span) -> str:
    """The name of the file a workspace span of the service lies in."""
    return PurePosixPath(view.workspace.locate(span)[0].path.replace("\\", "/")).name


def key_at(view: ServiceView, word: WordLike | None) -> str | None:
    """The key (``"command"``, ``"entrypoint"``) of the service whose written words hold
    ``word``: one of them, or a word of a ``sh -c`` string in one. None for any other word."""
    if word is None:
        return None
    layer = view.layer
    span = word.span
    for key, command in (("entrypoint", layer.entrypoint), ("command", layer.command)):
        if command is None:
            continue
        for w in command.argv:
            if w is word or (w.span.start <= span.start and span.end <= w.span.end):
                return key
    return None
