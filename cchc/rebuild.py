"""`cchc rebuild`: a fresh store made from the archive alone (issue 12, item 3).

The archive is the evidence, the store an index of it. The raw messages and the journal
(`store.journal`) hold everything the answers depend on: each sighting with its source and the
arrival the mailbox reported, the unit lists imported, the staff's decisions (and so the
addresses they taught), and the mail already handed to the server. Replaying the journal in
order through the same pipeline gives the same verdicts, so the same `status` and `messages`;
the outbox keys it replays keep a rebuilt store from mailing anyone twice. The old store file
is moved aside, never deleted. Messages archived before the journal existed are read too.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cchc import staff
from cchc.app import App
from cchc.core.config import Config
from cchc.pipeline import Incoming
from store import outbox as outbox_store
from store import read
from store.archive import Archive
from store.journal import Journal

log = logging.getLogger(__name__)
BATCH = 32  # sightings parsed side by side


@dataclass
class RebuildReport:
    messages: int = 0  # sightings replayed
    decisions: int = 0
    unit_lists: int = 0
    mail_sent: int = 0
    unjournaled: int = 0  # archived messages the journal did not name (older archives)
    missing: int = 0  # sightings whose raw bytes are not in the archive
    moved_to: Path | None = None


def move_aside(path: Path) -> Path | None:
    """The damaged store (and its WAL files) renamed, kept for whoever wants to look."""
    if not path.exists():
        return None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.hong-{stamp}")
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    return target


class _Replay:
    def __init__(self, app: App, progress: Callable[[int], None] | None) -> None:
        self.app = app
        self.progress = progress
        self.report = RebuildReport()
        self.pending: list[Incoming] = []
        self.seen_raw: set[str] = set()
        self.outbox: dict[str, tuple[str, dict[str, Any]]] = {}

    def flush(self) -> None:
        if self.pending:
            self.app.ingest_many(self.pending)
            self.report.messages += len(self.pending)
            self.pending = []
            if self.progress:
                self.progress(self.report.messages)

    def sighting(self, event: dict[str, Any]) -> None:
        digest = str(event["raw"])
        self.seen_raw.add(digest)
        try:
            raw = self.app.archive.read_raw(digest)
        except OSError:
            log.error("journal names %s, which the archive does not hold", digest)
            self.report.missing += 1
            return
        arrived = datetime.fromisoformat(event["arrived"]) if event.get("arrived") else None
        self.pending.append(Incoming(raw, str(event["source"]), arrived, bool(event.get("cut"))))
        if len(self.pending) >= BATCH:
            self.flush()

    def units(self, event: dict[str, Any]) -> None:
        found = self.app.archive.find_file(str(event["file"]))
        if found is None:
            log.error("journal names unit list %s, which the archive does not hold", event["file"])
            return
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / str(event.get("name") or found.name)
            shutil.copyfile(found, copy)
            self.app.import_units(copy)
        self.report.unit_lists += 1

    def decision(self, event: dict[str, Any]) -> None:
        ref = read.message_of_raw(self.app.db, str(event["raw"]))
        if ref is None:
            log.error("journal decides on %s, a message the archive does not hold", event["raw"])
            return
        staff.review_decide(
            self.app,
            self.app.pipeline,
            str(ref),
            str(event["action"]),
            event.get("unit"),
            str(event.get("who") or "rebuild"),
            force=True,
        )
        self.report.decisions += 1

    def mail(self, event: dict[str, Any]) -> None:
        key = str(event["key"])
        if event["e"] == "sending":
            self.outbox[key] = ("failed", event)  # handed to the server: it may have left
        elif key in self.outbox:
            status = str(event.get("status"))
            fields = self.outbox[key][1]
            if status == "retry":
                del self.outbox[key]  # refused before delivery: it may be planned again
            else:
                self.outbox[key] = (status, {**fields, "at": event.get("at")})

    def run(self, journal: Journal) -> None:
        handlers = {"units": self.units, "decision": self.decision}
        for event in journal.events():
            kind = event["e"]
            if kind == "sighting":
                self.sighting(event)
                continue
            if kind in ("sending", "sent"):
                self.mail(event)
                continue
            self.flush()  # decisions and units apply to what arrived before them
            if kind in handlers:
                handlers[kind](event)
        self.flush()
        self.unjournaled()
        for key, (status, fields) in self.outbox.items():
            outbox_store.record_from_journal(self.app.db, key, status, fields)
            self.report.mail_sent += 1

    def unjournaled(self) -> None:
        archive: Archive = self.app.archive
        for digest in archive.raw_digests():
            if digest in self.seen_raw:
                continue
            self.pending.append(Incoming(archive.read_raw(digest), f"archive:{digest}"))
            self.report.unjournaled += 1
            if len(self.pending) >= BATCH:
                self.flush()
        self.flush()


def rebuild(config: Config, progress: Callable[[int], None] | None = None) -> RebuildReport:
    """Move the store aside and make a new one from the archive alone."""
    moved = move_aside(config.store.path)
    app = App(config, replaying=True)
    journal = Journal(config.store.archive)
    try:
        replay = _Replay(app, progress)
        if config.units_file and not any(e["e"] == "units" for e in journal.events()):
            app.import_units(config.units_file)  # an archive older than the journal's units
        replay.run(journal)
        app.refresh()
    finally:
        app.close()
    replay.report.moved_to = moved
    return replay.report
