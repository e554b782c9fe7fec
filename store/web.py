"""Reads the staff web page needs beyond the SPEC §5 views: downloads by hash, raw hashes of
messages, the decision history and the outbox listing.

Everything here reads; the only writes the page makes go through the review decisions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import sqlite_utils

from store.read import chunks, rows

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


def raw_hashes(db: sqlite_utils.Database, message_ids: Sequence[str | None]) -> dict[str, str]:
    """Message-ID → SHA-256 of the stored raw message."""
    out: dict[str, str] = {}
    for chunk in chunks(sorted({m for m in message_ids if m})):
        marks = ",".join("?" * len(chunk))
        out.update(
            db.conn.execute(
                f"SELECT message_id, raw_sha256 FROM messages WHERE message_id IN ({marks})", chunk
            )
        )
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
