"""End to end through a real Dovecot: mailbox → `cchc.mailbox` → App → the same store as files.

The sample year appended with its arrival times must give exactly what `cchc import` gives on
the .eml files; a `kill -9` at random moments of a backlog must leave, after a rerun, the store
of an uninterrupted run; the service loop must see a new message within seconds over IDLE and
survive a server restart.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from casedata import CASE, expected, message_files
from conftest import write_config

import cchc.mailbox as mailbox_module
from cchc.app import App
from cchc.core.config import load_config
from cchc.mailbox import ingest_mailbox, run_mailbox_loop
from ingest.mime import parse_message
from integration.dovecot import PASSWORD, USER, Dovecot
from store import health

pytestmark = pytest.mark.integration

ENV = {"CCHC_IMAP_PASSWORD": PASSWORD}
REPO = Path(__file__).resolve().parents[2]


def imap_config(folder: Path, server: Dovecot, **extra: Any) -> Path:
    lines = [
        "[imap]",
        'host = "127.0.0.1"',
        f"port = {server.port}",
        'security = "none"',
        f'username = "{USER}"',
        'folder = "INBOX"',
        "timeout_seconds = 10",
    ] + [f"{k} = {json.dumps(v)}" for k, v in extra.items()]
    return write_config(folder, extra="\n".join(lines) + "\n")


def open_app(path: Path) -> App:
    return App(load_config(path, env=ENV))


def arrival(raw: bytes) -> datetime:
    """What `cchc import` takes as the arrival (topmost Received:, else Date:): the
    INTERNALDATE Gmail would have recorded."""
    msg = parse_message(raw)
    when = msg.received_at or msg.date_header
    assert when is not None
    return when


@pytest.fixture
def case_mailbox(dovecot: Dovecot) -> Dovecot:
    dovecot.append("INBOX", [(p.read_bytes(), arrival(p.read_bytes())) for p in message_files()])
    return dovecot


def _without_source(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        ({k: v for k, v in r.items() if k != "source"} for r in rows),
        key=lambda r: (r.get("received_at") or "", r.get("message_id") or ""),
    )


def test_case_ingested_from_the_mailbox_equals_the_file_import(
    case_mailbox: Dovecot, case_app: App, tmp_path: Path
) -> None:
    """GIVEN the sample year in a mailbox with its arrival times as INTERNALDATE WHEN
    `cchc ingest` runs THEN every period's status and every message's disposition equal those
    of `cchc import` on the files; \\Seen flags are unchanged; a second pass fetches nothing."""
    with case_mailbox.client() as c:
        c.select_folder("INBOX", readonly=True)
        flags_before = c.fetch(c.search("ALL"), ["FLAGS"])
    app = open_app(imap_config(tmp_path, case_mailbox))
    try:
        report = ingest_mailbox(app)
        assert report.fetched == len(message_files())
        case = expected()
        at = datetime.fromisoformat(case["at"])
        for period in case["status"]:
            assert app.status(period, at) == case_app.status(period, at), period
        assert _without_source(app.messages()) == _without_source(case_app.messages())
        assert all(m["source"].startswith("imap://") for m in app.messages())
        again = ingest_mailbox(app)
        assert again.fetched == 0
        assert health.last_check(app.db, app.config.imap.account) is not None
    finally:
        app.close()
    with case_mailbox.client() as c:
        c.select_folder("INBOX", readonly=True)
        assert c.fetch(c.search("ALL"), ["FLAGS"]) == flags_before


# -- kill -9 during a backlog ---------------------------------------------------------------


def backlog_messages(n: int) -> Iterator[tuple[bytes, datetime]]:
    """Small report-like messages: a subject with a period, a text body and a small attachment.
    Every tenth repeats an earlier Message-ID (a re-sent report) to exercise dedupe too."""
    start = datetime(2024, 2, 1, 8, 0, tzinfo=UTC)
    for i in range(n):
        msg = EmailMessage()
        msg["From"] = f"Don vi {i % 7} <donvi{i % 7}@example.gov.vn>"
        msg["To"] = "noivu.cchc.daksong@gmail.com"
        msg["Subject"] = f"Báo cáo CCHC quý I năm 2024 - số {i}"
        msg["Date"] = (start + timedelta(minutes=i)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        msg["Message-ID"] = f"<bl{i - 5 if i % 10 == 9 else i}@example.gov.vn>"
        msg.set_content(f"Kính gửi Phòng Nội vụ, đơn vị gửi báo cáo số {i}.\n")
        msg.add_attachment(
            f"Bảng số liệu {i}\n".encode() * 20,
            maintype="text",
            subtype="plain",
            filename=f"so-lieu-{i}.txt",
        )
        yield msg.as_bytes().replace(b"\n", b"\r\n"), start + timedelta(minutes=i)


def snapshot(db_path: Path) -> dict[str, Any]:
    """The store's content without ids and clock times: what must not depend on crashes."""
    conn = sqlite3.connect(db_path)
    try:
        q = conn.execute
        return {
            "messages": sorted(
                q(
                    "SELECT raw_sha256, message_id, received_at, received_from, size, "
                    "subject, auth, facts FROM messages"
                ).fetchall()
            ),
            "attachments": sorted(
                q(
                    "SELECT m.raw_sha256, a.position, a.sha256, a.kind, a.filename "
                    "FROM attachments a JOIN messages m ON m.id = a.message_ref"
                ).fetchall()
            ),
            "sightings": sorted(q("SELECT source, raw_sha256 FROM sightings").fetchall()),
            "verdicts": sorted(
                q(
                    "SELECT m.raw_sha256, v.disposition, v.reason, v.unit, v.period, v.counts "
                    "FROM verdicts v JOIN messages m ON m.id = v.message_ref"
                ).fetchall()
            ),
            "findings": sorted(
                q(
                    "SELECT m.raw_sha256, f.code FROM findings f "
                    "JOIN messages m ON m.id = f.message_ref"
                ).fetchall()
            ),
            "uids": sorted(q("SELECT uid, raw_sha256 FROM mailbox_uids").fetchall()),
            "state": q("SELECT uidvalidity, last_uid FROM mailbox_state").fetchall(),
        }
    finally:
        conn.close()


