"""The typed model above the parse: stages, inheritance and the builder's state at each step."""

from __future__ import annotations

import pytest

from dockerlint_django.dockerfile import model
from dockerlint_django.dockerfile.parser import parse
from dockerlint_django.source import SourceFile


def build(text: str, target: str | None = None) -> model.Dockerfile:
    source = SourceFile.from_text("Dockerfile", text)
    return model.build(source, parse(source), target=target)


def argv(df: model.Dockerfile) -> list[str | None]:
    final = df.final
    assert final is not None
    words = final.final_state.argv()
    assert words is not None
    return [w.value for w in words]


def test_stage_names_are_case_insensitive_and_parents_are_linked() -> None:
    df = build("FROM python:3.11 AS Base\nENV A=1\nFROM base AS app\nFROM python:3.11\n")
    base, app, last = df.stages
    assert base.name == "base" and app.parent is base and last.parent is None
    assert app.final_state.env["A"] == "1"
    assert [s.index for s in app.chain] == [0, 1]
    assert df.final is last
    assert df.stage_ref("0") is base and df.stage_ref("APP") is app and df.stage_ref("9") is None


def test_target_selects_the_final_stage_and_a_missing_target_is_an_error() -> None:
    text = "FROM python:3.11 AS app\nFROM python:3.11 AS debug\n"
    chosen = build(text, target="app")
    assert chosen.final is chosen.stages[0]
    missing = build(text, target="nope")
    assert missing.final is None
    assert [e.message for e in missing.errors] == ["target stage 'nope' could not be found"]


def test_global_args_expand_in_from_but_not_inside_stages_unless_redeclared() -> None:
    df = build("ARG PY=3.11\nFROM python:${PY}\nRUN echo\nARG PY\nENV V=$PY\n")
    stage = df.stages[0]
    assert stage.base == "python:3.11"
    assert stage.image is not None and stage.image.tag == "3.11"
    assert stage.states[0].variables.get("PY") is None  # not in scope before `ARG PY`
    assert stage.final_state.env["V"] == "3.11"


def test_arg_without_default_is_unknown() -> None:
    df = build("FROM python:3.11\nARG APP_USER\nUSER $APP_USER\n")
    assert df.stages[0].final_state.user.value is None
    assert df.stages[0].final_state.user.is_root is None


def test_env_values_see_the_environment_before_the_instruction() -> None:
    df = build("FROM python:3.11\nENV A=1\nENV A=2 B=$A\nENV legacy form value\n")
    env = df.stages[0].final_state.env
    assert env["A"] == "2" and env["B"] == "1"
    assert env["legacy"] == "form value"


def test_env_overrides_arg_of_the_same_name() -> None:
    df = build("FROM python:3.11\nARG X=arg\nENV X=env\nENV Y=$X\n")
    assert df.stages[0].final_state.env["Y"] == "env"


def test_env_sources_point_at_the_written_value() -> None:
    text = 'FROM python:3.11\nENV GUNICORN_CMD_ARGS="--workers 2"\n'
    df = build(text)
    mapped = df.stages[0].final_state.env_sources["GUNICORN_CMD_ARGS"]
    assert mapped.text == "--workers 2"
    assert text[mapped.span().start : mapped.span().end] == "--workers 2"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("WORKDIR /workdir", "/workdir"),
        ("WORKDIR /a\nWORKDIR b\nWORKDIR ../c", "/a/c"),
        ("ARG D=/srv\nWORKDIR $D/app", "/srv/app"),
        ("ARG D\nWORKDIR $D", None),
        ("ARG D\nWORKDIR $D\nWORKDIR rel", None),
        # With the default escape, BuildKit reads `\a` as an escaped `a`.
        ("WORKDIR C:\\app", "/C:app"),
    ],
)
def test_workdir(lines: str, expected: str | None) -> None:
    df = build(f"FROM python:3.11\n{lines}\n")
    assert df.stages[0].final_state.workdir == expected


def test_windows_drive_path_is_absolute_with_the_backtick_escape() -> None:
    df = build("# escape=`\nFROM python:3.11\nWORKDIR C:\\app\n")
    assert df.stages[0].final_state.workdir == "C:\\app"


