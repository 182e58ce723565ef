"""DJ053 bind-mount-target-not-created: a bind-mounted folder the service's image lacks."""

from __future__ import annotations

from dockerlint_django.testing import ProjectFinding, lint_project

DOCKERFILE = 'FROM python:3.11\nWORKDIR /workdir\nCOPY manage.py .\nCMD ["gunicorn", "core.wsgi"]\n'


def _lint(volumes: str, dockerfile: str = DOCKERFILE, **files: str) -> list[ProjectFinding]:
    compose = "services:\n  web:\n    build: .\n    volumes:\n" + volumes
    project = {"Dockerfile": dockerfile, "compose.yaml": compose, "manage.py": "", **files}
    return [f for f in lint_project(project, ["DJ053"], profile="ocp") if f.code == "DJ053"]


def test_short_syntax_points_at_the_target() -> None:
    found = _lint("      - /data/storage/collect:/data/collect\n")
    assert [(f.path, f.line, f.column, f.severity) for f in found] == [
        ("compose.yaml", 5, 31, "info")
    ]
    assert "RUN mkdir -p /data/collect" in found[0].message
    assert found[0].related[0][:2] == ("Dockerfile", 1)


def test_long_syntax_bind() -> None:
    volumes = "      - type: bind\n        source: ./media\n        target: /data/media\n"
    found = _lint(volumes)
    assert [(f.line, f.column) for f in found] == [(7, 17)]


def test_created_by_mkdir_workdir_copy_or_volume() -> None:
    volume = "      - /srv/collect:/data/collect\n"
    head = "FROM python:3.11\n"
    tail = 'COPY manage.py /workdir/\nCMD ["gunicorn", "core.wsgi"]\n'
    assert _lint(volume, head + "RUN mkdir -p /data/collect/x\n" + tail) == []
    assert _lint(volume, head + "WORKDIR /data/collect\n" + tail) == []
    assert _lint(volume, head + "COPY manage.py /data/collect/\n" + tail) == []
    assert _lint(volume, head + "VOLUME /data/collect\n" + tail) == []


def test_parent_created_is_not_enough() -> None:
    dockerfile = "FROM python:3.11\nRUN mkdir -p /data\n" + DOCKERFILE.split("\n", 1)[1]
    assert len(_lint("      - /srv/collect:/data/collect\n", dockerfile)) == 1


def test_copy_of_the_context_brings_the_folder() -> None:
    dockerfile = 'FROM python:3.11\nCOPY . /app\nCMD ["gunicorn", "core.wsgi"]\n'
    volume = "      - ./media:/app/media\n"
    assert _lint(volume, dockerfile, **{"media/a.png": ""}) == []
    assert len(_lint(volume, dockerfile)) == 1


def test_unknown_run_words_may_create_it() -> None:
    dockerfile = (
        'FROM python:3.11\nENV D=/data/x\nRUN mkdir -p "$D"\nCOPY manage.py /w/\n'
        'CMD ["gunicorn", "core.wsgi"]\n'
    )
    assert _lint("      - /srv/x:/data/y\n", dockerfile) == []


def test_volumes_and_system_folders_are_not_reported() -> None:
    volumes = (
        "      - static:/data/static\n"
        "      - /data/anonymous\n"
        "      - /var/run/docker.sock:/var/run/docker.sock\n"
        "      - ./tmp:/tmp/x\n"
        "      - /etc/ssl:/etc/ssl/host\n"
    )
    compose_tail = "volumes:\n  static:\n"
    project = {
        "Dockerfile": DOCKERFILE,
        "compose.yaml": "services:\n  web:\n    build: .\n    volumes:\n" + volumes + compose_tail,
        "manage.py": "",
    }
    assert [f for f in lint_project(project, ["DJ053"], profile="ocp") if f.code == "DJ053"] == []


def test_file_mounts_are_not_reported() -> None:
    assert _lint("      - ./gunicorn.conf.py:/data/gunicorn.conf.py\n") == []
    assert _lint("      - ./settings.py:/data/settings\n") == []


def test_unknown_interpolation() -> None:
    assert _lint("      - ./x:${TARGET}\n") == []


def test_only_django_images_from_known_bases() -> None:
    not_django = 'FROM python:3.11\nCOPY app.py /w/\nCMD ["python", "app.py"]\n'
    assert _lint("      - /srv/x:/data/x\n", not_django) == []
    other_base = DOCKERFILE.replace("python:3.11", "ghcr.io/example/base:1")
    assert _lint("      - /srv/x:/data/x\n", other_base) == []


def test_on_only_in_the_ocp_profile() -> None:
    from dockerlint_django import rules

    assert "DJ053" in rules.default_codes("ocp")
    assert "DJ053" not in rules.default_codes("generic")


def test_heredoc_and_scripts_may_create_it() -> None:
    volume = "      - /srv/c:/data/collect\n"
    tail = 'COPY manage.py /w/\nCMD ["gunicorn", "core.wsgi"]\n'
    heredoc = "FROM python:3.11\nRUN <<EOT\nset -e\nmkdir -p /data/collect\nEOT\n" + tail
    assert _lint(volume, heredoc) == []
    for run in ("./setup.sh", "sh setup.sh", "python manage.py collectstatic --noinput"):
        assert _lint(volume, f"FROM python:3.11\nRUN {run}\n" + tail) == [], run
    for run in ("python -m pip install django", "python manage.py compilemessages"):
        assert len(_lint(volume, f"FROM python:3.11\nRUN {run}\n" + tail)) == 1, run
