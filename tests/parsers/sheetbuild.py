"""Builders for real spreadsheet files (openpyxl workbooks, odfpy documents) and plain grids.

Tests build what they read, so each fixture shows the one layout it exercises. The layout
helpers write the one-stop table the way units do: the official two-row header with its
merged parents, or variants (offset, reordered, omitted, extra columns).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import openpyxl

# the official Phụ lục 2 header: (parent or None, header) per column
OFFICIAL = [
    (None, "STT"),
    (None, "Tên đơn vị"),
    (None, "Tổng số TTHC"),
    ("Số hồ sơ", "Tồn kỳ trước"),
    ("Số hồ sơ", "Tiếp nhận mới"),
    ("Số hồ sơ đã giải quyết", "Trước hẹn"),
    ("Số hồ sơ đã giải quyết", "Đúng hẹn"),
    ("Số hồ sơ đã giải quyết", "Trễ hẹn"),
    ("Số hồ sơ đã giải quyết", "%"),
    (None, "Đã trả"),
    (None, "Chưa trả"),
    ("Hồ sơ đang giải quyết", "Trong hạn"),
    ("Hồ sơ đang giải quyết", "Quá hạn"),
    (None, "Ghi chú"),
]
KEYS = [
    "stt",
    "unit_name",
    "procedures",
    "carried_over",
    "received",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "on_time_rate",
    "returned",
    "not_returned",
    "pending_in_time",
    "pending_overdue",
    "note",
]


def good_row(unit: str, stt: object = 1, **over: Any) -> dict[str, Any]:
    """A row whose arithmetic holds: 2 + 20 = 10 + 8 + 1 + 2 + 1; 17 + 2 = 19; 18/19 = 94,74 %."""
    row: dict[str, Any] = {
        "stt": stt,
        "unit_name": unit,
        "procedures": 12,
        "carried_over": 2,
        "received": 20,
        "resolved_early": 10,
        "resolved_on_time": 8,
        "resolved_late": 1,
        "on_time_rate": 94.74,
        "returned": 17,
        "not_returned": 2,
        "pending_in_time": 2,
        "pending_overdue": 1,
        "note": None,
    }
    row.update(over)
    return row


def total_row(
    rows: Sequence[dict[str, Any]], label: str = "Tổng cộng", **over: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {"stt": None, "unit_name": label, "note": None}
    for k in KEYS[2:-1]:
        out[k] = sum(r[k] for r in rows) if k != "on_time_rate" else None
    done = out["resolved_early"] + out["resolved_on_time"]
    out["on_time_rate"] = round(100 * done / (done + out["resolved_late"]), 2)
    out.update(over)
    return out


def official_grid(
    rows: Sequence[dict[str, Any] | list[Any]],
    *,
    order: Sequence[int] | None = None,
    lead_rows: int = 3,
    lead_cols: int = 0,
    colnums: bool = True,
) -> list[list[Any]]:
    """The table as a grid whose merged cells are already resolved (what readers produce)."""
    order = list(order) if order is not None else list(range(len(OFFICIAL)))
    pad = [None] * lead_cols
    grid: list[list[Any]] = [[None] * (lead_cols + len(order)) for _ in range(lead_rows)]
    if lead_rows:
        grid[0] = pad + ["KẾT QUẢ THỰC HIỆN CƠ CHẾ MỘT CỬA, MỘT CỬA LIÊN THÔNG"] * len(order)
    grid.append(pad + [OFFICIAL[i][0] or OFFICIAL[i][1] for i in order])
    grid.append(pad + [OFFICIAL[i][1] for i in order])
    if colnums:
        grid.append(pad + [f"({n + 1})" for n in range(len(order))])
    for r in rows:
        if isinstance(r, dict):
            grid.append(pad + [r.get(KEYS[i]) for i in order])
        else:
            grid.append(pad + list(r))
    return grid


def workbook_bytes(
    grid: Sequence[Sequence[Any]],
    *,
    merges: Sequence[str] = (),
    formats: dict[str, str] | None = None,
    title: str = "Biểu 02",
    extra_sheets: Sequence[str] = (),
) -> bytes:
    """An .xlsx whose first sheet holds `grid` (row 1 = grid[0]); merged ranges as given.

    Before merging, every cell a range covers except its top-left is cleared, as Excel does.
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for name in extra_sheets:
        wb.create_sheet(name)["A1"] = "Ghi chú"
    for r, row in enumerate(grid, start=1):
        for c, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(r, c, v)
    for rng in merges:
        cells = ws[rng]
        for i, line in enumerate(cells):
            for j, cell in enumerate(line):
                if i or j:
                    cell.value = None
        ws.merge_cells(rng)
    for coord, fmt in (formats or {}).items():
        ws[coord].number_format = fmt
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def ods_bytes(
    rows: Sequence[Sequence[Any]],
    *,
    spans: dict[tuple[int, int], tuple[int, int]] | None = None,
    percent: set[tuple[int, int]] | None = None,
    filler_rows: int = 0,
    repeat_last_cell: int = 0,
) -> bytes:
    """An .ods through odfpy; `spans` maps (row, col) to (rows, cols) spanned.

    Covered cells are written as table:covered-table-cell, as LibreOffice does; `filler_rows`
    appends one empty row repeated that many times (LibreOffice writes ~1M of them).
    """
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    spans = spans or {}
    percent = percent or set()
    covered: set[tuple[int, int]] = set()
    for (r, c), (rs, cs) in spans.items():
        for i in range(r, r + rs):
            for j in range(c, c + cs):
                if (i, j) != (r, c):
                    covered.add((i, j))
    doc = OpenDocumentSpreadsheet()
    table = Table(name="Biểu 02")
    for r, row in enumerate(rows):
        tr = TableRow()
        for c, v in enumerate(row):
            if (r, c) in covered:
                tr.addElement(CoveredTableCell())
                continue
            attrs: dict[str, Any] = {}
            if (r, c) in spans:
                attrs["numberrowsspanned"] = spans[(r, c)][0]
                attrs["numbercolumnsspanned"] = spans[(r, c)][1]
            if isinstance(v, int | float):
                vtype = "percentage" if (r, c) in percent else "float"
                cell = TableCell(valuetype=vtype, value=v, **attrs)
                cell.addElement(P(text=str(v)))
            elif v is None:
                cell = TableCell(**attrs)
            else:
                cell = TableCell(valuetype="string", **attrs)
                cell.addElement(P(text=str(v)))
            tr.addElement(cell)
        if repeat_last_cell:
            tr.addElement(TableCell(numbercolumnsrepeated=repeat_last_cell))
        table.addElement(tr)
    if filler_rows:
        tr = TableRow(numberrowsrepeated=filler_rows)
        tr.addElement(TableCell(numbercolumnsrepeated=1024))
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
