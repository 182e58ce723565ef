"""``dockerlint-django init``: report, show or write an ``InitPlan``."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

from dockerlint_django.fix import write_atomic
from dockerlint_django.scaffold.facts import ProjectFacts
from dockerlint_django.scaffold.plan import InitPlan, Planned

NEXT_STEPS = """\
Next steps:
  dockerlint-django check        # the files above pass; run it after every change
  # .pre-commit-config.yaml, to check on every commit:
  repos:
    - repo: https://github.com/dockerlint-django/dockerlint-django
      rev: <commit-sha>
      hooks:
        - id: dockerlint-django"""

_VERB = {
    "create": "would create",
    "overwrite": "would overwrite",
    "append": "would add [tool.dockerlint-django] to",
}
_DONE = {
    "create": "created",
    "overwrite": "overwrote",
    "append": "added [tool.dockerlint-django] to",
}


def _shown(facts: ProjectFacts, path: Path) -> str:
    try:
        return str(path.relative_to(facts.root))
    except ValueError:
        return str(path)


def describe(facts: ProjectFacts) -> list[str]:
    """Which values were found in the project, and which are defaults or options."""
    install = {
        "pip": f"pip install -r {facts.requirements}",
        "uv": "uv sync --locked",
        "poetry": "poetry install --only main",
    }[facts.installer]
    manifest = {True: "yes", False: "no", None: "unknown (taken as no)"}[facts.manifest_storage]
    lines = [
        f"  project module: {facts.project_module.value} ({facts.project_module.source})",
        f"  WSGI module:    {facts.wsgi_module.value} ({facts.wsgi_module.source})",
        f"  Python:         {facts.python.value} ({facts.python.source})",
        f"  dependencies:   {install} ({facts.installer_source})",
        f"  manifest storage (staticfiles.json copy): {manifest}",
        f"  translations (gettext, compilemessages): {'yes' if facts.locale else 'no'}",
    ]
    if facts.static_root:
        lines.append(f"  STATIC_ROOT in the image: {facts.static_root}")
    lines.extend(f"  note: {note}" for note in facts.notes)
    return lines


def diff(facts: ProjectFacts, planned: Planned) -> str:
    name = _shown(facts, planned.path)
    old = [] if planned.old is None else planned.old.splitlines(keepends=True)
    new = planned.text.splitlines(keepends=True)
    before = "/dev/null" if planned.old is None else f"a/{name}"
    return "".join(difflib.unified_diff(old, new, before, f"b/{name}"))


def run_init(plan: InitPlan, *, dry_run: bool, echo: Callable[[str], None]) -> int:
    """Write (or with ``dry_run`` show) the plan; the exit code: 0, or 1 when a dry run would
    change something (as ``fix --diff``)."""
    facts = plan.facts
    echo("From the project:")
    for line in describe(facts):
        echo(line)
    if dry_run:
        for planned in plan.changes:
            echo(f"{_VERB[planned.action]} {_shown(facts, planned.path)} ({planned.source})")
            echo(diff(facts, planned).rstrip("\n"))
    else:
        for planned in plan.changes:
            write_atomic(planned.path, planned.text.encode("utf-8"))
            echo(f"{_DONE[planned.action]} {_shown(facts, planned.path)} ({planned.source})")
    for planned in plan.kept:
        echo(f"kept {_shown(facts, planned.path)}: it exists and differs; --force overwrites it")
    for planned in plan.files:
        if planned.action == "unchanged":
            echo(f"unchanged {_shown(facts, planned.path)}")
    if not dry_run:
        echo(NEXT_STEPS)
    return 1 if dry_run and plan.changes else 0
