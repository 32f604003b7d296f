"""The view as a shared server (a workshop room): bounded sessions, offline assets only.

Solara keeps a browser tab's session (its kernel, ~20 MiB here with a running model) for 24 hours
after the tab is gone, creates a session for every page load, and fetches a page asset it has not
cached from a public CDN when any client asks for it. For a class on one machine:

- ``CULL_TIMEOUT``: a session whose browser has gone is freed after 2 minutes (a page reload
  within that time reconnects to it). ``SOLARA_KERNEL_CULL_TIMEOUT`` set by the operator wins.
- ``max_sessions()``: at most that many live sessions (``CASCADE_MAX_SESSIONS``, default 40);
  beyond it a new page says the server is full instead of building a model.
- The asset proxy serves only what is cached (``scripts/fetch_solara_assets.sh`` fills the
  cache); an unknown asset is a 404, never a request to the internet.

``harden()`` applies the settings; ``sim/app.py`` calls it when the server imports the page.
"""

from __future__ import annotations

import os
import threading

MAX_SESSIONS_ENV = "CASCADE_MAX_SESSIONS"
DEFAULT_MAX_SESSIONS = 40
CULL_TIMEOUT = "2m"

_seats: set[str] = set()  # ids of the kernels (browser sessions) that hold a model
_seats_lock = threading.Lock()


def max_sessions() -> int:
    """The session cap: $CASCADE_MAX_SESSIONS if a whole number >= 1, else the default."""
    try:
        value = int(os.environ.get(MAX_SESSIONS_ENV, DEFAULT_MAX_SESSIONS))
    except ValueError:
        return DEFAULT_MAX_SESSIONS
    return value if value >= 1 else DEFAULT_MAX_SESSIONS


class OfflineAssets(Exception):
    """An asset that is not in the local cache: the server does not fetch it."""


def _refuse_fetch(url) -> bytes:
    raise OfflineAssets(f"not in the offline asset cache: {str(url)[:200]}")


def harden() -> None:
    """Apply the shared-server settings to this process's Solara server (idempotent)."""
    import solara.server.cdn_helper as cdn_helper
    import solara.server.settings as settings

    if not os.environ.get("SOLARA_KERNEL_CULL_TIMEOUT"):
        settings.kernel.cull_timeout = CULL_TIMEOUT
    cdn_helper.fetch_from_cdn = _refuse_fetch  # looked up at call time by get_path and get_data


def take_seat() -> bool:
    """Claim a seat for the current browser session; False when the server is full. Outside a
    server (solara.render in tests, a notebook) there is no cap. The seat is freed when Solara
    closes the session (the tab closed and the cull timeout passed)."""
    from solara.server import kernel_context

    if not kernel_context.has_current_context():
        return True
    context = kernel_context.get_current_context()
    key = context.id
    with _seats_lock:
        if key in _seats:
            return True
        if len(_seats) >= max_sessions():
            return False
        _seats.add(key)
    context.on_close(lambda: _free(key))
    return True


def _free(key: str) -> None:
    with _seats_lock:
        _seats.discard(key)


def seats_taken() -> int:
    with _seats_lock:
        return len(_seats)


__all__ = ["CULL_TIMEOUT", "DEFAULT_MAX_SESSIONS", "MAX_SESSIONS_ENV", "OfflineAssets", "harden", "max_sessions",
           "seats_taken", "take_seat"]
