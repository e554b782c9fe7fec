"""A Word document as Nghị định 30/2020/NĐ-CP (Phụ lục I) lays it out, for the .docx exports.

A4 portrait, margins top and bottom 2 cm, left 3 cm, right 1.5 cm; Times New Roman 13; the
page number centred at the top from the second page. The head is a borderless two-column
table: the superior authority and the issuing body (bold, a short rule under it) and the
document number on the left; the national motto (a rule under it as long as the motto) and
"<place>, ngày … tháng … năm …" on the right. The foot: "Nơi nhận" on the left, the signer's
title on the right over the space for the signature. Tables: widths fixed as given, header
rows repeated on every page, rows never split across pages.

The words are `cchc.exports.letterhead`'s; text from outside goes through `clean`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import _Cell

from cchc.context import Context
from cchc.core import labels
from cchc.exports.letterhead import letterhead

if TYPE_CHECKING:
    from docx.document import Document as DocumentObject
    from docx.table import Table
    from docx.text.paragraph import Paragraph

FONT_NAME = "Times New Roman"
BODY_PT = 13
TABLE_PT = 11
PORTRAIT_TEXT_CM = 16.5  # 21 cm less 3 cm and 1.5 cm of margins
LANDSCAPE_TEXT_CM = 25.2  # 29.7 cm less the same margins
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Text Word can hold and shows as written: XML-illegal characters and bidirectional
    controls removed."""
    return _BIDI.sub("", _XML_ILLEGAL.sub("", text))


def set_font(
    style: Any, size: float, *, bold: bool | None = None, italic: bool | None = None
) -> None:
    """Times New Roman for every script slot of a style, so Word never substitutes."""
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
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)  # a theme font would win over the name


def _page_number_header(section: Any) -> None:
    """The page number, centred at the top, from the second page on."""
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    p._p.append(field)  # noqa: SLF001 - python-docx has no API for fields


def new_document() -> DocumentObject:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    section.header_distance = Cm(1)
    _page_number_header(section)
    styles = doc.styles
    set_font(styles["Normal"], BODY_PT)
    styles["Normal"].paragraph_format.space_after = Pt(6)
    styles["Normal"].paragraph_format.line_spacing = 1.15
    for name in ("Heading 1", "Heading 2"):
        set_font(styles[name], BODY_PT, bold=True, italic=False)
        styles[name].paragraph_format.space_before = Pt(12)
        styles[name].paragraph_format.space_after = Pt(6)
        styles[name].paragraph_format.keep_with_next = True
    return doc


