"""PDFs: text and tables read with a page cap; a scan says it needs OCR."""

from __future__ import annotations

import pytest

from parsers.guard import Limits
from parsers.pdf import read_pdf
from parsers.registry import parse_attachment


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal valid PDF with Helvetica text lines (ASCII), one list of lines per page."""
    objs: list[bytes] = []
    n_pages = len(pages)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n_pages))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    font_id = 3 + 2 * n_pages
    for i, lines in enumerate(pages):
        ops = ["BT /F1 12 Tf 14 TL 50 780 Td"] + [f"({x}) Tj T*" for x in lines] + ["ET"]
        stream = "\n".join(ops).encode()
        objs.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


REPORT = [
    "UBND XA NAM BINH",
    "BAO CAO",
    "Ket qua thuc hien cong tac cai cach hanh chinh quy I",
    "I. CONG TAC CHI DAO, DIEU HANH CAI CACH HANH CHINH",
    "1. Xay dung ke hoach va to chuc, chi dao, dieu hanh cai cach hanh chinh",
    "Noi dung.",
    "VII. KIEN NGHI, DE XUAT",
    "De nghi.",
]


def test_text_pdf_is_read_into_lines() -> None:
    pdf = read_pdf(make_pdf([REPORT]))
    assert "BAO CAO" in pdf.lines
    assert not pdf.scanned


def test_pdf_without_text_is_other_with_scanned_finding() -> None:
    pa = parse_attachment("scan.pdf", make_pdf([[]]))
    assert (pa.format, pa.kind) == ("pdf", "other")
    assert [f.code for f in pa.findings] == ["attachment.scanned"]
    assert "scan" in pa.findings[0].message


def test_pages_beyond_the_cap_are_not_read() -> None:
    pdf = read_pdf(make_pdf([REPORT] * 5), limits=Limits(pdf_max_pages=2))
    assert (pdf.pages, pdf.pages_read) == (5, 2)


def test_pdf_sections_are_covered_like_a_document() -> None:
    pa = parse_attachment("bc.pdf", make_pdf([REPORT]))
    assert pa.kind == "other"  # too little of the outline to be the report
    assert "cai cach hanh chinh" in pa.text


@pytest.mark.parametrize("data", [b"%PDF-1.4\n garbage", b"%PDF-" + b"\xff" * 200])
def test_corrupt_pdf_is_unparseable(data: bytes) -> None:
    assert parse_attachment("x.pdf", data).kind == "unparseable"
