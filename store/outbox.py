"""The outbox's SQL, and the few reads the mail planner needs (acks due, digest facts).

At-most-once sending is a matter of state transitions the database arbitrates:
`queued` → `sending` (a claim: an UPDATE that only one worker can win) → `sent` | `queued`
(retry later) | `failed`. The key is UNIQUE, so queueing the same mail twice is refused by the
database; a row left in `sending` by a crash is never retried blindly (it may have gone out).
Instants are stored as UTC ISO 8601 with seconds, so text order is time order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from store.read import rows


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class NewMail:
    key: str
    kind: str
    to: Sequence[str]
    unit: str | None
    period: str | None
    subject: str
    body_text: str
    body_html: str | None
    attachments: list[dict[str, Any]]  # {"filename", "content_type", "data_b64"}
    priority: int


def enqueue(db: sqlite_utils.Database, mails: Iterable[NewMail], now: datetime) -> list[str]:
    """Insert each mail under its key unless the key exists; return the keys actually added."""
    added = []
    with db.conn:
        for m in mails:
            cur = db.conn.execute(
                """INSERT OR IGNORE INTO outbox (key, kind, to_addrs, unit, period, subject, body_text,
                   body_html, attachments, priority, status, attempts, next_attempt_at, created_at)
                   VALUES (?,?,?,?,?,?,?,?,?,?, 'queued', 0, ?, ?)""",
                (
                    m.key,
                    m.kind,
                    json.dumps(list(m.to), ensure_ascii=False),
                    m.unit,
                    m.period,
                    m.subject,
                    m.body_text,
                    m.body_html,
                    json.dumps(m.attachments),
                    m.priority,
                    utc_iso(now),
                    utc_iso(now),
                ),
            )
            if cur.rowcount:
                added.append(m.key)
    return added


def existing_keys(db: sqlite_utils.Database, keys: Sequence[str]) -> dict[str, str]:
    """key → status for the keys already in the outbox."""
    out: dict[str, str] = {}
    for start in range(0, len(keys), 500):
        chunk = list(keys[start : start + 500])
        marks = ",".join("?" * len(chunk))
        out.update(
            db.conn.execute(
                f"SELECT key, status FROM outbox WHERE key IN ({marks})", chunk
            ).fetchall()
        )
    return out


def due_rows(db: sqlite_utils.Database, now: datetime) -> list[dict[str, Any]]:
    """Queued mail whose next attempt is due, most important first, then oldest."""
    return rows(
        db,
        """SELECT * FROM outbox WHERE status = 'queued' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
           ORDER BY priority, created_at, id""",
        (utc_iso(now),),
    )


def claim(db: sqlite_utils.Database, row_id: int, now: datetime) -> bool:
    """Take a queued row for sending; False if another worker (or process) took it first."""
    with db.conn:
        cur = db.conn.execute(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = ? WHERE id = ? AND status = 'queued'",
            (utc_iso(now), row_id),
        )
    return cur.rowcount == 1


def mark_sent(db: sqlite_utils.Database, row_id: int, now: datetime, reply: str) -> None:
    with db.conn:
        db.conn.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, server_reply = ?, last_error = NULL WHERE id = ?",
            (utc_iso(now), reply, row_id),
        )


def mark_retry(db: sqlite_utils.Database, row_id: int, next_at: datetime, error: str) -> None:
    with db.conn:
        db.conn.execute(
            "UPDATE outbox SET status = 'queued', next_attempt_at = ?, last_error = ? WHERE id = ?",
            (utc_iso(next_at), error, row_id),
        )


def mark_failed(db: sqlite_utils.Database, row_id: int, error: str) -> None:
    with db.conn:
        db.conn.execute(
            "UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?", (error, row_id)
        )


def abandon_stale_sending(db: sqlite_utils.Database, before: datetime) -> int:
    """Rows claimed before `before` and never settled: the process died mid-send.

    They may have reached the server, so they are marked failed (visible in the digest), not
    retried: a duplicate reminder to a commune is worse than a missing one staff can resend.
    """
    with db.conn:
        cur = db.conn.execute(
            """UPDATE outbox SET status = 'failed',
                 last_error = 'interrupted while sending; not retried so it cannot arrive twice'
               WHERE status = 'sending' AND next_attempt_at < ?""",
            (utc_iso(before),),
        )
    return cur.rowcount


def recipients_sent_since(db: sqlite_utils.Database, since: datetime) -> int:
    """Recipients of mail sent at or after `since`: what the daily budget counts."""
    (n,) = db.conn.execute(
        "SELECT COALESCE(SUM(json_array_length(to_addrs)), 0) FROM outbox WHERE status = 'sent' AND sent_at >= ?",
        (utc_iso(since),),
    ).fetchone()
    return int(n)


def status_counts(db: sqlite_utils.Database) -> dict[str, int]:
    return dict(db.conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())


def get(db: sqlite_utils.Database, key: str) -> dict[str, Any] | None:
    found = rows(db, "SELECT * FROM outbox WHERE key = ?", (key,))
    return found[0] if found else None


# --- reads for the planner ------------------------------------------------------------------


def ack_candidates(
    db: sqlite_utils.Database, since_ts: float, until_ts: float
) -> list[dict[str, Any]]:
    """Counted reports and attachment-less report mail received in [since, until); `queued` tells
    whether their ack is already in the outbox (so the caller can skip working out its words)."""
    return rows(
        db,
        """SELECT m.id AS ref, m.message_id, m.raw_sha256, m.from_addr, m.subject, m.received_ts,
                  v.disposition, v.reason, v.unit, v.period, v.counts, v.first_ref,
                  EXISTS (SELECT 1 FROM outbox o WHERE o.key =
                      CASE WHEN m.message_id IS NOT NULL THEN 'ack:' || m.message_id
                           ELSE 'ack:sha256:' || m.raw_sha256 END) AS queued
           FROM messages m JOIN verdicts v ON v.message_ref = m.id
           WHERE m.received_ts >= ? AND m.received_ts < ?
             AND (v.counts = 1 OR v.reason = 'no_attachment') AND v.unit IS NOT NULL
           ORDER BY m.received_ts, m.id""",
        (since_ts, until_ts),
    )


def first_report_ts(db: sqlite_utils.Database, unit: str, period: str) -> float | None:
    row = db.conn.execute(
        """SELECT MIN(m.received_ts) FROM verdicts v JOIN messages m ON m.id = v.message_ref
           WHERE v.counts = 1 AND v.unit = ? AND v.period = ?""",
        (unit, period),
    ).fetchone()
    return row[0] if row else None


def counted_units(db: sqlite_utils.Database, period: str, until_ts: float) -> set[str]:
    """Units with a counting report for `period` received before `until`."""
    return {
        r[0]
        for r in db.conn.execute(
            """SELECT DISTINCT v.unit FROM verdicts v JOIN messages m ON m.id = v.message_ref
               WHERE v.counts = 1 AND v.period = ? AND m.received_ts < ?""",
            (period, until_ts),
        )
    }


def findings_between(
    db: sqlite_utils.Database, since_ts: float, until_ts: float
) -> list[dict[str, Any]]:
    """Error-level findings on counting reports received in [since, until): the digest's parse problems."""
    return rows(
        db,
        """SELECT m.message_id, m.from_addr, m.subject, m.received_ts, v.unit, v.period,
                  f.code, f.level, f.message, f.attachment
           FROM findings f JOIN messages m ON m.id = f.message_ref JOIN verdicts v ON v.message_ref = m.id
           WHERE m.received_ts >= ? AND m.received_ts < ? AND f.level = 'error'
           ORDER BY m.received_ts, f.id""",
        (since_ts, until_ts),
    )


def record_from_journal(
    db: sqlite_utils.Database,
    key: str,
    status: str,
    fields: dict[str, Any],
) -> None:
    """An outbox row rebuilt from the archive's journal (`sent`, or `failed`: it may have left):
    its key is taken, so the same mail is never queued, let alone sent, again."""
    with db.conn:
        db.conn.execute(
            """INSERT INTO outbox (key, kind, to_addrs, unit, period, subject, body_text,
                   attachments, priority, status, attempts, sent_at, last_error, created_at)
               VALUES (?, ?, ?, ?, ?, ?, '', '[]', 5, ?, 1, ?, ?, ?)
               ON CONFLICT (key) DO UPDATE SET status = excluded.status""",
            (
                key,
                fields.get("kind") or "?",
                json.dumps(list(fields.get("to") or []), ensure_ascii=False),
                fields.get("unit"),
                fields.get("period"),
                fields.get("subject") or "",
                status,
                fields.get("at") if status == "sent" else None,
                None if status == "sent" else "rebuilt from the archive: may have been sent",
                fields.get("at") or utc_iso(datetime.now(UTC)),
            ),
        )
