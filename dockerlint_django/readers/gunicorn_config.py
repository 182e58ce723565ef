"""Gunicorn config files, read without running them.

Gunicorn executes the config file as a module and then copies every module-level name that is one
of its settings (``gunicorn/app/base.py``, ``load_config_from_module_name_or_filename``); other
names are ignored. ``read_config`` replays the module's top level with Python's ``ast`` and a tiny
constant evaluator, so that ``workers = 4`` is known, ``workers = cpu_count() * 2 + 1`` is "set,
value unknown", and a hook defined with ``def post_fork(...)`` counts as set.

Decisions, for the rules that read this:

- A value is known only when it is built from literals (numbers, strings, booleans, ``None``,
  lists/tuples of those), constant arithmetic and concatenation, f-strings of known values, and
  module-level names bound to such values. Calls, attribute and item reads, imports: unknown.
- Branches: ``if``/``try``/``match``/loops are followed both ways; a ``with`` body counts as a
  ``try`` body (its manager may swallow an exception half-way). A name keeps a known value
  after the statement only when every path leaves it with the same known value (``if`` with an
  ``else`` assigning the same literal in both). An ``if`` whose test is a known constant (``if
  True:``, ``if __name__ == "__main__":``, which is False because Gunicorn loads the file as
  ``__config__``) takes only its branch. Anything else assigned on some path is "set, unknown".
- ``from x import *``, ``exec``/``eval``, ``globals()``/``vars()``/``locals()`` (reading them lets
  code write any name: ``set_defaults(globals())``) set ``all_unknown``: every setting *not*
  assigned after that point may have been set to anything. This matches ``resolve_settings``'s
  ``config_unknown``, which lets entries of ``settings`` win and makes the rest unknown.
- A module-level call to a function defined in the file is followed one level: its ``global``
  names become unknown and its own escapes (``globals()``…) count.
- Values are normalised as Gunicorn validates them only where that is lossless: a string given
  for a list setting (``bind = "0.0.0.0:8000"``) becomes a one-item tuple. Known values that the
  settings model cannot hold (dicts, ``logconfig_dict``) are reported as unknown.
- Spans: the value expression; the whole statement for ``def``/``class``/``import``/``+=``.
- Budgets, so that a hostile file can neither hang nor exhaust memory: a file longer than
  ``MAX_SOURCE_CHARS`` is not parsed, every statement, expression, branch explored and name
  merged is counted against ``MAX_EVALUATED_NODES``, and no value grows past ``_MAX_SIZE``
  items or characters (nested items included, nor deeper than ``_MAX_DEPTH``; ints past 256
  bits). A value over its bound is unknown; a file over a budget, or too deeply nested for
  ``ast``, is all unknown (``all_unknown``, no ``error``: Gunicorn itself may well load it).
"""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from dockerlint_django._record import field, record
from dockerlint_django.gunicorn import SETTINGS, ConfigSetting
from dockerlint_django.readers._python import Budget, OverBudget, parse_quietly
from dockerlint_django.source import SourceFile, Span

# Settings Gunicorn accepts only in a config file (no command-line option), hooks included.
CONFIG_ONLY_SETTINGS: frozenset[str] = frozenset(
    {
        "wsgi_app",
        "tmp_upload_dir",
        "default_proc_name",
        "secure_scheme_headers",
        "logconfig_dict",
        "on_starting",
        "on_reload",
        "when_ready",
        "pre_fork",
        "post_fork",
        "post_worker_init",
        "worker_int",
        "worker_abort",
        "pre_exec",
        "pre_request",
        "post_request",
        "child_exit",
        "worker_exit",
        "nworkers_changed",
        "on_exit",
        "ssl_context",
        # Dirty arbiter hooks (25.x); harmless if a version lacks them: nothing asks for them.
        "on_dirty_starting",
        "dirty_post_fork",
        "dirty_worker_init",
        "dirty_worker_exit",
    }
)

# argparse's -h/-v are options, not settings Gunicorn would copy from a file.
CONFIG_SETTINGS: frozenset[str] = (frozenset(SETTINGS) - {"help", "version"}) | CONFIG_ONLY_SETTINGS

_LIST_SETTINGS = frozenset(s for s, spec in SETTINGS.items() if spec.action == "append")

