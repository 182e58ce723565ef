"""``check --show-services``: each Compose service, the image it runs, and what runs in it.

For a service whose image the project builds, the view is the one the rules judge: the image's
final stage (``build.target``, with ``build.args``) with the service's settings over it, each
value shown with the layer that set it and the file and line it was written at. Values that
depend on a variable with no value here are marked, since a deployment may set them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dockerlint_django.analysis import Analysis, Start
from dockerlint_django.deployments import service_image
from dockerlint_django.discover import display_path
from dockerlint_django.dockerfile.model import Command, Stage
from dockerlint_django.engine import Options
from dockerlint_django.gunicorn import GunicornSettings
from dockerlint_django.project.deployment import Deployment
from dockerlint_django.project.links import ImageBuild, ServiceLink
from dockerlint_django.project.workspace import Workspace
from dockerlint_django.source import Span

OptionsFor = Callable[[Path | None, ImageBuild | None], Options]

# The Gunicorn settings a deployment most often gets wrong, in the order they are shown.
GUNICORN_SETTINGS = (
    "workers",
    "threads",
    "worker_class",
    "bind",
    "timeout",
    "graceful_timeout",
    "worker_tmp_dir",
    "proc_name",
    "reload",
    "config",
)
_LAYER_NAMES = {
    "cli": "command line",
    "cmd_args_env": "GUNICORN_CMD_ARGS",
    "config": "config file",
    "env": "environment",
    "default": "Gunicorn's default",
}


def _where(workspace: Workspace, span: Span | None) -> str | None:
    if span is None:
        return None
    source, local = workspace.locate(span)
    return f"{source.path}:{source.position(local.start).line}"


def _argv(command: Command | None) -> list[str | None] | None:
    if command is None:
        return None
    return [w.value for w in command.argv]


def _command_entry(
    workspace: Workspace, command: Command | None, from_compose: bool, key: str
) -> dict[str, Any]:
    if command is None:
        return {"value": None, "layer": "none"}
    where = None
    if command.instruction is not None:
        where = _where(workspace, command.instruction.keyword_span)
    elif command.argv:
        where = _where(workspace, command.argv[0].span)
    layer = f"compose {key}" if from_compose else f"image {command.keyword}"
    if command.instruction is None and not from_compose:
        layer = f"base image {command.keyword}"
    return {"value": _argv(command), "layer": layer, "at": where}


def _runs(start: Start | None) -> dict[str, Any]:
    if start is None:
        return {"kind": "unknown"}
    launch = start.launch
    out: dict[str, Any] = {"kind": launch.kind}
    if launch.program is not None:
        out["program"] = launch.program.value
    if launch.subcommand is not None:
        out["subcommand"] = launch.subcommand.value
    if launch.shells:
        out["through"] = [f"{h.shell} -c" for h in launch.shells]
    if launch.scripts:
        out["scripts"] = [
            {
                "path": hop.path,
                "exec": hop.command is not None and hop.command.exec_prefixed,
                "before": [" ".join(w.value or "?" for w in c.words) for c in hop.before],
            }
            for hop in launch.scripts
        ]
    if launch.opaque is not None:
        out["unknown"] = launch.opaque.reason
    return out


def _gunicorn(workspace: Workspace, settings: GunicornSettings | None) -> dict[str, Any] | None:
    if settings is None:
        return None
    out: dict[str, Any] = {}
    for name in GUNICORN_SETTINGS:
        resolved = settings.get(name)
        value: Any = resolved.value
        if isinstance(value, tuple):
            value = list(value)
        entry: dict[str, Any] = {
            "value": value if resolved.known else None,
            "layer": _LAYER_NAMES.get(resolved.layer, resolved.layer),
        }
        if not resolved.known:
            entry["known"] = False
        at = _where(workspace, resolved.span)
        if at is not None:
            entry["at"] = at
        out[name] = entry
    return out


def _image_view(
    link: ServiceLink, options_for: OptionsFor
) -> tuple[dict[str, Any], Analysis | None, Stage | None, Workspace | None]:
    build = link.image
    assert build is not None
    view: dict[str, Any] = {
        "context": display_path(build.context),
        "dockerfile": None if build.dockerfile is None else display_path(build.dockerfile),
        "target": build.target,
        "args": build.args,
        "linked": link.reason,
    }
    if build.dockerfile is None:
        view["note"] = "dockerfile_inline is not read yet"
        return view, None, None, None
    workspace, analysis, _source, error = service_image(link, options_for)
    if analysis is None or workspace is None:
        view["error"] = error
        return view, None, None, None
    stage = analysis.dockerfile.final
    assert stage is not None
    view["stage"] = stage.name or str(stage.index)
    return view, analysis, stage, workspace


def service_view(link: ServiceLink, options_for: OptionsFor) -> dict[str, Any]:
    """One service as JSON: its build, and what runs in the container, layer by layer."""
    service = link.service
    origin = service.origin
    out: dict[str, Any] = {
        "service": service.name,
        "at": None if origin is None else f"{origin.path}:{origin.line}",
        "active": service.active,
    }
    if link.image is None:
        out["image"] = None if service.image is None else service.image.value
        out["linked"] = link.reason
        return out
    view, analysis, stage, workspace = _image_view(link, options_for)
    out["build"] = view
    if analysis is None or stage is None or workspace is None:
        return out
    runtime = analysis.runtime
    assert runtime is not None
    state = stage.final_state
    start = analysis.start(stage)
    entry_from_compose = runtime.entrypoint is not None
    command_from_compose = runtime.command is not None and bool(runtime.command.argv)
    out["entrypoint"] = _command_entry(
        workspace, start.entrypoint if start else None, entry_from_compose, "entrypoint"
    )
    out["command"] = _command_entry(
        workspace, start.cmd if start else None, command_from_compose, "command"
    )
    if entry_from_compose and not command_from_compose and state.cmd is not None:
        out["command"]["note"] = "Compose's entrypoint drops the image's CMD"
    out["runs"] = _runs(start)
    for key, image_value, where in (
        ("user", state.user.value, state.user.instruction),
        ("working_dir", state.workdir, None),
        ("stop_signal", state.stopsignal, None),
    ):
        set_by = getattr(runtime, key)
        if set_by is not None:
            out[key] = {
                "value": set_by.value,
                "layer": f"compose {key}",
                "at": _where(workspace, set_by.key_span),
            }
        else:
            entry: dict[str, Any] = {"value": image_value, "layer": "image"}
            if where is not None:
                entry["at"] = _where(workspace, where.keyword_span)
            out[key] = entry
    env: dict[str, Any] = {}
    for name, value in state.env.items():
        written = state.env_sources.get(name)
        env[name] = {
            "value": value,
            "layer": "image ENV",
            "at": None if written is None else _where(workspace, written.span()),
        }
    for name, var in runtime.environment.items():
        env[name] = {"value": var.value, "layer": var.layer, "at": _where(workspace, var.span)}
        if var.unset:
            env[name]["depends_on"] = list(var.unset)
    out["environment"] = env
    out["gunicorn"] = _gunicorn(workspace, analysis.gunicorn(stage))
    return out


def describe_services(
    deployments: Sequence[Deployment], options_for: OptionsFor, *, as_json: bool = False
) -> tuple[str, bool]:
    """The listing, and whether any project could not be read."""
    projects: list[dict[str, Any]] = []
    failed = False
    for d in deployments:
        if d.error is not None or d.project is None:
            failed = True
            continue
        projects.append(
            {
                "project": d.project.name,
                "files": [display_path(Path(f)) for f in d.project.compose_files],
                "services": [service_view(link, options_for) for link in d.links],
            }
        )
    if as_json:
        return json.dumps(projects, indent=2, ensure_ascii=False) + "\n", failed
    return "".join(_text(p) for p in projects), failed


# Bidirectional overrides and isolates reorder what a terminal shows ("Trojan Source").
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _safe(line: str) -> str:
    """One line whatever the values hold: newlines, terminal escapes and other control
    characters (from a path, a command or a multi-line env value) are shown escaped."""
    if line.isprintable() and not _BIDI.intersection(line):
        return line
    out: list[str] = []
    for ch in line:
        if ch.isprintable() and ch not in _BIDI:
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)


def _runs_text(runs: dict[str, Any]) -> str:
    """`gunicorn`, `manage.py runserver`: the program (and subcommand), then the kind of
    server when it is neither (`python -m gunicorn (gunicorn)`) nor just some program."""
    words = [w for w in (runs.get("program"), runs.get("subcommand")) if w]
    kind = runs["kind"]
    if not words:
        return str(kind)
    shown = " ".join(str(w) for w in words)
    if kind != "other" and kind not in words and kind not in {Path(str(w)).name for w in words}:
        shown += f" ({kind})"
    return shown


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return " ".join("?" if v is None else str(v) for v in value) or "[]"
    return str(value)


def _text(project: dict[str, Any]) -> str:
    lines = [f"project {project['project']} ({', '.join(project['files'])})"]
    for svc in project["services"]:
        state = "" if svc["active"] else " (inactive profile)"
        lines.append(f"  {svc['service']}{state}  {svc['at'] or ''}".rstrip())
        if "build" not in svc:
            image = svc.get("image")
            reason = svc["linked"]
            if image is not None and reason.startswith(f"runs {image}, "):
                reason = reason[len(f"runs {image}, ") :]  # the image is named already
            lines.append(f"    image        {_fmt(image)} ({reason})")
            continue
        build = svc["build"]
        target = f", target {build['target']}" if build.get("target") else ""
        lines.append(f"    build        {_fmt(build['dockerfile'])}{target} ({build['linked']})")
        if "error" in build or "note" in build:
            lines.append(f"    note         {build.get('error') or build.get('note')}")
            continue
        for key in ("entrypoint", "command"):
            entry = svc[key]
            at = (
                f" [{entry['layer']}, {entry['at']}]" if entry.get("at") else f" [{entry['layer']}]"
            )
            note = f"; {entry['note']}" if entry.get("note") else ""
            lines.append(f"    {key:<12} {_fmt(entry['value'])}{at}{note}")
        runs = svc["runs"]
        hops = [*runs.get("through", ()), *(s["path"] for s in runs.get("scripts", ()))]
        through = f" via {', '.join(hops)}" if hops else ""
        unknown = f" ({runs['unknown']})" if runs.get("unknown") else ""
        lines.append(f"    runs         {_runs_text(runs)}{through}{unknown}")
        for script in runs.get("scripts", ()):
            for step in script["before"]:
                lines.append(f"    before       {step} [{script['path']}]")
        for key in ("user", "working_dir", "stop_signal"):
            entry = svc[key]
            at = f", {entry['at']}" if entry.get("at") else ""
            lines.append(f"    {key:<12} {_fmt(entry['value'])} [{entry['layer']}{at}]")
        for name, entry in svc["environment"].items():
            at = f", {entry['at']}" if entry.get("at") else ""
            shown = _fmt(entry["value"])
            if entry.get("depends_on"):
                shown = f"(not known: depends on {', '.join(entry['depends_on'])})"
            lines.append(f"    env          {name}={shown} [{entry['layer']}{at}]")
        gunicorn = svc.get("gunicorn")
        if gunicorn:
            for name, entry in gunicorn.items():
                at = f", {entry['at']}" if entry.get("at") else ""
                shown = _fmt(entry["value"]) if entry.get("known", True) else "(not known)"
                lines.append(f"    gunicorn     {name}={shown} [{entry['layer']}{at}]")
    return "\n".join(_safe(line) for line in lines) + "\n"
