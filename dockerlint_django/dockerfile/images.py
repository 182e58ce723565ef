"""Image references, and what the linter knows about the base images they name.

A base image's defaults decide many findings: a final stage with no ``USER`` on ``python:3.12``
runs as root, on ``nginxinc/nginx-unprivileged`` it does not; ``COPY --chown=app`` needs an ``app``
account, which neither ``node`` nor ``debian`` has. What is known of each image (its
configuration, its distribution, package manager, shell, Python and accounts) is data, with the
build file it was read from: ``base-images.toml`` beside this module, read the first time a rule
asks. An image that is not there is *unknown*, and so is any field its entry leaves unknown; rules
that depend on it stay silent.

A run reads the table from ``_base_images.py``, the TOML as Python data: parsing the TOML cost a
one-file run more than linting the file. ``python -m dockerlint_django.dockerfile.images``
rewrites it, and a test fails when it differs from the TOML or the TOML does not load.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Final

from dockerlint_django._record import LazyPattern, record

DATA_PATH = Path(__file__).with_name("base-images.toml")
MODULE_PATH = Path(__file__).with_name("_base_images.py")


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


_REF = LazyPattern(
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
    """What an image sets and holds, from ``base-images.toml``; ``None`` is unknown.

    ``cmd`` and ``entrypoint`` are None when the image sets none, or when its start command is not
    known (``command_known`` False): the model of a stage built on it sees no start command either
    way. ``users``/``groups`` list the image's accounts only when ``accounts_known``.
    """

    distribution: str | None  # family: "debian" (Ubuntu too), "alpine", "rhel", "wolfi", …
    user: str | None = "root"
    cmd: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    command_known: bool = True
    workdir: str | None = "/"
    expose: tuple[str, ...] = ()
    stopsignal: str | None = None
    os: str | None = None  # "debian", "ubuntu", "alpine", "fedora", "amazonlinux", …
    package_manager: str | None = None  # "apt", "apk", "dnf", "microdnf", "yum", "none"
    shell: bool | None = None  # /bin/sh exists
    python: bool | None = None
    python_version: str | None = None
    has_gettext: bool = False
    accounts_known: bool = False
    users: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    # uid -> name, for a numeric USER
    uid_names: tuple[tuple[str, str], ...] = ()
    # The image's ENTRYPOINT script switches to this user for these commands (its first argument).
    steps_down_user: str | None = None
    steps_down_commands: tuple[str, ...] = ()
    source: str = ""

    @property
    def family(self) -> str:
        """The family whose accounts ``users``/``groups`` hold; "" when they are not known.

        Rules that look names up (DJ031, DJ035, ``accounts.exists``) read "" as "any name may
        exist"; ``distribution`` is the family whatever is known of the accounts.
        """
        if not self.accounts_known or self.distribution is None:
            return ""
        return self.distribution

    def steps_down_for(self, command: str | None) -> str | None:
        """The user the image's own ENTRYPOINT script runs ``command`` as, when it switches to
        one (postgres's ``exec gosu postgres "$BASH_SOURCE" "$@"``); None otherwise or unknown."""
        if self.steps_down_user is None or command is None:
            return None
        if any(_glob(command, pattern) for pattern in self.steps_down_commands):
            return self.steps_down_user
        return None


def known_image(ref: ImageRef) -> KnownImage | None:
    """What ``base-images.toml`` says of this image and tag; None when it is not there."""
    name = ref.name
    tag = (ref.tag or "latest").lower()
    key = (name, tag)
    if key not in _CACHE:
        _CACHE[key] = _lookup(_data(), name, tag)
    return _CACHE[key]


# -- the data file ------------------------------------------------------------------------------

_CACHE: dict[tuple[str, str], KnownImage | None] = {}
_LOADED: list[_Data] = []

# Fields of an entry or variant, and what each must be.
_CONFIG_LISTS = ("cmd", "entrypoint")
_STRINGS = frozenset(
    {"source", "user", "workdir", "stopsignal", "family", "os", "package_manager"}
    | {"python_version", "python_version_from_tag", "accounts"}
)
_BOOLS = frozenset({"shell", "python", "has_gettext", "known"})
_LISTS = frozenset({"expose", "users", "groups"})
_ENTRY_ONLY = frozenset({"names", "variant"})
_FIELDS = _STRINGS | _BOOLS | _LISTS | frozenset(_CONFIG_LISTS) | {"uids", "steps_down"}
_ACCOUNT_FIELDS = frozenset({"source", "base", "users", "groups", "uids"})
_PACKAGE_MANAGERS = frozenset({"apt", "apk", "dnf", "microdnf", "yum", "zypper", "none"})
_FAMILIES = frozenset({"debian", "alpine", "rhel", "wolfi", "busybox", "distroless", "scratch"})


@record
class _Accounts:
    users: frozenset[str]
    groups: frozenset[str]
    uids: tuple[tuple[str, str], ...]


@record
class _Entry:
    position: int  # in the file: the first entry that names an image wins
    names: tuple[str, ...]
    fields: dict[str, Any]
    variants: tuple[tuple[tuple[str, ...], dict[str, Any]], ...]


@record
class _Data:
    mirrors: tuple[str, ...]
    accounts: dict[str, _Accounts]
    exact: dict[str, list[_Entry]]
    globbed: tuple[_Entry, ...]


class DataError(ValueError):
    """``base-images.toml`` does not have the shape this module reads."""


def _data() -> _Data:
    if not _LOADED:
        from dockerlint_django.dockerfile._base_images import DOC

        # The tests check DOC against the TOML, and that the TOML passes every check `load` makes.
        _LOADED.append(_from_doc(DOC, checked=True))
    return _LOADED[0]


def load(text: str) -> _Data:
    """Parse and check a ``base-images.toml``; a mistake in it is a DataError, not a silent miss."""
    return _from_doc(_parse_toml(text), checked=False)


def _parse_toml(text: str) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(str(exc)) from exc


def _from_doc(doc: dict[str, Any], checked: bool) -> _Data:
    mirrors = tuple(_str_list(doc.get("mirrors", {}).get("docker_hub_library", []), "mirrors"))
    raw_accounts = doc.get("accounts", {})
    if not isinstance(raw_accounts, dict):
        raise DataError("[accounts] must be a table")
    accounts: dict[str, _Accounts] = {}
    for name in raw_accounts:
        accounts[name] = _accounts(raw_accounts, name, ())
    exact: dict[str, list[_Entry]] = {}
    globbed: list[_Entry] = []
    images = doc.get("image", [])
    if not isinstance(images, list):
        raise DataError("[[image]] must be an array of tables")
    for position, raw in enumerate(images):
        entry = _entry(raw, position, accounts, checked)
        if any(any(c in name for c in "*?[") for name in entry.names):
            globbed.append(entry)
        for name in entry.names:
            exact.setdefault(name, []).append(entry)
    return _Data(mirrors, accounts, exact, tuple(globbed))


def _accounts(raw: dict[str, Any], name: str, seen: tuple[str, ...]) -> _Accounts:
    table = raw.get(name)
    if not isinstance(table, dict):
        raise DataError(f"no [accounts.{name}] table")
    if name in seen:
        raise DataError(f"[accounts.{name}] is its own base")
    unknown = set(table) - _ACCOUNT_FIELDS
    if unknown:
        raise DataError(f"[accounts.{name}]: unknown keys {sorted(unknown)}")
    if not isinstance(table.get("source"), str):
        raise DataError(f"[accounts.{name}] needs a source")
    users = set(_str_list(table.get("users", []), f"accounts.{name}.users"))
    groups = set(_str_list(table.get("groups", []), f"accounts.{name}.groups"))
    uids = _uids(table.get("uids", {}), f"accounts.{name}")
    base = table.get("base")
    if base is not None:
        parent = _accounts(raw, str(base), (*seen, name))
        users |= parent.users
        groups |= parent.groups
        uids = parent.uids + uids
    return _Accounts(frozenset(users), frozenset(groups), uids)


def _entry(raw: object, position: int, accounts: dict[str, _Accounts], checked: bool) -> _Entry:
    where = f"[[image]] #{position + 1}"
    if not isinstance(raw, dict):
        raise DataError(f"{where} must be a table")
    names = tuple(_str_list(raw.get("names"), f"{where}.names"))
    if not names:
        raise DataError(f"{where} needs names")
    where = f"[[image]] {names[0]}"
    fields = {k: v for k, v in raw.items() if k not in _ENTRY_ONLY}
    if not checked:
        _check_fields(fields, where, accounts)
    variants: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    raw_variants = raw.get("variant", [])
    if not isinstance(raw_variants, list):
        raise DataError(f"{where}: variant must be an array of tables")
    for i, variant in enumerate(raw_variants):
        if not isinstance(variant, dict):
            raise DataError(f"{where} variant #{i + 1} must be a table")
        tags = tuple(_str_list(variant.get("tags"), f"{where} variant #{i + 1}.tags"))
        if not tags:
            raise DataError(f"{where} variant #{i + 1} needs tags")
        own = {k: v for k, v in variant.items() if k != "tags"}
        if not checked:
            _check_fields(own, f"{where} variant {tags[0]}", accounts)
        variants.append((tags, own))
    has_source = "source" in fields or (
        bool(variants) and all("source" in own or own.get("known") is False for _, own in variants)
    )
    if not has_source:
        raise DataError(f"{where} needs a source")
    return _Entry(position, names, fields, tuple(variants))


def _check_fields(fields: dict[str, Any], where: str, accounts: dict[str, _Accounts]) -> None:
    unknown = set(fields) - _FIELDS
    if unknown:
        raise DataError(f"{where}: unknown keys {sorted(unknown)}")
    for key, value in fields.items():
        if key in _STRINGS and not isinstance(value, str):
            raise DataError(f"{where}: {key} must be a string")
        if key in _BOOLS and not isinstance(value, bool):
            raise DataError(f"{where}: {key} must be true or false")
        if key in _LISTS:
            _str_list(value, f"{where}.{key}")
        if key in _CONFIG_LISTS and value not in ("none", "unknown"):
            _str_list(value, f"{where}.{key}")
        if key == "uids":
            _uids(value, where)
    steps = fields.get("steps_down")
    if steps is not None and (
        not isinstance(steps, dict)
        or set(steps) != {"user", "commands"}
        or not isinstance(steps["user"], str)
    ):
        raise DataError(f"{where}: steps_down must be {{ user = …, commands = […] }}")
    if steps is not None:
        _str_list(steps["commands"], f"{where}.steps_down.commands")
    if "accounts" in fields and fields["accounts"] not in accounts:
        raise DataError(f"{where}: no [accounts.{fields['accounts']}] table")
    if fields.get("package_manager", "none") not in _PACKAGE_MANAGERS:
        raise DataError(f"{where}: unknown package manager {fields['package_manager']!r}")
    if fields.get("family", "debian") not in _FAMILIES:
        raise DataError(f"{where}: unknown family {fields['family']!r}")
    pattern = fields.get("python_version_from_tag")
    if isinstance(pattern, str):
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise DataError(f"{where}: python_version_from_tag: {exc}") from exc
        if compiled.groups < 1:
            raise DataError(f"{where}: python_version_from_tag needs a group")


def _str_list(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DataError(f"{where} must be a list of strings")
    return list(value)


def _uids(value: object, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise DataError(f"{where}: uids must be a table")
    out: list[tuple[str, str]] = []
    for uid, name in value.items():
        if not uid.isdigit() or not isinstance(name, str):
            raise DataError(f"{where}: uids maps a number to a name")
        out.append((uid, name))
    return tuple(out)


def _lookup(data: _Data, name: str, tag: str) -> KnownImage | None:
    for prefix in data.mirrors:
        if name.startswith(prefix) and "/" not in name[len(prefix) :]:
            name = name[len(prefix) :]
            break
    candidates = list(data.exact.get(name, ()))
    candidates += [e for e in data.globbed if any(_glob(name, n) for n in e.names)]
    if not candidates:
        return None
    entry = min(candidates, key=lambda e: e.position)
    fields = dict(entry.fields)
    if entry.variants:
        for tags, own in entry.variants:
            if any(_glob(tag, t) for t in tags):
                fields.update(own)
                break
        else:
            return None
    if fields.get("known") is False:
        return None
    return _build(fields, tag, data)


def _config(value: object) -> tuple[str, ...] | None:
    return tuple(value) if isinstance(value, list) else None


def _build(fields: dict[str, Any], tag: str, data: _Data) -> KnownImage:
    cmd, entrypoint = fields.get("cmd", "none"), fields.get("entrypoint", "none")
    user = fields.get("user", "root")
    workdir = fields.get("workdir", "/")
    version = fields.get("python_version")
    pattern = fields.get("python_version_from_tag")
    if version is None and pattern is not None:
        found = re.search(pattern, tag)
        version = found.group(1) if found else None
    accounts = data.accounts.get(fields["accounts"]) if "accounts" in fields else None
    users = frozenset(fields.get("users", ()))
    groups = frozenset(fields.get("groups", ()))
    uids = _uids(fields.get("uids", {}), "")
    if accounts is not None:
        users |= accounts.users
        groups |= accounts.groups
        uids = accounts.uids + uids
    steps = fields.get("steps_down")
    return KnownImage(
        distribution=fields.get("family"),
        user=None if user == "unknown" else user,
        cmd=_config(cmd),
        entrypoint=_config(entrypoint),
        command_known="unknown" not in (cmd, entrypoint),
        workdir=None if workdir == "unknown" else workdir,
        expose=tuple(fields.get("expose", ())),
        stopsignal=fields.get("stopsignal"),
        os=fields.get("os"),
        package_manager=fields.get("package_manager"),
        shell=fields.get("shell"),
        python=fields.get("python"),
        python_version=version,
        has_gettext=bool(fields.get("has_gettext", False)),
        accounts_known=accounts is not None,
        users=users,
        groups=groups,
        uid_names=uids,
        steps_down_user=steps["user"] if steps is not None else None,
        steps_down_commands=tuple(steps["commands"]) if steps is not None else (),
        source=str(fields.get("source", "")),
    )


def _glob(text: str, pattern: str) -> bool:
    """``fnmatchcase``, without compiling a regular expression for the table's usual globs (only
    ``*``s and literal text), whose first use would cost a one-file run more than its matching."""
    if "?" in pattern or "[" in pattern:
        # What comes before the first wildcard is literal: most texts fail on it, uncompiled.
        literal = min(i for i in (pattern.find(c) for c in "*?[") if i >= 0)
        return text.startswith(pattern[:literal]) and fnmatchcase(text, pattern)
    parts = pattern.split("*")
    if len(parts) == 1:
        return text == pattern
    first, last = parts[0], parts[-1]
    if len(text) < len(first) + len(last) or not text.startswith(first) or not text.endswith(last):
        return False
    # The middle parts in order, each as early as it can be: a `*` matches any run of characters.
    at, end = len(first), len(text) - len(last)
    for part in parts[1:-1]:
        found = text.find(part, at, end)
        if found < 0:
            return False
        at = found + len(part)
    return True


# -- the table as Python data -------------------------------------------------------------------

_WIDTH: Final = 100


def _literal(value: object, indent: int) -> str:
    """``value`` as Python source, one item a line where it does not fit on one."""
    flat = repr(value).replace("'", '"') if not _has_quote(value) else repr(value)
    if indent + len(flat) <= _WIDTH - 2 or not isinstance(value, dict | list) or not value:
        return flat
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        items = [f"{pad}{_literal(k, 0)}: {_literal(v, indent + 4)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{pad}{_literal(v, indent + 4)}," for v in value]
    return "[\n" + "\n".join(items) + "\n" + " " * indent + "]"


def _has_quote(value: object) -> bool:
    if isinstance(value, str):
        return '"' in value or "'" in value or "\\" in value
    if isinstance(value, dict):
        return any(_has_quote(k) or _has_quote(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_quote(v) for v in value)
    return False


def data_module(text: str) -> str:
    """The source of ``_base_images.py`` for the TOML ``text``."""
    return (
        '"""``base-images.toml`` as Python data, which a run reads without parsing TOML.\n\n'
        "Generated by ``python -m dockerlint_django.dockerfile.images``, never edited by hand:\n"
        "edit the TOML and run it; a test fails when the two differ.\n"
        '"""\n\n'
        "# ruff: noqa: E501\n"
        "from __future__ import annotations\n\n"
        "from typing import Any, Final\n\n"
        "# fmt: off\n"
        f"DOC: Final[dict[str, Any]] = {_literal(_parse_toml(text), 0)}\n"
        "# fmt: on\n"
    )


if __name__ == "__main__":
    MODULE_PATH.write_text(data_module(DATA_PATH.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {MODULE_PATH}")
