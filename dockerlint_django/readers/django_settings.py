"""Django settings, read without running them: where the module is, and the few values rules need.

Settings files are Python, and running them would import the project, read the environment and
touch the network. Instead the top-level statements are interpreted over a tiny value domain:
literal strings and booleans, paths anchored at the project root or the filesystem root, dict
literals, and "unknown". Anything the reader cannot compute is unknown, and a rule never fires on
an unknown value; a value that may be overridden by the environment keeps its default apart, so a
rule can still say "defaults to".

All paths given to and returned by this module are POSIX paths relative to the build context
root; all file access goes through the caller's ``exists``/``read``/``list_dir`` callbacks.

A hostile settings module can neither hang nor exhaust memory: a file longer than
``MAX_SOURCE_CHARS`` is not parsed, the work of one read (statements and expressions evaluated,
names copied and merged between branches, items of values built or compared) is counted against
``MAX_EVALUATED_NODES``, and no string grows past ``MAX_VALUE_SIZE`` characters nor any value
past ``_MAX_VALUE_ITEMS`` items, nested ones included, or ``_MAX_VALUE_DEPTH`` levels. A value
over its bound is unknown; a read over its budget is unknown as a whole (``error`` set, every
setting unknown).
"""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, Literal, TypeVar

from dockerlint_django._record import field, record
from dockerlint_django.readers._python import Budget, OverBudget, parse_quietly
from dockerlint_django.source import SourceError, SourceFile, Span

Exists = Callable[[str], bool | None]
Read = Callable[[str], SourceFile | None]
ListDir = Callable[[str], Iterable[str] | None]

SETTINGS_ENV = "DJANGO_SETTINGS_MODULE"
DEFAULT_STATICFILES_BACKEND = "django.contrib.staticfiles.storage.StaticFilesStorage"

T = TypeVar("T")
State = Literal["known", "unknown", "unset"]
Anchor = Literal["project", "absolute", "cwd"]


# ---------------------------------------------------------------------------------------------
# public records


@record
class Origin:
    """Where a value was written: a file (context-relative), its span, and the 1-based line."""

    path: str
    span: Span
    line: int


@record
class SettingsError:
    path: str
    line: int  # 1-based; 0 when the file has no line to blame
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@record
class StaticPath:
    """A filesystem path as the settings compute it.

    ``project``: relative to the project root (the folder holding ``manage.py``, which an image
    copies to its ``WORKDIR``), possibly starting with ``..``; ``absolute``: an absolute path;
    ``cwd``: relative to the server's working directory.
    """

    anchor: Anchor
    path: str

    def in_image(self, project_root: str, cwd: str | None = None) -> str | None:
        """The absolute path inside an image whose project root is ``project_root``."""
        if self.anchor == "absolute":
            return self.path
        base = project_root if self.anchor == "project" else cwd
        if base is None or not base.startswith("/"):
            return None
        return posixpath.normpath(posixpath.join(base, self.path)) if self.path else base


@record
class Setting(Generic[T]):
    """One setting. ``unset``: the file never assigns it (Django's default applies); ``unknown``:
    assigned (or possibly assigned) to something the reader cannot compute. ``default`` is the
    fallback of an environment lookup (``os.getenv("X", default)``), ``env`` its variable."""

    state: State
    value: T | None = None
    origin: Origin | None = None
    default: T | None = None
    env: str | None = None

    @property
    def known(self) -> bool:
        return self.state == "known"


@record
class SettingsLocation:
    """The settings file an image would load. ``found_by`` is ``DJANGO_SETTINGS_MODULE`` (the
    caller's value), ``manage.py`` or ``search``; ``origin`` is the string naming the module."""

    path: str
    module: str | None
    project_dir: str
    found_by: Literal["DJANGO_SETTINGS_MODULE", "manage.py", "search"]
    origin: Origin | None = None


@record
class DjangoSettings:
    path: str
    project_dir: str
    static_root: Setting[StaticPath]
    staticfiles_backend: Setting[str]  # STORAGES["staticfiles"]["BACKEND"]
    staticfiles_storage: Setting[str]  # legacy STATICFILES_STORAGE (ignored from Django 5.1)
    wsgi_application: Setting[str]
    debug: Setting[bool]
    reads_django_env: bool
    env_vars: frozenset[str]  # environment variables the files read by name
    files: tuple[str, ...]  # every file read, the settings module first
    error: SettingsError | None = None
    # Nodes of work spent reading (see MAX_EVALUATED_NODES); more than the limit: gave up.
    evaluated: int = field(default=0, compare=False, repr=False)

    @property
    def static_root_default(self) -> StaticPath | None:
        return self.static_root.default


# ---------------------------------------------------------------------------------------------
# the value domain


@record
class _Const:
    value: object  # str, bool, int, float, None


@record
class _Path:
    anchor: Anchor
    path: str


@record
class _Item:
    key: str
    value: _V
    origin: Origin | None = field(default=None, compare=False)


@record
class _Dict:
    items: tuple[_Item, ...]
    complete: bool  # False: an unknown ``**x`` may have added keys

    def get(self, key: str) -> _Item | None:
        for item in reversed(self.items):
            if item.key == key:
                return item
        return None

    def with_item(self, item: _Item) -> _Dict:
        return _Dict((*(i for i in self.items if i.key != item.key), item), self.complete)


@record
class _Unknown:
    env: str | None = None
    default: _V | None = None


_V = _Const | _Path | _Dict | _Unknown
UNKNOWN = _Unknown()


@record
class _Binding:
    value: _V
    origin: Origin | None = field(default=None, compare=False)


class _Dead(Exception):
    """The rest of this block does not run: a ``raise``, or an import of a module known absent."""


_GETENV_TWO_ARGS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault"})
# django-environ's env("X", cast, default) and decouple's config("X", default=...): the default
# is only ever a keyword there, so a second positional argument is not a default.
_GETENV_KW_ONLY_ROOTS = ("environ.Env", "decouple.config", "env", "config")
_PATH_CLASSES = frozenset(
    {"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath"}
)
_KEEP_FUNCS = frozenset({"str", "os.fspath", "os.path.normpath"})
_ABS_FUNCS = frozenset({"os.path.abspath", "os.path.realpath"})

# Work allowed for one read (the settings module and every module it imports), in nodes: each
# statement and expression evaluated, each name copied or merged between branches, each item of
# a value built or compared. Real settings need a few thousand; read as settings, no module of
# this project's virtualenv (2,600 files, up to 200 KB of data tables) needs more than 34,000.
# Spent, it costs about half a second.
MAX_EVALUATED_NODES = 100_000

