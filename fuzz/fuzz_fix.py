"""The linter and the fixer: the bytes as a Dockerfile, linted with every rule (no rule crashes,
every finding inside the file), then fixed: the output still parses, and is a fixed point.

See fuzz/README.md (and ``python fuzz/fuzz_fix.py -help=1`` for libFuzzer's options).
The checks are ``fuzz.targets.check_fix``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script: the project's root is not on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz._harness import main

if __name__ == "__main__":
    main("fix")
