"""Numbers the way Vietnamese units write them in their tables.

Vietnamese convention is the reverse of the English one: "." groups thousands
("1.234.567") and "," is the decimal mark ("95,5"). Units' files mix both (an Excel set
to an English locale, a table typed in Word), so a separator is read by its *grouping*:

- both "." and "," present: the last one is the decimal mark ("1.234,5", "1,234.5");
- the same mark repeated: thousands groups ("1.234.567", "1,234,567");
- one mark followed by exactly three digits, not after a lone "0": thousands in a count
  column ("1.085" is 1085, "12,500" is 12500), but a decimal mark in a percent column
  (a rate is never above 100, so "98,123" there is 98.123);
- any other single mark: the decimal mark ("95,5", "97.52", "0.955").

Decisions (documented here because the SPEC leaves room):

- blanks, "-", "–", "—", "x", "...", "/" are "no number" (None), never 0: a check treats a
  missing count as 0 but skips a missing rate (see `parsers.onestop`);
- a number followed by words ("12 hồ sơ", "45 TTHC") is that number: units add the unit of
  measure; a number *preceded* by words ("Quý 1") or mixed with other digits ("1=2+3") is
  not a number;
- "(3)" is a column number of the template, not a negative: None;
- "95,5%" is 95.5 (a literal percent); a cell stored as a fraction with an Excel percent
  format (0.955 shown "95,5%") arrives from `parsers.sheets` as a `PercentCell` and reads
  as 95.5, the number the unit saw on screen;
- whole values come back as `int`, so counts compare and print as counts.
"""

from __future__ import annotations

import math
import re

from cchc.core.text import nfc

Number = int | float

_NONE_WORDS = frozenset({"", "-", "–", "—", "x", "X", "...", "…", "/", "--", "-/-", "*"})
# a number (digits with . , or spaces inside), an optional %, then optional words
_NUMBER = re.compile(
    r"^(?P<sign>[+\-−]?)\s*(?P<num>\d[\d.,\u00a0\u202f ]*\d|\d)\s*(?P<pct>%?)\s*(?P<tail>[^\d%]*)$"
)
_TAIL_OK = re.compile(r"^[^\W\d_]+(?:[\s.]+[^\W\d_]+)*\.?$")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


class PercentCell(float):
    """A spreadsheet number shown with a percent format: the stored value is the fraction.

    Excel stores "97,9%" as 0.979 with the format "0.0%". Keeping the flag on the value
    (a float subclass, so a grid stays plain numbers) lets the reader return the number the
    unit saw, 97.9, without guessing from the magnitude.
    """

    __slots__ = ()

    @property
    def shown(self) -> float:
        """The value as displayed: the fraction times 100, rid of binary noise."""
        return round(float(self) * 100, 9)


def _whole(value: float) -> Number:
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _groups_ok(parts: list[str]) -> bool:
    """Thousands groups: a first group of 1-3 digits, then groups of exactly 3."""
    return 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])


def _digits(num: str, *, percent: bool) -> float | None:
    """Turn digits with separators into a float by the grouping rules of the module doc."""
    num = _SPACES.sub(" ", num)
    if " " in num:  # "1 234" or "1 234,5": a space used as the thousands separator
        parts = num.split(" ")
        if not (
            all(p.isdigit() for p in parts[:-1])
            and 1 <= len(parts[0]) <= 3
            and all(len(p) == 3 for p in parts[1:-1])
            and re.match(r"^\d{3}(?:[.,]\d+)?$", parts[-1])
        ):
            return None
        num = "".join(parts)
    dots, commas = num.count("."), num.count(",")
    if dots and commas:
        dec = "." if num.rfind(".") > num.rfind(",") else ","
        grp = "," if dec == "." else "."
        if num.count(dec) != 1:
            return None
        int_part, frac = num.split(dec)
        if not _groups_ok(int_part.split(grp)) or not frac.isdigit():
            return None
        return float(int_part.replace(grp, "") + "." + frac)
    sep = "." if dots else "," if commas else ""
    if not sep:
        return float(num)
    parts = num.split(sep)
    if any(not p.isdigit() for p in parts):
        return None
    if len(parts) > 2:
        return float("".join(parts)) if _groups_ok(parts) else None
    int_part, frac = parts
    thousands = len(frac) == 3 and int_part != "0" and len(int_part) <= 3 and not percent
    return float(int_part + frac) if thousands else float(int_part + "." + frac)


def read_number(value: object, *, percent: bool = False) -> Number | None:
    """Read a cell as a number, Vietnamese style; None when the cell holds no number.

    `percent`: the column is a rate; a lone separator is then always the decimal mark.
    A `PercentCell` reads as the percentage shown. Never raises.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, PercentCell):
        return _whole(value.shown) if not percent else value.shown
    if isinstance(value, int):
        return float(value) if percent else value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return value if percent else _whole(value)
    if not isinstance(value, str):
        return None
    text = nfc(value).strip()
    if text in _NONE_WORDS:
        return None
    m = _NUMBER.match(text)
    if not m:
        return None
    tail = m.group("tail").strip()
    if tail and not _TAIL_OK.match(tail):
        return None
    number = _digits(m.group("num"), percent=percent or bool(m.group("pct")))
    if number is None:
        return None
    if m.group("sign") in ("-", "−"):
        number = -number
    if percent or m.group("pct"):
        return number
    return _whole(number)


def format_number(value: Number, decimals: int | None = None) -> str:
    """Write a number the Vietnamese way ("1.234", "97,94"): for messages shown to people."""
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 2
    text = f"{abs(value):,.{decimals}f}"
    if decimals:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return ("-" if value < 0 else "") + text
