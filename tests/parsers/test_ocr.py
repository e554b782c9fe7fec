"""Scans read by OCR: an image-only PDF or photos of the pages give the outline coverage, the
issuer block and the title the Word file gives; without OCR, past its limits or its time, a
scan is kept with its coverage unknown and a finding that says why (SPEC §3)."""

from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path

import pytest
from conftest import gone, slow_tesseract
from PIL import Image
from scanbuild import ScanSet, blank_page, blank_scan, jpeg

from cchc.core.periods import SEED_KINDS
from cchc.core.wording import detect_period
from parsers import images
from parsers.ocr import OcrSettings, natural_key
from parsers.registry import parse_attachment, read_photos, sniff

NO_TESSERACT = OcrSettings(tesseract="/nonexistent/bin/tesseract")


def scanned(pa: object) -> dict[str, object]:
    """The `attachment.scanned` finding's level and detail."""
    found = [f for f in pa.findings if f.code == "attachment.scanned"]  # type: ignore[attr-defined]
    assert len(found) == 1
    return {"level": found[0].level, "message": found[0].message, **(found[0].detail or {})}


def test_a_scanned_pdf_reads_like_the_word_file_it_was_printed_from(scan_set: ScanSet) -> None:
    """GIVEN a Word report printed, scanned at 200 dpi askew with specks WHEN the image-only PDF
    is parsed THEN OCR finds the same sections (the same missing ones), the issuer and the
    title; the table is never read from it; the scan carries an info finding."""
    word = parse_attachment("bao-cao.docx", scan_set.docx)
    scan = parse_attachment("bao-cao-scan.pdf", scan_set.pdf)
    assert word.outline is not None and word.outline.missing == ["II.5", "V.2"]
    assert scan.kind == "outline" and scan.scanned and scan.outline is not None
    assert scan.outline.missing == word.outline.missing
    assert scan.outline.present == word.outline.present
    assert "XÃ NAM BÌNH" in scan.header_block or "XA NAM BÌNH" in scan.header_block
    period = detect_period([("title", scan.title)], SEED_KINDS)
    assert period is not None and (period.kind, period.year) == ("Q1", 2024)
    assert scan.onestop is None
    note = scanned(scan)
    assert note["level"] == "info" and note["ocr"] == "read" and note["pages"] == 2
    assert "OCR" in str(note["message"]) and ".xlsx" in str(note["message"])
    assert "đầy đủ các nhiệm vụ" in scan.outline.sections["II.1"]


def test_photos_of_the_pages_are_one_scan_read_in_file_name_order(scan_set: ScanSet) -> None:
    """GIVEN the two pages photographed, named so that a plain sort would put page 2 first
    WHEN read as one mail's photos THEN page 1 leads (natural order) and the pages together
    give the Word file's coverage; the result sits on the first page."""
    word = parse_attachment("bao-cao.docx", scan_set.docx)
    second = parse_attachment("trang-10.jpg", scan_set.photos[1])
    first = parse_attachment("trang-2.jpg", scan_set.photos[0])
    for page, data in ((second, scan_set.photos[1]), (first, scan_set.photos[0])):
        assert page.photo and page.kind == "other"
        page.data = data
    read_photos([second, first])
    assert first.kind == "outline" and first.outline is not None
    assert word.outline is not None and first.outline.missing == word.outline.missing
    assert first.title and "XÃ NAM BÌNH" in first.header_block.replace("XA ", "XÃ ")
    assert second.scanned and second.outline is None and not second.findings
    assert scanned(first)["files"] == ["trang-2.jpg", "trang-10.jpg"]


def test_file_name_order_is_the_order_a_person_reads() -> None:
    names = ["trang 10.jpg", "Trang 2.jpg", "trang 1.jpg", "anh.png"]
    assert sorted(names, key=natural_key) == [
        "anh.png",
        "trang 1.jpg",
        "Trang 2.jpg",
        "trang 10.jpg",
    ]


