"""Reporting periods, their due instants, and finding a period in Vietnamese text.

Pure functions: the calendar rule comes from configuration (SPEC §1), every instant is aware.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from cchc.core import labels
from cchc.core.config import CalendarConfig
from cchc.core.errors import CchcError
from cchc.core.text import fold

KINDS = ("Q1", "H1", "Q3", "Y")
_ID = re.compile(r"^(\d{4})-(Q1|H1|Q3|Y)$")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    index: int  # 0..3, the order inside a year

    @property
    def kind(self) -> str:
        return KINDS[self.index]

    @property
    def id(self) -> str:
        return f"{self.year}-{self.kind}"

    @property
    def name(self) -> str:
        """ "Báo cáo Quý I năm 2025", "Báo cáo năm 2025"."""
        if self.kind == "Y":
            return f"{labels.PERIOD_NAME['Y']} {self.year}"
        return f"{labels.PERIOD_NAME[self.kind]} năm {self.year}"

    @property
    def short(self) -> str:
        """A column heading without the year: "Quý I", "6 tháng", "Cả năm"."""
        return labels.PERIOD_SHORT[self.kind]

    @property
    def short_with_year(self) -> str:
        """A column heading with the year: "Quý I 2025", "Năm 2025"."""
        return labels.PERIOD_SHORT_YEAR[self.kind].format(year=self.year)

    @property
    def title(self) -> str:
        """As a document's title says it: "QUÝ I NĂM 2025", "6 THÁNG ĐẦU NĂM 2025"."""
        return labels.PERIOD_TITLE[self.kind].format(year=self.year)

    @classmethod
    def all_of(cls, year: int) -> list[Period]:
        """The periods of a year, in order."""
        return [cls(year, i) for i in range(len(KINDS))]

    def __str__(self) -> str:
        return self.id

    @classmethod
    def of(cls, year: int, kind: str) -> Period:
        return cls(year, KINDS.index(kind))


def parse_period(text: str) -> Period:
    match = _ID.match(text.strip())
    if not match:
        raise CchcError(f"not a period id: {text!r} (use e.g. 2025-Q1, 2025-H1, 2025-Q3, 2025-Y)")
    return Period.of(int(match.group(1)), match.group(2))


def due(period: Period, cal: CalendarConfig, tz: ZoneInfo) -> datetime:
    """Reports must be received strictly before this instant."""
    if period.kind == "Y":
        month, day = (int(x) for x in cal.annual_due.split("-"))
    else:
        quarter_start = {"Q1": 1, "H1": 4, "Q3": 7}[period.kind]
        month, day = quarter_start + cal.quarter_due_month - 1, cal.quarter_due_day
    return datetime.combine(date(period.year, month, day), time(0, 0), tzinfo=tz)


def periods_around(moment: datetime, years: int = 1) -> list[Period]:
    year = moment.year
    return [Period(y, i) for y in range(year - years, year + years + 1) for i in range(4)]


def first_due_after(moment: datetime, cal: CalendarConfig, tz: ZoneInfo) -> Period:
    """The period a report without any period wording is for, by its arrival time alone."""
    for period in periods_around(moment):
        if due(period, cal, tz) > moment:
            return period
    raise AssertionError("unreachable: there is always a later period")


def closest_year(kind: str, arrival: datetime, cal: CalendarConfig, tz: ZoneInfo) -> int:
    """A period named without its year: the year whose due date is nearest the arrival."""
    candidates = [Period.of(arrival.year + d, kind) for d in (-1, 0, 1)]
    return min(candidates, key=lambda p: abs((due(p, cal, tz) - arrival).total_seconds())).year


# --- finding a period in text -------------------------------------------------------------

