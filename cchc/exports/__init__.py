"""Files for the province and for the yearly CCHC index scoring (SPEC §5 `cchc export`).

- `onestop`: the consolidated Phụ lục 2 table (.xlsx) of a period;
- `compliance`: the unit × period matrix with arrival times, and (`evidence`) the list of every
  received report with its SHA-256 and archive path (.xlsx); `period_status`: one period's
  status for escalations;
- `narrative`: the Phụ lục 1 outline with every unit's text under each section (.docx);
- `proposal`: the draft report on units that reported late or not at all (.docx).

How they print: `style` and `measure` (cells, fonts, row heights), `sheet` and `document` (the
Nghị định 30/2020 head and foot in a worksheet and in Word, words from `letterhead`); `output`
picks the file format from the output's name (.pdf through LibreOffice).

This module holds what they share: which report's content counts for each unit (SPEC §3:
the latest outline report and the latest one-stop table among counting messages), and the
Vietnamese wording of periods, dates and times (dd/mm/yyyy, HH:MM, office time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cchc.context import Context
from cchc.core import labels
from cchc.core.errors import CchcError
from cchc.core.periods import Period
from cchc.views import latest_of_each_kind
from store import read


def fmt_date(moment: datetime, ctx: Context) -> str:
    return moment.astimezone(ctx.tz).strftime("%d/%m/%Y")


def fmt_time(moment: datetime, ctx: Context) -> str:
    """dd/mm/yyyy HH:MM in office time (UTC+7 for Đắk Song)."""
    return moment.astimezone(ctx.tz).strftime("%d/%m/%Y %H:%M")


def fmt_ts(ts: float | None, ctx: Context) -> str:
    return "" if ts is None else fmt_time(datetime.fromtimestamp(ts, ctx.tz), ctx)


def deadline_text(ctx: Context, due_at: datetime) -> str:
    """The deadline as the office's rule words it: "trước 00:00 ngày 18/02/2024" (deadline
    "before"), "chậm nhất ngày 18/03/2026" (deadline "by": the day before `due_at`)."""
    local = due_at.astimezone(ctx.tz)
    if ctx.config.calendar.deadline == "by":
        last = (local - timedelta(days=1)).strftime("%d/%m/%Y")
        return labels.DEADLINE["by"].format(day=last)
    return labels.DEADLINE["before"].format(day=local.strftime("%d/%m/%Y"))


_LEVELS = ("thành phố", "thị xã", "thị trấn", "tỉnh", "huyện", "quận", "xã", "phường")


def authority_name(ctx: Context) -> str:
    """The authority the office reports for, as a table names it: "UBND huyện Đắk Song" from
    `[office] issuer = "ỦY BAN NHÂN DÂN HUYỆN ĐẮK SONG"` and `place = "Đắk Song"`; the issuer as
    written when it does not read that way, the office's name when there is no issuer."""
    office = ctx.config.office
    issuer = office.issuer.strip()
    if not issuer:
        return office.name
    low = issuer.lower()
    if low.startswith(("ủy ban nhân dân", "uỷ ban nhân dân", "ubnd")) and office.place:
        for level in _LEVELS:
            if f" {level} " in f" {low} ":
                return f"UBND {level} {office.place}"
    return issuer


@dataclass
class UnitContent:
    """What one unit sent for one period, as far as the exports are concerned."""

    unit: str
    messages: list[dict[str, Any]] = field(default_factory=list)  # counting, arrival order
    outline_message: dict[str, Any] | None = None
    outline_files: list[dict[str, Any]] = field(default_factory=list)
    table_message: dict[str, Any] | None = None
    table_files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def reported(self) -> bool:
        return bool(self.messages)

    @property
    def table_rows(self) -> list[dict[str, Any]]:
        return [row for a in self.table_files for row in (a["onestop"] or [])]

    @property
    def sections(self) -> dict[str, str]:
        """Section id -> text, the texts of several outline files of one message joined."""
        out: dict[str, str] = {}
        for a in self.outline_files:
            for sid, text in (a.get("sections") or {}).items():
                text = (text or "").strip()
                if text:
                    out[sid] = f"{out[sid]}\n{text}" if sid in out else text
        return out

    @property
    def outline_missing(self) -> list[str] | None:
        outlines = [a["outline"] for a in self.outline_files if a["outline"]]
        if not outlines:
            return None
        missing = set.intersection(*(set(o["missing"]) for o in outlines))
        return [m for m in outlines[0]["missing"] if m in missing]

    @property
    def table_findings(self) -> list[dict[str, Any]]:
        return [
            f for a in self.table_files for f in a["findings"] if f["code"].startswith("onestop.")
        ]


def unit_contents(
    ctx: Context, period: Period, at: datetime | None = None
) -> dict[str, UnitContent]:
    """unit code -> its content for `period`, from messages that arrived before `at` (all when
    None). Only units with at least one counting message appear."""
    msgs = read.counting_messages(
        ctx.db, period=period.id, before_ts=at.timestamp() if at is not None else None
    )
    atts = read.attachments(ctx.db, [m["message_ref"] for m in msgs])
    by_unit: dict[str, UnitContent] = {}
    for m in msgs:
        by_unit.setdefault(m["unit"], UnitContent(m["unit"])).messages.append(m)
    for content in by_unit.values():
        outline_ref, table_ref = latest_of_each_kind(content.messages, atts)
        refs = {m["message_ref"]: m for m in content.messages}
        if outline_ref is not None:
            content.outline_message = refs[outline_ref]
            content.outline_files = [a for a in atts.get(outline_ref, []) if a["outline"]]
        if table_ref is not None:
            content.table_message = refs[table_ref]
            files = [a for a in atts.get(table_ref, []) if a["onestop"] is not None]
            # a spreadsheet and a Word file holding the same table: the spreadsheet is the table
            sheets = [a for a in files if not a["outline"]]
            content.table_files = sheets or files
    return by_unit


def write_bytes(data: bytes, path: str | Path) -> Path:
    """Write an export (to a temporary name, then renamed: a reader never sees half a file)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise CchcError(f"{path}: không có thư mục {path.parent}")
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        raise CchcError(f"{path}: không ghi được tệp ({exc.strerror})") from None
    return path
