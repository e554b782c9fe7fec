"""The mail planner: what is due at T. Pure functions on plain data, then over the sample case."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from casedata import expected

from cchc.core.calendar import due
from cchc.core.config import CalendarConfig
from cchc.core.periods import Period
from cchc.core.units import Unit
from scheduler import mailroom, plan

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = CalendarConfig()
Q1 = Period.of(2025, "Q1")
DUE = due(Q1, CAL, TZ)  # 2025-02-18 00:00 +07


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


UNITS = [
    Unit("xa-nam-binh", "UBND xã Nam Bình", "xa", emails=("ubndxanambinh@gmail.com",)),
    Unit("tu-phap", "Phòng Tư pháp", "huyen", emails=("tuphap@example.gov.vn",)),
    Unit(
        "xa-cu",
        "UBND xã Cũ",
        "xa",
        emails=("xacu@example.gov.vn",),
        active_until=date(2024, 12, 31),
    ),
    Unit(
        "xa-moi",
        "UBND xã Mới",
        "xa",
        emails=("xamoi@example.gov.vn",),
        active_from=date(2025, 7, 1),
    ),
    Unit("khong-thu", "Đơn vị chưa có thư", "huyen"),
]


def test_reminder_steps_are_seven_three_one_days_before_at_reminder_time() -> None:
    assert plan.reminder_steps(at(2025, 2, 11, 7, 59), CAL, TZ) == []
    (step,) = plan.reminder_steps(at(2025, 2, 11, 8, 0), CAL, TZ)
    assert (step.label, step.scheduled, step.period) == ("7d", at(2025, 2, 11, 8), Q1)
    assert plan.reminder_steps(at(2025, 2, 15, 8, 0), CAL, TZ)[0].label == "3d"
    assert plan.reminder_steps(at(2025, 2, 17, 23, 59), CAL, TZ)[0].label == "1d"


def test_a_reminder_is_never_planned_at_or_after_the_due_instant() -> None:
    assert plan.reminder_steps(DUE, CAL, TZ) == []
    assert plan.reminder_steps(DUE + timedelta(days=3), CAL, TZ) == []


def test_after_a_long_outage_only_the_latest_reminder_step_is_planned() -> None:
    """GIVEN the service was down from before the 7-day step WHEN it is back a day before the
    due date THEN one reminder (the 1-day one) is due, not three."""
    steps = plan.reminder_steps(at(2025, 2, 17, 10), CAL, TZ)
    assert [s.label for s in steps] == ["1d"]


def test_reminders_go_to_active_units_without_a_report_that_have_an_address() -> None:
    t = at(2025, 2, 15, 9)
    steps = plan.reminder_steps(t, CAL, TZ)
    mails = plan.plan_reminders(t, steps, UNITS, {"2025-Q1": {"tu-phap"}}, CAL, TZ)
    assert [(m.key, m.to) for m in mails] == [
        ("remind:2025-Q1:xa-nam-binh:3d", ("ubndxanambinh@gmail.com",))
    ]
    ctx = mails[0].context
    assert (
        ctx["days_left"] == 3
        and ctx["due"] == DUE
        and ctx["period_name"] == "Báo cáo Quý I năm 2025"
    )


def test_escalations_are_on_the_due_date_and_seven_days_later_each_for_two_days() -> None:
    assert plan.escalation_steps(at(2025, 2, 18, 7, 59), CAL, TZ) == []
    assert [s.label for s in plan.escalation_steps(at(2025, 2, 18, 8), CAL, TZ)] == ["0d"]
    assert [s.label for s in plan.escalation_steps(at(2025, 2, 20, 7, 59), CAL, TZ)] == ["0d"]
    assert plan.escalation_steps(at(2025, 2, 20, 8), CAL, TZ) == []
    assert [s.label for s in plan.escalation_steps(at(2025, 2, 25, 9), CAL, TZ)] == ["7d"]
    assert plan.escalation_steps(at(2025, 2, 28, 9), CAL, TZ) == []


def test_escalation_lists_missing_and_late_units_to_the_office() -> None:
    status = {
        "period": "2025-Q1",
        "due": DUE.isoformat(),
        "at": at(2025, 2, 18, 8).isoformat(),
        "units": [
            {"unit": "a", "name": "A", "status": "on_time"},
            {
                "unit": "b",
                "name": "B",
                "status": "late",
                "received_at": at(2025, 2, 18, 0, 30).isoformat(),
            },
            {"unit": "c", "name": "C", "status": "missing"},
        ],
    }
    t = at(2025, 2, 18, 8)
    (mail,) = plan.plan_escalations(
        t, plan.escalation_steps(t, CAL, TZ), ("noivu@example.gov.vn",), {"2025-Q1": status}
    )
    assert (
        mail.key == "escalate:2025-Q1:0d"
        and mail.to == ("noivu@example.gov.vn",)
        and mail.unit is None
    )
    assert [u["unit"] for u in mail.context["missing"]] == ["c"]
    assert [u["unit"] for u in mail.context["late"]] == ["b"]
    assert (
        plan.plan_escalations(t, plan.escalation_steps(t, CAL, TZ), (), {"2025-Q1": status}) == []
    )


def test_digest_step_is_todays_after_digest_time_else_yesterdays() -> None:
    assert plan.digest_step(at(2025, 3, 5, 7, 29), CAL, TZ).label == "2025-03-04"
    step = plan.digest_step(at(2025, 3, 5, 7, 30), CAL, TZ)
    assert (step.label, step.scheduled) == ("2025-03-05", at(2025, 3, 5, 7, 30))


def _fact(received: datetime, mid: str = "<a@x>") -> plan.AckFact:
    return plan.AckFact(
        message_id=mid,
        raw_sha256="0" * 64,
        sender="ubndxanambinh@gmail.com",
        received_at=received,
        subject="BC CCHC quý I",
        unit="xa-nam-binh",
        unit_name="UBND xã Nam Bình",
        period="2025-Q1",
        period_name=Q1.name,
        due=DUE,
        kind="counted",
        on_time=True,
    )


def test_acks_are_planned_for_reports_of_the_last_seven_days_only() -> None:
    """A first import of a year of history must not mail every unit."""
    t = at(2025, 2, 20, 12)
    facts = [
        _fact(t - timedelta(days=8), "<old@x>"),
        _fact(t - timedelta(days=6), "<new@x>"),
        _fact(t + timedelta(minutes=1), "<future@x>"),
    ]
    mails = plan.plan_acks(t, facts)
    assert [m.key for m in mails] == ["ack:<new@x>"]
    assert mails[0].to == ("ubndxanambinh@gmail.com",) and mails[0].kind == "ack"
    assert plan.plan_acks(t, facts, enabled=False) == []


def test_an_ack_without_message_id_is_keyed_by_the_raw_hash() -> None:
    fact = dataclasses.replace(_fact(at(2025, 2, 10)), message_id=None)
    assert fact.key == "ack:sha256:" + "0" * 64


def test_priorities_put_escalations_and_acks_before_reminders() -> None:
    order = sorted(plan.KINDS, key=plan.PRIORITY.__getitem__)
    assert order[:2] == ["escalation", "ack"] and order[-1] == "reminder"


# --- over the sample case ---------------------------------------------------------------


def test_reminders_at_every_hour_of_the_week_before_q1_due_match_the_case(case_app) -> None:  # type: ignore[no-untyped-def]
    """GIVEN the sample year WHEN the planner runs at each hour of the week before 2024-Q1's due
    date THEN exactly the units with no report yet (per expected.json) get the current step's
    reminder, and no unit that had reported does."""
    q1 = Period.of(2024, "Q1")
    due_at = case_app.period_due(q1)
    first = {code: s["received_at"] for code, s in expected()["status"]["2024-Q1"].items()}
    steps = {
        7: due_at - timedelta(days=7) + timedelta(hours=8),
        3: due_at - timedelta(days=3) + timedelta(hours=8),
        1: due_at - timedelta(days=1) + timedelta(hours=8),
    }
    checked = 0
    t = due_at - timedelta(days=7)
    while t < due_at:
        passed = [d for d, s in steps.items() if s <= t]
        if passed:
            label = f"{min(passed)}d"
            want = {
                f"remind:2024-Q1:{code}:{label}"
                for code, received in first.items()
                if received is None or datetime.fromisoformat(received) >= t
            }
        else:
            want = set()
        got = {m.key for m in mailroom.due_mail(case_app, t, ("reminder",))}
        assert got == want, t
        checked += 1
        t += timedelta(hours=1)
    assert checked == 7 * 24
    # the last hour still reminds the units the case shows missing or late
    assert {"remind:2024-Q1:giao-duc-dao-tao:1d", "remind:2024-Q1:vp-hdnd-ubnd:1d"} <= want


def test_no_reminder_goes_to_a_unit_inactive_for_the_period(case_app) -> None:  # type: ignore[no-untyped-def]
    t = datetime(2024, 2, 17, 9, tzinfo=case_app.tz)
    steps = plan.reminder_steps(t, case_app.config.calendar, case_app.tz)
    gone = [
        dataclasses.replace(u, active_until=date(2023, 12, 31))
        if u.code == "giao-duc-dao-tao"
        else u
        for u in case_app.units
    ]
    counted = {"2024-Q1": set()}
    keys = {
        m.key
        for m in plan.plan_reminders(t, steps, gone, counted, case_app.config.calendar, case_app.tz)
    }
    assert "remind:2024-Q1:giao-duc-dao-tao:1d" not in keys
    assert len(keys) == len(case_app.units) - 1


def test_acks_over_the_case_tell_timeliness_of_the_first_report_and_unreadable_files(
    case_app,
) -> None:  # type: ignore[no-untyped-def]
    """Phòng Nội vụ's first Q1 report was a broken .docx (6 Feb), corrected on 8 Feb."""
    t = datetime(2024, 2, 8, 12, tzinfo=case_app.tz)
    mails = [m for m in plan.plan_acks(t, mailroom.ack_facts(case_app, t)) if m.unit == "noi-vu"]
    assert len(mails) == 2
    first, correction = sorted(mails, key=lambda m: m.scheduled)
    assert first.context["unreadable"] and first.context["kind"] == "counted"
    assert correction.context["is_correction"] and correction.context["on_time"] is True
    assert all(m.to == ("noivu.daksong@example.gov.vn",) for m in mails)


