"""Template mode: render cookiecutter templates offline, with a map back to the template's lines.

Cookiecutter renders every file with Jinja2; so do we, in a ``SandboxedEnvironment`` because the
templates are untrusted input, with the settings cookiecutter uses (``StrictUndefined``,
``keep_trailing_newline=True``) and local stand-ins for its default extensions. Nothing here runs
cookiecutter, its hooks, or any extension named in ``_extensions``.

``jinja2`` is imported inside the functions: most runs lint plain Dockerfiles, and a pre-commit
hook pays the start-up cost on every call.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockerlint_django._record import record
from dockerlint_django.source import LineIndex, Span

if TYPE_CHECKING:
    from jinja2 import nodes
    from jinja2.sandbox import SandboxedEnvironment

_TEMPLATE_DIR = re.compile(r"\{\{\s*cookiecutter\.")

# Each kind of delimiter may not contain another opener of its own kind, so that a stray ``{{``
# is not paired with a ``}}`` fifty lines further down.
_PLACEHOLDER = re.compile(
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


class ContextError(ValueError):
    """A ``cookiecutter.json`` that cannot be read, or a default that does not render."""


@record
class RenderError:
    """Why a template did not render; ``line`` is the 1-based template line, 0 when unknown."""

    message: str
    line: int = 0


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


def load_context(cookiecutter_json_text: str) -> dict[str, Any]:
    """The ``cookiecutter`` values with their defaults, as ``cookiecutter --no-input`` sees them.

    Mirrors cookiecutter's ``prompt_for_config``: keys in order; each string default rendered with
    the values so far; other scalars turned into strings and rendered (cookiecutter does the same);
    booleans kept; a list is a choice whose value is its first item, rendered; ``_private`` keys
    kept unrendered, ``__dunder`` keys rendered; dicts rendered in a second pass. Raises
    ``ContextError`` with the key whose default does not render.
    """
    try:
        raw = json.loads(cookiecutter_json_text)
    except ValueError as exc:
        raise ContextError(f"cookiecutter.json is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ContextError("cookiecutter.json is not a JSON object")
    return _resolve(raw, {})


def _resolve(raw: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    env = _environment(raw)
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
            values[key] = _render_value(env, key, value[0], values) if value else ""
        else:
            values[key] = _render_value(env, key, value, values)
    for key, value in raw.items():
        if isinstance(value, dict) and key != "__prompts__" and not _is_private(key):
            values[key] = overrides.get(key, _render_value(env, key, value, values))
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


def _render_value(env: SandboxedEnvironment, key: str, value: Any, values: dict[str, Any]) -> Any:
    from jinja2 import TemplateError

    def walk(v: Any) -> Any:
        if v is None or isinstance(v, bool):
            return v
        if isinstance(v, dict):
            return {walk(k): walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return env.from_string(str(v)).render(cookiecutter=values)

    try:
        return walk(value)
    except (TemplateError, ArithmeticError, TypeError, ValueError) as exc:
        raise ContextError(f"default of {key!r} does not render: {exc}") from None


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


def variants(context: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The contexts to lint a template with: the defaults, then each y/n choice flipped alone.

    Issue 3 asks for a render "once per value of every y/n choice". That is one render per
    (choice, value) pair, not the cartesian product: every value of every choice is linted, which
    is what finds a line that only one value produces, and the count stays linear (cookiecutter-
    django has a dozen y/n choices: 13 renders instead of 4096). What this misses is a line that
    only a *combination* of non-default values produces (``{% if a == "n" and b == "n" %}``).

    The first variant is the defaults, named after the defaults of all choices
    (``use_fathom=y, continuous_deployment=n``, or ``defaults`` when there are none); the others are
    named ``use_fathom=n``. When ``context`` came from ``load_context``, later defaults that depend
    on the flipped choice are re-derived; otherwise only the choice itself changes.
    A value chosen from a list (``["y", "n"]``) counts as a y/n choice, as do booleans and string
    defaults ``y``/``n``/``yes``/``no``.
    """
    choices = _choices(context)
    name = ", ".join(f"{key}={_show(values[0])}" for key, values in choices) or "defaults"
    found: list[tuple[str, dict[str, Any]]] = [(name, dict(context))]
    raw = getattr(context, "raw", None)
    for key, values in choices:
        for value in values[1:]:
            if isinstance(raw, Mapping):
                try:
                    changed: dict[str, Any] = dict(_resolve(raw, {key: value}))
                except ContextError:
                    changed = {**context, key: value}
            else:
                changed = {**context, key: value}
            found.append((f"{key}={_show(value)}", changed))
    return found


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _environment(cookiecutter: Mapping[str, Any] | None = None) -> SandboxedEnvironment:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    options: dict[str, Any] = {"keep_trailing_newline": True}
    env_vars = (cookiecutter or {}).get("_jinja2_env_vars")
    if isinstance(env_vars, Mapping):
        options.update({k: bool(env_vars[k]) for k in _ENV_VARS if k in env_vars})
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, **options)
    # Stand-ins for cookiecutter's default extensions. Random and time values are made
    # deterministic so that two runs give the same findings; ``{% now %}`` (TimeExtension) is not
    # provided and renders as an unknown-tag error.
    env.filters["jsonify"] = _jsonify
    env.filters["slugify"] = _slugify
    env.globals["random_ascii_string"] = _random_ascii_string
    env.globals["uuid4"] = _uuid4
    return env


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
    return "x" * max(0, int(length))


