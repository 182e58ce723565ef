"""apt settings an earlier RUN writes into apt.conf, which DJ101 and DJ104 take as given
(`APT::Install-Recommends "0"`, `APT::Get::Assume-Yes "true"`)."""

from __future__ import annotations

from dockerlint_django._record import LazyPattern
from dockerlint_django.analysis import Analysis, RunStep
from dockerlint_django.dockerfile.model import Stage


class Configuring:
    """The RUNs that write a setting into apt's configuration, by stage."""

    def __init__(self, runs: list[RunStep]) -> None:
        self.runs = runs
        self._first: dict[int, int] = {}  # stage index -> where its first such RUN starts
        for c in runs:
            if c.stage is not None:
                at = c.instruction.span.start
                self._first[c.stage.index] = min(at, self._first.get(c.stage.index, at))
        self._in_ancestor: dict[int, bool] = {}  # stage index -> an ancestor has one

    def before(self, run: RunStep) -> bool:
        """A RUN before this one, in its stage or a parent, configured apt so (an ONBUILD
        trigger runs after all of the parent's RUNs)."""
        if run.stage is None or not self._first:
            return False
        if self._ancestor_has(run.stage):
            return True  # a parent's RUNs all come before this stage's
        first = self._first.get(run.stage.index)
        return first is not None and (run.onbuild or first < run.instruction.span.start)

    def _ancestor_has(self, stage: Stage) -> bool:
        for s in stage.chain:  # oldest first: each parent is settled before its child
            if s.index not in self._in_ancestor:
                parent = s.parent
                self._in_ancestor[s.index] = parent is not None and (
                    self._in_ancestor[parent.index] or parent.index in self._first
                )
        return self._in_ancestor[stage.index]


def configuring(a: Analysis, setting: LazyPattern) -> Configuring:
    """The RUNs that write ``setting`` into apt's configuration."""
    out = []
    for run in a.runs:
        ins = run.instruction
        if run.onbuild or run.stage is None:
            continue
        if "apt.conf" not in ins.args.text and not any(
            "apt.conf" in d.content for d in ins.heredocs
        ):
            continue
        text = "\n".join([ins.args.text, *(d.content for d in ins.heredocs)])
        if setting.search(text):
            out.append(run)
    return Configuring(out)


def configured_before(configuring: Configuring, run: RunStep) -> bool:
    """A RUN before this one, in its stage or a parent, configured apt so (an ONBUILD trigger
    runs after all of the parent's RUNs)."""
    return configuring.before(run)
