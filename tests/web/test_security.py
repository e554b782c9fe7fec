"""Security of the staff page over plain HTTP against a real server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from casedata import expected
from click.testing import CliRunner

from cchc.cli import cli
from cchc.web import serve, start
from cchc.web.security import content_disposition, safe_next

from .conftest import PASSWORD, STAFF, Served, form_token, login

# "Báo cáo CCHC Quý I/2024.docx" as Phòng Nội vụ sent it (a Vietnamese name with a slash).
NOI_VU_Q1 = next(
    a
    for m in expected()["messages"]
    if m["file"].startswith("messages/004-")
    for a in m["attachments"]
)
UNKNOWN_Q3 = next(m for m in expected()["messages"] if m["file"].startswith("messages/064-"))


def _decisions(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT COUNT(*) FROM review_decisions").fetchone()[0]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/year/2024",
        "/period/2024-Q1",
        "/unit/noi-vu",
        "/review",
        "/outbox",
        "/health",
        "/export/compliance?year=2024",
        "/export/proposal?year=2024",
        f"/file/{NOI_VU_Q1['sha256']}",
    ],
)
def test_every_page_without_a_session_sends_to_the_login_page(case_web: Served, path: str) -> None:
    with httpx.Client(base_url=case_web.url) as client:
        reply = client.get(path)
        assert reply.status_code == 303
        assert reply.headers["location"].startswith("/login?next=")
        page = client.get(reply.headers["location"])
    assert page.status_code == 200
    assert 'name="password"' in page.text
    assert "Đúng hạn" not in page.text


def test_wrong_password_is_refused_without_a_session(
    serve_with: Callable[[str], Served],
) -> None:
    # a server of its own: the failure would make the next login from 127.0.0.1 wait a second
    with httpx.Client(base_url=serve_with("").url) as client:
        token = form_token(client.get("/login").text)
        reply = client.post(
            "/login", data={"csrf": token, "user": STAFF, "password": PASSWORD + "x"}
        )
        assert reply.status_code == 401
        assert "Mật khẩu không đúng" in reply.text
        assert "cchc_session" not in reply.headers.get("set-cookie", "")
        assert client.get("/review").status_code == 303


def test_login_without_the_form_token_is_forbidden(case_web: Served) -> None:
    with httpx.Client(base_url=case_web.url) as client:
        client.get("/login")
        reply = client.post("/login", data={"csrf": "forged", "user": STAFF, "password": PASSWORD})
    assert reply.status_code == 403
    assert "cchc_session" not in reply.headers.get("set-cookie", "")


def test_session_cookie_is_httponly_and_samesite(case_web: Served) -> None:
    with httpx.Client(base_url=case_web.url) as client:
        token = form_token(client.get("/login").text)
        reply = client.post("/login", data={"csrf": token, "user": STAFF, "password": PASSWORD})
    cookie = next(c for c in reply.headers.get_list("set-cookie") if c.startswith("cchc_session="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "secure" not in flags  # served on loopback: plain HTTP never leaves the machine


def test_pages_carry_protective_headers(staff_client: httpx.Client) -> None:
    reply = staff_client.get("/year/2024")
    assert reply.status_code == 200
    assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
    assert reply.headers["x-frame-options"] == "DENY"
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("token", ["", "not-the-token"])
def test_review_decision_with_a_wrong_csrf_token_is_forbidden(
    case_web: Served, staff_client: httpx.Client, token: str
) -> None:
    before = _decisions(case_web.config.store.path)
    reply = staff_client.post(
        "/review", data={"csrf": token, "message": UNKNOWN_Q3["message_id"], "action": "reject"}
    )
    assert reply.status_code == 403
    assert _decisions(case_web.config.store.path) == before


def test_review_decision_without_a_session_changes_nothing(case_web: Served) -> None:
    before = _decisions(case_web.config.store.path)
    with httpx.Client(base_url=case_web.url) as client:
        reply = client.post(
            "/review", data={"csrf": "x", "message": UNKNOWN_Q3["message_id"], "action": "reject"}
        )
    assert reply.status_code == 303
    assert reply.headers["location"].startswith("/login")
    assert _decisions(case_web.config.store.path) == before


@pytest.mark.parametrize(
    "path",
    [
        "/file/..%2F..%2Fconfig.toml",
        "/file/%2e%2e%2f%2e%2e%2fdb.sqlite",
        "/file/..%5C..%5Cconfig.toml",
        "/file/" + "0" * 64,  # a well-formed hash that is not in the store
        "/file/" + NOI_VU_Q1["sha256"].upper(),
        "/file/" + NOI_VU_Q1["sha256"] + "%2F..%2F..%2Fconfig.toml",
        "/eml/" + NOI_VU_Q1["sha256"],  # an attachment's hash is not a message's
        "/eml/..%2F..%2Fdb.sqlite",
        "/static/..%2F..%2F..%2Fconfig.py",
    ],
)
def test_download_path_traversal_is_not_found(staff_client: httpx.Client, path: str) -> None:
    reply = staff_client.get(path)
    assert reply.status_code == 404
    assert "[store]" not in reply.text and "SQLite" not in reply.text


def test_download_by_hash_sends_the_archived_file_under_its_vietnamese_name(
    staff_client: httpx.Client,
) -> None:
    reply = staff_client.get(f"/file/{NOI_VU_Q1['sha256']}")
    assert reply.status_code == 200
    assert hashlib.sha256(reply.content).hexdigest() == NOI_VU_Q1["sha256"]
    disposition = reply.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert (
        f"filename*=UTF-8''{quote(NOI_VU_Q1['filename'].replace('/', '_'), safe='')}" in disposition
    )
    assert reply.headers["content-type"] == "application/octet-stream"


def test_export_download_is_named_for_its_year(staff_client: httpx.Client) -> None:
    reply = staff_client.get("/export/compliance?year=2024")
    assert reply.status_code == 200
    assert reply.content[:2] == b"PK"
    assert "2024.xlsx" in reply.headers["content-disposition"]
    assert staff_client.get("/export/compliance?year=../../etc").status_code == 404
    assert staff_client.get("/export/onestop?period=2024-Q5").status_code == 404


def test_the_proposal_is_offered_beside_the_other_exports_and_downloads(
    staff_client: httpx.Client,
) -> None:
    """The period page links the year's draft proposal next to the tables; it is a .docx
    named for its year."""
    page = staff_client.get("/period/2024-Q3").text
    assert 'href="/export/proposal?year=2024"' in page and "Dự thảo báo cáo đề xuất" in page
    assert 'href="/export/compliance?year=2024"' in page
    reply = staff_client.get("/export/proposal?year=2024")
    assert reply.status_code == 200 and reply.content[:2] == b"PK"
    assert reply.headers["content-type"].endswith("wordprocessingml.document")
    assert "2024.docx" in reply.headers["content-disposition"]


def test_assign_over_http_records_who_and_when_and_counts_the_report(fresh_web: Served) -> None:
    """GIVEN an unknown sender's Q3 report WHEN staff assign it to a commune THEN the decision
    names the staff login and the time, and the commune is on time for 2024-Q3."""
    with httpx.Client(base_url=fresh_web.url) as client:
        token = login(client)
        reply = client.post(
            "/review",
            data={
                "csrf": token,
                "message": UNKNOWN_Q3["message_id"],
                "action": "assign",
                "unit": "xa-nam-binh",
            },
        )
        assert reply.status_code == 303
        page = client.get("/review")
        assert "Đã gán thư cho UBND xã Nam Bình" in page.text
    with sqlite3.connect(fresh_web.config.store.path) as conn:
        action, unit, who, when = conn.execute(
            "SELECT action, unit_code, decided_by, decided_at FROM review_decisions"
        ).fetchone()
    assert (action, unit, who) == ("assign", "xa-nam-binh", STAFF)
    assert abs(datetime.fromisoformat(when) - datetime.now(UTC)) < timedelta(minutes=5)
    from cchc.app import App

    app = App(fresh_web.config)
    try:
        row = next(u for u in app.status("2024-Q3")["units"] if u["unit"] == "xa-nam-binh")
    finally:
        app.close()
    assert row["status"] == "on_time"


def test_logout_ends_the_session_on_the_server(case_web: Served) -> None:
    with httpx.Client(base_url=case_web.url) as client:
        token = login(client)
        stolen = client.cookies.get("cchc_session")
        assert client.post("/logout", data={"csrf": token}).status_code == 303
    with httpx.Client(base_url=case_web.url, cookies={"cchc_session": stolen or ""}) as replay:
        assert replay.get("/review").status_code == 303


def test_cchc_web_refuses_to_start_without_a_password(tmp_path: Path) -> None:
    from conftest import write_config

    config = write_config(tmp_path)
    result = CliRunner().invoke(
        cli, ["web", "--config", str(config), "--port", "0"], env={"CCHC_WEB_PASSWORD": None}
    )
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "web.password_env" in lines[0] and "CCHC_WEB_PASSWORD" in lines[0]


def test_server_binds_loopback_by_default_and_stops_on_request(fresh_web: Served) -> None:
    urls: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=serve,
        args=(fresh_web.config,),
        kwargs={"port": 0, "stop_event": stop, "announce": urls.append},
    )
    thread.start()
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        while not urls and datetime.now(UTC) < deadline:
            thread.join(0.02)
        assert urls and urls[0].startswith("http://127.0.0.1:")
        ready = False
        while not ready and datetime.now(UTC) < deadline:
            try:
                ready = httpx.get(urls[0] + "login").status_code == 200
            except httpx.TransportError:
                thread.join(0.02)
        assert ready
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_busy_port_is_one_line_naming_web_port(fresh_web: Served) -> None:
    from cchc.core.errors import ConfigError

    with pytest.raises(ConfigError, match="web.port"):
        start(fresh_web.config, port=fresh_web.server.port)


def test_content_disposition_keeps_vietnamese_and_drops_what_could_break_the_header() -> None:
    header = content_disposition('Báo cáo "Quý I"/2024\r\nX-Evil: 1.docx')
    assert "\r" not in header and "\n" not in header
    ascii_part = header.split('filename="')[1].split('"')[0]
    assert ascii_part == "Bao cao _Quy I__2024X-Evil_ 1.docx"
    assert (
        "filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20%22Qu%C3%BD%20I%22_2024X-Evil%3A%201.docx" in header
    )
    assert content_disposition("Đắk Song.xlsx").startswith('attachment; filename="Dak Song.xlsx"')


@pytest.mark.parametrize(
    ("target", "expected_path"),
    [
        ("/review", "/review"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil", "/"),
        (None, "/"),
    ],
)
def test_after_login_only_local_paths_are_followed(target: str | None, expected_path: str) -> None:
    assert safe_next(target) == expected_path
