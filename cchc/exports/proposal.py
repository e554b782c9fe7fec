"""The draft report proposing how to deal with units that do not report (`cchc export proposal`).

Section 3 of the seed directive asks the collecting office to consolidate the reporting and
"propose to the chairman how to deal with" the units that do not comply ("tổng hợp, đề xuất
UBND huyện xử lý nghiêm"). This is that document, drafted for staff to edit and sign, in the
form of Nghị định 30/2020/NĐ-CP: the head, "BÁO CÁO" and its subject, "Kính gửi" the office's
superior; I. the reporting in the year (or one period) — a generated summary, the counts of
each period, the table of every late or missing unit-period with its deadline, arrival and
how late, and the units on time every period; II. "Đề xuất": each non-compliant unit with its
record and a suggested measure; then "Nơi nhận" and the signer's block.

Every name comes from the configuration (`[office]`, `[[groups]]`, the unit list) and the
figures from `cchc.exports.proposal_figures`.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from docx.enum.text import WD_ALIGN_PARAGRAPH

from cchc.context import Context
from cchc.core import labels
from cchc.exports import deadline_text, fmt_time
from cchc.exports import document as dx
from cchc.exports.letterhead import letterhead
from cchc.exports.output import save
from cchc.exports.proposal_figures import Breach, Proposal, collect, late_text

if TYPE_CHECKING:
    from docx.document import Document as DocumentObject

TABLE_COLUMNS = (
    ("STT", 1.3),
    ("Đơn vị", 4.3),
    ("Kỳ báo cáo", 2.4),
    ("Hạn nộp", 3.1),
    ("Thời điểm nhận", 2.7),
    ("Tình trạng", 2.7),
)
NOBODY_LATE = "Không có đơn vị nào gửi báo cáo trễ hạn hoặc không gửi báo cáo."
NOBODY_ON_TIME = "Không có đơn vị nào gửi báo cáo đúng hạn tất cả các kỳ."
CENTER = WD_ALIGN_PARAGRAPH.CENTER
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY


def _scope_words(data: Proposal) -> str:
    """ "năm 2024", or "Báo cáo Quý I năm 2024" for one period."""
    if data.period is None:
        return f"năm {data.year}"
    name = data.period.name
    return f"{name[:1].lower()}{name[1:]}"


def status_text(b: Breach) -> str:
    """The table's last column: "Trễ hạn 2 ngày 5 giờ", "Chưa nộp"."""
    if b.status == "late" and b.late_by is not None:
        return f"{labels.STATUS['late']} {late_text(b.late_by)}"
    return labels.STATUS[b.status]


def _record(ctx: Context, breaches: list[Breach]) -> str:
    """A unit's record in words: "nộp trễ hạn Báo cáo Quý I năm 2024 (nhận lúc 18/02/2024
    00:30, trễ 30 phút); không nộp Báo cáo năm 2024"."""
    parts = []
    for b in breaches:
        if b.status == "late" and b.received_at and b.late_by is not None:
            parts.append(
                f"nộp trễ hạn {b.period.name} (nhận lúc {fmt_time(b.received_at, ctx)}, "
                f"trễ {late_text(b.late_by)})"
            )
        else:
            parts.append(f"không nộp {b.period.name}")
    return "; ".join(parts)


def _summary(doc: DocumentObject, ctx: Context, data: Proposal) -> None:
    scope = _scope_words(data)
    on_time = sum(len(names) for _g, names in data.on_time)
    dx.paragraph(
        doc,
        f"Trong {scope} có {data.late} lượt đơn vị nộp trễ hạn, {data.missing} lượt không nộp "
        f"báo cáo (trên tổng số {data.expected} lượt phải nộp của {data.units_judged} đơn vị ở "
        f"các kỳ đã đến hạn); {on_time} đơn vị nộp đúng hạn tất cả các kỳ. Số liệu tính đến "
        f"{fmt_time(data.at, ctx)}, theo thời điểm hộp thư của cơ quan nhận được báo cáo.",
        align=JUSTIFY,
        indent=1,
    )
    for pc in data.periods:
        due = deadline_text(ctx, pc.due_at)
        if not pc.due:
            text = f"- {pc.period.name} (hạn {due}): chưa đến hạn."
        else:
            c = pc.counts
            text = (
                f"- {pc.period.name} (hạn {due}): {pc.expected} đơn vị phải báo cáo; "
                f"{c.get('on_time', 0)} đúng hạn, {c.get('late', 0)} trễ hạn, "
                f"{c.get('missing', 0)} không nộp."
            )
        dx.paragraph(doc, text, align=JUSTIFY, indent=1)


def _table(doc: DocumentObject, ctx: Context, data: Proposal) -> None:
    """Every late or missing unit-period, grouped as `[[groups]]` list them."""
    groups = [g for g in ctx.config.groups if any(b.group == g.id for b in data.breaches)]
    rows = 1 + len(groups) + len(data.breaches)
    table = dx.fixed_table(doc, rows, [w for _t, w in TABLE_COLUMNS], grid=True)
    for cell, (text, _w) in zip(table.rows[0].cells, TABLE_COLUMNS, strict=True):
        dx.cell_text(cell, text, bold=True, align=CENTER)
    r = 1
    for group in groups:
        heading = table.rows[r].cells
        heading[0].merge(heading[-1])
        dx.cell_text(heading[0], group.name, bold=True)
        r += 1
        for n, b in enumerate((b for b in data.breaches if b.group == group.id), start=1):
            values = (
                str(n),
                b.name,
                b.period.short_with_year,
                deadline_text(ctx, b.due_at),
                fmt_time(b.received_at, ctx) if b.received_at else "",
                status_text(b),
            )
            for i, (cell, text) in enumerate(zip(table.rows[r].cells, values, strict=True)):
                dx.cell_text(cell, text, align=None if i == 1 else CENTER)
            r += 1
    dx.repeat_header(table)