# Longer files are unknown without parsing: ``ast.parse`` alone takes up to a second per 300 KB
# of dense code, and several times the text in memory. Large real settings modules are 100 KB.
MAX_SOURCE_CHARS = 256 * 1024

# No string or path grows past this many characters: ``s = f"{s}{s}"`` 60 times would otherwise
# need 2**61 of them.
MAX_VALUE_SIZE = 100_000
# Nor does a dict or tuple hold more items, nested ones included (``t = (t, t)`` doubles them),
# or nest deeper: comparing values walks them, and deep ones would overflow the stack.
_MAX_VALUE_ITEMS = 10_000
_MAX_VALUE_DEPTH = 32
_MAX_PARENTS = 1_000  # ``Path.parents[i]``: no real path has more components


class _Budget(Budget):
    """The shared budget, which also bounds the values a settings module builds."""

    __slots__ = ()

    def bounded(self, value: _V) -> _V:
        """``value``, or UNKNOWN when it is over the size or depth bound (walked at a cost)."""
        size = _weight(value, _MAX_VALUE_ITEMS)
        self.charge(size)
        return UNKNOWN if size > _MAX_VALUE_ITEMS else value

    def compared(self, a: _V, b: _V) -> None:
        """Count the work of comparing two values (cheap when they are the same object)."""
        if a is not b and isinstance(a, _Const | _Dict | _Unknown):
            self.charge(_weight(a, _MAX_VALUE_ITEMS))


def _weight(value: object, limit: int) -> int:
    """Items in a value, nested ones included, counted up to just past ``limit``; a value nested
    deeper than ``_MAX_VALUE_DEPTH`` counts as over it."""
    count = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack and count <= limit:
        item, depth = stack.pop()
        count += 1
        if depth > _MAX_VALUE_DEPTH:
            return limit + 1
        if isinstance(item, _Const):
            stack.append((item.value, depth + 1))
        elif isinstance(item, tuple | list):
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, _Dict):
            stack.extend((i.value, depth + 1) for i in item.items)
        elif isinstance(item, _Unknown) and item.default is not None:
            stack.append((item.default, depth + 1))
        elif isinstance(item, str):
            count += len(item) // 1000  # compared at C speed: only long ones count more
    return count


def _norm(anchor: Anchor, path: str) -> _Path:
    if anchor == "absolute":
        return _Path(anchor, posixpath.normpath(path))
    p = posixpath.normpath(path) if path else ""
    return _Path(anchor, "" if p == "." else p)


def _parent(p: _Path) -> _Path:
    if p.anchor == "absolute":
        return _Path("absolute", posixpath.dirname(p.path) or "/")
    if p.path == "" or p.path.split("/")[-1] == "..":
        return _norm(p.anchor, posixpath.join(p.path, ".."))
    return _Path(p.anchor, posixpath.dirname(p.path))


def _as_path(v: _V) -> _Path | None:
    if isinstance(v, _Path):
        return v
    if isinstance(v, _Const) and isinstance(v.value, str):
        return _norm("absolute" if v.value.startswith("/") else "cwd", v.value)
    return None


def _join(base: _V, part: _V) -> _V:
    b = _as_path(base)
    if b is None:
        return UNKNOWN
    if isinstance(part, _Path):
        return part if part.anchor == "absolute" else UNKNOWN
    if not (isinstance(part, _Const) and isinstance(part.value, str)):
        return UNKNOWN
    if part.value.startswith("/"):
        return _norm("absolute", part.value)
    if len(b.path) + len(part.value) > MAX_VALUE_SIZE:
        return UNKNOWN
    return _norm(b.anchor, posixpath.join(b.path, part.value))


def _concat(left: _V, right: _V) -> _V:
    """String concatenation, where a path on the left makes ``"/x"`` a path step."""
    if isinstance(left, _Const) and isinstance(right, _Const):
        if isinstance(left.value, str) and isinstance(right.value, str):
            if len(left.value) + len(right.value) > MAX_VALUE_SIZE:
                return UNKNOWN  # before building it: doubling a string 60 times
            return _Const(left.value + right.value)
        return UNKNOWN
    if isinstance(left, _Path) and isinstance(right, _Const) and isinstance(right.value, str):
        if right.value == "":
            return left
        if len(left.path) + len(right.value) > MAX_VALUE_SIZE:
            return UNKNOWN
        if right.value.startswith("/"):
            return _norm(left.anchor, posixpath.join(left.path, right.value.lstrip("/")))
    # Gluing text onto a path's last name, or a path after text: not a path we can place.
    return UNKNOWN


def _truth(v: _V) -> bool | None:
    if isinstance(v, _Const):
        return bool(v.value)
    if isinstance(v, _Path):
        return True
    if isinstance(v, _Dict) and v.items:
        return True
    return None


# ---------------------------------------------------------------------------------------------
# one module's interpretation


class _Scope:
    __slots__ = ("classes", "imports", "names", "opaque", "relative")

    def __init__(self) -> None:
        self.names: dict[str, _Binding] = {}
        self.imports: dict[str, str] = {}
        self.classes: dict[str, list[str]] = {}
        # Names bound by ``from .x import y``, as ``.x.y``: to follow a storage class's bases.
        self.relative: dict[str, str] = {}
        # Set when an unreadable star import may have defined anything: names this module never
        # assigns are then unknown rather than unset.
        self.opaque: Origin | None = None

    def copy(self) -> _Scope:
        s = _Scope()
        s.names = dict(self.names)
        s.imports = self.imports
        s.classes = self.classes
        s.relative = self.relative
        s.opaque = self.opaque
        return s


