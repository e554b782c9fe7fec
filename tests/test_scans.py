"""Signed scans through the whole pipeline (SPEC §3): a scan — an image-only PDF, or photos of
the pages in a mail about CCHC — counts, is not reviewed for being a scan, is read by OCR for
its outline, unit and period, and the acknowledgement asks for the one-stop table as .xlsx."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import write_config
from scanbuild import ScanSet, blank_page, blank_scan, jpeg
from sheetbuild import good_row, official_grid, workbook_bytes

from cchc.app import App
from cchc.core.config import load_config
from cchc.exports.narrative import build_narrative_docx
from parsers.ocr import OcrSettings
from scheduler import mailroom, plan

UNIT_ADDRESS = "ubndxanambinh@gmail.com"  # xa-nam-binh in the case's units.toml
ARRIVED = "Mon, 11 Mar 2024 09:00:00 +0700"
Attachment = tuple[str, bytes, str]  # file name, bytes, MIME type
PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"


def mail(
    attachments: list[Attachment],
    *,
    n: int = 1,
    sender: str = UNIT_ADDRESS,
    subject: str = "Báo cáo CCHC quý I năm 2024",
    body: str = "Xã gửi báo cáo đã ký, đóng dấu.",
    received: str = ARRIVED,
) -> bytes:
    msg = EmailMessage()
    msg["Received"] = f"by mx.google.com with SMTP id {n}; {received}"
    msg["From"] = sender
    msg["Subject"] = subject
    msg["Date"] = received
    msg["Message-ID"] = f"<scan{n}@example.gov.vn>"
    msg.set_content(body)
    for name, data, mime in attachments:
        maintype, subtype = mime.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def open_app(folder: Path, parse: str = "") -> App:
    return App(load_config(write_config(folder, extra=f"[parse]\n{parse}\n" if parse else "")))


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    application = open_app(tmp_path)
    yield application
    application.close()


def ingest(app: App, *raws: bytes) -> None:
    for i, raw in enumerate(raws):
        app.ingest_raw(raw, source=f"test:{i}")
    app.refresh()


def unit_status(app: App, unit: str = "xa-nam-binh", period: str = "2024-Q1") -> dict[str, Any]:
    at = datetime(2024, 6, 1, tzinfo=app.tz)
    return next(u for u in app.status(period, at)["units"] if u["unit"] == unit)


def the_scanned_finding(findings: list[dict[str, Any]]) -> dict[str, Any]:
    (found,) = [f for f in findings if f["code"] == "attachment.scanned"]
    return found


def ack(app: App, message_n: int = 1) -> tuple[dict[str, Any], str]:
    """The acknowledgement of message n: its planning context and its rendered text."""
    at = datetime(2024, 3, 11, 12, tzinfo=app.tz)
    planned = plan.plan_acks(at, mailroom.ack_facts(app, at))
    (mine,) = [m for m in planned if m.context["message_id"] == f"<scan{message_n}@example.gov.vn>"]
    return dict(mine.context), mailroom.renderer_for(app).render("ack", mine.context).text


def test_a_scanned_report_counts_unreviewed_and_is_read_for_its_outline(
    app: App, scan_set: ScanSet
) -> None:
    """GIVEN a unit's report as a signed scan (image-only PDF) WHEN it arrives THEN it counts,
    is not in the review queue, has the Word file's missing sections, an info finding, its text
    in the narrative export; the acknowledgement asks for the one-stop table as .xlsx."""
    ingest(app, mail([("bao-cao-ky.pdf", scan_set.pdf, PDF)]))
    (msg,) = app.messages()
    assert (msg["disposition"], msg["reason"], msg["unit"]) == ("counted", None, "xa-nam-binh")
    assert app.review() == []
    row = unit_status(app)
    assert row["outline_missing"] == ["II.5", "V.2"]
    finding = the_scanned_finding(row["findings"])
    assert finding["level"] == "info" and "OCR" in finding["message"]
    (sub,) = app.submissions("2024-Q1")
    assert sub["onestop"] is None and sub["attachments"][0]["kind"] == "outline"
    context, text = ack(app)
    assert context["ask_table"] and not context["scan_unread"]
    assert context["scanned"] == ["bao-cao-ky.pdf"]
    assert "bản scan" in text and "Excel (.xlsx)" in text and "có đủ các mục" not in text
    assert "V.2. Tồn tại, hạn chế" in text  # the missing section, as for a Word file
    narrative = docx.Document(io.BytesIO(build_narrative_docx(app, "2024-Q1")))
    body = "\n".join(p.text for p in narrative.paragraphs)
    assert "Trong kỳ, đơn vị đã triển khai đầy đủ các nhiệm vụ" in body


def test_a_scan_from_an_unknown_address_is_placed_by_its_header_and_title(
    app: App, scan_set: ScanSet
) -> None:
    """GIVEN a scan from an address nobody taught, a subject naming neither unit nor period,
    arriving in May WHEN it is read THEN the issuer block names the unit and the title the
    period: "quý I năm 2024", not the H1 the arrival alone would give."""
    raw = mail(
        [("scan0001.pdf", scan_set.pdf, PDF)],
        sender="vanthu.mot.xa@gmail.com",
        subject="Gửi báo cáo",
        body="Kính gửi: Phòng Nội vụ huyện.",
        received="Thu, 2 May 2024 10:00:00 +0700",
    )
    ingest(app, raw)
    (item,) = app.review()
    assert (item["reason"], item["unit"], item["period"]) == (
        "content_match",
        "xa-nam-binh",
        "2024-Q1",
    )
    facts = json.loads(app.db.execute("SELECT facts FROM messages").fetchone()[0])
    assert facts["period_source"] == "title" and facts["match"]["source"] == "header"


@pytest.mark.parametrize(
    ("parse", "ocr", "says"),
    [
        ('tesseract = "/nonexistent/tesseract"', "unavailable", "chưa có nhận dạng chữ"),
        ("ocr_max_pages = 1", "too_many_pages", "có 2 trang, quá 1 trang"),
        ("ocr = false", "disabled", "đang tắt"),
    ],
    ids=["no-tesseract", "past-ocr_max_pages", "ocr-off"],
)
def test_an_unread_scan_counts_with_outline_null_and_says_why(
    tmp_path: Path, parse: str, ocr: str, says: str
) -> None:
    """GIVEN OCR that is not installed, switched off, or a scan past ocr_max_pages WHEN the scan
    arrives THEN it counts, unreviewed, with `outline_missing: null` (unknown, never a partial
    list) and an info finding saying why; the acknowledgement does not claim completeness."""
    app = open_app(tmp_path, parse)
    try:
        ingest(app, mail([("bao-cao.pdf", blank_scan(2), PDF)]))
        assert [m["disposition"] for m in app.messages()] == ["counted"] and app.review() == []
        row = unit_status(app)
        assert row["outline_missing"] is None
        finding = the_scanned_finding(row["findings"])
        assert finding["level"] == "info" and finding["detail"]["ocr"] == ocr
        assert says in finding["message"]
        context, text = ack(app)
        assert context["scan_unread"] and context["ask_table"]
        assert "chưa đọc được tự động" in text and "có đủ các mục" not in text
    finally:
        app.close()


def test_photos_make_a_report_only_in_a_mail_about_cchc(tmp_path: Path) -> None:
    """GIVEN photos of pages WHEN they come in a mail about CCHC THEN they are one scan and the
    mail counts (OCR not installed: coverage unknown); in a mail on another topic they are
    pictures: ignored, not read; a logo alone does not make a report mail a report."""
    app = open_app(tmp_path, 'tesseract = "/nonexistent/tesseract"')
    photos = [
        ("IMG_0002.jpg", jpeg(blank_page()), JPEG),
        ("IMG_0001.jpg", jpeg(blank_page()), JPEG),
    ]
    logo = ("image001.png", _png((180, 60)), PNG)
    try:
        ingest(
            app,
            mail([*photos, logo], n=1),
            mail(photos, n=2, subject="Ảnh hoạt động văn nghệ", body="Gửi anh chị ảnh."),
            mail([logo], n=3, received="Tue, 12 Mar 2024 09:00:00 +0700"),
        )
        by_id = {m["message_id"]: m for m in app.messages()}
        assert by_id["<scan1@example.gov.vn>"]["disposition"] == "counted"
        assert by_id["<scan2@example.gov.vn>"]["disposition"] == "ignored"
        assert (by_id["<scan3@example.gov.vn>"]["reason"]) == "no_attachment"
        assert [r["reason"] for r in app.review()] == ["no_attachment"]
        (sub,) = app.submissions("2024-Q1")
        finding = the_scanned_finding(sub["findings"])
        assert finding["attachment"] == "IMG_0001.jpg"  # file-name order: the first page
        assert finding["detail"]["files"] == ["IMG_0001.jpg", "IMG_0002.jpg"]
        assert sub["outline"] is None and unit_status(app)["outline_missing"] is None
    finally:
        app.close()


def test_the_ack_asks_for_the_table_only_when_the_unit_has_not_sent_it(tmp_path: Path) -> None:
    """GIVEN the one-stop table sent as .xlsx, then the signed narrative as a scan WHEN the
    scan is acknowledged THEN the table is not asked for again."""
    app = open_app(tmp_path, "ocr = false")
    table = workbook_bytes(official_grid([good_row("UBND xã Nam Bình")]))
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    earlier = (datetime(2024, 3, 11, 9, tzinfo=app.tz) - timedelta(hours=1)).strftime(
        "%a, %d %b %Y %H:%M:%S +0700"
    )
    try:
        ingest(
            app,
            mail([("phu-luc-2.xlsx", table, xlsx)], n=1, received=earlier),
            mail([("bao-cao-ky.pdf", blank_scan(1), PDF)], n=2),
        )
        assert [s["onestop"] is not None for s in app.submissions("2024-Q1")] == [True, False]
        context, text = ack(app, 2)
        assert context["scanned"] == ["bao-cao-ky.pdf"] and not context["ask_table"]
        assert "Excel (.xlsx)" not in text
    finally:
        app.close()


def _png(size: tuple[int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", size, 200).save(out, format="PNG")
    return out.getvalue()


def test_the_parse_workers_get_the_ocr_settings_of_the_config(tmp_path: Path) -> None:
    parse = 'ocr = false\nocr_max_pages = 5\nocr_timeout_seconds = 12\nocr_dpi = 200\ntesseract = "/opt/t"'
    app = open_app(tmp_path, parse)
    try:
        assert app.pipeline._settings().ocr == OcrSettings(
            enabled=False, max_pages=5, timeout=12.0, dpi=200, tesseract="/opt/t"
        )
    finally:
        app.close()


def test_recheck_reads_scans_stored_before_ocr(tmp_path: Path, scan_set: ScanSet) -> None:
    """GIVEN a scan stored by a version without OCR (no scanned facts: in review as unreadable)
    WHEN `cchc recheck` runs with Tesseract THEN the scan is read: counted, unreviewed, with the
    Word file's missing sections."""
    app = open_app(tmp_path, 'tesseract = "/nonexistent/tesseract"')
    try:
        ingest(app, mail([("bao-cao-ky.pdf", scan_set.pdf, PDF)]))
        facts = json.loads(app.db.execute("SELECT facts FROM messages").fetchone()[0])
        del facts["scanned_reports"]
        with app.db.conn:
            app.db.execute("UPDATE messages SET facts = ?", [json.dumps(facts)])
        app.refresh()
        assert [r["reason"] for r in app.review()] == ["unparseable"]
    finally:
        app.close()
    app = open_app(tmp_path)
    try:
        assert app.recheck() == 1
        assert app.review() == [] and unit_status(app)["outline_missing"] == ["II.5", "V.2"]
    finally:
        app.close()
