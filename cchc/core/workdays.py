"""Working days in Vietnam: Monday to Friday, minus the public holidays, minus the days off the
government adds, plus the weekend days it makes working days (SPEC §9).

The holidays come from the `holidays` package (pinned in pyproject.toml: a new release may add
days, and a due day would then move): Tết Dương lịch, Tết Nguyên đán by the lunar calendar,
Giỗ Tổ Hùng Vương, 30/4, 1/5, Quốc khánh and the day next to it, and the government's
substituted days (a Saturday made a working day in exchange is one). The configuration's
`extra_days_off` and `extra_working_days` come last and win.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import holidays

MAX_SEARCH_DAYS = 400  # no stretch of days off is longer than this


@lru_cache(maxsize=64)
def _vietnam(year: int) -> holidays.HolidayBase:
    import holidays  # loaded when a date is first asked about, not by every command

    return holidays.country_holidays("VN", years=year)


def public_holiday(day: date) -> str | None:
    """The holiday's name (in English, as the library gives it), or None."""
    name = _vietnam(day.year).get(day)
    return str(name) if name else None


class WorkDays:
    """Which days are working days, for one office's configuration."""

    def __init__(
        self, extra_days_off: Iterable[date] = (), extra_working_days: Iterable[date] = ()
    ):
        self.extra_off = frozenset(extra_days_off)
        self.extra_work = frozenset(extra_working_days)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_work:
            return True
        if day in self.extra_off:
            return False
        return bool(_vietnam(day.year).is_working_day(day))

    def next_working_day(self, day: date) -> date:
        """The first working day after `day`."""
        for n in range(1, MAX_SEARCH_DAYS):
            candidate = day + timedelta(days=n)
            if self.is_working_day(candidate):
                return candidate
        raise AssertionError(f"no working day within {MAX_SEARCH_DAYS} days after {day}")

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (`day` itself does not count)."""
        for _ in range(n):
            day = self.next_working_day(day)
        return day
