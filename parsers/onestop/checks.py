"""The one-stop table's arithmetic checks, run on the classified rows.

4. Checks: each [[check]] of the template is data — its `rule` is parsed by
   `parsers.onestop.rules` into an equation, a percentage or one of the worded rules, and
   one function per form runs it (`_FORMS`). A check whose columns are absent from the table
   is skipped, never failed. A failed check is a `Finding(code="onestop.<id>")`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from parsers.model import Finding
from parsers.numbers import Number, format_number
from parsers.onestop.rows import Item
from parsers.onestop.rules import Terms
from parsers.onestop.spec import EXTRA, CheckSpec, OnestopSpec

EXACT = 1e-6  # counts are whole numbers: equal means equal


@dataclass
class Ctx:
    spec: OnestopSpec
    present: set[str]  # keys whose column is in the table
    labels: dict[str, str]  # key -> header text in the file
    count_keys: list[str]


def _row_label(it: Item, spec: OnestopSpec) -> str:
    name = it.unit_name or it.label or f"dòng {it.sheet_row}"
    if it.kind == "leaf" and it.mechanism != "all":
        mechanism_words = spec.mechanism.get(it.mechanism, ())
        mech = mechanism_words[0] if mechanism_words else it.mechanism
        return f"{name} ({mech})"
    return name


def _n(values: dict[str, Number | None], key: str) -> float:
    return float(values.get(key) or 0)


def _whole(x: float) -> Number:
    return int(x) if float(x).is_integer() else x


def _fmt(x: float) -> str:
    return format_number(round(x, 2) if not float(x).is_integer() else int(x))


def _finding(
    check: CheckSpec, it: Item, ctx: Ctx, message: str, expected: Any, found: Any, **extra: Any
) -> Finding:
    detail = {
        "check": check.id,
        "row": _row_label(it, ctx.spec),
        "sheet_row": it.sheet_row,
        "expected": expected,
        "found": found,
        **extra,
    }
    return Finding(f"onestop.{check.id}", check.level, message, None, detail)


def _sum(values: dict[str, Number | None], terms: Terms) -> float:
    return sum(c * _n(values, key) for c, key in terms)


def _names(terms: Terms, ctx: Ctx) -> str:
    """`a + 2 × b − c`, each key by its header text in the unit's file."""
    parts = []
    for i, (c, key) in enumerate(terms):
        label = ctx.labels.get(key, key)
        term = label if abs(c) == 1 else f"{_fmt(abs(c))} × {label}"
        sign = "+" if c > 0 else "−"
        parts.append(term if i == 0 and c > 0 else f"{sign} {term}")
    return " ".join(parts)


def _about(check: CheckSpec) -> str:
    return check.title or f"phép kiểm tra “{check.id}”"


def _check_percent(check: CheckSpec, it: Item, ctx: Ctx) -> list[Finding]:
    rule = check.parsed
    (_, key) = rule.left[0]
    if not rule.keys <= ctx.present or it.values.get(key) is None:
        return []
    done = _sum(it.values, rule.numerator)
    total = _sum(it.values, rule.denominator)
    if total <= 0:
        return []
    expected = round(100 * done / total, 2)
    found = float(it.values[key] or 0)
    if abs(found - expected) <= max(rule.tolerance, EXACT):
        return []
    msg = (
        f"Dòng “{_row_label(it, ctx.spec)}”: {_about(check)} ghi {_fmt(found)}%, nhưng tính từ "
        f"{_names(rule.numerator, ctx)} trên {_names(rule.denominator, ctx)} "
        f"({_fmt(done)}/{_fmt(total)}) là {_fmt(expected)}%"
        + (f" (lệch quá {_fmt(rule.tolerance)} điểm)." if rule.tolerance else ".")
    )
    return [_finding(check, it, ctx, msg, expected, found)]


def _check_equation(check: CheckSpec, it: Item, ctx: Ctx) -> list[Finding]:
    rule = check.parsed
    if not rule.keys <= ctx.present or all(it.values.get(k) is None for k in rule.keys):
        return []
    lhs = _sum(it.values, rule.left)
    rhs = _sum(it.values, rule.right)
    if abs(lhs - rhs) <= max(rule.tolerance, EXACT):
        return []
    msg = (
        f"Dòng “{_row_label(it, ctx.spec)}”: {_about(check)} không khớp: "
        f"{_names(rule.left, ctx)} = {_fmt(lhs)}, nhưng {_names(rule.right, ctx)} = {_fmt(rhs)}."
    )
    return [_finding(check, it, ctx, msg, _whole(rhs), _whole(lhs))]


def _check_non_negative(check: CheckSpec, it: Item, ctx: Ctx) -> list[Finding]:
    out = []
    for key in ctx.count_keys:
        v = it.values.get(key)
        if v is None or (v >= 0 and float(v).is_integer()):
            continue
        msg = (
            f"Dòng “{_row_label(it, ctx.spec)}”: cột “{ctx.labels.get(key, key)}” ghi "
            f"{format_number(v)}; số hồ sơ phải là số nguyên không âm."
        )
        out.append(_finding(check, it, ctx, msg, "số nguyên >= 0", v, key=key))
    return out


def _check_totals(check: CheckSpec, it: Item, ctx: Ctx) -> list[Finding]:
    out = []
    for key in [*ctx.count_keys, *[k for k in it.values if k.startswith(EXTRA)]]:
        found = it.values.get(key)
        if (
            found is None
            or not it.children
            or all(ch.values.get(key) is None for ch in it.children)
        ):
            continue
        expected = sum(_n(ch.values, key) for ch in it.children)
        if abs(float(found) - expected) <= EXACT:
            continue
        expected_n = _whole(expected)
        msg = (
            f"Dòng tổng “{it.label}”: cột “{ctx.labels.get(key, key)}” ghi {format_number(found)}, "
            f"nhưng cộng {len(it.children)} dòng số liệu là {format_number(expected_n)}."
        )
        out.append(_finding(check, it, ctx, msg, expected_n, found, key=key))
    return out


# rule form -> (function, applies to data rows, applies to total rows). Equations and
# non_negative are linear: on a total they follow from its rows once `totals` holds, so they
# run on data rows only (no duplicate findings); a percentage is not additive: checked on both.
_FORMS: dict[str, tuple[Callable[[CheckSpec, Item, Ctx], list[Finding]], bool, bool]] = {
    "percent": (_check_percent, True, True),
    "equation": (_check_equation, True, False),
    "non_negative": (_check_non_negative, True, False),
    "totals": (_check_totals, False, True),
}


def run_checks(items: list[Item], ctx: Ctx) -> list[Finding]:
    findings: list[Finding] = []
    for check in ctx.spec.checks:
        fn, on_rows, on_totals = _FORMS[check.parsed.form]
        for it in items:
            if (it.kind == "leaf" and on_rows) or (
                it.kind in ("total", "group") and on_totals and (it.values or it.children)
            ):
                findings.extend(fn(check, it, ctx))
    return findings
