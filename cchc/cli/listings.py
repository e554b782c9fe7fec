"""The SPEC §5 listings — `status`, `messages`, `submissions`, `review` — and the review
decisions. Each prints a Vietnamese table, or the JSON view with `--json`."""

from __future__ import annotations

import click

from cchc.cli import tables
from cchc.cli.base import (
    CchcGroup,
    config_option,
    exit_with,
    json_option,
    open_app,
    parse_moment,
    print_json,
)


@click.command()
@config_option
@json_option
@click.option("--period", required=True, help="Period id, e.g. 2025-Q1, 2025-H1, 2025-Q3, 2025-Y.")
@click.option("--at", "at_", help="Replay the past: only mail that arrived before this time.")
def status(config_path: str, as_json: bool, period: str, at_: str | None) -> None:
    """The compliance table for a period.

    Example: cchc status --period 2025-Q1 --at 2025-02-18T00:00:00+07:00
    """
    app = open_app(config_path)
    data = app.status(period, parse_moment(at_, app.tz))
    if as_json:
        print_json(data)
    else:
        tables.print_status(data)


@click.command()
@config_option
@json_option
@click.option("--since", help="Only messages that arrived at or after this time.")
def messages(config_path: str, as_json: bool, since: str | None) -> None:
    """Every message ever seen, with its disposition: the audit log.

    Example: cchc messages --since 2025-01-01 --json
    """
    app = open_app(config_path)
    data = app.messages(parse_moment(since, app.tz, "--since"))
    if as_json:
        print_json(data)
    else:
        tables.print_messages(data)


@click.command()
@config_option
@json_option
@click.option("--period", help="Only this period.")
@click.option("--unit", help="Only this unit code.")
def submissions(config_path: str, as_json: bool, period: str | None, unit: str | None) -> None:
    """Every counting message (first reports and corrections) with its parse results.

    Example: cchc submissions --period 2025-Q1 --unit xa-nam-binh --json
    """
    data = open_app(config_path).submissions(period, unit)
    if as_json:
        print_json(data)
    else:
        tables.print_submissions(data)


@click.group(cls=CchcGroup, invoke_without_command=True)
@config_option
@json_option
@click.pass_context
def review(ctx: click.Context, config_path: str, as_json: bool) -> None:
    """The review queue: content-matched, unmatched, quarantined, unparseable, no_attachment.

    Example: cchc review --json
    """
    if ctx.invoked_subcommand is not None:
        return
    data = open_app(config_path).review()
    if as_json:
        print_json(data)
    else:
        tables.print_review(data)
    exit_with(1 if data else 0)


force_option = click.option(
    "--force", is_flag=True, help="Decide even a message that is not in the review queue."
)


@review.command("assign")
@config_option
@force_option
@click.argument("message")
@click.argument("unit")
def review_assign(config_path: str, force: bool, message: str, unit: str) -> None:
    """Give a queued message to a unit; the sender's address is learned for next time.

    Example: cchc review assign '<abc@mail.gmail.com>' xa-nam-binh
    """
    open_app(config_path).review_decide(message, "assign", unit, force=force)
    click.echo(f"Đã gán thư {message} cho đơn vị {unit}; địa chỉ người gửi đã được ghi nhớ.")


@review.command("approve")
@config_option
@force_option
@click.argument("message")
def review_approve(config_path: str, force: bool, message: str) -> None:
    """Accept a queued message as it is (e.g. confirm a content match).

    Example: cchc review approve '<abc@mail.gmail.com>'
    """
    open_app(config_path).review_decide(message, "approve", force=force)
    click.echo(f"Đã chấp nhận thư {message}.")


@review.command("reject")
@config_option
@force_option
@click.argument("message")
def review_reject(config_path: str, force: bool, message: str) -> None:
    """Reject a queued message: it does not count.

    Example: cchc review reject '<abc@mail.gmail.com>'
    """
    open_app(config_path).review_decide(message, "reject", force=force)
    click.echo(f"Đã loại thư {message}.")
