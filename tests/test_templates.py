from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from dockerlint_django.dockerfile.parser import parse
from dockerlint_django.source import SourceFile, Span
from dockerlint_django.templates.render import (
    ContextError,
    Rendered,
    RenderError,
    find_template_root,
    load_context,
    placeholders,
    referenced,
    render,
    variants,
)
from tests.conftest import CORPUS, HANDBOOK_TEMPLATE, SHARED

HANDBOOK = HANDBOOK_TEMPLATE
PROJECT = HANDBOOK / "{{cookiecutter.project_slug}}"
CATALOG = SHARED / "domain" / "rules-catalog.md"

# The handbook's Dockerfile_django rendered by hand from catalogue §2.2 with the defaults
# (python_version 3.11, project_slug title-case): with use_fathom=y every tag line disappears and
# nothing else changes. (A backslash at the end of a line below only splits a long line here.)
FATHOM_Y = """\
FROM python:3.11 AS build-stage

COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt

WORKDIR /workdir

COPY . .

ENV DJANGO_ENV=production

RUN python manage.py collectstatic --noinput -v2

FROM python:3.11

RUN apt-get update && apt-get install -y --no-install-recommends \\
        gettext \\
    && rm -rf /var/lib/apt/lists/*

RUN groupadd -r runner && useradd --no-log-init -r -g runner runner

COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt

WORKDIR /workdir
USER runner:runner
COPY --chown=runner:runner . .

# Django needs a copy of the staticfiles.json manifest file.
COPY --from=build-stage --chown=runner:runner /workdir/static/staticfiles.json \
/workdir/static/staticfiles.json

ENV DJANGO_ENV=production
ENV WEB_CONCURRENCY=2

RUN python manage.py compilemessages

EXPOSE 8000
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", \
"--no-control-socket", "--threads", "2", "--name", "title-case"]
"""


def _context() -> dict[str, Any]:
    return load_context((HANDBOOK / "cookiecutter.json").read_text(encoding="utf-8"))


def _ok(result: Rendered | RenderError) -> Rendered:
    assert isinstance(result, Rendered), result
    return result


def _variant(name: str) -> dict[str, Any]:
    return dict(variants(_context()))[name]


def _django() -> str:
    return (PROJECT / "Dockerfile_django").read_text(encoding="utf-8")


def test_context_defaults_are_rendered_in_order() -> None:
    ctx = _context()
    assert ctx["project_slug"] == "title-case"
    assert ctx["database_name"] == "title_case"
    assert ctx["application_name"] == "title_case"
    assert ctx["use_fathom"] == "y"
    assert list(ctx) == list(
        __import__("json").loads((HANDBOOK / "cookiecutter.json").read_text(encoding="utf-8"))
    )


def test_context_semantics() -> None:
    ctx = load_context(
        """{
        "name": "My App",
        "slug": "{{ cookiecutter.name|slugify }}",
        "db": ["postgres", "{{ cookiecutter.slug }}-sqlite"],
        "port": 8000,
        "debug": false,
        "extra": {"{{ cookiecutter.slug }}": "{{ cookiecutter.port }}"},
        "_copy_without_render": ["*.html", "{{ not rendered }}"],
        "__prefix": "{{ cookiecutter.slug|upper }}",
        "blob": "{{ cookiecutter.db|jsonify }}"
        }"""
    )
    assert ctx["slug"] == "my-app"
    assert ctx["db"] == "postgres"
    assert ctx["port"] == "8000"  # cookiecutter renders non-strings as strings
    assert ctx["debug"] is False
    assert ctx["extra"] == {"my-app": "8000"}
    assert ctx["_copy_without_render"] == ["*.html", "{{ not rendered }}"]
    assert ctx["__prefix"] == "MY-APP"
    assert ctx["blob"] == '"postgres"'
    assert list(ctx)[-1] == "blob"
    # Dicts are rendered after the scalars, so a scalar that reads one fails as in cookiecutter.
    with pytest.raises(ContextError, match="'blob'"):
        load_context('{"d": {"k": "v"}, "blob": "{{ cookiecutter.d|jsonify }}"}')


def test_context_errors() -> None:
    with pytest.raises(ContextError, match="JSON"):
        load_context("{")
    with pytest.raises(ContextError, match="'b'"):
        load_context('{"a": "x", "b": "{{ cookiecutter.missing }}"}')


