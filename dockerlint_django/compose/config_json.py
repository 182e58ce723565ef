"""The project as ``docker compose config --format json`` prints it.

Compose prints its typed project through Go's ``encoding/json``: ``omitempty`` fields vanish when
empty, maps come out sorted, durations as Go prints them, ports in long form, ``command`` and
``entrypoint`` always (``null`` = the image's default). Only active services are printed. With
``--no-interpolate`` Compose prints the merged model itself instead (``${...}`` kept, ``env_file``
unread, ``command`` as written, every service listed), and so does this module then.

The service fields the linter relies on are built from the typed ``Service``; other keys are
printed from the normalised node where their JSON form is the node's own.
"""

from __future__ import annotations

import math
from typing import Any

from dockerlint_django.compose.merge import go_value_text
from dockerlint_django.compose.model import Command, Duration, Project, Service, go_path_clean
from dockerlint_django.compose.nodes import Mapping, Node, Scalar, Sequence

# Keys printed from the node as they are (their Go type holds the same JSON).
_PASSTHROUGH_STR = (
    "container_name", "restart", "hostname", "domainname", "network_mode", "pid", "ipc",
    "platform", "pull_policy", "runtime", "cgroup_parent", "cgroup", "isolation", "mac_address",
    "userns_mode", "uts", "volume_driver", "stop_signal",
)  # fmt: skip
_PASSTHROUGH_LIST = (
    "cap_add", "cap_drop", "dns", "dns_opt", "dns_search", "external_links", "group_add", "links",
    "security_opt", "volumes_from", "device_cgroup_rules",
)  # fmt: skip
_PASSTHROUGH_BOOL = ("privileged", "read_only", "stdin_open", "tty", "oom_kill_disable")
_BUILD_STR = ("context", "dockerfile", "dockerfile_inline", "target", "network", "shm_size_str")


def plain(node: Node | None) -> Any:
    """The node as JSON data (scalars as YAML decoded them)."""
    if isinstance(node, Mapping):
        return {k.text(): plain(v) for k, v in node.items}
    if isinstance(node, Sequence):
        return [plain(v) for v in node.items]
    if isinstance(node, Scalar):
        v = node.value
        if isinstance(v, float) and not math.isfinite(v):
            return go_value_text(v)
        return v
    return None


def _text(node: Node | None) -> str:
    if isinstance(node, Scalar) and node.value is not None:
        return go_value_text(node.value)
    return ""


def _strings(node: Node | None) -> list[str]:
    if isinstance(node, Sequence):
        return [_text(v) for v in node.items]
    if isinstance(node, Scalar) and node.value is not None:
        return [_text(node)]
    return []


def _command(cmd: Command | None) -> list[str] | None:
    return None if cmd is None else list(cmd.argv)


def _duration(d: Duration | None) -> str | None:
    return None if d is None else d.text


