"""Mailbox progress as the IMAP side sees it: what is done in a folder, and where that is kept.

The IMAP pass (`ingest.imap`) reads and saves progress only through `StateStore`; the store
room implements it over SQLite (`store.mailbox`), so ingest never touches the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class FolderState:
    """What is done in one folder: every UID <= last_uid under this UIDVALIDITY."""

    uidvalidity: int
    last_uid: int


@dataclass(frozen=True)
class DoneUid:
    """One message handled, for the per-UID audit table (and Gmail rescans by X-GM-MSGID)."""

    uid: int
    raw_sha256: str
    gm_msgid: int | None = None


class StateStore(Protocol):
    """Where progress lives."""

    def load(self, account: str, folder: str) -> FolderState | None: ...

    def save(
        self, account: str, folder: str, uidvalidity: int, last_uid: int, done: Sequence[DoneUid]
    ) -> None:
        """Record progress in one transaction; last_uid never goes back within a UIDVALIDITY."""

    def known_gm_msgids(self, account: str, ids: Sequence[int]) -> set[int]:
        """Which of these Gmail message ids were already handled (any folder, any UIDVALIDITY)."""
        ...
