"""An export's file format, chosen by the name it is written to (`-o F.xlsx`, `-o F.pdf`).

Each export has its own format (.xlsx for the tables, .docx for the documents); `.pdf` is
that file printed by LibreOffice, exactly as the office would print it, where LibreOffice is
installed. Any other name is refused before anything is built, so `-o x.pdf` never quietly
writes a spreadsheet under a PDF's name.
"""

from __future__ import annotations

from pathlib import Path

from cchc.core.errors import CchcError
from cchc.exports import write_bytes
from parsers.convert import convert, find_soffice
from parsers.guard import Deadline, TooSlow, Unparseable

PDF_SECONDS = 180.0
PDF_FILTERS = {"xlsx": "pdf:calc_pdf_Export", "docx": "pdf:writer_pdf_Export"}


def output_format(path: str | Path, native: str) -> str:
    """`native` or "pdf", from the file name's extension; CchcError (exit 2) for any other,
    or for .pdf without LibreOffice."""
    ext = Path(path).suffix.lower().lstrip(".")
    if ext == native:
        return native
    if ext == "pdf":
        if find_soffice() is None:
            raise CchcError(
                f"{path}: cần LibreOffice (soffice) để ghi tệp PDF nhưng máy chưa cài "
                f"(Debian: apt-get install libreoffice-calc-nogui libreoffice-writer-nogui); "
                f"hoặc ghi tệp .{native}"
            )
        return "pdf"
    shown = f".{ext}" if ext else "không có phần mở rộng"
    raise CchcError(f"{path}: không ghi được tệp dạng {shown}; dùng tên tệp .{native} hoặc .pdf")


def to_pdf(data: bytes, native: str) -> bytes:
    """The file printed to PDF by LibreOffice, page setup and all."""
    try:
        return convert(data, native, "pdf", PDF_FILTERS[native], deadline=Deadline(PDF_SECONDS))
    except (Unparseable, TooSlow) as exc:
        raise CchcError(f"không chuyển được sang PDF bằng LibreOffice: {exc}") from None


def save(data: bytes, native: str, path: str | Path) -> Path:
    """Write an export's bytes to `path` in the format its name asks for."""
    if output_format(path, native) == "pdf":
        data = to_pdf(data, native)
    return write_bytes(data, path)
