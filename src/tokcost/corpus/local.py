"""Running units on this machine: inline, on threads, or on worker processes.

Threads suit tokcost because counting releases the GIL; reading many tiny files
is Python-heavy, though, so processes scale better there. Either way results
come back in plan order.

The threads are kept from one run to the next (one pool per thread count), as
the native batch workers are: each thread's piece caches are what make its
next file cheap, and fresh threads would start every run cold and map their
caches anew (on 1,903 stdlib files that cost 10% more CPU than one thread).

They are this module's own few lines (``_ThreadPool``) rather than
``concurrent.futures.ThreadPoolExecutor``: importing that (and the ``logging``
it pulls in) took 11-13 ms of a ``tokcost count --jobs 2`` run, on the calling
thread before the first unit could start.
"""

from __future__ import annotations

import atexit
import collections
import os
import threading
from typing import Callable, Iterable, Optional, Sequence

from tokcost.corpus.work import Options, run_unit


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _warm(encoding: str) -> None:
    from tokcost.registry import get_encoding

    get_encoding(encoding)


def run_local(units: Iterable, options: Options, *, jobs: Optional[int] = None, processes: bool = False,
              on_done: Optional[Callable[[int], None]] = None, on_busy: Optional[Callable[[], None]] = None) -> list:
    """``[run_unit(u, options) for u in units]`` on ``jobs`` threads (or processes).

    ``units`` may be an iterator still being planned (see ``discover_lazily``):
    each unit is handed to a worker as soon as it arrives, so workers count
    while the caller's thread lists the rest. ``on_busy()`` is called once on
    this thread as soon as every worker has a unit (or every unit is handed out,
    or, inline, before the first): the place for the caller's own work that
    should not hold up the first units, since until then each worker waits for
    this thread's listing, which shares the GIL with whatever else runs.
    """
    jobs = jobs or default_jobs()
    if jobs == 1 or (isinstance(units, Sequence) and len(units) <= 1):
        if on_busy:
            on_busy()
        out = []
        for unit in units:
            out.append(run_unit(unit, options))
            if on_done:
                on_done(len(unit.paths))
        return out
    if processes:
        with _process_pool(jobs, options) as executor:
            return _run_on(executor, jobs, units, options, on_done, on_busy)
    _warm(options.encoding)
    return _run_on(_thread_pool(jobs), jobs, units, options, on_done, on_busy)


def _run_on(executor, jobs: int, units: Iterable, options: Options, on_done: Optional[Callable[[int], None]],
            on_busy: Optional[Callable[[], None]]) -> list:
    submitted: list = []
    try:
        for unit in units:
            submitted.append((unit, executor.submit(run_unit, unit, options)))
            if on_busy and len(submitted) == jobs:
                on_busy, busy = None, on_busy
                busy()
        if on_busy:  # fewer units than workers
            on_busy()
        out = []
        for unit, future in submitted:
            out.append(future.result())
            if on_done:
                on_done(len(unit.paths))
    except BaseException:
        for _, future in submitted:
            future.cancel()
        raise
    return out


def _process_pool(jobs: int, options: Options):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # forkserver/spawn would re-import per worker anyway; fork shares the loaded tables.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method),
                               initializer=_warm, initargs=(options.encoding,))


_thread_pools: dict = {}
_thread_pools_lock = threading.Lock()


def _thread_pool(jobs: int):
    """This process's pool of ``jobs`` corpus threads, started on first use and kept."""
    with _thread_pools_lock:
        pool = _thread_pools.get(jobs)
        if pool is None:
            pool = _thread_pools[jobs] = _ThreadPool(jobs)
        return pool


class _Task:
    """One submitted call: ``result()`` waits for it and returns its value or raises its error."""

    __slots__ = ("fn", "args", "value", "error", "finished")

    def __init__(self, fn: Callable, args: tuple):
        self.fn, self.args = fn, args
        self.value = self.error = None
        self.finished = threading.Event()

    def run(self) -> None:
        fn, self.fn = self.fn, None
        if fn is not None:  # None: cancelled before it started
            try:
                self.value = fn(*self.args)
            except BaseException as exc:  # handed to whoever waits for the result
                self.error = exc
        self.finished.set()

    def result(self):
        self.finished.wait()
        if self.error is not None:
            raise self.error
        return self.value

    def cancel(self) -> None:
        self.fn = None


class _ThreadPool:
    """``jobs`` daemon threads taking tasks first come, first served (``submit`` as an
    executor's). At exit they are told to stop and joined once they finish the task in hand,
    as ThreadPoolExecutor's are, so none is still counting while the interpreter tears down."""

    def __init__(self, jobs: int):
        self._tasks: collections.deque = collections.deque()
        self._ready = threading.Condition(threading.Lock())
        self._threads = [threading.Thread(target=self._work, name=f"tokcost-corpus_{i}", daemon=True)
                         for i in range(jobs)]
        for thread in self._threads:
            thread.start()
        _live_pools.append(self)

    def submit(self, fn: Callable, *args) -> _Task:
        task = _Task(fn, args)
        with self._ready:
            self._tasks.append(task)
            self._ready.notify()
        return task

    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._tasks:
                    self._ready.wait()
                task = self._tasks.popleft()
            if task is None:
                return
            task.run()

    def stop(self) -> None:
        with self._ready:
            self._tasks.extendleft([None] * len(self._threads))  # ahead of any task not started
            self._ready.notify_all()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join()


_live_pools: list = []


def _stop_pools() -> None:
    while _live_pools:
        _live_pools.pop().stop()


atexit.register(_stop_pools)


def _forget_thread_pools() -> None:
    # A forked child has none of the parent's threads: its pools start over.
    global _thread_pools_lock
    _thread_pools.clear()
    _live_pools.clear()
    _thread_pools_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_thread_pools)
