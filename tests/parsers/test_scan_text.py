"""OCR text as a document reader would give it: paragraphs, the issuer block, the title.

Plain text in, no OCR run: the samples are what Tesseract returned on real-looking scans."""

from __future__ import annotations

from parsers import outline
from parsers.registry import default_specs
from parsers.scan import paragraphs, read_text

PAGE_1 = """ỦY BAN NHÂN DÂN __ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT
XÃ NAM BÌNH | NAM

——— Độc lập - Tự do - Hạnh phúc
Số: 12/BC-UBND Nam Bình, ngày 15 tháng 3 năm 2024

BÁO CÁO |

Kết quả thực hiện công tác cải cách hành chính quý I năm
2024

Thực hiện Công văn số 3042/UBND-NV, đơn vị báo cáo như sau:

1. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH
CHÍNH

Trong kỳ, đơn vị đã triển khai đầy đủ các nhiệm vụ được giao
theo kế hoạch.

_1. Xây dựng kế hoạch và tổ chức, chỉ đạo, điều hành cải
cách hành chính
Trong kỳ, đơn vị đã triển khai đầy đủ các nhiệm vụ được giao
theo kế hoạch.

2. Kiểm tra cải cách hành chính
Trong kỳ, đơn vị đã triển khai đầy đủ.
"""
PAGE_2 = """-_ theo kế hoạch.
II KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH

Trong kỳ, đơn vị đã triển khai.
"""


def test_wrapped_lines_are_joined_back_into_paragraphs() -> None:
    lines = paragraphs(PAGE_1.splitlines()[12:])
    assert lines == [
        "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH",
        "Trong kỳ, đơn vị đã triển khai đầy đủ các nhiệm vụ được giao theo kế hoạch.",
        "1. Xây dựng kế hoạch và tổ chức, chỉ đạo, điều hành cải cách hành chính",
        "Trong kỳ, đơn vị đã triển khai đầy đủ các nhiệm vụ được giao theo kế hoạch.",
        "2. Kiểm tra cải cách hành chính",
        "Trong kỳ, đơn vị đã triển khai đầy đủ.",
    ]


def test_numbering_slips_are_put_right_only_in_upper_case_headings() -> None:
    assert paragraphs(["II KẾT QUẢ THỰC HIỆN"]) == ["II. KẾT QUẢ THỰC HIỆN"]
    assert paragraphs(["ll. KẾT QUẢ THỰC HIỆN"]) == ["II. KẾT QUẢ THỰC HIỆN"]
    assert paragraphs(["1. Xây dựng kế hoạch"]) == ["1. Xây dựng kế hoạch"]
    assert paragraphs(["12. CÔNG TÁC KHÁC"]) == ["12. CÔNG TÁC KHÁC"]


def test_the_issuer_and_the_title_are_read_around_bao_cao() -> None:
    text = read_text([PAGE_1, PAGE_2])
    assert text.header_block == "ỦY BAN NHÂN DÂN\nXÃ NAM BÌNH"  # no motto, number or date
    assert text.title == "Kết quả thực hiện công tác cải cách hành chính quý I năm 2024"
    assert text.lines[0].startswith("Thực hiện Công văn")
    assert "II. KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH" in text.lines


def test_the_outline_is_covered_across_page_breaks() -> None:
    text = read_text([PAGE_1, PAGE_2])
    result = outline.cover([outline.Line(x) for x in text.lines], default_specs().outline)
    assert result.present == ["I", "I.1", "I.2", "II"]


def test_text_without_a_title_is_all_body() -> None:
    text = read_text(["Trong kỳ, đơn vị đã triển khai.\n"])
    assert (text.header_block, text.title) == ("", "")
    assert text.lines == ["Trong kỳ, đơn vị đã triển khai."]
