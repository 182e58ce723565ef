"""Multi-target Dockerfiles: every image a build of the file can make that may serve production.

A file with a `prod` stage and a last `dev` stage makes two images; `docker build .` makes `dev`,
the deployment `docker build --target prod`. Both are judged, a finding only `prod` has names it,
and production-only advice in a stage named for development is info. `target`, `--target` and
`per-file-target` name the one image to judge instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dockerlint_django import engine
from dockerlint_django._record import replace
from dockerlint_django.analysis import Analysis
from dockerlint_django.cli import cli
from dockerlint_django.config import Config, ConfigError, from_mapping, load_file
from dockerlint_django.dockerfile.model import Stage
from dockerlint_django.engine import Options, fix_source, lint_path, lint_source
from dockerlint_django.project.links import ImageBuild
from dockerlint_django.results import FileResult, Finding, flatten
from dockerlint_django.rules._base import Severity
from dockerlint_django.source import Position, SourceFile, Span

PROD_THEN_DEV = """\
FROM python:3.12-slim AS base
WORKDIR /app
COPY . .

FROM base AS prod
USER 1000:1000
CMD gunicorn app.wsgi --bind 0.0.0.0:8000

FROM base AS dev
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
"""


def lint(text: str, config: Config | None = None, **options: Any) -> FileResult:
    source = SourceFile.from_text("Dockerfile", text)
    return lint_source(source, Options(config or Config(), **options))


def found(result: FileResult, code: str | None = None) -> list[tuple[str, int, str]]:
    return [
        (f.code, f.start.line, f.severity.label)
        for f in result.findings
        if code is None or f.code == code
    ]


def only(result: FileResult, code: str, line: int) -> Finding:
    hits = [f for f in result.findings if f.code == code and f.start.line == line]
    assert len(hits) == 1, result.findings
    return hits[0]


@pytest.fixture
def extra_runs(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The stages the engine analysed as other targets, in order."""
    calls: list[str | None] = []
    real = engine.as_target

    def spy(analysis: Analysis, stage: Stage) -> Analysis:
        calls.append(stage.name)
        return real(analysis, stage)

    monkeypatch.setattr(engine, "as_target", spy)
    return calls


class TestOtherTargets:
    def test_the_production_stage_before_a_last_dev_stage_is_judged(self) -> None:
        result = lint(PROD_THEN_DEV, Config(select=("DJ001",)))
        finding = only(result, "DJ001", 7)
        assert finding.severity is Severity.ERROR
        assert finding.message.endswith("(in the image built with --target prod)")
        assert finding.other_target == "prod"

    def test_the_last_stage_is_still_judged_as_the_default_build(self) -> None:
        result = lint(PROD_THEN_DEV, Config(select=("DJ027",)))
        finding = only(result, "DJ027", 10)
        # Production-only advice in a stage named for development: info, and why.
        assert finding.severity is Severity.INFO
        assert finding.message.endswith("(info here: stage 'dev' is named for development)")
        assert finding.other_target is None

    def test_the_fix_of_another_target_is_applied(self) -> None:
        source = SourceFile.from_text("Dockerfile", PROD_THEN_DEV)
        outcome = fix_source(source, Options(Config(select=("DJ001",))), unsafe=False)
        assert 'CMD ["gunicorn", "app.wsgi", "--bind", "0.0.0.0:8000"]' in outcome.text

    def test_a_pragma_on_the_other_target_suppresses_it_and_is_used(self) -> None:
        text = PROD_THEN_DEV.replace(
            "CMD gunicorn", "# dockerlint-django: ignore=DJ001  # the shell is wanted\nCMD gunicorn"
        )
        result = lint(text, Config(select=("DJ001", "DJ901")))
        assert found(result) == []
        assert [f.code for f in result.suppressed] == ["DJ001"]

    def test_a_finding_both_images_have_is_reported_once_without_a_target(self) -> None:
        text = """\
FROM python:3.12-slim AS base
RUN pip install gunicorn

FROM base AS prod
CMD ["gunicorn", "app.wsgi"]

FROM base AS web
CMD ["gunicorn", "app.wsgi"]
"""
        result = lint(text, Config(select=("DJ105",)))
        finding = only(result, "DJ105", 2)
        assert finding.other_target is None
        assert "--target" not in finding.message

    def test_where_both_report_one_place_the_more_severe_reading_wins(self) -> None:
        # DJ030 points at the shared USER root: info for the `dev` image, a warning for `prod`.
        text = """\
FROM python:3.12-slim AS base
USER root

FROM base AS prod
CMD ["gunicorn", "app.wsgi"]

FROM base AS dev
CMD ["python", "manage.py", "runserver"]
"""
        result = lint(text, Config(select=("DJ030",)))
        finding = only(result, "DJ030", 2)
        assert finding.severity is Severity.WARNING
        assert finding.message.endswith("(in the image built with --target prod)")

    def test_a_development_stage_is_not_another_target(self, extra_runs: list[str]) -> None:
        text = """\
FROM python:3.12-slim AS development
CMD python manage.py runserver 0.0.0.0:8000

FROM python:3.12-slim AS production
CMD ["gunicorn", "app.wsgi"]
"""
        assert found(lint(text, Config(select=("DJ001", "DJ027")))) == []
        assert extra_runs == []

    def test_a_configured_development_word_counts_for_stages(self) -> None:
        text = PROD_THEN_DEV.replace("AS dev", "AS devstack")
        config = Config(select=("DJ027",), development_words=("devstack",))
        assert found(lint(text, config)) == [("DJ027", 10, "info")]


