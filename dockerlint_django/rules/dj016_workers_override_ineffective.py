"""
## What it does
Checks that the worker count a Compose service sets, with `--workers` in `GUNICORN_CMD_ARGS` or
with `WEB_CONCURRENCY` (in `environment:` or a readable `env_file`), is the one Gunicorn uses:
that nothing Gunicorn reads with a higher precedence sets the worker count too.

## Why is this bad?
The handbook: "Docker Compose can then set a `GUNICORN_CMD_ARGS="--workers 3"` environment
variable to override the number of workers." That only works when nothing stronger sets it.
Gunicorn reads its settings "in increasing order of priority": environment variables
(`WEB_CONCURRENCY`), the configuration file, `GUNICORN_CMD_ARGS`, then the command line. So:

- a `--workers` on the command line (the image's `CMD`/`ENTRYPOINT`, an entrypoint script, or
  the service's own `command:`) beats both variables;
- `workers = …` in the config file Gunicorn loads (`-c`, or a `gunicorn.conf.py` in its working
  folder, which `COPY . .` brings along) beats `WEB_CONCURRENCY`;
- `--workers` in the image's `ENV GUNICORN_CMD_ARGS` beats `WEB_CONCURRENCY`;
- the official Gunicorn image (`ghcr.io/benoitc/gunicorn`) runs a `docker-entrypoint.sh` that
  adds `--workers` to the command line when its arguments have none, so that both variables are
  ignored there (its own variable is `GUNICORN_WORKERS`).

Nothing warns: the container starts with the other number and the deployment's setting is
silently ignored. The finding is at the Compose line that sets the count, with a note at the
line that wins.

A value that cannot be known here (a `GUNICORN_CMD_ARGS` from a variable with no value, an
env file that is not there, a config file that reads the environment) is not reported.

## Example
```dockerfile filename=Dockerfile
FROM python:3.12
ENV WEB_CONCURRENCY=2
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```
```yaml filename=compose.yaml
services:
  web:
    build: .
    command: ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2"]
    environment:
      GUNICORN_CMD_ARGS: "--workers 3"
```

## Use instead
```dockerfile filename=Dockerfile
FROM python:3.12
ENV WEB_CONCURRENCY=2
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```
```yaml filename=compose.yaml
services:
  web:
    build: .
    command: ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
    environment:
      GUNICORN_CMD_ARGS: "--workers 3"
```

## Fix safety
Unsafe, and only when the winning `--workers` is in the service's own `command:` (a list, or a
plain unquoted string) in the same Compose file: the `--workers N` words are removed from it, so
that the count the service sets applies, which changes the number of processes the container
runs. When the image's command line, config file or `ENV` wins, the fix belongs in the
Dockerfile (see DJ010 and DJ018) and none is offered here.

## References
- [OCP handbook: Dockerfile for Django, Gunicorn](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
- [Gunicorn: configuration overview (precedence)](https://gunicorn.org/configure/)
- [Gunicorn settings: workers](https://docs.gunicorn.org/en/stable/settings.html#workers)
- [Gunicorn's Docker image entrypoint](https://github.com/benoitc/gunicorn/blob/master/docker/docker-entrypoint.sh)
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from dockerlint_django._record import LazyPattern, record
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.gunicorn import ParsedOption, Resolved, parse_args
from dockerlint_django.rules._base import (
    FixAvailability,
    Related,
    RuleMeta,
    ServiceContext,
    Severity,
    Violation,
)
from dockerlint_django.source import Span

if TYPE_CHECKING:
    from dockerlint_django.gunicorn import GunicornSettings
    from dockerlint_django.service import ServiceView
    from dockerlint_django.shell.syntax import WordLike

META = RuleMeta(
    code="DJ016",
    name="workers-override-ineffective",
    severity=Severity.ERROR,
    summary="The worker count Compose sets is overridden by a setting Gunicorn ranks higher.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    kind=("cross",),
)

# F-01: lowest to highest.
_RANK = {"default": 0, "env": 1, "config": 2, "cmd_args_env": 3, "cli": 4}
_OFFICIAL_IMAGE = "ghcr.io/benoitc/gunicorn"
_OFFICIAL_ENTRYPOINT = "docker-entrypoint.sh"


# -- helpers shared with DJ012, DJ014 and DJ017 ---------------------------------------------


def in_compose(view: ServiceView, span: Span | None) -> bool:
    """The span lies in one of the project's Compose or env files (not in the image's files)."""
    if span is None:
        return False
    keys = {(f.path, f.text) for f in view.project.files}
    # Env files are read for the service, not always listed with the project's files.
    layer = view.layer
    spans = [v.span for v in layer.environment.values()]
    for command in (layer.command, layer.entrypoint):
        if command is not None:
            spans.extend(w.span for w in command.argv)
    for at in spans:
        if at is not None:
            other, _ = view.workspace.locate(at)
            keys.add((other.path, other.text))
    source, _ = view.workspace.locate(span)
    return (source.path, source.text) in keys


def where(view: ServiceView, span: Span) -> str:
    """``file:line`` of a workspace span, the file named as reports name it."""
    source, local = view.workspace.locate(span)
    path = source.path
    a = view.analysis
    if a is not None and source is not a.source and not in_compose(view, span):
        from dockerlint_django.discover import display_path

        real = a.context.real_path(source.path)
        if real is not None:
            path = display_path(real)
    return f"{path}:{source.position(local.start).line}"


def image_settings(view: ServiceView) -> GunicornSettings | None:
    """Gunicorn's settings in the service's image alone, without the service's settings."""
    a = view.analysis
    stage = view.stage
    if a is None or stage is None:
        return None
    from dockerlint_django.analysis import Analysis

    alone = Analysis(a.source, a.dockerfile, a.context, a.in_template, workspace=a.workspace)
    return alone.gunicorn(stage)


