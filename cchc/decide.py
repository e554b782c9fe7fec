"""The decisions that depend on other messages, taken in arrival order (SPEC §3).

Pure: stored facts in, verdicts out. Because every decision looks only at messages that
arrived earlier, importing the same mail in any order gives the same verdicts, and replaying
the past (`status --at`) needs no second algorithm: it filters by arrival time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from cchc.core.calendar import Calendar
from cchc.core.periods import Period
from cchc.core.units import Unit
from cchc.core.verdicts import Verdict
from ingest.facts import Facts


@dataclass(frozen=True)
class MessageInput:
    ref: int
    received: datetime
    auth: str  # pass | fail | absent
    facts: Facts
    decision: str | None = None  # latest review decision: assign | approve | reject
    decision_unit: str | None = None


def _period_for(
    m: MessageInput,
    unit: Unit | None,
    first_by_key: Mapping[tuple[str, str], int],
    calendar: Calendar,
) -> Period:
    """The named period (its year from the text, or the arrival); with none named, the unit's
    latest period overdue by less than the window and not yet reported, else the next one due."""
    f = m.facts
    if f.period_kind:
        year = f.period_year or calendar.year_for(f.period_kind, m.received)
        return Period(year, f.period_kind)
    if unit is not None:
        overdue = [
            p
            for p in calendar.overdue_at(m.received)
            if unit.active_on(calendar.due_day(p)) and (unit.code, p.id) not in first_by_key
        ]
        if overdue:
            return max(overdue, key=lambda p: (calendar.due(p), p))
    return calendar.first_due_after(m.received)


def unit_of(m: MessageInput, units: Mapping[str, Unit]) -> tuple[Unit | None, str | None]:
    """The unit the message is from (a staff assignment wins over the match) and how it was
    recognised; (None, None) when the match names no known unit."""
    match = m.facts.match or {}
    code: str | None = match.get("unit")
    how: str | None = match.get("how")
    if m.decision == "assign" and m.decision_unit:
        code, how = m.decision_unit, "address"
    unit = units.get(code) if code else None
    return (unit, how) if unit is not None else (None, None)


def _not_counting(
    m: MessageInput, unit: Unit | None, how: str | None, pid: str | None, is_report: bool
) -> Verdict | None:
    """The verdict of a message that does not count (rejected, spoofed, unknown sender, not a
    report), or None when it is a unit's report and counts."""
    f = m.facts
    code = unit.code if unit else None
    if m.decision == "reject":
        return Verdict(m.ref, "ignored", "rejected", code, pid, how, False)
    if m.auth == "fail" and m.decision not in ("approve", "assign"):
        # A spoof does not count; the unit it claims to be is only a guess.
        return Verdict(m.ref, "review", "quarantined", code, pid, None, False)
    if f.unreachable and not (unit is not None and is_report) and m.decision is None:
        # Its attachments could not be reached: staff must look, with the best guess we have.
        guess = code or (f.match or {}).get("unit")
        return Verdict(m.ref, "review", "unparseable", guess, pid, how, False)
    if unit is None:
        if is_report:
            return Verdict(m.ref, "review", "unmatched", None, pid, None, False)
        return Verdict(m.ref, "ignored", None, None, pid if f.period_kind else None, None, False)
    if is_report:
        return None
    if f.report_attachments == 0 and f.about_cchc and f.mentions_report:
        reason = None if m.decision == "approve" else "no_attachment"
        disposition = "review" if reason else "ignored"
        return Verdict(m.ref, disposition, reason, code, pid, how, False)
    return Verdict(m.ref, "ignored", None, code, None, how, False)


def _is_report(f: Facts) -> bool:
    """A report: a report file and about CCHC (or readable as one); a message whose body could
    not be walked is judged by its headers alone (SPEC §3: it still counts by its arrival)."""
    if f.unreachable:
        return f.about_cchc
    return f.report_attachments > 0 and (f.about_cchc or f.readable_reports > 0)


def _review_reason(m: MessageInput, how: str | None) -> str | None:
    """Why a counting report still goes to staff; a staff decision closes the item."""
    if m.decision is not None:
        return None
    if how == "content":
        return "content_match"
    if m.facts.readable_reports == 0 and m.facts.scanned_reports == 0:
        return "unparseable"  # a scan is readable, whatever OCR made of it (SPEC §3)
    return None


def decide(
    messages: Iterable[MessageInput],
    units: Mapping[str, Unit],
    calendar: Calendar,
    firsts: Mapping[tuple[str, str], int] | None = None,
) -> list[Verdict]:
    """Every message's verdict, taking them in arrival order (ties by row id). A message whose
    period wording was read for other report kinds is read again for this calendar's.
    `firsts`: the first counting message of each (unit, period) among earlier arrivals not
    given here (an incremental update decides only what came after a change)."""
    first_by_key: dict[tuple[str, str], int] = dict(firsts or {})
    out: list[Verdict] = []
    for m in sorted(messages, key=lambda m: (m.received, m.ref)):
        f = m.facts
        if tuple(f.period_kinds) != calendar.kinds:
            f.read_period(calendar.kinds)
        unit, how = unit_of(m, units)
        is_report = _is_report(f)
        period = None
        if is_report or f.period_kind:
            period = _period_for(m, unit, first_by_key, calendar)
        pid = period.id if period else None
        verdict = _not_counting(m, unit, how, pid, is_report)
        if verdict is None:
            assert unit is not None and pid is not None
            key = (unit.code, pid)
            first = first_by_key.setdefault(key, m.ref)
            reason = _review_reason(m, how)
            if first == m.ref:
                verdict = Verdict(m.ref, "counted", reason, unit.code, pid, how, True)
            else:
                verdict = Verdict(m.ref, "correction", reason, unit.code, pid, how, True, first)
        out.append(verdict)
    return out
