"""Builders for real test files: Word documents written by python-docx, zips by zipfile.

Tests build what they read, so each fixture shows the one thing it exercises.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Sequence

import docx
from docx.shared import Pt

# The outline as a unit would write it, numbering style chosen per test.
SECTIONS = [
    ("I", 1, "CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH"),
    ("I.1", 2, "Xây dựng kế hoạch và tổ chức, chỉ đạo, điều hành cải cách hành chính"),
    ("I.2", 2, "Kiểm tra cải cách hành chính"),
    ("I.3", 2, "Công tác tuyên truyền cải cách hành chính"),
    ("II", 1, "KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH"),
    ("II.1", 2, "Cải cách thể chế"),
    ("II.2", 2, "Cải cách thủ tục hành chính"),
    ("II.3", 2, "Cải cách tổ chức bộ máy hành chính nhà nước"),
    ("II.4", 2, "Xây dựng và nâng cao chất lượng đội ngũ cán bộ, công chức, viên chức"),
    ("II.5", 2, "Cải cách tài chính công"),
    ("II.6", 2, "Hiện đại hóa hành chính"),
    ("V", 1, "ĐÁNH GIÁ CHUNG"),
    ("V.1", 2, "Ưu điểm"),
    ("V.2", 2, "Tồn tại, hạn chế"),
    ("V.3", 2, "Nguyên nhân và bài học kinh nghiệm"),
    ("VI", 1, "PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ TỚI"),
    ("VII", 1, "KIẾN NGHỊ, ĐỀ XUẤT"),
]
ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7}
BODY = "Trong kỳ, đơn vị đã triển khai đầy đủ các nhiệm vụ được giao theo kế hoạch."


def numbered(style: str, sid: str, level: int, counters: dict[int, int]) -> str:
    """The number a unit would type before a heading, in one of the styles seen in the wild."""
    counters[level] = counters.get(level, 0) + 1
    if level == 1:
        counters[2] = 0
        top = sid
        if style == "arabic":
            return f"{counters[1]}. "
        if style == "phan":
            return f"Phần {top}. "
        if style == "dash":
            return f"{top} - "
        return f"{top}. "
    n = counters[2]
    if style == "arabic":
        return f"{counters[1]}.{n}. "
    if style == "alpha":
        return f"{'abcdefgh'[n - 1]}) "
    if style == "roman.num":
        return f"{sid.split('.')[0]}.{n} "
    return f"{n}. "


def report_docx(
    *,
    style: str = "roman",
    skip: Iterable[str] = (),
    empty: Iterable[str] = (),
    heading_styles: bool = False,
    bold: bool = True,
    header: Sequence[str] = ("ỦY BAN NHÂN DÂN", "XÃ NAM BÌNH"),
    header_as_table: bool = True,
    title: Sequence[str] = ("Kết quả thực hiện công tác cải cách hành chính quý I năm 2024",),
    extra_tables: Sequence[list[list[str]]] = (),
    font: str | None = None,
    transform: Callable[[str], str] | None = None,
    size: float = 13,
) -> bytes:
    """A CCHC report in the given numbering style, omitting `skip` and leaving `empty` bare."""
    skip, empty = set(skip), set(empty)
    d = docx.Document()
    if header_as_table:
        t = d.add_table(rows=1, cols=2)
        t.cell(0, 0).text = "\n".join([*header, "———", "Số: 12/BC-UBND"])
        t.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    else:
        for line in header:
            d.add_paragraph(line)
    d.add_paragraph().add_run("BÁO CÁO").bold = True
    for line in title:
        d.add_paragraph().add_run(line).bold = True
    d.add_paragraph("Thực hiện Công văn số 3042/UBND-NV, đơn vị báo cáo như sau:")
    counters: dict[int, int] = {}
    tx = transform or (lambda s: s)
    for sid, level, text in SECTIONS:
        if sid in skip:
            continue
        number = numbered(style, sid, level, counters)
        p = d.add_paragraph(style=f"Heading {level}") if heading_styles else d.add_paragraph()
        run = p.add_run(tx(number + text))
        run.bold = bold
        if font:
            run.font.name = font
        if sid not in empty:
            r = d.add_paragraph().add_run(tx(BODY))
            if font:
                r.font.name = font
    for grid in extra_tables:
        t = d.add_table(rows=len(grid), cols=len(grid[0]))
        for i, row in enumerate(grid):
            for j, cell in enumerate(row):
                t.cell(i, j).text = cell
    sig = d.add_table(rows=1, cols=2)
    sig.cell(0, 0).text = "Nơi nhận:\n- Phòng Nội vụ;\n- Lưu: VT."
    sig.cell(0, 1).text = "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH"
    d.styles["Normal"].font.size = Pt(size)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def rezip(
    data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None
) -> bytes:
    """A copy of an OOXML zip with parts replaced or added."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info)))
        for name, body in add.items():
            dst.writestr(name, body)
    return out.getvalue()


def make_zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return out.getvalue()


def zip_bomb(inflated: int = 300 * 1024 * 1024, name: str = "report.docx") -> bytes:
    """A zip whose one member inflates to `inflated` bytes of zeros, written in streaming."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open(name, "w", force_zip64=True) as fh,
    ):
        block = b"\0" * (1024 * 1024)
        for _ in range(inflated // len(block)):
            fh.write(block)
    return out.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"""


def ole2_encrypted_stub() -> bytes:
    """The start of an encrypted OOXML file: OLE2 magic and an EncryptionInfo directory entry."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    entry = "EncryptionInfo".encode("utf-16-le") + b"\0" * 2
    return (
        header
        + entry
        + b"\0" * (128 - len(entry))
        + "EncryptedPackage".encode("utf-16-le")
        + b"\0" * 1024
    )
