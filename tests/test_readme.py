"""The README's worked example of a profile is a configuration that works."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

from cchc.core.calendar import Calendar
from cchc.core.config import load_config
from cchc.core.periods import parse_period

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_monthly_commune_example_loads_and_gives_its_due_dates(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"Worked example.*?```toml\n(.*?)```", text, re.S)
    assert block is not None
    (tmp_path / "config.toml").write_text(block.group(1), encoding="utf-8")
    config = load_config(tmp_path / "config.toml")
    assert [g.id for g in config.groups] == ["thon", "ban"]
    calendar = Calendar(config.calendar, ZoneInfo("Asia/Ho_Chi_Minh"))
    assert len(calendar.periods_of(2026)) == 13
    # March's report: by the 5th of April 2026, a Sunday, so until the end of Monday the 6th
    assert calendar.due(parse_period("2026-M03")).isoformat() == "2026-04-07T00:00:00+07:00"
    assert calendar.due_rule(parse_period("2026-Y")) == "12-15"
