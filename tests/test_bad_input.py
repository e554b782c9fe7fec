"""Bad input never crashes ingest and never loses mail (SPEC §7)."""

from __future__ import annotations

from pathlib import Path

from casedata import CASE
from conftest import write_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cchc.app import App
from cchc.core.config import load_config

SAMPLE = (CASE / "messages" / "012-xa-dak-hoa-q1.eml").read_bytes()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(0, len(SAMPLE) - 1), st.integers(1, 4000), st.binary(max_size=64))
def test_a_damaged_report_message_is_stored_with_a_disposition(
    tmp_path_factory, start: int, length: int, junk: bytes
) -> None:
    folder = tmp_path_factory.mktemp("bad")
    app = App(load_config(write_config(folder)))
    raw = SAMPLE[:start] + junk + SAMPLE[start + length :]
    result = app.ingest_raw(raw, source="damaged")
    app.refresh()
    assert result.status == "new"
    (m,) = app.messages()
    assert m["disposition"] in {"counted", "correction", "review", "ignored"}
    assert (
        app.archive.raw_path(
            app.db.conn.execute("SELECT raw_sha256 FROM messages").fetchone()[0]
        ).read_bytes()
        == raw
    )
    app.close()


def test_an_empty_message_is_kept(tmp_path: Path) -> None:
    app = App(load_config(write_config(tmp_path)))
    app.ingest_raw(b"", source="empty")
    app.refresh()
    (m,) = app.messages()
    assert m["disposition"] == "ignored"
    assert any("arrival time is the import time" in p for p in m["problems"])


def _nested(depth: int, sender: str, subject: str) -> bytes:
    """A message whose body is `depth` multiparts deep (issue 12, item 5)."""
    head = (
        f"From: {sender}\r\nTo: noivu@example.gov.vn\r\nSubject: {subject}\r\n"
        "Message-ID: <deep@example.gov.vn>\r\n"
        "Received: from mail.example.gov.vn by mx.google.com; Mon, 12 Feb 2024 09:00:00 +0700\r\n"
        "Date: Sun, 11 Feb 2024 20:00:00 +0700\r\nMIME-Version: 1.0\r\n"
    ).encode()
    body = b"".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
        for i in range(depth)
    )
    return head + body + b"Content-Type: application/pdf\r\n\r\n%PDF\r\n"


def test_a_report_nested_5000_parts_deep_counts_from_its_headers_and_is_in_review(
    tmp_path: Path,
) -> None:
    app = App(load_config(write_config(tmp_path)))
    raw = _nested(5000, "UBND xã Nam Bình <ubndxanambinh@gmail.com>", "BC CCHC quý I năm 2024")
    app.ingest_raw(raw, source="deep")
    app.refresh()
    (m,) = app.messages()
    assert m["from"] == "ubndxanambinh@gmail.com" and m["message_id"] == "<deep@example.gov.vn>"
    assert m["subject"] == "BC CCHC quý I năm 2024"
    assert m["received_at"] == "2024-02-12T09:00:00+07:00"  # the Received: header, not now
    assert (m["disposition"], m["reason"], m["unit"], m["period"]) == (
        "counted",
        "unparseable",
        "xa-nam-binh",
        "2024-Q1",
    )
    assert [r["reason"] for r in app.review()] == ["unparseable"]
    app.close()


def test_an_unreadable_message_from_a_stranger_is_in_review_with_its_best_guess(
    tmp_path: Path,
) -> None:
    app = App(load_config(write_config(tmp_path)))
    app.ingest_raw(_nested(5000, "<ai.do@gmail.com>", "Xin chào"), source="deep")
    app.refresh()
    (item,) = app.review()
    assert (item["reason"], item["unit"]) == ("unparseable", None)
    app.close()


def test_a_two_megabyte_subject_is_stored_bounded(tmp_path: Path) -> None:
    app = App(load_config(write_config(tmp_path)))
    raw = (
        "From: <xanambinh@example.gov.vn>\r\nSubject: BC CCHC "
        + "x" * 2_000_000
        + "\r\nMessage-ID: <big@x>\r\nDate: Mon, 12 Feb 2024 09:00:00 +0700\r\n\r\nKính gửi\r\n"
    ).encode()
    app.ingest_raw(raw, source="big")
    app.refresh()
    (m,) = app.messages()
    assert len(m["subject"]) <= 1000 and m["subject"].endswith("…")
    (digest,) = app.db.conn.execute("SELECT raw_sha256 FROM messages").fetchone()
    assert app.archive.raw_path(digest).read_bytes() == raw  # the archive keeps it whole
    app.close()


def test_a_right_to_left_override_in_a_file_name_is_not_stored(tmp_path: Path) -> None:
    app = App(load_config(write_config(tmp_path)))
    raw = (
        "From: <xanambinh@example.gov.vn>\r\nSubject: BC CCHC quy I nam 2024\r\n"
        "Message-ID: <rlo@x>\r\nDate: Mon, 12 Feb 2024 09:00:00 +0700\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
        "Kính gửi\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: "
        "attachment; filename*=utf-8''bao-cao%E2%80%AExcod.exe\r\n\r\nMZ\r\n--b--\r\n"
    ).encode()
    app.ingest_raw(raw, source="rlo")
    stored = app.db.conn.execute("SELECT filename, safe_name FROM attachments").fetchall()
    archived = [p.name for p in (tmp_path / "archive" / "files").rglob("*") if p.is_file()]
    assert stored == [("bao-caoxcod.exe", "bao-caoxcod.exe")]
    assert all("\u202e" not in n for n in archived)
    app.close()
