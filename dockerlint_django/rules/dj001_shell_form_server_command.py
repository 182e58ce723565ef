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
from typing import TYPE_CHECKING

from dockerlint_django._record import replace
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
from dockerlint_django.shell.launch import WEB_SERVERS

if TYPE_CHECKING:
    pass

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
