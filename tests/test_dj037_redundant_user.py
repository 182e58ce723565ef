"""DJ037: USER root and back to the same user with nothing in between that runs as a user."""

from __future__ import annotations

import pytest

from dockerlint_django.testing import findings, fix_text


def _fix(text: str) -> str:
    fixed, converged = fix_text(text, ["DJ037"])
    assert converged
    return fixed


NGINX = (
    "FROM nginxinc/nginx-unprivileged:1.27\n"
    "USER root\n"
    "# the site's configuration\n"
    "COPY --chown=nginx:root default.conf /etc/nginx/conf.d/default.conf\n"
    "USER nginx\n"
)


def test_name_equals_the_base_images_uid() -> None:
    [finding] = findings(NGINX, "DJ037")
    assert (finding.start.line, finding.start.column) == (2, 6)
    assert finding.related[0].message == "switches back to 101"
    assert _fix(NGINX) == (
        "FROM nginxinc/nginx-unprivileged:1.27\n"
        "# the site's configuration\n"
        "COPY --chown=nginx:root default.conf /etc/nginx/conf.d/default.conf\n"
    )


def test_same_name_in_the_stage() -> None:
    text = (
        "FROM python:3.11\nRUN useradd app\nUSER app\nUSER root\n"
        'COPY a /a\nENV X=1\nLABEL a=b\nUSER app\nCMD ["app"]\n'
    )
    assert len(findings(text, "DJ037")) == 1
    assert (
        _fix(text) == "FROM python:3.11\nRUN useradd app\nUSER app\n"
        'COPY a /a\nENV X=1\nLABEL a=b\nCMD ["app"]\n'
    )


def test_uid_after_a_name_keeps_the_numeric_user() -> None:
    text = "FROM python:3.11\nRUN useradd -u 1000 app\nUSER app\nUSER root\nCOPY a /a\nUSER 1000\n"
    [finding] = findings(text, "DJ037")
    assert finding.fix is not None
    assert (
        _fix(text) == "FROM python:3.11\nRUN useradd -u 1000 app\nUSER app\nCOPY a /a\nUSER 1000\n"
    )


@pytest.mark.parametrize(
    "between",
    ["RUN chown app /a", "ONBUILD RUN id", "WORKDIR /srv", "VOLUME /data"],
)
def test_instructions_that_depend_on_the_user_end_the_pair(between: str) -> None:
    text = f"FROM python:3.11\nRUN useradd app\nUSER app\nUSER root\n{between}\nUSER app\n"
    assert findings(text, "DJ037") == [], between


@pytest.mark.parametrize(
    "text",
    [
        # Not back to the same user.
        "FROM python:3.11\nRUN useradd app && useradd other\n"
        "USER app\nUSER root\nCOPY a /a\nUSER other\n",
        # A group part that differs.
        "FROM python:3.11\nRUN useradd app\nUSER app\nUSER root\nCOPY a /a\nUSER app:app\n",
        # Root at the end of the stage: the image runs as root.
        "FROM python:3.11\nRUN useradd app\nUSER app\nUSER root\nCOPY a /a\n",
        # Root before too.
        "FROM python:3.11\nUSER root\nCOPY a /a\nUSER root\n",
        # An unknown user before, and one whose uid is not known.
        "FROM example/unknown\nUSER root\nCOPY a /a\nUSER app\n",
        "FROM python:3.11\nRUN useradd app\nUSER app\nUSER root\nCOPY a /a\nUSER 1000\n",
        "FROM python:3.11\nARG U\nUSER app\nUSER root\nCOPY a /a\nUSER $U\n",
    ],
)
def test_not_reported(text: str) -> None:
    assert findings(text, "DJ037") == []


def test_off_by_default() -> None:
    from dockerlint_django import rules

    assert "DJ037" not in rules.default_codes("generic")
    assert "DJ037" not in rules.default_codes("ocp")
