"""The stores `bench/scale.py` measures: generated report mail, imported for real, then cloned.

An office of 3,300 units (300 district boards, 3,000 communes; the default profile's groups
`huyen` and `xa`) reports four periods a year (Q1, H1, Q3, Y; the default due days) from 2024
on. `events()` is its mail in arrival order, one slot (unit, period) after the other: about 93 %
of the units report each period, within 30 days before to 7 days after the due day; among
them 1 in 80 writes from a personal Gmail address (a content match: counts, and waits for
review); and, around the slots, 1 in 40 corrections, 1 in 40 strangers' newsletters (ignored),
1 in 80 reports from unknown senders naming no unit (unmatched: review) and 1 in 400 notes
without the file (no_attachment: review). A store of M messages holds the first M of that
mail: 4,000 are 2024-Q1 and part of H1, 13,000 the year 2024, 39,000 the three years
2024-2026 with about 1,000 items in the review queue.

How a store of M messages is built:

1. The first 100 events are written as real .eml files (a .docx narrative made with
   python-docx, a .xlsx one-stop table made with openpyxl, a Received: header giving the
   arrival) and imported with `python -m cchc import` into a fresh store: the seed, and the
   M = 100 store itself.
2. Events 100 … M-1 are clones of the seed's rows, made in SQLite directly (an import runs at
   ~25-30 messages a second): for each event, the seed message of the same kind (report,
   content match, correction, unmatched, stranger, no_attachment) is copied with its
   attachments, findings and every other row that names it by `message_ref` (not its
   verdict: derived, decided again in 3.), with the unit's
   name, header line, file-name form, code and address and the period's wording replaced in
   every text column (the facts JSON, subjects, bodies, file names, header blocks, tables),
   the period set in the facts, and a new Message-ID, raw SHA-256, source, sighting and
   arrival. A clone's attachments keep the seed's SHA-256 (the archive holds those files); its
   raw message in the archive is a hard link to the seed message's bytes, so every path
   the exports look up exists (the bytes are the seed's, not the clone's: `cchc rebuild` or
   `cchc recheck` on these stores would not give the same answers).
3. `finish_store` then opens the store with the checkout's code, matches every message again
   (as a unit import that renamed units would; it says how many matches that changed: 0 when
   the clones are consistent) and takes every decision again (`refresh`), so the verdicts
   are the program's own.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ICT = timezone(timedelta(hours=7))
UNITS = 3300
DISTRICT_UNITS = 300
FIRST_YEAR = 2024
SEED = 100
KINDS = ("Q1", "H1", "Q3", "Y")
DUE = {"Q1": (2, 18), "H1": (5, 18), "Q3": (8, 18), "Y": (11, 5)}  # SPEC §1 defaults
PHRASE = {"Q1": "quý I năm {}", "H1": "6 tháng đầu năm {}", "Q3": "quý III năm {}", "Y": "năm {}"}
FILE = {"Q1": "Quy_I_{}", "H1": "6_thang_{}", "Q3": "Quy_III_{}", "Y": "Nam_{}"}
DOMAIN = "bench.example.gov.vn"
# fmt: off
SYLLABLES = (
    "An", "Bình", "Cường", "Dũng", "Đông", "Giang", "Hà", "Hải", "Hòa", "Hưng", "Khánh", "Lâm",
    "Lộc", "Long", "Minh", "Nam", "Nghĩa", "Ninh", "Phong", "Phú", "Phúc", "Quang", "Sơn",
    "Tân", "Thành", "Thịnh", "Thuận", "Tiến", "Trung", "Trường", "Tú", "Vinh", "Xuân", "Yên",
    "Bắc", "Cát", "Đạt", "Điền", "Đức", "Gia", "Hiệp", "Hội", "Kiên", "Lạc", "Lợi", "Mỹ",
    "Ngọc", "Nhân", "Phước", "Quý", "Sang", "Tài", "Tây", "Thái", "Thạch", "Thọ", "Tín", "Toàn",
    "Trà", "Uyên", "Vạn", "Việt", "Phương", "Kim",
)
# fmt: on
OUTLINE = [
    ("I", "CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH"),
    ("1", "Xây dựng kế hoạch và tổ chức, chỉ đạo, điều hành cải cách hành chính"),
    ("2", "Kiểm tra cải cách hành chính"),
    ("3", "Công tác tuyên truyền cải cách hành chính"),
    ("II", "KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH"),
    ("1", "Cải cách thể chế"),
    ("2", "Cải cách thủ tục hành chính"),
    ("3", "Cải cách tổ chức bộ máy hành chính nhà nước"),
    ("4", "Xây dựng và nâng cao chất lượng đội ngũ cán bộ, công chức, viên chức"),
    ("5", "Cải cách tài chính công"),
    ("6", "Hiện đại hóa hành chính"),
    ("V", "ĐÁNH GIÁ CHUNG"),
    ("1", "Ưu điểm"),
    ("2", "Tồn tại, hạn chế"),
    ("3", "Nguyên nhân và bài học kinh nghiệm"),
    ("VI", "PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI"),
    ("VII", "KIẾN NGHỊ, ĐỀ XUẤT"),
]
ONESTOP_HEAD = [
    ["STT", "Tên đơn vị", "Tổng số TTHC", "Số hồ sơ", "Số hồ sơ", "Số hồ sơ đã giải quyết"]
    + ["Số hồ sơ đã giải quyết"] * 3
    + ["Đã trả", "Chưa trả", "Hồ sơ đang giải quyết", "Hồ sơ đang giải quyết", "Ghi chú"],
    ["STT", "Tên đơn vị", "Tổng số TTHC", "Tồn kỳ trước", "Tiếp nhận mới", "Trước hẹn"]
    + ["Đúng hẹn", "Trễ hẹn", "%", "Đã trả", "Chưa trả", "Trong hạn", "Quá hạn", "Ghi chú"],
]


def ascii_fold(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str  # as the subject and the body say it
    header: str  # the issuer's line of the document's header block
    file_form: str  # as file names write it
    group: str

    @property
    def email(self) -> str:
        return f"{self.code}@{DOMAIN}"


def make_units(count: int = UNITS) -> list[UnitSpec]:
    """Units named by two syllables each (no pair used twice): "UBND xã Tân Hòa", …"""
    pairs = [(a, b) for a in SYLLABLES for b in SYLLABLES if a != b]
    assert len({ascii_fold(s).lower() for s in SYLLABLES}) == len(SYLLABLES)
    assert count <= len(pairs), f"at most {len(pairs)} units"
    out = []
    for i, (a, b) in enumerate(pairs[:count]):
        slug = f"{ascii_fold(a)}-{ascii_fold(b)}".lower()
        if i < DISTRICT_UNITS:
            out.append(
                UnitSpec(
                    f"bql-{slug}", f"Ban Quản lý {a} {b}", f"BAN QUẢN LÝ {a} {b}".upper(),
                    f"BQL_{ascii_fold(a)}_{ascii_fold(b)}", "huyen",
                )
            )  # fmt: skip
        else:
            out.append(
                UnitSpec(
                    f"xa-{slug}", f"UBND xã {a} {b}", f"XÃ {a} {b}".upper(),
                    f"xa_{ascii_fold(a)}_{ascii_fold(b)}", "xa",
                )
            )  # fmt: skip
    return out


def units_toml(units: Sequence[UnitSpec]) -> str:
    lines = ["# Generated by bench/scale_store.py: the benchmark's office of units.\n"]
    for u in units:
        alias = u.name.replace("UBND ", "")
        lines.append(
            f'[[unit]]\ncode = "{u.code}"\nname = "{u.name}"\ngroup = "{u.group}"\n'
            f'emails = ["{u.email}"]\naliases = ["{alias}"]\n'
        )
    return "\n".join(lines)


# --- the office's mail, in arrival order -------------------------------------------------------


@dataclass(frozen=True)
class Event:
    index: int
    kind: str  # report | content | correction | unmatched | stranger | no_attachment
    unit: int | None  # index into the unit list
    year: int
    period: str  # Q1 | H1 | Q3 | Y
    at: datetime  # arrival, office time

    @property
    def message_id(self) -> str:
        return f"<scale-{self.index}@{DOMAIN}>"


# (kind, slot modulus, remainder, minutes after the slot's report)
EXTRAS = (
    ("correction", 40, 29, 4),
    ("unmatched", 80, 47, 7),
    ("stranger", 40, 13, 9),
    ("no_attachment", 400, 31, 11),
)


def _reports(unit: int, period_number: int) -> bool:
    return (unit * 7919 + period_number * 104729) % 100 >= 7


def events(units: int = UNITS) -> Iterator[Event]:
    """The office's mail, period after period, without end (2027 and on after 39,000 or so)."""
    index, slot, period_number = 0, 0, 0
    year = FIRST_YEAR
    while True:
        for kind in KINDS:
            month, day = DUE[kind]
            due = datetime(year, month, day, tzinfo=ICT)
            start, span = due - timedelta(days=30), timedelta(days=37)
            reporting = [u for u in range(units) if _reports(u, period_number)]
            for pos, unit in enumerate(reporting):
                at = (start + span * ((pos + 0.5) / len(reporting))).replace(microsecond=0)
                main = "content" if slot % 80 == 7 else "report"
                yield Event(index, main, unit, year, kind, at)
                index += 1
                for extra, modulus, remainder, minutes in EXTRAS:
                    if slot % modulus == remainder:
                        at_extra = at + timedelta(minutes=minutes)
                        who = None if extra in ("unmatched", "stranger") else unit
                        yield Event(index, extra, who, year, kind, at_extra)
                        index += 1
                slot += 1
            period_number += 1
        year += 1


