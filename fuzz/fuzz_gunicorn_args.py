"""The Gunicorn option parser: the bytes as argv (one word a line; read as argparse reads it,
with the same option table), as shell words and as ``GUNICORN_CMD_ARGS``; then every settings
layer resolved.

See fuzz/README.md (and ``python fuzz/fuzz_gunicorn_args.py -help=1`` for libFuzzer's options).
The checks are ``fuzz.targets.check_gunicorn_args``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script: the project's root is not on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz._harness import main

if __name__ == "__main__":
    main("gunicorn_args")
