"""What the outbox and health pages tell staff, over HTTP on a fresh store; and the pure
helpers behind the year matrix."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from cchc.core.periods import Period
from cchc.core.units import Unit
from cchc.web.pages import check_is_stale, matrix, period_label

from .conftest import Served, login

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _outbox_row(
    conn: sqlite3.Connection,
    key: str,
    status: str,
    to: list[str],
    subject: str,
    sent_at: str | None = None,
    error: str | None = None,
) -> None:
    conn.execute(
        """INSERT INTO outbox (key, kind, to_addrs, unit, period, subject, body_text, status, attempts,
           sent_at, last_error, created_at) VALUES (?, 'reminder', ?, NULL, '2024-Q3', ?, 'x', ?, 1, ?, ?, ?)""",
        (
            key,
            json.dumps(to),
            subject,
            status,
            sent_at,
            error,
            datetime.now(UTC).isoformat(timespec="seconds"),
        ),
    )


def test_health_panel_shows_last_check_login_failures_and_sending_budget(fresh_web: Served) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    checked = now - timedelta(minutes=2)
    with sqlite3.connect(fresh_web.config.store.path) as conn:
        conn.execute(
            "INSERT INTO health (at, kind, detail) VALUES (?, 'check_ok', 'acct')",
            (checked.isoformat(),),
        )
        conn.execute(
            "INSERT INTO health (at, kind, detail) VALUES (?, 'login_failed', 'AUTHENTICATIONFAILED')",
            ((now - timedelta(hours=1)).isoformat(),),
        )
        _outbox_row(
            conn,
            "a",
            "sent",
            ["x@example.vn", "y@example.vn", "z@example.vn"],
            "Nhắc hạn",
            sent_at=now.isoformat(),
        )
    with httpx.Client(base_url=fresh_web.url) as client:
        login(client)
        text = client.get("/health").text
    assert checked.astimezone(TZ).strftime("%d/%m/%Y %H:%M") in text
    assert "AUTHENTICATIONFAILED" in text
    assert "3 / 400 người nhận (còn 397)" in text
    assert "không được kiểm tra gần đây" not in text


def test_health_panel_warns_when_the_mailbox_was_never_checked(fresh_web: Served) -> None:
    with httpx.Client(base_url=fresh_web.url) as client:
        login(client)
        text = client.get("/health").text
    assert "Chưa kiểm tra lần nào" in text
    assert "không được kiểm tra gần đây" in text


def test_outbox_lists_sent_queued_and_failed_mail(fresh_web: Served) -> None:
    with sqlite3.connect(fresh_web.config.store.path) as conn:
        _outbox_row(conn, "q", "queued", ["a@example.vn"], "Thư chờ gửi")
        _outbox_row(
            conn, "s", "sent", ["b@example.vn"], "Thư đã gửi", sent_at=datetime.now(UTC).isoformat()
        )
        _outbox_row(
            conn, "f", "failed", ["c@example.vn"], "Thư gửi lỗi", error="550 mailbox unavailable"
        )
    with httpx.Client(base_url=fresh_web.url) as client:
        login(client)
        text = client.get("/outbox").text
    for heading, subject in [
        ("Đang chờ gửi (1)", "Thư chờ gửi"),
        ("Đã gửi (1)", "Thư đã gửi"),
        ("Gửi lỗi (1)", "Thư gửi lỗi"),
    ]:
        assert heading in text
        assert subject in text.split(heading, 1)[1]
    assert "550 mailbox unavailable" in text


def _status(period: str, entries: dict[str, str]) -> dict[str, object]:
    return {
        "period": period,
        "name": period,
        "due": "2025-02-18T00:00:00+07:00",
        "units": [{"unit": code, "name": code, "status": st} for code, st in entries.items()],
    }


def test_matrix_leaves_a_cell_empty_where_a_unit_was_not_active_and_drops_units_never_active() -> (
    None
):
    units = [
        Unit("a", "A", "huyen"),
        Unit("merged", "Merged", "xa", active_until=date(2025, 3, 1)),
        Unit("gone", "Gone", "xa", active_until=date(2020, 1, 1)),
    ]
    statuses = [
        _status("2025-Q1", {"a": "on_time", "merged": "late"}),
        _status("2025-H1", {"a": "missing"}),
        _status("2025-Q3", {"a": "not_due"}),
        _status("2025-Y", {"a": "not_due"}),
    ]
    grid = matrix(2025, statuses, units)
    assert [g for g, _ in grid.groups] == ["huyen", "xa"]
    (merged,) = grid.groups[1][1]
    assert merged.code == "merged"
    assert merged.cells[0] is not None and merged.cells[1:] == [None, None, None]
    assert grid.periods[0]["counts"]["on_time"] == 1 and grid.periods[0]["counts"]["late"] == 1
    assert [p["short"] for p in grid.periods] == ["Quý I", "6 tháng", "Quý III", "Cả năm"]


def test_a_mailbox_check_older_than_three_polls_is_stale() -> None:
    now = datetime(2025, 3, 1, 8, 0, tzinfo=TZ)
    assert check_is_stale(None, now, 300)
    assert not check_is_stale(now - timedelta(minutes=50), now, 300)
    assert check_is_stale(now - timedelta(minutes=61), now, 300)
    assert check_is_stale(now - timedelta(hours=4), now, 3600)


def test_annual_period_is_named_without_a_doubled_word() -> None:
    assert period_label(Period.of(2024, "Y")) == "Báo cáo năm 2024"
    assert period_label(Period.of(2024, "Q1")) == "Báo cáo Quý I năm 2024"
