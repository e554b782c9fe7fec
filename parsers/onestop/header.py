"""The one-stop table's header: where it is in a grid and which column holds which key.

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
   illegible column 14; its header text is in `OnestopParse.extra_headers` (the columns
   themselves are found under the header by `parsers.onestop.rows`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from parsers.numbers import read_number
from parsers.onestop.spec import OnestopSpec, loose, words

MIN_TEXT_NUMBERS = 3  # a row with this many numbers written as text is data, not a header

MIN_NUMERIC_KEYS = 3  # a header must name at least this many numeric columns
MAX_HEADER_ROWS = 4
_COLNUM = re.compile(r"^\(?\s*(\d{1,2}|[A-Z])\s*\)?(\s*[=+\-*/x]\s*\(?\s*\d{1,2}\s*\)?)*$")


# --- cells ------------------------------------------------------------------------------------


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_number_cell(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- header words -----------------------------------------------------------------------------


class Matcher:
    """Header-word matching for one spec, memoised per distinct cell text."""

    def __init__(self, spec: OnestopSpec) -> None:
        self.spec = spec
        self.words = {
            c.key: [(words(h), loose(words(h))) for h in c.headers if words(h).strip()]
            for c in spec.columns
        }
        self.parents = [(p, words(p)) for p in spec.parents]
        self._cache: dict[str, dict[str, tuple[int, bool]]] = {}

    def matches(self, text: str) -> dict[str, tuple[int, bool]]:
        """key -> (length of the longest matching header word, exact?) for one cell text."""
        if text not in self._cache:
            w = words(text)
            lw = loose(w)
            out: dict[str, tuple[int, bool]] = {}
            for key, header_words in self.words.items():
                best: tuple[int, bool] | None = None
                for exact, loose_word in header_words:
                    if exact in w:
                        cand = (len(exact), True)
                    elif loose_word in lw:
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
        w = words(upper)
        for parent, pw in self.parents:  # longest first
            if pw in w or loose(pw) in loose(w):
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
        """A row that can belong to a header band: words of headers or parents, no numbers.

        Numbers typed as text count too: a Word table's cells are all text, and a data row
        such as "1.207 | 2.835 | 99,9%" holds a header word ("%") of its own."""
        if any(is_number_cell(v) for v in row):
            return False
        if (
            sum(1 for v in row if isinstance(v, str) and read_number(v) is not None)
            >= MIN_TEXT_NUMBERS
        ):
            return False
        texts = {v for v in row if isinstance(v, str) and v.strip()}
        if len(texts) < 2:  # a title merged across the table
            return False
        return any(self.matches(t) or self.parent_of(t) for t in texts)


def is_colnum_row(row: Sequence[object]) -> bool:
    """'(1) (2) (3)…', '1 2 3…' or 'A B C…' under the header: the template's column numbers."""
    cells = [cell_text(v) for v in row if v is not None and cell_text(v)]
    if len(cells) < 3 or not all(_COLNUM.match(c) for c in cells):
        return False
    firsts = []
    for c in cells:
        m = re.search(r"\d+", c)
        firsts.append(int(m.group()) if m else None)
    nums = [n for n in firsts if n is not None]
    return len(nums) < 3 or all(b > a for a, b in zip(nums, nums[1:], strict=False))


# --- the header band and its columns ----------------------------------------------------------


@dataclass
class Header:
    top: int
    bottom: int
    columns: dict[str, int]
    labels: dict[int, str]  # column -> header text (lowest cell) for messages
    unknown: list[int]  # columns with header text but no key
    width: int


def find_header(grid: Sequence[Sequence[object]], m: Matcher) -> tuple[int, int] | None:
    """(row index of the header's bottom, number of numeric keys) of the best header row."""
    best: tuple[int, int] | None = None
    for r, row in enumerate(grid):
        n = len(m.numeric_keys(row))
        if n >= MIN_NUMERIC_KEYS and (best is None or n > best[1]):
            best = (r, n)
    return best


def band(grid: Sequence[Sequence[object]], r: int, m: Matcher) -> tuple[int, int]:
    """(top, bottom) rows of the header band around its best row `r`."""
    top, bottom = r, r
    while top > 0 and r - top + 1 < MAX_HEADER_ROWS and m.header_like(grid[top - 1]):
        top -= 1
    while (
        bottom + 1 < len(grid)
        and bottom - top + 1 < MAX_HEADER_ROWS
        and not is_colnum_row(grid[bottom + 1])
        and m.header_like(grid[bottom + 1])
        and len(m.numeric_keys(grid[bottom + 1])) >= 1
    ):
        bottom += 1
    return top, bottom


def assign(grid: Sequence[Sequence[object]], top: int, bottom: int, m: Matcher) -> Header:
    """Score every column of the band against every spec column; best scores first."""
    width = max((len(grid[r]) for r in range(top, bottom + 1)), default=0)
    scored: list[tuple[float, int, str]] = []
    labels: dict[int, str] = {}
    for c in range(width):
        stack: list[str] = []
        for r in range(top, bottom + 1):
            t = cell_text(grid[r][c]) if c < len(grid[r]) else ""
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
    return Header(top, bottom, columns, labels, unknown, width)
