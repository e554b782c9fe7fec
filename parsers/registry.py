"""The one entry point: `parse_attachment(filename, bytes)` → `ParsedAttachment`. Never raises.

The format is decided by content — magic bytes and the zip's structure — with the file
name's extension only as a tie-breaker: units rename files (".doc" that is really a .docx,
"report.zip" that is a .docx) and hostile senders lie. Each format goes to a single-job
reader (`docx`, `pdf`, `convert`, `archive`, `images`, and the spreadsheet half's
`sheets`/`onestop`); this module only picks, classifies the result (outline / onestop / other)
and turns every failure into `kind = "unparseable"` with a readable `error` and a stable
finding code. Scans — image-only PDFs here, the photos of one mail through `read_photos` — are
read by OCR (`ocr`, `scan`) into the same outline coverage, header block and title.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from dataclasses import dataclass
from typing import Any

from cchc.core.text import nfc
from parsers import archive, convert, images, outline, scan
from parsers.docx import DocxContent, read_docx
from parsers.guard import (
    AttachmentError,
    Deadline,
    Limits,
    PasswordProtected,
    TooLarge,
    Unparseable,
)
from parsers.model import Finding, Kind, ParsedAttachment
from parsers.ocr import OcrResult, OcrSettings, natural_key, read_images
from parsers.ocr import read_pdf as read_scanned_pdf
from parsers.onestop import OnestopParse, parse_onestop
from parsers.specs import Specs, default_specs, load_specs

__all__ = [
    "Limits",
    "OcrSettings",
    "Specs",
    "default_specs",
    "load_specs",
    "parse_attachment",
    "read_photos",
    "sniff",
]

log = logging.getLogger(__name__)

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
REPORT_EXTS = {
    "docx",
    "docm",
    "doc",
    "rtf",
    "odt",
    "pdf",
    "xlsx",
    "xlsm",
    "xls",
    "ods",
    "zip",
    "rar",
}
SHEETS = {"xlsx", "xlsm", "xls", "ods"}
IMAGES = {"jpeg", "png", "tiff"}
IMAGE_EXTS = {"jpg", "jpeg", "png", "tif", "tiff"}


def _ext(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def sniff(data: bytes, filename: str = "") -> str:
    """The format by content: docx, docm, xlsx, xlsm, odt, ods, zip, doc, xls, encrypted,
    pdf, rtf, rar, ole2, jpeg, png, tiff, or the extension (tie-breaker) / "unknown"."""
    ext = _ext(filename)
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                if "word/document.xml" in names or any(
                    n.startswith("word/document") for n in names
                ):
                    macro = "word/vbaProject.bin" in names or ext == "docm"
                    return "docm" if macro else "docx"
                if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
                    macro = "xl/vbaProject.bin" in names or ext == "xlsm"
                    return "xlsm" if macro else "xlsx"
                if "mimetype" in names and zf.getinfo("mimetype").file_size < 200:
                    mt = zf.read("mimetype")
                    if b"opendocument.text" in mt:
                        return "odt"
                    if b"opendocument.spreadsheet" in mt:
                        return "ods"
                if any(n.startswith("ppt/") for n in names):
                    return "pptx"
                if "[Content_Types].xml" in names:  # an Office file without its main part
                    return ext if ext in REPORT_EXTS else "ooxml"
                return "zip"
        except (zipfile.BadZipFile, EOFError, ValueError, KeyError, RuntimeError, OSError):
            # truncated or corrupt: trust the extension so the right reader explains it
            return ext if ext in REPORT_EXTS else "zip"
    if data[:8] == OLE2:
        if "EncryptionInfo".encode("utf-16-le") in data:
            return "encrypted"
        if "WordDocument".encode("utf-16-le") in data:
            return "doc"
        if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
            return "xls"
        return ext if ext in ("doc", "xls") else "ole2"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data[:5] == b"{\\rtf":
        return "rtf"
    if data[:4] == b"Rar!":
        return "rar"
    return images.sniff_image(data) or ext or "unknown"


def parse_attachment(
    filename: str,
    data: bytes,
    *,
    content_type: str | None = None,
    limits: Limits | None = None,
    specs: Specs | None = None,
    ocr: OcrSettings | None = None,
) -> ParsedAttachment:
    """Read one attachment. NEVER raises: every failure is `kind="unparseable"` + a finding.

    Expected failures (corrupt, encrypted, bombs, too large, too slow) carry their own
    finding code; anything else (a bug, a library choking on odd input) is logged with its
    traceback and reported as `attachment.unparseable`, so one bad file never stops a run.
    An image-only PDF is read by OCR under `ocr`'s own limits (default: on, 30 pages, 300 s).
    """
    name = nfc(filename or "unnamed")
    return _parse(name, data, content_type, limits or Limits(), specs, ocr or OcrSettings(), 0)


def _parse(
    filename: str,
    data: bytes,
    content_type: str | None,
    limits: Limits,
    specs: Specs | None,
    ocr: OcrSettings,
    depth: int,
) -> ParsedAttachment:
    pa = ParsedAttachment(
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        kind="unparseable",
        content_type=content_type,
    )
    try:
        if len(data) > limits.max_bytes:
            raise TooLarge(
                f"Tệp quá lớn ({len(data) // (1024 * 1024)} MiB, tối đa "
                f"{limits.max_bytes // (1024 * 1024)} MiB) / attachment too large"
            )
        pa.format = sniff(data, filename)
        deadline = Deadline(limits.time_limit)
        _dispatch(pa, data, _Run(limits, specs or default_specs(), ocr, depth, deadline))
    except AttachmentError as exc:
        _fail(pa, exc.code, exc.message)
    except Exception as exc:  # the boundary: never raise past the registry
        log.warning("cannot parse %s", filename, exc_info=True)
        _fail(
            pa,
            "attachment.unparseable",
            f"Không đọc được tệp / cannot read the file: {type(exc).__name__}: {exc}",
        )
    return pa


def _fail(pa: ParsedAttachment, code: str, message: str) -> None:
    pa.kind = "unparseable"
    pa.error = message
    pa.outline = None
    pa.onestop = None
    pa.findings.append(Finding(code=code, level="error", message=message, attachment=pa.filename))


@dataclass(frozen=True)
class _Run:
    """What every reader of one attachment (and of the files inside it) is given."""

    limits: Limits
    specs: Specs
    ocr: OcrSettings
    depth: int
    deadline: Deadline


def _dispatch(pa: ParsedAttachment, data: bytes, run: _Run) -> None:
    fmt = pa.format or "unknown"
    limits, specs, deadline = run.limits, run.specs, run.deadline
    if fmt in ("docx", "docm"):
        _from_document(pa, read_docx(data, limits=limits, deadline=deadline), specs)
    elif fmt in SHEETS:
        _from_sheets(pa, data, fmt, specs, limits)
    elif fmt in ("doc", "rtf", "odt"):
        if fmt == "doc" and convert.doc_is_encrypted(data):
            raise PasswordProtected(
                "Tệp Word (.doc) có mật khẩu, không đọc được; đề nghị gửi lại bản không đặt mật khẩu / "
                "the .doc file is password-protected"
            )
        converted = convert.to_docx(data, fmt, limits=limits, deadline=deadline)
        _from_document(pa, read_docx(converted, limits=limits, deadline=deadline), specs)
    elif fmt == "pdf":
        _from_pdf(pa, data, run)
    elif fmt == "encrypted":
        raise PasswordProtected(
            "Tệp có mật khẩu, không đọc được; đề nghị gửi lại bản không đặt mật khẩu / "
            "the file is password-protected"
        )
    elif fmt == "zip":
        pa.children = archive.read_zip(
            pa.filename,
            data,
            lambda name, member, d: _parse(name, member, None, limits, specs, run.ocr, d),
            limits=limits,
            depth=run.depth,
            deadline=deadline,
        )
        pa.kind = "other"
    elif fmt == "rar":
        pa.kind = "other"
        pa.findings.append(archive.rar_finding(pa.filename))
    elif fmt in IMAGES or _ext(pa.filename) in IMAGE_EXTS:
        _from_image(pa, data)
    elif _ext(pa.filename) in REPORT_EXTS:
        # named like a report but the content is something else entirely
        raise Unparseable(
            f"Nội dung tệp không đúng định dạng .{_ext(pa.filename)} / "
            f"the content is not a valid .{_ext(pa.filename)} file"
        )
    else:
        pa.kind = "other"  # a signature file, a calendar invitation...: readable, not a report


def _from_image(pa: ParsedAttachment, data: bytes) -> None:
    """Readable, not a report by itself: the photos of a mail about CCHC are read together as
    one scan (`read_photos`), which the caller decides with the whole message in hand. An image
    that cannot be opened is unreadable only when it is the size of a photo of a page: a broken
    logo in a signature is nobody's concern. A decompression bomb is always refused."""
    try:
        pa.photo = images.image_info(data).is_page
    except Unparseable:
        if len(data) >= images.PAGE_MIN_BYTES:
            raise
        log.info("%s: an unreadable small picture, taken for a logo", pa.filename)
    pa.kind = "other"


