"""Acceptance on the sample year `daksong-2024`: what expected.json says the service concludes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from casedata import CASE, REAL_EML, attachment_mismatches, expected
from click.testing import CliRunner
from conftest import write_config

from cchc.app import App
from cchc.cli import cli, parse_moment
from cchc.core.config import load_config
from cchc.importer import import_paths

EXP = expected()


def _by_file(app: App) -> dict[str, dict]:
    return {Path(m["source"]).name: m for m in app.messages()}


@pytest.mark.parametrize("entry", EXP["messages"], ids=lambda e: Path(e["file"]).stem)
def test_every_message_gets_its_expected_disposition(case_app: App, entry: dict) -> None:
    got = _by_file(case_app)[Path(entry["file"]).name]
    fields = ("disposition", "match", "reason", "unit", "period")
    assert {k: got[k] for k in fields} == entry["expect"]
    assert got["message_id"] == entry["message_id"]
    assert got["received_at"] == entry["received_at"]


@pytest.mark.parametrize("period", sorted(EXP["status"]))
def test_status_agrees_with_expected_for_every_unit(case_app: App, period: str) -> None:
    data = case_app.status(period, parse_moment(EXP["at"], case_app.tz))
    got = {
        u["unit"]: {
            k: u[k] for k in ("status", "received_at", "message_id", "corrections", "match")
        }
        for u in data["units"]
    }
    assert got == EXP["status"][period]


def test_review_queue_lists_exactly_the_expected_items(case_app: App) -> None:
    got = sorted((r["message_id"], r["reason"]) for r in case_app.review())
    assert got == sorted((r["message_id"], r["reason"]) for r in EXP["review"])


def test_status_json_from_the_cli_matches_the_library(case_app: App) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "status",
            "--config",
            str(case_app.config.path),
            "--period",
            "2024-Q1",
            "--at",
            EXP["at"],
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["due"] == "2024-02-18T00:00:00+07:00"
    assert {u["unit"]: u["status"] for u in data["units"]} == {
        k: v["status"] for k, v in EXP["status"]["2024-Q1"].items()
    }


def test_importing_the_same_files_again_changes_nothing(tmp_path: Path) -> None:
    app = App(load_config(write_config(tmp_path)))
    files = sorted((CASE / "messages").glob("*.eml"))[:40]
    import_paths(app, files)
    before = (
        app.db.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0],
        sorted(
            str(p.relative_to(tmp_path)) for p in (tmp_path / "archive").rglob("*") if p.is_file()
        ),
    )
    counts = {
        t: app.db.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in ("messages", "sightings", "attachments", "findings", "verdicts")
    }
    summary = import_paths(app, files)
    assert summary.new == 0 and summary.seen == len(files)
    after_counts = {
        t: app.db.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in counts
    }
    after_files = sorted(
        str(p.relative_to(tmp_path)) for p in (tmp_path / "archive").rglob("*") if p.is_file()
    )
    assert after_counts == counts
    assert after_files == before[1]


def test_import_order_does_not_change_the_verdicts(tmp_path: Path) -> None:
    """Decisions are taken in arrival order, whatever order the files come in."""
    files = sorted((CASE / "messages").glob("*.eml"))[26:60]
    forward = App(
        load_config(write_config(tmp_path / "a" if (tmp_path / "a").mkdir() is None else tmp_path))
    )
    import_paths(forward, files)
    (tmp_path / "b").mkdir()
    backward = App(load_config(write_config(tmp_path / "b")))
    for f in reversed(files):
        import_paths(backward, [f])

    def summary(app: App) -> list[tuple]:
        return sorted(
            (Path(m["source"]).name, m["disposition"], m["reason"], m["unit"], m["period"])
            for m in app.messages()
        )

    assert summary(forward) == summary(backward)


def test_every_real_world_message_imports_with_a_disposition(tmp_path: Path) -> None:
    app = App(load_config(write_config(tmp_path)))
    files = sorted(REAL_EML.glob("*.eml"))
    summary = import_paths(app, files)
    assert summary.read == len(files)
    got = app.messages()
    assert len(got) == len(files)
    assert all(
        m["disposition"] in {"counted", "correction", "duplicate", "review", "ignored"} for m in got
    )


def test_hostile_attachment_names_land_in_the_archive_under_safe_names(tmp_path: Path) -> None:
    app = App(load_config(write_config(tmp_path)))
    import_paths(
        app,
        [
            CASE / "messages" / "101-xa-thuan-hanh-y.eml",
            CASE / "messages" / "071-kinh-te-ha-tang-q3.eml",
        ],
    )
    archive = (tmp_path / "archive").resolve()
    stored = [p for p in archive.rglob("*") if p.is_file()]
    names = {p.name for p in stored}
    assert all(p.resolve().is_relative_to(archive) for p in stored)
    assert not any(ch in name for name in names for ch in "\x07\x1b\r\n/")
    assert "passwd.docx" in names
    assert not (tmp_path / "etc").exists()
    filenames = {a["filename"] for s in app.submissions() for a in s["attachments"]}
    assert "../../etc/passwd.docx" in filenames  # the sender's name is kept, decoded, for people


def test_demo_mailbox_copy_is_importable_by_the_cli(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    src = CASE / "messages" / "023-xa-truong-xuan-q1.eml"
    shutil.copy(src, tmp_path / "m.eml")
    result = CliRunner().invoke(cli, ["import", "--config", str(config), str(tmp_path / "m.eml")])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["messages", "--config", str(config), "--json"])
    assert json.loads(result.output)[0]["disposition"] == "counted"


def test_submissions_json_reports_every_attachment_as_expected(case_app: App) -> None:
    """Issue 4 through the whole pipeline: kind, outline missing, one-stop rows and checks."""
    checked, wrong = attachment_mismatches(case_app.submissions(), EXP)
    assert wrong == []
    assert checked >= 120
