"""Compliance evidence (`cchc export compliance`) and one period's status (for escalations).

The yearly CCHC index scores each unit on reporting on time; the score needs proof
("tài liệu kiểm chứng"). The workbook has:

1. "Theo dõi nộp báo cáo": a row per unit, a column group per period of the year — status
   in Vietnamese words with a colour, arrival time (dd/mm/yyyy HH:MM, office time), number
   of corrections, Message-ID of the first report. The figures are `App.status` of each
   period at the same moment, so the file agrees with `cchc status`.
2. "Danh sách báo cáo đã nhận": every counting message of the year (first reports and
   corrections) and each of its files, with SHA-256 and where the archive keeps it, so any
   line can be checked against the stored bytes.

`build_period_status_xlsx` is the one-period table that escalation mails attach.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from cchc import views
from cchc.context import Context
from cchc.core import labels
from cchc.core.errors import CchcError
from cchc.core.periods import Period
from cchc.exports import fmt_date, fmt_time, fmt_ts, write_bytes
from cchc.exports import style as st
from store import read

SUB_COLUMNS = ("Tình trạng", "Thời điểm nhận", "Số lần bổ sung", "Message-ID")
MIN_YEAR, MAX_YEAR = 2000, 2100


def check_year(year: int | str) -> int:
    """A year the store can hold reports for; CchcError (one line, exit 2) otherwise."""
    try:
        value = int(str(year).strip())
    except ValueError:
        raise CchcError(f"{year!r} không phải một năm (ví dụ: 2025)") from None
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise CchcError(
            f"{year!r} không phải một năm hợp lệ (chọn năm từ {MIN_YEAR} đến {MAX_YEAR})"
        )
    return value


def year_statuses(ctx: Context, year: int, at: datetime) -> list[tuple[Period, dict[str, Any]]]:
    """`App.status` of each period of the year at `at` — the same figures as `cchc status`."""
    return [(p, views.status(ctx, p, at)) for p in ctx.calendar.periods_of(year)]


def _group_word(ctx: Context, group_id: str) -> str:
    """A unit's group in a narrow column: the group's `short` word, else its name."""
    group = ctx.config.group(group_id)
    return group.label if group else group_id


def _status_cell(ws: Any, row: int, col: int, status: str | None) -> None:
    label = labels.STATUS[status] if status else labels.NOT_EXPECTED
    cell = ws.cell(row=row, column=col, value=label)
    cell.fill = st.STATUS_FILL[status or "inactive"]
    cell.font = st.BOLD if status in ("late", "missing") else st.FONT
    cell.alignment = st.CENTER
    cell.border = st.BORDER


FIXED = 3  # STT, Đơn vị, Cấp: the columns before the periods


def _first_column(i: int) -> int:
    """The first column of the i-th period's group of SUB_COLUMNS."""
    return FIXED + 1 + i * len(SUB_COLUMNS)


def _matrix_sheet(
    ws: Any, ctx: Context, year: int, at: datetime, statuses: list[tuple[Period, dict[str, Any]]]
) -> None:
    width = FIXED + len(SUB_COLUMNS) * len(statuses)
    st.title_row(ws, 1, f"THEO DÕI TÌNH HÌNH GỬI BÁO CÁO CẢI CÁCH HÀNH CHÍNH NĂM {year}", width)
    st.title_row(
        ws,
        2,
        f"(tài liệu kiểm chứng; {ctx.config.office.name}; số liệu tính đến "
        f"{fmt_time(at, ctx)}, giờ Việt Nam)",
        width,
        font=st.ITALIC,
    )
    top = 4
    _matrix_header(ws, ctx, top, statuses)
    row = _matrix_rows(ws, ctx, top + 2, statuses)
    _matrix_counts(ws, row, statuses)
    st.title_row(
        ws,
        row + 2,
        "Đúng hạn: nhận trước hạn; Trễ hạn: nhận từ thời điểm hạn trở đi; Chưa nộp: "
        "quá hạn chưa nhận; thời điểm nhận là lúc hộp thư nhận thư (không phải ngày "
        "người gửi ghi); số lần bổ sung: các thư gửi lại sau lần đầu.",
        width,
        font=st.SMALL_ITALIC,
        align=st.LEFT,
        height=30,
    )
    st.widths(ws, [5, 32, 9, *([12, 15, 7, 24] * len(statuses))])
    st.page_setup(ws, header_rows=(top, top + 1))
    ws.freeze_panes = ws.cell(row=top + 2, column=FIXED + 1)


