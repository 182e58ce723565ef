"""The readers of build-context files: the bytes as gunicorn.conf.py, a settings module and
manage.py, requirements, pyproject.toml, a Pipfile, an nginx conf, an env file and a script's
``#!`` line. No reader of a context file may raise.

See fuzz/README.md (and ``python fuzz/fuzz_context_readers.py -help=1`` for libFuzzer's options).
The checks are ``fuzz.targets.check_context_readers``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script: the project's root is not on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz._harness import main

if __name__ == "__main__":
    main("context_readers")
