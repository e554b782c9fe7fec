"""Zip archives: members parsed as attachments of their own, within limits, names sanitised."""

from __future__ import annotations

import time
import tracemalloc
import zipfile

import pytest
from docbuild import make_zip, report_docx, zip_bomb

from parsers.archive import safe_name
from parsers.guard import Limits
from parsers.registry import parse_attachment


def test_archive_is_other_and_members_are_children_with_container() -> None:
    data = make_zip({"BC/Báo cáo CCHC.docx": report_docx(), "ghi chu.txt": b"hello"})
    pa = parse_attachment("baocao.zip", data)
    assert (pa.kind, pa.format) == ("other", "zip")
    assert [c.filename for c in pa.children] == ["Báo cáo CCHC.docx", "ghi chu.txt"]
    assert pa.children[0].kind == "outline"
    assert {c.container for c in pa.children} == {"baocao.zip"}
    assert pa.children[1].data == b"hello"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd.docx", "passwd.docx"),
        ("C:\\Users\\a\\bc.docx", "bc.docx"),
        ("a/\x07b\x1b\r\nc.docx", "bc.docx"),
        ("..", "unnamed"),
        ("/", "unnamed"),
    ],
)
def test_member_names_are_sanitised(raw: str, expected: str) -> None:
    assert safe_name(raw) == expected


def test_same_base_name_in_two_folders_is_kept_apart() -> None:
    data = make_zip({"a/x.txt": b"1", "b/x.txt": b"2"})
    assert [c.filename for c in parse_attachment("z.zip", data).children] == ["x.txt", "x (2).txt"]


def test_zip_bomb_is_refused_fast_with_bounded_memory() -> None:
    bomb = zip_bomb(120 * 1024 * 1024)
    tracemalloc.start()
    start = time.perf_counter()
    pa = parse_attachment("report.zip", bomb)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert pa.kind == "unparseable"
    assert [f.code for f in pa.findings] == ["attachment.too_large"]
    assert pa.children == []
    assert elapsed < 0.5
    assert peak < 20 * 1024 * 1024


def test_lying_declared_size_is_caught_while_inflating() -> None:
    """GIVEN a member whose header claims 1 KiB but inflates to 50 MiB THEN refused."""
    data = bytearray(zip_bomb(50 * 1024 * 1024, name="a.txt"))
    with zipfile.ZipFile(__import__("io").BytesIO(bytes(data))) as zf:
        info = zf.infolist()[0]
    # patch the central directory's uncompressed size (zip64 extra holds it: patch both)
    real = info.file_size.to_bytes(8, "little")
    data = bytearray(bytes(data).replace(real, (1024).to_bytes(8, "little")))
    pa = parse_attachment("x.zip", bytes(data), limits=Limits(zip_max_total=10 * 1024 * 1024))
    assert pa.kind == "unparseable"
    assert pa.findings[0].code == "attachment.too_large"


def test_too_many_members_is_refused() -> None:
    data = make_zip({f"f{i}.txt": b"x" for i in range(20)})
    pa = parse_attachment("many.zip", data, limits=Limits(zip_max_members=10))
    assert pa.kind == "unparseable"
    assert pa.findings[0].code == "attachment.too_large"


def test_nesting_deeper_than_the_limit_is_refused_but_shallow_nesting_is_read() -> None:
    inner = make_zip({"bc.docx": report_docx()})
    outer = make_zip({"inner.zip": inner})
    pa = parse_attachment("outer.zip", outer)
    assert pa.children[0].children[0].kind == "outline"
    assert pa.children[0].children[0].container == "inner.zip"
    deep = parse_attachment(
        "outer.zip", make_zip({"o.zip": outer}), limits=Limits(zip_max_nesting=1)
    )
    assert deep.kind == "other"
    assert deep.children[0].children[0].kind == "unparseable"


def test_corrupt_member_is_an_unparseable_child_and_the_archive_still_reads() -> None:
    data = make_zip({"bc.docx": b"PK\x03\x04 not really", "ok.docx": report_docx()})
    pa = parse_attachment("z.zip", data)
    assert pa.kind == "other"
    assert [c.kind for c in pa.children] == ["unparseable", "outline"]


def test_corrupt_archive_is_unparseable() -> None:
    data = make_zip({"bc.docx": report_docx()})
    pa = parse_attachment("z.zip", data[: len(data) - 30])
    assert pa.kind == "unparseable"


def test_rar_is_recorded_as_other_with_a_finding() -> None:
    pa = parse_attachment("bc.rar", b"Rar!\x1a\x07\x00" + b"\0" * 100)
    assert pa.kind == "other"
    assert pa.findings[0].code == "attachment.unparseable"
