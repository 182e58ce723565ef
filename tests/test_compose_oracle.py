"""Our Compose reader against Docker Compose v2.40.3's own (`docker compose config --format json`).

Every corpus Compose file (read in place, interpolated and with ``--no-interpolate``), every case
folder under ``fixtures/compose/cases/`` and a hundred generated projects must load, or fail with
the same kind of error, as they do for the real binary, and agree on every compared field (see
``tests/compose_oracle.py`` for the canonical form and ``fixtures/compose/README.md`` for cases).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.compose_oracle import Case, OraclePool, compare, run_ours, unavailable_reason

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
CASES = ROOT / "fixtures" / "compose" / "cases"

# Differences from the oracle that we decided to keep: case id -> why. Each entry is reviewed; a
# listed case that agrees with the oracle again fails until its entry is removed.
KNOWN_DIFFERENCES: dict[str, str] = {}


def _corpus_cases() -> list[Case]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["kind"] == "compose"]
    cases = []
    for row in rows:
        # files/<owner>__<repo>/<path with / as __>: one flat folder per repository, read in place
        # (relative env files and contexts may be missing there; the oracle sees the same folder).
        # Neither side writes anything, so no case needs a writable copy. Each file is also read
        # with --no-interpolate, where a missing env file is no error: more of the corpus loads.
        folder, name = row["local_file"].split("/", 1)
        root = (CORPUS / "files" / folder).resolve()
        for interpolate in (True, False):
            mode = "interpolated" if interpolate else "raw"
            cases.append(
                Case(
                    id=f"corpus/{row['local_file']}@{mode}",
                    root=root,
                    files=(name,),
                    interpolate=interpolate,
                    corner="corpus",
                )
            )
    return cases


def _fixture_cases() -> list[Case]:
    if not CASES.is_dir():
        return []
    return [
        Case.from_folder(folder, f"cases/{folder.name}")
        for folder in sorted(CASES.iterdir())
        if folder.is_dir()
    ]


CORPUS_CASES = _corpus_cases()
FIXTURE_CASES = _fixture_cases()
POOL = OraclePool()


@pytest.fixture(scope="module")
def oracle(request: pytest.FixtureRequest) -> Iterator[OraclePool]:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    # Every oracle call the selected tests will make, at once, on a thread pool; they only wait.
    selected: list[Case] = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        case = callspec.params.get("case") if callspec is not None else None
        if isinstance(case, Case):
            selected.append(case)
    POOL.prefetch(selected)
    yield POOL
    POOL.shutdown()


def _check(case: Case, pool: OraclePool) -> None:
    expected = pool.get(case)
    assert expected.kind != "unknown", (
        f"{case.id}: classify() does not know this oracle error, add it: {expected.detail}"
    )
    got = run_ours(case)
    problems = compare(expected, got)
    reason = KNOWN_DIFFERENCES.get(case.id)
    if reason is not None:
        if not problems:
            pytest.fail(f"{case.id} agrees with the oracle now: remove it from KNOWN_DIFFERENCES")
        pytest.xfail(reason)
    assert not problems, "\n".join([case.id, *problems])


@pytest.mark.skipif(not CORPUS_CASES, reason="../shared/corpus is not present beside the project")
@pytest.mark.parametrize("case", CORPUS_CASES, ids=[c.id for c in CORPUS_CASES])
def test_corpus_compose_file_loads_like_compose(case: Case, oracle: OraclePool) -> None:
    _check(case, oracle)


@pytest.mark.parametrize("case", FIXTURE_CASES, ids=[c.id for c in FIXTURE_CASES])
def test_case_loads_like_compose(case: Case, oracle: OraclePool) -> None:
    _check(case, oracle)


def test_every_case_folder_has_inputs_and_a_corner() -> None:
    assert len(FIXTURE_CASES) >= 150
    for case in FIXTURE_CASES:
        assert case.corner, f"{case.id}: case.json has no corner"
        assert any(p.is_file() for p in case.root.rglob("*") if p.name != "case.json"), case.id


# --- generated projects ---------------------------------------------------------------------------


@dataclass(frozen=True)
class S:
    """A scalar and the YAML style to write it in: plain, ', ", | or >."""

    text: str
    style: str = "plain"


