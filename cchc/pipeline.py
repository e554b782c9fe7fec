"""The pipeline of one store: raw mail in, stored messages and up-to-date verdicts out.

Flow per message (one way): raw bytes → `cchc.prepare` (MIME, parsers, facts; in worker
processes) → `commit` (dedupe by Message-ID, match the unit, one transaction in `store.repo`).
Then `update` decides again what the new messages made stale (`cchc.deciding`); `refresh`
decides everything. Messages are committed in the order they are given, each on its own.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cchc.context import Context
from cchc.core.errors import StoreError
from cchc.deciding import Decider
from cchc.matching import Matcher
from cchc.workers import make_pool, worker_count

if TYPE_CHECKING:  # the parsers load when a message is to be read, not for one already stored
    from cchc.prepare import Prepared, PrepareSettings
from store import repo
from store.archive import sha256

log = logging.getLogger(__name__)
CUT = "cut short: the file ended inside this message"  # a problem, and a mark on the row
RECHECK_CHUNK = 32  # messages read again side by side (bounds memory)


@dataclass(frozen=True)
class IngestResult:
    message_ref: int | None
    status: str  # new | duplicate | seen


@dataclass(frozen=True)
class Incoming:
    """One message to ingest: its bytes, its sighting key, and the mailbox's arrival time."""

    raw: bytes
    source: str
    arrived: datetime | None = None  # the IMAP INTERNALDATE; None for a file
    cut: bool = False  # its file ended inside it (an .mbox copied half)


