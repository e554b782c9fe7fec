"""The library behind the CLI, the scheduler and the web page: one `App` over one store.

A thin facade: an `App` is a `Context` (store, archive, configuration, units) with the
`Pipeline` that ingests and decides; each method hands over to the module that does the job —
`cchc.pipeline` (mail in, verdicts), `cchc.staff` (units, review decisions), `cchc.views`
(the SPEC §5 listings).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from cchc import staff, views
from cchc.context import Context
from cchc.core.config import Config
from cchc.pipeline import Incoming, IngestResult, Pipeline
from store import read

__all__ = ["App", "Incoming", "IngestResult"]


class App(Context):
    def __init__(self, config: Config, *, replaying: bool = False) -> None:
        super().__init__(config, replaying=replaying)
        self.pipeline = Pipeline(self)
        if replaying:
            return  # `cchc rebuild` replays the units and decisions from the journal
        if config.units_file and not self.units:
            self.import_units(config.units_file)
        if not self.pipeline.refresh_if_calendar_changed():
            self.pipeline.update()  # a change whose process stopped before deciding it

    def close(self) -> None:
        self.pipeline.close()
        super().close()

    # --- mail in and decisions (cchc.pipeline) ----------------------------------------------

    def ingest_raw(
        self, raw: bytes, *, source: str, arrived: datetime | None = None
    ) -> IngestResult:
        return self.pipeline.ingest_raw(raw, source=source, arrived=arrived)

    def ingest_many(self, items: list[Incoming]) -> list[IngestResult]:
        return self.pipeline.ingest_many(items)

    def update(self) -> int:
        """Decide again what changed since the last decisions (cheap when nothing did)."""
        return self.pipeline.update()

    def refresh(self) -> int:
        """Take every decision again; how many verdicts changed (`cchc refresh`)."""
        return self.pipeline.refresh()

    def recheck(self, progress: Callable[[int, int], None] | None = None) -> int:
        return self.pipeline.recheck(progress)

    # --- staff (cchc.staff) ---------------------------------------------------------------------

    def import_units(self, path: str | Path) -> int:
        return staff.import_units(self, self.pipeline, path)

    def review_decide(
        self,
        key: str,
        action: str,
        unit_code: str | None = None,
        who: str = "cli",
        *,
        force: bool = False,
    ) -> int:
        return staff.review_decide(self, self.pipeline, key, action, unit_code, who, force=force)

    # --- the SPEC §5 listings (cchc.views) ----------------------------------------------------

    def status(self, period_id: str, at: datetime | None = None) -> dict[str, Any]:
        return views.status(self, self.period(period_id), at or datetime.now(self.tz))

    def messages(self, since: datetime | None = None) -> list[dict[str, Any]]:
        return views.messages(self, since)

    def submissions(
        self, period: str | None = None, unit: str | None = None
    ) -> list[dict[str, Any]]:
        if period:
            self.period(period)
        return views.submissions(self, period, unit)

    def review(self) -> list[dict[str, Any]]:
        return views.review(self)

    def review_count(self) -> int:
        return read.review_count(self.db)

    def message_count(self) -> int:
        return read.message_count(self.db)
