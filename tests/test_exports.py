"""The export files (SPEC §5 `cchc export`), built from the sample year and read back.

The one-stop table is read back by the project's own parser (`parsers.onestop`), so "the
province can use it" is checked the way a unit's table is checked; the compliance matrix is
compared cell by cell with `App.status`; the narrative with the stored section texts.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from casedata import expected
from click.testing import CliRunner

from cchc.app import App
from cchc.cli import cli
from cchc.core.labels import STATUS
from cchc.exports.compliance import build_compliance_xlsx
from cchc.exports.narrative import APPENDIX_TITLE, LABEL_STYLE, build_narrative_docx, heading_text
from cchc.exports.onestop import HEADER_TOP, NO_TABLE, NOT_REPORTED, build_onestop_xlsx
from cchc.exports.period_status import build_period_status_xlsx
from cchc.exports.style import safe
from parsers.onestop import load_spec, parse_onestop
from parsers.outline import load_outline
from parsers.sheets import read_grids

PERIODS = ["2024-Q1", "2024-H1", "2024-Q3", "2024-Y"]
SPEC = load_spec()
COUNT_KEYS = [c.key for c in SPEC.columns if c.numeric and not c.percent]
AT = datetime.fromisoformat(expected()["at"])


# --- oracle: what each unit sent, from the public submissions JSON -------------------------


def _latest_table_rows(app: App, period: str) -> dict[str, list[dict[str, Any]]]:
    """unit -> the rows of its latest one-stop table (SPEC §3), spreadsheets before Word."""
    out: dict[str, list[dict[str, Any]]] = {}
    for sub in app.submissions(period):  # arrival order
        files = [a for a in sub["attachments"] if a["onestop"] is not None]
        if files:
            sheets = [a for a in files if a["kind"] == "onestop"]
            out[sub["unit"]] = [r for a in (sheets or files) for r in a["onestop"]]
    return out


def _sum(rows: list[dict[str, Any]]) -> dict[str, float]:
    return {k: sum(float(r.get(k) or 0) for r in rows) for k in COUNT_KEYS}


def _per_mechanism(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by[r["mechanism"]].append(r)
    if "all" in by and len(by) > 1:
        by["mot_cua"] += by.pop("all")
    return {m: _sum(rs) for m, rs in by.items()}


def _numbers(row: dict[str, Any]) -> dict[str, float]:
    return {k: float(row.get(k) or 0) for k in COUNT_KEYS}


def _names(app: App) -> dict[str, str]:
    return {u.code: u.name for u in app.units}


@pytest.fixture(scope="module")
def onestop_files(case_app: App) -> dict[str, bytes]:
    return {p: build_onestop_xlsx(case_app, p, AT) for p in PERIODS}


# --- one-stop -------------------------------------------------------------------------------


@pytest.mark.parametrize("period", PERIODS)
def test_onestop_export_read_back_gives_each_units_numbers(
    case_app: App, onestop_files: dict[str, bytes], period: str
) -> None:
    """GIVEN the sample year WHEN a period's Phụ lục 2 is exported and read back by the
    project's one-stop parser THEN every commune's lines, the district line and every
    district unit's line (detail sheet) carry exactly the numbers the unit sent."""
    grids = read_grids(onestop_files[period], "xlsx")
    main, detail = parse_onestop(grids), parse_onestop([grids[1]])
    assert main is not None and main.sheet == 0 and detail is not None
    sent = _latest_table_rows(case_app, period)
    names = _names(case_app)
    groups = {u.code: u.group for u in case_app.units}

    read: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    for row in main.rows:
        read[row["unit_name"]][row["mechanism"]] = _numbers(row)
    detail_read = {row["unit_name"]: _numbers(row) for row in detail.rows}

    communes = {c: rows for c, rows in sent.items() if groups[c] == "xa"}
    assert communes, "the sample period has commune tables"
    for code, rows in communes.items():
        assert read[names[code]] == _per_mechanism(rows), code
    huyen_rows = [r for c, rows in sent.items() if groups[c] == "huyen" for r in rows]
    district = [name for name in read if name not in {names[c] for c in communes}]
    assert len(district) == 1
    district_total = {k: sum(v[k] for v in read[district[0]].values()) for k in COUNT_KEYS}
    assert district_total == _sum(huyen_rows)
    for code, rows in sent.items():
        if groups[code] == "huyen":
            assert detail_read[names[code]] == _sum(rows), code
    assert len(detail_read) == sum(1 for c in sent if groups[c] == "huyen")


