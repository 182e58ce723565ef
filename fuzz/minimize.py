"""Shrink an input that fails a fuzz target, keeping the same failure.

``python fuzz/minimize.py TARGET FILE [OUT]`` removes lines, then runs of bytes, as long as the
check still fails the same way (the same exception, raised at the same place: see
``_harness._signature``), and writes the result to OUT (default: FILE.min), printing it as a
bytes literal ready for tests/test_fuzz_regressions.py. libFuzzer's own ``-minimize_crash``
cannot be used: it starts the harness as a program of its own, which a Python script is not.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz._harness import _signature


def failure(check: Callable[[bytes], None], data: bytes) -> str | None:
    """The kind of failure ``data`` causes, or None when the check passes."""
    try:
        check(data)
    except Exception as exc:
        return _signature(exc)
    return None


def shrink(check: Callable[[bytes], None], data: bytes, budget: int = 20_000) -> bytes:
    want = failure(check, data)
    if want is None:
        raise SystemExit("the input does not fail this target")
    tries = 0

    def same(candidate: bytes) -> bool:
        nonlocal tries
        tries += 1
        return failure(check, candidate) == want

    progress = True
    while progress and tries < budget:
        progress = False
        lines = data.split(b"\n")
        for i in range(len(lines)):
            candidate = b"\n".join(lines[:i] + lines[i + 1 :])
            if same(candidate):
                data, progress = candidate, True
                break
        if progress:
            continue
        for size in (64, 16, 4, 1):
            for i in range(0, len(data) - size + 1):
                candidate = data[:i] + data[i + size :]
                if same(candidate):
                    data, progress = candidate, True
                    break
                if tries >= budget:
                    break
            if progress:
                break
    return data


def main() -> None:
    if len(sys.argv) not in (3, 4):
        raise SystemExit(__doc__)
    from fuzz.targets import TARGETS

    target, source = sys.argv[1], Path(sys.argv[2])
    out = Path(sys.argv[3]) if len(sys.argv) == 4 else source.with_name(source.name + ".min")
    check = TARGETS[target]
    small = shrink(check, source.read_bytes())
    out.write_bytes(small)
    print(f"{failure(check, small)}\n{out}: {len(small)} bytes\n{small!r}")


if __name__ == "__main__":
    main()
