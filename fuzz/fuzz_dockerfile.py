"""The Dockerfile parser: the bytes as a Dockerfile, parsed as BuildKit parses it (PyPI
``dockerfile``), accepted or refused alike, with every span inside the file.

See fuzz/README.md (and ``python fuzz/fuzz_dockerfile.py -help=1`` for libFuzzer's options).
The checks are ``fuzz.targets.check_dockerfile``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script: the project's root is not on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz._harness import main

if __name__ == "__main__":
    main("dockerfile")