@dataclass(frozen=True)
class Flow:
    """A list or mapping written in flow style."""

    value: list[Any] | dict[str, Any]


@dataclass(frozen=True)
class Tagged:
    tag: str
    value: Any


_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")


def _plain_ok(text: str, flow: bool) -> bool:
    if not text or text != text.strip() or "\n" in text or "\t" in text:
        return False
    if text[0] in _INDICATORS and not (text[0] == "-" and len(text) > 1 and text[1] != " "):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    return not (flow and any(c in text for c in ",[]{}"))


def _scalar(node: S, flow: bool = False) -> str:
    style = node.style
    if style in "|>" and flow:
        style = '"'
    if style == "plain" and not _plain_ok(node.text, flow):
        style = '"'
    if style == "'" and "\n" in node.text:
        style = '"'
    if style == "plain":
        return node.text
    if style == "'":
        return "'" + node.text.replace("'", "''") + "'"
    return json.dumps(node.text)


def _block_ok(node: S) -> bool:
    lines = node.text.split("\n")
    return all(line and line == line.strip() for line in lines) and (
        node.style == "|" or len(lines) == 1
    )


def _flow(value: Any) -> str:
    if isinstance(value, S):
        return _scalar(value, flow=True)
    if isinstance(value, Flow):
        value = value.value
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Tagged):
        return f"{value.tag} {_flow(value.value)}"
    return json.dumps(value)


def _inline(value: Any) -> str | None:
    """The value written after `key:` / `- ` on the same line, or None for a block node."""
    if isinstance(value, Tagged):
        inner = _inline(value.value)
        return f"{value.tag} {inner if inner is not None else _flow(value.value)}"
    if isinstance(value, S):
        if value.style in "|>" and _block_ok(value):
            return None
        return _scalar(value)
    if isinstance(value, Flow) or value in ([], {}):
        return _flow(value)
    if isinstance(value, (list, dict)):
        return None
    return json.dumps(value)  # a bare int/bool/None


