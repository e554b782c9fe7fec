"""What mail is due at a moment T: pure decisions over plain data, no SQLite, no SMTP.

The scheduler, `cchc remind` and `cchc digest` all ask the same question — "what should have
gone out by T?" — and the outbox's UNIQUE key makes asking twice harmless. Because every step
is planned from a *window* around its scheduled instant rather than from "the job fired now",
a service that was down simply asks again when it comes back (SPEC §6: a missed step is sent
once, if still useful):

- a reminder (`reminder_days` before the due date, at `reminder_time`) is due from its instant
  until the due instant; of several steps of one period only the latest passed one is planned,
  so a service back after a week sends one reminder, not three;
- an escalation (`escalate_days` after the due date, at `reminder_time`) is due for
  `ESCALATION_WINDOW` (2 days) after its instant;
- the digest is due from `digest_time` each day until the next day's; only the latest is planned;
- an acknowledgement is due for every counted report (first or correction) and every report
  mail without its attachment, received before T and at most `ACK_MAX_AGE` (7 days) before T.
  The age limit is what keeps a first import of a year of history from mailing every unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cchc.core.calendar import calendar_for
from cchc.core.config import CalendarConfig
from cchc.core.periods import Period
from cchc.core.units import Unit

KINDS = ("ack", "reminder", "escalation", "digest")
# Lower is sent first when the daily budget is short (SPEC §6: escalations and acks first).
PRIORITY = {"escalation": 0, "ack": 1, "digest": 2, "reminder": 3}
ACK_MAX_AGE = timedelta(days=7)
ESCALATION_WINDOW = timedelta(days=2)
UPCOMING_WINDOW = timedelta(days=45)


@dataclass(frozen=True)
class Step:
    """One scheduled instant: a reminder or escalation step of a period, or a day's digest."""

    kind: str
    label: str  # "7d" for reminders and escalations, the local date for the digest
    scheduled: datetime
    period: Period | None = None


@dataclass(frozen=True)
class AckFact:
    """A message that deserves an answer to its sender, with what the answer must say."""

    message_id: str | None
    raw_sha256: str
    sender: str
    received_at: datetime
    subject: str
    unit: str
    unit_name: str
    period: str | None
    period_name: str | None
    due: datetime | None
    kind: str  # counted | correction | no_attachment
    on_time: bool | None = None  # of the first report of this unit and period
    outline_missing: tuple[tuple[str, str], ...] = ()  # (section id, title)
    problems: tuple[
        Mapping[str, Any], ...
    ] = ()  # findings worth telling (one-stop checks, unreadable files)
    unreadable: tuple[str, ...] = ()  # attachment file names that could not be read
    scanned: tuple[str, ...] = ()  # scans (image-only PDFs, photos of pages) among the files
    scan_unread: bool = False  # a scan OCR did not read: its outline coverage is unknown
    ask_table: bool = False  # a scan and no one-stop table yet: ask for it as .xlsx

    @property
    def key(self) -> str:
        return f"ack:{self.message_id}" if self.message_id else f"ack:sha256:{self.raw_sha256}"


@dataclass(frozen=True)
class PlannedMail:
    """A mail due at T: who gets it, under which idempotency key, with the data to write it."""

    key: str
    kind: str
    to: tuple[str, ...]
    unit: str | None
    period: str | None
    scheduled: datetime
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def priority(self) -> int:
        return PRIORITY[self.kind]

    def to_json(self, status: str, subject: str) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "to": list(self.to),
            "unit": self.unit,
            "period": self.period,
            "subject": subject,
            "status": status,
            "scheduled": self.scheduled.isoformat(),
        }


def at_clock(day: date, hhmm: str, tz: ZoneInfo) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


# --- steps --------------------------------------------------------------------------------


def reminder_steps(at: datetime, cal: CalendarConfig, tz: ZoneInfo) -> list[Step]:
    """For each period not yet due at `at`, the latest reminder step whose instant has passed."""
    calendar = calendar_for(cal, tz)
    out = []
    for period in calendar.periods_around(at):
        due_at = calendar.due(period)
        if not at < due_at:
            continue
        passed = [
            Step(
                "reminder",
                f"{d}d",
                at_clock(due_at.date() - timedelta(days=d), cal.reminder_time, tz),
                period,
            )
            for d in sorted(set(cal.reminder_days))
        ]
        passed = [s for s in passed if s.scheduled <= at < due_at]
        if passed:
            out.append(max(passed, key=lambda s: s.scheduled))
    return out


def escalation_steps(at: datetime, cal: CalendarConfig, tz: ZoneInfo) -> list[Step]:
    """For each period, the latest escalation step that passed less than 2 days before `at`."""
    calendar = calendar_for(cal, tz)
    out = []
    for period in calendar.periods_around(at):
        due_day = calendar.due(period).date()  # day 0: the first late day
        steps = [
            Step(
                "escalation",
                f"{d}d",
                at_clock(due_day + timedelta(days=d), cal.reminder_time, tz),
                period,
            )
            for d in sorted(set(cal.escalate_days))
        ]
        live = [s for s in steps if s.scheduled <= at < s.scheduled + ESCALATION_WINDOW]
        if live:
            out.append(max(live, key=lambda s: s.scheduled))
    return out


def digest_step(at: datetime, cal: CalendarConfig, tz: ZoneInfo) -> Step:
    """The latest digest instant at or before `at` (today's, or yesterday's before digest_time)."""
    local = at.astimezone(tz)
    today = at_clock(local.date(), cal.digest_time, tz)
    scheduled = (
        today if today <= at else at_clock(local.date() - timedelta(days=1), cal.digest_time, tz)
    )
    return Step("digest", scheduled.date().isoformat(), scheduled)


