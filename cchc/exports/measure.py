"""How much room a text needs when printed: widths, wrapped lines, heights.

A spreadsheet row does not grow by itself for wrapped or merged cells, and each viewer guesses
differently, so the exports set every row's height from its text. The widths are those of
Times New Roman (the font the files name), which Liberation Serif matches glyph for glyph;
for the Vietnamese letters an old Liberation lacks, the wider of the base letter and DejaVu
Serif, which LibreOffice then draws them with (`cchc/data/font_widths.json`, written by
`tests/fontmetrics.py`). Monospace text (Courier New / Liberation Mono) is 0.6 em a letter.

The estimate errs on the generous side — breaks only at spaces, an over-long word starts a
new line — because a row a little too tall costs a blank strip, one too short hides text.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from importlib import resources

MONO_EM = 0.61  # Liberation Mono 0.6 em, DejaVu Sans Mono 0.602 em, and a hair of margin
UNKNOWN_EM = 1.0  # a character outside the table (another script): a full em
LINE_EM = 1.2  # one line of Liberation Serif with DejaVu fallback: 1.164 em, and margin
MONO_LINE_EM = 1.2
_PIECES = re.compile(r"[^/-]*[/-]|[^/-]+")  # a word's pieces: a line may end after "/" or "-"
_ID_PIECES = re.compile(r"[^\W_]*[\W_]|[^\W_]+")  # ... or after any punctuation


@cache
def _table() -> dict[str, dict[str, float]]:
    raw = json.loads(
        resources.files("cchc").joinpath("data/font_widths.json").read_text(encoding="utf-8")
    )
    out: dict[str, dict[str, float]] = {}
    for style, ranges in raw.items():
        widths: dict[str, float] = {}
        for first, values in ranges:
            for i, value in enumerate(values):
                widths[chr(first + i)] = value / 1000
        out[style] = widths
    return out


def _style(bold: bool, italic: bool) -> str:
    return {
        (False, False): "regular",
        (True, False): "bold",
        (False, True): "italic",
        (True, True): "bold_italic",
    }[(bold, italic)]


def text_width(
    text: str, size: float, *, bold: bool = False, italic: bool = False, mono: bool = False
) -> float:
    """Points `text` takes on one line at `size` points."""
    if mono:
        return len(text) * MONO_EM * size
    return _em_width(text, _style(bold, italic)) * size


def _em_width(text: str, style: str) -> float:
    widths = _table()[style]
    return sum([widths.get(ch, UNKNOWN_EM) for ch in text])


def line_height(size: float, *, mono: bool = False) -> float:
    return size * (MONO_LINE_EM if mono else LINE_EM)


def _count(
    text: str, width: float, size: float, style: tuple[bool, bool, bool], pieces: re.Pattern[str]
) -> int:
    """Lines for one set of break opportunities."""
    bold, italic, mono = style
    widths = _table()[_style(bold, italic)]

    def w(s: str) -> float:
        if mono:
            return len(s) * MONO_EM * size
        return sum([widths.get(ch, UNKNOWN_EM) for ch in s]) * size

    space = w(" ")
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0.0
        for i, word in enumerate(paragraph.split(" ")):
            for j, piece in enumerate(pieces.findall(word) or [""]):
                gap = space if (i and not j and used) else 0.0
                need = w(piece)
                if used + gap + need <= width:
                    used += gap + need
                    continue
                if used:
                    lines += 1
                if mono:  # every letter as wide: where the lines break is arithmetic
                    per_line = max(1, int(width // (MONO_EM * size)))
                    full, rest = divmod(len(piece), per_line)
                    lines += full - 1 if rest == 0 and full else full
                    used = (rest or (per_line if full else 0)) * MONO_EM * size
                    continue
                used = 0.0
                for ch in piece:  # a piece wider than the line breaks where it fills one
                    cw = w(ch)
                    if used and used + cw > width:
                        lines += 1
                        used = 0.0
                    used += cw
    return lines


@lru_cache(maxsize=65536)
def count_lines(
    text: str,
    width: float,
    size: float,
    *,
    bold: bool = False,
    italic: bool = False,
    mono: bool = False,
) -> int:
    """Lines `text` wraps to in `width` points. Words are packed greedily; where a line may
    also end — after "/" and "-", and in identifiers after any punctuation — differs between
    programs, so both readings are counted and the larger taken: never fewer lines than
    printed. (Remembered: a table repeats its words, dates and statuses on every row.)"""
    style = (bold, italic, mono)
    words = _count(text, width, size, style, _PIECES)
    ids = _count(text, width, size, style, _ID_PIECES)
    return max(words, ids)
