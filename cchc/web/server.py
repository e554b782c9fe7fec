"""Running the page: `serve` blocks (for `cchc web` and for a thread of `cchc run`), `start`
runs it in a background thread and returns once it is accepting connections (for tests and
embedding). uvicorn installs signal handlers only in the main thread, so both are safe to
call from a worker thread; `stop_event` is how another thread asks it to finish.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import uvicorn

from cchc.core.config import Config
from cchc.core.config_web import is_loopback
from cchc.core.errors import ConfigError
from cchc.web.app import build_app

log = logging.getLogger(__name__)


def _bind(host: str, port: int) -> socket.socket:
    """Bind before serving, so a busy port is one clear line naming `web.port`, not a log."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"không mở được cổng {host}:{port}: {exc.strerror or exc}", key="web.port"
        ) from None
    return sock


def _server(
    config: Config, host: str | None, port: int | None
) -> tuple[uvicorn.Server, socket.socket]:
    host = host or config.web.host
    application = build_app(config, host)  # raises ConfigError without a password, before binding
    sock = _bind(host, config.web.port if port is None else port)
    uv_config = uvicorn.Config(
        application,
        host=host,
        port=sock.getsockname()[1],
        log_level="warning",
        log_config=None,  # leave the process's logging (cchc -v, cchc run) as it is
        access_log=False,
        lifespan="off",
        server_header=False,
        proxy_headers=False,
    )
    return uvicorn.Server(uv_config), sock


def _watch(server: uvicorn.Server, stop_event: threading.Event) -> None:
    stop_event.wait()
    server.should_exit = True


def serve(
    config: Config,
    host: str | None = None,
    port: int | None = None,
    stop_event: threading.Event | None = None,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve the staff page until stopped (Ctrl-C in the main thread, or `stop_event.set()`).

    `host`/`port` default to `[web] host`/`port`. Raises ConfigError when no staff password
    is configured: the store is never served unauthenticated. `announce` gets the page's URL
    once the port is bound (the CLI prints it)."""
    server, sock = _server(config, host, port)
    if stop_event is not None:
        threading.Thread(
            target=_watch, args=(server, stop_event), name="cchc-web-stop", daemon=True
        ).start()
    url = f"http://{server.config.host}:{server.config.port}/"
    log.info("web page on %s", url)
    if not is_loopback(server.config.host):
        log.warning(
            "web page served over plain HTTP on %s: put it behind HTTPS before using it "
            "from other machines (the staff password would cross the network in clear)",
            url,
        )
    if announce is not None:
        announce(url)
    server.run(sockets=[sock])


@dataclass
class RunningServer:
    """A page served from a background thread; `url` has the real port (port 0 picks one)."""

    server: uvicorn.Server
    thread: threading.Thread
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def start(
    config: Config, host: str | None = None, port: int | None = None, timeout: float = 10.0
) -> RunningServer:
    """Start serving in a daemon thread; return when it accepts connections."""
    server, sock = _server(config, host, port)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="cchc-web", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(
                f"the web page did not start on {server.config.host}:{server.config.port}"
            )
        time.sleep(0.02)
    bound_host, bound_port = sock.getsockname()[:2]
    return RunningServer(server, thread, bound_host, bound_port)