def service_problems(
    view: ServiceView,
    problems: Sequence[tuple[Span, str]],
    image_problems: Callable[[GunicornSettings], Iterator[tuple[Span, str]]],
) -> Iterator[tuple[Span, str, tuple[Related, ...]]]:
    """The problems of a service's container that the service causes, each once.

    A problem written in a Compose or env file is the service's, at its place. One written in
    the image's files (Dockerfile, script, config file) is the image's own finding when the
    image alone has it too; otherwise the service's settings brought it in (a ``command:``
    that runs another script, a ``working_dir`` with another config file): it is reported at
    the Compose key that does so, with a note at the place.
    """
    alone: set[tuple[Span, str]] | None = None
    for span, message in problems:
        if in_compose(view, span):
            yield span, message, ()
            continue
        if alone is None:
            settings = image_settings(view)
            alone = set() if settings is None else set(image_problems(settings))
        if (span, message) in alone:
            continue
        key = next((k for k in ("command", "entrypoint", "working_dir") if view.key_span(k)), None)
        anchor = view.key_span(key) if key is not None else None
        how = (
            f"in effect because of this service's {key}:" if key else "with this service's settings"
        )
        yield (
            anchor or view.anchor,
            f"{message} ({where(view, span)}, {how})",
            (Related(span, "here"),),
        )


# -- what Compose sets ----------------------------------------------------------------------


@record
class _Set:
    """A worker count the service sets: the layer it is in, where, and how to say it."""

    layer: str  # "cmd_args_env" or "env"
    span: Span
    shown: str  # "--workers=3 through GUNICORN_CMD_ARGS", "WEB_CONCURRENCY=3"
    variable: str  # GUNICORN_CMD_ARGS or WEB_CONCURRENCY


