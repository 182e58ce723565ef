"""The seed inputs of each fuzz target, read where they are.

Seeds come from three places, none of them copied into the project: the real-world corpus beside
the repository (``../shared/corpus``, by the ``kind`` its MANIFEST.tsv gives), the project's own
fixtures, and ``fuzz/seeds/<target>/`` (inputs written for the fuzzers). Files are named where
they lie; inputs that are not a file of their own (the Dockerfile texts of ``fixtures/rules``
cases, a project packed into one Compose-target input) are written to a scratch folder outside
the project. ``python fuzz/seeds.py TARGET`` prints a target's seed paths, one a line.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script, fuzz/ is on the path and the checkout is not

from tests.conftest import CORPUS, corpus_rows  # noqa: E402  the tests' reading of the manifest

FIXTURES = ROOT / "fixtures"
OWN = Path(__file__).resolve().parent / "seeds"
# Larger inputs slow every mutation of them down and reach no more code.
MAX_SEED_BYTES = 256 * 1024

_DOCKERFILE = re.compile(r"(?i)(^|.*\.)(docker|container)file(\..*)?$")
_COMPOSE = re.compile(r"(?i)(docker-)?compose[\w.-]*\.ya?ml")
_SCRIPT = re.compile(r"(?i).*\.(sh|bash)$|.*entrypoint.*|.*start.*|boot")
_CONTEXT = re.compile(
    r"(?i).*\.py$|.*requirements.*\.(txt|in)$|^pyproject\.toml$|^Pipfile$|^\.env.*|.*\.env$"
)


def _corpus(kind: str) -> list[Path]:
    return [CORPUS / "files" / r["local_file"] for r in corpus_rows(kind)]


def _fixture_files(pattern: re.Pattern[str]) -> list[Path]:
    if not FIXTURES.is_dir():
        return []
    return sorted(
        p
        for p in FIXTURES.rglob("*")
        if p.is_file() and pattern.fullmatch(p.name) and "expected" not in p.parts
    )


def _own(target: str) -> list[Path]:
    folder = OWN / target
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def _rule_cases() -> Iterator[tuple[str, dict[str, object]]]:
    for path in sorted((FIXTURES / "rules").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name, case in data["cases"].items():
            yield f"{path.stem}-{name}", case


def _write(scratch: Path, name: str, data: bytes) -> Path:
    target = scratch / re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    target.write_bytes(data)
    return target


def _rule_texts(scratch: Path) -> list[Path]:
    """The Dockerfile of every single-file rule case, failing and passing."""
    out = []
    for name, case in _rule_cases():
        text = case.get("pass", case.get("fail"))
        if isinstance(text, str) and "files" not in case:
            out.append(_write(scratch, f"rule-{name}", text.encode("utf-8")))
    return out


def _projects(scratch: Path) -> list[Path]:
    """Whole projects, each packed into one input (see ``targets.split_project``)."""
    from fuzz.targets import pack_project

    packed: list[tuple[str, dict[str, bytes]]] = []
    for name, case in _rule_cases():
        files = case.get("files")
        if isinstance(files, dict):
            packed.append((f"rule-{name}", {k: str(v).encode() for k, v in files.items()}))
    for folder in _folders(FIXTURES / "compose" / "cases", FIXTURES / "projects"):
        files = {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "case.json"
        }
        spec = folder / "case.json"
        named: list[str] = (
            json.loads(spec.read_text(encoding="utf-8")).get("files", []) if spec.is_file() else []
        )
        if named and named[0] in files:
            # The case's first `-f` file is its main one.
            main = named[0]
            rest = {p: b for p, b in files.items() if p not in (main, "compose.yaml")}
            packed.append((folder.name, {"compose.yaml": files[main], **rest}))
        else:
            packed.extend(_with_each_compose_first(folder.name, files))
    by_project: dict[str, dict[str, bytes]] = {}
    for row in corpus_rows():
        project, _, _ = row["local_file"].partition("/")
        source = CORPUS / "files" / row["local_file"]
        if source.is_file():
            by_project.setdefault(project, {})[row["path"]] = source.read_bytes()
    for project, files in sorted(by_project.items()):
        packed.extend(_with_each_compose_first(f"corpus-{project}", files))
    out = []
    for name, files in packed:
        data = pack_project(files)
        if len(data) <= MAX_SEED_BYTES:
            out.append(_write(scratch, f"project-{name}", data))
    return out


def _folders(*roots: Path) -> list[Path]:
    out: list[Path] = []
    for root in roots:
        if not root.is_dir():
            continue
        for folder in sorted(root.iterdir()):
            if (folder / "input").is_dir():
                folder = folder / "input"
            if folder.is_dir():
                out.append(folder)
    return out


def _with_each_compose_first(
    name: str, files: dict[str, bytes]
) -> Iterable[tuple[str, dict[str, bytes]]]:
    """One project per Compose file in it, that file read as the project's ``compose.yaml``."""
    composes = [p for p in files if _COMPOSE.fullmatch(Path(p).name)]
    if not composes:
        yield name, files
        return
    for k, main in enumerate(composes):
        rest = {p: b for p, b in files.items() if p != main and p != "compose.yaml"}
        yield f"{name}-{k}", {"compose.yaml": files[main], **rest}


def _gunicorn_lines(scratch: Path) -> list[Path]:
    """The Gunicorn command lines of the corpus, one argv word a line."""
    out: list[Path] = []
    seen: set[str] = set()
    for path in [*_corpus("dockerfile"), *_corpus("entrypoint"), *_corpus("compose")]:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            at = line.find("gunicorn ")
            if at < 0:
                continue
            try:
                argv = shlex.split(line[at + len("gunicorn ") :].strip().strip("[]\"',"))
            except ValueError:
                continue
            body = "\n".join(a.strip("\"',[]") for a in argv)
            if body and body not in seen:
                seen.add(body)
                out.append(_write(scratch, f"gunicorn-{len(out)}", body.encode("utf-8")))
    return out


def seed_files(target: str, scratch: Path) -> list[Path]:
    """The seeds of ``target``; ``scratch`` (outside the project) takes the generated ones."""
    scratch.mkdir(parents=True, exist_ok=True)
    if target in ("dockerfile", "fix"):
        found = [*_corpus("dockerfile"), *_fixture_files(_DOCKERFILE), *_rule_texts(scratch)]
    elif target == "shell":
        found = [*_corpus("entrypoint"), *_fixture_files(_SCRIPT)]
    elif target == "gunicorn_args":
        found = _gunicorn_lines(scratch)
    elif target == "compose":
        found = _projects(scratch)
    elif target == "context_readers":
        found = [*_corpus("gunicorn-config"), *_fixture_files(_CONTEXT)]
    else:
        raise ValueError(f"no such target: {target}")
    found += _own(target)
    # -seed_inputs is a comma-separated list.
    return [p for p in found if "," not in str(p) and p.stat().st_size <= MAX_SEED_BYTES]


if __name__ == "__main__":
    import tempfile

    for seed in seed_files(sys.argv[1], Path(tempfile.mkdtemp(prefix="dockerlint-seeds-"))):
        print(seed)
