"""Changing the profile on a live store (issue 11, item 6): a new calendar takes effect at once
from the stored facts; new templates are applied by `cchc recheck`; nothing is lost."""

from __future__ import annotations

from pathlib import Path

from casedata import CASE
from click.testing import CliRunner
from conftest import write_config
from test_case_province import CASE as PROVINCE
from test_case_province import EXP as PROVINCE_EXP
from test_case_province import province_config

from cchc.app import App
from cchc.cli import cli
from cchc.core.config import load_config
from cchc.importer import import_paths
from store import read

Q1_FILES = sorted((CASE / "messages").glob("0[0-2]*-q1*.eml"))


def _statuses(app: App, period: str, at: str) -> dict[str, str]:
    from cchc.cli import parse_moment

    return {u["unit"]: u["status"] for u in app.status(period, parse_moment(at, app.tz))["units"]}


def test_a_new_due_rule_takes_effect_at_the_next_start_without_reading_mail_again(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path)
    app = App(load_config(config))
    import_paths(app, Q1_FILES)
    before = _statuses(app, "2024-Q1", "2024-12-20T08:00:00+07:00")
    attachment_ids = sorted(
        a["id"] for atts in read.attachments(app.db, range(1, 999)).values() for a in atts
    )
    app.close()
    assert "late" in before.values()

    text = config.read_text(encoding="utf-8")
    config.write_text(
        text + '[calendar]\ndeadline = "by"\n[calendar.due]\nQ1 = "03-14 +2wd"\n', encoding="utf-8"
    )
    app = App(load_config(config))
    try:
        data = app.status("2024-Q1", None)
        assert data["due_rule"] == "03-14 +2wd" and data["due_at"] == "2024-03-19T00:00:00+07:00"
        after = _statuses(app, "2024-Q1", "2024-12-20T08:00:00+07:00")
        moved = {u for u in before if before[u] == "late" and after[u] == "on_time"}
        assert moved, "a report late under the old rule is on time under the new one"
        still = sorted(
            a["id"] for atts in read.attachments(app.db, range(1, 999)).values() for a in atts
        )
        assert still == attachment_ids  # nothing was parsed again
    finally:
        app.close()


def test_recheck_applies_new_templates_to_the_stored_attachments(tmp_path: Path) -> None:
    """GIVEN the province's mail read with the seed's templates WHEN the profile's templates
    are configured and `cchc recheck` runs THEN every attachment reads as expected.json says,
    with the same messages and the same archive."""
    seed_templates = province_config(tmp_path)
    text = seed_templates.read_text(encoding="utf-8")
    seed_only = text.replace('outline = "', '# outline = "').replace('onestop = "', '# onestop = "')
    seed_templates.write_text(seed_only, encoding="utf-8")
    files = sorted((PROVINCE / "messages").glob("*.eml"))[:30]
    app = App(load_config(seed_templates))
    import_paths(app, files)
    kinds_before = {a["sha256"]: a for s in app.submissions() for a in s["attachments"]}
    messages_before = app.messages()
    app.close()
    archive_before = sorted(p.name for p in (tmp_path / "archive").rglob("*") if p.is_file())

    seed_templates.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["recheck", "--config", str(seed_templates), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Đã đọc lại 30 thư" in result.output

    app = App(load_config(seed_templates))
    try:
        got = {a["sha256"]: a for s in app.submissions() for a in s["attachments"]}
        assert app.messages() == messages_before
        expected = {
            a["sha256"]: a
            for m in PROVINCE_EXP["messages"]
            if any(m["file"].endswith(f.name) for f in files)
            and m["expect"]["disposition"] in ("counted", "correction")
            for a in m["attachments"]
            if "outline_missing" in a
        }
        assert expected
        changed = 0
        for sha, exp in expected.items():
            assert sorted(got[sha]["outline"]["missing"]) == sorted(exp["outline_missing"])
            changed += kinds_before[sha]["outline"] != got[sha]["outline"]
        assert changed, "the seed's outline read some reports differently"
    finally:
        app.close()
    archive_after = sorted(p.name for p in (tmp_path / "archive").rglob("*") if p.is_file())
    assert archive_after == archive_before


def test_a_template_with_an_error_stops_at_start_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "outline.toml"
    bad.write_text('[[section]]\nid = "I"\n', encoding="utf-8")  # no title
    config = write_config(tmp_path, extra=f'[templates]\noutline = "{bad}"\n')
    result = CliRunner().invoke(cli, ["status", "--config", str(config), "--period", "2024-Q1"])
    assert result.exit_code == 2 and str(bad) in result.output and "section[0]" in result.output
    assert len(result.output.strip().splitlines()) == 1
