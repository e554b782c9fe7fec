"""The outbox: one row per key, priority and daily budget, at-most-once, back-off, failures.

Sending goes to a real SMTP server (aiosmtpd on 127.0.0.1, see smtp_sink.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import write_config
from smtp_sink import SmtpSink

from cchc.app import App
from cchc.core.config import load_config
from cchc.outbox import BACKOFF_CAP, NewMail, Outbox, backoff
from store import outbox as store

NOW = datetime(2025, 2, 17, 3, 0, tzinfo=UTC)  # 10:00 office time


def mail(
    key: str, kind: str = "reminder", to: tuple[str, ...] = ("a@example.gov.vn",), priority: int = 3
) -> NewMail:
    return NewMail(
        key=key,
        kind=kind,
        to=to,
        unit=None,
        period="2025-Q1",
        subject=f"Thư {key}",
        body_text="Kính gửi",
        body_html="<p>Kính gửi</p>",
        attachments=[],
        priority=priority,
    )


@pytest.fixture
def mail_app(tmp_path: Path, smtp_sink: SmtpSink) -> Iterator[App]:
    application = App(
        load_config(write_config(tmp_path, extra=smtp_sink.toml(extra="daily_limit = 3\n")))
    )
    yield application
    application.close()


def outbox(app: App) -> Outbox:
    return Outbox(app.db, app.config.smtp, app.tz)


def test_queueing_the_same_key_twice_keeps_one_row(mail_app: App) -> None:
    box = outbox(mail_app)
    assert box.queue([mail("remind:2025-Q1:a:3d")], NOW) == ["remind:2025-Q1:a:3d"]
    assert box.queue([mail("remind:2025-Q1:a:3d")], NOW) == []
    assert store.status_counts(mail_app.db) == {"queued": 1}


def test_sent_mail_records_the_server_reply_and_is_not_sent_again(
    mail_app: App, smtp_sink: SmtpSink
) -> None:
    box = outbox(mail_app)
    box.queue([mail("k1")], NOW)
    assert box.flush(NOW).sent == 1
    assert box.flush(NOW + timedelta(hours=1)).sent == 0
    row = store.get(mail_app.db, "k1")
    assert (
        row is not None
        and row["status"] == "sent"
        and row["server_reply"] == "250 2.0.0 Ok: queued as SINK1"
    )
    assert len(smtp_sink.received) == 1


def test_daily_budget_sends_escalations_and_acks_first_and_the_rest_tomorrow(
    mail_app: App, smtp_sink: SmtpSink
) -> None:
    """GIVEN a budget of 3 recipients a day WHEN two reminders, an ack and a 2-recipient
    escalation are due THEN the escalation and the ack go today, the reminders tomorrow."""
    box = outbox(mail_app)
    box.queue([mail("r1"), mail("r2")], NOW)
    box.queue(
        [
            mail("a1", "ack", priority=1),
            mail("e1", "escalation", ("x@example.gov.vn", "y@example.gov.vn"), 0),
        ],
        NOW + timedelta(seconds=1),
    )
    report = box.flush(NOW + timedelta(minutes=1))
    assert (report.sent, report.deferred, report.budget_left) == (2, 2, 0)
    assert [r.key for r in smtp_sink.received] == ["e1", "a1"]
    assert box.flush(NOW + timedelta(hours=2)).sent == 0  # same office day
    tomorrow = NOW + timedelta(days=1)
    assert box.flush(tomorrow).sent == 2
    assert [r.key for r in smtp_sink.received] == ["e1", "a1", "r1", "r2"]


def test_two_flushes_at_once_send_each_mail_once(tmp_path: Path, smtp_sink: SmtpSink) -> None:
    path = write_config(tmp_path, extra=smtp_sink.toml())
    first = App(load_config(path))
    outbox(first).queue([mail(f"k{i}") for i in range(30)], NOW)
    first.close()
    barrier = threading.Barrier(3)

    def flush() -> None:
        app = App(load_config(path))
        barrier.wait()
        outbox(app).flush(NOW)
        app.close()

    threads = [threading.Thread(target=flush) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    keys = [r.key for r in smtp_sink.received]
    assert sorted(keys) == sorted(f"k{i}" for i in range(30))


def test_a_refused_recipient_fails_for_good_and_the_rest_go_on(
    mail_app: App, smtp_sink: SmtpSink
) -> None:
    smtp_sink.refuse = lambda address: address.startswith("khong-co")
    box = outbox(mail_app)
    box.queue([mail("bad", to=("khong-co@example.gov.vn",)), mail("good")], NOW)
    report = box.flush(NOW)
    assert (report.sent, report.failed) == (1, 1)
    bad = store.get(mail_app.db, "bad")
    assert bad is not None and bad["status"] == "failed" and "550" in bad["last_error"]
    assert [r.key for r in smtp_sink.received] == ["good"]


def test_mail_interrupted_while_sending_is_marked_failed_never_resent(
    mail_app: App, smtp_sink: SmtpSink
) -> None:
    """A crash between the claim and the server's reply: the mail may have gone out."""
    box = outbox(mail_app)
    box.queue([mail("k")], NOW)
    (row,) = store.due_rows(mail_app.db, NOW)
    assert store.claim(mail_app.db, row["id"], NOW)
    assert not store.claim(mail_app.db, row["id"], NOW)  # nobody else can take it
    assert box.flush(NOW + timedelta(hours=1)).sent == 0
    after = store.get(mail_app.db, "k")
    assert (
        after is not None and after["status"] == "failed" and "interrupted" in after["last_error"]
    )
    assert smtp_sink.received == []


def test_backoff_doubles_from_a_minute_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff(30) == BACKOFF_CAP
