"""Reads of the store for the listings, the exports and the staff tools: messages, verdicts
and attachments as plain rows.

Why one module: the SPEC §5 views (`cchc.views`), the exports and the web page read the same
joins of `verdicts` × `messages` and the same attachments; one reader each keeps them from
drifting, and the attachment reader chunks its `IN (…)` list so a year of mail stays under
SQLite's parameter limit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlite_utils

from cchc.core.verdicts import REVIEW_REASONS

CHUNK = 500  # ids per `IN (…)`: SQLite's default limit is 999 parameters


def rows(db: sqlite_utils.Database, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Every row of a query as a dict keyed by column name."""
    cur = db.conn.execute(sql, tuple(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def _marks(n: int) -> str:
    return ",".join("?" * n)


# --- counting messages -----------------------------------------------------------------------


def counting_messages(
    db: sqlite_utils.Database,
    *,
    period: str | None = None,
    year: int | None = None,
    unit: str | None = None,
    before_ts: float | None = None,
) -> list[dict[str, Any]]:
    """Every counting message (first reports and corrections), in arrival order, of a period,
    of a year's periods, of a unit, and/or only those that arrived before `before_ts`.

    Each row: message_ref, unit, period, match, reason, first_ref, message_id, subject,
    from_addr, received_ts, raw_sha256, size.
    """
    sql = """SELECT v.message_ref, v.unit, v.period, v.match, v.reason, v.first_ref,
                    m.message_id, m.subject, m.from_addr, m.received_ts, m.raw_sha256, m.size
             FROM verdicts v JOIN messages m ON m.id = v.message_ref
             WHERE v.counts = 1 AND v.unit IS NOT NULL"""
    params: list[Any] = []
    if period is not None:
        sql += " AND v.period = ?"
        params.append(period)
    if year is not None:
        sql += " AND v.period LIKE ?"
        params.append(f"{year:04d}-%")
    if unit is not None:
        sql += " AND v.unit = ?"
        params.append(unit)
    if before_ts is not None:
        sql += " AND m.received_ts < ?"
        params.append(before_ts)
    return rows(db, sql + " ORDER BY m.received_ts, m.id", params)


def counted_periods(db: sqlite_utils.Database) -> list[str]:
    """Period ids with at least one counting report."""
    return [
        r[0]
        for r in db.conn.execute(
            "SELECT DISTINCT period FROM verdicts WHERE counts = 1 AND period IS NOT NULL"
        )
    ]


# --- attachments -------------------------------------------------------------------------------


_WHOLE = "outline, onestop"
# the outline's coverage without its texts, and whether there is a table without its rows
_SUMMARY = """CASE WHEN outline IS NULL THEN NULL ELSE json_object(
                  'present', json_extract(outline, '$.present'),
                  'missing', json_extract(outline, '$.missing')) END AS outline,
              CASE WHEN onestop IS NULL THEN NULL ELSE '[]' END AS onestop"""


def attachments(
    db: sqlite_utils.Database, refs: Sequence[int], *, content: bool = True
) -> dict[int, list[dict[str, Any]]]:
    """message ref -> its attachments in order. Each: id, filename, sha256, size, kind, format,
    error, container, outline ({present, missing} or None), onestop (rows or None), findings
    (code, level, message, attachment, and detail when there is one), sections (section id ->
    text, or None: for the narrative export). Without `content`, the outline's sections and
    the table's rows are not read (onestop is [] where there is a table): a status needs only
    coverage and findings, and a year of texts and tables is most of the store."""
    out: dict[int, list[dict[str, Any]]] = {}
    for chunk in chunks(sorted(set(refs))):
        marks = _marks(len(chunk))
        atts = rows(
            db,
            f"""SELECT id, message_ref, filename, sha256, size, kind, format, error, container,
                       {_WHOLE if content else _SUMMARY}
                FROM attachments WHERE message_ref IN ({marks}) ORDER BY message_ref, position""",
            chunk,
        )
        finds = rows(
            db,
            f"""SELECT attachment_ref, code, level, message, attachment, detail FROM findings
                WHERE message_ref IN ({marks}) ORDER BY id""",
            chunk,
        )
        by_att: dict[int | None, list[dict[str, Any]]] = {}
        for f in finds:
            item = {k: f[k] for k in ("code", "level", "message", "attachment")}
            if f["detail"]:
                item["detail"] = json.loads(f["detail"])
            by_att.setdefault(f["attachment_ref"], []).append(item)
        for a in atts:
            outline = json.loads(a["outline"]) if a["outline"] else None
            out.setdefault(a["message_ref"], []).append(
                {
                    "id": a["id"],
                    "filename": a["filename"],
                    "sha256": a["sha256"],
                    "size": a["size"],
                    "kind": a["kind"],
                    "format": a["format"],
                    "error": a["error"],
                    "container": a["container"],
                    "outline": (
                        {"present": outline["present"], "missing": outline["missing"]}
                        if outline
                        else None
                    ),
                    "onestop": json.loads(a["onestop"]) if a["onestop"] else None,
                    "findings": by_att.get(a["id"], []),
                    "sections": outline.get("sections") if outline else None,
                }
            )
    return out


def attachment_files(
    db: sqlite_utils.Database, refs: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """message ref -> its files in order (filename, sha256, kind, container): the inventory
    without the parse results, for lists of evidence."""
    out: dict[int, list[dict[str, Any]]] = {}
    for chunk in chunks(sorted(set(refs))):
        sql = f"""SELECT message_ref, filename, sha256, kind, container FROM attachments
                  WHERE message_ref IN ({_marks(len(chunk))}) ORDER BY message_ref, position"""
        for a in rows(db, sql, chunk):
            out.setdefault(a.pop("message_ref"), []).append(a)
    return out


# --- the SPEC §5 listings ------------------------------------------------------------------------


def sightings(db: sqlite_utils.Database, since_ts: float | None) -> list[dict[str, Any]]:
    """One row per sighting of a message received at or after `since_ts`, with its verdict.
    `original` is true for the sighting that stands for the message (see `originals`)."""
    found = rows(
        db,
        """SELECT s.id AS sid, s.source, m.id AS ref, m.message_id, m.from_addr, m.from_name,
                  m.subject, m.received_ts, m.problems, v.disposition, v.reason, v.unit, v.period,
                  v.match
           FROM sightings s JOIN messages m ON m.id = s.message_ref
           LEFT JOIN verdicts v ON v.message_ref = m.id
           WHERE m.received_ts >= ? ORDER BY m.received_ts, s.id""",
        (since_ts if since_ts is not None else float("-inf"),),
    )
    first = originals(db)
    for r in found:
        r["original"] = first[r["ref"]] == r["sid"]
    return found


def originals(db: sqlite_utils.Database) -> dict[int, int]:
    """message ref -> the sighting that stands for it: of several sightings of one message,
    one of the stored bytes, then the smallest source, so the import order does not matter."""
    best: dict[int, tuple[bool, str, int]] = {}
    for sid, source, ref, other in db.conn.execute(
        """SELECT s.id, s.source, s.message_ref, s.raw_sha256 != m.raw_sha256
           FROM sightings s JOIN messages m ON m.id = s.message_ref"""
    ):
        key = (bool(other), source, sid)
        if ref not in best or key < best[ref]:
            best[ref] = key
    return {ref: key[2] for ref, key in best.items()}


def review_items(
    db: sqlite_utils.Database,
    *,
    reason: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The review queue in arrival order (one reason's items, one page of them when asked),
    with each message's id, raw hash and match candidates (JSON)."""
    reasons = (reason,) if reason else REVIEW_REASONS
    page = "LIMIT ? OFFSET ?" if limit is not None else ""
    params = [*reasons, *((limit, offset) if limit is not None else ())]
    return rows(
        db,
        f"""SELECT m.id AS ref, m.raw_sha256, m.message_id, m.from_addr, m.from_name, m.subject,
                   m.received_ts, json_extract(m.facts, '$.match.candidates') AS candidates,
                   v.reason, v.unit, v.period, v.disposition
            FROM verdicts v JOIN messages m ON m.id = v.message_ref
            WHERE v.reason IN ({_marks(len(reasons))}) ORDER BY m.received_ts, m.id {page}""",
        params,
    )


def review_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """How many items wait for each reason."""
    sql = f"""SELECT reason, COUNT(*) FROM verdicts WHERE reason IN ({_marks(len(REVIEW_REASONS))})
              GROUP BY reason"""
    return {str(r): int(n) for r, n in db.conn.execute(sql, REVIEW_REASONS)}


def in_review(db: sqlite_utils.Database, ref: int) -> bool:
    return (
        db.conn.execute(
            f"SELECT 1 FROM verdicts WHERE message_ref = ? AND reason IN ({_marks(len(REVIEW_REASONS))})",
            (ref, *REVIEW_REASONS),
        ).fetchone()
        is not None
    )


def review_count(db: sqlite_utils.Database) -> int:
    (n,) = db.conn.execute(
        f"SELECT COUNT(*) FROM verdicts WHERE reason IN ({_marks(len(REVIEW_REASONS))})",
        REVIEW_REASONS,
    ).fetchone()
    return int(n)


# --- single messages ----------------------------------------------------------------------------


def message_ref(db: sqlite_utils.Database, message_id: str) -> int | None:
    row = db.conn.execute("SELECT id FROM messages WHERE message_id = ?", (message_id,)).fetchone()
    return int(row[0]) if row else None


def message_exists(db: sqlite_utils.Database, ref: int) -> bool:
    return db.conn.execute("SELECT 1 FROM messages WHERE id = ?", (ref,)).fetchone() is not None


def raw_of(db: sqlite_utils.Database, ref: int) -> str | None:
    """The SHA-256 of a message's bytes of record."""
    row = db.conn.execute("SELECT raw_sha256 FROM messages WHERE id = ?", (ref,)).fetchone()
    return row[0] if row else None


def message_of_raw(db: sqlite_utils.Database, digest: str) -> int | None:
    """The message any sighting of these bytes belongs to (a copy cut short included)."""
    row = db.conn.execute(
        "SELECT message_ref FROM sightings WHERE raw_sha256 = ? ORDER BY id LIMIT 1", (digest,)
    ).fetchone()
    return int(row[0]) if row else None


def sender_of(db: sqlite_utils.Database, ref: int) -> str | None:
    row = db.conn.execute("SELECT from_addr FROM messages WHERE id = ?", (ref,)).fetchone()
    return row[0] if row else None


def received_range(db: sqlite_utils.Database) -> tuple[float | None, float | None]:
    """Epoch seconds of the first and the last received message (None, None when empty)."""
    first, last = db.conn.execute(
        "SELECT MIN(received_ts), MAX(received_ts) FROM messages"
    ).fetchone()
    return first, last


def message_count(db: sqlite_utils.Database) -> int:
    return int(db.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0])