def test_known_base_image_defaults() -> None:
    python = build("FROM docker.io/library/python:3.11-slim\n").stages[0]
    assert python.known is not None and python.image is not None
    assert python.image.name == "python"
    assert python.final_state.user.is_root is True
    assert argv(build("FROM python:3.11\n")) == ["python3"]
    nginx = build("FROM nginxinc/nginx-unprivileged:latest\n").stages[0].final_state
    assert nginx.user.value == "101" and nginx.user.is_root is False
    assert nginx.stopsignal == "SIGQUIT"
    unknown = build("FROM registry.example.com/team/base:1\n").stages[0]
    assert unknown.known is None and unknown.final_state.user.value is None


def test_user_is_inherited_from_a_local_parent_stage() -> None:
    df = build("FROM python:3.11 AS base\nUSER 1000:1000\nFROM base\n")
    user = df.stages[1].final_state.user
    assert user.value == "1000:1000" and user.stage == 0 and user.group == "1000"


def test_shell_form_cmd_gets_the_shell_prefix() -> None:
    df = build("FROM python:3.11\nCMD gunicorn core.wsgi\n")
    assert argv(df) == ["/bin/sh", "-c", "gunicorn core.wsgi"]


def test_shell_instruction_changes_the_prefix() -> None:
    df = build('FROM python:3.11\nSHELL ["/bin/bash", "-eo", "pipefail", "-c"]\nCMD run\n')
    assert argv(df) == ["/bin/bash", "-eo", "pipefail", "-c", "run"]


def test_entrypoint_and_cmd_combine() -> None:
    df = build('FROM python:3.11\nENTRYPOINT ["tini", "--"]\nCMD ["gunicorn", "core.wsgi"]\n')
    assert argv(df) == ["tini", "--", "gunicorn", "core.wsgi"]


def test_entrypoint_resets_an_inherited_cmd_but_not_one_set_in_the_same_stage() -> None:
    inherited = build('FROM python:3.11 AS base\nCMD ["a"]\nFROM base\nENTRYPOINT ["e"]\n')
    assert argv(inherited) == ["e"]
    same_stage = build('FROM python:3.11\nCMD ["a"]\nENTRYPOINT ["e"]\n')
    assert argv(same_stage) == ["e", "a"]
    base_image_cmd = build('FROM python:3.11\nENTRYPOINT ["e"]\n')
    assert argv(base_image_cmd) == ["e"]


def test_exec_form_words_keep_their_source_spans() -> None:
    text = 'FROM python:3.11\nCMD ["gunicorn", "a\\"b"]\n'
    df = build(text)
    final = df.final
    assert final is not None
    cmd = final.final_state.cmd
    assert cmd is not None and cmd.json
    second = cmd.argv[1]
    assert second.value == 'a"b'
    assert text[second.span.start : second.span.end] == 'a\\"b'


def test_expose_and_stopsignal_are_expanded() -> None:
    df = build("FROM python:3.11\nARG P=8000\nEXPOSE $P 9000/udp\nSTOPSIGNAL SIGTERM\n")
    state = df.stages[0].final_state
    assert [p for p, _ in state.expose] == ["8000", "9000/udp"]
    assert state.stopsignal == "SIGTERM"


def test_unknown_instruction_and_instruction_before_from_are_model_errors() -> None:
    df = build("RUN echo\nFROM python:3.11\nFOO bar\n")
    assert [e.message for e in df.errors] == [
        "RUN before the first FROM: no build stage",
        "unknown instruction: FOO",
    ]


def test_shipped_stages_are_the_final_chain() -> None:
    df = build("FROM python:3.11 AS a\nFROM a AS b\nFROM python:3.11 AS c\nFROM b AS d\n")
    assert [s.name for s in df.shipped_stages()] == ["a", "b", "d"]


def test_build_args_replace_declared_arg_defaults_only() -> None:
    text = (
        "ARG PY=3.11\n"
        "FROM python:${PY}-slim\n"
        "ARG MODE=prod\n"
        "ARG SECRET\n"
        "ENV MODE=$MODE SECRET=$SECRET UNDECLARED=${NOPE:-none}\n"
    )
    df = model.build(
        SourceFile.from_text("Dockerfile", text),
        parse(SourceFile.from_text("Dockerfile", text)),
        build_args={"PY": "3.12", "MODE": "dev", "NOPE": "set", "SECRET": None},
    )
    stage = df.stages[0]
    assert stage.base == "python:3.12-slim"
    env = stage.final_state.env
    assert env["MODE"] == "dev"
    assert env["SECRET"] is None  # a build argument whose value is not known
    assert env["UNDECLARED"] == "none"  # an ARG the file does not declare is not seen
