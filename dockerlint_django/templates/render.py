"""Template mode: render cookiecutter templates offline, with a map back to the template's lines.

Cookiecutter renders every file with Jinja2; so do we, in a ``SandboxedEnvironment`` because the
templates are untrusted input, with the settings cookiecutter uses (``StrictUndefined``,
``keep_trailing_newline=True``) and local stand-ins for its default extensions. Nothing here runs
cookiecutter, its hooks, or any extension named in ``_extensions``.

The sandbox keeps a template from reaching Python; it does not keep one from running forever or
filling memory (``{{ 'x' * 10**9 }}``, two nested ``range(100000)`` loops, a ``cookiecutter.json``
whose defaults double). So the sandbox here is bounded as well (see "Bounds" below): before an
operation that could build something large (``*``, ``**``, ``%``, ``+``, ``~``, ``str.format``,
string methods, filters) its result size is estimated and checked; loop iterations, calls and
filters are counted; output is counted as it is produced; and the time spent rendering one
template is capped. A template that passes a bound is given up on: ``render`` returns a
``RenderError`` with ``gave_up`` set and a message such as ``template gave up: output larger than
250,000 characters``, at the template line where that happened when it is known.

``jinja2`` is imported inside the functions: most runs lint plain Dockerfiles, and a pre-commit
hook pays the start-up cost on every call.
"""

from __future__ import annotations

import bisect
import functools
import json
import math
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import BuiltinMethodType, GeneratorType, MethodDescriptorType, MethodType
from typing import TYPE_CHECKING, Any

from dockerlint_django._record import LazyPattern, record
from dockerlint_django.source import LineIndex, Span

if TYPE_CHECKING:
    from jinja2 import Template, nodes
    from jinja2.runtime import Context
    from jinja2.sandbox import SandboxedEnvironment

_TEMPLATE_DIR = LazyPattern(r"\{\{\s*cookiecutter\.")

# Each kind of delimiter may not contain another opener of its own kind, so that a stray ``{{``
# is not paired with a ``}}`` fifty lines further down.
_PLACEHOLDER = LazyPattern(
    r"\{\{(?:(?!\{\{|\}\}).)*\}\}|\{%(?:(?!\{%|%\}).)*%\}|\{#(?:(?!\{#|#\}).)*#\}",
    re.DOTALL,
)

_YES_NO = {"y": "n", "n": "y", "yes": "no", "no": "yes"}

# ``_jinja2_env_vars`` may change these without changing how lines are counted; the others
# (delimiters, newline_sequence) are ignored.
_ENV_VARS = ("trim_blocks", "lstrip_blocks", "keep_trailing_newline")

# One private-use code point per template line (planes 15 and 16). Templates never contain them,
# and if one does the marked render no longer matches the plain one and the map falls back.
_MARK_BASE = 0xF0000
_MARK_LIMIT = 0x10FFFD - _MARK_BASE
_MARKERS = LazyPattern("[\U000f0000-\U0010fffd]")

# ---------------------------------------------------------------------------------------------
# Bounds. Each is far above what a real template needs (the largest Dockerfile in the corpus is
# 20 KB, cookiecutter-django's cookiecutter.json 5 KB with a dozen y/n choices) and far below what
# would take a noticeable time or memory: a template that passes one is hostile or broken.

# Template text. Jinja compiles about 100 KB a second, and a template is compiled twice (plain and
# line-marked): five times the largest Dockerfile in the corpus.
MAX_TEMPLATE_CHARS = 100_000
# Characters one rendering may output, captured ``{% set %}`` blocks and macro output included.
# Every rendering is then linted as a Dockerfile, which for 250 KB already takes seconds.
MAX_OUTPUT_CHARS = 200_000
# Characters all the renderings of one template may output together: 64 variants of a 30 KB file.
MAX_TOTAL_OUTPUT_CHARS = 1_000_000
# Length of any one string, list or other value a template builds (``'x' * n``, ``a ~ b``, a
# filter's or method's result), checked before building it when it can be estimated.
MAX_STRING = 1_000_000
# Characters and items all the values a template builds may add up to (memory: a loop can keep
# every value it builds by appending it to a list); 20 M characters are at most 80 MB.
MAX_BUILT = 20_000_000
# Size of an integer result: 10**4300 (the longest integer Python will print) is 14,300 bits;
# larger products take long to compute, and ``10**(10**10)`` never finishes.
MAX_INT_BITS = 20_000
# Length of a ``range``: Jinja's own sandbox limit.
MAX_RANGE = 100_000
# Loop iterations, calls and filter applications (and template compilations, weighed by size) in
# all the renderings of one template: at a few microseconds each, about a second.
MAX_STEPS = 250_000
# Wall-clock time spent compiling and rendering one template (not linting its renderings), for
# what the counts above cannot see: a comparison of two long strings in a long loop.
MAX_RENDER_SECONDS = 5.0
# Renderings of one template. Each is linted; a linear number of variants per y/n choice (see
# ``variants``) reaches this only with 64 y/n choices that the file reads.
MAX_VARIANTS = 64
# cookiecutter.json: size in bytes, and nesting of JSON arrays and objects (``__prompts__`` needs
# 3; Python's JSON parser itself fails with RecursionError at about 1,000).
MAX_CONTEXT_BYTES = 1_000_000
MAX_CONTEXT_DEPTH = 32
# The rendered default of one cookiecutter.json key (a name, a slug, a version), and of all keys
# together; defaults that double (``a1 = a0 ~ a0``, ...) reach the first after 14 keys.
MAX_DEFAULT_CHARS = 100_000
MAX_CONTEXT_CHARS = 1_000_000
# Lines to align when the marked render differs (template lines x rendered lines): difflib is
# quadratic, and a greedy alignment is used beyond this.
MAX_ALIGN_CELLS = 4_000_000

# A template compilation weighs this many steps, plus one per this many characters: compiling
# takes a millisecond, 500 times a loop step, so a cookiecutter.json of a million tiny templated
# defaults is given up on instead of taking minutes.
_COMPILE_STEPS = 200
_COMPILE_CHARS_PER_STEP = 10


class ContextError(ValueError):
    """A ``cookiecutter.json`` that cannot be read, or a default that does not render."""


class GaveUp(Exception):
    """A template passed one of the bounds; the message says which.

    Raised from inside the template's own code: a template cannot catch exceptions, and Jinja
    re-raises it with the template's line numbers in its traceback.
    """


@record
class RenderError:
    """Why a template did not render; ``line`` is the 1-based template line, 0 when unknown.

    ``gave_up`` is true when the template passed one of the bounds (the message then starts with
    ``template gave up:``) rather than failing as cookiecutter would fail.
    """

    message: str
    line: int = 0
    gave_up: bool = False


@record
class Rendered:
    """Rendered text and, for each of its lines, the 1-based template line it came from.

    ``line_map[i]`` is the template line of rendered line ``i + 1``; it has one entry per line as
    ``LineIndex`` counts them (so a trailing newline gives a last, empty line). ``exact`` is false
    when the map had to be guessed by aligning lines (see ``render``).
    """

    text: str
    line_map: tuple[int, ...]
    exact: bool = True

    def template_line(self, rendered_line: int) -> int:
        """The template line of 1-based ``rendered_line``."""
        if not self.line_map:
            return 1
        return self.line_map[max(0, min(rendered_line, len(self.line_map)) - 1)]


