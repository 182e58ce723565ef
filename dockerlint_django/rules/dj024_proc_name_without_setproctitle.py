"""
## What it does
Checks that an image which gives Gunicorn a process name (`--name`/`-n`, `proc_name` in its config
file) also installs the `setproctitle` package that makes the name appear.

## Why is this bad?
Gunicorn's settings on `proc_name`: "A base to use with setproctitle for process naming. … This
requires that you install the setproctitle module." Gunicorn imports `setproctitle` if it can and
silently does nothing otherwise, so without it the name is never shown: `ps` and `top` still list
every process as a plain Python command line, whatever `--name` says.
The handbook's template installs `gunicorn[setproctitle]` (in `requirements_base.in`) for this
reason.

The rule reads the requirements files the final stage installs (`pip install -r`, `uv pip
install -r`, `uv pip sync`, nested `-r`/`-c` files followed, names compared case-insensitively)
and the packages named on the `pip install` line; when the final stage installs no Gunicorn
itself but copies installed packages from one build stage (`COPY --from=build /venv /venv`), that
stage's are read too. It reports only when all of them can be read, Gunicorn is among them, and
none installs `setproctitle` (directly, or as the extra `gunicorn[setproctitle]`). Anything else
that may install Python packages makes the answer unknown, and nothing is reported: a
requirements file outside the build context, a local project (`pip install .`, `-e .`), a wheel
or URL, another installer (`poetry`, `pipenv`, `uv sync`, `conda`…), packages also copied from
other stages, or any build command that mentions `setproctitle` (`apt-get install
python3-setproctitle`). Copies of static files from a build stage do not count.

## Example
```dockerfile
FROM python:3.12
RUN pip install --no-cache-dir gunicorn==23.0.0
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--name", "example"]
```

## Use instead
```dockerfile
FROM python:3.12
RUN pip install --no-cache-dir "gunicorn[setproctitle]==23.0.0"
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--name", "example"]
```

In a requirements file: `gunicorn[setproctitle]==23.0.0`, or a line `setproctitle==1.3.3` of its
own.

## Fix safety
None: the fix is a dependency change, in a requirements file (often generated from a `.in` file
by pip-compile or uv).

## References
- [Gunicorn settings: proc_name](https://docs.gunicorn.org/en/stable/settings.html#proc-name)
- [OCP handbook: Dockerfile for Django, Gunicorn](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html#gunicorn)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dockerlint_django._record import LazyPattern, record, replace
from dockerlint_django.analysis import Analysis, basename
from dockerlint_django.dockerfile.model import Stage, expand_in
from dockerlint_django.readers.requirements import (
    Requirement,
    normalize_name,
    parse_requirements,
    simple_requirement,
)
from dockerlint_django.rules._base import Context, Related, RuleMeta, Severity, Violation
from dockerlint_django.shell.commands import pip_install
from dockerlint_django.shell.syntax import SimpleCommand, Word
from dockerlint_django.source import SourceFile, Span

META = RuleMeta(
    code="DJ024",
    name="proc-name-without-setproctitle",
    severity=Severity.INFO,
    summary="Gunicorn is given a process name, but setproctitle, which shows it, is not installed.",
    origin="extension",
    kind=("dockerfile", "cross"),
)

# Programs that install Python packages from somewhere this rule does not read.
_INSTALLERS = frozenset(
    {"poetry", "pipenv", "pdm", "conda", "mamba", "micromamba", "pipx", "easy_install", "hatch"}
)
_UV_INSTALLS = frozenset({"sync", "add", "tool"})
_ASSET_EXTENSIONS = frozenset(
    {"json", "js", "css", "map", "html", "txt", "md", "mo", "po", "png", "svg", "ico", "conf"}
    | {"sh", "yml", "yaml", "ini", "cfg", "toml", "env", "xml", "jpg", "gif", "woff", "woff2"}
)
_PLAIN_REQUIREMENT = LazyPattern(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*([<>=!~;].*)?$")


@record
class Package:
    """A package a ``pip install`` names on its command line: ``gunicorn[setproctitle]==23.0.0``."""

    word: Word
    name: str  # PEP 503 normalised
    extras: tuple[str, ...]
    specifier: str
    pinned: str | None


@record
class Installs:
    """What the ``pip install`` commands of a stage (and the stages it builds ``FROM``) install.

    ``complete`` False: something else in those stages may install Python packages (an
    unreadable or incomplete requirements file, an unknown word, a local project, another
    installer). ``sources`` are the stages it may copy installed packages from (``COPY
    --from=build /venv /venv``); ``copies_known`` False when a ``--from`` is not known.
    ``stage`` is the stage whose commands these are (where a version pin is looked up).
    """

    stage: Stage
    requirements: tuple[Requirement, ...]
    packages: tuple[Package, ...]
    files: dict[str, SourceFile]
    complete: bool
    mentions_setproctitle: bool
    sources: tuple[Stage, ...] = ()
    copies_known: bool = True

    @property
    def whole(self) -> bool:
        """Every Python package in the image is known: nothing else installs or copies any."""
        return self.complete and self.copies_known and not self.sources

    def entries(self, name: str) -> tuple[Requirement | Package, ...]:
        wanted = normalize_name(name)
        found: list[Requirement | Package] = [r for r in self.requirements if r.name == wanted]
        found.extend(p for p in self.packages if p.name == wanted)
        return tuple(found)

    def installed(self, name: str) -> bool:
        """``name`` itself is installed (a constraint alone installs nothing)."""
        wanted = normalize_name(name)
        return any(r.name == wanted for r in self.requirements if not r.constraint) or any(
            p.name == wanted for p in self.packages
        )

    def installs(self, name: str) -> bool:
        """``name`` is installed, directly or as an extra named after it."""
        wanted = normalize_name(name)
        reqs = any(
            (r.name == wanted or wanted in r.extras) for r in self.requirements if not r.constraint
        )
        return reqs or any(p.name == wanted or wanted in p.extras for p in self.packages)

    def span_of(self, analysis: Analysis, entry: Requirement | Package) -> Span | None:
        """The entry's place as a workspace span (a requirements file line, or the pip word)."""
        if isinstance(entry, Package):
            return entry.word.span
        source = self.files.get(entry.path)
        if source is None:
            return None
        return analysis.workspace.to_workspace(source, entry.span)


