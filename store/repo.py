"""Writes of the store (messages, units, decisions, verdicts) and the reads the pipeline needs.

One transaction per message; idempotency by UNIQUE constraints (the sighting's source, the raw
SHA-256, the Message-ID): a repeated write is refused by the database, not by a pre-check.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from cchc.core.errors import StoreError
from cchc.core.units import normalise_address
from store.archive import Archive
from store.schema import migrate


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


SQLITE_MAGIC = b"SQLite format 3\x00"
QUICK_CHECK_MAX = 256 * 1024 * 1024  # bigger stores: the header and schema are checked only
CHECK_EVERY = timedelta(days=1)  # a store is read whole (quick_check) at most this often
CHECKED_AT = "store_checked_at"  # meta key: when the store was last read whole and found sound
_checked: set[Path] = set()  # stores checked by this process


def open_db(path: Path, archive: Archive | None = None) -> sqlite_utils.Database:
    """Open (create, migrate) the store. Refused, with one line naming the file and pointing
    at `cchc rebuild`, when the file is damaged or not a store of ours, and when it is
    missing or empty while the archive holds messages: it is "new" only with the archive.

    Every open checks the header (a cut file is found without reading it); the whole store is
    read (`PRAGMA quick_check`) once a day, so a short command costs the same on a store of
    100 messages as on one of 40,000. Damage met later is still one line (the CLI says so)."""
    path = Path(path)
    fresh = not path.exists() or path.stat().st_size == 0
    if fresh and archive is not None and archive.holds_messages():
        raise StoreError(
            f"kho dữ liệu {path} không có hoặc rỗng, trong khi kho lưu trữ {archive.root} còn "
            "thư: chạy `cchc rebuild` để dựng lại kho dữ liệu từ kho lưu trữ"
        )
    # Checked once per process, before any connection to it exists here: opening the file
    # with plain I/O and closing it would drop the POSIX locks SQLite holds on it for the
    # process's other connections (and a WAL file could be checkpointed away under them).
    check = not fresh and path not in _checked
    if check:
        _check_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(str(path), timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        if check:
            _check_ours(conn, path)
        migrate(conn)
        if check and _whole_check_due(conn, path):
            check_whole(conn, path)
    except sqlite3.DatabaseError as exc:
        raise damaged(path, exc) from None
    _checked.add(path)
    return sqlite_utils.Database(conn)


def damaged(path: Path, exc: BaseException) -> StoreError:
    return StoreError(
        f"kho dữ liệu {path} bị hỏng ({exc}): chạy `cchc rebuild` để dựng lại từ kho lưu trữ"
    )


def _check_file(path: Path) -> None:
    """The header: an SQLite file, and not shorter than the pages it says it holds."""
    with open(path, "rb") as fh:
        head = fh.read(100)
    if head[: len(SQLITE_MAGIC)] != SQLITE_MAGIC:
        raise StoreError(
            f"{path} không phải kho dữ liệu của cchc (không phải tệp SQLite): kiểm tra "
            "store.path, hoặc chạy `cchc rebuild` để dựng lại kho từ kho lưu trữ"
        )
    if len(head) < 100:
        raise damaged(path, sqlite3.DatabaseError("tệp bị cắt ngắn"))
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    counter_valid = head[24:28] == head[92:96]  # the in-header size is current
    if counter_valid and pages * page_size > path.stat().st_size:
        raise damaged(path, sqlite3.DatabaseError("tệp ngắn hơn số trang ghi ở đầu tệp"))


def _check_ours(conn: sqlite3.Connection, path: Path) -> None:
    """A database of another program (tables, but none of ours) is refused."""
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version == 0 and tables:
        raise StoreError(
            f"{path} là cơ sở dữ liệu của chương trình khác (không có bảng của cchc): kiểm tra "
            "store.path"
        )


def _whole_check_due(conn: sqlite3.Connection, path: Path) -> bool:
    if path.stat().st_size > QUICK_CHECK_MAX:
        return False
    rows = conn.execute("SELECT value FROM meta WHERE key = ?", (CHECKED_AT,)).fetchall()
    if not rows:
        return True
    row = rows[0]
    try:
        last = datetime.fromisoformat(row[0])
    except ValueError:
        return True
    return not timedelta(0) <= datetime.now(UTC) - last < CHECK_EVERY


def check_whole(conn: sqlite3.Connection, path: Path) -> None:
    """Read the whole store (`PRAGMA quick_check`); remember when it was found sound."""
    # fetchall: a statement left unfinished keeps its read transaction open, and the write
    # below could then not wait its turn behind another process ("database is locked")
    (result,), *_more = conn.execute("PRAGMA quick_check").fetchall()
    if result != "ok":
        raise damaged(path, sqlite3.DatabaseError(result))
    with conn:
        _put_meta(conn, CHECKED_AT, now_iso())


# --- messages -----------------------------------------------------------------------------


def sender_key(from_addr: str | None) -> str | None:
    """The From address as the address book knows it (indexed: one sender's messages)."""
    return normalise_address(from_addr) if from_addr else None


def match_how(facts: dict[str, Any]) -> str | None:
    """How the stored match was made (indexed: the content-matched and unmatched messages)."""
    how = (facts.get("match") or {}).get("how")
    return str(how) if how else None


def mark_stale(conn: sqlite3.Connection, refs: Iterable[int]) -> None:
    """These messages' verdicts must be taken again (inside the change's own transaction)."""
    conn.executemany("INSERT OR IGNORE INTO stale_messages (ref) VALUES (?)", [(r,) for r in refs])


@dataclass
class NewMessage:
    raw_sha256: str
    message_id: str | None
    from_addr: str
    from_name: str
    subject: str
    date_header: str | None
    received_at: str
    received_ts: float
    received_from: str
    body_text: str
    size: int
    auth: str
    auth_detail: str | None
    problems: list[str]
    facts: dict[str, Any]


@dataclass
class NewAttachment:
    position: int
    filename: str
    safe_name: str
    sha256: str
    size: int
    content_type: str | None
    container: str | None
    format: str | None
    kind: str
    error: str | None
    header_block: str
    title: str
    outline: dict[str, Any] | None
    onestop: list[dict[str, Any]] | None
    findings: list[dict[str, Any]]


def source_seen(db: sqlite_utils.Database, source: str) -> bool:
    return (
        db.conn.execute("SELECT 1 FROM sightings WHERE source = ?", (source,)).fetchone()
        is not None
    )


def find_existing(db: sqlite_utils.Database, raw_sha256: str, message_id: str | None) -> int | None:
    row = db.conn.execute("SELECT id FROM messages WHERE raw_sha256 = ?", (raw_sha256,)).fetchone()
    if row is None and message_id:
        row = db.conn.execute(
            "SELECT id FROM messages WHERE message_id = ?", (message_id,)
        ).fetchone()
    return row[0] if row else None


def store_message(
    db: sqlite_utils.Database,
    msg: NewMessage,
    attachments: list[NewAttachment],
    source: str,
) -> tuple[int, bool]:
    """Store one message, its attachments, findings and sighting in one transaction.

    Returns (message id, True if the message is new). A second sighting of a known message
    (same raw bytes or same Message-ID) only adds the sighting; a known source adds nothing.
    """
    conn = db.conn
    with conn:
        created = now_iso()
        try:
            row = {
                **_content(msg),
                "message_id": msg.message_id,
                "received_at": msg.received_at,
                "received_ts": msg.received_ts,
                "received_from": msg.received_from,
                "first_source": source,
                "created_at": created,
            }
            cur = conn.execute(
                f"INSERT INTO messages ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()),
            )
            ref = int(cur.lastrowid)  # type: ignore[arg-type]
            new = True
        except sqlite3.IntegrityError:
            existing = find_existing(db, msg.raw_sha256, msg.message_id)
            if existing is None:
                raise
            ref, new = existing, False
        if new:
            _insert_attachments(conn, ref, attachments)
            mark_stale(conn, [ref])
        conn.execute(
            "INSERT OR IGNORE INTO sightings (source, message_ref, raw_sha256, seen_at) VALUES (?,?,?,?)",
            (source, ref, msg.raw_sha256, created),
        )
    return ref, new


def _content(msg: NewMessage) -> dict[str, Any]:
    """The columns a message's bytes decide (its arrival and first source are its own)."""
    return {
        "raw_sha256": msg.raw_sha256,
        "from_addr": msg.from_addr,
        "sender": sender_key(msg.from_addr),
        "match_how": match_how(msg.facts),
        "from_name": msg.from_name,
        "subject": msg.subject,
        "date_header": msg.date_header,
        "body_text": msg.body_text,
        "size": msg.size,
        "auth": msg.auth,
        "auth_detail": msg.auth_detail,
        "problems": json.dumps(msg.problems, ensure_ascii=False),
        "facts": json.dumps(msg.facts, ensure_ascii=False),
    }


def _insert_attachments(
    conn: sqlite3.Connection, ref: int, attachments: list[NewAttachment]
) -> None:
    """A new message's attachments and their findings (inside the caller's transaction)."""
    for a in attachments:
        cur = conn.execute(
            """INSERT INTO attachments (message_ref, position, filename, safe_name, sha256, size,
               content_type, container, format, kind, error, header_block, title, outline, onestop)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
            (
                ref,
                a.position,
                a.filename,
                a.safe_name,
                a.sha256,
                a.size,
                a.content_type,
                a.container,
                a.format,
                a.kind,
                a.error,
                a.header_block,
                a.title,
                json.dumps(a.outline, ensure_ascii=False) if a.outline is not None else None,
                json.dumps(a.onestop, ensure_ascii=False) if a.onestop is not None else None,
            ),
        )
        att_ref = cur.lastrowid
        for f in a.findings:
            conn.execute(
                "INSERT INTO findings (message_ref, attachment_ref, code, level, message, attachment, detail) VALUES (?,?,?,?,?,?,?)",
                (
                    ref,
                    att_ref,
                    f["code"],
                    f["level"],
                    f["message"],
                    f.get("attachment"),
                    json.dumps(f.get("detail"), ensure_ascii=False) if f.get("detail") else None,
                ),
            )


def add_sighting(db: sqlite_utils.Database, ref: int, source: str, raw_sha256: str) -> None:
    """Another sighting of a stored message (same bytes or same Message-ID). A known source
    is refused by its UNIQUE constraint and adds nothing."""
    with db.conn:
        db.conn.execute(
            "INSERT OR IGNORE INTO sightings (source, message_ref, raw_sha256, seen_at) VALUES (?,?,?,?)",
            (source, ref, raw_sha256, now_iso()),
        )


def is_cut(db: sqlite_utils.Database, ref: int, mark: str) -> bool:
    """Whether the stored copy of a message carries `mark` among its problems."""
    row = db.conn.execute("SELECT problems FROM messages WHERE id = ?", (ref,)).fetchone()
    return bool(row) and mark in json.loads(row[0])


def replace_message(
    db: sqlite_utils.Database,
    ref: int,
    msg: NewMessage,
    attachments: list[NewAttachment],
    source: str,
) -> None:
    """A complete copy takes the place of a copy cut short, in one transaction: the row's
    bytes, headers, text, facts and attachments become the complete copy's, its arrival stays
    the first one's, and both sightings stay (the archive keeps both copies)."""
    conn = db.conn
    with conn:
        content = _content(msg)
        sets = ", ".join(f"{column} = ?" for column in content)
        conn.execute(f"UPDATE messages SET {sets} WHERE id = ?", (*content.values(), ref))
        conn.execute("DELETE FROM findings WHERE message_ref = ?", (ref,))
        conn.execute("DELETE FROM attachments WHERE message_ref = ?", (ref,))
        _insert_attachments(conn, ref, attachments)
        conn.execute(
            "INSERT OR IGNORE INTO sightings (source, message_ref, raw_sha256, seen_at) VALUES (?,?,?,?)",
            (source, ref, msg.raw_sha256, now_iso()),
        )
        mark_stale(conn, [ref])


def stored_raw(db: sqlite_utils.Database) -> list[tuple[int, str]]:
    """(message id, raw SHA-256) of every stored message, in arrival order."""
    return [
        (int(r[0]), str(r[1]))
        for r in db.conn.execute("SELECT id, raw_sha256 FROM messages ORDER BY received_ts, id")
    ]


def replace_content(
    db: sqlite_utils.Database,
    ref: int,
    attachments: list[NewAttachment],
    facts: dict[str, Any],
) -> None:
    """A message read again (new templates): its attachments, findings and facts replaced in
    one transaction; the message itself — its bytes, arrival, sightings — stays as it is."""
    conn = db.conn
    with conn:
        conn.execute("DELETE FROM findings WHERE message_ref = ?", (ref,))
        conn.execute("DELETE FROM attachments WHERE message_ref = ?", (ref,))
        _insert_attachments(conn, ref, attachments)
        conn.execute(
            "UPDATE messages SET facts = ?, match_how = ? WHERE id = ?",
            (json.dumps(facts, ensure_ascii=False), match_how(facts), ref),
        )
        mark_stale(conn, [ref])


def record_decision(
    db: sqlite_utils.Database, ref: int, action: str, unit: str | None, who: str
) -> None:
    with db.conn:
        db.conn.execute(
            "INSERT INTO review_decisions (message_ref, action, unit_code, decided_by, decided_at) VALUES (?,?,?,?,?)",
            (ref, action, unit, who, now_iso()),
        )
        mark_stale(db.conn, [ref])


def get_meta(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    with db.conn:
        _put_meta(db.conn, key, value)


def _put_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
