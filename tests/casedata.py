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


def _close(a: object, b: object) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) <= 0.01
    return a == b


def attachment_mismatches(
    submissions: list[dict[str, Any]], exp: dict[str, Any]
) -> tuple[int, list[str]]:
    """(attachments checked, the ones that disagree with expected.json and why) among the
    counting messages: kind, the outline sections missing, the one-stop rows and checks."""
    by_sha: dict[str, dict[str, Any]] = {}
    for sub in submissions:
        for att in sub["attachments"]:
            by_sha.setdefault(att["sha256"], att)
    checked, wrong = 0, []
    for entry in exp["messages"]:
        if entry["expect"]["disposition"] not in ("counted", "correction"):
            continue
        for want in entry["attachments"]:
            checked += 1
            why = _disagreement(by_sha.get(want["sha256"]), want)
            if why:
                wrong.append(f"{want['filename']}: {why}")
    return checked, wrong


def _disagreement(got: dict[str, Any] | None, exp: dict[str, Any]) -> str | None:
    if got is None:
        return "not among the submissions"
    if got["kind"] != exp["kind"] and got["kind"] not in exp.get("kind_also_ok", []):
        return f"kind {got['kind']}"
    if "outline_missing" in exp and sorted(got["outline"]["missing"]) != sorted(
        exp["outline_missing"]
    ):
        return f"outline missing {got['outline']['missing']}"
    if "onestop_rows" in exp:
        rows = got["onestop"] or []
        if len(rows) != len(exp["onestop_rows"]):
            return f"{len(rows)} one-stop rows"
        for want, have in zip(exp["onestop_rows"], rows, strict=True):
            if not all(_close(want[k], have.get(k)) for k in want):
                return f"row {have}"
        failed = {
            f["code"].removeprefix("onestop.")
            for f in got["findings"]
            if f["code"].startswith("onestop.")
        }
        if failed != set(exp.get("onestop_failed_checks", [])):
            return f"failed checks {sorted(failed)}"
    return None
