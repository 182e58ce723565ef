"""Gunicorn config files are read from the build context the way the image would load them."""

from __future__ import annotations

from pathlib import Path

from dockerlint_django.testing import lint_text

CMD = 'CMD ["gunicorn", "core.wsgi"]\n'


def codes(folder: Path, dockerfile: str, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    path = folder / "Dockerfile"
    path.write_text(dockerfile, encoding="utf-8")
    result = lint_text(dockerfile, ["DJ011", "DJ022"], real_path=path)
    return sorted(f.code for f in result.findings)


def test_implicit_config_copied_into_workdir_is_read(tmp_path: Path) -> None:
    conf = {"gunicorn.conf.py": 'worker_tmp_dir = "/dev/shm"\nworkers = 3\n'}
    dockerfile = f"FROM python:3.11\nWORKDIR /app\nCOPY . .\n{CMD}"
    assert codes(tmp_path, dockerfile, conf) == []


def test_no_config_in_the_context_means_gunicorn_defaults(tmp_path: Path) -> None:
    dockerfile = f"FROM python:3.11\nWORKDIR /app\nCOPY . .\n{CMD}"
    assert codes(tmp_path, dockerfile, {}) == ["DJ011", "DJ022"]


def test_config_copied_elsewhere_is_not_loaded(tmp_path: Path) -> None:
    conf = {"gunicorn.conf.py": 'worker_tmp_dir = "/dev/shm"\nworkers = 3\n'}
    dockerfile = f"FROM python:3.11\nWORKDIR /app\nCOPY . /src\n{CMD}"
    assert codes(tmp_path, dockerfile, conf) == ["DJ011", "DJ022"]


def test_explicit_config_is_found_through_its_copy(tmp_path: Path) -> None:
    conf = {"conf/gunicorn.py": "import multiprocessing\nworkers = multiprocessing.cpu_count()\n"}
    dockerfile = (
        "FROM python:3.11\nWORKDIR /app\nCOPY conf/gunicorn.py /etc/gunicorn.py\n"
        'CMD ["gunicorn", "-c", "/etc/gunicorn.py", "core.wsgi"]\n'
    )
    # workers is set (to an unknown value), worker_tmp_dir is not set at all.
    assert codes(tmp_path, dockerfile, conf) == ["DJ022"]


def test_config_from_another_stage_is_unknown(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.11 AS build\nWORKDIR /app\n"
        "FROM python:3.11\nWORKDIR /app\nCOPY --from=build /app /app\n" + CMD
    )
    assert codes(tmp_path, dockerfile, {}) == []


def test_config_with_a_syntax_error_is_unknown(tmp_path: Path) -> None:
    conf = {"gunicorn.conf.py": "workers = (\n"}
    dockerfile = f"FROM python:3.11\nWORKDIR /app\nCOPY . .\n{CMD}"
    assert codes(tmp_path, dockerfile, conf) == []


def test_without_a_build_context_the_implicit_config_is_unknown() -> None:
    dockerfile = f"FROM python:3.11\nWORKDIR /app\nCOPY . .\n{CMD}"
    assert [f.code for f in lint_text(dockerfile, ["DJ011", "DJ022"]).findings] == []


def test_reload_in_the_config_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "gunicorn.conf.py").write_text("reload = True\n", encoding="utf-8")
    dockerfile = f"FROM python:3.11\nWORKDIR /app\nCOPY . .\n{CMD}"
    path = tmp_path / "Dockerfile"
    path.write_text(dockerfile, encoding="utf-8")
    found = lint_text(dockerfile, ["DJ026"], real_path=path).findings
    assert [(f.code, f.start.line) for f in found] == [("DJ026", 4)]


DJ040_DOCKERFILE = (
    "FROM python:3.11 AS build-stage\nWORKDIR /workdir\nCOPY . .\n"
    "RUN python manage.py collectstatic --noinput\n"
    "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n" + CMD
)
MANAGE = 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")\n'


def dj040(folder: Path, settings: str | None) -> list[str]:
    files = {"manage.py": MANAGE}
    if settings is not None:
        files["core/settings.py"] = settings
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    dockerfile = folder / "Dockerfile"
    dockerfile.write_text(DJ040_DOCKERFILE, encoding="utf-8")
    result = lint_text(DJ040_DOCKERFILE, ["DJ040"], real_path=dockerfile)
    return [f.severity.label for f in result.findings]


def test_dj040_is_an_error_with_manifest_storage(tmp_path: Path) -> None:
    settings = (
        'STORAGES = {"staticfiles": {"BACKEND": '
        '"django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}\n'
    )
    assert dj040(tmp_path, settings) == ["error"]


def test_dj040_is_silent_without_a_manifest(tmp_path: Path) -> None:
    assert dj040(tmp_path, 'STATIC_ROOT = "/workdir/static"\n') == []


