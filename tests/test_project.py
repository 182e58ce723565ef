"""A deployment as one project: Compose services linked to the Dockerfiles they build, the view
of what runs in each container, and a check that reads the Dockerfile, the Compose files, the
.env and the entrypoint script together."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from dockerlint_django.analysis import Analysis
from dockerlint_django.cli import cli
from dockerlint_django.compose.loader import LoadOptions, load_project
from dockerlint_django.compose.model import Project
from dockerlint_django.dockerfile.model import Command, Stage
from dockerlint_django.project.deployment import LoadSettings, load_deployment, plan_builds
from dockerlint_django.project.links import link_services
from dockerlint_django.project.view import RuntimeLayer, merge_start
from dockerlint_django.shell.syntax import Word

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "compose" / "input"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


DOCKERFILE = 'FROM python:3.12-slim\nCMD ["gunicorn", "app.wsgi"]\n'


class TestLinks:
    def test_build_context_and_dockerfile_resolve_as_compose_resolves_them(
        self, tmp_path: Path
    ) -> None:
        write(
            tmp_path,
            {
                "compose.yaml": "services:\n"
                "  web:\n"
                "    build: {context: ./src, dockerfile: ../docker/Dockerfile.web, target: run}\n"
                "  short:\n"
                "    build: ./src\n",
                "docker/Dockerfile.web": DOCKERFILE,
            },
        )
        links = {link.service.name: link for link in link_services(_load(tmp_path))}
        web = links["web"].image
        assert web is not None
        # The Dockerfile is relative to the context, not to the Compose file.
        assert web.dockerfile == tmp_path / "docker" / "Dockerfile.web"
        assert web.context == tmp_path / "src"
        assert web.target == "run"
        short = links["short"].image
        assert short is not None
        assert short.dockerfile == tmp_path / "src" / "Dockerfile"

    def test_image_links_to_the_service_that_builds_it(self, tmp_path: Path) -> None:
        write(
            tmp_path,
            {
                "compose.yaml": "name: shop\n"
                "services:\n"
                "  web: {build: ., image: registry.example.org/shop:1}\n"
                "  worker: {image: registry.example.org/shop:1, command: celery -A shop worker}\n"
                "  api: {build: ./api}\n"
                "  api-worker: {image: shop-api}\n"
                "  db: {image: postgres:16}\n",
                "Dockerfile": DOCKERFILE,
            },
        )
        links = {link.service.name: link for link in link_services(_load(tmp_path))}
        assert links["worker"].image is links["web"].image or (
            links["worker"].image == links["web"].image
        )
        assert "built by web" in links["worker"].reason
        # Compose tags an image built without `image:` as <project>-<service>.
        api_worker = links["api-worker"].image
        assert api_worker is not None
        assert api_worker.builder == "api"
        assert links["db"].image is None
        assert links["db"].reason == "runs postgres:16, not built here"

    def test_build_args_feed_the_dockerfile_and_unknown_values_stay_unknown(
        self, tmp_path: Path
    ) -> None:
        write(
            tmp_path,
            {
                "compose.yaml": "services:\n"
                "  web:\n"
                "    build:\n"
                "      context: .\n"
                "      args: {MODE: prod, TOKEN: '${TOKEN}', FROM_ENV: null}\n",
                "Dockerfile": DOCKERFILE,
            },
        )
        (link,) = link_services(_load(tmp_path))
        assert link.image is not None
        assert link.image.args == {"MODE": "prod", "TOKEN": None, "FROM_ENV": None}

    def test_a_build_whose_context_depends_on_an_unset_variable_is_not_guessed(
        self, tmp_path: Path
    ) -> None:
        write(tmp_path, {"compose.yaml": "services:\n  web: {build: '${SRC}/app'}\n"})
        (link,) = link_services(_load(tmp_path))
        assert link.image is None
        assert "variable" in link.reason

    def test_remote_context_is_not_read(self, tmp_path: Path) -> None:
        write(
            tmp_path,
            {"compose.yaml": "services:\n  web: {build: 'https://github.com/o/r.git#main'}\n"},
        )
        (link,) = link_services(_load(tmp_path))
        assert link.image is None
        assert "remote" in link.reason


def _load(root: Path) -> Project:
    return load_project(LoadOptions(working_dir=root))


class TestPlan:
    def test_each_distinct_build_of_a_dockerfile_is_planned_once(self, tmp_path: Path) -> None:
        write(
            tmp_path,
            {
                "compose.yaml": "services:\n"
                "  web: {build: {context: ., target: run}}\n"
                "  web2: {build: {context: ., target: run}}\n"
                "  dev: {build: {context: ., target: dev}}\n"
                "  worker: {image: x-web}\n",
                "Dockerfile": DOCKERFILE,
            },
        )
        deployment = load_deployment((tmp_path / "compose.yaml",), LoadSettings(tmp_path))
        assert deployment.error is None
        plans = plan_builds([deployment])
        assert [b.target for b in plans[(tmp_path / "Dockerfile").resolve()]] == ["run", "dev"]

    def test_a_compose_error_is_kept_with_its_file_and_line(self, tmp_path: Path) -> None:
        write(tmp_path, {"compose.yaml": "services:\n  web:\n    image: a\n    image: b\n"})
        deployment = load_deployment((tmp_path / "compose.yaml",), LoadSettings(tmp_path))
        assert deployment.error is not None
        assert deployment.project is None
        line = deployment.error.one_line()
        assert "compose.yaml:4" in line
        assert "\n" not in line


def _cmd(keyword: str, *words: str) -> Command:
    return Command(keyword, None, True, tuple(Word.synthetic(w, 0) for w in words), None)


class TestMergeStart:
    IMAGE_ENTRY = _cmd("ENTRYPOINT", "/entrypoint.sh")
    IMAGE_CMD = _cmd("CMD", "gunicorn", "app.wsgi")

    def values(self, pair: tuple[Command | None, Command | None]) -> tuple[object, object]:
        return tuple(None if c is None else [w.value for w in c.argv] for c in pair)  # type: ignore[return-value]

    def test_no_service_keeps_the_image(self) -> None:
        got = merge_start(self.IMAGE_ENTRY, self.IMAGE_CMD, None)
        assert self.values(got) == (["/entrypoint.sh"], ["gunicorn", "app.wsgi"])

    def test_command_replaces_cmd_and_keeps_the_entrypoint(self) -> None:
        layer = RuntimeLayer("web", command=_cmd("CMD", "python", "manage.py", "migrate"))
        got = merge_start(self.IMAGE_ENTRY, self.IMAGE_CMD, layer)
        assert self.values(got) == (["/entrypoint.sh"], ["python", "manage.py", "migrate"])

    def test_entrypoint_drops_the_image_cmd(self) -> None:
        layer = RuntimeLayer("web", entrypoint=_cmd("ENTRYPOINT", "tini", "--"))
        got = merge_start(self.IMAGE_ENTRY, self.IMAGE_CMD, layer)
        assert self.values(got) == (["tini", "--"], None)

    def test_empty_command_is_the_image_cmd_again(self) -> None:
        # The daemon fills an empty Cmd from the image when no entrypoint words are given.
        layer = RuntimeLayer("web", command=_cmd("CMD"))
        got = merge_start(self.IMAGE_ENTRY, self.IMAGE_CMD, layer)
        assert self.values(got) == (["/entrypoint.sh"], ["gunicorn", "app.wsgi"])


def run(root: Path, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        result = runner.invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def deployment(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(FIXTURE, target)
    return target


class TestCheck:
    def test_a_folder_check_reads_compose_env_dockerfile_and_script(self, deployment: Path) -> None:
        code, out, err = run(deployment, "check", "--show-services", "--format", "json")
        assert code == 0, err
        projects = json.loads(out)
        # The default set (with the override file) and the main file alone, as deployed.
        assert [p["files"] for p in projects] == [
            ["compose.yaml", "compose.override.yaml"],
            ["compose.yaml"],
        ]
        prod = {s["service"]: s for s in projects[1]["services"]}
        web = prod["web"]
        assert web["build"]["dockerfile"] == "docker/Dockerfile"
        assert web["build"]["target"] == "base"
        assert web["entrypoint"]["value"] == ["/entrypoint.sh"]
        assert web["command"]["layer"] == "image CMD"
        env = web["environment"]
        # .env supplies WORKERS for interpolation; env_file and environment set the container's.
        assert env["GUNICORN_CMD_ARGS"] == {
            "value": "--workers=3",
            "layer": "environment",
            "at": "compose.yaml:13",
        }
        assert env["DJANGO_ALLOWED_HOSTS"]["layer"] == "env_file .env.web"
        assert env["DJANGO_SECRET_KEY"]["depends_on"] == ["DJANGO_SECRET_KEY"]
        assert env["WEB_CONCURRENCY"]["layer"] == "image ENV"
        # GUNICORN_CMD_ARGS from Compose beats WEB_CONCURRENCY from the image.
        assert web["gunicorn"]["workers"]["layer"] == "GUNICORN_CMD_ARGS"
        assert web["gunicorn"]["workers"]["value"] == "3"
        # The config file comes from the build context Compose names (the repository root),
        # not from the Dockerfile's own folder.
        assert web["gunicorn"]["worker_tmp_dir"] == {
            "value": "/dev/shm",
            "layer": "config file",
            "at": "gunicorn.conf.py:2",
        }
        worker = prod["worker"]
        assert worker["build"]["linked"] == "runs mysite-web, built by web"
        assert worker["command"]["value"] == ["python", "manage.py", "process_tasks"]
        dev = {s["service"]: s for s in projects[0]["services"]}["web"]
        assert dev["build"]["target"] == "dev"
        assert dev["runs"]["kind"] == "runserver"

    def test_the_dockerfile_is_linted_with_each_build(self, deployment: Path) -> None:
        code, out, _ = run(deployment, "check", "--format", "json")
        # The dev stage (the override's target) runs runserver, which is advice there (info, a
        # stage named for development); the production build is clean.
        assert code == 0
        found = {
            (f["filename"], f["code"], f["location"]["row"], f["severity"]) for f in json.loads(out)
        }
        assert ("docker/Dockerfile", "DJ027", 16, "info") in found

    def test_named_file_sets_check_one_project(self, deployment: Path) -> None:
        code, out, err = run(deployment, "check", "-f", "compose.yaml", "--format", "json")
        assert code == 0, (out, err)
        assert json.loads(out) == []

    def test_compose_errors_are_one_line_and_exit_2_other_files_still_checked(
        self, tmp_path: Path
    ) -> None:
        write(
            tmp_path,
            {
                "bad/compose.yaml": "services:\n  web:\n    image: a\n    image: b\n",
                "good/Dockerfile": "FROM python:3.12\nCMD gunicorn app.wsgi\n",
            },
        )
        code, out, err = run(tmp_path, "check", "--format", "json")
        assert code == 2
        assert any(f["filename"] == "good/Dockerfile" for f in json.loads(out))
        errors = [line for line in err.splitlines() if "error" in line]
        assert len(errors) == 1
        assert "bad/compose.yaml:4" in errors[0]

    def test_a_yaml_file_named_on_the_command_line_is_not_read_as_a_dockerfile(
        self, tmp_path: Path
    ) -> None:
        write(tmp_path, {"stack.yml": "services:\n  web:\n    image: nginx\n"})
        code, out, err = run(tmp_path, "check", "stack.yml", "--format", "json")
        assert code == 0, err
        assert json.loads(out) == []

    def test_a_search_that_finds_nothing_warns(self, tmp_path: Path) -> None:
        (tmp_path / "empty").mkdir()
        code, _, err = run(tmp_path, "check", "empty")
        assert code == 0
        assert "empty: no Dockerfile or Compose file found" in err


class TestParseCompose:
    def test_prints_the_project_as_compose_config_does(self, deployment: Path) -> None:
        code, out, err = run(deployment, "parse", "--compose", "-f", "compose.yaml")
        assert code == 0, err
        config = json.loads(out)
        assert config["name"] == "mysite"
        web = config["services"]["web"]
        assert web["build"]["context"] == str(deployment)
        assert web["build"]["dockerfile"] == "docker/Dockerfile"
        assert web["environment"]["GUNICORN_CMD_ARGS"] == "--workers=3"
        assert web["environment"]["DJANGO_ALLOWED_HOSTS"] == "example.org"

    def test_env_and_env_file_options(self, deployment: Path) -> None:
        (deployment / "other.env").write_text("WORKERS=9\n", encoding="utf-8")
        code, out, _ = run(deployment, "parse", "--compose", "--env-file", "other.env")
        assert code == 0
        web = json.loads(out)["services"]["web"]
        assert web["environment"]["GUNICORN_CMD_ARGS"] == "--workers=9"
        code, out, _ = run(deployment, "parse", "--compose", "--env", "WORKERS=5")
        assert json.loads(out)["services"]["web"]["environment"]["GUNICORN_CMD_ARGS"] == (
            "--workers=5"
        )

    def test_the_shell_environment_is_read_only_when_asked(
        self, deployment: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("WORKERS", "7")
        _, out, _ = run(deployment, "parse", "--compose", "-f", "compose.yaml")
        assert json.loads(out)["services"]["web"]["environment"]["GUNICORN_CMD_ARGS"] == (
            "--workers=3"
        )
        _, out, _ = run(deployment, "parse", "--compose", "-f", "compose.yaml", "--use-shell-env")
        assert json.loads(out)["services"]["web"]["environment"]["GUNICORN_CMD_ARGS"] == (
            "--workers=7"
        )

    def test_an_error_is_one_line_and_exit_2(self, tmp_path: Path) -> None:
        write(tmp_path, {"compose.yaml": "services:\n  web:\n    user: 0\n"})
        code, out, err = run(tmp_path, "parse", "--compose")
        assert code == 2
        assert out == ""
        assert len(err.strip().splitlines()) == 1
        assert "compose.yaml:3" in err


class TestSameDockerfileSeveralBuilds:
    def test_a_finding_every_build_has_is_reported_once(self, tmp_path: Path) -> None:
        write(
            tmp_path,
            {
                "compose.yaml": "services:\n"
                "  web: {build: {context: ., args: {MODE: a}}}\n"
                "  worker: {build: {context: ., args: {MODE: b}}}\n",
                "Dockerfile": "FROM python:3.12\nARG MODE\nRUN pip install django\n"
                'CMD ["gunicorn", "app.wsgi"]\n',
            },
        )
        code, out, _ = run(tmp_path, "check", "--format", "json", "--select", "DJ105")
        assert code == 1
        assert [(f["filename"], f["code"]) for f in json.loads(out)] == [("Dockerfile", "DJ105")]


def _service_analysis(root: Path, service: str) -> tuple[Analysis, Stage]:
    from dockerlint_django.config import Config
    from dockerlint_django.engine import Options, build_analysis, parse_dockerfile
    from dockerlint_django.project.view import runtime_layer
    from dockerlint_django.project.workspace import Workspace
    from dockerlint_django.source import SourceFile

    links = {link.service.name: link for link in link_services(_load(root))}
    build = links[service].image
    assert build is not None and build.dockerfile is not None
    source = SourceFile.from_text("Dockerfile", build.dockerfile.read_text(encoding="utf-8"))
    parsed, _, _ = parse_dockerfile(source)
    assert parsed is not None
    workspace = Workspace(source)
    layer = runtime_layer(links[service].service, workspace)
    options = Options(Config(), build=build)
    analysis = build_analysis(source, parsed, options, build.dockerfile, layer, workspace)
    stage = analysis.dockerfile.final
    assert stage is not None
    return analysis, stage


class TestServiceView:
    FILES: ClassVar[dict[str, str]] = {
        "Dockerfile": "FROM python:3.12-slim\n"
        "USER app\n"
        "STOPSIGNAL SIGTERM\n"
        "ENV WEB_CONCURRENCY=2 PORT=8000\n"
        'ENTRYPOINT ["tini", "--"]\n'
        'CMD ["gunicorn", "app.wsgi", "--bind", "0.0.0.0:8000"]\n',
        "compose.yaml": "services:\n"
        "  web:\n"
        "    build: .\n"
        "    user: root\n"
        "    stop_signal: SIGINT\n"
        "    env_file: web.env\n"
        "    environment:\n"
        "      - WEB_CONCURRENCY=4\n"
        "    command: gunicorn app.wsgi --workers 3 && echo dropped\n"
        "  tool:\n"
        "    build: .\n"
        "    entrypoint: [python, manage.py]\n",
        "web.env": "WEB_CONCURRENCY=3\nPORT=9000\n",
    }

    def test_the_service_replaces_the_images_settings(self, tmp_path: Path) -> None:
        write(tmp_path, self.FILES)
        analysis, stage = _service_analysis(tmp_path, "web")
        assert analysis.user(stage).value == "root"
        assert analysis.stop_signal(stage) == "SIGINT"
        start = analysis.start(stage)
        assert start is not None
        # command replaces CMD (cut by Compose at `&&`); the image's ENTRYPOINT stays.
        assert [w.value for w in start.argv] == [
            "tini",
            "--",
            "gunicorn",
            "app.wsgi",
            "--workers",
            "3",
        ]
        settings = analysis.gunicorn(stage)
        assert settings is not None
        workers = settings.get("workers")
        # The command line wins; below it environment beats env_file beats the image's ENV.
        assert (workers.value, workers.layer) == ("3", "cli")
        assert settings.env["WEB_CONCURRENCY"].value == "4"
        assert settings.env["PORT"].value == "9000"
        # The span of the Compose value is in the workspace: it locates to compose.yaml.
        span = workers.span
        assert span is not None
        source, local = analysis.workspace.locate(span)
        assert source.path.endswith("compose.yaml")
        assert source.slice(local).startswith("--workers")

    def test_a_compose_entrypoint_drops_the_image_cmd(self, tmp_path: Path) -> None:
        write(tmp_path, self.FILES)
        analysis, stage = _service_analysis(tmp_path, "tool")
        start = analysis.start(stage)
        assert start is not None
        assert [w.value for w in start.argv] == ["python", "manage.py"]
        # The image alone still runs its own settings.
        assert analysis.user(stage).value == "app"


class TestCheckoutWithoutDeploymentFiles:
    """A checkout lacks what a deployment supplies: `.env` files and variable values."""

    def test_a_missing_env_file_is_a_warning_and_its_variables_are_unknown(
        self, tmp_path: Path
    ) -> None:
        write(
            tmp_path,
            {
                "compose.yaml": "services:\n  web:\n    build: .\n    env_file: .env.prod\n",
                "Dockerfile": DOCKERFILE,
            },
        )
        code, out, err = run(tmp_path, "check", "--show-services", "--format", "json")
        assert code == 0, err
        assert "compose.yaml:4: env file .env.prod of service web is not here" in err
        (project,) = json.loads(out)
        gunicorn = project["services"][0]["gunicorn"]
        # The missing file may set GUNICORN_CMD_ARGS: nothing below the command line is known.
        assert gunicorn["workers"] == {"value": None, "layer": "GUNICORN_CMD_ARGS", "known": False}

    def test_a_required_variable_is_unknown_not_an_error(self, tmp_path: Path) -> None:
        write(
            tmp_path,
            {
                "compose.yaml": "services:\n"
                "  web:\n"
                "    build: .\n"
                "    environment:\n"
                "      SECRET_KEY: ${SECRET_KEY:?set SECRET_KEY}\n",
                "Dockerfile": DOCKERFILE,
            },
        )
        code, out, err = run(tmp_path, "check", "--show-services", "--format", "json")
        assert code == 0, err
        env = json.loads(out)[0]["services"][0]["environment"]
        assert env["SECRET_KEY"]["depends_on"] == ["SECRET_KEY"]
        # parse --compose stays Compose: the same file is an error there.
        code, _, err = run(tmp_path, "parse", "--compose")
        assert code == 2
        assert "required variable SECRET_KEY is missing a value" in err

    def test_a_project_unreadable_for_want_of_values_is_a_warning(self, tmp_path: Path) -> None:
        write(
            tmp_path,
            {
                "compose.yaml": "services:\n"
                "  web:\n"
                "    image: nginx\n"
                "    volumes: ['${DATA}:/data']\n",
                "Dockerfile": DOCKERFILE,
            },
        )
        code, _, err = run(tmp_path, "check")
        assert code == 1  # the Dockerfile's own findings; the Compose file is no input error
        assert "not checked: this may only need values for DATA" in err
        code, _, err = run(tmp_path, "check", "--env", "DATA=./data")
        assert code == 1
        assert "not checked" not in err

    def test_a_partial_override_is_read_over_the_main_file(self, tmp_path: Path) -> None:
        write(
            tmp_path,
            {
                "compose.yaml": "services:\n  web:\n    build: .\n",
                "docker-compose.override.dev.yml": "services:\n"
                "  web:\n"
                "    command: gunicorn app.wsgi --reload\n",
                "Dockerfile": DOCKERFILE,
            },
        )
        code, out, err = run(tmp_path, "check", "--show-services", "--format", "json")
        assert code == 0, err
        files = [p["files"] for p in json.loads(out)]
        assert ["compose.yaml", "docker-compose.override.dev.yml"] in files


class TestFixCompose:
    def test_fix_reports_what_every_build_leaves(self, tmp_path: Path) -> None:
        write(
            tmp_path,
            {
                "Dockerfile": "FROM python:3.12 AS other\n"
                "FROM python:3.12 AS prod\nUSER 1000:1000\n"
                'CMD ["gunicorn", "app.wsgi"]\n',
                "compose.yaml": "services:\n  web:\n    build: {context: ., target: prod}\n"
                "  worker:\n    build: {context: ., target: other}\n",
            },
        )
        code, out, err = run(tmp_path, "fix", "--select", "DJ030")
        assert code == 1, err
        assert "DJ030" in out  # the `other` target runs as root

    def test_fix_takes_the_compose_options_check_takes(self, tmp_path: Path) -> None:
        write(
            tmp_path,
            {
                "a.yaml": "services:\n  web:\n    image: example/web-django\n    ports:\n"
                "      - 8000:8000\n",
                "b.yaml": "services:\n  web:\n    environment:\n      A: ${A}\n",
            },
        )
        code, _, err = run(tmp_path, "fix", "-f", "a.yaml", "-f", "b.yaml", "--env", "A=1")
        assert code == 0, err
        assert '- "8000:8000"' in (tmp_path / "a.yaml").read_text(encoding="utf-8")

    def test_a_project_that_needs_values_is_a_warning_for_fix_too(self, tmp_path: Path) -> None:
        write(
            tmp_path,
            {
                "compose.yaml": "services:\n  web:\n    image: a\n"
                "    deploy:\n      replicas: ${N}\n"
            },
        )
        code, _, err = run(tmp_path, "fix")
        assert code == 0, err
        assert "warning:" in err and "error:" not in err

    def test_a_file_by_two_names_is_fixed_once(self, tmp_path: Path) -> None:
        write(
            tmp_path,
            {
                "compose.yaml": "services:\n  web:\n    build: .\n    ports:\n      - 8000:8000\n",
                "Dockerfile": 'FROM python:3.12\nCMD ["gunicorn", "app.wsgi"]\n',
                "prod.yaml": "services:\n  web:\n    environment:\n      A: b\n",
                ".dockerlint-django.yaml": "compose:\n  file-sets: [[sub/link.yaml, prod.yaml]]\n",
            },
        )
        (tmp_path / "sub").mkdir()
        (tmp_path / "sub" / "link.yaml").symlink_to("../compose.yaml")
        code, _, err = run(tmp_path, "fix", "--select", "DJ111,DJ007")
        text = (tmp_path / "compose.yaml").read_text(encoding="utf-8")
        assert '"8000:8000"' in text and "stop_grace_period: 30s" in text, (text, err)
        code, out, _ = run(tmp_path, "check", "--select", "DJ111,DJ007", "--format", "json")
        assert json.loads(out) == [] and code == 0


def test_bad_development_keys_are_one_line_errors(tmp_path: Path) -> None:
    write(tmp_path, {".dockerlint-django.yaml": "development:\n  1: x\n  null: y\n"})
    write(tmp_path, {"Dockerfile": DOCKERFILE})
    code, _, err = run(tmp_path, "check")
    assert code == 2
    assert "development." in err and "Traceback" not in err


def test_a_related_place_in_the_build_context_is_named_from_the_working_directory(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "proj/Dockerfile": "FROM python:3.12\nCOPY requirements.txt /tmp/r.txt\n"
            "RUN pip install --no-cache-dir -r /tmp/r.txt\n"
            'CMD ["gunicorn", "app.wsgi", "--name", "app"]\n',
            "proj/requirements.txt": "gunicorn==23.0.0\n",
        },
    )
    _, out, _ = run(tmp_path, "check", "--select", "DJ024", "--format", "json", "proj")
    [finding] = json.loads(out)
    assert [r["filename"] for r in finding["related"]] == ["proj/requirements.txt"]


def test_an_included_file_keeps_its_own_configuration(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "compose.yaml": "include: [sub/db.yaml]\nservices:\n  web:\n    image: a-django\n"
            "    environment:\n      SECRET_KEY: Zq7vR2mXk9pLw3Yt\n",
            "sub/db.yaml": "services:\n  app:\n    image: b-django\n    environment:\n"
            "      SECRET_KEY: Hq2vT8nWk4pLx7Zr\n",
            "sub/.dockerlint-django.yaml": "ignore: [DJ046]\n",
        },
    )
    _, out, _ = run(tmp_path, "check", "--format", "json")
    assert {f["filename"] for f in json.loads(out) if f["code"] == "DJ046"} == {"compose.yaml"}
