"""The consolidated Phụ lục 2 table of a period (`cchc export onestop`), ready for the province.

Layout (the directive's Phụ lục 2, columns in onestop.toml's order):

    Phụ lục 2
    KẾT QUẢ THỰC HIỆN CƠ CHẾ MỘT CỬA, MỘT CỬA LIÊN THÔNG QUÝ I NĂM 2025
    (what the figures are and when they were compiled)
    two-row header (parents merged over their columns), then the column numbers (1)…(15)
    II   UBND huyện, thị xã                      group title
    1    UBND huyện Đắk Song                     the district: the `huyen` units' rows summed
         Cộng nhóm II
    III  UBND cấp xã do UBND cấp huyện báo cáo   group title
    1    UBND xã A                               subtotal of its lines below
         - Cơ chế một cửa
         - Cơ chế một cửa liên thông
    2    UBND xã B                               one line when the commune did not split
    3    UBND xã C   (empty)                     Ghi chú: "Chưa báo cáo"
         Cộng nhóm III
         TỔNG CỘNG

A second sheet, "Chi tiết cấp huyện", shows the `huyen` units one by one, so the district's
line can be checked. Every total is the sum of the lines it covers and every "%" is
recomputed from the counts, so the file passes the project's own one-stop checks when read
back (`parsers.onestop.parse_onestop`): groups are title rows without numbers followed by a
"Cộng" row, because that is the shape whose totals the parser can verify. A unit's own
mistakes (a failed check in the table it sent) are kept as sent and named in Ghi chú.

Group II is the sum of the `huyen` units' tables, or, with `[export] district_unit`, the table
of that one unit (the district's one-stop office, whose table may already cover the others).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from cchc import views
from cchc.context import Context
from cchc.core.errors import CchcError
from cchc.core.periods import Period, parse_period
from cchc.exports import (
    UnitContent,
    district_name,
    fmt_time,
    unit_contents,
    write_bytes,
)
from cchc.exports import style as st
from parsers.onestop import OnestopSpec, load_spec

Number = int | float
Values = dict[str, Number | None]

MECH_LABEL = {"mot_cua": "- Cơ chế một cửa", "lien_thong": "- Cơ chế một cửa liên thông"}
CHECK_VI = {
    "rate": "tỷ lệ % ghi sai (đã tính lại)",
    "balance": "số hồ sơ nhận và xử lý không cân đối",
    "returned": "số hồ sơ trả kết quả không khớp",
    "non_negative": "có số âm hoặc số lẻ",
    "totals": "dòng tổng không khớp (đã cộng lại)",
}
NOT_REPORTED = "Chưa báo cáo"
NO_TABLE = "Báo cáo không kèm Phụ lục 2"
EXTRA_LABEL = "Khác"
GROUP_DISTRICT, GROUP_COMMUNE = "II", "III"
HEADER_TOP = 5  # first header row; rows 1-3 are the titles


# --- the figures ------------------------------------------------------------------------------


@dataclass
class Block:
    """One unit (or the district) in the table: a line per mechanism, or one line."""

    name: str
    lines: dict[str, Values]  # "all" alone, or "mot_cua"/"lien_thong"; empty: no figures
    note: str = ""
    units: list[str] = field(default_factory=list)  # codes of the units summed in

    @property
    def total(self) -> Values | None:
        return _sum(self.lines.values()) if self.lines else None


@dataclass
class OnestopExport:
    period: Period
    at: datetime
    district: Block
    huyen: list[Block]  # the district's units one by one (sheet "Chi tiết cấp huyện")
    communes: list[Block]
    statuses: dict[str, str]  # unit code -> status at `at`

    @property
    def grand_total(self) -> Values:
        blocks = [b for b in [self.district, *self.communes] if b.lines]
        return _sum(line for b in blocks for line in b.lines.values())


def _keys(spec: OnestopSpec) -> tuple[list[str], list[str], str | None]:
    """(numeric keys in order, count keys, rate key)."""
    numeric = [c.key for c in spec.columns if c.numeric]
    rate = next((c.key for c in spec.columns if c.percent), None)
    return numeric, [k for k in numeric if k != rate], rate


def _sum(lines: Iterable[Values]) -> Values:
    """Column sums; a column blank in every line stays blank; "%" recomputed."""
    spec = load_spec()
    numeric, counts, rate = _keys(spec)
    lines = list(lines)
    out: Values = {}
    for key in counts:
        values = [v for line in lines if (v := line.get(key)) is not None]
        out[key] = _whole(sum(values)) if values else None
    if rate:
        out[rate] = recompute_rate(out)
    return {k: out.get(k) for k in numeric}


def recompute_rate(values: Values) -> float | None:
    """100 × (before + on time) / resolved, 2 decimals; blank when nothing was resolved."""
    early, on_time, late = (
        values.get(k) for k in ("resolved_early", "resolved_on_time", "resolved_late")
    )
    if early is None and on_time is None and late is None:
        return None
    done = float(early or 0) + float(on_time or 0)
    total = done + float(late or 0)
    return round(100 * done / total, 2) if total > 0 else None


def _whole(x: float) -> Number:
    return int(x) if float(x).is_integer() else x


def _lines(rows: list[dict[str, Any]]) -> tuple[dict[str, Values], bool]:
    """A unit's rows summed per mechanism. Rows that are not split by mechanism, in a table
    that splits the others, are counted with "một cửa" (returned flag True: say so)."""
    by_mech: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_mech.setdefault(row.get("mechanism") or "all", []).append(row)
    folded = False
    if "all" in by_mech and len(by_mech) > 1:
        by_mech.setdefault("mot_cua", []).extend(by_mech.pop("all"))
        folded = True
    order = ["all", "mot_cua", "lien_thong"]
    return {m: _sum(by_mech[m]) for m in order if m in by_mech}, folded


def _unit_note(content: UnitContent | None) -> str:
    """Ghi chú of a unit's line: not reported, no table, or what failed in the table it sent."""
    if content is None or not content.reported:
        return NOT_REPORTED
    if content.table_message is None:
        return NO_TABLE
    notes = []
    failed = []
    for f in content.table_findings:
        check = f["code"].split(".", 1)[1]
        label = CHECK_VI.get(check, check)
        if label not in failed:
            failed.append(label)
    if failed:
        notes.append("Biểu đơn vị gửi có lỗi: " + "; ".join(failed))
    own = [str(r["note"]).strip() for r in content.table_rows if r.get("note")]
    notes.extend(dict.fromkeys(n for n in own if n))
    return ". ".join(notes)


