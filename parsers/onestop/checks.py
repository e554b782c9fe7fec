"""The one-stop table's arithmetic checks, run on the classified rows.

4. Checks: each check id of the spec has its own function below (`_CHECKS`); the spec's
   `rule` strings are for people. A check whose columns are absent from the table is
   skipped, never failed. A failed check is a `Finding(code="onestop.<id>")`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from parsers.model import Finding
from parsers.numbers import Number, format_number
from parsers.onestop.rows import Item
from parsers.onestop.spec import EXTRA, CheckSpec, OnestopSpec

log = logging.getLogger("parsers.onestop")  # the package's name, as before it was split

# keys the checks read: their meaning is fixed by the checks of onestop.toml
EARLY, ON_TIME, LATE, RATE = "resolved_early", "resolved_on_time", "resolved_late", "on_time_rate"
CARRIED, RECEIVED = "carried_over", "received"
RETURNED, NOT_RETURNED = "returned", "not_returned"
PENDING_IN, PENDING_OVER = "pending_in_time", "pending_overdue"

RATE_TOLERANCE = 0.5  # percentage points, SPEC onestop.toml check "rate"
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


def _check_rate(check: CheckSpec, it: Item, ctx: Ctx) -> list[Finding]:
    if not {EARLY, ON_TIME, LATE, RATE} <= ctx.present or it.values.get(RATE) is None:
        return []
    done = _n(it.values, EARLY) + _n(it.values, ON_TIME)
    total = done + _n(it.values, LATE)
    if total <= 0:
        return []
    expected = round(100 * done / total, 2)
    found = float(it.values[RATE] or 0)
    if abs(found - expected) <= RATE_TOLERANCE:
        return []
    msg = (
        f"Dòng “{_row_label(it, ctx.spec)}”: tỷ lệ đúng hạn ghi {_fmt(found)}%, nhưng tính từ "
        f"số hồ sơ giải quyết trước hạn, đúng hạn và trễ hạn ({_fmt(done)}/{_fmt(total)}) là "
        f"{_fmt(expected)}% (lệch quá {_fmt(RATE_TOLERANCE)} điểm)."
    )
    return [_finding(check, it, ctx, msg, expected, found)]


def _equation(
    check: CheckSpec, it: Item, ctx: Ctx, left: Sequence[str], right: Sequence[str], what: str
) -> list[Finding]:
    keys = [*left, *right]
    if not set(keys) <= ctx.present or all(it.values.get(k) is None for k in keys):
        return []
    lhs = sum(_n(it.values, k) for k in left)
    rhs = sum(_n(it.values, k) for k in right)
    if abs(lhs - rhs) <= EXACT:
        return []
    names = lambda ks: " + ".join(ctx.labels.get(k, k) for k in ks)  # noqa: E731
    msg = (
        f"Dòng “{_row_label(it, ctx.spec)}”: {what} không khớp: {names(left)} = {_fmt(lhs)}, "
        f"nhưng {names(right)} = {_fmt(rhs)}."
    )
    return [_finding(check, it, ctx, msg, _whole(rhs), _whole(lhs))]


def _check_balance(check: CheckSpec, it: Item, ctx: Ctx) -> list[Finding]:
    return _equation(
        check,
        it,
        ctx,
        [CARRIED, RECEIVED],
        [EARLY, ON_TIME, LATE, PENDING_IN, PENDING_OVER],
        "số hồ sơ nhận và xử lý",
    )


def _check_returned(check: CheckSpec, it: Item, ctx: Ctx) -> list[Finding]:
    return _equation(
        check, it, ctx, [RETURNED, NOT_RETURNED], [EARLY, ON_TIME, LATE], "số hồ sơ trả kết quả"
    )


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


# check id -> (function, applies to data rows, applies to total rows). Balance, returned and
# non_negative are linear: on a total they follow from its rows once `totals` holds, so they
# run on data rows only (no duplicate findings); a rate is not additive and is checked on both.
_CHECKS: dict[str, tuple[Callable[[CheckSpec, Item, Ctx], list[Finding]], bool, bool]] = {
    "rate": (_check_rate, True, True),
    "balance": (_check_balance, True, False),
    "returned": (_check_returned, True, False),
    "non_negative": (_check_non_negative, True, False),
    "totals": (_check_totals, False, True),
}


def run_checks(items: list[Item], ctx: Ctx) -> list[Finding]:
    findings: list[Finding] = []
    for check in ctx.spec.checks:
        impl = _CHECKS.get(check.id)
        if impl is None:
            log.warning("one-stop check %r of the spec has no implementation; skipped", check.id)
            continue
        fn, on_rows, on_totals = impl
        for it in items:
            if (it.kind == "leaf" and on_rows) or (
                it.kind in ("total", "group") and on_totals and (it.values or it.children)
            ):
                findings.extend(fn(check, it, ctx))
    return findings
