"""Human-readable tables (rich) for the CLI, in Vietnamese: the words come from
`cchc.core.labels`, the figures from the SPEC §5 JSON views, so `--json` and the tables agree."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from cchc.core import labels

# The colour of each status in a terminal; the words are `cchc.core.labels.STATUS`.
STATUS_STYLE = {"on_time": "green", "late": "yellow", "missing": "red", "not_due": "dim"}


def _when(iso: str | None) -> str:
    if not iso:
        return ""
    return datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M")


def _console() -> Console:
    return Console(soft_wrap=False)


def print_status(data: dict[str, Any]) -> None:
    due = datetime.fromisoformat(data["due"])
    rule = f" (quy tắc hạn “{data['due_rule']}”)" if data.get("due_rule") else ""
    table = Table(
        title=f"{data.get('name', data['period'])} — hạn: trước 00:00 ngày {due:%d/%m/%Y}{rule}",
        caption=f"Tính đến {_when(data['at'])}",
    )
    for col in ("Đơn vị", "Tình trạng", "Thời điểm nhận", "Sửa/bổ sung", "Ghi chú"):
        table.add_column(col)
    counts: dict[str, int] = {}
    for u in data["units"]:
        label, style = labels.STATUS[u["status"]], STATUS_STYLE[u["status"]]
        counts[label] = counts.get(label, 0) + 1
        notes = []
        if u.get("match") == "content":
            notes.append("nhận qua nội dung")
        if u.get("outline_missing"):
            notes.append("thiếu mục " + ", ".join(u["outline_missing"]))
        errors = [f for f in u.get("findings", []) if f["level"] == "error"]
        if errors:
            notes.append(f"{len(errors)} lỗi số liệu/tệp")
        table.add_row(
            u["name"],
            f"[{style}]{label}[/]",
            _when(u["received_at"]),
            str(u["corrections"] or ""),
            "; ".join(notes),
        )
    console = _console()
    console.print(table)
    console.print(" · ".join(f"{k}: {v}" for k, v in counts.items()))


def print_messages(data: list[dict[str, Any]]) -> None:
    table = Table(title=f"Nhật ký thư ({len(data)})")
    for col in ("Nhận lúc", "Người gửi", "Tiêu đề", "Xử lý", "Lý do", "Đơn vị", "Kỳ"):
        table.add_column(col, overflow="fold")
    for m in data:
        table.add_row(
            _when(m["received_at"]),
            m["from"] or "",
            (m["subject"] or "")[:60],
            labels.word(labels.DISPOSITION, m["disposition"]),
            labels.word(labels.REASON, m["reason"]),
            m["unit"] or "",
            m["period"] or "",
        )
    _console().print(table)


def print_submissions(data: list[dict[str, Any]]) -> None:
    table = Table(title=f"Báo cáo đã nhận ({len(data)})")
    for col in ("Kỳ", "Đơn vị", "Nhận lúc", "Lần", "Tệp", "Thiếu mục", "Phát hiện"):
        table.add_column(col, overflow="fold")
    for s in data:
        files = ", ".join(f"{a['filename']} ({a['kind']})" for a in s["attachments"])
        missing = ", ".join(s["outline"]["missing"]) if s["outline"] else ""
        table.add_row(
            s["period"],
            s["unit"],
            _when(s["received_at"]),
            "sửa/bổ sung" if s["is_correction"] else "đầu tiên",
            files,
            missing,
            str(len(s["findings"])) if s["findings"] else "",
        )
    _console().print(table)


def print_review(data: list[dict[str, Any]]) -> None:
    console = _console()
    if not data:
        console.print("Không có thư nào cần xem xét.")
        return
    table = Table(title=f"Thư cần xem xét ({len(data)})")
    for col in ("Nhận lúc", "Người gửi", "Tiêu đề", "Lý do", "Đơn vị (đoán)", "Message-ID"):
        table.add_column(col, overflow="fold")
    for r in data:
        table.add_row(
            _when(r["received_at"]),
            r["from"] or "",
            (r["subject"] or "")[:50],
            labels.word(labels.REASON, r["reason"]),
            r["unit"] or "?",
            r["message_id"] or "",
        )
    console.print(table)
    console.print("Quyết định: cchc review assign MESSAGE UNIT | approve MESSAGE | reject MESSAGE")


def print_mail(rows: list[dict[str, Any]], dry_run: bool, at: datetime) -> None:
    console = Console(soft_wrap=False)
    if not rows:
        console.print(f"Không có thư nào đến hạn gửi lúc {at:%H:%M ngày %d/%m/%Y}.")
        return
    title = "Thư sẽ gửi (chạy thử, chưa gửi)" if dry_run else "Thư đến hạn gửi"
    table = Table(title=f"{title} — lúc {at:%H:%M ngày %d/%m/%Y}")
    for col in ("Loại", "Người nhận", "Đơn vị", "Kỳ", "Tiêu đề", "Tình trạng"):
        table.add_column(col, overflow="fold")
    for r in rows:
        status = labels.word(labels.MAIL_STATUS, r["status"])
        if r.get("last_error") and r["status"] != "sent":
            status += f" ({r['last_error']})"
        table.add_row(
            labels.word(labels.MAIL_KIND, r["kind"]),
            ", ".join(r["to"]),
            r["unit"] or "",
            r["period"] or "",
            r["subject"],
            status,
        )
    console.print(table)
