"""The one-stop table's vocabulary: `data/onestop.toml`, read and validated (`load_spec`).

Everything about the table's vocabulary comes from the spec: column keys and header words,
the parent header above a column, the mechanism words, the row groups, the checks and their
levels. The other modules of `parsers.onestop` hold only the *method*. Also here: the
structural keys every module uses and the word folding headers and labels are compared with.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cchc.core.text import fold
from parsers.model import Level

DEFAULT_SPEC = Path(__file__).parent.parent / "data" / "onestop.toml"

# structural keys: the ordinal and the label of a row (SPEC: rows carry `unit_name`)
STT = "stt"
UNIT = "unit_name"
EXTRA = "extra"


def words(text: str) -> str:
    """Folded, punctuation as spaces except '%', padded: for whole-word containment."""
    folded = re.sub(r"[^0-9a-z%]+", " ", fold(text).replace("%", " % "))
    return f" {' '.join(folded.split())} "


def loose(folded: str) -> str:
    """`words` output with "hẹn" read as "hạn": units write both for the same column."""
    return folded.replace(" hen ", " han ")


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    headers: tuple[str, ...]
    parent: str | None = None
    percent: bool = False
    text: bool = False

    @property
    def numeric(self) -> bool:
        return not self.text and self.key not in (STT, UNIT)


@dataclass(frozen=True)
class GroupSpec:
    id: str
    title: str


@dataclass(frozen=True)
class CheckSpec:
    id: str
    level: Level
    rule: str


@dataclass(frozen=True)
class OnestopSpec:
    """onestop.toml, validated: columns in official order, mechanism words, groups, checks."""

    columns: tuple[ColumnSpec, ...]
    mechanism: dict[str, tuple[str, ...]]
    groups: tuple[GroupSpec, ...]
    checks: tuple[CheckSpec, ...]

    def column(self, key: str) -> ColumnSpec | None:
        return next((c for c in self.columns if c.key == key), None)

    @property
    def parents(self) -> tuple[str, ...]:
        return tuple(sorted({c.parent for c in self.columns if c.parent}, key=len, reverse=True))


def load_spec(path: str | Path | None = None) -> OnestopSpec:
    """Read onestop.toml (default: the packaged one, read once and cached).

    Raises ValueError naming the file and the entry when the spec is malformed: a broken
    spec is a deployment error to fix, not something to guess around.
    """
    if path is None:
        return _default_spec()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _default_spec() -> OnestopSpec:
    return _load(DEFAULT_SPEC)


def _load(path: Path) -> OnestopSpec:
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    try:
        columns = tuple(
            ColumnSpec(
                key=str(c["key"]),
                headers=tuple(str(h) for h in c.get("header", [])),
                parent=str(c["parent"]) if c.get("parent") else None,
                percent=bool(c.get("percent", False)),
                text=bool(c.get("text", False)),
            )
            for c in raw.get("column", [])
        )
        mechanism = {str(k): tuple(str(w) for w in v) for k, v in raw.get("mechanism", {}).items()}
        groups = tuple(GroupSpec(str(g["id"]), str(g["title"])) for g in raw.get("group", []))
        checks = tuple(
            CheckSpec(str(c["id"]), c.get("level", "error"), str(c.get("rule", "")))
            for c in raw.get("check", [])
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: malformed one-stop spec ({exc!r})") from exc
    for c in checks:
        if c.level not in ("error", "warning", "info"):
            raise ValueError(f"{path}: check {c.id!r} has level {c.level!r} (error|warning|info)")
    if not any(c.key == UNIT for c in columns):
        raise ValueError(f"{path}: no column with key {UNIT!r}")
    return OnestopSpec(columns, mechanism, groups, checks)
