"""DJ056: SENTRY_DNS, and *_HOST variables that hold URLs, in ENV/ARG and Compose."""

from __future__ import annotations

from dockerlint_django.testing import findings, fix_project, fix_text, lint_project


def _fix(text: str) -> str:
    fixed, converged = fix_text(text, ["DJ056"], unsafe=True, profile="ocp")
    assert converged
    return fixed


def test_env_keys_renamed_in_place() -> None:
    text = 'FROM python:3.11\nENV SENTRY_DNS=https://k@s/1 REDIS_HOST="redis://r:6379" DB_HOST=db\n'
    found = findings(text, "DJ056")
    assert [(f.start.line, f.start.column) for f in found] == [(2, 5), (2, 30)]
    assert _fix(text) == (
        'FROM python:3.11\nENV SENTRY_DSN=https://k@s/1 REDIS_URL="redis://r:6379" DB_HOST=db\n'
    )


def test_legacy_env_form_and_expanded_values() -> None:
    text = "FROM python:3.11\nENV SCHEME=amqp\nENV BROKER_HOST ${SCHEME}://rabbit\n"
    [finding] = findings(text, "DJ056")
    assert "amqp://rabbit" in finding.message
    assert _fix(text) == "FROM python:3.11\nENV SCHEME=amqp\nENV BROKER_URL ${SCHEME}://rabbit\n"


def test_unknown_value_with_a_scheme_is_a_url() -> None:
    text = "FROM python:3.11\nARG HOST\nENV CACHE_HOST=redis://${HOST}:6379\n"
    assert len(findings(text, "DJ056")) == 1


def test_hosts_and_tool_variables_are_not_reported() -> None:
    for line in (
        "ENV DB_HOST=db",
        "ENV DOCKER_HOST=tcp://docker:2375",
        "ENV OLLAMA_HOST=http://ollama:11434",
        "ENV _HOST=http://x",
        "ENV SENTRY_DSN=https://k@s/1",
        "ARG UNKNOWN\nENV API_HOST=$UNKNOWN",
    ):
        assert findings(f"FROM python:3.11\n{line}\n", "DJ056") == [], line


def test_no_fix_when_the_new_name_is_set() -> None:
    text = "FROM python:3.11\nENV SENTRY_DSN=https://a@s/1\nENV SENTRY_DNS=https://k@s/1\n"
    [finding] = findings(text, "DJ056")
    assert finding.fix is None


def test_arg_reported_without_fix() -> None:
    text = 'FROM python:3.11\nARG SENTRY_DNS="https://k@s/1" CACHE_HOST=memcache://m\n'
    found = findings(text, "DJ056")
    assert [(f.start.column, f.fix) for f in found] == [(5, None), (32, None)]


COMPOSE = """\
x-env: &env
  SENTRY_DNS: "https://k@s/1"
services:
  web:
    image: app
    environment:
      - "REDIS_HOST=redis://r:6379"
      - DB_HOST=db
  worker:
    image: app
    environment: *env
  beat:
    image: app
    environment: *env
  search:
    image: app
    environment:
      'ES_HOST': http://es:9200  # search
"""


def test_compose_list_and_mapping_forms() -> None:
    found = lint_project({"compose.yaml": COMPOSE}, ["DJ056"])
    assert [(f.line, f.column) for f in found] == [(2, 3), (7, 10), (18, 8)]
    fixed = fix_project({"compose.yaml": COMPOSE}, ["DJ056"], unsafe=True)["compose.yaml"]
    assert fixed == (
        COMPOSE.replace("SENTRY_DNS", "SENTRY_DSN")
        .replace("REDIS_HOST", "REDIS_URL")
        .replace("'ES_HOST'", "'ES_URL'")
    )


def test_compose_no_fix_when_the_new_name_is_set() -> None:
    compose = (
        "services:\n  web:\n    image: app\n    environment:\n"
        "      SENTRY_DSN: https://a@s/1\n      SENTRY_DNS: https://k@s/1\n"
    )
    [finding] = lint_project({"compose.yaml": compose}, ["DJ056"])
    assert not finding.fixable
