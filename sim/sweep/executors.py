"""Where runs execute: in this process, in a pool of local processes, or on a Dask cluster.

Every executor offers ``map_unordered(fn, items)``: results in the order they finish, with a
bounded number of items in flight (so memory stays flat however many there are). What a run
computes never depends on the executor: the seeds come from the sweep, not from the worker.
"""

from __future__ import annotations

import logging
import os
import queue
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterable, Iterator

from .. import parallel
from .spec import SweepError

EXECUTORS = ("local", "dask")
QUIET_LOGGERS = ("distributed.client", "distributed.utils")


class Executor:
    """Base: ``submit(fn, item)`` returns a future with ``add_done_callback`` and ``result``."""

    workers: int = 1

    def submit(self, fn: Callable, item):
        raise NotImplementedError

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator:
        finished: queue.Queue = queue.Queue()
        pending = set()
        items = iter(items)
        limit = 2 * self.workers
        try:
            while True:
                for item in items:
                    future = self.submit(fn, item)
                    pending.add(future)
                    future.add_done_callback(finished.put)
                    if len(pending) >= limit:
                        break
                if not pending:
                    return
                future = finished.get()
                pending.discard(future)
                yield self.result(future)
        except BaseException:
            self.abort(pending)
            raise

    def result(self, future):
        """A finished item's result (a run's own errors are in its record, not raised)."""
        return future.result()

    def abort(self, pending) -> None:
        """Stop the work in flight (on Ctrl-C or an error)."""

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Serial(Executor):
    """In this process, one item at a time."""

    def map_unordered(self, fn, items):
        for item in items:
            yield fn(item)


class Processes(Executor):
    """A pool of ``workers`` local processes (forkserver: no inherited threads or state); the
    workers exit when this process dies, even by ``kill -9``."""

    def __init__(self, workers: int):
        self.workers = workers
        ctx = parallel.context(["sim.sweep.engine"])  # safe from a script without a __main__ guard
        self.pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=parallel.worker_init,
                                        initargs=(os.getpid(),))

    def submit(self, fn, item):
        return self.pool.submit(fn, item)

    def abort(self, pending) -> None:
        # Python 3.12 has no public way to stop running workers (3.14 adds terminate_workers).
        processes = list((self.pool._processes or {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class Dask(Executor):
    """A Dask cluster: the scheduler at ``address``, or a local cluster of ``workers`` processes."""

    def __init__(self, workers: int | None = None, address: str | None = None, timeout: float = 30):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise SweepError("the dask executor needs Dask's distributed scheduler: "
                             "pip install 'cascade-sim[distributed]'") from None
        self.cluster = None
        self.where = f"the Dask scheduler at {address}" if address else "the local Dask cluster"
        try:
            if address:
                self.client = Client(address, timeout=timeout)
            else:
                self.cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                            processes=True, host="127.0.0.1", dashboard_address=None,
                                            silence_logs=logging.ERROR)
                self.client = Client(self.cluster, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            if self.cluster is not None:
                self.cluster.close()
            raise SweepError(f"cannot reach the Dask scheduler at {address or 'the local cluster'}: {exc}") from None
        # A lost scheduler is reported once, as a SweepError; the client's own reconnection
        # tracebacks would bury it (restored on close).
        self._loggers = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
        info = self.client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def submit(self, fn, item):
        return self.client.submit(fn, item, pure=False)

    def result(self, future):
        try:
            return future.result()
        except Exception as exc:  # the cluster failed (runs record their own errors): one line
            reason = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise SweepError(f"{self.where} stopped the sweep ({type(exc).__name__}: "
                             f"{reason}); the runs that finished are saved: run the same command again "
                             "to finish") from None

    def abort(self, pending) -> None:
        if pending:
            self.client.cancel(list(pending))

    def close(self) -> None:
        try:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        finally:
            for name, level in self._loggers.items():
                logging.getLogger(name).setLevel(level)


def check_executor(kind: str, workers: int | None, scheduler: str | None) -> None:
    """Raise ``SweepError`` for a bad combination (before anything starts)."""
    if kind not in EXECUTORS:
        raise SweepError(f"executor = {kind!r} is not allowed: expected one of {', '.join(EXECUTORS)}")
    if workers is not None and workers < 1:
        raise SweepError(f"workers = {workers} is not allowed: expected at least 1")
    if scheduler and kind != "dask":
        raise SweepError("a scheduler address is for the dask executor (--executor dask)")


def make_executor(kind: str = "local", workers: int | None = None, scheduler: str | None = None) -> Executor:
    """``local``: ``workers`` processes (1: this process; default: every core); ``dask``: the
    cluster at ``scheduler`` (``tcp://host:port``), or a local one of ``workers`` processes."""
    check_executor(kind, workers, scheduler)
    if kind == "local":
        workers = workers or os.cpu_count() or 1
        return Serial() if workers == 1 else Processes(workers)
    return Dask(workers, scheduler)


__all__ = ["Executor", "Serial", "Processes", "Dask", "make_executor", "check_executor", "EXECUTORS"]
