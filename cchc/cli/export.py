"""`cchc export onestop|compliance|narrative|proposal`: thin wrappers over `cchc.exports`,
which the web page and the escalation mail call too. The output's format follows its name
(`.xlsx`/`.docx` as built, `.pdf` printed by LibreOffice). A bad period or year, an unknown
extension, a PDF without LibreOffice, or an output folder that does not exist is a
`CchcError`: one line and exit code 2 (handled by `cchc.cli.base`), nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from cchc.cli.base import CchcGroup, config_option, open_app


def _output_option(native: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "-o",
        "--output",
        "output",
        required=True,
        type=click.Path(dir_okay=False, writable=True),
        help=f"The file to write: .{native}, or .pdf (printed by LibreOffice).",
    )


@click.group(cls=CchcGroup)
def export() -> None:
    """Files to send as they are: the province's tables, compliance evidence, the narrative,
    the proposal on units that do not report. Each prints on A4 as it is; name the output
    .pdf to have LibreOffice print it to PDF.

    Example: cchc export onestop --period 2025-Q1 -o phu-luc-2-2025-Q1.xlsx
    """


@export.command("onestop")
@config_option
@click.option("--period", required=True, help="Period id, e.g. 2025-Q1, 2025-H1, 2025-Q3, 2025-Y.")
@_output_option("xlsx")
def export_onestop(config_path: str, period: str, output: str) -> None:
    """The consolidated Phụ lục 2 table (one-stop results) of a period, for the province.

    Example: cchc export onestop --period 2025-Q1 -o phu-luc-2-2025-Q1.xlsx
    """
    from cchc.core.periods import parse_period
    from cchc.exports.onestop import write_onestop
    from cchc.exports.output import output_format

    parse_period(period)  # a bad period stops here, before the store is opened
    output_format(output, "xlsx")
    app = open_app(config_path)
    data = write_onestop(app, period, output)
    with_table = sum(1 for s in data.sections for b in s.units if b.lines)
    not_reported = sum(1 for s in data.statuses.values() if s in ("missing", "not_due"))
    click.echo(
        f"Đã ghi {output}: {data.period.name}, {with_table}/{len(data.statuses)} đơn vị có số liệu "
        f"Phụ lục 2, {not_reported} đơn vị chưa báo cáo."
    )


@export.command("compliance")
@config_option
@click.option("--year", required=True, help="The year, e.g. 2025.")
@_output_option("xlsx")
def export_compliance(config_path: str, year: str, output: str) -> None:
    """Unit × period matrix of a year with arrival times, and every received report with
    its SHA-256 and archive path: evidence for the yearly CCHC index scoring.

    Example: cchc export compliance --year 2025 -o kiem-chung-2025.xlsx
    """
    from cchc.exports.compliance import check_year, write_compliance
    from cchc.exports.output import output_format

    value = check_year(year)
    output_format(output, "xlsx")
    app = open_app(config_path)
    write_compliance(app, value, output)
    click.echo(f"Đã ghi {output}: tình hình gửi báo cáo CCHC năm {value}.")


@export.command("narrative")
@config_option
@click.option("--period", required=True, help="Period id, e.g. 2025-Q1, 2025-H1, 2025-Q3, 2025-Y.")
@_output_option("docx")
def export_narrative(config_path: str, period: str, output: str) -> None:
    """The Phụ lục 1 outline with every unit's text under each section (.docx).

    Example: cchc export narrative --period 2025-Q1 -o tong-hop-2025-Q1.docx
    """
    from cchc.core.periods import parse_period
    from cchc.exports.narrative import write_narrative
    from cchc.exports.output import output_format

    p = parse_period(period)
    output_format(output, "docx")
    app = open_app(config_path)
    write_narrative(app, period, output)
    click.echo(f"Đã ghi {output}: tổng hợp nội dung {p.name}.")


@export.command("proposal")
@config_option
@click.option("--year", required=True, help="The year, e.g. 2025.")
@click.option("--period", default=None, help="Only this period of the year, e.g. 2025-Q1.")
@_output_option("docx")
def export_proposal(config_path: str, year: str, period: str | None, output: str) -> None:
    """The draft report to the office's superior on units that reported late or not at all,
    with a proposal for each (.docx, for staff to edit and sign).

    Example: cchc export proposal --year 2025 -o de-xuat-xu-ly-2025.docx
    """
    from cchc.core.periods import parse_period
    from cchc.exports.compliance import check_year
    from cchc.exports.output import output_format
    from cchc.exports.proposal import write_proposal

    value = check_year(year)
    if period is not None:
        parse_period(period)
    output_format(output, "docx")
    app = open_app(config_path)
    write_proposal(app, value, period, output)
    scope = f"kỳ {period}" if period else f"năm {value}"
    click.echo(
        f"Đã ghi {output}: dự thảo báo cáo, đề xuất xử lý đơn vị chậm, thiếu báo cáo {scope}."
    )
