"""``--jobs``: each file's work in worker processes, the results in the order of the files.

Only what one file needs crosses between processes (its path or text, its options, its result),
so a run's output is the same byte for byte whatever the number of jobs. Planning, Compose
projects, reports and every write stay in the parent.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

from dockerlint_django.cli._common import fail

_T = TypeVar("_T")
_R = TypeVar("_R")

# Below this many files one process is as fast. Linting a corpus file takes about 13 ms;
# importing multiprocessing and forking a worker about 40-60 ms, repaid from about 8 files on
# two cores (16 for a clear gain). A worker that starts a fresh interpreter ('spawn', as on
# macOS and Windows) takes 0.4-1 s before its first file: this process lints alone meanwhile,
# and the worker repays its start from about a hundred files.
MIN_FILES_FORKED = 16
MIN_FILES_SPAWNED = 100


def _start_method() -> str | None:
    # Forking copies a parent that has imported everything already; elsewhere (macOS, where
    # forking is unsafe, and Windows) the platform's default starts fresh interpreters.
    return "fork" if sys.platform.startswith("linux") else None


def worth_processes(jobs: int, files: int) -> bool:
    if jobs < 2:
        return False
    least = MIN_FILES_FORKED if _start_method() == "fork" else MIN_FILES_SPAWNED
    return files >= least


def _start_worker() -> None:
    import signal
    import threading

    # Ctrl-C reaches every process of the terminal's group: the parent alone answers it (it
    # gives out no more work), so that no worker prints a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A parent that is killed (out of memory, SIGKILL) cannot stop its workers, and they would
    # wait for work forever: each leaves when its parent is gone.
    threading.Thread(target=_exit_with_parent, daemon=True).start()


def _exit_with_parent() -> None:
    import multiprocessing
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is not None and parent.sentinel is not None:
        wait([parent.sentinel])
        os._exit(1)


def _each(func: Callable[[_T], _R], chunk: Sequence[_T]) -> list[_R]:
    return [func(task) for task in chunk]


def run_each(func: Callable[[_T], _R], tasks: Sequence[_T], jobs: int) -> list[_R]:
    """``[func(t) for t in tasks]``, in up to ``jobs`` processes (this one among them) when
    there are enough tasks.

    ``func`` and every task and result must be picklable (a module-level function, records):
    a worker started with 'spawn' imports ``func``'s module afresh.
    """
    if not worth_processes(jobs, len(tasks)):
        return [func(task) for task in tasks]
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    got: list[list[_R]] = [[] for _ in tasks]
    # The first task runs here before any worker starts: what it loads on the way (rule
    # modules, tables of base images) a forked worker then has already, instead of each
    # loading it again.
    got[0] = [func(tasks[0])]
    # A few tasks a chunk make the cost of passing one (well under a millisecond) small beside
    # linting them, and keep what a worker has in hand when the run stops short.
    size = max(1, min(4, (len(tasks) - 1) // (jobs * 4)))
    # Each worker with enough files to repay its start several times over.
    workers = max(1, min(jobs - 1, (len(tasks) - 1) // 8))
    sys.stdout.flush()
    sys.stderr.flush()
    executor = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context(_start_method()),
        initializer=_start_worker,
    )
    # Four chunks a worker are given out at a time, so that none waits for the next: with two,
    # a worker that finished both while this process linted a long file sat idle. This
    # process, one of the jobs, takes the tasks after them one at a time in between. Nothing
    # is given out that might have to be taken back: a stopped run waits only for the chunks in
    # hand (cancelling a queued one races with a worker that dies, on Python 3.11).
    inflight: dict[Future[list[_R]], int] = {}
    following = 1
    try:
        while following < len(tasks) or inflight:
            while following < len(tasks) and len(inflight) < 4 * workers:
                chunk = tasks[following : following + size]
                inflight[executor.submit(_each, func, chunk)] = following
                following += len(chunk)
            if following < len(tasks):
                got[following] = [func(tasks[following])]
                following += 1
                finished = [f for f in inflight if f.done()]
            else:
                finished = list(wait(inflight, return_when=FIRST_COMPLETED).done)
            for future in finished:
                got[inflight.pop(future)] = future.result()
    except BrokenProcessPool:
        executor.shutdown(wait=False)
        fail("a worker process ended abruptly (out of memory?); --jobs 1 checks in this process")
    except BaseException:
        # A worker's exception (raised again here) or Ctrl-C: nothing more is given out; the
        # workers leave once the chunks in hand are done (a fraction of a second). Not
        # terminated: a worker killed while it sends a result would leave half a message that
        # the executor's reader would wait for to the end of time.
        executor.shutdown(wait=False)
        raise
    executor.shutdown()
    return [result for results in got for result in results]