@pytest.mark.parametrize("period", PERIODS)
def test_onestop_export_totals_pass_every_check_on_read_back(
    onestop_files: dict[str, bytes], period: str
) -> None:
    """GIVEN the exported table WHEN its totals are checked by the parser THEN no total and no
    rate fails; the only findings left are the units' own row mistakes, each named in Ghi chú."""
    grids = read_grids(onestop_files[period], "xlsx")
    for grid in grids:
        parsed = parse_onestop([grid])
        assert parsed is not None
        codes = {f.code for f in parsed.findings}
        assert not codes & {"onestop.totals", "onestop.rate"}, [f.message for f in parsed.findings]
        flagged = {r["unit_name"] for r in parsed.rows if "lỗi" in (r.get("note") or "")}
        flagged |= {t["unit_name"] for t in parsed.totals if "lỗi" in (t.get("note") or "")}
        for f in parsed.findings:
            assert f.detail["row"].split(" (")[0] in flagged, f.message
        # the grand total is the last total and the sum of every data line
        grand = parsed.totals[-1]
        assert grand["unit_name"] == "TỔNG CỘNG"
        assert _numbers(grand) == _sum(parsed.rows)


def test_onestop_export_layout_is_the_directives(
    case_app: App, onestop_files: dict[str, bytes]
) -> None:
    """The document's head, the title with the period in words, the two-row merged header in
    onestop.toml's order, groups II and III, Times New Roman, borders, landscape A4 fitted to
    the page width."""
    wb = openpyxl.load_workbook(io.BytesIO(onestop_files["2024-Q1"]))
    ws = wb["Phụ lục 2"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][0] == "PHÒNG NỘI VỤ" and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in values[0]
    assert values[HEADER_TOP - 5][0] == "Phụ lục 2"
    title = values[HEADER_TOP - 4][0]
    assert title == "KẾT QUẢ THỰC HIỆN CƠ CHẾ MỘT CỬA, MỘT CỬA LIÊN THÔNG QUÝ I NĂM 2024"
    header_top, header_bottom = values[HEADER_TOP - 1], values[HEADER_TOP]
    assert header_top[3] == "Số hồ sơ" and header_bottom[3:5] == ["Tồn trước", "Tiếp nhận mới"]
    assert header_top[5] == "Số hồ sơ đã giải quyết" and header_bottom[8] == "%"
    labels = [c.headers[0] if c.headers else "Khác" for c in SPEC.columns]
    assert [
        top if top and not c.parent else bottom  # a merged cell shows in its first row
        for c, top, bottom in zip(SPEC.columns, header_top, header_bottom, strict=True)
    ] == labels
    merged = {str(r) for r in ws.merged_cells.ranges}
    top, bottom = HEADER_TOP, HEADER_TOP + 1
    assert {
        f"D{top}:E{top}",
        f"F{top}:I{top}",
        f"L{top}:M{top}",
        f"A{top}:A{bottom}",
        f"B{top}:B{bottom}",
        f"O{top}:O{bottom}",
    } <= merged
    stt = [row[0] for row in values]
    assert "II" in stt and "III" in stt and stt.index("II") < stt.index("III")
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert int(ws.page_setup.paperSize) == 9 and ws.sheet_properties.pageSetUpPr.fitToPage
    body = [ws.cell(row=r, column=c) for r in range(top + 3, top + 7) for c in range(1, 16)]
    assert all(cell.font.name == "Times New Roman" for cell in body)
    assert all(
        cell.border.left.style == "thin" and cell.border.bottom.style == "thin" for cell in body
    )
    assert ws.column_dimensions["B"].width > ws.column_dimensions["D"].width


def test_onestop_export_notes_units_without_report_or_table(
    case_app: App, onestop_files: dict[str, bytes]
) -> None:
    """GIVEN 2024-Q1, where Phòng Nông nghiệp sent nothing and several communes sent only the
    narrative THEN their lines are empty and say why in Ghi chú; a failed check is noted."""
    names = _names(case_app)
    status = {u["unit"]: u["status"] for u in case_app.status("2024-Q1", AT)["units"]}
    sent = _latest_table_rows(case_app, "2024-Q1")
    wb = openpyxl.load_workbook(io.BytesIO(onestop_files["2024-Q1"]))
    lines = {row[1]: row for ws in wb for row in ws.iter_rows(values_only=True) if row[1]}
    for code, state in status.items():
        row = lines[names[code]]
        if state == "missing":
            assert row[-1] == NOT_REPORTED and all(v is None for v in row[2:-1])
        elif code not in sent:
            assert row[-1] == NO_TABLE and all(v is None for v in row[2:-1])
    assert status["nong-nghiep-ptnt"] == "missing"
    assert "Biểu đơn vị gửi có lỗi: có số âm" in lines[names["tai-nguyen-moi-truong"]][-1]


