"""Worker processes that are safe to start from a plain script.

multiprocessing's ``forkserver`` and ``spawn`` start methods run the caller's main module again in
every worker (as ``__mp_main__``), so that functions defined there can be unpickled. Our workers
only ever need the ``sim`` package; and a script that calls ``sim.run(..., jobs=2)`` at its top
level, without an ``if __name__ == "__main__":`` guard, would start the run again in every worker,
which fails, is restarted, and fails again (thousands of tracebacks, never returning). So the
processes of ``context()`` start with the main module's file and spec hidden for the instant of
their launch: the workers do not import it, and the script runs once, guarded or not.
Each worker (``worker_init``) leaves Ctrl-C to its parent and exits as soon as the parent is gone.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.context
import os
import select
import signal
import sys
import threading
import time

_LOCK = threading.Lock()


@contextlib.contextmanager
def _main_hidden():
    """While a worker is launched: no ``__main__.__file__`` and ``__spec__`` for multiprocessing
    to tell the worker to import (they are put back at once)."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    with _LOCK:
        saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__}
        main.__dict__.pop("__file__", None)
        main.__spec__ = None
        try:
            yield
        finally:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)


class _Process(multiprocessing.context.ForkServerProcess):
    def start(self):
        with _main_hidden():
            super().start()


class _Context(multiprocessing.context.ForkServerContext):
    Process = _Process


def context(preload: list[str]) -> multiprocessing.context.BaseContext:
    """A ``forkserver`` context (no inherited threads or state) whose workers preload the modules
    ``preload`` and never import the caller's main module. For ``multiprocessing.Pool`` and
    ``concurrent.futures.ProcessPoolExecutor(mp_context=...)``."""
    ctx = _Context()
    ctx.set_forkserver_preload(preload)
    return ctx


def worker_init(parent: int) -> None:
    """The start of a pool worker of process ``parent``: it leaves Ctrl-C to the parent, which
    stops it, and exits as soon as the parent is gone. (A ``kill -9`` of `cascade` gives the pool
    no chance to stop its workers, and forkserver workers are not the parent's children: they would
    run on, and keep the fork server alive, for as long as they had work.)"""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(parent,), daemon=True, name="exit-with-parent").start()


def _exit_with(parent: int) -> None:
    try:
        fd = os.pidfd_open(parent)  # Linux: readable when the process ends
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # elsewhere: ask every second
        while _alive(parent):
            time.sleep(1.0)
        os._exit(1)
    select.select([fd], [], [])
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


__all__ = ["context", "worker_init"]
