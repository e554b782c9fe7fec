"""Shared openpyxl look of the exports: what a Vietnamese administrative table looks like.

Times New Roman throughout (the font of state documents, Nghị định 30/2020/NĐ-CP), thin
borders on every cell of the table, bold centred headers, A4 landscape fitted to the page
width so a printed table is never cut at the right edge.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FONT_NAME = "Times New Roman"
FONT = Font(name=FONT_NAME, size=11)
BOLD = Font(name=FONT_NAME, size=11, bold=True)
ITALIC = Font(name=FONT_NAME, size=11, italic=True)
TITLE = Font(name=FONT_NAME, size=13, bold=True)
SMALL_ITALIC = Font(name=FONT_NAME, size=10, italic=True)

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)

HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
GROUP_FILL = PatternFill("solid", fgColor="EDEDED")
TOTAL_FILL = PatternFill("solid", fgColor="FFF2CC")

# status -> fill colour; the words are cchc.core.labels.STATUS
STATUS_FILL = {
    "on_time": PatternFill("solid", fgColor="C6EFCE"),
    "late": PatternFill("solid", fgColor="FFEB9C"),
    "missing": PatternFill("solid", fgColor="FFC7CE"),
    "not_due": PatternFill("solid", fgColor="F2F2F2"),
    "inactive": PatternFill("solid", fgColor="D9D9D9"),
}

INT_FORMAT = "#,##0"
RATE_FORMAT = "0.00"


def safe(value: object) -> object:
    """A value a worksheet accepts: control characters (hostile file names and subjects carry
    them; openpyxl refuses them) shown as U+FFFD, so the evidence stays visible."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def title_row(
    ws: Worksheet,
    row: int,
    text: str,
    width: int,
    *,
    font: Font = TITLE,
    align: Alignment = CENTER,
    height: float | None = None,
) -> None:
    """One line of text merged across the table's width."""
    ws.cell(row=row, column=1, value=safe(text)).font = font
    ws.cell(row=row, column=1).alignment = align
    if width > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    if height:
        ws.row_dimensions[row].height = height


def header_cell(ws: Worksheet, row: int, col: int, text: str) -> None:
    cell = ws.cell(row=row, column=col, value=safe(text))
    cell.font = BOLD
    cell.alignment = CENTER
    cell.fill = HEADER_FILL
    cell.border = BORDER


def box(ws: Worksheet, rows: Iterable[int], cols: Sequence[int]) -> None:
    """Borders (and the table font where none was set) on every cell of a block."""
    for r in rows:
        for c in cols:
            cell = ws.cell(row=r, column=c)
            cell.border = BORDER
            if cell.font is None or cell.font.name != FONT_NAME:
                cell.font = FONT


def widths(ws: Worksheet, values: Sequence[float]) -> None:
    for i, w in enumerate(values, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def page_setup(
    ws: Worksheet, *, header_rows: tuple[int, int] | None = None, landscape: bool = True
) -> None:
    """A4, landscape, fitted to one page wide (as many tall as needed), header repeated."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.horizontalCentered = True
    if header_rows:
        ws.print_title_rows = f"{header_rows[0]}:{header_rows[1]}"


def new_workbook() -> Workbook:
    """A workbook whose default font is Times New Roman, so empty cells match the table."""
    wb = Workbook()
    wb._fonts[0] = FONT  # noqa: SLF001 - openpyxl has no public setter for the default font
    return wb


def to_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
