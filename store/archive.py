"""The content-addressed archive: raw messages and attachments on disk, by SHA-256, write-once.

Files are written (to a temporary name, then renamed) before the row that names them, so a
crash leaves at worst an orphan file, never a row pointing at nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

MAX_NAME_BYTES = 120
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_name(name: str, default: str = "attachment") -> str:
    """A file name that cannot escape its folder or upset a terminal: no separators, no
    control characters, no leading dots, bounded length; the extension is kept."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = _UNSAFE.sub("_", name).strip(" ._")
    if not name or name in {".", ".."}:
        name = default
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 10:
        stem, ext = name, ""
    ext_part = f".{ext}" if ext else ""
    budget = MAX_NAME_BYTES - len(ext_part.encode())
    encoded = stem.encode()[:budget]
    stem = encoded.decode("utf-8", "ignore").rstrip(" ._") or default
    return stem + ext_part


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def raw_path(self, digest: str) -> Path:
        return self.root / "raw" / digest[:2] / f"{digest}.eml"

    def file_path(self, digest: str, name: str) -> Path:
        return self.root / "files" / digest[:2] / digest / safe_name(name)

    def put_raw(self, data: bytes, digest: str | None = None) -> str:
        digest = digest or sha256(data)
        _write_once(self.raw_path(digest), data)
        return digest

    def put_file(self, data: bytes, name: str, digest: str | None = None) -> Path:
        digest = digest or sha256(data)
        path = self.file_path(digest, name)
        _write_once(path, data)
        return path

    def read_raw(self, digest: str) -> bytes:
        return self.raw_path(digest).read_bytes()

    def raw_digests(self) -> list[str]:
        """Every archived message, by hash."""
        return sorted(p.stem for p in (self.root / "raw").glob("*/*.eml"))

    def holds_messages(self) -> bool:
        """Whether any message was ever archived here (the store must then not start empty)."""
        return any((self.root / "raw").glob("*/*.eml")) or (
            (self.root / "journal.jsonl").exists()
            and (self.root / "journal.jsonl").stat().st_size > 0
        )

    def find_file(self, digest: str) -> Path | None:
        """Any stored copy of a file with this hash (downloads go by hash, never by name)."""
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            return None
        folder = self.root / "files" / digest[:2] / digest
        if not folder.is_dir():
            return None
        for path in sorted(folder.iterdir()):
            return path
        return None


def _write_once(path: Path, data: bytes) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk leaves no half file behind
        raise
