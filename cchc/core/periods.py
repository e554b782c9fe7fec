"""Reporting periods: their kinds, ids and Vietnamese names (SPEC §9).

A period is a year and a kind: a month (`M01`…`M12`), a quarter (`Q1`…`Q4`), the first six
months (`H1`), the first nine (`N9`) or the year (`Y`); its id is `YYYY-<kind>` (`2026-Q1`,
`2026-M03`). Which kinds an office collects, and when each is due, is the profile's business
(`cchc.core.calendar`); this module only knows what a kind is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import total_ordering

from cchc.core import labels
from cchc.core.errors import CchcError

MONTHS = tuple(f"M{m:02d}" for m in range(1, 13))
# kind -> (first month, last month) of the calendar months it reports on
SPANS: dict[str, tuple[int, int]] = {
    **{f"M{m:02d}": (m, m) for m in range(1, 13)},
    "Q1": (1, 3),
    "Q2": (4, 6),
    "Q3": (7, 9),
    "Q4": (10, 12),
    "H1": (1, 6),
    "N9": (1, 9),
    "Y": (1, 12),
}
KINDS = tuple(SPANS)
# What `[calendar] reports` may list: "M" stands for the twelve months.
REPORT_NAMES = ("M", "Q1", "Q2", "Q3", "Q4", "H1", "N9", "Y")
SEED_KINDS = ("Q1", "H1", "Q3", "Y")
_ID = re.compile(r"^(\d{4})-(M(?:0[1-9]|1[0-2])|Q[1-4]|H1|N9|Y)$")
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def expand_reports(reports: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """`[calendar] reports` as period kinds, in their order within a year ("M" → M01…M12)."""
    kinds = {k for r in reports for k in (MONTHS if r == "M" else (r,))}
    return tuple(sorted(kinds, key=_kind_order))


def _kind_order(kind: str) -> tuple[int, int]:
    first, last = SPANS[kind]
    return (last, last - first)  # by the month it ends, a month before the quarter ending with it


@total_ordering
@dataclass(frozen=True)
class Period:
    year: int
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in SPANS:
            raise CchcError(f"không phải loại kỳ báo cáo: {self.kind!r}")

    def _key(self) -> tuple[int, int, int]:
        return (self.year, *_kind_order(self.kind))

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._key() < other._key()

    @property
    def id(self) -> str:
        return f"{self.year}-{self.kind}"

    @property
    def month(self) -> int | None:
        """1–12 for a monthly period, else None."""
        return int(self.kind[1:]) if self.kind in MONTHS else None

    @property
    def first_day(self) -> date:
        """The first day of its first calendar month: when the period begins (SPEC §3)."""
        return date(self.year, SPANS[self.kind][0], 1)

    @property
    def last_month(self) -> int:
        return SPANS[self.kind][1]

    @property
    def name(self) -> str:
        """ "Báo cáo Quý I năm 2025", "Báo cáo tháng 3 năm 2026", "Báo cáo năm 2025"."""
        if self.kind == "Y":
            return f"{labels.PERIOD_NAME['Y']} {self.year}"
        return f"{self.kind_name} năm {self.year}"

    @property
    def kind_name(self) -> str:
        """The report's name without the year: "Báo cáo Quý I", "Báo cáo tháng 3"."""
        if self.month is not None:
            return labels.PERIOD_NAME["M"].format(month=self.month)
        return labels.PERIOD_NAME[self.kind]

    @property
    def short(self) -> str:
        """A column heading without the year: "Quý I", "Tháng 3", "Cả năm"."""
        if self.month is not None:
            return labels.PERIOD_SHORT["M"].format(month=self.month)
        return labels.PERIOD_SHORT[self.kind]

    @property
    def short_with_year(self) -> str:
        """A column heading with the year: "Quý I 2025", "Tháng 3/2026", "Năm 2025"."""
        key = "M" if self.month is not None else self.kind
        return labels.PERIOD_SHORT_YEAR[key].format(year=self.year, month=self.month)

    @property
    def title(self) -> str:
        """As a document's title says it: "QUÝ I NĂM 2025", "6 THÁNG ĐẦU NĂM 2025"."""
        key = "M" if self.month is not None else self.kind
        return labels.PERIOD_TITLE[key].format(year=self.year, month=self.month)

    def __str__(self) -> str:
        return self.id

    @classmethod
    def of(cls, year: int, kind: str) -> Period:
        return cls(year, kind)


def quarter_roman(n: int) -> str:
    return _ROMAN[n]


def parse_period(text: str) -> Period:
    match = _ID.match(text.strip())
    if not match:
        raise CchcError(
            f"không phải mã kỳ báo cáo: {text!r} (ví dụ 2025-Q1, 2025-H1, 2025-Q3, 2025-Y, 2026-M03)"
        )
    return Period(int(match.group(1)), match.group(2))