def _matrix_header(
    ws: Any, ctx: Context, top: int, statuses: list[tuple[Period, dict[str, Any]]]
) -> None:
    """Two header rows: the fixed columns merged down, each period merged over its columns."""
    for c, text in enumerate(("STT", "Đơn vị", "Cấp"), start=1):
        st.header_cell(ws, top, c, text)
        st.header_cell(ws, top + 1, c, "")
        ws.merge_cells(start_row=top, start_column=c, end_row=top + 1, end_column=c)
    for i, (period, data) in enumerate(statuses):
        first = _first_column(i)
        due = datetime.fromisoformat(data["due"])
        st.header_cell(
            ws,
            top,
            first,
            f"{period.short_with_year} — hạn: trước 00:00 ngày {fmt_date(due, ctx)}",
        )
        for k, text in enumerate(SUB_COLUMNS):
            if k:
                st.header_cell(ws, top, first + k, "")
            st.header_cell(ws, top + 1, first + k, text)
        ws.merge_cells(
            start_row=top, start_column=first, end_row=top, end_column=first + len(SUB_COLUMNS) - 1
        )
    ws.row_dimensions[top].height = 32
    ws.row_dimensions[top + 1].height = 30


def _matrix_rows(
    ws: Any, ctx: Context, row: int, statuses: list[tuple[Period, dict[str, Any]]]
) -> int:
    """A row per unit listed in any period; returns the row after the last."""
    per_period = [{u["unit"]: u for u in data["units"]} for _p, data in statuses]
    listed = {code for entries in per_period for code in entries}
    units = [u for u in ctx.units if u.code in listed]
    for n, unit in enumerate(units, start=1):
        for c, value in enumerate((n, unit.name, _group_word(ctx, unit.group)), start=1):
            cell = ws.cell(row=row, column=c, value=st.safe(value))
            cell.border = st.BORDER
            cell.font = st.FONT
            cell.alignment = st.CENTER if c != 2 else st.LEFT
        for i, entries in enumerate(per_period):
            first = _first_column(i)
            entry = entries.get(unit.code)
            _status_cell(ws, row, first, entry["status"] if entry else None)
            when = (
                fmt_time(datetime.fromisoformat(entry["received_at"]), ctx)
                if entry and entry["received_at"]
                else ""
            )
            corrections = entry["corrections"] if entry and entry["received_at"] else None
            message_id = entry["message_id"] if entry else None
            for k, value in enumerate((when, corrections, message_id), start=1):
                cell = ws.cell(
                    row=row, column=first + k, value=None if value in ("", None) else st.safe(value)
                )
                cell.border = st.BORDER
                cell.font = st.SMALL_ITALIC if k == 3 else st.FONT
                cell.alignment = st.CENTER if k < 3 else st.LEFT
        row += 1
    return row


def _matrix_counts(ws: Any, row: int, statuses: list[tuple[Period, dict[str, Any]]]) -> None:
    """One line of counts per period under the units."""
    ws.cell(row=row, column=2, value="Tổng hợp").font = st.BOLD
    for c in (1, 2, 3):
        ws.cell(row=row, column=c).border = st.BORDER
        ws.cell(row=row, column=c).fill = st.TOTAL_FILL
    for i, (_p, data) in enumerate(statuses):
        first = _first_column(i)
        counts: dict[str, int] = {}
        for u in data["units"]:
            counts[u["status"]] = counts.get(u["status"], 0) + 1
        text = "; ".join(f"{labels.STATUS[s]}: {counts[s]}" for s in labels.STATUS if counts.get(s))
        ws.cell(row=row, column=first, value=st.safe(text))
        ws.merge_cells(
            start_row=row, start_column=first, end_row=row, end_column=first + len(SUB_COLUMNS) - 1
        )
        for k in range(len(SUB_COLUMNS)):
            cell = ws.cell(row=row, column=first + k)
            cell.border = st.BORDER
            cell.fill = st.TOTAL_FILL
            cell.font = st.BOLD
            cell.alignment = st.LEFT