class _Module:
    def __init__(self, reader: _Reader, path: str, src: SourceFile) -> None:
        self.reader = reader
        self.path = path
        self.src = src
        rel = posixpath.relpath(path, reader.project_dir) if reader.project_dir else path
        self.file = _norm("project", rel)
        self.unresolved = 0  # project imports that could not be read
        self.budget = reader.budget
        self.columns = _Columns(src, self.budget)

    # -- spans

    def origin(self, node: ast.expr | ast.stmt) -> Origin:
        self.budget.charge()  # as costly as evaluating a node
        return _origin(self.src, self.path, node, self.columns)

    # -- statements

    def run(self, body: list[ast.stmt], scope: _Scope) -> None:
        for stmt in body:
            self.stmt(stmt, scope)

    def stmt(self, node: ast.stmt, scope: _Scope) -> None:
        self.budget.charge()
        if isinstance(node, ast.Assign):
            value = self.expr(node.value, scope)
            for target in node.targets:
                self.assign(target, value, node, scope)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.assign(node.target, self.expr(node.value, scope), node, scope)
        elif isinstance(node, ast.AugAssign):
            if isinstance(node.target, ast.Name) and isinstance(node.op, ast.Add):
                old = self.lookup(node.target.id, scope)
                new = _concat(old, self.expr(node.value, scope))
                self.assign(node.target, new, node, scope)
            else:
                self.assign(node.target, UNKNOWN, node, scope)
        elif isinstance(node, ast.Expr):
            self.effect(node.value, node, scope)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                scope.imports[local] = alias.name if alias.asname else local
                scope.names.pop(local, None)
        elif isinstance(node, ast.ImportFrom):
            self.import_from(node, scope)
        elif isinstance(node, ast.If):
            self.branch(node.test, [node.body, node.orelse], scope)
        elif isinstance(node, ast.Try | ast.TryStar):
            self.try_(node, scope)
        elif isinstance(node, ast.For | ast.AsyncFor | ast.While):
            self.loop(node, scope)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, UNKNOWN, node, scope)
            self.run(node.body, scope)
        elif isinstance(node, ast.Match):
            cases = [c.body for c in node.cases]
            if not any(_irrefutable(c.pattern) and c.guard is None for c in node.cases):
                cases.append([])
            self.merge_into(scope, [self.fork(scope, b) for b in cases])
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            scope.names[node.name] = _Binding(UNKNOWN, self.origin(node))
            if isinstance(node, ast.ClassDef):
                scope.classes[node.name] = [
                    d for d in (self.base_name(b, scope) for b in node.bases) if d
                ]
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    scope.names.pop(target.id, None)
                else:
                    self.assign(target, UNKNOWN, node, scope)
        elif isinstance(node, ast.Raise):
            raise _Dead
        # pass, global, assert, return and the like change no module-level value we track.

    def assign(self, target: ast.expr, value: _V, node: ast.stmt, scope: _Scope) -> None:
        origin = self.origin(node)
        if isinstance(target, ast.Name):
            scope.names[target.id] = _Binding(value, origin)
            scope.imports.pop(target.id, None)
        elif isinstance(target, ast.Tuple | ast.List):
            values: list[_V] | None = None
            if isinstance(value, _Const) and isinstance(value.value, tuple | list):
                values = [_Const(v) for v in value.value]
            for i, elt in enumerate(target.elts):
                if isinstance(elt, ast.Starred):
                    self.assign(elt.value, UNKNOWN, node, scope)
                else:
                    one = values[i] if values is not None and i < len(values) else UNKNOWN
                    self.assign(elt, one, node, scope)
        elif isinstance(target, ast.Subscript):
            self.assign_item(target, value, node, scope)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, UNKNOWN, node, scope)
        # Attribute targets (``sys.x = ...``) set no setting.

    def assign_item(self, target: ast.Subscript, value: _V, node: ast.stmt, scope: _Scope) -> None:
        keys: list[_V] = []
        base: ast.expr = target
        while isinstance(base, ast.Subscript):
            keys.append(self.expr(base.slice, scope))
            base = base.value
        if not isinstance(base, ast.Name):
            return
        name = base.id
        old = scope.names.get(name)
        if old is None:
            # ``os.environ["X"] = ...`` and the like: not a settings value.
            return
        keys.reverse()
        # Each level rebuilds a dict of its items, and the result may have grown.
        self.budget.charge(len(keys) * (1 + _items(old.value)))
        new = self.budget.bounded(_set_in(old.value, keys, value, self.origin(node)))
        scope.names[name] = _Binding(new, old.origin)

    def effect(self, value: ast.expr, node: ast.stmt, scope: _Scope) -> None:
        """An expression statement: a method call on a setting may change it in place."""
        if not isinstance(value, ast.Call):
            return
        func = value.func
        callee = self.dotted(func, scope)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
            callee = self.dotted(func.value.func, scope)
        if callee in ("globals", "locals", "vars", "exec"):
            # ``globals().update(...)`` can set any name to anything.
            self.budget.charge(len(scope.names))
            origin = self.origin(node)
            for name in list(scope.names):
                scope.names[name] = _Binding(UNKNOWN, origin)
            scope.opaque = origin
            return
        root = func.value if isinstance(func, ast.Attribute) else None
        while isinstance(root, ast.Attribute | ast.Subscript | ast.Call):
            root = root.func if isinstance(root, ast.Call) else root.value
        if isinstance(root, ast.Name) and root.id in scope.names:
            scope.names[root.id] = _Binding(UNKNOWN, self.origin(node))

    def copy(self, scope: _Scope) -> _Scope:
        self.budget.charge(1 + len(scope.names))
        return scope.copy()

    def fork(self, scope: _Scope, body: list[ast.stmt]) -> _Scope | None:
        branch = self.copy(scope)
        try:
            self.run(body, branch)
        except _Dead:
            return None
        return branch

    def merge_into(self, scope: _Scope, branches: list[_Scope | None]) -> None:
        live = [b for b in branches if b is not None]
        if not live:
            raise _Dead
        names: dict[str, _Binding] = {}
        for name in dict.fromkeys(n for b in live for n in b.names):
            found = [b.names.get(name) for b in live]
            first = next(f for f in found if f is not None)
            self.budget.charge(len(live))
            for f in found:
                if f is not None:
                    self.budget.compared(first.value, f.value)
            if all(f is not None and f.value == first.value for f in found):
                names[name] = first
            else:
                names[name] = _Binding(UNKNOWN, first.origin)
        scope.names = names
        scope.opaque = next((b.opaque for b in live if b.opaque is not None), None)

    def branch(self, test: ast.expr, bodies: list[list[ast.stmt]], scope: _Scope) -> None:
        truth = _truth(self.expr(test, scope))
        if truth is not None:
            self.run(bodies[0] if truth else bodies[1], scope)
            return
        self.merge_into(scope, [self.fork(scope, b) for b in bodies])

    def try_(self, node: ast.Try | ast.TryStar, scope: _Scope) -> None:
        before = self.unresolved
        body = self.fork(scope, node.body)
        only_imports = all(
            isinstance(s, ast.ImportFrom) and (s.level > 0 or s.names[0].name == "*")
            for s in node.body
        )
        if body is not None and only_imports and self.unresolved == before:
            # ``try: from .local import *``: the file was read, so the import succeeds and no
            # handler runs.
            scope.names, scope.opaque = body.names, body.opaque
            self.run(node.orelse, scope)
        else:
            if body is not None:
                try:
                    self.run(node.orelse, body)
                except _Dead:
                    body = None
            handlers = [self.fork(scope, h.body) for h in node.handlers]
            self.merge_into(scope, [body, *handlers])
        self.run(node.finalbody, scope)

    def loop(self, node: ast.For | ast.AsyncFor | ast.While, scope: _Scope) -> None:
        # One pass merged with none: whatever the body changes becomes unknown.
        start = self.copy(scope)
        if isinstance(node, ast.For | ast.AsyncFor):
            self.assign(node.target, UNKNOWN, node, start)
        once = self.fork(start, node.body)
        self.merge_into(scope, [self.copy(scope), once])
        self.run(node.orelse, scope)

    def import_from(self, node: ast.ImportFrom, scope: _Scope) -> None:
        names = [a for a in node.names]
        if node.level == 0 and not any(a.name == "*" for a in names):
            # Library imports: only their names matter, to recognise os.path.join and Path.
            for alias in names:
                local = alias.asname or alias.name
                scope.imports[local] = f"{node.module}.{alias.name}"
                if local.isupper():
                    # ``from config.base import STATIC_ROOT``: a setting whose value we never read.
                    scope.names[local] = _Binding(UNKNOWN, self.origin(node))
                else:
                    scope.names.pop(local, None)
            return
        origin = self.origin(node)
        other = self.reader.module_scope(self.path, node.level, node.module or "", origin)
        if other is None:
            self.unresolved += 1
            for alias in names:
                if alias.name == "*":
                    # It may set any name, including those assigned before it.
                    self.budget.charge(len(scope.names))
                    for name in scope.names:
                        scope.names[name] = _Binding(UNKNOWN, origin)
                    scope.opaque = origin
                elif node.level:
                    local = alias.asname or alias.name
                    scope.relative[local] = "." * node.level + f"{node.module or ''}.{alias.name}"
                    scope.names[local] = _Binding(UNKNOWN, origin)
                else:
                    scope.names[alias.asname or alias.name] = _Binding(UNKNOWN, origin)
            return
        for alias in names:
            self.budget.charge()
            if alias.name == "*":
                self.budget.charge(len(other.names) + len(other.imports))
                for name, binding in other.names.items():
                    if not name.startswith("_"):
                        scope.names[name] = binding
                for name, dotted in other.imports.items():
                    if not name.startswith("_"):
                        scope.imports.setdefault(name, dotted)
                if other.opaque is not None:
                    scope.opaque = other.opaque
            else:
                local = alias.asname or alias.name
                if node.level:
                    scope.relative[local] = "." * node.level + f"{node.module or ''}.{alias.name}"
                got = other.names.get(alias.name)
                scope.names[local] = got if got is not None else _Binding(UNKNOWN, origin)

    # -- expressions

    def lookup(self, name: str, scope: _Scope) -> _V:
        binding = scope.names.get(name)
        if binding is not None:
            return binding.value
        if name == "__file__":
            return self.file
        return UNKNOWN

    def base_name(self, node: ast.expr, scope: _Scope) -> str | None:
        if isinstance(node, ast.Name):
            if node.id in scope.classes:
                return node.id
            if node.id in scope.relative:
                return scope.relative[node.id]
            if node.id in scope.imports:
                return scope.imports[node.id]
        return self.dotted(node, scope)

    def dotted(self, node: ast.expr, scope: _Scope) -> str | None:
        """``os.path.join`` for an expression naming an imported thing, through aliases."""
        attrs: list[str] = []
        while isinstance(node, ast.Attribute):  # a loop: chains may be thousands long
            self.budget.charge()
            attrs.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id in scope.names:
            return None
        return ".".join([scope.imports.get(node.id, node.id), *reversed(attrs)])

    def expr(self, node: ast.expr, scope: _Scope) -> _V:
        self.budget.charge()
        if isinstance(node, ast.Constant):
            return _Const(node.value) if not isinstance(node.value, bytes) else UNKNOWN
        if isinstance(node, ast.Name):
            return self.lookup(node.id, scope)
        if isinstance(node, ast.JoinedStr):
            return self.fstring(node, scope)
        if isinstance(node, ast.BinOp):
            left, right = self.expr(node.left, scope), self.expr(node.right, scope)
            if isinstance(node.op, ast.Div) and isinstance(left, _Path):
                return _join(left, right)
            if isinstance(node.op, ast.Add):
                return _concat(left, right)
            return UNKNOWN
        if isinstance(node, ast.Dict):
            return self.dict_(node, scope)
        if isinstance(node, ast.Tuple | ast.List):
            elts = [self.expr(e, scope) for e in node.elts]
            if all(isinstance(e, _Const) for e in elts):
                return self.budget.bounded(
                    _Const(tuple(e.value for e in elts if isinstance(e, _Const)))
                )
            return UNKNOWN
        if isinstance(node, ast.Call):
            return self.call(node, scope)
        if isinstance(node, ast.Attribute):
            base = self.expr(node.value, scope)
            if isinstance(base, _Path) and node.attr == "parent":
                return _parent(base)
            return UNKNOWN
        if isinstance(node, ast.Subscript):
            return self.subscript(node, scope)
        if isinstance(node, ast.IfExp):
            truth = _truth(self.expr(node.test, scope))
            if truth is not None:
                return self.expr(node.body if truth else node.orelse, scope)
            a, b = self.expr(node.body, scope), self.expr(node.orelse, scope)
            return a if a == b and not isinstance(a, _Unknown) else UNKNOWN
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            truth = _truth(self.expr(node.operand, scope))
            return UNKNOWN if truth is None else _Const(not truth)
        if isinstance(node, ast.BoolOp):
            return self.boolop(node, scope)
        if isinstance(node, ast.Compare):
            return self.compare(node, scope)
        return UNKNOWN

    def fstring(self, node: ast.JoinedStr, scope: _Scope) -> _V:
        result: _V = _Const("")
        for part in node.values:
            self.budget.charge()
            if isinstance(part, ast.FormattedValue):
                if part.format_spec is not None or part.conversion not in (-1, ord("s")):
                    return UNKNOWN
                value = self.expr(part.value, scope)
                if isinstance(value, _Path) and result == _Const(""):
                    result = value
                    continue
            else:
                value = self.expr(part, scope)
            result = _concat(result, value)
            if isinstance(result, _Unknown):
                return UNKNOWN
        return result

    def dict_(self, node: ast.Dict, scope: _Scope) -> _V:
        # By key, in order: a key written again moves to the end, as in the dict Python builds.
        items: dict[str, _Item] = {}
        complete = True
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            value = self.expr(value_node, scope)
            if key_node is None:
                if isinstance(value, _Dict):
                    self.budget.charge(len(value.items))
                    for item in value.items:
                        items.pop(item.key, None)
                        items[item.key] = item
                    complete = complete and value.complete
                else:
                    # An unknown ``**x`` may replace any key written before it.
                    items = self.unknown_items(items)
                    complete = False
                continue
            key = self.expr(key_node, scope)
            if not (isinstance(key, _Const) and isinstance(key.value, str)):
                items = self.unknown_items(items)
                complete = False
                continue
            items.pop(key.value, None)
            items[key.value] = _Item(key.value, value, self.origin(value_node))
        return self.budget.bounded(_Dict(tuple(items.values()), complete))

    def unknown_items(self, items: dict[str, _Item]) -> dict[str, _Item]:
        self.budget.charge(len(items))
        return {k: _Item(k, UNKNOWN, i.origin) for k, i in items.items()}

    def subscript(self, node: ast.Subscript, scope: _Scope) -> _V:
        callee = self.dotted(node.value, scope)
        key = self.expr(node.slice, scope)
        if callee in ("os.environ", "environ"):
            env = key.value if isinstance(key, _Const) and isinstance(key.value, str) else None
            return _Unknown(env)
        base = self.expr(node.value, scope)
        if isinstance(base, _Dict) and isinstance(key, _Const) and isinstance(key.value, str):
            self.budget.charge(len(base.items))
            item = base.get(key.value)
            return item.value if item is not None else UNKNOWN
        if isinstance(node.value, ast.Attribute) and node.value.attr == "parents":
            path = self.expr(node.value.value, scope)
            if isinstance(path, _Path) and isinstance(key, _Const) and type(key.value) is int:
                if not 0 <= key.value < _MAX_PARENTS:
                    return UNKNOWN  # ``parents[-1]`` is the root; ``parents[10**18]`` fails
                self.budget.charge(key.value)
                for _ in range(key.value + 1):
                    path = _parent(path)
                return path
        return UNKNOWN

    def boolop(self, node: ast.BoolOp, scope: _Scope) -> _V:
        is_and = isinstance(node.op, ast.And)
        last: _V = UNKNOWN
        for value_node in node.values:
            last = self.expr(value_node, scope)
            truth = _truth(last)
            if truth is None:
                return UNKNOWN
            if truth != is_and:
                return last
        return last

    def compare(self, node: ast.Compare, scope: _Scope) -> _V:
        if len(node.ops) != 1:
            return UNKNOWN
        left, right = self.expr(node.left, scope), self.expr(node.comparators[0], scope)
        if not (isinstance(left, _Const) and isinstance(right, _Const)):
            return UNKNOWN
        op = node.ops[0]
        if isinstance(op, ast.Eq):
            return _Const(left.value == right.value)
        if isinstance(op, ast.NotEq):
            return _Const(left.value != right.value)
        if isinstance(op, ast.Is):
            return _Const(left.value is right.value)
        if isinstance(op, ast.IsNot):
            return _Const(left.value is not right.value)
        return UNKNOWN

    def call(self, node: ast.Call, scope: _Scope) -> _V:
        func = node.func
        if isinstance(func, ast.Attribute):
            owner = self.expr(func.value, scope)
            if isinstance(owner, _Path):
                if func.attr in ("resolve", "absolute", "expanduser") and not node.args:
                    return owner
                if func.attr == "joinpath":
                    return self.join_all(owner, node.args, scope)
                return UNKNOWN
        callee = self.dotted(func, scope)
        if callee is None:
            # ``env = environ.Env()`` binds ``env`` as a value; its calls read the environment.
            chain = _chain(func)
            if chain is not None and _env_call(chain) == "kw-default":
                return self.env_lookup(node, "kw-default", scope)
            return UNKNOWN
        args = [self.expr(a, scope) for a in node.args if not isinstance(a, ast.Starred)]
        if len(args) != len(node.args) or any(k.arg is None for k in node.keywords):
            return UNKNOWN
        env = _env_call(callee)
        if env is not None:
            return self.env_lookup(node, env, scope)
        if callee in _PATH_CLASSES or callee in ("os.path.join", "posixpath.join"):
            if not args:
                return _Path("cwd", "") if callee in _PATH_CLASSES else UNKNOWN
            return self.join_all(args[0], node.args[1:], scope)
        if callee in _KEEP_FUNCS and len(args) == 1:
            a = args[0]
            return a if isinstance(a, _Path) or _is_str(a) else UNKNOWN
        if callee in _ABS_FUNCS and len(args) == 1:
            p = _as_path(args[0])
            return p if p is not None else UNKNOWN
        if callee == "os.path.dirname" and len(args) == 1:
            p = _as_path(args[0])
            return _parent(p) if p is not None else UNKNOWN
        if callee == "bool" and len(args) == 1:
            truth = _truth(args[0])
            return UNKNOWN if truth is None else _Const(truth)
        if callee == "dict" and not args:
            return self.dict_(
                ast.Dict(
                    keys=[ast.Constant(k.arg) for k in node.keywords],
                    values=[k.value for k in node.keywords],
                ),
                scope,
            )
        return UNKNOWN

    def join_all(self, first: _V, rest: list[ast.expr], scope: _Scope) -> _V:
        result: _V = first if isinstance(first, _Path) else _as_path(first) or UNKNOWN
        for arg in rest:
            part = self.expr(arg, scope)
            if isinstance(part, _Const) and isinstance(part.value, str) and part.value[:1] == "/":
                # An absolute part discards everything before it, known or not.
                result = _norm("absolute", part.value)
            elif not isinstance(result, _Unknown):
                result = _join(result, part)
        return result

    def env_lookup(self, node: ast.Call, kind: str, scope: _Scope) -> _V:
        if not node.args:
            return UNKNOWN
        name = self.expr(node.args[0], scope)
        env = name.value if isinstance(name, _Const) and isinstance(name.value, str) else None
        default_node: ast.expr | None = None
        if kind == "two-args" and len(node.args) >= 2:
            default_node = node.args[1]
        for kw in node.keywords:
            if kw.arg == "default":
                default_node = kw.value
        default = self.expr(default_node, scope) if default_node is not None else None
        # ``x = os.getenv("X", x)`` over and over nests defaults: bound them like values.
        return _Unknown(env, self.budget.bounded(default) if default is not None else None)


