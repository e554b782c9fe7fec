"""CLI commands of the mail room — `remind`, `digest`, `run`; `register` adds them to `cchc`.

Thin wrappers: `remind` and `digest` call `scheduler.mailroom.process`, the very function the
service's jobs call, so what a clerk sees with `--dry-run` is what `cchc run` would send.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from typing import Any

import click

KIND_VI = {
    "ack": "Xác nhận",
    "reminder": "Nhắc nộp",
    "escalation": "Báo cáo tình hình",
    "digest": "Bản tin",
}
STATUS_VI = {
    "planned": "Sẽ gửi",
    "queued": "Đang chờ gửi",
    "sent": "Đã gửi",
    "failed": "Không gửi được",
}


def _print_mail(rows: list[dict[str, Any]], dry_run: bool, at: datetime) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=False)
    if not rows:
        console.print(f"Không có thư nào đến hạn gửi lúc {at:%H:%M ngày %d/%m/%Y}.")
        return
    title = "Thư sẽ gửi (chạy thử, chưa gửi)" if dry_run else "Thư đến hạn gửi"
    table = Table(title=f"{title} — lúc {at:%H:%M ngày %d/%m/%Y}")
    for col in ("Loại", "Người nhận", "Đơn vị", "Kỳ", "Tiêu đề", "Tình trạng"):
        table.add_column(col, overflow="fold")
    for r in rows:
        status = STATUS_VI.get(r["status"], r["status"])
        if r.get("last_error") and r["status"] != "sent":
            status += f" ({r['last_error']})"
        table.add_row(
            KIND_VI.get(r["kind"], r["kind"]),
            ", ".join(r["to"]),
            r["unit"] or "",
            r["period"] or "",
            r["subject"],
            status,
        )
    console.print(table)


def _run_mail(
    config_path: str, at_: str | None, dry_run: bool, as_json: bool, kinds: tuple[str, ...]
) -> None:
    from cchc.cli import _open, _print_json, parse_moment
    from cchc.outbox import require_smtp
    from scheduler.mailroom import process

    app = _open(config_path)
    at = parse_moment(at_, app.tz) or datetime.now(app.tz)
    if not dry_run:
        require_smtp(app.config.smtp)
    rows, report = process(app, at, kinds, dry_run=dry_run)
    if as_json:
        _print_json(rows)
    else:
        _print_mail(rows, dry_run, at.astimezone(app.tz))
        if report and report.error:
            click.echo(
                f"Máy chủ gửi thư (SMTP) lỗi: {report.error}. Thư sẽ được gửi lại sau.", err=True
            )
        if report and report.deferred:
            click.echo(
                f"Đã hết hạn mức gửi thư trong ngày: {report.deferred} thư chờ đến ngày mai.",
                err=True,
            )
    unsettled = [r for r in rows if r["status"] in ("queued", "failed")]
    sys.exit(1 if unsettled else 0)


def register(cli: click.Group) -> None:
    """Add this module's commands to `cli`."""
    from cchc.cli import config_option, json_option

    at_option = click.option("--at", "at_", help="The moment to plan for (ISO 8601; default now).")
    dry_option = click.option(
        "--dry-run", is_flag=True, help="Only show what would be sent; queue nothing."
    )

    @cli.command()
    @config_option
    @json_option
    @at_option
    @dry_option
    def remind(config_path: str, as_json: bool, at_: str | None, dry_run: bool) -> None:
        """Send (or show) what is due at T: acknowledgements, reminders, escalations.

        Each mail has an idempotency key: running this twice sends nothing twice.
        Exit code 1 when some mail is still waiting (SMTP down, daily budget) or failed.

        Example: cchc remind --at 2025-02-11T08:00 --dry-run
        """
        _run_mail(config_path, at_, dry_run, as_json, ("ack", "reminder", "escalation"))

    @cli.command()
    @config_option
    @json_option
    @at_option
    @dry_option
    def digest(config_path: str, as_json: bool, at_: str | None, dry_run: bool) -> None:
        """Send (or show) the daily digest to the office (office.notify).

        The digest of the day is sent once; at T it is the latest one due (digest_time).

        Example: cchc digest --dry-run
        """
        _run_mail(config_path, at_, dry_run, as_json, ("digest",))

    @cli.command()
    @config_option
    def run(config_path: str) -> None:
        """The service: the mailbox (IDLE or polling) and every scheduled mail, until stopped.

        Stops cleanly on SIGTERM or Ctrl-C. Only one `cchc run` may use a store at a time.
        See README, "Running as a service", for the systemd unit.

        Example: CCHC_IMAP_PASSWORD=... CCHC_SMTP_PASSWORD=... cchc run --config /etc/cchc/config.toml
        """
        from cchc.core.config import load_config
        from scheduler.jobs import run_service

        root = logging.getLogger()
        if root.level > logging.INFO:
            root.setLevel(logging.INFO)
            logging.getLogger("apscheduler").setLevel(logging.WARNING)
        config = load_config(config_path)
        run_service(config)