def test_attachmentless_report_mail_gets_an_ack_asking_for_the_file(case_app) -> None:  # type: ignore[no-untyped-def]
    t = datetime(2024, 2, 8, 12, tzinfo=case_app.tz)
    (mail,) = [
        m for m in plan.plan_acks(t, mailroom.ack_facts(case_app, t)) if m.context["no_attachment"]
    ]
    assert mail.unit == "kinh-te-ha-tang" and mail.to == ("ktht.daksong@example.gov.vn",)


def test_a_profiles_reminders_and_escalations_count_from_the_date_of_due_at() -> None:
    """SPEC §9: reminder_days count back from the date of due_at, escalate_days forward from
    it (day 0 = the first late day). Province Q1 2026: due_at 18/03 00:00 (by 17/03)."""
    province = CalendarConfig(
        deadline="by", on_day_off="next_working_day", due=(("Q1", "03-14 +2wd"),),
        reports=("Q1",),
    )  # fmt: skip
    (step,) = plan.reminder_steps(datetime(2026, 3, 11, 8, 0, tzinfo=TZ), province, TZ)
    assert (step.label, step.period.id if step.period else None) == ("7d", "2026-Q1")
    assert plan.reminder_steps(datetime(2026, 3, 11, 7, 59, tzinfo=TZ), province, TZ) == []
    (last,) = plan.reminder_steps(datetime(2026, 3, 17, 23, 0, tzinfo=TZ), province, TZ)
    assert last.label == "1d"
    assert plan.escalation_steps(datetime(2026, 3, 17, 9, 0, tzinfo=TZ), province, TZ) == []
    (esc,) = plan.escalation_steps(datetime(2026, 3, 18, 8, 0, tzinfo=TZ), province, TZ)
    assert esc.label == "0d"
