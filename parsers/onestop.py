"""The one-stop table (Phụ lục 2): find it in grids, read its rows, check its arithmetic.

Everything about the table's vocabulary comes from `data/onestop.toml` (`load_spec`):
column keys and header words, the parent header above a column, the mechanism words, the
row groups, the checks and their levels. This module holds only the *method*:

1. Header. Every cell is compared, accent- and case-insensitive, with every column's header
   words. The row matching the most numeric columns is the header's bottom; the rows just
   above it (a parent header such as "Số hồ sơ đã giải quyết" over "Trước hẹn / Đúng hẹn /
   Trễ hẹn / %") and just below it join the header band. Merged cells are already copied
   into every cell they cover by the readers (`parsers.sheets`, python-docx).
2. Columns. Each column of the band is scored against each spec column: a header word in
   the column's own (lowest) cell beats one in a cell above; an exact word beats one that
   only matches with "hạn"/"hẹn" read alike (units use both); a longer word beats a shorter
   one (most specific wins); the parent decides between look-alikes ("Quá hạn" under "Hồ sơ
   đang giải quyết" is `pending_overdue`, under "Số hồ sơ đã giải quyết" it is
   `resolved_late`). Best scores are assigned first, one column per key. A numeric column
   with no known header is kept under `extra` (then `extra_2`, ...), as the spec keeps its
   illegible column 14; its header text is in `OnestopParse.extra_headers`.
3. Rows. A row of column numbers ("(1) (2) (3)" or "1 2 3") after the header is skipped.
   Then each row is one of: a group row (Roman numeral in STT, or a [[group]] title); a
   total ("Tổng", "Tổng cộng", "Cộng"), kept out of `rows` but checked; a unit line without
   numbers, whose name the mechanism lines below it inherit; a mechanism line ("- Cơ chế
   một cửa", "TTHC thực hiện theo cơ chế một cửa liên thông"); a data row (`mechanism`
   "all"). A unit line *with* numbers followed by mechanism lines is their subtotal.
4. Checks: each check id of the spec has its own function below (`_CHECKS`); the spec's
   `rule` strings are for people. A check whose columns are absent from the table is
   skipped, never failed. A failed check is a `Finding(code="onestop.<id>")`.

Pure: grids in, dataclasses out; never raises on a strange table.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cchc.core.text import fold
from parsers.model import Finding, Level
from parsers.numbers import Number, PercentCell, format_number, read_number

log = logging.getLogger(__name__)

DEFAULT_SPEC = Path(__file__).parent / "data" / "onestop.toml"

# structural keys: the ordinal and the label of a row (SPEC: rows carry `unit_name`)
STT = "stt"
UNIT = "unit_name"
EXTRA = "extra"

# keys the checks read: their meaning is fixed by the checks of onestop.toml
EARLY, ON_TIME, LATE, RATE = "resolved_early", "resolved_on_time", "resolved_late", "on_time_rate"
CARRIED, RECEIVED = "carried_over", "received"
RETURNED, NOT_RETURNED = "returned", "not_returned"
PENDING_IN, PENDING_OVER = "pending_in_time", "pending_overdue"

RATE_TOLERANCE = 0.5  # percentage points, SPEC onestop.toml check "rate"
EXACT = 1e-6  # counts are whole numbers: equal means equal

MIN_NUMERIC_KEYS = 3  # a header must name at least this many numeric columns
MAX_HEADER_ROWS = 4
_ROMAN = re.compile(r"^(?=[IVXLC])M{0,3}(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})\.?$")
_COLNUM = re.compile(r"^\(?\s*(\d{1,2}|[A-Z])\s*\)?(\s*[=+\-*/x]\s*\(?\s*\d{1,2}\s*\)?)*$")


# --- the spec -----------------------------------------------------------------------------


def _words(text: str) -> str:
    """Folded, punctuation as spaces except '%', padded: for whole-word containment."""
    folded = re.sub(r"[^0-9a-z%]+", " ", fold(text).replace("%", " % "))
    return f" {' '.join(folded.split())} "


def _loose(words: str) -> str:
    """`_words` with "hẹn" read as "hạn": units write both for the same column."""
    return words.replace(" hen ", " han ")


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    headers: tuple[str, ...]
    parent: str | None = None
    percent: bool = False
    text: bool = False

    @property
    def numeric(self) -> bool:
        return not self.text and self.key not in (STT, UNIT)


@dataclass(frozen=True)
class GroupSpec:
    id: str
    title: str


@dataclass(frozen=True)
class CheckSpec:
    id: str
    level: Level
    rule: str


@dataclass(frozen=True)
class OnestopSpec:
    """onestop.toml, validated: columns in official order, mechanism words, groups, checks."""

    columns: tuple[ColumnSpec, ...]
    mechanism: dict[str, tuple[str, ...]]
    groups: tuple[GroupSpec, ...]
    checks: tuple[CheckSpec, ...]

    def column(self, key: str) -> ColumnSpec | None:
        return next((c for c in self.columns if c.key == key), None)

    @property
    def parents(self) -> tuple[str, ...]:
        return tuple(sorted({c.parent for c in self.columns if c.parent}, key=len, reverse=True))


def load_spec(path: str | Path | None = None) -> OnestopSpec:
    """Read onestop.toml (default: the packaged one, read once and cached).

    Raises ValueError naming the file and the entry when the spec is malformed: a broken
    spec is a deployment error to fix, not something to guess around.
    """
    if path is None:
        return _default_spec()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _default_spec() -> OnestopSpec:
    return _load(DEFAULT_SPEC)


def _load(path: Path) -> OnestopSpec:
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    try:
        columns = tuple(
            ColumnSpec(
                key=str(c["key"]),
                headers=tuple(str(h) for h in c.get("header", [])),
                parent=str(c["parent"]) if c.get("parent") else None,
                percent=bool(c.get("percent", False)),
                text=bool(c.get("text", False)),
            )
            for c in raw.get("column", [])
        )
        mechanism = {str(k): tuple(str(w) for w in v) for k, v in raw.get("mechanism", {}).items()}
        groups = tuple(GroupSpec(str(g["id"]), str(g["title"])) for g in raw.get("group", []))
        checks = tuple(
            CheckSpec(str(c["id"]), c.get("level", "error"), str(c.get("rule", "")))
            for c in raw.get("check", [])
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: malformed one-stop spec ({exc!r})") from exc
    for c in checks:
        if c.level not in ("error", "warning", "info"):
            raise ValueError(f"{path}: check {c.id!r} has level {c.level!r} (error|warning|info)")
    if not any(c.key == UNIT for c in columns):
        raise ValueError(f"{path}: no column with key {UNIT!r}")
    return OnestopSpec(columns, mechanism, groups, checks)


# --- results --------------------------------------------------------------------------------


@dataclass
class OnestopParse:
    """The table as read: data rows (totals excluded), findings, and where it was found.

    `rows`: one dict per data row, keyed by the spec's keys present in the table (numbers
    as int/float, None for a blank cell), plus `unit_name` and `mechanism`; `note` when the
    row has one; `extra`, `extra_2`... for numeric columns the spec does not name.
    `totals`: the total rows, same shape, `unit_name` holding the row's label.
    `unit_names`: names read from the table, in order, for sender matching.
    `header_row`: index in the grid of the header's bottom row; `sheet`: index of the grid.
    `columns`: key -> column index; `extra_headers`: extra key -> header text in the file.
    """

    rows: list[dict[str, Any]]
    findings: list[Finding]
    unit_names: list[str]
    header_row: int
    sheet: int
    columns: dict[str, int] = field(default_factory=dict)
    extra_headers: dict[str, str] = field(default_factory=dict)
    totals: list[dict[str, Any]] = field(default_factory=list)


# --- header -----------------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _is_number_cell(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Matcher:
    """Header-word matching for one spec, memoised per distinct cell text."""

    def __init__(self, spec: OnestopSpec) -> None:
        self.spec = spec
        self.words = {
            c.key: [(_words(h), _loose(_words(h))) for h in c.headers if _words(h).strip()]
            for c in spec.columns
        }
        self.parents = [(p, _words(p)) for p in spec.parents]
        self._cache: dict[str, dict[str, tuple[int, bool]]] = {}

    def matches(self, text: str) -> dict[str, tuple[int, bool]]:
        """key -> (length of the longest matching header word, exact?) for one cell text."""
        if text not in self._cache:
            w = _words(text)
            lw = _loose(w)
            out: dict[str, tuple[int, bool]] = {}
            for key, words in self.words.items():
                best: tuple[int, bool] | None = None
                for exact, loose in words:
                    if exact in w:
                        cand = (len(exact), True)
                    elif loose in lw:
                        cand = (len(exact), False)
                    else:
                        continue
                    if best is None or (cand[1], cand[0]) > (best[1], best[0]):
                        best = cand
                if best:
                    out[key] = best
            self._cache[text] = out
        return self._cache[text]

    def parent_of(self, upper: str) -> str | None:
        """The most specific spec parent named in the cells above a column, if any."""
        w = _words(upper)
        for parent, pw in self.parents:  # longest first
            if pw in w or _loose(pw) in _loose(w):
                return parent
        return None

    def numeric_keys(self, row: Sequence[object]) -> set[str]:
        keys: set[str] = set()
        for v in row:
            if isinstance(v, str):
                keys.update(self.matches(v))
        numeric = {c.key for c in self.spec.columns if c.numeric}
        return keys & numeric

    def header_like(self, row: Sequence[object]) -> bool:
        """A row that can belong to a header band: words of headers or parents, no numbers."""
        if any(_is_number_cell(v) for v in row):
            return False
        texts = {v for v in row if isinstance(v, str) and v.strip()}
        if len(texts) < 2:  # a title merged across the table
            return False
        return any(self.matches(t) or self.parent_of(t) for t in texts)


def _is_colnum_row(row: Sequence[object]) -> bool:
    """'(1) (2) (3)…', '1 2 3…' or 'A B C…' under the header: the template's column numbers."""
    cells = [_text(v) for v in row if v is not None and _text(v)]
    if len(cells) < 3 or not all(_COLNUM.match(c) for c in cells):
        return False
    firsts = []
    for c in cells:
        m = re.search(r"\d+", c)
        firsts.append(int(m.group()) if m else None)
    nums = [n for n in firsts if n is not None]
    return len(nums) < 3 or all(b > a for a, b in zip(nums, nums[1:], strict=False))