def _compose_sets(view: ServiceView, settings: GunicornSettings | None) -> list[_Set]:
    """``--workers`` in a GUNICORN_CMD_ARGS and a WEB_CONCURRENCY the service sets and that reach
    Gunicorn as written (not replaced on the way by a script). With ``settings`` None (Gunicorn
    is not known to run), GUNICORN_CMD_ARGS is parsed here."""
    out: list[_Set] = []
    env = view.layer.environment
    var = env.get("GUNICORN_CMD_ARGS")
    if var is not None and var.value is not None and var.span is not None:
        options: tuple[ParsedOption, ...] = ()
        if settings is not None:
            seen = settings.env.get("GUNICORN_CMD_ARGS")
            if seen is not None and seen.span == var.span and settings.cmd_args_env is not None:
                options = settings.cmd_args_env.find("workers")
        elif var.mapped is not None and var.mapped.mapped is not None:
            from dockerlint_django.gunicorn import parse_cmd_args_env

            parsed, error = parse_cmd_args_env(var.mapped.mapped)
            options = () if error is not None else parsed.find("workers")
        if options:
            opt = options[-1]
            text = option_text(opt)
            shown = f"{text} through GUNICORN_CMD_ARGS"
            out.append(_Set("cmd_args_env", opt.span, shown, "GUNICORN_CMD_ARGS"))
    var = env.get("WEB_CONCURRENCY")
    if var is not None and var.span is not None and (var.value is not None or var.unset):
        # A bare `WEB_CONCURRENCY` takes the value of the shell Compose runs in: maybe none.
        seen = settings.env.get("WEB_CONCURRENCY") if settings is not None else None
        if settings is None or (seen is not None and seen.span == var.span):
            value = var.value if var.value is not None else view.text(var.span)
            out.append(_Set("env", var.span, f"WEB_CONCURRENCY={value}", "WEB_CONCURRENCY"))
    return out


def option_text(opt: ParsedOption) -> str:
    name = opt.written or opt.option
    if isinstance(opt.value, str):
        if opt.attached:
            return f"{name}={opt.value}" if name.startswith("--") else f"{name}{opt.value}"
        return f"{name} {opt.value}"
    return name


# -- what wins ------------------------------------------------------------------------------

# A config value computed from the CPU count only: it cannot come from the environment.
_CPU_CALLS = frozenset({"cpu_count", "int", "max", "min", "round"})


def _cpu_only(node: ast.expr) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name not in _CPU_CALLS or sub.keywords:
                return False
            if isinstance(func, ast.Attribute) and not (
                isinstance(func.value, ast.Name) and func.value.id in ("multiprocessing", "os")
            ):
                return False
        elif isinstance(sub, ast.Name):
            if sub.id not in _CPU_CALLS | {"multiprocessing", "os"}:
                return False
        elif not isinstance(
            sub,
            (
                ast.Constant,
                ast.BinOp,
                ast.UnaryOp,
                ast.Attribute,
                ast.operator,
                ast.unaryop,
                ast.Load,
            ),
        ):
            return False
    return True


def _may_bind_workers(node: ast.AST) -> bool:
    """A statement that may set ``workers`` other than by a plain assignment."""
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return "workers" in node.names
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return any(a.name == "*" or (a.asname or a.name) == "workers" for a in node.names)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name == "workers"
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("globals", "vars", "locals", "exec", "eval")
    )


def _config_certain(view: ServiceView, winner: Resolved) -> bool:
    """The config file surely sets workers: to a literal, or, unconditionally at its top level,
    to a value computed from the CPU count alone (nothing the deployment could change)."""
    if winner.span is None:
        return False
    if winner.known:
        return True
    source, local = view.workspace.locate(winner.span)
    try:
        module = ast.parse(source.text)
    except (SyntaxError, ValueError):
        return False
    stores = 0
    for node in ast.walk(module):
        if (
            isinstance(node, ast.Name)
            and node.id == "workers"
            and not isinstance(node.ctx, ast.Load)
        ):
            stores += 1
        elif _may_bind_workers(node):
            return False
    if stores != 1:
        return False
    for stmt in module.body:
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id == "workers"
        ):
            value = stmt.value
            return value.lineno == source.position(local.start).line and _cpu_only(value)
    return False


