"""One open store with its configuration: what every service of the app needs to start from.

`Context` holds the database connection, the archive, the configuration and the unit list (read
once, forgotten when it changes). The views, the exports and the mail planner take a Context;
`cchc.app.App` adds the pipeline and the staff actions on top. A SQLite connection belongs to
the thread that opened it, so each thread opens its own Context.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlite_utils

from cchc.core.calendar import Calendar, calendar_for
from cchc.core.config import Config
from cchc.core.periods import Period
from cchc.core.units import Unit
from parsers.specs import Specs, load_specs
from store import repo
from store.archive import Archive
from store.journal import Journal
from store.units import load_units
from store.units import version as units_version


class Context:
    """`replaying`: a store being rebuilt from the archive — opened without the checks that
    would refuse it, and writing nothing to the archive's journal (it is what is replayed)."""

    def __init__(self, config: Config, *, replaying: bool = False) -> None:
        self.config = config
        self.tz: ZoneInfo = config.tz
        self.calendar: Calendar = calendar_for(config.calendar, self.tz)
        # the report templates, read (and refused, naming the file and entry) before anything
        self.specs: Specs = load_specs(config.templates.outline, config.templates.onestop)
        self.archive = Archive(config.store.archive)
        self.journal = Journal(config.store.archive, enabled=not replaying)
        self.db: sqlite_utils.Database = repo.open_db(
            config.store.path, None if replaying else self.archive
        )
        self._units: list[Unit] | None = None
        self._units_version: str | None = None

    def close(self) -> None:
        self.db.conn.close()

    @property
    def units(self) -> list[Unit]:
        """The units in the store, in the unit file's order (abolished ones too); read again
        when this or another process changed them since."""
        version = units_version(self.db)
        if self._units is None or version != self._units_version:
            self._units, self._units_version = load_units(self.db), version
        return self._units

    def unit_names(self) -> dict[str, str]:
        return {u.code: u.name for u in self.units}

    def period_due(self, period: Period) -> datetime:
        """The instant from which a first report for `period` is late."""
        return self.calendar.due(period)

    def period(self, period_id: str) -> Period:
        """A period this office collects, or a CchcError naming what it does collect."""
        return self.calendar.period(period_id)

    def units_in_group_order(self) -> list[Unit]:
        """The units, grouped in the order of `[[groups]]`, each group in the unit file's order."""
        order = {g.id: i for i, g in enumerate(self.config.groups)}
        return sorted(self.units, key=lambda u: order.get(u.group, len(order)))