def _origin(
    src: SourceFile, path: str, node: ast.expr | ast.stmt, columns: _Columns | None = None
) -> Origin:
    columns = columns or _Columns(src, None)
    start = columns.offset(node.lineno, node.col_offset)
    end_line = node.end_lineno or node.lineno
    end_col = node.end_col_offset if node.end_col_offset is not None else node.col_offset
    end = max(start, columns.offset(end_line, end_col))
    return Origin(path, Span(start, end), node.lineno)


class _Columns:
    """Source offsets of ast positions. ast columns count UTF-8 bytes, spans code points: each
    line is looked at once, and an ASCII line (where the two agree) needs no decoding."""

    def __init__(self, src: SourceFile, budget: _Budget | None) -> None:
        self.src = src
        self.budget = budget
        self.lines: dict[int, bytes | int] = {}  # the encoded line, or an ASCII line's length

    def offset(self, line: int, col: int) -> int:
        src = self.src
        index = src.index
        if line < 1 or line > index.line_count:
            return len(src.text)
        raw = self.lines.get(line)
        if raw is None:
            text = src.line_text(line)
            raw = self.lines[line] = len(text) if text.isascii() else text.encode("utf-8")
        if isinstance(raw, int):
            return index.line_start(line) + min(col, raw)
        if self.budget is not None:
            # Linear in the column: a long line of many statements would be quadratic.
            self.budget.charge(1 + col // 1024)
        prefix = raw[:col].decode("utf-8", "ignore")
        return index.line_start(line) + len(prefix)


def _set_in(old: _V, keys: list[_V], value: _V, origin: Origin) -> _V:
    if not isinstance(old, _Dict):
        return UNKNOWN
    key = keys[0]
    if not (isinstance(key, _Const) and isinstance(key.value, str)):
        return _Dict(tuple(_Item(i.key, UNKNOWN, i.origin) for i in old.items), False)
    if len(keys) == 1:
        return old.with_item(_Item(key.value, value, origin))
    inner = old.get(key.value)
    if inner is None:
        # A KeyError at import time if the dict is complete; either way nothing to know.
        return old if old.complete else UNKNOWN
    return old.with_item(_Item(key.value, _set_in(inner.value, keys[1:], value, origin), origin))


def _items(v: _V) -> int:
    return len(v.items) if isinstance(v, _Dict) else 0


def _is_str(v: _V) -> bool:
    return isinstance(v, _Const) and isinstance(v.value, str)


def _env_call(callee: str) -> str | None:
    if callee in _GETENV_TWO_ARGS or callee == "getenv":
        return "two-args"
    for root in _GETENV_KW_ONLY_ROOTS:
        if callee == root or callee.startswith(root + "."):
            return "kw-default"
    return None


def _irrefutable(pattern: ast.pattern) -> bool:
    if isinstance(pattern, ast.MatchAs):
        return pattern.pattern is None
    return False


# ---------------------------------------------------------------------------------------------
# reading files


class _Reader:
    def __init__(self, read: Read, exists: Exists | None, project_dir: str) -> None:
        self.read_cb = read
        self.exists = exists
        self.project_dir = _clean_dir(project_dir)
        self.budget = _Budget(MAX_EVALUATED_NODES)
        self.done: dict[str, _Scope | None] = {}
        self.stack: list[str] = []
        self.files: list[str] = []
        self.error: SettingsError | None = None
        self.env_vars: set[str] = set()

    def read(self, path: str) -> SourceFile | None:
        try:
            return self.read_cb(path)
        except SourceError as exc:
            self.fail(SettingsError(path, exc.line, exc.message))
            return None

    def fail(self, error: SettingsError) -> None:
        if self.error is None:
            self.error = error

    def parse(self, path: str, src: SourceFile) -> ast.Module | None:
        if len(src.text) > MAX_SOURCE_CHARS:
            self.fail(
                SettingsError(path, 0, f"too large to read (over {MAX_SOURCE_CHARS:,} characters)")
            )
            return None
        try:
            return parse_quietly(src.text, filename=path)
        except SyntaxError as exc:
            self.fail(SettingsError(path, exc.lineno or 0, f"syntax error: {exc.msg}"))
        except (ValueError, RecursionError, MemoryError) as exc:
            self.fail(SettingsError(path, 0, f"cannot parse: {exc}"))
        return None

    def run_file(self, path: str) -> _Scope | None:
        """The module's top-level names, or None when the file cannot be read or parsed."""
        if path in self.done:
            return self.done[path]
        if path in self.stack:
            return None  # an import cycle; Python would see a half-run module
        src = self.read(path)
        tree = self.parse(path, src) if src is not None else None
        if src is None or tree is None:
            self.done[path] = None
            return None
        self.files.append(path)
        self.env_vars.update(_env_names(tree))
        module = _Module(self, path, src)
        scope = _Scope()
        self.stack.append(path)
        try:
            module.run(tree.body, scope)
        except _Dead:
            # The module raises at import on every path the reader can see: nothing is reliable.
            scope = _Scope()
            scope.opaque = Origin(path, Span(0, 0), 0)
        except RecursionError:
            self.fail(SettingsError(path, 0, "too deeply nested to read"))
            scope = _Scope()
            scope.opaque = Origin(path, Span(0, 0), 0)
        finally:
            self.stack.pop()
        self.done[path] = scope
        return scope

    def module_scope(self, importer: str, level: int, module: str, origin: Origin) -> _Scope | None:
        candidates = _module_candidates(importer, level, module, self.project_dir)
        for path in candidates:
            if self.exists is not None and self.exists(path) is False:
                continue
            scope = self.run_file(path)
            if scope is not None:
                return scope
            if path in self.done:
                return None
        if self.exists is not None and all(self.exists(p) is False for p in candidates):
            # Known absent: the import raises ImportError, which a ``try`` may catch.
            raise _Dead
        return None


def _clean_dir(path: str) -> str:
    p = posixpath.normpath(path.strip("/")) if path.strip("/") else ""
    return "" if p == "." else p


def _module_candidates(importer: str, level: int, module: str, project_dir: str) -> list[str]:
    if level > 0:
        base = posixpath.dirname(importer)
        for _ in range(level - 1):
            base = posixpath.dirname(base)
    else:
        base = project_dir
    parts = [p for p in module.split(".") if p]
    target = posixpath.join(base, *parts) if parts else base
    if not parts:
        return [posixpath.join(target, "__init__.py")]
    return [f"{target}.py", posixpath.join(target, "__init__.py")]


def _env_names(tree: ast.Module) -> Iterator[str]:
    """Environment variables a file reads by a literal name, wherever it reads them."""
    for node in ast.walk(tree):
        key: ast.expr | None = None
        if isinstance(node, ast.Call) and node.args:
            chain = _chain(node.func)
            if chain is not None and (
                chain in ("os.getenv", "getenv", "os.environ.get", "environ.get")
                or _env_call(chain) == "kw-default"
            ):
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and _chain(node.value) in ("os.environ", "environ"):
            key = node.slice
        elif (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.In | ast.NotIn)
            and _chain(node.comparators[0]) in ("os.environ", "environ")
        ):
            key = node.left
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            yield key.value


