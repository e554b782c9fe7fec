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

from cchc.core.errors import ConfigError
from cchc.core.text import fold
from parsers.model import Level
from parsers.onestop.rules import Rule, parse_rule

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
    rule: str  # as written in the template, for people
    parsed: Rule = Rule("totals")
    title: str = ""  # what the check is about, in Vietnamese ("số hồ sơ trả kết quả")


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
    """Read onestop.toml (default: the packaged one; each file read once and cached).

    Raises ConfigError naming the file and the entry when the spec is malformed: a broken
    spec is a deployment error to fix, not something to guess around.
    """
    return _load(Path(path).resolve() if path is not None else DEFAULT_SPEC)


@lru_cache(maxsize=8)
def _load(path: Path) -> OnestopSpec:
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(
            f"không đọc được mẫu bảng một cửa: {exc.strerror}", path=str(path)
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"mẫu bảng một cửa không phải TOML hợp lệ: {exc}", path=str(path)
        ) from None
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
    except (KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"mẫu bảng một cửa sai cấu trúc ({exc!r})", path=str(path)) from exc
    if not any(c.key == UNIT for c in columns):
        raise ConfigError(f"không có cột nào có key {UNIT!r}", key="column", path=str(path))
    keys = {c.key for c in columns}
    checks = tuple(_check(c, i, keys, path) for i, c in enumerate(raw.get("check", [])))
    return OnestopSpec(columns, mechanism, groups, checks)


def _check(raw: object, index: int, keys: set[str], path: Path) -> CheckSpec:
    where = f"check[{index}]"
    if not isinstance(raw, dict) or "id" not in raw:
        raise ConfigError("một [[check]] thiếu id", key=where, path=str(path))
    check_id = str(raw["id"])
    where = f"check {check_id}"
    level = raw.get("level", "error")
    if level not in ("error", "warning", "info"):
        raise ConfigError(
            f"level {level!r} không hợp lệ (dùng error, warning hoặc info)",
            key=where,
            path=str(path),
        )
    rule_text = str(raw.get("rule", ""))
    try:
        parsed = parse_rule(rule_text)
    except ValueError as exc:
        raise ConfigError(f"quy tắc {rule_text!r}: {exc}", key=where, path=str(path)) from None
    unknown = sorted(parsed.keys - keys)
    if unknown:
        raise ConfigError(
            f"quy tắc {rule_text!r} nêu cột không có: {', '.join(unknown)}",
            key=where,
            path=str(path),
        )
    return CheckSpec(check_id, level, rule_text, parsed, str(raw.get("title", "")))
