"""``--jobs``: files linted in worker processes give the output one process gives, byte for
byte, in every format and for ``fix``; a worker's exception, a worker that dies and Ctrl-C end
the run instead of hanging it."""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dockerlint_django.cli import _jobs, cli, collect_results, run_for
from dockerlint_django.cli._common import default_jobs
from dockerlint_django.cli._run import _LintTask, lint_planned
from dockerlint_django.discover import display_path

RUNNER = "RUN groupadd -r app && useradd --no-log-init -r -g app app\nUSER app:app\n"
CASING = f'FROM python:3.11 as b\nFROM python:3.11\n{RUNNER}CMD ["true"]\n'
CASCADE = (
    f"FROM python:3.11\n{RUNNER}ENV WEB_CONCURRENCY=2\nEXPOSE 8000\nSTOPSIGNAL SIGINT\n"
    "CMD gunicorn core.wsgi --bind 0.0.0.0:8000 --threads 2 --worker-tmp-dir /dev/shm "
    "--name web\n"
)
# A finding in the script the image runs (a result of its own), and a pragma left unused.
SCRIPTED = (
    "FROM python:3.12-slim\n# dockerlint-django: ignore=DJ101\nCOPY entrypoint.sh /entrypoint.sh\n"
    'ENTRYPOINT ["/entrypoint.sh"]\n'
)
SCRIPT = "#!/bin/sh\nset -e\npython manage.py migrate\ngunicorn app.wsgi --bind 0.0.0.0:8000\n"
BROKEN = "FROM python:3.12\nRUN <<EOF\n"
COMPOSE = (
    "services:\n  web:\n    build: .\n    command: gunicorn app.wsgi --workers 4\n"
    "    ports: [8000:8000]\n"
)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def write(path: str, text: str) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def many(root: Path = Path(), copies: int = 6) -> None:
    """Enough Dockerfiles for worker processes: fixes, cascades, scripts, a parse error, a
    Compose project building one of them, and one that cannot be read."""
    for i in range(copies):
        write(f"{root}/p{i}/Dockerfile", CASCADE)
        write(f"{root}/p{i}/Dockerfile.casing", CASING)
        write(f"{root}/p{i}/scripted/Dockerfile", SCRIPTED)
        write(f"{root}/p{i}/scripted/entrypoint.sh", SCRIPT)
        write(f"{root}/p{i}/broken/Dockerfile", BROKEN)
    write(f"{root}/p0/compose.yaml", COMPOSE)
    # One file under two names: found, linted and fixed once.
    Path(f"{root}/p0/Dockerfile.again").symlink_to("Dockerfile.casing")
    write(f"{root}/bad/Dockerfile", "FROM python:3.12\n").write_bytes(b"FROM \xff\n")


def test_default_is_the_cores_available() -> None:
    assert default_jobs() >= 1
    if hasattr(os, "sched_getaffinity") and not hasattr(os, "process_cpu_count"):
        assert default_jobs() == len(os.sched_getaffinity(0))


def test_jobs_must_be_positive() -> None:
    res = run("check", "--jobs", "0")
    assert res.exit_code == 2
    assert "--jobs" in res.output


@pytest.mark.parametrize("command", ["check", "fix"])
def test_help_lists_jobs(command: str) -> None:
    assert "--jobs N" in run(command, "--help").stdout


def test_processes_only_pay_for_enough_files() -> None:
    assert not _jobs.worth_processes(1, 10_000)
    assert not _jobs.worth_processes(8, 1)
    assert not _jobs.worth_processes(8, _jobs.MIN_FILES_FORKED - 1)
    assert _jobs.worth_processes(2, max(_jobs.MIN_FILES_FORKED, _jobs.MIN_FILES_SPAWNED))


def _square(n: int) -> int:
    return n * n


def test_results_keep_the_order_of_the_tasks() -> None:
    tasks = list(range(100))
    assert _jobs.run_each(_square, tasks, 3) == [n * n for n in tasks]


FORMATS = [
    ("text",),
    ("full",),
    ("json",),
    ("sarif",),
    ("github",),
    ("gitlab",),
    ("junit",),
    ("--statistics",),
    ("--statistics", "--format", "json"),
]


@pytest.mark.parametrize("args", FORMATS, ids=lambda a: "-".join(a))
def test_check_prints_the_same_whatever_the_jobs(args: tuple[str, ...]) -> None:
    many()
    options = list(args) if args[0].startswith("--") else ["--format", args[0]]
    one = run("check", "--jobs", "1", *options)
    two = run("check", "--jobs", "2", *options)
    assert one.exit_code == two.exit_code == 2
    assert one.stdout == two.stdout
    assert one.stderr == two.stderr


