"""The handbook's container files, rendered for one project.

The source is the handbook's cookiecutter template, bundled in ``dockerlint_django/handbook``
and rendered by template mode's sandboxed Jinja engine (nothing of cookiecutter runs). The
handbook asks for two edits by hand ("replacing ``core.wsgi`` if needed and
``{{ cookiecutter.project_slug }}``", H-01); the others below follow from what the project is:
the dependency installer, whether it has translations, where ``STATIC_ROOT`` is. Each edit
replaces lines of the rendered template found by their text, and fails loudly (``TemplateDrift``)
when the handbook's text changes, so a new handbook is one edit here, not a silent mis-render.
"""

from __future__ import annotations

import re
from pathlib import Path

from dockerlint_django._record import record
from dockerlint_django.rules._handbook import GETTEXT_INSTALL
from dockerlint_django.scaffold.facts import ProjectFacts
from dockerlint_django.templates.render import RenderError, load_context, render

HANDBOOK = Path(__file__).resolve().parent.parent / "handbook" / "cookiecutter-django"
TEMPLATE = HANDBOOK / "{{cookiecutter.project_slug}}"
WORKDIR = "/workdir"  # the handbook's WORKDIR

# The handbook's dependency install (Dockerfile_django, Dockerfile_static).
_PIP_COPY = "COPY requirements.txt /tmp/requirements.txt\n"
_PIP_RUN = "RUN pip install --no-cache-dir -r /tmp/requirements.txt\n"
# Its gettext block and `compilemessages`, needed only with translations (F-13).
_GETTEXT = GETTEXT_INSTALL.render() + "\n\n"
_COMPILE = "RUN python manage.py compilemessages\n\n"
_MANIFEST = f"{WORKDIR}/static/staticfiles.json"
_WSGI = '"core.wsgi"'

# uv's and Poetry's documented ways to install a locked project into the image's Python, with no
# cache left in the layer (uv: docs.astral.sh/uv/guides/integration/docker; Poetry: "poetry
# install --only main --no-root" with virtualenvs.create false).
_UV = (
    "COPY --from=ghcr.io/astral-sh/uv:0.9 /uv /bin/uv\n"
    "COPY pyproject.toml uv.lock /tmp/\n"
    "RUN cd /tmp && UV_PROJECT_ENVIRONMENT=/usr/local uv sync --locked --no-dev "
    "--no-install-project --no-cache\n"
)
_POETRY = (
    "COPY pyproject.toml poetry.lock /tmp/\n"
    "RUN pip install --no-cache-dir poetry \\\n"
    "    && cd /tmp \\\n"
    "    && POETRY_VIRTUALENVS_CREATE=false poetry install --only main --no-root "
    "--no-interaction --no-cache\n"
)


class TemplateDrift(RuntimeError):
    """The bundled handbook template no longer has a line an edit expects."""


@record
class Written:
    """One file ``init`` would write: its name in the project and its text."""

    name: str
    text: str
    source: str  # what it comes from, for the output


def _slug(root: Path) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", root.resolve().name.lower()).strip("-")
    return slug or "app"


def _render(name: str, context: dict[str, object]) -> str:
    text = (TEMPLATE / name).read_text(encoding="utf-8")
    rendered = render(text, context)
    if isinstance(rendered, RenderError):
        raise TemplateDrift(f"handbook template {name}: {rendered.message}")
    return rendered.text


def _replace(text: str, old: str, new: str, name: str) -> str:
    if old not in text:
        raise TemplateDrift(f"handbook template {name} no longer contains {old.strip()!r}")
    return text.replace(old, new)


def _install(text: str, facts: ProjectFacts, name: str) -> str:
    if facts.installer == "uv":
        block = _UV
    elif facts.installer == "poetry":
        block = _POETRY
    else:
        requirements = facts.requirements or "requirements.txt"
        block = f"COPY {requirements} /tmp/requirements.txt\n{_PIP_RUN}"
    return _replace(text, _PIP_COPY + _PIP_RUN, block, name)