def run_cli(config: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, **ENV, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, "-m", "cchc", "ingest", "--config", str(config), "--quiet"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_kill_9_at_random_moments_then_rerun_gives_the_uninterrupted_store(
    dovecot: Dovecot, tmp_path: Path
) -> None:
    n = 500
    dovecot.append("INBOX", backlog_messages(n))
    (tmp_path / "clean").mkdir()
    (tmp_path / "killed").mkdir()
    clean_cfg = imap_config(tmp_path / "clean", dovecot, batch_size=25)
    killed_cfg = imap_config(tmp_path / "killed", dovecot, batch_size=25)

    started = time.monotonic()
    proc = run_cli(clean_cfg)
    out, err = proc.communicate(timeout=240)
    full = time.monotonic() - started
    assert proc.returncode in (0, 1), err.decode()
    clean = snapshot(tmp_path / "clean" / "db.sqlite")
    assert len(clean["sightings"]) == n and len(clean["uids"]) == n

    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    partial = []  # the store's size at each kill: proof that they landed mid-ingest
    db = tmp_path / "killed" / "db.sqlite"
    for target in sorted(rng.sample(range(1, n - 1), 4)):
        proc = run_cli(killed_cfg)
        # Wait until the store reaches a random size, then kill at a random moment after it.
        while proc.poll() is None and (not db.exists() or _count(db) < target):
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.1))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode in (-signal.SIGKILL, 0, 1), err.decode()[-2000:]
        partial.append(_count(db))
    proc = run_cli(killed_cfg)
    _, err = proc.communicate(timeout=240)
    assert proc.returncode in (0, 1), err.decode()
    assert any(0 < c < n for c in partial), f"seed {seed}: no kill landed mid-ingest {partial}"
    assert snapshot(tmp_path / "killed" / "db.sqlite") == clean, f"seed {seed}, kills at {partial}"
    print(f"full run {full:.1f} s; store after each kill: {partial}")


