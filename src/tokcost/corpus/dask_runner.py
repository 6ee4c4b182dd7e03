"""Running units on a Dask cluster: ``tcp://scheduler:8786``, or ``local`` for a LocalCluster.

Workers must see the files under the same paths (a shared or network file
system); only paths and byte offsets travel, never file contents. A worker
plugin loads the encoding when the worker starts, so each worker loads it once
and every task reuses it. dask is imported here only, on first use.

>>> with dask_client("local", n_workers=2, processes=False) as client:   # doctest: +SKIP
...     results = run_dask(units, options, client)
"""

from __future__ import annotations

import contextlib
import logging
from typing import Callable, Optional, Sequence

from tokcost.corpus.work import DEFAULT_BATCH_BYTES, Options, run_unit

INSTALL_HINT = "Dask is an optional extra: pip install 'tokcost[dask]'"


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ImportError(f"--dask needs dask.distributed. {INSTALL_HINT}") from None
    return distributed


try:  # this module is imported only when Dask is asked for
    from distributed import WorkerPlugin as _PluginBase
except ImportError:
    _PluginBase = object


class LoadEncoding(_PluginBase):
    """Worker plugin: load the encoding once when the worker starts."""

    def __init__(self, encoding: str):
        self.encoding = encoding
        self.name = f"tokcost-load-{encoding}"

    def setup(self, worker=None):
        from tokcost.registry import get_encoding

        get_encoding(self.encoding)



@contextlib.contextmanager
def dask_client(address: str, *, n_workers: Optional[int] = None, processes: bool = True, **cluster_kwargs):
    """A Client for ``address``; ``local`` starts (and later stops) a LocalCluster."""
    distributed = _distributed()
    if address == "local":
        from tokcost.corpus.local import default_jobs

        cluster = distributed.LocalCluster(n_workers=n_workers or default_jobs(), threads_per_worker=1,
                                           processes=processes, dashboard_address=None,
                                           silence_logs=cluster_kwargs.pop("silence_logs", logging.ERROR), **cluster_kwargs)
        try:
            with distributed.Client(cluster) as client:
                yield client
        finally:
            cluster.close()
    else:
        with distributed.Client(address) as client:
            yield client


# Units on Dask are larger than local ones: a task costs the scheduler and the worker a few
# milliseconds of messages (32 empty tasks took 0.12 s on one local worker), about what counting
# 100 KB does. Each worker still gets several units, so none is left with a long tail.
TASKS_PER_WORKER = 4
MIN_UNIT_BYTES = 1 << 20
MAX_UNIT_FILES = 4096


def dask_batches(sources: Sequence, client) -> dict:
    """``batch_bytes`` and ``batch_files`` for ``work.plan`` on the cluster behind ``client``:
    about TASKS_PER_WORKER units per worker, of at least MIN_UNIT_BYTES (a file is a unit of its own only
    past ``batch_bytes``: a task's messages cost what counting 100 KB does)."""
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    total = sum(max(source.size, 0) for source in sources)
    return {"batch_bytes": min(DEFAULT_BATCH_BYTES, max(MIN_UNIT_BYTES, total // (TASKS_PER_WORKER * workers))),
            "batch_files": MAX_UNIT_FILES, "alone_bytes": None}


def run_dask(units: Sequence, options: Options, client, *,
             on_done: Optional[Callable[[int], None]] = None) -> list:
    """``[run_unit(u, options) for u in units]`` on the cluster behind ``client``, in plan order."""
    distributed = _distributed()
    client.register_plugin(LoadEncoding(options.encoding))
    futures = client.map(run_unit, list(units), options=options, pure=False)
    try:
        if on_done:
            index = {f.key: i for i, f in enumerate(futures)}
            for future in distributed.as_completed(futures):
                on_done(len(units[index[future.key]].paths))
        return client.gather(futures)
    finally:
        client.cancel(futures)