def _uuid4() -> str:
    return "00000000-0000-4000-8000-000000000000"


def render(template_text: str, context: Mapping[str, Any]) -> Rendered | RenderError:
    """Render ``template_text`` with ``{"cookiecutter": context}``, mapping lines back.

    Returns a ``RenderError`` (never raises) for syntax errors, undefined variables, sandbox
    refusals and errors inside filters. Output lines end in ``\\n`` whatever the template used, as
    Jinja normalises them (cookiecutter restores the template's line ending when it writes).

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

    # ``_jinja2_env_vars`` is a private key, kept in the context as cookiecutter keeps it.
    env = _environment(context)
    variables = {"cookiecutter": dict(context)}
    try:
        text = env.from_string(template_text).render(variables)
    except TemplateSyntaxError as exc:
        return RenderError(f"template syntax error: {exc.message}", exc.lineno)
    except TemplateError as exc:
        return RenderError(_describe(exc), _template_line(exc))
    # Anything a sandboxed template can raise (ZeroDivisionError from ``1/0``, TypeError from a
    # filter) is the template's error, not ours.
    except Exception as exc:
        return RenderError(_describe(exc), _template_line(exc))
    try:
        tree = env.parse(template_text)
        if _mark(tree):
            marked = env.from_string(tree).render(variables)
            plain, sources = _unmark(marked)
            if plain == text:
                return Rendered(text, _line_map(text, sources))
    # Whatever goes wrong with the marked render, the plain text stands and the map is aligned.
    except Exception:
        pass
    return Rendered(text, _aligned_map(template_text, text), exact=False)


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


def _unmark(marked: str) -> tuple[str, list[int]]:
    """The text without markers, and for each of its characters the template line it came from."""
    chars: list[str] = []
    sources: list[int] = []
    current = 1
    for ch in marked:
        code = ord(ch) - _MARK_BASE
        if 0 <= code <= _MARK_LIMIT:
            current = code
            continue
        chars.append(ch)
        sources.append(current)
    # The end of the text belongs to the last marker seen, for a final empty line.
    sources.append(current)
    return "".join(chars), sources


def _line_map(text: str, sources: list[int]) -> tuple[int, ...]:
    return tuple(sources[start] for start in LineIndex.build(text).starts)


def _aligned_map(template_text: str, text: str) -> tuple[int, ...]:
    """A guess: rendered lines matched to identical template lines, the others to the last match."""
    template_lines = template_text.splitlines()
    rendered_lines = [text[s:e] for s, e in _line_bounds(text)]
    mapping: list[int] = [0] * len(rendered_lines)
    matcher = difflib.SequenceMatcher(None, template_lines, rendered_lines, autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            mapping[block.b + k] = block.a + k + 1
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

    try:
        tree = _environment().parse(template_text)
    except TemplateSyntaxError:
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