class TestWhichStagesAreTargets:
    def test_one_stage_costs_no_second_analysis(self, extra_runs: list[str]) -> None:
        lint("FROM python:3.12\nCMD gunicorn app.wsgi\n")
        assert extra_runs == []

    def test_a_builder_stage_is_no_target(self, extra_runs: list[str]) -> None:
        text = """\
FROM python:3.12 AS build
RUN pip wheel -w /wheels gunicorn
CMD gunicorn app.wsgi

FROM python:3.12
COPY --from=build /wheels /wheels
CMD ["gunicorn", "app.wsgi"]
"""
        assert found(lint(text, Config(select=("DJ001",)))) == []
        assert extra_runs == []

    def test_a_stage_a_mount_reads_from_is_no_target(self, extra_runs: list[str]) -> None:
        text = """\
FROM python:3.12 AS wheels
CMD gunicorn app.wsgi

FROM python:3.12
RUN --mount=type=bind,from=wheels,target=/w pip install /w/*.whl
CMD ["gunicorn", "app.wsgi"]
"""
        lint(text)
        assert extra_runs == []

    def test_a_parent_stage_is_no_target(self, extra_runs: list[str]) -> None:
        text = """\
FROM python:3.12 AS base
CMD gunicorn app.wsgi

FROM base
CMD ["gunicorn", "app.wsgi"]
"""
        assert found(lint(text, Config(select=("DJ001",)))) == []
        assert extra_runs == []

    @pytest.mark.parametrize(
        "stage",
        [
            # No start command of its own: a step of a pipeline, not an image to run.
            "FROM python:3.12 AS lint\nRUN ruff check .\n",
            # Starts something that is not a web server.
            'FROM python:3.12 AS worker\nCMD ["celery", "-A", "app", "worker"]\n',
            # No name: `docker build --target` cannot name it.
            "FROM python:3.12\nCMD gunicorn app.wsgi\n",
        ],
    )
    def test_other_leaves_are_no_targets(self, stage: str, extra_runs: list[str]) -> None:
        lint(stage + 'FROM python:3.12 AS web\nCMD ["gunicorn", "app.wsgi"]\n')
        assert extra_runs == []

    @pytest.mark.parametrize(
        "reference",
        ["FROM $BASE AS next\n", "FROM python:3.12 AS next\nCOPY --from=$SOURCE /a /a\n"],
    )
    def test_a_stage_a_variable_names_could_be_any(
        self, reference: str, extra_runs: list[str]
    ) -> None:
        text = f"""\
ARG BASE
ARG SOURCE
FROM python:3.12 AS prod
CMD gunicorn app.wsgi

{reference}CMD ["gunicorn", "app.wsgi"]
"""
        lint(text)
        assert extra_runs == []

    def test_several_targets(self, extra_runs: list[str]) -> None:
        text = """\
FROM python:3.12 AS app
FROM app AS newrelic
CMD newrelic-admin run-program gunicorn app.wsgi
FROM app AS web
CMD gunicorn app.wsgi
FROM app AS legacy
CMD ["gunicorn", "app.wsgi"]
"""
        result = lint(text, Config(select=("DJ001",)))
        assert extra_runs == ["newrelic", "web"]
        assert [f.message.rsplit("(", 1)[1] for f in result.findings] == [
            "in the image built with --target newrelic)",
            "in the image built with --target web)",
        ]


