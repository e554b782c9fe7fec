"""The verdicts in the store, and what is stale: the reads and writes of the decisions.

A change (a new message, a staff decision, a new match, a unit's dates) marks what it made
stale in its own transaction (`stale_messages`, `stale_units`); the next update reads only
what the stale rows need, and writes only the verdicts that changed, in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlite_utils

from cchc.core.verdicts import Verdict
from store.read import chunks

Order = tuple[float, int]  # (received_ts, row id): the decisions' arrival order
Input = tuple[int, float, str, str, str | None, str | None]

_INPUTS = """SELECT m.id, m.received_ts, m.auth, m.facts, d.action, d.unit_code
    FROM messages m LEFT JOIN review_decisions d ON d.id = (
        SELECT id FROM review_decisions WHERE message_ref = m.id ORDER BY id DESC LIMIT 1)"""
_COLUMNS = "message_ref, disposition, reason, unit, period, match, counts, first_ref"


def inputs(db: sqlite_utils.Database, refs: Sequence[int] | None = None) -> Iterator[Input]:
    """(id, received_ts, auth, facts json, latest decision, its unit) for the decider: of
    every message, or only of `refs`."""
    if refs is None:
        yield from db.conn.execute(_INPUTS)
        return
    for part in chunks(sorted(refs)):
        marks = ",".join("?" * len(part))
        yield from db.conn.execute(f"{_INPUTS} WHERE m.id IN ({marks})", part)


def update_facts(db: sqlite_utils.Database, updates: Iterable[tuple[int, str]]) -> None:
    """Facts read again for new report kinds (in the caller's transaction)."""
    db.conn.executemany(
        "UPDATE messages SET facts = ? WHERE id = ?", [(f, ref) for ref, f in updates]
    )


def stale(db: sqlite_utils.Database) -> tuple[set[int], set[str]]:
    """(messages, units) whose verdicts must be taken again. A message is marked in the
    transaction that stores it, so one whose process stopped before deciding it is here."""
    refs = {int(r[0]) for r in db.conn.execute("SELECT ref FROM stale_messages")}
    units = {str(r[0]) for r in db.conn.execute("SELECT code FROM stale_units")}
    return refs, units


def _verdict(row: tuple[Any, ...]) -> Verdict:
    ref, disposition, reason, unit, period, match, counts, first = row
    return Verdict(ref, disposition, reason, unit, period, match, bool(counts), first)


def stored(db: sqlite_utils.Database, refs: Iterable[int] | None = None) -> dict[int, Verdict]:
    """The stored verdicts of `refs` (all of them when None)."""
    if refs is None:
        return {
            v.ref: v for v in map(_verdict, db.conn.execute(f"SELECT {_COLUMNS} FROM verdicts"))
        }
    out: dict[int, Verdict] = {}
    for part in chunks(sorted(set(refs))):
        marks = ",".join("?" * len(part))
        sql = f"SELECT {_COLUMNS} FROM verdicts WHERE message_ref IN ({marks})"
        out.update((v.ref, v) for v in map(_verdict, db.conn.execute(sql, part)))
    return out


def of_units(
    db: sqlite_utils.Database, units: Iterable[str]
) -> Iterator[tuple[int, str, str, str | None, Order]]:
    """(ref, unit, disposition, period, order) of every stored verdict that names these units."""
    for part in chunks(sorted(set(units))):
        marks = ",".join("?" * len(part))
        sql = f"""SELECT v.message_ref, v.unit, v.disposition, v.period, m.received_ts
                  FROM verdicts v JOIN messages m ON m.id = v.message_ref
                  WHERE v.unit IN ({marks})"""
        for ref, unit, disposition, period, ts in db.conn.execute(sql, part):
            yield int(ref), str(unit), str(disposition), period, (float(ts), int(ref))


def write(
    db: sqlite_utils.Database,
    verdicts: Iterable[Verdict],
    *,
    before: dict[int, Verdict],
    done: tuple[set[int], set[str]] | None,
) -> int:
    """Store the verdicts that differ from `before` (updated in place), and clear the stale
    marks that were decided (`done`; None: every mark), in the caller's transaction (the
    decider holds it from reading the marks to here). Returns how many verdicts changed."""
    changed = [v for v in verdicts if before.get(v.ref) != v]
    db.conn.executemany(
        f"""INSERT INTO verdicts ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)
            ON CONFLICT (message_ref) DO UPDATE SET disposition = excluded.disposition,
              reason = excluded.reason, unit = excluded.unit, period = excluded.period,
              match = excluded.match, counts = excluded.counts,
              first_ref = excluded.first_ref""",
        [
            (v.ref, v.disposition, v.reason, v.unit, v.period, v.match, int(v.counts), v.first_ref)
            for v in changed
        ],
    )
    if done is None:
        db.conn.execute("DELETE FROM stale_messages")
        db.conn.execute("DELETE FROM stale_units")
    else:
        refs, units = done
        db.conn.executemany("DELETE FROM stale_messages WHERE ref = ?", [(r,) for r in refs])
        db.conn.executemany("DELETE FROM stale_units WHERE code = ?", [(u,) for u in units])
    return len(changed)
