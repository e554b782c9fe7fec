"""Matching a message to a unit (SPEC §3): address first, then the content's issuer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cchc.core.units import Unit, normalise_address
from ingest.match import Clues, match_by_content, match_unit, needle_table

UNITS = [
    Unit("noi-vu", "Phòng Nội vụ", "huyen", ("noivu@example.gov.vn",), ("Nội vụ",)),
    Unit("tu-phap", "Phòng Tư pháp", "huyen", (), ("Tư pháp",)),
    Unit("xa-thuan-ha", "UBND xã Thuận Hà", "xa", ("ubndxathuanha@gmail.com",), ("Thuận Hà",)),
    Unit("xa-thuan-hanh", "UBND xã Thuận Hạnh", "xa", (), ("Thuận Hạnh",)),
    Unit("xa-nam-njang", "UBND xã Nâm N'Jang", "xa", (), ("Nâm N'Jang",)),
    Unit("xa-dak-hoa", "UBND xã Đắk Hòa", "xa", (), ("Đắk Hòa",)),
    Unit("xa-dak-mol", "UBND xã Đắk Môl", "xa", (), ("Đắk Môl",)),
]
TABLE = needle_table(UNITS)
BOOK = {normalise_address(e): u.code for u in UNITS for e in u.emails}


def test_gmail_dots_plus_tags_case_and_googlemail_are_the_same_address() -> None:
    for variant in (
        "ubnd.xa.thuanha@gmail.com",
        "ubndxathuanha+cchc@gmail.com",
        "UBNDXATHUANHA@Gmail.com",
        "ubndxathuanha@googlemail.com",
    ):
        assert match_unit(variant, Clues(), BOOK, TABLE).unit == "xa-thuan-ha"


def test_dots_matter_outside_gmail() -> None:
    assert normalise_address("noi.vu@example.gov.vn") != normalise_address("noivu@example.gov.vn")


@given(st.lists(st.sampled_from(["", "."]), min_size=12, max_size=12), st.text("abc", max_size=5))
def test_any_gmail_variant_normalises_to_the_plain_address(dots: list[str], tag: str) -> None:
    local = "ubndxathuanha"
    variant = "".join(c + d for c, d in zip(local, dots, strict=False)) + local[len(dots) :]
    if tag:
        variant += "+" + tag
    assert normalise_address(f"{variant}@gmail.com") == "ubndxathuanha@gmail.com"


def test_the_document_header_block_beats_the_subject() -> None:
    clues = Clues(header_blocks=["ỦY BAN NHÂN DÂN XÃ ĐẮK HÒA"], subject="Báo cáo của xã Đắk Môl")
    result = match_by_content(clues, TABLE)
    assert (result.unit, result.how, result.source) == ("xa-dak-hoa", "content", "header")


def test_kinh_gui_and_noi_nhan_lines_name_recipients_not_the_issuer() -> None:
    body = "Kính gửi: Phòng Nội vụ huyện Đắk Song.\nNơi nhận:\n- Phòng Tư pháp;\nEm gửi báo cáo ạ."
    assert match_by_content(Clues(body=body), TABLE).unit is None


def test_the_signature_names_the_issuer_when_nothing_else_does() -> None:
    body = "Kính gửi: Phòng Nội vụ.\n\nĐơn vị gửi báo cáo.\n-- \nVăn thư UBND xã Đắk Hòa"
    assert match_by_content(Clues(body=body), TABLE).unit == "xa-dak-hoa"


def test_longest_name_wins_thuan_hanh_is_not_thuan_ha() -> None:
    assert (
        match_by_content(Clues(subject="UBND xã Thuận Hạnh gửi BC"), TABLE).unit == "xa-thuan-hanh"
    )
    assert match_by_content(Clues(subject="UBND xã Thuận Hà gửi BC"), TABLE).unit == "xa-thuan-ha"


def test_file_names_read_underscores_dashes_and_dots_as_spaces() -> None:
    result = match_by_content(Clues(filenames=["BC_CCHC.xa-Thuan.Hanh_2024.docx"]), TABLE)
    assert result.unit == "xa-thuan-hanh"


def test_accents_case_and_curly_apostrophes_do_not_matter() -> None:
    assert match_by_content(Clues(subject="ubnd xa nam n’jang"), TABLE).unit == "xa-nam-njang"


def test_two_units_equally_likely_is_unmatched() -> None:
    result = match_by_content(Clues(subject="Báo cáo chung của xã Đắk Hòa và xã Đắk Môl"), TABLE)
    assert result.unit is None
    assert set(result.candidates) == {"xa-dak-hoa", "xa-dak-mol"}


def test_no_clue_at_all_is_unmatched() -> None:
    assert (
        match_unit("stranger@gmail.com", Clues(subject="Em gửi báo cáo ạ"), BOOK, TABLE).unit
        is None
    )


def _substring_best(text: str) -> tuple[str | None, tuple[str, ...]]:
    """The plain definition the word index must agree with: the longest unit name contained
    (as whole words) in the folded text; two units tied are ambiguous."""
    from cchc.core.text import fold_words

    haystack = fold_words(text)
    found = [(len(n), code) for n, code in TABLE.pairs if n in haystack]
    if not found:
        return None, ()
    longest = max(size for size, _ in found)
    best = sorted({code for size, code in found if size == longest})
    return (best[0], ()) if len(best) == 1 else (None, tuple(best))


_WORDS = [
    "UBND",
    "xã",
    "Thuận",
    "Hà",
    "Hạnh",
    "Phòng",
    "Nội",
    "vụ",
    "Tư",
    "pháp",
    "Đắk",
    "Hòa",
    "Môl",
    "Nâm",
    "N'Jang",
    "báo",
    "cáo",
    ",",
    "-",
    "\n",
    "ủy ban nhân dân",
]


@given(st.lists(st.sampled_from(_WORDS), max_size=30).map(" ".join))
def test_the_word_index_finds_what_a_substring_search_finds(text: str) -> None:
    from ingest.match import _best_in

    assert _best_in(text, TABLE) == (_substring_best(text) if text.strip() else (None, ()))
