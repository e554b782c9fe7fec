"""One period's status as a table (.xlsx): the attachment of an escalation mail (SPEC §6).

Every unit that had to report, with its status, arrival, corrections, the outline sections
its report lacks and the errors in its table or files — what the office needs to chase the
units that are late, on one landscape A4 page wide.
"""

from __future__ import annotations

from datetime import datetime

from cchc import views
from cchc.context import Context
from cchc.core import labels
from cchc.exports import deadline_text, fmt_time
from cchc.exports import style as st

COLUMNS = (
    ("STT", 5.0),
    ("Đơn vị", 32.0),
    ("Cấp", 10.0),
    ("Tình trạng", 11.0),
    ("Thời điểm nhận", 11.0),
    ("Số lần bổ sung", 8.0),
    ("Mục đề cương còn thiếu", 34.0),
    ("Lỗi số liệu, tệp", 44.0),
)


def _group_word(ctx: Context, group_id: str) -> str:
    """A unit's group in a narrow column: the group's `short` word, else its name."""
    group = ctx.config.group(group_id)
    return group.label if group else group_id


def build_period_status_xlsx(ctx: Context, period_id: str, at: datetime | None = None) -> bytes:
    """One period's status at `at` (default now), every unit with its status, arrival, missing
    outline sections and table errors."""
    period = ctx.period(period_id)
    at = at or datetime.now(ctx.tz)
    data = views.status(ctx, period, at)
    due = deadline_text(ctx, datetime.fromisoformat(data["due"]))
    width = len(COLUMNS)
    wb = st.new_workbook()
    ws = wb.active
    ws.title = period.id
    st.widths(ws, [w for _c, w in COLUMNS])
    st.title_row(ws, 1, f"TÌNH HÌNH GỬI BÁO CÁO CCHC — {period.name.upper()}", width)
    st.title_row(ws, 2, f"(Hạn: {due}; tính đến {fmt_time(at, ctx)})", width, font=st.ITALIC)
    top = 4
    for c, (text, _w) in enumerate(COLUMNS, start=1):
        st.header_cell(ws, top, c, text)
    row = top + 1
    titles = {sec.id: sec.title for sec in ctx.specs.outline.sections}
    counts: dict[str, int] = {}
    for n, u in enumerate(data["units"], start=1):
        counts[u["status"]] = counts.get(u["status"], 0) + 1
        errors = [f["message"] for f in u["findings"] if f["level"] == "error"]
        missing = u["outline_missing"] or []
        values = [
            n,
            u["name"],
            _group_word(ctx, u["group"]),
            labels.STATUS[u["status"]],
            fmt_time(datetime.fromisoformat(u["received_at"]), ctx) if u["received_at"] else None,
            u["corrections"] if u["received_at"] else None,
            "\n".join(f"{sid} {titles.get(sid, '')}".strip() for sid in missing) or None,
            "\n".join(errors) or None,
        ]
        for c, value in enumerate(values, start=1):
            st.put(
                ws,
                row,
                c,
                value,
                font=st.FONT,
                align=st.CENTER if c in (1, 3, 4, 5, 6) else st.LEFT,
                border=True,
                fill=st.STATUS_FILL[u["status"]] if c == 4 else None,
            )
        row += 1
    summary = "; ".join(f"{labels.STATUS[s]}: {counts[s]}" for s in labels.STATUS if counts.get(s))
    st.title_row(
        ws,
        row + 1,
        f"Tổng số {len(data['units'])} đơn vị. {summary}.",
        width,
        font=st.BOLD,
        align=st.LEFT,
    )
    st.page_setup(ws, header_rows=(top, top))
    st.freeze(ws, top + 1, 3)
    st.fit_rows(ws)
    return st.to_bytes(wb)
