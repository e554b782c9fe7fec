"""The compiled narrative (`cchc export narrative`): Phụ lục 1's outline with every unit's text.

Phòng Nội vụ writes the district's own report by reading what each unit wrote under each
heading of the outline; this document puts those texts side by side: the outline's sections
(parsers/data/outline.toml) as Word headings, in order; under each, the text of every unit
that wrote one, in the unit list's order, each labelled with the unit's name (paragraph
style "Tên đơn vị"); at the end an appendix listing every unit that had to report, with
the report used and the required sections it lacks.

Text comes from the latest outline report of each unit (SPEC §3), as the outline parser
stored it per section id. Times New Roman 13, A4 portrait, the margins of Nghị định
30/2020/NĐ-CP (top/bottom 2 cm, left 3 cm, right 1.5 cm).
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from cchc import views
from cchc.context import Context
from cchc.core import labels
from cchc.core.periods import Period
from cchc.exports import UnitContent, fmt_time, unit_contents, write_bytes
from parsers.outline import OutlineSpec, Section

if TYPE_CHECKING:
    from docx.document import Document as DocumentObject
    from docx.text.paragraph import Paragraph

FONT_NAME = "Times New Roman"
LABEL_STYLE = "Tên đơn vị"
NOBODY = "(Không có đơn vị nào báo cáo nội dung này.)"
APPENDIX_TITLE = "PHỤ LỤC: CÁC ĐƠN VỊ VÀ NHỮNG MỤC CÒN THIẾU"
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def heading_text(section: Section) -> str:
    """ "I. Công tác chỉ đạo…" for a top section, "1. Xây dựng kế hoạch…" for "I.1"."""
    number = section.id.rsplit(".", 1)[-1] if section.parent else section.id
    return f"{number}. {section.title}"


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def _font(style: Any, size: float, *, bold: bool | None = None, italic: bool | None = None) -> None:
    style.font.name = FONT_NAME
    style.font.size = Pt(size)
    style.font.color.rgb = RGBColor(0, 0, 0)
    if bold is not None:
        style.font.bold = bold
    if italic is not None:
        style.font.italic = italic
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT_NAME)


def _document() -> DocumentObject:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    styles = doc.styles
    _font(styles["Normal"], 13)
    styles["Normal"].paragraph_format.space_after = Pt(6)
    styles["Normal"].paragraph_format.line_spacing = 1.15
    for name, size in (("Heading 1", 13), ("Heading 2", 13)):
        _font(styles[name], size, bold=True, italic=False)
        styles[name].paragraph_format.space_before = Pt(12)
        styles[name].paragraph_format.space_after = Pt(6)
        styles[name].paragraph_format.keep_with_next = True
    label = styles.add_style(LABEL_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    label.base_style = styles["Normal"]
    _font(label, 13, bold=True, italic=True)
    label.paragraph_format.space_before = Pt(6)
    label.paragraph_format.space_after = Pt(2)
    label.paragraph_format.keep_with_next = True
    return doc


def _centered(
    doc: DocumentObject, text: str, *, bold: bool = False, italic: bool = False, size: float = 13
) -> Paragraph:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(_clean(text))
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    return p


def _body(doc: DocumentObject, text: str) -> None:
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        p = doc.add_paragraph(_clean(line))
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        p.paragraph_format.first_line_indent = Cm(1)


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


def build_narrative_document(
    ctx: Context, period: Period, at: datetime | None = None
) -> DocumentObject:
    at = at or datetime.now(ctx.tz)
    spec = ctx.specs.outline
    status = views.status(ctx, period, at)
    contents = unit_contents(ctx, period, at)
    names = {u.code: u.name for u in ctx.units}
    order = [u["unit"] for u in status["units"]]
    # units that reported although not expected this period still have their text shown
    order += [code for code in contents if code not in order]
    texts = {code: contents[code].sections for code in order if code in contents}
    with_text = [code for code in order if texts.get(code)]

    doc = _document()
    _centered(doc, "TỔNG HỢP BÁO CÁO CẢI CÁCH HÀNH CHÍNH", bold=True, size=14)
    _centered(doc, period.title, bold=True, size=14)
    _centered(
        doc,
        f"(Nội dung báo cáo theo đề cương Phụ lục 1 của {len(with_text)}/{len(status['units'])} "
        f"đơn vị, lấy từ báo cáo mới nhất nhận qua thư điện tử trước {fmt_time(at, ctx)}; "
        f"{ctx.config.office.name} tổng hợp)",
        italic=True,
    )
    for section in spec.sections:
        doc.add_heading(_clean(heading_text(section)), level=1 if section.parent is None else 2)
        wrote = [code for code in order if texts.get(code, {}).get(section.id)]
        for code in wrote:
            doc.add_paragraph(_clean(f"{names.get(code, code)}:"), style=LABEL_STYLE)
            _body(doc, texts[code][section.id])
        if not wrote and not _has_text_below(spec, section, texts):
            p = doc.add_paragraph()
            p.add_run(NOBODY).italic = True

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_heading(APPENDIX_TITLE, level=1)
    titles = {s.id: s.title for s in spec.sections}
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(
        table.rows[0].cells,
        ("STT", "Đơn vị", "Tình trạng", "Báo cáo dùng để tổng hợp", "Mục còn thiếu"),
        strict=True,
    ):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    by_code = {u["unit"]: u for u in status["units"]}
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
        row = table.add_row().cells
        values = (str(n), names.get(code, code), state, used, _missing_text(content, titles))
        for cell, text in zip(row, values, strict=True):
            cell.text = _clean(text)
    widths = (Cm(1.2), Cm(5.0), Cm(2.3), Cm(3.2), Cm(4.8))
    for r in table.rows:
        for cell, w in zip(r.cells, widths, strict=True):
            cell.width = w
            for p in cell.paragraphs:
                p.paragraph_format.first_line_indent = None
                p.paragraph_format.space_after = Pt(0)
                for run in p.runs:
                    run.font.size = Pt(11)
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
    return write_bytes(build_narrative_docx(ctx, period_id, at), path)
