"""apt settings an earlier RUN writes into apt.conf, which DJ101 and DJ104 take as given
(`APT::Install-Recommends "0"`, `APT::Get::Assume-Yes "true"`)."""

from __future__ import annotations

import re

from dockerlint_django.analysis import Analysis, RunStep


def configuring(a: Analysis, setting: re.Pattern[str]) -> list[RunStep]:
    """The RUNs that write ``setting`` into apt's configuration."""
    out = []
    for run in a.runs:
        ins = run.instruction
        if run.onbuild or run.stage is None:
            continue
        text = "\n".join([ins.args.text, *(d.content for d in ins.heredocs)])
        if "apt.conf" in text and setting.search(text):
            out.append(run)
    return out


def configured_before(configuring: list[RunStep], run: RunStep) -> bool:
    """A RUN before this one, in its stage or a parent, configured apt so (an ONBUILD trigger
    runs after all of the parent's RUNs)."""
    if run.stage is None or not configuring:
        return False
    chain = {s.index for s in run.stage.chain}
    at = run.instruction.span.start
    return any(
        c.stage is not None
        and c.stage.index in chain
        and (run.onbuild or c.instruction.span.start < at)
        for c in configuring
    )
