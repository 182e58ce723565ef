"""
## What it does
Checks that `pip install` runs with `--no-cache-dir` (or with pip's cache otherwise disabled or kept
out of the layer), in the stages whose layers ship: the final stage, its ancestors and any stage
another is built `FROM`. A builder stage whose virtualenv is copied out with `COPY --from` leaves
its cache behind.

## Why is this bad?
pip keeps every wheel it downloads or builds in `~/.cache/pip`. In an image that cache is dead
weight, often as large as the installed packages themselves, and it ships in the layer. The
handbook installs requirements with `pip install --no-cache-dir -r /tmp/requirements.txt`.

These also disable or avoid the cache and are accepted: `PIP_NO_CACHE_DIR` set to any value pip
accepts (pip disables its cache whenever the option is given, whatever the boolean says) through
`ENV`, `ARG`, a command prefix or an earlier `export` in the same `RUN`; a `--mount=type=cache` or
`type=tmpfs` on pip's cache directory (`~/.cache/pip`, `~/.cache`, or `PIP_CACHE_DIR`); removing
that directory later in the same `RUN` (`rm -rf /root/.cache`, `pip cache purge`); and a
`--cache-dir` of the command's own choosing. pip takes unambiguous abbreviations, so `--no-cache`
counts as `--no-cache-dir`. `uv pip` keeps its own cache and is not checked.

Variables are read as the shell reads them. One that `ENV` or `ARG` (with a default) gives a value
is expanded (`ARG PIP_FLAGS=--no-cache-dir` counts). One whose value is unknown matters only if it
could supply the option: `pip install $PIP_FLAGS -r requirements.txt` is not reported, while
`pip install -r ${APP_DIR}/requirements.txt` is (the word after `-r` is its file, and a word with
text of its own next to the variable is an operand), and so is `pip install "$CODE_DIR"` or
`pip install $PACKAGES`: a variable whose name says it holds operands (`…_DIR`, `…_FILE`,
`…PACKAGES`, `…DEPS`, `…REQUIREMENTS`, `…_PATH`, `…_URL`, `…_VERSION`, `…_SOURCE`) is taken at
its word, one named for options (`…OPTS`, `…FLAGS`, `…ARGS`) or for nothing in particular is not.

## Example
```dockerfile
FROM python:3.11
COPY requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt
```

## Use instead
```dockerfile
FROM python:3.11
COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt
```

## Fix safety
Safe: inserts `--no-cache-dir` after `install`. The same packages are installed from the same
indexes; only the cache is not written, and no option the command has (variables included) is
changed, since a command whose unknown words could be options is not reported at all, and one with
`--cache-dir` is left alone. The fix is unsafe when the Dockerfile copies a `.cache` folder
(`COPY --from=… /root/.cache …`): a later step may then read the cache this install writes.

## References
- [OCP handbook: Dockerfile for Django](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html)
- [pip: caching](https://pip.pypa.io/en/stable/topics/caching/)
- [hadolint DL3042](https://github.com/hadolint/hadolint/wiki/DL3042)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

from dockerlint_django._record import LazyPattern
from dockerlint_django.analysis import Analysis, RunStep, basename, mounts
from dockerlint_django.dockerfile.edits import insert_word_after
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.shell.commands import Layered, from_expansion, pip_install
from dockerlint_django.shell.syntax import SimpleCommand

META = RuleMeta(
    code="DJ105",
    name="pip-cache-not-disabled",
    severity=Severity.WARNING,
    summary="pip install without --no-cache-dir ships pip's download cache in the layer.",
    fix=FixAvailability.ALWAYS,
    hadolint=("DL3042",),
)

_VAR = "PIP_NO_CACHE_DIR"
# The folders pip's cache is in, or under: `~/.cache/pip` (any user), `~/.cache`.
_CACHE_PATH = LazyPattern(r"(?:^|/)\.cache(?:/pip)?/?\*?$")


def _cache_dirs(variables: Mapping[str, str | None]) -> set[str]:
    """Where this RUN's pip cache is when ``PIP_CACHE_DIR``/``XDG_CACHE_HOME`` say."""
    out = set()
    own = variables.get("PIP_CACHE_DIR")
    if own:
        out.add(own.rstrip("/"))
    xdg = variables.get("XDG_CACHE_HOME")
    if xdg:
        out.update({xdg.rstrip("/"), xdg.rstrip("/") + "/pip"})
    return out