def _chain(node: ast.expr) -> str | None:
    attrs: list[str] = []
    while isinstance(node, ast.Attribute):  # a loop: chains may be thousands long
        attrs.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(attrs)])


# ---------------------------------------------------------------------------------------------
# settings from the final scope


def _binding_setting(scope: _Scope, name: str) -> tuple[_Binding | None, Setting[object]]:
    binding = scope.names.get(name)
    if binding is None:
        if scope.opaque is not None:
            return None, Setting("unknown", origin=scope.opaque)
        return None, Setting("unset")
    return binding, Setting("unknown", origin=binding.origin)


def _static_path(v: _V | None) -> StaticPath | None:
    p = _as_path(v) if v is not None else None
    return StaticPath(p.anchor, p.path) if p is not None else None


def _read_static_root(scope: _Scope) -> Setting[StaticPath]:
    binding, base = _binding_setting(scope, "STATIC_ROOT")
    if binding is None:
        return Setting(base.state, origin=base.origin)
    v = binding.value
    if isinstance(v, _Unknown):
        return Setting("unknown", None, binding.origin, _static_path(v.default), v.env)
    if isinstance(v, _Const) and v.value is None:
        return Setting("known", None, binding.origin)
    path = _static_path(v)
    return Setting("known" if path else "unknown", path, binding.origin)