EVIDENCE_COLUMNS = (
    "STT",
    "Đơn vị",
    "Kỳ báo cáo",
    "Thời điểm nhận",
    "Lần gửi",
    "Message-ID",
    "Người gửi",
    "Tiêu đề thư",
    "Tệp",
    "Loại",
    "SHA-256",
    "Đường dẫn lưu trữ",
)


def evidence_rows(ctx: Context, year: int, at: datetime) -> list[dict[str, Any]]:
    """Every counting message of the year's periods that arrived before `at`, then each of
    its files: unit, period, received, first/correction, ids, SHA-256, archive path."""
    names = {u.code: u.name for u in ctx.units}
    msgs = read.counting_messages(ctx.db, year=year, before_ts=at.timestamp())
    atts = read.attachments(ctx.db, [m["message_ref"] for m in msgs])
    out: list[dict[str, Any]] = []
    for m in msgs:
        raw_path = ctx.archive.raw_path(m["raw_sha256"])
        base = {
            "unit": names.get(m["unit"], m["unit"]),
            "unit_code": m["unit"],
            "period": m["period"],
            "received": fmt_ts(m["received_ts"], ctx),
            "first": m["first_ref"] is None,
            "message_id": m["message_id"],
            "from": m["from_addr"],
            "subject": m["subject"],
        }
        out.append(
            {
                **base,
                "file": "Thư gốc (.eml)",
                "kind": "message",
                "sha256": m["raw_sha256"],
                "path": str(raw_path) if raw_path.exists() else "Không tìm thấy trong kho",
            }
        )
        for a in atts.get(m["message_ref"], []):
            found = ctx.archive.find_file(a["sha256"])
            name = (
                a["filename"] if not a["container"] else f"{a['filename']} (trong {a['container']})"
            )
            out.append(
                {
                    **base,
                    "file": name,
                    "kind": a["kind"],
                    "sha256": a["sha256"],
                    "path": str(found) if found else "Không tìm thấy trong kho",
                }
            )
    return out


def _evidence_sheet(ws: Any, ctx: Context, year: int, at: datetime) -> None:
    width = len(EVIDENCE_COLUMNS)
    st.title_row(ws, 1, f"DANH SÁCH BÁO CÁO CCHC ĐÃ NHẬN NĂM {year}", width)
    st.title_row(
        ws,
        2,
        f"(mỗi thư và từng tệp đính kèm, kèm mã băm SHA-256 và nơi lưu trong kho "
        f"{ctx.archive.root}; tính đến {fmt_time(at, ctx)})",
        width,
        font=st.ITALIC,
    )
    top = 4
    for c, text in enumerate(EVIDENCE_COLUMNS, start=1):
        st.header_cell(ws, top, c, text)
    row = top + 1
    n = 0
    for item in evidence_rows(ctx, year, at):
        is_message = item["kind"] == "message"
        n += is_message
        values = [
            n if is_message else None,
            item["unit"],
            item["period"],
            item["received"],
            ("Lần đầu" if item["first"] else "Bổ sung, sửa") if is_message else None,
            item["message_id"],
            item["from"] if is_message else None,
            item["subject"] if is_message else None,
            item["file"],
            labels.word(labels.ATTACHMENT_KIND, item["kind"]),
            item["sha256"],
            item["path"],
        ]
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=c, value=st.safe(value))
            cell.border = st.BORDER
            cell.font = (
                st.BOLD if is_message and c in (1, 2) else (st.SMALL_ITALIC if c >= 11 else st.FONT)
            )
            cell.alignment = st.LEFT if c not in (1, 3, 5) else st.CENTER
        row += 1
    st.widths(ws, [5, 28, 10, 16, 11, 30, 26, 34, 34, 16, 40, 60])
    st.page_setup(ws, header_rows=(top, top))
    ws.freeze_panes = ws.cell(row=top + 1, column=3)