def test_the_exact_fix_count_is_found_where_each_file_is_linted() -> None:
    many()
    run_ = run_for(["--jobs", "2"])
    collect_results(run_, False)
    # The files whose fixes cascade, counted where they were linted. The scripted ones wait only
    # on rules whose fixes are all unsafe (RuleMeta.safest_fix): at the safe floor nothing
    # cascades there, and their count needs no loop.
    counted = {display_path(p): c.applied for p, c in run_.fix_counts.items()}
    assert counted == {f"p{i}/Dockerfile": 2 for i in range(6)}
    run_ = run_for(["--jobs", "2", "--unsafe-fixes"])
    collect_results(run_, True)
    counted = {display_path(p): c.applied for p, c in run_.fix_counts.items()}
    assert {f"p{i}/scripted/Dockerfile" for i in range(6)} <= set(counted)


@pytest.mark.parametrize("args", [(), ("--unsafe-fixes", "--show-fixes"), ("--diff",)])
def test_fix_writes_and_prints_the_same_whatever_the_jobs(
    project: Path, args: tuple[str, ...]
) -> None:
    many(project / "a")
    shutil.copytree(project / "a", project / "b", symlinks=True)
    os.chdir(project / "a")
    one = run("fix", "--jobs", "1", *args)
    os.chdir(project / "b")
    two = run("fix", "--jobs", "2", *args)
    assert one.exit_code == two.exit_code == 2
    assert one.stdout == two.stdout
    assert one.stderr == two.stderr
    for p in (project / "a").rglob("*"):
        if p.is_file():
            other = project / "b" / p.relative_to(project / "a")
            assert p.read_bytes() == other.read_bytes(), p
    changed = (project / "a" / "p1" / "Dockerfile").read_text(encoding="utf-8") != CASCADE
    assert changed is ("--diff" not in args)


def test_what_crosses_between_processes_pickles_to_equal_objects() -> None:
    many(copies=1)
    run_ = run_for(["--jobs", "1"])
    for path, build in run_.plan().dockerfiles:
        task = _LintTask(path, display_path(path), run_.options_with(path, build), False)
        assert pickle.loads(pickle.dumps(task)) == task
        got = lint_planned(task)
        assert pickle.loads(pickle.dumps(got)) == got


def test_spawned_workers_give_the_same_results(monkeypatch: pytest.MonkeyPatch) -> None:
    # macOS and Windows start fresh interpreters: the task function and everything it is given
    # must be importable and picklable, no closure.
    many(copies=1)
    expected = collect_results(run_for(["--jobs", "1"]))
    monkeypatch.setattr(_jobs, "_start_method", lambda: "spawn")
    monkeypatch.setattr(_jobs, "MIN_FILES_SPAWNED", 2)
    assert collect_results(run_for(["--jobs", "2"])) == expected


def _python(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_an_exception_in_a_worker_is_raised_and_nothing_hangs() -> None:
    done = _python(
        """
        from dockerlint_django.cli._jobs import run_each

        def boom(n):
            if n == 37:
                raise ValueError("file 37")
            return n

        if __name__ == "__main__":
            try:
                run_each(boom, list(range(200)), 2)
            except ValueError as exc:
                print("raised", exc)
        """
    )
    assert done.stdout == "raised file 37\n", done.stderr


def test_a_worker_that_dies_is_one_error_line() -> None:
    done = _python(
        """
        import multiprocessing, os
        from dockerlint_django.cli._jobs import run_each

        def dies(n):
            if multiprocessing.parent_process() is not None:
                os._exit(9)  # as the kernel's OOM killer would end it
            return n

        if __name__ == "__main__":
            run_each(dies, list(range(200)), 2)
        """
    )
    assert done.returncode == 2
    assert done.stderr.startswith("dockerlint-django: error: a worker process ended abruptly")
    assert len(done.stderr.splitlines()) == 1


def test_workers_leave_with_a_parent_that_is_killed() -> None:
    # The workers hold the output pipes too: ``_python`` returns only once they are all gone.
    done = _python(
        """
        import multiprocessing, os, time
        from dockerlint_django.cli._jobs import run_each

        def slow(n):
            if multiprocessing.parent_process() is None and n > 150:
                os._exit(7)  # the parent, killed while workers still have work
            time.sleep(0.01)
            return n

        if __name__ == "__main__":
            run_each(slow, list(range(400)), 3)
        """,
        timeout=30,
    )
    assert done.returncode == 7


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to see the workers")
def test_ctrl_c_stops_the_workers(project: Path) -> None:
    for i in range(300):
        write(f"p{i}/Dockerfile", CASCADE)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dockerlint_django", "check", "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**env, "PYTHONPATH": str(ROOT)},
        # A shell starts background commands with SIGINT ignored; a terminal's Ctrl-C is not.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    workers: list[str] = []
    deadline = time.monotonic() + 60
    while not workers and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        workers = _children(proc.pid)
    if not workers:
        proc.kill()
        proc.communicate()
        pytest.skip("the run ended before its workers could be seen")
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    # click's answer to Ctrl-C, as with one process; about one run in fifty then ends with the
    # status of a process killed by SIGINT (130 in a shell), which says the same.
    assert err.decode().strip() == "Aborted!"
    assert proc.returncode in (1, -signal.SIGINT)
    time.sleep(0.2)
    assert [w for w in workers if Path(f"/proc/{w}").exists()] == []


def _children(pid: int) -> list[str]:
    done = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True)
    return done.stdout.split()
