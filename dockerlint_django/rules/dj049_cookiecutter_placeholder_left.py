"""
## What it does
Checks for cookiecutter placeholders left in a Dockerfile that is not a template: a
`{{ cookiecutter.… }}` expression, or a Jinja block tag such as `{% if … %}`, outside comments.

## Why is this bad?
The handbook asks you to copy its Dockerfile and replace the placeholders: "Add one Dockerfile for
the Django project, replacing `core.wsgi` if needed and `{{ cookiecutter.project_slug }}`". A
placeholder left behind is never filled in by Docker: `FROM python:{{ cookiecutter.python_version
}}` is an invalid image reference and the build fails, and `--name {{ cookiecutter.project_slug }}`
gives Gunicorn a literal process name made of braces. A `{% if %}` block tag is not an instruction
at all, and both of its branches end up in the image.

Files inside a `{{cookiecutter.*}}` template folder are templates and are not reported here: they
are linted by rendering them (template mode). Other `{{ … }}` text, such as a Go template in
`docker inspect --format '{{.State.Health.Status}}'`, is left alone, as is anything in a comment.

## Example
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "--name", "{{ cookiecutter.project_slug }}"]
```

## Use instead
```dockerfile
FROM python:3.11
CMD ["gunicorn", "core.wsgi", "--name", "data-registry"]
```

## Fix safety
No fix: the value to put in is the project's own, which the linter cannot know.

## References
- [OCP handbook: Dockerfile for Django](https://ocp-software-handbook.readthedocs.io/en/latest/docker/django.html)
- [Cookiecutter: templates](https://cookiecutter.readthedocs.io/en/stable/tutorials/tutorial2.html)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django._record import LazyPattern
from dockerlint_django.rules._base import Context, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ049",
    name="cookiecutter-placeholder-left",
    severity=Severity.ERROR,
    summary="An unrendered cookiecutter placeholder is left in the Dockerfile.",
)

_VARIABLE = LazyPattern(
    r"\bcookiecutter\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*(?:\"([^\"]*)\"|'([^']*)')\s*\])"
)
_BLOCK_WORD = LazyPattern(r"\{%-?\s*(\w+)")


def _variables(text: str) -> list[str]:
    names = (next(g for g in m.groups() if g is not None) for m in _VARIABLE.finditer(text))
    return list(dict.fromkeys(names))


def _in_comment(text: str, start: int) -> bool:
    # A Dockerfile comment is a whole line starting with `#`, also between continuation lines.
    line_start = text.rfind("\n", 0, start) + 1
    return text[line_start:start].lstrip(" \t").startswith("#")


def check(ctx: Context) -> Iterator[Violation]:
    if ctx.analysis.in_template is True:
        return
    text = ctx.analysis.source.text
    if "{" not in text:
        return  # every placeholder opens with one; the template reader is not imported
    from dockerlint_django.templates.render import placeholders

    for span in placeholders(text):
        content = text[span.start : span.end]
        if content.startswith("{#") or _in_comment(text, span.start):
            continue
        names = _variables(content)
        block = content.startswith("{%")
        if not names and not block:
            continue  # `{{.State}}` and other non-cookiecutter templates
        shown = ", ".join(f"cookiecutter.{n}" for n in names)
        if block:
            tag = _BLOCK_WORD.match(content)
            what = f"Jinja block tag {{% {tag.group(1)} %}}" if tag else "Jinja block tag"
            message = f"unrendered {what}" + (f" (uses {shown})" if names else "")
        else:
            message = f"unrendered cookiecutter placeholder for {shown}"
        yield META.violation(
            span,
            f"{message}: render the template or replace it with the project's value",
        )
