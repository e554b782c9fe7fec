"""A scan whose OCR never ends costs its batch at most `ocr_timeout_seconds`, through a real
Dovecot: the other messages are stored, the mailbox's progress is saved, nothing hangs on."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from conftest import gone, slow_tesseract
from docbuild import report_docx
from scanbuild import blank_scan

from cchc.mailbox import ingest_mailbox
from integration.dovecot import Dovecot
from integration.test_imap_app import imap_config, open_app
from store.mailbox import MailboxStateStore

pytestmark = pytest.mark.integration

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OCR_TIMEOUT = 3.0


def report(n: int, sender: str, filename: str, data: bytes, mime: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["Subject"] = "Báo cáo CCHC quý I năm 2024"
    msg["Date"] = "Mon, 11 Mar 2024 09:00:00 +0700"
    msg["Message-ID"] = f"<slow{n}@example.gov.vn>"
    msg.set_content("Kính gửi Phòng Nội vụ, đơn vị gửi báo cáo.")
    maintype, subtype = mime.split("/")
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def test_a_slow_scan_delays_only_its_batch_and_the_others_are_stored(
    dovecot: Dovecot, tmp_path: Path
) -> None:
    """GIVEN a scan whose OCR hangs, between two Word reports, in one mailbox batch WHEN
    `cchc ingest` runs THEN it returns about `ocr_timeout_seconds` later with all three stored
    (the scan counted, unread, saying why), the progress saved, and the OCR killed in the
    parse workers."""
    program, pids = slow_tesseract(tmp_path)
    when = datetime(2024, 3, 11, 2, 0, tzinfo=UTC)
    dovecot.append(
        "INBOX",
        [
            (report(1, "tuphap.daksong@example.gov.vn", "bc.docx", report_docx(), DOCX), when),
            (
                report(2, "ubndxanambinh@gmail.com", "scan.pdf", blank_scan(1), "application/pdf"),
                when,
            ),
            (report(3, "thanhtra.daksong@example.gov.vn", "bc.docx", report_docx(), DOCX), when),
        ],
    )
    config = imap_config(tmp_path, dovecot)
    with config.open("a", encoding="utf-8") as fh:
        fh.write(f'[parse]\nocr_timeout_seconds = {OCR_TIMEOUT}\ntesseract = "{program}"\n')
    app = open_app(config)
    try:
        started = time.monotonic()
        report_ = ingest_mailbox(app)
        took = time.monotonic() - started
        assert report_.fetched == 3 and report_.statuses["new"] == 3
        assert OCR_TIMEOUT <= took < OCR_TIMEOUT + 20, took
        by_id = {m["message_id"]: m for m in app.messages()}
        assert {m["disposition"] for m in by_id.values()} == {"counted"}
        assert by_id["<slow2@example.gov.vn>"]["reason"] is None
        (scan,) = app.submissions(unit="xa-nam-binh")
        assert scan["outline"] is None
        (finding,) = [f for f in scan["findings"] if f["code"] == "attachment.scanned"]
        assert finding["level"] == "info" and finding["detail"]["ocr"] == "timeout"
        state = MailboxStateStore(app.db).load(app.config.imap.account, "INBOX")
        assert state is not None and state.last_uid == 3
        assert ingest_mailbox(app).fetched == 0
    finally:
        app.close()
    children = [int(x) for x in pids.read_text().split()]
    assert children and all(gone(pid) for pid in children)
    parents = {int(x) for x in Path(f"{pids}.parent").read_text().split()}
    assert os.getpid() not in parents  # read in a parse worker, not in the ingesting process