def _onestop_parse(grids: list[Any], specs: Specs) -> OnestopParse | None:
    return parse_onestop(grids, specs.onestop) if grids else None


def _classify(
    pa: ParsedAttachment,
    lines: list[outline.Line],
    text: str,
    title: str,
    grids: list[Any],
    specs: Specs,
) -> None:
    pa.text = text
    result = outline.cover(lines, specs.outline)
    table = _onestop_parse(grids, specs)
    rows = list(table.rows) if table is not None and table.rows else None
    kind: Kind
    if outline.looks_like_report(result, specs.outline, text, title):
        kind = "outline"
        pa.outline = result
        found = outline.missing_finding(result, pa.filename)
        if found:
            pa.findings.append(found)
    elif rows:
        kind = "onestop"
    else:
        kind = "other"
    if rows and table is not None:
        pa.onestop = rows
        pa.findings.extend(_attach(table.findings, pa.filename))
    pa.kind = kind


def _attach(findings: list[Finding], filename: str) -> list[Finding]:
    out = []
    for f in findings:
        if f.attachment is None:
            f = Finding(f.code, f.level, f.message, filename, f.detail)
        out.append(f)
    return out


def _from_document(pa: ParsedAttachment, doc: DocxContent, specs: Specs) -> None:
    pa.header_block = doc.header_block
    pa.title = doc.title
    lines = [
        outline.Line(b.text, b.heading_level, b.bold, b.grid is not None)
        for b in doc.blocks[doc.body_start :]
    ]
    _classify(pa, lines, doc.text, doc.title, doc.tables, specs)


