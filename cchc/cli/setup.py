"""Commands that set an office up: `cchc init`, `cchc units import`, `cchc demo`."""

from __future__ import annotations

from pathlib import Path

import click

from cchc.cli.base import CchcGroup, config_option, open_app
from cchc.core.errors import CchcError


@click.command()
@config_option
@click.option(
    "--profile",
    default="daksong-2017",
    show_default=True,
    help="The shipped profile to start from (see `cchc profiles`).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing config.toml.")
def init(config_path: str, profile: str, force: bool) -> None:
    """Write config.toml, the units and the report templates of a profile, and create the store.

    Unit and template files already there are kept (they may hold the office's edits).

    Example: cchc init --profile province-2026 --config /srv/cchc/config.toml
    """
    from cchc.starter import write_starter

    path = Path(config_path)
    if path.exists() and not force:
        raise CchcError(f"{path} đã có (thêm --force để ghi đè)")
    written = write_starter(path, profile)
    open_app(str(path))
    click.echo(f"Đã tạo theo mẫu {profile}: " + ", ".join(str(p) for p in written) + ".")
    click.echo("Đã tạo kho dữ liệu. Sửa [imap], [smtp] và danh sách đơn vị trước khi chạy.")


@click.command()
def profiles() -> None:
    """The shipped profiles `cchc init --profile` can start from.

    Example: cchc profiles
    """
    from cchc.starter import list_profiles

    for p in list_profiles():
        click.echo(f"{p.name}\t{p.description}")


@click.group(cls=CchcGroup)
def units() -> None:
    """The units that must report."""


@units.command("import")
@config_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def units_import(config_path: str, file: str) -> None:
    """Load units from a .toml, .csv or .xlsx file (replaces the list; taught addresses stay).

    Example: cchc units import units.toml
    """
    n = open_app(config_path).import_units(file)
    click.echo(f"Đã nạp {n} đơn vị từ {file}.")


@click.command()
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
    from cchc.cli.demo import run_demo

    run_demo(Path(directory) if directory else None)


@click.command()
@config_option
@click.option("--quiet", is_flag=True, help="No progress bar.")
def rebuild(config_path: str, quiet: bool) -> None:
    """Make a fresh store from the archive alone (after the store was damaged or lost).

    The old store file is moved aside, not deleted. Every message is read again from the
    archive; staff decisions, imported unit lists and the mail already sent are replayed from
    the archive's journal, so nothing is decided differently and nobody is mailed twice.

    Example: cchc rebuild
    """
    from cchc.cli.progress import count_bar
    from cchc.core.config import load_config
    from cchc.rebuild import rebuild as rebuild_store

    config = load_config(config_path)
    with count_bar("Đang dựng lại kho dữ liệu", not quiet) as progress:
        report = rebuild_store(config, progress)
    click.echo(
        f"Đã dựng lại kho dữ liệu {config.store.path} từ kho lưu trữ {config.store.archive}: "
        f"{report.messages + report.unjournaled} lần nhận thư, {report.decisions} quyết định, "
        f"{report.unit_lists} danh sách đơn vị, {report.mail_sent} thư đã gửi."
    )
    if report.moved_to:
        click.echo(f"Kho cũ được giữ ở {report.moved_to}.")
    if report.missing:
        click.echo(f"{report.missing} thư ghi trong nhật ký không còn trong kho lưu trữ.", err=True)
