"""CLI commands of the web room; `register` adds them to the `cchc` group."""

from __future__ import annotations

import contextlib

import click


def register(cli: click.Group) -> None:
    """Add this module's commands to `cli`."""
    from cchc.cli import config_option

    @cli.command()
    @config_option
    @click.option(
        "--host", default=None, help="Address to listen on (default: [web] host, 127.0.0.1)."
    )
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
        from cchc.core.config import load_config
        from cchc.web import serve
        from cchc.web.app import require_password

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
