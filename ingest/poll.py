"""One pass over a mailbox folder: find what is new since the saved state, fetch it in bounded
batches, hand each batch to the store, save progress.

Why it is shaped this way:
- A crash anywhere is safe: state is saved only after the handler has stored what it says it
  stored, and the handler is idempotent (the store's UNIQUE keys), so a repeat costs a
  download, never a duplicate. A UIDVALIDITY change rescans the folder and relies on the same
  idempotency (with Gmail, known X-GM-MSGIDs are not even downloaded again).
- Bounded memory: new UIDs are fetched in batches bounded by count (`imap.batch_size`) and by
  bytes, so a backlog of 10,000 messages or a 25 MB attachment never holds more than one batch.
- One handler protocol: it receives a whole batch (so it can parse on every core) and yields
  once per message as it stores it, in order; what it yielded before a failure is saved.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from cchc.core.errors import MailboxError
from ingest.imap import (
    CONNECTION_ERRORS,
    META_CHUNK,
    FetchedMessage,
    ImapMailbox,
    UidMeta,
    error_text,
)
from ingest.state import DoneUid, StateStore

log = logging.getLogger(__name__)

#: Stores a batch in order, yielding each message's raw SHA-256 (or None) once it is stored.
Handler = Callable[[Sequence[FetchedMessage]], Iterable["str | None"]]
#: Called with (messages done, messages to do) as a pass goes on.
ProgressCallback = Callable[[int, int], None]


def one_by_one(store: Callable[[FetchedMessage], str | None]) -> Handler:
    """A `Handler` from a function that stores one message."""

    def handler(batch: Sequence[FetchedMessage]) -> Iterator[str | None]:
        for msg in batch:
            yield store(msg)

    return handler


@dataclass
class PollResult:
    account: str
    folder: str
    uidvalidity: int = 0
    uidnext: int = 0
    last_uid: int = 0
    fetched: int = 0  # messages downloaded and handed to the handler
    skipped_known: int = 0  # Gmail rescan: known X-GM-MSGIDs not downloaded again
    rescan: bool = False  # UIDVALIDITY changed since the last pass
    missing: list[int] = field(default_factory=list)  # UIDs the server listed but sent no body for
    seconds: float = 0.0

    @property
    def nothing_new(self) -> bool:
        return self.fetched == 0 and not self.rescan


def poll(
    box: ImapMailbox,
    state: StateStore,
    handler: Handler,
    *,
    progress: ProgressCallback | None = None,
) -> PollResult:
    """Fetch every message newer than the stored state, hand it to `handler`, save state.

    Raises MailboxError (connection lost, folder missing); progress saved so far stays.
    """
    started = time.monotonic()
    result = PollResult(box.account, box.folder)
    try:
        _poll(box, state, handler, progress, result)
    except CONNECTION_ERRORS as exc:
        raise MailboxError(f"mất kết nối IMAP với {box.cfg.host}: {error_text(exc)}") from exc
    finally:
        result.seconds = time.monotonic() - started
    return result


def _start_uid(box: ImapMailbox, state: StateStore, result: PollResult) -> tuple[int, int] | None:
    """(UIDVALIDITY, first UID to fetch), or None when nothing can be new."""
    saved = state.load(box.account, box.folder)
    if saved is not None:
        quick = box.status_unselected()
        if quick is not None and quick[0] == saved.uidvalidity and quick[1] <= saved.last_uid + 1:
            result.uidvalidity, result.uidnext, result.last_uid = *quick, saved.last_uid
            return None
    info = box.open_folder()
    result.uidvalidity, result.uidnext = info.uidvalidity, info.uidnext
    start = 1
    if saved is not None and saved.uidvalidity == info.uidvalidity:
        start = saved.last_uid + 1
    elif saved is not None:
        result.rescan = True
        log.warning(
            "UIDVALIDITY of %s changed (%s -> %s): rescanning; duplicates are recognised",
            box.folder,
            saved.uidvalidity,
            info.uidvalidity,
        )
    result.last_uid = start - 1
    if info.uidnext <= start or info.exists == 0:
        if result.rescan:  # remember the new UIDVALIDITY even for an empty folder
            state.save(box.account, box.folder, info.uidvalidity, start - 1, [])
        return None
    return info.uidvalidity, start


def _poll(
    box: ImapMailbox,
    state: StateStore,
    handler: Handler,
    progress: ProgressCallback | None,
    result: PollResult,
) -> None:
    begun = _start_uid(box, state, result)
    if begun is None:
        return
    uidvalidity, start = begun
    uids = box.uids_from(start)
    if not uids:
        if result.rescan:
            state.save(box.account, box.folder, uidvalidity, start - 1, [])
        return
    total, done_count = len(uids), 0
    if progress:
        progress(0, total)
    for batch, skipped in _batches(box, uids, state):
        result.skipped_known += len(skipped)
        done: list[DoneUid] = []
        last = result.last_uid
        complete = False
        try:
            fetched = list(box.fetch(batch, uidvalidity, result.missing))
            for msg, digest in zip(fetched, handler(fetched), strict=False):
                done.append(DoneUid(msg.uid, digest or msg.sha256, msg.gm_msgid))
                last = msg.uid
                result.fetched += 1
                done_count += 1
                if progress:
                    progress(done_count, total)
            if len(done) < len(fetched):
                raise RuntimeError(f"the handler stored {len(done)} of {len(fetched)} messages")
            # The whole batch went through: UIDs without a body and known ones are done too.
            last = max([last, *(m.uid for m in batch), *skipped])
            complete = True
        finally:
            if not complete and done and not box.writes:
                # Keep what is stored even when the batch broke off: the rest comes again.
                state.save(box.account, box.folder, uidvalidity, last, done)
                result.last_uid = last
        if box.writes:
            box.mark_processed([d.uid for d in done])
        state.save(box.account, box.folder, uidvalidity, last, done)
        result.last_uid = last
        if skipped:
            done_count += len(skipped)
            if progress:
                progress(done_count, total)


def _batches(
    box: ImapMailbox, uids: Sequence[int], state: StateStore
) -> Iterator[tuple[list[UidMeta], list[int]]]:
    """Batches bounded by count and bytes; with Gmail, UIDs of already-known X-GM-MSGIDs
    (a rescan after UIDVALIDITY changed) are not downloaded again."""
    limit = max(1, box.cfg.batch_size)
    for i in range(0, len(uids), META_CHUNK):
        metas = box.sizes(uids[i : i + META_CHUNK])
        skipped: list[int] = []
        if box.is_gmail:
            ids = [m.gm_msgid for m in metas if m.gm_msgid]
            known = state.known_gm_msgids(box.account, ids)
            skipped = [m.uid for m in metas if m.gm_msgid in known]
            metas = [m for m in metas if m.gm_msgid not in known]
        # Known UIDs go with the chunk's last batch: marking them done earlier could
        # move last_uid past a UID of this chunk not yet stored.
        batch: list[UidMeta] = []
        size = 0
        for m in metas:
            if batch and (len(batch) >= limit or size + m.size > box.max_batch_bytes):
                yield batch, []
                batch, size = [], 0
            batch.append(m)
            size += m.size
        if batch or skipped:
            yield batch, skipped