def stream(count: int) -> list[Event]:
    return list(itertools.islice(events(), count))


# --- one message as a unit (or a stranger) writes it -------------------------------------------


def sender(event: Event, units: Sequence[UnitSpec]) -> tuple[str, str]:
    """(display name, address) of the event's sender."""
    unit = units[event.unit] if event.unit is not None else None
    if event.kind == "content" and unit:
        return f"Văn thư {unit.name}", f"vanthu.{unit.code.replace('-', '')}{event.index}@gmail.com"
    if event.kind == "unmatched":
        return "Người gửi", f"nguoigui{event.index}@gmail.com"
    if event.kind == "stranger":
        return "Bản tin", f"bantin{event.index}@news.example.com"
    assert unit is not None
    return unit.name, unit.email


def _docx(issuer: str, title: str, tag: str) -> bytes:
    import docx

    d = docx.Document()
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = f"ỦY BAN NHÂN DÂN\n{issuer}\n———\nSố: 12/BC-UBND"
    table.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    d.add_paragraph().add_run("BÁO CÁO").bold = True
    d.add_paragraph().add_run(title).bold = True
    d.add_paragraph("Thực hiện Công văn số 3042/UBND-NV, đơn vị báo cáo như sau:")
    for number, heading in OUTLINE:
        d.add_paragraph().add_run(f"{number}. {heading}").bold = True
        d.add_paragraph(f"Trong kỳ, đơn vị đã triển khai đầy đủ các nhiệm vụ được giao.{tag}")
    sign = d.add_table(rows=1, cols=2)
    sign.cell(0, 0).text = "Nơi nhận:\n- Phòng Nội vụ;\n- Lưu: VT."
    sign.cell(0, 1).text = "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _xlsx(unit_name: str, seq: int) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Biểu 02"
    ws.append(["KẾT QUẢ THỰC HIỆN CƠ CHẾ MỘT CỬA, MỘT CỬA LIÊN THÔNG"])
    for head in ONESTOP_HEAD:
        ws.append(head)
    ws.append([f"({n})" for n in range(1, 15)])
    received = 20 + seq % 50  # 2 + received = 10 + (received - 12) + 1 + 2 + 1
    early, on_time, late = 10, received - 12, 1
    rate = round(100 * (early + on_time) / (early + on_time + late), 2)
    done = early + on_time + late
    row: list[Any] = [1, unit_name, 12, 2, received, early, on_time, late, rate, done - 2]
    row += [2, 2, 1, None]
    ws.append(row)
    ws.append([None, "Tổng cộng", *row[2:8], rate, *row[9:13], None])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


