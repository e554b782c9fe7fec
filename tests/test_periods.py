"""Periods, due instants and period wording (SPEC §1, §3)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cchc.core.calendar import calendar_for, due
from cchc.core.config import CalendarConfig
from cchc.core.errors import CchcError
from cchc.core.periods import SEED_KINDS, parse_period
from cchc.core.wording import find_period

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = CalendarConfig()
SEED = calendar_for(CAL, TZ)


@pytest.mark.parametrize(
    ("pid", "expected"),
    [
        ("2025-Q1", "2025-02-18T00:00:00+07:00"),
        ("2025-H1", "2025-05-18T00:00:00+07:00"),
        ("2025-Q3", "2025-08-18T00:00:00+07:00"),
        ("2025-Y", "2025-11-05T00:00:00+07:00"),
    ],
)
def test_default_due_dates_follow_the_district_rule(pid: str, expected: str) -> None:
    assert due(parse_period(pid), CAL, TZ).isoformat() == expected


def test_due_dates_come_from_configuration() -> None:
    national = CalendarConfig(quarter_due_month=3, quarter_due_day=14, annual_due="12-14")
    assert due(parse_period("2025-Q1"), national, TZ).isoformat() == "2025-03-14T00:00:00+07:00"
    assert due(parse_period("2025-Y"), national, TZ).isoformat() == "2025-12-14T00:00:00+07:00"


def test_a_bad_period_id_is_refused() -> None:
    with pytest.raises(CchcError, match="không phải mã kỳ báo cáo"):
        parse_period("2025-Q5")


def test_a_period_the_office_does_not_collect_is_refused() -> None:
    with pytest.raises(CchcError, match="không thu báo cáo loại Q2"):
        SEED.period("2025-Q2")


@pytest.mark.parametrize(
    ("text", "kind", "year"),
    [
        ("BC CCHC quy I nam 2024", "Q1", 2024),
        ("Báo cáo cải cách hành chính QI/2024", "Q1", 2024),
        ("bao cao cai cach hanh chinh quy 1 nam 2024", "Q1", 2024),
        ("BC CCHC Q1_2024 - Kinh te va Ha tang.docx", "Q1", 2024),
        ("Báo cáo CCHC sáu tháng đầu năm", "H1", None),
        ("PL2_motcua_6T.2024.xlsx", "H1", 2024),
        ("Báo cáo CCHC 9 tháng năm 2024", "Q3", 2024),
        ("Báo cáo CCHC QIII/2024", "Q3", 2024),
        ("Báo cáo CCHC năm 2024", "Y", 2024),
        ("BC năm", "Y", None),
        ("Phu luc 2 - mot cua Nam_2024.xlsx", "Y", 2024),
        (
            "KẾT QUẢ THỰC HIỆN CÔNG TÁC CCHC QUÝ I NĂM 2025 VÀ PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ II",
            "Q1",
            2025,
        ),
    ],
)
def test_period_wording_with_and_without_accents(text: str, kind: str, year: int | None) -> None:
    mention = find_period(text)
    assert mention is not None
    assert (mention.kind, mention.year) == (kind, year)


@pytest.mark.parametrize(
    "text",
    [
        "Đắk Song, ngày 10 tháng 02 năm 2025",
        "Đề nghị các đơn vị đăng ký danh sách trước ngày 14/02.",
        "Phương hướng, nhiệm vụ quý II năm 2025",
        "V/v gửi báo cáo công tác CCHC",
        "Bieu mau 2.xlsx",
    ],
)
def test_dates_plans_and_plain_words_are_not_periods(text: str) -> None:
    assert find_period(text) is None


@given(st.integers(1, 28), st.integers(1, 12), st.integers(2000, 2099))
def test_a_written_date_is_never_a_period(day: int, month: int, year: int) -> None:
    assert find_period(f"Đắk Song, ngày {day:02d} tháng {month:02d} năm {year}") is None
    assert find_period(f"ngày {day}/{month}/{year}") is None


def test_a_period_without_a_year_takes_the_year_whose_due_date_is_nearest() -> None:
    mention = find_period("Báo cáo CCHC năm")
    assert mention is not None
    january = datetime(2025, 1, 6, 9, 0, tzinfo=TZ)
    assert SEED.year_for(mention.kind, january) == 2024


def test_with_no_period_the_next_due_period_applies() -> None:
    assert SEED.first_due_after(datetime(2024, 2, 17, 23, 30, tzinfo=TZ)).id == "2024-Q1"
    assert SEED.first_due_after(datetime(2024, 2, 18, 0, 0, tzinfo=TZ)).id == "2024-H1"
    assert SEED.first_due_after(datetime(2024, 11, 5, 0, 0, tzinfo=TZ)).id == "2025-Q1"


@given(st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2098, 12, 31)))
def test_first_due_after_is_after_and_no_earlier_period_is(moment: datetime) -> None:
    aware = moment.replace(tzinfo=TZ)
    period = SEED.first_due_after(aware)
    assert due(period, CAL, TZ) > aware
    ordered = sorted(SEED.periods_around(aware, 2), key=SEED.due)
    earlier = ordered[ordered.index(period) - 1]
    assert due(earlier, CAL, TZ) <= aware
    assert due(period, CAL, TZ) - aware < timedelta(days=200)


QUARTERS = ("Q1", "Q2", "Q3", "Q4", "Y")
NINE = ("Q1", "H1", "N9", "Y")
MONTHLY = (*(f"M{m:02d}" for m in range(1, 13)), "Y")


@pytest.mark.parametrize(
    ("text", "kinds", "expected"),
    [
        ("Báo cáo CCHC quý II năm 2026", SEED_KINDS, ("H1", 2026)),  # no Q2: the six months
        ("Báo cáo CCHC quý II năm 2026", QUARTERS, ("Q2", 2026)),
        ("Báo cáo CCHC quý III năm 2026", NINE, ("N9", 2026)),  # N9 but no Q3
        ("Báo cáo CCHC 9 tháng năm 2026", NINE, ("N9", 2026)),
        ("Báo cáo CCHC chín tháng năm 2026", SEED_KINDS, ("Q3", 2026)),  # no N9: the quarter
        ("Báo cáo CCHC quý IV năm 2026", SEED_KINDS, ("Y", 2026)),  # no Q4: the year
        ("Báo cáo CCHC quý IV năm 2026", QUARTERS, ("Q4", 2026)),
        ("Báo cáo CCHC tháng 3 năm 2026", MONTHLY, ("M03", 2026)),
        ("Báo cáo CCHC tháng 12", MONTHLY, ("M12", None)),
        ("Báo cáo CCHC 12 tháng năm 2026", MONTHLY, ("Y", 2026)),
        ("Báo cáo kết quả CCHC 6 tháng đầu năm 2026", QUARTERS, None),  # H1 not collected
        ("Báo cáo CCHC quý I năm 2026", MONTHLY, None),
    ],
)
def test_wordings_map_to_the_kinds_the_office_collects(
    text: str, kinds: tuple[str, ...], expected: tuple[str, int | None] | None
) -> None:
    mention = find_period(text, kinds)
    got = (mention.kind, mention.year) if mention else None
    assert got == expected


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Đắk Song, ngày 10 tháng 3 năm 2026", MONTHLY),
        ("ngày 10/3/2026", MONTHLY),
        ("tháng 3 năm 2026", SEED_KINDS),  # a date where no monthly reports exist
        ("Báo cáo CCHC tháng 3", SEED_KINDS),
    ],
)
def test_dates_and_months_of_offices_without_monthly_reports_are_no_period(
    text: str, kinds: tuple[str, ...]
) -> None:
    assert find_period(text, kinds) is None
