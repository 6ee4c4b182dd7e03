"""Running units on this machine: inline, on threads, or on worker processes.

Threads suit tokcost because counting releases the GIL; reading many tiny files
is Python-heavy, though, so processes scale better there. Either way results
come back in plan order.
"""

from __future__ import annotations

import os
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
    with _executor(jobs, options, processes) as executor:
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


def _executor(jobs: int, options: Options, processes: bool):
    if processes:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # forkserver/spawn would re-import per worker anyway; fork shares the loaded tables.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method),
                                   initializer=_warm, initargs=(options.encoding,))
    from concurrent.futures import ThreadPoolExecutor

    _warm(options.encoding)
    return ThreadPoolExecutor(jobs, thread_name_prefix="tokcost-corpus")
