"""Due rules over Vietnam's working days (SPEC §9 "Precisely"): each rule form, `deadline`,
`on_day_off`, the extra days, the shorthand, and the configuration's refusals."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cchc.core.calendar import Calendar
from cchc.core.config import CalendarConfig, load_config
from cchc.core.due_rules import DueRule
from cchc.core.errors import ConfigError
from cchc.core.periods import Period, parse_period
from cchc.core.workdays import WorkDays

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PROVINCE = CalendarConfig(
    deadline="by",
    on_day_off="next_working_day",
    due=(("Q1", "03-14 +2wd"), ("H1", "06-14 +2wd"), ("Q3", "09-14 +2wd"), ("Y", "12-14 +2wd")),
)


def cal(**kw: object) -> Calendar:
    return Calendar(CalendarConfig(**kw), TZ)  # type: ignore[arg-type]


def test_working_days_skip_weekends_and_tet() -> None:
    days = WorkDays()
    assert not days.is_working_day(date(2026, 3, 14))  # Saturday
    assert all(not days.is_working_day(date(2026, 2, d)) for d in range(16, 21))  # Tết 2026
    assert days.is_working_day(date(2026, 2, 23))
    assert days.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)
    assert days.add_working_days(date(2026, 3, 14), 2) == date(2026, 3, 17)


def test_extra_days_off_and_working_days_win_over_the_library() -> None:
    days = WorkDays(extra_days_off=[date(2026, 3, 16)], extra_working_days=[date(2026, 3, 14)])
    assert days.is_working_day(date(2026, 3, 14)) and not days.is_working_day(date(2026, 3, 16))
    assert days.add_working_days(date(2026, 3, 13), 2) == date(2026, 3, 17)


def test_province_q1_2026_is_due_tuesday_17_march() -> None:
    """ "03-14 +2wd" with `by`: 14 March 2026 is a Saturday, two working days later is Tue 17."""
    calendar = Calendar(PROVINCE, TZ)
    q1 = parse_period("2026-Q1")
    assert calendar.due_day(q1) == date(2026, 3, 17)
    assert calendar.due(q1).isoformat() == "2026-03-18T00:00:00+07:00"
    assert calendar.due_rule(q1) == "03-14 +2wd"


def test_the_seeds_q1_2026_falls_in_tet_and_moves_to_monday_23_february() -> None:
    """The seed's rule with on_day_off: the last on-time day, Tue 17 Feb 2026, is in Tết."""
    calendar = cal(on_day_off="next_working_day")
    q1 = parse_period("2026-Q1")
    assert calendar.last_on_time_day(q1) == date(2026, 2, 23)
    assert calendar.due(q1).isoformat() == "2026-02-24T00:00:00+07:00"
    assert calendar.due_rule(q1) == "02-18"


def test_without_on_day_off_the_seeds_dates_stay_where_they_are() -> None:
    assert cal().due(parse_period("2026-Q1")).isoformat() == "2026-02-18T00:00:00+07:00"


@pytest.mark.parametrize(
    ("rule", "kind", "period", "due_day"),
    [
        ("02-18", "Q1", "2025-Q1", date(2025, 2, 18)),
        ("last:20", "Q1", "2025-Q1", date(2025, 3, 20)),
        ("next:05", "Q2", "2025-Q2", date(2025, 7, 5)),
        ("next:05", "Q4", "2025-Q4", date(2026, 1, 5)),
        ("last:31", "M02", "2025-M02", date(2025, 2, 28)),  # a DD past the month's end
        ("next:31", "M03", "2024-M03", date(2024, 4, 30)),
        ("last:31", "M02", "2024-M02", date(2024, 2, 29)),
        ("12-14 +2wd", "Y", "2026-Y", date(2026, 12, 16)),
        ("next:05 +1wd", "M01", "2027-M01", date(2027, 2, 11)),  # 5 Feb 2027 is in Tết
    ],
)
def test_each_rule_form_names_its_day(rule: str, kind: str, period: str, due_day: date) -> None:
    reports = ("M",) if kind.startswith("M") else (kind,)
    calendar = cal(reports=reports, due=(("M" if kind.startswith("M") else kind, rule),))
    assert calendar.due_day(parse_period(period)) == due_day


