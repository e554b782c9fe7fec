"""The `cchc` command group and the one place where every command is registered."""

from __future__ import annotations

import click

from cchc.cli import export, intake, listings, mailing, service, setup
from cchc.cli.base import CONTEXT_SETTINGS, CchcGroup, setup_logging

COMMANDS: list[click.Command] = [
    setup.init,
    setup.profiles,
    setup.units,
    intake.import_,
    intake.ingest,
    intake.recheck,
    intake.refresh,
    listings.status,
    listings.messages,
    listings.submissions,
    listings.review,
    mailing.remind,
    mailing.digest,
    export.export,
    service.run,
    service.web,
    setup.rebuild,
    setup.demo,
]


@click.group(cls=CchcGroup, context_settings=CONTEXT_SETTINGS, commands=COMMANDS)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="cchc-inbox")
def cli(verbose: int) -> None:
    """cchc-inbox: nhận, kiểm tra và theo dõi báo cáo CCHC của các đơn vị qua thư điện tử.

    Example: cchc import messages/ && cchc status --period 2025-Q1
    """
    setup_logging(verbose)


def main() -> None:
    cli(prog_name="cchc")