# A date ("ngày 10 tháng 02 năm 2025", "10/02/2025", "tháng 02 năm 2025") is not a period.
_DATES = [
    re.compile(r"ngay\s*\d{1,2}\s*(?:thang|/|-|\.)\s*\d{1,2}\s*(?:nam|/|-|\.)\s*\d{2,4}"),
    re.compile(r"(?<!\d)\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}(?!\d)"),
    re.compile(r"(?<!\d)\d{1,2}\s*/\s*\d{1,2}(?![\d/])"),
    re.compile(r"thang\s*\d{1,2}\s*(?:nam|/)\s*\d{4}"),
    re.compile(r"(?:luc|tu|den|truoc)\s+ngay\s+\d{1,2}"),
]
_B = r"(?<![a-z0-9])"
_E = r"(?![a-z0-9])"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("Q3", re.compile(_B + r"(?:quy|q)\s*(?:iii|3|ba)" + _E)),
    ("Q3", re.compile(_B + r"(?:9|chin)\s*(?:thang|t)" + _E)),
    ("H1", re.compile(_B + r"(?:6|sau)\s*(?:thang|t)" + _E)),
    ("H1", re.compile(_B + r"(?:quy|q)\s*(?:ii|2|hai)" + _E)),
    ("H1", re.compile(_B + r"(?:nua|giua)\s*nam" + _E)),
    ("Y", re.compile(_B + r"(?:quy|q)\s*(?:iv|4|bon|tu)" + _E)),
    ("Y", re.compile(_B + r"12\s*(?:thang|t)" + _E)),
    ("Q1", re.compile(_B + r"(?:quy|q)\s*(?:i|1|mot)" + _E)),
    ("Q1", re.compile(_B + r"(?:3|ba)\s*thang\s*dau" + _E)),
    (
        "Y",
        re.compile(
            _B
            + r"(?:bao\s*cao|bc|cchc|hanh\s*chinh|mot\s*cua|pl\s*2|phu\s*luc\s*0?2|tong\s*ket|ca)\s*nam(?:\s*(?:20\d\d))?"
            + _E
        ),
    ),
    ("Y", re.compile(_B + r"nam\s*20\d\d" + _E)),
]
# A plan for the next period ("phương hướng, nhiệm vụ ... Quý II") is not the report's period.
_PLAN = re.compile(r"(?:phuong\s*huong|nhiem\s*vu|ke\s*hoach|du\s*kien|trien\s*khai)[^.;\n]{0,60}$")
_YEAR_AFTER = re.compile(r"^[^0-9]{0,12}?(20\d\d)(?!\d)")
_ANY_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


@dataclass(frozen=True)
class PeriodMention:
    kind: str
    year: int | None


def _clean(text: str) -> str:
    folded = fold(text.replace("_", " "))
    for pattern in _DATES:
        folded = pattern.sub(" # ", folded)
    return folded


def find_period(text: str) -> PeriodMention | None:
    """The first period named in `text` that is not a plan for a later period."""
    if not text:
        return None
    folded = _clean(text)
    hits: list[tuple[int, int, str]] = []
    for rank, (kind, pattern) in enumerate(_PATTERNS):
        for match in pattern.finditer(folded):
            if _PLAN.search(folded[max(0, match.start() - 80) : match.start()]):
                continue
            hits.append((match.start(), rank, kind))
    if not hits:
        return None
    # "quý I năm 2024" also contains "năm 2024": a specific period wins over the bare year.
    specific = [h for h in hits if h[2] != "Y" or h[1] < 8]
    start, _, kind = min(specific or hits, key=lambda h: (h[0], h[1]))
    match_end = start
    for _, pattern in _PATTERNS:
        m = pattern.match(folded, start)
        if m:
            match_end = max(match_end, m.end())
    year_match = _YEAR_AFTER.match(folded[match_end:])
    year = int(year_match.group(1)) if year_match else None
    if year is None:
        inside = _ANY_YEAR.search(folded[start:match_end])
        year = int(inside.group(1)) if inside else None
    if year is None:
        others = _ANY_YEAR.findall(folded)
        year = int(others[0]) if len(set(others)) == 1 else None
    return PeriodMention(kind, year)


def resolve(mention: PeriodMention, arrival: datetime, cal: CalendarConfig, tz: ZoneInfo) -> Period:
    year = mention.year if mention.year else closest_year(mention.kind, arrival, cal, tz)
    return Period.of(year, mention.kind)
