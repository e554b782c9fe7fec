"""When each report is due: the profile's rules applied to periods (SPEC §9, "Precisely").

A rule names an anchor day — `MM-DD` of the period's year, `last:DD` of the period's last month,
`next:DD` of the month after it (a DD past a month's end is its last day) — optionally followed
by `+Nwd`, the N-th working day after the anchor. That is the due day D. Under `deadline =
"before"` a report is on time until 00:00 of D, so the last on-time day is D − 1; under `"by"`
it is D. With `on_day_off = "next_working_day"`, a last on-time day that is a day off moves to
the next working day. `due_at` is 00:00 (office time) of the day after the last on-time day.

Pure: plain data in (the calendar configuration, a time zone), dates and instants out.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from cchc.core.config import CalendarConfig
from cchc.core.due_rules import DueRule
from cchc.core.errors import CchcError
from cchc.core.periods import KINDS, Period, parse_period
from cchc.core.workdays import WorkDays


class Calendar:
    """An office's reporting calendar: which periods it collects and when each is due."""

    def __init__(self, cfg: CalendarConfig, tz: ZoneInfo) -> None:
        self.cfg = cfg
        self.tz = tz
        self.kinds = cfg.kinds
        self.rules = {kind: DueRule.parse(text, kind) for kind, text in cfg.rules}
        self.workdays = WorkDays(cfg.extra_days_off, cfg.extra_working_days)
        self.overdue_window = timedelta(days=cfg.overdue_window_days)
        self._due_cache: dict[Period, datetime] = {}

    # --- one period --------------------------------------------------------------------------

    def due_rule(self, period: Period) -> str:
        return self._rule(period).text

    def _rule(self, period: Period) -> DueRule:
        rule = self.rules.get(period.kind)
        if rule is None:
            raise CchcError(
                f"{period.id}: cơ quan không thu báo cáo loại {period.kind} "
                f"(calendar.reports: {', '.join(self.cfg.reports)})"
            )
        return rule

    def due_day(self, period: Period) -> date:
        """D: the anchor day, then `+Nwd` working days after it."""
        rule = self._rule(period)
        return self.workdays.add_working_days(rule.anchor(period), rule.working_days)

    def last_on_time_day(self, period: Period) -> date:
        day = self.due_day(period)
        if self.cfg.deadline == "before":
            day -= timedelta(days=1)
        if self.cfg.on_day_off == "next_working_day" and not self.workdays.is_working_day(day):
            day = self.workdays.next_working_day(day)
        return day

    def due(self, period: Period) -> datetime:
        """`due_at`: the instant from which a first report for `period` is late."""
        found = self._due_cache.get(period)
        if found is None:
            after = self.last_on_time_day(period) + timedelta(days=1)
            found = datetime.combine(after, time(0, 0), tzinfo=self.tz)
            self._due_cache[period] = found
        return found

    def begins(self, period: Period) -> datetime:
        return datetime.combine(period.first_day, time(0, 0), tzinfo=self.tz)

    def collects(self, period: Period) -> bool:
        return period.kind in self.rules

    def period(self, text: str) -> Period:
        """A period id this office collects, or a CchcError saying what it does collect."""
        period = parse_period(text)
        self._rule(period)
        return period

    # --- periods around a moment ---------------------------------------------------------------

    def periods_of(self, year: int) -> list[Period]:
        """The periods of a year this office collects, in their order within the year."""
        return [Period(year, kind) for kind in self.kinds]

    def periods_around(self, moment: datetime, years: int = 1) -> list[Period]:
        year = moment.astimezone(self.tz).year
        return [p for y in range(year - years, year + years + 1) for p in self.periods_of(y)]

    def first_due_after(self, moment: datetime) -> Period:
        """The period a report without any period wording is for, by its arrival alone."""
        later = [p for p in self.periods_around(moment, 2) if self.due(p) > moment]
        return min(later, key=lambda p: (self.due(p), p))

    def overdue_at(self, moment: datetime) -> list[Period]:
        """Periods whose due instant passed less than the overdue window before `moment`."""
        return [
            p
            for p in self.periods_around(moment)
            if moment - self.overdue_window < self.due(p) <= moment
        ]

    def year_for(self, kind: str, arrival: datetime) -> int:
        """A period named without its year: of the periods of this kind that have begun by the
        arrival, the one whose due instant is nearest to it (SPEC §3)."""
        year = arrival.astimezone(self.tz).year
        begun = [
            p
            for p in (Period(y, kind) for y in (year - 1, year, year + 1))
            if self.begins(p) <= arrival
        ]
        best = min(begun, key=lambda p: (abs((self.due(p) - arrival).total_seconds()), -p.year))
        return best.year


@lru_cache(maxsize=16)
def calendar_for(cfg: CalendarConfig, tz: ZoneInfo) -> Calendar:
    """One Calendar per configuration (its due dates are cached)."""
    return Calendar(cfg, tz)


def due(period: Period, cfg: CalendarConfig, tz: ZoneInfo) -> datetime:
    """`due_at` of a period under a calendar configuration."""
    return calendar_for(cfg, tz).due(period)


__all__ = ["KINDS", "Calendar", "DueRule", "calendar_for", "due"]
