"""
## What it does
Checks that a stage which runs `manage.py compilemessages` installs GNU gettext first.

## Why is this bad?
The handbook's runtime stage installs `gettext` because it runs `compilemessages`. Django's
`compilemessages` runs gettext's `msgfmt` and otherwise stops the build with "Can't find msgfmt.
Make sure you have GNU gettext tools 0.19 or newer installed." The official `python` images do not
contain it, and `gettext` is not among `buildpack-deps`' packages either. `gettext-base` alone
(`envsubst`, `gettext.sh`) does not provide `msgfmt`.

An install counts when an earlier `RUN` of the stage or of a stage it builds `FROM` (or an earlier
command of the same `RUN`) runs `apt-get install`/`apt install` with `gettext`, `apk add` with
`gettext` or `gettext-dev`, or `dnf`/`yum`/`microdnf install gettext`. A package list with a word
whose value is unknown (`apt-get install -y $PACKAGES`) may install it and is not reported. The
finding is an error on a base image this tool knows (`python:*`, Debian, Alpine), and information
on an unknown base image, which may already contain gettext. `ONBUILD RUN` triggers are checked
against the RUNs of their own stage.

## Example
```dockerfile
FROM python:3.11
COPY . /workdir
RUN python manage.py compilemessages
```

## Use instead
```dockerfile
FROM python:3.11
RUN apt-get update && apt-get install -y --no-install-recommends \\
        gettext \\
    && rm -rf /var/lib/apt/lists/*
COPY . /workdir
RUN python manage.py compilemessages
```

## Fix safety
When an earlier shell-form `RUN` of the stage chain runs `apt-get install` as root, `gettext` is
added to its package list: in sort position when the list is sorted, at its end otherwise, on a
line of its own when the packages are one per line. Without one, on a Debian-based base image this
tool knows and with root as the user after `FROM`, the handbook's `apt-get` block is inserted right
after `FROM`. There is no fix on an Alpine, other or unknown base image, or when the install would
run after a non-root `USER`: the right package manager or user is not known.

The fix installs a package, so it is safe only where there was no image before: on a base image
known to lack gettext, where `compilemessages` always stops with "Can't find msgfmt", its failure
stops the build (not `compilemessages || true`, not in a branch; see DJ041), and the edit is in
the same stage. It is unsafe otherwise: on an unknown base image gettext may be there already
(and `apt-get install` may upgrade it), an ignored failure built an image without the compiled
messages, and a parent stage's package list ships in every other target built from it.

## References
- [OCP handbook: Dockerfile for Django](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html)
- [Django: compilemessages](https://docs.djangoproject.com/en/stable/ref/django-admin/#compilemessages)
- [Django: gettext on Windows and other systems](https://docs.djangoproject.com/en/stable/topics/i18n/translation/#gettext-on-windows)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from dockerlint_django.analysis import Analysis, RunStep, basename
from dockerlint_django.dockerfile.edits import insert_line_before
from dockerlint_django.dockerfile.model import Stage
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.rules._failure import failure_stops_run
from dockerlint_django.rules._handbook import GETTEXT_INSTALL
from dockerlint_django.shell.commands import AptCommand, apt, django_command
from dockerlint_django.shell.syntax import SimpleCommand, Word

META = RuleMeta(
    code="DJ042",
    name="compilemessages-without-gettext",
    severity=Severity.ERROR,
    summary="compilemessages needs GNU gettext's msgfmt, which the stage does not install.",
    fix=FixAvailability.SOMETIMES,
)

_INSTALL_ACTIONS = {
    "apt-get": ("install",),
    "apt": ("install",),
    "aptitude": ("install",),
    "apk": ("add",),
    "dnf": ("install",),
    "yum": ("install",),
    "microdnf": ("install",),
}
_GETTEXT = {
    "apt-get": frozenset({"gettext"}),
    "apt": frozenset({"gettext"}),
    "aptitude": frozenset({"gettext"}),
    # Alpine's gettext-dev depends on gettext, which carries msgfmt.
    "apk": frozenset({"gettext", "gettext-dev"}),
    "dnf": frozenset({"gettext"}),
    "yum": frozenset({"gettext"}),
    "microdnf": frozenset({"gettext"}),
}


def _package_name(value: str) -> str:
    # Version pins and architecture qualifiers: `gettext=0.21-12`, `gettext:amd64`, `gettext~0.22`.
    for sep in ("=", ":", "~", ">", "<"):
        value = value.split(sep, 1)[0]
    return value


def _installs_gettext(cmd: SimpleCommand) -> bool | None:
    """True: installs gettext; None: an install whose package list is not known; else False."""
    words = cmd.words
    if not words:
        return False
    tool = basename(words[0].value)
    if tool is None:
        # `${DNF} install ${PKGS}`: a package manager held in a variable may install it.
        rest = [w.value for w in words[1:]]
        return None if any(v is None or v in ("install", "add") for v in rest) else False
    if tool not in _INSTALL_ACTIONS:
        return False
    found = apt(cmd)
    if found is not None:
        # apt's own recogniser knows which options take a value (`-o Dpkg::…`).
        if found.action_word is not None and found.action is None:
            return None
        if found.action != "install":
            return False
        if any(p.value is None for p in found.packages):
            return None
        return any(_package_name(p.value or "") in _GETTEXT[tool] for p in found.packages)
    rest = [w.value for w in words[1:]]
    action = next((v for v in rest if v is None or not v.startswith("-")), "")
    if action is None:
        return None
    if action not in _INSTALL_ACTIONS[tool]:
        return False
    after = rest[rest.index(action) + 1 :]
    if any(v is None for v in after):
        return None
    return any(_package_name(v) in _GETTEXT[tool] for v in after if v is not None)


def _earlier_runs(a: Analysis, run: RunStep) -> list[RunStep]:
    stage = run.stage
    if stage is None:
        return []
    if run.onbuild:
        # The trigger runs in a child image, after every RUN of this one and earlier triggers.
        out = list(a.runs_in(stage, chain=True))
        for other in a.runs:
            if other is run:
                break
            if other.onbuild and other.stage is stage:
                out.append(other)
        return out
    out = []
    for other in a.runs_in(stage, chain=True):
        if other is run:
            break
        out.append(other)
    return out


def _apt_install(run: RunStep) -> AptCommand | None:
    for cmd in run.commands:
        found = apt(cmd)
        if found is not None and found.tool in ("apt-get", "apt") and found.action == "install":
            return found
    return None


def _add_to_list(
    ctx: Context, run: RunStep, install: AptCommand, applicability: Applicability
) -> Fix | None:
    ins = run.instruction
    if ins.json or ins.heredocs:
        return None
    packages: Sequence[Word] = install.packages
    if not packages or any(p.value is None for p in packages):
        return None
    source = ctx.analysis.source
    args = ins.args.span()
    if any(not (args.start <= p.span.start and p.span.end <= args.end) for p in packages):
        return None
    names = [p.value or "" for p in packages]
    before: Word | None = None
    if names == sorted(names):
        before = next((p for p in packages if (p.value or "") > "gettext"), None)
    escape = ctx.analysis.dockerfile.escape
    nl = source.newline
    anchor = before if before is not None else packages[-1]
    line_start = source.index.line_start(source.position(anchor.span.start).line)
    indent = source.text[line_start : anchor.span.start]
    # A package that starts its own line: the list is one per line, and so is gettext.
    own_line = not indent.strip() and (before is not None or len(packages) > 1)
    if before is not None:
        text = f"gettext {escape}{nl}{indent}" if own_line else "gettext "
        edit = Edit.insert(before.span.start, text)
    else:
        text = f" {escape}{nl}{indent}gettext" if own_line else " gettext"
        edit = Edit.insert(anchor.span.end, text)
    return Fix("Install gettext", (edit,), applicability)


def _insert_block(ctx: Context, stage: Stage, applicability: Applicability) -> Fix | None:
    known = stage.root_known
    if known is None or known.family != "debian" or not stage.instructions:
        return None
    if stage.states[0].user.is_root is not True:
        return None
    escape = ctx.analysis.dockerfile.escape
    nl = ctx.analysis.source.newline
    block = GETTEXT_INSTALL.render(escape, nl)
    edit = insert_line_before(ctx.analysis.source, stage.instructions[0], block)
    return Fix("Install gettext after FROM", (edit,), applicability)


def _fix(
    ctx: Context, run: RunStep, cmd: SimpleCommand, earlier: list[RunStep], known_base: bool
) -> Fix | None:
    stage = run.stage
    if stage is None or run.onbuild:
        return None
    # Safe only where no image was built before: the base has no msgfmt, compilemessages then
    # always fails, and that failure stops the build. The edit must be in this stage too: a
    # parent stage's package list is also in other targets built from it.
    stops = known_base and failure_stops_run(run, cmd)
    for other in reversed(earlier):
        install = _apt_install(other)
        if install is None:
            continue
        if other.state is None or other.state.user.is_root is not True:
            return None
        safe = stops and other.stage is stage
        return _add_to_list(
            ctx, other, install, Applicability.SAFE if safe else Applicability.UNSAFE
        )
    return _insert_block(ctx, stage, Applicability.SAFE if stops else Applicability.UNSAFE)


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    for run in a.runs:
        stage = run.stage
        if stage is None:
            continue
        known = stage.root_known
        if known is not None and known.has_gettext:
            continue
        earlier: list[RunStep] | None = None
        seen: list[SimpleCommand] = []
        for cmd in run.commands:
            dj = django_command(cmd)
            if dj is None or dj.name != "compilemessages":
                seen.append(cmd)
                continue
            if earlier is None:
                earlier = _earlier_runs(a, run)
            before = [c for r in earlier for c in r.commands] + seen
            if any(_installs_gettext(c) is not False for c in before):
                break
            family = known.family if known is not None else ""
            unknown_base = not family
            yield META.violation(
                dj.name_word.span,
                "compilemessages runs msgfmt, but no earlier RUN installs gettext"
                + (
                    " (unless the base image contains it)"
                    if unknown_base
                    else f" and the {family} base image does not contain it"
                ),
                severity=Severity.INFO if unknown_base else Severity.ERROR,
                fix=_fix(ctx, run, cmd, earlier, not unknown_base),
            )
            break
