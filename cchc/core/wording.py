"""Finding the period a text names ("Quý I", "6 tháng đầu năm", "tháng 3 năm 2026"), for the
kinds an office collects (SPEC §3, §9 "Wordings → kinds").

A wording names a kind, possibly through a fallback: "Quý II" is Q2, or H1 where the office
has no Q2; "Quý III" is Q3, or N9 where it has N9 but no Q3; "9 tháng" is N9, or Q3 where it
has no N9; "Quý IV" is Q4, or Y where it has no Q4; "tháng N" is the month where monthly
reports exist and nothing elsewhere. A wording whose kind is not collected is no period. A
date ("ngày 10 tháng 3 năm 2026", "10/3/2026") is never a period; "tháng 3 năm 2026" alone is
a date only where the office has no monthly reports. A plan for a later period ("phương
hướng … Quý II") is not the report's period.

Pure functions of text and the office's kinds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from cchc.core.periods import MONTHS, SEED_KINDS
from cchc.core.text import fold

# A date is not a period. The last pattern ("tháng 02 năm 2025") only where no monthly reports.
_DATES = [
    re.compile(r"ngay\s*\d{1,2}\s*(?:thang|/|-|\.)\s*\d{1,2}\s*(?:nam|/|-|\.)\s*\d{2,4}"),
    re.compile(r"(?<!\d)\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}(?!\d)"),
    re.compile(r"(?<!\d)\d{1,2}\s*/\s*\d{1,2}(?![\d/])"),
    re.compile(r"(?:luc|tu|den|truoc)\s+ngay\s+\d{1,2}"),
]
_MONTH_YEAR_DATE = re.compile(r"thang\s*\d{1,2}\s*(?:nam|/)\s*\d{4}")
_B = r"(?<![a-z0-9])"
_E = r"(?![a-z0-9])"
# (wording class, pattern), in the order that breaks ties at one position. A class is a kind
# before the office's fallbacks; "M" is a month (its number in the match's group 1).
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("Q3", re.compile(_B + r"(?:quy|q)\s*(?:iii|3|ba)" + _E)),
    ("N9", re.compile(_B + r"(?:9|chin)\s*(?:thang|t)" + _E)),
    ("H1", re.compile(_B + r"(?:6|sau)\s*(?:thang|t)" + _E)),
    ("Q2", re.compile(_B + r"(?:quy|q)\s*(?:ii|2|hai)" + _E)),
    ("H1", re.compile(_B + r"(?:nua|giua)\s*nam" + _E)),
    ("Q4", re.compile(_B + r"(?:quy|q)\s*(?:iv|4|bon|tu)" + _E)),
    ("Y", re.compile(_B + r"(?:12|muoi\s*hai)\s*(?:thang|t)" + _E)),
    ("Q1", re.compile(_B + r"(?:quy|q)\s*(?:i|1|mot)" + _E)),
    ("Q1", re.compile(_B + r"(?:3|ba)\s*thang\s*dau" + _E)),
    ("M", re.compile(_B + r"thang\s*(0?[1-9]|1[0-2])" + _E)),
    (
        "Y",
        re.compile(
            _B
            + r"(?:bao\s*cao|bc|cchc|hanh\s*chinh|mot\s*cua|pl\s*2|phu\s*luc\s*0?2|tong\s*ket|ca)"
            r"\s*nam(?:\s*(?:20\d\d))?" + _E
        ),
    ),
    ("Y", re.compile(_B + r"nam\s*20\d\d" + _E)),
]
_GENERIC_YEAR = len(_PATTERNS) - 2  # the last two: a bare "năm 2025" loses to a named period
_OWN_YEAR = 24  # "6 tháng đầu năm 2025": the year this close after a wording is that wording's
_PLAN = re.compile(r"(?:phuong\s*huong|nhiem\s*vu|ke\s*hoach|du\s*kien|trien\s*khai)[^.;\n]{0,60}$")
_YEAR_AFTER = re.compile(r"^[^0-9]{0,12}?(20\d\d)(?!\d)")
_ANY_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


@dataclass(frozen=True)
class PeriodMention:
    kind: str
    year: int | None


def kind_for(wording: str, kinds: Iterable[str]) -> str | None:
    """The office's kind for a wording class, after the SPEC §9 fallbacks; None if none."""
    have = set(kinds)
    fallback = {
        "Q2": "Q2" if "Q2" in have else "H1",
        "Q3": "Q3" if "Q3" in have else ("N9" if "N9" in have else "Q3"),
        "N9": "N9" if "N9" in have else "Q3",
        "Q4": "Q4" if "Q4" in have else "Y",
    }
    kind = fallback.get(wording, wording)
    return kind if kind in have else None


