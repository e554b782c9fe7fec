"""Mail from files: .eml files, folders of them (recursive), and .mbox files (Gmail Takeout).

Yields raw bytes with a stable `source` string (the sightings' UNIQUE key), one message at a
time, so a large mbox is never held in memory whole.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cchc.core.errors import CchcError

EML_SUFFIXES = {".eml", ".msg822", ".txt"}


@dataclass(frozen=True)
class FileMessage:
    source: str
    raw: bytes


def _is_mbox(path: Path) -> bool:
    if path.suffix.lower() == ".mbox":
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(5) == b"From "
    except OSError:
        return False


def iter_mbox(path: Path) -> Iterator[FileMessage]:
    box = mailbox.mbox(str(path), create=False)
    try:
        for key in box.iterkeys():
            raw = box.get_bytes(key)
            yield FileMessage(f"{path.resolve()}#{key}", raw)
    finally:
        box.close()


def iter_paths(paths: list[str | Path]) -> Iterator[FileMessage]:
    """Every message under `paths`, in a stable order. Unknown paths raise before anything is read."""
    resolved = [Path(p) for p in paths]
    for p in resolved:
        if not p.exists():
            raise CchcError(f"{p}: no such file or folder")
    for p in resolved:
        if p.is_dir():
            for f in sorted(x for x in p.rglob("*") if x.is_file()):
                if f.suffix.lower() == ".mbox":
                    yield from iter_mbox(f)
                elif f.suffix.lower() in EML_SUFFIXES:
                    yield FileMessage(str(f.resolve()), f.read_bytes())
        elif _is_mbox(p):
            yield from iter_mbox(p)
        else:
            yield FileMessage(str(p.resolve()), p.read_bytes())
