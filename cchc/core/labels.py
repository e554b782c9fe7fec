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
OTHER_GROUP = "Đơn vị khác"  # units of a group the configuration does not list

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
# "M" stands for every month ({month} is its number).
PERIOD_NAME = {
    "M": "Báo cáo tháng {month}",
    "Q1": "Báo cáo Quý I",
    "Q2": "Báo cáo Quý II",
    "Q3": "Báo cáo Quý III",
    "Q4": "Báo cáo Quý IV",
    "H1": "Báo cáo 6 tháng",
    "N9": "Báo cáo 9 tháng",
    "Y": "Báo cáo năm",
}
PERIOD_SHORT = {
    "M": "Tháng {month}",
    "Q1": "Quý I",
    "Q2": "Quý II",
    "Q3": "Quý III",
    "Q4": "Quý IV",
    "H1": "6 tháng",
    "N9": "9 tháng",
    "Y": "Cả năm",
}
PERIOD_SHORT_YEAR = {
    "M": "Tháng {month}/{year}",
    "Q1": "Quý I {year}",
    "Q2": "Quý II {year}",
    "Q3": "Quý III {year}",
    "Q4": "Quý IV {year}",
    "H1": "6 tháng {year}",
    "N9": "9 tháng {year}",
    "Y": "Năm {year}",
}
PERIOD_TITLE = {
    "M": "THÁNG {month} NĂM {year}",
    "Q1": "QUÝ I NĂM {year}",
    "Q2": "QUÝ II NĂM {year}",
    "Q3": "QUÝ III NĂM {year}",
    "Q4": "QUÝ IV NĂM {year}",
    "H1": "6 THÁNG ĐẦU NĂM {year}",
    "N9": "9 THÁNG NĂM {year}",
    "Y": "NĂM {year}",
}

# How a deadline is read, for people (`cchc status`, mail, exports).
DEADLINE = {"before": "trước 00:00 ngày {day}", "by": "chậm nhất ngày {day}"}


def word(table: dict[str, str], code: str | None, default: str = "") -> str:
    """The word for `code`, or the code itself when the table has none (never a KeyError)."""
    if code is None:
        return default
    return table.get(code, code)


# --- documents (Nghị định 30/2020/NĐ-CP): the words of a header and a signature block --------
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
PLACE_DATE = "{place}, ngày … tháng … năm …"
BLANK_PLACE = "…………"  # no `[office] place`: left for the clerk
NUMBER_LINE = "Số:        /{kind}"  # the document number, filled in by the văn thư
RECIPIENTS = "Nơi nhận:"
RECIPIENT_LINES = ("- Như trên;", "- Lưu: VT.")
RECIPIENT_LINES_TABLE = ("- …………;", "- Lưu: VT.")
# The head of the office, by the first words of its name (the longest match wins).
SIGNER = {
    "phòng": "TRƯỞNG PHÒNG",
    "văn phòng": "CHÁNH VĂN PHÒNG",
    "sở": "GIÁM ĐỐC",
    "ban": "TRƯỞNG BAN",
    "ủy ban nhân dân": "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH",
    "uỷ ban nhân dân": "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH",
}
SIGNER_DEFAULT = "THỦ TRƯỞNG CƠ QUAN"

# What the colours and words of a compliance table mean (the legend under it).
STATUS_MEANING = {
    "on_time": "nhận được trước thời hạn của kỳ (ghi ở dòng tiêu đề)",
    "late": "nhận được từ thời điểm hết hạn trở đi",
    "missing": "đã quá hạn nhưng chưa nhận được báo cáo",
    "not_due": "chưa đến hạn nộp",
}
NOT_EXPECTED_MEANING = "đơn vị chưa thành lập hoặc đã giải thể vào ngày hạn nộp của kỳ"

# How late a report came, for people: "2 ngày 5 giờ", "5 giờ", "40 phút".
LATE_BY = {"days": "{days} ngày", "days_hours": "{days} ngày {hours} giờ", "hours": "{hours} giờ"}
LATE_BY_MINUTES = "{minutes} phút"

# What the draft proposal suggests for a unit's record (staff edit it before it is signed).
MEASURE = {
    "missing": "phê bình, yêu cầu giải trình lý do không gửi báo cáo",
    "late": "nhắc nhở, chấn chỉnh việc gửi báo cáo đúng thời hạn",
}
SCORING_NOTE = (
    "xem xét khi chấm điểm tiêu chí về thực hiện chế độ báo cáo trong Chỉ số cải cách hành "
    "chính năm {year}"
)