@dataclass
class _Header:
    top: int
    bottom: int
    columns: dict[str, int]
    labels: dict[int, str]  # column -> header text (lowest cell) for messages
    unknown: list[int]  # columns with header text but no key
    width: int


def _find_header(grid: Sequence[Sequence[object]], m: _Matcher) -> tuple[int, int] | None:
    """(row index of the header's bottom, number of numeric keys) of the best header row."""
    best: tuple[int, int] | None = None
    for r, row in enumerate(grid):
        n = len(m.numeric_keys(row))
        if n >= MIN_NUMERIC_KEYS and (best is None or n > best[1]):
            best = (r, n)
    return best


def _band(grid: Sequence[Sequence[object]], r: int, m: _Matcher) -> tuple[int, int]:
    top, bottom = r, r
    while top > 0 and r - top + 1 < MAX_HEADER_ROWS and m.header_like(grid[top - 1]):
        top -= 1
    while (
        bottom + 1 < len(grid)
        and bottom - top + 1 < MAX_HEADER_ROWS
        and not _is_colnum_row(grid[bottom + 1])
        and m.header_like(grid[bottom + 1])
        and len(m.numeric_keys(grid[bottom + 1])) >= 1
    ):
        bottom += 1
    return top, bottom


def _assign(grid: Sequence[Sequence[object]], top: int, bottom: int, m: _Matcher) -> _Header:
    width = max((len(grid[r]) for r in range(top, bottom + 1)), default=0)
    scored: list[tuple[float, int, str]] = []
    labels: dict[int, str] = {}
    for c in range(width):
        stack: list[str] = []
        for r in range(top, bottom + 1):
            t = _text(grid[r][c]) if c < len(grid[r]) else ""
            if t and (not stack or stack[-1] != t):
                stack.append(t)
        if not stack:
            continue
        own, upper = stack[-1], " ".join(stack[:-1])
        labels[c] = own
        parent = m.parent_of(upper) if upper else None
        candidates: dict[str, float] = {}
        for key, (length, exact) in m.matches(own).items():
            candidates[key] = (100 if exact else 80) + length
        for key, (length, exact) in m.matches(upper).items() if upper else ():
            candidates.setdefault(key, (50 if exact else 40) + length)
        for key, score in candidates.items():
            col = m.spec.column(key)
            if col is not None and col.parent and parent:
                score += 40 if col.parent == parent else -40
            scored.append((score, c, key))
    columns: dict[str, int] = {}
    taken: set[int] = set()
    for _score, c, key in sorted(scored, key=lambda t: (-t[0], t[1])):
        if key not in columns and c not in taken:
            columns[key] = c
            taken.add(c)
    unknown = [c for c in labels if c not in taken]
    return _Header(top, bottom, columns, labels, unknown, width)


