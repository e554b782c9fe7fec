"""Outline coverage: headings in every numbering style, found by title, with content."""

from __future__ import annotations

import pytest
from docbuild import SECTIONS, report_docx

from parsers.docx import read_docx
from parsers.outline import Line, cover, load_outline, looks_like_report, missing_finding
from parsers.registry import parse_attachment

SPEC = load_outline()
ALL_REQUIRED = [s.id for s in SPEC.sections if s.required]


def coverage(data: bytes):
    doc = read_docx(data)
    lines = [
        Line(b.text, b.heading_level, b.bold, b.grid is not None)
        for b in doc.blocks[doc.body_start :]
    ]
    return cover(lines, SPEC)


@pytest.mark.parametrize("style", ["roman", "dash", "phan", "arabic", "alpha", "roman.num"])
@pytest.mark.parametrize("looks", ["bold", "heading_styles", "plain"])
def test_complete_report_has_no_missing_section_in_any_numbering_style(
    style: str, looks: str
) -> None:
    data = report_docx(style=style, heading_styles=looks == "heading_styles", bold=looks == "bold")
    result = coverage(data)
    assert result.missing == []
    assert set(ALL_REQUIRED) <= set(result.present)


@pytest.mark.parametrize("style", ["roman", "arabic", "phan"])
def test_omitted_and_empty_sections_are_missing(style: str) -> None:
    data = report_docx(style=style, skip=["II.3", "V", "V.1", "V.2", "V.3"], empty=["I.2"])
    assert coverage(data).missing == ["I.2", "II.3", "V", "V.1", "V.2", "V.3"]


def test_renumbered_sections_are_found_by_title_not_by_number() -> None:
    """GIVEN a unit that skips III/IV and numbers Đánh giá chung as III
    THEN it is V, and Kiến nghị (numbered V) is VII."""
    lines = [
        Line("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CCHC"),
        Line("1. Xây dựng kế hoạch và tổ chức, chỉ đạo, điều hành CCHC"),
        Line("Nội dung."),
        Line("III. ĐÁNH GIÁ CHUNG"),
        Line("1. Ưu điểm"),
        Line("Nội dung."),
        Line("IV. KIẾN NGHỊ, ĐỀ XUẤT"),
        Line("Đề nghị cấp kinh phí."),
    ]
    result = cover(lines, SPEC)
    assert {"I", "I.1", "V", "V.1", "VII"} <= set(result.present)
    assert "III" not in result.present and "IV" not in result.present
    assert "VI" in result.missing and "V.2" in result.missing


def test_ocr_slips_in_headings_are_tolerated() -> None:
    lines = [
        Line("Il. KÉT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH"),
        Line("1. Cải cách thể chế"),
        Line("Rà soát 12 văn bản."),
        Line("V. KIÉN NGHỊ, ĐỀ XUẤT"),
        Line("Không có."),
    ]
    result = cover(lines, SPEC)
    assert {"II", "II.1", "VII"} <= set(result.present)


def test_heading_with_inline_content_after_colon_counts_as_present() -> None:
    lines = [
        Line("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH"),
        Line("2. Kiểm tra CCHC: Đã kiểm tra 3 bộ phận."),
    ]
    result = cover(lines, SPEC)
    assert "I.2" in result.present
    assert result.sections["I.2"] == "Đã kiểm tra 3 bộ phận."


def test_sub_items_inside_a_section_do_not_end_it_or_match_other_sections() -> None:
    """'b) ... kiến nghị' under II.2 is content, not section VII."""
    lines = [
        Line("II. KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH"),
        Line("2. Cải cách thủ tục hành chính"),
        Line("a) Thực hiện cơ chế một cửa, một cửa liên thông"),
        Line("b) Tiếp nhận, xử lý phản ánh, kiến nghị"),
        Line("Tiếp nhận 3 phản ánh."),
    ]
    result = cover(lines, SPEC)
    assert "VII" not in result.present
    assert "Tiếp nhận 3 phản ánh." in result.sections["II.2"]


def test_conditional_sections_are_never_missing_but_listed_when_present() -> None:
    lines = [
        Line("III. KẾT QUẢ THỰC HIỆN THEO KẾ HOẠCH CCHC CỦA BAN CHỈ ĐẠO CẢI CÁCH HÀNH CHÍNH TỈNH"),
        Line("Đã thực hiện."),
    ]
    result = cover(lines, SPEC)
    assert "III" in result.present
    assert "III" not in result.missing and "IV" not in result.missing


def test_keywords_find_a_heading_whose_wording_differs() -> None:
    lines = [
        Line("II. KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH"),
        Line("5. Về quản lý tài chính công"),
        Line("Thực hiện tự chủ."),
    ]
    assert "II.5" in cover(lines, SPEC).present


def test_signature_block_is_not_content_of_the_last_section() -> None:
    lines = [Line("VII. KIẾN NGHỊ, ĐỀ XUẤT"), Line("Nơi nhận:"), Line("- Lưu: VT.")]
    assert "VII" in cover(lines, SPEC).missing


def test_other_topic_report_with_similar_top_headings_is_not_the_outline() -> None:
    """A disaster-prevention report shares 'Đánh giá chung', 'Kiến nghị' but is not CCHC."""
    lines = [
        Line(t)
        for t in [
            "I. TÌNH HÌNH THIÊN TAI",
            "Mưa lớn.",
            "II. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH",
            "Kiện toàn ban chỉ huy.",
            "III. KẾT QUẢ THỰC HIỆN",
            "Hỗ trợ 15 hộ.",
            "IV. ĐÁNH GIÁ CHUNG",
            "Kịp thời.",
            "V. PHƯƠNG HƯỚNG, NHIỆM VỤ",
            "Theo dõi.",
            "VI. KIẾN NGHỊ, ĐỀ XUẤT",
            "Hỗ trợ kinh phí.",
        ]
    ]
    result = cover(lines, SPEC)
    text = "\n".join(x.text for x in lines)
    assert not looks_like_report(result, SPEC, text, "Công tác phòng, chống thiên tai")


def test_missing_finding_is_one_warning_listing_the_ids() -> None:
    result = coverage(report_docx(skip=["II.5"]))
    finding = missing_finding(result, "bc.docx")
    assert finding is not None
    assert (finding.code, finding.level, finding.attachment) == (
        "outline.missing",
        "warning",
        "bc.docx",
    )
    assert "II.5" in finding.message
    assert missing_finding(coverage(report_docx()), "bc.docx") is None


def test_registry_reports_outline_kind_missing_and_section_text() -> None:
    pa = parse_attachment("Báo cáo CCHC.docx", report_docx(style="arabic", empty=["V.2"]))
    assert pa.kind == "outline"
    assert pa.outline is not None and pa.outline.missing == ["V.2"]
    assert [f.code for f in pa.findings] == ["outline.missing"]
    assert pa.outline.sections["II.1"].startswith("Trong kỳ")
    assert len(SECTIONS) == 17