def _read_str(scope: _Scope, name: str) -> Setting[str]:
    binding, base = _binding_setting(scope, name)
    if binding is None:
        return Setting(base.state, origin=base.origin)
    return _str_setting(binding.value, binding.origin)


def _str_setting(v: _V, origin: Origin | None) -> Setting[str]:
    if isinstance(v, _Const) and isinstance(v.value, str):
        return Setting("known", v.value, origin)
    if isinstance(v, _Unknown):
        default = v.default
        d = (
            default.value
            if isinstance(default, _Const) and isinstance(default.value, str)
            else None
        )
        return Setting("unknown", None, origin, d, v.env)
    return Setting("unknown", None, origin)


def _read_debug(scope: _Scope) -> Setting[bool]:
    binding, base = _binding_setting(scope, "DEBUG")
    if binding is None:
        return Setting(base.state, origin=base.origin)
    v = binding.value
    if isinstance(v, _Const) and isinstance(v.value, bool):
        return Setting("known", v.value, binding.origin)
    if isinstance(v, _Unknown):
        return Setting("unknown", None, binding.origin, None, v.env)
    return Setting("unknown", None, binding.origin)


def _read_backend(scope: _Scope) -> Setting[str]:
    binding, base = _binding_setting(scope, "STORAGES")
    if binding is None:
        return Setting(base.state, origin=base.origin)
    storages = binding.value
    if not isinstance(storages, _Dict):
        return Setting("unknown", None, binding.origin)
    item = storages.get("staticfiles")
    if item is None:
        # STORAGES replaces Django's default whole, so without the key there is no manifest.
        return Setting("unset" if storages.complete else "unknown", None, binding.origin)
    config = item.value
    if not isinstance(config, _Dict):
        return Setting("unknown", None, item.origin or binding.origin)
    backend = config.get("BACKEND")
    if backend is None:
        return Setting("unknown", None, item.origin or binding.origin)
    return _str_setting(backend.value, backend.origin or binding.origin)