# Names whose call hands out the module namespace, or runs code that can bind any name.
_ESCAPES = frozenset({"globals", "vars", "locals", "exec", "eval", "setattr"})

_MAX_SIZE = 10_000  # refuse to build huge constants ("x" * 10**9) while evaluating
_MAX_DEPTH = 32  # nor deeply nested ones: comparing them would overflow the stack

# Work allowed for one file, in nodes: each statement and expression evaluated, each name copied
# or merged between branches, each item of a value built or compared. Branches are explored, so
# a few lines of nested loops can still ask for exponential work; past the budget the file is
# unknown. The corpus's configs need at most about 2,000, and no module of this project's
# virtualenv (2,600 files, up to 200 KB of data tables) more than 43,000. Spent, it costs
# about a third of a second.
MAX_EVALUATED_NODES = 100_000

# Longer files are unknown without parsing: ``ast.parse`` alone takes about a second per 500 KB
# of dense code and much more memory. Real config files are a few KB.
MAX_SOURCE_CHARS = 256 * 1024


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: object = _Unknown()


@record
class _Binding:
    value: object  # UNKNOWN when not knowable
    span: Span
    function: ast.FunctionDef | ast.AsyncFunctionDef | None = None


@record
class GunicornConfig:
    """What a config file sets. ``settings`` holds only names Gunicorn reads as settings.

    ``all_unknown``: the file can bind names we cannot see (``import *``, ``globals()``…), so any
    setting absent from ``settings`` may be set. ``error`` is a syntax error Gunicorn would also
    stop at (``error_line`` 1-based, 0 if unknown); the settings are then empty and unknown.
    """

    settings: Mapping[str, ConfigSetting]
    all_unknown: bool = False
    error: str | None = None
    error_line: int = 0
    # The file read: setting spans are offsets into its text.
    source: SourceFile | None = field(default=None, compare=False, repr=False)
    # Nodes of work spent reading it (see MAX_EVALUATED_NODES); more than the limit: gave up.
    evaluated: int = field(default=0, compare=False, repr=False)

    @property
    def unknown(self) -> bool:
        """True when settings not listed may still be set (pass as ``config_unknown``)."""
        return self.all_unknown or self.error is not None


def read_config(source: SourceFile) -> GunicornConfig:
    """Read the settings a Gunicorn config file sets, without executing it."""
    if len(source.text) > MAX_SOURCE_CHARS:
        return GunicornConfig({}, True, source=source)
    try:
        tree = parse_quietly(source.text, filename=source.path)
    except SyntaxError as exc:
        line = exc.lineno or 0
        return GunicornConfig({}, True, f"syntax error: {exc.msg} (line {line})", line)
    except ValueError as exc:  # NUL bytes in the source
        return GunicornConfig({}, True, f"cannot parse: {exc}", 0)
    except (RecursionError, MemoryError):
        # Too deep for the ast module (``1+1+…`` 100,000 times), not a syntax error: Gunicorn's
        # compiler may accept it, so what it sets is unknown.
        return GunicornConfig({}, True, source=source)
    reader = _Reader(source)
    try:
        env = reader.block(tree.body, {})
    except (OverBudget, RecursionError, MemoryError):
        return GunicornConfig({}, True, source=source, evaluated=reader.budget.used)
    settings: dict[str, ConfigSetting] = {}
    for name, binding in env.items():
        if name in CONFIG_SETTINGS:
            settings[name] = _setting(name, binding)
    return GunicornConfig(settings, reader.escaped, source=source, evaluated=reader.budget.used)


def _setting(name: str, binding: _Binding) -> ConfigSetting:
    value = binding.value
    if value is UNKNOWN:
        return ConfigSetting(None, False, binding.span)
    if binding.function is not None or isinstance(value, _Callable):
        return ConfigSetting(str(value), True, binding.span)
    if name in _LIST_SETTINGS and isinstance(value, str):
        return ConfigSetting((value,), True, binding.span)
    if value is None or isinstance(value, (str, int, float, bool)):
        return ConfigSetting(value, True, binding.span)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return ConfigSetting(tuple(str(v) for v in value), True, binding.span)
    return ConfigSetting(None, False, binding.span)


