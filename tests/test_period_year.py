"""The year of a period named without one (SPEC §3, issue 11): from the same text, else from a
later source naming the same kind with a year, else the year whose period has begun by the
arrival and whose due date is nearest. Built from case messages with their arrival moved
(`cchc import` reads the topmost Received:); tests/integration/test_period_year_imap.py
delivers the same messages over IMAP with that INTERNALDATE."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from casedata import CASE
from conftest import write_config
from yearless import moved

from cchc.app import App
from cchc.core.config import load_config
from cchc.importer import import_paths

ICT = ZoneInfo("Asia/Ho_Chi_Minh")
SIX_MONTHS = CASE / "messages" / "027-noi-vu-h1.eml"  # "Báo cáo CCHC sáu tháng đầu năm"
ANNUAL = CASE / "messages" / "091-tu-phap-y.eml"  # "Báo cáo CCHC năm 2024"
FIRST_QUARTER = CASE / "messages" / "018-van-hoa-thong-tin-q1.eml"  # "BC CCHC Q1/2024"

CASES = [
    # (message, arrival, years left in the documents?, period expected); arrivals in the past:
    # Dovecot records "now" for an INTERNALDATE in the future
    (SIX_MONTHS, datetime(2026, 11, 28, 8, 0, tzinfo=ICT), True, "2024-H1"),
    (SIX_MONTHS, datetime(2026, 11, 28, 8, 0, tzinfo=ICT), False, "2026-H1"),
    (ANNUAL, datetime(2025, 1, 10, 9, 0, tzinfo=ICT), False, "2024-Y"),
    (FIRST_QUARTER, datetime(2024, 12, 28, 9, 0, tzinfo=ICT), False, "2024-Q1"),
]
IDS = [
    "six-months-title-says-2024",
    "six-months-no-year-in-november",
    "annual-no-year-in-january",
    "first-quarter-no-year-in-late-december",
]


def period_of(tmp_path: Path, raw: bytes) -> str | None:
    (tmp_path / "m.eml").write_bytes(raw)
    app = App(load_config(write_config(tmp_path)))
    try:
        import_paths(app, [tmp_path / "m.eml"])
        (message,) = app.messages()
        return message["period"]
    finally:
        app.close()


@pytest.mark.parametrize(("path", "arrival", "title_year", "expected"), CASES, ids=IDS)
def test_a_period_named_without_its_year_takes_the_right_year(
    tmp_path: Path, path: Path, arrival: datetime, title_year: bool, expected: str
) -> None:
    raw = moved(path.read_bytes(), arrival, documents=not title_year)
    assert period_of(tmp_path, raw) == expected


def test_the_rewritten_message_names_no_year_but_in_its_documents() -> None:
    """The check above is only worth something if the years are really gone."""
    raw = moved(SIX_MONTHS.read_bytes(), datetime(2026, 11, 29, tzinfo=ICT), documents=False)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    body = msg.get_body(("plain",))
    names = [p.get_filename() or "" for p in msg.iter_attachments()]
    texts = [str(msg["subject"]), body.get_content() if body else "", *names]
    assert names and not any(re.search(r"20\d\d", t) for t in texts)
    assert "29 Nov 2026" in str(msg.get_all("received")[0])