def test_variants_one_per_value() -> None:
    names = [name for name, _ in variants(_context())]
    assert names == [
        "use_fathom=y, continuous_deployment=n",
        "use_fathom=n",
        "continuous_deployment=y",
    ]
    flipped = _variant("use_fathom=n")
    assert flipped["use_fathom"] == "n"
    assert flipped["continuous_deployment"] == "n"


def test_variants_rederive_dependent_defaults() -> None:
    ctx = load_context('{"docker": "y", "base": "{{ \'x\' if cookiecutter.docker == \'y\' }}"}')
    found = dict(variants(ctx))
    assert found["docker=y"]["base"] == "x"
    assert found["docker=n"]["base"] == ""


def test_variants_lists_booleans_and_plain_dicts() -> None:
    ctx = load_context('{"a": ["No", "Yes"], "b": true, "c": ["x", "y"], "d": "yes"}')
    names = [name for name, _ in variants(ctx)]
    assert names == ["a=No, b=true, d=yes", "a=Yes", "b=false", "d=no"]
    assert [name for name, _ in variants({"use_x": "Y"})] == ["use_x=Y", "use_x=N"]
    assert [name for name, _ in variants({"name": "a"})] == ["defaults"]


def test_handbook_django_with_fathom_equals_catalogue() -> None:
    rendered = _ok(render(_django(), _variant("use_fathom=y, continuous_deployment=n")))
    assert rendered.text == FATHOM_Y
    assert rendered.exact
    assert '"--name", "title-case"' in rendered.text


def test_catalogue_shows_the_handbook_template() -> None:
    if not CATALOG.is_file():
        pytest.skip("../shared/domain is not present")
    text = CATALOG.read_text(encoding="utf-8")
    section = text[text.index("### 2.2 Template `Dockerfile_django`") :]
    block = re.search(r"```dockerfile\n(.*?)```", section, re.DOTALL)
    assert block is not None
    assert block.group(1) == _django()


def test_handbook_django_without_fathom() -> None:
    rendered = _ok(render(_django(), _variant("use_fathom=n")))
    assert "build-stage" not in rendered.text
    assert "staticfiles.json" not in rendered.text
    assert rendered.text.startswith("FROM python:3.11\n\nRUN apt-get update")
    assert "COPY --chown=runner:runner . .\n\nENV DJANGO_ENV=production\n" in rendered.text
    assert rendered.text.endswith('"--name", "title-case"]\n')


@pytest.mark.parametrize("variant", ["use_fathom=y, continuous_deployment=n", "use_fathom=n"])
def test_line_map_points_at_the_template_line(variant: str) -> None:
    template = SourceFile.from_text("Dockerfile_django", _django())
    rendered = _ok(render(template.text, _variant(variant)))
    out = SourceFile.from_text("rendered", rendered.text)
    assert len(rendered.line_map) == out.index.line_count
    for line in range(1, out.index.line_count):
        text = out.line_text(line)
        source = template.line_text(rendered.template_line(line))
        if "{{" in source:
            # The only placeholders are the Python version and the slug.
            pattern = re.escape(source)
            pattern = pattern.replace(re.escape("{{ cookiecutter.python_version }}"), "3.11")
            pattern = pattern.replace(re.escape("{{ cookiecutter.project_slug }}"), "title-case")
            assert re.fullmatch(pattern, text), (line, text, source)
        else:
            assert text == source, (line, text, source)
    by_content = {
        out.line_text(i): rendered.template_line(i) for i in range(1, out.index.line_count)
    }
    assert by_content["USER runner:runner"] == 28
    assert by_content["RUN python manage.py compilemessages"] == 39
    assert by_content["EXPOSE 8000"] == 41
    assert by_content["FROM python:3.11"] == 16
    assert rendered.template_line(out.index.line_count - 1) == 42  # the CMD line
    if variant.startswith("use_fathom=y"):
        assert by_content["FROM python:3.11 AS build-stage"] == 2
        assert by_content["# Django needs a copy of the staticfiles.json manifest file."] == 32
        assert rendered.template_line(28) == 31  # the empty line after ``{%- if … %}``


def test_handbook_static_renders() -> None:
    text = (PROJECT / "Dockerfile_static").read_text(encoding="utf-8")
    for _, ctx in variants(_context()):
        rendered = _ok(render(text, ctx))
        assert rendered.text.startswith("FROM python:3.11 AS build-stage\n")
        assert rendered.line_map == tuple(range(1, len(rendered.line_map) + 1))


