"""Queries of the exports (`cchc.exports`): counting messages with their files, read whole.

The views (`cchc.views`) shape what the CLI and JSON show and strip private fields; the
exports need more of the same rows — the per-section text of outline reports, the raw
message's SHA-256 for the evidence list — so they read the store here, in one place.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from store.repo import rows


def counting_messages(
    db: sqlite_utils.Database,
    *,
    period: str | None = None,
    year: int | None = None,
    before_ts: float | None = None,
) -> list[dict[str, Any]]:
    """Every counting message (first reports and corrections) of a period or of a year's
    periods, in arrival order, optionally only those that arrived before `before_ts`.

    Each row: message_ref, unit, period, match, first_ref, message_id, subject, from_addr,
    received_ts, raw_sha256, size.
    """
    sql = """SELECT v.message_ref, v.unit, v.period, v.match, v.first_ref, m.message_id,
                    m.subject, m.from_addr, m.received_ts, m.raw_sha256, m.size
             FROM verdicts v JOIN messages m ON m.id = v.message_ref
             WHERE v.counts = 1 AND v.unit IS NOT NULL"""
    params: list[Any] = []
    if period is not None:
        sql += " AND v.period = ?"
        params.append(period)
    if year is not None:
        sql += " AND v.period LIKE ?"
        params.append(f"{year:04d}-%")
    if before_ts is not None:
        sql += " AND m.received_ts < ?"
        params.append(before_ts)
    return rows(db, sql + " ORDER BY m.received_ts, m.id", tuple(params))


def attachments_of(db: sqlite_utils.Database, refs: list[int]) -> dict[int, list[dict[str, Any]]]:
    """message_ref -> its attachments in order, with `outline` ({present, missing} or None),
    `sections` (section id -> text, or None), `onestop` (rows or None) and `findings`."""
    if not refs:
        return {}
    out: dict[int, list[dict[str, Any]]] = {}
    for chunk in _chunks(sorted(set(refs)), 500):
        marks = ",".join("?" * len(chunk))
        atts = rows(
            db,
            f"""SELECT id, message_ref, position, filename, sha256, size, kind, format, container,
                       error, outline, onestop
                FROM attachments WHERE message_ref IN ({marks}) ORDER BY message_ref, position""",
            tuple(chunk),
        )
        finds = rows(
            db,
            f"""SELECT attachment_ref, code, level, message, attachment FROM findings
                WHERE message_ref IN ({marks}) ORDER BY id""",
            tuple(chunk),
        )
        by_att: dict[int | None, list[dict[str, Any]]] = {}
        for f in finds:
            ref = f.pop("attachment_ref")
            by_att.setdefault(ref, []).append(f)
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
                    "container": a["container"],
                    "error": a["error"],
                    "outline": (
                        {"present": outline["present"], "missing": outline["missing"]}
                        if outline
                        else None
                    ),
                    "sections": (outline or {}).get("sections"),
                    "onestop": json.loads(a["onestop"]) if a["onestop"] else None,
                    "findings": by_att.get(a["id"], []),
                }
            )
    return out


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