def test_onestop_export_uses_a_table_sent_alone_in_a_correction(
    case_app: App, onestop_files: dict[str, bytes]
) -> None:
    """SPEC §3: Đắk Môl sent its narrative, then its table alone: the table is exported."""
    sent = _latest_table_rows(case_app, "2024-H1")
    assert "xa-dak-mol" in sent
    parsed = parse_onestop(read_grids(onestop_files["2024-H1"], "xlsx"))
    assert parsed is not None
    mine = [r for r in parsed.rows if r["unit_name"] == _names(case_app)["xa-dak-mol"]]
    assert {r["mechanism"]: _numbers(r) for r in mine} == _per_mechanism(sent["xa-dak-mol"])


# --- compliance -----------------------------------------------------------------------------


def _when(iso: str | None) -> str | None:
    return datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M") if iso else None


def _table_rows(ws: Any) -> tuple[int, list[tuple[Any, ...]]]:
    """(the header row's number, the rows under it), the header being the row with "STT"."""
    rows = list(ws.iter_rows(values_only=True))
    top = next(i for i, row in enumerate(rows) if row[0] == "STT")
    return top + 1, rows[top + 1 :]


def test_compliance_export_agrees_with_status_for_every_period(case_app: App) -> None:
    """Each unit's status word, arrival time and number of corrections for every period are
    `cchc status`'s; the colours follow the status; no Message-ID in the matrix."""
    wb = openpyxl.load_workbook(io.BytesIO(build_compliance_xlsx(case_app, 2024, AT)))
    ws = wb["Theo dõi nộp báo cáo"]
    top, below = _table_rows(ws)
    rows = {row[1]: row for row in below if isinstance(row[0], int)}
    assert len(rows) == len(case_app.units)
    message_ids = set()
    for i, period in enumerate(PERIODS):
        status = case_app.status(period, AT)
        first = 2 + i * 3
        for u in status["units"]:
            row = rows[u["name"]]
            assert row[first] == STATUS[u["status"]], (period, u["unit"])
            assert row[first + 1] == _when(u["received_at"])
            assert row[first + 2] == (u["corrections"] if u["received_at"] else None)
            message_ids.add(u["message_id"])
        assert ws.cell(row=top, column=first + 1).value.startswith(("Quý", "6 tháng", "Năm"))
    cells = {str(c.value) for row in ws.iter_rows() for c in row if c.value is not None}
    assert not any(m in text for m in message_ids - {None} for text in cells)
    fills = {
        ws.cell(row=r, column=3).value: ws.cell(row=r, column=3).fill.fgColor.rgb
        for r in range(top + 2, top + 2 + len(rows))
    }
    assert fills["Đúng hạn"] != fills["Trễ hạn"] != fills["Chưa nộp"]


def test_compliance_matrix_counts_each_group_and_period(case_app: App) -> None:
    """Under each group and at the end, the counts of each status per period, as `cchc status`
    has them; the legend names every status."""
    wb = openpyxl.load_workbook(io.BytesIO(build_compliance_xlsx(case_app, 2024, AT)))
    ws = wb["Theo dõi nộp báo cáo"]
    _top, below = _table_rows(ws)
    counts = {
        row[1]: row for row in below if row[1] in ("Cộng nhóm I", "Cộng nhóm II", "TỔNG CỘNG")
    }
    groups = {"Cộng nhóm I": "huyen", "Cộng nhóm II": "xa", "TỔNG CỘNG": None}
    for i, period in enumerate(PERIODS):
        units = case_app.status(period, AT)["units"]
        for label, group in groups.items():
            chosen = [u for u in units if group is None or u["group"] == group]
            want = {
                STATUS[s]: sum(1 for u in chosen if u["status"] == s)
                for s in STATUS
                if any(u["status"] == s for u in chosen)
            }
            text = counts[label][2 + i * 3]
            got = dict(line.split(": ") for line in text.splitlines())
            assert {k: int(v) for k, v in got.items()} == want, (period, label)
    legend = {c.value for row in ws.iter_rows() for c in row if c.value}
    assert set(STATUS.values()) | {"Không phải báo cáo", "Chú thích:"} <= legend


