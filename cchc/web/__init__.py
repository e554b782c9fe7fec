"""The staff web page (`cchc web`, or `cchc run` with `[web] enabled = true`).

Public API: `build_app(config)` (the Starlette app), `serve(config, host, port, stop_event)`
(blocking, thread-friendly), `start(config, host, port)` (background thread, for tests).
"""

from __future__ import annotations

from cchc.web.app import build_app
from cchc.web.server import RunningServer, serve, start

__all__ = ["build_app", "serve", "start", "RunningServer"]
