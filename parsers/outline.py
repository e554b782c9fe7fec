"""Outline coverage (Phụ lục 1): which required sections a narrative report holds, with content.

Sections are recognised by their *titles*, not their numbers: units renumber freely
("III. ĐÁNH GIÁ CHUNG" for the outline's V when they skip the conditional III and IV, "1."
for I, "Phần II", "2.1." ...). Numbering, Word heading styles and bold/upper-case lines only
say that a line *is* a heading and at which rank; the outline.toml title (and its keywords,
as a fallback) says *which* section it is. Comparison is on accent-folded text, so OCR slips
that only touch accents ("KÉT QUẢ" for "KẾT QUẢ") are harmless; "Il." for "II." is read as a
Roman numeral.

A heading whose section has no text under it (before the next recognised heading) counts as
missing; a parent counts present when it or one of its children has content. Conditional
sections (required = false) are reported in `present` when found, never in `missing`.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz

from cchc.core.errors import ConfigError
from cchc.core.text import fold
from parsers.model import Finding, OutlineResult

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
DEFAULT_PATH = Path(__file__).parent / "data" / "outline.toml"

# Abbreviations units use in headings, expanded before comparing (folded forms).
_ABBREV = {
    "cchc": "cai cach hanh chinh",
    "tthc": "thu tuc hanh chinh",
    "cbccvc": "can bo cong chuc vien chuc",
    "hcnn": "hanh chinh nha nuoc",
    "cntt": "cong nghe thong tin",
    "vbqppl": "van ban quy pham phap luat",
}


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    parent: str | None
    keywords: tuple[str, ...]
    required: bool
    folded_title: str = ""
    folded_keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutlineSpec:
    sections: tuple[Section, ...]

    @property
    def top(self) -> list[Section]:
        return [s for s in self.sections if s.parent is None]

    def children(self, parent: str) -> list[Section]:
        return [s for s in self.sections if s.parent == parent]

    @property
    def required_ids(self) -> list[str]:
        return [s.id for s in self.sections if s.required]


def _ascii_fold(text: str) -> str:
    """`cchc.core.text.fold` for comparisons that keep only [0-9a-z]: the same result, in C speed.

    Decomposes, maps đ/Đ, and drops every non-ASCII code point (combining accents included).
    """
    decomposed = unicodedata.normalize("NFD", text).translate(_DD)
    return decomposed.encode("ascii", "ignore").decode("ascii").lower()


_DD = str.maketrans({"đ": "d", "Đ": "D"})


def _norm(text: str) -> str:
    """Folded, punctuation-free, abbreviations expanded: the form headings are compared in."""
    words = _NON_ALNUM.sub(" ", _ascii_fold(text)).split()
    return " ".join(_ABBREV.get(w, w) for w in words)


def load_outline(path: str | Path | None = None) -> OutlineSpec:
    """Read outline.toml (default: the packaged copy). Raises ConfigError naming the file and
    the entry at fault: a broken template is a deployment error, found at start-up."""
    where = str(path or DEFAULT_PATH)
    try:
        with open(path or DEFAULT_PATH, "rb") as fh:
            raw = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"không đọc được mẫu đề cương: {exc.strerror}", path=where) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"mẫu đề cương không phải TOML hợp lệ: {exc}", path=where) from None
    secs: list[Section] = []
    for i, s in enumerate(raw.get("section", [])):
        if not isinstance(s, dict) or not s.get("id") or not s.get("title"):
            raise ConfigError("mỗi [[section]] cần có id và title", key=f"section[{i}]", path=where)
        if any(o.id == s["id"] for o in secs):
            raise ConfigError("khai báo hai lần", key=f"section {s['id']}", path=where)
        if s.get("parent") and not any(o.id == s["parent"] for o in secs):
            raise ConfigError(
                f"parent {s['parent']!r} không phải mục được khai báo phía trên",
                key=f"section {s['id']}",
                path=where,
            )
        kws = tuple(str(k) for k in s.get("keywords", []))
        secs.append(
            Section(
                id=str(s["id"]),
                title=str(s["title"]),
                parent=s.get("parent"),
                keywords=kws,
                required=bool(s.get("required", True)),
                folded_title=_norm(str(s["title"])),
                folded_keywords=tuple(_norm(k) for k in kws if _norm(k)),
            )
        )
    if not secs:
        raise ConfigError("không có mục [[section]] nào", key="section", path=where)
    return OutlineSpec(tuple(secs))


# --- heading recognition ------------------------------------------------------------

_ROMAN = r"(?:[IVXL]|l(?=[IVXl]*[\s.\-–:)]))+"  # "Il." is an OCR slip for "II."
_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("phan", re.compile(r"^(?:PHẦN|Phần|phần|PHAN|Phan)\s+([IVXLl]+|\d+)\s*[.:\-–)]?\s*", re.U)),
    ("roman.num", re.compile(r"^([IVX]+)\.(\d+)\.?\s+")),
    ("num3", re.compile(r"^(\d+)\.(\d+)\.(\d+)\.?\s+")),
    ("num2", re.compile(r"^(\d+)\.(\d+)\.?\s+")),
    ("roman", re.compile(r"^(" + _ROMAN + r")\s*[.\-–:)]\s*")),
    ("num", re.compile(r"^(\d{1,2})\s*[.)\-–:]\s*")),
    ("alpha", re.compile(r"^([a-zđ])\s*[).]\s+")),
]
_MAX_HEADING = 160
_INLINE = re.compile(r"^([^:]{2,160}):\s*(.*)$", re.S)  # "2. Kiểm tra CCHC: Ban hành ..."


@dataclass
class Line:
    """A text line of the body, with what the reader knows of its looks."""

    text: str
    heading_level: int | None = None
    bold: bool = False
    is_table: bool = False


@dataclass
class _Heading:
    kind: str | None  # numbering kind, or "style1".. / "bold" / "caps" when unnumbered
    title: str  # heading text without the number, up to a ":" that starts inline content
    inline: str  # content on the same line after the ":"


def _heading(line: Line) -> _Heading | None:
    text = line.text.strip()
    if not text or line.is_table:
        return None
    kind = None
    rest = text
    for k, pat in _MARKERS:
        m = pat.match(text)
        if m:
            kind, rest = k, text[m.end() :]
            break
    title, inline = rest, ""
    m = _INLINE.match(rest)
    if m:
        title, inline = m.group(1), m.group(2)
    if not title.strip():
        return None
    if kind is None:
        letters = [c for c in title if c.isalpha()]
        if line.heading_level is not None:
            kind = f"style{line.heading_level}"
        elif line.bold and len(title) <= _MAX_HEADING:
            kind = "bold"
        elif letters and all(c.isupper() for c in letters) and len(title) <= _MAX_HEADING:
            kind = "caps"
        else:
            return None
        return _Heading(kind + ":", title.strip(), inline.strip())
    if len(title) > _MAX_HEADING and not inline:
        # a long numbered sentence is a list item, not a heading; let it try by its start
        title = title[:_MAX_HEADING]
    return _Heading(kind, title.strip(), inline.strip())


def _score(title: str, sec: Section, *, keywords: bool) -> float:
    """How well a heading text names a section, 0..100 (folded, abbreviations expanded)."""
    h = _norm(title)
    if not h:
        return 0.0
    t = sec.folded_title
    s = max(fuzz.ratio(h, t), fuzz.token_sort_ratio(h, t) * 0.95 if len(h) >= 8 else 0.0)
    if len(h) > len(t):  # "PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ II NĂM 2024": the title starts the heading
        s = max(s, fuzz.partial_ratio(t, h) * 0.9 if len(t) >= 10 else 0.0)
    if keywords:
        padded = f" {h} "
        for kw in sec.folded_keywords:
            if f" {kw} " in padded:
                s = max(s, 72.0 if padded.startswith(f" {kw} ") else 66.0)
    return s


_END = re.compile(r"^(noi nhan|nguoi bao cao|nguoi lap|tm\.? |kt\.? |q\. |truong phong|chu tich)")
TOP_MIN = 62.0  # a ranked heading that may be a top-level section
CHILD_MIN = 64.0
LOOSE_MIN = 80.0  # an unnumbered bold/caps line


@dataclass
class _State:
    spec: OutlineSpec
    top_kinds: set[str] = field(default_factory=set)
    child_kinds: set[str] = field(default_factory=set)
    current_top: str | None = None
    current: str | None = None
    content: dict[str, list[str]] = field(default_factory=dict)
    found: list[str] = field(default_factory=list)


def _best(
    title: str, secs: Sequence[Section], minimum: float, *, keywords: bool = True
) -> Section | None:
    best, best_s = None, minimum
    for sec in secs:
        s = _score(title, sec, keywords=keywords)
        if s >= best_s + (0.0 if best is None else 0.01):
            best, best_s = sec, s
    return best


def _match(h: _Heading, st: _State) -> Section | None:
    spec = st.spec
    kids = spec.children(st.current_top) if st.current_top else []
    kind = h.kind or ""
    loose = kind.endswith(":")  # unnumbered bold / caps / styled line
    if kind in st.top_kinds:
        return _best(h.title, spec.top, TOP_MIN)
    if kind in st.child_kinds:
        return _best(h.title, kids, CHILD_MIN) or _best(h.title, spec.top, 90.0, keywords=False)
    # first time we see this kind of heading: decide by what it matches best
    top = _best(h.title, spec.top, LOOSE_MIN if loose else TOP_MIN)
    child = _best(h.title, kids, LOOSE_MIN if loose else CHILD_MIN)
    if child is None and not kids:
        # no section open yet, e.g. the parent heading is missing: any child by a strong title
        child = _best(h.title, [s for s in spec.sections if s.parent], 85.0, keywords=False)
    pick: Section | None = top or child
    if top and child:
        ts, cs = _score(h.title, top, keywords=True), _score(h.title, child, keywords=True)
        pick = top if ts > cs else child
    if pick is not None and not loose:
        (st.top_kinds if pick.parent is None else st.child_kinds).add(kind)
    return pick


def cover(lines: Sequence[Line], spec: OutlineSpec) -> OutlineResult:
    """Find the outline's sections in the body lines; see the module docstring for the rules."""
    st = _State(spec)
    ids = {s.id: s for s in spec.sections}
    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        f = fold(text[:40])
        if _END.match(f) and st.found:
            break  # the signature block: nothing after it is a section's content
        h = _heading(line)
        sec = _match(h, st) if h else None
        if sec is not None and sec.id == st.current:
            sec = None  # "a) Thực hiện cơ chế một cửa" inside II.2: content, not a restart
        if sec is not None:
            st.current = sec.id
            st.current_top = sec.parent or sec.id
            if sec.id not in st.found:
                st.found.append(sec.id)
            st.content.setdefault(sec.id, [])
            if h and h.inline:
                st.content[sec.id].append(h.inline)
            continue
        if st.current is not None:
            st.content[st.current].append(text)
    has_content = {sid for sid, parts in st.content.items() if any(p.strip() for p in parts)}
    for sid in list(has_content):
        parent = ids[sid].parent
        if parent:
            has_content.add(parent)
    present = [s.id for s in spec.sections if s.id in has_content]
    missing = [s.id for s in spec.sections if s.required and s.id not in has_content]
    sections = {sid: "\n".join(st.content[sid]).strip() for sid in present if sid in st.content}
    return OutlineResult(present=present, missing=missing, sections=sections)


def looks_like_report(result: OutlineResult, spec: OutlineSpec, text: str, title: str) -> bool:
    """Is this the CCHC narrative report? Enough of the outline, and about CCHC.

    A report on another topic (disaster prevention) shares the top-level headings
    ("Đánh giá chung", "Phương hướng", "Kiến nghị") but not the outline's sub-sections and
    never says "cải cách hành chính".
    """
    req = spec.required_ids
    found = [i for i in result.present if i in req]
    ratio = len(found) / max(1, len(req))
    about = _NON_ALNUM.sub(" ", _ascii_fold(title + "\n" + text[:20000]))
    cchc = "cai cach hanh chinh" in about or " cchc " in f" {about} "
    if ratio >= 0.6:
        return True
    return cchc and len(found) >= 4


def missing_finding(result: OutlineResult, attachment: str | None) -> Finding | None:
    """One `outline.missing` warning listing the missing ids, or None when complete."""
    if not result.missing:
        return None
    ids = ", ".join(result.missing)
    return Finding(
        code="outline.missing",
        level="warning",
        message=f"Báo cáo thiếu nội dung các mục theo đề cương (Phụ lục 1): {ids}",
        attachment=attachment,
        detail={"missing": list(result.missing)},
    )
