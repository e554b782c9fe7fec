"""Outgoing mail end to end against a real SMTP server (aiosmtpd on 127.0.0.1): `cchc remind`
and `cchc digest` over the sample case, idempotency, an outage, Vietnamese text on the wire."""

from __future__ import annotations

import dataclasses
import io
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import write_config
from smtp_sink import SmtpSink

from cchc.app import App
from cchc.cli import cli
from cchc.core.config import load_config
from cchc.outbox import Outbox
from scheduler import mailroom
from store import outbox as store

pytestmark = pytest.mark.integration

OFFICE = (
    '[office]\nname = "Phòng Nội vụ huyện Đắk Song"\nnotify = ["noivu.daksong@example.gov.vn"]\n'
)
T = "2024-02-17T09:00:00+07:00"  # a day before 2024-Q1's due date: the 1-day reminders are due


def case_copy(case_app: App, folder: Path, sink: SmtpSink, extra: str = "") -> Path:
    """A writable copy of the imported sample year, sending to `sink`; returns the config path."""
    path = write_config(folder, extra=OFFICE + sink.toml(extra=extra))
    dest = sqlite3.connect(load_config(path).store.path)
    case_app.db.conn.backup(dest)
    dest.close()
    return path


@pytest.fixture
def case_config(case_app: App, tmp_path: Path, smtp_sink: SmtpSink) -> Iterator[Path]:
    yield case_copy(case_app, tmp_path, smtp_sink)


def remind(config: Path, *args: str) -> tuple[int, list[dict[str, object]]]:
    result = CliRunner().invoke(
        cli, ["remind", "--config", str(config), "--json", *args], catch_exceptions=False
    )
    return result.exit_code, json.loads(result.stdout)


def test_cchc_remind_twice_at_the_same_moment_sends_each_mail_once(
    case_config: Path, smtp_sink: SmtpSink
) -> None:
    code, first = remind(case_config, "--at", T)
    assert code == 0
    kinds = {r["kind"] for r in first}
    assert kinds == {"ack", "reminder"}
    assert all(r["status"] == "sent" for r in first)
    reminded = {r["unit"] for r in first if r["kind"] == "reminder"}
    assert reminded == {"vp-hdnd-ubnd", "giao-duc-dao-tao", "nong-nghiep-ptnt", "xa-truong-xuan"}
    assert len(smtp_sink.received) == len(first)

    code, second = remind(case_config, "--at", T)
    assert code == 0
    assert [(r["key"], r["status"]) for r in second] == [(r["key"], "sent") for r in first]
    assert len(smtp_sink.received) == len(first)  # nothing went twice
    assert sorted(r.key for r in smtp_sink.received) == sorted(str(r["key"]) for r in first)


def test_dry_run_shows_the_due_mail_and_queues_nothing(
    case_config: Path, smtp_sink: SmtpSink
) -> None:
    code, planned = remind(case_config, "--at", "2024-02-18T09:00:00+07:00", "--dry-run")
    assert code == 0 and planned
    assert {r["status"] for r in planned} == {"planned"}
    (escalation,) = [r for r in planned if r["kind"] == "escalation"]
    assert escalation["key"] == "escalate:2024-Q1:0d" and escalation["to"] == [
        "noivu.daksong@example.gov.vn"
    ]
    assert set(escalation) >= {"key", "kind", "to", "unit", "period", "subject", "status"}
    app = App(load_config(case_config))
    assert store.status_counts(app.db) == {}
    app.close()
    assert smtp_sink.received == []


def test_smtp_down_then_up_queued_mail_is_sent_once(case_config: Path, smtp_sink: SmtpSink) -> None:
    """GIVEN the SMTP server is down WHEN the reminders fall due THEN they wait in the outbox
    with back-off; WHEN the server is back THEN each is sent exactly once."""
    smtp_sink.stop()
    app = App(load_config(case_config))
    at = datetime.fromisoformat(T)
    now = datetime.now(UTC)
    rows, report = mailroom.process(
        app, at, ("reminder",), outbox=Outbox(app.db, app.config.smtp, app.tz)
    )
    assert report is not None and report.sent == 0 and report.error and "Connection" in report.error
    assert {r["status"] for r in rows} == {"queued"}
    tried = [r for r in (store.get(app.db, str(x["key"])) for x in rows) if r and r["attempts"]]
    assert len(tried) == 1  # one connection attempt per flush, not a storm
    assert (
        tried[0]["next_attempt_at"] > now.isoformat(timespec="seconds")
        and "Connection" in tried[0]["last_error"]
    )

    smtp_sink.start()
    box = Outbox(app.db, app.config.smtp, app.tz)
    assert box.flush(now).sent == len(rows) - 1  # the tried one waits for its back-off
    assert box.flush(now + timedelta(minutes=2)).sent == 1
    assert box.flush(now + timedelta(hours=3)).sent == 0
    # the CLI at the same moment finds them sent and sends nothing more
    rows_again, _ = mailroom.process(app, at, ("reminder",))
    assert {r["status"] for r in rows_again} == {"sent"}
    assert sorted(r.key for r in smtp_sink.received) == sorted(str(r["key"]) for r in rows)
    sent = store.get(app.db, tried[0]["key"])
    assert sent is not None and sent["attempts"] == 2 and sent["server_reply"].startswith("250 ")
    app.close()