def _package(word: Word) -> Package | None:
    """A plain ``name[extras]<spec>`` word; None for a path, a URL, a wheel or anything else."""
    value = word.value
    if value is None or not _PLAIN_REQUIREMENT.match(value):
        return None
    simple = simple_requirement(value)
    if simple is not None:
        name, extras, specifier, pinned = simple
        return Package(word, name, extras, specifier, pinned)
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Pep508

    try:
        parsed = Pep508(value)
    except InvalidRequirement:
        return None
    if parsed.url is not None:
        return None
    exact = [
        s.version
        for s in parsed.specifier
        if s.operator in ("==", "===") and not s.version.endswith(".*")
    ]
    return Package(
        word,
        normalize_name(parsed.name),
        tuple(sorted(normalize_name(e) for e in parsed.extras)),
        str(parsed.specifier),
        exact[0] if len(set(exact)) == 1 else None,
    )


def _other_installer(cmd: SimpleCommand) -> bool:
    name = basename(cmd.name)
    if name in _INSTALLERS:
        return True
    words = [w.value for w in cmd.words]
    if name == "uv" and len(words) > 1 and words[1] in _UV_INSTALLS:
        return True
    # python setup.py install / develop
    return (
        name is not None
        and name.startswith("python")
        and len(words) > 2
        and words[1] is not None
        and words[1].endswith("setup.py")
        and words[2] in ("install", "develop")
    )


def _installs_packages(a: Analysis, stage: Stage) -> bool:
    for run in a.runs_in(stage, chain=True):
        for cmd in run.commands:
            if pip_install(cmd) is not None or _other_installer(cmd):
                return True
    return False


def _assets(src: str) -> bool:
    """A copied path that cannot hold installed packages: a static asset or a plain file
    (``/workdir/static/staticfiles.json``, ``/app/frontend/dist/main.js``)."""
    parts = src.lower().split("/")
    if any(p in ("static", "staticfiles", "node_modules", "locale") for p in parts):
        return True
    base = parts[-1]
    stem, dot, ext = base.rpartition(".")
    return bool(dot and stem) and ext in _ASSET_EXTENSIONS


def _copied_from(a: Analysis, stage: Stage) -> tuple[list[Stage], bool]:
    """Local stages the stage may copy installed packages from (``COPY --from=build /venv``),
    and whether every ``--from`` is known. Copies of static assets do not count."""
    df = a.dockerfile
    out: list[Stage] = []
    known = True
    for s in stage.chain:
        for ins, state in s.steps():
            if ins.keyword not in ("COPY", "ADD"):
                continue
            ref = next((f.value for f in ins.flags if f.name == "from"), None)
            if ref is None:
                continue
            value = expand_in(state, ref, df.escape)
            if value is None:
                known = False
                continue
            source = df.stage_ref(value)
            if source is None or source is stage or source in out:
                continue
            paths = [expand_in(state, raw, df.escape) for raw in ins.value[:-1]]
            if paths and all(p is not None and _assets(p) for p in paths):
                continue
            out.append(source)
    return out, known


