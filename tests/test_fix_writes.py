"""What ``fix`` and ``--output-file`` write, and what they refuse to: a fix keeps everything of a
file it does not mean to change (hard links, symlinks, mode, extended attributes), leaves alone a
file that is read-only or changed while the run went on, and never writes a fix that did not
converge; a report is never written through a symlink, over a device or over a checked file."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dockerlint_django.cli import cli
from dockerlint_django.engine import fix_source
from dockerlint_django.fix import FixOutcome

RUNNER = "RUN groupadd -r app && useradd --no-log-init -r -g app app\nUSER app:app\n"
CASING = f'FROM python:3.11 as b\nFROM python:3.11\n{RUNNER}CMD ["true"]\n'
FIXED = CASING.replace(" as ", " AS ")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(autouse=True)
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: str, text: str = CASING) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


class TestWhatAFixKeeps:
    def test_hard_links_stay_one_file(self, project: Path) -> None:
        p = write("Dockerfile")
        os.link(p, project / "Dockerfile.copy")
        res = run("fix", "Dockerfile")
        assert res.exit_code == 0, res.output
        assert p.read_text() == FIXED
        assert (project / "Dockerfile.copy").read_text() == FIXED
        assert p.stat().st_ino == (project / "Dockerfile.copy").stat().st_ino

    def test_a_symlink_stays_a_link_and_its_target_is_fixed(self, project: Path) -> None:
        real = write("docker/Dockerfile.real")
        link = project / "Dockerfile"
        link.symlink_to("docker/Dockerfile.real")
        assert run("fix", "Dockerfile").exit_code == 0
        assert link.is_symlink()
        assert real.read_text() == FIXED

    def test_mode_kept_and_no_temporary_file_left(self, project: Path) -> None:
        p = write("Dockerfile")
        p.chmod(0o640)
        assert run("fix").exit_code == 0
        assert stat.S_IMODE(p.stat().st_mode) == 0o640
        assert leftovers(project) == [".git"]

    def test_extended_attributes_kept(self, project: Path) -> None:
        p = write("Dockerfile")
        try:
            os.setxattr(p, "user.reviewed", b"yes")
        except OSError:
            pytest.skip("this file system has no user extended attributes")
        assert run("fix").exit_code == 0
        assert p.read_text() == FIXED
        assert os.getxattr(p, "user.reviewed") == b"yes"


class TestWhatAFixLeavesAlone:
    def test_read_only_file_is_reported_and_others_fixed(self, project: Path) -> None:
        ro = write("a/Dockerfile")
        ro.chmod(0o444)
        other = write("b/Dockerfile")
        res = run("fix")
        assert res.exit_code == 2
        assert "a/Dockerfile: read-only; not rewritten" in res.stderr
        assert ro.read_text() == CASING
        assert other.read_text() == FIXED
        # Only what was written counts as fixed.
        assert "(1 fixed," in res.stdout

    def test_a_file_changed_while_fixing_is_left_as_it_is(
        self, project: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        p = write("Dockerfile")
        real_fix = fix_source

        def saved_meanwhile(*args: Any, **kwargs: Any) -> FixOutcome:
            outcome = real_fix(*args, **kwargs)
            p.write_text(CASING + "# an edit saved in the editor meanwhile\n", encoding="utf-8")
            return outcome

        monkeypatch.setattr("dockerlint_django.cli.fix.fix_source", saved_meanwhile)
        res = run("fix")
        assert res.exit_code == 2
        assert "changed on disk while it was being fixed; left as it is" in res.stderr
        assert p.read_text().endswith("meanwhile\n")

    def test_a_fix_that_does_not_converge_is_not_written(
        self, project: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        p = write("Dockerfile")
        real_fix = fix_source

        def endless(*args: Any, **kwargs: Any) -> FixOutcome:
            outcome = real_fix(*args, **kwargs)
            return FixOutcome(outcome.text, outcome.applied, False, 10, outcome.by_code)

        monkeypatch.setattr("dockerlint_django.cli.fix.fix_source", endless)
        res = run("fix")
        assert res.exit_code == 2
        assert "its fixes do not converge; the file is left as it is" in res.stderr
        assert p.read_text() == CASING
        assert "fixed" not in res.stdout


class TestReportTargets:
    def test_not_through_a_symlink(self, project: Path) -> None:
        write("Dockerfile")
        victim = write("elsewhere/precious.txt", "keep me\n")
        (project / "report.sarif").symlink_to(victim)
        res = run("check", "--format", "sarif", "--output-file", "report.sarif")
        assert res.exit_code == 2
        assert "is a symbolic link" in res.stderr
        assert victim.read_text() == "keep me\n"

    def test_not_over_a_device(self) -> None:
        write("Dockerfile")
        res = run("check", "--format", "json", "--output-file", "/dev/null")
        assert res.exit_code == 2
        assert "--output-file /dev/null: is not a regular file" in res.stderr
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode)

    @pytest.mark.parametrize("command", ["check", "fix"])
    def test_not_over_a_checked_file(self, command: str) -> None:
        p = write("Dockerfile")
        res = run(command, "--output-file", "Dockerfile")
        assert res.exit_code == 2
        assert "is a file this run checks" in res.stderr
        assert p.read_text() == CASING

    def test_not_over_a_compose_file(self) -> None:
        write("Dockerfile")
        compose = write("compose.yaml", "services:\n  web:\n    build: .\n")
        res = run("check", "--format", "json", "--output-file", "compose.yaml")
        assert res.exit_code == 2
        assert compose.read_text() == "services:\n  web:\n    build: .\n"


def test_a_system_without_unnamed_files_still_writes_atomically(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_link(fd: int, target: Path) -> str:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr("dockerlint_django.fix._link_unnamed", no_link)
    p = write("Dockerfile")
    p.chmod(0o640)
    assert run("fix").exit_code == 0
    assert p.read_text() == FIXED
    assert stat.S_IMODE(p.stat().st_mode) == 0o640
    assert leftovers(project) == [".git"]
