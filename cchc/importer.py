"""`cchc import`: files through the same pipeline as the mailbox."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from cchc.app import App, Incoming
from ingest.files import iter_paths

T = TypeVar("T")

log = logging.getLogger(__name__)
CHUNK = 32  # messages parsed side by side; bounds the memory a large .mbox can take


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class ImportSummary:
    """What an import did: messages read and their fate, the review queue after it, the files
    skipped as not e-mails, and the messages cut short in their file."""

    read: int = 0
    new: int = 0
    duplicate: int = 0
    seen: int = 0
    review: int = 0
    not_mail: list[str] = field(default_factory=list)
    cut: list[str] = field(default_factory=list)

    def count(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)


def import_paths(
    app: App, paths: list[str | Path], progress: Callable[[int], None] | None = None
) -> ImportSummary:
    """Ingest every message under `paths`, then take the decisions once. `progress` is told
    how many messages have been read so far. Files in a folder that are not e-mails are
    skipped and listed; a file named here that is not one stops the import before anything
    is stored (`ingest.files.NotMail`)."""
    summary = ImportSummary()
    try:
        for chunk in _chunks(iter_paths(paths), CHUNK):
            mail = [item for item in chunk if not item.not_mail]
            summary.not_mail += [item.source for item in chunk if item.not_mail]
            summary.cut += [item.source for item in mail if item.cut]
            results = app.ingest_many([Incoming(i.raw, i.source, cut=i.cut) for i in mail])
            for item, result in zip(mail, results, strict=True):
                summary.read += 1
                summary.count(result.status)
                log.info("imported %s: %s", item.source, result.status)
            if progress:
                progress(summary.read)
    finally:
        app.update()
    summary.review = app.review_count()
    return summary