@pytest.mark.parametrize("name", ["Dockerfile_django", "Dockerfile_static"])
def test_rendered_handbook_files_parse(name: str) -> None:
    text = (PROJECT / name).read_text(encoding="utf-8")
    for variant, ctx in variants(_context()):
        rendered = _ok(render(text, ctx))
        result = parse(SourceFile.from_text(f"{name} [{variant}]", rendered.text))
        assert result.instructions
        assert not any("{{" in i.original for i in result.instructions)


def test_referenced() -> None:
    assert referenced(_django()) == {"use_fathom", "python_version", "project_slug"}
    assert referenced("{{ cookiecutter['a'] }}{% if cookiecutter.b %}{% endif %}") == {"a", "b"}
    assert referenced("{% if %}") == set()


def test_find_template_root(tmp_path: Path) -> None:
    assert find_template_root(PROJECT / "Dockerfile_django") == HANDBOOK.absolute()
    assert find_template_root(PROJECT / "core" / "settings.py") == HANDBOOK.absolute()
    assert find_template_root(HANDBOOK / "cookiecutter.json") is None
    # No cookiecutter.json: still template mode, rooted above the outermost templated folder.
    nested = tmp_path / "t" / "{{ cookiecutter.repo }}" / "{{cookiecutter.app}}" / "Dockerfile"
    assert find_template_root(nested) == tmp_path / "t"
    (tmp_path / "cookiecutter.json").write_text("{}", encoding="utf-8")
    assert find_template_root(nested) == tmp_path
    assert find_template_root(tmp_path / "{{ project }}" / "Dockerfile") is None


def test_loop_lines_map_to_the_body() -> None:
    template = "FROM x\n{% for p in ['a', 'b'] %}\nRUN echo {{ p }}\n{% endfor %}\nCMD [\"x\"]\n"
    rendered = _ok(render(template, {}))
    assert rendered.text == 'FROM x\n\nRUN echo a\n\nRUN echo b\n\nCMD ["x"]\n'
    assert rendered.line_map == (1, 2, 3, 2, 3, 4, 5, 6)


def test_whitespace_control_and_expressions_at_line_start() -> None:
    template = "A\n{%- if true %}\n{{ 'B' }} b\n{% endif -%}\n{{ 'C\nD' }}\nE"
    rendered = _ok(render(template, {}))
    assert rendered.text == "A\nB b\nC\nD\nE"
    assert rendered.line_map == (1, 3, 5, 5, 7)


def test_trim_blocks_from_env_vars() -> None:
    ctx = load_context('{"_jinja2_env_vars": {"trim_blocks": true}, "x": "y"}')
    rendered = _ok(render("{% if cookiecutter.x == 'y' %}\nRUN a\n{% endif %}\nRUN b\n", ctx))
    assert rendered.text == "RUN a\nRUN b\n"
    assert rendered.line_map == (2, 4, 5)


def test_inexact_map_falls_back_to_alignment() -> None:
    # ``length`` of a captured block counts the markers, so the marked render differs.
    template = "{% set s %}ab{% endset %}RUN {{ s|length }}\nRUN b\n"
    rendered = _ok(render(template, {}))
    assert rendered.text == "RUN 2\nRUN b\n"
    assert not rendered.exact
    assert rendered.line_map == (1, 2, 2)


def test_errors_carry_the_template_line() -> None:
    undefined = render("FROM x\n\nRUN {{ cookiecutter.nope }}\n", {})
    assert isinstance(undefined, RenderError)
    assert undefined.line == 3
    assert "nope" in undefined.message
    syntax = render("FROM x\n{% if %}\n", {})
    assert isinstance(syntax, RenderError)
    assert syntax.line == 2
    unclosed = render("FROM x\n{% if true %}\nRUN a\n", {})
    assert isinstance(unclosed, RenderError)
    assert unclosed.line > 0
    division = render("A\n{{ 1 // 0 }}\n", {})
    assert isinstance(division, RenderError)
    assert division.line == 2
    unknown = render("{% now 'utc', '%Y' %}\n", {})
    assert isinstance(unknown, RenderError)
    assert "now" in unknown.message


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ cookiecutter.__class__ }}",
        "{{ ''.format.__self__ }}",
    ],
)
def test_sandbox_refuses_unsafe_attributes(template: str) -> None:
    result = render("FROM x\n" + template + "\n", {"a": "b"})
    assert isinstance(result, RenderError), result
    assert result.line == 2


