"""`cchc run` end to end: Dovecot (IMAP) in, aiosmtpd (SMTP) out, the real CLI in a process.

A unit's report APPENDed to the mailbox must come back to the unit as an acknowledgement
within 10 seconds; a second `cchc run` on the same store must refuse to start; SIGTERM must
stop the service cleanly (exit code 0).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from casedata import CASE
from conftest import write_config
from smtp_sink import SmtpSink

from integration.dovecot import PASSWORD, USER, Dovecot

pytestmark = pytest.mark.integration

ICT = timezone(timedelta(hours=7))
OFFICE = (
    '[office]\nname = "Phòng Nội vụ huyện Đắk Song"\nnotify = ["noivu.daksong@example.gov.vn"]\n'
)
ACK_DEADLINE = 10.0


def _wait(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout} s")
        time.sleep(0.05)


def _checked(db: Path) -> bool:
    if not db.exists():
        return False
    conn = sqlite3.connect(db, timeout=5)
    try:
        return (
            conn.execute("SELECT 1 FROM health WHERE kind = 'check_ok' LIMIT 1").fetchone()
            is not None
        )
    except sqlite3.OperationalError:
        return False  # not migrated yet
    finally:
        conn.close()


def test_a_report_appended_under_cchc_run_is_acknowledged_within_ten_seconds(
    dovecot: Dovecot,
    smtp_sink: SmtpSink,
    tmp_path: Path,
    record_property: pytest.RecordProperty,
) -> None:
    imap = (
        f'[imap]\nhost = "127.0.0.1"\nport = {dovecot.port}\nsecurity = "none"\nusername = "{USER}"\n'
        'password_env = "CCHC_TEST_IMAP_PASSWORD"\npoll_seconds = 60\ntimeout_seconds = 10\n'
    )
    config = write_config(tmp_path, extra=OFFICE + smtp_sink.toml() + imap)
    env = {**os.environ, "CCHC_TEST_IMAP_PASSWORD": PASSWORD}
    log = (tmp_path / "run.log").open("wb")
    service = subprocess.Popen(
        [sys.executable, "-m", "cchc", "run", "--config", str(config)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        _wait(lambda: _checked(tmp_path / "db.sqlite"), 30, "the service did not check the mailbox")
        # A second service on the same store refuses to start (exit 2, one line).
        second = subprocess.run(
            [sys.executable, "-m", "cchc", "run", "--config", str(config)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2 and "đang dùng kho dữ liệu này" in second.stderr

        raw = (CASE / "messages" / "012-xa-dak-hoa-q1.eml").read_bytes()
        dovecot.append("INBOX", [(raw, datetime.now(ICT))])
        appended = time.monotonic()
        ack = smtp_sink.wait_for(lambda r: r.key.startswith("ack:"), timeout=ACK_DEADLINE + 5)
        seconds = ack.at - appended
        record_property("append_to_ack_seconds", round(seconds, 3))
        print(f"APPEND → acknowledgement received: {seconds:.2f} s")
        assert seconds < ACK_DEADLINE
        assert ack.rcpt_tos == ["ubnd.xa.dakhoa@gmail.com"]
        assert ack.message["Subject"] == "Đã nhận báo cáo: Báo cáo Quý I năm 2024 - UBND xã Đắk Hòa"
        assert "Tình trạng: trễ hạn." in ack.text()  # Q1 2024 is long past due
    finally:
        service.send_signal(signal.SIGTERM)
        try:
            code = service.wait(timeout=30)
        finally:
            if service.poll() is None:
                service.kill()
            log.close()
    output = (tmp_path / "run.log").read_text(errors="replace")
    assert code == 0, output
    assert "service started" in output and "stopped" in output
    # exactly one acknowledgement, even though the acks job kept running
    assert len([r for r in smtp_sink.received if r.key.startswith("ack:")]) == 1


def test_the_run_lock_admits_one_holder_and_frees_on_release(tmp_path: Path) -> None:
    from scheduler.lock import AlreadyRunning, RunLock

    store = tmp_path / "db.sqlite"
    with RunLock(store), pytest.raises(AlreadyRunning, match=f"pid {os.getpid()}"):
        RunLock(store).acquire()
    with RunLock(store):
        pass
