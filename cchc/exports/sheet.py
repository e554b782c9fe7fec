"""The head and foot of an exported table, as Nghị định 30/2020/NĐ-CP lays out a document:
the issuing body under its superior authority on the left and the national motto on the
right, "<place>, ngày … tháng … năm …" under it; at the end "Nơi nhận" on the left and the
signer's title on the right over a space left for the signature.

The words come from `cchc.exports.letterhead`; this module only places them in a worksheet
whose column widths are already set (the blocks split the table's width about 40/55).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from cchc.context import Context
from cchc.core import labels
from cchc.exports import style as st
from cchc.exports.letterhead import letterhead

SIGNATURE_ROWS = 4
SIGNATURE_ROW_PT = 18.0


def _blocks(widths: Sequence[float]) -> tuple[int, int]:
    """(last column of the left block, first column of the right block), 1-based."""
    total = sum(widths)
    cum = list(accumulate(widths))
    left = next(i for i, c in enumerate(cum, start=1) if c >= 0.38 * total)
    right = next((i + 1 for i, c in enumerate(cum, start=1) if c >= 0.45 * total), left + 1)
    right = max(right, left + 1)
    if right > len(widths):  # a very narrow table: the motto takes the last column alone
        left, right = max(1, len(widths) - 1), len(widths)
    return left, right


def _block(ws: Worksheet, row: int, first: int, last: int, text: str, font: Font) -> None:
    if not text:
        return
    st.put(ws, row, first, text, font=font, align=st.CENTER)
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def head(ws: Worksheet, ctx: Context, widths: Sequence[float]) -> int:
    """Rows 1-3: the authority block and the motto; returns the first free row after a gap."""
    lh = letterhead(ctx)
    left, right = _blocks(widths)
    end = len(widths)
    if lh.superior:
        _block(ws, 1, 1, left, lh.superior, st.HEAD)
        _block(ws, 2, 1, left, lh.office, st.HEAD_BOLD)
    else:
        _block(ws, 1, 1, left, lh.office, st.HEAD_BOLD)
    _block(ws, 1, right, end, labels.NATION, st.HEAD_BOLD)
    _block(ws, 2, right, end, labels.MOTTO, st.MOTTO)
    _block(ws, 3, right, end, lh.place_date, st.HEAD_ITALIC)
    return 5


def foot(
    ws: Worksheet,
    ctx: Context,
    row: int,
    widths: Sequence[float],
    recipients: Sequence[str] = labels.RECIPIENT_LINES_TABLE,
) -> int:
    """ "Nơi nhận" and the signer's block from `row`; returns the row after the last."""
    lh = letterhead(ctx)
    left, right = _blocks(widths)
    end = len(widths)
    _block(ws, row, 1, left, labels.RECIPIENTS, st.BOLD_ITALIC)
    ws.cell(row=row, column=1).alignment = st.LEFT
    _block(ws, row, right, end, lh.signer, st.HEAD_BOLD)
    for i, line in enumerate(recipients, start=1):
        _block(ws, row + i, 1, left, line, st.SMALL)
        ws.cell(row=row + i, column=1).alignment = st.LEFT
    last = row + max(len(recipients), SIGNATURE_ROWS)
    for r in range(row + len(recipients) + 1, last + 1):
        ws.row_dimensions[r].height = SIGNATURE_ROW_PT
    return last + 1