@pytest.mark.parametrize(
    ("settings", "status", "says"),
    [
        (NO_TESSERACT, "unavailable", "chưa có nhận dạng chữ"),
        (OcrSettings(enabled=False), "disabled", "đang tắt"),
        (OcrSettings(max_pages=2), "too_many_pages", "có 3 trang, quá 2 trang"),
    ],
    ids=["no-tesseract", "switched-off", "too-many-pages"],
)
def test_an_unread_scan_is_kept_with_unknown_coverage_and_says_why(
    settings: OcrSettings, status: str, says: str
) -> None:
    """GIVEN OCR that cannot or may not read a 3-page scan WHEN parsed THEN it is a scan (not
    unparseable) with coverage unknown — never a partial "missing" list — and an info finding
    saying why, ending with the table asked for as Excel."""
    started = time.monotonic()
    pa = parse_attachment("scan.pdf", blank_scan(3), ocr=settings)
    assert time.monotonic() - started < 5  # nothing was read
    assert (pa.kind, pa.scanned, pa.outline, pa.error) == ("other", True, None, None)
    assert [f.code for f in pa.findings] == ["attachment.scanned"]
    note = scanned(pa)
    assert note["level"] == "info" and note["ocr"] == status
    assert says in str(note["message"]) and "Excel (.xlsx)" in str(note["message"])


def test_a_scan_past_its_time_limit_is_stopped_with_its_children(tmp_path: Path) -> None:
    """GIVEN a Tesseract that never finishes WHEN a scan is read with a 1 s limit THEN the read
    stops after about 1 s, the program and what it started are killed, and the scan is kept
    unread with a finding about the time limit."""
    program, pids = slow_tesseract(tmp_path)
    settings = OcrSettings(tesseract=str(program), timeout=1.0)
    started = time.monotonic()
    pa = parse_attachment("scan.pdf", blank_scan(2), ocr=settings)
    assert time.monotonic() - started < 4
    assert (pa.kind, pa.outline) == ("other", None)
    assert scanned(pa)["ocr"] == "timeout" and "quá thời gian" in str(scanned(pa)["message"])
    children = [int(x) for x in pids.read_text().split()]
    assert children and all(gone(pid) for pid in children)


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims width × height pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("L", size, 255).save(out, format="PNG")
    return out.getvalue()


def test_pictures_are_told_apart_from_pages_and_bad_ones_recorded() -> None:
    """A logo is readable and not a page; a page-sized photo is a page; a photo-sized file that
    does not open is unreadable (the unit is asked again); a broken logo is nobody's concern;
    a decompression bomb is refused before any pixel is decoded."""
    logo = parse_attachment("image001.png", _png((220, 80)))
    assert (logo.format, logo.kind, logo.photo) == ("png", "other", False)
    page = parse_attachment("trang1.png", _png((1240, 1754)))
    assert (page.kind, page.photo) == ("other", True)
    broken = parse_attachment("trang2.jpg", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 400)
    assert broken.kind == "unparseable" and broken.findings[0].code == "attachment.unparseable"
    assert parse_attachment("logo.png", b"\x89PNG\r\n\x1a\n").kind == "other"
    started = time.monotonic()
    bomb = parse_attachment("bom.png", _png_header(40_000, 40_000))
    assert bomb.kind == "unparseable" and bomb.findings[0].code == "attachment.too_large"
    assert time.monotonic() - started < 2
    assert sniff(_png((10, 10)), "x.bin") == "png" and sniff(b"II*\x00rest", "") == "tiff"


def test_a_sideways_phone_photo_is_turned_upright_before_reading() -> None:
    portrait = blank_page((600, 900))
    data = jpeg(portrait.rotate(90, expand=True), exif_orientation=6)
    info = images.image_info(data)
    assert (info.width, info.height, info.orientation) == (900, 600, 6)
    with Image.open(io.BytesIO(images.upright(data))) as im:
        assert im.size == (600, 900)


def test_a_photo_that_breaks_while_read_leaves_the_scan_unread() -> None:
    """GIVEN a page that opened at parse time but whose bytes are gone by the time of OCR WHEN
    the photos are read THEN nothing raises: the scan is kept unread, with a finding."""
    page = parse_attachment("trang1.png", _png((1240, 1754)))
    page.data = b"\x89PNG\r\n\x1a\nbroken"
    read_photos([page], ocr=OcrSettings())
    assert page.scanned and page.outline is None and scanned(page)["ocr"] == "failed"


def test_a_scratch_disk_that_fails_leaves_the_scan_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN no usable temporary folder WHEN a scan is read THEN nothing raises: unread, said."""
    import tempfile

    program, _pids = slow_tesseract(tmp_path)  # answers --list-langs; never reached
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    pa = parse_attachment("scan.pdf", blank_scan(1), ocr=OcrSettings(tesseract=str(program)))
    assert (pa.kind, pa.outline) == ("other", None) and scanned(pa)["ocr"] == "failed"
