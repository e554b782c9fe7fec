"""The consolidated Phụ lục 2 table of a period (`cchc export onestop`): its figures.

One section per unit group of the profile (`[[groups]]`, in their order), numbered by the
group's `onestop_section` and headed by the template's `[[group]]` title of that number. A
group with `onestop_rows = "units"` lists each unit (a subtotal line over its "một cửa" /
"liên thông" lines where it split them); a group with `onestop_rows = "sum"` is one line — the
sum of its units' tables, or, with `[export] district_unit`, that unit's own table (the office
whose table may already cover the others) — and its units are listed one by one on a detail
sheet, so the line can be checked. For the seed (Đắk Song): section II is the district's line,
"UBND huyện Đắk Song", section III the communes.

Every total is the sum of the lines it covers and every "%" is recomputed from the counts by
the template's percentage check, so the file passes the project's own one-stop checks when
read back. A unit's own mistakes (a failed check in the table it sent) are kept as sent and
named in Ghi chú. The workbook is written by `cchc.exports.onestop`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cchc import views
from cchc.context import Context
from cchc.core.config import GroupConfig
from cchc.core.errors import CchcError
from cchc.core.periods import Period
from cchc.exports import UnitContent, authority_name, unit_contents
from parsers.onestop import OnestopSpec

Number = int | float
Values = dict[str, Number | None]

NOT_REPORTED = "Chưa báo cáo"
NO_TABLE = "Báo cáo không kèm Phụ lục 2"
FOLDED = "dòng không tách cơ chế được cộng vào “một cửa”"
# The seed's checks in a Ghi chú; other checks are named by their `title`, else their id.
CHECK_NOTE = {
    "rate": "tỷ lệ % ghi sai (đã tính lại)",
    "balance": "số hồ sơ nhận và xử lý không cân đối",
    "returned": "số hồ sơ trả kết quả không khớp",
    "non_negative": "có số âm hoặc số lẻ",
    "totals": "dòng tổng không khớp (đã cộng lại)",
}


class Arithmetic:
    """Sums and the recomputed "%" of one template's columns."""

    def __init__(self, spec: OnestopSpec) -> None:
        self.spec = spec
        self.numeric = [c.key for c in spec.columns if c.numeric]
        self.rate = next((c.key for c in spec.columns if c.percent), None)
        self.counts = [k for k in self.numeric if k != self.rate]
        percent = next((c.parsed for c in spec.checks if c.parsed.form == "percent"), None)
        self.numerator = percent.numerator if percent else ()
        self.denominator = percent.denominator if percent else ()

    def sum(self, lines: Iterable[Values]) -> Values:
        """Column sums; a column blank in every line stays blank; "%" recomputed."""
        lines = list(lines)
        out: Values = {}
        for key in self.counts:
            values = [v for line in lines if (v := line.get(key)) is not None]
            out[key] = _whole(sum(values)) if values else None
        if self.rate:
            out[self.rate] = self.recompute_rate(out)
        return {k: out.get(k) for k in self.numeric}

    def recompute_rate(self, values: Values) -> float | None:
        """The template's percentage (seed: 100 × (before + on time) / resolved), 2 decimals;
        blank when nothing it counts was given or its base is zero."""
        keys = {k for _, k in (*self.numerator, *self.denominator)}
        if not keys or all(values.get(k) is None for k in keys):
            return None
        done = sum(c * float(values.get(k) or 0) for c, k in self.numerator)
        total = sum(c * float(values.get(k) or 0) for c, k in self.denominator)
        return round(100 * done / total, 2) if total > 0 else None


def _whole(x: float) -> Number:
    return int(x) if float(x).is_integer() else x


@dataclass
class Block:
    """One line of the table (a unit, or a group's sum): per mechanism, or one line."""

    name: str
    lines: dict[str, Values]  # "all" alone, or "mot_cua"/"lien_thong"; empty: no figures
    note: str = ""
    units: list[str] = field(default_factory=list)  # codes of the units summed in
    total: Values | None = None  # the lines summed (None without figures)


@dataclass
class Section:
    """A group of the profile in the table: its number, title and lines."""

    group: GroupConfig
    number: str  # "II"
    title: str
    blocks: list[Block]  # the lines of the table
    detail: list[Block] = field(default_factory=list)  # a "sum" group's units, one by one

    @property
    def summed(self) -> bool:
        return self.group.onestop_rows == "sum"

    @property
    def units(self) -> list[Block]:
        """The group's units, one block each, whether listed or summed."""
        return self.detail if self.summed else self.blocks


@dataclass
class OnestopExport:
    period: Period
    at: datetime
    authority: str  # who reports the table: "UBND huyện Đắk Song"
    sections: list[Section]
    statuses: dict[str, str]  # unit code -> status at `at`
    grand_total: Values


def _lines(rows: list[dict[str, Any]], calc: Arithmetic) -> tuple[dict[str, Values], bool]:
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
    return {m: calc.sum(by_mech[m]) for m in order if m in by_mech}, folded


