"""GitHub's ``primaryLocationLineHash``, computed the way ``github/codeql-action`` computes it.

A port of ``hash()`` in ``src/fingerprints.ts`` (github/codeql-action, commit
0225834cc549ee0ca93cb085b92954821a145866). ``upload-sarif`` fills this fingerprint in only when
a result lacks it, and only when the file is in the checkout; an upload through the REST API never
does. Emitting the same value ourselves means an alert keeps its identity when lines move,
whichever way the SARIF reaches GitHub, and the action finds nothing to disagree with.

The hash of a line is a polynomial rolling hash (base 37, wrapping at 64 bits) over the 100
characters that start at that line, spaces and tabs left out and every line break read as
``\\n``; past the end of the file come one 65535 and then zeros. A hash seen before on an earlier
line gets the next counter: ``"<hex>:<n>"``.
"""

from __future__ import annotations

_BLOCK_SIZE = 100
_MOD = 37
_MASK = (1 << 64) - 1
_FIRST_MOD = pow(_MOD, _BLOCK_SIZE, 1 << 64)
_TAB = 0x09
_SPACE = 0x20
_LF = 0x0A
_CR = 0x0D
_EOF = 0xFFFF


def _code_units(text: str) -> list[int]:
    # JavaScript's charCodeAt counts UTF-16 code units: a character outside the BMP is two of them.
    data = text.encode("utf-16-le")
    return [data[i] | (data[i + 1] << 8) for i in range(0, len(data), 2)]


def line_hashes(text: str) -> list[str]:
    """The fingerprint of every line of ``text``; item ``i`` is line ``i + 1``.

    ``text`` is the file as Node reads it: decoded UTF-8 with any byte order mark kept.
    """
    window = [0] * _BLOCK_SIZE
    # The line whose first counted character sits at this window slot, or -1.
    line_numbers = [-1] * _BLOCK_SIZE
    h = 0
    index = 0
    line_number = 0
    line_start = True
    prev_cr = False
    counts: dict[str, int] = {}
    out: list[str] = []

    def emit() -> None:
        value = f"{h:x}"
        counts[value] = counts.get(value, 0) + 1
        # Lines are numbered in the order they are emitted, so a list is enough.
        assert line_numbers[index] == len(out) + 1
        out.append(f"{value}:{counts[value]}")
        line_numbers[index] = -1

    for current in [*_code_units(text), _EOF]:
        if current in (_SPACE, _TAB) or (prev_cr and current == _LF):
            prev_cr = False
            continue
        if current == _CR:
            current = _LF
            prev_cr = True
        else:
            prev_cr = False
        if line_numbers[index] != -1:
            emit()
        if line_start:
            line_start = False
            line_number += 1
            line_numbers[index] = line_number
        if current == _LF:
            line_start = True
        begin = window[index]
        window[index] = current
        h = (_MOD * h + current - _FIRST_MOD * begin) & _MASK
        index = (index + 1) % _BLOCK_SIZE

    for _ in range(_BLOCK_SIZE):
        if line_numbers[index] != -1:
            emit()
        begin = window[index]
        window[index] = 0
        h = (_MOD * h - _FIRST_MOD * begin) & _MASK
        index = (index + 1) % _BLOCK_SIZE
    return out