class Pipeline:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.workers = worker_count(ctx.config.parse.workers)
        self._pool: Executor | None = None
        self.matcher = Matcher(ctx)
        self.decider = Decider(ctx)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    # --- ingest -----------------------------------------------------------------------------

    def ingest_raw(
        self, raw: bytes, *, source: str, arrived: datetime | None = None
    ) -> IngestResult:
        """Store one message (idempotent). `arrived` is the IMAP INTERNALDATE when there is one."""
        return self.ingest_many([Incoming(raw, source, arrived)])[0]

    def ingest_many(self, items: Sequence[Incoming]) -> list[IngestResult]:
        """Like `ingest_raw` for each item, in order, parsing on every core."""
        return list(self.ingest_each(items))

    def ingest_each(self, items: Sequence[Incoming]) -> Iterator[IngestResult]:
        """Parse the items side by side, then commit them one by one in the order given,
        yielding each result as soon as its message is stored (the IMAP pass saves its
        progress from these)."""
        with self._writing():
            known = [self._known(item.raw, item.source) for item in items]
        todo = [
            (item.raw, digest)
            for item, (done, digest) in zip(items, known, strict=True)
            if not done
        ]
        with self._writing():
            prepared = iter(self._prepare_all(todo))
        for item, (done, _digest) in zip(items, known, strict=True):
            with self._writing():
                result = done or self.commit(
                    next(prepared), source=item.source, arrived=item.arrived, cut=item.cut
                )
            yield result

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A full disk (or a damaged store) is one line naming the path at fault; the
        transaction of the message being written is rolled back, so a rerun completes."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "full" in str(exc) or "disk" in str(exc):
                raise StoreError(
                    f"hết chỗ trên đĩa khi ghi kho dữ liệu {self.ctx.config.store.path}: giải "
                    "phóng chỗ rồi chạy lại lệnh (thư chưa ghi sẽ được ghi, thư đã ghi giữ nguyên)"
                ) from None
            raise repo.damaged(self.ctx.config.store.path, exc) from None
        except sqlite3.DatabaseError as exc:
            raise repo.damaged(self.ctx.config.store.path, exc) from None
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StoreError(
                    f"hết chỗ trên đĩa khi ghi kho lưu trữ {self.ctx.config.store.archive}: giải "
                    "phóng chỗ rồi chạy lại lệnh"
                ) from None
            raise

    def _settings(self) -> PrepareSettings:
        from cchc.prepare import PrepareSettings
        from parsers.ocr import OcrSettings

        cfg = self.ctx.config
        return PrepareSettings(
            archive=cfg.store.archive,
            trusted_authserv_id=cfg.imap.trusted_authserv_id,
            max_bytes=int(cfg.parse.max_attachment_mb * 1024 * 1024),
            time_limit=cfg.parse.timeout_seconds,
            kinds=self.ctx.calendar.kinds,
            outline=cfg.templates.outline,
            onestop=cfg.templates.onestop,
            ocr=OcrSettings(
                enabled=cfg.parse.ocr,
                max_pages=cfg.parse.ocr_max_pages,
                timeout=cfg.parse.ocr_timeout_seconds,
                dpi=cfg.parse.ocr_dpi,
                tesseract=cfg.parse.tesseract,
            ),
        )

    def _known(self, raw: bytes, source: str) -> tuple[IngestResult | None, str]:
        """Cheap checks before any parsing: a known source, or bytes already stored."""
        db = self.ctx.db
        if repo.source_seen(db, source):
            return IngestResult(None, "seen"), ""
        digest = sha256(raw)
        ref = repo.find_existing(db, digest, None)
        if ref is not None:
            self.ctx.archive.put_raw(raw, digest)
            self.ctx.journal.append("sighting", raw=digest, source=source, arrived=None, cut=False)
            repo.add_sighting(db, ref, source, digest)
            return IngestResult(ref, "duplicate"), digest
        return None, digest

    def _prepare_all(self, jobs: list[tuple[bytes, str]]) -> list[Prepared]:
        from cchc.prepare import prepare

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
                if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    with self._writing():  # a full disk is not a broken pool: say so
                        raise
                log.warning("parsing in worker processes failed (%s); parsing in this process", exc)
                if self._pool is not None:
                    self._pool.shutdown(cancel_futures=True)
                self._pool, self.workers = None, 1
        return [prepare(raw, settings, digest) for raw, digest in jobs]

    def commit(
        self, p: Prepared, *, source: str, arrived: datetime | None = None, cut: bool = False
    ) -> IngestResult:
        """The store half of ingest: dedupe by Message-ID, match the unit, one transaction.
        A complete copy of a message stored cut short becomes its content of record."""
        db = self.ctx.db
        if repo.source_seen(db, source):
            return IngestResult(None, "seen")
        problems = list(p.problems)
        if cut or any("CloseBoundaryNotFound" in problem for problem in problems):
            problems.append(CUT)
        # the archive's journal first: the evidence never lags behind its index
        self.ctx.journal.append(
            "sighting",
            raw=p.digest,
            source=source,
            arrived=arrived.isoformat() if arrived else None,
            cut=CUT in problems and cut,
        )
        known = repo.find_existing(db, p.digest, p.message_id) if p.message_id else None
        if known is not None:
            if CUT not in problems and repo.is_cut(db, known, CUT):
                record = self._record(p, None, problems)
                repo.replace_message(db, known, record, p.attachments, source)
                log.info("message %s: a complete copy replaces the one cut short", p.message_id)
            else:
                repo.add_sighting(db, known, source, p.digest)
            return IngestResult(known, "duplicate")
        record = self._record(p, arrived, problems)
        ref, new = repo.store_message(db, record, p.attachments, source)
        return IngestResult(ref, "new" if new else "duplicate")

    def _record(
        self, p: Prepared, arrived: datetime | None, problems: list[str]
    ) -> repo.NewMessage:
        """The row of a prepared message: its arrival (INTERNALDATE, else Received:, else
        Date:, else now) and its unit match."""
        if arrived is not None:
            received, received_from = arrived, "internaldate"
        elif p.received_header is not None:
            received, received_from = p.received_header, "received"
        elif p.date_header is not None:
            received, received_from = p.date_header, "date"
        else:
            received, received_from = datetime.now(UTC), "import"
            problems.append("no Received: or Date: header: arrival time is the import time")
        received = received.astimezone(self.ctx.tz)
        p.facts.match = self.matcher.match(p.from_addr, p.facts.clue_object())
        return repo.NewMessage(
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

    def recheck(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Read every stored message again from the archive with the current templates and
        report kinds (after `[templates]` changed), in the worker pool; then decide again.
        Returns how many messages were read; one whose raw bytes are missing is skipped."""
        stored = repo.stored_raw(self.ctx.db)
        done = 0
        for start in range(0, len(stored), RECHECK_CHUNK):
            chunk = []
            for ref, digest in stored[start : start + RECHECK_CHUNK]:
                try:
                    chunk.append((ref, self.ctx.archive.read_raw(digest), digest))
                except OSError:
                    log.error("message %s: raw bytes %s missing from the archive", ref, digest)
            prepared = self._prepare_all([(raw, digest) for _, raw, digest in chunk])
            for (ref, _raw, _digest), p in zip(chunk, prepared, strict=True):
                p.facts.match = self.matcher.match(p.from_addr, p.facts.clue_object())
                repo.replace_content(self.ctx.db, ref, p.attachments, p.facts.to_json())
                done += 1
            if progress:
                progress(min(start + RECHECK_CHUNK, len(stored)), len(stored))
        self.refresh()
        return done

    # --- matches and decisions (cchc.matching, cchc.deciding) --------------------------------

    def update(self) -> int:
        """Decide again what the changes since the last decisions made stale."""
        with self._writing():
            return self.decider.update()

    def refresh(self) -> int:
        """Take every decision again (`cchc refresh`); how many verdicts changed."""
        with self._writing():
            return self.decider.refresh()

    def refresh_if_calendar_changed(self) -> bool:
        with self._writing():
            return self.decider.refresh_if_calendar_changed()
