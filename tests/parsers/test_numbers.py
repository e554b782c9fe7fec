"""Vietnamese number reading: separators by digit grouping, percents, blanks, units of measure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers.numbers import PercentCell, format_number, read_number


def vn(n: int) -> str:
    """Format a whole number the Vietnamese way: dots between thousands."""
    return f"{n:,}".replace(",", ".")


def vn_decimal(whole: int, frac: str) -> str:
    return f"{vn(whole)},{frac}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234", 1234),
        ("1.234.567", 1234567),
        ("95,5", 95.5),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),  # an English-locale Excel
        ("1,234,567", 1234567),
        ("12,500", 12500),  # a lone comma before three digits groups thousands in a count
        ("1,5", 1.5),
        ("0.955", 0.955),  # "0." never starts a thousands group
        ("1 234", 1234),
        ("  7 ", 7),
        ("-3", -3),
        ("12 hồ sơ", 12),
        ("45 TTHC", 45),
    ],
)
def test_count_strings_read_by_their_digit_grouping(text: str, expected: float) -> None:
    assert read_number(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text", ["", "-", "–", "—", "x", "X", "...", "Quý 1", "1=2+3", "(3)", "abc"]
)
def test_cells_without_a_number_read_as_none_not_zero(text: str) -> None:
    assert read_number(text) is None


def test_percent_sign_is_a_literal_percentage() -> None:
    assert read_number("95,5%") == pytest.approx(95.5)
    assert read_number("100,0%", percent=True) == pytest.approx(100.0)


def test_lone_separator_in_a_percent_column_is_always_decimal() -> None:
    assert read_number("98,123", percent=True) == pytest.approx(98.123)
    assert read_number("98.123", percent=True) == pytest.approx(98.123)


def test_percent_formatted_fraction_reads_as_the_percentage_shown() -> None:
    assert read_number(PercentCell(0.9794), percent=True) == pytest.approx(97.94)
    assert read_number(PercentCell(1), percent=True) == pytest.approx(100.0)


def test_whole_numbers_come_back_as_int_in_counts_and_float_in_rates() -> None:
    assert isinstance(read_number(48.0), int)
    assert isinstance(read_number("100,00"), int)
    assert isinstance(read_number(100, percent=True), float)


def test_booleans_and_non_finite_floats_are_not_numbers() -> None:
    assert read_number(True) is None
    assert read_number(float("nan")) is None


@given(st.integers(min_value=0, max_value=10**12))
def test_whole_numbers_round_trip_through_vietnamese_thousands(n: int) -> None:
    assert read_number(vn(n)) == n


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_decimals_round_trip_through_the_decimal_comma(whole: int, cents: int) -> None:
    frac = f"{cents:02d}"
    assert read_number(vn_decimal(whole, frac)) == pytest.approx(whole + cents / 100)
    assert read_number(vn_decimal(whole, frac) + "%", percent=True) == pytest.approx(
        whole + cents / 100
    )


@given(st.integers(min_value=0, max_value=100_000))
def test_rates_round_trip_with_one_to_three_decimals(thousandths: int) -> None:
    value = thousandths / 1000
    text = f"{value:.3f}".replace(".", ",")
    assert read_number(text, percent=True) == pytest.approx(value)


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_format_number_is_read_back(n: int) -> None:
    assert read_number(format_number(n)) == n
