"""Status of a unit for a period at a moment (SPEC §3), through the whole pipeline."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from conftest import write_config

from cchc.app import App
from cchc.cli import parse_moment
from cchc.core.config import load_config

UNITS_TOML = """
[[unit]]
code = "xa-a"
name = "UBND xã An"
group = "xa"
emails = ["xa.an@example.gov.vn"]

[[unit]]
code = "xa-old"
name = "UBND xã Cũ"
group = "xa"
emails = ["xa.cu@example.gov.vn"]
active_until = "2025-06-30"
successor = "xa-a"

[[unit]]
code = "xa-new"
name = "UBND xã Mới"
group = "xa"
active_from = "2025-07-01"
"""


def make_app(tmp_path: Path) -> App:
    units = tmp_path / "units.toml"
    units.write_text(UNITS_TOML, encoding="utf-8")
    return App(load_config(write_config(tmp_path, units)))


def mail(
    received: str,
    date: str,
    sender: str = "xa.an@example.gov.vn",
    subject: str = "BC CCHC quý I năm 2025",
    n: int = 1,
) -> bytes:
    msg = EmailMessage()
    msg["Received"] = f"by mx.google.com with SMTP id {n}; {received}"
    msg["From"] = sender
    msg["Subject"] = subject
    msg["Date"] = date
    msg["Message-ID"] = f"<m{n}@example.gov.vn>"
    msg.set_content("Gửi báo cáo CCHC.")
    msg.add_attachment(
        b"not really a docx",
        maintype="application",
        subtype="octet-stream",
        filename="bao cao.docx",
    )
    return msg.as_bytes()


def status_of(
    app: App, unit: str, period: str = "2025-Q1", at: str = "2025-03-01T00:00:00+07:00"
) -> dict:
    data = app.status(period, parse_moment(at, app.tz))
    return {u["unit"]: u for u in data["units"]}[unit]


def test_arrival_at_2330_the_evening_before_the_due_date_is_on_time(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.ingest_raw(
        mail("Mon, 17 Feb 2025 08:30:00 -0800", "Mon, 17 Feb 2025 23:29:00 +0700"), source="a"
    )
    app.refresh()
    got = status_of(app, "xa-a")
    assert (got["status"], got["received_at"]) == ("on_time", "2025-02-17T23:30:00+07:00")


def test_arrival_at_0030_on_the_due_date_is_late(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.ingest_raw(
        mail("Mon, 17 Feb 2025 09:30:00 -0800", "Mon, 17 Feb 2025 23:59:00 +0700"), source="a"
    )
    app.refresh()
    assert status_of(app, "xa-a")["status"] == "late"


def test_a_date_header_that_lies_does_not_decide(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.ingest_raw(
        mail("Tue, 18 Feb 2025 10:00:00 +0700", "Mon, 10 Feb 2025 08:00:00 +0700"), source="a"
    )
    app.refresh()
    assert status_of(app, "xa-a")["status"] == "late"


def test_before_the_due_date_nothing_received_is_not_due_and_after_it_missing(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    assert status_of(app, "xa-a", at="2025-02-17T23:59:59+07:00")["status"] == "not_due"
    assert status_of(app, "xa-a", at="2025-02-18T00:00:00+07:00")["status"] == "missing"


def test_replaying_the_past_ignores_mail_that_arrived_later(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.ingest_raw(
        mail("Mon, 10 Feb 2025 08:00:00 +0700", "Mon, 10 Feb 2025 08:00:00 +0700"), source="a"
    )
    app.ingest_raw(
        mail("Wed, 12 Feb 2025 08:00:00 +0700", "Wed, 12 Feb 2025 08:00:00 +0700", n=2), source="b"
    )
    app.refresh()
    assert status_of(app, "xa-a", at="2025-02-09T00:00:00+07:00")["status"] == "not_due"
    early = status_of(app, "xa-a", at="2025-02-11T00:00:00+07:00")
    assert (early["status"], early["corrections"]) == ("on_time", 0)
    now = status_of(app, "xa-a")
    assert (now["status"], now["corrections"], now["message_id"]) == (
        "on_time",
        1,
        "<m1@example.gov.vn>",
    )


def test_a_unit_inactive_for_a_period_is_not_listed_so_never_missing(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    q1 = {u["unit"] for u in app.status("2025-Q1", parse_moment("2025-12-01", app.tz))["units"]}
    q3 = {u["unit"] for u in app.status("2025-Q3", parse_moment("2025-12-01", app.tz))["units"]}
    assert q1 == {"xa-a", "xa-old"}
    assert q3 == {"xa-a", "xa-new"}


def test_review_assign_teaches_the_sender_address(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.ingest_raw(
        mail(
            "Mon, 10 Feb 2025 08:00:00 +0700",
            "x",
            sender="clerk.personal@gmail.com",
            subject="BC CCHC quý I năm 2025",
        ),
        source="a",
    )
    app.refresh()
    assert [r["reason"] for r in app.review()] == ["unmatched"]
    app.review_decide("<m1@example.gov.vn>", "assign", "xa-a")
    assert app.review() == []
    assert status_of(app, "xa-a")["status"] == "on_time"
    app.ingest_raw(
        mail(
            "Mon, 12 May 2025 08:00:00 +0700",
            "x",
            sender="clerkpersonal+x@gmail.com",
            subject="BC CCHC 6 tháng 2025",
            n=2,
        ),
        source="b",
    )
    app.refresh()
    got = status_of(app, "xa-a", period="2025-H1", at="2025-06-01")
    assert (got["status"], got["match"]) == ("on_time", "address")


def test_rejected_message_leaves_the_queue_and_does_not_count(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.ingest_raw(
        mail("Mon, 10 Feb 2025 08:00:00 +0700", "x", sender="someone@gmail.com"), source="a"
    )
    app.refresh()
    app.review_decide("m1@example.gov.vn", "reject")
    assert app.review() == []
    assert app.messages()[0]["disposition"] == "ignored"
