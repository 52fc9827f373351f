"""Scale-up on one machine: a build's parsing and matching in worker processes, the database written here.

Much of Stanza's time and all of matching is Python, which runs on one core at a time
per process: on 2 cores, two processes with one PyTorch thread each parse about twice
as fast as one process with two threads. Each worker loads the pipeline once (same
rules folder, models and device; Stanza on its first batch to parse). Batches go out a
few per worker and come back in input order to ``Pipeline.build``, which writes them,
so the database is the one an in-process build makes and memory stays flat. Workers
start with the first call that has more than one batch of work (a single batch runs in
this process: starting workers would cost more) and serve every later call until
``close``.

    with ProcessRunner(pipeline, processes=2) as runner:
        pipeline.build("db/quotes.db", articles, runner=runner)

Workers are spawned (a fork of a process that has run PyTorch can hang), so a script that
does this needs the usual ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import gc
import itertools
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool

from ..records import Article
from .pipeline import Done, Pipeline

Batch = list[tuple[Article, bytes | None]]
IN_FLIGHT_PER_WORKER = 2  # batches sent ahead per worker: enough to keep it busy, few to hold
MOST_PROCESSES = 4  # the default's cap: each worker holds its own Stanza models (about 0.5-1 GB)
# A worker's memory follows the largest batch it has parsed and what the allocator keeps of it: a
# worker is replaced after this many batches (16,000 articles; reloading Stanza takes seconds), so
# memory stays bounded whatever the corpus size.
BATCHES_PER_WORKER = 500
# A batch makes and drops hundreds of thousands of small objects (words, rows) and holds no cycles:
# collecting every 50,000 allocations rather than Python's 700 made re-attribution about 7% faster.
GC_THRESHOLDS = (50_000, 50, 50)
PARENT_CHECK_SECONDS = 1.0  # how often a worker checks that the build that started it is still there
_PR_SET_PDEATHSIG = 1  # Linux prctl(2): the signal a process gets when its parent dies

_pipeline: Pipeline | None = None  # the worker's
_fingerprint: str | None = None  # of what the worker loaded, worked out once


class PoolError(Exception):
    """A worker process died (killed, or out of memory) before giving back its batch."""


def available_cores() -> int:
    """The CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def default_processes(device: str | None = None) -> int:
    """One worker per core, at most ``MOST_PROCESSES``; one on a GPU (the GPU parses, not the cores)."""
    return 1 if device and device.startswith("cuda") else min(available_cores(), MOST_PROCESSES)


def in_order(submit: Callable[[Batch], object], result: Callable[[str, object], Done], batches: Iterable[Batch],
             in_flight: int) -> Iterator[Done]:
    """Each batch's ``Done``, in input order, with at most ``in_flight`` batches submitted and not yet given back.

    ``submit`` starts one batch and returns its future; ``result(first article id, future)`` waits for it.
    """
    pending = deque()
    for batch in batches:
        pending.append((batch[0][0].id, submit(batch)))
        if len(pending) >= in_flight:
            yield result(*pending.popleft())
    while pending:
        yield result(*pending.popleft())


def settle_worker() -> None:
    """Once a worker has loaded its pipeline: what it loaded lives as long as it does, so no garbage
    collection need walk it again, and collections come less often."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def die_with_parent(parent: int) -> None:
    """End this worker process when ``parent``, the build that started it, ends, even killed with SIGKILL: on Linux
    the kernel kills it (``PR_SET_PDEATHSIG``); elsewhere, and as a fallback, a thread sees it orphaned within
    ``PARENT_CHECK_SECONDS``. Workers gone, the resource tracker they shared with the build reads end-of-file and
    ends."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the build died before the line above
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watchdog", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _start_worker(rules_dir: str, model_dir: str, device: str | None, threads: int, parent: int) -> None:
    global _pipeline, _fingerprint
    die_with_parent(parent)
    # read by PyTorch when it loads, on the first batch to parse: the cores are shared between workers
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    _pipeline = Pipeline(rules_dir, model_dir, device)
    _fingerprint = _pipeline.fingerprint()
    settle_worker()


def _work(batch: Batch, fingerprint: str) -> Done:
    if _fingerprint != fingerprint:  # a rule file edited before this worker started
        raise RuntimeError(f"the rules changed during the build (worker {_fingerprint}, "
                           f"writer {fingerprint}): run it again")
    return _pipeline.work(batch)


class ProcessRunner:
    """Runs ``Pipeline.work`` in ``processes`` local worker processes; a ``runner`` for ``Pipeline.build``."""

    def __init__(self, pipeline: Pipeline, processes: int | None = None, batches_per_worker: int = BATCHES_PER_WORKER):
        self.pipeline = pipeline
        self.processes = processes or default_processes(pipeline.parser.device)
        self.batches_per_worker = batches_per_worker
        self.threads = max(1, available_cores() // self.processes)
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None

    def __enter__(self) -> ProcessRunner:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers."""
        if self.pool:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    def __call__(self, batches: Iterable[Batch]) -> Iterator[Done]:
        batches = iter(batches)
        first = list(itertools.islice(batches, 2))
        if self.processes == 1 or (len(first) < 2 and not self.pool):
            yield from map(self.pipeline.work, itertools.chain(first, batches))
            return
        if not self.pool:
            initargs = (str(self.pipeline.rules_dir), str(self.pipeline.parser.model_dir),
                        self.pipeline.parser.device, self.threads, os.getpid())
            self.pool = concurrent.futures.ProcessPoolExecutor(
                self.processes, multiprocessing.get_context("spawn"), initializer=_start_worker, initargs=initargs,
                max_tasks_per_child=self.batches_per_worker)
        fingerprint = self.pipeline.fingerprint()
        try:
            yield from in_order(lambda batch: self.pool.submit(_work, batch, fingerprint), self.result,
                                itertools.chain(first, batches), IN_FLIGHT_PER_WORKER * self.processes)
        except BrokenProcessPool:
            self.close()  # the next call starts new workers
            raise PoolError("a worker process died during the build (killed, or out of memory?): what was written "
                            "stays; run the build again, or with --processes 1") from None

    @staticmethod
    def result(first_id: str, future: concurrent.futures.Future) -> Done:
        return future.result()
