"""Helpers for tests that start servers on this machine (the Solara view, a Dask scheduler)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import urllib.request

import pytest


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(proc: subprocess.Popen, url: str, log, seconds: float) -> None:
    """Wait until ``url`` answers; fail the test with the end of ``log`` (a file opened for
    reading) if ``proc`` exits first, or after ``seconds``."""
    t0 = time.monotonic()
    while True:
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"the server exited early ({proc.returncode}):\n{log.read()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if time.monotonic() - t0 > seconds:
                pytest.fail(f"the server did not come up in {seconds:g} s")
            time.sleep(0.2)


@contextlib.contextmanager
def serving(args: list[str], port: int, log, seconds: float, **popen):
    """Run ``args`` (a server on ``port`` of 127.0.0.1, output to ``log``), wait until it answers
    and yield its URL and process; stop it (our own process, by its pid) afterwards."""
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, **popen)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(proc, url, log, seconds)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
