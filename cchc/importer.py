"""`cchc import`: files through the same pipeline as the mailbox."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
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


def import_paths(
    app: App, paths: list[str | Path], progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Ingest every message under `paths`, then take the decisions once. `progress` is told
    how many messages have been read so far. The summary counts new, duplicate and already
    seen messages, and the review queue after the import."""
    summary = {"read": 0, "new": 0, "duplicate": 0, "seen": 0}
    try:
        for chunk in _chunks(iter_paths(paths), CHUNK):
            results = app.ingest_many([Incoming(item.raw, item.source) for item in chunk])
            for item, result in zip(chunk, results, strict=True):
                summary["read"] += 1
                summary[result.status] += 1
                log.info("imported %s: %s", item.source, result.status)
            if progress:
                progress(summary["read"])
    finally:
        app.refresh()
    summary["review"] = app.review_count()
    return summary
