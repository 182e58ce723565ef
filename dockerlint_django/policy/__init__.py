"""An organisation's own rules, written as data: the configuration's ``policy:`` entries.

Each entry is a rule of its own: its ``id`` is its code in every report (in SARIF, its own
``rules[]`` entry with the entry's message and help), its findings have exact spans like any
rule's, and ``# dockerlint-django: ignore=<id>``, ``ignore``, ``per-file-ignores`` and
``severity`` treat it as they treat a built-in rule. What an entry checks is its ``kind``; each
kind (``policy/kinds.py``) reads the same model the rules read (stages with their users, ENV,
ARG and labels, base images, the shell commands of every RUN), so that ``no curl | sh`` is a
pipeline the shell model found, not a regular expression over text.

An entry with an unknown kind, key or a bad value is a configuration error naming the file, the
entry and the key.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from dockerlint_django.policy.kinds import KINDS, bind_images
from dockerlint_django.policy.model import Entry, PolicyError
from dockerlint_django.rules import POLICY_ID
from dockerlint_django.rules import POLICY_RESERVED as RESERVED
from dockerlint_django.rules._base import (
    CheckFn,
    FixAvailability,
    Grouped,
    Rule,
    RuleMeta,
    ServiceCheckFn,
    Severity,
)

COMMON_KEYS = frozenset({"id", "kind", "message", "severity", "help", "files"})

__all__ = ["COMMON_KEYS", "Entry", "PolicyError", "load", "rules"]


def load(value: Any) -> tuple[Entry, ...]:
    """The entries of a ``policy:`` list; PolicyError for anything that is not one."""
    if not isinstance(value, list):
        raise PolicyError("policy: expected a list of entries")
    out: list[Entry] = []
    seen: set[str] = set()
    for index, raw in enumerate(value):
        where = f"policy[{index}]"
        if not isinstance(raw, Mapping):
            raise PolicyError(f"{where}: expected a mapping with id, kind and message")
        ident = raw.get("id")
        if isinstance(ident, str):
            where = f"policy[{index}] ({ident})"
        if not isinstance(ident, str) or not POLICY_ID.fullmatch(ident):
            raise PolicyError(
                f"{where}.id: expected letters then digits in capitals, such as ORG001"
            )
        if ident.startswith(RESERVED):
            raise PolicyError(f"{where}.id: {ident[:2]} codes are reserved; use your own prefix")
        if ident in seen:
            raise PolicyError(f"{where}.id: {ident} is used by an earlier entry")
        seen.add(ident)
        kind = raw.get("kind")
        if not isinstance(kind, str) or kind not in KINDS:
            raise PolicyError(f"{where}.kind: expected one of {', '.join(sorted(KINDS))}")
        spec = KINDS[kind]
        unknown = sorted(str(k) for k in raw if k not in COMMON_KEYS and k not in spec.keys)
        if unknown:
            known = ", ".join(sorted(spec.keys))
            raise PolicyError(f"{where}.{unknown[0]}: unknown key for kind {kind} (known: {known})")
        message = raw.get("message")
        if not isinstance(message, str) or not message.strip():
            raise PolicyError(f"{where}.message: expected the text a finding shows")
        try:
            severity = Severity.parse(str(raw.get("severity", "warning")))
        except ValueError as exc:
            raise PolicyError(f"{where}.severity: {exc}") from None
        help_url = raw.get("help")
        if help_url is not None and (
            not isinstance(help_url, str) or not help_url.startswith(("https://", "http://"))
        ):
            raise PolicyError(f"{where}.help: expected an http(s) URL")
        files = raw.get("files", [])
        if isinstance(files, str):
            files = [files]
        if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
            raise PolicyError(f"{where}.files: expected a glob or a list of globs")
        written = {str(k): v for k, v in raw.items() if k not in COMMON_KEYS}
        try:
            params = spec.parse(written)
        except PolicyError as exc:
            raise PolicyError(f"{where}.{exc}") from None
        out.append(
            Entry(
                ident,
                kind,
                message.strip(),
                severity,
                help_url,
                tuple(files),
                params,
                index,
                written,
            )
        )
    return tuple(out)


def rules(entries: Sequence[Entry]) -> tuple[Rule, ...]:
    """Each entry as a rule: its checks bound to its parameters, its documentation its own.

    The entries of the image kinds are bound together: one call checks an image for all of them."""
    metas = [
        RuleMeta(
            code=entry.id,
            name=entry.id.lower(),
            severity=entry.severity,
            summary=entry.message,
            fix=FixAvailability.NONE,
            origin="policy",
            kind=KINDS[entry.kind].reads,
            help_uri=entry.help,
            every_target_alike=KINDS[entry.kind].every_stage(entry.params),
        )
        for entry in entries
    ]
    checks: dict[int, tuple[CheckFn | None, ServiceCheckFn | None, Grouped | None]] = {}
    # Every image kind's entries in one group: one call an image for all of them.
    images = [i for i, entry in enumerate(entries) if KINDS[entry.kind].check is not None]
    bound = bind_images([(entries[i], metas[i]) for i in images])
    checks.update(zip(images, bound, strict=True))
    by_kind: dict[str, list[int]] = {}
    for i, entry in enumerate(entries):
        if i not in checks:
            by_kind.setdefault(entry.kind, []).append(i)
    for kind, places in by_kind.items():
        bind = KINDS[kind].bind
        assert bind is not None, kind
        checks.update(zip(places, bind([(entries[i], metas[i]) for i in places]), strict=True))
    return tuple(
        Rule(
            meta,
            checks[i][0],
            functools.partial(_doc, entry),
            f"policy:{entry.id}",
            checks[i][1],
            checks[i][2],
        )
        for i, (entry, meta) in enumerate(zip(entries, metas, strict=True))
    )


def _doc(entry: Entry) -> str:
    """The entry's page: what ``rule <id>`` shows and SARIF's help text."""
    import json  # only when the page is shown: a run that reads the policy does not pay for it

    lines = [
        "## What it does",
        f"{entry.message}",
        "",
        f"A `{entry.kind}` entry of the project's `policy:` configuration (entry {entry.index}).",
    ]
    if entry.written:
        lines += ["", "Its settings:", ""]
        lines += [
            f"- `{key}`: `{json.dumps(value, default=str)}`"
            for key, value in sorted(entry.written.items())
        ]
    if entry.files:
        lines += ["", "It applies to " + ", ".join(f"`{f}`" for f in entry.files) + "."]
    if entry.help:
        lines += ["", "## References", f"- [{entry.id}]({entry.help})"]
    return "\n".join(lines) + "\n"
