"""DJ040's fix: the handbook's manifest COPY, inserted after the final stage's project COPY."""

from __future__ import annotations

from pathlib import Path

from dockerlint_django.fix import apply_fixes
from dockerlint_django.rules._handbook import MANIFEST_COMMENT, manifest_copy
from dockerlint_django.testing import fix_project, lint_project, lint_text

HANDBOOK = Path("dockerlint_django/handbook/cookiecutter-django/{{cookiecutter.project_slug}}")
MANAGE = 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")\n'
SETTINGS = (
    "from pathlib import Path\n"
    "BASE_DIR = Path(__file__).resolve().parent.parent\n"
    'STATIC_ROOT = BASE_DIR / "static"\n'
    'STORAGES = {"staticfiles": {"BACKEND": '
    '"django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}\n'
)
CMD = 'CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]\n'
BUILD = (
    "FROM python:3.11 AS build-stage\nWORKDIR /workdir\nCOPY . .\n"
    "RUN python manage.py collectstatic --noinput\n\n"
)
LINE = manifest_copy(
    "build-stage", None, "/workdir/static/staticfiles.json", "/workdir/static/staticfiles.json"
)


def project(dockerfile: str, settings: str | None = SETTINGS) -> dict[str, str]:
    files = {"Dockerfile": dockerfile, "manage.py": MANAGE}
    if settings is not None:
        files["core/settings.py"] = settings
    return files


def fixes(files: dict[str, str]) -> list[str | None]:
    return [f.fix for f in lint_project(files, ["DJ040"]) if f.code == "DJ040"]


def fixed(files: dict[str, str]) -> str:
    out = fix_project(files, ["DJ040"], unsafe=True)
    # Converged: nothing left to report, and fixing again changes nothing.
    assert [f for f in lint_project(out, ["DJ040"]) if f.code == "DJ040"] == []
    assert fix_project(out, ["DJ040"], unsafe=True) == out
    return out["Dockerfile"]


def rendered_template() -> str:
    """The handbook's Dockerfile_django as cookiecutter renders it with use_fathom=y."""
    text = (HANDBOOK / "Dockerfile_django").read_text(encoding="utf-8")
    text = text.replace('{% if cookiecutter.use_fathom == "y" -%}\n', "")
    text = text.replace("{% endif -%}\n", "")
    text = text.replace('\n{%- if cookiecutter.use_fathom == "y" %}', "")
    text = text.replace("\n{%- endif %}", "")
    text = text.replace("{{ cookiecutter.python_version }}", "3.11")
    return text.replace("{{ cookiecutter.project_slug }}", "example")


def test_handbook_template_gets_its_line_back() -> None:
    template = rendered_template()
    comment_line = MANIFEST_COMMENT + "\n"
    copy_line = (
        manifest_copy(
            "build-stage",
            "runner:runner",
            "/workdir/static/staticfiles.json",
            "/workdir/static/staticfiles.json",
        )
        + "\n"
    )
    assert comment_line + copy_line in template
    broken = template.replace("\n" + comment_line + copy_line, "")
    assert broken != template
    assert fixes(project(broken)) == ["unsafe"]
    assert fixed(project(broken)) == template
    assert fixes(project(template)) == []


def test_docs_example_shape() -> None:
    dockerfile = BUILD + "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n" + CMD
    assert fixed(project(dockerfile)) == (
        BUILD + "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n\n"
        f"{MANIFEST_COMMENT}\n{LINE}\n" + CMD
    )


def test_unnamed_stage_is_referred_to_by_index() -> None:
    dockerfile = (
        "FROM python:3.11\nWORKDIR /src\nCOPY . .\nRUN python manage.py collectstatic --noinput\n"
        "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n" + CMD
    )
    line = manifest_copy(
        "0", None, "/src/static/staticfiles.json", "/workdir/static/staticfiles.json"
    )
    assert f"COPY . .\n\n{MANIFEST_COMMENT}\n{line}\nCMD" in fixed(project(dockerfile))


def test_stage_name_as_written() -> None:
    dockerfile = BUILD.replace("build-stage", "Build") + (
        "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n" + CMD
    )
    assert "COPY --from=Build /workdir/static/" in fixed(project(dockerfile))


def test_root_final_stage_has_no_chown() -> None:
    dockerfile = BUILD + "FROM python:3.11\nWORKDIR /workdir\nUSER root\nCOPY . .\n" + CMD
    out = fixed(project(dockerfile))
    assert f"\n{LINE}\n" in out and "--chown" not in out


def test_user_with_uid() -> None:
    dockerfile = BUILD + "FROM python:3.11\nWORKDIR /workdir\nUSER 1000:1000\nCOPY . .\n" + CMD
    line = manifest_copy(
        "build-stage",
        "1000:1000",
        "/workdir/static/staticfiles.json",
        "/workdir/static/staticfiles.json",
    )
    assert f"\n{line}\n" in fixed(project(dockerfile))


def test_user_switched_after_the_copy_is_not_the_owner() -> None:
    dockerfile = BUILD + "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\nUSER runner\n" + CMD
    assert "--chown" not in fixed(project(dockerfile))


def test_user_in_a_variable_gets_no_fix() -> None:
    dockerfile = (
        BUILD + "FROM python:3.11\nARG APP_USER=app\nWORKDIR /workdir\nUSER $APP_USER\nCOPY . .\n"
    ) + CMD
    assert fixes(project(dockerfile)) == [None]


def test_unknown_base_user_gets_no_fix() -> None:
    dockerfile = BUILD + "FROM example.com/base:1\nWORKDIR /workdir\nCOPY . .\n" + CMD
    assert fixes(project(dockerfile)) == [None]