def _from_pdf(pa: ParsedAttachment, data: bytes, run: _Run) -> None:
    from parsers.pdf import read_pdf

    pdf = read_pdf(data, limits=run.limits, deadline=run.deadline)
    if pdf.scanned:
        # OCR has its own time limit (`ocr_timeout_seconds`), not the attachment's.
        result = read_scanned_pdf(data, pdf.pages, run.ocr, largest_page=pdf.largest_page)
        _from_scan(pa, result, run.ocr, run.specs, [pa.filename])
        return
    lines = [outline.Line(x) for x in pdf.lines]
    title = ""
    for i, x in enumerate(pdf.lines[:40]):
        if x.strip().upper().startswith("BÁO CÁO"):
            title = "\n".join(y.strip() for y in pdf.lines[i + 1 : i + 3] if y.strip())
            break
    _classify(pa, lines, pdf.text, title, pdf.tables, run.specs)
    if pdf.pages > pdf.pages_read:
        pa.findings.append(
            Finding(
                code="attachment.truncated",
                level="info",
                message=f"Chỉ đọc {pdf.pages_read}/{pdf.pages} trang đầu của tệp PDF",
                attachment=pa.filename,
            )
        )


def _from_scan(
    pa: ParsedAttachment,
    result: OcrResult,
    settings: OcrSettings,
    specs: Specs,
    names: list[str],
) -> None:
    """A scan's OCR text read like a document's (outline, header block, title); never its
    one-stop table. Unread (OCR off, not installed, too long, too slow): coverage unknown."""
    pa.scanned = True
    pa.kind = "other"
    if result.status == "read":
        text = scan.read_text(result.texts)
        pa.header_block, pa.title = text.header_block, text.title
        _classify(pa, [outline.Line(x) for x in text.lines], text.text, text.title, [], specs)
    else:
        log.info("scan %s not read by OCR: %s", pa.filename, result.reason or result.status)
    pa.findings.insert(0, scan.scanned_finding(result, settings, names, pa.filename))


def read_photos(
    pages: list[ParsedAttachment], *, ocr: OcrSettings | None = None, specs: Specs | None = None
) -> None:
    """Read the photos of one mail (`photo` attachments, with their `data`) as the pages of one
    scan, in file-name order. The result — text, coverage, header block, title and the
    `attachment.scanned` finding — goes on the first page; every page is marked `scanned`.
    Never raises: a page that cannot be read makes the whole scan unread."""
    if not pages:
        return
    ocr = ocr or OcrSettings()
    ordered = sorted(pages, key=lambda p: natural_key(p.filename))
    try:
        result = read_images([p.data or b"" for p in ordered], ocr)
    except AttachmentError as exc:  # a page the registry could open and now cannot
        result = OcrResult("failed", len(ordered), reason=exc.message)
    except Exception as exc:  # the boundary, as in parse_attachment: one mail never stops a run
        log.warning("cannot read the photos %s", [p.filename for p in ordered], exc_info=True)
        result = OcrResult("failed", len(ordered), reason=f"{type(exc).__name__}: {exc}")
    for page in ordered[1:]:
        page.scanned = True
    _from_scan(ordered[0], result, ocr, specs or default_specs(), [p.filename for p in ordered])


def _from_sheets(pa: ParsedAttachment, data: bytes, fmt: str, specs: Specs, limits: Limits) -> None:
    from parsers import sheets

    grids = sheets.read_grids(data, fmt, limits=limits)
    pa.text = nfc(
        "\n".join("\t".join("" if c is None else str(c) for c in row) for g in grids for row in g)
    )
    table = _onestop_parse(grids, specs)
    if table is not None and table.rows:
        pa.kind = "onestop"
        pa.onestop = list(table.rows)
        pa.findings.extend(_attach(table.findings, pa.filename))
        names = [n for n in getattr(table, "unit_names", []) if n]
        if len(names) == 1:
            pa.header_block = names[0]  # a single unit's table: its row names the issuer
    else:
        pa.kind = "other"