def test_cookiecutter_extension_stand_ins() -> None:
    rendered = _ok(
        render(
            "{{ cookiecutter.n|slugify }} {{ cookiecutter|jsonify(indent=None) }} "
            "{{ random_ascii_string(4) }} {{ uuid4()|length }}",
            {"n": "Héllo Wörld's App!"},
        )
    )
    assert rendered.text == 'hello-worlds-app {"n": "H\\u00e9llo W\\u00f6rld\'s App!"} xxxx 36'


def _corpus_templates() -> list[Path]:
    folder = CORPUS / "files"
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or "ockerfile" not in path.name:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if "cookiecutter" in path.name or re.search(r"\{\{|\{%", text):
            found.append(path)
    return found


def test_corpus_has_templates(corpus: Path) -> None:
    assert len(_corpus_templates()) >= 8


# Without the corpus, one case that skips and says why (an empty list only says "empty").
_NO_CORPUS = pytest.param(
    Path(), id="no-corpus", marks=pytest.mark.skip(reason="../shared/corpus is not present")
)


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=p.name[-60:]) for p in _corpus_templates()] or [_NO_CORPUS],
)
def test_corpus_templates_render_or_fail_cleanly(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    # Without a cookiecutter.json: an undefined variable is a clean error with its line.
    empty = render(text, {})
    if isinstance(empty, RenderError):
        assert 0 <= empty.line <= text.count("\n") + 1
    # With every variable the file reads set to a dummy value it renders, or fails with a line.
    names = referenced(text) | set(re.findall(r"cookiecutter\.(\w+)", text))
    filled = render(text, dict.fromkeys(names, "n"))
    if isinstance(filled, RenderError):
        assert filled.line > 0, filled
        return
    assert "{{ cookiecutter" not in filled.text
    assert len(filled.line_map) == SourceFile.from_text("r", filled.text).index.line_count
    template_lines = text.count("\n") + 1
    assert all(1 <= line <= template_lines for line in filled.line_map)


def test_placeholders_spans() -> None:
    text = (
        "FROM python:{{ cookiecutter.python_version }}\n{%- if x %}\nRUN a {# note #}\n{% endif %}"
        "\nRUN echo '{{' && echo }}\n"
    )
    spans = placeholders(text)
    assert [text[s.start : s.end] for s in spans] == [
        "{{ cookiecutter.python_version }}",
        "{%- if x %}",
        "{# note #}",
        "{% endif %}",
        "{{' && echo }}",
    ]
    assert spans[0] == Span(12, 45)
    assert placeholders("{{ a\n  b }}") == [Span(0, 11)]
    # An opener that is never closed pairs with nothing, not with a later placeholder's end.
    assert placeholders("{{ a\n{{ b }}") == [Span(5, 12)]
    assert placeholders("FROM x\nRUN echo $HOME\n") == []


def test_placeholders_in_handbook() -> None:
    text = _django()
    found = [text[s.start : s.end] for s in placeholders(text)]
    assert found == [
        '{% if cookiecutter.use_fathom == "y" -%}',
        "{{ cookiecutter.python_version }}",
        "{% endif -%}",
        "{{ cookiecutter.python_version }}",
        '{%- if cookiecutter.use_fathom == "y" %}',
        "{%- endif %}",
        "{{ cookiecutter.project_slug }}",
    ]


# ---------------------------------------------------------------------------------------------
# the shipped copy of the handbook template


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_shipped_handbook_is_the_handbook_unchanged() -> None:
    """The copy the package ships (and the tests read) cannot drift from the handbook's template."""
    original = SHARED / "handbook" / "cookiecutter-django"
    if not original.is_dir():
        pytest.skip("../shared/handbook is not present: nothing to compare the shipped copy with")
    ours, theirs = _tree(HANDBOOK), _tree(original)
    assert sorted(ours) == sorted(theirs)
    assert [name for name in sorted(ours) if ours[name] != theirs[name]] == []
    # The notice names the commit the handbook's own notice names.
    commit = re.search(r"\b[0-9a-f]{40}\b", (SHARED / "handbook" / "NOTICE.md").read_text("utf-8"))
    assert commit is not None
    assert commit.group() in (HANDBOOK.parent / "NOTICE.md").read_text(encoding="utf-8")


def test_shipped_handbook_keeps_its_notice() -> None:
    notice = (HANDBOOK.parent / "NOTICE.md").read_text(encoding="utf-8")
    assert "Copyright 2020 Open Contracting Partnership." in notice
    assert "Creative Commons Attribution 4.0 International" in notice
    assert "https://creativecommons.org/licenses/by/4.0/" in notice
    assert "open-contracting/software-development-handbook" in notice
    assert (HANDBOOK / "cookiecutter.json").is_file()