def _emit(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            lines += _entry(f"{pad}{key}:", item, indent)
    elif isinstance(value, list):
        for item in value:
            lines += _entry(f"{pad}-", item, indent, in_list=True)
    return lines


def _entry(head: str, item: Any, indent: int, in_list: bool = False) -> list[str]:
    text = _inline(item)
    if text is not None:
        return [f"{head} {text}"]
    if isinstance(item, S):  # a block scalar
        body = [" " * (indent + 2) + line for line in item.text.split("\n")]
        return [f"{head} {item.style}-", *body]
    inner = _emit(item, indent + 2)
    if in_list and isinstance(item, dict):
        return [f"{head} {inner[0].lstrip()}", *inner[1:]]
    return [head, *inner]


def yaml_text(doc: dict[str, Any]) -> str:
    return "\n".join(_emit(doc, 0)) + "\n"


_VARS = ("APP", "PORT", "EMPTY", "WORDS", "TAG", "NOPE")
_VALUES = ("web", "8000", "", "a b", "1.5", "x$y", "3", "true", "py:3.12", "it's")
_STYLES = st.sampled_from(["plain", "plain", "plain", "'", '"', "|", ">"])
_WORDS = (
    "python", "manage.py", "runserver", "0.0.0.0:8000", "gunicorn", "core.wsgi", "--bind", "-c",
    "'a b'", '"c d"', "&&", ";", "|", ">", "2>&1", "$HOME", "a\\ b", "--workers=3", "echo", "x=1",
    "#not", "'", "(", "${WORDS}", "$APP", "${PORT:-80}", "$$HOME",
)  # fmt: skip
# <1> and <2> stand for variable names.
_TEMPLATES = (
    "$<1>", "${<1>}", "${<1>:-dflt}", "${<1>-dflt}", "${<1>:+alt}", "${<1>+alt}", "${<1>:?needed}",
    "${<1>?needed}", "$${<1>}", "${<1>:-${<2>}}", "${<1>:-$<2> x}", "pre-${<1>}-post",
    "${<1>}${<2>}", "${<1>:-}",
)  # fmt: skip


@st.composite
def _template(draw: st.DrawFn) -> str:
    shape: str = draw(st.sampled_from(_TEMPLATES))
    shape = shape.replace("<1>", draw(st.sampled_from(_VARS)))
    return shape.replace("<2>", draw(st.sampled_from(_VARS)))


def _text(*pool: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(pool), _template())


def _s(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[S]:
    return st.builds(S, strategy, _STYLES)


_SHELLWORDS = st.lists(st.sampled_from(_WORDS), min_size=1, max_size=5).map(" ".join)


@st.composite
def _argv(draw: st.DrawFn) -> Any:
    form = draw(
        st.sampled_from(["string"] * 4 + ["list", "list", "flow", "flow", "empty", "null", "bad"])
    )
    if form == "string":
        return draw(_s(st.one_of(_SHELLWORDS, _template())))
    if form == "empty":
        return []
    if form == "null":
        return None
    items: list[Any] = draw(st.lists(_s(st.sampled_from(_WORDS)), min_size=1, max_size=4))
    if form == "bad":
        items = [*items, 3]  # a list item that is not a string: schema error
    return items if form == "list" else Flow(items)


_ENV_KEYS = ("DEBUG", "PORT", "SECRET", "APP", "EMPTY", "NOPE")


@st.composite
def _environment(draw: st.DrawFn) -> Any:
    keys = draw(st.lists(st.sampled_from(_ENV_KEYS), max_size=4, unique=True))
    values = st.one_of(
        _s(_text("1", "yes", "on", "0755", "a b", "", "x=y", "1.0")),
        st.sampled_from([None, 1, True, 1.5]),
    )
    if draw(st.booleans()):
        items = []
        for key in keys:
            value = draw(st.one_of(st.none(), _text("1", "yes", "", "a=b", "v w")))
            items.append(S(key if value is None else f"{key}={value}", draw(_STYLES)))
        return items
    return {key: draw(values) for key in keys}


_PORTS = (
    "8000", "8000:8000", "127.0.0.1:8000:8000", "9000-9001:9000-9001", "53:53/udp", "[::1]:80:80",
    "8080:80/tcp", "0.0.0.0::5000", "3000-3002", "2222:22", "${PORT:-8000}:8000", "80:${PORT}",
)  # fmt: skip


@st.composite
def _ports(draw: st.DrawFn) -> Any:
    items: list[Any] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["short", "short", "int", "long"]))
        if kind == "short":
            items.append(draw(_s(st.sampled_from(_PORTS))))
        elif kind == "int":
            items.append(draw(st.sampled_from([8000, 80, 443])))
        else:
            entry: dict[str, Any] = {"target": draw(st.sampled_from([80, 8000]))}
            if draw(st.booleans()):
                entry["published"] = draw(st.sampled_from([S("8080", '"'), 8080, S("${PORT}")]))
            if draw(st.booleans()):
                entry["protocol"] = S(draw(st.sampled_from(["tcp", "udp"])))
            if draw(st.booleans()):
                entry["host_ip"] = S("127.0.0.1")
            items.append(entry)
    return items


@st.composite
def _healthcheck(draw: st.DrawFn) -> Any:
    out: dict[str, Any] = {}
    form = draw(st.sampled_from(["string", "cmd", "shell", "none", "disable", "none-given"]))
    if form == "string":
        out["test"] = draw(_s(st.sampled_from(["curl -f http://localhost/", "exit 0", "${APP}"])))
    elif form == "cmd":
        out["test"] = Flow([S("CMD"), S("curl"), S("-f"), S("http://x/")])
    elif form == "shell":
        out["test"] = [S("CMD-SHELL"), S("pg_isready -U $$USER")]
    elif form == "none":
        out["test"] = [S("NONE")]
    elif form == "disable":
        out["disable"] = draw(st.sampled_from([True, S("yes")]))
    for key in ("interval", "timeout", "start_period"):
        if draw(st.booleans()):
            out[key] = draw(_s(st.sampled_from(["10s", "1m30s", "1h", "500ms", "${DUR:-5s}"])))
    if draw(st.booleans()):
        out["retries"] = draw(st.sampled_from([3, S("5", "'")]))
    return out


