"""DJ062 and DJ063: the nginx configuration files a static image copies from its build context."""

from __future__ import annotations

import pytest

from dockerlint_django.testing import ProjectFinding, lint_project, lint_text

UNPRIV = "FROM nginxinc/nginx-unprivileged:latest\n"
COPY_DEFAULT = "COPY default.conf /etc/nginx/conf.d/default.conf\n"
GOOD = "server {\n    listen 8080;\n    server_name localhost;\n    server_tokens off;\n}\n"
BAD = "server {\n    listen       80;\n    listen  [::]:80;\n    server_name localhost;\n}\n"


def _run(files: dict[str, str], code: str) -> list[ProjectFinding]:
    return [f for f in lint_project(files, [code], profile="ocp") if f.code == code]


def test_dj062_reports_each_privileged_listen() -> None:
    found = _run({"Dockerfile": UNPRIV + COPY_DEFAULT, "default.conf": BAD}, "DJ062")
    assert [(f.path, f.line, f.column) for f in found] == [
        ("default.conf", 2, 18),
        ("default.conf", 3, 13),
    ]
    assert all(f.severity == "warning" and f.fix is None for f in found)
    assert found[0].related == (("Dockerfile", 2, "/etc/nginx/conf.d/default.conf is copied here"),)
    assert "uid 101" in found[0].message and "`listen 8080;`" in found[0].message
    assert "`listen [::]:8080;`" in found[1].message


def test_dj062_clean_conf() -> None:
    assert not _run({"Dockerfile": UNPRIV + COPY_DEFAULT, "default.conf": GOOD}, "DJ062")


@pytest.mark.parametrize(
    "dockerfile",
    [
        # Run as root: it may bind 80.
        UNPRIV + "USER root\n" + COPY_DEFAULT,
        # The official image runs its master as root.
        "FROM nginx:1.27\n" + COPY_DEFAULT,
        # Not an nginx image this tool knows.
        "FROM debian:12\nRUN apt-get install -y nginx\n" + COPY_DEFAULT,
        # A conf.d file that does not end in .conf is not loaded by the stock main file.
        UNPRIV + "COPY default.conf /etc/nginx/conf.d/default\n",
        # Somewhere else.
        UNPRIV + "COPY default.conf /srv/default.conf\n",
        # The user is not known.
        UNPRIV + COPY_DEFAULT + "USER $APP\n",
    ],
)
def test_dj062_not_reported(dockerfile: str) -> None:
    assert not _run({"Dockerfile": dockerfile, "default.conf": BAD}, "DJ062")


def test_dj062_official_image_as_non_root() -> None:
    files = {"Dockerfile": "FROM nginx:1.27\n" + COPY_DEFAULT + "USER nginx\n", "default.conf": BAD}
    found = _run(files, "DJ062")
    assert len(found) == 2 and "nginx runs as nginx" in found[0].message


def test_dj062_user_restored_after_root() -> None:
    dockerfile = (
        UNPRIV + "USER root\nCOPY --chown=nginx:root default.conf /etc/nginx/conf.d/\nUSER nginx\n"
    )
    assert len(_run({"Dockerfile": dockerfile, "default.conf": BAD}, "DJ062")) == 2


def test_dj062_folder_copy_and_template() -> None:
    files = {
        "Dockerfile": UNPRIV + "COPY nginx/ /etc/nginx/\n",
        "nginx/conf.d/app.conf": "server { listen 443 ssl; }\n",
        "nginx/conf.d/notes.txt": "listen 80;\n",
        "nginx/templates/default.conf.template": "server {\n  listen 80;\n  listen ${PORT};\n}\n",
    }
    found = _run(files, "DJ062")
    assert sorted((f.path, f.line) for f in found) == [
        ("nginx/conf.d/app.conf", 1),
        ("nginx/templates/default.conf.template", 2),
    ]


def test_dj062_main_file_decides_what_is_loaded() -> None:
    main = "events {}\nhttp {\n    server { listen 8081; }\n}\n"
    files = {
        "Dockerfile": UNPRIV + "COPY nginx.conf /etc/nginx/nginx.conf\n" + COPY_DEFAULT,
        "nginx.conf": main,
        "default.conf": BAD,
    }
    assert not _run(files, "DJ062")  # conf.d is not included
    files["nginx.conf"] = "events {}\nhttp {\n    include conf.d/*.conf;\n}\n"
    assert len(_run(files, "DJ062")) == 2
    files["nginx.conf"] = "events {}\nhttp {\n    server { listen 81; }\n}\n"
    (f,) = _run(files, "DJ062")
    assert (f.path, f.line) == ("nginx.conf", 3)


