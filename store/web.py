"""Read-only queries the staff web page needs beyond `cchc.views`: downloads by hash, the
review queue's message keys and files, decision history, the outbox and the health table.

Everything here reads; the only writes the page makes go through `App.review_decide`.
"""

from __future__ import annotations

import json
import re
from typing import Any

import sqlite_utils

from cchc.decide import REVIEW_REASONS
from store.repo import rows

_SHA = re.compile(r"[0-9a-f]{64}")


def attachment_by_sha(db: sqlite_utils.Database, digest: str) -> dict[str, Any] | None:
    """The first stored attachment with this content hash (its name as the sender gave it)."""
    if not _SHA.fullmatch(digest):
        return None
    found = rows(
        db,
        "SELECT sha256, filename, size, content_type FROM attachments WHERE sha256 = ? ORDER BY id LIMIT 1",
        (digest,),
    )
    return found[0] if found else None


def message_by_raw_sha(db: sqlite_utils.Database, digest: str) -> dict[str, Any] | None:
    """The stored message whose raw bytes have this hash (for the evidence .eml download)."""
    if not _SHA.fullmatch(digest):
        return None
    found = rows(
        db,
        "SELECT id, raw_sha256, message_id, subject, received_at FROM messages WHERE raw_sha256 = ?",
        (digest,),
    )
    return found[0] if found else None


def raw_hashes(db: sqlite_utils.Database, message_ids: list[str]) -> dict[str, str]:
    """Message-ID → SHA-256 of the stored raw message."""
    ids = [m for m in message_ids if m]
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return dict(
        db.conn.execute(
            f"SELECT message_id, raw_sha256 FROM messages WHERE message_id IN ({marks})", tuple(ids)
        )
    )


def review_keys(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The queue's messages in the order of `cchc.views.review`, with their internal id and raw
    hash: a message without a Message-ID can still be decided (by id) and downloaded."""
    marks = ",".join("?" * len(REVIEW_REASONS))
    return rows(
        db,
        f"""SELECT m.id AS ref, m.message_id, m.raw_sha256 FROM verdicts v JOIN messages m ON m.id = v.message_ref
            WHERE v.reason IN ({marks}) ORDER BY m.received_ts, m.id""",
        REVIEW_REASONS,
    )


def attachments_of(db: sqlite_utils.Database, refs: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Files of these messages (so staff can open the document before deciding)."""
    if not refs:
        return {}
    marks = ",".join("?" * len(refs))
    out: dict[int, list[dict[str, Any]]] = {}
    for r in rows(
        db,
        f"""SELECT message_ref, filename, sha256, size, kind, container FROM attachments
            WHERE message_ref IN ({marks}) ORDER BY message_ref, position""",
        tuple(refs),
    ):
        out.setdefault(r.pop("message_ref"), []).append(r)
    return out


def recent_decisions(db: sqlite_utils.Database, limit: int = 30) -> list[dict[str, Any]]:
    """The latest staff decisions, who and when: the review's audit trail."""
    return rows(
        db,
        """SELECT d.action, d.unit_code, d.decided_by, d.decided_at, m.message_id, m.from_addr, m.subject
           FROM review_decisions d JOIN messages m ON m.id = d.message_ref
           ORDER BY d.id DESC LIMIT ?""",
        (limit,),
    )


def outbox(db: sqlite_utils.Database, limit: int = 200) -> list[dict[str, Any]]:
    """Outgoing mail, newest first, `to_addrs` decoded. Bodies are left out (they can be long)."""
    out = rows(
        db,
        """SELECT id, key, kind, to_addrs, unit, period, subject, priority, status, attempts,
                  next_attempt_at, sent_at, server_reply, last_error, created_at
           FROM outbox ORDER BY id DESC LIMIT ?""",
        (limit,),
    )
    for r in out:
        try:
            to = json.loads(r["to_addrs"])
        except (TypeError, ValueError):
            to = [r["to_addrs"]] if r["to_addrs"] else []
        r["to"] = to if isinstance(to, list) else [str(to)]
    return out


def outbox_counts(db: sqlite_utils.Database) -> dict[str, int]:
    return dict(db.conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status"))


def health_latest(db: sqlite_utils.Database) -> dict[str, dict[str, Any] | None]:
    """The newest row of each health kind (`check_ok`, `login_failed`, `error`)."""
    out: dict[str, dict[str, Any] | None] = {"check_ok": None, "login_failed": None, "error": None}
    for r in rows(
        db,
        "SELECT h.kind, h.at, h.detail FROM health h WHERE h.id IN (SELECT MAX(id) FROM health GROUP BY kind)",
    ):
        out[r["kind"]] = r
    return out


def health_rows(db: sqlite_utils.Database, kind: str, limit: int = 200) -> list[dict[str, Any]]:
    return rows(
        db, "SELECT at, detail FROM health WHERE kind = ? ORDER BY id DESC LIMIT ?", (kind, limit)
    )


def received_range(db: sqlite_utils.Database) -> tuple[float | None, float | None]:
    """Epoch seconds of the first and the last received message (None, None when empty)."""
    first, last = db.conn.execute(
        "SELECT MIN(received_ts), MAX(received_ts) FROM messages"
    ).fetchone()
    return first, last


def message_count(db: sqlite_utils.Database) -> int:
    return int(db.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0])
