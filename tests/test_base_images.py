"""The base-image table (``dockerlint_django/dockerfile/base-images.toml``) and its reader."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from dockerlint_django.dockerfile import images
from dockerlint_django.dockerfile.images import DataError, KnownImage, known_image, parse_image_ref

ROOT = Path(__file__).resolve().parent.parent


def known(text: str) -> KnownImage | None:
    ref = parse_image_ref(text)
    assert ref is not None, text
    return known_image(ref)


def test_the_shipped_table_loads() -> None:
    data = images.load(images.DATA_PATH.read_text(encoding="utf-8"))
    assert data.exact and data.globbed


def test_every_entry_names_its_source() -> None:
    doc = tomllib.loads(images.DATA_PATH.read_text(encoding="utf-8"))
    for entry in doc["image"]:
        sources = [entry.get("source")] + [v.get("source") for v in entry.get("variant", [])]
        assert any(isinstance(s, str) and s.startswith("https://") for s in sources), entry
    for name, table in doc["accounts"].items():
        assert table["source"].startswith("https://"), name


def test_the_table_ships_with_the_package() -> None:
    # setuptools installs only what [tool.setuptools.package-data] names.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["dockerlint_django"]
    relative = images.DATA_PATH.relative_to(ROOT / "dockerlint_django").as_posix()
    assert any(Path(relative).match(p) or p == relative for p in patterns), (
        f"add {relative!r} to [tool.setuptools.package-data] in pyproject.toml"
    )


# (reference, family, package manager, /bin/sh, python, python version, user)
FACTS = [
    ("python:3.12-slim", "debian", "apt", True, True, "3.12", "root"),
    ("python:3.13-alpine3.21", "alpine", "apk", True, True, "3.13", "root"),
    ("python:3.11.8-bookworm", "debian", "apt", True, True, "3.11.8", "root"),
    ("python", "debian", "apt", True, True, None, "root"),
    ("docker.io/library/python:3.12", "debian", "apt", True, True, "3.12", "root"),
    ("public.ecr.aws/docker/library/python:3.9-slim", "debian", "apt", True, True, "3.9", "root"),
    ("node:22-alpine", "alpine", "apk", True, False, None, "root"),
    ("node:22-bookworm-slim", "debian", "apt", True, False, None, "root"),
    ("node:22", "debian", "apt", True, True, None, "root"),
    ("postgres:16", "debian", "apt", True, False, None, "root"),
    ("redis:7-alpine", "alpine", "apk", True, False, None, "root"),
    ("nginx:1.27-alpine", "alpine", "apk", True, False, None, "root"),
    ("nginxinc/nginx-unprivileged:1.27", "debian", "apt", True, False, None, "101"),
    ("debian:bookworm-slim", "debian", "apt", True, False, None, "root"),
    ("ubuntu:24.04", "debian", "apt", True, False, None, "root"),
    ("alpine:3.20", "alpine", "apk", True, False, None, "root"),
    ("busybox", "busybox", "none", True, False, None, "root"),
    ("fedora:41", "rhel", "dnf", True, None, None, "root"),
    ("almalinux:9", "rhel", "dnf", True, None, None, "root"),
    ("almalinux:9-minimal", "rhel", "microdnf", True, None, None, "root"),
    ("rockylinux:9", "rhel", "dnf", True, None, None, "root"),
    ("centos:7", "rhel", "yum", True, None, None, "root"),
    ("amazonlinux:2023", "rhel", "dnf", True, None, None, "root"),
    ("amazonlinux:2", "rhel", "yum", True, None, None, "root"),
    ("amazonlinux", "rhel", None, True, None, None, "root"),
    ("registry.access.redhat.com/ubi9/ubi-minimal", "rhel", "microdnf", True, None, None, "root"),
    ("registry.access.redhat.com/ubi9-micro", "rhel", "none", None, None, None, "root"),
    ("registry.access.redhat.com/ubi9/python-311", "rhel", None, True, True, None, "1001"),
    ("ghcr.io/astral-sh/uv:python3.12-bookworm-slim", "debian", "apt", True, True, "3.12", "root"),
    ("ghcr.io/astral-sh/uv:0.5.11-python3.13-alpine", "alpine", "apk", True, True, "3.13", "root"),
    ("ghcr.io/astral-sh/uv:bookworm-slim", "debian", "apt", True, None, None, "root"),
    ("ghcr.io/astral-sh/uv:0.5", "scratch", "none", False, False, None, "root"),
    ("gcr.io/distroless/python3-debian12", "distroless", "none", False, True, "3.11", "0"),
    (
        "gcr.io/distroless/python3-debian12:nonroot",
        "distroless",
        "none",
        False,
        True,
        "3.11",
        "65532",
    ),
    ("cgr.dev/chainguard/python:latest", "wolfi", "none", False, True, None, "65532"),
    ("cgr.dev/chainguard/python:latest-dev", "wolfi", "apk", True, True, None, "65532"),
    (
        "mcr.microsoft.com/devcontainers/python:1-3.12-bookworm",
        "debian",
        "apt",
        True,
        True,
        "3.12",
        "root",
    ),
]


@pytest.mark.parametrize(("ref", "family", "manager", "shell", "python", "version", "user"), FACTS)
def test_what_is_known_of_an_image(
    ref: str,
    family: str,
    manager: str | None,
    shell: bool | None,
    python: bool | None,
    version: str | None,
    user: str,
) -> None:
    image = known(ref)
    assert image is not None
    assert image.distribution == family
    assert image.package_manager == manager
    assert image.shell is shell
    assert image.python is python
    assert image.python_version == version
    assert image.user == user
    assert image.source.startswith("https://")


@pytest.mark.parametrize(
    "ref",
    [
        "registry.example.com/team/django-base:3",
        "python:3.12-windowsservercore-ltsc2022",
        "node:22-nanoserver",
        "bitnami/python:3.12",
        "mirror.gcr.io/library/team/python",
    ],
)
def test_unknown_images(ref: str) -> None:
    assert known(ref) is None


def test_references_that_are_not_images() -> None:
    assert parse_image_ref("scratch") is None
    assert parse_image_ref("python:${PYTHON_VERSION}") is None


def test_accounts_are_read_only_where_they_are_known() -> None:
    node = known("node:22-alpine")
    assert node is not None and node.accounts_known
    assert node.family == "alpine"
    assert {"node", "nobody"} <= node.users
    assert ("1000", "node") in node.uid_names
    # Fedora's /etc/passwd is not in the table: no name is known to be missing there.
    fedora = known("fedora:41")
    assert fedora is not None and not fedora.accounts_known
    assert fedora.family == ""
    assert fedora.distribution == "rhel"
    ubuntu = known("ubuntu:24.04")
    assert ubuntu is not None and {"ubuntu", "www-data"} <= ubuntu.users


def test_configuration() -> None:
    redis = known("redis:7")
    assert redis is not None
    assert redis.entrypoint == ("docker-entrypoint.sh",)
    assert redis.cmd == ("redis-server",)
    assert redis.workdir == "/data"
    assert redis.expose == ("6379",)
    uv = known("ghcr.io/astral-sh/uv:0.5")
    assert uv is not None and uv.cmd is None and uv.entrypoint == ("/uv",) and uv.workdir == "/io"
    uv_python = known("ghcr.io/astral-sh/uv:python3.12-bookworm-slim")
    assert uv_python is not None and uv_python.cmd == ("/usr/local/bin/uv",)
    devcontainer = known("mcr.microsoft.com/devcontainers/python:3.12")
    assert devcontainer is not None
    assert not devcontainer.command_known and devcontainer.cmd is None
    assert devcontainer.workdir is None
    python2 = known("python:2.7-slim")
    assert python2 is not None and python2.cmd == ("python2",)


def test_steps_down_for() -> None:
    postgres = known("postgres:16-alpine")
    assert postgres is not None
    assert postgres.steps_down_for("postgres") == "postgres"
    assert postgres.steps_down_for("-c") == "postgres"
    assert postgres.steps_down_for("bash") is None
    assert postgres.steps_down_for(None) is None
    python = known("python:3.12")
    assert python is not None and python.steps_down_for("gunicorn") is None


def test_lookups_are_cached() -> None:
    assert known("python:3.12-slim") is known("python:3.12-slim")


GOOD = """
[accounts.base]
source = "https://example.com/passwd"
users = ["root"]
groups = ["root"]