def collect(ctx: Context, period: Period, at: datetime | None = None) -> OnestopExport:
    """The figures of the table: each active unit's latest one-stop table, per SPEC §3."""
    at = at or datetime.now(ctx.tz)
    status = views.status(ctx, period, at)
    contents = unit_contents(ctx, period, at)
    names = {u.code: u.name for u in ctx.units}
    huyen: list[Block] = []
    communes: list[Block] = []
    pooled: list[dict[str, Any]] = []
    with_table: list[str] = []
    flagged: list[str] = []
    folded_any = False
    for entry in status["units"]:
        code = entry["unit"]
        content = contents.get(code)
        rows = content.table_rows if content else []
        lines, folded = _lines(rows) if rows else ({}, False)
        note = _unit_note(content)
        if folded:
            note = "; ".join(filter(None, [note, "dòng không tách cơ chế được cộng vào “một cửa”"]))
        block = Block(names.get(code, code), lines, note, [code])
        if entry["group"] == "huyen":
            huyen.append(block)
            if rows:
                pooled.extend(rows)
                with_table.append(code)
                folded_any |= folded
                if content and content.table_findings:
                    flagged.append(block.name)
        else:
            communes.append(block)
    chosen = ctx.config.export.district_unit
    if chosen:
        if chosen not in names:
            raise CchcError(
                f"export.district_unit: no unit {chosen!r} in the unit list ({ctx.config.path})"
            )
        content = contents.get(chosen)
        pooled = content.table_rows if content else []
        with_table = [chosen] if pooled else []
        flagged = [names[chosen]] if content and content.table_findings else []
        folded_any = False
    district_lines, folded = _lines(pooled) if pooled else ({}, False)
    if chosen:
        parts = [
            f"Số liệu Phụ lục 2 của {names[chosen]}"
            if pooled
            else f"{names[chosen]} chưa gửi Phụ lục 2"
        ]
    else:
        parts = [
            f"Cộng số liệu Phụ lục 2 của {len(with_table)}/{len(huyen)} phòng, ban, đơn vị "
            f"thuộc huyện (chi tiết: trang “Chi tiết cấp huyện”)"
        ]
    if flagged:
        parts.append("biểu có lỗi: " + ", ".join(flagged))
    if folded or folded_any:
        parts.append("dòng không tách cơ chế được cộng vào “một cửa”")
    district = Block(district_name(ctx), district_lines, "; ".join(parts), with_table)
    return OnestopExport(
        period, at, district, huyen, communes, {u["unit"]: u["status"] for u in status["units"]}
    )


