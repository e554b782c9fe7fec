"""The Vietnamese words for the program's codes: one place, so the CLI, the mail, the web page
and the exports call a status, a reason or a group by the same name.

Codes (the keys) are the stable names of SPEC §5; the words are for people. Presentation (a
colour, a fill) stays with whoever draws: these are only words.
"""

from __future__ import annotations

# Status of a unit for a period (SPEC §3), in the order tables list them.
STATUS = {
    "on_time": "Đúng hạn",
    "late": "Trễ hạn",
    "missing": "Chưa nộp",
    "not_due": "Chưa đến hạn",
}
NOT_EXPECTED = "Không phải báo cáo"  # a unit not active for the period

# What happened to a message (the audit log, `cchc messages`).
DISPOSITION = {
    "counted": "Đã tính",
    "correction": "Bổ sung/sửa",
    "duplicate": "Trùng",
    "review": "Cần xem xét",
    "ignored": "Bỏ qua",
}

# Why a message is in the review queue (and "rejected": a staff decision).
REASON = {
    "content_match": "Nhận ra đơn vị qua nội dung (địa chỉ lạ)",
    "unmatched": "Không xác định được đơn vị",
    "quarantined": "Nghi giả mạo người gửi",
    "unparseable": "Tệp đính kèm không đọc được",
    "no_attachment": "Báo cáo nhưng không có tệp đính kèm",
    "rejected": "Đã loại",
}

# Unit groups: the heading of a group, and its short name in a table column.
GROUP = {"huyen": "Phòng, ban, đơn vị thuộc huyện", "xa": "UBND các xã, thị trấn"}
GROUP_SHORT = {"huyen": "Cấp huyện", "xa": "Cấp xã"}

# What an attachment turned out to be ("message": the raw message itself, in evidence lists).
ATTACHMENT_KIND = {
    "message": "Thư",
    "outline": "Báo cáo (Phụ lục 1)",
    "onestop": "Biểu số liệu (Phụ lục 2)",
    "other": "Tệp khác",
    "unparseable": "Không đọc được",
}

MATCH = {"address": "theo địa chỉ thư", "content": "theo nội dung (địa chỉ lạ)"}
ACTION = {"assign": "Gán đơn vị", "approve": "Chấp nhận", "reject": "Loại"}
LEVEL = {"error": "Lỗi", "warning": "Cảnh báo", "info": "Ghi chú"}

# Outgoing mail: its kind, and where it is in the outbox (`planned` only with --dry-run).
MAIL_KIND = {
    "ack": "Xác nhận đã nhận",
    "reminder": "Nhắc hạn",
    "escalation": "Báo cáo đơn vị chậm/thiếu",
    "digest": "Bản tin hằng ngày",
}
MAIL_STATUS = {
    "planned": "Sẽ gửi",
    "queued": "Đang chờ gửi",
    "sending": "Đang gửi",
    "failed": "Gửi lỗi",
    "sent": "Đã gửi",
}

# Periods by kind: the report's name ("Báo cáo Quý I"), a column heading without the year
# ("Quý I"), with the year ("Quý I 2025"), and the title of a document ("QUÝ I NĂM 2025").
PERIOD_NAME = {
    "Q1": "Báo cáo Quý I",
    "H1": "Báo cáo 6 tháng",
    "Q3": "Báo cáo Quý III",
    "Y": "Báo cáo năm",
}
PERIOD_SHORT = {"Q1": "Quý I", "H1": "6 tháng", "Q3": "Quý III", "Y": "Cả năm"}
PERIOD_SHORT_YEAR = {
    "Q1": "Quý I {year}",
    "H1": "6 tháng {year}",
    "Q3": "Quý III {year}",
    "Y": "Năm {year}",
}
PERIOD_TITLE = {
    "Q1": "QUÝ I NĂM {year}",
    "H1": "6 THÁNG ĐẦU NĂM {year}",
    "Q3": "QUÝ III NĂM {year}",
    "Y": "NĂM {year}",
}


def word(table: dict[str, str], code: str | None, default: str = "") -> str:
    """The word for `code`, or the code itself when the table has none (never a KeyError)."""
    if code is None:
        return default
    return table.get(code, code)
