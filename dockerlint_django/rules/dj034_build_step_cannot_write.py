"""
## What it does
Checks `RUN` steps that write into the application's files as a non-root `USER`:
`manage.py compilemessages` (or `django-admin compilemessages`) in a project that a `COPY`/`ADD`
without `--chown` put there, and `manage.py collectstatic` whose `STATIC_ROOT` (read from the
project's settings) is a folder such a copy brought, unless a root `RUN chown -R` (or `chmod -R`)
over that tree came in between.

## Why is this bad?
`compilemessages` writes each `.mo` file next to its `.po` file; Django's own test suite asserts
that a read-only location fails with "compilemessages generated one or more errors." and "not
writable location" (`tests/i18n/test_compilation.py`). `collectstatic` writes into `STATIC_ROOT`.
Docker's reference on `COPY`: "Without this flag, files are created with UID and GID of 0", and
`USER` does not change that, since it applies to `RUN`, `ENTRYPOINT` and `CMD` only. So a build
that copies the project as root and runs these steps as `runner` fails. This is why the handbook
copies with `--chown=runner:runner` before `RUN python manage.py compilemessages`.

The step's working directory (the `WORKDIR`, or the folder of `/path/to/manage.py`) is taken as the
tree `compilemessages` writes to; a `cd` earlier in the same `RUN` makes it unknown. For
`collectstatic`, a `STATIC_ROOT` that cannot be read, lies outside the copied tree, or is not a
folder the build context shows the copy bringing, is not reported.

## Example
```dockerfile
FROM python:3.11
RUN groupadd -r runner && useradd --no-log-init -r -g runner runner
WORKDIR /workdir
USER runner:runner
COPY . .
RUN python manage.py compilemessages
```

## Use instead
```dockerfile
FROM python:3.11
RUN groupadd -r runner && useradd --no-log-init -r -g runner runner
WORKDIR /workdir
USER runner:runner
COPY --chown=runner:runner . .
RUN python manage.py compilemessages
```

## Fix safety
Unsafe: the fix adds `--chown=<user>:<group>` to that `COPY`, naming the `USER` the step runs as
(the group from `USER user:group`, or as DJ031 derives it). The build then succeeds, but the
whole copied tree belongs to the app's user at run time too, so the process can change its own
code; a project that keeps its code root's on purpose fixes the build otherwise (run the step
before `USER`, or `chown` only the folder it writes). A step whose failure is ignored
(`compilemessages || true`) built an image before, which now differs. It is offered only when
the group is known and both names exist at the `COPY` (otherwise the build would fail there, see
DJ035).

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [Dockerfile reference: COPY --chown](https://docs.docker.com/reference/dockerfile/#copy---chown---chmod)
- [Django: compilemessages](https://docs.djangoproject.com/en/stable/ref/django-admin/#compilemessages)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dockerlint_django import accounts
from dockerlint_django.accounts import Accounts
from dockerlint_django.analysis import Analysis, RunStep, basename
from dockerlint_django.dockerfile.ast import Instruction
from dockerlint_django.dockerfile.model import Stage, State
from dockerlint_django.fix import Applicability
from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
    Related,
    RuleMeta,
    Severity,
    Violation,
)
from dockerlint_django.rules.dj033_copy_without_chown import destination, inside
from dockerlint_django.shell.commands import django_command

META = RuleMeta(
    code="DJ034",
    name="build-step-cannot-write",
    severity=Severity.ERROR,
    summary="A build step runs as non-root but writes into files COPY gave to root.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    origin="extension",
)

_WRITERS = frozenset({"compilemessages", "collectstatic"})
_RECURSIVE = frozenset({"-R", "--recursive"})


def _is_tree_copy(ins: Instruction) -> bool:
    """The copy brings folders, not only named files like requirements.txt or manage.py."""
    for src in ins.value[:-1]:
        base = posixpath.basename(src.rstrip("/"))
        if src.endswith("/") or base in ("", ".", "..") or "." not in base or "*" in base:
            return True
    return False


def _recursive_fix_over(run_cmds: list[list[str | None]], workdir: str | None, tree: str) -> bool:
    """A ``chown -R``/``chmod -R`` among these commands covers ``tree`` (or may: unknown paths)."""
    for words in run_cmds:
        if not words or basename(words[0]) not in ("chown", "chmod"):
            continue
        if not any(w in _RECURSIVE or (w is not None and _short_has_r(w)) for w in words[1:]):
            continue
        operands = [w for w in words[1:] if w is None or not w.startswith("-")]
        for path in operands[1:]:
            if path is None:
                return True
            if not path.startswith("/"):
                if workdir is None:
                    return True
                path = posixpath.join(workdir, path)
            if inside(tree, posixpath.normpath(path)):
                return True
    return False


def _short_has_r(word: str) -> bool:
    return word.startswith("-") and not word.startswith("--") and "R" in word


def _target(
    a: Analysis, stage: Stage, state: State, name: str, words: list[str | None]
) -> str | None:
    """The folder the management command writes into; None when unknown."""
    cwd = state.workdir
    manage = next((w for w in words if w is not None and basename(w) == "manage.py"), None)
    if manage is not None and manage.startswith("/"):
        cwd = posixpath.dirname(manage)
    if cwd is None:
        return None
    if name == "compilemessages":
        return cwd
    settings = a.django_settings(stage)
    if settings is None or settings.error is not None or not settings.static_root.known:
        return None
    value = settings.static_root.value
    return None if value is None else value.in_image(cwd, cwd)


def _brings(a: Analysis, copy: Instruction, dest: str, target: str) -> bool:
    """The build context shows the copy bringing the folder that leads to ``target``."""
    if target == dest or any(f.name == "from" for f in copy.flags):
        return False
    first = posixpath.relpath(target, dest).split("/", 1)[0]
    for src in copy.value[:-1]:
        if "$" in src or any(c in src for c in "*?["):
            continue
        found = a.context.exists(posixpath.normpath(posixpath.join(src, first)))
        if found:
            return True
    return False


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    esc = a.dockerfile.escape
    runs = {id(r.instruction): r for r in a.runs if not r.onbuild}
    for stage in a.dockerfile.stages:
        own = list(accounts.walk(a, stage))
        # Every step of the chain, oldest first, with the accounts created before it; only made
        # for a stage that needs it (a long chain would cost its square).
        history: list[tuple[Instruction, State, Accounts]] = []
        where: dict[int, int] = {}
        for ins, state, _ in own:
            run = runs.get(id(ins))
            if run is None or not state.user.value or state.user.is_root is not False:
                continue
            if not history:
                history = [step for s in stage.chain[:-1] for step in accounts.walk(a, s)] + own
                where = {}
                for i, step in enumerate(history):
                    where.setdefault(id(step[0]), i)
            index = where[id(ins)]
            seen_cd = False
            for cmd in run.commands:
                if basename(cmd.name) in ("cd", "pushd"):
                    seen_cd = True
                dj = django_command(cmd)
                if dj is None or dj.name not in _WRITERS or seen_cd:
                    continue
                words = [w.value for w in cmd.words]
                target = _target(a, stage, state, dj.name, words)
                if target is None:
                    continue
                found = _populating_copy(a, history[:index], target, esc, dj.name)
                if found is None:
                    continue
                copy, copy_state, copy_acc, copy_index = found
                if _chowned_later(history[copy_index + 1 : index], runs, target):
                    continue
                fix = accounts.chown_fix(copy, copy_state, copy_acc, stage, esc, user_state=state)
                what = (
                    "the .mo files next to each .po"
                    if dj.name == "compilemessages"
                    else (f"STATIC_ROOT {target}")
                )
                yield META.violation(
                    dj.name_word.span,
                    f"{dj.name} runs as {state.user.value} but must write {what}, and "
                    f"{copy.keyword} without --chown (line {copy.start_line}) made {target} "
                    "root's: the build fails",
                    fix=fix,
                    related=(
                        Related(
                            copy.span, f"{copy.keyword} without --chown gives the files to root"
                        ),
                    ),
                )


def _populating_copy(
    a: Analysis,
    before: list[tuple[Instruction, State, Accounts]],
    target: str,
    esc: str,
    name: str,
) -> tuple[Instruction, State, Accounts, int] | None:
    """The last tree copy whose destination holds ``target``, if it left the files to root."""
    for i in range(len(before) - 1, -1, -1):
        ins, state, acc = before[i]
        if ins.keyword not in ("COPY", "ADD") or not _is_tree_copy(ins):
            continue
        dest = destination(ins, state, esc)
        if dest is None:
            return None
        if not inside(target, dest):
            continue
        if any(f.name in ("chown", "chmod") for f in ins.flags):
            return None
        if name == "collectstatic" and not _brings(a, ins, dest, target):
            return None
        return ins, state, acc, i
    return None


def _chowned_later(
    between: list[tuple[Instruction, State, Accounts]],
    runs: dict[int, RunStep],
    target: str,
) -> bool:
    for ins, state, _ in between:
        run = runs.get(id(ins))
        if run is None or state.user.is_root is False:
            continue
        cmds = [[w.value for w in c.words] for c in run.commands]
        if _recursive_fix_over(cmds, state.workdir, target):
            return True
    return False
