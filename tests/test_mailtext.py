"""Mail templates: Vietnamese words, dd/mm/yyyy HH:MM in office time, office overrides, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cchc.mailtext import MailTemplateError, Renderer

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DUE = datetime(2025, 2, 18, tzinfo=TZ)


def renderer(folder: Path | None = None) -> Renderer:
    return Renderer(
        TZ, folder, office="Phòng Nội vụ huyện Đắk Song", notify=("noivu@example.gov.vn",)
    )


def ack_context(**kw: object) -> dict[str, object]:
    ctx: dict[str, object] = {
        "message_id": "<a@x>",
        "received_at": datetime(2025, 2, 10, 2, 5, tzinfo=UTC),  # 09:05 in UTC+7
        "report_subject": "BC CCHC quý I/2025",
        "unit_code": "xa-nam-binh",
        "unit_name": "UBND xã Nam Bình",
        "period": "2025-Q1",
        "period_name": "Báo cáo Quý I năm 2025",
        "due": DUE,
        "kind": "counted",
        "on_time": True,
        "is_correction": False,
        "no_attachment": False,
        "outline_missing": [],
        "problems": [],
        "unreadable": [],
        "scanned": [],
        "scan_unread": False,
        "ask_table": False,
    }
    ctx.update(kw)
    return ctx


def test_ack_says_when_it_arrived_in_office_time_and_that_it_is_on_time() -> None:
    out = renderer().render("ack", ack_context())
    assert out.subject == "Đã nhận báo cáo: Báo cáo Quý I năm 2025 - UBND xã Nam Bình"
    assert "lúc 09:05 ngày 10/02/2025" in out.text
    assert "Tình trạng: đúng hạn." in out.text
    assert "trước 00:00 ngày 18/02/2025" in out.text
    assert "UBND xã Nam Bình" in out.html and "<b>đúng hạn</b>" in out.html


def test_ack_lists_missing_outline_sections_failed_checks_and_unreadable_files() -> None:
    ctx = ack_context(
        on_time=False,
        is_correction=True,
        kind="correction",
        outline_missing=[{"id": "II.3", "title": "Cải cách tổ chức bộ máy hành chính nhà nước"}],
        problems=[
            {
                "code": "onestop.rate",
                "level": "error",
                "message": "Tỷ lệ đúng hạn sai",
                "attachment": "PL2.xlsx",
            }
        ],
        unreadable=["Báo cáo.docx"],
    )
    out = renderer().render("ack", ctx)
    assert out.subject.startswith("Đã nhận báo cáo bổ sung, sửa đổi")
    assert "trễ hạn" in out.text and "lần gửi đầu tiên" in out.text
    assert "II.3. Cải cách tổ chức bộ máy hành chính nhà nước" in out.text
    assert "Tỷ lệ đúng hạn sai (tệp PL2.xlsx)" in out.text
    assert "Không đọc được tệp: Báo cáo.docx" in out.text
    assert "<li>II.3. Cải cách tổ chức bộ máy hành chính nhà nước</li>" in out.html


def test_ack_for_a_report_mail_without_attachment_asks_for_the_file() -> None:
    out = renderer().render(
        "ack",
        ack_context(
            no_attachment=True, kind="no_attachment", period=None, period_name=None, due=None
        ),
    )
    assert out.subject == "Thư của UBND xã Nam Bình chưa kèm tệp báo cáo CCHC"
    assert "không kèm tệp báo cáo" in out.text


def test_reminder_gives_period_due_date_and_days_left() -> None:
    ctx = {
        "unit_code": "tu-phap",
        "unit_name": "Phòng Tư pháp",
        "period": "2025-Q1",
        "period_name": "Báo cáo Quý I năm 2025",
        "due": DUE,
        "last_day": DUE - timedelta(days=1),
        "days_left": 3,
        "step": "3d",
    }
    out = renderer().render("reminder", ctx)
    assert out.subject == "Nhắc gửi Báo cáo Quý I năm 2025 - hạn trước ngày 18/02/2025"
    assert "hết ngày 17/02/2025" in out.text and "còn 3 ngày" in out.text


def test_html_escapes_what_units_wrote_and_text_does_not() -> None:
    out = renderer().render("ack", ack_context(report_subject="<script>x</script> & Q1"))
    assert "&lt;script&gt;" in out.html and "<script>" not in out.html
    assert '"<script>x</script> & Q1"' in out.text


def test_office_folder_overrides_one_template_and_the_rest_fall_back(tmp_path: Path) -> None:
    (tmp_path / "reminder.txt.j2").write_text(
        '{% set subject = "Đề nghị gửi " ~ period_name %}Kính gửi {{ unit_name }}: hạn {{ due|date }}.\n',
        encoding="utf-8",
    )
    r = renderer(tmp_path)
    ctx = {
        "unit_name": "Phòng Y tế",
        "period_name": "Báo cáo năm 2025",
        "due": DUE,
        "last_day": DUE,
        "days_left": 1,
        "unit_code": "y-te",
        "period": "2025-Y",
        "step": "1d",
    }
    out = r.render("reminder", ctx)
    assert out.subject == "Đề nghị gửi Báo cáo năm 2025"
    assert out.text == "Kính gửi Phòng Y tế: hạn 18/02/2025.\n"
    assert "Phòng Y tế" in out.html  # the built-in HTML part
    assert r.render("ack", ack_context()).subject.startswith("Đã nhận báo cáo")


def test_a_broken_office_template_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "reminder.txt.j2").write_text(
        '{% set subject = "x" %}{{ unit_nmae }}\n', encoding="utf-8"
    )
    with pytest.raises(MailTemplateError, match="reminder.txt.j2"):
        renderer(tmp_path).render("reminder", {"unit_name": "A"})
    (tmp_path / "reminder.txt.j2").write_text("{% if %}\n", encoding="utf-8")
    with pytest.raises(MailTemplateError, match="reminder.txt.j2"):
        renderer(tmp_path).render("reminder", {})


def test_a_template_without_subject_is_refused(tmp_path: Path) -> None:
    (tmp_path / "reminder.txt.j2").write_text("Không có tiêu đề\n", encoding="utf-8")
    with pytest.raises(MailTemplateError, match="subject"):
        renderer(tmp_path).render("reminder", {})
