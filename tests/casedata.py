"""Access to the copied test cases `tests/data/cases/daksong-2024` (the seed's district, under
the default configuration) and `province-2026` (under its own profile), inside the repository."""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
CASE = DATA / "cases" / "daksong-2024"
PROVINCE = DATA / "cases" / "province-2026"
REAL_EML = DATA / "real-eml"


def expected() -> dict[str, Any]:
    return json.loads((CASE / "expected.json").read_text(encoding="utf-8"))


def province_expected() -> dict[str, Any]:
    return json.loads((PROVINCE / "expected.json").read_text(encoding="utf-8"))


def province_config(folder: Path, extra: str = "") -> Path:
    """The province case's profile.toml with its files named by absolute path, and a store in
    `folder`."""
    text = (PROVINCE / "profile.toml").read_text(encoding="utf-8")
    for name in ("units.toml", "outline.toml", "onestop.toml"):
        text = text.replace(f'"{name}"', f'"{(PROVINCE / name).resolve()}"')
    path = folder / "config.toml"
    path.write_text(
        text + f'\n[store]\npath = "db.sqlite"\narchive = "archive"\n{extra}', encoding="utf-8"
    )
    return path


def message_files() -> list[Path]:
    return sorted((CASE / "messages").glob("*.eml"))


@dataclass
class CaseAttachment:
    message_file: str
    filename: str
    data: bytes
    expect: dict[str, Any]


def _mime_parts(raw: bytes) -> Iterator[bytes]:
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    for part in msg.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if payload:
            yield payload


def case_attachments() -> list[CaseAttachment]:
    """Every attachment expected.json describes, with its bytes, found by SHA-256."""
    out = []
    for m in expected()["messages"]:
        if not m["attachments"]:
            continue
        raw = (CASE / m["file"]).read_bytes()
        by_hash = {hashlib.sha256(p).hexdigest(): p for p in _mime_parts(raw)}
        for a in m["attachments"]:
            if a["sha256"] in by_hash:
                out.append(CaseAttachment(m["file"], a["filename"], by_hash[a["sha256"]], a))
    return out
