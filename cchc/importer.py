"""`cchc import`: files through the same pipeline as the mailbox."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ingest.files import iter_paths

log = logging.getLogger(__name__)


def import_paths(app: Any, paths: list[str | Path], progress: bool = False) -> dict[str, int]:
    summary = {"read": 0, "new": 0, "duplicate": 0, "seen": 0}
    bar = None
    if progress:
        from rich.progress import Progress

        bar = Progress(transient=True)
        bar.start()
        task = bar.add_task("Đang nhập thư", total=None)
    try:
        for item in iter_paths(paths):
            result = app.ingest_raw(item.raw, source=item.source)
            summary["read"] += 1
            summary[result.status] += 1
            log.info("imported %s: %s", item.source, result.status)
            if bar:
                bar.advance(task)
    finally:
        if bar:
            bar.stop()
        app.refresh()
    summary["review"] = len(app.review())
    return summary
