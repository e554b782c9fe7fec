"""OCR text → what a document reader gives: the issuer block, the title and the body's lines.

Tesseract returns physical lines: a heading wraps onto two lines, the two columns of the
header ("ỦY BAN NHÂN DÂN / XÃ NAM BÌNH" left, the national motto right) share lines, and
specks become leading junk ("_V. ĐÁNH GIÁ CHUNG"). The outline matcher wants one line per
paragraph, as a Word file has them, so wrapped lines are joined back (a line continues the
previous one unless it starts a numbered heading or a new sentence), the header is read line
by line with the motto cut away, and the numbering slips OCR makes in upper-case headings
("1." or "l." for "I.", "II" without its dot) are put right. Pure text in, text out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cchc.core.text import fold, nfc
from parsers.model import Finding
from parsers.ocr import OcrResult, OcrSettings

_TITLE = re.compile(r"^bao\s*cao\b")
_TITLE_STOP = re.compile(r"^(kinh gui|thuc hien|can cu|phan\s|[ivxl]+\s*[.\-–:)]|\d{1,2}\s*[.)]\s)")
_MARKER = re.compile(
    r"^(?:(?:PHẦN|Phần|PHAN|Phan)\s+\S+|[IVXL]+\s*[.\-–:)]|\d{1,2}(?:\.\d{1,2}){0,2}\s*[.)\-–:]"
    r"|[a-zđ]\s*[).])\s*\S"
)
_SLIP = re.compile(r"^([IVXLl1|!]{1,4})\s*[.,:\-–)]?\s+(?=\S)")
_ROMAN = re.compile(r"X?(?:IX|IV|V?I{0,3})")
_SENTENCE_END = (".", ":", ";", "!", "?")
# The national motto and the document number share the header's lines with the issuer.
_MOTTO = (("cong", "hoa"), ("doc", "lap"), ("nghia", "viet", "nam"), ("hanh", "phuc"))
_DATE = re.compile(r"\bngay\s+\S+\s+thang\b")
HEADER_LINES = 4


@dataclass
class ScanText:
    header_block: str = ""
    title: str = ""
    lines: list[str] = field(default_factory=list)  # body paragraphs, after the title
    text: str = ""  # everything read, NFC


def _letters(text: str) -> list[str]:
    return [c for c in text if c.isalpha()]


def _upper(text: str) -> bool:
    """Mostly upper-case letters: a heading ("CÔNG TÁC CHỈ ĐẠO"), not a sentence."""
    letters = _letters(text)
    return len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def _strip_junk(line: str) -> str:
    """Specks read as punctuation before the first letter or digit ("_V.", "-_ theo")."""
    i = 0
    while i < len(line) and not line[i].isalnum():
        i += 1
    return line[i:].rstrip()


def _fix_numbering(line: str) -> str:
    """ "1. CÔNG TÁC" → "I. CÔNG TÁC", "II KẾT QUẢ" → "II. KẾT QUẢ": only on upper-case
    headings, where a unit numbers with Roman numerals and OCR misreads the "I"."""
    m = _SLIP.match(line)
    if not m or not _upper(line[m.end() :]):
        return line
    roman = m.group(1).translate(str.maketrans("l1|!", "IIII"))
    if not _ROMAN.fullmatch(roman):
        return line
    return f"{roman}. {line[m.end() :]}"


def _starts_new(previous: str, line: str) -> bool:
    """Does this physical line start a paragraph of its own, or continue the previous one?"""
    if _MARKER.match(line):
        return True
    if _upper(previous):  # an upper-case heading goes on in upper case; a sentence is body
        return any(c.islower() for c in line)
    first = line[0]
    if previous.endswith(_SENTENCE_END) and (first.isupper() or first.isdigit()):
        return True
    # "2. Kiểm tra cải cách hành chính" then "Trong kỳ, ..." with no blank line between
    return bool(_MARKER.match(previous)) and first.isupper()


def paragraphs(lines: Sequence[str]) -> list[str]:
    """Physical lines (blank lines and page breaks separate blocks) → one line per paragraph."""
    out: list[str] = []
    joinable = False
    for raw in lines:
        line = _strip_junk(raw)
        if not line:
            joinable = False
            continue
        if joinable and out and not _starts_new(out[-1], line):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        joinable = True
    return [_fix_numbering(p) for p in out]


def _column_gap(word: str) -> bool:
    """A token of specks between the header's two columns ("|", "__", ".._"); a hyphen is
    part of a name ("PHÒNG TÀI CHÍNH - KẾ HOẠCH")."""
    return not any(c.isalnum() for c in word) and word not in ("-", "–", "&")


def _issuer_words(line: str) -> str:
    """The left column's words of one header line: up to the motto, the document number
    ("Số:") or the gap between the columns ("XÃ NAM BÌNH | NAM")."""
    words = line.split()
    folded = [fold(w).strip(".,:;|-_") for w in words]
    for i in range(len(words)):
        motto = any(tuple(folded[i : i + len(m)]) == m for m in _MOTTO)
        if motto or folded[i] == "so" or (i and _column_gap(words[i])):
            words = words[:i]
            break
    text = _strip_junk(" ".join(words))
    while text and not text[-1].isalnum():
        text = text[:-1].rstrip()
    return text


def _issuer(lines: Sequence[str]) -> str:
    """The issuer's lines of the header: the motto, the document number and the date cut away."""
    keep = [text for text in map(_issuer_words, lines) if len(_letters(text)) >= 3]
    return "\n".join([t for t in keep if not _DATE.search(fold(t))][:HEADER_LINES])


