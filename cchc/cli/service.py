"""The long-running commands: `cchc run` (the service) and `cchc web` (the staff page alone)."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

import click

from cchc.cli.base import config_option
from cchc.core.config import Config, load_config
from cchc.core.errors import CchcError

log = logging.getLogger(__name__)


def _web_companion(config: Config) -> Callable[[threading.Event], None]:
    """The staff page as a thread of the service; a page that cannot start is logged, and
    the mail service goes on without it."""
    from cchc.web import require_password, serve

    require_password(config)  # refuse at start rather than run without the page (or serve it open)

    def run(stop: threading.Event) -> None:
        try:
            serve(config, stop_event=stop)
        except CchcError as exc:
            log.error("web page not served: %s", exc)

    return run


@click.command()
@config_option
def run(config_path: str) -> None:
    """The service: the mailbox (IDLE or polling) and every scheduled mail, until stopped.

    Stops cleanly on SIGTERM or Ctrl-C. Only one `cchc run` may use a store at a time.
    See README, "Running as a service", for the systemd unit.

    Example: CCHC_IMAP_PASSWORD=... CCHC_SMTP_PASSWORD=... cchc run --config /etc/cchc/config.toml
    """
    from scheduler.jobs import run_service

    root = logging.getLogger()
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    config = load_config(config_path)
    companions = [_web_companion(config)] if config.web.enabled else []
    run_service(config, companions=companions)


@click.command()
@config_option
@click.option("--host", default=None, help="Address to listen on (default: [web] host, 127.0.0.1).")
@click.option(
    "--port",
    default=None,
    type=click.IntRange(0, 65535),
    help="Port (default: [web] port, 8080).",
)
def web(config_path: str, host: str | None, port: int | None) -> None:
    """The staff web page: compliance, review queue, exports (Ctrl-C stops it).

    Needs the staff password in the variable named by web.password_env (CCHC_WEB_PASSWORD).

    Example: CCHC_WEB_PASSWORD=... cchc web --port 8080
    """
    from cchc.web import require_password, serve

    config = load_config(config_path)
    require_password(config)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled
        serve(
            config,
            host,
            port,
            announce=lambda url: click.echo(f"Trang web cho cán bộ: {url} (Ctrl-C để dừng)"),
        )
    click.echo("Đã dừng trang web.")
