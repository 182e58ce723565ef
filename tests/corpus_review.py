"""Print every finding some rules give on the corpus, project by project, for reading by hand.

    python -m tests.corpus_review DJ005 DJ016 [--projects NAME ...]

Each corpus project, laid out as its repository has it (``tests.conftest.corpus_tree``, under
``/tmp/dockerlint-corpus-tree``), is checked as ``dockerlint-django check FOLDER`` would (its
Dockerfiles, Compose files and what they pull in), with only the named rules. Paths in the output
are relative to that tree. The precision figures in issue notes come from reading this output.
"""

from __future__ import annotations

import argparse
import os
import sys
from io import StringIO
from pathlib import Path

from dockerlint_django.cli import collect_results, run_for
from dockerlint_django.formatters import FormatOptions
from dockerlint_django.formatters.text import write
from tests.conftest import corpus_tree

TREE = Path("/tmp/dockerlint-corpus-tree")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("codes", nargs="+")
    parser.add_argument("--projects", nargs="*", default=None)
    args = parser.parse_args(argv)
    root = corpus_tree(TREE)
    os.chdir(root)
    total = 0
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if args.projects and folder.name not in args.projects:
            continue
        results = collect_results(run_for([folder.name, "--select", ",".join(args.codes)]))
        wanted = {c.upper() for c in args.codes} | {"DJ902"}
        for r in results:
            # Parse errors (DJ900) are reported whatever is selected; they are not under review.
            r.findings = [f for f in r.findings if f.code in wanted]
        findings = [f for r in results for f in r.findings]
        errors = [r.error for r in results if r.error is not None]
        if not findings and not errors:
            continue
        total += len(findings)
        buf = StringIO()
        write(results, buf, FormatOptions(quiet=True))
        print(f"## {folder.name}")
        for e in errors:
            print(f"error: {e}")
        print(buf.getvalue(), end="")
    print(f"{total} findings")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
