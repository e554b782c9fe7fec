"""Which unit sent this message: by address first, then by what the content says (SPEC §3).

Pure: plain data in, a `MatchResult` out. In content matching the issuer counts — the header
block of the attached document, then the subject, then file names, then the body and signature —
and names on "Kính gửi:" / "Nơi nhận:" lines are recipients, never issuers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from cchc.core.text import filename_words, fold_words
from cchc.core.units import Unit, normalise_address

How = Literal["address", "content"]

_PREFIXES = [
    (" ubnd ", " uy ban nhan dan "),
    (" uy ban nhan dan ", " ubnd "),
    (" thi tran ", " tt "),
]
_RECIPIENT_LINE = re.compile(
    r"^\s*(?:kinh\s*gui|noi\s*nhan|dong\s*kinh\s*gui|gui|to)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Clues:
    """Everything in a message that may name its issuer, in SPEC §3's order of trust."""

    header_blocks: Sequence[str] = ()
    subject: str = ""
    filenames: Sequence[str] = ()
    table_units: Sequence[str] = ()
    body: str = ""


@dataclass(frozen=True)
class MatchResult:
    unit: str | None
    how: How | None
    source: str | None = None  # which clue decided: header, subject, filename, table, body
    candidates: tuple[str, ...] = field(default_factory=tuple)  # when ambiguous


def needles(unit: Unit) -> list[str]:
    """The folded, space-padded forms under which a unit may be named."""
    forms = {fold_words(unit.name), *(fold_words(a) for a in unit.aliases)}
    for form in list(forms):
        for old, new in _PREFIXES:
            if old in form:
                forms.add(form.replace(old, new))
        if form.startswith((" ubnd ", " uy ban nhan dan ")):
            forms.add(form.replace(" uy ban nhan dan ", " ").replace(" ubnd ", " ", 1))
    return sorted((f for f in forms if len(f.strip()) >= 3), key=len, reverse=True)


def _body_without_recipients(body: str) -> str:
    """Drop quoted lines and recipient blocks: "Kính gửi:"/"Nơi nhận:" and the bullets under them."""
    kept = []
    in_block = False
    for line in body.splitlines():
        stripped = line.strip()
        if _RECIPIENT_LINE.match(fold_words(line).strip()):
            in_block = True
            continue
        if in_block and stripped.startswith(("-", "+", "•", "*", "–")):
            continue
        in_block = False
        if stripped.startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept)


def _best_in(text: str, table: Sequence[tuple[str, str]]) -> tuple[str | None, tuple[str, ...]]:
    """The unit with the longest name found in `text`; ambiguous when two tie."""
    if not text.strip():
        return None, ()
    haystack = fold_words(text)
    best_len = 0
    best: set[str] = set()
    for needle, code in table:
        if len(needle) < best_len:
            break  # sorted longest first
        if needle in haystack:
            if len(needle) > best_len:
                best_len, best = len(needle), {code}
            else:
                best.add(code)
    if len(best) == 1:
        return next(iter(best)), ()
    return None, tuple(sorted(best))


def needle_table(units: Iterable[Unit]) -> list[tuple[str, str]]:
    table = [(n, u.code) for u in units for n in needles(u)]
    return sorted(table, key=lambda item: len(item[0]), reverse=True)


def match_by_content(clues: Clues, table: Sequence[tuple[str, str]]) -> MatchResult:
    sources: list[tuple[str, str]] = [("header", h) for h in clues.header_blocks]
    sources.append(("subject", clues.subject))
    sources.extend(("filename", filename_words(f)) for f in clues.filenames)
    sources.extend(("table", t) for t in clues.table_units)
    sources.append(("body", _body_without_recipients(clues.body)))
    for source, text in sources:
        code, tied = _best_in(text, table)
        if code:
            return MatchResult(code, "content", source)
        if tied:
            return MatchResult(None, None, source, tied)
    return MatchResult(None, None)


def match_unit(
    from_addr: str,
    clues: Clues,
    address_book: Mapping[str, str],
    table: Sequence[tuple[str, str]],
) -> MatchResult:
    """`address_book` maps normalised addresses to unit codes (unit file + taught addresses)."""
    code = address_book.get(normalise_address(from_addr)) if from_addr else None
    if code:
        return MatchResult(code, "address", "address")
    return match_by_content(clues, table)