def test_several_collecting_stages_get_no_fix() -> None:
    dockerfile = (
        BUILD + "FROM build-stage AS test\nRUN python manage.py test\n\n"
        "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n" + CMD
    )
    assert fixes(project(dockerfile)) == [None]


def test_unknown_static_root_gets_no_fix() -> None:
    settings = SETTINGS.replace('BASE_DIR / "static"', 'os.environ["STATIC_ROOT"]')
    dockerfile = BUILD + "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n" + CMD
    assert fixes(project(dockerfile, "import os\n" + settings)) == [None]
    # Without settings at all the finding is a warning, with no fix.
    assert fixes(project(dockerfile, None)) == [None]


def test_static_root_relative_to_the_working_directory_gets_no_fix() -> None:
    settings = SETTINGS.replace('BASE_DIR / "static"', '"static"')
    dockerfile = BUILD + "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n" + CMD
    assert fixes(project(dockerfile, settings)) == [None]


def test_whitenoise_storage_gets_no_fix() -> None:
    settings = SETTINGS.replace(
        "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    )
    dockerfile = BUILD + "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n" + CMD
    assert fixes(project(dockerfile, settings)) == [None]


def test_absolute_static_root_and_different_workdirs() -> None:
    settings = SETTINGS.replace('BASE_DIR / "static"', '"/srv/static"')
    dockerfile = (
        "FROM python:3.11 AS build\nWORKDIR /build\nCOPY . .\n"
        "RUN python manage.py collectstatic --noinput\n"
        "FROM python:3.11\nWORKDIR /app\nCOPY . .\n" + CMD
    )
    line = manifest_copy(
        "build", None, "/srv/static/staticfiles.json", "/srv/static/staticfiles.json"
    )
    assert f"\n{line}\n" in fixed(project(dockerfile, settings))


def test_no_project_copy_gets_no_fix() -> None:
    dockerfile = BUILD + "FROM python:3.11\nWORKDIR /workdir\nCOPY manage.py .\n" + CMD
    assert fixes(project(dockerfile)) == [None]


def test_inserted_after_the_last_project_copy() -> None:
    dockerfile = (
        BUILD + "FROM python:3.11\nWORKDIR /workdir\nCOPY requirements.txt .\nCOPY . .\n"
        "COPY docker/entrypoint.sh /entrypoint.sh\n" + CMD
    )
    files = project(dockerfile)
    files["requirements.txt"] = "Django\n"
    files["docker/entrypoint.sh"] = "#!/bin/sh\n"
    out = fix_project(files, ["DJ040"], unsafe=True)["Dockerfile"]
    assert f"COPY . .\n\n{MANIFEST_COMMENT}\n{LINE}\nCOPY docker/entrypoint.sh" in out


def test_later_removal_gets_no_fix() -> None:
    for later in ("RUN rm -rf /workdir/static\n", "RUN rm -rf *\n", "RUN find . -delete\n"):
        dockerfile = BUILD + "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n" + later + CMD
        assert fixes(project(dockerfile)) == [None], later
    harmless = "RUN rm -rf /var/lib/apt/lists/* /root/.cache\n"
    dockerfile = BUILD + "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n" + harmless + CMD
    assert fixes(project(dockerfile)) == ["unsafe"]


def test_removal_in_the_build_stage_gets_no_fix() -> None:
    build = BUILD.replace("--noinput\n", "--noinput\nRUN rm -rf static\n")
    dockerfile = build + "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n" + CMD
    assert fixes(project(dockerfile)) == [None]


def test_other_settings_for_collectstatic_get_no_fix() -> None:
    build = BUILD.replace("--noinput", "--noinput --settings=core.other")
    dockerfile = build + "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n" + CMD
    assert fixes(project(dockerfile)) == [None]


def test_crlf(tmp_path: Path) -> None:
    # fix_project reads the result back with newline translation, so this goes through the file.
    dockerfile = (BUILD + "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n" + CMD).replace(
        "\n", "\r\n"
    )
    for name, text in project(dockerfile).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(text.encode("utf-8"))
    [finding] = lint_text(dockerfile, ["DJ040"], real_path=tmp_path / "Dockerfile").findings
    assert finding.fix is not None
    out, applied = apply_fixes(dockerfile, [finding.fix])
    assert applied == 1
    assert out == (
        BUILD + "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n\n"
        f"{MANIFEST_COMMENT}\n{LINE}\n" + CMD
    ).replace("\n", "\r\n")
    (tmp_path / "Dockerfile").write_bytes(out.encode("utf-8"))
    again = lint_text(out, ["DJ040"], real_path=tmp_path / "Dockerfile").findings
    assert list(again) == []


def test_no_trailing_newline() -> None:
    dockerfile = (
        BUILD + 'FROM python:3.11\nWORKDIR /workdir\nENTRYPOINT ["gunicorn", "core.wsgi"]\nCOPY . .'
    )
    assert fixed(project(dockerfile)).endswith(f"COPY . .\n\n{MANIFEST_COMMENT}\n{LINE}")


def test_misplaced_copy_gets_its_destination_corrected() -> None:
    wrong = (
        "COPY --from=build-stage /workdir/static/staticfiles.json /app/static/staticfiles.json\n"
    )
    dockerfile = BUILD + "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n" + wrong + CMD
    assert fixes(project(dockerfile)) == ["unsafe"]
    out = fixed(project(dockerfile))
    assert f"COPY . .\n{LINE}\n" in out


def test_misplaced_folder_copy_gets_no_fix() -> None:
    wrong = "COPY --from=build-stage /workdir/static /app/static\n"
    dockerfile = BUILD + "FROM python:3.11\nWORKDIR /workdir\nCOPY . .\n" + wrong + CMD
    assert fixes(project(dockerfile)) == [None]