def test_vietnamese_subjects_names_and_bodies_arrive_intact(
    case_config: Path, smtp_sink: SmtpSink
) -> None:
    app = App(load_config(case_config))
    rows, _ = mailroom.process(
        app, datetime.fromisoformat("2024-02-18T09:00:00+07:00"), ("reminder", "escalation", "ack")
    )
    app.close()
    by_key = {r.key: r for r in smtp_sink.received}

    esc = by_key["escalate:2024-Q1:0d"]
    msg = esc.message
    assert (
        msg["Subject"]
        == "Tình hình gửi Báo cáo Quý I năm 2024: 2 đơn vị chưa gửi, 1 đơn vị gửi trễ"
    )
    assert msg["From"].addresses[0].display_name == "Phòng Nội vụ huyện Đắk Song"
    assert msg["From"].addresses[0].addr_spec == "phong.noivu@example.gov.vn"
    assert esc.rcpt_tos == ["noivu.daksong@example.gov.vn"]
    text = esc.text()
    assert (
        "Phòng Giáo dục và Đào tạo" in text and "Phòng Nông nghiệp và Phát triển nông thôn" in text
    )
    assert "Văn phòng HĐND và UBND huyện - nhận lúc 00:30 ngày 18/02/2024" in text
    assert "Phòng Giáo dục và Đào tạo" in esc.html()
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename() == "tinh-hinh-bao-cao-2024-Q1.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(attachment.get_content())).active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert "UBND xã Nâm N'Jang" in cells and "Phòng Giáo dục và Đào tạo" in cells

    acks = [r for r in smtp_sink.received if r.key.startswith("ack:")]
    assert acks, "the reports of the last 7 days are acknowledged"
    ack = next(r for r in acks if "Nâm N'Jang" in r.message["Subject"])
    assert ack.message["Subject"] == "Đã nhận báo cáo: Báo cáo Quý I năm 2024 - UBND xã Nâm N'Jang"
    assert (
        str(ack.message["In-Reply-To"]).strip() == ack.key[4:]
        and ack.message["Auto-Submitted"] == "auto-replied"
    )
    assert "Kính gửi: UBND xã Nâm N'Jang." in ack.text()
    assert "Tình trạng: đúng hạn." in ack.text()


def test_cchc_digest_sends_the_days_digest_once(case_config: Path, smtp_sink: SmtpSink) -> None:
    args = ["digest", "--config", str(case_config), "--at", "2024-02-17T08:00:00+07:00", "--json"]
    first = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    (row,) = json.loads(first.stdout)
    assert (row["key"], row["kind"], row["status"]) == ("digest:2024-02-17", "digest", "sent")
    second = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert json.loads(second.stdout)[0]["status"] == "sent"
    (got,) = smtp_sink.received
    assert got.message["Subject"].startswith("Bản tin báo cáo CCHC ngày 17/02/2024: 3 thư mới")
    text = got.text()
    assert "Báo cáo Quý I năm 2024: hạn trước 00:00 ngày 18/02/2024 (còn 1 ngày)" in text
    assert "Thư đã gửi hôm nay" in text and "/400 người nhận" in text


def test_remind_without_smtp_host_stops_with_exit_code_two(tmp_path: Path) -> None:
    path = write_config(tmp_path, extra=OFFICE)
    result = CliRunner().invoke(cli, ["remind", "--config", str(path)])
    assert result.exit_code == 2 and "smtp.host" in result.output


def test_every_mail_command_has_an_example_in_its_help() -> None:
    for name in ("remind", "digest", "run"):
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output


def test_digest_warns_when_the_mailbox_has_not_been_checked_and_logins_fail(
    case_config: Path,
) -> None:
    """A fetcher that silently stops is the worst failure: the digest must say so."""
    app = App(load_config(case_config, env={}))
    app.config = dataclasses.replace(
        app.config, imap=dataclasses.replace(app.config.imap, host="imap.gmail.com")
    )
    at = datetime.fromisoformat("2024-02-17T08:00:00+07:00")
    with app.db.conn:
        app.db.conn.execute(
            "INSERT INTO health (at, kind, detail) VALUES (?, 'check_ok', NULL)",
            ((at - timedelta(hours=5)).isoformat(),),
        )
        app.db.conn.execute(
            "INSERT INTO health (at, kind, detail) VALUES (?, 'login_failed', 'AUTHENTICATIONFAILED')",
            ((at - timedelta(hours=1)).isoformat(),),
        )
    (digest,) = mailroom.due_mail(app, at, ("digest",))
    rendered = mailroom.renderer_for(app).render(digest.template, digest.context)
    app.close()
    assert rendered.subject.startswith("[CẦN CHÚ Ý] Bản tin báo cáo CCHC ngày 17/02/2024")
    assert "Hộp thư không được kiểm tra từ 03:00 ngày 17/02/2024" in rendered.text
    assert "Đăng nhập hộp thư thất bại 1 lần trong ngày" in rendered.text
    assert "Lần kiểm tra hộp thư thành công gần nhất: 03:00 ngày 17/02/2024" in rendered.text
