"""The typed model: positioned fields, layers, unknown values, and config_json's shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockerlint_django.compose.config_json import config_json
from dockerlint_django.compose.loader import LoadOptions, load_project
from dockerlint_django.compose.model import Project, format_duration, parse_duration


def load(root: Path, files: dict[str, str], **options: object) -> Project:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    env = {"HOME": "/home/u", "PATH": "/bin"}
    env.update(options.pop("env", {}))  # type: ignore[call-overload]
    return load_project(LoadOptions(working_dir=root, environment=env, **options))  # type: ignore[arg-type]


def test_command_string_is_split_and_dropped_text_kept(tmp_path: Path) -> None:
    p = load(
        tmp_path,
        {
            "compose.yaml": "services:\n  web:\n    image: x\n"
            "    command: python manage.py migrate && gunicorn core.wsgi\n"
        },
    )
    cmd = p.services["web"].command
    assert cmd is not None and cmd.form == "string"
    assert cmd.argv == ("python", "manage.py", "migrate")
    assert cmd.dropped == "&& gunicorn core.wsgi"
    word = cmd.words[1]
    assert word.origin is not None and (word.origin.line, word.origin.column) == (4, 21)
    assert config_json(p)["services"]["web"]["command"] == ["python", "manage.py", "migrate"]


def test_command_list_and_unset_variables(tmp_path: Path) -> None:
    p = load(
        tmp_path,
        {
            "compose.yaml": "services:\n  web:\n    image: x\n"
            "    entrypoint: [gunicorn, '--workers=${WORKERS:-2}']\n"
            "    command: ''\n"
        },
    )
    ep = p.services["web"].entrypoint
    assert ep is not None and ep.form == "list"
    assert ep.argv == ("gunicorn", "--workers=2")
    assert ep.words[1].unset == ("WORKERS",)
    assert ep.unset == ("WORKERS",)
    cmd = p.services["web"].command
    assert cmd is not None and cmd.argv == ()
    assert config_json(p)["services"]["web"]["command"] == []


def test_environment_layers(tmp_path: Path) -> None:
    p = load(
        tmp_path,
        {
            "compose.yaml": "services:\n  web:\n    image: x\n    env_file: [a.env, b.env]\n"
            "    environment:\n      B: from-environment\n      BARE:\n",
            "a.env": "A=1\nB=1\n",
            "b.env": "# c\nA=2\n",
        },
    )
    env = p.services["web"].environment
    assert env["A"].value == "2" and env["A"].layer == "env_file"
    assert env["A"].file == "b.env" and env["A"].line == 2
    assert env["B"].value == "from-environment" and env["B"].layer == "environment"
    assert env["B"].origin is not None and env["B"].origin.line == 6
    assert env["BARE"].value is None
    assert config_json(p)["services"]["web"]["environment"] == {
        "A": "2",
        "B": "from-environment",
        "BARE": None,
    }


def test_ports_long_form_with_origins(tmp_path: Path) -> None:
    p = load(
        tmp_path,
        {
            "compose.yaml": "services:\n  web:\n    image: x\n    ports:\n"
            "      - '127.0.0.1:8000-8001:80-81/udp'\n      - 9000\n"
        },
    )
    ports = p.services["web"].ports
    assert [(q.target, q.published, q.host_ip, q.protocol) for q in ports] == [
        (80, "8000", "127.0.0.1", "udp"),
        (81, "8001", "127.0.0.1", "udp"),
        (9000, None, None, "tcp"),
    ]
    assert all(q.origin is not None for q in ports)
    assert ports[0].origin is not None and ports[0].origin.line == 5


def test_durations_healthcheck_and_others(tmp_path: Path) -> None:
    p = load(
        tmp_path,
        {
            "compose.yaml": "services:\n  web:\n    image: x\n    stop_grace_period: 1m30s\n"
            "    stop_signal: SIGINT\n    user: '1000:1000'\n    working_dir: /app\n"
            "    init: true\n    tmpfs: /run\n    expose: [80, '90']\n"
            "    extra_hosts: ['b:2.2.2.2', 'a=1.1.1.1']\n    profiles: [web]\n"
            "    healthcheck: {test: curl -f x, interval: 1h}\n"
        },
        profiles=("web",),
    )
    web = p.services["web"]
    assert web.stop_grace_period is not None
    assert (web.stop_grace_period.text, web.stop_grace_period.seconds) == ("1m30s", 90.0)
    assert web.healthcheck is not None and web.healthcheck.test == ("CMD-SHELL", "curl -f x")
    assert web.healthcheck.interval is not None and web.healthcheck.interval.text == "1h0m0s"
    assert [v.value for v in web.extra_hosts] == ["a=1.1.1.1", "b=2.2.2.2"]
    assert [v.value for v in web.expose] == ["80", "90"]
    assert web.init is True and web.active
    origin = web.origin_of("stop_signal")
    assert origin is not None and (origin.line, origin.column) == (5, 5)


def test_inactive_services_kept_but_not_printed(tmp_path: Path) -> None:
    p = load(
        tmp_path,
        {
            "compose.yaml": "services:\n  web:\n    image: x\n"
            "  debug:\n    image: y\n    profiles: [dbg]\n"
        },
    )
    assert p.services["debug"].active is False
    assert set(config_json(p)["services"]) == {"web"}
    every = load(
        tmp_path / "all",
        {"compose.yaml": "services:\n  d:\n    image: y\n    profiles: [p]\n"},
        profiles=("*",),
    )
    assert every.services["d"].active


def test_unset_variable_warns_and_marks_value(tmp_path: Path) -> None:
    p = load(tmp_path, {"compose.yaml": "services:\n  web:\n    image: app:${TAG}\n"})
    image = p.services["web"].image
    assert image is not None and image.value == "app:" and image.unset == ("TAG",)
    assert 'The "TAG" variable is not set. Defaulting to a blank string.' in p.warnings


def test_build_fields(tmp_path: Path) -> None:
    p = load(
        tmp_path,
        {
            "compose.yaml": "services:\n  web:\n    build:\n      context: app\n"
            "      target: prod\n      args: [A=1, B]\n"
        },
    )
    build = p.services["web"].build
    assert build is not None
    assert build.context.value == str(tmp_path / "app")
    assert build.target is not None and build.target.value == "prod"
    assert build.args["A"] is not None and build.args["A"].value == "1"
    # Compose drops an argument it found no value for (config_json does too), but the shell
    # that runs `docker compose build` may set it: the model keeps it, its value not known.
    assert build.args["B"] is None
    assert "B" not in config_json(p)["services"]["web"]["build"]["args"]
    assert build.dockerfile is not None and build.dockerfile.value == "Dockerfile"


@pytest.mark.parametrize(
    ("text", "printed"),
    [("1h", "1h0m0s"), ("90m", "1h30m0s"), ("1.5s", "1.5s"), ("500ms", "500ms"), ("0", "0s"),
     ("1d", "24h0m0s"), ("1500us", "1.5ms"), ("2h45m", "2h45m0s")],
)  # fmt: skip
def test_go_durations(text: str, printed: str) -> None:
    assert format_duration(parse_duration(text)) == printed


@pytest.mark.parametrize("text", ["", "10", "1x", "h", "."])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="time: "):
        parse_duration(text)
