"""The registry: format by content, the kind rules, and the promise never to raise."""

from __future__ import annotations

import io
import random

import pytest
from docbuild import make_zip, ole2_encrypted_stub, report_docx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.guard import Limits
from parsers.registry import default_specs, parse_attachment, sniff

DOCX = report_docx()


@pytest.mark.parametrize(
    ("data", "name", "fmt"),
    [
        (DOCX, "a.docx", "docx"),
        (DOCX, "renamed.doc", "docx"),  # content wins over the extension
        (DOCX, "noext", "docx"),
        (make_zip({"word/document.xml": b"<x/>", "word/vbaProject.bin": b"m"}), "a.docx", "docm"),
        (make_zip({"xl/workbook.xml": b"<x/>"}), "a.xlsx", "xlsx"),
        (make_zip({"xl/workbook.xml": b"<x/>", "xl/vbaProject.bin": b"m"}), "a.xlsx", "xlsm"),
        (make_zip({"mimetype": b"application/vnd.oasis.opendocument.text"}), "a.odt", "odt"),
        (make_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), "a", "ods"),
        (make_zip({"a.txt": b"x"}), "a.zip", "zip"),
        (ole2_encrypted_stub(), "a.docx", "encrypted"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "Workbook".encode("utf-16-le"), "a.xls", "xls"),
        (b"%PDF-1.7\n", "a.pdf", "pdf"),
        (b"{\\rtf1 hi}", "a.doc", "rtf"),
        (b"Rar!\x1a\x07\x00", "a.rar", "rar"),
        (b"\x89PNG\r\n", "logo.png", "png"),
    ],
)
def test_format_is_decided_by_content_with_extension_as_tie_breaker(
    data: bytes, name: str, fmt: str
) -> None:
    assert sniff(data, name) == fmt


def test_password_protected_office_file_has_its_own_finding() -> None:
    pa = parse_attachment("Báo cáo.docx", ole2_encrypted_stub())
    assert pa.kind == "unparseable"
    assert [f.code for f in pa.findings] == ["attachment.password_protected"]
    assert pa.error and "mật khẩu" in pa.error


def test_attachment_over_the_size_limit_is_too_large() -> None:
    pa = parse_attachment("a.docx", DOCX, limits=Limits(max_bytes=1000))
    assert pa.kind == "unparseable"
    assert pa.findings[0].code == "attachment.too_large"
    assert pa.size == len(DOCX) and len(pa.sha256) == 64


def test_file_named_as_a_report_with_foreign_content_is_unparseable() -> None:
    pa = parse_attachment("Báo cáo.docx", b"hello, this is not a document")
    assert pa.kind == "unparseable"
    assert pa.findings[0].attachment == "Báo cáo.docx"


def test_unknown_non_report_file_is_other() -> None:
    assert parse_attachment("logo.png", b"\x89PNG\r\n\x1a\n").kind == "other"


def test_report_fields_are_filled_for_a_word_report() -> None:
    pa = parse_attachment("Báo cáo CCHC.docx", DOCX, content_type="application/octet-stream")
    assert pa.kind == "outline" and pa.format == "docx"
    assert pa.header_block == "ỦY BAN NHÂN DÂN\nXÃ NAM BÌNH"
    assert pa.title.startswith("Kết quả thực hiện")
    assert "cải cách hành chính" in pa.text
    assert pa.content_type == "application/octet-stream"


def test_readable_document_that_is_not_a_report_is_other() -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("Giấy mời họp giao ban tháng 3.")
    buf = io.BytesIO()
    d.save(buf)
    pa = parse_attachment("giaymoi.docx", buf.getvalue())
    assert (pa.kind, pa.outline, pa.findings) == ("other", None, [])


def test_time_limit_turns_a_slow_parse_into_unparseable() -> None:
    pa = parse_attachment("a.docx", DOCX, limits=Limits(time_limit=0.0))
    assert pa.kind == "unparseable"
    assert "thời gian" in (pa.error or "")


def test_an_unexpected_bug_in_a_reader_is_contained(monkeypatch: pytest.MonkeyPatch) -> None:
    import parsers.registry as registry

    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(registry, "read_docx", boom)
    pa = parse_attachment("a.docx", DOCX)
    assert pa.kind == "unparseable"
    assert "ZeroDivisionError" in (pa.error or "")


def test_specs_are_loaded_once() -> None:
    assert default_specs() is default_specs()
    assert default_specs().outline.required_ids[0] == "I"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.binary(max_size=2048),
    name=st.sampled_from(["a.docx", "a.xlsx", "a.xls", "a.zip", "a.pdf", "a.doc", "x"]),
)
def test_registry_never_raises_on_random_bytes(data: bytes, name: str) -> None:
    pa = parse_attachment(name, data)
    assert pa.kind in ("outline", "onestop", "other", "unparseable")
    assert pa.kind != "unparseable" or pa.error


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), flips=st.integers(1, 40))
def test_registry_never_raises_on_mutated_docx(seed: int, flips: int) -> None:
    rnd = random.Random(seed)
    data = bytearray(DOCX)
    for _ in range(flips):
        data[rnd.randrange(len(data))] = rnd.randrange(256)
    pa = parse_attachment("a.docx", bytes(data))
    assert pa.kind in ("outline", "other", "unparseable")


ONESTOP_TABLE = [
    ["TT", "Tên đơn vị", "Tổng số TTHC", "Số hồ sơ", "Số hồ sơ", "Số hồ sơ đã giải quyết",
     "Số hồ sơ đã giải quyết", "Số hồ sơ đã giải quyết", "Số hồ sơ đã giải quyết", "Đã trả",
     "Chưa trả", "Hồ sơ đang giải quyết", "Hồ sơ đang giải quyết", "Ghi chú"],
    ["TT", "Tên đơn vị", "Tổng số TTHC", "Tồn trước", "Tiếp nhận mới", "Trước hẹn", "Đúng hẹn",
     "Trễ hẹn", "Tỷ lệ", "Đã trả", "Chưa trả", "Trong hạn", "Quá hạn", "Ghi chú"],
    ["1", "UBND xã Nam Bình", "120", "4", "96", "50", "45", "5", "95,0", "100", "0", "0", "0", ""],
]  # fmt: skip


def test_word_report_holding_the_one_stop_table_is_outline_with_rows() -> None:
    pa = parse_attachment("Báo cáo CCHC.docx", report_docx(extra_tables=[ONESTOP_TABLE]))
    assert pa.kind == "outline"
    assert pa.onestop is not None and len(pa.onestop) == 1
    assert pa.onestop[0]["received"] == 96


def test_word_file_holding_only_the_one_stop_table_is_onestop() -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("PHỤ LỤC 2")
    t = d.add_table(rows=len(ONESTOP_TABLE), cols=len(ONESTOP_TABLE[0]))
    for i, row in enumerate(ONESTOP_TABLE):
        for j, cell in enumerate(row):
            t.cell(i, j).text = cell
    buf = io.BytesIO()
    d.save(buf)
    pa = parse_attachment("Phu luc 2.docx", buf.getvalue())
    assert pa.kind == "onestop"
    assert pa.onestop and pa.onestop[0]["unit_name"] == "UBND xã Nam Bình"