def test_before_means_until_the_day_before_and_by_until_the_day_itself() -> None:
    before = cal(due=(("Q1", "03-20"),))  # Fri 20 March 2026
    by = cal(due=(("Q1", "03-20"),), deadline="by")
    q1 = parse_period("2026-Q1")
    assert before.due(q1).isoformat() == "2026-03-20T00:00:00+07:00"
    assert by.due(q1).isoformat() == "2026-03-21T00:00:00+07:00"


def test_the_shorthand_keys_keep_their_meaning() -> None:
    national = cal(quarter_due_month=3, quarter_due_day=14, annual_due="12-14")
    assert national.due(parse_period("2025-Q1")).isoformat() == "2025-03-14T00:00:00+07:00"
    assert national.due(parse_period("2025-H1")).isoformat() == "2025-06-14T00:00:00+07:00"
    assert national.due_rule(parse_period("2025-Y")) == "12-14"


def test_a_monthly_rule_needs_last_or_next() -> None:
    with pytest.raises(ValueError, match="last:DD"):
        DueRule.parse("03-05", "M03")


@given(
    year=st.integers(2020, 2035),
    kind=st.sampled_from(["Q1", "Q2", "Q3", "Q4", "H1", "N9", "Y"]),
    anchor=st.sampled_from(["last:", "next:"]),
    day=st.integers(1, 31),
    extra=st.integers(0, 5),
    deadline=st.sampled_from(["before", "by"]),
)
@settings(max_examples=300, deadline=None)
def test_under_next_working_day_the_last_on_time_day_is_never_a_day_off(
    year: int, kind: str, anchor: str, day: int, extra: int, deadline: str
) -> None:
    rule = f"{anchor}{day:02d}" + (f" +{extra}wd" if extra else "")
    calendar = cal(
        reports=(kind,), due=((kind, rule),), deadline=deadline, on_day_off="next_working_day"
    )
    period = Period(year, kind)
    last = calendar.last_on_time_day(period)
    assert calendar.workdays.is_working_day(last)
    assert calendar.due(period).date() == last + timedelta(days=1)
    assert last >= calendar.due_day(period) - timedelta(days=1)


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[calendar]\nreports = ["Q1", "Q2"]\n', "calendar.due.Q2"),
        ('[calendar]\nreports = ["M"]\n', "calendar.due.M"),
        ('[calendar]\nreports = ["Q1"]\n[calendar.due]\nQ1 = "14/03"\n', "calendar.due.Q1"),
        ('[calendar]\nreports = ["M"]\n[calendar.due]\nM = "03-05"\n', "calendar.due.M"),
        ('[calendar]\nreports = ["Q5"]\n', "calendar.reports"),
        ('[calendar]\ndeadline = "until"\n', "calendar.deadline"),
        ('[calendar]\nextra_days_off = ["2026-02-30"]\n', "calendar.extra_days_off"),
    ],
)
def test_a_missing_or_malformed_rule_stops_naming_the_kind(
    tmp_path: Path, text: str, key: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(_config(tmp_path, text))
    assert key in str(info.value)


def test_a_monthly_profile_loads_with_one_rule_for_every_month(tmp_path: Path) -> None:
    config = load_config(
        _config(tmp_path, '[calendar]\nreports = ["M", "Y"]\n[calendar.due]\nM = "next:05"\n')
    )
    calendar = Calendar(config.calendar, TZ)
    assert [p.id for p in calendar.periods_of(2026)][:3] == ["2026-M01", "2026-M02", "2026-M03"]
    assert calendar.periods_of(2026)[-1].id == "2026-Y"  # December's report comes before it
    assert calendar.due_rule(parse_period("2026-M07")) == "next:05"
