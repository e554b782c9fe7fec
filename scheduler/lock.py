"""One `cchc run` per store: an exclusive, non-blocking lock on a file beside the database.

`flock` is released by the kernel when the process dies, however it dies, so a crash never
leaves a stale lock to clean by hand; the file only carries the holder's pid for the message.
(The outbox's claim already prevents a double send; the lock also keeps two services from
polling the same mailbox and running every job twice.)
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from cchc.core.errors import CchcError


class AlreadyRunning(CchcError):
    """Another `cchc run` holds the store."""


class RunLock:
    def __init__(self, store_path: Path) -> None:
        self.path = Path(f"{store_path}.run.lock")
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise AlreadyRunning(
                f"một tiến trình `cchc run` khác (pid {holder}) đang dùng kho dữ liệu này ({self.path}): dừng nó trước"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
