"""The library behind the CLI, the scheduler and the web page: one `App` over one store.

Flow per message (one way): raw bytes → `ingest.mime` → `parsers.registry` → facts and match
(`cchc.facts`, `ingest.match`) → `store.repo` in one transaction. Then `refresh()` takes the
arrival-order decisions (`cchc.decide`) for the whole store and materialises the verdicts.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cchc import views
from cchc.config import Config
from cchc.decide import MessageInput, Verdict, decide
from cchc.errors import CchcError, NotFound
from cchc.facts import Facts, compute_facts, flatten, match_json
from cchc.periods import Period, due, parse_period
from cchc.units import Unit, load_units
from ingest.auth import check_authentication
from ingest.match import match_unit, needle_table
from ingest.mime import parse_message
from parsers.model import Finding, ParsedAttachment
from store import repo
from store.archive import Archive, safe_name, sha256

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    message_ref: int | None
    status: str  # new | duplicate | seen


def _parse_all(msg_attachments: list[Any], config: Config) -> list[ParsedAttachment]:
    from parsers.registry import Limits, parse_attachment

    limits = Limits(
        max_bytes=int(config.parse.max_attachment_mb * 1024 * 1024),
        time_limit=config.parse.timeout_seconds,
    )
    out = []
    for raw_att in msg_attachments:
        parsed = parse_attachment(raw_att.filename, raw_att.data, content_type=raw_att.content_type, limits=limits)
        parsed.data = raw_att.data
        if raw_att.container and not parsed.container:
            parsed.container = raw_att.container
        out.append(parsed)
    return out


class App:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.tz = config.tz
        self.db = repo.open_db(config.store.path)
        self.archive = Archive(config.store.archive)
        self._units: list[Unit] | None = None
        self._table: list[tuple[str, str]] | None = None
        self._book: dict[str, str] | None = None
        if config.units_file and not self.db.conn.execute("SELECT 1 FROM units LIMIT 1").fetchone():
            self.import_units(config.units_file)

    def close(self) -> None:
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
            new = match_json(match_unit(facts.clues.get("from", ""), facts.clue_object(), book, table))
            if new != facts.match:
                facts.match = new
                updates.append((ref, json.dumps(facts.to_json(), ensure_ascii=False)))
        repo.update_facts(self.db, updates)

    # --- ingest ---------------------------------------------------------------------------

    def ingest_raw(self, raw: bytes, *, source: str, arrived: datetime | None = None, extra: Any = ()) -> IngestResult:
        """Store one message (idempotent). `arrived` is the IMAP INTERNALDATE when there is one."""
        if repo.source_seen(self.db, source):
            return IngestResult(None, "seen")
        digest = sha256(raw)
        existing = repo.find_existing(self.db, digest, None)
        if existing is not None:  # same bytes under a new source: only the sighting is new
            self.archive.put_raw(raw, digest)
            ref, _ = repo.store_message(self.db, _stub(digest), [], source, extra)
            return IngestResult(ref, "duplicate")
        self.archive.put_raw(raw, digest)
        msg = parse_message(raw)
        if msg.message_id and repo.find_existing(self.db, "", msg.message_id) is not None:
            ref, _ = repo.store_message(self.db, _stub(digest, msg.message_id), [], source, extra)
            return IngestResult(ref, "duplicate")
        if arrived is not None:
            received, received_from = arrived, "internaldate"
        elif msg.received_at is not None:
            received, received_from = msg.received_at, "received"
        elif msg.date_header is not None:
            received, received_from = msg.date_header, "date"
        else:
            received, received_from = datetime.now(UTC), "import"
            msg.problems.append("no Received: or Date: header: arrival time is the import time")
        received = received.astimezone(self.tz)
        parsed = _parse_all(msg.attachments, self.config)
        auth = check_authentication(msg.auth_results, self.config.imap.trusted_authserv_id)
        facts = compute_facts(msg, parsed)
        facts.clues["from"] = msg.from_addr
        book, table = self._matching()
        facts.match = match_json(match_unit(msg.from_addr, facts.clue_object(), book, table))

        files = flatten(parsed)
        attachments = []
        for pos, att in enumerate(files):
            name = safe_name(att.filename)
            if att.data is not None:
                self.archive.put_file(att.data, att.filename, att.sha256)
            attachments.append(
                repo.NewAttachment(
                    position=pos, filename=att.filename, safe_name=name, sha256=att.sha256,
                    size=att.size, content_type=att.content_type, container=att.container,
                    format=att.format, kind=att.kind, error=att.error,
                    header_block=att.header_block, title=att.title,
                    outline=(
                        {"present": att.outline.present, "missing": att.outline.missing, "sections": att.outline.sections}
                        if att.outline else None
                    ),
                    onestop=att.onestop,
                    findings=[_finding(f, att.filename) for f in att.findings],
                )
            )
        record = repo.NewMessage(
            raw_sha256=digest, message_id=msg.message_id, from_addr=msg.from_addr,
            from_name=msg.from_name, subject=msg.subject,
            date_header=msg.date_header.isoformat() if msg.date_header else None,
            received_at=received.isoformat(), received_ts=received.timestamp(),
            received_from=received_from, body_text=msg.body_text, size=len(raw),
            auth=auth.verdict, auth_detail=auth.detail, problems=msg.problems,
            facts=facts.to_json(),
        )
        ref, new = repo.store_message(self.db, record, attachments, source, extra)
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
            row = self.db.conn.execute("SELECT id FROM messages WHERE message_id = ?", (k,)).fetchone()
            if row:
                return int(row[0])
        if key.isdigit():
            row = self.db.conn.execute("SELECT id FROM messages WHERE id = ?", (int(key),)).fetchone()
            if row:
                return int(row[0])
        raise NotFound(f"no message {key!r}: give its Message-ID (as `cchc review` shows it)")

    def review_decide(self, key: str, action: str, unit_code: str | None = None, who: str = "cli") -> int:
        ref = self.find_message(key)
        if action == "assign":
            if not unit_code or unit_code not in {u.code for u in self.units}:
                raise NotFound(f"no unit {unit_code!r}: see `cchc status` for the codes")
            (addr,) = self.db.conn.execute("SELECT from_addr FROM messages WHERE id = ?", (ref,)).fetchone()
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

    def submissions(self, period: str | None = None, unit: str | None = None) -> list[dict[str, Any]]:
        if period:
            parse_period(period)
        return views.submissions(self, period, unit)

    def review(self) -> list[dict[str, Any]]:
        return views.review(self)


def _stub(digest: str, message_id: str | None = None) -> repo.NewMessage:
    """A record for a message already stored: only its sighting will be written."""
    return repo.NewMessage(digest, message_id, "", "", "", None, "", 0.0, "", "", 0, "absent", None, [], {})


def _finding(f: Finding, filename: str) -> dict[str, Any]:
    out = f.to_json()
    if out.get("attachment") is None:
        out["attachment"] = filename
    if f.detail:
        out["detail"] = f.detail
    return out


__all__ = ["App", "IngestResult", "CchcError"]
