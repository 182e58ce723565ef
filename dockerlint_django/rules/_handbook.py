"""The handbook's lines that fixes insert, in one place.

Fixes that add lines write the handbook's own text, taken from its cookiecutter template
(``dockerlint_django/handbook/cookiecutter-django/{{cookiecutter.project_slug}}/Dockerfile_django``,
T-01 in the catalogue). Each block names the template line it comes from, and
``tests/test_handbook_blocks.py`` checks that the bundled template still has that text, so a change
in the handbook fails there and is one edit here.

Blocks are kept as lines without their continuation backslashes: a fix writes them with the
Dockerfile's own escape character and newline.
"""

from __future__ import annotations

from dockerlint_django._record import record

TEMPLATE_FILE = "Dockerfile_django"


@record
class Block:
    """Lines of the handbook's ``Dockerfile_django``, joined by line continuations when written."""

    lines: tuple[str, ...]
    # The first line of the block in the handbook's template (1-based), for its documentation.
    handbook_line: int

    def render(self, escape: str = "\\", newline: str = "\n", indent: str = "") -> str:
        """The block as Dockerfile text, without a final newline."""
        return f" {escape}{newline}{indent}".join(self.lines)


@record
class Words:
    """Words of the handbook's start command, appended to a server's command line together."""

    words: tuple[str, ...]
    handbook_line: int


# "RUN apt-get update && apt-get install -y --no-install-recommends \ gettext \ && rm -rf ..."
GETTEXT_INSTALL = Block(
    (
        "RUN apt-get update && apt-get install -y --no-install-recommends",
        "        gettext",
        "    && rm -rf /var/lib/apt/lists/*",
    ),
    handbook_line=18,
)

# H-21: "Use the name `runner` for the non-root user".
USER_NAME = "runner"
GROUP_NAME = "runner"
CREATE_USER = Block(
    (f"RUN groupadd -r {GROUP_NAME} && useradd --no-log-init -r -g {GROUP_NAME} {USER_NAME}",),
    handbook_line=22,
)
SWITCH_USER = Block((f"USER {USER_NAME}:{GROUP_NAME}",), handbook_line=28)
CHOWN = f"--chown={USER_NAME}:{GROUP_NAME}"

# T-07: the runtime stage copies the manifest that collectstatic wrote in the build stage.
MANIFEST_COMMENT = "# Django needs a copy of the staticfiles.json manifest file."
MANIFEST_COMMENT_LINE = 32


def manifest_copy(stage: str, chown: str | None, source: str, destination: str) -> str:
    """The handbook's ``COPY --from=build-stage --chown=runner:runner …staticfiles.json …`` line."""
    flags = [f"--from={stage}"]
    if chown is not None:
        flags.append(f"--chown={chown}")
    return " ".join(["COPY", *flags, source, destination])


MANIFEST_COPY_LINE = 33

# T-08, H-43: the runtime stage (and the build stage that collects static files) run with the
# OCP settings' production switch.
DJANGO_ENV = Block(("ENV DJANGO_ENV=production",), handbook_line=36)
WEB_CONCURRENCY = Block(("ENV WEB_CONCURRENCY=2",), handbook_line=37)

# The start command: CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000",
#   "--worker-tmp-dir", "/dev/shm", "--no-control-socket", "--threads", "2", "--name", "<slug>"]
START_COMMAND_LINE = 42
WORKER_TMP_DIR = Words(("--worker-tmp-dir", "/dev/shm"), handbook_line=START_COMMAND_LINE)
NO_CONTROL_SOCKET = Words(("--no-control-socket",), handbook_line=START_COMMAND_LINE)
THREADS = Words(("--threads", "2"), handbook_line=START_COMMAND_LINE)
