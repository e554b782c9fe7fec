"""A profile with monthly reports (SPEC §9): 3 units × 12 months of generated mail, the statuses
of all 36 unit-months, and January's due day in Tết moving the deadline.

The profile: `reports = ["M"]`, `M = "next:18"`, `deadline = "before"`, `on_day_off =
"next_working_day"`. January 2026's report is due before 18 February: its last on-time day,
Tue 17 February, is in Tết (16–20 February), so it moves to Mon 23 February.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import pytest

from cchc.app import App
from cchc.core.config import load_config
from cchc.importer import import_paths

ICT = ZoneInfo("Asia/Ho_Chi_Minh")
UNITS = """
[[unit]]
code = "xa-a"
name = "UBND xã An Bình"
group = "xa"
emails = ["xaanbinh@example.gov.vn"]

[[unit]]
code = "xa-b"
name = "UBND xã Bình Minh"
group = "xa"
emails = ["xabinhminh@example.gov.vn"]

[[unit]]
code = "xa-c"
name = "UBND xã Cát Tiên"
group = "xa"
emails = ["xacattien@example.gov.vn"]
"""
CONFIG = """
[office]
name = "Văn phòng UBND xã Tân Hà"
[units]
file = "units.toml"
[store]
path = "db.sqlite"
archive = "archive"
[calendar]
reports = ["M"]
deadline = "before"
on_day_off = "next_working_day"
[calendar.due]
M = "next:18"
[[groups]]
id = "xa"
name = "Các xã"
"""
# unit -> month -> "on" (the 3rd of the next month), "late" (the 25th), "miss" (nothing), or an
# exact arrival. January's two edge cases: Sunday 22 February (on time: the deadline moved) and
# Tuesday 24 February 08:00 (late: the moved deadline passed at 00:00).
PLAN: dict[str, dict[int, object]] = {
    "xa-a": {m: "on" for m in range(1, 13)} | {1: datetime(2026, 2, 22, 10, 0, tzinfo=ICT)},
    "xa-b": {m: ("late" if m % 3 == 0 else "on") for m in range(1, 13)}
    | {1: datetime(2026, 2, 24, 8, 0, tzinfo=ICT), 7: "miss"},
    "xa-c": {m: ("miss" if m in (2, 11) else "late" if m == 5 else "on") for m in range(1, 13)},
}
EXPECTED_JANUARY = {"xa-a": "on_time", "xa-b": "late"}


def _arrival(month: int, how: object) -> datetime | None:
    if isinstance(how, datetime):
        return how
    if how == "miss":
        return None
    year, nxt = (2027, 1) if month == 12 else (2026, month + 1)
    return datetime(year, nxt, 3 if how == "on" else 25, 9, 0, tzinfo=ICT)


def _report(unit: str, name: str, month: int, arrival: datetime) -> bytes:
    document = docx.Document()
    document.add_paragraph(f"ỦY BAN NHÂN DÂN\n{name.upper()}")
    document.add_paragraph("BÁO CÁO")
    document.add_paragraph(f"Kết quả thực hiện công tác cải cách hành chính tháng {month} năm 2026")
    document.add_paragraph("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH")
    document.add_paragraph("Đã ban hành kế hoạch cải cách hành chính của xã.")
    data = io.BytesIO()
    document.save(data)
    msg = EmailMessage()
    msg["From"] = f"{name} <{unit.replace('-', '')}@example.gov.vn>"
    msg["To"] = "vanphong@example.gov.vn"
    msg["Subject"] = f"Báo cáo CCHC tháng {month} năm 2026"
    msg["Message-ID"] = f"<{unit}-{month}@example.gov.vn>"
    msg["Received"] = f"from mail.example.gov.vn; {format_datetime(arrival)}"
    msg["Date"] = format_datetime(arrival - timedelta(minutes=2))
    msg.set_content(f"Kính gửi Văn phòng UBND xã,\n{name} gửi báo cáo CCHC tháng {month}.")
    msg.add_attachment(
        data.getvalue(),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename=f"BC CCHC thang {month}.docx",
    )
    return msg.as_bytes()


@pytest.fixture(scope="module")
def monthly_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    folder = tmp_path_factory.mktemp("monthly")
    (folder / "units.toml").write_text(UNITS, encoding="utf-8")
    (folder / "config.toml").write_text(CONFIG, encoding="utf-8")
    names = {"xa-a": "UBND xã An Bình", "xa-b": "UBND xã Bình Minh", "xa-c": "UBND xã Cát Tiên"}
    mail = folder / "mail"
    mail.mkdir()
    for unit, months in PLAN.items():
        for month, how in months.items():
            arrival = _arrival(month, how)
            if arrival is not None:
                (mail / f"{unit}-{month:02d}.eml").write_bytes(
                    _report(unit, names[unit], month, arrival)
                )
    app = App(load_config(folder / "config.toml"))
    import_paths(app, [mail])
    yield app
    app.close()


def test_januarys_deadline_moves_out_of_tet(monthly_app: App) -> None:
    status = monthly_app.status("2026-M01", datetime(2027, 2, 1, tzinfo=ICT))
    assert status["due_rule"] == "next:18" and status["due_day"] == "2026-02-18"
    assert status["due_at"] == "2026-02-24T00:00:00+07:00"
    got = {u["unit"]: u["status"] for u in status["units"]}
    assert {k: got[k] for k in EXPECTED_JANUARY} == EXPECTED_JANUARY


def test_all_36_unit_months_have_the_right_status(monthly_app: App) -> None:
    at = datetime(2027, 2, 1, tzinfo=ICT)
    got = {}
    for month in range(1, 13):
        status = monthly_app.status(f"2026-M{month:02d}", at)
        for u in status["units"]:
            got[(u["unit"], month)] = u["status"]
    want = {}
    for unit, months in PLAN.items():
        for month, how in months.items():
            if isinstance(how, datetime):
                want[(unit, month)] = EXPECTED_JANUARY[unit]
            else:
                want[(unit, month)] = {"on": "on_time", "late": "late", "miss": "missing"}[how]
    assert len(got) == 36 and got == want


def test_every_message_is_read_as_its_month(monthly_app: App) -> None:
    periods = {Path(m["source"]).stem: m["period"] for m in monthly_app.messages()}
    assert len(periods) == 36 - 3  # three unit-months were never sent
    assert all(period == f"2026-M{int(stem[-2:]):02d}" for stem, period in periods.items())


def test_a_year_of_months_is_split_over_matrix_sheets_that_stay_readable(
    monthly_app: App,
) -> None:
    """GIVEN 12 monthly periods WHEN the compliance workbook is built THEN the matrix is two
    sheets of six months, each landscape and fitted to the page width, and their statuses are
    `cchc status`'s."""
    import openpyxl

    from cchc.core.labels import STATUS
    from cchc.exports.compliance import build_compliance_xlsx

    at = datetime(2027, 2, 1, tzinfo=ICT)
    wb = openpyxl.load_workbook(io.BytesIO(build_compliance_xlsx(monthly_app, 2026, at)))
    assert wb.sheetnames == [
        "Theo dõi nộp báo cáo",
        "Theo dõi nộp báo cáo (2)",
        "Danh sách báo cáo đã nhận",
    ]
    for k, ws in enumerate(wb.worksheets[:2]):
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        rows = {r[1]: r for r in ws.iter_rows(values_only=True) if isinstance(r[0], int)}
        for i in range(6):
            period = f"2026-M{6 * k + i + 1:02d}"
            for u in monthly_app.status(period, at)["units"]:
                assert rows[u["name"]][2 + 3 * i] == STATUS[u["status"]], (period, u["unit"])
