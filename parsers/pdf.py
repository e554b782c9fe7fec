"""Text PDFs through pdfplumber: text per page and tables as grids, with a page cap.

A PDF without a text layer is a scan (`scanned`): the registry has it read by OCR
(`parsers.ocr`), for which it needs the page count and the largest page. pdfplumber is pure
Python and slow on big files, so it reads at most `Limits.pdf_max_pages` pages and checks the
deadline between pages.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field

from cchc.core.text import nfc
from parsers import legacy
from parsers.guard import Deadline, Limits, PasswordProtected, Unparseable

log = logging.getLogger(__name__)


@dataclass
class PdfContent:
    lines: list[str] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)
    pages: int = 0
    pages_read: int = 0
    largest_page: float = 0.0  # the largest page read, in square points

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def scanned(self) -> bool:
        """No text layer worth the name: fewer than 20 letters over the pages read."""
        return sum(ch.isalpha() for ch in self.text) < 20


def read_pdf(
    data: bytes, *, limits: Limits | None = None, deadline: Deadline | None = None
) -> PdfContent:
    """Read a PDF; raises `PasswordProtected` / `Unparseable` on what cannot be read."""
    import pdfplumber  # lazy: heavy import, only for PDFs
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    limits = limits or Limits()
    deadline = deadline or Deadline(limits.time_limit)
    out = PdfContent()
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            out.pages = len(pdf.pages)
            for page in pdf.pages[: limits.pdf_max_pages]:
                deadline.check()
                out.largest_page = max(out.largest_page, float(page.width * page.height))
                text = page.extract_text() or ""
                out.lines.extend(legacy.to_unicode(nfc(x)) for x in text.splitlines())
                for table in page.extract_tables() or []:
                    out.tables.append(
                        [[legacy.to_unicode(nfc(c or "")) for c in row] for row in table]
                    )
                out.pages_read += 1
                page.close()
    except PDFPasswordIncorrect as exc:
        raise PasswordProtected("Tệp PDF có mật khẩu / the PDF is password-protected") from exc
    except Exception as exc:  # pdfminer raises many unrelated types on broken files
        if type(exc).__name__ in ("PDFEncryptionError", "PDFPasswordIncorrect"):
            raise PasswordProtected("Tệp PDF có mật khẩu / the PDF is password-protected") from exc
        if isinstance(exc, Unparseable | PasswordProtected) or type(exc).__name__ == "TooSlow":
            raise
        raise Unparseable(f"Tệp PDF bị hỏng / corrupt PDF: {type(exc).__name__}: {exc}") from exc
    return out