def test_compliance_evidence_lists_every_report_with_its_hash_and_archive_file(
    case_app: App,
) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(build_compliance_xlsx(case_app, 2024, AT)))
    ws = wb["Danh sách báo cáo đã nhận"]
    _top, rows = _table_rows(ws)
    reports = [r for r in rows if r[0] is not None]
    counted = [s for p in PERIODS for s in case_app.submissions(p)]
    assert sorted(r[9] for r in reports) == sorted(s["message_id"] for s in counted)
    files = {(r[9], r[7]): r for r in rows if r[0] is None}
    for s in counted:
        for a in s["attachments"]:
            name = (
                a["filename"]
                if not a.get("container")
                else f"{a['filename']} (trong {a['container']})"
            )
            row = files[(s["message_id"], safe(name))]  # control characters shown as U+FFFD
            assert row[10] == a["sha256"]
    root = case_app.archive.root
    for r in rows:  # every line points at the stored bytes it names
        assert hashlib.sha256((root / r[11]).read_bytes()).hexdigest() == r[10], r
    mono = {ws.cell(row=_top + 1, column=c).font.name for c in (10, 11, 12)}
    assert mono == {"Courier New"}


def test_period_status_export_for_escalations_lists_every_unit(case_app: App) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(build_period_status_xlsx(case_app, "2024-Q3", AT)))
    ws = wb.active
    status = case_app.status("2024-Q3", AT)
    rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if isinstance(r[0], int)]
    assert [(r[1], r[3]) for r in rows] == [
        (u["name"], STATUS[u["status"]]) for u in status["units"]
    ]
    assert "BÁO CÁO QUÝ III NĂM 2024" in ws["A1"].value and "18/08/2024" in ws["A2"].value


# --- narrative ------------------------------------------------------------------------------


def _stored_sections(app: App, message_id: str) -> dict[str, str]:
    """The section texts the outline parser stored for one message (read-only query)."""
    out: dict[str, str] = {}
    for (outline,) in app.db.conn.execute(
        """SELECT a.outline FROM attachments a JOIN messages m ON m.id = a.message_ref
           WHERE m.message_id = ? AND a.outline IS NOT NULL ORDER BY a.position""",
        (message_id,),
    ):
        for sid, text in json.loads(outline).get("sections", {}).items():
            if text.strip():
                out[sid] = f"{out[sid]}\n{text.strip()}" if sid in out else text.strip()
    return out


def _read_narrative(data: bytes) -> tuple[list[str], dict[str, dict[str, str]]]:
    """(headings in order, heading -> unit label -> text under it)."""
    doc = docx.Document(io.BytesIO(data))
    headings: list[str] = []
    under: dict[str, dict[str, list[str]]] = {}
    label: str | None = None
    for p in doc.paragraphs:
        if p.style.name.startswith("Heading"):
            headings.append(p.text)
            under[p.text] = {}
            label = None
        elif p.style.name == LABEL_STYLE:
            label = p.text.rstrip(":")
            under[headings[-1]][label] = []
        elif label is not None and p.text.strip():
            under[headings[-1]][label].append(p.text)
    return headings, {h: {u: "\n".join(t) for u, t in d.items()} for h, d in under.items()}


@pytest.mark.parametrize("period", ["2024-Q1", "2024-H1"])
def test_narrative_has_every_heading_in_order_and_each_units_text_under_it(
    case_app: App, period: str
) -> None:
    outline = load_outline()
    headings, under = _read_narrative(build_narrative_docx(case_app, period, AT))
    assert headings == [heading_text(s) for s in outline.sections] + [APPENDIX_TITLE]
    names = _names(case_app)
    latest: dict[str, str] = {}
    for sub in case_app.submissions(period):
        if any(a["outline"] for a in sub["attachments"]):
            latest[sub["unit"]] = sub["message_id"]
    assert latest
    for code, message_id in latest.items():
        sections = _stored_sections(case_app, message_id)
        for section in outline.sections:
            got = under[heading_text(section)].get(names[code])
            want = sections.get(section.id)
            want = (
                "\n".join(line.strip() for line in want.splitlines() if line.strip())
                if want
                else None
            )
            assert got == want, (code, section.id)


def test_narrative_keeps_the_first_reports_text_when_a_table_follows_alone(case_app: App) -> None:
    """SPEC §3: Đắk Môl's H1 narrative came first, its table alone later: the text stays."""
    _, under = _read_narrative(build_narrative_docx(case_app, "2024-H1", AT))
    name = _names(case_app)["xa-dak-mol"]
    assert any(name in by_unit for by_unit in under.values())


