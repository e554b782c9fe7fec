"""Compliance evidence (`cchc export compliance`): who reported, when, for each period of a year.

The yearly CCHC index scores each unit on reporting on time; the score needs proof ("tài liệu
kiểm chứng"), and the chairman needs to see it at a glance. The workbook has:

1. "Theo dõi nộp báo cáo", the matrix: a row per unit, grouped by the office's `[[groups]]`;
   for each period of the year its status in words and colour, the arrival time (dd/mm/yyyy
   HH:MM, office time) and the number of corrections; under each group and at the end, the
   counts per status and period; a legend; the document's head and signature block. The
   figures are `cchc.views.status` of each period at the same moment, so the file agrees with
   `cchc status`. No Message-ID here: long identifiers are the evidence sheet's.
2. "Danh sách báo cáo đã nhận" (`cchc.exports.evidence`): every counting message and each of
   its files, with Message-ID, arrival and SHA-256, in narrow monospace columns.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from cchc import views
from cchc.context import Context
from cchc.core import labels
from cchc.core.errors import CchcError
from cchc.core.periods import Period
from cchc.exports import deadline_text, fmt_time
from cchc.exports import sheet as doc
from cchc.exports import style as st
from cchc.exports.evidence import EVIDENCE_SHEET, evidence_sheet
from cchc.exports.output import save

SUB_COLUMNS = ("Tình trạng", "Thời điểm nhận", "Số lần bổ sung")
SUB_WIDTHS = (11.0, 15.5, 7.0)
FIXED = 2  # STT, Đơn vị: the columns before the periods
FIXED_WIDTHS = (5.0, 28.0)
MIN_YEAR, MAX_YEAR = 2000, 2100
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
MATRIX_SHEET = "Theo dõi nộp báo cáo"
PERIODS_PER_SHEET = 6  # beyond this a printed page's width cannot hold them legibly

Statuses = list[tuple[Period, dict[str, Any]]]


def check_year(year: int | str) -> int:
    """A year the store can hold reports for; CchcError (one line, exit 2) otherwise."""
    try:
        value = int(str(year).strip())
    except ValueError:
        raise CchcError(f"{year!r} không phải một năm (ví dụ: 2025)") from None
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise CchcError(
            f"{year!r} không phải một năm hợp lệ (chọn năm từ {MIN_YEAR} đến {MAX_YEAR})"
        )
    return value


def year_statuses(ctx: Context, year: int, at: datetime) -> Statuses:
    """`cchc status` of each period of the year at `at` — the same figures."""
    return [(p, views.status(ctx, p, at)) for p in ctx.calendar.periods_of(year)]


def roman(n: int) -> str:
    return ROMAN[n - 1] if 0 < n <= len(ROMAN) else str(n)


def first_column(i: int) -> int:
    """The first column of the i-th period's group of SUB_COLUMNS."""
    return FIXED + 1 + i * len(SUB_COLUMNS)


def count_text(entries: list[dict[str, Any]]) -> str:
    """ "Đúng hạn: 10\nTrễ hạn: 2\nChưa nộp: 1": the statuses present, in the usual order."""
    counts: dict[str, int] = {}
    for u in entries:
        counts[u["status"]] = counts.get(u["status"], 0) + 1
    return "\n".join(f"{labels.STATUS[s]}: {counts[s]}" for s in labels.STATUS if counts.get(s))


def grouped_units(ctx: Context, statuses: Statuses) -> list[tuple[str, list[Any]]]:
    """(group name, its units listed in any period) in the order of `[[groups]]`."""
    listed = {u["unit"] for _p, data in statuses for u in data["units"]}
    out: list[tuple[str, list[Any]]] = []
    known = set()
    for group in ctx.config.groups:
        known.add(group.id)
        members = [u for u in ctx.units if u.group == group.id and u.code in listed]
        if members:
            out.append((group.name, members))
    others = [u for u in ctx.units if u.group not in known and u.code in listed]
    if others:
        out.append((labels.OTHER_GROUP, others))
    return out