def _proposals(doc: DocumentObject, ctx: Context, data: Proposal, recipient: str) -> None:
    dx.paragraph(doc, "II. ĐỀ XUẤT", bold=True)
    if not data.breaches:
        dx.paragraph(
            doc,
            f"Các đơn vị đã thực hiện nghiêm chế độ báo cáo trong {_scope_words(data)}; "
            f"{ctx.config.office.name} đề nghị {recipient} biểu dương các đơn vị.",
            align=JUSTIFY,
            indent=1,
        )
        return
    dx.paragraph(
        doc,
        f"Căn cứ kết quả trên, {ctx.config.office.name} đề xuất {recipient} xem xét:",
        align=JUSTIFY,
        indent=1,
    )
    dx.paragraph(doc, "1. Xử lý đối với từng đơn vị", bold=True, indent=1)
    for _code, name, breaches in data.by_unit():
        measure = labels.MEASURE[
            "missing" if any(b.status == "missing" for b in breaches) else "late"
        ]
        dx.paragraph(
            doc,
            f"- {name}: {_record(ctx, breaches)}. Đề xuất: {measure}.",
            align=JUSTIFY,
            indent=1,
        )
    dx.paragraph(doc, "2. Các nội dung khác", bold=True, indent=1)
    dx.paragraph(
        doc,
        "- Yêu cầu các đơn vị nêu trên chấn chỉnh, gửi báo cáo đúng thời hạn ở các kỳ tiếp "
        f"theo; kết quả thực hiện chế độ báo cáo được {labels.SCORING_NOTE.format(year=data.year)}.",
        align=JUSTIFY,
        indent=1,
    )


def build_proposal_document(
    ctx: Context, year: int, period_id: str | None = None, at: datetime | None = None
) -> DocumentObject:
    data = collect(ctx, year, period_id, at)
    lh = letterhead(ctx)
    recipient = lh.recipient or "cấp có thẩm quyền"
    doc = dx.new_document()
    dx.head(doc, ctx, number_kind="BC")
    dx.paragraph(doc, "BÁO CÁO", bold=True, size=14, align=CENTER, after=0)
    dx.paragraph(
        doc,
        f"Tình hình gửi báo cáo định kỳ về cải cách hành chính {_scope_words(data)} "
        f"và đề xuất xử lý các đơn vị chưa thực hiện nghiêm chế độ báo cáo",
        bold=True,
        size=14,
        align=CENTER,
        after=0,
    )
    dx.rule(doc, 4.0, after=6)
    if lh.recipient:
        dx.paragraph(doc, f"Kính gửi: {lh.recipient}.", align=CENTER)
    dx.paragraph(
        doc,
        f"Thực hiện chế độ báo cáo định kỳ về công tác cải cách hành chính, "
        f"{ctx.config.office.name} báo cáo tình hình các cơ quan, đơn vị gửi báo cáo "
        f"{_scope_words(data)} và đề xuất như sau:",
        align=JUSTIFY,
        indent=1,
    )
    dx.paragraph(doc, "I. TÌNH HÌNH GỬI BÁO CÁO", bold=True)
    _summary(doc, ctx, data)
    dx.paragraph(
        doc, "1. Các đơn vị gửi báo cáo trễ hạn hoặc không gửi báo cáo", bold=True, indent=1
    )
    if data.breaches:
        _table(doc, ctx, data)
    else:
        dx.paragraph(doc, NOBODY_LATE, italic=True, indent=1)
    dx.paragraph(doc, "2. Các đơn vị gửi báo cáo đúng hạn tất cả các kỳ", bold=True, indent=1)
    for group_name, names in data.on_time:
        dx.paragraph(
            doc, f"- {group_name} ({len(names)}): {', '.join(names)}.", align=JUSTIFY, indent=1
        )
    if not data.on_time:
        dx.paragraph(doc, NOBODY_ON_TIME, italic=True, indent=1)
    _proposals(doc, ctx, data, recipient)
    dx.paragraph(
        doc,
        f"Trên đây là báo cáo tình hình gửi báo cáo định kỳ về cải cách hành chính "
        f"{_scope_words(data)}, {ctx.config.office.name} kính trình {recipient} xem xét, "
        f"chỉ đạo./.",
        align=JUSTIFY,
        indent=1,
    )
    dx.foot(doc, ctx)
    return doc


def build_proposal_docx(
    ctx: Context, year: int, period_id: str | None = None, at: datetime | None = None
) -> bytes:
    """The draft proposal as .docx bytes (the record at `at`, default now)."""
    buf = io.BytesIO()
    build_proposal_document(ctx, year, period_id, at).save(buf)
    return buf.getvalue()


def write_proposal(
    ctx: Context, year: int, period_id: str | None, path: str | Path, at: datetime | None = None
) -> Path:
    return save(build_proposal_docx(ctx, year, period_id, at), "docx", path)
