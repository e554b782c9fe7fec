"""The library behind the CLI, the scheduler and the web page: one `App` over one store.

Flow per message (one way): raw bytes → `ingest.mime` → `parsers.registry` → facts and match
(`cchc.facts`, `ingest.match`) → `store.repo` in one transaction. Then `refresh()` takes the
arrival-order decisions (`cchc.decide`) for the whole store and materialises the verdicts.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cchc import views
from cchc.core.config import Config
from cchc.core.errors import CchcError, NotFound
from cchc.core.periods import Period, due, parse_period
from cchc.core.units import Unit, load_units
from cchc.decide import MessageInput, Verdict, decide
from cchc.facts import Facts, match_json
from cchc.prepare import Prepared, PrepareSettings, make_pool, prepare, worker_count
from ingest.match import match_unit, needle_table
from store import repo
from store.archive import Archive, sha256

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    message_ref: int | None
    status: str  # new | duplicate | seen


class App:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.tz = config.tz
        self.db = repo.open_db(config.store.path)
        self.archive = Archive(config.store.archive)
        self._units: list[Unit] | None = None
        self._table: list[tuple[str, str]] | None = None
        self._book: dict[str, str] | None = None
        self.workers = worker_count(config.parse.workers)
        self._pool: Executor | None = None
        if config.units_file and not self.db.conn.execute("SELECT 1 FROM units LIMIT 1").fetchone():
            self.import_units(config.units_file)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        self.db.conn.close()

    # --- units ----------------------------------------------------------------------------

    @property
    def units(self) -> list[Unit]:
        if self._units is None:
            self._units = repo.load_units(self.db)
        return self._units

    def _matching(self) -> tuple[dict[str, str], list[tuple[str, str]]]:
        if self._book is None or self._table is None:
            self._book = repo.address_book(self.db)
            self._table = needle_table(self.units)
        return self._book, self._table

    def _units_changed(self) -> None:
        self._units = self._table = self._book = None
        self.rematch()

    def import_units(self, path: str | Path) -> int:
        units = load_units(path)
        n = repo.sync_units(self.db, units.units)
        self._units_changed()
        self.refresh()
        return n

    def rematch(self) -> None:
        """Units or addresses changed: match every stored message again."""
        book, table = self._matching()
        updates = []
        for ref, _ts, _auth, facts_json, _d, _u in repo.message_inputs(self.db):
            facts = Facts.from_json(json.loads(facts_json))
            new = match_json(
                match_unit(facts.clues.get("from", ""), facts.clue_object(), book, table)
            )
            if new != facts.match:
                facts.match = new
                updates.append((ref, json.dumps(facts.to_json(), ensure_ascii=False)))
        repo.update_facts(self.db, updates)

    # --- ingest ---------------------------------------------------------------------------

    def _settings(self) -> PrepareSettings:
        return PrepareSettings(
            archive=self.config.store.archive,
            trusted_authserv_id=self.config.imap.trusted_authserv_id,
            max_bytes=int(self.config.parse.max_attachment_mb * 1024 * 1024),
            time_limit=self.config.parse.timeout_seconds,
        )

    def _known(self, raw: bytes, source: str, extra: Any) -> tuple[IngestResult | None, str]:
        """Cheap checks before any parsing: a known source, or bytes already stored."""
        if repo.source_seen(self.db, source):
            return IngestResult(None, "seen"), ""
        digest = sha256(raw)
        ref = repo.find_existing(self.db, digest, None)
        if ref is not None:
            self.archive.put_raw(raw, digest)
            repo.add_sighting(self.db, ref, source, digest, extra)
            return IngestResult(ref, "duplicate"), digest
        return None, digest

    def ingest_raw(
        self, raw: bytes, *, source: str, arrived: datetime | None = None, extra: Any = ()
    ) -> IngestResult:
        """Store one message (idempotent). `arrived` is the IMAP INTERNALDATE when there is one."""
        known, digest = self._known(raw, source, extra)
        if known:
            return known
        return self.commit(
            prepare(raw, self._settings(), digest), source=source, arrived=arrived, extra=extra
        )

    def ingest_many(self, items: list[tuple[bytes, str, datetime | None]]) -> list[IngestResult]:
        """Like `ingest_raw` for each (raw, source, arrived), in order, parsing on every core.

        Each message is still committed in its own transaction, in the order given.
        """
        results: list[IngestResult | None] = []
        pending: list[tuple[int, bytes, str]] = []
        for i, (raw, source, _arrived) in enumerate(items):
            known, digest = self._known(raw, source, ())
            results.append(known)
            if known is None:
                pending.append((i, raw, digest))
        prepared = self._prepare_all([(raw, digest) for _, raw, digest in pending])
        for (i, _raw, _digest), item in zip(pending, prepared, strict=True):
            _, source, arrived = items[i]
            results[i] = self.commit(item, source=source, arrived=arrived)
        return [r for r in results if r is not None]

    def _prepare_all(self, jobs: list[tuple[bytes, str]]) -> list[Prepared]:
        settings = self._settings()
        if len(jobs) > 1 and self.workers > 1:
            try:
                if self._pool is None:
                    self._pool = make_pool(self.workers)
                futures = [
                    self._pool.submit(prepare, raw, settings, digest) for raw, digest in jobs
                ]
                return [f.result() for f in futures]
            except Exception as exc:  # noqa: BLE001 - a broken pool must not stop ingest
                # Worker processes can fail to start (no /dev/shm, a __main__ that cannot be
                # re-imported): parse here instead. A real bug in `prepare` raises again below,
                # with its traceback, in this process.
                log.warning("parsing in worker processes failed (%s); parsing in this process", exc)
                if self._pool is not None:
                    self._pool.shutdown(cancel_futures=True)
                self._pool, self.workers = None, 1
        return [prepare(raw, settings, digest) for raw, digest in jobs]

    def commit(
        self, p: Prepared, *, source: str, arrived: datetime | None = None, extra: Any = ()
    ) -> IngestResult:
        """The store half of ingest: dedupe by Message-ID, match the unit, one transaction."""
        if repo.source_seen(self.db, source):
            return IngestResult(None, "seen")
        known = repo.find_existing(self.db, p.digest, p.message_id) if p.message_id else None
        if known is not None:
            repo.add_sighting(self.db, known, source, p.digest, extra)
            return IngestResult(known, "duplicate")
        problems = list(p.problems)
        if arrived is not None:
            received, received_from = arrived, "internaldate"
        elif p.received_header is not None:
            received, received_from = p.received_header, "received"
        elif p.date_header is not None:
            received, received_from = p.date_header, "date"
        else:
            received, received_from = datetime.now(UTC), "import"
            problems.append("no Received: or Date: header: arrival time is the import time")
        received = received.astimezone(self.tz)
        book, table = self._matching()
        p.facts.match = match_json(match_unit(p.from_addr, p.facts.clue_object(), book, table))
        record = repo.NewMessage(
            raw_sha256=p.digest,
            message_id=p.message_id,
            from_addr=p.from_addr,
            from_name=p.from_name,
            subject=p.subject,
            date_header=p.date_header.isoformat() if p.date_header else None,
            received_at=received.isoformat(),
            received_ts=received.timestamp(),
            received_from=received_from,
            body_text=p.body_text,
            size=p.size,
            auth=p.auth.verdict,
            auth_detail=p.auth.detail,
            problems=problems,
            facts=p.facts.to_json(),
        )
        ref, new = repo.store_message(self.db, record, p.attachments, source, extra)
        return IngestResult(ref, "new" if new else "duplicate")

    # --- decisions ------------------------------------------------------------------------

    def verdicts(self) -> list[Verdict]:
        inputs = [
            MessageInput(
                ref=ref,
                received=datetime.fromtimestamp(ts, self.tz),
                auth=auth,
                facts=Facts.from_json(json.loads(facts_json)),
                decision=action,
                decision_unit=unit,
            )
            for ref, ts, auth, facts_json, action, unit in repo.message_inputs(self.db)
        ]
        return decide(inputs, {u.code: u for u in self.units}, self.config.calendar, self.tz)

    def refresh(self) -> None:
        rows = [
            (v.ref, v.disposition, v.reason, v.unit, v.period, v.match, int(v.counts), v.first_ref)
            for v in self.verdicts()
        ]
        repo.replace_verdicts(self.db, rows)

    # --- review ---------------------------------------------------------------------------

    def find_message(self, key: str) -> int:
        key = key.strip()
        candidates = [key] if key.startswith("<") else [key, f"<{key}>"]
        for k in candidates:
            row = self.db.conn.execute(
                "SELECT id FROM messages WHERE message_id = ?", (k,)
            ).fetchone()
            if row:
                return int(row[0])
        if key.isdigit():
            row = self.db.conn.execute(
                "SELECT id FROM messages WHERE id = ?", (int(key),)
            ).fetchone()
            if row:
                return int(row[0])
        raise NotFound(f"no message {key!r}: give its Message-ID (as `cchc review` shows it)")

    def review_decide(
        self, key: str, action: str, unit_code: str | None = None, who: str = "cli"
    ) -> int:
        ref = self.find_message(key)
        if action == "assign":
            if not unit_code or unit_code not in {u.code for u in self.units}:
                raise NotFound(f"no unit {unit_code!r}: see `cchc status` for the codes")
            (addr,) = self.db.conn.execute(
                "SELECT from_addr FROM messages WHERE id = ?", (ref,)
            ).fetchone()
            repo.record_decision(self.db, ref, action, unit_code, who)
            if addr:
                repo.teach_address(self.db, addr, unit_code)
                self._units_changed()
        else:
            repo.record_decision(self.db, ref, action, None, who)
        self.refresh()
        return ref

    # --- views ----------------------------------------------------------------------------

    def period_due(self, period: Period) -> datetime:
        return due(period, self.config.calendar, self.tz)

    def status(self, period_id: str, at: datetime | None = None) -> dict[str, Any]:
        return views.status(self, parse_period(period_id), at or datetime.now(self.tz))

    def messages(self, since: datetime | None = None) -> list[dict[str, Any]]:
        return views.messages(self, since)

    def submissions(
        self, period: str | None = None, unit: str | None = None
    ) -> list[dict[str, Any]]:
        if period:
            parse_period(period)
        return views.submissions(self, period, unit)

    def review(self) -> list[dict[str, Any]]:
        return views.review(self)


__all__ = ["App", "IngestResult", "CchcError"]