# --- rows -------------------------------------------------------------------------------------


@dataclass
class _Item:
    kind: str  # "leaf" | "total" | "group" | "unit"
    sheet_row: int
    label: str
    values: dict[str, Number | None]
    raw_rate: object = None
    mechanism: str = "all"
    unit_name: str | None = None
    note: str | None = None
    children: list[_Item] = field(default_factory=list)


def _is_total(label: str) -> bool:
    tokens = _words(label).split()
    if not tokens or tokens[0] not in ("tong", "cong"):
        return False
    rest = tokens[1:]
    return len(rest) <= 4 and (
        not rest
        or rest[0] in ("cong", "so", "chung")
        or tokens[0] == "tong"
        or _ROMAN.match(label.split()[-1].upper()) is not None
    )


def _mechanism(label: str, spec: OnestopSpec) -> str | None:
    """The mechanism a label names, the longest (most specific) mechanism word winning."""
    w = _words(label)
    best: tuple[int, str] | None = None
    for key, words in spec.mechanism.items():
        for word in words:
            ww = _words(word)
            if ww.strip() and ww in w and (best is None or len(ww) > best[0]):
                best = (len(ww), key)
    return best[1] if best else None


def _group_title(label: str, spec: OnestopSpec) -> bool:
    w = _words(label)
    return any(_words(g.title) == w for g in spec.groups)