def _winner_certain(view: ServiceView, winner: Resolved) -> bool:
    """The winning layer surely sets workers (whatever the value)."""
    if winner.layer in ("cli", "cmd_args_env"):
        return bool(winner.options)
    if winner.layer == "config":
        return _config_certain(view, winner)
    return winner.layer == "env" and winner.span is not None


def _reads_variable(view: ServiceView, winner: Resolved, variable: str) -> bool:
    """A value computed when the container starts (``--workers ${WEB_CONCURRENCY:-2}``) that may
    come from the very variable the service sets: the file that computes it mentions it."""
    if winner.known or winner.span is None:
        return False
    source, _ = view.workspace.locate(winner.span)
    return variable in source.text


# -- the official Gunicorn image (F-17) -----------------------------------------------------


@record
class _Official:
    anchor: Span  # the FROM line, or the service's `image:`
    words: tuple[WordLike, ...]  # what docker-entrypoint.sh gets as "$@"


def _official_image(view: ServiceView) -> _Official | None:
    """The container runs the official image's ``docker-entrypoint.sh`` down its Gunicorn
    branch (first argument an option or an ``app:callable``), which puts ``--workers`` on the
    command line when the arguments have none (benoitc/gunicorn ``docker/docker-entrypoint.sh``).
    None when anything of it is not known."""
    from dockerlint_django.dockerfile.images import parse_image_ref

    service = view.service
    if service.entrypoint is not None:
        return None
    if "PATH" in view.layer.environment or not view.layer.environment_complete:
        return None  # another docker-entrypoint.sh may come first on the PATH
    command = view.layer.command
    words: tuple[WordLike, ...] = tuple(command.argv) if command is not None else ()
    a = view.analysis
    stage = view.stage
    if a is not None and stage is not None:
        root = stage.root_image
        if root is None or root.name != _OFFICIAL_IMAGE:
            return None
        state = stage.final_state
        entry = state.entrypoint
        if (
            entry is None
            or entry.stage is not None
            or [w.value for w in entry.argv] != [_OFFICIAL_ENTRYPOINT]
            or "PATH" in state.env
        ):
            return None
        if a.context_file_at(stage, f"/usr/local/bin/{_OFFICIAL_ENTRYPOINT}") != (None, True):
            return None
        if any(
            _OFFICIAL_ENTRYPOINT in run.instruction.args.text
            for run in a.runs_in(stage, chain=True)
        ):
            return None
        if not words:
            cmd = state.cmd
            if cmd is None or cmd.instruction is None or not cmd.json:
                return None
            words = tuple(cmd.argv)
        anchor = stage.chain[0].from_.span
    elif a is None and service.build is None:
        name = view.image_name
        ref = parse_image_ref(name) if name is not None else None
        if ref is None or ref.name != _OFFICIAL_IMAGE:
            return None
        key = view.key_span("image")
        if key is None:
            return None
        anchor = key
    else:
        return None
    if not words or any(w.value is None for w in words):
        return None
    first = words[0].value or ""
    if not (first.startswith("-") or ":" in first):
        return None  # `exec "$@"`: the image runs the command as it is
    return _Official(anchor, words)


# -- the fix: drop --workers from the service's own command ---------------------------------

_FLOW_GAP = LazyPattern(r"\s*,\s*\Z")
_BLOCK_ITEM = LazyPattern(r"[ \t]*-[ \t]+\Z")