@st.composite
def _build(draw: st.DrawFn) -> Any:
    if draw(st.booleans()):
        return draw(_s(st.sampled_from([".", "./app", "app", "${APP:-.}"])))
    out: dict[str, Any] = {"context": draw(_s(st.sampled_from([".", "./app", "${APP}"])))}
    if draw(st.booleans()):
        out["dockerfile"] = draw(_s(st.sampled_from(["Dockerfile.dev", "docker/Dockerfile"])))
    elif draw(st.integers(0, 4)) == 0:
        out["dockerfile_inline"] = S("FROM python:3.12\nRUN pip install x", "|")
    if draw(st.booleans()):
        out["target"] = draw(_s(st.sampled_from(["dev", "production", "${TAG}"])))
    if draw(st.booleans()):
        keys = draw(st.lists(st.sampled_from(["A", "B", "PORT"]), min_size=1, unique=True))
        if draw(st.booleans()):
            out["args"] = [S(f"{k}=1") if k != "B" else S(k) for k in keys]
        else:
            out["args"] = {k: draw(st.sampled_from([S("x"), 1, None, S("${APP}")])) for k in keys}
    return out


@st.composite
def _service(draw: st.DrawFn, env_files: tuple[str, ...]) -> dict[str, Any]:
    fields: dict[str, st.SearchStrategy[Any]] = {
        "image": _s(_text("python:3.12", "postgres", "app:${TAG:-latest}")),
        "build": _build(),
        "command": _argv(),
        "entrypoint": _argv(),
        "environment": _environment(),
        "user": st.one_of(
            st.sampled_from([S("1000", '"'), S("0", "'"), S("1000:1000"), S("app")]),
            _s(st.sampled_from(["app", "${UID:-1000}", "1000"])),  # plain 1000: schema error
        ),
        "working_dir": _s(_text("/app", "/srv/${APP}")),
        "ports": _ports(),
        "expose": st.lists(
            st.one_of(st.sampled_from([3000, 8000]), _s(_text("3000", "53/udp"))),
            min_size=1,
            max_size=2,
        ),
        "tmpfs": st.one_of(_s(st.just("/run")), st.just([S("/tmp"), S("/run:size=64m")])),
        "stop_signal": _s(st.sampled_from(["SIGTERM", "SIGINT", "${SIG:-SIGQUIT}"])),
        "stop_grace_period": _s(st.sampled_from(["10s", "1m30s", "2m", "${GRACE:-5s}"])),
        "healthcheck": _healthcheck(),
        "profiles": st.lists(_s(st.sampled_from(["a", "b", "${PROF:-a}"])), max_size=2),
        "extra_hosts": st.one_of(
            st.just([S("db:10.0.0.1"), S("h=::1")]),
            st.just({"db": S("10.0.0.2"), "v6": S("::1")}),
        ),
        "init": st.sampled_from([True, False, S("true"), S("yes")]),
        "x-extra": st.just({"a": 1}),
    }
    if env_files:
        fields["env_file"] = st.one_of(
            st.sampled_from([S(f) for f in env_files]),
            st.lists(st.sampled_from(env_files).map(S), min_size=1, max_size=2),
            st.just([{"path": S("missing.env"), "required": False}]),
            st.just([{"path": S(env_files[0]), "format": S("raw")}]),
        )
    chosen = draw(st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=7, unique=True))
    service = {key: draw(fields[key]) for key in chosen}
    if "image" not in service and "build" not in service:
        service["image"] = S("busybox")
    return service


_DOTENV_LINES = (
    "APP=web", "export TAG=v1", "PORT = 8001", 'WORDS="a b"', "EMPTY=", "SECRET='s$ecret'",
    "DEBUG=1 # inline", 'MULTI="line1\\nline2"', "REF=${APP:-none}", "REF2=$PORT", "# comment", "",
    "BARE", "DUR=3s", "PROF=b", "SIG=SIGUSR1", "Q='multi\nline'", "UID=1001",
)  # fmt: skip


