"""load_project: discovery, environment, names, multi-file merge, extends, include, errors.

Each test writes a small project into a temporary folder. The last test runs the same inline
projects through Docker Compose itself (skipped when the oracle binary is absent).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dockerlint_django.compose.config_json import config_json
from dockerlint_django.compose.loader import LoadError, LoadOptions, load_project
from dockerlint_django.compose.model import Project
from tests.compose_oracle import BASE_ENV, Case, compare, run_oracle, run_ours, unavailable_reason

WEB = "services:\n  web:\n    image: x\n"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def load(root: Path, tree: dict[str, str], **options: object) -> Project:
    write(root, tree)
    env = dict(BASE_ENV)
    env.update(options.pop("env", {}))  # type: ignore[call-overload]
    wd = root / str(options.pop("wd", ""))
    return load_project(LoadOptions(working_dir=wd, environment=env, **options))  # type: ignore[arg-type]


def fails(root: Path, tree: dict[str, str], **options: object) -> LoadError:
    with pytest.raises(LoadError) as info:
        load(root, tree, **options)
    return info.value


# --- discovery, project directory, names --------------------------------------------------------


def test_discovery_walks_up_and_adds_override(tmp_path: Path) -> None:
    p = load(
        tmp_path,
        {
            "compose.yml": WEB,
            "docker-compose.override.yml": "services:\n  web:\n    user: '1'\n",
            "a/b/.keep": "",
        },
        wd="a/b",
    )
    assert p.working_dir == str(tmp_path)
    assert p.services["web"].user is not None and p.services["web"].user.value == "1"
    assert [Path(f).name for f in p.compose_files] == ["compose.yml", "docker-compose.override.yml"]


def test_first_default_name_wins_with_a_warning(tmp_path: Path) -> None:
    p = load(tmp_path, {"compose.yaml": WEB, "docker-compose.yml": "services: {}\n"})
    assert "web" in p.services
    assert any("Found multiple config files" in w for w in p.warnings)


def test_no_file_found(tmp_path: Path) -> None:
    err = fails(tmp_path, {"x.txt": ""})
    assert err.kind == "missing-file"


def test_compose_file_from_dotenv(tmp_path: Path) -> None:
    p = load(
        tmp_path,
        {
            "x/one.yaml": WEB,
            "x/two.yaml": "services:\n  web:\n    user: '2'\n",
            ".env": "COMPOSE_FILE=x/one.yaml,x/two.yaml\nCOMPOSE_PATH_SEPARATOR=,\n",
        },
    )
    assert p.services["web"].user is not None and p.services["web"].user.value == "2"
    # The project directory is the first file's folder; its .env would be read too.
    assert p.working_dir == str(tmp_path / "x")


def test_project_name_rules(tmp_path: Path) -> None:
    assert load(tmp_path / "a", {"compose.yaml": "name: My_Proj!\n" + WEB}).name == "my_proj"
    assert load(tmp_path / "My Dir", {"compose.yaml": WEB}).name == "mydir"
    assert fails(tmp_path / "b", {"compose.yaml": WEB}, project_name="UPPER").kind == "schema"
    err = fails(tmp_path / "c", {"compose.yaml": WEB, ".env": "COMPOSE_PROJECT_NAME=Bad\n"})
    assert "invalid project name" in err.message


def test_dotenv_of_project_directory_and_os_precedence(tmp_path: Path) -> None:
    p = load(
        tmp_path,
        {
            "sub/compose.yaml": "services:\n  web:\n    image: ${A}-${B}\n",
            ".env": "A=cwd\n",
            "sub/.env": "A=sub\nB=sub\n",
        },
        files=(Path("sub/compose.yaml"),),
        env={"B": "os"},
    )
    image = p.services["web"].image
    assert image is not None and image.value == "sub-os"
    assert p.environment["A"].layer == "env_file"
    assert p.environment["A"].origin is not None
    assert p.environment["A"].origin.path.endswith(".env")
    assert p.environment["PWD"].value == str(tmp_path)


def test_env_file_flags(tmp_path: Path) -> None:
    p = load(
        tmp_path,
        {
            "compose.yaml": "services:\n  web:\n    image: x${A}${B}\n",
            "1.env": "A=1\nB=1\n",
            "2.env": "B=2\n",
        },
        env_files=(Path("1.env"), Path("2.env")),
    )
    assert p.services["web"].image is not None and p.services["web"].image.value == "x12"
    assert fails(tmp_path, {}, env_files=(Path("missing.env"),)).kind == "missing-file"


# --- files, documents, merging --------------------------------------------------------------------


def test_override_file_relative_paths_resolve_against_project_dir(tmp_path: Path) -> None:
    p = load(
        tmp_path,
        {"compose.yaml": WEB, "over/o.yaml": "services:\n  web:\n    build: ./ctx\n"},
        files=(Path("compose.yaml"), Path("over/o.yaml")),
    )
    build = p.services["web"].build
    assert build is not None and build.context.value == str(tmp_path / "ctx")
    assert build.dockerfile is not None and build.dockerfile.value == "Dockerfile"
    assert build.dockerfile.origin is None  # a default Compose adds


def test_multi_document_file_merges_like_several_files(tmp_path: Path) -> None:
    p = load(tmp_path, {"compose.yaml": WEB + "---\nservices:\n  web:\n    image: y\n"})
    image = p.services["web"].image
    assert image is not None and image.value == "y"
    assert image.origin is not None and image.origin.line == 7


def test_reset_in_single_file_and_override(tmp_path: Path) -> None:
    p = load(
        tmp_path,
        {
            "compose.yaml": WEB + "    ports: ['80:80']\n  gone: !reset {}\n",
            "o.yaml": "services:\n  web:\n    ports: !reset []\n"
            "    environment: !override {B: 2}\n",
        },
        files=(Path("compose.yaml"), Path("o.yaml")),
    )
    assert set(p.services) == {"web"}
    assert p.services["web"].ports == ()
    assert set(p.services["web"].environment) == {"B"}


def test_version_is_dropped_with_a_warning(tmp_path: Path) -> None:
    p = load(tmp_path, {"compose.yaml": "version: '3'\n" + WEB})
    assert any("`version` is obsolete" in w for w in p.warnings)
    assert "version" not in config_json(p)


# --- extends and include --------------------------------------------------------------------------


def test_extends_from_file_keeps_provenance_and_paths(tmp_path: Path) -> None:
    p = load(
        tmp_path,
        {
            "compose.yaml": "services:\n  web:\n    extends: {file: lib/base.yaml, service: app}\n",
            "lib/base.yaml": "services:\n  app:\n    build: ./ctx\n    user: app\n",
        },
    )
    web = p.services["web"]
    assert web.build is not None and web.build.context.value == str(tmp_path / "lib" / "ctx")
    assert web.user is not None and web.user.origin is not None
    assert web.user.origin.path.endswith("base.yaml")
    assert web.user.origin.via == ("extends: app in lib/base.yaml",)
    assert "extends" not in web.node


def test_extends_cycle_and_missing(tmp_path: Path) -> None:
    err = fails(
        tmp_path / "a", {"compose.yaml": "services:\n  a:\n    extends: b\n  b:\n    extends: a\n"}
    )
    assert err.kind == "consistency" and err.message.startswith("Circular reference:")
    err = fails(
        tmp_path / "b", {"compose.yaml": "services:\n  a:\n    extends: nope\n    image: x\n"}
    )
    assert err.kind == "consistency" and (err.line, err.column) == (3, 14)


def test_include_with_its_own_env_and_conflict(tmp_path: Path) -> None:
    p = load(
        tmp_path / "ok",
        {
            "compose.yaml": "include: [inc/compose.yaml]\n" + WEB,
            "inc/compose.yaml": "services:\n  db:\n    image: ${IMG}\n    build: .\n",
            "inc/.env": "IMG=postgres\n",
        },
    )
    db = p.services["db"]
    assert db.image is not None and db.image.value == "postgres"
    assert db.build is not None and db.build.context.value == str(tmp_path / "ok" / "inc")
    assert db.image.origin is not None and db.image.origin.via == ("include: inc/compose.yaml",)
    err = fails(
        tmp_path / "bad",
        {
            "compose.yaml": "include: [i.yaml]\n" + WEB,
            "i.yaml": "services:\n  web:\n    image: y\n",
        },
    )
    assert (
        err.kind == "consistency" and "services.web conflicts with imported resource" in err.message
    )


# --- errors: kind, file, line, column -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "where", "message"),
    [
        (
            WEB + "    foo: 1\n",
            "schema",
            (4, 5),
            "services.web additional property 'foo' not allowed",
        ),
        (WEB + "    user: 0\n", "schema", (4, 11), "services.web.user must be a string"),
        (
            WEB + "    command: [a, 3]\n",
            "schema",
            (4, 18),
            "services.web.command.1 must be a string",
        ),
        (WEB + "    ports: ['80/foo']\n", "schema", (4, 13), "invalid proto: foo"),
        (WEB + "    command: echo 'a\n", "schema", (4, 14), "invalid command line string"),
        (WEB + "    stop_grace_period: 10x\n", "schema", (4, 24), 'unknown unit "x"'),
        ("services:\n  web:\n    image: ${X:?need x}\n", "interpolation", (3, 12), "need x"),
        (
            WEB + "    depends_on: [db]\n",
            "consistency",
            (4, 18),
            'depends on undefined service "db"',
        ),
        ("services:\n  web:\n    restart: always\n", "consistency", (2, 3), "neither an image"),
        ("", "schema", (0, 0), "empty compose file"),
    ],
)
def test_errors_name_kind_and_position(
    tmp_path: Path, text: str, kind: str, where: tuple[int, int], message: str
) -> None:
    err = fails(tmp_path, {"compose.yaml": text})
    assert err.kind == kind
    assert (err.line, err.column) == where
    assert message in err.message
    assert err.path in ("compose.yaml", "")


def test_env_file_errors(tmp_path: Path) -> None:
    err = fails(tmp_path / "a", {"compose.yaml": WEB + "    env_file: missing.env\n"})
    assert err.kind == "missing-file" and (err.line, err.column) == (4, 15)
    err = fails(tmp_path / "b", {"compose.yaml": WEB + "    env_file: e.env\n", "e.env": "A B=1\n"})
    assert err.kind == "interpolation" and err.path.endswith("e.env") and err.line == 1
    # An optional file, or a file of an inactive service, is not read.
    load(tmp_path / "c", {"compose.yaml": WEB + "    env_file: [{path: m.env, required: false}]\n"})
    load(tmp_path / "d", {"compose.yaml": WEB + "    profiles: [x]\n    env_file: m.env\n"})


def test_no_interpolate_keeps_templates_and_every_service(tmp_path: Path) -> None:
    p = load(
        tmp_path,
        {
            "compose.yaml": "services:\n  web:\n    image: ${IMG:-x}\n    env_file: [missing.env]\n"
            "    command: echo ${A}\n  extra:\n    image: y\n    profiles: [p]\n"
        },
        interpolate=False,
    )
    doc = config_json(p)
    assert doc["services"]["web"]["image"] == "${IMG:-x}"
    assert doc["services"]["web"]["command"] == "echo ${A}"
    assert doc["services"]["web"]["env_file"] == [
        {"path": str(tmp_path / "missing.env"), "required": True}
    ]
    assert set(doc["services"]) == {"web", "extra"}


# --- the oracle on the same kind of projects ----------------------------------------------------

ORACLE_CASES: dict[str, dict[str, str]] = {
    "merge": {
        "compose.yaml": WEB + "    environment: {A: 1}\n    ports: ['80:80']\n    command: a b\n",
        "compose.override.yaml": "services:\n  web:\n    environment: [B=2]\n    ports: ['90']\n",
    },
    "extends-include": {
        "compose.yaml": "include: [d/c.yaml]\nservices:\n  web:\n"
        "    extends: {file: d/c.yaml, service: db}\n    image: z\n",
        "d/c.yaml": "services:\n  db:\n    build: .\n    env_file: e.env\n",
        "d/e.env": "E=${PWD}\n",
    },
    "profiles-envfile": {
        "compose.yaml": WEB + "    env_file: [a.env]\n    environment: [A, B=2]\n"
        "  off:\n    image: y\n    profiles: [p]\n    env_file: missing.env\n",
        "a.env": "A=1\nB=1\nC='${B}'\n",
    },
    "shapes": {
        "compose.yaml": WEB + "    healthcheck: {test: curl x || exit 1, interval: 90s}\n"
        "    extra_hosts: {a: 1.2.3.4}\n    stop_grace_period: 1h\n    tmpfs: /run\n"
        "    expose: [80]\n    entrypoint: sh -c 'x && y' 2>&1\n    init: 'true'\n",
    },
}


@pytest.mark.parametrize("name", sorted(ORACLE_CASES))
def test_same_as_compose(tmp_path: Path, name: str) -> None:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    write(tmp_path, ORACLE_CASES[name])
    root = tmp_path.resolve()
    for interpolate in (True, False):
        case = Case(id=name, root=root, interpolate=interpolate)
        assert compare(run_oracle(case), run_ours(case)) == []
