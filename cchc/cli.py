"""`cchc`: the command line. Thin wrappers over `cchc.app.App`; human tables in Vietnamese,
`--json` for programs. Exit codes: 0 fine, 1 finished with something worth a look, 2 bad usage
or configuration (one line naming the key or file, never a traceback)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from cchc.core.errors import CchcError, ConfigError

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_CONFIG = "config.toml"


def config_option(func: F) -> F:
    return click.option(
        "--config",
        "config_path",
        default=DEFAULT_CONFIG,
        show_default=True,
        type=click.Path(dir_okay=False),
        help="Configuration file.",
    )(func)


def json_option(func: F) -> F:
    return click.option(
        "--json", "as_json", is_flag=True, help="Machine-readable output on stdout."
    )(func)


def _open(config_path: str) -> Any:
    from cchc.app import App
    from cchc.core.config import load_config

    return App(load_config(config_path))


def parse_moment(value: str | None, tz: Any) -> datetime | None:
    """ISO 8601; a moment without an offset is office time; a bare date is its midnight."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a time: use ISO 8601, e.g. 2025-02-18T00:00:00+07:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=1))


class CchcGroup(click.Group):
    """Turns expected errors into one line and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"cchc: lỗi cấu hình / configuration error: {exc}", err=True)
            sys.exit(2)
        except CchcError as exc:
            click.echo(f"cchc: {exc}", err=True)
            sys.exit(2)


@click.group(cls=CchcGroup)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="cchc-inbox")
def cli(verbose: int) -> None:
    """cchc-inbox: nhận, kiểm tra và theo dõi báo cáo CCHC của các đơn vị qua thư điện tử.

    Example: cchc import messages/ && cchc status --period 2025-Q1
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(
        level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s"
    )


@cli.command()
@config_option
@click.option("--force", is_flag=True, help="Overwrite an existing config.toml.")
def init(config_path: str, force: bool) -> None:
    """Write a starter config.toml (and units.toml) and create the store.

    Example: cchc init --config /srv/cchc/config.toml
    """
    from cchc.app import App
    from cchc.core.config import load_config
    from cchc.starter import write_starter

    path = Path(config_path)
    if path.exists() and not force:
        raise CchcError(f"{path} already exists (use --force to overwrite)")
    write_starter(path)
    App(load_config(path)).close()
    click.echo(
        f"Đã tạo {path} và kho dữ liệu. Sửa [imap], [smtp] và danh sách đơn vị trước khi chạy."
    )


@cli.group()
def units() -> None:
    """The units that must report."""


@units.command("import")
@config_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def units_import(config_path: str, file: str) -> None:
    """Load units from a .toml, .csv or .xlsx file (replaces the list; taught addresses stay).

    Example: cchc units import units.toml
    """
    app = _open(config_path)
    n = app.import_units(file)
    click.echo(f"Đã nạp {n} đơn vị từ {file}.")


@cli.command("import")
@config_option
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--quiet", is_flag=True, help="No progress output.")
def import_(config_path: str, paths: tuple[str, ...], quiet: bool) -> None:
    """Ingest .eml files, folders of them, or .mbox files (e.g. a Gmail Takeout export).

    Example: cchc import ~/Takeout/Mail/CCHC.mbox
    """
    from cchc.importer import import_paths

    app = _open(config_path)
    summary = import_paths(app, list(paths), progress=not quiet and sys.stderr.isatty())
    click.echo(
        f"Đã đọc {summary['read']} thư: {summary['new']} mới, {summary['duplicate']} trùng, "
        f"{summary['seen']} đã có; {summary['review']} thư cần xem xét (cchc review)."
    )
    sys.exit(1 if summary["review"] else 0)


@cli.command()
@config_option
@click.option("--quiet", is_flag=True, help="No progress bar.")
def ingest(config_path: str, quiet: bool) -> None:
    """One pass over the IMAP mailbox, then exit.

    Example: CCHC_IMAP_PASSWORD=... cchc ingest
    """
    from cchc.mailbox import ingest_mailbox

    app = _open(config_path)
    report = ingest_mailbox(app, progress=None if not quiet else False)
    click.echo(str(report))
    review = len(app.review())
    sys.exit(1 if review else 0)