# --- the sheet ----------------------------------------------------------------------------------


class _Sheet:
    """Writes header, groups, blocks and totals into one worksheet, row by row."""

    def __init__(self, ws: Worksheet, spec: OnestopSpec) -> None:
        self.ws = ws
        self.spec = spec
        self.keys = [c.key for c in spec.columns]
        self.col = {k: i + 1 for i, k in enumerate(self.keys)}
        self.width = len(self.keys)
        self.numeric, _counts, self.rate = _keys(spec)
        self.row = 1

    def titles(self, lines: list[tuple[str, Any]]) -> None:
        for text, font in lines:
            align = st.RIGHT if text == "Phụ lục 2" else st.CENTER
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
        ws.row_dimensions[top].height = 30
        ws.row_dimensions[top + 1].height = 45
        for k in range(1, self.width + 1):  # the template's column numbers
            cell = ws.cell(row=top + 2, column=k, value=f"({k})")
            cell.font = st.SMALL_ITALIC
            cell.alignment = st.CENTER
            cell.border = st.BORDER
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
            cell = ws.cell(row=r, column=c, value=st.safe(cells.get(key)))
            cell.font = font
            cell.border = st.BORDER
            if key == "unit_name" or key == "note":
                cell.alignment = st.LEFT
            elif key == "stt":
                cell.alignment = st.CENTER
            else:
                cell.alignment = st.RIGHT
                cell.number_format = st.RATE_FORMAT if key == self.rate else st.INT_FORMAT
            if fill:
                cell.fill = fill
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

    def finish(self, footnotes: list[str], widths: list[float]) -> None:
        self.row += 2  # two blank rows: the parser reads the table up to them
        for text in footnotes:
            st.title_row(self.ws, self.row, text, self.width, font=st.SMALL_ITALIC, align=st.LEFT)
            self.row += 1
        st.widths(self.ws, widths)
        st.page_setup(self.ws, header_rows=(HEADER_TOP, HEADER_TOP + 2))
        self.ws.freeze_panes = self.ws.cell(row=HEADER_TOP + 3, column=3)


def _widths(spec: OnestopSpec) -> list[float]:
    out: list[float] = []
    for c in spec.columns:
        if c.key == "stt":
            out.append(5)
        elif c.key == "unit_name":
            out.append(34)
        elif c.text:
            out.append(30)
        elif c.percent:
            out.append(8)
        else:
            out.append(9.5)
    return out