# ---------------------------------------------------------------------------------------------
# public API


def read_settings(
    path: str,
    read: Read,
    *,
    project_dir: str = "",
    exists: Exists | None = None,
) -> DjangoSettings:
    """Read a settings module and the modules it star-imports, without running any of them.

    ``project_dir`` is the import root (the folder holding ``manage.py``), relative to the context
    root like ``path``. ``exists`` lets an import of a known-absent module (``try: from .local
    import *``) count as failing rather than unknown.
    """
    reader = _Reader(read, exists, project_dir)
    try:
        scope = reader.run_file(path)
    except OverBudget:
        reader.error = SettingsError(path, 0, "too complex to read (over the evaluation budget)")
        scope = None
    if scope is None:
        if reader.error is None:
            reader.error = SettingsError(path, 0, "cannot read the settings file")
        scope = _Scope()
        scope.opaque = Origin(path, Span(0, 0), 0)
    env_vars = frozenset(reader.env_vars)
    return DjangoSettings(
        path=path,
        project_dir=reader.project_dir,
        static_root=_read_static_root(scope),
        staticfiles_backend=_read_backend(scope),
        staticfiles_storage=_read_str(scope, "STATICFILES_STORAGE"),
        wsgi_application=_read_str(scope, "WSGI_APPLICATION"),
        debug=_read_debug(scope),
        reads_django_env="DJANGO_ENV" in env_vars,
        env_vars=env_vars,
        files=tuple(reader.files),
        error=reader.error,
        evaluated=reader.budget.used,
    )


def effective_staticfiles_backend(settings: DjangoSettings) -> Setting[str]:
    """The static files backend: STORAGES, else the legacy setting, else Django's default."""
    storages = settings.staticfiles_backend
    if storages.state != "unset":
        return storages
    if storages.origin is not None:
        return Setting("unset", None, storages.origin)
    legacy = settings.staticfiles_storage
    if legacy.state != "unset":
        return legacy
    return Setting("known", DEFAULT_STATICFILES_BACKEND)


_NO_MANIFEST_PACKAGES = ("django.", "whitenoise.", "storages.")


def uses_manifest_storage(
    settings: DjangoSettings,
    read: Read | None = None,
    *,
    exists: Exists | None = None,
) -> bool | None:
    """Whether static files go through a manifest (``staticfiles.json``); None when unknown.

    A project's own storage class is read through ``read`` to see whether it subclasses one.
    """
    backend = effective_staticfiles_backend(settings)
    if backend.state == "unset":
        return False
    if backend.state != "known" or backend.value is None:
        return None
    reader = None if read is None else _Reader(read, exists, settings.project_dir)
    search = _ClassSearch(reader, exists)
    try:
        return search.is_manifest(backend.value, 0)
    except (OverBudget, RecursionError):
        return None


