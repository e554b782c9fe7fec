"""The CPU-heavy half of ingest, runnable in a worker process: raw bytes → a `Prepared` message.

MIME decoding, attachment parsing, authentication and the message's own facts depend on the
message alone, so they can run on every core; the archive files are written here too (write-
once by hash, before any row names them). What depends on the store — unit matching, dedupe
by Message-ID, the transaction — stays with `cchc.pipeline` in the main process, in order. Worker processes: `cchc.workers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ingest.auth import AuthResult, check_authentication
from ingest.facts import Facts, compute_facts, flatten, scan_pages
from ingest.mime import RawAttachment, parse_message
from parsers.model import Finding, ParsedAttachment
from parsers.registry import Limits, OcrSettings, load_specs, parse_attachment, read_photos
from store import repo
from store.archive import Archive, safe_name, sha256


@dataclass(frozen=True)
class PrepareSettings:
    archive: Path
    trusted_authserv_id: str
    max_bytes: int
    time_limit: float
    kinds: tuple[str, ...]  # the report kinds period wording is read for
    outline: Path | None = None  # the profile's templates (None: the seed's)
    onestop: Path | None = None
    ocr: OcrSettings = OcrSettings()  # scans: `[parse] ocr`, `ocr_max_pages`, ...


@dataclass
class Prepared:
    digest: str
    size: int
    message_id: str | None
    from_addr: str
    from_name: str
    subject: str
    date_header: datetime | None
    received_header: datetime | None
    body_text: str
    problems: list[str]
    auth: AuthResult
    facts: Facts
    attachments: list[repo.NewAttachment]


def _finding(f: Finding, filename: str) -> dict[str, Any]:
    out = f.to_json()
    if out.get("attachment") is None:
        out["attachment"] = filename
    return out


def _parse_all(
    msg_attachments: list[RawAttachment], settings: PrepareSettings
) -> list[ParsedAttachment]:
    limits = Limits(max_bytes=settings.max_bytes, time_limit=settings.time_limit)
    specs = load_specs(settings.outline, settings.onestop)
    out = []
    for raw_att in msg_attachments:
        parsed = parse_attachment(
            raw_att.filename,
            raw_att.data,
            content_type=raw_att.content_type,
            limits=limits,
            specs=specs,
            ocr=settings.ocr,
        )
        parsed.data = raw_att.data
        if raw_att.container and not parsed.container:
            parsed.container = raw_att.container
        out.append(parsed)
    return out


def prepare(raw: bytes, settings: PrepareSettings, digest: str | None = None) -> Prepared:
    """Never raises on bad input: parsers and the MIME layer turn it into problems/findings."""
    archive = Archive(settings.archive)
    digest = digest or sha256(raw)
    archive.put_raw(raw, digest)
    msg = parse_message(raw)
    parsed = _parse_all(msg.attachments, settings)
    read_photos(
        scan_pages(msg, parsed),
        ocr=settings.ocr,
        specs=load_specs(settings.outline, settings.onestop),
    )
    facts = compute_facts(msg, parsed, settings.kinds)
    facts.clues["from"] = msg.from_addr
    attachments = []
    for pos, att in enumerate(flatten(parsed)):
        if att.data is not None:
            archive.put_file(att.data, att.filename, att.sha256)
        attachments.append(
            repo.NewAttachment(
                position=pos,
                filename=att.filename,
                safe_name=safe_name(att.filename),
                sha256=att.sha256,
                size=att.size,
                content_type=att.content_type,
                container=att.container,
                format=att.format,
                kind=att.kind,
                error=att.error,
                header_block=att.header_block,
                title=att.title,
                outline=(
                    {
                        "present": att.outline.present,
                        "missing": att.outline.missing,
                        "sections": att.outline.sections,
                    }
                    if att.outline
                    else None
                ),
                onestop=att.onestop,
                findings=[_finding(f, att.filename) for f in att.findings],
            )
        )
    return Prepared(
        digest=digest,
        size=len(raw),
        message_id=msg.message_id,
        from_addr=msg.from_addr,
        from_name=msg.from_name,
        subject=msg.subject,
        date_header=msg.date_header,
        received_header=msg.received_at,
        body_text=msg.body_text,
        problems=msg.problems,
        auth=check_authentication(msg.auth_results, settings.trusted_authserv_id),
        facts=facts,
        attachments=attachments,
    )
