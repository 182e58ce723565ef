"""Image references and what the linter knows about common base images.

A base image's default user, command and users decide several findings (a final stage with no
``USER`` on ``python:3.12`` runs as root; on ``nginxinc/nginx-unprivileged`` it does not).
Images not
in this table are *unknown*: rules that depend on them stay silent.
"""

from __future__ import annotations

import re

from dockerlint_django._record import record

_DEBIAN_USERS = frozenset(
    [
        "root",
        "daemon",
        "bin",
        "sys",
        "sync",
        "games",
        "man",
        "lp",
        "mail",
        "news",
        "uucp",
        "proxy",
        "www-data",
        "backup",
        "list",
        "irc",
        "_apt",
        "nobody",
    ]
)
_DEBIAN_GROUPS = _DEBIAN_USERS - {"sync", "_apt"} | frozenset(
    [
        "adm",
        "tty",
        "disk",
        "kmem",
        "dialout",
        "fax",
        "voice",
        "cdrom",
        "floppy",
        "tape",
        "sudo",
        "audio",
        "dip",
        "operator",
        "src",
        "shadow",
        "utmp",
        "video",
        "sasl",
        "plugdev",
        "staff",
        "users",
        "nogroup",
    ]
)
_ALPINE_USERS = frozenset(
    [
        "root",
        "bin",
        "daemon",
        "adm",
        "lp",
        "sync",
        "shutdown",
        "halt",
        "mail",
        "news",
        "uucp",
        "operator",
        "man",
        "postmaster",
        "cron",
        "ftp",
        "sshd",
        "at",
        "squid",
        "xfs",
        "games",
        "cyrus",
        "vpopmail",
        "ntp",
        "smmsp",
        "guest",
        "nobody",
    ]
)
_ALPINE_GROUPS = _ALPINE_USERS - {"sync", "shutdown", "halt", "operator", "postmaster", "sshd"} | (
    frozenset(
        [
            "sys",
            "tty",
            "disk",
            "mem",
            "kmem",
            "wheel",
            "floppy",
            "audio",
            "cdrom",
            "dialout",
            "tape",
            "video",
            "netdev",
            "kvm",
            "abuild",
            "utmp",
            "ping",
            "www-data",
            "users",
        ]
    )
)


@record
class ImageRef:
    raw: str
    registry: str  # "docker.io" when none is given
    repository: str  # "library/" stripped for Docker Hub official images: "python"
    tag: str | None
    digest: str | None

    @property
    def name(self) -> str:
        """Repository with a registry prefix only when it is not Docker Hub."""
        if self.registry == "docker.io":
            return self.repository
        return f"{self.registry}/{self.repository}"


_REF = re.compile(
    r"^(?P<name>[^@:/]+(?::\d+)?(?:/[^@:]+)*|[^@:]+)(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>\S+))?$"
)


def parse_image_ref(text: str) -> ImageRef | None:
    """Split a Docker image reference; None when it is not one (e.g. it still holds ``$VAR``)."""
    if not text or any(c in text for c in "$ \t{}") or text.lower() == "scratch":
        return None
    name, _, digest = text.partition("@")
    tag: str | None = None
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, rest
    else:
        registry, repository = "docker.io", name
    if registry in ("index.docker.io", "registry-1.docker.io"):
        registry = "docker.io"
    if registry == "docker.io" and repository.startswith("library/"):
        repository = repository[len("library/") :]
    if not repository:
        return None
    return ImageRef(text, registry, repository.lower(), tag, digest or None)


@record
class KnownImage:
    """Defaults an image sets. ``None`` fields are not set by the image (Docker's apply)."""

    family: str  # "debian", "alpine", "rhel", or "" when unknown
    user: str = "root"
    cmd: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    workdir: str = "/"
    expose: tuple[str, ...] = ()
    stopsignal: str | None = None
    users: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    has_gettext: bool = False
    # uid -> name, for images whose default user is numeric
    uid_names: tuple[tuple[str, str], ...] = ()


_PYTHON_DEBIAN = KnownImage("debian", cmd=("python3",), users=_DEBIAN_USERS, groups=_DEBIAN_GROUPS)
_PYTHON_ALPINE = KnownImage("alpine", cmd=("python3",), users=_ALPINE_USERS, groups=_ALPINE_GROUPS)
_NGINX_UNPRIVILEGED = KnownImage(
    "debian",
    user="101",
    cmd=("nginx", "-g", "daemon off;"),
    entrypoint=("/docker-entrypoint.sh",),
    expose=("8080",),
    stopsignal="SIGQUIT",
    users=_DEBIAN_USERS | {"nginx"},
    groups=_DEBIAN_GROUPS | {"nginx"},
    uid_names=(("101", "nginx"),),
)


def known_image(ref: ImageRef) -> KnownImage | None:
    repo = ref.name
    tag = ref.tag or "latest"
    alpine = "alpine" in tag
    if repo == "python":
        return _PYTHON_ALPINE if alpine else _PYTHON_DEBIAN
    if repo in (
        "nginxinc/nginx-unprivileged",
        "nginx/nginx-unprivileged",
        "ghcr.io/nginx/nginx-unprivileged",
        "ghcr.io/nginxinc/nginx-unprivileged",
    ):
        return _NGINX_UNPRIVILEGED
    if repo == "nginx":
        return KnownImage(
            "alpine" if alpine else "debian",
            cmd=("nginx", "-g", "daemon off;"),
            entrypoint=("/docker-entrypoint.sh",),
            expose=("80",),
            stopsignal="SIGQUIT",
            users=(_ALPINE_USERS if alpine else _DEBIAN_USERS) | {"nginx"},
            groups=(_ALPINE_GROUPS if alpine else _DEBIAN_GROUPS) | {"nginx"},
        )
    if repo == "ghcr.io/benoitc/gunicorn":
        return KnownImage(
            "debian",
            user="gunicorn",
            entrypoint=("docker-entrypoint.sh",),
            workdir="/app",
            expose=("8000",),
            users=_DEBIAN_USERS | {"gunicorn"},
            groups=_DEBIAN_GROUPS | {"gunicorn"},
        )
    if repo == "ubuntu":
        # Ubuntu 23.04 and later ship a default `ubuntu` user (uid 1000); older tags do not, but
        # an extra known name only keeps a finding from firing.
        return KnownImage(
            "debian",
            cmd=("bash",),
            users=_DEBIAN_USERS | {"ubuntu"},
            groups=_DEBIAN_GROUPS | {"ubuntu"},
        )
    if repo in ("debian", "buildpack-deps"):
        return KnownImage("debian", cmd=("bash",), users=_DEBIAN_USERS, groups=_DEBIAN_GROUPS)
    if repo == "alpine":
        return KnownImage("alpine", cmd=("/bin/sh",), users=_ALPINE_USERS, groups=_ALPINE_GROUPS)
    return None
