"""The package's layers import one way: no module imports, directly or through others, itself."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dockerlint_django"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if path.is_relative_to(PACKAGE / "handbook"):
            continue  # the handbook's cookiecutter template: data with Jinja in it, not our modules
        deps: set[str] = set()
        # Function-level imports count too: a lazy import is still a dependency.
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                deps.add(node.module)
                deps.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        graph[_module_name(path)] = deps
    return {name: {d for d in deps if d in graph and d != name} for name, deps in graph.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}
    for root in sorted(graph):
        if root in state:
            continue
        # Iterative depth-first search, so a deep chain cannot overflow the stack.
        path: list[str] = []
        todo: list[tuple[str, list[str]]] = [(root, sorted(graph[root]))]
        state[root] = 1
        path.append(root)
        while todo:
            node, rest = todo[-1]
            if not rest:
                todo.pop()
                path.pop()
                state[node] = 2
                continue
            nxt = rest.pop()
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                todo.append((nxt, sorted(graph[nxt])))
    return found


def test_no_import_cycles() -> None:
    assert _cycles(_imports()) == []


def test_cycle_detection_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_a_dockerfile_alone_does_not_import_the_compose_reader(tmp_path: Path) -> None:
    # A pre-commit hook pays start-up on every call: a run with no Compose file must not load it.
    import subprocess
    import sys

    (tmp_path / "Dockerfile").write_text(
        'FROM python:3.12\nCMD ["gunicorn", "app.wsgi"]\n', encoding="utf-8"
    )
    code = (
        "import sys\n"
        "from dockerlint_django.cli import main\n"
        "sys.argv = ['dockerlint-django', 'check', '--exit-zero', 'Dockerfile']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('dockerlint_django.compose')),"
        " file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stderr.strip().splitlines()[-1] == "[]"
