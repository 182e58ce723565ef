"""What the readers of a project's Python files (``gunicorn.conf.py``, settings modules) share:
parsing without running anything, and the budget that bounds the work of evaluating them."""

from __future__ import annotations

import ast


class OverBudget(Exception):
    """The read needs more work than its budget allows: nothing in it is known."""


class Budget:
    """Nodes evaluated so far, against a limit; ``charge`` raises ``OverBudget`` past it."""

    __slots__ = ("limit", "used")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def charge(self, nodes: int = 1) -> None:
        self.used += nodes
        if self.used > self.limit:
            raise OverBudget


def parse_quietly(text: str, filename: str) -> ast.Module:
    """``ast.parse`` without Python's SyntaxWarnings (``1if x``, ``"\\d"``) reaching stderr:
    a checked project's code style is not ours to print."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=filename)
