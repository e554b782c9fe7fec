"""The stored unit matches: finding the messages a change of addresses or names may move
(by index, not by reading every message), and writing the new matches with their stale mark."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlite_utils

from cchc.core.units import normalise_address
from store.read import chunks
from store.repo import mark_stale, match_how


def from_sender(db: sqlite_utils.Database, address: str) -> set[int]:
    key = normalise_address(address)
    return {int(r[0]) for r in db.conn.execute("SELECT id FROM messages WHERE sender = ?", (key,))}


def not_by_address(db: sqlite_utils.Database) -> set[int]:
    """The messages matched by content or not matched at all."""
    sql = "SELECT id FROM messages WHERE match_how IS NULL OR match_how != 'address'"
    return {int(r[0]) for r in db.conn.execute(sql)}


def facts_of(db: sqlite_utils.Database, refs: set[int] | None) -> Iterator[tuple[int, str]]:
    """(id, facts json) of these messages (of every message when None)."""
    if refs is None:
        yield from db.conn.execute("SELECT id, facts FROM messages")
        return
    for part in chunks(sorted(refs)):
        marks = ",".join("?" * len(part))
        yield from db.conn.execute(f"SELECT id, facts FROM messages WHERE id IN ({marks})", part)


def update(db: sqlite_utils.Database, updates: list[tuple[int, dict[str, Any]]]) -> None:
    """New matches (in their facts), each message marked stale, in one transaction."""
    with db.conn:
        db.conn.executemany(
            "UPDATE messages SET facts = ?, match_how = ? WHERE id = ?",
            [(json.dumps(f, ensure_ascii=False), match_how(f), ref) for ref, f in updates],
        )
        mark_stale(db.conn, (ref for ref, _f in updates))
