"""What every ``fuzz/fuzz_*.py`` does: instrument the package, add the seeds, run libFuzzer.

``python fuzz/fuzz_TARGET.py [own options] [libFuzzer options] [corpus folders | input files]``

Own options (taken out before libFuzzer sees the rest):

``--no-seeds``
    do not add the seeds (``fuzz/seeds.py``) as ``-seed_inputs``;
``--max-seeds=N``
    add only N of them, spread evenly over the list (the bounded CI campaign);
``--oracle``
    (the Compose target) also compare every project with Docker Compose's own reading;
``--keep-going``
    a failing input does not stop the run: the first input of each kind of failure (its
    exception and the place it was raised) is written to the ``-artifact_prefix`` as
    ``failure-<sha1>`` and named on one line, and fuzzing goes on. For long campaigns, which
    would otherwise stop at the first known bug (``-fork`` does not work with atheris: its
    children are started as the script itself, which is not executable).

Named input files (not folders) are run once each and nothing is fuzzed, as libFuzzer does: that
is how a crash file is replayed. A folder is a corpus libFuzzer reads and adds new inputs to.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import re
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# libFuzzer dictionaries: the words of each input language, which mutations then insert.
DICTS = Path(__file__).resolve().parent / "dicts"
DICT_OF = {"fix": "dockerfile"}


# The code whose branches guide each target's fuzzing; the rest runs uninstrumented (faster).
# The targets that run the whole linter are guided by all of it.
INSTRUMENTED: dict[str, tuple[str, ...]] = {
    "dockerfile": ("dockerlint_django.dockerfile", "dockerlint_django.source"),
    "shell": ("dockerlint_django.shell", "dockerlint_django.source"),
    "gunicorn_args": ("dockerlint_django.gunicorn", "dockerlint_django.shell.syntax"),
    "context_readers": (
        "dockerlint_django.readers",
        "dockerlint_django.compose.dotenv",
        "dockerlint_django.shell.scripts",
    ),
    "compose": ("dockerlint_django",),
    "fix": ("dockerlint_django",),
}


def _instrument(target: str) -> None:
    """Import the target's modules under atheris' instrumentation, all of them up front: many are
    only imported late, from inside functions, where the import hook no longer sees them."""
    import atheris

    # No comparison hooks: atheris' RegEx proxy refuses ``pattern.search(text, pos, endpos)``.
    include = INSTRUMENTED[target]
    with atheris.instrument_imports(include=list(include)):
        import dockerlint_django

        for info in pkgutil.walk_packages(dockerlint_django.__path__, "dockerlint_django."):
            name = info.name
            if ".handbook" in name or name.endswith("__main__"):
                continue
            if any(name == p or name.startswith(p + ".") for p in include):
                importlib.import_module(name)


def _signature(exc: BaseException) -> str:
    """A kind of failure: the exception type, where it was raised in the package (or in the
    checks), and for a broken invariant its message without the numbers."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "dockerlint_django" in f.filename] or frames[-1:]
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    what = type(exc).__name__
    if isinstance(exc, AssertionError):
        what += (
            ": " + re.sub(r"(?<![A-Z])\d+", "N", str(exc).splitlines()[0] if str(exc) else "")[:80]
        )
    return f"{what} at {where}"


def _keep_going(check: Callable[[bytes], None], prefix: str) -> Callable[[bytes], None]:
    seen: set[str] = set()

    def one_input(data: bytes) -> None:
        try:
            check(data)
        except Exception as exc:
            signature = _signature(exc)
            if signature in seen:
                return
            seen.add(signature)
            path = Path(f"{prefix}failure-{hashlib.sha1(data).hexdigest()}")
            path.write_bytes(data)
            print(f"#failure {signature}: {path}", file=sys.stderr, flush=True)
            traceback.print_exception(exc, limit=-6, file=sys.stderr)

    return one_input


def main(target: str) -> None:
    import atheris

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    args = sys.argv[1:]
    flags = ("--no-seeds", "--oracle", "--keep-going")
    own = {a for a in args if a in flags or a.startswith("--max-seeds=")}
    rest = [a for a in args if a not in own]
    limit = next((int(a.partition("=")[2]) for a in own if a.startswith("--max-seeds=")), None)
    _instrument(target)
    from fuzz import seeds, targets

    check = targets.TARGETS[target]
    if "--oracle" in own:
        targets.COMPOSE_ORACLE = True
    positional = [a for a in rest if not a.startswith("-")]
    replay = any(Path(a).is_file() for a in positional)
    if (
        "--no-seeds" not in own
        and not replay
        and not any(a.startswith("-seed_inputs=") for a in rest)
    ):
        # One scratch folder a target, emptied by the next run: libFuzzer exits without
        # running Python's exit handlers, so nothing could remove it at the end.
        scratch = Path(tempfile.gettempdir()) / "dockerlint-fuzz" / target
        shutil.rmtree(scratch, ignore_errors=True)
        found = seeds.seed_files(target, scratch / "seeds")
        if limit is not None and len(found) > limit:
            # The seeds written for the fuzzers always; a spread of the others.
            written = [p for p in found if p.is_relative_to(seeds.OWN)]
            others = [p for p in found if p not in written]
            room = max(limit - len(written), 0)
            found = written + [others[k * len(others) // room] for k in range(room)]
        listing = scratch / "seeds.txt"
        listing.write_text(",".join(str(p) for p in found), encoding="utf-8")
        rest.append(f"-seed_inputs=@{listing}")
        print(f"#seeds: {len(found)} for {target} (listed in {listing})", file=sys.stderr)

    one_input = check
    if "--keep-going" in own:
        prefix = next((a.partition("=")[2] for a in rest if a.startswith("-artifact_prefix=")), "")
        one_input = _keep_going(check, prefix)

    dictionary = DICTS / f"{DICT_OF.get(target, target)}.dict"
    if dictionary.is_file() and not any(a.startswith("-dict=") for a in rest):
        rest.append(f"-dict={dictionary}")
    # libFuzzer's own options keep the program name in front; the rest is its argv.
    atheris.Setup([sys.argv[0], *rest], one_input)
    atheris.Fuzz()
