"""Spreadsheets to grids: merged cells filled, percent formats kept, hostile files refused."""

from __future__ import annotations

import io
import time
import zipfile

import openpyxl
import pytest
from casedata import case_attachments
from sheetbuild import ods_bytes, workbook_bytes

from parsers.guard import AttachmentError, PasswordProtected, TooLarge, Unparseable
from parsers.numbers import PercentCell
from parsers.sheets import MAX_COLS, MAX_ROWS, read_grids


def _rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, content in replace.items():
            if name not in src.namelist():
                dst.writestr(name, content)
    return out.getvalue()


def test_merged_parent_header_is_copied_into_every_cell_it_covers() -> None:
    grid = [["Số hồ sơ đã giải quyết", None, None, None], ["Trước hẹn", "Đúng hẹn", "Trễ hẹn", "%"]]
    [sheet] = read_grids(workbook_bytes(grid, merges=["A1:D1"]), "xlsx")
    assert sheet[0] == ["Số hồ sơ đã giải quyết"] * 4
    assert sheet[1] == ["Trước hẹn", "Đúng hẹn", "Trễ hẹn", "%"]


def test_vertically_merged_header_reaches_the_lower_header_row() -> None:
    grid = [["Tên đơn vị", "Số hồ sơ"], [None, "Tiếp nhận mới"]]
    [sheet] = read_grids(workbook_bytes(grid, merges=["A1:A2"]), "xlsx")
    assert sheet[1][0] == "Tên đơn vị"


def test_percent_formatted_cell_is_flagged_and_plain_numbers_are_not() -> None:
    [sheet] = read_grids(workbook_bytes([[0.9794, 98.13, 12.0]], formats={"A1": "0.0%"}), "xlsx")
    assert isinstance(sheet[0][0], PercentCell) and sheet[0][0] == pytest.approx(0.9794)
    assert not isinstance(sheet[0][1], PercentCell)
    assert sheet[0][2] == 12 and isinstance(sheet[0][2], int)


def test_formulas_are_not_evaluated_only_cached_values_are_read() -> None:
    # openpyxl writes no cached value: a reader that evaluated or echoed formulas would show one
    [sheet] = read_grids(workbook_bytes([[1, 2, "=A1+B1"]]), "xlsx")
    assert sheet[0][:2] == [1, 2]
    assert len(sheet[0]) == 2 or sheet[0][2] is None


def test_every_sheet_becomes_a_grid_and_text_is_nfc() -> None:
    data = workbook_bytes([["Tên đơn vị", "UBND xa\u0303 Nam Bi\u0300nh"]], extra_sheets=["Sheet2"])
    grids = read_grids(data, "xlsx")
    assert len(grids) == 2
    assert grids[0][0][1] == "UBND xã Nam Bình"


def test_rows_and_columns_beyond_the_caps_are_not_read() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, MAX_ROWS + 300):
        ws.cell(r, 1, r)
    ws.cell(1, MAX_COLS + 20, "far right")
    buf = io.BytesIO()
    wb.save(buf)
    [sheet] = read_grids(buf.getvalue(), "xlsx")
    assert len(sheet) == MAX_ROWS
    assert max(len(r) for r in sheet) <= MAX_COLS


def test_case_xlsm_reads_its_data_and_never_its_macros() -> None:
    xlsm = next(a for a in case_attachments() if a.filename.endswith(".xlsm"))
    assert "xl/vbaProject.bin" in zipfile.ZipFile(io.BytesIO(xlsm.data)).namelist()
    grids = read_grids(xlsm.data, "xlsm")
    assert any("Tên đơn vị" in row for row in grids[0])


def test_case_xls_reads_with_its_merged_header() -> None:
    xls = next(a for a in case_attachments() if a.filename.endswith(".xls"))
    [sheet] = read_grids(xls.data, "xls")
    header = next(i for i, row in enumerate(sheet) if "Trước hạn" in row)
    # "Số hồ sơ đã giải quyết" is merged over four columns in the row above
    assert sheet[header - 1].count("Số hồ sơ đã giải quyết") == 4
    assert all(not isinstance(v, float) or not v.is_integer() for row in sheet for v in row)


def test_renamed_file_is_read_by_its_content_not_its_extension() -> None:
    data = workbook_bytes([["a", 1]])
    assert read_grids(data, "xls")[0] == [["a", 1]]


def test_ods_spans_repeats_and_percentages_are_resolved() -> None:
    rows = [
        ["Tên đơn vị", "Số hồ sơ", None],
        [None, "Tồn kỳ trước", "Tiếp nhận mới"],
        ["Xã A", 3, 0.5],
    ]
    data = ods_bytes(
        rows,
        spans={(0, 0): (2, 1), (0, 1): (1, 2)},
        percent={(2, 2)},
        filler_rows=1_048_000,
        repeat_last_cell=16_000,
    )
    started = time.perf_counter()
    [sheet] = read_grids(data, "ods")
    assert time.perf_counter() - started < 2
    assert sheet[0] == ["Tên đơn vị", "Số hồ sơ", "Số hồ sơ"]
    assert sheet[1] == ["Tên đơn vị", "Tồn kỳ trước", "Tiếp nhận mới"]
    assert sheet[2][:2] == ["Xã A", 3]
    assert isinstance(sheet[2][2], PercentCell) and sheet[2][2] == pytest.approx(0.5)
    assert len(sheet) == 3


def test_xml_entity_bomb_in_a_sheet_is_refused_before_parsing() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    data = _rezip(workbook_bytes([["x"]]), {"xl/worksheets/sheet1.xml": bomb})
    with pytest.raises(Unparseable):
        read_grids(data, "xlsx")


def test_zip_bomb_is_refused_as_too_large() -> None:
    data = _rezip(workbook_bytes([["x"]]), {"xl/media/padding.bin": b"\0" * (4 * 1024 * 1024)})
    with pytest.raises(TooLarge):
        read_grids(data, "xlsx")


def test_encrypted_office_file_is_password_protected() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptedPackage".encode("utf-16-le")
    with pytest.raises(PasswordProtected):
        read_grids(ole, "xlsx")


@pytest.mark.parametrize("data", [b"", b"not a spreadsheet at all", b"PK\x03\x04garbage"])
def test_garbage_is_unparseable_with_a_readable_message(data: bytes) -> None:
    with pytest.raises(AttachmentError) as info:
        read_grids(data, "xlsx")
    assert "xlsx" in str(info.value)


def test_truncated_workbook_is_unparseable() -> None:
    data = workbook_bytes([["a"]])
    with pytest.raises(AttachmentError):
        read_grids(data[: len(data) // 2], "xlsx")


def test_corrupt_xls_is_unparseable() -> None:
    with pytest.raises(AttachmentError):
        read_grids(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "xls")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(Unparseable):
        read_grids(b"PK\x03\x04", "csv")
