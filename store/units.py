"""The unit list and the address book in the store, and what a change to them touches.

A unit import says what it changed (`UnitChanges`) so the pipeline re-matches only the
messages whose match could move, and re-decides only the units whose dates moved.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlite_utils

from cchc.core.units import Unit, normalise_address
from store.repo import now_iso

VERSION = "units_version"  # meta key, see `version`


@dataclass
class UnitChanges:
    """What a unit import changed: addresses that now lead elsewhere (or nowhere), whether any
    name or alias changed (a content match may move), units whose active dates changed (their
    verdicts are marked stale here, in the import's transaction)."""

    addresses: set[str] = field(default_factory=set)
    names: bool = False
    dated: set[str] = field(default_factory=set)


def _row(u: Unit, pos: int) -> tuple[Any, ...]:
    return (
        u.code,
        u.name,
        u.group,
        json.dumps(list(u.aliases), ensure_ascii=False),
        u.active_from.isoformat() if u.active_from else None,
        u.active_until.isoformat() if u.active_until else None,
        u.successor,
        pos,
    )


def sync_units(db: sqlite_utils.Database, units: list[Unit]) -> UnitChanges:
    """Replace the unit list; addresses from the file are replaced, taught ones are kept.
    Units no longer in the file stay (history must stay readable) but lose file addresses."""
    conn = db.conn
    with conn:
        before_book = address_book(db)
        before = {
            code: (name, aliases, af, au)
            for code, name, aliases, af, au in conn.execute(
                "SELECT code, name, aliases, active_from, active_until FROM units"
            )
        }
        conn.execute("DELETE FROM unit_addresses WHERE origin = 'units-file'")
        for pos, u in enumerate(units):
            conn.execute(
                """INSERT INTO units (code, name, grp, aliases, active_from, active_until, successor, position)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(code) DO UPDATE SET name=excluded.name, grp=excluded.grp,
                     aliases=excluded.aliases, active_from=excluded.active_from,
                     active_until=excluded.active_until, successor=excluded.successor,
                     position=excluded.position""",
                _row(u, pos),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO unit_addresses (address, unit_code, origin, created_at) "
                "VALUES (?, ?, 'units-file', ?)",
                [(normalise_address(e), u.code, now_iso()) for e in u.emails],
            )
        after_book = address_book(db)
        changes = UnitChanges()
        changes.addresses = {
            a
            for a in before_book.keys() | after_book.keys()
            if before_book.get(a) != after_book.get(a)
        }
        for u in units:
            row = _row(u, 0)
            old = before.get(u.code)
            changes.names |= old is None or old[:2] != (row[1], row[3])
            if old is not None and old[2:] != (row[4], row[5]):
                changes.dated.add(u.code)
        conn.executemany(
            "INSERT OR IGNORE INTO stale_units (code) VALUES (?)", [(c,) for c in changes.dated]
        )
        _bump_version(conn)
    return changes


def load_units(db: sqlite_utils.Database) -> list[Unit]:
    emails: dict[str, list[str]] = {}
    for address, code in db.conn.execute(
        "SELECT address, unit_code FROM unit_addresses ORDER BY address"
    ):
        emails.setdefault(code, []).append(address)
    out = []
    for row in db.conn.execute(
        "SELECT code, name, grp, aliases, active_from, active_until, successor FROM units ORDER BY position, code"
    ):
        code, name, grp, aliases, af, au, succ = row
        out.append(
            Unit(
                code=code,
                name=name,
                group=grp,
                emails=tuple(emails.get(code, [])),
                aliases=tuple(json.loads(aliases)),
                active_from=date.fromisoformat(af) if af else None,
                active_until=date.fromisoformat(au) if au else None,
                successor=succ,
            )
        )
    return out


def address_book(db: sqlite_utils.Database) -> dict[str, str]:
    return dict(db.conn.execute("SELECT address, unit_code FROM unit_addresses"))


def teach_address(db: sqlite_utils.Database, address: str, unit_code: str) -> bool:
    """Remember that `address` writes for `unit_code` (staff taught it: a unit import keeps
    it); whether that changed where the address leads."""
    key = normalise_address(address)
    with db.conn:
        row = db.conn.execute(
            "SELECT unit_code FROM unit_addresses WHERE address = ?", (key,)
        ).fetchone()
        db.conn.execute(
            "INSERT OR REPLACE INTO unit_addresses (address, unit_code, origin, created_at) VALUES (?, ?, 'taught', ?)",
            (key, unit_code, now_iso()),
        )
        _bump_version(db.conn)
    return row is None or row[0] != unit_code


def version(db: sqlite_utils.Database) -> str | None:
    """Changes with every unit import and every taught address: a long-lived process (the
    mailbox loop) compares it to know that another one (a clerk on the web page) changed
    the units or the address book, and reads them again."""
    row = db.conn.execute("SELECT value FROM meta WHERE key = ?", (VERSION,)).fetchone()
    return str(row[0]) if row else None


def _bump_version(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key) "
        "DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        (VERSION,),
    )


def names_fingerprint(units: list[Unit]) -> str:
    """What content matching depends on: every unit's code, name and aliases."""
    text = json.dumps([(u.code, u.name, list(u.aliases)) for u in units], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
