"""DJ043: the image sets DJANGO_ENV=production when the settings read it (OCP convention)."""

from __future__ import annotations

from dockerlint_django.testing import fix_project, lint_project

MANAGE = 'import os\n\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")\n'
OCP_SETTINGS = 'import os\n\nproduction = os.getenv("DJANGO_ENV") == "production"\n'
OTHER_SETTINGS = 'import os\n\nDEBUG = os.getenv("DEBUG") == "True"\n'

DOCKERFILE = """\
FROM python:3.11 AS build-stage
WORKDIR /workdir
COPY . .
RUN python manage.py collectstatic --noinput

FROM python:3.11
WORKDIR /workdir
COPY . .
# messages
RUN python manage.py compilemessages
EXPOSE 8000
CMD ["gunicorn", "core.wsgi"]
"""


def _project(dockerfile: str, settings: str | None) -> dict[str, str]:
    files = {"Dockerfile": dockerfile, "manage.py": MANAGE}
    if settings is not None:
        files["core/settings.py"] = settings
    return files


def _found(files: dict[str, str], profile: str = "generic") -> list[tuple[int, int]]:
    return [(f.line, f.column) for f in lint_project(files, ["DJ043"], profile=profile)]


def test_both_stages_reported_and_fixed() -> None:
    files = _project(DOCKERFILE, OCP_SETTINGS)
    assert _found(files) == [(4, 22), (6, 6)]
    fixed = fix_project(files, ["DJ043"], unsafe=True)["Dockerfile"]
    assert fixed == DOCKERFILE.replace(
        "RUN python manage.py collectstatic",
        "ENV DJANGO_ENV=production\nRUN python manage.py collectstatic",
    ).replace("# messages\n", "ENV DJANGO_ENV=production\n# messages\n")
    assert _found(_project(fixed, OCP_SETTINGS)) == []


def test_set_in_the_handbook_way() -> None:
    text = DOCKERFILE.replace("COPY . .\n", "COPY . .\nENV DJANGO_ENV=production\n")
    assert _found(_project(text, OCP_SETTINGS)) == []


def test_settings_that_do_not_read_it() -> None:
    assert _found(_project(DOCKERFILE, OTHER_SETTINGS), profile="ocp") == []


def test_unreadable_settings_only_under_ocp() -> None:
    files = _project(DOCKERFILE, None)
    assert _found(files) == []
    assert _found(files, profile="ocp") == [(4, 22), (6, 6)]


def test_ocp_skips_images_not_plainly_django() -> None:
    flask = 'FROM python:3.11\nCOPY . .\nCMD ["gunicorn", "app:app"]\n'
    assert _found({"Dockerfile": flask}, profile="ocp") == []
    split = (
        "FROM python:3.11\nENV DJANGO_SETTINGS_MODULE=config.settings.production\n"
        'CMD ["gunicorn", "config.wsgi"]\n'
    )
    assert _found({"Dockerfile": split}, profile="ocp") == []
    single = 'FROM python:3.11\nCOPY . .\nCMD ["gunicorn", "core.wsgi"]\n'
    assert _found({"Dockerfile": single}, profile="ocp") == [(1, 6)]


def test_other_value_reported_without_fix() -> None:
    text = 'FROM python:3.11\nCOPY . .\nENV DJANGO_ENV=staging\nCMD ["gunicorn", "core.wsgi"]\n'
    [finding] = lint_project({"Dockerfile": text}, ["DJ043"], profile="ocp")
    assert (finding.line, finding.column) == (3, 5)
    assert not finding.fixable


def test_unknown_value_and_run_local_value_not_reported() -> None:
    unknown = (
        "FROM python:3.11\nARG ENVIRONMENT\nENV DJANGO_ENV=$ENVIRONMENT\n"
        'CMD ["gunicorn", "core.wsgi"]\n'
    )
    assert _found({"Dockerfile": unknown}, profile="ocp") == []
    local = (
        "FROM python:3.11 AS build\nCOPY . .\n"
        "RUN DJANGO_ENV=production python manage.py collectstatic --noinput\n"
        "FROM nginx\nCOPY --from=build /static /usr/share/nginx/html\n"
    )
    assert _found({"Dockerfile": local}, profile="ocp") == []
