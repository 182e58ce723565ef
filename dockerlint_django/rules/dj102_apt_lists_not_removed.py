"""
## What it does
Checks that a `RUN` that fetches the package lists (`apt-get update`, also `apt update`,
`aptitude update` and `apt-file update`) removes `/var/lib/apt/lists` in the same `RUN`, in the
stages that end up in the image.

## Why is this bad?
The handbook ends its package block with `&& rm -rf /var/lib/apt/lists/*`; Docker's best
practices: "when you clean up the apt cache by removing `/var/lib/apt/lists` it reduces the image
size, since the apt cache isn't stored in a layer." The lists are written by the update, so they
are in the layer of the `RUN` that updates: removing them in a later `RUN` does not shrink the
image, since the earlier layer still ships them, and a `RUN` that only installs adds no lists of
its own. Like hadolint's DL3009, the finding is on the update.

Only the final stage and stages another stage builds `FROM` are checked (a stage used only as a
`COPY --from` source does not ship its layers). The lists count as removed by `rm` of
`/var/lib/apt/lists` (or a folder above it) after the last update, by `apt-get distclean` (newer
apt, as in Debian 13, which keeps only the signed release files), or by
`find /var/lib/apt/lists … -delete`; an `rm` whose operand cannot be known (a variable, a relative
path after `cd`) leaves the case unknown. A `cache` or `tmpfs` mount on `/var/lib/apt/lists` or a
folder above it (`/var/lib/apt`) keeps the lists out of the layer, and so does a `bind` mount with
`rw`, whose writes BuildKit discards; a mount only on `/var/cache/apt` does not, since the lists
are not there. Mount targets are read as BuildKit expands them; one that cannot be known leaves
the case unknown.

## Example
```dockerfile
FROM python:3.11
RUN apt-get update && apt-get install -y --no-install-recommends gettext
```

## Use instead
```dockerfile
FROM python:3.11
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
```

## Fix safety
The fix appends `&& rm -rf /var/lib/apt/lists/*` to a shell-form `&&` chain: it runs only if
everything before it succeeded, and nothing after it in the same `RUN` needs the lists.

Removing the lists changes what later `RUN`s find. A later `RUN` of the same stage, or of a stage
built `FROM` it, that reads the lists before an update of its own (`apt-get install`, `upgrade`,
`build-dep`, `source`, `download`, `apt-get -f install`, `apt-cache`, also behind `sudo`) would
find no packages and fail the build. A later `RUN` that mounts its own lists does not read these;
once a later `RUN` of the stage updates the lists again, or removes them, the `RUN`s after it do not
depend on these either. So the fix is:
- safe when no later `RUN` reads these lists;
- not offered when one does (the message names it): install in the updating `RUN` instead, then
  remove the lists;
- unsafe when a later `RUN` first runs something whose commands cannot be seen (a script file, a
  script piped into a shell such as `curl … | bash`, `make`, `eval`, a sourced file other than a
  virtualenv's `activate`), since that may install from the lists;
- not offered for an `ONBUILD RUN`, whose later steps are in other Dockerfiles, or for other
  shapes (heredocs, `;` or `||` lists, exec form, an update inside `if`).

The image itself loses only the package lists, which nothing but apt reads. An image built
elsewhere `FROM` this one that installs without its own `apt-get update` would stop finding
packages, as it already does on Docker's own Debian and Ubuntu images, which ship without lists.

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [Docker best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
- [Debian 13 released: `apt-get distclean`](https://www.debian.org/News/2025/20250809)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from enum import Enum

from dockerlint_django._record import record
from dockerlint_django.analysis import Analysis, RunStep, basename, mounts
from dockerlint_django.dockerfile.edits import ends_cleanly
from dockerlint_django.dockerfile.expand import ExpansionError, expand_word
from dockerlint_django.dockerfile.model import Stage
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
    Related,
    RuleMeta,
    Severity,
    Violation,
)
from dockerlint_django.shell.commands import APT_TOOLS
from dockerlint_django.shell.syntax import SimpleCommand, Word

META = RuleMeta(
    code="DJ102",
    name="apt-lists-not-removed",
    severity=Severity.INFO,
    summary="Remove /var/lib/apt/lists in the RUN that runs apt-get update.",
    fix=FixAvailability.SOMETIMES,
    hadolint=("DL3009",),
)

_LISTS = "/var/lib/apt/lists"
# `apt-file update` fetches the package lists too (with the Contents indexes apt-file searches).
_TOOLS = APT_TOOLS | {"apt-cache", "apt-file"}
# apt-get/apt actions that work from the installed packages (dpkg's status) alone.
_LIST_FREE = frozenset(
    {
        "clean",
        "autoclean",
        "auto-clean",
        "distclean",
        "dist-clean",
        "remove",
        "purge",
        "autoremove",
        "auto-remove",
        "autopurge",
        "check",
        "markauto",
        "unmarkauto",
        "help",
    }
)
_DISTCLEAN = frozenset({"distclean", "dist-clean"})
_VALUE_OPTIONS = frozenset({"-o", "--option", "-c", "--config-file", "-t", "--target-release"})
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})
# Commands that run code this RUN does not show.
_OPAQUE = frozenset({"make", "gmake", "eval"})


class _Use(Enum):
    NONE = 0  # does not read the lists an earlier RUN left (or mounts its own)
    MAYBE = 1  # runs something that cannot be seen, before any update of its own
    USES = 2  # an apt command reads the lists before any update of its own
    REMOVES = 3  # removes the lists: no RUN after it sees them
    UPDATES = 4  # fetches the lists afresh before using them: RUNs after it use those


# Commands that run the command after them: `sudo apt-get install …`.
_WRAPPERS = frozenset({"sudo", "env", "nice", "nohup", "xargs", "timeout", "command", "stdbuf"})


@record
class _Apt:
    tool: str  # "apt-get", "apt", "aptitude", "apt-cache", "apt-file"
    action: str | None  # None when it cannot be known; "" when there is none
    action_word: Word | None

    @property
    def updates(self) -> bool:
        return self.tool != "apt-cache" and self.action == "update"

    @property
    def list_free(self) -> bool:
        return self.tool in APT_TOOLS and self.action in _LIST_FREE


def _apt(cmd: SimpleCommand) -> _Apt | None:
    """The apt command ``cmd`` runs, also behind ``sudo``, ``env`` and the like."""
    words = cmd.words
    i = 0
    if words and basename(words[0].value) in _WRAPPERS:
        i = next(
            (k for k, w in enumerate(words) if basename(w.value) in _TOOLS),
            len(words),
        )
    if i >= len(words):
        return None
    tool = basename(words[i].value)
    if tool not in _TOOLS:
        return None
    j = i + 1
    while j < len(words):
        w = words[j]
        if w.value is None:
            return _Apt(tool, None, None)
        if w.value.startswith("-"):
            j += 2 if w.value in _VALUE_OPTIONS else 1
            continue
        return _Apt(tool, w.value, w)
    return _Apt(tool, "", None)


def _target(word: Word, workdir: str | None, cd_before: bool) -> str | None:
    """An absolute, normalised path operand; None when it cannot be known."""
    v = word.value
    if v is None:
        # An unquoted glob (`/var/lib/apt/lists/*`) has no single value but names its files.
        raw = word.raw.text
        if any(c in raw for c in "$`'\"\\") or not any(c in raw for c in "*?["):
            return None
        v = raw
    if not v.startswith("/"):
        if cd_before or workdir is None:
            return None
        v = posixpath.join(workdir, v)
    return posixpath.normpath(v)


def _covers_lists(path: str) -> bool:
    """``path`` (a glob allowed) is the lists folder, a folder above it, or files in it."""
    base = path[:-2] if path.endswith("/*") else path
    if base == "/" or base == _LISTS or _LISTS.startswith(base + "/"):
        return True
    return path.startswith(_LISTS + "/") and any(c in path for c in "*?[")


def _could_be_lists(word: Word) -> bool:
    """An operand whose value is not known could still name the lists: its known start does not
    rule them out."""
    prefix = word.prefix.text
    if not prefix.startswith("/"):
        return True
    return _LISTS.startswith(prefix) or prefix.startswith(_LISTS) or _covers_lists(prefix)


def _removal(cmd: SimpleCommand, workdir: str | None, cd_before: bool) -> bool | None:
    """Whether the command removes the lists; None when it may (an operand is not known)."""
    name = basename(cmd.name)
    if name == "rm":
        unknown = False
        for w in cmd.words[1:]:
            if w.value is not None and w.value.startswith("-"):
                continue
            target = _target(w, workdir, cd_before)
            if target is not None:
                if _covers_lists(target):
                    return True
            elif w.value is not None or _could_be_lists(w):
                unknown = True
        return None if unknown else False
    if name == "find":
        values = [w.value for w in cmd.words[1:]]
        if "-delete" in values or "-exec" in values or "-execdir" in values:
            for w in cmd.words[1:]:
                target = _target(w, workdir, cd_before)
                if target is not None and (target == _LISTS or target.startswith(_LISTS + "/")):
                    return True
        return False
    found = _apt(cmd)
    return found is not None and found.tool in APT_TOOLS and found.action in _DISTCLEAN


def _ordered(run: RunStep) -> list[SimpleCommand]:
    # `sh -c` strings and heredoc scripts are listed after the RUN's own commands; their text
    # order is the order they run in.
    return sorted(run.commands, key=lambda c: c.span.start)


def _workdir(run: RunStep) -> str | None:
    return run.state.workdir if run.state is not None else None


def _mount_target(value: str, run: RunStep, escape: str) -> str | None:
    """A mount target as BuildKit expands it, made absolute; None when it cannot be known."""
    state = run.state
    if state is None:
        return None if "$" in value else posixpath.normpath(value)
    try:
        expansion = expand_word(value, state.variables, escape)
    except ExpansionError:
        return None
    if expansion.value is None or expansion.unmatched:
        return None
    target = expansion.value
    if not target.startswith("/"):
        if state.workdir is None:
            return None
        target = posixpath.join(state.workdir, target)
    return posixpath.normpath(target)


def _mounted(run: RunStep, escape: str) -> bool | None:
    """A mount keeps the lists out of the layer; None when a mount's target cannot be known."""
    unknown = False
    for m in mounts(run.instruction):
        kind = m.get("type")
        writable_bind = kind == "bind" and ("rw" in m or "readwrite" in m)
        if kind not in ("cache", "tmpfs") and not writable_bind:
            continue
        raw = m.get("target", m.get("dst", m.get("destination")))
        if raw is None:
            continue
        target = _mount_target(raw, run, escape)
        if target is None:
            unknown = True
        elif target == "/" or target == _LISTS or _LISTS.startswith(target + "/"):
            return True
    return None if unknown else False