[[image]]
names = ["example/app"]
source = "https://example.com/Dockerfile"
family = "debian"
accounts = "base"
"""


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ('\n[[image]]\nnames = ["x"]\nfamily = "debian"\n', "needs a source"),
        ('\n[[image]]\nnames = ["x"]\nsource = "s"\ncolour = "red"\n', "unknown keys"),
        ('\n[[image]]\nnames = ["x"]\nsource = "s"\npackage_manager = "pip"\n', "package"),
        ('\n[[image]]\nnames = ["x"]\nsource = "s"\nfamily = "solaris"\n', "family"),
        ('\n[[image]]\nnames = ["x"]\nsource = "s"\naccounts = "nope"\n', "accounts.nope"),
        ('\n[[image]]\nnames = ["x"]\nsource = "s"\nshell = "yes"\n', "true or false"),
        ('\n[[image]]\nnames = ["x"]\nsource = "s"\n[[image.variant]]\nuser = "1"\n', "tags"),
        ('\n[[image]]\nnames = ["x"]\nsource = "s"\npython_version_from_tag = "("\n', "tag"),
        ('\n[[image]]\nnames = ["x"]\nsource = "s"\nuids = { "app" = "app" }\n', "uids"),
        ('\n[[image]]\nnames = ["x"]\nsource = "s"\ncmd = "python"\n', "list of strings"),
        ("\n[[image]]\nnames = [\n", "Invalid"),
    ],
)
def test_mistakes_in_the_table_are_errors(extra: str, error: str) -> None:
    images.load(GOOD)
    with pytest.raises(DataError, match=error):
        images.load(GOOD + extra)
