"""What each page shows, as plain data built from the library's views (no HTTP here).

Kept apart from the routes so the year matrix, the health verdicts and the Vietnamese labels
can be tested with plain dictionaries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cchc.core import labels
from cchc.core.periods import Period, parse_period

REVIEW_HINT = {
    "content_match": "Thư gửi từ địa chỉ lạ; đơn vị được nhận ra qua nội dung. Chấp nhận nếu đúng, "
    "hoặc Gán để ghi nhớ địa chỉ này cho lần sau.",
    "unmatched": "Chọn đơn vị đã gửi rồi bấm Gán; địa chỉ người gửi sẽ được ghi nhớ.",
    "quarantined": "Kết quả xác thực cho thấy người gửi có thể bị giả mạo. Chỉ chấp nhận sau khi đã "
    "xác minh với đơn vị.",
    "unparseable": "Báo cáo vẫn được tính theo thời điểm nhận; cần đề nghị đơn vị gửi lại bản đọc được.",
    "no_attachment": "Đơn vị báo đã gửi nhưng thư không có tệp đính kèm. Chấp nhận để bỏ khỏi danh sách.",
}
OUTBOX_STATUS = ("queued", "sending", "failed", "sent")  # the outbox page's sections, in order


def when(iso: str | None, tz: ZoneInfo, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """An ISO instant as office time, dd/mm/yyyy HH:MM (SPEC §6)."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(tz).strftime(fmt)


def size(n: int | None) -> str:
    if n is None:
        return ""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB".replace(".", ",")
    return f"{n / 1024 / 1024:.1f} MB".replace(".", ",")


def period_label(period: Period) -> str:
    return period.name


@dataclass
class MatrixRow:
    code: str
    name: str
    group: str
    cells: list[dict[str, Any] | None]  # one per period; None: not expected to report


@dataclass
class Matrix:
    year: int
    periods: list[dict[str, Any]]  # {id, name, due, counts}
    groups: list[tuple[str, list[MatrixRow]]] = field(default_factory=list)


def matrix(
    year: int,
    statuses: list[dict[str, Any]],
    units: list[Any],
    group_order: Sequence[str] = ("huyen", "xa"),
) -> Matrix:
    """Units × periods from the `App.status` results of a year's periods. A unit not listed in
    a period's status (not active then) gets an empty cell; a unit in none is left out. Groups
    come in the office's order (`[[groups]]`)."""
    by_period = [{u["unit"]: u for u in st["units"]} for st in statuses]
    heads = []
    for st in statuses:
        counts = dict.fromkeys(labels.STATUS, 0)
        for u in st["units"]:
            counts[u["status"]] += 1
        short = parse_period(st["period"]).short
        heads.append({"id": st["period"], "short": short, "due": st["due"], "counts": counts})
    out = Matrix(year, heads)
    grouped: dict[str, list[MatrixRow]] = {}
    for unit in units:
        cells = [entries.get(unit.code) for entries in by_period]
        if not any(cells):
            continue
        grouped.setdefault(unit.group, []).append(
            MatrixRow(unit.code, unit.name, unit.group, cells)
        )
    order = list(group_order) + sorted(set(grouped) - set(group_order))
    out.groups = [(g, grouped[g]) for g in order if g in grouped]
    return out


def default_year(last_received_ts: float | None, now: datetime) -> int:
    """The year staff most likely want: that of the newest mail, else the current one."""
    if last_received_ts is None:
        return now.year
    return datetime.fromtimestamp(last_received_ts, now.tzinfo).year


@dataclass
class Health:
    last_check: str | None
    check_stale: bool
    last_login_failed: dict[str, Any] | None
    login_failed_24h: int
    last_error: dict[str, Any] | None
    sent_today: int
    daily_limit: int
    outbox_counts: dict[str, int]
    review: int
    messages: int
    last_received: str | None

    @property
    def budget_left(self) -> int:
        return max(0, self.daily_limit - self.sent_today)

    @property
    def ok(self) -> bool:
        return bool(self.last_check) and not self.check_stale and self.login_failed_24h == 0


def parse_instant(iso: str | None, tz: ZoneInfo) -> datetime | None:
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def check_is_stale(last_check: datetime | None, now: datetime, poll_seconds: int) -> bool:
    """A mailbox not checked for three poll intervals (at least an hour) is a silent stop."""
    if last_check is None:
        return True
    return now - last_check > max(timedelta(seconds=3 * poll_seconds), timedelta(hours=1))
