"""Mailbox progress and service health in SQLite: the `StateStore` of ingest/imap.py.

Why: progress per (account, folder) is the UIDVALIDITY and the highest UID done; the primary
keys of `mailbox_state` and `mailbox_uids` make a repeated save a no-op instead of a second
row, and `last_uid` never goes back within one UIDVALIDITY even when two processes (the
service and a manual `cchc ingest`) overlap. Health rows feed the digest's "is the fetcher
alive" section (SPEC §6): the last successful check and the login failures.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from ingest.imap import DoneUid, FolderState

HEALTH_KINDS = ("check_ok", "login_failed", "error")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class MailboxStateStore:
    """Progress and health over an open store (`App.db`). Each method is one transaction."""

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

    # -- health ----------------------------------------------------------------------------

    def record(self, kind: str, detail: str | None = None, at: datetime | None = None) -> None:
        """Record a health event. Only the latest `check_ok` is kept: a poll every five
        minutes would otherwise add 100,000 rows a year to say the same thing."""
        if kind not in HEALTH_KINDS:
            raise ValueError(f"unknown health kind {kind!r}")
        when = (at or datetime.now(UTC)).isoformat(timespec="seconds")
        with self.conn:
            if kind == "check_ok":
                self.conn.execute(
                    "DELETE FROM health WHERE kind = 'check_ok' AND detail IS ?", (detail,)
                )
            self.conn.execute(
                "INSERT INTO health (at, kind, detail) VALUES (?, ?, ?)", (when, kind, detail)
            )

    def last_check(self, account: str | None = None) -> str | None:
        """ISO time of the last successful mailbox check (of this account, if given)."""
        if account is None:
            row = self.conn.execute("SELECT max(at) FROM health WHERE kind = 'check_ok'").fetchone()
        else:
            row = self.conn.execute(
                "SELECT max(at) FROM health WHERE kind = 'check_ok' AND detail = ?", (account,)
            ).fetchone()
        return row[0] if row else None

    def health_since(self, since: datetime) -> dict[str, Any]:
        """What the digest shows: last good check, login failures and errors since a time."""
        at = since.isoformat(timespec="seconds")
        rows = self.conn.execute(
            "SELECT kind, count(*), max(at) FROM health WHERE at >= ? GROUP BY kind", (at,)
        ).fetchall()
        counts = {kind: (n, last) for kind, n, last in rows}
        last_error = self.conn.execute(
            "SELECT at, kind, detail FROM health WHERE kind != 'check_ok' AND at >= ? "
            "ORDER BY at DESC, id DESC LIMIT 1",
            (at,),
        ).fetchone()
        return {
            "last_check_ok": self.last_check(),
            "login_failures": counts.get("login_failed", (0, None))[0],
            "errors": counts.get("error", (0, None))[0],
            "last_problem": (
                {"at": last_error[0], "kind": last_error[1], "detail": last_error[2]}
                if last_error
                else None
            ),
        }
