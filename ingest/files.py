"""Mail from files: .eml files, folders of them (recursive), and .mbox files (Gmail Takeout).

Yields raw bytes with a stable `source` string (the sightings' UNIQUE key), one message at a
time, so a large mbox is never held in memory whole. A file named on the command line that is
not an e-mail (empty, a picture) is refused before anything is stored; one found in a folder
is skipped and said (`FileMessage.not_mail`); the last message of an .mbox cut short (the file
ends inside it) is marked `cut`.
"""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cchc.core.errors import CchcError

EML_SUFFIXES = {".eml", ".msg822", ".txt"}
_FIELD = re.compile(rb"^[!-9;-~]{1,76}:")  # an RFC 5322 header field name, then a colon


@dataclass(frozen=True)
class FileMessage:
    source: str
    raw: bytes
    not_mail: bool = False  # a file in a folder that is not an e-mail: skipped, not stored
    cut: bool = False  # the last message of an .mbox whose file ends inside it


class NotMail(CchcError):
    """A file given to `cchc import` is not an e-mail."""


def looks_like_mail(raw: bytes) -> bool:
    """Starts with a header field (or an mbox "From " line) and holds no NUL byte early on:
    an empty file or a JPEG renamed .eml is not a message."""
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return bool(head) and b"\x00" not in head and bool(_FIELD.match(head) or head[:5] == b"From ")


def _is_mbox(path: Path) -> bool:
    if path.suffix.lower() == ".mbox":
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(5) == b"From "
    except OSError:
        return False


def _ends_cleanly(path: Path) -> bool:
    """An mbox written whole ends with a newline; one cut while copying usually does not."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            if fh.tell() == 0:
                return True
            fh.seek(-1, 2)
            return fh.read(1) == b"\n"
    except OSError:
        return True


def iter_mbox(path: Path) -> Iterator[FileMessage]:
    box = mailbox.mbox(str(path), create=False)
    whole = _ends_cleanly(path)
    try:
        keys = list(box.iterkeys())
        for i, key in enumerate(keys):
            raw = box.get_bytes(key)
            yield FileMessage(f"{path.resolve()}#{key}", raw, cut=not whole and i == len(keys) - 1)
    finally:
        box.close()


def iter_paths(paths: list[str | Path]) -> Iterator[FileMessage]:
    """Every message under `paths`, in a stable order. Unknown paths, and files named here that
    are not e-mails, raise before anything is read or stored."""
    resolved = [Path(p) for p in paths]
    for p in resolved:
        if not p.exists():
            raise CchcError(f"{p}: không có tệp hay thư mục này")
        if p.is_file() and not _is_mbox(p) and not looks_like_mail(p.read_bytes()[:4096]):
            raise NotMail(f"{p}: không phải thư điện tử (e-mail), không nhập gì")
    for p in resolved:
        if p.is_dir():
            for f in sorted(x for x in p.rglob("*") if x.is_file()):
                if f.suffix.lower() == ".mbox":
                    yield from iter_mbox(f)
                elif f.suffix.lower() in EML_SUFFIXES:
                    raw = f.read_bytes()
                    yield FileMessage(str(f.resolve()), raw, not_mail=not looks_like_mail(raw))
        elif _is_mbox(p):
            yield from iter_mbox(p)
        else:
            yield FileMessage(str(p.resolve()), p.read_bytes())