def _footnotes(data: OnestopExport, ctx: Context) -> list[str]:
    return [
        "Ghi chú: (9) = [(6) + (7)] / [(6) + (7) + (8)] × 100, do hệ thống tính lại từ số hồ sơ; "
        "các dòng tổng, dòng cộng nhóm là tổng các dòng số liệu.",
        f"Số liệu lấy từ biểu Phụ lục 2 mới nhất của mỗi đơn vị nhận qua thư điện tử trước "
        f"{fmt_time(data.at, ctx)}. {NOT_REPORTED}: đơn vị chưa gửi báo cáo; "
        f"{NO_TABLE}: đơn vị đã gửi báo cáo nhưng không có biểu số liệu.",
    ]


def build_onestop_workbook(ctx: Context, data: OnestopExport) -> Any:
    spec = load_spec()
    groups = {g.id: g.title for g in spec.groups}
    wb = st.new_workbook()
    ws = wb.active
    ws.title = "Phụ lục 2"
    sheet = _Sheet(ws, spec)
    sheet.titles(
        [
            ("Phụ lục 2", st.BOLD),
            (
                f"KẾT QUẢ THỰC HIỆN CƠ CHẾ MỘT CỬA, MỘT CỬA LIÊN THÔNG {data.period.title}",
                st.TITLE,
            ),
            (
                f"({data.district.name}; {data.period.name}; tổng hợp lúc {fmt_time(data.at, ctx)})",
                st.ITALIC,
            ),
        ]
    )
    sheet.header()
    sheet.line(GROUP_DISTRICT, groups.get(GROUP_DISTRICT, "UBND huyện, thị xã"), None, kind="group")
    sheet.block("1", data.district)
    sheet.line("", f"Cộng nhóm {GROUP_DISTRICT}", data.district.total or _sum([]), kind="total")
    sheet.line(GROUP_COMMUNE, groups.get(GROUP_COMMUNE, "UBND cấp xã"), None, kind="group")
    for i, block in enumerate(data.communes, start=1):
        sheet.block(str(i), block)
    commune_lines = [v for b in data.communes for v in b.lines.values()]
    sheet.line("", f"Cộng nhóm {GROUP_COMMUNE}", _sum(commune_lines), kind="total")
    sheet.line("", "TỔNG CỘNG", data.grand_total, kind="total")
    sheet.finish(_footnotes(data, ctx), _widths(spec))

    detail = _Sheet(wb.create_sheet("Chi tiết cấp huyện"), spec)
    detail.titles(
        [
            ("Phụ lục 2", st.BOLD),
            (
                f"CHI TIẾT SỐ LIỆU CÁC PHÒNG, BAN, ĐƠN VỊ THUỘC HUYỆN {data.period.title}",
                st.TITLE,
            ),
            (
                f"(cộng vào dòng “{data.district.name}”, nhóm {GROUP_DISTRICT}, trang “Phụ lục 2”)",
                st.ITALIC,
            ),
        ]
    )
    detail.header()
    for i, block in enumerate(data.huyen, start=1):
        detail.block(str(i), block)
    detail.line("", "TỔNG CỘNG", data.district.total or _sum([]), kind="total")
    detail.finish(_footnotes(data, ctx), _widths(spec))
    return wb


def build_onestop_xlsx(ctx: Context, period_id: str, at: datetime | None = None) -> bytes:
    """The consolidated Phụ lục 2 of a period as .xlsx bytes (messages before `at`, default now)."""
    data = collect(ctx, parse_period(period_id), at)
    return st.to_bytes(build_onestop_workbook(ctx, data))


def write_onestop(
    ctx: Context, period_id: str, path: str | Path, at: datetime | None = None
) -> OnestopExport:
    """Write the table to `path`; returns the figures (for the command's summary)."""
    data = collect(ctx, parse_period(period_id), at)
    write_bytes(st.to_bytes(build_onestop_workbook(ctx, data)), path)
    return data
