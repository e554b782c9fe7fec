"""The consolidated Phụ lục 2 table of a period (`cchc export onestop`), ready for the province.

Layout (the template's Phụ lục 2, columns in onestop.toml's order; the seed's shown):

    Phụ lục 2
    KẾT QUẢ THỰC HIỆN CƠ CHẾ MỘT CỬA, MỘT CỬA LIÊN THÔNG QUÝ I NĂM 2025
    (who reports it, the period, when it was compiled)
    two-row header (parents merged over their columns), then the column numbers (1)…(15)
    II   UBND huyện, thị xã                      a section: a "sum" group of the profile
    1    UBND huyện Đắk Song                     its units' tables summed
         Cộng nhóm II
    III  UBND cấp xã do UBND cấp huyện báo cáo   a "units" group
    1    UBND xã A                               subtotal of its lines below
         - Cơ chế một cửa
         - Cơ chế một cửa liên thông
    2    UBND xã B                               one line when the commune did not split
    3    UBND xã C   (empty)                     Ghi chú: "Chưa báo cáo"
         Cộng nhóm III
         TỔNG CỘNG

A "sum" group's units are listed one by one on a sheet of their own ("Chi tiết cấp huyện").
Groups are title rows without numbers followed by a "Cộng" row, because that is the shape
whose totals the parser can verify when the file is read back. The figures are
`cchc.exports.onestop_figures`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from cchc.context import Context
from cchc.exports import fmt_time
from cchc.exports import sheet as doc
from cchc.exports import style as st
from cchc.exports.onestop_figures import (
    NO_TABLE,
    NOT_REPORTED,
    Arithmetic,
    Block,
    OnestopExport,
    Section,
    Values,
    collect,
    detail_sheet_name,
)
from cchc.exports.output import save
from parsers.onestop import OnestopSpec

__all__ = ["NOT_REPORTED", "NO_TABLE", "build_onestop_xlsx", "collect", "write_onestop"]

MECH_LABEL = {"mot_cua": "- Cơ chế một cửa", "lien_thong": "- Cơ chế một cửa liên thông"}
EXTRA_LABEL = "Khác"
HEADER_TOP = 9  # first header row; above it the document's head (1-3) and the titles (5-7)


class _Sheet:
    """Writes header, groups, blocks and totals into one worksheet, row by row."""

    def __init__(self, ws: Worksheet, ctx: Context, spec: OnestopSpec) -> None:
        self.ws = ws
        self.ctx = ctx
        self.spec = spec
        self.keys = [c.key for c in spec.columns]
        self.col = {k: i + 1 for i, k in enumerate(self.keys)}
        self.width = len(self.keys)
        self.widths = _widths(spec)
        calc = Arithmetic(spec)
        self.numeric, self.rate = calc.numeric, calc.rate
        st.widths(ws, self.widths)
        self.row = 1

    def titles(self, lines: list[tuple[str, Any]]) -> None:
        """The document's head, then "Phụ lục 2", the title and the line under it."""
        self.row = doc.head(self.ws, self.ctx, self.widths)
        for text, font in lines:
            align = st.RIGHT_WRAP if text == "Phụ lục 2" else st.CENTER
            st.title_row(self.ws, self.row, text, self.width, font=font, align=align)
            self.row += 1
        self.row = HEADER_TOP

    def header(self) -> None:
        ws, top = self.ws, self.row
        c = 1
        while c <= self.width:
            col = self.spec.columns[c - 1]
            if col.parent:
                end = c
                while end < self.width and self.spec.columns[end].parent == col.parent:
                    end += 1
                st.header_cell(ws, top, c, col.parent)
                for k in range(c, end + 1):
                    st.header_cell(ws, top, k, col.parent if k == c else "")
                    st.header_cell(ws, top + 1, k, self._label(self.spec.columns[k - 1].key))
                ws.merge_cells(start_row=top, start_column=c, end_row=top, end_column=end)
                c = end + 1
            else:
                st.header_cell(ws, top, c, self._label(col.key))
                st.header_cell(ws, top + 1, c, "")
                ws.merge_cells(start_row=top, start_column=c, end_row=top + 1, end_column=c)
                c += 1
        for k in range(1, self.width + 1):  # the template's column numbers
            st.put(ws, top + 2, k, f"({k})", font=st.SMALL_ITALIC, align=st.CENTER, border=True)
        self.row = top + 3

    def _label(self, key: str) -> str:
        col = self.spec.column(key)
        if col is None or not col.headers:
            return EXTRA_LABEL
        return col.headers[0]

    def line(
        self, stt: str, name: str, values: Values | None, note: str = "", *, kind: str = "data"
    ) -> None:
        ws, r = self.ws, self.row
        font = st.BOLD if kind in ("group", "total", "unit") else st.FONT
        if kind == "mech":
            font = st.ITALIC
        fill = {"group": st.GROUP_FILL, "total": st.TOTAL_FILL}.get(kind)
        cells: dict[str, Any] = {"stt": stt or None, "unit_name": name}
        for key in self.numeric:
            cells[key] = (values or {}).get(key)
        cells["note"] = note or None
        for key, c in self.col.items():
            if key in ("unit_name", "note"):
                align, number_format = st.LEFT, None
            elif key == "stt":
                align, number_format = st.CENTER, None
            else:
                align = st.RIGHT
                number_format = st.RATE_FORMAT if key == self.rate else st.INT_FORMAT
            st.put(
                ws,
                r,
                c,
                cells.get(key),
                font=font,
                align=align,
                border=True,
                fill=fill,
                number_format=number_format,
            )
        self.row += 1

    def block(self, stt: str, block: Block) -> None:
        if not block.lines:
            self.line(stt, block.name, None, block.note)
        elif set(block.lines) == {"all"}:
            self.line(stt, block.name, block.lines["all"], block.note)
        else:
            self.line(stt, block.name, block.total, block.note, kind="unit")
            for mech, values in block.lines.items():
                self.line("", MECH_LABEL[mech], values, kind="mech")

    def finish(self, footnotes: list[str], *, signed: bool = True) -> None:
        """Footnotes, the signature block (main sheet), print setup and row heights."""
        self.row += 2  # two blank rows: the parser reads the table up to them
        for text in footnotes:
            st.title_row(self.ws, self.row, text, self.width, font=st.SMALL_ITALIC, align=st.LEFT)
            self.row += 1
        if signed:
            doc.foot(self.ws, self.ctx, self.row + 1, self.widths)
        st.page_setup(self.ws, header_rows=(HEADER_TOP, HEADER_TOP + 2))
        st.freeze(self.ws, HEADER_TOP + 3, 3)
        st.fit_rows(self.ws)


