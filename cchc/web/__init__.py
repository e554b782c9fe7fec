"""The staff web page (`cchc web`, or `cchc run` with `[web] enabled = true`).

The roof, beside the CLI and the scheduler: may import the app shell and every room below it.
Public API: `build_app(config)` (the Starlette app), `serve(config, host, port, stop_event)`
(blocking, thread-friendly), `start(config, host, port)` (background thread, for tests),
`require_password(config)`.
"""

from __future__ import annotations

from cchc.web.app import build_app
from cchc.web.server import RunningServer, serve, start
from cchc.web.site import require_password

__all__ = ["RunningServer", "build_app", "require_password", "serve", "start"]
