"""Legacy Vietnamese 8-bit encodings (TCVN3/ABC and VNI) turned into Unicode.

Old documents typed with the ABC or VNI keyboards store Vietnamese as Latin-1 look-alikes
and rely on a special font (".VnTime", "VNI-Times") to draw them: Word gives us "B¸o c¸o"
for "Báo cáo" (TCVN3) or "Baùo caùo" (VNI). Matching units and sections needs Unicode, so a
run is converted when its font says so, and a whole text when its character statistics
say so (fonts get lost when text is pasted).
"""

from __future__ import annotations

import re
import unicodedata

# --- TCVN3 (TCVN 5712:1993, "ABC"): one byte per letter. -----------------------------
# Lower case letters; in ".VnTimeH"-style fonts the same codes are drawn as capitals.
_TCVN3_LOWER = {
    "µ": "à",
    "¸": "á",
    "¶": "ả",
    "·": "ã",
    "¹": "ạ",
    "¨": "ă",
    "»": "ằ",
    "¾": "ắ",
    "¼": "ẳ",
    "½": "ẵ",
    "Æ": "ặ",
    "©": "â",
    "Ç": "ầ",
    "Ê": "ấ",
    "È": "ẩ",
    "É": "ẫ",
    "Ë": "ậ",
    "®": "đ",
    "Ì": "è",
    "Ð": "é",
    "Î": "ẻ",
    "Ï": "ẽ",
    "Ñ": "ẹ",
    "ª": "ê",
    "Ò": "ề",
    "Õ": "ế",
    "Ó": "ể",
    "Ô": "ễ",
    "Ö": "ệ",
    "×": "ì",
    "Ý": "í",
    "Ø": "ỉ",
    "Ü": "ĩ",
    "Þ": "ị",
    "ß": "ò",
    "ã": "ó",
    "á": "ỏ",
    "â": "õ",
    "ä": "ọ",
    "«": "ô",
    "å": "ồ",
    "è": "ố",
    "æ": "ổ",
    "ç": "ỗ",
    "é": "ộ",
    "¬": "ơ",
    "ê": "ờ",
    "í": "ớ",
    "ë": "ở",
    "ì": "ỡ",
    "î": "ợ",
    "ï": "ù",
    "ó": "ú",
    "ñ": "ủ",
    "ò": "ũ",
    "ô": "ụ",
    "\u00ad": "ư",
    "õ": "ừ",
    "ø": "ứ",
    "ö": "ử",
    "÷": "ữ",
    "ù": "ự",
    "ú": "ỳ",
    "ý": "ý",
    "û": "ỷ",
    "ü": "ỹ",
    "þ": "ỵ",
}
_TCVN3_UPPER = {"¡": "Ă", "¢": "Â", "§": "Đ", "£": "Ê", "¤": "Ô", "¥": "Ơ", "¦": "Ư"}
TCVN3_TABLE = str.maketrans({**_TCVN3_LOWER, **_TCVN3_UPPER})

