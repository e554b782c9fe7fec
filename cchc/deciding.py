"""Keeping the verdicts up to date: after a change, only what the change touched is decided
again; `refresh` decides everything (`cchc refresh`, a new calendar, a recheck).

Why an update can be partial: every decision looks only at earlier arrivals, and the only
decisions that depend on other messages are per unit — the first report of a unit's period,
and the unit's overdue periods. So a change to a message at arrival time t that concerns unit
u (before or after the change) is decided again with u's messages from t on, seeded with u's
first reports before t; a unit whose dates changed has all its messages decided again; a
message of no unit depends on nothing else. The stale marks come from the store, written in
the change's own transaction, so a change whose process stopped before deciding is decided by
the next one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from cchc.context import Context
from cchc.core.verdicts import Verdict
from cchc.decide import MessageInput, decide, unit_of
from ingest.facts import Facts
from store import repo, verdicts
from store.verdicts import Order

log = logging.getLogger(__name__)
DECIDED_WITH = "decided_with"  # meta key: the calendar fingerprint of the stored verdicts
FROM_THE_START: Order = (-math.inf, -1)


class Decider:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Read what is stale and write the verdicts in one write transaction: a change made
        meanwhile by another process waits for it, and is decided by that process after."""
        conn = self.ctx.db.conn
        if not conn.in_transaction:
            conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    def _inputs(
        self, refs: Iterable[int] | None
    ) -> tuple[list[MessageInput], list[tuple[int, str]]]:
        """The decider's inputs (of every message when `refs` is None), and the facts whose
        period wording was read again for the calendar's report kinds (to store)."""
        tz, kinds = self.ctx.tz, self.ctx.calendar.kinds
        out, reread = [], []
        rows = verdicts.inputs(self.ctx.db, None if refs is None else list(refs))
        for ref, ts, auth, facts_json, action, unit in rows:
            facts = Facts.from_json(json.loads(facts_json))
            if tuple(facts.period_kinds) != kinds:  # the profile's report kinds changed
                facts.read_period(kinds)
                reread.append((ref, json.dumps(facts.to_json(), ensure_ascii=False)))
            received = datetime.fromtimestamp(ts, tz)
            out.append(MessageInput(ref, received, auth, facts, action, unit))
        return out, reread

    # --- everything -------------------------------------------------------------------------

    def compute_all(self) -> list[Verdict]:
        """Every verdict, decided from scratch (nothing is written)."""
        return self._decide_all()[0]

    def _decide_all(self) -> tuple[list[Verdict], list[tuple[int, str]]]:
        inputs, reread = self._inputs(None)
        return decide(inputs, {u.code: u for u in self.ctx.units}, self.ctx.calendar), reread

    def refresh(self) -> int:
        """Take every decision again; returns how many verdicts changed."""
        with self._locked():
            decided, reread = self._decide_all()
            verdicts.update_facts(self.ctx.db, reread)
            changed = verdicts.write(
                self.ctx.db, decided, before=verdicts.stored(self.ctx.db), done=None
            )
            repo.set_meta(self.ctx.db, DECIDED_WITH, self.calendar_fingerprint())
        return changed

    def calendar_fingerprint(self) -> str:
        """What the verdicts depend on in the configuration: the reporting calendar."""
        return hashlib.sha256(repr(self.ctx.config.calendar).encode()).hexdigest()

    def refresh_if_calendar_changed(self) -> bool:
        """A changed calendar (report kinds, due rules, days off) takes effect at once: the
        verdicts are decided again from the stored facts, nothing is parsed again."""
        if repo.get_meta(self.ctx.db, DECIDED_WITH) == self.calendar_fingerprint():
            return False
        log.info("the reporting calendar changed since the last decisions: deciding again")
        self.refresh()
        return True

    # --- what changed -----------------------------------------------------------------------

    def update(self) -> int:
        """Decide again what the recorded changes made stale; returns how many messages were
        decided (0, and nothing read, when nothing changed)."""
        db = self.ctx.db
        if verdicts.stale(db) == (set(), set()):
            return 0  # read without the write lock: a read-only command takes none
        with self._locked():
            stale_refs, stale_units = verdicts.stale(db)
            if not stale_refs and not stale_units:
                return 0
            units = {u.code: u for u in self.ctx.units}
            changed, reread = self._inputs(stale_refs)
            before = verdicts.stored(db, stale_refs)
            start = {code: FROM_THE_START for code in stale_units}
            for m in changed:
                order = (m.received.timestamp(), m.ref)
                old = before.get(m.ref)
                new, _how = unit_of(m, units)
                for code in (old.unit if old else None, new.code if new else None):
                    if code and order < start.get(code, (math.inf, 0)):
                        start[code] = order
            later, first = self._after(start, stale_refs)
            more, reread_more = self._inputs(later)
            before.update(verdicts.stored(db, later))
            decided = decide(changed + more, units, self.ctx.calendar, first)
            verdicts.update_facts(db, reread + reread_more)
            changed_n = verdicts.write(db, decided, before=before, done=(stale_refs, stale_units))
        log.debug("decided %d messages again, %d verdicts changed", len(decided), changed_n)
        return len(decided)

    def _after(
        self, start: dict[str, Order], skip: set[int]
    ) -> tuple[set[int], dict[tuple[str, str], int]]:
        """The messages of each unit from its start on (to decide again), and the unit's first
        report of each period before it (the seed)."""
        later: set[int] = set()
        first: dict[tuple[str, str], tuple[Order, int]] = {}
        for ref, unit, disposition, period, order in verdicts.of_units(self.ctx.db, start):
            if ref in skip:
                continue
            if order >= start[unit]:
                later.add(ref)
            elif disposition == "counted" and period:
                key = (unit, period)
                if key not in first or order < first[key][0]:
                    first[key] = (order, ref)
        return later, {key: ref for key, (_order, ref) in first.items()}