def _is_cache_path(path: str, dirs: set[str]) -> bool:
    path = path.strip("\"'")
    return bool(_CACHE_PATH.search(path)) or path.rstrip("/*").rstrip("/") in dirs


def _cache_mounted(run: RunStep, dirs: set[str]) -> bool:
    for m in mounts(run.instruction):
        if m.get("type") not in ("cache", "tmpfs"):
            continue
        target = m.get("target", m.get("dst", m.get("destination", ""))).rstrip("/")
        if _is_cache_path(target, dirs) or target.endswith("/pip-cache"):
            return True
    return False


def _last_removal(commands: Sequence[SimpleCommand], dirs: set[str]) -> int:
    """Where the RUN's last command that deletes the cache starts (-1: none does): a pip install
    before it leaves no cache in the layer."""
    last = -1
    for cmd in commands:
        if cmd.words and _removes_cache(cmd, dirs):
            last = max(last, cmd.span.start)
    return last


def _removes_cache(cmd: SimpleCommand, dirs: set[str]) -> bool:
    name = basename(cmd.name)
    if name == "rm" and any(
        _is_cache_path(w.raw.text, dirs) for w in cmd.words[1:] if not w.raw.text.startswith("-")
    ):
        return True
    values = [w.value for w in cmd.words]
    if name is not None and re.match(r"pip\d*(?:\.\d+)?$|python", name):
        for i in range(len(values) - 1):
            if values[i] == "cache" and values[i + 1] == "purge":
                return True
    return False


def _is_no_cache_dir(option: str | None) -> bool:
    # pip's optparse takes any unambiguous prefix: `--no-cache` is `--no-cache-dir`; shorter ones
    # (`--no-c`) also match --no-color, --no-clean and --no-compile.
    return (
        option is not None
        and len(option) >= len("--no-cache")
        and "--no-cache-dir".startswith(option)
    )


def _cache_copied(a: Analysis) -> bool:
    """A COPY or ADD takes a `.cache` folder somewhere: a later step may read the cache."""
    return any(".cache" in ins.args.text for ins in a.instructions("COPY", "ADD"))


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    a_source = a.source
    applicability = Applicability.UNSAFE if _cache_copied(a) else Applicability.SAFE
    for run in a.runs:
        if not a.ships(run):
            continue  # a builder stage's layers never reach the image (only what is copied out)
        # State.variables, without merging every variable for every RUN
        variables: Mapping[str, str | None] = (
            Layered(run.state.env, run.state.args) if run.state is not None else {}
        )
        dirs = _cache_dirs(variables)
        if _VAR in variables or _cache_mounted(run, dirs):
            continue
        env = run.environment()
        removal: int | None = None  # read once, when a pip install asks
        exported = False
        for cmd in run.commands:
            if basename(cmd.name) == "export" and any(
                (w.value or w.raw.text).startswith(_VAR + "=") for w in cmd.words[1:]
            ):
                exported = True
            if any(asg.name == _VAR for asg in cmd.assignments) and not cmd.words:
                exported = True
            pip = pip_install(cmd, env)
            if pip is None or pip.tool != "pip" or exported:
                continue
            if any(asg.name == _VAR for asg in cmd.assignments):
                continue
            if pip.hidden:
                continue  # `$PIP_FLAGS` may hold --no-cache-dir
            if any(_is_no_cache_dir(w.value) for w in pip.options) or pip.has_option("--cache-dir"):
                continue
            if any(asg.name == "PIP_CACHE_DIR" for asg in cmd.assignments):
                continue  # a cache folder of this command's own choosing
            if removal is None:
                removal = _last_removal(run.commands, dirs)
            if removal > cmd.span.start:
                continue
            word = pip.install_word
            if from_expansion(word):
                # `pip $PIP_INSTALL …`: pip takes its general options before the command too.
                edit = Edit.insert(word.span.start, "--no-cache-dir ")
            else:
                edit = insert_word_after(a_source, run.instruction, word.span, "--no-cache-dir")
            yield META.violation(
                pip.install_word.span,
                "pip install without --no-cache-dir keeps pip's download cache in the layer",
                fix=Fix("Add --no-cache-dir", (edit,), applicability),
            )
