"""Memory of a lint per byte of input, for the inputs made of many shell words.

A heredoc of a hundred thousand lines is parsed into a Word for every word, and the rules keep
them all: with a ``__dict__`` on every record and a string for every word, three heredocs of
100,000 lines (15 MB) took 1.7 GB. The peak is measured with tracemalloc (what Python allocates,
so the number is the same from run to run) over a whole lint with every rule on.
"""

from __future__ import annotations

import copy
import gc
import pickle
import tracemalloc
from collections.abc import Callable

import pytest

from dockerlint_django.config import Config
from dockerlint_django.engine import Options, lint_source
from dockerlint_django.rules import CODES
from dockerlint_django.shell.syntax import Expansion, SimpleCommand, Word, parse_script
from dockerlint_django.source import Mapped, SourceFile, Span

_OPTIONS = Options(Config(select=tuple(CODES)))
_PER_BYTE = 50
_CONSTANT = 1_000_000  # what a lint allocates whatever the size (caches filled on first use)


def _heredocs(n: int) -> str:
    body = "".join(f"echo hello world from line {i:06d} of the heredoc\n" for i in range(n))
    return "# syntax=docker/dockerfile:1\nFROM python:3.12\n" + f"RUN <<EOF\n{body}EOF\n" * 3


def _long_run(n: int) -> str:
    steps = "".join(f"    echo step {i} of the long run && \\\n" for i in range(n))
    return f"FROM python:3.12\nRUN apt-get update && \\\n{steps}    true\n"


def _peak(text: str) -> int:
    lint_source(SourceFile.from_text("Dockerfile", "FROM python:3.12\nRUN echo\n"), _OPTIONS)
    source = SourceFile.from_text("Dockerfile", text)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = lint_source(source, _OPTIONS)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert not result.parse_failed
    return peak


# Measured at 42 and 47 bytes a byte (they were 63 and 75).
@pytest.mark.parametrize(
    ("make", "n"), [(_heredocs, 2000), (_long_run, 2000)], ids=["heredocs", "long-run"]
)
def test_a_lint_takes_at_most_fifty_bytes_a_byte(make: Callable[[int], str], n: int) -> None:
    text = make(n)
    peak = _peak(text)
    assert peak <= _PER_BYTE * len(text) + _CONSTANT, (peak, len(text), peak / len(text))


def test_words_of_a_script_share_their_strings() -> None:
    script = parse_script(Mapped.from_source("echo a b\necho a c\n", 0))
    first, second = script.commands
    assert first.words[0].value is second.words[0].value
    assert first.words[1].raw.text is second.words[1].raw.text
    assert first.words[1].span == Span(5, 6) and second.words[1].span == Span(14, 15)


def test_the_slotted_records_behave_as_records() -> None:
    script = parse_script(Mapped.from_source('A=1 exec cmd "$X" b 2>&1 <<E\nbody\nE\n', 3))
    (cmd,) = script.commands
    samples: list[object] = [cmd, cmd.words[0], cmd.words[1].expansions[0], Span(1, 4)]
    for obj in samples:
        assert not hasattr(obj, "__dict__")
        # Pickled (the worker processes of --jobs send results back), copied and compared as
        # any record.
        assert pickle.loads(pickle.dumps(obj)) == obj
        assert copy.deepcopy(obj) == obj and copy.copy(obj) == obj
        assert hash(obj) == hash(copy.deepcopy(obj))
    with pytest.raises(AttributeError):
        cmd.words[0].value = "x"  # type: ignore[misc]
    # The defaults of the fields still apply, and are not shared state of the class.
    word = Word(Mapped.from_source("a", 0), "a", None, Mapped.from_source("a", 0))
    assert word.expansions == () and word.quoted is False
    assert Expansion("glob", Mapped.from_source("*", 0)).name is None
    assert isinstance(cmd, SimpleCommand) and cmd.words[0].value == "cmd"


# Reference cycles: a file's model is freed when its check is done, not when the collector runs.

_CYCLIC = """\
# syntax=docker/dockerfile:1
FROM python:3.12 AS build
RUN apt-get update && apt-get install -y --no-install-recommends gettext \\
    && pip install --no-cache-dir -r requirements.txt
FROM build AS prod
USER nobody
CMD ["gunicorn", "app.wsgi", "--workers", "3"]
FROM prod AS dev
CMD ["python", "manage.py", "runserver"]
"""


def test_a_files_check_leaves_no_reference_cycles_of_its_model() -> None:
    # One cycle anywhere (a stage that was its own root) keeps every Word, Span and Mapped the
    # model reaches alive until a full collection: on the corpus that was 420 objects a file.
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for i in range(5):
            lint_source(SourceFile.from_text(f"Dockerfile.{i}", _CYCLIC), _OPTIONS)
        gc.collect()
        ours = [o for o in gc.garbage if type(o).__module__.startswith("dockerlint_django")]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if enabled:
            gc.enable()
    assert [type(o).__qualname__ for o in ours] == []
