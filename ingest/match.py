"""Which unit sent this message: by address first, then by what the content says (SPEC §3).

Pure: plain data in, a `MatchResult` out. In content matching the issuer counts — the header
block of the attached document, then the subject, then file names, then the body and signature —
and names on "Kính gửi:" / "Nơi nhận:" lines are recipients, never issuers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
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


class NeedleTable:
    """Every unit's names, indexed by their first word: finding the names in a text costs a
    walk over its words, whatever the number of units (3,300 communes as cheaply as 20)."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.pairs = sorted(set(pairs), key=lambda item: len(item[0]), reverse=True)
        self._by_first: dict[str, dict[tuple[str, ...], set[str]]] = {}
        for needle, code in self.pairs:
            words = tuple(needle.split())
            self._by_first.setdefault(words[0], {}).setdefault(words, set()).add(code)
        self._lengths = {
            first: sorted({len(w) for w in forms}, reverse=True)
            for first, forms in self._by_first.items()
        }

    def __len__(self) -> int:
        return len(self.pairs)

    def found_in(self, text: str) -> dict[str, int]:
        """Each unit named in `text` (whole words, folded), with the length of its longest
        name found there (the length of the space-padded needle)."""
        words = fold_words(text).split()
        found: dict[str, int] = {}
        for i, word in enumerate(words):
            forms = self._by_first.get(word)
            if forms is None:
                continue
            for n in self._lengths[word]:
                codes = forms.get(tuple(words[i : i + n])) if i + n <= len(words) else None
                if codes:
                    size = len(" ".join(words[i : i + n])) + 2
                    for code in codes:
                        found[code] = max(found.get(code, 0), size)
        return found


def _best_in(text: str, table: NeedleTable) -> tuple[str | None, tuple[str, ...]]:
    """The unit with the longest name found in `text`; ambiguous when two tie."""
    if not text.strip():
        return None, ()
    found = table.found_in(text)
    if not found:
        return None, ()
    longest = max(found.values())
    best = sorted(code for code, size in found.items() if size == longest)
    if len(best) == 1:
        return best[0], ()
    return None, tuple(best)


def needle_table(units: Iterable[Unit]) -> NeedleTable:
    return NeedleTable((n, u.code) for u in units for n in needles(u))


def match_by_content(clues: Clues, table: NeedleTable) -> MatchResult:
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
    table: NeedleTable | Callable[[], NeedleTable],
) -> MatchResult:
    """`address_book` maps normalised addresses to unit codes (unit file + taught addresses);
    `table` may be given as a function, called only when the address book does not know the
    sender (most mail comes from known addresses: no table needs building for it)."""
    code = address_book.get(normalise_address(from_addr)) if from_addr else None
    if code:
        return MatchResult(code, "address", "address")
    return match_by_content(clues, table if isinstance(table, NeedleTable) else table())