def _widths(spec: OnestopSpec) -> list[float]:
    out: list[float] = []
    for c in spec.columns:
        if c.key == "stt":
            out.append(5)
        elif c.key == "unit_name":
            out.append(28)
        elif c.text:
            out.append(42)
        elif c.percent:
            out.append(8)
        else:
            out.append(9.5)
    return out


def _footnotes(data: OnestopExport, ctx: Context) -> list[str]:
    notes = []
    rate = _rate_note(ctx.specs.onestop)
    if rate:
        notes.append(
            f"Ghi chú: {rate}, do hệ thống tính lại từ số hồ sơ; "
            "các dòng tổng, dòng cộng nhóm là tổng các dòng số liệu."
        )
    notes.append(
        f"Số liệu lấy từ biểu Phụ lục 2 mới nhất của mỗi đơn vị nhận qua thư điện tử trước "
        f"{fmt_time(data.at, ctx)}. {NOT_REPORTED}: đơn vị chưa gửi báo cáo; "
        f"{NO_TABLE}: đơn vị đã gửi báo cáo nhưng không có biểu số liệu."
    )
    return notes


def _rate_note(spec: OnestopSpec) -> str:
    """The percentage by column numbers: "(9) = [(6) + (7)] / [(6) + (7) + (8)] × 100"."""
    calc = Arithmetic(spec)
    number = {c.key: i for i, c in enumerate(spec.columns, start=1)}
    if calc.rate is None or not calc.numerator or calc.rate not in number:
        return ""

    def side(terms: tuple[tuple[float, str], ...]) -> str:
        return " + ".join(f"({number[k]})" for _, k in terms if k in number)

    return f"({number[calc.rate]}) = [{side(calc.numerator)}] / [{side(calc.denominator)}] × 100"