def test_dj040_is_a_warning_when_settings_cannot_be_read(tmp_path: Path) -> None:
    assert dj040(tmp_path, None) == ["warning"]


def test_gunicorn_pin_is_read_through_nested_requirements(tmp_path: Path) -> None:
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "base.txt").write_text("gunicorn[setproctitle]==26.0.0\n")
    (tmp_path / "requirements.txt").write_text("-r requirements/base.txt\nDjango==5.2\n")
    dockerfile = (
        "FROM python:3.11\nWORKDIR /app\nCOPY . .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n"
        'CMD ["gunicorn", "-k", "eventlet", "core.wsgi"]\n'
    )
    path = tmp_path / "Dockerfile"
    path.write_text(dockerfile, encoding="utf-8")
    found = lint_text(dockerfile, ["DJ015"], real_path=path).findings
    assert [(f.code, f.severity.label) for f in found] == [("DJ015", "error")]
    assert "Gunicorn 26.0.0" in found[0].message


MANIFEST_SETTINGS = (
    "from pathlib import Path\n"
    "BASE_DIR = Path(__file__).resolve().parent.parent\n"
    'STATIC_ROOT = BASE_DIR / "static"\n'
    'STORAGES = {"staticfiles": {"BACKEND": '
    '"django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}\n'
)


def dj040_copy(folder: Path, copy_line: str) -> list[tuple[str, str, int]]:
    for name, text in {"manage.py": MANAGE, "core/settings.py": MANIFEST_SETTINGS}.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    dockerfile = (
        "FROM python:3.11 AS build-stage\nWORKDIR /workdir\nCOPY . .\n"
        "RUN python manage.py collectstatic --noinput\n"
        f"FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n{copy_line}\n" + CMD
    )
    path = folder / "Dockerfile"
    path.write_text(dockerfile, encoding="utf-8")
    found = lint_text(dockerfile, ["DJ040"], real_path=path).findings
    return [(f.code, f.severity.label, f.start.line) for f in found]


def test_dj040_manifest_copied_to_static_root(tmp_path: Path) -> None:
    line = (
        "COPY --from=build-stage /workdir/static/staticfiles.json /workdir/static/staticfiles.json"
    )
    assert dj040_copy(tmp_path, line) == []


def test_dj040_whole_static_root_copied(tmp_path: Path) -> None:
    assert dj040_copy(tmp_path, "COPY --from=build-stage /workdir/static /workdir/static") == []


def test_dj040_manifest_copied_elsewhere(tmp_path: Path) -> None:
    line = "COPY --from=build-stage /workdir/static/staticfiles.json /app/static/staticfiles.json"
    assert dj040_copy(tmp_path, line) == [("DJ040", "warning", 8)]


def test_dj040_static_named_folder_that_is_not_static_root(tmp_path: Path) -> None:
    # Before settings were read this passed as "a folder named like a static root".
    line = "COPY --from=build-stage /workdir/assets/static /workdir/assets/static"
    assert dj040_copy(tmp_path, line) == [("DJ040", "error", 5)]


def test_dj023_never_names_the_process_after_the_build_context_folder(tmp_path: Path) -> None:
    # The folder is the clone's name on the machine that checks it, not the project's: a fix
    # would give every checkout a different process title. With a generic WSGI package (core)
    # and no configured project name there is no name to offer.
    folder = tmp_path / "Data Registry"
    folder.mkdir()
    dockerfile = 'FROM python:3.11\nCMD ["gunicorn", "core.wsgi"]\n'
    path = folder / "Dockerfile"
    path.write_text(dockerfile, encoding="utf-8")
    [finding] = lint_text(dockerfile, ["DJ023"], real_path=path).findings
    assert finding.fix is None


def test_dj027_fix_serves_the_settings_wsgi_application(tmp_path: Path) -> None:
    files = {
        "manage.py": MANAGE,
        "core/settings.py": 'WSGI_APPLICATION = "core.wsgi.application"\n',
        "requirements.txt": "Django==5.2\ngunicorn==26.0.0\n",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    dockerfile = (
        "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n"
        'CMD ["python", "manage.py", "runserver", "0.0.0.0:8080"]\n'
    )
    path = tmp_path / "Dockerfile"
    path.write_text(dockerfile, encoding="utf-8")
    [finding] = lint_text(dockerfile, ["DJ027"], real_path=path).findings
    assert finding.fix is not None
    assert [e.content for e in finding.fix.edits] == [
        '["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8080"]'
    ]
    # Without a Gunicorn pin in what the image installs, no fix is offered.
    path = tmp_path / "requirements.txt"
    path.write_text("Django==5.2\n", encoding="utf-8")
    [finding] = lint_text(dockerfile, ["DJ027"], real_path=tmp_path / "Dockerfile").findings
    assert finding.fix is None