def context_for(facts: ProjectFacts) -> dict[str, object]:
    context = load_context((HANDBOOK / "cookiecutter.json").read_text(encoding="utf-8"))
    slug = _slug(facts.root)
    context.update(
        project_name=slug,
        project_slug=slug,
        python_version=facts.python.value,
        # The template ties the collectstatic build stage and the manifest copy to this choice.
        use_fathom="y" if facts.manifest_storage else "n",
    )
    return dict(context)


def dockerfile(facts: ProjectFacts) -> str:
    name = "Dockerfile_django"
    text = _render(name, context_for(facts))
    text = _install(text, facts, name)
    text = _replace(text, _WSGI, f'"{facts.wsgi_module.value}"', name)
    if not facts.locale:
        text = _replace(text, _GETTEXT, "", name)
        text = _replace(text, _COMPILE, "", name)
    if facts.manifest_storage and facts.static_root and facts.static_root != f"{WORKDIR}/static":
        manifest = f"{facts.static_root.rstrip('/')}/staticfiles.json"
        text = _replace(text, _MANIFEST, manifest, name)
    return text


def static_dockerfile(facts: ProjectFacts) -> str:
    name = "Dockerfile_static"
    text = _install(_render(name, context_for(facts)), facts, name)
    # The handbook's own rule (H-20, DJ031): `user:group`. nginx-unprivileged's nginx user has the
    # nginx group as its primary group, so this names the group the image already runs with.
    text = _replace(text, "USER nginx\n", "USER nginx:nginx\n", name)
    if facts.static_root and facts.static_root != f"{WORKDIR}/static":
        text = _replace(text, f"{WORKDIR}/static ", f"{facts.static_root.rstrip('/')} ", name)
    return text


def compose(facts: ProjectFacts) -> str:
    """A production Compose example run the handbook's way: the image sets WEB_CONCURRENCY, the
    deployment overrides the workers with GUNICORN_CMD_ARGS (H-02, H-10, H-64, H-65)."""
    return (
        "# An example of running the images in production, as the OCP deploy repository does.\n"
        "# The Dockerfile sets WEB_CONCURRENCY; set the workers for this server here.\n"
        "services:\n"
        "  django:\n"
        "    build:\n"
        "      context: .\n"
        "      dockerfile: Dockerfile\n"
        "    restart: unless-stopped\n"
        "    # Gunicorn's graceful_timeout (30 s): Compose's default 10 s would cut requests.\n"
        "    stop_grace_period: 30s\n"
        "    env_file:\n"
        "      - path: .env\n"
        "        required: false\n"
        "    environment:\n"
        '      GUNICORN_CMD_ARGS: "--workers 3"\n'
        "    ports:\n"
        '      - "127.0.0.1:8000:8000"\n'
        "  static:\n"
        "    build:\n"
        "      context: .\n"
        "      dockerfile: Dockerfile_static\n"
        "    restart: unless-stopped\n"
        "    ports:\n"
        '      - "127.0.0.1:8080:8080"\n'
    )


def files(facts: ProjectFacts) -> list[Written]:
    """Every file ``init`` writes, in the order it reports them."""
    default_conf = (TEMPLATE / "default.conf").read_text(encoding="utf-8")
    dockerignore = (TEMPLATE / ".dockerignore").read_text(encoding="utf-8")
    if facts.installer != "pip":
        # The install reads pyproject.toml, which the handbook's pip projects leave out.
        dockerignore = _replace(
            dockerignore, "# Configuration\npyproject.toml\n\n", "", ".dockerignore"
        )
    return [
        Written("Dockerfile", dockerfile(facts), "handbook Dockerfile_django"),
        Written("Dockerfile_static", static_dockerfile(facts), "handbook Dockerfile_static"),
        Written("default.conf", default_conf, "handbook default.conf"),
        Written(".dockerignore", dockerignore, "handbook .dockerignore"),
        Written("compose.yaml", compose(facts), "handbook deployment (H-02, H-10, H-64)"),
    ]
