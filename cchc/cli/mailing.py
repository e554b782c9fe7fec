"""Commands of outgoing mail: `cchc remind` and `cchc digest`.

Thin wrappers: they call `scheduler.mailroom.process`, the very function the service's jobs
call, so what a clerk sees with `--dry-run` is what `cchc run` would send.
"""

from __future__ import annotations

from datetime import datetime

import click

from cchc.cli import tables
from cchc.cli.base import config_option, exit_with, json_option, open_app, parse_moment, print_json

at_option = click.option("--at", "at_", help="The moment to plan for (ISO 8601; default now).")
dry_option = click.option(
    "--dry-run", is_flag=True, help="Only show what would be sent; queue nothing."
)


def _run_mail(
    config_path: str, at_: str | None, dry_run: bool, as_json: bool, kinds: tuple[str, ...]
) -> None:
    from cchc.outbox import require_smtp
    from scheduler.mailroom import process

    app = open_app(config_path)
    at = parse_moment(at_, app.tz) or datetime.now(app.tz)
    if not dry_run:
        require_smtp(app.config.smtp)
    rows, report = process(app, at, kinds, dry_run=dry_run)
    if as_json:
        print_json(rows)
    else:
        tables.print_mail(rows, dry_run, at.astimezone(app.tz))
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
    exit_with(1 if unsettled else 0)


@click.command()
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


@click.command()
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