def _section(sheet: _Sheet, section: Section, calc: Arithmetic) -> list[Values]:
    """A group's title, its lines and its "Cộng nhóm" row; returns its lines' values."""
    sheet.line(section.number, section.title, None, kind="group")
    for i, block in enumerate(section.blocks, start=1):
        sheet.block(str(i), block)
    lines = [v for b in section.blocks for v in b.lines.values()]
    sheet.line("", f"Cộng nhóm {section.number}".strip(), calc.sum(lines), kind="total")
    return lines


def build_onestop_workbook(ctx: Context, data: OnestopExport) -> Any:
    spec = ctx.specs.onestop
    calc = Arithmetic(spec)
    wb = st.new_workbook()
    ws = wb.active
    ws.title = "Phụ lục 2"
    sheet = _Sheet(ws, ctx, spec)
    sheet.titles(
        [
            ("Phụ lục 2", st.BOLD),
            (
                f"KẾT QUẢ THỰC HIỆN CƠ CHẾ MỘT CỬA, MỘT CỬA LIÊN THÔNG {data.period.title}",
                st.TITLE,
            ),
            (
                f"({data.authority}; {data.period.name}; tổng hợp lúc {fmt_time(data.at, ctx)})",
                st.ITALIC,
            ),
        ]
    )
    sheet.header()
    for section in data.sections:
        _section(sheet, section, calc)
    sheet.line("", "TỔNG CỘNG", data.grand_total, kind="total")
    sheet.finish(_footnotes(data, ctx))
    for section in data.sections:
        if section.summed:
            _detail_sheet(wb, ctx, data, section, calc)
    return wb


def _detail_sheet(
    wb: Any, ctx: Context, data: OnestopExport, section: Section, calc: Arithmetic
) -> None:
    """A "sum" group's units one by one, so its line of the table can be checked."""
    name = section.group.name
    detail = _Sheet(wb.create_sheet(detail_sheet_name(section.group)), ctx, calc.spec)
    line: Block = section.blocks[0]
    detail.titles(
        [
            ("Phụ lục 2", st.BOLD),
            (f"CHI TIẾT SỐ LIỆU CÁC {name.upper()} {data.period.title}", st.TITLE),
            (
                f"(cộng vào dòng “{line.name}”, nhóm {section.number}, trang “Phụ lục 2”)",
                st.ITALIC,
            ),
        ]
    )
    detail.header()
    for i, block in enumerate(section.detail, start=1):
        detail.block(str(i), block)
    detail.line("", "TỔNG CỘNG", line.total or calc.sum([]), kind="total")
    detail.finish(_footnotes(data, ctx), signed=False)


def workbook_bytes(ctx: Context, data: OnestopExport) -> bytes:
    return st.to_bytes(build_onestop_workbook(ctx, data))


def build_onestop_xlsx(ctx: Context, period_id: str, at: datetime | None = None) -> bytes:
    """The consolidated Phụ lục 2 of a period as .xlsx bytes (messages before `at`, default now)."""
    return workbook_bytes(ctx, collect(ctx, ctx.period(period_id), at))


def write_onestop(
    ctx: Context, period_id: str, path: str | Path, at: datetime | None = None
) -> OnestopExport:
    """Write the table to `path`; returns the figures (for the command's summary)."""
    data = collect(ctx, ctx.period(period_id), at)
    save(workbook_bytes(ctx, data), "xlsx", path)
    return data
