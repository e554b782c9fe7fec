"""The decisions that depend on other messages, taken in arrival order (SPEC §3).

Pure: stored facts in, verdicts out. Because every decision looks only at messages that
arrived earlier, importing the same mail in any order gives the same verdicts, and replaying
the past (`status --at`) needs no second algorithm: it filters by arrival time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cchc.core.config import CalendarConfig
from cchc.core.periods import Period, PeriodMention, due, first_due_after, periods_around, resolve
from cchc.core.units import Unit
from cchc.facts import Facts

REVIEW_REASONS = ("content_match", "unmatched", "quarantined", "unparseable", "no_attachment")


@dataclass(frozen=True)
class MessageInput:
    ref: int
    received: datetime
    auth: str  # pass | fail | absent
    facts: Facts
    decision: str | None = None  # latest review decision: assign | approve | reject
    decision_unit: str | None = None


@dataclass(frozen=True)
class Verdict:
    ref: int
    disposition: str  # counted | correction | review | ignored (duplicate is per sighting)
    reason: str | None
    unit: str | None
    period: str | None
    match: str | None
    counts: bool
    first_ref: int | None = None

    @property
    def in_review(self) -> bool:
        return self.reason in REVIEW_REASONS


def _period_for(
    m: MessageInput,
    unit: Unit | None,
    first_by_key: Mapping[tuple[str, str], int],
    cal: CalendarConfig,
    tz: ZoneInfo,
) -> Period:
    f = m.facts
    if f.period_kind:
        return resolve(PeriodMention(f.period_kind, f.period_year), m.received, cal, tz)
    if unit is not None:
        window = timedelta(days=cal.overdue_window_days)
        overdue = [
            p
            for p in periods_around(m.received)
            if m.received - window < due(p, cal, tz) <= m.received
            and unit.active_on(due(p, cal, tz).date())
            and (unit.code, p.id) not in first_by_key
        ]
        if overdue:
            return max(overdue)
    return first_due_after(m.received, cal, tz)


def decide(
    messages: Iterable[MessageInput],
    units: Mapping[str, Unit],
    cal: CalendarConfig,
    tz: ZoneInfo,
) -> list[Verdict]:
    ordered = sorted(messages, key=lambda m: (m.received, m.ref))
    first_by_key: dict[tuple[str, str], int] = {}
    out: list[Verdict] = []
    for m in ordered:
        f = m.facts
        match = f.match or {}
        unit_code: str | None = match.get("unit")
        how: str | None = match.get("how")
        if m.decision == "assign" and m.decision_unit:
            unit_code, how = m.decision_unit, "address"
        unit = units.get(unit_code) if unit_code else None
        if unit is None:
            unit_code, how = None, None
        is_report = f.report_attachments > 0 and (f.about_cchc or f.readable_reports > 0)
        period = (
            _period_for(m, unit, first_by_key, cal, tz) if (is_report or f.period_kind) else None
        )
        pid = period.id if period else None

        if m.decision == "reject":
            out.append(Verdict(m.ref, "ignored", "rejected", unit_code, pid, how, False))
            continue
        if m.auth == "fail" and m.decision not in ("approve", "assign"):
            # A spoof does not count; the unit it claims to be is only a guess.
            out.append(Verdict(m.ref, "review", "quarantined", unit_code, pid, None, False))
            continue
        if unit is None:
            if is_report:
                out.append(Verdict(m.ref, "review", "unmatched", None, pid, None, False))
            else:
                out.append(
                    Verdict(
                        m.ref, "ignored", None, None, pid if f.period_kind else None, None, False
                    )
                )
            continue
        if not is_report:
            if f.report_attachments == 0 and f.about_cchc and f.mentions_report:
                reason = None if m.decision == "approve" else "no_attachment"
                out.append(
                    Verdict(
                        m.ref, "review" if reason else "ignored", reason, unit_code, pid, how, False
                    )
                )
            else:
                out.append(Verdict(m.ref, "ignored", None, unit_code, None, how, False))
            continue
        assert period is not None and pid is not None
        key = (unit.code, pid)
        first = first_by_key.get(key)
        reason: str | None = None
        if m.decision is None:  # a staff decision (assign or approve) closes the review item
            if how == "content":
                reason = "content_match"
            elif f.readable_reports == 0:
                reason = "unparseable"
        if first is None:
            first_by_key[key] = m.ref
            out.append(Verdict(m.ref, "counted", reason, unit.code, pid, how, True))
        else:
            out.append(Verdict(m.ref, "correction", reason, unit.code, pid, how, True, first))
    return out
