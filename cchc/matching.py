"""Which unit each stored message is from, kept up to date at the cost of what changed.

A new message is matched on arrival; teaching an address re-matches the messages from that
address; a unit import re-matches the messages from addresses that now lead elsewhere and,
when a unit's names changed, the unmatched and content-matched ones (a new alias may move a
content match). The table of unit names is kept in the store, keyed by the names it was built
from, so a process starts without building it for 3,300 communes — and builds it only when a
sender is not in the address book.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from cchc.context import Context
from ingest.facts import Facts, match_json
from ingest.match import Clues, NeedleTable, match_unit, needle_table
from store import matches, repo
from store.units import UnitChanges, address_book, names_fingerprint, version

log = logging.getLogger(__name__)
NEEDLES = "needle_table"  # meta key: {"names": fingerprint, "pairs": [[needle, code], ...]}


class Matcher:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._book: dict[str, str] | None = None
        self._table: NeedleTable | None = None
        self._version: str | None = None

    def _current(self) -> None:
        """Forget the book and the table when the units or the addresses changed since they
        were read — here or in another process (a clerk on the web page while the mailbox
        loop runs)."""
        now = version(self.ctx.db)
        if now != self._version:
            self._book = self._table = None
            self._version = now

    @property
    def book(self) -> dict[str, str]:
        self._current()
        if self._book is None:
            self._book = address_book(self.ctx.db)
        return self._book

    def table(self) -> NeedleTable:
        """The unit names' table: from the store when built for these names, else built and
        kept there."""
        self._current()
        if self._table is None:
            units = self.ctx.units
            names = names_fingerprint(units)
            cached = json.loads(repo.get_meta(self.ctx.db, NEEDLES) or "{}")
            if cached.get("names") == names:
                self._table = NeedleTable(tuple(p) for p in cached["pairs"])
            else:
                self._table = needle_table(units)
                pairs = [list(p) for p in self._table.pairs]
                value = json.dumps({"names": names, "pairs": pairs}, ensure_ascii=False)
                repo.set_meta(self.ctx.db, NEEDLES, value)
        return self._table

    def match(self, from_addr: str, clues: Clues) -> dict[str, Any]:
        return match_json(match_unit(from_addr, clues, self.book, self.table))

    # --- after a change ---------------------------------------------------------------------

    def address_taught(self, address: str) -> int:
        """Re-match the messages from this address; returns how many changed."""
        return self._rematch(matches.from_sender(self.ctx.db, address))

    def units_imported(self, changes: UnitChanges) -> int:
        """Re-match the messages a unit import may have moved; returns how many changed."""
        refs = set()
        for address in changes.addresses:
            refs |= matches.from_sender(self.ctx.db, address)
        if changes.names:
            refs |= matches.not_by_address(self.ctx.db)
        return self._rematch(refs)

    def rematch_all(self) -> int:
        return self._rematch(None)

    def _rematch(self, refs: set[int] | None) -> int:
        updates = []
        for ref, facts_json in matches.facts_of(self.ctx.db, refs):
            facts = Facts.from_json(json.loads(facts_json))
            new = self.match(facts.clues.get("from", ""), facts.clue_object())
            if new != facts.match:
                facts.match = new
                updates.append((ref, facts.to_json()))
        matches.update(self.ctx.db, updates)
        log.debug("re-matched %d messages, %d changed", len(refs or ()), len(updates))
        return len(updates)
