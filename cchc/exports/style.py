"""Shared openpyxl look of the exports: what a Vietnamese administrative table looks like, and
how it prints.

Times New Roman throughout (the font of state documents, Nghị định 30/2020/NĐ-CP), Courier
New for long identifiers, thin borders on every cell of the table, bold centred headers; A4,
fitted to the page width, header rows repeated on every page, page numbers in the footer; and
every row as tall as its wrapped text needs (`fit_rows`), because no viewer grows a row for a
merged or wrapped cell by itself.

Every value goes in through `put`, which writes text as text: a subject, a Message-ID or a
file name that starts with "=" is evidence to keep as received, never a formula for the
spreadsheet to run (OWASP "CSV/formula injection").
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from copy import copy
from typing import Any
from weakref import WeakKeyDictionary

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cchc.exports import measure

FONT_NAME = "Times New Roman"
MONO_NAME = "Courier New"
FONT = Font(name=FONT_NAME, size=11)
BOLD = Font(name=FONT_NAME, size=11, bold=True)
ITALIC = Font(name=FONT_NAME, size=11, italic=True)
BOLD_ITALIC = Font(name=FONT_NAME, size=11, bold=True, italic=True)
TITLE = Font(name=FONT_NAME, size=13, bold=True)
SMALL = Font(name=FONT_NAME, size=10)
SMALL_ITALIC = Font(name=FONT_NAME, size=10, italic=True)
MONO = Font(name=MONO_NAME, size=8)
HEAD = Font(name=FONT_NAME, size=12)
HEAD_BOLD = Font(name=FONT_NAME, size=12, bold=True)
MOTTO = Font(name=FONT_NAME, size=12, bold=True, underline="single")
HEAD_ITALIC = Font(name=FONT_NAME, size=12, italic=True)

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
RIGHT_WRAP = Alignment(horizontal="right", vertical="center", wrap_text=True)

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

# A column `width` is in digits of the default font (Times New Roman 11: 5.5 pt a digit), as
# Excel and LibreOffice read it; a cell keeps about 2 pt free on each side.
DIGIT_PT = 5.5
CELL_PADDING_PT = 5.0
ROW_PADDING_PT = 3.0
MIN_ROW_PT = 15.0
MAX_ROW_PT = 409.0  # Excel's limit

# Bidirectional controls reorder what a reader sees (an ".exe" shown as "exe.docx"): dropped.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_XML_NONCHARACTERS = re.compile("[\ufffe\uffff]")


def safe(value: object) -> object:
    """A value a worksheet accepts and shows as received: control characters (hostile file
    names and subjects carry them; openpyxl and XML refuse them) shown as U+FFFD, so the
    evidence stays visible; bidirectional controls removed."""
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        text = _XML_NONCHARACTERS.sub("\ufffd", text)
        return BIDI_CONTROLS.sub("", text)
    return value


def put(
    ws: Worksheet,
    row: int,
    col: int,
    value: object,
    *,
    font: Font | None = None,
    align: Alignment | None = None,
    border: bool = False,
    fill: PatternFill | None = None,
    number_format: str | None = None,
) -> Cell:
    """Write one cell. Text is always a string cell (`data_type = "s"`), whatever it starts
    with: nothing the exports write is a formula."""
    cell: Cell = ws.cell(row=row, column=col)
    cell.value = safe(value) if value != "" else None
    if isinstance(cell.value, str):
        cell.data_type = "s"
    styles = _STYLES.setdefault(ws.parent, {})
    key = (id(font), id(align), border, id(fill), number_format)
    known = styles.get(key)
    if known is not None:
        cell._style = copy(known)  # noqa: SLF001 - see _STYLES
        return cell
    if font is not None:
        cell.font = font
    if align is not None:
        cell.alignment = align
    if border:
        cell.border = BORDER
    if fill is not None:
        cell.fill = fill
    if number_format:
        cell.number_format = number_format
    styles[key] = copy(cell._style)  # noqa: SLF001
    return cell


# A combination of styles, once set on a cell of a workbook, is copied to the next cell that
# wants it: setting font, alignment, border and fill one by one hashes each style object
# into the workbook's lists, and that was most of the time of a 13,000-row evidence sheet.
# Per workbook (forgotten with it), keyed by the style objects: module constants, or objects
# the caller keeps alive while it writes (`id` of a dead object could be reused otherwise).
_STYLES: WeakKeyDictionary[Workbook, dict[tuple[Any, ...], Any]] = WeakKeyDictionary()


def title_row(
    ws: Worksheet,
    row: int,
    text: str,
    width: int,
    *,
    font: Font = TITLE,
    align: Alignment = CENTER,
    first: int = 1,
) -> None:
    """One line of text merged across columns `first`..`width`."""
    put(ws, row, first, text, font=font, align=align)
    if width > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=width)


def header_cell(ws: Worksheet, row: int, col: int, text: str) -> None:
    put(ws, row, col, text or None, font=BOLD, align=CENTER, fill=HEADER_FILL, border=True)


def box(ws: Worksheet, rows: Iterable[int], cols: Sequence[int]) -> None:
    """Borders (and the table font where none was set) on every cell of a block."""
    for r in rows:
        for c in cols:
            cell = ws.cell(row=r, column=c)
            cell.border = BORDER
            if cell.font is None or cell.font.name not in (FONT_NAME, MONO_NAME):
                cell.font = FONT


def widths(ws: Worksheet, values: Sequence[float]) -> None:
    for i, w in enumerate(values, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def page_setup(
    ws: Worksheet, *, header_rows: tuple[int, int] | None = None, landscape: bool = True
) -> None:
    """A4, fitted to one page wide (as many tall as needed), header rows repeated on every
    page, margins for binding on the left, "Trang n/N" at the foot."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = 0.6
    ws.page_margins.right = 0.4
    ws.page_margins.top = 0.5
    ws.page_margins.bottom = 0.6
    ws.page_margins.header = 0.2
    ws.page_margins.footer = 0.25
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.font = f"{FONT_NAME},Italic"
    ws.oddFooter.center.size = 9
    if header_rows:
        ws.print_title_rows = f"{header_rows[0]}:{header_rows[1]}"


