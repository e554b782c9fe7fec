"""Text widths measured from the font files LibreOffice renders with, for the export tests.

The exports name Times New Roman; Debian cannot install it, so LibreOffice draws with the
metric-compatible Liberation Serif, and with DejaVu Serif for the letters an old Liberation
(fonts-liberation 1.07) lacks — most Vietnamese letters with tone marks. A character is as
wide as the font that actually draws it. This module measures with Pillow from those files,
independently of the width table the exporters carry (`cchc/data/font_widths.json`), and
writes that table: `python tests/fontmetrics.py` regenerates it.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

FONTS = Path("/usr/share/fonts/truetype")
STYLES = {
    "regular": ("liberation/LiberationSerif-Regular.ttf", "dejavu/DejaVuSerif.ttf"),
    "bold": ("liberation/LiberationSerif-Bold.ttf", "dejavu/DejaVuSerif-Bold.ttf"),
    "italic": ("liberation/LiberationSerif-Italic.ttf", "dejavu/DejaVuSerif-Italic.ttf"),
    "bold_italic": (
        "liberation/LiberationSerif-BoldItalic.ttf",
        "dejavu/DejaVuSerif-BoldItalic.ttf",
    ),
}
MONO = ("liberation/LiberationMono-Regular.ttf", "dejavu/DejaVuSansMono.ttf")
UNITS = 2048  # Liberation's and DejaVu's units per em
# The characters the table covers: Latin, Vietnamese, the punctuation documents use.
RANGES = [
    (0x20, 0x7E),
    (0xA0, 0x24F),
    (0x300, 0x36F),
    (0x1E00, 0x1EFF),
    (0x2010, 0x2044),
    (0x20AB, 0x20AC),
    (0x2116, 0x2116),
    (0x2190, 0x2193),
    (0x2212, 0x2212),
    (0xFFFD, 0xFFFD),
]
TABLE = Path(__file__).resolve().parent.parent / "cchc" / "data" / "font_widths.json"


def available() -> bool:
    return all((FONTS / f).is_file() for pair in (*STYLES.values(), MONO) for f in pair)


@cache
def _font(path: str):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    return ImageFont.truetype(str(FONTS / path), UNITS, layout_engine=ImageFont.Layout.BASIC)


@cache
def _probe(path: str):  # type: ignore[no-untyped-def]
    """The font at a small size: enough to tell a glyph from the missing-glyph box, fast."""
    from PIL import ImageFont

    return ImageFont.truetype(str(FONTS / path), 24, layout_engine=ImageFont.Layout.BASIC)


@cache
def _notdef(path: str) -> bytes:
    return bytes(_probe(path).getmask("\U0010fffd"))


def has_glyph(path: str, ch: str) -> bool:
    """Whether the font draws `ch` itself (its mask differs from the missing-glyph box)."""
    if ch.isspace() or (0x300 <= ord(ch) <= 0x36F):
        return True
    return _has_glyph(path, ch)


@cache
def _has_glyph(path: str, ch: str) -> bool:
    return bytes(_probe(path).getmask(ch)) != _notdef(path)


def char_em(ch: str, style: str = "regular", *, mono: bool = False) -> float:
    """The advance of `ch` in em, in the font that draws it (Liberation, else DejaVu)."""
    primary, fallback = MONO if mono else STYLES[style]
    path = primary if has_glyph(primary, ch) else fallback
    return _font(path).getlength(ch) / UNITS


def text_pt(text: str, size: float, style: str = "regular", *, mono: bool = False) -> float:
    return sum(char_em(ch, style, mono=mono) for ch in text) * size


def table() -> dict[str, list[list[object]]]:
    """style -> [[first code point, [widths in 1/1000 em, rounded up]], ...]: for a character
    Times New Roman and Liberation draw, their width; for one an old Liberation lacks, the
    wider of DejaVu's and the base letter's (what either a Windows or a Debian machine
    needs)."""
    import math
    import unicodedata

    out: dict[str, list[list[object]]] = {}
    for style, (primary, fallback) in STYLES.items():
        ranges: list[list[object]] = []
        for first, last in RANGES:
            widths = []
            for cp in range(first, last + 1):
                ch = chr(cp)
                em = _font(primary).getlength(ch) / UNITS if has_glyph(primary, ch) else 0.0
                if not has_glyph(primary, ch):
                    base = unicodedata.normalize("NFD", ch)[0]
                    if base != ch and has_glyph(primary, base):
                        em = _font(primary).getlength(base) / UNITS
                    em = max(em, _font(fallback).getlength(ch) / UNITS)
                widths.append(math.ceil(em * 1000))
            ranges.append([first, widths])
        out[style] = ranges
    return out


def write_table(path: Path = TABLE) -> None:
    path.write_text(json.dumps(table(), separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if not available():
        sys.exit("fonts-liberation and fonts-dejavu are needed to measure")
    write_table()
    print(f"wrote {TABLE}")
