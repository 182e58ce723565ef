"""Template mode against hostile templates (issue 12): bounded, never hanging, reported.

A template or ``cookiecutter.json`` that would run forever or fill memory is given up on with one
clear message at its line; the bounds leave legitimate templates as they render in plain Jinja;
and nothing a template does reaches Python (a marker file it tries to create never appears).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dockerlint_django.cli import cli
from dockerlint_django.config import Config
from dockerlint_django.engine import Options, lint_path
from dockerlint_django.templates import render as r
from dockerlint_django.templates.render import (
    MAX_VARIANTS,
    Budget,
    ContextError,
    Rendered,
    RenderError,
    load_context,
    plan_variants,
    render,
    template_reads,
    variants,
)
from tests.conftest import HANDBOOK_TEMPLATE, ROOT

SLUG = "{{cookiecutter.project_slug}}"
# Every case gives up on a count, not on the clock; this only catches a hang.
GENEROUS = 20.0

S = "{% set s = 'x' * 100000 %}"
LITERAL = "[" + ",".join(["i"] * 2000) + "]"

# (template line 2, what the message says). Line 1 is ``FROM x``.
HOSTILE = {
    "nested-ranges": (
        "{% for a in range(100000) %}{% for b in range(100000) %}RUN echo {{a}}{{b}}\n"
        "{% endfor %}{% endfor %}",
        "output larger than 200,000 characters",
    ),
    "empty-nested-loops": (
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
        "more than 250,000 loop iterations",
    ),
    "filtered-loop": (
        "{% for a in range(100000) %}{% for b in range(100000) if b < 0 %}{% endfor %}{% endfor %}",
        "more than 250,000 loop iterations",
    ),
    "recursive-loop": (
        "{% for x in [1] recursive %}{{ loop(range(100000)) }}{% endfor %}",
        "recursive too deeply",
    ),
    "macro-bomb": (
        "{% macro m(n) %}{{ m(n - 1) }}{{ m(n - 1) }}{% endmacro %}{{ m(40) }}",
        "recursive too deeply",
    ),
    "str-mul": ("{{ 'x' * 10**9 }}", "a string longer than 1,000,000 characters"),
    "list-mul": ("{{ [1] * 10**9 }}", "a list longer than 1,000,000 items"),
    "pow": ("{{ 10 ** (10 ** 10) }}", "a number larger than 20,000 bits"),
    "squaring": (
        "{% set ns = namespace(v=3) %}{% for i in range(100) %}{% set ns.v = ns.v * ns.v %}"
        "{% endfor %}",
        "a number larger than 20,000 bits",
    ),
    "percent-star": ('{{ "%*s" % (10**9, "") }}', "a string longer than"),
    "percent-width": ('{{ "%999999999s" % "" }}', "a string longer than"),
    "percent-key": (S + "{{ ('%(a)s' * 100000) % {'a': s} }}", "a string longer than"),
    "format-filter": ('{{ "%*s"|format(10**9, "") }}', "a string longer than"),
    "str-format": ('{{ "{:1000000000}".format(1) }}', "a format width larger than"),
    "str-format-nested": ("{{ '{:{w}}'.format(1, w=999999999) }}", "a string longer than"),
    "str-format-many": (S + "{{ ('{0}' * 100000).format(s) }}", "a string longer than"),
    "markup-format": ("{{ ('{:1000000000}'|safe).format(1) }}", "a format width larger than"),
    "center-method": ("{{ 'x'.center(10**9) }}", "a string longer than"),
    "center-filter": ("{{ 'x'|center(1000000000) }}", "a string longer than"),
    "replace-empty": (S + "{{ s.replace('', s) }}", "a string longer than"),
    "join-method": (S + "{{ ''.join([s] * 100000) }}", "a string longer than"),
    "join-filter": (S + "{{ ([s] * 100000)|join }}", "a string longer than"),
    "print-shared-list": (S + "{{ [s] * 100000 }}", "output larger than"),
    "tilde-literal": (S + "{{ [s, s, s, s, s, s, s, s, s, s, s] ~ '' }}", "a string longer than"),
    "tilde-doubling": (
        "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}",
        "a string longer than",
    ),
    "extend-doubling": (
        "{% set x = [1] %}{% for i in range(60) %}{{ x.extend(x) }}{% endfor %}",
        "a list longer than",
    ),
    "kept-strings": (
        "{% set x = [] %}{% for i in range(100000) %}{% set _ = x.append('y' * 900000 ~ i) %}"
        "{% endfor %}",
        "built more than 20,000,000",
    ),
    "kept-literals": (
        "{% set ns = namespace(v=none) %}{% for i in range(100000) %}"
        "{% set ns.v = {'next': ns.v, 'data': " + LITERAL + "} %}{% endfor %}",
        "built more than 20,000,000",
    ),
    "kept-slices": (
        "{% set big = range(100000)|list %}{% set ns = namespace(v=none) %}"
        "{% for i in range(100000) %}{% set ns.v = {'p': ns.v, 'd': big[:]} %}{% endfor %}",
        "built more than 20,000,000",
    ),
    "captured-output": (
        "{% set c %}{% for i in range(100000) %}{% for j in range(1000) %}xxxxxxxxxx"
        "{% endfor %}{% endfor %}{% endset %}",
        "output larger than",
    ),
    "range": ("{{ range(10**9)|list }}", "a range longer than 100,000"),
    "batch": ("{{ [1]|batch(1000000000, 'x')|list }}", "batch into more than"),
    "tojson-indent": ("{{ [[[[[[[[1]]]]]]]]|tojson(indent=100000) }}", "a string longer than"),
    "to-bytes": ("{{ (1).to_bytes(10**9, 'big') }}", "a byte string longer than"),
    "lipsum": ("{{ lipsum(1000000000) }}", "lipsum of more than"),
    "random-ascii-string": ("{{ random_ascii_string(10**9) }}", "a string longer than"),
    "sum-lists": ("{{ ([[1]] * 300000)|sum(start=[]) }}", "output larger than"),
}


def _gave_up(template: str, expected: str, line: int = 2) -> RenderError:
    start = time.perf_counter()
    result = render("FROM x\n" + template + "\n", {})
    assert time.perf_counter() - start < GENEROUS
    assert isinstance(result, RenderError), result
    assert result.gave_up
    assert result.message.startswith("template gave up: ")
    assert expected in result.message
    assert result.line == line
    return result


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_template_gives_up_at_its_line(name: str) -> None:
    template, expected = HOSTILE[name]
    _gave_up(template, expected)


def test_deep_nesting_and_recursion_give_up() -> None:
    result = render("FROM x\n{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}\n", {})
    assert isinstance(result, RenderError) and result.gave_up
    _gave_up("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "recursive too deeply")


def test_template_larger_than_the_bound() -> None:
    result = render("x" * (r.MAX_TEMPLATE_CHARS + 1), {})
    assert isinstance(result, RenderError) and result.gave_up
    assert "larger than 100,000 characters" in result.message


def test_the_clock_stops_what_the_counts_do_not_see() -> None:
    # Each comparison is one C call over a million characters: no count grows with it.
    budget = Budget(seconds=0.2)
    start = time.perf_counter()
    result = render(
        "{% set a = 'x' * 1000000 %}{% set b = 'x' * 1000000 %}{% for i in range(100000) %}"
        "{% if a == b %}{% endif %}{% endfor %}",
        {},
        budget,
    )
    assert time.perf_counter() - start < GENEROUS
    assert isinstance(result, RenderError) and result.gave_up
    assert "longer than 0.2 seconds" in result.message


def test_the_budget_is_shared_by_the_renders_of_a_template() -> None:
    # Each render is well under the bound; together they pass it.
    template = "{% for i in range(100000) %}{% endfor %}"
    budget = Budget()
    assert isinstance(render(template, {}, budget), Rendered)
    assert isinstance(render(template, {}, budget), Rendered)
    third = render(template, {}, budget)
    assert isinstance(third, RenderError) and "loop iterations" in third.message
    assert isinstance(render(template, {}), Rendered)  # a fresh budget


def test_a_bounded_render_grows_linearly() -> None:
    # Work counted per step: twice the loop costs twice the steps, not more.
    def steps(n: int) -> int:
        budget = Budget()
        rendered = render(f"{{% for i in range({n}) %}}{{{{ i ~ '-' }}}}{{% endfor %}}", {}, budget)
        assert isinstance(rendered, Rendered)
        return r.MAX_STEPS - budget.steps

    assert steps(20_000) <= 2.2 * steps(10_000)


# ---------------------------------------------------------------------------------------------
# memory: the hostile cases in a process that may not use more than this


_MEMORY_LIMIT = 768 * 1024 * 1024

_CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from dockerlint_django.templates.render import render
out = {{}}
for name, template in json.loads(sys.stdin.read()).items():
    result = render("FROM x\\n" + template + "\\n", {{}})
    out[name] = getattr(result, "message", "rendered")
print(json.dumps(out))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is Linux's")
def test_hostile_templates_fit_in_bounded_memory() -> None:
    chosen = [
        "nested-ranges", "str-mul", "percent-star", "str-format", "join-method",
        "print-shared-list", "tilde-literal", "kept-strings", "kept-literals", "pow",
    ]  # fmt: skip
    cases = {name: HOSTILE[name][0] for name in chosen}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD.format(limit=_MEMORY_LIMIT)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    messages = json.loads(done.stdout)
    for name in chosen:
        assert HOSTILE[name][1] in messages[name], (name, messages[name])
        assert "memory" not in messages[name]


# ---------------------------------------------------------------------------------------------
# cookiecutter.json


def test_deep_json_is_a_context_error() -> None:
    deep = '{"project_slug": "demo", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(ContextError, match="nested deeper than 32 levels"):
        load_context(deep)
    # Brackets inside strings are not nesting; 32 levels are allowed.
    assert load_context('{"a": "' + "[" * 100 + '"}')["a"] == "[" * 100
    ok = load_context('{"a": ' + "[" * 31 + "1" + "]" * 31 + "}")
    assert json.dumps(ok["a"]) == "[" * 30 + '"1"' + "]" * 30  # a choice: its first item


def test_doubling_defaults_are_a_context_error() -> None:
    raw: dict[str, str] = {"project_slug": "demo", "a0": "xxxxxxxxxx"}
    for i in range(1, 41):
        raw[f"a{i}"] = f"{{{{cookiecutter.a{i - 1}}}}}{{{{cookiecutter.a{i - 1}}}}}"
    start = time.perf_counter()
    with pytest.raises(ContextError, match=r"default of 'a14' gave up: output larger than 100,000"):
        load_context(json.dumps(raw))
    assert time.perf_counter() - start < GENEROUS


def test_context_bounds() -> None:
    with pytest.raises(ContextError, match="larger than 1,000,000"):
        load_context('{"x": "' + "y" * 1_000_000 + '"}')
    # Defaults that each pass but together are too much.
    many = {f"k{i}": "{{ 'x' * 90000 }}" for i in range(20)}
    with pytest.raises(ContextError, match="together are larger than 1,000,000"):
        load_context(json.dumps(many))
    # Thousands of templated defaults: compiling is what is counted.
    compiled = {f"k{i}": f"{{{{ {i} }}}}" for i in range(5000)}
    with pytest.raises(ContextError, match="loop iterations, calls and filters"):
        load_context(json.dumps(compiled))
    with pytest.raises(ContextError, match="gave up: a string longer"):
        load_context('{"x": "{{ \'x\' * 10**9 }}"}')


def test_many_choices_are_capped_defaults_first() -> None:
    raw = {"project_slug": "demo", **{f"use_{i}": ["y", "n"] for i in range(300)}}
    context = load_context(json.dumps(raw))
    plan = plan_variants(
        context, template_reads("{{ cookiecutter.use_5 }}{{ cookiecutter.use_9 }}")
    )
    # Only the choices the file reads change it: no cap needed.
    assert [name for name, _ in plan.chosen[1:]] == ["use_5=n", "use_9=n"]
    assert plan.total == 301
    assert plan.dropped == []
    # A file that reads them all: the first 63 in file order, the rest named as dropped.
    every = plan_variants(context, None)
    assert len(every.chosen) == MAX_VARIANTS
    assert every.chosen[0][0].startswith("use_0=y, use_1=y,")
    assert every.chosen[0][0].endswith("and 284 more defaults")
    assert [name for name, _ in every.chosen[1:4]] == ["use_0=n", "use_1=n", "use_2=n"]
    assert every.dropped[0] == "use_63=n" and len(every.dropped) == 300 - 63
    assert len(variants(context)) == MAX_VARIANTS


def test_reads_follow_derived_defaults() -> None:
    raw = {
        "a": "y",
        "b": "n",
        "derived": "{{ 'x' if cookiecutter.b == 'y' }}",
        **{f"pad_{i}": "y" for i in range(70)},
    }
    context = load_context(json.dumps(raw))
    plan = plan_variants(context, template_reads("{{ cookiecutter['derived'] }}"))
    assert [name for name, _ in plan.chosen[1:]] == ["b=y"]
    assert dict(plan.chosen)["b=y"]["derived"] == "x"
    # Reading the context as a whole (or through a method) may read any name.
    assert template_reads("{{ cookiecutter|jsonify }}") is None
    assert template_reads("{% set c = cookiecutter %}") is None
    assert template_reads("{{ cookiecutter[name] }}") is None
    assert len(plan_variants(context, template_reads("{{ cookiecutter.items() }}")).chosen) == 64


# ---------------------------------------------------------------------------------------------
# legitimate templates are unchanged


PLAIN_JINJA = [
    "{{ 'x' * 3 }} {{ [1, 2] * 2 }} {{ 2 ** 10 }} {{ 7 % 3 }} {{ 'a' + 'b' }} {{ [1] + [2] }}",
    "{{ '%5s|%-3d|%.2f|%(a)s' % ('a', 1, 2.5, ) if false else '%5s|%-3d|%.2f' % ('a', 1, 2.5) }}",
    "{{ '%(a)s-%(a)s' % {'a': 'b'} }} {{ '%%' % () }}"
    " {{ '{:>6}|{:^5}|{:.3f}'.format('a', 'b', 1) }}",
    "{{ '{0!r} {x}'.format('q', x=[1]) }} {{ '{a}'.format_map({'a': 1}) }}",
    "{{ 'abc'.center(9, '*') }} {{ 'a\tb'.expandtabs(4) }} {{ 'a-b'.replace('-', '_') }}",
    "{{ ', '.join(['a', 'b']) }} {{ 'x'.zfill(3) }} {{ 'ab'.translate({97: 'AA'}) }}",
    "{{ 'Ab'|center(8) }}|{{ 'a\nb'|indent(2, true) }}|{{ 'a b c'|wordwrap(3) }}",
    "{{ {'b': 1, 'a': [1, 2]}|tojson(indent=2) }} {{ {'a': 1}|jsonify }} {{ 'Hé llo'|slugify }}",
    "{{ [[1], [2, 3]]|sum(start=[]) }} {{ [1, 2, 3]|sum }} {{ range(5)|batch(2)|list }}",
    "{{ range(7)|slice(3)|list }} {{ [3, 1, 2]|sort|join(',') }} {{ 'abc'|list }}",
    "{{ range(10)|map('string')|join }} {{ range(10)|select('odd')|list }} {{ 'ab'[::-1] }}",
    "{% set ns = namespace(n=0) %}{% for i in range(50) if i is even %}{% set ns.n = ns.n + i %}"
    "{% endfor %}{{ ns.n }}",
    "{% for k, v in {'a': 1}.items() %}{{ k }}={{ v }}{% endfor %}{% set a, b = 1, 2 %}{{ a ~ b }}",
    "{% macro m(x) %}<{{ x }}>{% endmacro %}{% macro n() %}[{{ caller() }}]{% endmacro %}"
    "{{ m(1) }}{% call n() %}c{% endcall %}",
    "{% for x in [1, [2, [3]]] recursive %}{% if x is iterable %}{{ loop(x) }}{% else %}"
    "{{ x }}{% endif %}{% endfor %}",
    "{% set c %}{% for i in range(3) %}{{ i }}{% endfor %}{% endset %}{{ c|length }}{{ c }}",
    "{{ 'a' ~ 1 ~ none ~ [1] }} {{ [1, 2][1:] }} {{ (1, 2) }} {{ dict(a=1) }}"
    " {{ cycler(1).next() }}",
    "{% set x = [] %}{% for i in range(3) %}{{ x.append(i) or '' }}{% endfor %}{{ x }}",
    "{% filter upper %}up{% endfilter %} {{ 'x'|e }} {{ 'A b'|urlencode }} {{ 3.5|round }}",
    "{{ 'a' if 'b' in 'abc' }} {{ 10 // 3 }} {{ -2 }} {{ 1 / 4 }} {{ 'abc'|truncate(9) }}",
    "{% for i in range(1000) %}RUN echo {{ i }}\n{% endfor %}",
]


@pytest.mark.parametrize("template", PLAIN_JINJA)
def test_bounded_sandbox_renders_as_plain_jinja(template: str) -> None:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    plain = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    plain.filters["jsonify"] = r._jsonify
    plain.filters["slugify"] = r._slugify
    expected = plain.from_string(template).render(cookiecutter={})
    rendered = render(template, {})
    assert isinstance(rendered, Rendered), rendered
    assert rendered.text == expected
    # The map is exact unless a filter sees the captured block's markers (``c|length``).
    assert rendered.exact or "|length" in template


def test_handbook_renders_the_same_with_a_shared_budget() -> None:
    context = load_context((HANDBOOK_TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
    budget = Budget()
    files = sorted(p for p in (HANDBOOK_TEMPLATE / SLUG).rglob("*") if p.is_file())
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for _, values in variants(context):
            alone, shared = render(text, values), render(text, values, budget)
            assert alone == shared, path
    # Every file of the template together spends a fraction of what one file may.
    assert r.MAX_STEPS - budget.steps < r.MAX_STEPS // 10
    assert r.MAX_TOTAL_OUTPUT_CHARS - budget.output < r.MAX_TOTAL_OUTPUT_CHARS // 10
    assert budget.spent < r.MAX_RENDER_SECONDS


def test_a_large_legitimate_loop_renders() -> None:
    rendered = render("FROM x\n{% for i in range(5000) %}RUN echo {{ i }}\n{% endfor %}", {})
    assert isinstance(rendered, Rendered)
    assert rendered.text.count("\n") == 5001
    assert rendered.template_line(5001) == 2


# ---------------------------------------------------------------------------------------------
# nothing reaches Python

ESCAPES = [
    "{{ cycler.__init__.__globals__.os.system('touch MARKER') }}",
    "{{ joiner.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ namespace.__init__.__globals__.os.system('touch MARKER') }}",
    "{{ lipsum.__globals__['os'].system('touch MARKER') }}",
    "{{ lipsum.__globals__.__builtins__.__import__('os').system('touch MARKER') }}",
    "{{ range.__globals__['os'].system('touch MARKER') }}",
    "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.system('touch MARKER') }}",
    "{{ self.__init__.__globals__.__builtins__.__import__('os').system('touch MARKER') }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''|attr('__class__')|attr('__mro__') }}",
    "{{ ''['\\x5f\\x5fclass\\x5f\\x5f'] }}",
    "{{ '{0.__class__.__mro__}'.format('') }}",
    "{{ config.__class__.__init__.__globals__['os'].system('touch MARKER') }}",
    "{{ request.application.__globals__.__builtins__.__import__('os').system('touch MARKER') }}",
    "{{ cookiecutter.__class__.__init__.__globals__ }}",
    "{{ dict.mro() }}",
    "{{ uuid4.__globals__['json'] }}",
    "{% import 'os' as os %}{{ os.system('touch MARKER') }}",
    "{% include '/etc/passwd' %}",
    "{{ ['touch MARKER']|map('system')|list }}",
]


def _template_dir(tmp_path: Path, dockerfile: str, context: dict[str, Any] | str) -> Path:
    root = tmp_path / "tpl"
    (root / SLUG).mkdir(parents=True)
    text = context if isinstance(context, str) else json.dumps(context)
    (root / "cookiecutter.json").write_text(text, encoding="utf-8")
    path = root / SLUG / "Dockerfile"
    path.write_text(dockerfile, encoding="utf-8")
    return path


@pytest.mark.parametrize("trick", ESCAPES)
def test_a_template_cannot_create_a_marker(tmp_path: Path, trick: str) -> None:
    marker = tmp_path / "PWNED"
    dockerfile = "FROM x\nRUN echo " + trick.replace("MARKER", str(marker)) + "\n"
    result = render(dockerfile, {"project_slug": "demo"})
    assert isinstance(result, RenderError), result
    path = _template_dir(tmp_path, dockerfile, {"project_slug": "demo"})
    linted = lint_path(path, path.name, Options(Config()))
    assert any("does not render" in f.message for f in linted.findings)
    assert not marker.exists()


def test_extensions_are_never_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "PWNED"
    module = tmp_path / "evil_ext_dl.py"
    module.write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    context = {
        "project_slug": "demo",
        "_extensions": ["evil_ext_dl", "evil_ext_dl.Extension"],
        "_jinja2_env_vars": {"extensions": ["evil_ext_dl"], "trim_blocks": True},
    }
    path = _template_dir(
        tmp_path, "FROM python:3.12\nRUN echo {{ cookiecutter.project_slug }}\n", context
    )
    linted = lint_path(path, path.name, Options(Config()))
    assert not linted.parse_failed
    assert not marker.exists()
    assert "evil_ext_dl" not in sys.modules


# ---------------------------------------------------------------------------------------------
# the command line: one error line, exit code 2, the other files still checked

OTHER = "FROM python:3.12\nCMD gunicorn app.wsgi\n"

CLI_CASES: dict[str, tuple[str, dict[str, Any] | str, str]] = {
    "ranges": (
        "FROM python:3.12\n{% for a in range(100000) %}{% for b in range(100000) %}"
        "RUN echo {{a}}{{b}}\n{% endfor %}{% endfor %}CMD gunicorn app.wsgi\n",
        {"project_slug": "demo"},
        "Dockerfile:2: template gave up: output larger than",
    ),
    "mul": (
        "FROM python:3.12\nRUN echo {{ 'x' * 10**9 }}\n",
        {"project_slug": "demo"},
        "Dockerfile:2: template gave up: a string longer than",
    ),
    "percent": (
        'FROM python:3.12\nRUN echo {{ "%*s" % (10**9, "") }}\n',
        {"project_slug": "demo"},
        "Dockerfile:2: template gave up: a string longer than",
    ),
    "format": (
        'FROM python:3.12\nRUN echo {{ "{:1000000000}".format(1) }}\n',
        {"project_slug": "demo"},
        "Dockerfile:2: template gave up: a format width",
    ),
    "deep-json": (
        "FROM python:3.12\n",
        '{"project_slug": "demo", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "Dockerfile:1: template does not render: tpl/cookiecutter.json is nested deeper than 32",
    ),
    "big-json": (
        "FROM python:3.12\n",
        {"project_slug": "demo", "x": [str(i) for i in range(200_000)]},
        "cookiecutter.json cannot be read: file too large: more than 1,000,000 bytes",
    ),
    "doubling-json": (
        "FROM python:3.12\nRUN echo {{ cookiecutter.a39 }}\n",
        {
            "project_slug": "demo",
            "a0": "xxxxxxxxxx",
            **{
                f"a{i}": f"{{{{cookiecutter.a{i - 1}}}}}{{{{cookiecutter.a{i - 1}}}}}"
                for i in range(1, 40)
            },
        },
        "template does not render: tpl/cookiecutter.json: default of 'a14' gave up",
    ),
}


@pytest.mark.parametrize("name", CLI_CASES)
def test_cli_reports_one_error_and_checks_the_other_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    dockerfile, context, expected = CLI_CASES[name]
    _template_dir(tmp_path, dockerfile, context)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "Dockerfile").write_text(OTHER, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    res = CliRunner().invoke(cli, ["check", "--format", "concise", "."])
    assert time.perf_counter() - start < GENEROUS
    assert res.exit_code == 2, res.output
    errors = [line for line in res.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, res.stderr
    assert expected in errors[0]
    assert "Traceback" not in res.stderr
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "other/Dockerfile:2:1: DJ001" in res.stdout


def test_cli_reports_capped_variants(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    n = 80
    context = {"project_slug": "demo", **{f"use_{i}": ["y", "n"] for i in range(n)}}
    body = "".join(
        f"{{% if cookiecutter.use_{i} == 'y' %}}ENV A{i}=1\n{{% endif %}}" for i in range(n)
    )
    _template_dir(tmp_path, "FROM python:3.12\n" + body + 'CMD ["gunicorn"]\n', context)
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, ["check", "--format", "concise", "."])
    assert res.exit_code in (0, 1), res.output
    [capped] = [line for line in res.stdout.splitlines() if "variants" in line and "DJ903" in line]
    assert "[info]" in capped
    assert "template has 81 variants; only 64 were checked" in capped
    assert "not checked: use_63=n, use_64=n, use_65=n and 14 more" in capped


def test_gave_up_stops_the_other_variants(tmp_path: Path) -> None:
    context = {"project_slug": "demo", **{f"use_{i}": "y" for i in range(5)}}
    bomb = "{% if cookiecutter.use_1 == 'n' %}{{ 'x' * 10**9 }}{% endif %}"
    path = _template_dir(tmp_path, "FROM python:3.12\nRUN echo " + bomb + "\n", context)
    result = lint_path(path, path.name, Options(Config()))
    assert result.parse_failed
    [gave_up] = [f for f in result.findings if "gave up" in f.message]
    assert gave_up.start.line == 2
    assert gave_up.message == (
        "template gave up: a string longer than 1,000,000 characters (3 more variants not"
        " rendered) (template variant: use_1=n)"
    )


def test_probe_like_handbook_copy_still_clean(tmp_path: Path) -> None:
    # The handbook template in a temporary copy: template mode as before, nothing given up.
    shutil.copytree(HANDBOOK_TEMPLATE, tmp_path / "cc")
    path = tmp_path / "cc" / SLUG / "Dockerfile_django"
    result = lint_path(path, path.name, Options(Config()))
    assert not result.parse_failed
    assert not [f for f in result.findings if f.code == "DJ900"]
