"""ingest/imap.py + store/mailbox.py against a real Dovecot, with a plain handler (no parsing).

These pin the IMAP contract: read-only, O(1) no-op polls, UID state, UIDVALIDITY rescans,
server restarts, IDLE, bounded memory, TLS modes, processed label/folder.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import json
import threading
import time
import tracemalloc
import urllib.parse
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlite_utils

from cchc.core.config import ImapConfig
from cchc.core.errors import MailboxError
from ingest.imap import FetchedMessage, ImapMailbox, MailboxLoginError
from ingest.oauth import TokenProvider
from ingest.poll import one_by_one, poll
from integration.dovecot import PASSWORD, USER, Dovecot
from store import health
from store.mailbox import MailboxStateStore
from store.schema import migrate

pytestmark = pytest.mark.integration

ICT = timezone(timedelta(hours=7))


def make_message(n: int, body_bytes: int = 200) -> bytes:
    body = (b"x" * 70 + b"\r\n") * max(1, body_bytes // 72)
    return (
        f"From: unit{n}@example.gov.vn\r\nTo: noivu@example.gov.vn\r\n"
        f"Subject: Bao cao {n}\r\nMessage-ID: <m{n}@example.gov.vn>\r\n"
        f"Date: Mon, 1 Jan 2024 08:00:00 +0700\r\n\r\n"
    ).encode() + body


def stamped(n: int) -> datetime:
    return datetime(2024, 2, 17, 23, 59, 0, tzinfo=ICT) + timedelta(seconds=n)


class Sink:
    """A handler that keeps what it got, idempotent by SHA-256 like the real store."""

    def __init__(self) -> None:
        self.by_sha: dict[str, FetchedMessage] = {}
        self.calls: Counter[tuple[int, int]] = Counter()
        self.hook: object = None

    def __call__(self, msg: FetchedMessage) -> str:
        self.calls[(msg.uidvalidity, msg.uid)] += 1
        self.by_sha.setdefault(msg.sha256, msg)
        if callable(self.hook):
            self.hook(msg)
        return msg.sha256


@pytest.fixture
def store(tmp_path: Path) -> MailboxStateStore:
    db = sqlite_utils.Database(tmp_path / "state.sqlite")
    migrate(db.conn)
    return MailboxStateStore(db)


def config(server: Dovecot, **kw: object) -> ImapConfig:
    base = ImapConfig(
        host="127.0.0.1",
        port=server.port,
        security="none",
        username=USER,
        password=PASSWORD,
        folder="INBOX",
        batch_size=10,
        timeout_seconds=10,
    )
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def flags(server: Dovecot, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
    with server.client() as c:
        c.select_folder(folder, readonly=True)
        return {uid: v[b"FLAGS"] for uid, v in c.fetch(c.search("ALL"), ["FLAGS"]).items()}


def test_poll_fetches_every_message_read_only_and_keeps_flags(
    dovecot: Dovecot, store: MailboxStateStore
) -> None:
    """GIVEN 25 messages, some already \\Seen WHEN one pass runs THEN all 25 arrive with their
    INTERNALDATE, and no flag changes (BODY.PEEK, EXAMINE)."""
    dovecot.append("INBOX", [(make_message(n), stamped(n)) for n in range(20)])
    dovecot.append(
        "INBOX", [(make_message(n), stamped(n)) for n in range(20, 25)], flags=["\\Seen"]
    )
    before = flags(dovecot)
    sink = Sink()
    with ImapMailbox(config(dovecot)) as box:
        result = poll(box, store, one_by_one(sink))
    assert result.fetched == 25 and len(sink.by_sha) == 25
    assert flags(dovecot) == before
    got = sorted(m.internaldate for m in sink.by_sha.values())
    assert got[0] == stamped(0) and got[0].utcoffset() is not None  # the same instant
    assert all(
        m.source.startswith(f"imap://{USER}@127.0.0.1/INBOX;UIDVALIDITY=")
        for m in sink.by_sha.values()
    )
    state = store.load(f"{USER}@127.0.0.1", "INBOX")
    assert state is not None and state.last_uid == 25
    assert store.conn.execute("SELECT count(*) FROM mailbox_uids").fetchone()[0] == 25


def test_second_poll_fetches_nothing_and_issues_no_search(
    dovecot: Dovecot, store: MailboxStateStore
) -> None:
    dovecot.append("INBOX", [(make_message(n), stamped(n)) for n in range(12)])
    sink = Sink()
    with ImapMailbox(config(dovecot)) as box:
        poll(box, store, one_by_one(sink))
        assert box.client is not None
        searched: list[object] = []
        real_search = box.client.search
        box.client.search = lambda *a, **k: searched.append(a) or real_search(*a, **k)  # type: ignore[method-assign]
        again = poll(box, store, one_by_one(sink))
    assert again.fetched == 0 and again.nothing_new
    assert searched == []  # UIDNEXT said it all: O(1) in the mailbox size
    assert max(sink.calls.values()) == 1


def test_messages_appended_later_are_picked_up(dovecot: Dovecot, store: MailboxStateStore) -> None:
    dovecot.append("INBOX", [(make_message(n), stamped(n)) for n in range(3)])
    sink = Sink()
    with ImapMailbox(config(dovecot)) as box:
        assert poll(box, store, one_by_one(sink)).fetched == 3
        dovecot.append("INBOX", [(make_message(n), stamped(n)) for n in range(3, 5)])
        assert poll(box, store, one_by_one(sink)).fetched == 2
    with ImapMailbox(config(dovecot)) as box:  # and across connections
        dovecot.append("INBOX", [(make_message(5), stamped(5))])
        assert poll(box, store, one_by_one(sink)).fetched == 1
    assert len(sink.by_sha) == 6 and max(sink.calls.values()) == 1


def test_uidvalidity_change_rescans_without_loss_or_double(
    dovecot: Dovecot, store: MailboxStateStore
) -> None:
    """GIVEN a folder fully ingested WHEN it is deleted and recreated (new UIDVALIDITY) and a
    message arrives THEN a rescan sees every message; the idempotent store keeps one of each."""
    dovecot.append("Reports", [(make_message(n), stamped(n)) for n in range(8)])
    sink = Sink()
    cfg = config(dovecot, folder="Reports")
    with ImapMailbox(cfg) as box:
        first = poll(box, store, one_by_one(sink))
    dovecot.recreate_folder("Reports")
    dovecot.append("Reports", [(make_message(8), stamped(8))])
    with ImapMailbox(cfg) as box:
        second = poll(box, store, one_by_one(sink))
        third = poll(box, store, one_by_one(sink))
    assert second.rescan and second.uidvalidity != first.uidvalidity
    assert second.fetched == 9  # everything re-read: no message lost
    assert len(sink.by_sha) == 9  # ... and by content none doubled
    assert third.fetched == 0
    state = store.load(cfg.account, "Reports")
    assert state is not None and state.uidvalidity == second.uidvalidity and state.last_uid == 9


def test_server_stopped_mid_ingest_then_next_run_completes_once(
    dovecot: Dovecot, store: MailboxStateStore
) -> None:
    """GIVEN 45 messages WHEN Dovecot stops after 15 are stored THEN the pass fails with a
    MailboxError, keeps its progress, and after a restart the next pass completes: every
    message handled exactly once (not even refetched)."""
    dovecot.append("INBOX", [(make_message(n), stamped(n)) for n in range(45)])
    sink = Sink()

    def stop_after_15(msg: FetchedMessage) -> None:
        if len(sink.by_sha) == 15:
            dovecot.stop()

    sink.hook = stop_after_15
    with ImapMailbox(config(dovecot)) as box, pytest.raises(MailboxError):
        poll(box, store, one_by_one(sink))
    sink.hook = None
    state = store.load(f"{USER}@127.0.0.1", "INBOX")
    assert state is not None and state.last_uid == 20  # the batch in hand was finished
    dovecot.start()
    with ImapMailbox(config(dovecot)) as box:
        poll(box, store, one_by_one(sink))
    assert len(sink.by_sha) == 45
    assert set(sink.calls.values()) == {1}


def test_connection_dropped_during_fetch_is_a_mailbox_error(
    dovecot: Dovecot, store: MailboxStateStore
) -> None:
    dovecot.append("INBOX", [(make_message(n), stamped(n)) for n in range(30)])
    sink = Sink()
    sink.hook = lambda msg: msg.uid == 5 and dovecot.kill_connections()
    with ImapMailbox(config(dovecot)) as box, pytest.raises(MailboxError):
        poll(box, store, one_by_one(sink))
    sink.hook = None
    with ImapMailbox(config(dovecot)) as box:
        poll(box, store, one_by_one(sink))
    assert len(sink.by_sha) == 30 and set(sink.calls.values()) == {1}


def test_idle_reports_a_new_message_within_seconds(
    dovecot: Dovecot, store: MailboxStateStore
) -> None:
    sink = Sink()
    with ImapMailbox(config(dovecot)) as box:
        poll(box, store, one_by_one(sink))
        assert box.supports_idle
        timer = threading.Timer(
            0.5, lambda: dovecot.append("INBOX", [(make_message(1), stamped(1))])
        )
        timer.start()
        started = time.monotonic()
        changed = box.wait(20)
        waited = time.monotonic() - started
        timer.join()
        assert changed and waited < 5
        assert poll(box, store, one_by_one(sink)).fetched == 1


def test_idle_returns_when_stopped(dovecot: Dovecot, store: MailboxStateStore) -> None:
    stop = threading.Event()
    with ImapMailbox(config(dovecot)) as box:
        poll(box, store, one_by_one(Sink()))
        threading.Timer(0.3, stop.set).start()
        started = time.monotonic()
        assert box.wait(60, stop=stop) is False
        assert time.monotonic() - started < 3
        box.noop()  # the connection is usable after DONE


def test_backlog_is_fetched_in_bounded_batches(dovecot: Dovecot, store: MailboxStateStore) -> None:
    """GIVEN 60 messages of ~100 KB WHEN fetched with a 1 MB batch limit THEN peak Python memory
    stays near one batch, far below the 6 MB of the backlog."""
    dovecot.append("INBOX", [(make_message(n, 100_000), stamped(n)) for n in range(60)])
    count = 0

    def handler(msg: FetchedMessage) -> str:
        nonlocal count
        count += 1
        return hashlib.sha256(msg.raw).hexdigest()

    with ImapMailbox(config(dovecot, batch_size=1000), max_batch_bytes=1_000_000) as box:
        tracemalloc.start()
        poll(box, store, one_by_one(handler))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert count == 60
    assert peak < 3_000_000, peak


def test_a_25_mb_message_arrives_whole(dovecot: Dovecot, store: MailboxStateStore) -> None:
    big = make_message(1, 25 * 1024 * 1024)
    dovecot.append("INBOX", [(big, stamped(1)), (make_message(2), stamped(2))])
    sink = Sink()
    with ImapMailbox(config(dovecot, batch_size=50)) as box:
        tracemalloc.start()
        poll(box, store, one_by_one(sink))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert hashlib.sha256(big).hexdigest() in sink.by_sha and len(sink.by_sha) == 2
    assert peak < 4 * len(big), peak


def test_wrong_password_is_a_login_error_naming_the_variable(dovecot: Dovecot) -> None:
    with pytest.raises(MailboxLoginError, match="CCHC_IMAP_PASSWORD") as info:
        ImapMailbox(config(dovecot, password="sai")).connect()
    assert "từ chối đăng nhập" in str(info.value)
    assert "b'" not in str(info.value) and 'b"' not in str(info.value)


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_modes(dovecot: Dovecot, store: MailboxStateStore, security: str) -> None:
    dovecot.append("INBOX", [(make_message(1), stamped(1))])
    port = dovecot.ssl_port if security == "ssl" else dovecot.port
    sink = Sink()
    with ImapMailbox(
        config(dovecot, security=security, port=port), ssl_context=dovecot.ssl_context()
    ) as box:
        assert poll(box, store, one_by_one(sink)).fetched == 1


def test_processed_folder_moves_only_stored_mail_and_keeps_it_unread(
    dovecot: Dovecot, store: MailboxStateStore
) -> None:
    dovecot.append("INBOX", [(make_message(n), stamped(n)) for n in range(15)])
    with dovecot.client() as c:
        c.create_folder("Processed")
    sink = Sink()
    with ImapMailbox(config(dovecot, processed_folder="Processed")) as box:
        assert poll(box, store, one_by_one(sink)).fetched == 15
        dovecot.append("INBOX", [(make_message(99), stamped(99))])
        assert poll(box, store, one_by_one(sink)).fetched == 1
    assert flags(dovecot, "INBOX") == {}
    moved = flags(dovecot, "Processed")
    assert len(moved) == 16 and all(b"\\Seen" not in f for f in moved.values())


def test_processed_label_on_non_gmail_adds_a_keyword_only(
    dovecot: Dovecot, store: MailboxStateStore
) -> None:
    dovecot.append("INBOX", [(make_message(n), stamped(n)) for n in range(3)])
    with ImapMailbox(config(dovecot, processed_label="cchc/da xu ly")) as box:
        poll(box, store, one_by_one(Sink()))
    assert all(f == (b"cchc_da_xu_ly",) for f in flags(dovecot).values())


def test_health_keeps_only_the_latest_check(store: MailboxStateStore) -> None:
    health.record(store.db, "check_ok", "a@h", at=datetime(2025, 1, 1, tzinfo=UTC))
    health.record(store.db, "check_ok", "a@h", at=datetime(2025, 1, 2, tzinfo=UTC))
    health.record(store.db, "login_failed", "refused", at=datetime(2025, 1, 3, tzinfo=UTC))
    assert health.last_check(store.db, "a@h") == "2025-01-02T00:00:00+00:00"
    since = health.since(store.db, datetime(2024, 12, 31, tzinfo=UTC))
    assert since.login_failures == 1 and since.last_problem["kind"] == "login_failed"
    assert (
        store.conn.execute("SELECT count(*) FROM health WHERE kind='check_ok'").fetchone()[0] == 1
    )


def test_state_never_goes_back_within_a_uidvalidity(store: MailboxStateStore) -> None:
    store.save("a", "INBOX", 7, 50, [])
    store.save("a", "INBOX", 7, 20, [])  # a slower, overlapping process
    assert store.load("a", "INBOX").last_uid == 50  # type: ignore[union-attr]
    store.save("a", "INBOX", 8, 3, [])  # a new UIDVALIDITY starts over
    assert store.load("a", "INBOX").last_uid == 3  # type: ignore[union-attr]


class _TokenEndpoint(http.server.BaseHTTPRequestHandler):
    """A local OAuth2 token endpoint: hands out the queued access tokens in turn."""

    tokens: list[str] = []
    forms: list[dict[str, list[str]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.forms.append(urllib.parse.parse_qs(self.rfile.read(length).decode()))
        body = json.dumps({"access_token": self.tokens.pop(0), "expires_in": 3600}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_xoauth2_login_refreshes_a_refused_token_once(
    dovecot: Dovecot, store: MailboxStateStore
) -> None:
    """GIVEN a token endpoint whose first access token the server refuses (revoked early)
    WHEN the mailbox connects with auth = xoauth2 THEN it refreshes once and logs in.
    (This Dovecot checks the XOAUTH2 bearer token like a password.)"""
    _TokenEndpoint.tokens = ["revoked-token", PASSWORD]
    _TokenEndpoint.forms = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _TokenEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        cfg = config(
            dovecot,
            auth="xoauth2",
            password=None,
            refresh_token="r-tok",
            client_id="cid",
            client_secret="csec",
            token_url=f"http://127.0.0.1:{server.server_port}/token",
        )
        dovecot.append("INBOX", [(make_message(1), stamped(1))])
        with ImapMailbox(cfg) as box:
            assert poll(box, store, one_by_one(Sink())).fetched == 1
            assert box.tokens is not None and box.tokens.refreshes == 2
        assert _TokenEndpoint.forms[0]["refresh_token"] == ["r-tok"]
        assert "method=XOAUTH2" in dovecot.log()
    finally:
        server.shutdown()
        server.server_close()


def test_a_revoked_refresh_token_is_a_refused_login(dovecot: Dovecot) -> None:
    tokens = TokenProvider(
        client_id="c",
        client_secret="s",
        refresh_token="r",
        token_url="http://x",
        post=lambda url, form, timeout: (400, {"error": "invalid_grant"}),
    )
    cfg = config(dovecot, auth="xoauth2", password=None)
    with pytest.raises(MailboxLoginError, match="invalid_grant"):
        ImapMailbox(cfg, tokens=tokens).connect()


def test_a_missing_folder_names_the_key(dovecot: Dovecot, store: MailboxStateStore) -> None:
    with (
        ImapMailbox(config(dovecot, folder="Khong co")) as box,
        pytest.raises(MailboxError, match="imap.folder"),
    ):
        poll(box, store, one_by_one(Sink()))