class _Matrix:
    """Writes the matrix sheet row by row."""

    def __init__(self, ws: Worksheet, ctx: Context, statuses: Statuses) -> None:
        self.ws, self.ctx, self.statuses = ws, ctx, statuses
        self.widths = [*FIXED_WIDTHS, *(SUB_WIDTHS * len(statuses))]
        self.width = len(self.widths)
        self.per_period = [{u["unit"]: u for u in data["units"]} for _p, data in statuses]
        st.widths(ws, self.widths)

    def titles(self, year: int, at: datetime) -> int:
        row = doc.head(self.ws, self.ctx, self.widths)
        st.title_row(
            self.ws,
            row,
            f"TÌNH HÌNH GỬI BÁO CÁO ĐỊNH KỲ VỀ CẢI CÁCH HÀNH CHÍNH NĂM {year}",
            self.width,
        )
        st.title_row(
            self.ws,
            row + 1,
            f"(Số liệu tính đến {fmt_time(at, self.ctx)}, giờ Việt Nam; từng thư, tệp và mã "
            f"SHA-256 ở trang “Danh sách báo cáo đã nhận”)",
            self.width,
            font=st.ITALIC,
        )
        return row + 3

    def header(self, top: int) -> None:
        """Two header rows: STT and Đơn vị merged down, each period merged over its columns."""
        ws = self.ws
        for c, text in enumerate(("STT", "Đơn vị"), start=1):
            st.header_cell(ws, top, c, text)
            st.header_cell(ws, top + 1, c, "")
            ws.merge_cells(start_row=top, start_column=c, end_row=top + 1, end_column=c)
        for i, (period, data) in enumerate(self.statuses):
            first = first_column(i)
            due = deadline_text(self.ctx, datetime.fromisoformat(data["due"]))
            st.header_cell(ws, top, first, f"{period.short_with_year}\nHạn: {due}")
            for k, text in enumerate(SUB_COLUMNS):
                if k:
                    st.header_cell(ws, top, first + k, "")
                st.header_cell(ws, top + 1, first + k, text)
            last = first + len(SUB_COLUMNS) - 1
            ws.merge_cells(start_row=top, start_column=first, end_row=top, end_column=last)

    def unit_row(self, row: int, n: int, unit: Any) -> None:
        ws, ctx = self.ws, self.ctx
        st.put(ws, row, 1, n, font=st.FONT, align=st.CENTER, border=True)
        st.put(ws, row, 2, unit.name, font=st.FONT, align=st.LEFT, border=True)
        for i, entries in enumerate(self.per_period):
            first = first_column(i)
            entry = entries.get(unit.code)
            status = entry["status"] if entry else None
            st.put(
                ws,
                row,
                first,
                labels.STATUS[status] if status else labels.NOT_EXPECTED,
                font=st.BOLD if status in ("late", "missing") else st.FONT,
                align=st.CENTER,
                fill=st.STATUS_FILL[status or "inactive"],
                border=True,
            )
            received = entry["received_at"] if entry else None
            when = fmt_time(datetime.fromisoformat(received), ctx) if received else None
            corrections = entry["corrections"] if entry and received else None
            st.put(ws, row, first + 1, when, font=st.FONT, align=st.CENTER, border=True)
            st.put(ws, row, first + 2, corrections, font=st.FONT, align=st.CENTER, border=True)

    def count_row(self, row: int, label: str, codes: set[str] | None) -> None:
        """Counts per period of the units in `codes` (all units when None)."""
        ws = self.ws
        st.put(ws, row, 1, None, border=True, fill=st.TOTAL_FILL)
        st.put(ws, row, 2, label, font=st.BOLD, align=st.LEFT, border=True, fill=st.TOTAL_FILL)
        for i, entries in enumerate(self.per_period):
            first = first_column(i)
            chosen = [u for code, u in entries.items() if codes is None or code in codes]
            for k in range(len(SUB_COLUMNS)):
                st.put(ws, row, first + k, None, border=True, fill=st.TOTAL_FILL)
            st.put(ws, row, first, count_text(chosen), font=st.BOLD, align=st.LEFT)
            last = first + len(SUB_COLUMNS) - 1
            ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)

    def body(self, row: int) -> int:
        """Group headings, unit rows and each group's counts, then the grand total."""
        ws = self.ws
        groups = grouped_units(self.ctx, self.statuses)
        for g, (name, members) in enumerate(groups, start=1):
            st.put(ws, row, 1, roman(g), font=st.BOLD, align=st.CENTER, border=True)
            st.put(ws, row, 2, name, font=st.BOLD, align=st.LEFT, fill=st.GROUP_FILL)
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=self.width)
            st.box(ws, [row], range(2, self.width + 1))
            row += 1
            for n, unit in enumerate(members, start=1):
                self.unit_row(row, n, unit)
                row += 1
            if len(groups) > 1:
                self.count_row(row, f"Cộng nhóm {roman(g)}", {u.code for u in members})
                row += 1
        self.count_row(row, "TỔNG CỘNG", None)
        return row + 1

    def legend(self, row: int) -> int:
        ws = self.ws
        st.put(ws, row, 2, "Chú thích:", font=st.BOLD_ITALIC, align=st.LEFT)
        row += 1
        meanings = [
            *((s, labels.STATUS[s], labels.STATUS_MEANING[s]) for s in labels.STATUS),
            ("inactive", labels.NOT_EXPECTED, labels.NOT_EXPECTED_MEANING),
        ]
        for status, word, meaning in meanings:
            st.put(ws, row, 2, word, font=st.FONT, align=st.CENTER, fill=st.STATUS_FILL[status])
            ws.cell(row=row, column=2).border = st.BORDER
            st.title_row(ws, row, f": {meaning}", self.width, font=st.FONT, align=st.LEFT, first=3)
            row += 1
        for note in (
            "Thời điểm nhận: lúc hộp thư của cơ quan nhận thư (giờ Việt Nam), không phải ngày "
            "người gửi ghi trong thư; tính đúng hạn, trễ hạn theo lần gửi đầu tiên.",
            "Số lần bổ sung: số thư đơn vị gửi lại (sửa, bổ sung) sau lần gửi đầu tiên.",
        ):
            st.title_row(ws, row, note, self.width, font=st.SMALL_ITALIC, align=st.LEFT)
            row += 1
        return row + 1