def _labels(node: Node | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(node, Mapping):
        for k, v in node.items:
            out[k.text()] = _text(v)
    elif isinstance(node, Sequence):
        for item in node.items:
            key, _, value = _text(item).partition("=")
            out[key] = value
    return out


def _service(svc: Service) -> dict[str, Any]:
    n = svc.node
    out: dict[str, Any] = {"command": _command(svc.command), "entrypoint": _command(svc.entrypoint)}
    if svc.profiles:
        out["profiles"] = [p.value for p in svc.profiles]
    if svc.build is not None:
        b = svc.build
        build: dict[str, Any] = {"context": b.context.value}
        for key, value in (
            ("dockerfile", b.dockerfile),
            ("dockerfile_inline", b.dockerfile_inline),
            ("target", b.target),
        ):
            if value is not None and value.value:
                build[key] = value.value
        args = {k: v.value for k, v in b.args.items() if v is not None}
        if args:
            build["args"] = args
        out["build"] = build
    if svc.image is not None and svc.image.value:
        out["image"] = svc.image.value
    if svc.environment:
        out["environment"] = {k: v.value for k, v in svc.environment.items()}
    for key, value in (
        ("user", svc.user),
        ("working_dir", svc.working_dir),
        ("stop_signal", svc.stop_signal),
    ):
        if value is not None and value.value:
            out[key] = value.value
    if svc.ports:
        ports = []
        for p in svc.ports:
            entry: dict[str, Any] = {"mode": p.mode}
            if p.name:
                entry["name"] = p.name
            if p.host_ip:
                entry["host_ip"] = p.host_ip
            if p.target:
                entry["target"] = p.target
            if p.published:
                entry["published"] = p.published
            entry["protocol"] = p.protocol
            if p.app_protocol:
                entry["app_protocol"] = p.app_protocol
            ports.append(entry)
        out["ports"] = ports
    if svc.expose:
        out["expose"] = [v.value for v in svc.expose]
    if svc.tmpfs:
        out["tmpfs"] = [v.value for v in svc.tmpfs]
    if svc.stop_grace_period is not None:
        out["stop_grace_period"] = svc.stop_grace_period.text
    if svc.healthcheck is not None:
        h = svc.healthcheck
        hc: dict[str, Any] = {}
        if h.test:
            hc["test"] = list(h.test)
        for key, d in (
            ("timeout", h.timeout),
            ("interval", h.interval),
            ("start_period", h.start_period),
            ("start_interval", h.start_interval),
        ):
            if d is not None:
                hc[key] = d.text
        if h.retries is not None:
            hc["retries"] = h.retries
        if h.disable:
            hc["disable"] = True
        out["healthcheck"] = hc
    if svc.extra_hosts:
        out["extra_hosts"] = [v.value for v in svc.extra_hosts]
    if svc.init is not None:
        out["init"] = svc.init
    for key in _PASSTHROUGH_STR:
        if key not in out:
            t = _text(n.get(key))
            if t:
                out[key] = t
    for key in _PASSTHROUGH_LIST:
        # Compose prints these lists without repeated entries.
        items = list(dict.fromkeys(_strings(n.get(key))))
        if items:
            out[key] = items
    for key in _PASSTHROUGH_BOOL:
        v = n.get(key)
        if isinstance(v, Scalar) and v.value is True:
            out[key] = True
    labels = _labels(n.get("labels"))
    if labels:
        out["labels"] = labels
    for key in (
        "depends_on",
        "networks",
        "volumes",
        "ulimits",
        "logging",
        "deploy",
        "secrets",
        "configs",
        "devices",
        "sysctls",
    ):
        v = n.get(key)
        if v is not None and plain(v) not in ({}, [], None):
            out[key] = plain(v)
    for mount in out.get("volumes") or ():
        # Observed: Compose prints a long-syntax target cleaned (`/a/./b/` as `/a/b`).
        if isinstance(mount, dict) and isinstance(mount.get("target"), str) and mount["target"]:
            mount["target"] = go_path_clean(mount["target"])
    return out


def config_json(project: Project) -> dict[str, Any]:
    """The document ``docker compose config --format json`` prints for this project."""
    if not project.interpolated:
        return _raw(project)
    services = {name: _service(s) for name, s in project.services.items() if s.active}
    doc: dict[str, Any] = {"name": project.name, "services": services}
    for section in ("networks", "volumes", "secrets", "configs"):
        node = project.top(section)
        if isinstance(node, Mapping) and node.items:
            doc[section] = plain(node)
            if section == "networks":
                for net in doc[section].values():
                    if isinstance(net, dict):
                        net.setdefault("ipam", {})
    if project.node is not None:
        for k, v in project.node.items:
            if k.text().startswith("x-"):
                doc[k.text()] = plain(v)
    return doc


def _go_numbers(value: Any) -> Any:
    """The raw model as Go's encoding/json prints it: a whole float64 (a YAML `1.0`) has no
    fraction (`1`)."""
    if isinstance(value, dict):
        return {k: _go_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_go_numbers(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


def _drop_bare_args(build: dict[str, Any]) -> None:
    """Compose leaves out a build argument that has no value (the model keeps it as unknown)."""
    args = build.get("args")
    kept: list[Any] | dict[str, Any]
    if isinstance(args, list):
        # Merged files concatenate the lists; Compose reads them as a mapping, so a later
        # `A=1` replaces an earlier `A=x` in its place.
        last: dict[str, Any] = {}
        for a in args:
            name = a.partition("=")[0] if isinstance(a, str) else a
            last[name] = a
        kept = [a for a in last.values() if not (isinstance(a, str) and "=" not in a)]
    elif isinstance(args, dict):
        kept = {k: v for k, v in args.items() if v is not None}
    else:
        return
    if kept:
        build["args"] = kept
    else:
        del build["args"]


def _raw(project: Project) -> dict[str, Any]:
    """``--no-interpolate``: the merged model as it is, every service listed."""
    doc: dict[str, Any] = plain(project.node) if project.node is not None else {}
    services = doc.get("services") or {}
    for name, svc in project.services.items():
        if name in services and isinstance(services[name], dict):
            printed = plain(svc.node)
            # Compose prints these empty lists of the raw model as null.
            for key in ("command", "entrypoint", "environment"):
                if printed.get(key) == []:
                    printed[key] = None
            hc = printed.get("healthcheck")
            if isinstance(hc, dict) and hc.get("test") == []:
                hc["test"] = None
            build = printed.get("build")
            if isinstance(build, dict):
                _drop_bare_args(build)
            printed = _go_numbers(printed)
            services[name] = printed
    doc["name"] = project.name
    return doc
