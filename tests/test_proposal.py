"""`cchc export proposal` (issue 13): the draft report on units that reported late or not at
all, with a proposal for each — checked against the cases' expected.json, read back from the
.docx as a reader sees it."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import docx
import pytest
from casedata import expected, province_expected
from click.testing import CliRunner

from cchc.app import App
from cchc.cli import cli
from cchc.core.labels import MEASURE, STATUS
from cchc.exports.proposal import TABLE_COLUMNS, build_proposal_docx
from cchc.exports.proposal_figures import late_text

EXP = expected()
AT = datetime.fromisoformat(EXP["at"])


def _read(data: bytes) -> tuple[list[str], list[list[str]]]:
    """(the paragraphs, the rows of the late/missing table, group headings included)."""
    doc = docx.Document(io.BytesIO(data))
    (table,) = [t for t in doc.tables if t.rows[0].cells[0].text == "STT"]
    header = [c.text for c in table.rows[0].cells]
    assert header == [h for h, _w in TABLE_COLUMNS]
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    return [p.text for p in doc.paragraphs], rows


def _expected_breaches(app: App, exp: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    """(unit name, period heading, arrival dd/mm/yyyy HH:MM or "", status word) of every late
    or missing unit-period in expected.json."""
    names = app.unit_names()
    out = set()
    for pid, units in exp["status"].items():
        period = app.period(pid)
        for code, u in units.items():
            if u["status"] in ("late", "missing"):
                when = u["received_at"]
                shown = datetime.fromisoformat(when).strftime("%d/%m/%Y %H:%M") if when else ""
                out.add((names[code], period.short_with_year, shown, STATUS[u["status"]]))
    return out


def _listed(rows: list[list[str]]) -> set[tuple[str, str, str, str]]:
    out = set()
    for _stt, unit, period, _due, when, state in (r for r in rows if r[0].isdigit()):
        word = STATUS["late"] if state.startswith(STATUS["late"]) else state
        out.add((unit, period, when, word))
    return out


@pytest.fixture(scope="module")
def proposal_2024(case_app: App) -> tuple[list[str], list[list[str]]]:
    return _read(build_proposal_docx(case_app, 2024, None, AT))


def test_the_proposal_lists_exactly_the_late_and_missing_unit_periods(
    case_app: App, proposal_2024: tuple[list[str], list[list[str]]]
) -> None:
    """GIVEN the daksong-2024 case at expected.json's moment WHEN the 2024 proposal is drafted
    THEN its table lists every late and every missing unit-period, with its arrival time, and
    nothing else."""
    _paragraphs, rows = proposal_2024
    want = _expected_breaches(case_app, EXP)
    assert len(want) == 20
    assert _listed(rows) == want
    assert len([r for r in rows if r[0].isdigit()]) == len(want)


def test_the_proposal_says_how_late_each_report_came(
    case_app: App, proposal_2024: tuple[list[str], list[list[str]]]
) -> None:
    _paragraphs, rows = proposal_2024
    vp = [r for r in rows if r[1] == "Văn phòng HĐND và UBND huyện" and r[2] == "Quý I 2024"]
    # received 00:30:10 on 18 Feb, due 00:00 on 18 Feb
    assert vp[0][3] == "trước 00:00 ngày 18/02/2024" and vp[0][5] == "Trễ hạn 30 phút"
    assert late_text(timedelta(days=2, hours=5, minutes=59)) == "2 ngày 5 giờ"
    assert late_text(timedelta(days=3)) == "3 ngày"
    assert late_text(timedelta(hours=7, minutes=1)) == "7 giờ"


def test_the_summary_counts_the_late_and_missing_and_the_units_always_on_time(
    case_app: App, proposal_2024: tuple[list[str], list[list[str]]]
) -> None:
    paragraphs, _rows = proposal_2024
    late = sum(1 for p in EXP["status"].values() for u in p.values() if u["status"] == "late")
    missing = sum(1 for p in EXP["status"].values() for u in p.values() if u["status"] == "missing")
    text = "\n".join(paragraphs)
    assert f"Trong năm 2024 có {late} lượt đơn vị nộp trễ hạn, {missing} lượt không nộp" in text
    always = {
        code
        for code in case_app.unit_names()
        if all(EXP["status"][p].get(code, {}).get("status") == "on_time" for p in EXP["status"])
    }
    names = case_app.unit_names()
    start = paragraphs.index("2. Các đơn vị gửi báo cáo đúng hạn tất cả các kỳ")
    end = paragraphs.index("II. ĐỀ XUẤT")
    on_time_lines = paragraphs[start + 1 : end]
    assert [line.split(" (")[0] for line in on_time_lines] == [
        "- Phòng, ban, đơn vị thuộc huyện",
        "- UBND các xã, thị trấn",
    ]
    listed = {n.strip(" .") for line in on_time_lines for n in line.split("):", 1)[1].split(",")}
    assert listed == {names[c] for c in always}


def test_each_non_compliant_unit_gets_a_proposal_with_its_record(
    case_app: App, proposal_2024: tuple[list[str], list[list[str]]]
) -> None:
    paragraphs, _rows = proposal_2024
    after = paragraphs[next(i for i, p in enumerate(paragraphs) if p == "II. ĐỀ XUẤT") :]
    names = case_app.unit_names()
    for code in {
        c for p in EXP["status"].values() for c, u in p.items() if u["status"] != "on_time"
    }:
        (line,) = [p for p in after if p.startswith(f"- {names[code]}:")]
        statuses = {p[code]["status"] for p in EXP["status"].values() if code in p}
        assert MEASURE["missing" if "missing" in statuses else "late"] in line, line
    (noi_vu,) = [p for p in after if p.startswith("- Văn phòng HĐND và UBND huyện:")]
    assert "nhận lúc 18/02/2024 00:30, trễ 30 phút" in noi_vu


def test_one_period_lists_only_that_periods_breaches(case_app: App) -> None:
    _paragraphs, rows = _read(build_proposal_docx(case_app, 2024, "2024-Q3", AT))
    assert {r[2] for r in rows if r[0].isdigit()} == {"Quý III 2024"}
    assert len([r for r in rows if r[0].isdigit()]) == 6


def test_names_and_headings_come_from_the_profile(province_app: App) -> None:
    """GIVEN the province-2026 profile THEN the document is Sở Nội vụ's to UBND tỉnh Lâm Đồng,
    its groups are the profile's, its signer the Giám đốc; no district anywhere."""
    exp = province_expected()
    at = datetime.fromisoformat(exp["at"])
    doc = docx.Document(io.BytesIO(build_proposal_docx(province_app, 2026, None, at)))
    head = [c.text for c in doc.tables[0].rows[0].cells]
    assert head[0].splitlines()[:2] == ["UBND TỈNH LÂM ĐỒNG", "SỞ NỘI VỤ"]
    assert "Lâm Đồng, ngày … tháng … năm …" in head[1]
    paragraphs, rows = _read(build_proposal_docx(province_app, 2026, None, at))
    assert "Kính gửi: Ủy ban nhân dân tỉnh Lâm Đồng." in paragraphs
    assert [r[0] for r in rows if not r[0].isdigit()] == ["Sở, ban, ngành", "UBND xã, phường"]
    assert _listed(rows) == _expected_breaches(province_app, exp)
    signer = doc.tables[-1].rows[0].cells[1].text
    assert signer.strip() == "GIÁM ĐỐC"
    everything = "\n".join(paragraphs) + "\n".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells
    )
    assert "huyện" not in everything.lower()


def test_the_command_writes_the_proposal_and_refuses_a_period_of_another_year(
    case_app: App, tmp_path: Path
) -> None:
    config = str(case_app.config.path)
    out = tmp_path / "de-xuat.docx"
    args = ["export", "proposal", "--config", config, "--year", "2024", "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:2] == b"PK" and str(out) in result.output
    bad = tmp_path / "x.docx"
    result = CliRunner().invoke(
        cli,
        ["export", "proposal", "--config", config, "--year", "2024", "--period", "2025-Q1"]
        + ["-o", str(bad)],
    )
    assert result.exit_code == 2 and "2025-Q1" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not bad.exists()
