"""
## What it does
Checks for `apt` in `RUN` commands, where `apt-get` is meant.

## Why is this bad?
`apt` is the interactive front end: its command-line interface is not promised to stay stable, and
it warns "apt does not have a stable CLI interface. Use with caution in scripts." into every build
log. `apt-get` is the tool for scripts, and the one the handbook uses.

## Example
```dockerfile
FROM python:3.11
RUN apt update && apt install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM python:3.11
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
```

## Fix safety
`apt` and `apt-get` run the same code for `update` and `install` with the same options; what
differs are the defaults `apt` sets for itself (apt's `BinarySpecificConfiguration`):
- colour, the progress bar, the "N packages can be upgraded" line, the pager: build-log output only;
- asking before accepting a repository whose release information changed, and waiting up to two
  minutes for the dpkg lock: both only with a terminal or another apt running, which a `RUN` has
  not;
- `apt` takes package names and patterns only, where `apt-get` also matches a name as a glob or
  regular expression when no package has it: the same packages wherever `apt` succeeds. Local
  files (`apt install ./app.deb`) install the same with both;
- `apt` deletes the `.deb` files it downloaded once they are installed
  (`APT::Keep-Downloaded-Packages` false); `apt-get` keeps them in `/var/cache/apt/archives`, in
  the layer.

So `apt update` becomes `apt-get update`: safe. `apt install` becomes `apt-get install`: safe when
the downloaded packages cannot stay in the layer either way: the base image is one known to be
Debian or Ubuntu based (Docker's official images, and images built on them, carry
`/etc/apt/apt.conf.d/docker-clean`, which deletes them after every install) and nothing earlier in
the stage changes that configuration; or the same `RUN` clears them after the install
(`apt-get clean`, `rm -rf /var/cache/apt/archives/*`); or a cache or tmpfs mount holds
`/var/cache/apt`. Otherwise it is unsafe: the layer would keep the packages, and grow by their
size. An `install` with an option or an argument `apt-get` may read differently (an option it does
not know, a wildcard or pattern, a value that cannot be known) has no safe fix either.

Other `apt` commands are reported without a fix: `apt upgrade` also installs new dependencies
(`apt-get upgrade --with-new-pkgs`), `apt full-upgrade` is `apt-get dist-upgrade`, and `list`,
`search` and `show` belong to `apt-cache` or have no `apt-get` form.

## References
- [apt(8)](https://manpages.debian.org/apt.8): "The apt(8) commandline is designed as an end-user tool"
- [apt.conf(5): APT::Keep-Downloaded-Packages](https://manpages.debian.org/apt.conf.5)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from dockerlint_django._record import LazyPattern
from dockerlint_django.analysis import Analysis, RunStep, basename, mounts
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import Context, FixAvailability, RuleMeta, Severity, Violation
from dockerlint_django.shell.commands import AptCommand, apt
from dockerlint_django.shell.syntax import SimpleCommand

META = RuleMeta(
    code="DJ109",
    name="apt-instead-of-apt-get",
    severity=Severity.WARNING,
    summary="Use apt-get, not apt, in scripts: apt's interface is for people.",
    fix=FixAvailability.SOMETIMES,
    hadolint=("DL3027",),
)

# apt-get(8)'s options, which `apt install` and `apt update` take with the same meaning.
_SHARED_OPTIONS = frozenset(
    {
        "--yes",
        "--assume-yes",
        "--assume-no",
        "--quiet",
        "--simulate",
        "--just-print",
        "--dry-run",
        "--recon",
        "--no-act",
        "--download-only",
        "--fix-broken",
        "--ignore-missing",
        "--fix-missing",
        "--no-download",
        "--show-upgraded",
        "--no-show-upgraded",
        "--verbose-versions",
        "--host-architecture",
        "--build-profiles",
        "--no-install-recommends",
        "--install-recommends",
        "--no-install-suggests",
        "--install-suggests",
        "--ignore-hold",
        "--no-upgrade",
        "--only-upgrade",
        "--allow-downgrades",
        "--allow-remove-essential",
        "--allow-change-held-packages",
        "--force-yes",
        "--print-uris",
        "--purge",
        "--reinstall",
        "--list-cleanup",
        "--no-list-cleanup",
        "--target-release",
        "--default-release",
        "--trivial-only",
        "--no-remove",
        "--auto-remove",
        "--autoremove",
        "--allow-unauthenticated",
        "--allow-insecure-repositories",
        "--allow-releaseinfo-change",
        "--show-progress",
        "--option",
        "--config-file",
    }
)
_SHARED_SHORT = frozenset("yqsdfmuVat")
_VALUE_OPTIONS = frozenset(
    {"-o", "--option", "-c", "--config-file", "-t", "--target-release", "-a"}
)
# A package name with an optional architecture, version or release; or a local .deb file.
_PACKAGE = LazyPattern(r"^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?([=/][A-Za-z0-9.+~:_-]+)?$")
_DEB = LazyPattern(r"^\.{0,2}/\S*\.deb$")
_ARCHIVES = "/var/cache/apt/archives"
# What changes whether downloaded packages are kept: Docker's docker-clean hook (a DPkg::Post-Invoke
# command), or apt's own setting.
_APT_CONFIG = LazyPattern(r"docker-clean|Keep-Downloaded-Packages|Post-Invoke|#clear", re.I)
_CLEANS = frozenset({"clean", "distclean", "dist-clean"})


def _shared_options(a: AptCommand) -> bool:
    """Every option is one apt-get takes with the same meaning."""
    words = a.options
    i = 0
    while i < len(words):
        v = words[i].value
        if v is None:
            return False
        if v in _VALUE_OPTIONS:
            i += 2  # the option's value is the next word
            continue
        if v.startswith("--"):
            if v.split("=", 1)[0] not in _SHARED_OPTIONS:
                return False
        elif not set(v[1:]) <= _SHARED_SHORT:
            return False
        i += 1
    return True


def _plain_arguments(a: AptCommand) -> bool | None:
    """Every argument is a package name or a local .deb; None when one cannot be known."""
    for w in a.packages:
        if w.value is None:
            return None
        if not (_PACKAGE.match(w.value) or _DEB.match(w.value)):
            return False
    return True


def _under(target: str, path: str) -> bool:
    return target == "/" or path == target or path.startswith(target + "/")


def _archives_mounted(run: RunStep) -> bool:
    for m in mounts(run.instruction):
        if m.get("type") not in ("cache", "tmpfs"):
            continue
        target = m.get("target", m.get("dst", m.get("destination")))
        if target is None or "$" in target or not target.startswith("/"):
            continue
        if _under(posixpath.normpath(target), _ARCHIVES):
            return True
    return False


def _clears_archives(cmd: SimpleCommand) -> bool:
    found = apt(cmd)
    if found is not None:
        return found.tool in ("apt-get", "apt") and found.action in _CLEANS
    if basename(cmd.name) != "rm":
        return False
    for w in cmd.words[1:]:
        raw = w.value if w.value is not None else w.raw.text
        if raw.startswith("-") or "$" in raw or not raw.startswith("/"):
            continue
        base = raw[:-2] if raw.endswith("/*") else raw
        if _under(posixpath.normpath(base), _ARCHIVES):
            return True
    return False


def _docker_clean(a: Analysis, run: RunStep) -> bool:
    """The stage's base is known to delete downloaded packages after every install (Docker's
    Debian and Ubuntu images), and nothing before this RUN changes apt's configuration."""
    stage = run.stage
    if stage is None or run.state is None:
        return False
    known = stage.root_known
    if known is None or known.family != "debian":
        return False
    for s in stage.chain:
        for ins, _ in s.steps():
            if ins is run.instruction:
                return True
            if ins.keyword == "RUN" and _APT_CONFIG.search(ins.args.text):
                return False
            if ins.keyword in ("COPY", "ADD") and any(
                v.rstrip("/").startswith("/etc/apt") for v in ins.value[-1:]
            ):
                return False
    return True