def build_compliance_xlsx(ctx: Context, year: int, at: datetime | None = None) -> bytes:
    """The year's unit × period matrix and the evidence list, as .xlsx bytes (at `at`, default now)."""
    year = check_year(year)
    at = at or datetime.now(ctx.tz)
    wb = st.new_workbook()
    ws = wb.active
    ws.title = "Theo dõi nộp báo cáo"
    _matrix_sheet(ws, ctx, year, at, year_statuses(ctx, year, at))
    _evidence_sheet(wb.create_sheet("Danh sách báo cáo đã nhận"), ctx, year, at)
    return st.to_bytes(wb)


def write_compliance(ctx: Context, year: int, path: str | Path, at: datetime | None = None) -> Path:
    return write_bytes(build_compliance_xlsx(ctx, year, at), path)


def build_period_status_xlsx(ctx: Context, period_id: str, at: datetime | None = None) -> bytes:
    """One period's status at `at` (default now), every unit with its status, arrival, missing
    outline sections and table errors: the attachment of an escalation mail."""
    period = ctx.period(period_id)
    at = at or datetime.now(ctx.tz)
    data = views.status(ctx, period, at)
    due = datetime.fromisoformat(data["due"])
    columns = (
        "STT",
        "Đơn vị",
        "Cấp",
        "Tình trạng",
        "Thời điểm nhận",
        "Số lần bổ sung",
        "Mục đề cương còn thiếu",
        "Lỗi số liệu, tệp",
        "Message-ID",
    )
    width = len(columns)
    wb = st.new_workbook()
    ws = wb.active
    ws.title = period.id
    st.title_row(ws, 1, f"TÌNH HÌNH GỬI BÁO CÁO CCHC — {period.name.upper()}", width)
    st.title_row(
        ws,
        2,
        f"(hạn: trước 00:00 ngày {fmt_date(due, ctx)}; tính đến {fmt_time(at, ctx)})",
        width,
        font=st.ITALIC,
    )
    top = 4
    for c, text in enumerate(columns, start=1):
        st.header_cell(ws, top, c, text)
    row = top + 1
    titles = {sec.id: sec.title for sec in ctx.specs.outline.sections}
    counts: dict[str, int] = {}
    for n, u in enumerate(data["units"], start=1):
        counts[u["status"]] = counts.get(u["status"], 0) + 1
        errors = [f["message"] for f in u["findings"] if f["level"] == "error"]
        values = [
            n,
            u["name"],
            _group_word(ctx, u["group"]),
            None,
            fmt_time(datetime.fromisoformat(u["received_at"]), ctx) if u["received_at"] else None,
            u["corrections"] if u["received_at"] else None,
            "\n".join(f"{sid} {titles.get(sid, '')}".strip() for sid in u["outline_missing"])
            or None
            if u["outline_missing"]
            else None,
            "\n".join(errors) or None,
            u["message_id"],
        ]
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=c, value=st.safe(value))
            cell.border = st.BORDER
            cell.font = st.FONT
            cell.alignment = st.CENTER if c in (1, 3, 5, 6) else st.LEFT
        _status_cell(ws, row, 4, u["status"])
        row += 1
    row += 1
    summary = "; ".join(f"{labels.STATUS[s]}: {counts[s]}" for s in labels.STATUS if counts.get(s))
    st.title_row(
        ws,
        row,
        f"Tổng số {len(data['units'])} đơn vị. {summary}.",
        width,
        font=st.BOLD,
        align=st.LEFT,
    )
    st.widths(ws, [5, 34, 10, 14, 16, 9, 22, 50, 30])
    st.page_setup(ws, header_rows=(top, top))
    ws.freeze_panes = ws.cell(row=top + 1, column=3)
    return st.to_bytes(wb)
