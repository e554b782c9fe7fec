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


_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def without_bidi(text: str) -> str:
    """Text with the bidirectional controls (U+202A–202E, U+2066–2069) removed: a file named
    "report\u202efdp.exe" would otherwise show as "reportexe.pdf" on a page."""
    return _BIDI.sub("", text)


def bounded(text: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis saying the rest was cut (the raw message in the
    archive keeps it all)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