def _install_fix(
    a: Analysis, run: RunStep, cmd: SimpleCommand, found: AptCommand
) -> Applicability | None:
    if not _shared_options(found):
        return None
    plain = _plain_arguments(found)
    if plain is False:
        return None
    if plain is None:
        return Applicability.UNSAFE
    ordered = sorted(run.commands, key=lambda c: c.span.start)
    later = [c for c in ordered if c.span.start > cmd.span.end]
    if _archives_mounted(run) or any(_clears_archives(c) for c in later) or _docker_clean(a, run):
        return Applicability.SAFE
    return Applicability.UNSAFE


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    for run in a.runs:
        for cmd in run.commands:
            found = apt(cmd)
            if found is None or found.tool != "apt":
                continue
            applicability: Applicability | None = None
            if found.tool_word.value == "apt":
                if found.action == "update" and _shared_options(found) and not found.packages:
                    applicability = Applicability.SAFE
                elif found.action == "install":
                    applicability = _install_fix(a, run, cmd, found)
            fix = None
            if applicability is not None:
                fix = Fix(
                    "Use apt-get",
                    (Edit.replace(found.tool_word.span, "apt-get"),),
                    applicability,
                )
            yield META.violation(
                found.tool_word.span, "apt is meant for people; use apt-get in scripts", fix=fix
            )
