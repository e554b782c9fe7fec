"""The one-stop table's rows: read and classify the rows under the header.

3. Rows. A row of column numbers ("(1) (2) (3)" or "1 2 3") after the header is skipped.
   Then each row is one of: a group row (Roman numeral in STT, or a [[group]] title); a
   total ("Tổng", "Tổng cộng", "Cộng"), kept out of `rows` but checked; a unit line without
   numbers, whose name the mechanism lines below it inherit; a mechanism line ("- Cơ chế
   một cửa", "TTHC thực hiện theo cơ chế một cửa liên thông"); a data row (`mechanism`
   "all"). A unit line *with* numbers followed by mechanism lines is their subtotal.
   A numeric column under the header that the header does not name is read as `extra`
   (then `extra_2`, ...).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from parsers.numbers import Number, PercentCell, read_number
from parsers.onestop.header import Header, cell_text, is_colnum_row, is_number_cell
from parsers.onestop.spec import EXTRA, STT, UNIT, ColumnSpec, OnestopSpec, words

_ROMAN = re.compile(r"^(?=[IVXLC])M{0,3}(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})\.?$")


@dataclass
class Item:
    kind: str  # "leaf" | "total" | "group" | "unit"
    sheet_row: int
    label: str
    values: dict[str, Number | None]
    raw_rate: object = None
    mechanism: str = "all"
    unit_name: str | None = None
    note: str | None = None
    children: list[Item] = field(default_factory=list)


def _is_total(label: str) -> bool:
    tokens = words(label).split()
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
    w = words(label)
    best: tuple[int, str] | None = None
    for key, mechanism_words in spec.mechanism.items():
        for word in mechanism_words:
            ww = words(word)
            if ww.strip() and ww in w and (best is None or len(ww) > best[0]):
                best = (len(ww), key)
    return best[1] if best else None


def _group_title(label: str, spec: OnestopSpec) -> bool:
    w = words(label)
    return any(words(g.title) == w for g in spec.groups)


def _is_ordinal(value: object) -> bool:
    if is_number_cell(value):
        return True
    return bool(re.match(r"^\d{1,3}\.?$", cell_text(value)))


def _is_blank(row: Sequence[object]) -> bool:
    return all(v is None or cell_text(v) == "" for v in row)


def _cell(row: Sequence[object], c: int | None) -> object:
    return row[c] if c is not None and c < len(row) else None


# --- where the body is and what its columns are -----------------------------------------------


def _body_start(grid: Sequence[Sequence[object]], header: Header) -> int:
    """The first row under the header, past the template's row of column numbers."""
    start = header.bottom + 1
    while start < len(grid) and start <= header.bottom + 2 and is_colnum_row(grid[start]):
        start += 1
    return start


def _extra_columns(grid: Sequence[Sequence[object]], header: Header, start: int) -> dict[int, str]:
    """Columns under the header, not assigned, (almost) only numbers in the body: header text."""
    end = start
    blanks = 0
    while end < len(grid) and blanks < 2:
        blanks = blanks + 1 if _is_blank(grid[end]) else 0
        end += 1
    body = grid[start:end]
    known = set(header.columns.values())
    extra_cols: dict[int, str] = {}
    for c in range(header.width):
        if c in known:
            continue
        filled = [row[c] for row in body if c < len(row) and cell_text(row[c])]
        nums = [v for v in filled if read_number(v) is not None]
        if nums and len(nums) >= len(filled) - 1 and len(nums) * 2 > len(filled):
            extra_cols[c] = header.labels.get(c, "")
    return extra_cols


@dataclass
class _Layout:
    """Where a row's cells are: the header's columns, as the row reader needs them."""

    numeric: list[ColumnSpec]
    note_col: int | None
    unit_col: int | None
    stt_col: int | None
    known: set[int]
    columns: dict[str, int]
    extra_keys: dict[int, str]  # column -> `extra`, `extra_2`, ...


def _layout(header: Header, spec: OnestopSpec, extra_cols: dict[int, str]) -> _Layout:
    return _Layout(
        numeric=[c for c in spec.columns if c.numeric and c.key in header.columns],
        note_col=next(
            (header.columns[c.key] for c in spec.columns if c.text and c.key in header.columns),
            None,
        ),
        unit_col=header.columns.get(UNIT),
        stt_col=header.columns.get(STT),
        known=set(header.columns.values()),
        columns=header.columns,
        extra_keys={
            c: (EXTRA if i == 0 else f"{EXTRA}_{i + 1}") for i, c in enumerate(sorted(extra_cols))
        },
    )


