"""The evidence sheet of `cchc export compliance`: every received report and each of its files.

"Danh sách báo cáo đã nhận" lists every counting message of the year (first reports and
corrections) with its arrival time, Message-ID, sender and subject, then each of its files,
each with its SHA-256 and where the archive keeps it (relative to the archive folder named in
the sheet's subtitle), so any line can be checked against the stored bytes. The identifiers
are long and unbreakable, so they sit in narrow monospace columns that wrap them letter by
letter; the text of each line is exactly as received (control characters shown as U+FFFD,
bidirectional controls dropped), written as text, never as a formula.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from cchc.context import Context
from cchc.core import labels
from cchc.exports import fmt_time, fmt_ts
from cchc.exports import sheet as doc
from cchc.exports import style as st
from store import read

EVIDENCE_SHEET = "Danh sách báo cáo đã nhận"
# (heading, width, monospace)
EVIDENCE_COLUMNS = (
    ("STT", 5.0, False),
    ("Đơn vị", 20.0, False),
    ("Kỳ báo cáo", 8.5, False),
    ("Thời điểm nhận", 10.5, False),
    ("Lần gửi", 8.0, False),
    ("Người gửi", 18.0, False),
    ("Tiêu đề thư", 22.0, False),
    ("Tệp", 22.0, False),
    ("Loại", 11.0, False),
    ("Message-ID", 15.5, True),
    ("SHA-256", 15.5, True),
    ("Nơi lưu trong kho", 24.0, True),
)
NOT_FOUND = "Không tìm thấy trong kho"
WHOLE_MESSAGE = "Thư gốc (.eml)"


def _stored(ctx: Context, path: Path | None) -> str:
    """Where the archive keeps a file, relative to the archive folder; or that it is gone."""
    if path is None or not path.exists():
        return NOT_FOUND
    try:
        return path.relative_to(ctx.archive.root).as_posix()
    except ValueError:
        return str(path)


def evidence_rows(ctx: Context, year: int, at: datetime) -> list[dict[str, Any]]:
    """Every counting message of the year's periods that arrived before `at`, then each of
    its files: unit, period, received, first/correction, ids, SHA-256, archive path."""
    names = ctx.unit_names()
    msgs = read.counting_messages(ctx.db, year=year, before_ts=at.timestamp())
    atts = read.attachment_files(ctx.db, [m["message_ref"] for m in msgs])
    out: list[dict[str, Any]] = []
    for m in msgs:
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
        raw = ctx.archive.raw_path(m["raw_sha256"])
        out.append(
            {
                **base,
                "file": WHOLE_MESSAGE,
                "kind": "message",
                "sha256": m["raw_sha256"],
                "path": _stored(ctx, raw),
            }
        )
        for a in atts.get(m["message_ref"], []):
            name = (
                a["filename"] if not a["container"] else f"{a['filename']} (trong {a['container']})"
            )
            out.append(
                {
                    **base,
                    "file": name,
                    "kind": a["kind"],
                    "sha256": a["sha256"],
                    "path": _stored(ctx, ctx.archive.find_file(a["sha256"])),
                }
            )
    return out


def _values(item: dict[str, Any], n: int) -> list[object]:
    is_message = item["kind"] == "message"
    return [
        n if is_message else None,
        item["unit"],
        item["period"],
        item["received"],
        ("Lần đầu" if item["first"] else "Bổ sung, sửa") if is_message else None,
        item["from"] if is_message else None,
        item["subject"] if is_message else None,
        item["file"],
        labels.word(labels.ATTACHMENT_KIND, item["kind"]),
        item["message_id"],
        item["sha256"],
        item["path"],
    ]


def evidence_sheet(ws: Worksheet, ctx: Context, year: int, at: datetime) -> None:
    widths = [w for _h, w, _m in EVIDENCE_COLUMNS]
    width = len(widths)
    st.widths(ws, widths)
    row = doc.head(ws, ctx, widths)
    st.title_row(ws, row, f"DANH SÁCH BÁO CÁO CẢI CÁCH HÀNH CHÍNH ĐÃ NHẬN NĂM {year}", width)
    st.title_row(
        ws,
        row + 1,
        f"(Mỗi thư và từng tệp đính kèm, kèm mã băm SHA-256; nơi lưu tính từ thư mục kho lưu "
        f"trữ {ctx.archive.root}; tính đến {fmt_time(at, ctx)}, giờ Việt Nam)",
        width,
        font=st.ITALIC,
    )
    top = row + 3
    for c, (text, _w, _m) in enumerate(EVIDENCE_COLUMNS, start=1):
        st.header_cell(ws, top, c, text)
    row = top + 1
    n = 0
    st.fit_rows(ws)  # the head; the list's rows get their heights as they are written
    looks = [_looks(c, mono) for c, (_t, _w, mono) in enumerate(EVIDENCE_COLUMNS, start=1)]
    bold = [_looks(c, False, bold=True) for c in (1, 2)]
    room = [st.column_points(ws, c) - st.CELL_PADDING_PT for c in range(1, width + 1)]
    for item in evidence_rows(ctx, year, at):
        is_message = item["kind"] == "message"
        n += is_message
        row_looks = [*bold, *looks[2:]] if is_message else looks
        values = _values(item, n)
        for c, (value, (font, align)) in enumerate(zip(values, row_looks, strict=True), start=1):
            st.put(ws, row, c, value, font=font, align=align, border=True)
        ws.row_dimensions[row].height = st.row_height(values, row_looks, room)
        row += 1
    st.widen_for(ws, 1, str(n), st.BOLD)  # the last number is the widest
    st.page_setup(ws, header_rows=(top, top))
    st.freeze(ws, top + 1, 3)


def _looks(col: int, mono: bool, *, bold: bool = False) -> tuple[Font, Alignment]:
    """(font, alignment) of a cell of the list in column `col`."""
    font = st.MONO if mono else (st.BOLD if bold else st.FONT)
    align = st.CENTER if col in (1, 3, 4, 5) else (st.TOP_LEFT if mono else st.LEFT)
    return font, align
