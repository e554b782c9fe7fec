"""Commands that bring mail in: `cchc import` (files) and `cchc ingest` (one mailbox pass)."""

from __future__ import annotations

import click

from cchc.cli.base import config_option, exit_with, open_app
from cchc.cli.progress import backlog_bar, count_bar


@click.command("import")
@config_option
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--quiet", is_flag=True, help="No progress output.")
def import_(config_path: str, paths: tuple[str, ...], quiet: bool) -> None:
    """Ingest .eml files, folders of them, or .mbox files (e.g. a Gmail Takeout export).

    Example: cchc import ~/Takeout/Mail/CCHC.mbox
    """
    from cchc.importer import import_paths

    app = open_app(config_path)
    with count_bar("Đang nhập thư", not quiet) as progress:
        summary = import_paths(app, list(paths), progress=progress)
    for source in summary.not_mail:
        click.echo(f"Bỏ qua {source}: không phải thư điện tử (e-mail).", err=True)
    for source in summary.cut:
        click.echo(
            f"Thư {source} bị cắt cụt (tệp kết thúc giữa thư): đã lưu phần nhận được; "
            "khi có bản đầy đủ, hãy nhập lại, bản đầy đủ sẽ thay thế.",
            err=True,
        )
    if not summary.read:
        click.echo(f"Không có thư nào trong {', '.join(paths)}.")
        exit_with(1)
    click.echo(
        f"Đã đọc {summary.read} thư: {summary.new} mới, {summary.duplicate} trùng, "
        f"{summary.seen} đã có; {summary.review} thư cần xem xét (cchc review)."
    )
    exit_with(1 if summary.review or summary.not_mail or summary.cut else 0)


@click.command()
@config_option
@click.option("--quiet", is_flag=True, help="No progress bar.")
def ingest(config_path: str, quiet: bool) -> None:
    """One pass over the IMAP mailbox, then exit.

    Example: CCHC_IMAP_PASSWORD=... cchc ingest
    """
    from cchc.mailbox import ingest_mailbox

    app = open_app(config_path)
    with backlog_bar("Đang tải thư", not quiet) as progress:
        report = ingest_mailbox(app, progress=progress)
    click.echo(str(report))
    exit_with(1 if app.review_count() else 0)


@click.command()
@config_option
@click.option("--quiet", is_flag=True, help="No progress bar.")
def recheck(config_path: str, quiet: bool) -> None:
    """Read every stored message again from the archive with the current report templates.

    Run it after changing [templates] (the outline or the one-stop table): the stored
    attachments are parsed again in the worker pool and every decision taken again. Changes
    of the calendar need no recheck: they take effect at once. Nothing is lost or mailed.

    Example: cchc recheck
    """
    app = open_app(config_path)
    with backlog_bar("Đang đọc lại thư", not quiet, backlog=1) as progress:
        n = app.recheck(progress)
    click.echo(
        f"Đã đọc lại {n} thư theo mẫu báo cáo hiện hành; {app.review_count()} thư cần xem xét."
    )


@click.command()
@config_option
def refresh(config_path: str) -> None:
    """Take every decision again from the stored messages, matches and staff decisions.

    Not needed in daily work: each change (new mail, a review decision, a unit import)
    decides again what it touched. Use it to check that nothing was missed: it prints how many
    verdicts it changed (normally 0). Nothing is parsed again, lost or mailed.

    Example: cchc refresh
    """
    app = open_app(config_path)
    changed = app.refresh()
    click.echo(f"Đã xét lại toàn bộ {app.message_count()} thư; {changed} kết luận thay đổi.")