def test_dj062_later_copy_or_rm_wins() -> None:
    files = {
        "Dockerfile": UNPRIV + COPY_DEFAULT + "COPY good.conf /etc/nginx/conf.d/default.conf\n",
        "default.conf": BAD,
        "good.conf": GOOD,
    }
    assert not _run(files, "DJ062")
    files["Dockerfile"] = UNPRIV + COPY_DEFAULT + "RUN rm -f /etc/nginx/conf.d/default.conf\n"
    assert not _run(files, "DJ062")
    files["Dockerfile"] = UNPRIV + "RUN rm /etc/nginx/conf.d/*\n" + COPY_DEFAULT
    assert len(_run(files, "DJ062")) == 2


@pytest.mark.parametrize(
    "conf",
    [
        "server {\n    listen 80;\n",  # unbalanced: nginx stops, nothing known
        'server { return 200 "x; }\n',
        "server { listen 80; }\0\n",
    ],
)
def test_unparsable_conf_is_unknown(conf: str) -> None:
    files = {"Dockerfile": UNPRIV + COPY_DEFAULT, "default.conf": conf}
    assert not _run(files, "DJ062")
    assert not _run(files, "DJ063")


def test_without_a_build_context_nothing_is_known() -> None:
    text = UNPRIV + COPY_DEFAULT
    assert not [f for f in lint_text(text, ["DJ062", "DJ063"], profile="ocp").findings]


# -- DJ063 -------------------------------------------------------------------------------------


def test_dj063_reports_each_server_block() -> None:
    conf = "server {\n    listen 8080;\n}\nserver {\n    listen 8081;\n    server_tokens on;\n}\n"
    found = _run({"Dockerfile": UNPRIV + COPY_DEFAULT, "default.conf": conf}, "DJ063")
    assert [(f.line, f.column) for f in found] == [(1, 1), (6, 19)]
    assert all(f.severity == "info" and f.fix is None for f in found)
    assert found[0].related == (("Dockerfile", 2, "/etc/nginx/conf.d/default.conf is copied here"),)
    assert "`server_tokens on;`" in found[1].message


@pytest.mark.parametrize(
    ("files", "dockerfile"),
    [
        # Set in the server block.
        ({"default.conf": GOOD}, UNPRIV + COPY_DEFAULT),
        # At the top of a conf.d file: the http block, for every server.
        (
            {
                "default.conf": "server_tokens off;\nserver { listen 8080; }\n"
                "server { listen 8081; }\n"
            },
            UNPRIV + COPY_DEFAULT,
        ),
        # In another conf.d file's top level.
        (
            {"default.conf": "server { listen 8080; }\n", "security.conf": "server_tokens off;\n"},
            UNPRIV + COPY_DEFAULT + "COPY security.conf /etc/nginx/conf.d/\n",
        ),
        # In a copied main file's http block.
        (
            {
                "default.conf": "server { listen 8080; }\n",
                "nginx.conf": "events {}\nhttp {\n  server_tokens off;\n"
                "  include /etc/nginx/conf.d/*.conf;\n}\n",
            },
            UNPRIV + COPY_DEFAULT + "COPY nginx.conf /etc/nginx/nginx.conf\n",
        ),
        # An include the server reads may set it.
        ({"default.conf": "server {\n  include snippets/common.conf;\n}\n"}, UNPRIV + COPY_DEFAULT),
        # A conf.d file's top-level include may set it for http.
        (
            {"default.conf": "include /etc/nginx/extra/*.conf;\nserver { listen 8080; }\n"},
            UNPRIV + COPY_DEFAULT,
        ),
        # A RUN that edits the configuration.
        (
            {"default.conf": "server { listen 8080; }\n"},
            UNPRIV + COPY_DEFAULT + "RUN sed -i 's/x/y/' /etc/nginx/nginx.conf\n",
        ),
        # A file copied from another stage.
        (
            {"default.conf": "server { listen 8080; }\n"},
            "FROM alpine AS conf\nRUN echo x > /x.conf\n"
            + UNPRIV
            + COPY_DEFAULT
            + "COPY --from=conf /x.conf /etc/nginx/conf.d/x.conf\n",
        ),
        # A copied main file that includes a file not read here.
        (
            {
                "default.conf": "server { listen 8080; }\n",
                "nginx.conf": "events {}\nhttp {\n  include /etc/nginx/conf.d/*.conf;\n"
                "  include /run/x;\n}\n",
            },
            UNPRIV + COPY_DEFAULT + "COPY nginx.conf /etc/nginx/nginx.conf\n",
        ),
        # A value from a variable (a template).
        (
            {"t.conf.template": "server {\n  server_tokens ${TOKENS};\n}\n"},
            UNPRIV + "COPY t.conf.template /etc/nginx/templates/\n",
        ),
    ],
)
def test_dj063_not_reported(files: dict[str, str], dockerfile: str) -> None:
    assert not _run({"Dockerfile": dockerfile, **files}, "DJ063")