def read_text(pages: Sequence[str]) -> ScanText:
    """Split the OCR text of a scan's pages into issuer block, title and body paragraphs."""
    text = nfc("\n\f\n".join(pages))
    physical = [x.replace("\f", "") for x in text.splitlines()]
    out = ScanText(text=text)
    start = 0
    for i, raw in enumerate(physical[:40]):
        line = _strip_junk(raw)
        if not _TITLE.match(fold(line)):
            continue
        out.header_block = _issuer(physical[:i])
        rest = _strip_junk(line.split(None, 2)[2]) if len(line.split()) > 2 else ""
        title = [rest] if len(_letters(rest)) >= 3 else []
        start = i + 1
        while start < len(physical) and not _strip_junk(physical[start]) and not title:
            start += 1  # blank lines between "BÁO CÁO" and the title
        for nxt in physical[start : start + 3]:
            clean = _strip_junk(nxt)
            if not clean or _TITLE_STOP.match(fold(clean)):
                break
            title.append(clean)
            start += 1
        out.title = " ".join(title)
        break
    out.lines = paragraphs(physical[start:])
    return out


# --- the finding every scan carries (SPEC §3: info, never a reason for review) -------------

_TABLE = (
    "Biểu thống kê một cửa (Phụ lục 2) không đọc từ ảnh: đề nghị gửi biểu dạng tệp Excel (.xlsx)."
)
_NOT_READ = "nên chưa kiểm tra được nội dung theo đề cương (Phụ lục 1)"


def scanned_message(result: OcrResult, settings: OcrSettings, names: Sequence[str]) -> str:
    """The Vietnamese message of `attachment.scanned`: read by OCR, or why not; and that the
    one-stop table must come as a spreadsheet."""
    what = "Tệp là bản scan (ảnh, không có chữ)"
    if len(names) > 1:
        what = f"Các ảnh {', '.join(names)} được đọc như các trang của một bản scan"
    why = {
        "read": f"đã đọc bằng nhận dạng chữ (OCR, {result.pages} trang) để kiểm tra đề cương",
        "disabled": f"chức năng nhận dạng chữ (OCR) đang tắt {_NOT_READ}",
        "unavailable": "máy chủ chưa có nhận dạng chữ tiếng Việt (OCR: Tesseract, gói "
        f"tesseract-ocr-vie) {_NOT_READ}",
        "too_many_pages": f"bản scan có {result.pages} trang, quá {settings.max_pages} trang "
        f"đọc bằng OCR {_NOT_READ}",
        "timeout": f"đọc bằng OCR quá thời gian cho phép ({settings.timeout:g} giây) {_NOT_READ}",
        "failed": f"nhận dạng chữ (OCR) không đọc được ảnh {_NOT_READ}",
    }[result.status]
    return f"{what}: {why}. {_TABLE}"


def scanned_finding(
    result: OcrResult, settings: OcrSettings, names: Sequence[str], attachment: str
) -> Finding:
    return Finding(
        code="attachment.scanned",
        level="info",
        message=scanned_message(result, settings, names),
        attachment=attachment,
        detail={"ocr": result.status, "pages": result.pages, "files": list(names)},
    )
