"""
## What it does
Checks Gunicorn's control socket against the Gunicorn release the image installs: on Gunicorn
25.2 and later, that the socket is disabled (`--no-control-socket`) or given a path
(`--control-socket PATH`) when its default place cannot be created; on earlier releases, that the
command line does not pass these options, which do not exist there.

## Why is this bad?
Gunicorn 25.1 added a control socket, opened by default. Since 25.2 it is at
`$XDG_RUNTIME_DIR/gunicorn.ctl` or else `$HOME/.gunicorn/gunicorn.ctl`, the folder created if
needed (benoitc/gunicorn#3551). The handbook's template added `--no-control-socket` because
"gunicorn 25.1 creates a control socket by default, but the path defaults to the unwritable
/.gunicorn". Gunicorn does not stop then, but logs "Failed to start control socket" (or "Control
server error: Permission denied") at every start, and the socket does not exist. The home folder
cannot be created when:

- the user is made by `useradd -r` (never a home, useradd(8)), `useradd -M`, `useradd` without
  `-m` on Debian (its `login.defs` makes no home), `adduser --no-create-home`, or Debian's
  `adduser --system` (home `/nonexistent`): `/home` is not writable by that user;
- a Compose `user:` (or `USER`) gives a numeric uid that is not in the image's `/etc/passwd`:
  `HOME` is then `/`;
- the user is `nobody`.

Nothing is reported when the folder can be made (root, a user created with its home), when
`HOME` or `XDG_RUNTIME_DIR` is set, or when the user or its home is not known (a user of the base
image, `USER $APP_USER`). Gunicorn 25.1.x put the socket in the working directory instead, whose
owner is not known here: it is not reported.

On Gunicorn before 25.1, `--no-control-socket`, `--control-socket` and `--control-socket-mode`
are unknown to its argument parser, which exits at startup with "unrecognized arguments", on the
command line or in `GUNICORN_CMD_ARGS` (a config file's unknown names are ignored). This is an
error, reported only for an exact pin with every requirements file read.

The release is read from the requirements files the final stage installs (`gunicorn==26.0.0`,
`gunicorn[setproctitle]==26.0.0`, nested `-r`/`-c` files followed) or a `pip install gunicorn==…`
(also in a stage the final one copies its packages from). An exact pin decides. Without one, a
requirement that allows 25.2 or later is taken to install the latest release (info only); one
that does not (`gunicorn~=23.0`) is not reported. When Gunicorn's requirement cannot be seen at
all (the requirements are outside the build context, or installed by Poetry, Pipenv, `uv sync`…),
nothing is reported: the advice would stop an older Gunicorn from starting.

## Example
```dockerfile
FROM python:3.12
RUN groupadd -r runner && useradd --no-log-init -r -g runner runner
RUN pip install --no-cache-dir gunicorn==26.0.0
USER runner:runner
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
```

## Use instead
```dockerfile
FROM python:3.12
RUN groupadd -r runner && useradd --no-log-init -r -g runner runner
RUN pip install --no-cache-dir gunicorn==26.0.0
USER runner:runner
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--no-control-socket"]
```

## Fix safety
Safe when the image pins Gunicorn 25.2 or later: `"--no-control-socket"` is appended to an
exec-form command whose last element is Gunicorn's last argument. The socket could not be opened
anyway, so Gunicorn serves the same, without the error at every start. With the option
`assume-latest` and Gunicorn installed unpinned, the same fix is unsafe: the release is a guess,
and a Gunicorn older than 25.1 that the resolver picks (another requirement caps it, an index
mirror lags) exits at startup on the unknown option.

For an option an older pinned Gunicorn does not know, the fix removes it from an exec-form
command (safe: Gunicorn has no control socket before 25.1, and the option only made it exit).

## Options
`assume-latest` (default `false`): offer the fix when Gunicorn is installed without a pin, taking
it to be the latest release.

```toml
[tool.dockerlint-django.rules.DJ025]
assume-latest = true
```

## References
- [Gunicorn settings: control_socket](https://docs.gunicorn.org/en/stable/settings.html#control-socket)
- [OCP handbook: Dockerfile for Django, Gunicorn](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
- [benoitc/gunicorn#3551: user-writable default path for the control socket](https://github.com/benoitc/gunicorn/pull/3551)
- [useradd(8)](https://manpages.debian.org/useradd.8)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django._record import record
from dockerlint_django.analysis import Analysis, Start
from dockerlint_django.dockerfile.edits import element_index, json_delete
from dockerlint_django.dockerfile.model import Stage
from dockerlint_django.fix import Applicability, Fix
from dockerlint_django.gunicorn import GunicornSettings, ParsedOption
from dockerlint_django.readers.requirements import Requirement
from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
    Related,
    RuleMeta,
    Severity,
    Violation,
)
from dockerlint_django.rules._handbook import NO_CONTROL_SOCKET
from dockerlint_django.rules.dj024_proc_name_without_setproctitle import (
    Installs,
    Package,
    gunicorn_installs,
)
from dockerlint_django.shell import useradd
from dockerlint_django.source import Span

META = RuleMeta(
    code="DJ025",
    name="gunicorn-control-socket",
    severity=Severity.INFO,
    summary="Gunicorn 25.2+ opens a control socket its user cannot create, or an older Gunicorn "
    "is given control-socket options it does not know.",
    fix=FixAvailability.SOMETIMES,
    kind=("dockerfile", "cross"),
    options={"assume-latest": False},
)

_ADDED = (25, 1)
# 25.1 put the socket in the working directory (`gunicorn.ctl`); from 25.2 it is under
# $XDG_RUNTIME_DIR or $HOME (benoitc/gunicorn#3551).
_IN_HOME = (25, 2)
# Releases a requirement without an exact pin may resolve to: is one of them 25.2 or later?
_LATER = ("25.2.0", "26.0.0", "26.1.0", "27.0.0", "30.0.0", "99.0.0")
_SOCKET_OPTIONS = ("control_socket_disable", "control_socket", "control_socket_mode")
_ROOT = frozenset({"root", "0"})
_CREATED = "the user is created here"


@record
class Release:
    """The Gunicorn release an image installs: ``version`` from an exact pin (``certain`` when
    every requirements file the stage installs was read), or None for "the latest release"."""

    version: tuple[int, ...] | None
    certain: bool
    span: Span | None  # where the requirement is written (workspace span)


def _release(a: Analysis, final: Stage) -> Release | None:
    """The release the stage installs; None when Gunicorn's requirement is not seen, or is
    unpinned and cannot resolve to 25.2 or later."""
    installs = gunicorn_installs(a, final)
    if installs is None:
        return None
    entries = _installed(installs)
    everything = installs.entries("gunicorn")  # constraints too
    pinned = [e for e in everything if e.pinned is not None]
    span = installs.span_of(a, (pinned or entries)[-1])
    if any(not isinstance(e, Package) and not e.known for e in everything):
        return None  # gunicorn==${VERSION}
    pin = a.gunicorn_version(installs.stage)
    if pin is not None:
        return Release(pin, True, span)
    pins = {e.pinned for e in everything if e.pinned is not None}
    if len(pins) > 1:
        return None
    if pins:
        version = tuple(int(p) for p in pins.pop().split(".") if p.isdigit())
        return Release(version, installs.whole, span) if version else None
    if not installs.whole:
        return None  # an unread file, a local project, another installer may pin it
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        spec = SpecifierSet(",".join(e.specifier for e in everything if e.specifier))
    except InvalidSpecifier:
        return None
    if not any(spec.contains(v) for v in _LATER):
        return None
    return Release(None, False, span)


def _installed(installs: Installs) -> list[Requirement | Package]:
    return [e for e in installs.entries("gunicorn") if isinstance(e, Package) or not e.constraint]


# -- where the socket would go -----------------------------------------------------------------


@record
class Home:
    """Why ``$HOME/.gunicorn`` cannot be created, and where that is decided."""

    reason: str
    span: Span | None
    note: str = "the user is set here"
    compose: bool = False  # decided by the Compose service's `user:`


def _created(a: Analysis, stage: Stage) -> list[useradd.UserAdd]:
    out = []
    for run in a.runs_in(stage, chain=True):
        for cmd in run.commands:
            parsed = useradd.parse(cmd)
            if parsed is not None:
                out.append(parsed)
    return out


def _implicit_uids(u: useradd.UserAdd) -> range:
    system = u.has("--system")
    return range(100, 1000) if system else range(1000, 60000)


def _home_of_created(u: useradd.UserAdd, name: str, family: str) -> str | None:
    """The reason a created user has no home to write to; None when it may have one."""
    if u.unknown:
        return None
    if u.tool == "useradd":
        if u.has("--home-dir") or u.creates_home is not False:
            return None
        if u.has("--no-create-home"):
            how = "`useradd -M`"
        elif u.has("--system"):
            how = "`useradd -r` without `-m`"  # never a home, whatever login.defs says
        elif family == "debian":
            how = "`useradd` without `-m` (Debian's login.defs makes no home)"
        else:
            return None  # CREATE_HOME in the image's /etc/login.defs decides
        return (
            f"the user {name} is created by {how}, so it has no home directory and Gunicorn "
            f"cannot create /home/{name}/.gunicorn"
        )
    if u.has("--home"):
        return None
    if u.has("--system") and family == "debian":
        return (
            f"the user {name} is created by `adduser --system`, whose home directory is "
            "/nonexistent"
        )
    if u.has("--no-create-home"):
        return (
            f"the user {name} is created by `adduser --no-create-home`, so Gunicorn cannot "
            f"create /home/{name}/.gunicorn"
        )
    return None


def _command_span(u: useradd.UserAdd) -> Span:
    words = u.command.words
    return words[0].span.cover(words[-1].span)


def _home(a: Analysis, final: Stage, settings: GunicornSettings, *, compose: bool) -> Home | None:
    """Why the user cannot create ``$HOME/.gunicorn``; None when it can, or it is not known.

    ``compose``: judge the Compose service's ``user:`` (when it sets one) over the image's USER.
    """
    if "XDG_RUNTIME_DIR" in settings.env or "HOME" in settings.env:
        return None
    runtime = a.runtime
    image_user = final.final_state.user
    span: Span | None
    if compose and runtime is not None and runtime.user is not None:
        value = runtime.user.value
        span = runtime.user.span
        who = "the Compose service's `user:`"
    else:
        compose = False
        value = image_user.value
        span = image_user.instruction.span if image_user.instruction is not None else None
        who = "USER"
    if value is None:
        return None
    name = value.partition(":")[0].strip()
    if not name or name in _ROOT:
        return None
    created = _created(a, final)
    family = final.root_known.family if final.root_known is not None else ""
    if name in ("nobody", "65534"):
        return Home(f"its user {name} has the home directory /nonexistent", span, compose=compose)
    if name.isdigit():
        matches = [u for u in created if u.value("--uid") == name]
        if matches:
            user = matches[-1].user
            reason = None if user is None else _home_of_created(matches[-1], user, family)
            if reason is None:
                return None
            return Home(reason, _command_span(matches[-1]), _CREATED, compose=compose)
        known = final.root_known
        uid = int(name)
        if known is None or any(n == name for n, _ in known.uid_names) or uid < 1000:
            return None  # a base image's account, or one it may have
        for u in created:
            if u.value("--uid") is None and (u.has("--uid") or uid in _implicit_uids(u)):
                return None  # this user may have been given that uid
        return Home(
            f"{who} runs it as uid {name}, which is not in the image's /etc/passwd, so HOME is / "
            "and Gunicorn cannot create /.gunicorn",
            span,
            compose=compose,
        )
    matches = [u for u in created if u.user == name]
    if not matches:
        return None  # a user of the base image: its home is not known here
    reason = _home_of_created(matches[-1], name, family)
    if reason is None:
        return None
    if compose:
        return Home(reason, span, compose=True)
    return Home(reason, _command_span(matches[-1]), _CREATED)


# -- the check -------------------------------------------------------------------------------


def _anchor(final: Stage, start: Start) -> Span:
    command = start.command
    if command is not None and command.instruction is not None:
        return command.instruction.span
    if command is not None and command.argv:
        return command.argv[0].span.cover(command.argv[-1].span)
    return final.from_.span


def _disabled(settings: GunicornSettings) -> bool | None:
    """The socket is disabled or given a path; None when that cannot be known."""
    disable = settings.get("control_socket_disable")
    path = settings.get("control_socket")
    if not disable.known or not path.known:
        return None
    if disable.layer != "default" and disable.value not in (False, "False", "false", "0", None):
        return True
    return path.layer != "default" and path.value is not None


def _remove(a: Analysis, start: Start, opt: ParsedOption) -> Fix | None:
    """Delete the option's elements from an exec-form command; None anywhere else."""
    count = opt.stop - opt.start
    if opt.shared or count not in (1, 2):
        return None
    for command in (start.cmd, start.entrypoint):
        if command is None or command.instruction is None or not command.instruction.json:
            continue
        ins = command.instruction
        first = element_index(ins, opt.span if count == 1 else opt.option_span)
        if first is None:
            continue
        last = first
        if count == 2:
            if opt.value_span is None or element_index(ins, opt.value_span) != first + 1:
                return None
            last = first + 1
        edit = json_delete(a.source, ins, first, last)
        if edit is None:
            return None
        return Fix(f"Remove {opt.written or opt.option}", (edit,), Applicability.SAFE)
    return None


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    settings = a.gunicorn(final)
    start = a.start(final)
    if settings is None or start is None:
        return
    release = _release(a, final)
    if release is None:
        return
    related: tuple[Related, ...] = ()
    if release.span is not None:
        note = "Gunicorn is installed here" + (" without a pin" if release.version is None else "")
        related = (Related(release.span, note),)
    version = release.version
    shown = ".".join(str(p) for p in version) if version is not None else None
    if version is not None and version < _ADDED:
        if not release.certain:
            return
        layers = (
            ("Gunicorn's command line", settings.cli),
            ("GUNICORN_CMD_ARGS", settings.cmd_args_env),
        )
        for where, args in layers:
            if args is None:
                continue
            for opt in args.options:
                if opt.setting not in _SOCKET_OPTIONS:
                    continue
                written = opt.written or opt.option
                yield META.violation(
                    opt.span,
                    f"{where} passes {written}, but the image installs Gunicorn {shown}, which "
                    f"has no such option (added in 25.1): Gunicorn exits at startup with "
                    f'"unrecognized arguments"; remove {written} or upgrade Gunicorn',
                    severity=Severity.ERROR,
                    fix=_remove(a, start, opt) if args is settings.cli else None,
                    related=related,
                )
        return
    if version is not None and version < _IN_HOME:
        return  # 25.1: in the working directory, whose owner is not known here
    if _disabled(settings) is not False:
        return
    home = _home(a, final, settings, compose=True)
    if home is None:
        return
    start_span = _anchor(final, start)
    if home.compose and _home(a, final, settings, compose=False) is not None:
        # The image's own user cannot create it either: reported at the start command (by the
        # Dockerfile's check, unless the service's command replaces it).
        home = _home(a, final, settings, compose=False)
        assert home is not None
    installed = (
        f"the image installs Gunicorn {shown}, which"
        if shown is not None
        else "the image installs Gunicorn without a pin, so the latest release (25.1 or later), "
        "which"
    )
    message = (
        f"{installed} opens a control socket in $HOME/.gunicorn by default, but {home.reason}: "
        "every start logs a control socket error; pass --no-control-socket (or "
        "--control-socket with a writable path)"
    )
    if home.compose and home.span is not None:
        yield META.violation(
            home.span,
            message,
            related=(
                Related(start_span, "Gunicorn starts here without --no-control-socket"),
                *related,
            ),
        )
        return
    fix = None
    if version is not None or bool(ctx.options.get("assume-latest", False)):
        edit = a.append_to_server(start, list(NO_CONTROL_SOCKET.words))
        # Unpinned, the release is a guess: an older Gunicorn exits on the unknown option.
        safety = Applicability.SAFE if version is not None else Applicability.UNSAFE
        if edit is not None:
            fix = Fix("Add --no-control-socket", (edit,), safety)
    why = () if home.span is None else (Related(home.span, home.note),)
    yield META.violation(start_span, message, fix=fix, related=(*why, *related))
