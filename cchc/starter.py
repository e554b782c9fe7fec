"""`cchc init`: a starter configuration next to a starter unit list."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def write_starter(config_path: Path) -> None:
    data = resources.files("cchc") / "data"
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(
        (data / "config.example.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    units = config_path.parent / "units.toml"
    if not units.exists():
        units.write_text(
            (data / "units.example.toml").read_text(encoding="utf-8"), encoding="utf-8"
        )