# --- VNI (VNI-Windows): a base letter followed by a mark byte. -------------------------
# Marks after a, e, o, u, y (and after â/ê/ô/ơ/ư made by a previous mark).
_TONES = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_TONES_UP = {"Ù": "\u0301", "Ø": "\u0300", "Û": "\u0309", "Õ": "\u0303", "Ï": "\u0323"}
# marks that also add a circumflex (after a, e, o) or a breve (after a)
_HAT = {"â": "", "á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_HAT_UP = {"Â": "", "Á": "\u0301", "À": "\u0300", "Å": "\u0309", "Ã": "\u0303", "Ä": "\u0323"}
_BREVE = {"ê": "", "é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
_BREVE_UP = {"Ê": "", "É": "\u0301", "È": "\u0300", "Ú": "\u0309", "Ü": "\u0303", "Ë": "\u0323"}
# single bytes that are whole letters in VNI
_VNI_SINGLE = {
    "ô": "ơ",
    "Ô": "Ơ",
    "ö": "ư",
    "Ö": "Ư",
    "ñ": "đ",
    "Ñ": "Đ",
    "í": "í",
    "Í": "Í",
    "ì": "ì",
    "Ì": "Ì",
    "æ": "ỉ",
    "Æ": "Ỉ",
    "ó": "ĩ",
    "Ó": "Ĩ",
    "ò": "ị",
    "Ò": "Ị",
    "î": "ỵ",
    "Î": "Ỵ",
}
_VNI_MARKS = set(_TONES) | set(_TONES_UP) | set(_HAT) | set(_HAT_UP) | set(_BREVE) | set(_BREVE_UP)
_VNI_RE = re.compile(
    "([aeiouyAEIOUYôÔöÖ])(["
    + re.escape("".join(sorted(_VNI_MARKS)))
    + "])|(["
    + re.escape("".join(sorted(_VNI_SINGLE)))
    + "])"
)


def _vni_token(m: re.Match[str]) -> str:
    """One VNI letter: a vowel and its mark byte, or a single-byte letter (ơ ư đ ỉ ĩ ị ỵ)."""
    if m.group(3):
        return _VNI_SINGLE[m.group(3)]
    base, mark = m.group(1), m.group(2)
    base = _VNI_SINGLE.get(base, base)
    low = base.lower()
    if mark in _TONES or mark in _TONES_UP:
        tone = _TONES.get(mark) or _TONES_UP[mark]
        return unicodedata.normalize("NFC", base + tone)
    if low in "aeo" and (mark in _HAT or mark in _HAT_UP):
        tone = _HAT.get(mark, _HAT_UP.get(mark, ""))
        return unicodedata.normalize("NFC", base + "\u0302" + tone)
    if low == "a" and (mark in _BREVE or mark in _BREVE_UP):
        tone = _BREVE.get(mark, _BREVE_UP.get(mark, ""))
        return unicodedata.normalize("NFC", base + "\u0306" + tone)
    # not a pair after all: keep the vowel, convert the mark byte if it is a letter itself
    return base + _VNI_SINGLE.get(mark, mark)


def vni_to_unicode(text: str) -> str:
    """Decode VNI-Windows text (as Word shows it, cp1252 look-alikes) to NFC Unicode.

    One left-to-right pass, so a letter produced from a pair is never re-read as a byte.
    """
    return _VNI_RE.sub(_vni_token, text)


def tcvn3_to_unicode(text: str, *, upper: bool = False) -> str:
    """Decode TCVN3 (ABC) text; `upper` for the capital fonts (.VnTimeH, .VnArialH...)."""
    out = text.translate(TCVN3_TABLE)
    return out.upper() if upper else out


def font_encoding(font: str | None) -> str | None:
    """The legacy encoding a font name implies: "tcvn3", "tcvn3-upper", "vni" or None.

    ABC fonts are named ".VnTime", ".VnArial", ".VnTimeH" (H = capitals); VNI fonts
    "VNI-Times", "VNI-Helve"...
    """
    if not font:
        return None
    f = font.strip().lower()
    if f.startswith(".vn"):
        return "tcvn3-upper" if f.endswith("h") else "tcvn3"
    if f.startswith("vni-") or f.startswith("vni "):
        return "vni"
    return None


def convert_run(text: str, font: str | None) -> str:
    """Convert one run by its font; text in ordinary fonts is returned unchanged."""
    enc = font_encoding(font)
    if enc == "tcvn3":
        return tcvn3_to_unicode(text)
    if enc == "tcvn3-upper":
        return tcvn3_to_unicode(text, upper=True)
    if enc == "vni":
        return vni_to_unicode(text)
    return text


_VIET_LETTERS = (
    set("ăâđêôơưĂÂĐÊÔƠƯ")
    | {ch for ch in map(chr, range(0x1EA0, 0x1EFA))}
    | set("àáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ")
)


def guess_encoding(text: str) -> str | None:
    """Guess a lost font from character statistics: "tcvn3", "vni" or None (Unicode).

    Real Vietnamese in Unicode has letters from Latin Extended Additional (U+1EA0..) and
    ă/ơ/ư/đ; legacy text has none of them and is full of Latin-1 symbols (¸ µ ¶ ® ª « ¬)
    for TCVN3, or of vowel+mark pairs ("aø", "eá", "oâ") for VNI.
    """
    if not text:
        return None
    viet = sum(1 for ch in text if ch in _VIET_LETTERS and ch not in "àáãèéìíòóõùúý")
    if viet:
        return None
    words = max(1, len(text.split()))
    tcvn = sum(1 for ch in text if ch in "¸µ¶·¹¨»¾¼½©ÇÊÈÉË®ªÒÓÔ«¬\u00ad")
    vni = sum(1 for m in _VNI_RE.finditer(text) if m.group(2))
    if tcvn >= 3 and tcvn / words > 0.15 and tcvn >= vni:
        return "tcvn3"
    if vni >= 3 and vni / words > 0.15:
        return "vni"
    return None


def to_unicode(text: str) -> str:
    """Convert text whose encoding is unknown (no font): by `guess_encoding`, NFC always."""
    enc = guess_encoding(text)
    if enc == "tcvn3":
        text = tcvn3_to_unicode(text)
    elif enc == "vni":
        text = vni_to_unicode(text)
    return unicodedata.normalize("NFC", text)
