"""Legacy encodings: TCVN3 (ABC, .VnTime) and VNI (VNI-Times) to Unicode."""

from __future__ import annotations

import io

import docx
import pytest

from parsers import legacy
from parsers.docx import read_docx

SENTENCE = "Báo cáo cải cách hành chính"
TCVN3 = "B¸o c¸o c¶i c¸ch hµnh chÝnh"
VNI = "Baùo caùo caûi caùch haønh chính"


def test_tcvn3_sentence_converts() -> None:
    assert legacy.tcvn3_to_unicode(TCVN3) == SENTENCE


def test_tcvn3_known_place_names_convert() -> None:
    # independent vectors, as printed by other converters
    assert legacy.tcvn3_to_unicode("B¶o Th¾ng") == "Bảo Thắng"
    assert legacy.tcvn3_to_unicode("M\u00adêng Kh\u00ad¬ng") == "Mường Khương"


def test_tcvn3_capital_font_gives_capitals() -> None:
    assert legacy.tcvn3_to_unicode("b¸o c¸o", upper=True) == "BÁO CÁO"


def test_vni_sentence_converts() -> None:
    assert legacy.vni_to_unicode(VNI) == SENTENCE
    assert legacy.vni_to_unicode("Xin chaøo caùc baïn") == "Xin chào các bạn"


def test_vni_letters_with_hats_breves_and_horns() -> None:
    assert legacy.vni_to_unicode("ÑAÉK SOÂNG, ngöôøi, Quyù, Vieät") == "ĐẮK SÔNG, người, Quý, Việt"


@pytest.mark.parametrize(
    ("font", "expected"),
    [
        (".VnTime", "tcvn3"),
        (".VnTimeH", "tcvn3-upper"),
        ("VNI-Times", "vni"),
        ("Times New Roman", None),
        (None, None),
    ],
)
def test_font_names_say_the_encoding(font: str | None, expected: str | None) -> None:
    assert legacy.font_encoding(font) == expected


def test_statistics_recognise_text_whose_font_was_lost() -> None:
    assert legacy.guess_encoding(TCVN3 + " " + TCVN3) == "tcvn3"
    assert legacy.guess_encoding(VNI + " " + VNI) == "vni"
    assert legacy.guess_encoding(SENTENCE) is None
    assert legacy.guess_encoding("Report on administrative reform") is None
    assert legacy.to_unicode(TCVN3 + " " + TCVN3) == SENTENCE + " " + SENTENCE


def _docx_with_font(text: str, font: str) -> bytes:
    d = docx.Document()
    d.add_paragraph("Unicode line")
    d.add_paragraph().add_run(text).font.name = font
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(("text", "font"), [(TCVN3, ".VnTime"), (VNI, "VNI-Times")])
def test_docx_runs_in_legacy_fonts_are_converted(text: str, font: str) -> None:
    doc = read_docx(_docx_with_font(text, font))
    assert doc.blocks[1].text == SENTENCE
    assert doc.blocks[0].text == "Unicode line"


def test_unicode_text_is_never_altered() -> None:
    assert (
        legacy.to_unicode("Đắk Song, ngày 05 tháng 02 năm 2024")
        == "Đắk Song, ngày 05 tháng 02 năm 2024"
    )


def test_legacy_font_set_on_the_normal_style_converts_unstyled_paragraphs() -> None:
    d = docx.Document()
    d.styles["Normal"].font.name = ".VnTime"
    d.add_paragraph(TCVN3)
    buf = io.BytesIO()
    d.save(buf)
    assert read_docx(buf.getvalue()).blocks[0].text == SENTENCE