def _command_fix(
    view: ServiceView, options: Sequence[ParsedOption], settings: GunicornSettings
) -> Fix | None:
    from dockerlint_django.compose.nodes import Scalar
    from dockerlint_django.compose.nodes import Sequence as SeqNode

    command = view.service.command
    node = view.service.get("command")
    cli = settings.cli
    if command is None or node is None or cli is None or not options:
        return None
    spans = [view.span(w.origin) for w in command.words]
    if any(s is None for s in spans) or len(set(spans)) != len(spans):
        return None  # words without places of their own (a quoted string)
    indices: set[int] = set()
    for opt in options:
        if opt.shared:
            return None
        for word in cli.words[opt.start : opt.stop]:
            if word.span not in spans:
                return None
            indices.add(spans.index(word.span))
    node_span = view.node_span(node)
    if node_span is None:
        return None
    source, local = view.workspace.locate(node_span)
    base = node_span.start - local.start
    text = source.text
    places = [Span(s.start - base, s.end - base) for s in spans if s is not None]
    runs = _runs(sorted(indices))
    edits: list[Edit] = []
    if isinstance(node, Scalar):
        if node.style != "plain":
            return None
        for a, b in runs:
            cut = _cut(text, places, a, b, _plain_gap)
            if cut is None:
                return None
            edits.append(Edit(cut.start + base, cut.end + base, ""))
    elif isinstance(node, SeqNode) and node.flow:
        for a, b in runs:
            cut = _cut(text, places, a, b, _flow_gap)
            if cut is None:
                return None
            edits.append(Edit(cut.start + base, cut.end + base, ""))
    elif isinstance(node, SeqNode):
        for i in sorted(indices):
            place = places[i]
            start = text.rfind("\n", 0, place.start) + 1
            end = text.find("\n", place.end)
            end = len(text) if end < 0 else end + 1
            if not _BLOCK_ITEM.match(text[start : place.start]) or text[place.end : end].strip():
                return None
            edits.append(Edit(start + base, end + base, ""))
    else:
        return None
    if len(indices) == len(spans):
        return None  # nothing would be left to run
    return Fix("Remove --workers from the Compose command", tuple(edits), Applicability.UNSAFE)


def _plain_gap(gap: str) -> bool:
    return bool(gap) and not gap.strip() and "\n" not in gap


def _flow_gap(gap: str) -> bool:
    return bool(_FLOW_GAP.match(gap)) and "#" not in gap


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _cut(
    text: str, places: list[Span], a: int, b: int, check: Callable[[str], bool]
) -> Span | None:
    """The text to delete for items ``a..b``: with the separator before them, or after them
    when they come first."""
    for i in range(a, b):
        if not check(text[places[i].end : places[i + 1].start]):
            return None
    if a > 0:
        gap = text[places[a - 1].end : places[a].start]
        return Span(places[a - 1].end, places[b].end) if check(gap) else None
    if b + 1 < len(places):
        gap = text[places[b].end : places[b + 1].start]
        return Span(places[a].start, places[b + 1].start) if check(gap) else None
    return None


# -- the rule -------------------------------------------------------------------------------


def _describe_winner(view: ServiceView, winner: Resolved) -> tuple[Span, str] | None:
    if winner.layer == "cli":
        opt = winner.options[-1]
        text = option_text(opt) if opt.value is not None else view.text(opt.span)
        at = where(view, opt.span)
        if in_compose(view, opt.span):
            key = _compose_key(view, winner.options)
            return (
                opt.span,
                f"the service's {key}: ({at}) passes {text} on Gunicorn's command line",
            )
        return opt.span, f"{at} passes {text} on Gunicorn's command line"
    if winner.layer == "cmd_args_env":
        opt = winner.options[-1]
        text = option_text(opt) if opt.value is not None else view.text(opt.span)
        return opt.span, f"{where(view, opt.span)} sets {text} in the image's GUNICORN_CMD_ARGS"
    if winner.layer == "config" and winner.span is not None:
        source, local = view.workspace.locate(winner.span)
        value = winner.value if winner.known else source.slice(local)
        return (
            winner.span,
            f"{where(view, winner.span)} sets workers = {value} in the config file Gunicorn loads",
        )
    return None