def matrix_sheet(ws: Worksheet, ctx: Context, year: int, at: datetime, statuses: Statuses) -> None:
    m = _Matrix(ws, ctx, statuses)
    top = m.titles(year, at)
    m.header(top)
    row = m.body(top + 2)
    row = m.legend(row + 1)
    doc.foot(ws, ctx, row, m.widths)
    st.page_setup(ws, header_rows=(top, top + 1))
    st.freeze(ws, top + 2, FIXED + 1)
    st.fit_rows(ws)


def build_compliance_xlsx(ctx: Context, year: int, at: datetime | None = None) -> bytes:
    """The year's unit × period matrix and the evidence list, as .xlsx bytes (at `at`, default
    now). More than PERIODS_PER_SHEET periods (a monthly profile) make several matrix sheets,
    "Theo dõi nộp báo cáo", "… (2)", so each stays readable on one page's width."""
    year = check_year(year)
    at = at or datetime.now(ctx.tz)
    wb = st.new_workbook()
    statuses = year_statuses(ctx, year, at)
    parts = [
        statuses[i : i + PERIODS_PER_SHEET] for i in range(0, len(statuses), PERIODS_PER_SHEET)
    ]
    for k, part in enumerate(parts or [[]]):
        ws = wb.active if k == 0 else wb.create_sheet(f"{MATRIX_SHEET} ({k + 1})")
        ws.title = MATRIX_SHEET if k == 0 else ws.title
        matrix_sheet(ws, ctx, year, at, part)
    evidence_sheet(wb.create_sheet(EVIDENCE_SHEET), ctx, year, at)
    return st.to_bytes(wb)


def write_compliance(ctx: Context, year: int, path: str | Path, at: datetime | None = None) -> Path:
    """Write the workbook to `path` (.xlsx, or .pdf through LibreOffice)."""
    return save(build_compliance_xlsx(ctx, year, at), "xlsx", path)