@st.composite
def _dotenv(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.sampled_from(_DOTENV_LINES), max_size=6))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    text = newline.join(lines) + newline
    return ("\ufeff" if draw(st.integers(0, 9)) == 0 else "") + text


@dataclass(frozen=True)
class Generated:
    files: dict[str, str]  # relative path -> content
    case: dict[str, Any]  # case.json


@st.composite
def projects(draw: st.DrawFn) -> Generated:
    files: dict[str, str] = {}
    if draw(st.booleans()):
        files[".env"] = draw(_dotenv())
    env_files: tuple[str, ...] = ()
    if draw(st.booleans()):
        files["app.env"] = draw(_dotenv())
        env_files = ("app.env",)
    names = draw(
        st.lists(
            st.sampled_from(["web", "db", "worker", "x1"]), min_size=1, max_size=4, unique=True
        )
    )
    doc: dict[str, Any] = {}
    if draw(st.integers(0, 3)) == 0:
        doc["name"] = draw(_s(st.sampled_from(["gen", "My_Project", "${APP:-gen}"])))
    doc["services"] = {n: draw(_service(env_files)) for n in names}
    files["compose.yaml"] = yaml_text(doc)
    case: dict[str, Any] = {"args": {}, "env": {}}
    override = draw(st.sampled_from(["none", "none", "discovered", "explicit"]))
    if override != "none":
        over: dict[str, Any] = {}
        for name in draw(st.lists(st.sampled_from(names), min_size=1, unique=True)):
            service = draw(_service(env_files))
            service.pop("image", None)
            if draw(st.integers(0, 3)) == 0:
                key = draw(st.sampled_from(sorted(service) or ["ports"]))
                tag = draw(st.sampled_from(["!reset", "!override"]))
                service[key] = Tagged(tag, service.get(key, []) if tag == "!override" else None)
            over[name] = service
        text = yaml_text({"services": over})
        if override == "discovered":
            files["compose.override.yaml"] = text
        else:
            files["other.yaml"] = text
            case["files"] = ["compose.yaml", "other.yaml"]
    variables = st.sampled_from([*_VARS, "COMPOSE_PROFILES", "DUR"])
    for var in draw(st.lists(variables, max_size=3, unique=True)):
        case["env"][var] = draw(st.sampled_from(_VALUES)) if var != "COMPOSE_PROFILES" else "b"
    if draw(st.integers(0, 3)) == 0:
        case["args"]["profiles"] = draw(
            st.lists(st.sampled_from(["a", "b", "*"]), min_size=1, unique=True)
        )
    if draw(st.integers(0, 5)) == 0:
        case["args"]["interpolate"] = False
    return Generated(files=files, case=case)


def _write(project: Generated, folder: Path) -> None:
    for rel, text in project.files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    (folder / "case.json").write_text(json.dumps(project.case), encoding="utf-8")


_SHRINK = os.environ.get("COMPOSE_ORACLE_SHRINK") == "1"


# Shrinking would run the oracle hundreds of times; set COMPOSE_ORACLE_SHRINK=1 to get a minimal
# example. The failure message prints the project either way.
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=(
        [Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink]
        if _SHRINK
        else [Phase.explicit, Phase.reuse, Phase.generate]
    ),
)
@given(projects())
def test_generated_project_loads_like_compose(oracle: OraclePool, project: Generated) -> None:
    base = Path(tempfile.mkdtemp(prefix="compose-oracle-"))
    try:
        folder = base / "proj"
        folder.mkdir()
        _write(project, folder)
        case = Case.from_folder(folder, "generated")
        future = oracle.submit(case)  # the oracle runs while our loader does
        got = run_ours(case)
        expected = future.result()
        assert expected.kind != "unknown", f"classify() does not know: {expected.detail}"
        problems = compare(expected, got)
        listing = "\n".join(f"--- {rel}\n{text}" for rel, text in sorted(project.files.items()))
        assert not problems, "\n".join(
            [*problems, f"case.json: {json.dumps(project.case)}", listing]
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)
