"""The compiled narrative (`cchc export narrative`): Phụ lục 1's outline with every unit's text.

Phòng Nội vụ writes the district's own report by reading what each unit wrote under each
heading of the outline; this document puts those texts side by side: the outline's sections
(parsers/data/outline.toml) as Word headings, in order; under each, the text of every unit
that wrote one, in the unit list's order, each labelled with the unit's name (paragraph
style "Tên đơn vị"); the signature block; then, on a landscape page, an appendix listing every
unit that had to report, with the report used and the required sections it lacks.

Text comes from the latest outline report of each unit (SPEC §3), as the outline parser
stored it per section id. The document's form (A4, Times New Roman 13, the head and foot of
Nghị định 30/2020/NĐ-CP) is `cchc.exports.document`'s.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from cchc import views
from cchc.context import Context
from cchc.core import labels
from cchc.core.periods import Period
from cchc.exports import UnitContent, fmt_time, unit_contents
from cchc.exports import document as dx
from cchc.exports.output import save
from parsers.outline import OutlineSpec, Section

if TYPE_CHECKING:
    from docx.document import Document as DocumentObject

LABEL_STYLE = "Tên đơn vị"
NOBODY = "(Không có đơn vị nào báo cáo nội dung này.)"
APPENDIX_TITLE = "PHỤ LỤC: CÁC ĐƠN VỊ VÀ NHỮNG MỤC CÒN THIẾU"
APPENDIX_COLUMNS = (
    ("STT", 1.2),
    ("Đơn vị", 6.5),
    ("Tình trạng", 2.8),
    ("Báo cáo dùng để tổng hợp", 4.2),
    ("Mục còn thiếu", 10.5),
)


def heading_text(section: Section) -> str:
    """ "I. Công tác chỉ đạo…" for a top section, "1. Xây dựng kế hoạch…" for "I.1"."""
    number = section.id.rsplit(".", 1)[-1] if section.parent else section.id
    return f"{number}. {section.title}"


def _document() -> DocumentObject:
    doc = dx.new_document()
    label = doc.styles.add_style(LABEL_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    label.base_style = doc.styles["Normal"]
    dx.set_font(label, dx.BODY_PT, bold=True, italic=True)
    label.paragraph_format.space_before = Pt(6)
    label.paragraph_format.space_after = Pt(2)
    label.paragraph_format.keep_with_next = True
    return doc


def _body(doc: DocumentObject, text: str) -> None:
    for line in text.splitlines():
        line = line.strip()
        if line:
            dx.paragraph(doc, line, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=1)


def _has_text_below(spec: OutlineSpec, section: Section, texts: dict[str, dict[str, str]]) -> bool:
    """A parent section without text of its own needs no "nobody wrote" line if a child has text."""
    kids = [k.id for k in spec.children(section.id)]
    return any(sid in t for t in texts.values() for sid in kids)


def _missing_text(content: UnitContent | None, titles: dict[str, str]) -> str:
    """The appendix's last column: what a unit's outline report lacks, or why there is none."""
    if content is None or not content.reported:
        return "Chưa báo cáo"
    if content.outline_message is None:
        return "Không có báo cáo theo đề cương (chỉ gửi biểu số liệu hoặc tệp không đọc được)"
    missing = content.outline_missing or []
    if not missing:
        return "Đủ các mục bắt buộc"
    return "\n".join(f"{sid}. {titles.get(sid, '')}".strip() for sid in missing)


def _appendix(
    doc: DocumentObject,
    ctx: Context,
    status: dict[str, Any],
    order: list[str],
    contents: dict[str, UnitContent],
) -> None:
    """Every unit that had to report, the report used and the sections it lacks: a landscape
    page, the header row repeated."""
    dx.landscape_section(doc)
    doc.add_heading(APPENDIX_TITLE, level=1)
    titles = {s.id: s.title for s in ctx.specs.outline.sections}
    names = ctx.unit_names()
    by_code = {u["unit"]: u for u in status["units"]}
    table = dx.fixed_table(doc, 1 + len(order), [w for _h, w in APPENDIX_COLUMNS], grid=True)
    center = WD_ALIGN_PARAGRAPH.CENTER
    for cell, (text, _w) in zip(table.rows[0].cells, APPENDIX_COLUMNS, strict=True):
        dx.cell_text(cell, text, bold=True, align=center)
    for n, code in enumerate(order, start=1):
        content = contents.get(code)
        entry = by_code.get(code)
        state = labels.STATUS[entry["status"]] if entry else "Không phải báo cáo kỳ này"
        used = ""
        if content and content.outline_message:
            used = fmt_time(
                datetime.fromtimestamp(content.outline_message["received_ts"], ctx.tz), ctx
            )
            if content.outline_message["first_ref"] is not None:
                used += " (bổ sung)"
        values = (str(n), names.get(code, code), state, used, _missing_text(content, titles))
        for i, (cell, text) in enumerate(zip(table.rows[n].cells, values, strict=True)):
            dx.cell_text(cell, text, align=center if i in (0, 2, 3) else None)
    dx.repeat_header(table)


def build_narrative_document(
    ctx: Context, period: Period, at: datetime | None = None
) -> DocumentObject:
    at = at or datetime.now(ctx.tz)
    spec = ctx.specs.outline
    status = views.status(ctx, period, at)
    contents = unit_contents(ctx, period, at)
    names = ctx.unit_names()
    order = [u["unit"] for u in status["units"]]
    # units that reported although not expected this period still have their text shown
    order += [code for code in contents if code not in order]
    texts = {code: contents[code].sections for code in order if code in contents}
    with_text = [code for code in order if texts.get(code)]

    doc = _document()
    dx.head(doc, ctx)
    center = WD_ALIGN_PARAGRAPH.CENTER
    dx.paragraph(
        doc, "TỔNG HỢP BÁO CÁO CẢI CÁCH HÀNH CHÍNH", bold=True, size=14, align=center, after=0
    )
    dx.paragraph(doc, period.title, bold=True, size=14, align=center)
    dx.paragraph(
        doc,
        f"(Nội dung báo cáo theo đề cương Phụ lục 1 của {len(with_text)}/{len(status['units'])} "
        f"đơn vị, lấy từ báo cáo mới nhất nhận qua thư điện tử trước {fmt_time(at, ctx)}; "
        f"{ctx.config.office.name} tổng hợp)",
        italic=True,
        align=center,
    )
    for section in spec.sections:
        doc.add_heading(dx.clean(heading_text(section)), level=1 if section.parent is None else 2)
        wrote = [code for code in order if texts.get(code, {}).get(section.id)]
        for code in wrote:
            doc.add_paragraph(dx.clean(f"{names.get(code, code)}:"), style=LABEL_STYLE)
            _body(doc, texts[code][section.id])
        if not wrote and not _has_text_below(spec, section, texts):
            dx.paragraph(doc, NOBODY, italic=True)
    dx.foot(doc, ctx, labels.RECIPIENT_LINES_TABLE)
    _appendix(doc, ctx, status, order, contents)
    return doc


def build_narrative_docx(ctx: Context, period_id: str, at: datetime | None = None) -> bytes:
    """The compiled narrative of a period as .docx bytes (messages before `at`, default now)."""
    doc = build_narrative_document(ctx, ctx.period(period_id), at)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def write_narrative(
    ctx: Context, period_id: str, path: str | Path, at: datetime | None = None
) -> Path:
    return save(build_narrative_docx(ctx, period_id, at), "docx", path)