def stage_installs(a: Analysis, stage: Stage) -> Installs:
    """The Python packages the stage's pip commands install, as far as they can be read."""
    files: dict[str, SourceFile] = {}

    def read(path: str) -> SourceFile | None:
        source = a.context.read(path)
        if source is not None:
            files[source.path] = source
        return source

    requirements: list[Requirement] = []
    packages: list[Package] = []
    complete = True
    mentions = False

    def read_file(value: str, workdir: str | None, constraint: bool) -> bool:
        if not value.startswith("/") and workdir is None:
            return False
        image_path = value if value.startswith("/") else posixpath.join(workdir or "/", value)
        context_path, known = a.context_file_at(stage, image_path)
        source = read(context_path) if context_path is not None and known else None
        if source is None:
            return False
        reqs = parse_requirements(source, read)
        for r in reqs.requirements:
            requirements.append(replace(r, constraint=True) if constraint else r)
        return reqs.complete

    for run in a.runs_in(stage, chain=True):
        workdir = run.state.workdir if run.state is not None else None
        for cmd in run.commands:
            if any("setproctitle" in (w.value or w.raw.text).lower() for w in cmd.words):
                mentions = True
            if _other_installer(cmd):
                complete = False
            pip = pip_install(cmd)
            if pip is None:
                continue
            if run.state is None:
                complete = False
                continue
            for word in pip.requirement_files:
                path = (word.value or "").removeprefix("--requirement=")
                if not path or not read_file(path, workdir, False):
                    complete = False
            options = pip.options
            for i, word in enumerate(options):
                option = word.value
                if option is None:
                    continue
                value = option
                if value.startswith("-r") and not value.startswith("--") and len(value) > 2:
                    if not read_file(value[2:], workdir, False):
                        complete = False  # -rrequirements.txt
                elif value in ("-c", "--constraint") or value.startswith(("--constraint=", "-c")):
                    target = (
                        options[i + 1].value
                        if value in ("-c", "--constraint") and i + 1 < len(options)
                        else value.removeprefix("--constraint=").removeprefix("-c")
                    )
                    if not target or not read_file(target, workdir, True):
                        complete = False
                elif value in ("-e", "--editable") or value.startswith("--editable="):
                    complete = False  # a local project: its dependencies are elsewhere
            for word in pip.packages:
                package = _package(word)
                if package is None:
                    complete = False
                else:
                    packages.append(package)
    sources, known = _copied_from(a, stage)
    installing = tuple(s for s in sources if _installs_packages(a, s))
    return Installs(
        stage,
        tuple(requirements),
        tuple(packages),
        files,
        complete,
        mentions,
        installing,
        known,
    )


def gunicorn_installs(a: Analysis, final: Stage) -> Installs | None:
    """The installs that put Gunicorn in the final image: the final stage's own, or, when it
    installs no Gunicorn itself, those of the one stage it copies installed packages from
    (``COPY --from=build /venv /venv``) together with its own. None when neither shows it."""
    own = stage_installs(a, final)
    if own.installed("gunicorn"):
        return own
    if len(own.sources) != 1 or not own.copies_known:
        return None
    source = stage_installs(a, own.sources[0])
    if not source.installed("gunicorn"):
        return None
    return Installs(
        source.stage,
        source.requirements + own.requirements,
        source.packages + own.packages,
        {**source.files, **own.files},
        source.complete and own.complete,
        source.mentions_setproctitle or own.mentions_setproctitle,
        source.sources,
        source.copies_known,
    )


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    settings = a.gunicorn(final)
    if settings is None:
        return
    name = settings.get("proc_name")
    if not name.known or name.layer == "default" or not isinstance(name.value, str):
        return
    if not name.value:
        return
    installs = gunicorn_installs(a, final)
    if installs is None or not installs.whole or installs.mentions_setproctitle:
        return
    gunicorn = [e for e in installs.entries("gunicorn") if not getattr(e, "constraint", False)]
    if installs.installs("setproctitle"):
        return
    opt = name.options[-1] if name.options else None
    span = opt.option_span if opt is not None else name.span
    if span is None:
        return
    written = (opt.written or opt.option) if opt is not None else "--name"
    where = {
        "cli": f"Gunicorn's command line passes {written}",
        "cmd_args_env": f"GUNICORN_CMD_ARGS passes {written}",
        "config": "the Gunicorn config file sets proc_name",
    }.get(name.layer, "Gunicorn is given a process name")
    related: tuple[Related, ...] = ()
    entry = gunicorn[-1]
    entry_span = installs.span_of(a, entry)
    if entry_span is not None:
        related = (Related(entry_span, "Gunicorn is installed here, without setproctitle"),)
    yield META.violation(
        span,
        f"{where} {name.value!r}, but the image does not install setproctitle, without which "
        "Gunicorn does not rename its processes, so ps and top never show the name; install "
        "gunicorn[setproctitle]",
        related=related,
    )