DOCX = "vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def message(event: Event, units: Sequence[UnitSpec], tag: str = "") -> bytes:
    """The raw bytes of an event's mail; `tag` makes other bytes of the same mail."""
    unit = units[event.unit] if event.unit is not None else None
    phrase = PHRASE[event.period].format(event.year)
    file_part = FILE[event.period].format(event.year)
    name, address = sender(event, units)
    msg = EmailMessage()
    msg["Received"] = f"from mail.{DOMAIN} by mx.google.com; {format_datetime(event.at)}"
    msg["From"] = f"{name} <{address}>"
    msg["To"] = "noivu.cchc@example.gov.vn"
    msg["Date"] = format_datetime(event.at - timedelta(minutes=3))
    msg["Message-ID"] = event.message_id
    if event.kind == "stranger":
        msg["Subject"] = f"Bản tin tuần số {event.index}"
        msg.set_content(f"Bản tin tuần số {event.index}: lịch thi đấu, thời tiết, quảng cáo.\n")
        return msg.as_bytes()
    if unit is None:  # unmatched: a report naming no unit of the office
        msg["Subject"] = f"Báo cáo CCHC {phrase}"
        msg.set_content(f"Kính gửi: Phòng Nội vụ\nGửi báo cáo CCHC {phrase}.\n{tag}\n")
        title = f"Kết quả thực hiện công tác cải cách hành chính {phrase}"
        data = _docx(f"CHI BỘ THÔN SỐ {event.index}", title, tag)
        msg.add_attachment(
            data, "application", DOCX, filename=f"BC_CCHC_{file_part}_{event.index}.docx"
        )
        return msg.as_bytes()
    prefix = "Bổ sung: " if event.kind == "correction" else ""
    msg["Subject"] = f"{prefix}Báo cáo CCHC {phrase} - {unit.name}"
    if event.kind == "no_attachment":
        msg.set_content(
            f"Kính gửi: Phòng Nội vụ\n{unit.name} xin gửi bổ sung báo cáo CCHC {phrase} sau.\n"
        )
        return msg.as_bytes()
    msg.set_content(
        f"Kính gửi: Phòng Nội vụ\n{unit.name} gửi báo cáo CCHC {phrase} và Phụ lục 2.\n{tag}\n"
    )
    title = f"Kết quả thực hiện công tác cải cách hành chính {phrase}"
    docx_data = _docx(unit.header, title, tag)
    stem = f"BC_CCHC_{file_part}_{unit.file_form}"
    msg.add_attachment(docx_data, "application", DOCX, filename=f"{stem}.docx")
    msg.add_attachment(
        _xlsx(unit.name, event.index), "application", XLSX, filename=f"PL2_{stem}.xlsx"
    )
    return msg.as_bytes()


