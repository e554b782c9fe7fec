"""What a parser returns: plain dataclasses the rest of the program stores and shows.

The registry (`parsers.registry.parse_attachment`) is the only entry point; it never raises
past itself: every failure becomes `kind = "unparseable"` with a readable `error` and a finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["outline", "onestop", "other", "unparseable"]
Level = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    """A problem (or note) about a report, shown to staff and in the acknowledgement.

    `code` is stable (SPEC §5): `onestop.<check id>`, `outline.missing`,
    `attachment.unparseable`, `attachment.password_protected`, `attachment.too_large`,
    `attachment.scanned`, `message.no_attachment`, ... `message` is Vietnamese, for people.
    `detail` carries machine-readable context (check id, row, expected, found).
    """

    code: str
    level: Level
    message: str
    attachment: str | None = None
    detail: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "level": self.level,
            "message": self.message,
            "attachment": self.attachment,
        }
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass
class OutlineResult:
    """Coverage of Phụ lục 1: required section ids found with content, and those missing."""

    present: list[str]
    missing: list[str]
    # section id -> its text (NFC), kept for the narrative export
    sections: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedAttachment:
    """One attachment (or one file inside an archive), read.

    - `kind`: "outline" (a narrative report, possibly also holding the one-stop table),
      "onestop" (the table alone), "other" (readable, neither), "unparseable".
    - `text`: all the document's text, NFC, legacy encodings converted (for CCHC detection).
    - `header_block`: the issuer block at the top left ("ỦY BAN NHÂN DÂN XÃ ...", "PHÒNG ...").
    - `title`: the lines after "BÁO CÁO" at the top (the only period source inside a document).
    - `onestop`: data rows keyed by onestop.toml's keys plus `mechanism`; totals excluded.
    - `children`: files found inside an archive (.zip), each with `container` = this file's name.
    - `scanned`: a scan — an image-only PDF, or a photo read as a page of one (SPEC §3): a
      readable report whose text, if any, came from OCR; never `unparseable` for being one.
    - `photo`: an image big enough to be a photographed or scanned page (not a logo).
    """

    filename: str
    sha256: str
    size: int
    kind: Kind
    content_type: str | None = None
    error: str | None = None
    text: str = ""
    header_block: str = ""
    title: str = ""
    outline: OutlineResult | None = None
    onestop: list[dict[str, Any]] | None = None
    findings: list[Finding] = field(default_factory=list)
    children: list[ParsedAttachment] = field(default_factory=list)
    container: str | None = None
    format: str | None = None  # detected format: docx, xlsx, xls, ods, pdf, zip, doc, jpeg, ...
    scanned: bool = False
    photo: bool = False
    # The bytes of a file found inside an archive (top-level attachments' bytes the caller has).
    data: bytes | None = field(default=None, repr=False)