def _is_ordinal(value: object) -> bool:
    if _is_number_cell(value):
        return True
    return bool(re.match(r"^\d{1,3}\.?$", _text(value)))


def _read_rows(
    grid: Sequence[Sequence[object]], header: _Header, spec: OnestopSpec
) -> tuple[list[_Item], dict[int, str]]:
    """Classify the rows under the header; returns the items and the extra columns found."""
    numeric = [c for c in spec.columns if c.numeric and c.key in header.columns]
    note_col = next(
        (header.columns[c.key] for c in spec.columns if c.text and c.key in header.columns), None
    )
    unit_col = header.columns.get(UNIT)
    stt_col = header.columns.get(STT)
    known = set(header.columns.values())
    start = header.bottom + 1
    while start < len(grid) and start <= header.bottom + 2 and _is_colnum_row(grid[start]):
        start += 1

    end = start
    blanks = 0
    while end < len(grid) and blanks < 2:
        blanks = blanks + 1 if all(v is None or _text(v) == "" for v in grid[end]) else 0
        end += 1
    body = grid[start:end]
    # extra columns: under the header, not assigned, (almost) only numbers in the body
    extra_cols: dict[int, str] = {}
    for c in range(header.width):
        if c in known:
            continue
        values = [row[c] for row in body if c < len(row) and _text(row[c])]
        nums = [v for v in values if read_number(v) is not None]
        if nums and len(nums) >= len(values) - 1 and len(nums) * 2 > len(values):
            extra_cols[c] = header.labels.get(c, "")
    extra_keys = {
        c: (EXTRA if i == 0 else f"{EXTRA}_{i + 1}") for i, c in enumerate(sorted(extra_cols))
    }

    def cell(row: Sequence[object], c: int | None) -> object:
        return row[c] if c is not None and c < len(row) else None

    items: list[_Item] = []
    context: _Item | None = None  # the unit line mechanism lines belong to
    blanks = 0
    started = False
    for r in range(start, len(grid)):
        row = grid[r]
        if all(v is None or _text(v) == "" for v in row):
            blanks += 1
            if started and blanks >= 2:
                break
            continue
        blanks = 0
        label = _text(cell(row, unit_col)) if unit_col is not None else ""
        if not label:
            label = next(
                (
                    _text(v)
                    for i, v in enumerate(row)
                    if isinstance(v, str) and i not in known - {unit_col} and read_number(v) is None
                ),
                "",
            )
        stt = cell(row, stt_col)
        values: dict[str, Number | None] = {}
        raw_rate: object = None
        for col in numeric:
            v = cell(row, header.columns[col.key])
            if col.percent:
                raw_rate = v
            values[col.key] = read_number(v, percent=col.percent)
        for c, key in extra_keys.items():
            values[key] = read_number(cell(row, c))
        has_numbers = any(v is not None for v in values.values())
        note = _text(cell(row, note_col)) or None
        stt_text = _text(stt)

        if (stt_text and _ROMAN.match(stt_text.upper()) and not _is_ordinal(stt)) or (
            _group_title(label, spec)
        ):
            items.append(_Item("group", r + 1, label, values if has_numbers else {}))
            context = None
            continue
        if has_numbers and not _is_ordinal(stt) and (_is_total(label) or _is_total(stt_text)):
            items.append(_Item("total", r + 1, label or stt_text, values, raw_rate, note=note))
            context = None
            started = True
            continue
        if not has_numbers:
            if label and not _is_total(label):
                context = _Item("unit", r + 1, label, {}, unit_name=label)
                items.append(context)
            continue
        started = True
        mech = _mechanism(label, spec)
        if mech and (context is not None or not _is_ordinal(stt)):
            unit_name = context.unit_name if context is not None else None
            leaf = _Item("leaf", r + 1, label, values, raw_rate, mech, unit_name, note)
            if context is not None:
                if context.kind == "leaf":  # a unit line with numbers: the subtotal of its lines
                    context.kind = "total"
                context.children.append(leaf)
            items.append(leaf)
            continue
        leaf = _Item("leaf", r + 1, label, values, raw_rate, "all", label or None, note)
        items.append(leaf)
        context = leaf
    return items, {extra_keys[c]: h for c, h in extra_cols.items()}


