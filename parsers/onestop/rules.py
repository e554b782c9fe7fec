"""The grammar of a one-stop check's `rule` (SPEC §9 "Checks"): checks are data, not code.

A rule is one of
- a linear equation over column keys, `a + b = c + d` (coefficients allowed: `2 * a`, `- b`),
  exact on whole numbers, or within a tolerance: `…, within 0.5`;
- a percentage, `rate = 100 * (a + b) / (a + b + c), within 0.5` (the seed's `rate`);
- one of the seed's worded rules: "every count is a whole number >= 0" (`non_negative`) and
  "a 'Tổng' / 'Cộng' row equals the sum of the rows it totals" (`totals`).
Anything else is refused when the template is loaded, naming the file and the check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NON_NEGATIVE = "every count is a whole number >= 0"
TOTALS = "a 'Tổng' / 'Cộng' row equals the sum of the rows it totals"
_KEY = r"[a-z_][a-z0-9_]*"
_TERM = re.compile(rf"^(?:(\d+(?:\.\d+)?)\s*\*\s*)?({_KEY})$")
_WITHIN = re.compile(r"^(.*?),\s*within\s+(\d+(?:\.\d+)?)\s*$")
_PERCENT = re.compile(rf"^({_KEY})\s*=\s*100\s*\*\s*\(([^()]+)\)\s*/\s*\(([^()]+)\)$")

Terms = tuple[tuple[float, str], ...]  # (coefficient, column key)


@dataclass(frozen=True)
class Rule:
    """A parsed rule. `form`: "equation" | "percent" | "non_negative" | "totals"."""

    form: str
    left: Terms = ()
    right: Terms = ()  # an equation's right side
    tolerance: float = 0.0
    numerator: Terms = ()  # a percent: left = 100 * numerator / denominator
    denominator: Terms = ()

    @property
    def keys(self) -> set[str]:
        return {k for _, k in (*self.left, *self.right, *self.numerator, *self.denominator)}


def _normal(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("‘", "'").split())


_ONE = rf"(?:\d+(?:\.\d+)?\s*\*\s*)?{_KEY}"
_SIDE = re.compile(rf"^[+-]?\s*{_ONE}(?:\s*[+-]\s*{_ONE})*$")


def _terms(text: str) -> Terms:
    """`a + 2 * b - c` → ((1, a), (2, b), (-1, c)); ValueError when it is not that."""
    if not _SIDE.match(text.strip()):
        raise ValueError(f"{text.strip()!r} không phải tổng các key cột")
    out = []
    for sign, body in re.findall(r"([+-]?)\s*([^+-]+)", text.strip()):
        m = _TERM.match(body.strip())
        if not m:
            raise ValueError(f"{body.strip()!r} không phải key cột (hay N * key)")
        coefficient = float(m.group(1) or 1) * (-1 if sign == "-" else 1)
        out.append((coefficient, m.group(2)))
    if not out:
        raise ValueError("một vế để trống")
    return tuple(out)


def parse_rule(text: str) -> Rule:
    """Raises ValueError saying what is wrong with the rule."""
    rule = _normal(text)
    if rule == NON_NEGATIVE:
        return Rule("non_negative")
    if rule == TOTALS:
        return Rule("totals")
    tolerance = 0.0
    within = _WITHIN.match(rule)
    if within:
        rule, tolerance = within.group(1).strip(), float(within.group(2))
    percent = _PERCENT.match(rule)
    if percent:
        return Rule(
            "percent",
            left=((1.0, percent.group(1)),),
            tolerance=tolerance,
            numerator=_terms(percent.group(2)),
            denominator=_terms(percent.group(3)),
        )
    if rule.count("=") != 1:
        raise ValueError(
            "chương trình không hiểu quy tắc này: viết một phương trình bậc nhất theo key cột, "
            'ví dụ "received = received_online + received_direct" (có thể thêm ", within 0.5")'
        )
    left_text, right_text = rule.split("=")
    return Rule("equation", _terms(left_text), _terms(right_text), tolerance)