# --- stores ---------------------------------------------------------------------------------------


def write_config(folder: Path, units_file: Path, archive: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(
        f'[units]\nfile = "{units_file}"\n[store]\npath = "{folder / "db.sqlite"}"\n'
        f'archive = "{archive}"\n',
        encoding="utf-8",
    )
    return path


def project_env() -> dict[str, str]:
    """The environment of a child running this checkout's code (not the one installed)."""
    return dict(os.environ, PYTHONPATH=str(ROOT))


def import_seed(
    config: Path, mail_dir: Path, seed: Sequence[Event], units: Sequence[UnitSpec]
) -> subprocess.CompletedProcess[str]:
    """Write the seed's .eml files and import them for real (`python -m cchc import`)."""
    mail_dir.mkdir(parents=True, exist_ok=True)
    for event in seed:
        (mail_dir / f"ev-{event.index:06d}.eml").write_bytes(message(event, units))
    return subprocess.run(
        [sys.executable, "-m", "cchc", "import", "--config", str(config), "--quiet", str(mail_dir)],
        cwd=ROOT,
        env=project_env(),
        capture_output=True,
        text=True,
        check=False,
    )


def checkpoint(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def copy_store(src: Path, dst: Path) -> None:
    """A copy of a checkpointed store (its -wal is empty: the one file is the store)."""
    for suffix in ("-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(src, dst)


FINISH = """
import hashlib, sys
from cchc.app import App
from cchc.core.config import load_config
app = App(load_config(sys.argv[1]))
def digest():
    return {r: hashlib.sha1(f.encode()).digest() for r, f in app.db.conn.execute(
        "SELECT id, facts FROM messages")}
before = digest()
with app.db.conn:  # the clones' indexed sender and match kind, as the store would write them
    app.db.conn.execute(
        "UPDATE messages SET sender = cchc_normalise_address(from_addr), "
        "match_how = json_extract(facts, '$.match.how')"
    )
app.pipeline.matcher.rematch_all()
after = digest()
app.refresh()
app.close()
print(sum(1 for r in before if before[r] != after[r]))
"""


def finish_store(config: Path) -> int:
    """Match every message again and take every decision again with the checkout's code;
    the number of messages whose facts the matching changed (0 for consistent clones)."""
    done = subprocess.run(
        [sys.executable, "-c", FINISH, str(config)],
        cwd=ROOT,
        env=project_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"finishing {config} failed: {done.stderr[-2000:]}")
    return int(done.stdout.strip().splitlines()[-1])


# --- cloning ---------------------------------------------------------------------------------------


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def _rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cur = conn.execute(sql, tuple(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


@dataclass
class Template:
    event: Event
    message: dict[str, Any]
    attachments: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    others: dict[str, list[dict[str, Any]]]  # any other table naming the message


SKIPPED = ("attachments", "findings", "sightings", "verdicts")  # cloned apart, or derived


def _templates(conn: sqlite3.Connection, seed: Sequence[Event]) -> dict[str, Template]:
    others = [
        t
        for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if t not in SKIPPED and "message_ref" in _columns(conn, t)
    ]
    out: dict[str, Template] = {}
    for event in seed:
        if event.kind in out:
            continue
        found = _rows(conn, "SELECT * FROM messages WHERE message_id = ?", (event.message_id,))
        if not found:
            raise RuntimeError(f"the seed's message {event.message_id} is not in the store")
        ref = found[0]["id"]
        out[event.kind] = Template(
            event,
            found[0],
            _rows(conn, "SELECT * FROM attachments WHERE message_ref = ? ORDER BY id", (ref,)),
            _rows(conn, "SELECT * FROM findings WHERE message_ref = ? ORDER BY id", (ref,)),
            {t: _rows(conn, f"SELECT * FROM {t} WHERE message_ref = ?", (ref,)) for t in others},
        )
    return out


def _replacer(
    tpl: Event, event: Event, units: Sequence[UnitSpec]
) -> tuple[re.Pattern[str], dict[str, str]]:
    pairs = {
        PHRASE[tpl.period].format(tpl.year): PHRASE[event.period].format(event.year),
        FILE[tpl.period].format(tpl.year): FILE[event.period].format(event.year),
        sender(tpl, units)[1]: sender(event, units)[1],
        sender(tpl, units)[0]: sender(event, units)[0],
        # the numbers that make strangers' and unknown senders' mail distinct
        f"số {tpl.index}": f"số {event.index}",
        f"THÔN SỐ {tpl.index}": f"THÔN SỐ {event.index}",
        f"_{tpl.index}.docx": f"_{event.index}.docx",
    }
    if tpl.unit is not None and event.unit is not None:
        a, b = units[tpl.unit], units[event.unit]
        pairs.update({a.name: b.name, a.header: b.header, a.file_form: b.file_form})
        pairs[a.code] = b.code
    pairs = {k: v for k, v in pairs.items() if k != v}
    if not pairs:
        return re.compile(r"(?!x)x"), {}
    pattern = re.compile("|".join(re.escape(k) for k in sorted(pairs, key=len, reverse=True)))
    return pattern, pairs


def _rewrite(
    row: dict[str, Any], pattern: re.Pattern[str], pairs: dict[str, str]
) -> dict[str, Any]:
    if not pairs:
        return dict(row)
    return {
        k: pattern.sub(lambda m: pairs[m.group(0)], v) if isinstance(v, str) else v
        for k, v in row.items()
    }


class Inserter:
    """Batched INSERTs of whole rows, by table (the columns of the first row)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.batches: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}

    def add(self, table: str, row: dict[str, Any]) -> None:
        cols, values = self.batches.setdefault(table, (list(row), []))
        values.append(tuple(row[c] for c in cols))

    def flush(self) -> None:
        for table, (cols, values) in self.batches.items():
            marks = ",".join("?" * len(cols))
            self.conn.executemany(
                f"INSERT INTO {table} ({','.join(cols)}) VALUES ({marks})", values
            )
        self.batches.clear()


def clone_events(
    db: Path, archive: Path, todo: Sequence[Event], seed: Sequence[Event], units: Sequence[UnitSpec]
) -> None:
    """Add a clone of the seed's message of the same kind for each event of `todo`."""
    conn = sqlite3.connect(db)
    try:
        templates = _templates(conn, seed)
        next_msg = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM messages").fetchone()[0]
        next_att = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM attachments").fetchone()[0]
        now = datetime.now(UTC).isoformat(timespec="seconds")
        out = Inserter(conn)
        with conn:
            for n, event in enumerate(todo):
                tpl = templates[event.kind]
                ref = next_msg + n
                next_att = _clone_one(out, tpl, event, units, ref, next_att, now, archive)
                if n % 2000 == 1999:
                    out.flush()
            out.flush()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _clone_one(
    out: Inserter,
    tpl: Template,
    event: Event,
    units: Sequence[UnitSpec],
    ref: int,
    next_att: int,
    now: str,
    archive: Path,
) -> int:
    pattern, pairs = _replacer(tpl.event, event, units)
    digest = hashlib.sha256(f"scale-clone:{event.index}".encode()).hexdigest()
    source = f"{archive.parent}/clones/ev-{event.index:06d}.eml"
    msg = _rewrite(tpl.message, pattern, pairs)
    facts = json.loads(msg["facts"])
    if facts.get("period_kind"):
        facts["period_kind"], facts["period_year"] = event.period, event.year
    msg.update(
        id=ref,
        raw_sha256=digest,
        message_id=event.message_id,
        received_at=event.at.isoformat(),
        received_ts=event.at.timestamp(),
        received_from="received",
        date_header=(event.at - timedelta(minutes=3)).isoformat(),
        facts=json.dumps(facts, ensure_ascii=False),
        first_source=source,
        created_at=now,
    )
    out.add("messages", msg)
    atts: dict[int, int] = {}
    for a in tpl.attachments:
        atts[a["id"]] = next_att
        out.add("attachments", _rewrite(a, pattern, pairs) | {"id": next_att, "message_ref": ref})
        next_att += 1
    for f in tpl.findings:
        row = _rewrite(f, pattern, pairs) | {"message_ref": ref}
        row.pop("id", None)
        row["attachment_ref"] = atts.get(f["attachment_ref"]) if f["attachment_ref"] else None
        out.add("findings", row)
    out.add(
        "sightings", {"source": source, "message_ref": ref, "raw_sha256": digest, "seen_at": now}
    )
    for table, rows in tpl.others.items():
        for r in rows:
            row = _rewrite(r, pattern, pairs) | {"message_ref": ref}
            row.pop("id", None)
            out.add(table, row)
    raw = archive / "raw" / digest[:2] / f"{digest}.eml"
    if not raw.exists():
        raw.parent.mkdir(parents=True, exist_ok=True)
        seed_raw = archive / "raw" / tpl.message["raw_sha256"][:2]
        os.link(seed_raw / f"{tpl.message['raw_sha256']}.eml", raw)
    return next_att