class Budget:
    """What the renderings of one template may still spend, and what they share.

    One budget is meant for all the renderings of one template (its variants): steps, built
    values, total output and time are shared, so that 64 variants cannot each spend all of them;
    the output of each rendering is also bounded on its own. The environments and compiled
    templates are kept here too, so that each variant does not compile the template again.
    """

    def __init__(
        self,
        *,
        steps: int = MAX_STEPS,
        built: int = MAX_BUILT,
        output: int = MAX_TOTAL_OUTPUT_CHARS,
        seconds: float = MAX_RENDER_SECONDS,
        render_output: int = MAX_OUTPUT_CHARS,
    ) -> None:
        self.max_steps = steps
        self.max_built = built
        self.max_output = output
        self.seconds = seconds
        self.max_render_output = render_output
        self.steps = steps
        self.built = built
        self.output = output
        self.spent = 0.0
        self.render_output = 0
        self.render_limit = render_output
        self._since: float | None = None
        self._ticks = 0
        self.environments: dict[tuple[bool, ...], SandboxedEnvironment] = {}
        self.templates: dict[tuple[str, tuple[bool, ...], bool], Template | RenderError | None] = {}

    @contextmanager
    def running(self, limit: int | None = None) -> Iterator[None]:
        """One rendering: its output starts at zero, and its time counts."""
        self.render_output = 0
        self.render_limit = self.max_render_output if limit is None else limit
        self._since = time.monotonic()
        try:
            yield
        finally:
            self.spent += time.monotonic() - self._since
            self._since = None

    def step(self, n: int = 1) -> None:
        self.steps -= n
        if self.steps < 0:
            raise GaveUp(f"more than {self.max_steps:,} loop iterations, calls and filters")
        self._ticks += 1
        # The clock is read now and then: a step is a microsecond, the clock a tenth of one.
        if not self._ticks % 32 or n > 1:
            self.check_time()

    def check_time(self) -> None:
        if self._since is not None and self.spent + time.monotonic() - self._since > self.seconds:
            raise GaveUp(f"rendering took longer than {self.seconds:g} seconds")

    def build(self, n: int) -> None:
        self.built -= n
        if self.built < 0:
            raise GaveUp(f"built more than {self.max_built:,} characters and items in all")
        if n > 1_000:
            self.check_time()

    def emit(self, n: int) -> None:
        self.render_output += n
        self.output -= n
        if self.render_output > self.render_limit:
            raise GaveUp(f"output larger than {self.render_limit:,} characters")
        if self.output < 0:
            raise GaveUp(f"the renderings together are larger than {self.max_output:,} characters")

    def room(self) -> int:
        """Characters this rendering may still output."""
        return max(0, min(self.render_limit - self.render_output, self.output))

    def spare(self) -> Budget:
        """A fresh budget for bookkeeping renders (the line-marked one) that takes its time from
        this one, so that a failing bookkeeping render cannot make the template give up."""
        return Budget(
            output=3 * self.max_render_output,
            render_output=3 * self.max_render_output,
            seconds=max(0.0, self.seconds - self.spent),
        )


def _context_budget() -> Budget:
    return Budget(output=MAX_CONTEXT_CHARS, render_output=MAX_DEFAULT_CHARS)


def find_template_root(path: str | Path) -> Path | None:
    """The cookiecutter template folder of ``path``, or None when it is not in one.

    A file is in template mode when one of its ancestor folders is named like
    ``{{cookiecutter.project_slug}}``. The root is the nearest folder above the innermost such
    folder that holds a ``cookiecutter.json``; when there is none, it is the parent of the
    outermost such folder, without a ``cookiecutter.json`` (the caller then has no defaults, and
    rendering reports the undefined variables).
    """
    p = Path(path).absolute()
    templated = [a for a in p.parents if _TEMPLATE_DIR.search(a.name)]
    if not templated:
        return None
    for folder in templated[0].parents:
        if (folder / "cookiecutter.json").is_file():
            return folder
    return templated[-1].parent