def _fix_rates(items: list[_Item], spec: OnestopSpec) -> None:
    """A rate column typed as fractions (0.98 in General format) is read as percentages.

    Decided for the whole column: when every plain number in it lies in [0, 1], the unit
    typed fractions (a real rate of at most 1 % in every row does not happen); a number
    with a percent format or a "%" sign is already a percentage and is left alone.
    """
    rate = next((c.key for c in spec.columns if c.percent), None)
    if rate is None:
        return
    plain = [
        it
        for it in items
        if it.values.get(rate) is not None
        and _is_number_cell(it.raw_rate)
        and not isinstance(it.raw_rate, PercentCell)
    ]
    if plain and all(0 <= float(it.values[rate] or 0) <= 1 for it in plain):
        for it in plain:
            it.values[rate] = round(float(it.values[rate] or 0) * 100, 9)


def _totals_children(items: list[_Item]) -> None:
    """Attach to each total the leaf rows it sums (see module doc, step 3)."""
    leaves_since: list[_Item] = []
    all_leaves: list[_Item] = []
    group: _Item | None = None
    for it in items:
        if it.kind == "group":
            group = it if it.values else None
            leaves_since = []
            continue
        if it.kind == "leaf":
            leaves_since.append(it)
            all_leaves.append(it)
            if group is not None:
                group.children.append(it)
        elif it.kind == "total" and not it.children:
            it.children = list(leaves_since) if leaves_since else list(all_leaves)
            leaves_since = []
            group = None


# --- checks -----------------------------------------------------------------------------------


@dataclass
class _Ctx:
    spec: OnestopSpec
    present: set[str]  # keys whose column is in the table
    labels: dict[str, str]  # key -> header text in the file
    count_keys: list[str]


def _row_label(it: _Item, spec: OnestopSpec) -> str:
    name = it.unit_name or it.label or f"dòng {it.sheet_row}"
    if it.kind == "leaf" and it.mechanism != "all":
        words = spec.mechanism.get(it.mechanism, ())
        mech = words[0] if words else it.mechanism
        return f"{name} ({mech})"
    return name


def _n(values: dict[str, Number | None], key: str) -> float:
    return float(values.get(key) or 0)


def _whole(x: float) -> Number:
    return int(x) if float(x).is_integer() else x


def _fmt(x: float) -> str:
    return format_number(round(x, 2) if not float(x).is_integer() else int(x))


