"""The one-stop table (Phụ lục 2): find it in grids, read its rows, check its arithmetic.

The entry point `parse_onestop` runs the method step by step: 1. the header band and
2. its columns (`parsers.onestop.header`), 3. the rows (`parsers.onestop.rows`), 4. the
checks (`parsers.onestop.checks`), all driven by the spec (`parsers.onestop.spec`).

Pure: grids in, dataclasses out; never raises on a strange table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from parsers.model import Finding
from parsers.onestop.checks import Ctx, run_checks
from parsers.onestop.header import Matcher, assign, band, find_header
from parsers.onestop.rows import Item, fix_rates, read_rows, totals_children
from parsers.onestop.spec import EXTRA, UNIT, OnestopSpec, load_spec


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


def _row_dict(it: Item, present: list[str], name: str | None) -> dict[str, Any]:
    row: dict[str, Any] = {UNIT: name, "mechanism": it.mechanism}
    for key in present:
        row[key] = it.values.get(key)
    for key, v in it.values.items():
        if key.startswith(EXTRA):
            row[key] = v
    if it.note:
        row["note"] = it.note
    return row


def _unit_names(items: list[Item]) -> list[str]:
    """Names read from the table, in order, each once: for sender matching."""
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
    return names


def parse_onestop(
    grids: Sequence[Sequence[Sequence[object]]], spec: OnestopSpec | None = None
) -> OnestopParse | None:
    """Find and read the one-stop table in grids (sheets of a workbook, tables of a document).

    Returns None when no grid has a header naming at least three numeric columns of the
    spec. The grid whose header names the most columns wins (the first on a tie).
    """
    spec = spec or load_spec()
    m = Matcher(spec)
    found: list[tuple[int, int, int]] = []  # (-keys, sheet, row)
    for i, grid in enumerate(grids):
        hit = find_header(grid, m)
        if hit:
            found.append((-hit[1], i, hit[0]))
    for _neg, sheet, r in sorted(found):
        grid = grids[sheet]
        top, bottom = band(grid, r, m)
        header = assign(grid, top, bottom, m)
        items, extra_headers = read_rows(grid, header, spec)
        if not any(it.kind == "leaf" for it in items) and (_neg, sheet, r) != sorted(found)[-1]:
            continue  # a header with nothing under it; try the next candidate
        fix_rates(items, spec)
        totals_children(items)
        present = [c.key for c in spec.columns if c.numeric and c.key in header.columns]
        labels = {k: header.labels.get(c, k) for k, c in header.columns.items()}
        labels.update(extra_headers)
        count_keys = [
            c.key for c in spec.columns if c.numeric and not c.percent and c.key in header.columns
        ]
        ctx = Ctx(spec, set(present), labels, count_keys)
        findings = run_checks(items, ctx)
        rows = [_row_dict(it, present, it.unit_name) for it in items if it.kind == "leaf"]
        totals = [_row_dict(it, present, it.label) for it in items if it.kind == "total"]
        return OnestopParse(
            rows,
            findings,
            _unit_names(items),
            header.bottom,
            sheet,
            dict(header.columns),
            extra_headers,
            totals,
        )
    return None