# -- the service loop -----------------------------------------------------------------------


def _count(db_path: Path) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return int(conn.execute("SELECT count(*) FROM sightings").fetchone()[0])
    except sqlite3.OperationalError:  # not migrated yet
        return 0
    finally:
        conn.close()


def _health(db_path: Path) -> list[str]:
    conn = sqlite3.connect(db_path)
    try:
        return [r[0] for r in conn.execute("SELECT kind FROM health ORDER BY id")]
    finally:
        conn.close()


def _wait_for(predicate: Any, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s")


@pytest.fixture
def loop(tmp_path: Path, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setattr(mailbox_module, "BACKOFF_FIRST", 0.2)
    monkeypatch.setattr(mailbox_module, "LOGIN_BACKOFF_FIRST", 0.2)
    apps: list[App] = []
    threads: list[tuple[threading.Thread, threading.Event]] = []

    def start(**extra: Any) -> App:
        app = open_app(imap_config(tmp_path, dovecot, **extra))
        apps.append(app)
        stop = threading.Event()
        thread = threading.Thread(target=run_mailbox_loop, args=(app.config, stop), daemon=True)
        thread.start()
        threads.append((thread, stop))
        return app

    yield start
    for thread, stop in threads:
        stop.set()
        thread.join(10)
        assert not thread.is_alive()
    for app in apps:
        app.close()


def test_loop_with_idle_stores_a_new_message_within_seconds(
    loop: Any, dovecot: Dovecot, tmp_path: Path
) -> None:
    first = message_files()[1].read_bytes()
    dovecot.append("INBOX", [(first, arrival(first))])
    loop()
    db = tmp_path / "db.sqlite"
    _wait_for(lambda: _count(db) == 1, 10)
    second = message_files()[2].read_bytes()
    dovecot.append("INBOX", [(second, arrival(second))])
    took = _wait_for(lambda: _count(db) == 2, 10)
    assert took < 5


def test_loop_reconnects_after_the_server_restarts(
    loop: Any, dovecot: Dovecot, tmp_path: Path
) -> None:
    loop()
    db = tmp_path / "db.sqlite"
    _wait_for(lambda: "check_ok" in _health(db), 10)
    dovecot.stop()
    time.sleep(1.0)
    dovecot.start()
    raw = message_files()[3].read_bytes()
    dovecot.append("INBOX", [(raw, arrival(raw))])
    _wait_for(lambda: _count(db) == 1, 20)
    kinds = _health(db)
    assert "error" in kinds and kinds[-1] == "check_ok"


def test_loop_records_refused_logins_for_the_digest(
    loop: Any, dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ENV, "CCHC_IMAP_PASSWORD", "wrong")
    loop()
    db = tmp_path / "db.sqlite"
    _wait_for(lambda: _health(db).count("login_failed") >= 2, 15)
    assert "check_ok" not in _health(db)


def test_a_login_failure_of_cchc_ingest_is_recorded(dovecot: Dovecot, tmp_path: Path) -> None:
    app = App(load_config(imap_config(tmp_path, dovecot), env={"CCHC_IMAP_PASSWORD": "wrong"}))
    try:
        with pytest.raises(mailbox_module.MailboxLoginError):
            ingest_mailbox(app)
        assert health.since(app.db, datetime(2000, 1, 1, tzinfo=UTC)).login_failures == 1
    finally:
        app.close()


def test_case_path_is_in_the_repository() -> None:
    assert CASE.is_dir() and str(CASE).startswith(str(REPO))