def _finding(
    check: CheckSpec, it: _Item, ctx: _Ctx, message: str, expected: Any, found: Any, **extra: Any
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


def _check_rate(check: CheckSpec, it: _Item, ctx: _Ctx) -> list[Finding]:
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
    check: CheckSpec, it: _Item, ctx: _Ctx, left: Sequence[str], right: Sequence[str], what: str
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


def _check_balance(check: CheckSpec, it: _Item, ctx: _Ctx) -> list[Finding]:
    return _equation(
        check,
        it,
        ctx,
        [CARRIED, RECEIVED],
        [EARLY, ON_TIME, LATE, PENDING_IN, PENDING_OVER],
        "số hồ sơ nhận và xử lý",
    )


def _check_returned(check: CheckSpec, it: _Item, ctx: _Ctx) -> list[Finding]:
    return _equation(
        check, it, ctx, [RETURNED, NOT_RETURNED], [EARLY, ON_TIME, LATE], "số hồ sơ trả kết quả"
    )


def _check_non_negative(check: CheckSpec, it: _Item, ctx: _Ctx) -> list[Finding]:
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


def _check_totals(check: CheckSpec, it: _Item, ctx: _Ctx) -> list[Finding]:
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
_CHECKS: dict[str, tuple[Callable[[CheckSpec, _Item, _Ctx], list[Finding]], bool, bool]] = {
    "rate": (_check_rate, True, True),
    "balance": (_check_balance, True, False),
    "returned": (_check_returned, True, False),
    "non_negative": (_check_non_negative, True, False),
    "totals": (_check_totals, False, True),
}


def _run_checks(items: list[_Item], ctx: _Ctx) -> list[Finding]:
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


# --- entry point ------------------------------------------------------------------------------


def _row_dict(it: _Item, present: list[str], name: str | None) -> dict[str, Any]:
    row: dict[str, Any] = {UNIT: name, "mechanism": it.mechanism}
    for key in present:
        row[key] = it.values.get(key)
    for key, v in it.values.items():
        if key.startswith(EXTRA):
            row[key] = v
    if it.note:
        row["note"] = it.note
    return row


def parse_onestop(
    grids: Sequence[Sequence[Sequence[object]]], spec: OnestopSpec | None = None
) -> OnestopParse | None:
    """Find and read the one-stop table in grids (sheets of a workbook, tables of a document).

    Returns None when no grid has a header naming at least three numeric columns of the
    spec. The grid whose header names the most columns wins (the first on a tie).
    """
    spec = spec or load_spec()
    m = _Matcher(spec)
    found: list[tuple[int, int, int]] = []  # (-keys, sheet, row)
    for i, grid in enumerate(grids):
        hit = _find_header(grid, m)
        if hit:
            found.append((-hit[1], i, hit[0]))
    for _neg, sheet, r in sorted(found):
        grid = grids[sheet]
        top, bottom = _band(grid, r, m)
        header = _assign(grid, top, bottom, m)
        items, extra_headers = _read_rows(grid, header, spec)
        if not any(it.kind == "leaf" for it in items) and (_neg, sheet, r) != sorted(found)[-1]:
            continue  # a header with nothing under it; try the next candidate
        _fix_rates(items, spec)
        _totals_children(items)
        present = [c.key for c in spec.columns if c.numeric and c.key in header.columns]
        labels = {k: header.labels.get(c, k) for k, c in header.columns.items()}
        labels.update(extra_headers)
        count_keys = [
            c.key for c in spec.columns if c.numeric and not c.percent and c.key in header.columns
        ]
        ctx = _Ctx(spec, set(present), labels, count_keys)
        findings = _run_checks(items, ctx)
        rows = [_row_dict(it, present, it.unit_name) for it in items if it.kind == "leaf"]
        totals = [_row_dict(it, present, it.label) for it in items if it.kind == "total"]
        names: list[str] = []
        for it in items:
            if it.kind in ("leaf", "total") and it.children and it.unit_name:
                cand = it.unit_name
            elif it.kind == "leaf":
                cand = it.unit_name or ""
            else:
                continue
            if cand and cand not in names:
                names.append(cand)
        return OnestopParse(
            rows, findings, names, header.bottom, sheet, dict(header.columns), extra_headers, totals
        )
    return None
