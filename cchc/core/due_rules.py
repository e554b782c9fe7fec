"""The grammar of a `[calendar.due]` rule (SPEC §9): which day it names for a period.

Forms: "MM-DD" (that day of the period's year), "last:DD" (day DD of the period's last month),
"next:DD" (day DD of the month after the period), each optionally followed by " +Nwd" (the
N-th working day after that day, counted by `cchc.core.calendar`). A DD past a month's end
means its last day.
"""

from __future__ import annotations

import calendar as _months
import re
from dataclasses import dataclass
from datetime import date

from cchc.core.periods import MONTHS, Period

_RULE = re.compile(
    r"^\s*(?:(?P<mm>\d{2})-(?P<dd>\d{2})|(?P<rel>last|next):(?P<rd>\d{1,2}))"
    r"(?:\s*\+\s*(?P<n>\d{1,2})\s*wd)?\s*$"
)


@dataclass(frozen=True)
class DueRule:
    """One `[calendar.due]` rule, parsed: `text` is as configured (SPEC `due_rule`)."""

    text: str
    month: int | None  # MM-DD form
    day: int
    relative: str | None  # "last" | "next"
    working_days: int = 0

    @classmethod
    def parse(cls, text: str, kind: str) -> DueRule:
        """Raises ValueError with a message naming what is wrong."""
        m = _RULE.match(text)
        if not m:
            raise ValueError(
                f'{text!r} không phải quy tắc hạn (dùng "MM-DD", "last:DD" hoặc "next:DD", có '
                'thể thêm " +Nwd", ví dụ "03-14 +2wd")'
            )
        n = int(m["n"]) if m["n"] else 0
        if m["mm"]:
            month, day = int(m["mm"]), int(m["dd"])
            if kind in MONTHS:
                raise ValueError(f'{text!r}: báo cáo tháng dùng "last:DD" hoặc "next:DD"')
            if not 1 <= month <= 12 or not 1 <= day <= 31:
                raise ValueError(f"{text!r}: không có tháng hay ngày này")
            return cls(text.strip(), month, day, None, n)
        day = int(m["rd"])
        if not 1 <= day <= 31:
            raise ValueError(f"{text!r}: không có ngày này")
        return cls(text.strip(), None, day, m["rel"], n)

    def anchor(self, period: Period) -> date:
        """The day the rule names for this period, before any working-day count."""
        if self.month is not None:
            year, month = period.year, self.month
        else:
            year, month = period.year, period.last_month
            if self.relative == "next":
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        last = _months.monthrange(year, month)[1]
        return date(year, month, min(self.day, last))
