"""Reading .docx/.docm: order, issuer block, title, tables, and refusing hostile files fast."""

from __future__ import annotations

import io
import time
import unicodedata
import zipfile

import docx
import pytest
from docbuild import BILLION_LAUGHS, report_docx, rezip

from parsers.docx import read_docx
from parsers.guard import Limits, TooLarge, Unparseable
from parsers.registry import parse_attachment


def test_issuer_block_is_the_top_left_cell_without_number_and_rules() -> None:
    doc = read_docx(report_docx(header=("UBND HUYỆN ĐẮK SONG", "PHÒNG TƯ PHÁP")))
    assert doc.header_block == "UBND HUYỆN ĐẮK SONG\nPHÒNG TƯ PHÁP"


def test_issuer_block_from_lines_before_the_title_when_there_is_no_table() -> None:
    doc = read_docx(report_docx(header=("ỦY BAN NHÂN DÂN", "XÃ NAM BÌNH"), header_as_table=False))
    assert doc.header_block == "ỦY BAN NHÂN DÂN\nXÃ NAM BÌNH"


def test_title_is_the_lines_after_bao_cao_up_to_the_body() -> None:
    doc = read_docx(report_docx(title=("Kết quả thực hiện công tác CCHC", "Quý I năm 2024")))
    assert doc.title == "Kết quả thực hiện công tác CCHC\nQuý I năm 2024"
    assert doc.blocks[doc.body_start].text.startswith("Thực hiện Công văn")


def test_paragraphs_and_tables_come_in_document_order_with_merged_cells_repeated() -> None:
    d = docx.Document()
    d.add_paragraph("trước bảng")
    t = d.add_table(rows=2, cols=3)
    t.cell(0, 0).merge(t.cell(0, 1)).text = "Số hồ sơ"
    t.cell(0, 2).text = "Ghi chú"
    t.cell(1, 0).text = "Tồn trước"
    t.cell(1, 1).text = "Tiếp nhận mới"
    d.add_paragraph("sau bảng")
    buf = io.BytesIO()
    d.save(buf)
    doc = read_docx(buf.getvalue())
    assert [b.grid is not None for b in doc.blocks] == [False, True, False]
    assert doc.tables[0][0] == ["Số hồ sơ", "Số hồ sơ", "Ghi chú"]
    assert doc.tables[0][1][:2] == ["Tồn trước", "Tiếp nhận mới"]


def test_vertically_merged_cells_repeat_the_value_above() -> None:
    d = docx.Document()
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).merge(t.cell(1, 0)).text = "TT"
    t.cell(0, 1).text = "a"
    t.cell(1, 1).text = "b"
    buf = io.BytesIO()
    d.save(buf)
    assert read_docx(buf.getvalue()).tables[0] == [["TT", "a"], ["TT", "b"]]


def test_nfd_text_is_returned_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "BÁO CÁO cải cách hành chính")
    d = docx.Document()
    d.add_paragraph(nfd)
    buf = io.BytesIO()
    d.save(buf)
    text = read_docx(buf.getvalue()).text
    assert text == unicodedata.normalize("NFC", nfd)


def test_heading_styles_and_bold_are_reported_per_paragraph() -> None:
    doc = read_docx(report_docx(heading_styles=True, bold=False))
    heads = [b for b in doc.blocks if b.heading_level]
    assert heads and {b.heading_level for b in heads} == {1, 2}


def test_truncated_docx_is_refused_as_unparseable() -> None:
    data = report_docx()
    with pytest.raises(Unparseable):
        read_docx(data[: len(data) // 2])


def test_billion_laughs_is_refused_fast_without_expanding() -> None:
    data = rezip(report_docx(), replace={"word/document.xml": BILLION_LAUGHS})
    start = time.perf_counter()
    pa = parse_attachment("Báo cáo.docx", data)
    elapsed = time.perf_counter() - start
    assert pa.kind == "unparseable"
    assert "DTD" in (pa.error or "")
    assert elapsed < 0.1


def test_internal_entity_without_dtd_cannot_sneak_in_as_utf16() -> None:
    bomb16 = BILLION_LAUGHS.replace(b'<?xml version="1.0"?>', b"").decode().encode("utf-16")
    data = rezip(report_docx(), replace={"word/document.xml": bomb16})
    assert parse_attachment("a.docx", data).kind == "unparseable"


def test_docx_whose_part_inflates_too_much_is_refused_as_too_large() -> None:
    big = b"<w:document>" + b" " * (5 * 1024 * 1024) + b"</w:document>"
    data = rezip(report_docx(), replace={"word/document.xml": big})
    with pytest.raises(TooLarge):
        read_docx(data, limits=Limits(zip_max_ratio=100, ratio_floor=1024 * 1024))


def test_docm_with_macros_is_read_and_macros_ignored() -> None:
    data = rezip(report_docx(), add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro bytes"})
    pa = parse_attachment("Báo cáo.docm", data)
    assert pa.format == "docm"
    assert pa.kind == "outline"


def test_document_without_word_part_is_unparseable() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
    assert parse_attachment("x.docx", buf.getvalue()).kind == "unparseable"


def test_malformed_document_xml_is_unparseable_with_a_readable_error() -> None:
    data = rezip(report_docx(), replace={"word/document.xml": b"<w:document><w:body>"})
    pa = parse_attachment("x.docx", data)
    assert pa.kind == "unparseable"
    assert pa.error and "word/document.xml" in pa.error