class TestChosenTarget:
    def test_target_option_judges_that_stage_alone(self, extra_runs: list[str]) -> None:
        result = lint(PROD_THEN_DEV, Config(select=("DJ001", "DJ027")), target="prod")
        assert found(result) == [("DJ001", 7, "error")]
        assert "--target" not in result.findings[0].message
        assert extra_runs == []

    def test_a_target_option_the_file_lacks_is_an_error_when_the_file_was_named(self) -> None:
        result = lint(PROD_THEN_DEV, Config(select=("DJ001",)), target="staging")
        assert result.parse_failed
        assert found(result) == [("DJ900", 1, "error")]
        assert result.findings[0].message == "target stage 'staging' could not be found"

    def test_a_target_option_a_found_file_lacks_leaves_its_targets(self) -> None:
        result = lint(
            PROD_THEN_DEV, Config(select=("DJ001",)), target="staging", target_required=False
        )
        assert not result.parse_failed
        assert found(result) == [("DJ001", 7, "error")]

    def test_the_repository_wide_target_counts_where_the_stage_is(self) -> None:
        assert found(lint(PROD_THEN_DEV, Config(select=("DJ027",), target="prod"))) == []
        elsewhere = lint(
            "FROM python:3.12\nCMD gunicorn app.wsgi\n", Config(select=("DJ001",), target="prod")
        )
        assert not elsewhere.parse_failed
        assert found(elsewhere) == [("DJ001", 2, "error")]

    def test_a_compose_target_is_the_image_built_and_the_last_stage_another(
        self, tmp_path: Path
    ) -> None:
        text = """\
FROM python:3.12 AS app
FROM app AS dev
CMD python manage.py runserver
FROM app AS kubernetes
CMD gunicorn app.wsgi
"""
        build = ImageBuild("web", tmp_path, tmp_path / "Dockerfile", target="dev")
        result = lint(text, Config(select=("DJ001", "DJ027")), build=build)
        assert [(f.code, f.start.line, f.other_target) for f in result.findings] == [
            ("DJ001", 3, None),
            ("DJ027", 3, None),
            ("DJ001", 5, "kubernetes"),
        ]

    def test_a_compose_target_for_production_leaves_the_dev_stage_out(
        self, tmp_path: Path, extra_runs: list[str]
    ) -> None:
        build = ImageBuild("web", tmp_path, tmp_path / "Dockerfile", target="prod")
        result = lint(PROD_THEN_DEV, Config(select=("DJ001", "DJ027")), build=build)
        assert found(result) == [("DJ001", 7, "error")]
        assert extra_runs == []


