"""
## What it does
Checks that a Compose service running Gunicorn gives its container at least Gunicorn's
`graceful_timeout` to stop: `stop_grace_period` (10 seconds when not set) must not be shorter than
`graceful_timeout` (30 seconds unless `--graceful-timeout`, the config file or `GUNICORN_CMD_ARGS`
sets it).

## Why is this bad?
On `docker compose stop` (or `down`, or a redeploy) the container gets `SIGTERM`, and Gunicorn's
graceful shutdown "waits for workers to finish requests up to `graceful_timeout`". Compose waits
only `stop_grace_period`: "Default value is 10 seconds for the container to exit before sending
SIGKILL". With the defaults, a request that takes more than 10 seconds is cut 20 seconds before
Gunicorn would have given up on it. Gunicorn's Docker guide says to "Match Docker's stop
timeout" with `stop_grace_period: 30s`.

The finding is at `stop_grace_period` when the service sets it, else at the service's name.

## Example
```dockerfile filename=Dockerfile
FROM python:3.12
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

```yaml filename=compose.yaml
services:
  web:
    build: .
    ports:
      - "8000:8000"
```

## Use instead
```dockerfile filename=Dockerfile
FROM python:3.12
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

```yaml filename=compose.yaml
services:
  web:
    build: .
    ports:
      - "8000:8000"
    stop_grace_period: 30s
```

## Fix safety
Safe when `SIGTERM` reaches Gunicorn: it is PID 1, or every step on the way `exec`s into the
next or forwards signals (`tini`, `dumb-init`, `gosu`, `su-exec`, `env`…). The fix then only
lengthens how long Compose waits before `SIGKILL`: what the container does while it runs is
unchanged, one that stops sooner stops as soon as before, and requests that run longer than the
old period now finish instead of being cut, which is the point.

Unsafe otherwise: when a shell that does not `exec` stays PID 1, or a runner that may not pass
signals on (`poetry run`, `uv run`, `pipenv run`…) sits between, `SIGTERM` may never reach
Gunicorn, and every stop then waits the whole new period instead of 10 seconds before the same
`SIGKILL` (fix DJ002/DJ003 first).

A `stop_grace_period:` written as a plain value is set to `graceful_timeout` (in seconds); a
service without one gets `stop_grace_period: <n>s` as a new line after its last key, at the
indentation of its other keys. Services written in flow style (`web: {build: .}`), values that
use variables, and keys merged in from an anchor or another file are reported without a fix.

## References
- [Gunicorn signals](https://docs.gunicorn.org/en/stable/signals.html)
- [Gunicorn settings: graceful_timeout](https://docs.gunicorn.org/en/stable/settings.html#graceful-timeout)
- [Compose file reference: stop_grace_period](https://docs.docker.com/reference/compose-file/services/#stop_grace_period)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from dockerlint_django._record import LazyPattern, record
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import (
    FixAvailability,
    Related,
    RuleMeta,
    ServiceContext,
    Severity,
    Violation,
)
from dockerlint_django.source import SourceFile, Span

if TYPE_CHECKING:
    from dockerlint_django.gunicorn import Resolved
    from dockerlint_django.service import ServiceView
    from dockerlint_django.shell.launch import Launch

META = RuleMeta(
    code="DJ007",
    name="stop-grace-shorter-than-graceful-timeout",
    severity=Severity.INFO,
    summary="Compose kills the container before Gunicorn's graceful shutdown can finish.",
    fix=FixAvailability.SOMETIMES,
    origin="extension",
    kind=("compose", "cross"),
    production_only=True,
)

# Compose's default (compose-spec: "Default value is 10 seconds").
DEFAULT_GRACE = 10.0
_TERM = frozenset({"TERM", "SIGTERM", "15"})


# -- YAML line edits on a service's block (shared with DJ006) ------------------------------------


def _line_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def _line_end(text: str, at: int) -> int:
    """The offset after the line break of the line ``at`` is on (the text's end if none)."""
    nl = text.find("\n", at)
    return len(text) if nl < 0 else nl + 1


def _content(line: str) -> bool:
    stripped = line.strip(" \t\r\n")
    return bool(stripped) and not stripped.startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


_PARENT = LazyPattern(
    r"(?P<indent> *)(?P<key>[^\s#:'\"][^:#]*?|'[^']*'|\"[^\"]*\")[ \t]*:"
    r"[ \t]*(?:&\S+[ \t]*)?(?:#.*)?\r?\n?\Z"
)


@record
class Block:
    """A service written as a block mapping in one file: its keys' lines and indentation."""

    source: SourceFile
    body: int  # start of the first line after the service's name
    end: int  # end of its last content line (line break included)
    indent: int  # the indentation of its keys
    name: Span  # the service's name (file offsets)


def service_block(view: ServiceView, key: str) -> Block | None:
    """The block of the service, in the file where its ``key:`` is written, when that key is
    one of the service's own lines there (not merged in from an anchor or through ``extends``),
    and the service is written in block style."""
    k = view.service.origin_of(key)
    if k is None or view.service.node.flow:
        return None
    text = k.source.text
    child = k.span.start
    ls = _line_start(text, child)
    indent = child - ls
    if text[ls:child].strip(" ") or indent == 0:
        return None  # not a key on its own line (`- web:` lists, flow style)
    # The parent line: the first content line above with less indentation.
    pos = ls
    parent: re.Match[str] | None = None
    while pos > 0:
        prev = _line_start(text, pos - 1)
        line = text[prev:pos]
        if _content(line):
            if _indent(line) >= indent:
                pos = prev
                continue
            parent = _PARENT.fullmatch(line)
            break
        pos = prev
    if parent is None or parent.group("key").strip("'\"") != view.service.name:
        return None
    name_indent = len(parent.group("indent"))
    body = _line_end(text, prev)
    end = body
    pos = body
    while pos < len(text):
        nxt = _line_end(text, pos)
        line = text[pos:nxt]
        if _content(line):
            lead = _indent(line)
            if lead <= name_indent:
                break
            if lead < indent:
                return None  # keys at different indentations: not one block
            end = nxt
        pos = nxt
    key_start = prev + parent.start("key")
    return Block(k.source, body, end, indent, Span(key_start, prev + parent.end("key")))


def own_key_line(view: ServiceView, key: str) -> Span | None:
    """The line ``key: value`` of the service's own block, line break included (a workspace
    span), when the key and its value are alone on that line; None otherwise."""
    block = service_block(view, key)
    k = view.service.origin_of(key)
    node = view.service.get(key)
    if block is None or k is None or node is None or node.origin is None:
        return None
    text = block.source.text
    le = _line_end(text, k.span.start)
    if node.origin.source is not block.source or node.origin.span.end > le:
        return None
    return view.workspace.to_workspace(block.source, Span(_line_start(text, k.span.start), le))


def insert_key(view: ServiceView, block: Block, line: str) -> Edit | None:
    """An edit adding ``line`` (``key: value``) to the service's block after its last key there,
    at its keys' indentation; workspace offsets."""
    text = block.source.text
    last = -1
    for key, value in view.service.node.items:
        k = key.origin
        if k is None or k.source is not block.source or not block.body <= k.span.start < block.end:
            continue
        v = value.origin
        end = v.span.end if v is not None and v.source is block.source else k.span.end
        last = max(last, end, k.span.end)
    if last < 0:
        return None
    at = last if text[last - 1] == "\n" else _line_end(text, last)
    newline = "\r\n" if "\r\n" in text else "\n"
    content = f"{' ' * block.indent}{line}{newline}"
    if at == len(text) and not text.endswith("\n"):
        content = newline + content
    return Edit.insert(view.workspace.to_workspace(block.source, Span(at, at)).start, content)


# -- whether docker stop's signal reaches the server (shared with DJ006) --------------------------

# Wrappers that exec the next program (it keeps PID 1) or pass every signal on to it; the
# Python interpreter of `python -m gunicorn` is the server itself.
_PASS_SIGNALS = frozenset(
    {"exec", "tini", "gosu", "su-exec", "setpriv", "nohup", "env", "ddtrace-run"}
    | {"newrelic-admin run-program", "opentelemetry-instrument", "python", "python -m"}
)
_SHELL_NAMES = frozenset({"sh", "bash", "dash", "ash"})


def signal_reaches_server(launch: Launch) -> bool:
    """The stop signal the container gets reaches the server itself: every shell and script on
    the way execs into the next step, nothing runs in the background, and each wrapper execs or
    forwards signals unchanged (not ``dumb-init --rewrite``, not ``poetry run``)."""
    if launch.exec_prefixed is False or launch.background:
        return False
    for launcher in launch.launchers:
        name = launcher.name
        if name in _SHELL_NAMES or name.endswith(" -c"):
            continue  # a shell: its hop says whether it execs
        if name == "dumb-init":
            if any((w.value or "-r").startswith(("-r", "--rewrite")) for w in launcher.words[1:]):
                return False  # it may turn SIGTERM into another signal
            continue
        if name not in _PASS_SIGNALS:
            return False
    return True


# -- the rule -------------------------------------------------------------------------------------


def _seconds(resolved: Resolved) -> float | None:
    value = resolved.value
    if not resolved.known or not isinstance(value, str):
        return None
    try:
        return float(int(value, 0)) if resolved.layer == "config" else float(int(value))
    except ValueError:
        return None


def _who(resolved: Resolved, n: str) -> str:
    if resolved.layer == "cli":
        return f"Gunicorn's command line sets --graceful-timeout {n}"
    if resolved.layer == "cmd_args_env":
        return f"GUNICORN_CMD_ARGS sets --graceful-timeout {n}"
    if resolved.layer == "config":
        return f"the Gunicorn config file sets graceful_timeout = {n}"
    return f"Gunicorn's graceful_timeout is {n} seconds by default"


def _n(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    view = ctx.service
    a = view.analysis
    stage = view.stage
    settings = view.gunicorn()
    if a is None or stage is None or settings is None:
        return
    signal = a.stop_signal(stage)
    if signal is not None and signal.upper() not in _TERM:
        return  # not Gunicorn's graceful shutdown at all: DJ006's
    resolved = settings.get("graceful_timeout")
    graceful = _seconds(resolved)
    if graceful is None:
        return
    service = view.service
    grace = service.stop_grace_period
    if grace is None and service.get("stop_grace_period") is not None:
        return  # written, but not decoded (a variable with no value here)
    if grace is not None and grace.unset:
        return
    seconds = grace.seconds if grace is not None else DEFAULT_GRACE
    if graceful <= seconds:
        return
    n = _n(graceful)
    wanted = f"{n}s"
    start = view.start()
    # Safe only when Gunicorn gets the SIGTERM: otherwise every stop would wait the longer
    # period, for nothing.
    safety = (
        Applicability.SAFE
        if start is not None and signal_reaches_server(start.launch)
        else Applicability.UNSAFE
    )
    who = _who(resolved, n)
    related: tuple[Related, ...] = ()
    if resolved.layer != "default" and resolved.span is not None:
        related = (Related(resolved.span, "graceful_timeout is set here"),)
    if grace is not None:
        span = view.span(grace.origin)
        if span is None:
            return
        message = (
            f"stop_grace_period: {view.text(span)} lets Compose kill the container after "
            f"{_n(seconds)} seconds, but {who}: requests still running then are cut; set "
            f"`stop_grace_period: {wanted}`"
        )
        fix = _replace_fix(view, span, wanted, safety)
    else:
        span, block = _anchor(view)
        message = (
            f"the service sets no stop_grace_period, so Compose kills the container 10 seconds "
            f"after SIGTERM, but {who}: requests still running then are cut; set "
            f"`stop_grace_period: {wanted}`"
        )
        edit = None if block is None else insert_key(view, block, f"stop_grace_period: {wanted}")
        fix = None if edit is None else Fix(f"Set stop_grace_period: {wanted}", (edit,), safety)
    yield META.violation(span, message, fix=fix, related=related)


def _anchor(view: ServiceView) -> tuple[Span, Block | None]:
    """Where to report a missing key, and the block to add it to: the service's name in the file
    that says what it runs (its ``build:`` or ``image:``, else any key of its own), also when an
    override file merged over it names the service too."""
    own = [k.text() for k, _ in view.service.node.items]
    keys = ["build", "image", *(k for k in own if k not in ("build", "image"))]
    for key in keys:
        if view.service.origin_of(key) is None:
            continue
        block = service_block(view, key)
        if block is not None:
            return view.workspace.to_workspace(block.source, block.name), block
    return view.anchor, None


def _replace_fix(view: ServiceView, span: Span, wanted: str, safety: Applicability) -> Fix | None:
    from dockerlint_django.compose.nodes import Scalar

    node = view.service.get("stop_grace_period")
    if not isinstance(node, Scalar) or node.style != "plain" or node.unset:
        return None
    if own_key_line(view, "stop_grace_period") is None:
        return None
    if "$" in view.text(span):
        return None  # interpolated: the variable decides
    return Fix(f"Set stop_grace_period: {wanted}", (Edit.replace(span, wanted),), safety)