# --- one row ------------------------------------------------------------------------------------


@dataclass
class _Line:
    """One non-blank row under the header, read but not yet classified."""

    sheet_row: int
    label: str
    stt: object
    stt_text: str
    values: dict[str, Number | None]
    raw_rate: object
    has_numbers: bool
    note: str | None


def _read_line(row: Sequence[object], r: int, lay: _Layout) -> _Line:
    label = cell_text(_cell(row, lay.unit_col)) if lay.unit_col is not None else ""
    if not label:
        label = next(
            (
                cell_text(v)
                for i, v in enumerate(row)
                if isinstance(v, str)
                and i not in lay.known - {lay.unit_col}
                and read_number(v) is None
            ),
            "",
        )
    stt = _cell(row, lay.stt_col)
    values: dict[str, Number | None] = {}
    raw_rate: object = None
    for col in lay.numeric:
        v = _cell(row, lay.columns[col.key])
        if col.percent:
            raw_rate = v
        values[col.key] = read_number(v, percent=col.percent)
    for c, key in lay.extra_keys.items():
        values[key] = read_number(_cell(row, c))
    has_numbers = any(v is not None for v in values.values())
    note = cell_text(_cell(row, lay.note_col)) or None
    return _Line(r + 1, label, stt, cell_text(stt), values, raw_rate, has_numbers, note)


def _classify(
    line: _Line, context: Item | None, items: list[Item], spec: OnestopSpec
) -> tuple[Item | None, bool]:
    """Append the row's item to `items`; returns the new context and whether it holds data."""
    label, stt, stt_text, values = line.label, line.stt, line.stt_text, line.values
    if (stt_text and _ROMAN.match(stt_text.upper()) and not _is_ordinal(stt)) or (
        _group_title(label, spec)
    ):
        items.append(Item("group", line.sheet_row, label, values if line.has_numbers else {}))
        return None, False
    if line.has_numbers and not _is_ordinal(stt) and (_is_total(label) or _is_total(stt_text)):
        items.append(
            Item("total", line.sheet_row, label or stt_text, values, line.raw_rate, note=line.note)
        )
        return None, True
    if not line.has_numbers:
        if label and not _is_total(label):
            context = Item("unit", line.sheet_row, label, {}, unit_name=label)
            items.append(context)
        return context, False
    mech = _mechanism(label, spec)
    if mech and (context is not None or not _is_ordinal(stt)):
        unit_name = context.unit_name if context is not None else None
        leaf = Item(
            "leaf", line.sheet_row, label, values, line.raw_rate, mech, unit_name, line.note
        )
        if context is not None:
            if context.kind == "leaf":  # a unit line with numbers: the subtotal of its lines
                context.kind = "total"
            context.children.append(leaf)
        items.append(leaf)
        return context, True
    leaf = Item(
        "leaf", line.sheet_row, label, values, line.raw_rate, "all", label or None, line.note
    )
    items.append(leaf)
    return leaf, True


# --- the table's rows -----------------------------------------------------------------------------


def read_rows(
    grid: Sequence[Sequence[object]], header: Header, spec: OnestopSpec
) -> tuple[list[Item], dict[str, str]]:
    """Classify the rows under the header; returns the items and the extra columns found.

    The extra columns are returned as extra key (`extra`, `extra_2`, ...) -> header text.
    """
    start = _body_start(grid, header)
    extra_cols = _extra_columns(grid, header, start)
    lay = _layout(header, spec, extra_cols)
    items: list[Item] = []
    context: Item | None = None  # the unit line mechanism lines belong to
    blanks = 0
    started = False
    for r in range(start, len(grid)):
        row = grid[r]
        if _is_blank(row):
            blanks += 1
            if started and blanks >= 2:
                break
            continue
        blanks = 0
        context, data = _classify(_read_line(row, r, lay), context, items, spec)
        started = started or data
    return items, {lay.extra_keys[c]: h for c, h in extra_cols.items()}


def fix_rates(items: list[Item], spec: OnestopSpec) -> None:
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
        and is_number_cell(it.raw_rate)
        and not isinstance(it.raw_rate, PercentCell)
    ]
    if plain and all(0 <= float(it.values[rate] or 0) <= 1 for it in plain):
        for it in plain:
            it.values[rate] = round(float(it.values[rate] or 0) * 100, 9)


def totals_children(items: list[Item]) -> None:
    """Attach to each total the leaf rows it sums (see the module doc)."""
    leaves_since: list[Item] = []
    all_leaves: list[Item] = []
    group: Item | None = None
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
