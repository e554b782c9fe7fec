"""`cchc import`: files through the same pipeline as the mailbox."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

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


def import_paths(app: Any, paths: list[str | Path], progress: bool = False) -> dict[str, int]:
    summary = {"read": 0, "new": 0, "duplicate": 0, "seen": 0}
    bar = None
    if progress:
        from rich.progress import Progress

        bar = Progress(transient=True)
        bar.start()
        task = bar.add_task("Đang nhập thư", total=None)
    try:
        for chunk in _chunks(iter_paths(paths), CHUNK):
            results = app.ingest_many([(item.raw, item.source, None) for item in chunk])
            for item, result in zip(chunk, results, strict=True):
                summary["read"] += 1
                summary[result.status] += 1
                log.info("imported %s: %s", item.source, result.status)
            if bar:
                bar.advance(task, len(chunk))
    finally:
        if bar:
            bar.stop()
        app.refresh()
    summary["review"] = len(app.review())
    return summary
