"""
## What it does
Checks that a `RUN` that installs packages with apt also removes `/var/lib/apt/lists` in the same
`RUN`, in the stages that end up in the image.

## Why is this bad?
The handbook ends its package block with `&& rm -rf /var/lib/apt/lists/*`; Docker's best
practices: "when you clean up the apt cache by removing `/var/lib/apt/lists` it reduces the image
size, since the apt cache isn't stored in a layer." Removing the lists in a later `RUN` does not
help: the layer that added them is already in the image.

Only the final stage and stages another stage builds `FROM` are checked (a stage used only as a
`COPY --from` source does not ship its layers). A cache or tmpfs mount on `/var/lib/apt/lists`, or
on both `/var/lib/apt` and `/var/cache/apt`, keeps the lists out of the layer too, as hadolint's
DL3009 accepts.

## Example
```dockerfile
FROM python:3.11
RUN apt-get update && apt-get install -y --no-install-recommends gettext
```

## Use instead
```dockerfile
FROM python:3.11
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
```

## Fix safety
Safe, when the `RUN` is a shell-form `&&` chain: appends `&& rm -rf /var/lib/apt/lists/*`, which
runs only if everything before it succeeded and removes nothing later steps of the same `RUN` use.
Other shapes (heredocs, `;` or `||` lists, exec form) are reported without a fix.

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [Docker best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.analysis import RunStep, basename, mounts
from dockerlint_django.dockerfile.edits import ends_cleanly
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.shell.commands import apt

META = RuleMeta(
    code="DJ102",
    name="apt-lists-not-removed",
    severity=Severity.INFO,
    summary="Remove /var/lib/apt/lists in the RUN that installs packages.",
    fix=FixAvailability.SOMETIMES,
    hadolint=("DL3009",),
)

_LISTS = "/var/lib/apt/lists"


def _strip_quotes(text: str) -> str:
    return text.replace('"', "").replace("'", "")


def _removes_lists(run: RunStep) -> bool:
    for cmd in run.commands:
        if basename(cmd.name) != "rm":
            continue
        for w in cmd.words[1:]:
            target = _strip_quotes(w.raw.text).rstrip("/")
            if target.startswith(_LISTS) or target in ("/var/lib/apt", "/var/lib/apt/*"):
                return True
    return False


def _mounted(run: RunStep) -> bool:
    targets = {
        m.get("target", m.get("dst", m.get("destination", ""))).rstrip("/")
        for m in mounts(run.instruction)
        if m.get("type") in ("cache", "tmpfs")
    }
    return _LISTS in targets or {"/var/lib/apt", "/var/cache/apt"} <= targets


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    for run in a.runs:
        if not a.ships(run):
            continue
        installs = [
            x for cmd in run.commands if (x := apt(cmd)) is not None and x.installs_packages
        ]
        if not installs or _removes_lists(run) or _mounted(run):
            continue
        ins = run.instruction
        fix = None
        connectors = [c.connector_after for c in run.commands]
        if (
            not ins.json
            and not ins.heredocs
            and all(c in ("&&", None) for c in connectors)
            and all(c.top_level and not c.background for c in run.commands)
            and run.commands
            and ends_cleanly(a.source, ins, run.commands[-1].span.end)
        ):
            end = ins.args.span().end
            fix = Fix(
                "Append && rm -rf /var/lib/apt/lists/*",
                (Edit.insert(end, " && rm -rf /var/lib/apt/lists/*"),),
                Applicability.SAFE,
            )
        first = installs[0]
        span = first.action_word.span if first.action_word is not None else first.tool_word.span
        yield META.violation(
            span,
            f"{first.tool} install leaves /var/lib/apt/lists in the layer; remove it in the same RUN",
            fix=fix,
        )