def landscape_section(doc: DocumentObject) -> None:
    """A new page turned landscape, for a wide table."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    section.different_first_page_header_footer = False  # numbered like the pages before


def paragraph(
    where: Any,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    align: Any = None,
    after: float | None = None,
    indent: float | None = None,
) -> Paragraph:
    """A paragraph with one run, in a document or a table cell (a cell's first paragraph is
    reused when still empty)."""
    if isinstance(where, _Cell) and len(where.paragraphs) == 1 and not where.paragraphs[0].runs:
        p = where.paragraphs[0]
    else:
        p = where.add_paragraph()
    if text:
        run = p.add_run(clean(text))
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
    if align is not None:
        p.alignment = align
    if after is not None:
        p.paragraph_format.space_after = Pt(after)
    if indent is not None:
        p.paragraph_format.first_line_indent = Cm(indent)
    return p


def rule(
    where: Any, width_cm: float, room_cm: float = PORTRAIT_TEXT_CM, *, after: float = 0
) -> None:
    """A centred horizontal rule `width_cm` long in a cell (or the page) `room_cm` wide: an
    empty tiny paragraph with a top border."""
    p = where.add_paragraph()
    side = max(0.0, (room_cm - width_cm) / 2)
    p.paragraph_format.left_indent = Cm(side)
    p.paragraph_format.right_indent = Cm(side)
    p.paragraph_format.space_before = Pt(3)  # clear of the letters above
    p.paragraph_format.space_after = Pt(after)
    p.paragraph_format.line_spacing = Pt(2)
    ppr = p._p.get_or_add_pPr()  # noqa: SLF001 - borders have no python-docx API
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(key), value)
    borders.append(top)
    ppr.append(borders)


def fixed_table(where: Any, rows: int, widths_cm: Sequence[float], *, grid: bool) -> Table:
    """A table with the given column widths, not resized by the viewer."""
    table = where.add_table(rows=rows, cols=len(widths_cm))
    if grid:
        table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)  # noqa: SLF001
    set_widths(table, widths_cm)
    return table


def set_widths(table: Table, widths_cm: Sequence[float]) -> None:
    for i, w in enumerate(widths_cm):
        table.columns[i].width = Cm(w)
        for cell in table.columns[i].cells:
            cell.width = Cm(w)


def repeat_header(table: Table, rows: int = 1) -> None:
    """The first `rows` rows repeat at the top of every page; no row splits across pages."""
    for i, row in enumerate(table.rows):
        trpr = row._tr.get_or_add_trPr()  # noqa: SLF001
        if i < rows:
            el = OxmlElement("w:tblHeader")
            el.set(qn("w:val"), "true")
            trpr.append(el)
        trpr.append(OxmlElement("w:cantSplit"))


def head(doc: DocumentObject, ctx: Context, number_kind: str | None = None) -> None:
    """The authority block and the motto (ND 30, items 1-4)."""
    lh = letterhead(ctx)
    left_cm, right_cm = 6.3, PORTRAIT_TEXT_CM - 6.3
    table = fixed_table(doc, 1, (left_cm, right_cm), grid=False)
    left, right = table.rows[0].cells
    center = WD_ALIGN_PARAGRAPH.CENTER
    if lh.superior:
        paragraph(left, lh.superior, size=12.5, align=center, after=0)
    paragraph(left, lh.office, bold=True, size=12.5, align=center, after=0)
    rule(left, 2.2, left_cm)
    if number_kind:
        paragraph(left, labels.NUMBER_LINE.format(kind=number_kind), align=center, after=0)
    paragraph(right, labels.NATION, bold=True, size=12.5, align=center, after=0)
    paragraph(right, labels.MOTTO, bold=True, size=13.5, align=center, after=0)
    rule(right, 6.3, right_cm)
    paragraph(right, lh.place_date, italic=True, align=center, after=0)
    doc.add_paragraph()


def foot(
    doc: DocumentObject, ctx: Context, recipients: Sequence[str] = labels.RECIPIENT_LINES
) -> None:
    """ "Nơi nhận" and the signer's block, with room for the signature (ND 30, items 7-8)."""
    lh = letterhead(ctx)
    if doc.paragraphs:  # the last words of the text go with the signature, never alone
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
    table = fixed_table(doc, 1, (7.5, PORTRAIT_TEXT_CM - 7.5), grid=False)
    left, right = table.rows[0].cells
    paragraph(left, labels.RECIPIENTS, bold=True, italic=True, size=12, after=0)
    for line in recipients:
        paragraph(left, line, size=11, after=0)
    for line in lh.signer.split("\n"):
        paragraph(right, line, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    for _ in range(4):
        paragraph(right, after=0)
    repeat_header(table, 0)  # the block stays whole on one page
    end = paragraph(doc, after=0)  # Word needs a paragraph after a table: keep it tiny
    end.paragraph_format.line_spacing = Pt(1)


def cell_text(
    cell: _Cell, text: str, *, bold: bool = False, size: float = TABLE_PT, align: Any = None
) -> None:
    """A table cell's text, line by line, in the table's size and without body spacing."""
    lines = clean(text).split("\n") if text else [""]
    for i, line in enumerate(lines):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        if line:
            run = p.add_run(line)
            run.bold = bold
            run.font.size = Pt(size)
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.first_line_indent = None
        p.paragraph_format.line_spacing = 1.0
        if align is not None:
            p.alignment = align