class TestPerFileTarget:
    def test_parsed_in_order(self) -> None:
        cfg = from_mapping(
            {"per-file-target": {"docker/Dockerfile.web": "prod", "**/Dockerfile*": "web"}}, None
        )
        assert cfg.per_file_target == (("docker/Dockerfile.web", "prod"), ("**/Dockerfile*", "web"))
        assert "per-file-target" in cfg.given

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            (["prod"], "per-file-target: expected a mapping of glob to stage name"),
            ({"Dockerfile": 3}, "per-file-target.Dockerfile: expected a stage name, got 3"),
            ({"Dockerfile": "1st"}, "per-file-target.Dockerfile: expected a stage name, got '1st'"),
        ],
    )
    def test_bad_values(self, value: object, message: str) -> None:
        with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
            from_mapping({"per-file-target": value}, None)

    def test_toml(self, tmp_path: Path) -> None:
        path = tmp_path / "pyproject.toml"
        path.write_text(
            '[tool.dockerlint-django]\nper-file-target = { "Dockerfile.prod" = "prod" }\n',
            encoding="utf-8",
        )
        cfg = load_file(path)
        assert cfg is not None
        assert cfg.per_file_target == (("Dockerfile.prod", "prod"),)

    def test_the_first_matching_glob_names_the_stage(self, tmp_path: Path) -> None:
        cfg = Config(
            path=tmp_path / ".dockerlint-django.yaml",
            per_file_target=(("docker/*.prod", "prod"), ("docker/*", "web")),
        )
        real = tmp_path / "docker" / "Dockerfile.prod"
        assert cfg.target_for("elsewhere/Dockerfile.prod", real) == ("docker/*.prod", "prod")
        assert cfg.target_for("docker/Dockerfile", None) == ("docker/*", "web")
        assert cfg.target_for("Dockerfile", None) is None

    def test_it_judges_that_stage_alone(self, extra_runs: list[str]) -> None:
        cfg = Config(select=("DJ001", "DJ027"), per_file_target=(("Dockerfile", "dev"),))
        assert found(lint(PROD_THEN_DEV, cfg)) == [("DJ027", 10, "info")]
        assert extra_runs == []

    def test_it_beats_the_repository_wide_target(self) -> None:
        cfg = Config(select=("DJ001",), target="dev", per_file_target=(("Dockerfile", "prod"),))
        assert found(lint(PROD_THEN_DEV, cfg)) == [("DJ001", 7, "error")]

    def test_a_stage_the_file_lacks_is_an_error_that_names_the_entry(self, tmp_path: Path) -> None:
        cfg = Config(
            path=tmp_path / ".dockerlint-django.yaml",
            select=("DJ001",),
            per_file_target=(("Dockerfile", "staging"),),
        )
        result = lint(PROD_THEN_DEV, cfg)
        assert result.parse_failed
        message = result.findings[0].message
        assert message.startswith(
            "target stage 'staging' could not be found (per-file-target 'Dockerfile' in "
        )
        assert message.endswith(".dockerlint-django.yaml)")


