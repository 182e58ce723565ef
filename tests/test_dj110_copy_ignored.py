"""DJ110 copy-ignored-file: COPY/ADD of a context path the ignore file excludes."""

from __future__ import annotations

from dockerlint_django.testing import lint_project

HEAD = "FROM python:3.11\n"
IGNORE = "**/.*\n**/requirements_dev.txt\n**/tests\n"


def _found(
    dockerfile: str, files: dict[str, str] | None = None, ignore: str | None = IGNORE
) -> list[tuple[int, int, str]]:
    project = {"Dockerfile": HEAD + dockerfile, "requirements.txt": "", **(files or {})}
    if ignore is not None:
        project[".dockerignore"] = ignore
    return [(f.line, f.column, f.severity) for f in lint_project(project, ["DJ110"])]


def test_ignored_file_is_reported_on_its_source() -> None:
    found = lint_project(
        {
            "Dockerfile": HEAD + "COPY requirements.txt requirements_dev.txt /tmp/\n",
            "requirements.txt": "",
            "requirements_dev.txt": "",
            ".dockerignore": IGNORE,
        },
        ["DJ110"],
    )
    assert [(f.line, f.column, f.severity) for f in found] == [(2, 23, "error")]
    assert "requirements_dev.txt" in found[0].message
    assert ".dockerignore excludes" in found[0].message


def test_folder_excluded_with_everything_in_it() -> None:
    assert _found("COPY tests/ /app/tests/\n", {"tests/test_a.py": ""}) == [(2, 6, "error")]


def test_folder_taken_back_in_part_is_sent() -> None:
    ignore = "tests\n!tests/conftest.py\n"
    files = {"tests/conftest.py": "", "tests/test_a.py": ""}
    assert _found("COPY tests /app/tests\n", files, ignore) == []


def test_exception_takes_the_file_back() -> None:
    ignore = IGNORE + "!requirements_dev.txt\n"
    assert _found("COPY requirements_dev.txt /tmp/\n", {"requirements_dev.txt": ""}, ignore) == []


def test_not_on_disk_is_not_reported() -> None:
    # The folder may not be the build context, or the file is generated: not known here.
    assert _found("COPY requirements_dev.txt /tmp/\n") == []


def test_no_ignore_file() -> None:
    assert _found("COPY requirements_dev.txt /tmp/\n", {"requirements_dev.txt": ""}, None) == []


def test_quoted_and_absolute_sources() -> None:
    files = {"requirements_dev.txt": ""}
    assert _found('COPY ["requirements_dev.txt", "/tmp/"]\n', files) == [(2, 8, "error")]
    assert _found("COPY /requirements_dev.txt /tmp/\n", files) == [(2, 6, "error")]


def test_variables_from_and_remote_are_skipped() -> None:
    files = {"requirements_dev.txt": ""}
    assert _found("ARG R=requirements_dev.txt\nCOPY $R /tmp/\n", files) == []
    assert _found("COPY --from=build requirements_dev.txt /tmp/\n", files) == []
    assert _found("ADD https://example.com/.x /tmp/\n", files) == []


def test_dockerfile_own_ignore_file_wins() -> None:
    project = {
        "Dockerfile": HEAD + "COPY local.txt /tmp/\n",
        "Dockerfile.dockerignore": "local.txt\n",
        ".dockerignore": "",
        "local.txt": "",
    }
    found = lint_project(project, ["DJ110"])
    assert [(f.line, f.column) for f in found] == [(2, 6)]
    assert "Dockerfile.dockerignore excludes" in found[0].message


def test_wildcard_matching_only_ignored_files_warns() -> None:
    files = {"requirements_dev.txt": ""}
    assert _found("COPY *_dev.txt /tmp/\n", files) == [(2, 6, "warning")]


def test_wildcard_with_something_sent_or_nothing_on_disk() -> None:
    files = {"requirements_dev.txt": ""}
    assert _found("COPY requirements*.txt /tmp/\n", files) == []
    assert _found("COPY nothing*.txt /tmp/\n", files) == []


def test_check_skip_directive() -> None:
    dockerfile = "# check=skip=CopyIgnoredFile\n" + HEAD + "COPY requirements_dev.txt /tmp/\n"
    project = {"Dockerfile": dockerfile, "requirements_dev.txt": "", ".dockerignore": IGNORE}
    assert lint_project(project, ["DJ110"]) == []


def test_unknown_ignore_file() -> None:
    # A lone `!` is a pattern the builder rejects: what it would exclude is not known.
    files = {"requirements_dev.txt": ""}
    assert _found("COPY requirements_dev.txt /tmp/\n", files, "requirements_dev.txt\n!\n") == []
