"""The positioned YAML tree every stage of Compose reading works on.

Compose (compose-go) reads a file into a tree of maps, lists and scalars, then resets, merges,
interpolates, extends, includes, validates and normalises that tree. This package does the same
steps on these nodes, so that every value still knows the file, line and column it was written at,
and through which ``extends``/``include``/``-f`` merge it arrived: a finding on a merged service
points at the line that set the value, not at the service.

Nodes are immutable in practice: every stage builds new nodes (``with_value``, ``with_items``)
instead of editing, because an alias shares one node between several places.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dockerlint_django._record import field, record

if TYPE_CHECKING:
    from dockerlint_django.source import Position, SourceFile, Span

ScalarValue = str | int | float | bool | None


class ComposeError(Exception):
    """Input Compose rejects. ``path`` is the file as shown to users; line/column 1-based or 0."""

    def __init__(self, message: str, path: str = "", line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column

    def one_line(self) -> str:
        where = self.path
        if where and self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        text = " ".join(self.message.split())  # one line, whatever the cause printed
        return f"{where}: {text}" if where else text


@record
class Origin:
    """Where a node was written: a span of one file, and the way it came into the project."""

    source: SourceFile = field(repr=False)
    span: Span
    # How the value reached the project, outermost first: e.g. ("include: other/compose.yaml",
    # "extends: base in common.yaml"). Empty for a value of a file named with -f.
    via: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return self.source.path

    def __repr__(self) -> str:
        return f"Origin({self.source.path}:{self.line}:{self.column}, via={self.via!r})"

    @property
    def start(self) -> Position:
        return self.source.position(self.span.start)

    @property
    def line(self) -> int:
        return self.start.line

    @property
    def column(self) -> int:
        return self.start.column

    def through(self, step: str) -> Origin:
        return Origin(self.source, self.span, (step, *self.via))


@record
class Node:
    """Base of the three node kinds. ``origin`` is None for a node Compose itself adds."""

    origin: Origin | None
    # The YAML tag as written ("!reset", "!override", "!!str"), or None for an untagged node.
    tag: str | None = field(default=None, kw_only=True)
    # The anchor this node was defined with (`&name`), for messages and fixes.
    anchor: str | None = field(default=None, kw_only=True)


@record
class Scalar(Node):
    """A scalar resolved as go-yaml v3 resolves it when decoding into ``any``.

    ``value`` is None, bool, int, float or str; ``kind`` is the resolved YAML tag without the
    ``!!`` ("null", "bool", "int", "float", "str", "timestamp", "binary"). ``style`` is "plain",
    "'", '"', "|" or ">", as written (fixes need it to keep quoting).
    """

    value: ScalarValue = field(kw_only=True)
    kind: str = field(kw_only=True)
    style: str = field(default="plain", kw_only=True)
    # Variables interpolation met that have no value here (no .env, --env-file or --env entry):
    # Compose would substitute a default or a blank, but a deployment may set them, so a value that
    # depends on one is not known. Names in the order met.
    unset: tuple[str, ...] = field(default=(), kw_only=True)

    @property
    def known(self) -> bool:
        return not self.unset

    def text(self) -> str:
        """The value as a Compose string field sees it (go's fmt of the decoded value)."""
        v = self.value
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)


@record
class Mapping(Node):
    """A YAML mapping after ``<<`` merge keys are applied: keys unique, in written order."""

    items: tuple[tuple[Scalar, Node], ...] = field(kw_only=True)
    flow: bool = field(default=False, kw_only=True)

    def get(self, key: str) -> Node | None:
        for k, v in self.items:
            if k.value == key or (k.value is not None and k.text() == key):
                return v
        return None

    def key_node(self, key: str) -> Scalar | None:
        for k, _ in self.items:
            if k.text() == key:
                return k
        return None

    def keys(self) -> Iterator[str]:
        return (k.text() for k, _ in self.items)

    def __contains__(self, key: object) -> bool:
        return any(k.text() == key for k, _ in self.items)


@record
class Sequence(Node):
    items: tuple[Node, ...] = field(kw_only=True)
    flow: bool = field(default=False, kw_only=True)