class _Callable:
    """A function or class defined in the file: known to be set, shown by its name."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)


Env = dict[str, _Binding]


class _Reader:
    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.escaped = False
        self.budget = Budget(MAX_EVALUATED_NODES)
        # Encoded lines, or the length of an ASCII one (where byte and code-point columns agree).
        self._line_bytes: dict[int, bytes | int] = {}
        self._reads: dict[int, frozenset[str]] = {}

    # -- spans ----------------------------------------------------------------------------

    def _column(self, line: int, byte_col: int) -> int:
        # ast columns are UTF-8 byte offsets; Span offsets are code points.
        raw = self._line_bytes.get(line)
        if raw is None:
            text = self.source.line_text(line)
            raw = self._line_bytes[line] = len(text) if text.isascii() else text.encode("utf-8")
        if isinstance(raw, int):
            return min(byte_col, raw)
        # Decoding is linear in the column: on a long line of many statements, count it.
        self.budget.charge(1 + byte_col // 1024)
        return len(raw[:byte_col].decode("utf-8", errors="replace"))

    def span(self, node: ast.AST) -> Span:
        self.budget.charge()  # as costly as evaluating a node
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0)
        end_line = getattr(node, "end_lineno", None) or line
        end_col = getattr(node, "end_col_offset", None)
        index = self.source.index
        start = index.line_start(line) + self._column(line, col)
        if end_col is None:
            return Span(start, start)
        end = index.line_start(end_line) + self._column(end_line, end_col)
        return Span(start, max(start, end))

    # -- statements -----------------------------------------------------------------------

    def block(self, body: list[ast.stmt], env: Env) -> Env:
        # One copy per block, which its statements then update in place.
        self.budget.charge(1 + len(env))
        env = dict(env)
        for stmt in body:
            env = self.statement(stmt, env)
        return env

    def statement(self, stmt: ast.stmt, env: Env) -> Env:
        """Run ``stmt`` over ``env``, which it may change: the result, ``env`` or a new dict."""
        self.budget.charge()
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._scan_escapes([stmt], env)
            func = None if stmt.decorator_list else stmt
            value = _Callable(f"<function {stmt.name}>") if func is not None else UNKNOWN
            env[stmt.name] = _Binding(value, self.span(stmt), func)
        elif isinstance(stmt, ast.ClassDef):
            # A class body runs at import time, but binds nothing at module level.
            self._scan_escapes([stmt], env)
            value = UNKNOWN if stmt.decorator_list else _Callable(f"<class {stmt.name}>")
            env[stmt.name] = _Binding(value, self.span(stmt))
        elif isinstance(stmt, ast.Assign):
            self._scan_escapes([stmt.value], env)
            value = self.evaluate(stmt.value, env)
            for target in stmt.targets:
                self._scan_escapes([target], env)
                self.bind(target, stmt.value, value, env)
        elif isinstance(stmt, ast.AnnAssign):
            self._scan_escapes([stmt.target, stmt.annotation], env)
            if stmt.value is not None:
                self._scan_escapes([stmt.value], env)
                self.bind(stmt.target, stmt.value, self.evaluate(stmt.value, env), env)
        elif isinstance(stmt, ast.AugAssign):
            self._scan_escapes([stmt.target, stmt.value], env)
            if isinstance(stmt.target, ast.Name):
                name = stmt.target.id
                old = env.get(name)
                right = self.evaluate(stmt.value, env)
                result = (
                    UNKNOWN if old is None else _safe_binop(stmt.op, old.value, right, self.budget)
                )
                env[name] = _Binding(result, self.span(stmt))
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                if alias.name == "*":
                    self.escaped = True
                    self.budget.charge(len(env))
                    env = _all_unknown(env)
                    continue
                bound = alias.asname or alias.name.split(".")[0]
                env[bound] = _Binding(UNKNOWN, self.span(stmt))
        elif isinstance(stmt, ast.Delete):
            self._scan_escapes(stmt.targets, env)
            for target in stmt.targets:
                for name in _target_names(target):
                    env.pop(name, None)
        elif isinstance(stmt, ast.If):
            env = self._if(stmt, env)
        elif isinstance(stmt, ast.Try) or _is_try_star(stmt):
            env = self._try(stmt, env)
        elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
            self._scan_escapes([stmt.iter if not isinstance(stmt, ast.While) else stmt.test], env)
            loop_env = dict(env)
            if not isinstance(stmt, ast.While):
                self._bind_unknown(stmt.target, stmt, loop_env)
            # The body runs zero or more times: merge "not run" with "ran once", twice over so
            # that values carried from one iteration to the next become unknown.
            once = self.block(stmt.body, loop_env)
            carried = self._merge([loop_env, once])
            twice = once
            if self._changed(loop_env, carried) & self._loop_reads(stmt):
                # Only a body reading a name the first pass changed can run differently the
                # second time: otherwise it would give the same result, and nested loops
                # would each double the work for nothing.
                twice = self.block(stmt.body, carried)
            loop_exit = self.block(stmt.orelse, self._merge([loop_env, once, twice]))
            env = self._merge([env, loop_exit])
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                self._scan_escapes([item.context_expr], env)
                if item.optional_vars is not None:
                    self._bind_unknown(item.optional_vars, item.optional_vars, env)
            # A context manager may swallow an exception: the body may stop anywhere.
            env = self._merge([env, self.block(stmt.body, env)], partial=True)
        elif isinstance(stmt, ast.Match):
            self._scan_escapes([stmt.subject], env)
            branches = []
            for case in stmt.cases:
                case_env = dict(env)
                for node in ast.walk(case.pattern):
                    self.budget.charge()
                    for name in _pattern_names(node):
                        case_env[name] = _Binding(UNKNOWN, self.span(node))
                branches.append(self.block(case.body, case_env))
            branches.append(env)  # no case matched
            env = self._merge(branches)
        elif isinstance(stmt, ast.Expr):
            self._scan_escapes([stmt.value], env)
        elif isinstance(stmt, ast.Global | ast.Nonlocal | ast.Pass | ast.Break | ast.Continue):
            pass
        else:
            # raise, assert, return, type aliases…: they bind nothing we can read, but may
            # hide an escape or a walrus.
            self._scan_escapes([stmt], env)
        return env

    def _if(self, stmt: ast.If, env: Env) -> Env:
        self._scan_escapes([stmt.test], env)
        test = self.evaluate(stmt.test, env)
        if test is not UNKNOWN:
            return self.block(stmt.body if test else stmt.orelse, env)
        return self._merge([self.block(stmt.body, env), self.block(stmt.orelse, env)])

    def _try(self, stmt: ast.stmt, env: Env) -> Env:
        body: list[ast.stmt] = getattr(stmt, "body", [])
        handlers: list[ast.ExceptHandler] = getattr(stmt, "handlers", [])
        orelse: list[ast.stmt] = getattr(stmt, "orelse", [])
        final: list[ast.stmt] = getattr(stmt, "finalbody", [])
        # Without an exception the body and else run; with one, the body stopped somewhere and
        # a handler ran (or, unhandled, Gunicorn exits: that path does not matter). The body is
        # read once for both: reading it twice would double the work at each nested ``try``.
        after_body = self.block(body, env)
        ok = self.block(orelse, after_body)
        partial_body = self._merge([env, after_body], partial=True)
        paths = [ok]
        for handler in handlers:
            handler_env = dict(partial_body)
            if handler.name:
                handler_env[handler.name] = _Binding(UNKNOWN, self.span(handler))
            paths.append(self.block(handler.body, handler_env))
        return self.block(final, self._merge(paths))

    def bind(self, target: ast.expr, value_node: ast.expr, value: object, env: Env) -> None:
        if isinstance(target, ast.Name):
            env[target.id] = _Binding(value, self.span(value_node))
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            starred = any(isinstance(t, ast.Starred) for t in target.elts)
            if (
                not starred
                and isinstance(value_node, (ast.Tuple, ast.List))
                and len(value_node.elts) == len(target.elts)
                and not any(isinstance(e, ast.Starred) for e in value_node.elts)
            ):
                for sub_target, sub_node in zip(target.elts, value_node.elts, strict=True):
                    self.bind(sub_target, sub_node, self.evaluate(sub_node, env), env)
                return
            if not starred and isinstance(value, (tuple, list)) and len(value) == len(target.elts):
                for sub_target, item in zip(target.elts, value, strict=True):
                    self.bind(sub_target, value_node, item, env)
                return
            self._bind_unknown(target, value_node, env)
            return
        if isinstance(target, ast.Starred):
            self._bind_unknown(target.value, value_node, env)
        # Attribute and subscript targets bind no module-level name (globals()[…] is an escape
        # already seen by _scan_escapes).

    def _bind_unknown(self, target: ast.expr, node: ast.AST, env: Env) -> None:
        for name in _target_names(target):
            env[name] = _Binding(UNKNOWN, self.span(node))

    def _scan_escapes(self, nodes: Sequence[ast.AST], env: Env) -> None:
        """Walrus targets become unknown; namespace escapes set ``escaped``; calls to functions
        of this file are followed one level."""
        for root in nodes:
            for node in _walk_top(root):
                self.budget.charge()
                if isinstance(node, ast.NamedExpr):
                    env[node.target.id] = _Binding(UNKNOWN, self.span(node))
                elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    name = node.func.id
                    if name in _ESCAPES and name not in env:
                        self._escape(env)
                    binding = env.get(name)
                    if binding is not None and binding.function is not None:
                        self._follow(binding.function, env)

    def _follow(self, func: ast.FunctionDef | ast.AsyncFunctionDef, env: Env) -> None:
        for node in ast.walk(func):
            self.budget.charge()
            if isinstance(node, ast.Global):
                for name in node.names:
                    env[name] = _Binding(UNKNOWN, self.span(node))
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in _ESCAPES
            ):
                self._escape(env)
                return

    def _escape(self, env: Env) -> None:
        self.escaped = True
        self.budget.charge(len(env))
        env.update(_all_unknown(env))

    def _changed(self, before: Env, after: Env) -> set[str]:
        """Names whose binding differs between two environments (or that ``before`` lacks)."""
        self.budget.charge(len(after))
        return {
            name
            for name, b in after.items()
            if before.get(name) is not b and not self._equal(before.get(name), b)
        }

    def _equal(self, a: _Binding | None, b: _Binding | None) -> bool:
        if a is None or b is None:
            return a is b
        self._charge_compare(a.value, b.value)
        return a == b

    def _charge_compare(self, a: object, b: object) -> None:
        # Comparing two equal containers walks them both; strings compare at C speed.
        if a is not b and isinstance(a, (list, tuple, dict)):
            self.budget.charge(_size(a, _MAX_SIZE))

    def _loop_reads(self, stmt: ast.For | ast.AsyncFor | ast.While) -> frozenset[str]:
        """Names a loop body may read (loaded, deleted, augmented), nested scopes included."""
        found = self._reads.get(id(stmt))
        if found is None:
            names: set[str] = set()
            for root in stmt.body:
                for node in ast.walk(root):
                    self.budget.charge()
                    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
                        names.add(node.id)
                    elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                        names.add(node.target.id)
            found = self._reads[id(stmt)] = frozenset(names)
        return found

    def _merge(self, envs: list[Env], partial: bool = False) -> Env:
        self.budget.charge(len(envs) * max(len(e) for e in envs))
        return _merge(envs, partial, self._charge_compare)

    # -- expressions ----------------------------------------------------------------------

    def evaluate(self, node: ast.expr, env: Env) -> object:
        try:
            return self._eval(node, env)
        except (ArithmeticError, TypeError, ValueError, RecursionError, OverflowError):
            return UNKNOWN

    def _eval(self, node: ast.expr, env: Env) -> object:
        self.budget.charge()
        if isinstance(node, ast.Constant):
            if isinstance(node.value, (str, int, float, bool)) or node.value is None:
                return node.value
            return UNKNOWN  # bytes, Ellipsis, complex: not setting values
        if isinstance(node, ast.Name):
            binding = env.get(node.id)
            if binding is None:
                return UNKNOWN  # a builtin, or a name bound where we cannot see
            return binding.value
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self._eval(e, env) for e in node.elts]
            pairs = zip(items, node.elts, strict=True)
            if any(i is UNKNOWN or isinstance(e, ast.Starred) for i, e in pairs):
                return UNKNOWN
            return _sized(tuple(items) if isinstance(node, ast.Tuple) else items, self.budget)
        if isinstance(node, ast.Dict):
            keys = [UNKNOWN if k is None else self._eval(k, env) for k in node.keys]
            values = [self._eval(v, env) for v in node.values]
            if any(k is UNKNOWN or isinstance(k, list) for k in keys) or UNKNOWN in values:
                return UNKNOWN
            return _sized(dict(zip(keys, values, strict=True)), self.budget)
        if isinstance(node, ast.BinOp):
            left = self._eval(node.left, env)
            return _binop(node.op, left, self._eval(node.right, env), self.budget)
        if isinstance(node, ast.UnaryOp):
            operand = self._eval(node.operand, env)
            if operand is UNKNOWN or not isinstance(operand, (int, float, bool)):
                if isinstance(node.op, ast.Not) and operand is not UNKNOWN:
                    return not operand
                return UNKNOWN
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return +operand
            if isinstance(node.op, ast.Not):
                return not operand
            if isinstance(node.op, ast.Invert) and isinstance(operand, int):
                return ~operand
            return UNKNOWN
        if isinstance(node, ast.BoolOp):
            return self._boolop(node, env)
        if isinstance(node, ast.Compare):
            return self._compare(node, env)
        if isinstance(node, ast.IfExp):
            test = self._eval(node.test, env)
            if test is UNKNOWN:
                return UNKNOWN
            return self._eval(node.body if test else node.orelse, env)
        if isinstance(node, ast.JoinedStr):
            parts: list[str] = []
            length = 0
            for part in node.values:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    parts.append(part.value)
                elif (
                    isinstance(part, ast.FormattedValue)
                    and part.conversion == -1
                    and part.format_spec is None
                ):
                    value = self._eval(part.value, env)
                    if value is UNKNOWN or not isinstance(value, (str, int, bool)):
                        return UNKNOWN
                    parts.append(str(value))
                else:
                    return UNKNOWN
                length += len(parts[-1])
                if length > _MAX_SIZE:
                    return UNKNOWN  # before joining: f"{s}{s}…" may be 10,000 parts of 10,000
            return "".join(parts)
        return UNKNOWN

    def _boolop(self, node: ast.BoolOp, env: Env) -> object:
        result: object = UNKNOWN
        for value_node in node.values:
            result = self._eval(value_node, env)
            if result is UNKNOWN:
                return UNKNOWN
            if isinstance(node.op, ast.Or) and result:
                return result
            if isinstance(node.op, ast.And) and not result:
                return result
        return result

    def _compare(self, node: ast.Compare, env: Env) -> object:
        main = _main_test(node)
        if main is not None and "__name__" not in env:
            return main
        left = self._eval(node.left, env)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self._eval(right_node, env)
            if left is UNKNOWN or right is UNKNOWN:
                return UNKNOWN
            if isinstance(left, _Callable) or isinstance(right, _Callable):
                return UNKNOWN
            if isinstance(op, ast.Eq):
                ok = left == right
            elif isinstance(op, ast.NotEq):
                ok = left != right
            elif isinstance(op, (ast.Is, ast.IsNot)) and (left is None or right is None):
                ok = (left is right) == isinstance(op, ast.Is)
            elif isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) and _orderable(left, right):
                ok = _order(op, left, right)
            else:
                return UNKNOWN
            if not ok:
                return False
            left = right
        return True


def _main_test(node: ast.Compare) -> bool | None:
    """``__name__ == "__main__"``: False, since Gunicorn imports the file as a module
    (``__config__``, or the ``python:`` module's name)."""
    if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
        return None
    sides = {_dump_simple(node.left), _dump_simple(node.comparators[0])}
    if sides != {"name:__name__", "str:__main__"}:
        return None
    return isinstance(node.ops[0], ast.NotEq)


def _dump_simple(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return f"name:{node.id}"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return f"str:{node.value}"
    return ""


def _orderable(left: object, right: object) -> bool:
    numbers = (int, float)
    return (isinstance(left, numbers) and isinstance(right, numbers)) or (
        isinstance(left, str) and isinstance(right, str)
    )


def _order(op: ast.cmpop, left: object, right: object) -> bool:
    a: float | str = left  # type: ignore[assignment]
    b: float | str = right  # type: ignore[assignment]
    if isinstance(op, ast.Lt):
        return a < b  # type: ignore[operator]
    if isinstance(op, ast.LtE):
        return a <= b  # type: ignore[operator]
    if isinstance(op, ast.Gt):
        return a > b  # type: ignore[operator]
    return a >= b  # type: ignore[operator]


def _sized(value: object, budget: Budget) -> object:
    """``value``, or UNKNOWN when it is over the size bound. Containers are measured with their
    nested items: ``t = (t, t)`` repeated doubles the size while its length stays 2."""
    if isinstance(value, (str, list, tuple, dict)) and len(value) > _MAX_SIZE:
        return UNKNOWN
    if isinstance(value, int) and value.bit_length() > 256:
        return UNKNOWN
    if isinstance(value, (list, tuple, dict)):
        size = _size(value, _MAX_SIZE)
        budget.charge(size)
        if size > _MAX_SIZE:
            return UNKNOWN
    return value


def _size(value: object, limit: int) -> int:
    """Items in ``value``, nested ones included, counted up to just past ``limit``; a value
    nested deeper than ``_MAX_DEPTH`` counts as over it."""
    count = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack and count <= limit:
        item, depth = stack.pop()
        count += 1
        if depth > _MAX_DEPTH:
            return limit + 1
        if isinstance(item, (list, tuple)):
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item)
            stack.extend((v, depth + 1) for v in item.values())
    return count


def _safe_binop(op: ast.operator, left: object, right: object, budget: Budget) -> object:
    try:
        return _binop(op, left, right, budget)
    except (ArithmeticError, TypeError, ValueError):
        return UNKNOWN


def _binop(op: ast.operator, left: object, right: object, budget: Budget) -> object:
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    if isinstance(left, (_Callable, dict)) or isinstance(right, (_Callable, dict)):
        return UNKNOWN
    # Refuse work a hostile or silly file could make huge before _sized sees it.
    if isinstance(op, ast.Pow) and (not isinstance(right, int) or abs(right) > 64):
        return UNKNOWN
    if isinstance(op, ast.Mult):
        counts = [v for v in (left, right) if isinstance(v, int) and not isinstance(v, bool)]
        sequences = [v for v in (left, right) if isinstance(v, (str, list, tuple))]
        if sequences and counts and len(sequences[0]) * max(counts[0], 0) > _MAX_SIZE:
            return UNKNOWN
    if isinstance(op, ast.Mod) and isinstance(left, str):
        return UNKNOWN  # %-formatting of known values is rare in configs; not worth modelling
    a: object = left
    b: object = right
    result: object
    if isinstance(op, ast.Add):
        result = a + b  # type: ignore[operator]
    elif isinstance(op, ast.Sub):
        result = a - b  # type: ignore[operator]
    elif isinstance(op, ast.Mult):
        result = a * b  # type: ignore[operator]
    elif isinstance(op, ast.FloorDiv):
        result = a // b  # type: ignore[operator]
    elif isinstance(op, ast.Div):
        result = a / b  # type: ignore[operator]
    elif isinstance(op, ast.Mod):
        result = a % b  # type: ignore[operator]
    elif isinstance(op, ast.Pow):
        result = a**b  # type: ignore[operator]
    else:
        return UNKNOWN
    return _sized(result, budget)


def _merge(
    envs: list[Env],
    partial: bool = False,
    charge_compare: Callable[[object, object], None] | None = None,
) -> Env:
    """Join the environments of several paths. A name keeps its binding only if every path has
    the very same one (same value and span); ``partial`` paths (a body that may have stopped
    anywhere) make every name they touched unknown. ``charge_compare`` is told of each pair of
    values compared."""
    names: set[str] = set()
    for env in envs:
        names.update(env)
    merged: Env = {}
    for name in names:
        bindings = [env.get(name) for env in envs]
        first = next(b for b in bindings if b is not None)
        if charge_compare is not None:
            for b in bindings:
                if b is not None and b is not first:
                    charge_compare(first.value, b.value)
        if all(b is not None for b in bindings):
            values = [b.value for b in bindings if b is not None]
            same_binding = all(b == first for b in bindings)
            same_value = all(_same(v, values[0]) for v in values)
            if same_binding or (not partial and same_value):
                merged[name] = first if same_binding else _Binding(values[0], first.span)
                continue
        # Set on some path only, or to different values: set, value unknown. Report the span of
        # the first assignment made inside a branch (the one a reader will look for).
        changed = [b for b in bindings if b is not None and b != envs[0].get(name)]
        span = (changed[0] if changed else first).span
        merged[name] = _Binding(UNKNOWN, span)
    return merged


def _same(a: object, b: object) -> bool:
    if a is UNKNOWN or b is UNKNOWN:
        return False
    return type(a) is type(b) and a == b


def _all_unknown(env: Env) -> Env:
    return {name: _Binding(UNKNOWN, b.span) for name, b in env.items()}


def _is_try_star(stmt: ast.stmt) -> bool:
    return type(stmt).__name__ == "TryStar"


def _target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for e in target.elts for n in _target_names(e)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def _pattern_names(node: ast.AST) -> list[str]:
    if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
        return [node.name]
    if isinstance(node, ast.MatchMapping) and node.rest:
        return [node.rest]
    return []


def _walk_top(root: ast.AST) -> list[ast.AST]:
    """Nodes of ``root`` that run when the statement runs: not function or lambda bodies."""
    out: list[ast.AST] = []
    stack = [root]
    while stack:
        node = stack.pop()
        out.append(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            # Defaults and decorators run now; the body later.
            args = node.args
            stack.extend(args.defaults)
            stack.extend(d for d in args.kw_defaults if d is not None)
            if not isinstance(node, ast.Lambda):
                stack.extend(node.decorator_list)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return out


# --------------------------------------------------------------------------------------------
# Config references: -c PATH, -c file:PATH, -c python:MODULE


@record
class ConfigRef:
    """Where a ``-c``/``--config`` value makes Gunicorn look, inside the image.

    ``candidates`` are absolute paths, in the order Python would find them; the first that exists
    is loaded. ``complete`` False means the file may also come from somewhere we cannot see (a
    ``python:`` module found in site-packages or on an unknown ``sys.path`` entry, a relative
    path with no known working directory): no candidate existing then means "unknown", not "no
    config". ``error`` is what Gunicorn would stop at (an empty module name…).
    """

    text: str
    kind: Literal["file", "python"]
    candidates: tuple[str, ...]
    complete: bool
    error: str | None = None


def resolve_config_ref(
    ref: str, workdir: str | None, *, python_path: tuple[str, ...] = ()
) -> ConfigRef:
    """Resolve a Gunicorn config reference against the process's working directory.

    ``workdir`` is the directory Gunicorn starts in (the final ``WORKDIR``, or Compose's
    ``working_dir``), None when unknown. Not ``--chdir``: ``Application.load_config`` calls
    ``chdir()`` before the command line's settings are applied, so the config file is found from
    the start directory, which is also put first on ``sys.path``. ``python_path`` are further
    known ``sys.path`` directories (``PYTHONPATH``), searched after it. Pure string logic:
    nothing is read.
    """
    if ref.startswith("python:"):
        module = ref[len("python:") :]
        parts = module.split(".")
        if not module or not all(p.isidentifier() for p in parts):
            return ConfigRef(ref, "python", (), True, f"invalid module name {module!r}")
        dirs = [d for d in ((workdir,) if workdir else ()) + python_path if d.startswith("/")]
        relative = posixpath.join(*parts)
        candidates: list[str] = []
        for d in dirs:
            base = posixpath.normpath(posixpath.join(d, relative))
            candidates.extend((base + ".py", posixpath.join(base, "__init__.py")))
        return ConfigRef(ref, "python", tuple(candidates), False)
    path = ref[len("file:") :] if ref.startswith("file:") else ref
    if not path:
        return ConfigRef(ref, "file", (), True, "empty config path")
    if path.startswith("/"):
        return ConfigRef(ref, "file", (posixpath.normpath(path),), True)
    if workdir is None or not workdir.startswith("/"):
        return ConfigRef(ref, "file", (), False)
    return ConfigRef(ref, "file", (posixpath.normpath(posixpath.join(workdir, path)),), True)


__all__ = [
    "CONFIG_ONLY_SETTINGS",
    "CONFIG_SETTINGS",
    "UNKNOWN",
    "ConfigRef",
    "GunicornConfig",
    "read_config",
    "resolve_config_ref",
]