@cli.command()
@config_option
@json_option
@click.option("--period", required=True, help="Period id, e.g. 2025-Q1, 2025-H1, 2025-Q3, 2025-Y.")
@click.option("--at", "at_", help="Replay the past: only mail that arrived before this time.")
def status(config_path: str, as_json: bool, period: str, at_: str | None) -> None:
    """The compliance table for a period.

    Example: cchc status --period 2025-Q1 --at 2025-02-18T00:00:00+07:00
    """
    app = _open(config_path)
    data = app.status(period, parse_moment(at_, app.tz))
    if as_json:
        _print_json(data)
    else:
        from cchc.tables import print_status

        print_status(data)


@cli.command()
@config_option
@json_option
@click.option("--since", help="Only messages that arrived at or after this time.")
def messages(config_path: str, as_json: bool, since: str | None) -> None:
    """Every message ever seen, with its disposition: the audit log.

    Example: cchc messages --since 2025-01-01 --json
    """
    app = _open(config_path)
    data = app.messages(parse_moment(since, app.tz))
    if as_json:
        _print_json(data)
    else:
        from cchc.tables import print_messages

        print_messages(data)


@cli.command()
@config_option
@json_option
@click.option("--period", help="Only this period.")
@click.option("--unit", help="Only this unit code.")
def submissions(config_path: str, as_json: bool, period: str | None, unit: str | None) -> None:
    """Every counting message (first reports and corrections) with its parse results.

    Example: cchc submissions --period 2025-Q1 --unit xa-nam-binh --json
    """
    app = _open(config_path)
    data = app.submissions(period, unit)
    if as_json:
        _print_json(data)
    else:
        from cchc.tables import print_submissions

        print_submissions(data)


@cli.group(invoke_without_command=True)
@config_option
@json_option
@click.pass_context
def review(ctx: click.Context, config_path: str, as_json: bool) -> None:
    """The review queue: content-matched, unmatched, quarantined, unparseable, no_attachment.

    Example: cchc review --json
    """
    if ctx.invoked_subcommand is not None:
        return
    app = _open(config_path)
    data = app.review()
    if as_json:
        _print_json(data)
    else:
        from cchc.tables import print_review

        print_review(data)
    sys.exit(1 if data else 0)


@review.command("assign")
@config_option
@click.argument("message")
@click.argument("unit")
def review_assign(config_path: str, message: str, unit: str) -> None:
    """Give a queued message to a unit; the sender's address is learned for next time.

    Example: cchc review assign '<abc@mail.gmail.com>' xa-nam-binh
    """
    app = _open(config_path)
    app.review_decide(message, "assign", unit)
    click.echo(f"Đã gán thư {message} cho đơn vị {unit}; địa chỉ người gửi đã được ghi nhớ.")


@review.command("approve")
@config_option
@click.argument("message")
def review_approve(config_path: str, message: str) -> None:
    """Accept a queued message as it is (e.g. confirm a content match).

    Example: cchc review approve '<abc@mail.gmail.com>'
    """
    app = _open(config_path)
    app.review_decide(message, "approve")
    click.echo(f"Đã chấp nhận thư {message}.")


@review.command("reject")
@config_option
@click.argument("message")
def review_reject(config_path: str, message: str) -> None:
    """Reject a queued message: it does not count.

    Example: cchc review reject '<abc@mail.gmail.com>'
    """
    app = _open(config_path)
    app.review_decide(message, "reject")
    click.echo(f"Đã loại thư {message}.")


@cli.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    help="Where to build the demo (default: a new temporary folder).",
)
def demo(directory: str | None) -> None:
    """Import the sample mailbox shipped with cchc into a fresh store and show the results.

    Example: cchc demo
    """
    from cchc.demo import run_demo

    run_demo(Path(directory) if directory else None)


# Commands that live in their own modules (outgoing mail, exports, the web page).
from cchc import cli_export, cli_mail, cli_web  # noqa: E402

for _module in (cli_mail, cli_export, cli_web):
    _module.register(cli)


def main() -> None:
    cli(prog_name="cchc")
