"""Commands that set an office up: `cchc init`, `cchc units import`, `cchc demo`."""

from __future__ import annotations

from pathlib import Path

import click

from cchc.cli.base import config_option, open_app
from cchc.core.errors import CchcError


@click.command()
@config_option
@click.option("--force", is_flag=True, help="Overwrite an existing config.toml.")
def init(config_path: str, force: bool) -> None:
    """Write a starter config.toml (and units.toml) and create the store.

    Example: cchc init --config /srv/cchc/config.toml
    """
    from cchc.starter import write_starter

    path = Path(config_path)
    if path.exists() and not force:
        raise CchcError(f"{path} already exists (use --force to overwrite)")
    write_starter(path)
    open_app(str(path))
    click.echo(
        f"Đã tạo {path} và kho dữ liệu. Sửa [imap], [smtp] và danh sách đơn vị trước khi chạy."
    )


@click.group()
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
