"""DJ061: the static-files image should be built on nginx-unprivileged."""

from __future__ import annotations

import pytest

from dockerlint_django.testing import findings, fix_text

BUILD = (
    "FROM python:3.12 AS build-stage\n"
    "WORKDIR /workdir\n"
    "COPY . .\n"
    "RUN python manage.py collectstatic --noinput\n\n"
)
COPY = "COPY --from=build-stage /workdir/static /usr/share/nginx/html/static\n"


@pytest.mark.parametrize(
    ("image", "fixed"),
    [
        ("nginx:1.27", "nginxinc/nginx-unprivileged:1.27"),
        ("nginx", "nginxinc/nginx-unprivileged:latest"),
        ("nginx:stable-alpine", "nginxinc/nginx-unprivileged:stable-alpine"),
        ("docker.io/library/nginx:1.27", "nginxinc/nginx-unprivileged:1.27"),
        ("library/nginx:mainline", "nginxinc/nginx-unprivileged:mainline"),
    ],
)
def test_reported_and_fixed(image: str, fixed: str) -> None:
    text = BUILD + f"FROM {image} AS production-stage\n" + COPY
    found = findings(text, "DJ061", profile="ocp")
    assert len(found) == 1
    f = found[0]
    assert f.start.line == 6 and f.start.column == 6
    assert f.end.column == 6 + len(image)
    assert f.related and f.related[0].message.startswith("the collected static files")
    out, converged = fix_text(text, ["DJ061"], unsafe=True, profile="ocp")
    assert converged
    assert out == BUILD + f"FROM {fixed} AS production-stage\n" + COPY
    assert not findings(out, "DJ061", profile="ocp")
    # Unsafe only: `fix` without --unsafe-fixes leaves it.
    assert fix_text(text, ["DJ061"], profile="ocp")[0] == text


def test_variable_tag_is_kept() -> None:
    text = "ARG V=1.27\n" + BUILD + "FROM nginx:${V}\n" + COPY
    out, _ = fix_text(text, ["DJ061"], unsafe=True, profile="ocp")
    assert "FROM nginxinc/nginx-unprivileged:${V}\n" in out


def test_collectstatic_behind_env() -> None:
    text = (
        "FROM python:3.12 AS collect\nWORKDIR /app\nCOPY . .\n"
        "RUN env SECRET_KEY=x python3 manage.py collectstatic --noinput\n"
        "FROM nginx:1.27\nCOPY --from=collect /app/static/ /usr/share/nginx/html/static/\n"
    )
    assert len(findings(text, "DJ061", profile="ocp")) == 1


def test_no_fix_with_digest_or_run() -> None:
    digest = "nginx:1.27@sha256:" + "a" * 64
    text = BUILD + f"FROM {digest}\n" + COPY
    (f,) = findings(text, "DJ061", profile="ocp")
    assert f.fix is None
    text = BUILD + "FROM nginx:1.27\nRUN rm /etc/nginx/conf.d/default.conf\n" + COPY
    (f,) = findings(text, "DJ061", profile="ocp")
    assert f.fix is None


@pytest.mark.parametrize(
    "text",
    [
        # Already unprivileged.
        BUILD + "FROM nginxinc/nginx-unprivileged:latest\n" + COPY,
        # Another nginx image (not the official one).
        BUILD + "FROM bitnami/nginx:1.27\n" + COPY,
        # No collectstatic stage.
        "FROM node:20 AS build\nRUN npm run build\nFROM nginx:1.27\n"
        "COPY --from=build /app/dist /usr/share/nginx/html\n",
        # Static files from the build context, not a collecting stage.
        "FROM nginx:1.27\nCOPY static /usr/share/nginx/html/static\n",
        # The official image made to run as another user.
        BUILD + "FROM nginx:1.27\n" + COPY + "USER nginx\n",
        # A user not known.
        BUILD + "FROM nginx:1.27\n" + COPY + "USER $APP_USER\n",
        # The final stage is the Django one.
        "FROM nginx:1.27 AS web\n" + BUILD,
    ],
)
def test_not_reported(text: str) -> None:
    assert not findings(text, "DJ061", profile="ocp")


def test_final_stage_from_a_local_nginx_stage() -> None:
    text = BUILD + "FROM nginx:1.27 AS base\nFROM base\n" + COPY
    (f,) = findings(text, "DJ061", profile="ocp")
    assert f.start.line == 6
    out, _ = fix_text(text, ["DJ061"], unsafe=True, profile="ocp")
    assert "FROM nginxinc/nginx-unprivileged:1.27 AS base\nFROM base\n" in out
