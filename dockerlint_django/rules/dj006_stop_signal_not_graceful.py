"""
## What it does
Checks the signal `docker stop` sends to a container that runs Gunicorn: a `STOPSIGNAL` in the
image (in the final stage or a stage it builds on) or a Compose `stop_signal:`, which overrides
it, must leave it at `SIGTERM`.

## Why is this bad?
Gunicorn's signal handling: "`QUIT`, `INT`: Quick shutdown. `TERM`: Graceful shutdown. Waits for
workers to finish their current requests up to the `graceful_timeout`." Docker and Compose send
`SIGTERM` unless told otherwise. With `STOPSIGNAL SIGQUIT` (nginx's graceful signal, and what the
`nginx-unprivileged` image sets, so an easy line to copy into the wrong Dockerfile) or `SIGINT`,
every deploy or restart kills the workers at once and cuts the requests in flight. `SIGKILL`
cannot be handled at all. Other signals Gunicorn does not stop on (`SIGHUP` reloads it, `SIGUSR1`
reopens its logs, `SIGTTIN` adds a worker…): `docker stop` then waits out its grace period and
kills the container.

Images that do not run Gunicorn (nginx, uWSGI, Celery…) are not judged.

## Example
```dockerfile
FROM python:3.12
STOPSIGNAL SIGQUIT
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Use instead
```dockerfile
FROM python:3.12
STOPSIGNAL SIGTERM
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Fix safety
Safe when the signal reaches Gunicorn: it is PID 1, or every step on the way `exec`s into the
next or forwards signals unchanged (`tini`, `dumb-init` without `--rewrite`, `gosu`, `su-exec`,
`env`…). Only what happens at `docker stop` changes, and only as the rule means it to: Gunicorn
finishes the requests in flight instead of dropping them (or stopping at all), within the same
grace period, after which Docker kills the container as before.

Unsafe otherwise: a shell that stays PID 1, or a runner that may not forward signals
(`poetry run`, `uv run`, `dumb-init --rewrite`…), decides what the signal does, and one that
handled `SIGQUIT` or `SIGKILL` quickly may ignore `SIGTERM`, so every stop would wait out the
grace period.

In the Dockerfile the `STOPSIGNAL` value becomes `SIGTERM` (Docker's default), unless a stage
other than the final one (and those it builds on) is built on the stage that sets it. In a
Compose file the `stop_signal:` line is deleted when the image is built here and sends `SIGTERM`
by itself, and set to `SIGTERM` when the image's own `STOPSIGNAL` is another signal or is not
known here; either only when the key and its value are alone on one line of the service's own
block (not merged in from an anchor or `extends`). Everything else in the file is kept as it is.
A signal set through a variable is reported without a fix.

## References
- [Gunicorn signals](https://docs.gunicorn.org/en/stable/signals.html)
- [Dockerfile reference: STOPSIGNAL](https://docs.docker.com/reference/dockerfile/#stopsignal)
- [Compose file reference: stop_signal](https://docs.docker.com/reference/compose-file/services/#stop_signal)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
    RuleMeta,
    ServiceContext,
    Severity,
    Violation,
)
from dockerlint_django.rules.dj007_stop_grace_shorter_than_graceful_timeout import (
    own_key_line,
    signal_reaches_server,
)
from dockerlint_django.shell.launch import resolve_launch

if TYPE_CHECKING:
    from dockerlint_django.analysis import Analysis, Start
    from dockerlint_django.dockerfile.ast import Instruction
    from dockerlint_django.dockerfile.model import Stage
    from dockerlint_django.project.view import RuntimeValue
    from dockerlint_django.service import ServiceView

META = RuleMeta(
    code="DJ006",
    name="stop-signal-not-graceful",
    severity=Severity.WARNING,
    summary="The stop signal is not SIGTERM, so Gunicorn does not shut down gracefully.",
    fix=FixAvailability.SOMETIMES,
    origin="extension",
    kind=("dockerfile", "compose"),
)

# Linux signal numbers Docker accepts for the names below.
_NUMBERS = {
    "1": "HUP",
    "2": "INT",
    "3": "QUIT",
    "9": "KILL",
    "10": "USR1",
    "12": "USR2",
    "15": "TERM",
    "21": "TTIN",
    "22": "TTOU",
    "28": "WINCH",
}
_QUICK = frozenset({"INT", "QUIT"})
_IGNORED = {
    "HUP": "reloads its configuration and workers",
    "USR1": "reopens its log files",
    "USR2": "starts a second master (a binary upgrade)",
    "TTIN": "adds a worker",
    "TTOU": "removes a worker",
    "WINCH": "ignores it (it only stops daemonised workers)",
}


def _name(signal: str) -> str:
    s = signal.strip().upper()
    s = _NUMBERS.get(s, s)
    return s[3:] if s.startswith("SIG") else s


def _problem(name: str, written: str) -> str | None:
    if name in _QUICK:
        return (
            f"Gunicorn treats {written} as a quick shutdown: its workers exit at once and the "
            "requests in flight are cut"
        )
    if name == "KILL":
        return (
            f"{written} cannot be handled: Gunicorn and its workers die at once, cutting the "
            "requests in flight"
        )
    if name in _IGNORED:
        return (
            f"Gunicorn {_IGNORED[name]} on {written} instead of stopping, so docker stop waits "
            "out the grace period and then kills it"
        )
    return None


_ADVICE = "stop with SIGTERM (Docker's default), Gunicorn's graceful shutdown"


def _stopsignal_instruction(stage: Stage) -> tuple[Stage, Instruction] | None:
    """The STOPSIGNAL that sets the stage's stop signal: its own last one, else a parent's."""
    for s in reversed(stage.chain):
        for ins in reversed(s.instructions):
            if ins.keyword == "STOPSIGNAL":
                return s, ins
    return None


def _safety(start: Start | None) -> Applicability:
    """Safe only when the stop signal goes to Gunicorn itself, not to a shell or runner that
    decides what it does."""
    if start is not None and signal_reaches_server(start.launch):
        return Applicability.SAFE
    return Applicability.UNSAFE


def _dockerfile_fix(
    a: Analysis, stage: Stage, owner: Stage, ins: Instruction, start: Start
) -> Fix | None:
    if not ins.value_mapped or len(ins.value_mapped) != 1 or "$" in ins.args.text:
        return None
    # The STOPSIGNAL is every descendant's: only when none is built on it but the final stage
    # (and the stages it builds on).
    for other in a.dockerfile.stages:
        if any(s is other for s in stage.chain):
            continue
        if any(s is owner for s in other.chain):
            return None
    value = ins.value_mapped[0].span()
    return Fix("Stop with SIGTERM", (Edit.replace(value, "SIGTERM"),), _safety(start))


def _compose_fix(view: ServiceView, rv: RuntimeValue) -> Fix | None:
    written = view.text(rv.span)
    if "$" in written:
        return None
    safety = _safety(view.start())
    stage = view.stage
    image = stage.final_state.stopsignal if stage is not None else None
    if stage is None or (image is not None and _name(image) != "TERM"):
        # Without the key the image's own signal would be sent: another one, or not known here.
        if own_key_line(view, "stop_signal") is None:
            return None
        return Fix("Stop with SIGTERM", (Edit.replace(rv.span, "SIGTERM"),), safety)
    line = own_key_line(view, "stop_signal")
    if line is None:
        return None
    edit = Edit.delete(line)
    return Fix("Remove stop_signal (Compose then sends SIGTERM)", (edit,), safety)


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    stage = a.dockerfile.final
    if stage is None:
        return
    if a.runtime is not None and a.runtime.stop_signal is not None:
        return  # a Compose `stop_signal:` decides: the service's check judges it
    start = a.start(stage)
    if start is None or start.launch.kind != "gunicorn":
        return
    signal = a.stop_signal(stage)
    found = _stopsignal_instruction(stage)
    if signal is None or found is None:
        return  # Docker's default, or set by a base image this project does not build
    owner, ins = found
    written = " ".join(ins.value) if ins.value else signal
    problem = _problem(_name(signal), signal if "$" in written else written)
    if problem is None:
        return
    where = "STOPSIGNAL" if owner is stage else f"STOPSIGNAL of stage {owner.label()}"
    yield META.violation(
        ins.span,
        f"docker stop sends {signal} ({where}), but {problem}; {_ADVICE}",
        fix=_dockerfile_fix(a, stage, owner, ins, start),
    )


def _runs_gunicorn(view: ServiceView) -> bool:
    if view.analysis is not None:
        start = view.start()
        return start is not None and start.launch.kind == "gunicorn"
    # The image is not built here: what the service itself says it runs.
    layer = view.layer
    if layer.entrypoint is not None and layer.entrypoint.argv:
        argv = (*layer.entrypoint.argv, *(layer.command.argv if layer.command else ()))
    elif layer.command is not None and layer.command.argv:
        argv = layer.command.argv
    else:
        return False
    return resolve_launch(argv).kind == "gunicorn"


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    view = ctx.service
    rv = view.layer.stop_signal
    if rv is None or rv.value is None or not _runs_gunicorn(view):
        return
    written = view.text(rv.span)
    problem = _problem(_name(rv.value), written)
    if problem is None:
        return
    overrides = ""
    stage = view.stage
    if stage is not None and stage.final_state.stopsignal is not None:
        overrides = f" (over the image's STOPSIGNAL {stage.final_state.stopsignal})"
    yield META.violation(
        rv.span,
        f"the service sets stop_signal: {written}{overrides}, but {problem}; {_ADVICE}",
        fix=_compose_fix(view, rv),
    )
