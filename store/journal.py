"""The archive's journal: an append-only record of everything the answers depend on that the
raw messages do not hold, so the archive alone can rebuild the store (`cchc rebuild`).

Why: the archive is the evidence, the store an index of it. The raw bytes are there, but not
each message's arrival as the mailbox reported it (IMAP INTERNALDATE is not in the bytes), its
source, the staff's decisions, the addresses they taught, the unit lists they imported, nor
which mail already went out — and a rebuilt store must never mail anyone twice. So each of
these is appended here, one JSON object a line, before the store records it.

Events (`e`): `sighting` (raw, source, arrived, cut), `units` (file: the archived unit list's
hash, name), `decision` (raw, action, unit, who), `sending` and `sent` (key: an outbox mail
being handed to the server, and its outcome). Lines are written whole under an exclusive lock
and synced; a line a crash cut short is skipped when read.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
FILE = "journal.jsonl"


class Journal:
    def __init__(self, archive_root: Path, *, enabled: bool = True) -> None:
        self.path = Path(archive_root) / FILE
        self.enabled = enabled

    def append(self, event: str, **fields: Any) -> None:
        if not self.enabled:
            return
        record = {"e": event, "at": datetime.now(UTC).isoformat(timespec="seconds"), **fields}
        line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_size and os.pread(fd, 1, os.fstat(fd).st_size - 1) != b"\n":
                os.write(fd, b"\n")  # a line cut short by a crash stays alone on its line
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def events(self) -> Iterator[dict[str, Any]]:
        """Every event in the order written; unreadable lines are skipped and logged."""
        if not self.path.exists():
            return
        with open(self.path, "rb") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    log.warning("journal line %d unreadable (cut by a crash?): skipped", number)
                    continue
                if isinstance(record, dict) and "e" in record:
                    yield record

    def holds_anything(self) -> bool:
        return self.path.exists() and self.path.stat().st_size > 0