class _ClassSearch:
    """Whether a storage class subclasses a manifest storage, following its bases through the
    project's modules. One reader (each module read once) and one budget serve the whole search,
    and each class is judged once per depth: ten bases of ten bases eight levels deep would
    otherwise be read 10**8 times."""

    def __init__(self, reader: _Reader | None, exists: Exists | None) -> None:
        self.reader = reader
        self.exists = exists
        self.memo: dict[tuple[str, int], bool | None] = {}

    def is_manifest(self, dotted: str, depth: int) -> bool | None:
        key = (dotted, depth)
        if key not in self.memo:
            self.memo[key] = self._judge(dotted, depth)
        return self.memo[key]

    def _judge(self, dotted: str, depth: int) -> bool | None:
        name = dotted.rsplit(".", 1)[-1]
        if "Manifest" in name:
            return True
        if dotted.startswith(_NO_MANIFEST_PACKAGES):
            return False
        reader = self.reader
        if reader is None or depth > 8 or "." not in dotted:
            return None
        exists = self.exists
        module, cls = dotted.rsplit(".", 1)
        reader.budget.charge()
        for path in _module_candidates("", 0, module, reader.project_dir):
            if exists is not None and exists(path) is False:
                continue
            scope = reader.run_file(path)
            if scope is None:
                continue
            bases = scope.classes.get(cls)
            if bases is None:
                binding = scope.imports.get(cls)
                if binding is not None and binding != dotted:
                    return self.is_manifest(binding, depth + 1)
                return None
            package = module if path.endswith("/__init__.py") else module.rpartition(".")[0]
            results = [
                self.is_manifest(_absolute(b, package, module, scope), depth + 1) for b in bases
            ]
            if True in results:
                return True
            if results and all(r is False for r in results):
                return False
            return None
        return None


def _absolute(base: str, package: str, module: str, scope: _Scope) -> str:
    """A base class's dotted name: a class of the same module, or as the imports name it."""
    if "." not in base and base in scope.classes:
        return f"{module}.{base}"
    if base.startswith("."):
        level = len(base) - len(base.lstrip("."))
        parts = package.split(".") if package else []
        parts = parts[: len(parts) - (level - 1)] if level > 1 else parts
        return ".".join([*parts, base.lstrip(".")])
    return base


def module_paths(module: str, project_dir: str = "") -> list[str]:
    """Candidate files for a dotted module under the import root ``project_dir``."""
    return _module_candidates("", 0, module, _clean_dir(project_dir))


def _valid_module(module: str) -> bool:
    return bool(module) and all(p.isidentifier() for p in module.split("."))


def settings_module_from_manage(src: SourceFile) -> tuple[str, Origin] | None:
    """The module ``manage.py`` names with ``os.environ.setdefault`` or an assignment."""
    if len(src.text) > MAX_SOURCE_CHARS:
        return None
    try:
        tree = parse_quietly(src.text, filename=src.path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    found: list[tuple[str, Origin]] = []
    for node in ast.walk(tree):
        value: ast.expr | None = None
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setdefault"
            and _chain(node.func.value) in ("os.environ", "environ")
            and len(node.args) == 2
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == SETTINGS_ENV
        ):
            value = node.args[1]
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and _chain(target.value) in ("os.environ", "environ")
                    and isinstance(target.slice, ast.Constant)
                    and target.slice.value == SETTINGS_ENV
                ):
                    value = node.value
        if value is None:
            continue
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
            return None  # computed: we cannot say which module
        found.append((value.value, _origin(src, src.path, value)))
    names = {name for name, _ in found}
    if len(names) != 1:
        return None
    found.sort(key=lambda f: f[1].span.start)
    return found[0]


def find_settings(
    exists: Exists,
    read: Read,
    *,
    settings_module: str | None,
    project_dir: str,
    list_dir: ListDir | None = None,
) -> SettingsLocation | None:
    """The settings file an image would load, or None when it cannot be told.

    ``settings_module`` is ``DJANGO_SETTINGS_MODULE`` as the image sets it (None when unset or
    unknown); ``project_dir`` the folder holding ``manage.py`` (the import root). The
    ``*/settings.py`` search needs ``list_dir``, which lists the names in a folder.
    """
    project = _clean_dir(project_dir)
    found_by: Literal["DJANGO_SETTINGS_MODULE", "manage.py", "search"] = "DJANGO_SETTINGS_MODULE"
    origin: Origin | None = None
    module = settings_module
    if module is None:
        manage = posixpath.join(project, "manage.py")
        src = read(manage) if exists(manage) is not False else None
        named = settings_module_from_manage(src) if src is not None else None
        if named is not None:
            module, origin = named
            found_by = "manage.py"
    if module is not None:
        module = module.strip()
        if not _valid_module(module):
            return None
        for path in module_paths(module, project):
            if exists(path) is True:
                return SettingsLocation(path, module, project, found_by, origin)
        for path in module_paths(module, project):
            if exists(path) is None:
                return SettingsLocation(path, module, project, found_by, origin)
        return None
    return _search(exists, list_dir, project)


def _search(exists: Exists, list_dir: ListDir | None, project: str) -> SettingsLocation | None:
    if list_dir is None:
        return None
    names = list_dir(project)
    if names is None:
        return None
    hits: list[tuple[str, str]] = []
    for name in sorted(names):
        if not name.isidentifier():
            continue
        for rel, module in (
            (f"{name}/settings.py", f"{name}.settings"),
            (f"{name}/settings/__init__.py", f"{name}.settings"),
        ):
            path = posixpath.join(project, rel)
            if exists(path) is True:
                hits.append((path, module))
                break
    if len(hits) != 1:
        return None
    path, module = hits[0]
    return SettingsLocation(path, module, project, "search")


def load_settings(
    exists: Exists,
    read: Read,
    *,
    settings_module: str | None,
    project_dir: str,
    list_dir: ListDir | None = None,
) -> tuple[SettingsLocation, DjangoSettings] | None:
    """``find_settings`` then ``read_settings``."""
    location = find_settings(
        exists, read, settings_module=settings_module, project_dir=project_dir, list_dir=list_dir
    )
    if location is None:
        return None
    settings = read_settings(location.path, read, project_dir=location.project_dir, exists=exists)
    return location, settings
