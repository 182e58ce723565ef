"""Rule packs: the rules a profile turns on, written in the configuration's own form.

A pack is a configuration without files of its own: ``select`` (or ``extend-select``),
``ignore``, ``severity``, ``rules``, ``policy`` entries and the ``profile`` the rules see. The two
built-in packs are the profiles: ``generic`` and ``ocp`` (the OCP handbook's conventions on top).
A configuration names packs in ``extends`` (built-in names, or pack files of an organisation's
own), and its own keys come after theirs: see ``merge``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from dockerlint_django.rules._base import Severity

GENERIC: Final[Mapping[str, Any]] = {
    "profile": "generic",
    "select": [
        # Tier 1: the Dockerfile.
        "DJ001", "DJ002", "DJ004", "DJ010", "DJ011", "DJ013", "DJ015", "DJ018", "DJ020",
        "DJ021", "DJ022", "DJ023", "DJ026", "DJ027", "DJ030", "DJ031", "DJ032", "DJ033",
        "DJ034", "DJ035", "DJ036", "DJ040", "DJ041", "DJ042", "DJ045", "DJ047", "DJ049",
        "DJ064", "DJ101", "DJ102", "DJ103", "DJ104", "DJ105", "DJ106", "DJ107", "DJ108",
        "DJ109", "DJ900", "DJ901", "DJ902", "DJ903",
        # Tier 2: Compose files, scripts and the files they read.
        "DJ003", "DJ005", "DJ006", "DJ007", "DJ012", "DJ014", "DJ016", "DJ017", "DJ024",
        "DJ025", "DJ028", "DJ038", "DJ044", "DJ046", "DJ050", "DJ051", "DJ052", "DJ111",
        # Tier 3: the build context and the static-files image.
        "DJ054", "DJ062", "DJ110",
    ],
}  # fmt: skip

OCP: Final[Mapping[str, Any]] = {
    "extends": ["generic"],
    "profile": "ocp",
    # The OCP handbook's own conventions (catalogue §8.6, Tier 3), and migrate at startup, which
    # its deployments run as a separate step.
    "extend-select": [
        "DJ043", "DJ048", "DJ053", "DJ055", "DJ056", "DJ060", "DJ061", "DJ063",
    ],
    # The handbook's `--threads 2` is the house convention (catalogue §8.2).
    "severity": {"DJ013": "warning"},
}  # fmt: skip

BUILT_IN: Final[Mapping[str, Mapping[str, Any]]] = {"generic": GENERIC, "ocp": OCP}

# Keys whose values add up across packs; the others are replaced by a later one's.
_ADDED = frozenset({"extend-select", "ignore", "policy", "policy-files"})
_MERGED = frozenset({"severity", "rules", "per-file-ignores"})


def merge(layers: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Packs and then the configuration, in order: ``policy``, ``policy-files``,
    ``extend-select`` and ``ignore`` add up; ``severity``, ``rules`` and ``per-file-ignores``
    merge, the later key winning; any other key (``select``, ``profile``, …) is the last one
    given."""
    out: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if key == "extends":
                continue
            if key in _ADDED and key in out and isinstance(out[key], list):
                out[key] = [*out[key], *(value if isinstance(value, list) else [value])]
            elif (
                key in _MERGED and isinstance(out.get(key), Mapping) and isinstance(value, Mapping)
            ):
                out[key] = {**out[key], **value}
            else:
                out[key] = value
    return out


def flattened(name: str) -> dict[str, Any]:
    """A built-in pack with the packs it extends."""
    pack = BUILT_IN[name]
    bases = [flattened(base) for base in pack.get("extends", [])]
    return merge([*bases, pack])


@cache
def default_codes(profile: str) -> frozenset[str]:
    """The rules a configuration that selects none runs under ``profile``."""
    pack = flattened(profile)
    return frozenset(pack.get("select", [])) | frozenset(pack.get("extend-select", []))


@cache
def severities(profile: str) -> Mapping[str, Severity]:
    """The severities the profile's pack sets; a configuration's own come first
    (``Config.severity_of``)."""
    from dockerlint_django.rules._base import Severity

    return {
        code: Severity.parse(level)
        for code, level in flattened(profile).get("severity", {}).items()
    }