def load_context(cookiecutter_json_text: str, budget: Budget | None = None) -> dict[str, Any]:
    """The ``cookiecutter`` values with their defaults, as ``cookiecutter --no-input`` sees them.

    Mirrors cookiecutter's ``prompt_for_config``: keys in order; each string default rendered with
    the values so far; other scalars turned into strings and rendered (cookiecutter does the same);
    booleans kept; a list is a choice whose value is its first item, rendered; ``_private`` keys
    kept unrendered, ``__dunder`` keys rendered; dicts rendered in a second pass. Raises
    ``ContextError`` with the key whose default does not render, and for a file past the bounds
    (``MAX_CONTEXT_BYTES``, ``MAX_CONTEXT_DEPTH``, ``MAX_DEFAULT_CHARS``, ``MAX_CONTEXT_CHARS``).
    """
    text = cookiecutter_json_text
    if len(text) > MAX_CONTEXT_BYTES:
        raise ContextError(f"cookiecutter.json is larger than {MAX_CONTEXT_BYTES:,} characters")
    if _json_depth(text) > MAX_CONTEXT_DEPTH:
        raise ContextError(f"cookiecutter.json is nested deeper than {MAX_CONTEXT_DEPTH} levels")
    try:
        raw = json.loads(text)
    except RecursionError:  # the depth count above is an estimate on text that may not parse
        raise ContextError(
            f"cookiecutter.json is nested deeper than {MAX_CONTEXT_DEPTH} levels"
        ) from None
    except ValueError as exc:
        raise ContextError(f"cookiecutter.json is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ContextError("cookiecutter.json is not a JSON object")
    return _resolve(raw, {}, _context_budget() if budget is None else budget)


# A JSON string, so that brackets inside strings are not counted; an unterminated one matches
# nothing, and the text then fails to parse anyway.
_JSON_STRING = LazyPattern(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = LazyPattern(r"[\[\]{}]")


def _json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text``, without parsing it."""
    depth = deepest = 0
    for m in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        if m.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _resolve(raw: Mapping[str, Any], overrides: Mapping[str, Any], budget: Budget) -> _Context:
    env = _environment(raw, budget)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "__prompts__" or (key.startswith("_") and not key.startswith("__")):
            values[key] = value
            continue
        if isinstance(value, dict):
            continue
        if key in overrides:
            values[key] = overrides[key]
        elif isinstance(value, bool):
            values[key] = value
        elif isinstance(value, list):
            values[key] = _render_value(env, key, value[0], values, budget) if value else ""
        else:
            values[key] = _render_value(env, key, value, values, budget)
    for key, value in raw.items():
        if isinstance(value, dict) and key != "__prompts__" and not _is_private(key):
            values[key] = (
                overrides[key]
                if key in overrides
                else _render_value(env, key, value, values, budget)
            )
    # Dicts were filled in after the scalars; give them back their place in the file.
    ordered = {key: values[key] for key in raw if key in values}
    return _Context(ordered, raw)


def _is_private(key: str) -> bool:
    return key.startswith("_") and not key.startswith("__")


class _Context(dict[str, Any]):
    """A resolved context that remembers its ``cookiecutter.json``, so variants re-derive defaults.

    Choosing ``use_fathom=n`` must also change any later default computed from ``use_fathom``, as
    it would if a user typed ``n`` at cookiecutter's prompt.
    """

    def __init__(self, values: Mapping[str, Any], raw: Mapping[str, Any]) -> None:
        super().__init__(values)
        self.raw = raw


def _render_value(
    env: SandboxedEnvironment, key: str, value: Any, values: dict[str, Any], budget: Budget
) -> Any:
    from jinja2 import TemplateError

    def walk(v: Any) -> Any:
        if v is None or isinstance(v, bool):
            return v
        if isinstance(v, dict):
            return {walk(k): walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        text = str(v)
        # Text without a Jinja delimiter or a carriage return (which Jinja turns into a newline)
        # renders as itself: skip compiling it, for the hundreds of plain defaults in a large file.
        if "{" not in text and "\r" not in text:
            return text
        with budget.running(MAX_DEFAULT_CHARS):
            return _compiled(env, text, budget).render(cookiecutter=values)

    try:
        return walk(value)
    except GaveUp as exc:
        raise ContextError(f"default of {key!r} gave up: {exc}") from None
    except RecursionError:
        raise ContextError(f"default of {key!r} gave up: nested or recursive too deeply") from None
    except MemoryError:
        raise ContextError(f"default of {key!r} gave up: out of memory") from None
    except (TemplateError, ArithmeticError, TypeError, ValueError) as exc:
        raise ContextError(f"default of {key!r} does not render: {exc}") from None


def _compiled(env: SandboxedEnvironment, text: str, budget: Budget) -> Template:
    """``env.from_string(text)``, compiled once per budget (variants render the same defaults)."""
    key = (text, _options_key(env), False)
    found = budget.templates.get(key)
    if found is None or isinstance(found, RenderError):
        budget.step(_COMPILE_STEPS + len(text) // _COMPILE_CHARS_PER_STEP)
        found = env.from_string(text)
        budget.templates[key] = found
    return found


def _choices(context: Mapping[str, Any]) -> list[tuple[str, list[Any]]]:
    """The y/n choices of ``context``: each key with its values, the default first."""
    raw = getattr(context, "raw", None)
    found: list[tuple[str, list[Any]]] = []
    for key, value in context.items():
        if key.startswith("_"):
            continue
        if isinstance(value, bool):
            found.append((key, [value, not value]))
            continue
        if not isinstance(value, str):
            continue
        declared = raw.get(key) if isinstance(raw, Mapping) else None
        if isinstance(declared, list):
            options = [str(o) for o in declared]
            if options and all(o.lower() in _YES_NO for o in options):
                found.append((key, [value, *[o for o in options if o != value]]))
        elif value.lower() in _YES_NO:
            other = _YES_NO[value.lower()]
            found.append((key, [value, other.upper() if value.isupper() else other]))
    return found


@record
class VariantPlan:
    """The variants to render (``chosen``), out of ``total``; ``dropped`` names those left out
    that could change the file (empty unless there were more than the limit)."""

    chosen: list[tuple[str, dict[str, Any]]]
    total: int
    dropped: list[str]


# The defaults variant is named after this many choices at most: its name goes into messages.
_NAMED_DEFAULTS = 16


def variants(
    context: Mapping[str, Any], limit: int = MAX_VARIANTS
) -> list[tuple[str, dict[str, Any]]]:
    """The contexts to lint a template with: the defaults, then each y/n choice flipped alone.

    Issue 3 asks for a render "once per value of every y/n choice". That is one render per
    (choice, value) pair, not the cartesian product: every value of every choice is linted, which
    is what finds a line that only one value produces, and the count stays linear (cookiecutter-
    django has a dozen y/n choices: 13 renders instead of 4096). What this misses is a line that
    only a *combination* of non-default values produces (``{% if a == "n" and b == "n" %}``).

    The first variant is the defaults, named after the defaults of all choices
    (``use_fathom=y, continuous_deployment=n``, or ``defaults`` when there are none; after 16, ``and
    N more defaults``); the others are
    named ``use_fathom=n``. When ``context`` came from ``load_context``, later defaults that depend
    on the flipped choice are re-derived; otherwise only the choice itself changes.
    A value chosen from a list (``["y", "n"]``) counts as a y/n choice, as do booleans and string
    defaults ``y``/``n``/``yes``/``no``.

    At most ``limit`` variants: the defaults, then the flipped choices in ``cookiecutter.json``
    order (see ``plan_variants``, which also says what was left out).
    """
    return plan_variants(context, limit=limit).chosen


def plan_variants(
    context: Mapping[str, Any], reads: set[str] | None = None, limit: int = MAX_VARIANTS
) -> VariantPlan:
    """``variants``, capped at ``limit``, and what the cap left out.

    Under the cap every variant is kept. Over it, the defaults come first, then the flipped
    choices in ``cookiecutter.json`` order, skipping those that cannot change the file: a choice
    is kept when the file reads it (``reads``, the names from ``template_reads``; None: any name)
    or reads a default derived from it. The ones beyond the cap are named in ``dropped``.
    """
    choices = _choices(context)
    defaults = [f"{key}={_show(values[0])}" for key, values in choices]
    name = ", ".join(defaults[:_NAMED_DEFAULTS]) or "defaults"
    if len(defaults) > _NAMED_DEFAULTS:
        name += f" and {len(defaults) - _NAMED_DEFAULTS:,} more defaults"
    flips = [(key, value) for key, values in choices for value in values[1:]]
    total = 1 + len(flips)
    dropped: list[tuple[str, Any]] = []
    if total > limit:
        relevant = _affecting(context, reads)
        wanted = [f for f in flips if relevant is None or f[0] in relevant]
        flips, dropped = wanted[: max(0, limit - 1)], wanted[max(0, limit - 1) :]
    found: list[tuple[str, dict[str, Any]]] = [(name, dict(context))]
    raw = getattr(context, "raw", None)
    # One budget for all the re-derivations: 63 of them may not each build a megabyte of defaults
    # (past it, a variant keeps the other defaults as they are).
    budget = Budget(output=4 * MAX_CONTEXT_CHARS, render_output=MAX_DEFAULT_CHARS)
    for key, value in flips:
        if isinstance(raw, Mapping):
            try:
                changed: dict[str, Any] = dict(_resolve(raw, {key: value}, budget))
            except ContextError:
                changed = {**context, key: value}
        else:
            changed = {**context, key: value}
        found.append((f"{key}={_show(value)}", changed))
    return VariantPlan(found, total, [f"{key}={_show(value)}" for key, value in dropped])


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ``cookiecutter.name`` or ``cookiecutter['name']``; any other use of the name (``cookiecutter |
# jsonify``, ``cookiecutter[key]``, ``{% set c = cookiecutter %}``) may read every value.
_READ = LazyPattern(
    r"\bcookiecutter\b(?:\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*(?:'([^'\\]*)'|\"([^\"\\]*)\")\s*\]))?"
)


def template_reads(text: str) -> set[str] | None:
    """The ``cookiecutter`` names ``text`` may read, or None when it may read any (an estimate
    from the text that errs towards more names: a name in a comment or a string counts)."""
    names: set[str] = set()
    for m in _READ.finditer(text):
        found = m.group(1) or m.group(2) or m.group(3)
        if not found:
            return None
        names.add(found)
    return names


def _affecting(context: Mapping[str, Any], reads: set[str] | None) -> set[str] | None:
    """The keys whose value can change what a file reading ``reads`` renders; None: any key."""
    if reads is None:
        return None
    raw = getattr(context, "raw", None)
    raw = raw if isinstance(raw, Mapping) else {}
    found: set[str] = set()
    todo = list(reads)
    while todo:
        key = todo.pop()
        if key in found:
            continue
        if key not in context and key not in raw:
            return None  # ``cookiecutter.items``: a method, which reads them all
        found.add(key)
        for text in _strings(raw.get(key)):
            more = template_reads(text)
            if more is None:
                return None
            todo.extend(more)
    return found


def _strings(value: Any) -> Iterator[str]:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, str):
            yield v


def _options(cookiecutter: Mapping[str, Any] | None) -> dict[str, bool]:
    options = {"trim_blocks": False, "lstrip_blocks": False, "keep_trailing_newline": True}
    env_vars = (cookiecutter or {}).get("_jinja2_env_vars")
    if isinstance(env_vars, Mapping):
        options.update({k: bool(env_vars[k]) for k in _ENV_VARS if k in env_vars})
    return options


def _options_key(env: SandboxedEnvironment) -> tuple[bool, ...]:
    return (env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline)


def _environment(
    cookiecutter: Mapping[str, Any] | None = None, budget: Budget | None = None
) -> SandboxedEnvironment:
    """The bounded sandbox for ``cookiecutter``'s ``_jinja2_env_vars``; one per budget and
    options, so that its compiled templates are shared."""
    options = _options(cookiecutter)
    key = tuple(options.values())
    if budget is not None and key in budget.environments:
        return budget.environments[key]
    env = _sandbox_class()(**options)
    _use(env, Budget() if budget is None else budget)
    if budget is not None:
        budget.environments[key] = env
    return env


def _use(env: SandboxedEnvironment, budget: Budget) -> None:
    env.budget = budget  # type: ignore[attr-defined]  # the class is made in _sandbox_class


def _budget_of(env: Any) -> Budget:
    budget: Budget = env.budget
    return budget


def _fits(n: int, value: Any) -> None:
    """Give up when ``value`` (or what is about to be built from it) would be ``n`` long."""
    if n > MAX_STRING:
        what, unit = _kind(value)
        raise GaveUp(f"{what} longer than {MAX_STRING:,} {unit}")


def _kind(value: Any) -> tuple[str, str]:
    if isinstance(value, str):
        return "a string", "characters"
    if isinstance(value, bytes | bytearray):
        return "a byte string", "bytes"
    if isinstance(value, dict):
        return "a dict", "items"
    if isinstance(value, tuple):
        return "a tuple", "items"
    if isinstance(value, list | set | frozenset):
        return "a list", "items"
    return "a value", "characters"


def _int_fits(bits: float) -> None:
    if bits > MAX_INT_BITS:
        raise GaveUp(f"a number larger than {MAX_INT_BITS:,} bits")


def _size(value: Any, limit: int = MAX_STRING, indent: int = 0) -> int:
    """An upper bound on ``len(str(value))``, counted until it passes ``limit``.

    Containers print their items with ``repr``, which may quote and escape each character
    (``'\\x00'`` is four characters, a private-use character ten). A list that holds the same long
    string many times counts it each time, as printing it would. ``indent`` adds what a
    pretty-printer with that indent adds per item at each depth. The walk stops once past
    ``limit``, so it costs at most ``limit`` steps; a list that contains itself counts as too long.
    """
    if isinstance(value, str):
        return len(value)
    from jinja2.utils import Namespace

    total = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack and total <= limit:
        v, depth = stack.pop()
        if isinstance(v, str):
            total += ((4 if v.isascii() else 10) * len(v) + 2) if depth else len(v)
        elif isinstance(v, bytes | bytearray):
            total += 4 * len(v) + 3
        elif v is None or isinstance(v, bool):
            total += 5
        elif isinstance(v, int):
            total += v.bit_length() // 3 + 2
        elif isinstance(v, float):
            total += 25
        elif isinstance(v, range):
            total += 40
        elif isinstance(v, Namespace):
            total += 12
            stack.append((object.__getattribute__(v, "_Namespace__attrs"), depth))
        elif isinstance(v, dict | list | tuple | set | frozenset) or type(v).__name__ in _VIEWS:
            total += 2 + (4 + (indent * (depth + 1) + 1 if indent else 0)) * max(len(v), 1)
            if total > limit:
                break
            if isinstance(v, dict):
                stack.extend((part, depth + 1) for pair in v.items() for part in pair)
            else:
                stack.extend((x, depth + 1) for x in v)
        else:
            total += 200  # a Jinja object (loop, cycler, macro, generator): its repr is short
    return total


_VIEWS = frozenset({"dict_keys", "dict_values", "dict_items"})


def _percent_size(fmt: str | bytes, args: Any) -> int:
    """An upper bound on the length of ``fmt % args``, reading ``fmt`` as Python does.

    Widths and precisions (``%1000000000s``, ``%*s`` with the width an argument) count in full,
    and every argument a conversion uses counts its printed size; past ``MAX_STRING`` the count
    stops.
    """
    text = fmt.decode("latin-1") if isinstance(fmt, bytes) else fmt
    positional = args if isinstance(args, tuple) else (args,)
    mapping = args if isinstance(args, Mapping) else None
    total = len(text)
    used = 0
    i = text.find("%")
    n = len(text)
    while 0 <= i < n and total <= MAX_STRING:
        i += 1
        key = None
        if i < n and text[i] == "(":
            depth, start = 1, i + 1
            i += 1
            while i < n and depth:
                depth += {"(": 1, ")": -1}.get(text[i], 0)
                i += 1
            key = text[start : i - 1]
        while i < n and text[i] in "-+ #0":
            i += 1
        for part in ("width", "precision"):
            if part == "precision":
                if i >= n or text[i] != ".":
                    break
                i += 1
            if i < n and text[i] == "*":
                i += 1
                width = positional[used] if used < len(positional) else 0
                used += 1
                total += abs(width) if isinstance(width, int) else 0
            else:
                start = i
                while i < n and text[i].isdigit():
                    i += 1
                if i - start > 9:
                    raise GaveUp(f"a format width larger than {MAX_STRING:,}")
                total += int(text[start:i] or 0)
        while i < n and text[i] in "hlL":
            i += 1
        conversion = text[i] if i < n else ""
        i += 1
        if conversion != "%":
            if key is not None and mapping is not None:
                try:
                    arg = mapping[key]
                except Exception:  # the % operator reports it
                    arg = None
            else:
                arg = positional[used] if used < len(positional) else None
                used += 1
            total += _size(arg, MAX_STRING, 0) + (330 if conversion in "eEfFgG" else 0)
        i = text.find("%", i)
    return total


def _spec_size(spec: str) -> int:
    """What a format spec (``>1000``, ``.500f``) may add to a value's length."""
    total = 0
    for digits in re.findall(r"\d+", spec):
        if len(digits) > 9:
            raise GaveUp(f"a format width larger than {MAX_STRING:,}")
        total += int(digits)
    return total


def _check_result(result: Any, budget: Budget) -> None:
    if isinstance(result, str | bytes | bytearray | list | tuple | dict | set | frozenset):
        n = len(result)
        _fits(n, result)
        budget.build(n)
    elif isinstance(result, int) and not isinstance(result, bool):
        _int_fits(result.bit_length())


def _check_binop(operator: str, left: Any, right: Any) -> None:
    sequences = (str, bytes, list, tuple)
    if operator == "*":
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, sequences) and isinstance(n, int):
                _fits(len(seq) * n, seq)
                return
        if isinstance(left, int) and isinstance(right, int):
            _int_fits(abs(left).bit_length() + abs(right).bit_length())
    elif operator == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            _int_fits(right if right > MAX_INT_BITS else right * math.log2(abs(left)))
    elif operator == "+":
        if isinstance(left, sequences) and isinstance(right, sequences):
            _fits(len(left) + len(right), left)
    elif operator == "%" and isinstance(left, str | bytes):
        _fits(_percent_size(left, right), left)


def _arg(args: tuple[Any, ...], kwargs: Mapping[str, Any], i: int, name: str, default: Any) -> Any:
    if len(args) > i:
        return args[i]
    return kwargs.get(name, default)


def _width(value: Any) -> int:
    if isinstance(value, int):
        return abs(value)
    if isinstance(value, str):
        return len(value)
    return 0


def _text_method_args(
    owner: str | bytes, name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> tuple[Any, ...]:
    """Check a call of a ``str`` or ``bytes`` method that may build more than it is given; the
    arguments to call it with (``join`` gets its items as a list, counted once)."""
    n = len(owner)
    if name in ("center", "ljust", "rjust", "zfill"):
        _fits(max(n, _width(_arg(args, kwargs, 0, "width", 0))), owner)
    elif name == "expandtabs":
        _fits(n * max(1, _width(_arg(args, kwargs, 0, "tabsize", 8))), owner)
    elif name == "replace":
        new = _arg(args, kwargs, 1, "new", "")
        count = _arg(args, kwargs, 2, "count", -1)
        grow = (n + 1) if not isinstance(count, int) or count < 0 else min(count, n + 1)
        _fits(n + grow * _width(new if isinstance(new, str | bytes) else ""), owner)
    elif name == "join" and args:
        items = list(args[0])
        _fits(
            n * len(items) + sum(len(x) for x in items if isinstance(x, str | bytes)),
            owner,
        )
        return (items, *args[1:])
    elif name == "translate" and isinstance(owner, str) and args:
        table = args[0]
        if not isinstance(table, dict):
            raise GaveUp("str.translate with a table that is not a dict")
        widest = max((len(v) for v in table.values() if isinstance(v, str)), default=1)
        _fits(n * max(1, widest), owner)
    return args


# List and dict methods that keep what they are given: the only way a template can keep a value
# from one loop iteration to the next, so what they keep counts as built.
_KEEPING = frozenset({"append", "extend", "insert", "update", "setdefault"})


def _receiver(obj: Any, args: tuple[Any, ...]) -> tuple[Any, str, tuple[Any, ...], bool]:
    """For a call of a built-in method: the object it works on, its name, its other arguments,
    and whether it was called unbound (``dict.update(d, x)``, through the ``dict`` global)."""
    if isinstance(obj, BuiltinMethodType):
        return getattr(obj, "__self__", None), obj.__name__, args, False
    if isinstance(obj, MethodDescriptorType) and args:
        return args[0], obj.__name__, args[1:], True
    return None, "", args, False


def _check_call(obj: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any], budget: Budget) -> Any:
    """Check a call of a built-in method that may build more than it is given, before it runs;
    the arguments to call it with."""
    owner, name, rest, unbound = _receiver(obj, args)
    if isinstance(owner, str | bytes):
        rest = _text_method_args(owner, name, rest, kwargs)
        return (owner, *rest) if unbound else rest
    if isinstance(owner, int) and name == "to_bytes":
        _fits(_width(_arg(rest, kwargs, 0, "length", 1)), b"")
    elif isinstance(owner, list | dict) and name in _KEEPING:
        budget.build(sum(_size(a) for a in (*rest, *kwargs.values())))
    return args


def _check_filter(name: str, value: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Check a filter that may build more than it is given, before it runs."""
    if name in _STRUCTURAL:
        if name in ("batch", "slice"):
            count = _arg(args, kwargs, 0, "linecount" if name == "batch" else "slices", 1)
            if isinstance(count, int) and abs(count) > MAX_RANGE:
                raise GaveUp(f"{name} into more than {MAX_RANGE:,} parts")
        return
    size = _size(value)
    _fits(size, "")  # the filter makes a string of it
    if name == "center":
        estimate = max(size, _width(_arg(args, kwargs, 0, "width", 80)))
    elif name == "indent":
        lines = value.count("\n") + 1 if isinstance(value, str) else size
        estimate = size + lines * _width(_arg(args, kwargs, 0, "width", 4))
    elif name == "wordwrap":
        estimate = size * (1 + _width(_arg(args, kwargs, 2, "wrapstring", "\n") or "\n"))
    elif name == "truncate":
        estimate = size + _width(_arg(args, kwargs, 2, "end", "..."))
    elif name == "replace":
        new = _arg(args, kwargs, 1, "new", "")
        estimate = size + (size + 1) * _width(new if isinstance(new, str) else "")
    elif name == "format":
        estimate = _percent_size(value if isinstance(value, str) else str(value), kwargs or args)
    elif name in ("tojson", "jsonify", "pprint"):
        indent = _width(_arg(args, kwargs, 0, "indent", 4 if name == "jsonify" else 1))
        estimate = _size(value, MAX_STRING, max(1, indent))
    elif name in ("urlencode", "urlize", "escape", "e", "forceescape", "xmlattr"):
        estimate = 12 * size  # ``%F0%9F%98%80`` for one character
    else:
        estimate = 3 * size  # case changes: ``ß`` upper-cased is ``SS``
    _fits(estimate, "")


# Filters whose result is no larger than what they are given, in items or characters; the others
# turn their value into a string first, which is what ``_size`` bounds.
_STRUCTURAL = frozenset(
    {
        "abs", "attr", "batch", "count", "d", "default", "dictsort", "first", "float",
        "groupby", "int", "items", "join", "last", "length", "list", "map", "max", "min",
        "random", "reject", "rejectattr", "reverse", "round", "select", "selectattr", "slice",
        "sort", "sum", "unique", "filesizeformat", "wordcount",
    }
)  # fmt: skip


def _join(value: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[Any, ...]:
    """``join``'s items as a list, checked: the separator counts once per item."""
    items = list(value)
    separator = _arg(args, kwargs, 0, "d", "")
    total = len(items) * _width(separator if isinstance(separator, str) else "")
    for item in items:
        total += _size(item, MAX_STRING - total)
        _fits(total, "")
    return (items, *args)


def _sum(environment: Any, iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
    """Jinja's ``sum``, linear for lists: ``sum(lists, [])`` copies the growing list per item."""
    from jinja2.filters import make_attrgetter

    items = list(iterable)
    if attribute is not None:
        items = [make_attrgetter(environment, attribute)(x) for x in items]
    if isinstance(start, list | tuple) and all(type(x) is type(start) for x in items):
        _fits(len(start) + sum(len(x) for x in items), start)
        joined: list[Any] = list(start)
        for x in items:
            joined.extend(x)
        return type(start)(joined)
    return sum(items, start)


def _counted(budget: Budget, items: Iterator[Any]) -> Iterator[Any]:
    """A lazy filter's items, each counted as a step (``range(100000) | map('string')`` in a
    loop is evaluated item by item, inside ``join`` or ``list``)."""
    for item in items:
        budget.step()
        yield item


def _bounded_filter(env: SandboxedEnvironment, name: str, func: Callable[..., Any]) -> Any:
    takes_first = getattr(func, "jinja_pass_arg", None) is not None
    if name == "sum":
        # Jinja's marks (``pass_environment``) are attributes: copy them onto the replacement.
        func = functools.update_wrapper(functools.partial(_sum), func)

    @functools.wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        budget = _budget_of(env)
        budget.step()
        lead, rest = (args[:1], args[1:]) if takes_first else ((), args)
        if rest:
            value, more = rest[0], rest[1:]
            if name == "join":
                more = _join(value, more, kwargs)
                value, more = more[0], more[1:]
            _check_filter(name, value, more, kwargs)
            args = (*lead, value, *more)
        result = func(*args, **kwargs)
        if isinstance(result, GeneratorType):
            return _counted(budget, result)
        _check_result(result, budget)
        return result

    return bounded


def _bounded_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise GaveUp(f"a range longer than {MAX_RANGE:,}")
    return rng


def _bounded_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    from jinja2.utils import generate_lorem_ipsum

    if not all(isinstance(v, int) for v in (n, min, max)) or n * max > MAX_RANGE:
        raise GaveUp(f"lipsum of more than {MAX_RANGE:,} words")
    return generate_lorem_ipsum(n, html, min, max)


@functools.cache
def _sandbox_class() -> type[SandboxedEnvironment]:
    """The bounded sandbox, made on first use so that jinja2 is imported only then."""
    from jinja2 import StrictUndefined, nodes, pass_context
    from jinja2.runtime import markup_join, str_join
    from jinja2.sandbox import SandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter
    from jinja2.visitor import NodeTransformer
    from markupsafe import Markup

    def field(formatter: Any, value: Any, spec: str) -> None:
        formatter.total += (
            _size(value) + _spec_size(spec) + (330 if isinstance(value, float) else 0)
        )
        _fits(formatter.total, "")

    def conversion(value: Any, how: str | None) -> None:
        if how in ("r", "a"):
            _fits(_size([value]), "")

    class Counting:
        """Checks each field of ``str.format`` before Jinja's formatter (the next base) makes
        it; the plain and the escaping formatter count alike."""

        total = 0

        def convert_field(self, value: Any, conversion_: str | None) -> Any:
            conversion(value, conversion_)
            return super().convert_field(value, conversion_)  # type: ignore[misc]

        def format_field(self, value: Any, format_spec: str) -> Any:
            field(self, value, format_spec)
            return super().format_field(value, format_spec)  # type: ignore[misc]

    class Formatter(Counting, SandboxedFormatter):
        pass

    class EscapeFormatter(Counting, SandboxedEscapeFormatter):
        pass

    class Bound(NodeTransformer):
        """Adds the counting to a parsed template, as filters that templates cannot name (a
        filter name has no colon): a step at the top of each loop body and in each loop test,
        the length of each piece of literal text before it is output, ``~`` through a filter
        that checks the size of what it joins, and the items of each literal list, dict and
        tuple, and of each slice, counted as built."""

        def visit_For(self, node: nodes.For) -> nodes.Node:
            self.generic_visit(node)
            node.body.insert(0, _hook("dl:step", nodes.Const(1), node.lineno))
            if node.test is not None:
                # Items the ``if`` skips never reach the body: count them in the test (the
                # step is true, so ``step and test`` is the test).
                counted = nodes.Filter(nodes.Const(1), "dl:step", [], [], None, None)
                node.test = nodes.And(counted, node.test, lineno=node.lineno)
            return node

        def visit_Output(self, node: nodes.Output) -> nodes.Node | list[nodes.Node]:
            self.generic_visit(node)
            n = sum(len(c.data) for c in node.nodes if isinstance(c, nodes.TemplateData))
            return [_hook("dl:output", nodes.Const(n), node.lineno), node] if n else node

        def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
            self.generic_visit(node)
            first, *rest = node.nodes
            return nodes.Filter(first, "dl:concat", rest, [], None, None, lineno=node.lineno)

        # A literal list or dict is built anew each time it is evaluated, and can be kept from
        # one iteration to the next without a call (``{% set ns.v = {'next': ns.v, ...} %}``):
        # count its items as built.
        def visit_List(self, node: nodes.List) -> nodes.Node:
            return self._built(node)

        def visit_Dict(self, node: nodes.Dict) -> nodes.Node:
            return self._built(node)

        def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:
            return self._built(node) if node.ctx == "load" else self.generic_visit(node)

        def visit_Getitem(self, node: nodes.Getitem) -> nodes.Node:
            # ``x[:]`` is a copy, and Jinja slices without calling the sandbox.
            return (
                self._built(node) if isinstance(node.arg, nodes.Slice) else self.generic_visit(node)
            )

        def _built(self, node: nodes.Expr) -> nodes.Node:
            self.generic_visit(node)
            return nodes.Filter(node, "dl:built", [], [], None, None, lineno=node.lineno)

    def _hook(name: str, arg: nodes.Expr, lineno: int) -> nodes.Stmt:
        call = nodes.Filter(arg, name, [], [], None, None, lineno=lineno)
        return nodes.ExprStmt(call, lineno=lineno)

    @pass_context
    def step(context: Context, n: int) -> bool:
        _budget_of(context.environment).step(n)
        return True

    @pass_context
    def output(context: Context, n: int) -> None:
        _budget_of(context.environment).emit(n)

    @pass_context
    def built(context: Context, value: Any) -> Any:
        _check_result(value, _budget_of(context.environment))
        return value

    @pass_context
    def concat(context: Context, *values: Any) -> str:
        total = 0
        for v in values:
            total += _size(v, MAX_STRING - total)
            _fits(total, "")
        _budget_of(context.environment).build(total)
        joined: str = (markup_join if context.eval_ctx.autoescape else str_join)(values)
        return joined

    @pass_context
    def finalize(context: Context, value: Any) -> Any:
        budget = _budget_of(context.environment)
        if isinstance(value, str):
            budget.emit(len(value))
            return value
        room = budget.room()
        if _size(value, room) > room:
            budget.emit(room + 1)
        text = str(value)
        budget.emit(len(text))
        return text

    class Sandbox(SandboxedEnvironment):
        """``SandboxedEnvironment`` with the bounds of this module (``budget`` is set by
        ``_environment``)."""

        intercepted_binops = frozenset({"+", "*", "**", "%"})

        def __init__(self, **options: Any) -> None:
            super().__init__(
                undefined=StrictUndefined, autoescape=False, finalize=finalize, **options
            )
            self.budget = Budget()
            self.filters.update(
                {name: _bounded_filter(self, name, f) for name, f in self.filters.items()}
            )
            # Stand-ins for cookiecutter's default extensions. Random and time values are made
            # deterministic so that two runs give the same findings; ``{% now %}`` (TimeExtension)
            # is not provided and renders as an unknown-tag error.
            self.filters["jsonify"] = _bounded_filter(self, "jsonify", _jsonify)
            self.filters["slugify"] = _bounded_filter(self, "slugify", _slugify)
            self.filters["dl:step"] = step
            self.filters["dl:output"] = output
            self.filters["dl:concat"] = concat
            self.filters["dl:built"] = built
            self.globals["random_ascii_string"] = _random_ascii_string
            self.globals["uuid4"] = _uuid4
            self.globals["range"] = _bounded_range
            self.globals["lipsum"] = _bounded_lipsum

        def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
            tree = super()._parse(source, name, filename)
            Bound().visit(tree)
            tree.set_environment(self)
            return tree

        def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
            self.budget.step()
            _check_binop(operator, left, right)
            result = super().call_binop(context, operator, left, right)
            _check_result(result, self.budget)
            return result

        def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
            self.budget.step()
            args = _check_call(obj, args, kwargs, self.budget)
            result = super().call(context, obj, *args, **kwargs)
            _check_result(result, self.budget)
            owner = _receiver(obj, args)[0]
            if isinstance(owner, list | dict):
                _fits(len(owner), owner)
            return result

        def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
            # Jinja's own, with formatters that count what each field adds.
            if not isinstance(value, MethodType | BuiltinMethodType) or value.__name__ not in (
                "format",
                "format_map",
            ):
                return None
            f_self: Any = value.__self__
            if not isinstance(f_self, str):
                return None
            str_type: type[str] = type(f_self)
            is_format_map = value.__name__ == "format_map"
            budget = self.budget

            def wrapper(*args: Any, **kwargs: Any) -> str:
                formatter: Formatter | EscapeFormatter
                if isinstance(f_self, Markup):
                    formatter = EscapeFormatter(self, escape=f_self.escape)
                else:
                    formatter = Formatter(self)
                if is_format_map:
                    if kwargs:
                        raise TypeError("format_map() takes no keyword arguments")
                    if len(args) != 1:
                        raise TypeError(
                            f"format_map() takes exactly one argument ({len(args)} given)"
                        )
                    kwargs = args[0]
                    args = ()
                budget.step()
                result = str_type(formatter.vformat(f_self, args, kwargs))
                budget.build(len(result))
                return result

            return functools.update_wrapper(wrapper, value)

    return Sandbox


def _jsonify(obj: Any, indent: int = 4) -> str:
    return json.dumps(obj, sort_keys=True, indent=indent)


def _slugify(value: Any, separator: str = "-", lowercase: bool = True, **_: Any) -> str:
    """python-slugify's common case: ASCII-fold, drop punctuation, join words with ``separator``."""
    import unicodedata

    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode("ascii")
    text = text.replace("'", "")
    if lowercase:
        text = text.lower()
    words = re.split(r"[^A-Za-z0-9]+", text)
    return separator.join(w for w in words if w)


def _random_ascii_string(length: int, punctuation: bool = False) -> str:
    n = max(0, int(length))
    _fits(n, "")
    return "x" * n


def _uuid4() -> str:
    return "00000000-0000-4000-8000-000000000000"


def render(
    template_text: str, context: Mapping[str, Any], budget: Budget | None = None
) -> Rendered | RenderError:
    """Render ``template_text`` with ``{"cookiecutter": context}``, mapping lines back.

    Returns a ``RenderError`` (never raises) for syntax errors, undefined variables, sandbox
    refusals, errors inside filters, and templates that pass a bound (``gave_up``). ``budget`` is
    what the rendering may spend; pass the same one to every variant of a template (a fresh one
    otherwise). Output lines end in ``\\n`` whatever the template used, as Jinja normalises them
    (cookiecutter restores the template's line ending when it writes).

    The line map: Jinja keeps no source map, but its parser records the template line of every
    piece of literal text and every ``{{ }}``, after whitespace control (``-%}``, ``{%-``,
    ``trim_blocks``) has been applied. A second render of the parsed tree, in which each piece of
    text carries an invisible private-use marker for its line at its start and after each newline
    and each expression is preceded by a marker for its own line, tells for every rendered
    character which template line produced it; a loop body produces its markers on each pass, so
    its lines map to the body. Block tags output nothing and get no line. If the marked render,
    markers removed, differs from the plain one (a filter such as ``length`` or ``trim`` applied to
    a captured ``{% set %}`` block sees the markers), the lines are aligned with ``difflib`` and
    ``exact`` is false.
    """
    from jinja2 import TemplateError, TemplateSyntaxError

    if len(template_text) > MAX_TEMPLATE_CHARS:
        return RenderError(
            f"template gave up: the template is larger than {MAX_TEMPLATE_CHARS:,} characters",
            gave_up=True,
        )
    budget = Budget() if budget is None else budget
    # ``_jinja2_env_vars`` is a private key, kept in the context as cookiecutter keeps it.
    env = _environment(context, budget)
    key = (template_text, _options_key(env), False)
    variables = {"cookiecutter": dict(context)}
    try:
        with budget.running():
            compiled = budget.templates.get(key)
            if compiled is None:
                try:
                    budget.step(_COMPILE_STEPS + len(template_text) // _COMPILE_CHARS_PER_STEP)
                    compiled = env.from_string(template_text)
                except TemplateSyntaxError as exc:
                    compiled = RenderError(f"template syntax error: {exc.message}", exc.lineno)
                budget.templates[key] = compiled
            if isinstance(compiled, RenderError):
                return compiled
            text = compiled.render(variables)
    except GaveUp as exc:
        return RenderError(f"template gave up: {exc}", _template_line(exc), gave_up=True)
    except RecursionError as exc:
        message = "template gave up: nested or recursive too deeply"
        return RenderError(message, _template_line(exc), gave_up=True)
    except MemoryError as exc:
        return RenderError("template gave up: out of memory", _template_line(exc), gave_up=True)
    except TemplateSyntaxError as exc:
        return RenderError(f"template syntax error: {exc.message}", exc.lineno)
    except TemplateError as exc:
        return RenderError(_describe(exc), _template_line(exc))
    # Anything a sandboxed template can raise (ZeroDivisionError from ``1/0``, TypeError from a
    # filter) is the template's error, not ours.
    except Exception as exc:
        return RenderError(_describe(exc), _template_line(exc))
    line_map = _marked_line_map(template_text, env, variables, budget, text)
    if line_map is not None:
        return Rendered(text, line_map)
    return Rendered(text, _aligned_map(template_text, text), exact=False)


def _marked_line_map(
    template_text: str,
    env: SandboxedEnvironment,
    variables: dict[str, Any],
    budget: Budget,
    text: str,
) -> tuple[int, ...] | None:
    """The exact line map from the marked render (see ``render``); None when it cannot be had."""
    key = (template_text, _options_key(env), True)
    spare = budget.spare()
    try:
        with spare.running():
            _use(env, spare)
            if key not in budget.templates:
                budget.templates[key] = None  # should it fail, for the next variants too
                tree = env.parse(template_text)
                if _mark(tree):
                    budget.templates[key] = env.from_string(tree)
            marked_template = budget.templates[key]
            if marked_template is None or isinstance(marked_template, RenderError):
                return None
            marked = marked_template.render(variables)
        plain, offsets, lines = _unmark(marked)
        if plain != text:
            return None
        starts = LineIndex.build(text).starts
        return tuple(lines[bisect.bisect_right(offsets, s) - 1] for s in starts)
    # Whatever goes wrong with the marked render, the plain text stands and the map is aligned.
    except Exception:
        return None
    finally:
        _use(env, budget)
        budget.spent += spare.spent


def _describe(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return f"{type(exc).__name__}: {message}"


def _template_line(exc: BaseException) -> int:
    # Jinja rewrites tracebacks so that template frames carry the template's own line numbers.
    line = 0
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _marker(line: int) -> str:
    return chr(_MARK_BASE + line)


def _mark(tree: nodes.Template) -> bool:
    """Put line markers into the literal text of ``tree``; false when lines run past the markers."""
    from jinja2 import nodes

    outputs = list(tree.find_all(nodes.Output))
    for output in outputs:
        marked: list[nodes.Expr] = []
        for child in output.nodes:
            if child.lineno > _MARK_LIMIT or child.lineno < 1:
                return False
            if isinstance(child, nodes.TemplateData):
                pieces = child.data.split("\n")
                last = child.lineno + len(pieces) - 1
                if last > _MARK_LIMIT:
                    return False
                data = _marker(child.lineno) + pieces[0]
                for i, piece in enumerate(pieces[1:], 1):
                    data += "\n" + _marker(child.lineno + i) + piece
                child.data = data
                marked.append(child)
            else:
                marked.append(nodes.TemplateData(_marker(child.lineno), lineno=child.lineno))
                marked.append(child)
        output.nodes = marked
    return True


def _unmark(marked: str) -> tuple[str, list[int], list[int]]:
    """The text without markers; and, sorted, the offsets in it where a marker stood, with the
    line of that marker (line 1 before the first one).

    The template line of a character is that of the last marker at or before its offset; the end
    of the text belongs to the last marker seen, for a final empty line.
    """
    pieces: list[str] = []
    offsets = [0]
    lines = [1]
    position = last = 0
    for m in _MARKERS.finditer(marked):
        piece = marked[last : m.start()]
        pieces.append(piece)
        position += len(piece)
        offsets.append(position)
        lines.append(ord(m.group()) - _MARK_BASE)
        last = m.end()
    pieces.append(marked[last:])
    return "".join(pieces), offsets, lines


def _aligned_map(template_text: str, text: str) -> tuple[int, ...]:
    """A guess: rendered lines matched to identical template lines, the others to the last match."""
    template_lines = template_text.splitlines()
    rendered_lines = [text[s:e] for s, e in _line_bounds(text)]
    mapping: list[int] = [0] * len(rendered_lines)
    if len(template_lines) * len(rendered_lines) <= MAX_ALIGN_CELLS:
        import difflib  # only a render that moved lines pays for it

        matcher = difflib.SequenceMatcher(None, template_lines, rendered_lines, autojunk=False)
        for block in matcher.get_matching_blocks():
            for k in range(block.size):
                mapping[block.b + k] = block.a + k + 1
    else:
        # Too many lines for difflib: match each rendered line to the next identical template
        # line at or after the previous match, as a loop body renders its lines in order.
        where: dict[str, list[int]] = {}
        for number, template_line in enumerate(template_lines, 1):
            where.setdefault(template_line, []).append(number)
        previous = 0
        for i, rendered_line in enumerate(rendered_lines):
            candidates = where.get(rendered_line)
            if candidates:
                k = bisect.bisect_left(candidates, previous)
                previous = candidates[k] if k < len(candidates) else candidates[0]
                mapping[i] = previous
    previous = 1
    for i, line in enumerate(mapping):
        if line == 0:
            mapping[i] = previous
        else:
            previous = line
    return tuple(mapping)


def _line_bounds(text: str) -> list[tuple[int, int]]:
    index = LineIndex.build(text)
    ends = [*index.starts[1:], len(text)]
    return [(s, e - _break_length(text, e)) for s, e in zip(index.starts, ends, strict=True)]


def _break_length(text: str, end: int) -> int:
    if text[end - 2 : end] == "\r\n":
        return 2
    return 1 if text[end - 1 : end] in ("\n", "\r") else 0


def placeholders(text: str) -> list[Span]:
    """Spans of unrendered Jinja: ``{{ … }}``, ``{% … %}`` and ``{# … #}``, delimiters included.

    Any Jinja-delimited text counts, including Go templates such as ``docker inspect --format
    '{{.State}}'``; DJ049 decides which ones are cookiecutter's by their content.
    """
    return [Span(m.start(), m.end()) for m in _PLACEHOLDER.finditer(text)]


def referenced(template_text: str) -> set[str]:
    """The ``cookiecutter.NAME`` / ``cookiecutter["NAME"]`` names a template reads; empty if it
    does not parse. A caller can skip variants that flip a choice the file never reads (after
    checking that no default it reads is derived from that choice)."""
    from jinja2 import TemplateSyntaxError, nodes

    if len(template_text) > MAX_TEMPLATE_CHARS:
        return set()
    try:
        tree = _environment().parse(template_text)
    except (TemplateSyntaxError, RecursionError):
        return set()
    names: set[str] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getattr) and _is_cookiecutter(node.node):
            names.add(node.attr)
        elif (
            isinstance(node, nodes.Getitem)
            and _is_cookiecutter(node.node)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
        ):
            names.add(node.arg.value)
    return names


def _is_cookiecutter(node: nodes.Node) -> bool:
    from jinja2 import nodes

    return isinstance(node, nodes.Name) and node.name == "cookiecutter"
