"""Vietnamese text helpers shared by every room: NFC, accent folding, tokenising.

Matching is accent- and case-insensitive, so everything compared goes through `fold`.
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Every stored string is NFC: units send NFD too (macOS, some Word builds)."""
    return unicodedata.normalize("NFC", text)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    out = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return out.replace("đ", "d").replace("Đ", "D")


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced, straight apostrophes: the form we compare on."""
    text = strip_accents(text).translate(_APOSTROPHES).lower()
    return _SPACES.sub(" ", text).strip()


def fold_words(text: str) -> str:
    """`fold`, with punctuation (except apostrophes and &) turned into spaces, padded by a space.

    Used for whole-word containment: `" nam binh " in fold_words(text)`.
    """
    folded = re.sub(r"[^0-9a-z'&]+", " ", fold(text))
    return f" {_SPACES.sub(' ', folded).strip()} "


def filename_words(name: str) -> str:
    """File names read `_`, `-` and `.` as spaces (SPEC §3)."""
    return re.sub(r"[_.\-]+", " ", name)