def _clean(text: str, monthly: bool) -> str:
    folded = fold(text.replace("_", " "))
    for pattern in _DATES if monthly else [*_DATES, _MONTH_YEAR_DATE]:
        folded = pattern.sub(" # ", folded)
    return folded


def find_period(text: str, kinds: Iterable[str] = SEED_KINDS) -> PeriodMention | None:
    """The first period of `kinds` named in `text` that is not a plan for a later period."""
    if not text:
        return None
    kinds = tuple(kinds)
    folded = _clean(text, monthly=any(k in MONTHS for k in kinds))
    hits: list[tuple[int, int, str]] = []
    skipped: list[int] = []  # where a wording of a kind the office does not collect starts
    for rank, (wording, pattern) in enumerate(_PATTERNS):
        for match in pattern.finditer(folded):
            if _PLAN.search(folded[max(0, match.start() - 80) : match.start()]):
                continue
            found = kind_for(f"M{int(match.group(1)):02d}" if wording == "M" else wording, kinds)
            if found is not None:
                hits.append((match.start(), rank, found))
            elif rank < _GENERIC_YEAR:
                skipped.append(match.start())
    # "quý I năm 2024" also contains "năm 2024": a named period wins over the bare year, and
    # the year of a wording the office does not collect is not its annual report either.
    specific = [h for h in hits if h[1] < _GENERIC_YEAR]
    generic = [
        h
        for h in hits
        if h[1] >= _GENERIC_YEAR and not any(0 <= h[0] - s <= _OWN_YEAR for s in skipped)
    ]
    if not specific and not generic:
        return None
    start, _, kind = min(specific or generic, key=lambda h: (h[0], h[1]))
    return PeriodMention(kind, _year_near(folded, start))


def _year_near(folded: str, start: int) -> int | None:
    """The year of the wording at `start`: just after it, inside it, or the only year in the
    text."""
    end = start
    for _, pattern in _PATTERNS:
        m = pattern.match(folded, start)
        if m:
            end = max(end, m.end())
    after = _YEAR_AFTER.match(folded[end:])
    if after:
        return int(after.group(1))
    inside = _ANY_YEAR.search(folded[start:end])
    if inside:
        return int(inside.group(1))
    others = _ANY_YEAR.findall(folded)
    return int(others[0]) if len(set(others)) == 1 else None


@dataclass(frozen=True)
class Detected:
    kind: str
    year: int | None
    source: str  # subject | filename | title | body
    year_source: str | None = None  # where the year came from, when not the same text


def detect_period(sources: Iterable[tuple[str, str]], kinds: Iterable[str]) -> Detected | None:
    """The period of a message from its (source, text) pairs in SPEC §3 order — subject, file
    names, document titles, body: the first that names one. Without a year in that text, the
    year of a later source naming the same kind with one."""
    kinds = tuple(kinds)
    ordered = list(sources)
    for i, (source, text) in enumerate(ordered):
        mention = find_period(text, kinds)
        if mention is None:
            continue
        if mention.year is not None:
            return Detected(mention.kind, mention.year, source)
        for later_source, later_text in ordered[i + 1 :]:
            later = find_period(later_text, kinds)
            if later is not None and later.kind == mention.kind and later.year is not None:
                return Detected(mention.kind, later.year, source, later_source)
        return Detected(mention.kind, None, source)
    return None
