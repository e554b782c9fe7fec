"""The service's own health: every mailbox check, refused login and error, in the `health` table.

Why: a mail fetcher that silently stops is the worst failure of this kind of tool (SPEC §6).
The mailbox side writes a row for each outcome; the digest and the web page's health page read
them back. Only the latest `check_ok` per account is kept: a poll every five minutes would
otherwise add 100,000 rows a year to say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from store.read import rows

KINDS = ("check_ok", "login_failed", "error")


def record(
    db: sqlite_utils.Database, kind: str, detail: str | None = None, at: datetime | None = None
) -> None:
    """Record one health event in its own transaction."""
    if kind not in KINDS:
        raise ValueError(f"unknown health kind {kind!r}")
    when = (at or datetime.now(UTC)).isoformat(timespec="seconds")
    with db.conn:
        if kind == "check_ok":
            db.conn.execute("DELETE FROM health WHERE kind = 'check_ok' AND detail IS ?", (detail,))
        db.conn.execute(
            "INSERT INTO health (at, kind, detail) VALUES (?, ?, ?)", (when, kind, detail)
        )


def last_check(db: sqlite_utils.Database, account: str | None = None) -> str | None:
    """ISO time of the last successful mailbox check (of this account, if given)."""
    if account is None:
        row = db.conn.execute("SELECT max(at) FROM health WHERE kind = 'check_ok'").fetchone()
    else:
        row = db.conn.execute(
            "SELECT max(at) FROM health WHERE kind = 'check_ok' AND detail = ?", (account,)
        ).fetchone()
    return row[0] if row else None


@dataclass
class Since:
    """The last successful check ever, and the failures since a moment, oldest first."""

    last_check_ok: datetime | None
    login_failed: list[dict[str, Any]] = field(default_factory=list)  # {at, kind, detail}
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def login_failures(self) -> int:
        return len(self.login_failed)

    @property
    def last_problem(self) -> dict[str, Any] | None:
        problems = sorted(self.login_failed + self.errors, key=lambda r: r["at"])
        return problems[-1] if problems else None


def since(db: sqlite_utils.Database, moment: datetime) -> Since:
    """What the digest shows. Instants are compared after parsing: writers may use different
    offsets, so their text does not sort as time."""
    last_ok = None
    for (at,) in db.conn.execute(
        "SELECT at FROM health WHERE kind = 'check_ok' ORDER BY id DESC LIMIT 50"
    ):
        parsed = parse_instant(at)
        if parsed and (last_ok is None or parsed > last_ok):
            last_ok = parsed
    recent = []
    for at, kind, detail in db.conn.execute(
        "SELECT at, kind, detail FROM health WHERE kind != 'check_ok' ORDER BY id DESC LIMIT 1000"
    ):
        parsed = parse_instant(at)
        if parsed and parsed >= moment:
            recent.append({"at": parsed, "kind": kind, "detail": detail})
    recent.reverse()
    return Since(
        last_check_ok=last_ok,
        login_failed=[r for r in recent if r["kind"] == "login_failed"],
        errors=[r for r in recent if r["kind"] == "error"],
    )


def latest(db: sqlite_utils.Database) -> dict[str, dict[str, Any] | None]:
    """The newest row of each kind (`check_ok`, `login_failed`, `error`), or None."""
    out: dict[str, dict[str, Any] | None] = dict.fromkeys(KINDS)
    for r in rows(
        db,
        "SELECT kind, at, detail FROM health WHERE id IN (SELECT MAX(id) FROM health GROUP BY kind)",
    ):
        out[r["kind"]] = r
    return out


def history(db: sqlite_utils.Database, kind: str, limit: int = 200) -> list[dict[str, Any]]:
    """The latest rows of one kind, newest first."""
    return rows(
        db, "SELECT at, detail FROM health WHERE kind = ? ORDER BY id DESC LIMIT ?", (kind, limit)
    )


def parse_instant(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
