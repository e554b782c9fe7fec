"""Typed, validated reading of one `[section]` of config.toml: every mistake names its key
(`section.key`) and the file, so `cchc` can stop with one line and exit code 2."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cchc.core.errors import ConfigError

_KINDS = {
    str: "một chuỗi chữ",
    int: "một số nguyên",
    bool: "true hoặc false",
    float: "một số",
    list: "một danh sách",
}


class Section:
    """One table of the TOML; `known` are the keys it may hold."""

    def __init__(self, data: dict[str, Any], name: str, path: Path, known: set[str]) -> None:
        self.data, self.name, self.file = data, name, path
        unknown = set(data) - known
        if unknown:
            key = sorted(unknown)[0]
            raise ConfigError(
                "khóa không có trong cấu hình của cchc", key=f"{name}.{key}", path=str(path)
            )

    def error(self, key: str, msg: str) -> ConfigError:
        return ConfigError(msg, key=f"{self.name}.{key}", path=str(self.file))

    def value(self, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        if key not in self.data:
            return default
        value = self.data[key]
        if kind is int and isinstance(value, bool):
            raise self.error(key, "phải là một số nguyên")
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, kind):
            want = _KINDS.get(kind, str(kind)) if isinstance(kind, type) else "giá trị đúng kiểu"
            raise self.error(key, f"phải là {want}")
        return value

    def text(self, key: str, default: str) -> str:
        return str(self.value(key, str, default))

    def optional_text(self, key: str) -> str | None:
        value = self.value(key, str, None)
        return None if value is None else str(value)

    def flag(self, key: str, default: bool) -> bool:
        return bool(self.value(key, bool, default))

    def number(self, key: str, default: float) -> float:
        return float(self.value(key, float, default))

    def integer(self, key: str, default: int, lo: int | None = None, hi: int | None = None) -> int:
        value = int(self.value(key, int, default))
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise self.error(key, f"phải trong khoảng {lo} đến {hi}")
        return value

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.text(key, default)
        if value not in choices:
            raise self.error(key, f"phải là một trong: {', '.join(choices)}")
        return value

    def integers(self, key: str, default: tuple[int, ...]) -> tuple[int, ...]:
        value = self.value(key, list, list(default))
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
            raise self.error(key, "phải là danh sách số nguyên >= 0")
        return tuple(value)

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.value(key, (list, str), [])
        if isinstance(value, str):
            value = [value]
        if not all(isinstance(v, str) for v in value):
            raise self.error(key, "phải là danh sách chuỗi chữ")
        return tuple(value)

    def dates(self, key: str) -> tuple[date, ...]:
        """A list of ISO dates ("2026-02-14"; TOML dates are taken as they are)."""
        out = []
        for item in self.value(key, list, []):
            if isinstance(item, date) and not isinstance(item, datetime):
                out.append(item)
                continue
            try:
                out.append(date.fromisoformat(str(item).strip()))
            except ValueError:
                raise self.error(key, f"{item!r} không phải ngày dạng YYYY-MM-DD") from None
        return tuple(out)

    def hhmm(self, key: str, default: str) -> str:
        value = self.text(key, default)
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise self.error(key, "phải là giờ dạng HH:MM")
        return value

    def path(self, key: str, default: str) -> Path:
        """A path; relative ones are relative to the config file's folder (SPEC §5a)."""
        p = Path(self.text(key, default)).expanduser()
        return p if p.is_absolute() else (self.file.parent / p).resolve()

    def optional_path(self, key: str) -> Path | None:
        return self.path(key, "") if key in self.data else None

    def secret(self, env_key: str, default_env: str, env: dict[str, str]) -> str | None:
        """The value of the environment variable this `*_env` key names (secrets never sit in
        the file)."""
        return env.get(self.text(env_key, default_env)) or None