def _parsed_shell_string(cmd: SimpleCommand) -> bool:
    """``sh -c '…'`` whose string ``run_commands`` reads as commands."""
    words = cmd.words
    flag = words[1].value or "" if len(words) >= 3 else ""
    return flag.startswith("-") and "c" in flag and words[2].mapped is not None


def _opaque(cmd: SimpleCommand, heredocs: bool) -> bool:
    """The command runs code that cannot be read here: a script file, a script piped into a
    shell, ``make``, ``eval``, a sourced file (a virtualenv's ``activate`` aside)."""
    words = cmd.words
    if not words:
        return False
    # A name built from a variable (`python${PYTHON_VERSION}`) is judged by its known start.
    name = cmd.name if cmd.name is not None else words[0].prefix.text
    if not name:
        return True
    base = basename(name) or ""
    if base in (".", "source"):
        target = words[1].value if len(words) > 1 else None
        return target is None or not target.endswith("/bin/activate")
    if base in _OPAQUE:
        return True
    if base in _SHELLS:
        if _parsed_shell_string(cmd):
            return False
        operands = [w for w in words[1:] if not (w.value or "").startswith("-")]
        # `RUN bash <<EOF`: the heredoc is the script, and it is read.
        return not (heredocs and not operands and not cmd.in_pipeline)
    if base.endswith((".sh", ".bash")):
        return True
    if "/bin/" in name or "/sbin/" in name:
        return False  # a program (`/opt/venv/bin/pip`, `./venv/bin/python`)
    return name.startswith(("./", "../", "/"))


