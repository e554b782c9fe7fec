"""What the head and foot of an administrative document say (Nghị định 30/2020/NĐ-CP, Phụ lục
I): the issuing body under its superior authority, the national motto, "<place>, ngày … tháng
… năm …", "Nơi nhận" and the signer's title — all from `[office]` (name, issuer, place), so a
district's Phòng Nội vụ and a province's Sở Nội vụ print their own without a line of code.

Both the spreadsheets (`cchc.exports.sheet`) and the Word files (`cchc.exports.document`)
draw these words; the date is left as dots for the signer, as drafts are.
"""

from __future__ import annotations

from dataclasses import dataclass

from cchc.context import Context
from cchc.core import labels

_LEVELS = ("thành phố", "thị xã", "thị trấn", "tỉnh", "huyện", "quận", "xã", "phường")
_UBND = ("ủy ban nhân dân", "uỷ ban nhân dân")


@dataclass(frozen=True)
class Letterhead:
    superior: str  # "UBND HUYỆN ĐẮK SONG": the authority above the office, or ""
    office: str  # "PHÒNG NỘI VỤ": the issuing body
    place_date: str  # "Đắk Song, ngày … tháng … năm …"
    recipient: str  # "Ủy ban nhân dân huyện Đắk Song": whom the office reports to, or ""
    signer: str  # "TRƯỞNG PHÒNG"


def _upper(text: str) -> str:
    return text.upper().replace("UỶ", "ỦY")


def _office_line(name: str, issuer: str) -> str:
    """The office's name without the locality its superior already names: "Phòng Nội vụ
    huyện Đắk Song" under "ỦY BAN NHÂN DÂN HUYỆN ĐẮK SONG" is "PHÒNG NỘI VỤ"."""
    low = f" {name.lower()} "
    for level in _LEVELS:
        at = low.find(f" {level} ")
        if at > 0 and issuer and _upper(name[at:].strip()) in _upper(issuer):
            return _upper(name[:at].strip())
    return _upper(name)


def _superior_line(issuer: str) -> str:
    """The superior authority as headers print it: "ỦY BAN NHÂN DÂN HUYỆN X" → "UBND HUYỆN X"."""
    text = issuer.strip()
    for long in _UBND:
        if text.lower().startswith(long):
            return "UBND " + _upper(text[len(long) :].strip())
    return _upper(text)


def _recipient(issuer: str, place: str) -> str:
    """The superior in running text: "ỦY BAN NHÂN DÂN HUYỆN ĐẮK SONG" → "Ủy ban nhân dân huyện
    Đắk Song" (the place keeps its capitals when `[office] place` gives them)."""
    text = issuer.strip()
    if not text:
        return ""
    if place and _upper(text).endswith(_upper(place)):
        head = text[: len(text) - len(place)].strip()
        return f"{head[:1].upper()}{head[1:].lower()} {place}".replace("Uỷ", "Ủy")
    return text


def signer_title(office_name: str) -> str:
    """The head of the office, by the kind of body its name says ("Phòng …" → TRƯỞNG PHÒNG)."""
    low = office_name.strip().lower()
    for prefix, title in sorted(labels.SIGNER.items(), key=lambda kv: -len(kv[0])):
        if low.startswith(prefix):
            return title
    return labels.SIGNER_DEFAULT


def letterhead(ctx: Context) -> Letterhead:
    office = ctx.config.office
    issuer = office.issuer.strip()
    return Letterhead(
        superior=_superior_line(issuer) if issuer else "",
        office=_office_line(office.name, issuer),
        place_date=labels.PLACE_DATE.format(place=office.place.strip() or labels.BLANK_PLACE),
        recipient=_recipient(issuer, office.place.strip()),
        signer=signer_title(office.name),
    )