def _compose_key(view: ServiceView, options: Sequence[ParsedOption]) -> str:
    """The Compose key whose words carry these options: ``command`` or ``entrypoint``."""
    command = view.layer.command
    words = {w.span for w in command.argv} if command is not None else set()
    return (
        "command"
        if all(o.option_span in words or o.span in words for o in options)
        else ("entrypoint")
    )


def _compose_file_index(view: ServiceView, span: Span) -> int | None:
    """The place of the span's file among the Compose files merged (None: not one of them)."""
    import os

    source, _ = view.workspace.locate(span)
    path = os.path.abspath(source.path)
    files = [os.path.abspath(f) for f in view.project.compose_files]
    return files.index(path) if path in files else None


def _later_file(view: ServiceView, winner: Span, found: Span) -> bool:
    """The winning setting is in a Compose file merged after the one that sets the count."""
    a, b = _compose_file_index(view, winner), _compose_file_index(view, found)
    return a is not None and b is not None and a > b


def _advice(view: ServiceView, winner: Resolved, compose_cli: bool) -> str:
    if compose_cli:
        return f"remove --workers from {_compose_key(view, winner.options)}:"
    if winner.layer == "cli":
        return "remove --workers from the image's command line and set ENV WEB_CONCURRENCY instead"
    if winner.layer == "cmd_args_env":
        return "set --workers in the service's GUNICORN_CMD_ARGS, which replaces the image's"
    return "set --workers in GUNICORN_CMD_ARGS, or remove workers from the config file"


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    view = ctx.service
    settings = view.gunicorn()
    if settings is None:
        yield from _check_official(view)
        return
    winner = settings.get("workers")
    if winner.layer not in ("cli", "cmd_args_env", "config") or not _winner_certain(view, winner):
        return
    described = _describe_winner(view, winner)
    if described is None:
        return
    related_span, winner_text = described
    compose_cli = winner.layer == "cli" and all(in_compose(view, o.span) for o in winner.options)
    for found in _compose_sets(view, settings):
        if _RANK[winner.layer] <= _RANK[found.layer]:
            continue
        if winner.layer == "cmd_args_env" and in_compose(view, winner.span):
            continue  # the service sets both variables: its own GUNICORN_CMD_ARGS wins
        if _reads_variable(view, winner, found.variable):
            continue
        if _later_file(view, related_span, found.span):
            continue  # a later Compose file (an override) changes the count on purpose
        fix = None
        if compose_cli and settings.cli is not None:
            fix = _command_fix(view, settings.cli.find("workers"), settings)
        yield META.violation(
            found.span,
            f"{where(view, found.span)} sets {found.shown}, but {winner_text}, which takes "
            f"precedence; {_advice(view, winner, compose_cli)}",
            fix=fix,
            related=(Related(related_span, "this sets the worker count Gunicorn uses"),),
        )


def _check_official(view: ServiceView) -> Iterator[Violation]:
    official = _official_image(view)
    if official is None:
        return
    found = _compose_sets(view, None)
    if not found:
        return
    given = parse_args(official.words).find("workers")
    for item in found:
        if given:
            opt = given[-1]
            related = Related(opt.span, "this sets the worker count Gunicorn uses")
            text = (
                f"{where(view, opt.span)} passes {option_text(opt)} on Gunicorn's command line, "
                "which takes precedence; remove --workers there"
            )
        else:
            related = Related(
                official.anchor, "the official Gunicorn image adds --workers to the command line"
            )
            text = (
                f"the official Gunicorn image ({where(view, official.anchor)}) starts with "
                "docker-entrypoint.sh, which adds --workers (GUNICORN_WORKERS, else 2 x CPUs + 1) "
                "to Gunicorn's command line, which takes precedence; set GUNICORN_WORKERS instead"
            )
        yield META.violation(
            item.span,
            f"{where(view, item.span)} sets {item.shown}, but {text}",
            related=(related,),
        )