def _certain(cmd: SimpleCommand) -> bool:
    """The command runs whenever the RUN succeeds: not inside `if` or a loop, not after `||`."""
    return cmd.top_level and cmd.connector_before != "||"


def _later_use(run: RunStep, escape: str) -> _Use:
    """How a later RUN depends on the lists an earlier RUN left."""
    if _mounted(run, escape) is True:
        return _Use.NONE
    heredocs = bool(run.instruction.heredocs)
    maybe = False
    cd_before = False
    for cmd in _ordered(run):
        found = _apt(cmd)
        if found is not None:
            if found.updates:
                if maybe:
                    break
                if _certain(cmd):
                    return _Use.UPDATES
                continue  # an update that may not run
            if found.list_free:
                if found.action in _DISTCLEAN and not maybe and _certain(cmd):
                    return _Use.REMOVES
                continue
            # After a command that cannot be seen (a script that may update first): unknown.
            return _Use.MAYBE if maybe else _Use.USES
        if not maybe and _certain(cmd) and _removal(cmd, _workdir(run), cd_before) is True:
            return _Use.REMOVES
        if basename(cmd.name) == "cd":
            cd_before = True
        maybe = maybe or _opaque(cmd, heredocs)
    return _Use.MAYBE if maybe else _Use.NONE


