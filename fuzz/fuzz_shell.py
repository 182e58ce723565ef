"""The shell parser: the bytes as a script, parsed as dash and as bash, split as Compose and as
shlex split, followed as an entrypoint; every span inside the text.

See fuzz/README.md (and ``python fuzz/fuzz_shell.py -help=1`` for libFuzzer's options).
The checks are ``fuzz.targets.check_shell``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script: the project's root is not on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz._harness import main

if __name__ == "__main__":
    main("shell")