def _unit_note(content: UnitContent | None, spec: OnestopSpec) -> str:
    """Ghi chú of a unit's line: not reported, no table, or what failed in the table it sent."""
    if content is None or not content.reported:
        return NOT_REPORTED
    if content.table_message is None:
        return NO_TABLE
    titles = {c.id: c.title for c in spec.checks}
    failed: list[str] = []
    for f in content.table_findings:
        check = f["code"].split(".", 1)[1]
        label = CHECK_NOTE.get(check) or titles.get(check) or check
        if label not in failed:
            failed.append(label)
    notes = ["Biểu đơn vị gửi có lỗi: " + "; ".join(failed)] if failed else []
    own = [str(r["note"]).strip() for r in content.table_rows if r.get("note")]
    notes.extend(dict.fromkeys(n for n in own if n))
    return ". ".join(notes)


def _unit_block(
    code: str, name: str, content: UnitContent | None, calc: Arithmetic
) -> tuple[Block, list[dict[str, Any]], bool]:
    rows = content.table_rows if content else []
    lines, folded = _lines(rows, calc) if rows else ({}, False)
    note = _unit_note(content, calc.spec)
    if folded:
        note = "; ".join(filter(None, [note, FOLDED]))
    total = calc.sum(lines.values()) if lines else None
    return Block(name, lines, note, [code], total), rows, folded


def _sum_block(
    ctx: Context,
    group: GroupConfig,
    detail: list[Block],
    contents: dict[str, UnitContent],
    pooled: list[dict[str, Any]],
    calc: Arithmetic,
    sheet_name: str,
) -> Block:
    """A "sum" group's one line: its units' tables summed, or `[export] district_unit`'s."""
    names = ctx.unit_names()
    with_table = [b.units[0] for b in detail if b.lines]
    flagged = [
        b.name for b in detail if b.lines and (c := contents.get(b.units[0])) and c.table_findings
    ]
    folded_any = any(FOLDED in b.note for b in detail if b.lines)
    chosen = ctx.config.export.district_unit
    if chosen:
        if chosen not in names:
            raise CchcError(
                f"export.district_unit: không có đơn vị {chosen!r} trong danh sách đơn vị ({ctx.config.path})"
            )
        content = contents.get(chosen)
        pooled = content.table_rows if content else []
        with_table = [chosen] if pooled else []
        flagged = [names[chosen]] if content and content.table_findings else []
        folded_any = False
        parts = [
            f"Số liệu Phụ lục 2 của {names[chosen]}"
            if pooled
            else f"{names[chosen]} chưa gửi Phụ lục 2"
        ]
    else:
        parts = [
            f"Cộng số liệu Phụ lục 2 của {len(with_table)}/{len(detail)} "
            f"{group.name[:1].lower()}{group.name[1:]} (chi tiết: trang “{sheet_name}”)"
        ]
    lines, folded = _lines(pooled, calc) if pooled else ({}, False)
    if flagged:
        parts.append("biểu có lỗi: " + ", ".join(flagged))
    if folded or folded_any:
        parts.append(FOLDED)
    total = calc.sum(lines.values()) if lines else None
    return Block(authority_name(ctx), lines, "; ".join(parts), with_table, total)


def detail_sheet_name(group: GroupConfig) -> str:
    """The detail sheet of a "sum" group ("Chi tiết cấp huyện"); Excel allows 31 characters."""
    label = group.label
    return f"Chi tiết {label[:1].lower()}{label[1:]}"[:31]


def collect(ctx: Context, period: Period, at: datetime | None = None) -> OnestopExport:
    """The figures of the table: each active unit's latest one-stop table, per SPEC §3."""
    at = at or datetime.now(ctx.tz)
    spec = ctx.specs.onestop
    calc = Arithmetic(spec)
    status = views.status(ctx, period, at)
    contents = unit_contents(ctx, period, at)
    names = ctx.unit_names()
    titles = {g.id: g.title for g in spec.groups}
    sections: list[Section] = []
    for group in ctx.config.groups:
        members = [u for u in status["units"] if u["group"] == group.id]
        blocks: list[Block] = []
        pooled: list[dict[str, Any]] = []
        for entry in members:
            code = entry["unit"]
            block, rows, _ = _unit_block(code, names.get(code, code), contents.get(code), calc)
            blocks.append(block)
            pooled.extend(rows)
        number = group.onestop_section
        section = Section(group, number, titles.get(number) or group.name, blocks)
        if section.summed:
            section.detail = blocks
            sheet = detail_sheet_name(group)
            section.blocks = [_sum_block(ctx, group, blocks, contents, pooled, calc, sheet)]
        sections.append(section)
    lines = [v for s in sections for b in s.blocks for v in b.lines.values()]
    return OnestopExport(
        period,
        at,
        authority_name(ctx),
        sections,
        {u["unit"]: u["status"] for u in status["units"]},
        calc.sum(lines),
    )