class TestCommandLine:
    @pytest.fixture
    def tree(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        (tmp_path / ".git").mkdir()
        (tmp_path / "web").mkdir()
        (tmp_path / "worker").mkdir()
        (tmp_path / "web" / "Dockerfile").write_text(PROD_THEN_DEV, encoding="utf-8")
        (tmp_path / "worker" / "Dockerfile").write_text(
            'FROM python:3.12\nUSER 1000\nCMD ["celery", "-A", "app", "worker"]\n',
            encoding="utf-8",
        )
        monkeypatch.chdir(tmp_path)
        return tmp_path

    def run(self, *args: str) -> Result:
        return CliRunner().invoke(cli, ["check", "--format", "json", "--select", "DJ001", *args])

    def test_a_folder_check_judges_every_target(self, tree: Path) -> None:
        result = self.run(".")
        assert result.exit_code == 1
        (entry,) = json.loads(result.stdout)
        assert entry["filename"] == "web/Dockerfile"
        assert entry["location"]["row"] == 7
        assert "--target prod" in entry["message"]

    def test_per_file_target_leaves_other_files_alone(self, tree: Path) -> None:
        (tree / ".dockerlint-django.yaml").write_text(
            "per-file-target:\n  web/Dockerfile: dev\n", encoding="utf-8"
        )
        result = self.run(".")
        assert result.exit_code == 0, result.stdout
        assert json.loads(result.stdout) == []

    def test_target_option_skips_files_found_without_the_stage(self, tree: Path) -> None:
        # worker/Dockerfile has no `prod` stage: found by the folder search, it is linted as
        # without a target; named on the command line, it is an error, as docker build is.
        found = self.run("--target", "prod", ".")
        assert found.exit_code == 1, found.stderr
        named = self.run("--target", "prod", "worker/Dockerfile")
        assert named.exit_code == 2
        assert "prod" in named.stderr


class TestScriptsOfAnotherTarget:
    def test_a_finding_in_the_entrypoint_script_of_another_target(self, tmp_path: Path) -> None:
        (tmp_path / "entrypoint.sh").write_text(
            "#!/bin/sh\npython manage.py migrate\ngunicorn app.wsgi\n", encoding="utf-8"
        )
        dockerfile = tmp_path / "Dockerfile"
        dockerfile.write_text(
            """\
FROM python:3.12 AS app
COPY entrypoint.sh /entrypoint.sh

FROM app AS prod
ENTRYPOINT ["/entrypoint.sh"]

FROM app AS dev
CMD ["python", "manage.py", "runserver"]
""",
            encoding="utf-8",
        )
        result = lint_path(dockerfile, "Dockerfile", Options(Config(select=("DJ003",))))
        assert result.findings == []
        (script,) = result.others
        assert script.path.endswith("entrypoint.sh")
        (finding,) = script.findings
        assert finding.code == "DJ003"
        assert finding.other_target == "prod"
        assert finding.message.endswith("(in the image built with --target prod)")


def _finding(message: str, severity: Severity, other: str | None) -> Finding:
    return Finding(
        "Dockerfile",
        "DJ001",
        "shell-form-server-command",
        message,
        severity,
        Span(10, 20),
        Position(2, 1),
        Position(2, 11),
        other_target=other,
    )


class TestFlatten:
    """A Dockerfile two Compose services build with different targets: one finding a place."""

    def merged(self, *findings: Finding) -> list[Finding]:
        results = [FileResult("Dockerfile", None, None, findings=[f]) for f in findings]
        (result,) = flatten(results)
        return result.findings

    def test_the_reading_of_the_image_built_wins_a_tie(self) -> None:
        other = _finding("m (in the image built with --target prod)", Severity.ERROR, "prod")
        own = _finding("m", Severity.ERROR, None)
        assert self.merged(other, own) == [own]
        assert self.merged(own, other) == [own]

    def test_the_more_severe_reading_wins(self) -> None:
        info = _finding("m (info here: stage 'dev' is named for development)", Severity.INFO, None)
        warning = _finding("m (in the image built with --target prod)", Severity.WARNING, "prod")
        assert self.merged(info, warning) == [warning]

    def test_two_findings_of_one_result_are_both_kept(self) -> None:
        first = _finding("unknown flag: a", Severity.ERROR, None)
        second = replace(first, message="unknown flag: b")
        (result,) = flatten([FileResult("Dockerfile", None, None, findings=[first, second])])
        assert len(result.findings) == 2


def test_a_stage_only_development_stages_build_on_is_a_target_of_its_own() -> None:
    # torchbox's shape: the deployment builds `production`; `dev` adds tooling on top of it.
    text = (
        "FROM python:3.12 AS production\n"
        "RUN useradd --no-log-init -r app\nUSER app\n"
        "CMD gunicorn app.wsgi\n"
        "FROM production AS dev\n"
        'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n'
    )
    finding = only(lint(text, Config(select=("DJ001",))), "DJ001", 4)
    assert finding.message.endswith("(in the image built with --target production)")
    # A production stage built on it makes it a base, not an image of its own.
    based = text.replace("AS dev", "AS web")
    assert found(lint(based, Config(select=("DJ001",))), "DJ001") == []
