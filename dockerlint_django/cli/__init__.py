"""The command line: ``check``, ``fix``, ``rule``, ``parse``, ``init``.

Exit codes: 0 nothing at or above the ``--fail-on`` threshold, 1 findings, 2 usage, configuration
or input errors (a file that cannot be read or that BuildKit would not parse).

One module a command; ``_run`` decides what a run checks, ``_common`` the shared options.
"""

from __future__ import annotations

import sys

# The command modules register themselves on the group when imported; ``info``'s commands are
# imported when asked for (``_common._Commands``).
from dockerlint_django.cli import check as _check_module
from dockerlint_django.cli import fix as _fix_module
from dockerlint_django.cli._common import cli, repository_root
from dockerlint_django.cli._output import pair_outputs
from dockerlint_django.cli._run import collect_results
from dockerlint_django.cli.check import run_for

__all__ = ["cli", "collect_results", "main", "pair_outputs", "repository_root", "run_for"]
_COMMANDS = (_check_module, _fix_module)


# A run makes hundreds of thousands of objects that live until their file is done, and almost no
# reference cycles (tests/test_growth_memory.py keeps it so): at CPython's default threshold of 700
# allocations the collector ran about 250 times over the corpus, walking live objects to find
# nothing, 4% of the run. What the imports made is never garbage, and is frozen out of its walks.
GC_THRESHOLD = (50_000, 20, 20)


def main() -> None:
    """The console command. Only here, not in ``cli``, is the process's collector tuned: a
    program that calls ``cli`` keeps its own settings."""
    import gc

    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
