"""Mailbox progress in SQLite: the `ingest.state.StateStore` the IMAP pass saves through.

Why: progress per (account, folder) is the UIDVALIDITY and the highest UID done; the primary
keys of `mailbox_state` and `mailbox_uids` make a repeated save a no-op instead of a second
row, and `last_uid` never goes back within one UIDVALIDITY even when two processes (the
service and a manual `cchc ingest`) overlap. (The service's health rows: `store.health`.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from ingest.state import DoneUid, FolderState


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class MailboxStateStore:
    """Progress over an open store. Each method is one transaction."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    @property
    def conn(self) -> Any:
        return self.db.conn

    def load(self, account: str, folder: str) -> FolderState | None:
        row = self.conn.execute(
            "SELECT uidvalidity, last_uid FROM mailbox_state WHERE account = ? AND folder = ?",
            (account, folder),
        ).fetchone()
        return FolderState(int(row[0]), int(row[1])) if row else None

    def save(
        self, account: str, folder: str, uidvalidity: int, last_uid: int, done: Sequence[DoneUid]
    ) -> None:
        now = _now()
        with self.conn:
            # Same UIDVALIDITY: last_uid only grows. New UIDVALIDITY: the rescan's value wins.
            self.conn.execute(
                """
                INSERT INTO mailbox_state (account, folder, uidvalidity, last_uid, updated_at)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (account, folder) DO UPDATE SET
                    last_uid = CASE WHEN uidvalidity = excluded.uidvalidity
                                    THEN max(last_uid, excluded.last_uid)
                                    ELSE excluded.last_uid END,
                    uidvalidity = excluded.uidvalidity,
                    updated_at = excluded.updated_at
                """,
                (account, folder, uidvalidity, last_uid, now),
            )
            if done:
                self.conn.executemany(
                    """
                    INSERT INTO mailbox_uids (account, folder, uidvalidity, uid, raw_sha256, gm_msgid)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT DO NOTHING
                    """,
                    [
                        (
                            account,
                            folder,
                            uidvalidity,
                            d.uid,
                            d.raw_sha256,
                            None if d.gm_msgid is None else str(d.gm_msgid),
                        )
                        for d in done
                    ],
                )

    def known_gm_msgids(self, account: str, ids: Sequence[int]) -> set[int]:
        if not ids:
            return set()
        found: set[int] = set()
        wanted = [str(i) for i in ids]
        for i in range(0, len(wanted), 500):
            part = wanted[i : i + 500]
            marks = ",".join("?" * len(part))
            rows = self.conn.execute(
                f"SELECT DISTINCT gm_msgid FROM mailbox_uids WHERE account = ? AND gm_msgid IN ({marks})",
                (account, *part),
            )
            found.update(int(r[0]) for r in rows)
        return found
