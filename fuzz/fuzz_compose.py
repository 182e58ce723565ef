"""The Compose reader and the checks of what it loads: the bytes as a project (``compose.yaml``,
then a ``#%% path`` line before each further file), loaded as Docker Compose loads it, and its
services, the Dockerfiles they build and their scripts checked. ``--oracle`` also compares the
model with Docker Compose's own.

See fuzz/README.md (and ``python fuzz/fuzz_compose.py -help=1`` for libFuzzer's options).
The checks are ``fuzz.targets.check_compose``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script: the project's root is not on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz._harness import main

if __name__ == "__main__":
    main("compose")