def _sees(stage: Stage, status: dict[int, bool]) -> bool:
    """Whether ``stage`` sees the lists: ``status`` holds the answer for the stage they were left
    in (True) and those that replaced them (False); an answer found walking up from ``stage`` is
    kept for every stage on the way, so each stage's ancestors are walked once."""
    path: list[Stage] = []
    s: Stage | None = stage
    while s is not None and s.index not in status:
        path.append(s)
        s = s.parent
    answer = status[s.index] if s is not None else False
    for p in path:
        status[p.index] = answer
    return answer


def _dependants(a: Analysis, run: RunStep) -> tuple[_Use, RunStep | None]:
    """Whether a later RUN uses the lists this one leaves (and the first that does).

    The RUNs that build on this one's layer are the later ones of its stage (its ONBUILD triggers
    too) and of the stages built FROM it; a stage built FROM it that updates or removes the lists
    itself hides them from its own later RUNs and from the stages built FROM it. A stage's parent
    always comes before it in the file, so one walk in file order sees each RUN once, and stops at
    the first RUN of this stage that updates or removes them.
    """
    stage = run.stage
    if stage is None:
        return _Use.NONE, None
    escape = a.dockerfile.escape
    maybe = False
    status = {stage.index: True}
    runs = a.runs
    for i in range(a.run_position(run) + 1, len(runs)):
        later = runs[i]
        if later.stage is None or not _sees(later.stage, status):
            continue
        use = _later_use(later, escape)
        if use is _Use.USES:
            return _Use.USES, later
        if use in (_Use.REMOVES, _Use.UPDATES):
            if later.stage is stage:
                break  # nothing after it, in this stage or one built FROM it, sees these lists
            status[later.stage.index] = False
            continue
        maybe = maybe or use is _Use.MAYBE
    return (_Use.MAYBE if maybe else _Use.NONE), None


def _left(run: RunStep) -> tuple[_Apt, Word] | None:
    """The first update of the RUN, when the lists stay in its layer; None when they do not
    (or may not)."""
    commands = _ordered(run)
    updates = [
        (i, found) for i, cmd in enumerate(commands) if (found := _apt(cmd)) and found.updates
    ]
    if not updates:
        return None
    last = updates[-1][0]
    cd_before = any(basename(c.name) == "cd" for c in commands[:last])
    for cmd in commands[last + 1 :]:
        if basename(cmd.name) == "cd":
            cd_before = True
        if _removal(cmd, _workdir(run), cd_before) is not False:
            return None
    first = updates[0][1]
    assert first.action_word is not None
    return first, first.action_word


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    escape = a.dockerfile.escape
    for run in a.runs:
        if not a.ships(run):
            continue
        left = _left(run)
        if left is None or _mounted(run, escape) is not False:
            continue
        found, word = left
        tool = found.tool
        message = (
            f"{tool} update leaves the package lists in this layer; "
            "remove /var/lib/apt/lists/* at the end of the RUN"
        )
        related: tuple[Related, ...] = ()
        fix = None
        if not run.onbuild:
            use, later = _dependants(a, run)
            if later is not None:
                line = a.source.position(later.instruction.span.start).line
                message = (
                    f"{tool} update leaves the package lists in this layer, and the RUN on line "
                    f"{line} installs from them: install in this RUN, then remove "
                    "/var/lib/apt/lists/*"
                )
                related = (Related(later.keyword_span, "installs from these package lists"),)
            elif _fixable(a, run):
                end = run.instruction.args.span().end
                fix = Fix(
                    "Append && rm -rf /var/lib/apt/lists/*",
                    (Edit.insert(end, " && rm -rf /var/lib/apt/lists/*"),),
                    Applicability.UNSAFE if use is _Use.MAYBE else Applicability.SAFE,
                )
        yield META.violation(word.span, message, fix=fix, related=related)


def _fixable(a: Analysis, run: RunStep) -> bool:
    ins = run.instruction
    commands = run.commands
    return (
        not ins.json
        and not ins.heredocs
        and bool(commands)
        and all(c.connector_after in ("&&", None) for c in commands)
        and all(c.top_level and not c.background for c in commands)
        and ends_cleanly(a.source, ins, commands[-1].span.end)
        and run.closes
    )
