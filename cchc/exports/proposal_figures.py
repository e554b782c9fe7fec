"""The figures of the draft proposal (`cchc export proposal`): who did not report on time.

The seed directive asks the collecting office to "consolidate and propose to the chairman how
to deal with" the units that do not comply. The record is `cchc.views.status` of each period
of the year (or of one period) at one moment: a unit-period is a breach when it is `late` or
`missing`; periods not yet due are counted as such and judge nobody. A unit "on time every
period" reported on time in every period due in scope in which it had to report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cchc import views
from cchc.context import Context
from cchc.core import labels
from cchc.core.errors import CchcError
from cchc.core.periods import Period

JUDGED = ("on_time", "late", "missing")


@dataclass(frozen=True)
class Breach:
    """One unit-period that was late or missing."""

    unit: str
    name: str
    group: str
    period: Period
    status: str  # "late" | "missing"
    due_at: datetime
    received_at: datetime | None

    @property
    def late_by(self) -> timedelta | None:
        return self.received_at - self.due_at if self.received_at else None


@dataclass(frozen=True)
class PeriodCount:
    period: Period
    due_at: datetime
    counts: dict[str, int]  # status -> number of units

    @property
    def due(self) -> bool:
        return not self.counts.get("not_due")

    @property
    def expected(self) -> int:
        return sum(self.counts.get(s, 0) for s in JUDGED)


@dataclass
class Proposal:
    year: int
    period: Period | None  # one period, or the whole year
    at: datetime
    periods: list[PeriodCount]
    breaches: list[Breach]  # in group order, then unit order, then period order
    on_time: list[tuple[str, list[str]]] = field(default_factory=list)  # (group, unit names)
    units_judged: int = 0

    @property
    def late(self) -> int:
        return sum(1 for b in self.breaches if b.status == "late")

    @property
    def missing(self) -> int:
        return sum(1 for b in self.breaches if b.status == "missing")

    @property
    def expected(self) -> int:
        return sum(p.expected for p in self.periods)

    def by_unit(self) -> list[tuple[str, str, list[Breach]]]:
        """(unit code, name, its breaches), in the order of `breaches`."""
        out: dict[str, tuple[str, str, list[Breach]]] = {}
        for b in self.breaches:
            out.setdefault(b.unit, (b.unit, b.name, []))[2].append(b)
        return list(out.values())


def late_text(delta: timedelta) -> str:
    """How late, for people: "2 ngày 5 giờ", "3 ngày", "5 giờ", "40 phút"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days and hours:
        return labels.LATE_BY["days_hours"].format(days=days, hours=hours)
    if days:
        return labels.LATE_BY["days"].format(days=days)
    if hours:
        return labels.LATE_BY["hours"].format(hours=hours)
    return labels.LATE_BY_MINUTES.format(minutes=minutes)


def _scope(ctx: Context, year: int, period_id: str | None) -> tuple[list[Period], Period | None]:
    if period_id is None:
        return ctx.calendar.periods_of(year), None
    period = ctx.period(period_id)
    if period.year != year:
        raise CchcError(
            f"kỳ {period.id} không thuộc năm {year} (--period và --year phải cùng một năm)"
        )
    return [period], period


def collect(
    ctx: Context, year: int, period_id: str | None = None, at: datetime | None = None
) -> Proposal:
    at = at or datetime.now(ctx.tz)
    periods, chosen = _scope(ctx, year, period_id)
    order = {u.code: i for i, u in enumerate(ctx.units_in_group_order())}
    counts: list[PeriodCount] = []
    breaches: list[Breach] = []
    record: dict[str, list[str]] = {}  # unit -> statuses in due periods
    for period in periods:
        data = views.status(ctx, period, at)
        due_at = datetime.fromisoformat(data["due"])
        tally: dict[str, int] = {}
        for u in data["units"]:
            tally[u["status"]] = tally.get(u["status"], 0) + 1
            if u["status"] in JUDGED:
                record.setdefault(u["unit"], []).append(u["status"])
            if u["status"] in ("late", "missing"):
                received = u["received_at"]
                breaches.append(
                    Breach(
                        u["unit"],
                        u["name"],
                        u["group"],
                        period,
                        u["status"],
                        due_at,
                        datetime.fromisoformat(received) if received else None,
                    )
                )
        counts.append(PeriodCount(period, due_at, tally))
    breaches.sort(key=lambda b: (order.get(b.unit, len(order)), b.period))
    return Proposal(
        year,
        chosen,
        at,
        counts,
        breaches,
        _on_time(ctx, record),
        len(record),
    )


def _on_time(ctx: Context, record: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    """Per group (its name), the units on time in every period they had to report."""
    out: list[tuple[str, list[str]]] = []
    for group in ctx.config.groups:
        names = [
            u.name
            for u in ctx.units
            if u.group == group.id
            and record.get(u.code)
            and all(s == "on_time" for s in record[u.code])
        ]
        if names:
            out.append((group.name, names))
    return out