def test_dj063_stock_includes_are_known() -> None:
    conf = "server {\n  listen 8080;\n  location / {\n    include fastcgi_params;\n  }\n}\n"
    found = _run({"Dockerfile": UNPRIV + COPY_DEFAULT, "default.conf": conf}, "DJ063")
    assert len(found) == 1
    conf = "server {\n  listen 8080;\n  include mime.types;\n}\n"
    assert len(_run({"Dockerfile": UNPRIV + COPY_DEFAULT, "default.conf": conf}, "DJ063")) == 1


def test_dj063_main_file_servers() -> None:
    main = "events {}\nhttp {\n  include mime.types;\n  server {\n    listen 8080;\n  }\n}\n"
    files = {"Dockerfile": UNPRIV + "COPY nginx.conf /etc/nginx/nginx.conf\n", "nginx.conf": main}
    (f,) = _run(files, "DJ063")
    assert (f.path, f.line, f.column) == ("nginx.conf", 4, 3)


def test_dj063_rm_of_default_is_known() -> None:
    files = {
        "Dockerfile": UNPRIV
        + "RUN rm /etc/nginx/conf.d/default.conf\nCOPY app.conf /etc/nginx/conf.d/\n",
        "app.conf": "server { listen 8080; }\n",
    }
    assert len(_run(files, "DJ063")) == 1


def test_compose_service_gives_one_finding() -> None:
    files = {
        "Dockerfile": UNPRIV + COPY_DEFAULT,
        "default.conf": BAD,
        "compose.yaml": "services:\n  static:\n    build: .\n    ports:\n      - '8080:8080'\n",
    }
    found = [f for f in lint_project(files, ["DJ062", "DJ063"], profile="ocp")]
    assert sorted((f.code, f.line) for f in found) == [("DJ062", 2), ("DJ062", 3), ("DJ063", 1)]


@pytest.mark.parametrize(
    "tail",
    [
        # A script of the entrypoint's own hooks runs first: it may rewrite the configuration.
        "COPY 30-port.sh /docker-entrypoint.d/\n",
        # Another start command may too.
        'ENTRYPOINT ["/start.sh"]\n',
        "CMD sed -i s/80/8080/ /etc/nginx/conf.d/default.conf && nginx -g 'daemon off;'\n",
        # nginx told to read another main file.
        'CMD ["nginx", "-c", "/srv/nginx.conf", "-g", "daemon off;"]\n',
    ],
)
def test_start_that_may_rewrite_the_conf_is_unknown(tail: str) -> None:
    files = {"Dockerfile": UNPRIV + COPY_DEFAULT + tail, "default.conf": BAD, "30-port.sh": ""}
    files["start.sh"] = "#!/bin/sh\nexec nginx -g 'daemon off;'\n"
    assert not _run(files, "DJ062")
    assert not _run(files, "DJ063")


@pytest.mark.parametrize(
    "tail",
    ['CMD ["nginx", "-g", "daemon off;"]\n', 'ENTRYPOINT ["nginx", "-g", "daemon off;"]\n'],
)
def test_nginx_started_directly(tail: str) -> None:
    files = {"Dockerfile": UNPRIV + COPY_DEFAULT + tail, "default.conf": BAD}
    assert len(_run(files, "DJ062")) == 2
