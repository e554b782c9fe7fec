"""Worker processes for the CPU-heavy half of ingest (`cchc.prepare`), one per core.

Why forkserver: workers fork from a clean server process, not from a parent that may hold
threads (the scheduler, the web page) and their locks; the parsers are preloaded once. Workers
exit when the process that wanted them does, even by `kill -9` (see `_die_with_parent`).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor

log = logging.getLogger(__name__)


def worker_count(configured: int) -> int:
    """0 = one worker per core; 1 = no worker processes at all. None either when workers
    could not start: they import the caller's `__main__` by its path, and a script read from
    stdin (`python - < script.py`) has none. (Starting them anyway breaks the pool, and
    Python 3.11 can hang for good shutting down a broken pool with a large job in its pipe.)"""
    if not _main_importable():
        log.info("__main__ is not a file worker processes can import: parsing in this process")
        return 1
    return max(1, configured or (os.cpu_count() or 1))


def _main_importable() -> bool:
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path is None or getattr(main, "__spec__", None) is not None:
        return True  # `python -c`, `python -m cchc`, an interactive session
    return os.path.exists(path)


def _die_with_parent(parent: int) -> None:
    """A worker ends when the process that wanted it ends, even by `kill -9`: an orphan would
    wait for work forever, holding the terminal's (or systemd's) pipes and the forkserver open.
    Workers are children of the forkserver, not of `parent`, hence a watcher thread."""

    def alive() -> bool:
        try:  # a killed parent may linger as a zombie until reaped: that is dead too
            with open(f"/proc/{parent}/stat", "rb") as fh:
                return fh.read().rpartition(b")")[2].split()[0] != b"Z"
        except FileNotFoundError:
            return False
        except OSError:  # no /proc: ask the kernel whether the pid exists
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                pass
            return True

    def watch() -> None:
        while alive():
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="cchc-parent-watch", daemon=True).start()


def make_pool(workers: int) -> Executor:
    # forkserver: workers fork from a clean server process, not from a parent that may hold
    # threads (the scheduler, the web page) and their locks; the parsers are preloaded once.
    # Workers exit when our process does (see _die_with_parent), and then the server.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["cchc.prepare", "parsers.registry"])
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_die_with_parent, initargs=(os.getpid(),)
    )
