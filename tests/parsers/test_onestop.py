"""The one-stop table: header found wherever it sits, rows classified, arithmetic checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from sheetbuild import OFFICIAL, good_row, official_grid, total_row, workbook_bytes

from parsers.numbers import PercentCell
from parsers.onestop import DEFAULT_SPEC, load_spec, parse_onestop
from parsers.sheets import read_grids

SPEC = load_spec()


def codes(parse: object) -> set[str]:
    return {f.code for f in parse.findings}  # type: ignore[attr-defined]


def test_spec_is_loaded_from_onestop_toml_and_cached() -> None:
    assert load_spec() is load_spec()
    keys = [c.key for c in SPEC.columns]
    assert keys[:3] == ["stt", "unit_name", "procedures"] and "extra" in keys
    assert {c.id for c in SPEC.checks} == {"rate", "balance", "returned", "non_negative", "totals"}
    assert {c.id: c.level for c in SPEC.checks}["balance"] == "warning"


def test_grid_without_the_table_header_gives_none() -> None:
    assert parse_onestop([[["Kính gửi", "Phòng Nội vụ"], ["Nội dung", "Báo cáo"]]], SPEC) is None
    assert parse_onestop([], SPEC) is None


def test_official_layout_reads_every_key_and_skips_the_column_number_row() -> None:
    rows = [good_row("Phòng Tư pháp")]
    parse = parse_onestop([official_grid([*rows, total_row(rows)])], SPEC)
    assert parse is not None and parse.findings == []
    [row] = parse.rows
    assert row["unit_name"] == "Phòng Tư pháp" and row["mechanism"] == "all"
    assert row["received"] == 20 and row["pending_overdue"] == 1
    assert row["on_time_rate"] == pytest.approx(94.74)
    assert "stt" not in row and parse.unit_names == ["Phòng Tư pháp"]
    assert parse.header_row == 4 and parse.sheet == 0
    assert [t["unit_name"] for t in parse.totals] == ["Tổng cộng"]


def test_header_offset_anywhere_in_the_sheet_is_found() -> None:
    rows = [good_row("UBND xã Nam Bình")]
    grid = official_grid(rows, lead_rows=9, lead_cols=3, colnums=False)
    parse = parse_onestop([[["PHỤ LỤC 2"]], grid], SPEC)
    assert parse is not None and parse.sheet == 1 and parse.header_row == 10
    assert parse.columns["unit_name"] == 4
    assert parse.rows[0]["carried_over"] == 2


def test_reordered_and_omitted_columns_are_read_by_their_headers() -> None:
    # no pending columns at all, and received before carried_over
    order = [0, 1, 4, 3, 5, 6, 7, 8, 9, 10, 2]
    parse = parse_onestop([official_grid([good_row("Phòng Y tế")], order=order)], SPEC)
    assert parse is not None
    row = parse.rows[0]
    assert row["received"] == 20 and row["carried_over"] == 2 and row["procedures"] == 12
    assert "pending_in_time" not in row
    # balance needs the pending columns: skipped, not failed
    assert "onestop.balance" not in codes(parse)


def test_unknown_numeric_column_is_kept_as_extra_with_its_header() -> None:
    grid = official_grid([good_row("Phòng Nội vụ")], colnums=False)
    for i, line in enumerate(grid):
        line.insert(13, "Số hồ sơ trực tuyến" if i in (3, 4) else (9 if i == 5 else None))
    parse = parse_onestop([grid], SPEC)
    assert parse is not None
    assert parse.rows[0]["extra"] == 9
    assert parse.extra_headers == {"extra": "Số hồ sơ trực tuyến"}


def test_note_text_is_kept_and_is_not_a_number() -> None:
    parse = parse_onestop(
        [official_grid([good_row("Phòng Y tế", note="Trễ do chờ xác minh")])], SPEC
    )
    assert parse is not None and parse.rows[0]["note"] == "Trễ do chờ xác minh"


def test_rows_split_by_mechanism_inherit_the_unit_line_above() -> None:
    a = good_row("- Cơ chế một cửa", stt=None)
    b = good_row("- Cơ chế một cửa liên thông", stt=None)
    grid = official_grid([[1, "UBND xã Đắk Hòa"], a, b, total_row([a, b], "Cộng")])
    parse = parse_onestop([grid], SPEC)
    assert parse is not None
    assert [(r["unit_name"], r["mechanism"]) for r in parse.rows] == [
        ("UBND xã Đắk Hòa", "mot_cua"),
        ("UBND xã Đắk Hòa", "lien_thong"),
    ]
    assert parse.findings == [] and parse.unit_names == ["UBND xã Đắk Hòa"]


def test_unit_line_with_numbers_above_mechanism_lines_is_their_subtotal() -> None:
    a = good_row("TTHC thực hiện theo cơ chế một cửa", stt=None)
    b = good_row("TTHC thực hiện theo cơ chế một cửa liên thông", stt=None)
    unit = total_row([a, b], "UBND xã Trường Xuân", stt=1, received=41)
    parse = parse_onestop([official_grid([unit, a, b])], SPEC)
    assert parse is not None
    assert [r["mechanism"] for r in parse.rows] == ["mot_cua", "lien_thong"]
    assert [f.detail["key"] for f in parse.findings if f.code == "onestop.totals"] == ["received"]


def test_group_rows_are_not_data_and_the_grand_total_sums_every_group() -> None:
    a, b = (
        good_row("Phòng Tư pháp"),
        good_row("UBND xã Nam Bình", stt=1, received=30, pending_in_time=12),
    )
    grid = official_grid(
        [
            ["I", "Các Sở, Ban, ngành"],
            ["II", "UBND huyện, thị xã"],
            a,
            ["III", "UBND cấp xã do UBND cấp huyện báo cáo"],
            b,
            ["IV", "Các cơ quan Trung ương đóng trên địa bàn tỉnh"],
            total_row([a, b], "TỔNG CỘNG"),
        ]
    )
    parse = parse_onestop([grid], SPEC)
    assert parse is not None
    assert [r["unit_name"] for r in parse.rows] == ["Phòng Tư pháp", "UBND xã Nam Bình"]
    assert parse.findings == []


def test_total_that_is_not_the_sum_of_its_rows_is_an_error() -> None:
    rows = [good_row("Lĩnh vực Đất đai"), good_row("Lĩnh vực Xây dựng", stt=2)]
    parse = parse_onestop([official_grid([*rows, total_row(rows, "Cộng", procedures=30)])], SPEC)
    assert parse is not None
    [f] = parse.findings
    assert f.code == "onestop.totals" and f.level == "error"
    assert f.detail == {
        "check": "totals",
        "row": "Cộng",
        "sheet_row": 9,
        "expected": 24,
        "found": 30,
        "key": "procedures",
    }
    assert "Tổng số TTHC" in f.message and "24" in f.message


def test_rate_off_by_more_than_half_a_point_is_an_error() -> None:
    parse = parse_onestop([official_grid([good_row("Phòng Tư pháp", on_time_rate=94.1)])], SPEC)
    assert parse is not None
    [f] = parse.findings
    assert f.code == "onestop.rate" and f.level == "error"
    assert f.detail["expected"] == pytest.approx(94.74) and f.detail["found"] == pytest.approx(94.1)
    assert "Phòng Tư pháp" in f.message and "94,1" in f.message


def test_rate_within_half_a_point_passes() -> None:
    parse = parse_onestop([official_grid([good_row("Phòng Tư pháp", on_time_rate=94.3)])], SPEC)
    assert parse is not None and parse.findings == []


def test_rate_with_no_resolved_files_is_not_checked() -> None:
    row = good_row(
        "Xã A",
        resolved_early=0,
        resolved_on_time=0,
        resolved_late=0,
        on_time_rate=0,
        returned=0,
        not_returned=0,
        pending_in_time=22,
        pending_overdue=0,
    )
    parse = parse_onestop([official_grid([row])], SPEC)
    assert parse is not None and parse.findings == []


def test_unbalanced_row_is_a_warning_and_names_the_numbers() -> None:
    parse = parse_onestop([official_grid([good_row("Phòng Tư pháp", received=25)])], SPEC)
    assert parse is not None
    [f] = parse.findings
    assert (f.code, f.level) == ("onestop.balance", "warning")
    assert f.detail["found"] == 27 and f.detail["expected"] == 22


def test_returned_not_matching_resolved_is_a_warning() -> None:
    parse = parse_onestop([official_grid([good_row("Phòng Tư pháp", returned=15)])], SPEC)
    assert parse is not None and [(f.code, f.level) for f in parse.findings] == [
        ("onestop.returned", "warning")
    ]


def test_negative_or_fractional_count_is_an_error() -> None:
    row = good_row("Phòng TNMT", pending_overdue=-1, carried_over=4.5, received=17.5)
    parse = parse_onestop([official_grid([row])], SPEC)
    assert parse is not None
    bad = {f.detail["key"] for f in parse.findings if f.code == "onestop.non_negative"}
    assert bad == {"pending_overdue", "carried_over", "received"}


def test_merged_multi_row_header_in_a_real_workbook_with_vietnamese_numbers() -> None:
    rows = [
        good_row(
            "Phòng Văn hóa và Thông tin",
            received="1.020",
            carried_over="1.002",
            resolved_early=20,
            resolved_on_time="1.998",
            returned="2.017",
            on_time_rate="99,95%",
        )
    ]
    grid = official_grid(rows, lead_rows=2, colnums=False)
    merges = [
        "A1:N1",
        "A3:A4",
        "B3:B4",
        "C3:C4",
        "D3:E3",
        "F3:I3",
        "J3:J4",
        "K3:K4",
        "L3:M3",
        "N3:N4",
    ]
    parse = parse_onestop(read_grids(workbook_bytes(grid, merges=merges), "xlsx"), SPEC)
    assert parse is not None
    row = parse.rows[0]
    assert row["received"] == 1020 and row["resolved_on_time"] == 1998
    assert row["on_time_rate"] == pytest.approx(99.95)
    assert parse.findings == []


def test_percent_formatted_fraction_is_read_as_a_percentage() -> None:
    grid = official_grid([good_row("Xã A", on_time_rate=PercentCell(0.9474))])
    parse = parse_onestop([grid], SPEC)
    assert parse is not None and parse.rows[0]["on_time_rate"] == pytest.approx(94.74)
    assert parse.findings == []


def test_rate_column_typed_as_plain_fractions_is_read_as_percentages() -> None:
    rows = [good_row("Xã A", on_time_rate=0.9474), good_row("Xã B", stt=2, on_time_rate=0.95)]
    parse = parse_onestop([official_grid(rows)], SPEC)
    assert parse is not None
    assert [r["on_time_rate"] for r in parse.rows] == [pytest.approx(94.74), pytest.approx(95.0)]


def test_qua_han_under_the_resolved_parent_is_resolved_late() -> None:
    grid = official_grid([good_row("Xã A")])
    grid[4][7] = "Quá hạn"  # "Trễ hẹn" written as "Quá hạn" under "Số hồ sơ đã giải quyết"
    parse = parse_onestop([grid], SPEC)
    assert parse is not None
    assert parse.columns["resolved_late"] == 7 and parse.columns["pending_overdue"] == 12


def test_single_row_header_with_long_titles_is_read() -> None:
    header = [
        "TT",
        "Đơn vị",
        "Số TTHC",
        "Tồn kỳ trước chuyển sang",
        "Tiếp nhận mới trong kỳ",
        "Giải quyết trước hạn",
        "Giải quyết đúng hạn",
        "Giải quyết trễ hạn",
        "Tỷ lệ (%)",
        "Đã trả kết quả",
        "Chưa trả kết quả",
        "Đang giải quyết trong hạn",
        "Đang giải quyết quá hạn",
    ]
    values = [1, "Phòng Nội vụ", 12, 2, 20, 10, 8, 1, "94,74", 17, 2, 2, 1]
    parse = parse_onestop([[header, values, [None, "Cộng", *values[2:]]]], SPEC)
    assert parse is not None and parse.findings == []
    assert parse.rows[0]["pending_in_time"] == 2 and parse.rows[0]["pending_overdue"] == 1
    assert parse.rows[0]["resolved_late"] == 1


def test_docx_style_string_grid_is_read() -> None:
    rows = [good_row("Phòng Lao động - Thương binh và Xã hội")]
    grid = [
        ["" if v is None else str(v).replace(".", ",") for v in line]
        for line in official_grid([*rows, total_row(rows, "Tổng")], lead_rows=0)
    ]
    parse = parse_onestop([grid], SPEC)
    assert parse is not None and len(parse.rows) == 1 and parse.findings == []


def test_a_custom_spec_drives_the_header_words(tmp_path: Path) -> None:
    text = DEFAULT_SPEC.read_text(encoding="utf-8").replace(
        '"Tiếp nhận mới", ', '"Nhận trong kỳ", '
    )
    path = tmp_path / "onestop.toml"
    path.write_text(text, encoding="utf-8")
    grid = official_grid([good_row("Xã A")])
    grid[4][4] = "Nhận trong kỳ"
    parse = parse_onestop([grid], load_spec(path))
    assert parse is not None and parse.columns["received"] == 4


def test_official_header_list_matches_the_spec_order() -> None:
    # the builder's layout is the spec's official order (guards the fixtures themselves)
    keys = [c.key for c in SPEC.columns if c.key != "extra"]
    assert len(OFFICIAL) == len(keys)
