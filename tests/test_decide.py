"""Arrival-order decisions and status (SPEC §3): timeliness, corrections, periods, units."""

from __future__ import annotations

import random
from datetime import date, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from cchc.core.calendar import calendar_for
from cchc.core.config import CalendarConfig
from cchc.core.units import Unit
from cchc.decide import MessageInput, decide
from ingest.facts import Facts

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = CalendarConfig()
SEED = calendar_for(CAL, TZ)
UNITS = {
    "xa-a": Unit("xa-a", "UBND xã A", "xa"),
    "xa-old": Unit("xa-old", "UBND xã Cũ", "xa", active_until=date(2024, 6, 30), successor="xa-a"),
}


def report(
    ref: int,
    when: datetime,
    unit: str | None = "xa-a",
    kind: str | None = "Q1",
    year: int | None = 2024,
    **kw: object,
) -> MessageInput:
    facts = Facts(
        clues={},
        period_kind=kind,
        period_year=year,
        report_attachments=int(kw.get("files", 1)),  # type: ignore[arg-type]
        readable_reports=int(kw.get("readable", 1)),  # type: ignore[arg-type]
        scanned_reports=int(kw.get("scanned", 0)),  # type: ignore[arg-type]
        about_cchc=bool(kw.get("cchc", True)),
        mentions_report=True,
        match={"unit": unit, "how": kw.get("how", "address") if unit else None},
    )
    return MessageInput(
        ref, when, str(kw.get("auth", "pass")), facts, kw.get("decision"), kw.get("decision_unit")
    )  # type: ignore[arg-type]


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def test_first_report_counts_and_a_later_one_is_a_correction() -> None:
    verdicts = decide([report(2, at(2024, 2, 10)), report(1, at(2024, 2, 1))], UNITS, SEED)
    by_ref = {v.ref: v for v in verdicts}
    assert by_ref[1].disposition == "counted"
    assert by_ref[2].disposition == "correction" and by_ref[2].first_ref == 1


def test_a_spoof_is_quarantined_and_does_not_count() -> None:
    (v,) = decide([report(1, at(2024, 2, 1), auth="fail")], UNITS, SEED)
    assert (v.disposition, v.reason, v.counts, v.unit) == ("review", "quarantined", False, "xa-a")


def test_unreadable_attachments_still_count_and_go_to_review() -> None:
    (v,) = decide([report(1, at(2024, 2, 1), readable=0)], UNITS, SEED)
    assert (v.disposition, v.reason, v.counts) == ("counted", "unparseable", True)


def test_a_scan_counts_and_is_not_reviewed_for_being_one() -> None:
    """SPEC §3: a signed scan is readable, whatever OCR made of it (nothing, if not installed)."""
    (v,) = decide([report(1, at(2024, 2, 1), readable=0, scanned=1)], UNITS, SEED)
    assert (v.disposition, v.reason, v.counts) == ("counted", None, True)


def test_content_match_counts_and_goes_to_review_until_approved() -> None:
    (v,) = decide([report(1, at(2024, 2, 1), how="content")], UNITS, SEED)
    assert (v.disposition, v.reason) == ("counted", "content_match")
    (v,) = decide([report(1, at(2024, 2, 1), how="content", decision="approve")], UNITS, SEED)
    assert (v.disposition, v.reason) == ("counted", None)


def test_a_report_announced_without_attachment_is_no_attachment() -> None:
    (v,) = decide([report(1, at(2024, 2, 1), files=0, readable=0)], UNITS, SEED)
    assert (v.disposition, v.reason, v.counts) == ("review", "no_attachment", False)


def test_mail_on_another_topic_is_ignored() -> None:
    (v,) = decide([report(1, at(2024, 2, 1), readable=0, cchc=False, kind=None)], UNITS, SEED)
    assert v.disposition == "ignored"


def test_unknown_sender_with_a_report_is_unmatched() -> None:
    (v,) = decide([report(1, at(2024, 2, 1), unit=None)], UNITS, SEED)
    assert (v.disposition, v.reason) == ("review", "unmatched")


def test_assigning_a_unit_makes_an_unmatched_report_count() -> None:
    (v,) = decide(
        [report(1, at(2024, 2, 1), unit=None, decision="assign", decision_unit="xa-a")],
        UNITS,
        SEED,
    )
    assert (v.disposition, v.unit) == ("counted", "xa-a")


def test_no_period_in_text_takes_the_overdue_period_the_unit_has_not_sent() -> None:
    late = report(1, at(2024, 5, 20, 10), kind=None, year=None)
    (v,) = decide([late], UNITS, SEED)
    assert v.period == "2024-H1"  # due 18 May, two days overdue, not yet reported


def test_no_period_in_text_and_nothing_overdue_takes_the_next_period() -> None:
    sent = report(1, at(2024, 5, 10), kind="H1")
    later = report(2, at(2024, 5, 20, 10), kind=None, year=None)
    verdicts = {v.ref: v for v in decide([sent, later], UNITS, SEED)}
    assert verdicts[2].period == "2024-Q3"


def test_an_overdue_period_older_than_45_days_is_not_assumed() -> None:
    (v,) = decide([report(1, at(2024, 7, 10), kind=None, year=None)], UNITS, SEED)
    assert v.period == "2024-Q3"


@given(st.permutations(list(range(8))))
def test_verdicts_do_not_depend_on_the_order_messages_are_given(order: list[int]) -> None:
    rng = random.Random(7)
    base = [
        report(
            i,
            at(2024, 2, 1 + i * 7 % 28, 8 + i),
            kind=rng.choice([None, "Q1", "H1"]),
            unit=rng.choice(["xa-a", None]),
        )
        for i in range(8)
    ]
    expected = sorted(decide(base, UNITS, SEED), key=lambda v: v.ref)
    shuffled = [base[i] for i in order]
    assert sorted(decide(shuffled, UNITS, SEED), key=lambda v: v.ref) == expected
