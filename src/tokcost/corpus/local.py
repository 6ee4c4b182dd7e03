"""Running units on this machine: inline, on threads, or on worker processes.

Threads suit tokcost because counting releases the GIL; reading many tiny files
is Python-heavy, though, so processes scale better there. Either way results
come back in plan order.

The threads are kept from one run to the next (one pool per thread count), as
the native batch workers are: each thread's piece caches are what make its
next file cheap, and fresh threads would start every run cold and map their
caches anew (on 1,903 stdlib files that cost 10% more CPU than one thread).
"""

from __future__ import annotations

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
              on_done: Optional[Callable[[int], None]] = None) -> list:
    """``[run_unit(u, options) for u in units]`` on ``jobs`` threads (or processes).

    ``units`` may be an iterator still being planned (see ``discover_lazily``):
    each unit is handed to a worker as soon as it arrives, so workers count
    while the caller's thread lists the rest.
    """
    jobs = jobs or default_jobs()
    if jobs == 1 or (isinstance(units, Sequence) and len(units) <= 1):
        out = []
        for unit in units:
            out.append(run_unit(unit, options))
            if on_done:
                on_done(len(unit.paths))
        return out
    if processes:
        with _process_pool(jobs, options) as executor:
            return _run_on(executor, units, options, on_done)
    _warm(options.encoding)
    return _run_on(_thread_pool(jobs), units, options, on_done)


def _run_on(executor, units: Iterable, options: Options, on_done: Optional[Callable[[int], None]]) -> list:
    submitted: list = []
    try:
        for unit in units:
            submitted.append((unit, executor.submit(run_unit, unit, options)))
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
            from concurrent.futures import ThreadPoolExecutor

            pool = _thread_pools[jobs] = ThreadPoolExecutor(jobs, thread_name_prefix="tokcost-corpus")
        return pool


def _forget_thread_pools() -> None:
    # A forked child has none of the parent's threads: its pools start over.
    global _thread_pools_lock
    _thread_pools.clear()
    _thread_pools_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_thread_pools)
