"""The database schema, as numbered migrations applied in order on open.

`PRAGMA user_version` records how far a database got; a database from a newer program is
refused rather than damaged. Idempotency lives in UNIQUE constraints, not in pre-checks.
"""

from __future__ import annotations

import sqlite3

from cchc.core.errors import StoreError
from cchc.core.units import normalise_address

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE units (
        code TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        grp TEXT NOT NULL,
        aliases TEXT NOT NULL DEFAULT '[]',
        active_from TEXT,
        active_until TEXT,
        successor TEXT,
        position INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE unit_addresses (
        address TEXT PRIMARY KEY,          -- normalised (lower case; Gmail dots and +tags removed)
        unit_code TEXT NOT NULL REFERENCES units(code) ON DELETE CASCADE,
        origin TEXT NOT NULL,              -- 'units-file' | 'taught'
        created_at TEXT NOT NULL
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        raw_sha256 TEXT NOT NULL UNIQUE,
        message_id TEXT UNIQUE,
        from_addr TEXT,
        from_name TEXT,
        subject TEXT,
        date_header TEXT,
        received_at TEXT NOT NULL,         -- ISO 8601 with offset
        received_ts REAL NOT NULL,         -- the same instant, epoch seconds, for ordering
        received_from TEXT NOT NULL,       -- 'internaldate' | 'received' | 'date' | 'import'
        body_text TEXT NOT NULL DEFAULT '',
        size INTEGER NOT NULL,
        auth TEXT NOT NULL,                -- 'pass' | 'fail' | 'absent'
        auth_detail TEXT,
        problems TEXT NOT NULL DEFAULT '[]',  -- MIME-level problems, JSON list of strings
        facts TEXT NOT NULL DEFAULT '{}',     -- matching/period facts, JSON (see ingest.facts)
        first_source TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX messages_received ON messages(received_ts);
    CREATE TABLE sightings (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL UNIQUE,       -- file path, or imap://account/folder;uidvalidity=V/;uid=N
        message_ref INTEGER NOT NULL REFERENCES messages(id),
        raw_sha256 TEXT NOT NULL,
        seen_at TEXT NOT NULL
    );
    CREATE INDEX sightings_message ON sightings(message_ref);
    CREATE TABLE attachments (
        id INTEGER PRIMARY KEY,
        message_ref INTEGER NOT NULL REFERENCES messages(id),
        position INTEGER NOT NULL,
        filename TEXT NOT NULL,            -- decoded, NFC, as the sender named it
        safe_name TEXT NOT NULL,           -- the name in the archive
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        content_type TEXT,
        container TEXT,
        format TEXT,
        kind TEXT NOT NULL,
        error TEXT,
        header_block TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        outline TEXT,                      -- JSON {present, missing, sections}
        onestop TEXT,                      -- JSON list of rows
        UNIQUE (message_ref, position)
    );
    CREATE INDEX attachments_sha ON attachments(sha256);
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        message_ref INTEGER NOT NULL REFERENCES messages(id),
        attachment_ref INTEGER REFERENCES attachments(id),
        code TEXT NOT NULL,
        level TEXT NOT NULL,
        message TEXT NOT NULL,
        attachment TEXT,
        detail TEXT
    );
    CREATE INDEX findings_message ON findings(message_ref);
    CREATE TABLE review_decisions (
        id INTEGER PRIMARY KEY,
        message_ref INTEGER NOT NULL REFERENCES messages(id),
        action TEXT NOT NULL CHECK (action IN ('assign', 'approve', 'reject')),
        unit_code TEXT REFERENCES units(code),
        decided_by TEXT NOT NULL,
        decided_at TEXT NOT NULL
    );
    CREATE TABLE verdicts (                -- derived from messages + decisions, rebuilt by refresh
        message_ref INTEGER PRIMARY KEY REFERENCES messages(id),
        disposition TEXT NOT NULL,
        reason TEXT,
        unit TEXT,
        period TEXT,
        match TEXT,
        counts INTEGER NOT NULL,
        first_ref INTEGER                  -- for a correction: the first counting message
    );
    CREATE VIEW submissions AS
        SELECT v.*, m.message_id, m.received_at, m.received_ts, m.subject
        FROM verdicts v JOIN messages m ON m.id = v.message_ref
        WHERE v.counts = 1;
    CREATE TABLE mailbox_state (
        account TEXT NOT NULL,
        folder TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        last_uid INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (account, folder)
    );
    CREATE TABLE mailbox_uids (
        account TEXT NOT NULL,
        folder TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        uid INTEGER NOT NULL,
        raw_sha256 TEXT NOT NULL,
        gm_msgid TEXT,
        PRIMARY KEY (account, folder, uidvalidity, uid)
    );
    CREATE TABLE health (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,                -- 'check_ok' | 'login_failed' | 'error'
        detail TEXT
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        to_addrs TEXT NOT NULL,
        unit TEXT,
        period TEXT,
        subject TEXT NOT NULL,
        body_text TEXT NOT NULL,
        body_html TEXT,
        attachments TEXT NOT NULL DEFAULT '[]',
        priority INTEGER NOT NULL DEFAULT 5,
        status TEXT NOT NULL DEFAULT 'queued',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        sent_at TEXT,
        server_reply TEXT,
        last_error TEXT,
        created_at TEXT NOT NULL
    );
    """,
    # 2: what the stored verdicts were decided with (the calendar's fingerprint), so a changed
    # profile takes effect at the next start without waiting for new mail
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 3: the cost of a change follows the change (issue 15): the messages of one sender and
    # the ones matched by content are found by index when addresses or unit names change, and
    # what a change made stale is recorded with the change, so the next update re-decides
    # exactly that (in this process or, after a crash, the next one)
    """
    ALTER TABLE messages ADD COLUMN sender TEXT;      -- the From address, normalised
    ALTER TABLE messages ADD COLUMN match_how TEXT;   -- 'address' | 'content' | NULL (unmatched)
    UPDATE messages SET sender = cchc_normalise_address(from_addr),
                        match_how = json_extract(facts, '$.match.how');
    CREATE INDEX messages_sender ON messages(sender);
    CREATE INDEX messages_match_how ON messages(match_how);
    CREATE INDEX verdicts_unit ON verdicts(unit, disposition);
    CREATE INDEX verdicts_reason ON verdicts(reason);
    CREATE INDEX review_decisions_message ON review_decisions(message_ref, id);
    CREATE TABLE stale_messages (ref INTEGER PRIMARY KEY);  -- their verdicts must be taken again
    CREATE TABLE stale_units (code TEXT PRIMARY KEY);       -- every verdict of these units too
    INSERT INTO stale_messages (ref)
        SELECT id FROM messages WHERE id NOT IN (SELECT message_ref FROM verdicts);
    """,
]


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to the newest schema; return the version it is at.

    Each step runs under BEGIN IMMEDIATE and re-reads the version inside the transaction, so
    several processes or threads opening a fresh store at once apply each migration once.
    """
    conn.create_function("cchc_normalise_address", 1, _normalise, deterministic=True)
    while True:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version > len(MIGRATIONS):
            raise StoreError(
                f"kho dữ liệu ở phiên bản cấu trúc {version}, mới hơn phiên bản {len(MIGRATIONS)} "
                "của chương trình này: nâng cấp cchc-inbox"
            )
        if version == len(MIGRATIONS):
            return version
        if conn.in_transaction:
            conn.commit()
        conn.execute("BEGIN IMMEDIATE")
        try:
            (current,) = conn.execute("PRAGMA user_version").fetchone()
            if current == version:
                for statement in _statements(MIGRATIONS[version]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _normalise(address: str | None) -> str | None:
    return normalise_address(address) if address else None


def _statements(script: str) -> list[str]:
    """Split a migration into statements (sqlite3.complete_statement knows about triggers)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
