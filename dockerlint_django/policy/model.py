"""A policy entry as the configuration gives it, checked: what the kinds are bound to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dockerlint_django._record import record
from dockerlint_django.rules._base import Severity


class PolicyError(ValueError):
    """An entry that cannot be used; the message names the entry and the key."""


@record
class Entry:
    """One ``policy:`` entry as written, checked."""

    id: str
    kind: str
    message: str
    severity: Severity
    help: str | None
    files: tuple[str, ...]  # globs relative to the configuration's folder; () for every file
    params: Mapping[str, Any]  # the kind's own keys, read
    index: int  # its place in the list, for messages
    written: Mapping[str, Any]  # the kind's own keys as the configuration gives them
