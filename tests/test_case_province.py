"""Acceptance on `province-2026`: a province's Sở Nội vụ under the `province-2026` profile
(SPEC §9) — its calendar ("03-14 +2wd", `deadline = "by"`, days off moved), its outline and
one-stop templates (the `channels` check), its groups `so` and `xa` — against expected.json."""

from __future__ import annotations

from pathlib import Path

import pytest
from casedata import PROVINCE, attachment_mismatches, province_config, province_expected

from cchc.app import App
from cchc.cli.base import parse_moment

CASE = PROVINCE
EXP = province_expected()
__all__ = ["CASE", "EXP", "province_config"]  # test_profile_change imports them from here


def _by_file(app: App) -> dict[str, dict]:
    return {Path(m["source"]).name: m for m in app.messages()}


@pytest.mark.parametrize("entry", EXP["messages"], ids=lambda e: Path(e["file"]).stem)
def test_every_message_gets_its_expected_disposition(province_app: App, entry: dict) -> None:
    got = _by_file(province_app)[Path(entry["file"]).name]
    fields = ("disposition", "match", "reason", "unit", "period")
    assert {k: got[k] for k in fields} == entry["expect"]
    assert got["message_id"] == entry["message_id"]
    assert got["received_at"] == entry["received_at"]


@pytest.mark.parametrize("period", sorted(EXP["status"]))
def test_status_agrees_with_expected_for_every_unit(province_app: App, period: str) -> None:
    data = province_app.status(period, parse_moment(EXP["at"], province_app.tz))
    assert data["due_at"] == EXP["due"][period]
    assert data["due_rule"] == dict(province_app.config.calendar.due)[period.split("-")[1]]
    got = {
        u["unit"]: {
            k: u[k] for k in ("status", "received_at", "message_id", "corrections", "match")
        }
        for u in data["units"]
    }
    assert got == EXP["status"][period]


def test_review_queue_lists_exactly_the_expected_items(province_app: App) -> None:
    got = sorted((r["message_id"], r["reason"]) for r in province_app.review())
    assert got == sorted((r["message_id"], r["reason"]) for r in EXP["review"])


def test_every_attachment_is_read_as_expected(province_app: App) -> None:
    """Kinds, the profile's outline sections missing, the profile's one-stop rows and checks."""
    checked, wrong = attachment_mismatches(province_app.submissions(), EXP)
    assert wrong == []
    assert checked >= 60


def test_the_consolidated_table_follows_the_profiles_groups_and_template(
    province_app: App,
) -> None:
    """Sections I (Sở, ban, ngành) and II (UBND xã, phường) from `[[groups]]`, one line per
    unit, the template's columns (the channel split) and checks: the file reads back clean."""
    import io

    import openpyxl

    from cchc.exports.onestop import build_onestop_xlsx, collect
    from parsers.onestop import parse_onestop

    at = parse_moment(EXP["at"], province_app.tz)
    data = build_onestop_xlsx(province_app, "2026-Q1", at)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    labels = [(r[0], r[1]) for r in cells if r[0] in ("I", "II")]
    assert labels == [("I", "Sở, ban, ngành"), ("II", "UBND xã, phường")]
    head = [str(r[0]) for r in cells[:8]]  # the document's head and titles, above the table
    assert head[0] == "UBND TỈNH LÂM ĐỒNG" and head[1] == "SỞ NỘI VỤ"
    assert any("UBND tỉnh Lâm Đồng" in line for line in head)
    parsed = parse_onestop([cells], province_app.specs.onestop)
    assert parsed is not None
    assert not [f.code for f in parsed.findings if f.code == "onestop.totals"]
    figures = collect(province_app, province_app.period("2026-Q1"), at)
    with_figures = {b.name for s in figures.sections for b in s.blocks if b.lines}
    assert len(with_figures) >= 5 and {r["unit_name"] for r in parsed.rows} == with_figures
    assert "received_online" in parsed.columns and "received_direct" in parsed.columns


def test_every_export_of_the_profile_builds(province_app: App) -> None:
    from cchc.exports.compliance import build_compliance_xlsx
    from cchc.exports.narrative import build_narrative_docx

    at = parse_moment(EXP["at"], province_app.tz)
    assert build_compliance_xlsx(province_app, 2026, at)[:2] == b"PK"
    assert build_narrative_docx(province_app, "2026-Y", at)[:2] == b"PK"
