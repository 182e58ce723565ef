"""The benchmarks still run: every case, made small, with the table the README shows.

Not a test of speed (bench/ measures that, on a machine set aside for it): a test that the
harness, its inputs and its measurements keep working, so that the numbers it prints can be
trusted when it is run for them.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import CORPUS, ROOT

BENCH = ROOT / "bench"


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    # The bench is scripts beside each other, not a package: import them as `python bench/…` does.
    names = ("bench", "compose", "inputs", "measure")
    saved = {n: sys.modules.pop(n) for n in names if n in sys.modules}
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module("bench")
    finally:
        sys.path.remove(str(BENCH))
        for n in names:
            sys.modules.pop(n, None)
        sys.modules.update(saved)


def _quick(tmp_path: Path, *args: str) -> dict[str, Any]:
    """``bench.py --quick`` without the other tools: the JSON it wrote."""
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "bench.py"),
            "--quick",
            "--hadolint=none",
            "--tally=none",
            f"--json={out}",
            f"--workdir={tmp_path / 'work'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def test_quick_run_measures_every_case(bench: ModuleType, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "# x\n\nbefore\n<!-- bench:start -->\nold table\n<!-- bench:end -->\nafter\n",
        encoding="utf-8",
    )
    markdown = tmp_path / "bench.md"
    data = _quick(tmp_path, f"--markdown={markdown}", "--update-readme", f"--readme={readme}")
    small, large = bench.QUICK.instructions
    expected = {
        f"instructions_{small}",
        f"instructions_{large}",
        "stages",
        "heredocs",
        "compose_fixture",
        "compose_twenty",
    }
    if (CORPUS / "MANIFEST.tsv").is_file():
        expected |= {"one_file", "corpus", "corpus_copies", "per_file", "policy", "policy_rego"}
    assert set(data["cases"]) == expected
    for key, case in data["cases"].items():
        assert case["series"], key
        for label, series in case["series"].items():
            # dockerlint-django exited 0 or 1 on every input, and the kernel accounted for it.
            assert "error" not in series, (key, label, series)
            assert series["runs"] >= 1 and series["wall_s"] > 0, (key, label)
            assert series["cpu_s"] > 0 and series["peak_rss_kb"] > 1000, (key, label)
        if not key.startswith(("compose", "policy")):  # nothing else reads Compose or policy
            assert case["skipped"] == {"hadolint": "left out", "tally": "left out"}, key
    assert all(text and "error" not in text for text in data["plain"].values()), data["plain"]
    table = markdown.read_text(encoding="utf-8")
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    titles = [t for case in data["cases"].values() for t in case["rows"]]
    assert len(rows) == 2 + len(titles) + len(data["plain"])
    for title in titles:
        assert any(row.startswith(f"| {title} |") for row in rows), title
    assert "left out" in rows[2]  # hadolint's and tally's cells say why they are empty
    # The README's block holds the same table, and nothing outside the markers moved.
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# x\n\nbefore\n<!-- bench:start -->\n")
    assert text.endswith("<!-- bench:end -->\nafter\n")
    assert table in text and "old table" not in text


@pytest.mark.parametrize(
    ("only", "needs_corpus"), [("policy", True), ("compose_fixture", False), ("stages", False)]
)
def test_only_keeps_the_rows_of_the_cases_it_runs(
    tmp_path: Path, only: str, needs_corpus: bool
) -> None:
    # `--only policy` once failed: it dropped the Rego case but kept the row that reads it.
    if needs_corpus and not (CORPUS / "MANIFEST.tsv").is_file():
        pytest.skip("the policy case runs on the corpus in ../shared, which is not there")
    data = _quick(tmp_path, f"--only={only}")
    assert set(data["cases"]) == {only}
    assert all(text and "error" not in text for text in data["plain"].values()), data["plain"]
    expected = {"policy": 1, "compose_fixture": 2, "stages": 0}[only]
    assert len(data["plain"]) == expected, data["plain"]


def test_generated_inputs_have_the_sizes_they_are_named_by(bench: ModuleType) -> None:
    inputs = sys.modules["inputs"]
    text = inputs.instructions(1000)
    assert len(text.splitlines()) == 1000
    assert text.startswith("FROM ") and text.splitlines()[-1].startswith("CMD ")
    assert inputs.stages(10).count("\nFROM ") + 1 == 10
    heredocs = inputs.heredocs(3, 100)
    assert heredocs.count("<<EOF\n") == 3 and heredocs.count("\nEOF\n") == 3
    assert len(heredocs.splitlines()) == 2 + 3 * (100 + 2)
    # The full-size heredoc case is about 15 MB, under the 16 MiB file-size limit.
    assert 14e6 < len(inputs.heredocs(3, 100_000).encode()) < 16 * 1024 * 1024


def test_tally_names(bench: ModuleType, tmp_path: Path) -> None:
    inputs = sys.modules["inputs"]
    repo = tmp_path / "files" / "org__repo"
    repo.mkdir(parents=True)
    files = [repo / n for n in ("Dockerfile", "Dockerfile.dev", "web.Dockerfile", "docker__x")]
    for f in files:
        f.write_text("FROM scratch\n", encoding="utf-8")
    mirror = inputs.tally_names(files, tmp_path / "mirror")
    assert [p.name for p in mirror.values()] == [
        "Dockerfile",
        "Dockerfile.dev",
        "web.Dockerfile",
        "docker__x.Dockerfile",
    ]
    assert all(p.read_text(encoding="utf-8") == "FROM scratch\n" for p in mirror.values())


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def test_measure_counts_the_workers_cpu_and_stops_at_the_limit(bench: ModuleType) -> None:
    measure = sys.modules["measure"]
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n"
    # The CPU time of a child the process waited for is the process's, as --jobs workers are.
    parent = _python(
        f"""
        import subprocess, sys
        subprocess.run([sys.executable, "-c", {burn!r}], check=True)
        """
    )
    sample = measure.run([parent])
    assert sample.cpu >= 0.25
    assert sample.wall >= 0.25
    # A run of several processes adds them up.
    assert measure.run([_python(burn), _python(burn)]).cpu >= 0.5
    with pytest.raises(measure.Failed) as stopped:
        measure.run([_python("import time; time.sleep(30)")], timeout=0.5)
    assert stopped.value.timed_out
    # Exit 1 is a report of findings; 2 is a usage error, and click's wording for an option
    # this version lacks marks the case as one to skip rather than a failure.
    assert measure.run([_python("import sys; sys.exit(1)")]).wall > 0
    with pytest.raises(measure.Failed) as failed:
        measure.run(
            [_python("import sys; sys.stderr.write('Error: No such option: --jobs'); sys.exit(2)")]
        )
    assert failed.value.unsupported and not failed.value.timed_out
    with pytest.raises(measure.Failed) as crashed:
        measure.run([_python("raise SystemExit(3)")])
    assert str(crashed.value).startswith("exit 3") and not crashed.value.unsupported


def test_interleaved_rounds_take_turns_going_first(bench: ModuleType, tmp_path: Path) -> None:
    measure = sys.modules["measure"]
    log = tmp_path / "order"

    def job(label: str) -> list[list[str]]:
        return [_python(f"open({str(log)!r}, 'a').write({label!r})")]

    series = measure.interleaved({"a": job("a"), "b": job("b"), "c": job("c")}, 4, warm=True)
    # The warm round (not counted) and four more, each started one job later than the last.
    assert log.read_text() == "abc" + "bca" + "cab" + "abc" + "bca"
    assert [len(s.samples) for s in series.values()] == [4, 4, 4]


def test_the_readme_shows_a_table_the_bench_wrote(bench: ModuleType) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = text[text.index(bench.START) : text.index(bench.END)]
    rows = [line for line in shown.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| case | dockerlint-django | hadolint") and rows[0].endswith(
        "| ÷ hadolint | ÷ tally | goal |"
    )
    # `--update-readme` rewrites the block and nothing else.
    assert bench.replace_block(text, "new\n").count("new\n") == 1
    with pytest.raises(ValueError):
        bench.replace_block("no markers", "new\n")
