"""What a message says, reduced to the facts the decisions need (pure functions).

Facts are computed once at ingest and stored with the message; the decisions that depend on
other messages (corrections, the overdue-period rule) are taken later, in arrival order, by
`cchc.decide`. The unit match is recomputed when the unit list or taught addresses change; the
period wording is read for the office's report kinds (`period_kinds`) and read again from the
stored texts (`period_texts`) when those kinds change, so a new profile needs no re-parse.

Photos of pages (.jpg .jpeg .png .tif .tiff) are report files only in a mail about CCHC (SPEC
§3): `scan_pages` picks the ones worth reading by OCR before the facts are taken, and a scan
(those photos, or an image-only PDF) is a readable report whatever OCR made of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from cchc.core.periods import SEED_KINDS
from cchc.core.text import filename_words, fold_words
from cchc.core.wording import detect_period
from ingest.match import Clues, MatchResult
from ingest.mime import MailMessage
from parsers.model import ParsedAttachment

REPORT_EXTENSIONS = (
    ".docx",
    ".doc",
    ".docm",
    ".pdf",
    ".xlsx",
    ".xls",
    ".xlsm",
    ".odt",
    ".ods",
    ".rtf",
    ".zip",
    ".rar",
)
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff")
IMAGE_FORMATS = {"jpeg", "png", "tiff"}
REPORT_FORMATS = {
    "docx",
    "docm",
    "doc",
    "pdf",
    "xlsx",
    "xlsm",
    "xls",
    "odt",
    "ods",
    "rtf",
    "zip",
    "rar",
}
_CCHC = (" cchc ", " cai cach hanh chinh ", " ccthc ")
_REPORT_WORDS = (" bao cao ", " bc ", " phu luc ", " bieu mau ")


@dataclass
class Facts:
    clues: dict[str, Any]
    period_kind: str | None = None
    period_year: int | None = None
    period_source: str | None = None
    period_kinds: list[str] = field(default_factory=lambda: list(SEED_KINDS))
    report_attachments: int = 0
    readable_reports: int = 0  # attachments that parse as the outline or the one-stop table
    scanned_reports: int = 0  # scans (image-only PDFs, photos of pages): readable, maybe unread
    about_cchc: bool = False
    mentions_report: bool = False
    unreachable: bool = False  # the MIME structure could not be walked: decided from headers
    match: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Facts:
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})

    def period_texts(self) -> list[tuple[str, str]]:
        """The texts a period is read from, in SPEC §3 order: subject, file names, document
        titles, body."""
        c = self.clues
        return [
            ("subject", c.get("subject", "")),
            *(("filename", f) for f in c.get("filenames", ())),
            *(("title", t) for t in c.get("titles", ())),
            ("body", c.get("body", "")),
        ]

    def read_period(self, kinds: Sequence[str]) -> None:
        """Read the period wording for these report kinds (again)."""
        found = detect_period(self.period_texts(), kinds)
        self.period_kind = found.kind if found else None
        self.period_year = found.year if found else None
        self.period_source = found.source if found else None
        self.period_kinds = list(kinds)

    def clue_object(self) -> Clues:
        c = self.clues
        return Clues(
            header_blocks=tuple(c.get("header_blocks", ())),
            subject=c.get("subject", ""),
            filenames=tuple(c.get("filenames", ())),
            table_units=tuple(c.get("table_units", ())),
            body=c.get("body", ""),
        )


def flatten(parsed: Iterable[ParsedAttachment]) -> list[ParsedAttachment]:
    """Archives' members listed after the archive, each as an attachment of its own."""
    out: list[ParsedAttachment] = []
    for p in parsed:
        out.append(p)
        out.extend(flatten(p.children))
    return out


def is_report_file(att: ParsedAttachment, *, about_cchc: bool = False) -> bool:
    """A report attachment by its name or format; a photo or scan of pages only in a mail
    about CCHC (or when OCR read it as the outline), and never a logo-sized picture."""
    name = att.filename.lower().rstrip()
    if name.endswith(REPORT_EXTENSIONS) or (att.format or "") in REPORT_FORMATS:
        return True
    if not is_image_file(att) or not (att.photo or att.kind == "unparseable"):
        return False
    return about_cchc or att.kind in ("outline", "onestop")


def is_image_file(att: ParsedAttachment) -> bool:
    name = att.filename.lower().rstrip()
    return name.endswith(IMAGE_EXTENSIONS) or (att.format or "") in IMAGE_FORMATS


def scan_pages(msg: MailMessage, parsed: Sequence[ParsedAttachment]) -> list[ParsedAttachment]:
    """The photos of this mail to read by OCR as the pages of one scan: page-sized images, in
    a mail that is about CCHC or speaks of a report (the photos may be what says "CCHC"), and
    that has no narrative report already read from a text file (then the photos are pictures,
    not the report). OCR costs seconds a page: a newsletter's pictures are never read."""
    files = flatten(parsed)
    pages = [a for a in files if a.photo and a.format in IMAGE_FORMATS and a.data]
    if not pages or any(a.kind == "outline" for a in files):
        return []
    texts = [msg.subject, msg.body_text[:20000], *(filename_words(a.filename) for a in files)]
    texts += [a.title + "\n" + a.header_block + "\n" + a.text[:50000] for a in files]
    if any(_has(t, _CCHC) or _has(t, _REPORT_WORDS) for t in texts):
        return pages
    return []


def _has(text: str, words: tuple[str, ...]) -> bool:
    padded = fold_words(text)
    return any(w in padded for w in words)


def compute_facts(
    msg: MailMessage, parsed: list[ParsedAttachment], kinds: Sequence[str] = SEED_KINDS
) -> Facts:
    files = flatten(parsed)
    maybe = [a for a in files if is_report_file(a, about_cchc=True)]  # photos included
    clues = {
        "header_blocks": [a.header_block for a in files if a.header_block.strip()],
        "subject": msg.subject,
        "filenames": [a.filename for a in files],
        "table_units": sorted(
            {
                str(r.get("unit_name") or "")
                for a in files
                for r in (a.onestop or [])
                if r.get("unit_name")
            }
        ),
        "body": msg.body_text[:20000],
        "titles": [a.title for a in files if a.title],
    }
    facts = Facts(clues=clues)
    texts = [msg.subject, *(a.filename.replace("_", " ") for a in files), msg.body_text[:20000]]
    texts += [a.title + "\n" + a.header_block + "\n" + a.text[:50000] for a in maybe]
    facts.about_cchc = any(_has(t, _CCHC) for t in texts)
    report_files = [a for a in maybe if is_report_file(a, about_cchc=facts.about_cchc)]
    facts.report_attachments = len(report_files)
    facts.readable_reports = sum(1 for a in files if a.kind in ("outline", "onestop"))
    facts.scanned_reports = sum(1 for a in report_files if a.scanned)
    facts.mentions_report = _has(msg.subject + "\n" + msg.body_text[:5000], _REPORT_WORDS)
    facts.unreachable = msg.body_unreadable
    facts.read_period(kinds)
    return facts


def match_json(result: MatchResult) -> dict[str, Any]:
    return {
        "unit": result.unit,
        "how": result.how,
        "source": result.source,
        "candidates": list(result.candidates),
    }