def test_narrative_appendix_lists_units_and_their_missing_sections(case_app: App) -> None:
    doc = docx.Document(io.BytesIO(build_narrative_docx(case_app, "2024-Q1", AT)))
    (table,) = [t for t in doc.tables if t.rows[0].cells[0].text == "STT"]
    rows = {r.cells[1].text: r.cells[4].text for r in table.rows[1:]}
    names = _names(case_app)
    assert len(rows) == len(case_app.status("2024-Q1", AT)["units"])
    assert rows[names["lao-dong-tbxh"]].splitlines() == [
        "V.2. Tồn tại, hạn chế",
        "VI. Phương hướng, nhiệm vụ trong quý hoặc năm tới",
    ]
    assert rows[names["nong-nghiep-ptnt"]] == "Chưa báo cáo"
    assert (
        rows[names["noi-vu"]] == "Đủ các mục bắt buộc"
    )  # its correction, not the unreadable first


# --- command line ---------------------------------------------------------------------------


def test_export_commands_write_their_files(case_app: App, tmp_path: Path) -> None:
    config = str(case_app.config.path)
    runner = CliRunner()
    for args, name in (
        (["onestop", "--period", "2024-Q1"], "pl2.xlsx"),
        (["compliance", "--year", "2024"], "kc.xlsx"),
        (["narrative", "--period", "2024-Q1"], "th.docx"),
        (["proposal", "--year", "2024"], "dx.docx"),
        (["proposal", "--year", "2024", "--period", "2024-Q3"], "dx-q3.docx"),
    ):
        out = tmp_path / name
        result = runner.invoke(cli, ["export", *args, "--config", config, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000 and str(out) in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["onestop", "--period", "2024-Q4"],
        ["narrative", "--period", "Q1-2024"],
        ["compliance", "--year", "twenty"],
        ["compliance", "--year", "1999"],
    ],
)
def test_export_commands_refuse_a_bad_period_or_year_in_one_line(
    case_app: App, tmp_path: Path, args: list[str]
) -> None:
    out = tmp_path / ("x.docx" if args[0] == "narrative" else "x.xlsx")
    result = CliRunner().invoke(
        cli, ["export", *args, "--config", str(case_app.config.path), "-o", str(out)]
    )
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and args[-1] in result.output
    assert not out.exists()


def test_exports_of_an_empty_store_say_nobody_reported(app: App, tmp_path: Path) -> None:
    """A fresh store: every unit's line is empty and says "Chưa báo cáo"; totals stay blank."""
    parsed = read_grids(build_onestop_xlsx(app, "2025-Q1", AT), "xlsx")
    notes = [
        row[-1] for row in parsed[0] if row[0] not in (None, "II", "III") and str(row[0]).isdigit()
    ]
    assert notes and all(n == NOT_REPORTED for n in notes[1:])  # [0] is the district line
    assert parse_onestop(parsed) is None or not parse_onestop(parsed).rows
    _, under = _read_narrative(build_narrative_docx(app, "2025-Q1", AT))
    assert all(not by_unit for by_unit in under.values())


def test_a_configured_district_unit_gives_group_ii_its_own_table(tmp_path: Path) -> None:
    """`[export] district_unit`: the district line is that unit's table, not the sum."""
    from casedata import CASE
    from conftest import write_config

    from cchc.core.config import load_config
    from cchc.core.periods import parse_period
    from cchc.exports.onestop import collect
    from cchc.importer import import_paths

    files = [
        CASE / "messages" / n
        for n in ("024-vp-hdnd-ubnd-q1.eml", "014-tai-nguyen-moi-truong-q1.eml")
    ]
    results = {}
    for chosen in ("", "vp-hdnd-ubnd"):
        folder = tmp_path / (chosen or "sum")
        folder.mkdir()
        extra = f'[export]\ndistrict_unit = "{chosen}"\n' if chosen else ""
        app = App(load_config(write_config(folder, extra=extra)))
        import_paths(app, files)
        data = collect(
            app, parse_period("2024-Q1"), datetime.fromisoformat("2024-03-01T00:00:00+07:00")
        )
        district = data.sections[0]  # the seed's section II: the huyen units summed
        results[chosen] = (
            district.blocks[0].total,
            {b.units[0]: b.total for b in district.detail if b.lines},
        )
        app.close()
    summed, per_unit = results[""]
    own, _ = results["vp-hdnd-ubnd"]
    assert own == per_unit["vp-hdnd-ubnd"]
    assert summed != own and summed["received"] == sum(t["received"] for t in per_unit.values())


def test_an_unknown_district_unit_is_one_line_exit_2(tmp_path: Path) -> None:
    from conftest import write_config

    config = write_config(tmp_path, extra='[export]\ndistrict_unit = "khong-co"\n')
    result = CliRunner().invoke(
        cli,
        [
            "export",
            "onestop",
            "--config",
            str(config),
            "--period",
            "2024-Q1",
            "-o",
            str(tmp_path / "x.xlsx"),
        ],
    )
    assert result.exit_code == 2 and "export.district_unit" in result.output