def freeze(ws: Worksheet, row: int, col: int) -> None:
    """Keep the rows above `row` and the columns left of `col` on screen (a merged cell there
    is fine: the pane is named by its coordinate)."""
    ws.freeze_panes = f"{get_column_letter(col)}{row}"


def column_points(ws: Worksheet, col: int) -> float:
    width = ws.column_dimensions[get_column_letter(col)].width
    return (width or 8.43) * DIGIT_PT


def _shown(cell: Cell) -> str:
    """The text a cell prints (numbers in their format)."""
    value = cell.value
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        if cell.number_format == RATE_FORMAT:
            return f"{value:,.2f}"
        if cell.number_format == INT_FORMAT:
            return f"{value:,.0f}"
        return f"{value:g}" if isinstance(value, float) else str(value)
    return str(value)


def _need(cell: Cell, width: float) -> float:
    """Points of height the cell's text needs in `width` points."""
    font = cell.font
    size = float(font.sz or 11)
    mono = font.name == MONO_NAME
    text = _shown(cell)
    if cell.alignment.wrap_text:
        lines = measure.count_lines(
            text, width, size, bold=bool(font.b), italic=bool(font.i), mono=mono
        )
    else:
        lines = text.count("\n") + 1
    return lines * measure.line_height(size, mono=mono) + ROW_PADDING_PT


def row_height(
    values: Sequence[object], looks: Sequence[tuple[Font, Alignment]], room: Sequence[float]
) -> float:
    """The height a row of single (unmerged) cells needs, from its values and their looks,
    without reading the cells back (`fit_rows` does that for a whole sheet; a list of tens of
    thousands of rows is measured as it is written)."""
    need = MIN_ROW_PT
    for value, (font, align), width in zip(values, looks, room, strict=False):
        if value is None or value == "":
            continue
        text = str(value)
        size = float(font.sz or 11)
        mono = font.name == MONO_NAME
        if align.wrap_text:
            lines = measure.count_lines(
                text, width, size, bold=bool(font.b), italic=bool(font.i), mono=mono
            )
        else:
            lines = text.count("\n") + 1
        need = max(need, lines * measure.line_height(size, mono=mono) + ROW_PADDING_PT)
    return round(min(need, MAX_ROW_PT), 1)


def widen_for(ws: Worksheet, col: int, text: str, font: Font) -> None:
    """Make column `col` wide enough for `text` on one line (a number must never wrap)."""
    need = measure.text_width(text, float(font.sz or 11), bold=bool(font.b)) + CELL_PADDING_PT
    if need > column_points(ws, col):
        ws.column_dimensions[get_column_letter(col)].width = need / DIGIT_PT + 0.5


def _widen_for_numbers(ws: Worksheet) -> None:
    """A number never wraps: a column too narrow for one would print "###"; widen it."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                size = float(cell.font.sz or 11)
                need = measure.text_width(_shown(cell), size, bold=bool(cell.font.b))
                if need + CELL_PADDING_PT > column_points(ws, cell.column):
                    letter = get_column_letter(cell.column)
                    ws.column_dimensions[letter].width = (need + CELL_PADDING_PT) / DIGIT_PT + 0.5


def fit_rows(ws: Worksheet) -> None:
    """Set every row's height from its text: wrapped and merged cells measured in their
    printed width. A cell merged over several rows gets what it lacks on its last row."""
    _widen_for_numbers(ws)
    anchors: dict[tuple[int, int], Any] = {}
    covered: set[tuple[int, int]] = set()
    for rng in ws.merged_cells.ranges:
        anchors[(rng.min_row, rng.min_col)] = rng
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    covered.add((r, c))
    heights: dict[int, float] = {}
    tall: list[tuple[int, int, float]] = []
    for row in ws.iter_rows():
        for cell in row:
            key = (cell.row, cell.column)
            if cell.value in (None, "") or key in covered:
                continue
            rng = anchors.get(key)
            cols = range(rng.min_col, rng.max_col + 1) if rng else [cell.column]
            width = sum(column_points(ws, c) for c in cols) - CELL_PADDING_PT
            need = _need(cell, width)
            if rng is not None and rng.max_row > rng.min_row:
                tall.append((rng.min_row, rng.max_row, need))
            else:
                heights[cell.row] = max(heights.get(cell.row, MIN_ROW_PT), need)
    for r, height in heights.items():
        ws.row_dimensions[r].height = round(min(height, MAX_ROW_PT), 1)
    for first, last, need in tall:
        have = sum(ws.row_dimensions[r].height or MIN_ROW_PT for r in range(first, last + 1))
        if have < need:
            base = ws.row_dimensions[last].height or MIN_ROW_PT
            ws.row_dimensions[last].height = round(min(base + need - have, MAX_ROW_PT), 1)
        for r in range(first, last + 1):  # rows without a height of their own get the default
            if ws.row_dimensions[r].height is None:
                ws.row_dimensions[r].height = MIN_ROW_PT


def new_workbook() -> Workbook:
    """A workbook whose default font is Times New Roman, so empty cells match the table (and
    column widths are counted in its digits)."""
    wb = Workbook()
    wb._fonts[0] = FONT  # noqa: SLF001 - openpyxl has no public setter for the default font
    return wb


def to_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