def upcoming_periods(
    at: datetime, cal: CalendarConfig, tz: ZoneInfo, window: timedelta = UPCOMING_WINDOW
) -> list[Period]:
    """Periods whose due instant is after `at` and within `window` (always at least the next one)."""
    calendar = calendar_for(cal, tz)
    later = sorted(
        (p for p in calendar.periods_around(at) if calendar.due(p) > at), key=calendar.due
    )
    near = [p for p in later if calendar.due(p) - at <= window]
    return near or later[:1]


# --- planners -----------------------------------------------------------------------------


def plan_reminders(
    at: datetime,
    steps: Iterable[Step],
    units: Sequence[Unit],
    counted: Mapping[str, frozenset[str] | set[str]],
    cal: CalendarConfig,
    tz: ZoneInfo,
) -> list[PlannedMail]:
    """A reminder to each unit active for the period that has nothing counted for it before `at`.

    `counted` maps a period id to the codes of units with a counting report received before `at`.
    Units without any address cannot be reminded and are left out (the digest shows them missing).
    """
    calendar = calendar_for(cal, tz)
    out = []
    for step in steps:
        assert step.period is not None
        period = step.period
        due_at = calendar.due(period)
        done = counted.get(period.id, frozenset())
        days_left = (due_at.date() - at.astimezone(tz).date()).days
        for unit in units:
            if not unit.active_on(calendar.due_day(period)) or unit.code in done or not unit.emails:
                continue
            out.append(
                PlannedMail(
                    key=f"remind:{period.id}:{unit.code}:{step.label}",
                    kind="reminder",
                    to=tuple(unit.emails),
                    unit=unit.code,
                    period=period.id,
                    scheduled=step.scheduled,
                    template="reminder",
                    context={
                        "unit_code": unit.code,
                        "unit_name": unit.name,
                        "period": period.id,
                        "period_name": period.name,
                        "due": due_at,
                        "last_day": due_at - timedelta(days=1),
                        "days_left": max(days_left, 0),
                        "step": step.label,
                    },
                )
            )
    return out


def plan_escalations(
    at: datetime,
    steps: Iterable[Step],
    notify: Sequence[str],
    statuses: Mapping[str, Mapping[str, Any]],
) -> list[PlannedMail]:
    """One escalation per live step to the office, listing the period's missing and late units.

    `statuses` maps a period id to its status at `at` (the `cchc status --json` shape).
    """
    if not notify:
        return []
    out = []
    for step in steps:
        assert step.period is not None
        status = statuses[step.period.id]
        missing = [u for u in status["units"] if u["status"] == "missing"]
        late = [u for u in status["units"] if u["status"] == "late"]
        on_time = [u for u in status["units"] if u["status"] == "on_time"]
        out.append(
            PlannedMail(
                key=f"escalate:{step.period.id}:{step.label}",
                kind="escalation",
                to=tuple(notify),
                unit=None,
                period=step.period.id,
                scheduled=step.scheduled,
                template="escalation",
                context={
                    "period": step.period.id,
                    "period_name": step.period.name,
                    "due": datetime.fromisoformat(status["due"]),
                    "at": at,
                    "step": step.label,
                    "missing": missing,
                    "late": late,
                    "on_time_count": len(on_time),
                    "total": len(status["units"]),
                    "status": status,
                },
            )
        )
    return out


def plan_acks(
    at: datetime,
    facts: Iterable[AckFact],
    *,
    enabled: bool = True,
    max_age: timedelta = ACK_MAX_AGE,
) -> list[PlannedMail]:
    """An acknowledgement to the sender of each recent counted report or attachment-less report mail."""
    if not enabled:
        return []
    out = []
    for f in sorted(facts, key=lambda f: (f.received_at, f.key)):
        if not (at - max_age <= f.received_at <= at) or not f.sender:
            continue
        out.append(
            PlannedMail(
                key=f.key,
                kind="ack",
                to=(f.sender,),
                unit=f.unit,
                period=f.period,
                scheduled=f.received_at,
                template="ack",
                context={
                    "message_id": f.message_id,
                    "received_at": f.received_at,
                    "report_subject": f.subject,
                    "unit_code": f.unit,
                    "unit_name": f.unit_name,
                    "period": f.period,
                    "period_name": f.period_name,
                    "due": f.due,
                    "kind": f.kind,
                    "on_time": f.on_time,
                    "is_correction": f.kind == "correction",
                    "no_attachment": f.kind == "no_attachment",
                    "outline_missing": [{"id": i, "title": t} for i, t in f.outline_missing],
                    "problems": [dict(p) for p in f.problems],
                    "unreadable": list(f.unreadable),
                    "scanned": list(f.scanned),
                    "scan_unread": f.scan_unread,
                    "ask_table": f.ask_table,
                },
            )
        )
    return out


def plan_digest(step: Step, notify: Sequence[str], data: Mapping[str, Any]) -> list[PlannedMail]:
    """The day's digest to the office; `data` is what the template shows (arrivals, queue, health)."""
    if not notify:
        return []
    return [
        PlannedMail(
            key=f"digest:{step.label}",
            kind="digest",
            to=tuple(notify),
            unit=None,
            period=None,
            scheduled=step.scheduled,
            template="digest",
            context=dict(data),
        )
    ]
