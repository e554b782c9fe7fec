"""A damaged store, a full disk and the way back (issue 12, items 3 and 4).

The archive is the evidence, the store an index of it: a damaged, empty, missing or foreign
store is refused in one line pointing at `cchc rebuild`, which makes a fresh store from the
archive alone — the same `status` and `messages`, staff decisions included, and no mail twice.
"""

from __future__ import annotations

import errno
import json
import sqlite3
from pathlib import Path

import pytest
from casedata import CASE, expected
from click.testing import CliRunner
from conftest import write_config

from cchc.app import App
from cchc.cli import cli
from cchc.core.config import load_config
from cchc.core.errors import StoreError
from cchc.importer import import_paths
from store import outbox as outbox_store

FILES = sorted((CASE / "messages").glob("*.eml"))
PERIODS = sorted(expected()["status"])
AT = expected()["at"]


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def _snapshot(config: Path) -> dict[str, object]:
    """What the clerk sees: every period's status and the audit log, as JSON."""
    out: dict[str, object] = {}
    for period in PERIODS:
        code, text = _cli(
            "status", "--config", str(config), "--period", period, "--at", AT, "--json"
        )
        assert code == 0, text
        out[period] = json.loads(text)
    code, text = _cli("messages", "--config", str(config), "--json")
    out["messages"] = json.loads(text)
    return out


@pytest.fixture(scope="module")
def decided_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The case imported, then staff decisions taken and one mail recorded as sent."""
    folder = tmp_path_factory.mktemp("store")
    config = write_config(folder)
    app = App(load_config(config))
    import_paths(app, FILES)
    queue = app.review()
    by_reason = {item["reason"]: item["message_id"] for item in queue}
    app.review_decide(by_reason["unmatched"], "assign", "xa-nam-binh", who="Nguyễn Thị Hoa")
    app.review_decide(by_reason["content_match"], "approve", who="Nguyễn Thị Hoa")
    app.review_decide(by_reason["quarantined"], "reject", who="Nguyễn Thị Hoa")
    app.journal.append(
        "sending", key="remind:2024-Q1:xa-a:7d", kind="reminder", to=["a@x"], unit="xa-a",
        period="2024-Q1", subject="Nhắc",
    )  # fmt: skip
    app.journal.append("sent", key="remind:2024-Q1:xa-a:7d", status="sent")
    app.close()
    return config


def test_rebuild_from_the_archive_alone_gives_the_same_answers(
    decided_store: Path, tmp_path: Path
) -> None:
    before = _snapshot(decided_store)
    store = decided_store.parent / "db.sqlite"
    store.unlink()
    for side in ("db.sqlite-wal", "db.sqlite-shm"):
        (decided_store.parent / side).unlink(missing_ok=True)
    code, text = _cli("rebuild", "--config", str(decided_store), "--quiet")
    assert code == 0, text
    assert "3 quyết định" in text and "1 thư đã gửi" in text
    assert _snapshot(decided_store) == before
    app = App(load_config(decided_store))
    try:
        row = outbox_store.get(app.db, "remind:2024-Q1:xa-a:7d")
        assert row is not None and row["status"] == "sent"  # never queued, nor sent, again
    finally:
        app.close()


@pytest.mark.parametrize("damage", ["truncated", "zero-byte", "missing", "foreign"])
def test_a_damaged_or_lost_store_is_one_line_naming_it_and_the_way_back(
    tmp_path: Path, damage: str
) -> None:
    config = write_config(tmp_path)
    app = App(load_config(config))
    import_paths(app, FILES[:12])
    app.close()
    store = tmp_path / "db.sqlite"
    for side in ("db.sqlite-wal", "db.sqlite-shm"):
        (tmp_path / side).unlink(missing_ok=True)
    if damage == "truncated":
        data = store.read_bytes()
        store.write_bytes(data[: len(data) // 2])
    elif damage == "zero-byte":
        store.write_bytes(b"")
    elif damage == "missing":
        store.unlink()
    else:
        store.write_text("this is a spreadsheet export, not a store", encoding="utf-8")
    for command in (["messages", "--json"], ["status", "--period", "2024-Q1"]):
        code, text = _cli(command[0], "--config", str(config), *command[1:])
        assert code == 2 and str(store) in text and "Traceback" not in text, text
        assert len(text.strip().splitlines()) == 1
        if damage != "foreign":
            assert "cchc rebuild" in text
    code, text = _cli("rebuild", "--config", str(config), "--quiet")
    assert code == 0, text
    code, text = _cli("messages", "--config", str(config), "--json")
    assert code == 0 and len(json.loads(text)) == 12


def test_a_new_office_with_an_empty_archive_starts_a_new_store(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    (tmp_path / "db.sqlite").write_bytes(b"")
    code, text = _cli("messages", "--config", str(config), "--json")
    assert code == 0 and json.loads(text) == []


def test_a_full_disk_stops_the_import_in_one_line_and_a_rerun_completes(tmp_path: Path) -> None:
    """GIVEN a store that cannot grow (PRAGMA max_page_count) WHEN the case is imported THEN a
    StoreError names the store; WHEN space is back THEN the rerun completes, as a clean run."""
    config = write_config(tmp_path, extra="[parse]\nworkers = 1\n")
    app = App(load_config(config))
    (pages,) = app.db.conn.execute("PRAGMA page_count").fetchone()
    app.db.conn.execute(f"PRAGMA max_page_count = {pages + 40}")
    with pytest.raises(StoreError) as info:
        import_paths(app, FILES[:40])
    assert str(tmp_path / "db.sqlite") in str(info.value) and "hết chỗ" in str(info.value)
    stored = len(app.messages())
    assert 0 < stored < 40
    app.db.conn.execute("PRAGMA max_page_count = 1073741823")
    summary = import_paths(app, FILES[:40])
    assert summary.seen == stored and len(app.messages()) == 40
    rerun = [(m["source"], m["disposition"], m["unit"], m["period"]) for m in app.messages()]
    app.close()
    (tmp_path / "clean").mkdir()
    clean = App(load_config(write_config(tmp_path / "clean", extra="[parse]\nworkers = 1\n")))
    import_paths(clean, FILES[:40])
    assert rerun == [
        (m["source"], m["disposition"], m["unit"], m["period"]) for m in clean.messages()
    ]
    clean.close()


def test_a_full_disk_under_the_archive_names_the_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import store.archive

    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    config = write_config(tmp_path, extra="[parse]\nworkers = 1\n")
    monkeypatch.setattr(store.archive, "_write_once", full)
    code, text = _cli("import", "--config", str(config), str(FILES[3]))
    assert code == 2 and str(tmp_path / "archive") in text and "hết chỗ" in text
    assert len(text.strip().splitlines()) == 1
    monkeypatch.undo()
    assert (
        sqlite3.connect(tmp_path / "db.sqlite")
        .execute("SELECT COUNT(*) FROM messages")
        .fetchone()[0]
        == 0
    )


def _open_counting(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, StoreError | None]:
    """Open the store as a new process would; how many times it was read whole, and the
    refusal if any."""
    from store import repo

    calls = []
    real = repo.check_whole

    def counted(conn: sqlite3.Connection, where: Path) -> None:
        calls.append(where)
        real(conn, where)

    monkeypatch.setattr(repo, "_checked", set())
    monkeypatch.setattr(repo, "check_whole", counted)
    try:
        repo.open_db(path).conn.close()
    except StoreError as exc:
        return len(calls), exc
    return len(calls), None


def _small_store(folder: Path) -> Path:
    app = App(load_config(write_config(folder)))
    import_paths(app, FILES[:6])
    app.close()
    return folder / "db.sqlite"


def test_the_whole_store_is_read_once_a_day_not_at_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _small_store(tmp_path)
    assert _open_counting(store, monkeypatch) == (1, None)  # never checked: read whole
    assert _open_counting(store, monkeypatch) == (0, None)  # checked a moment ago
    conn = sqlite3.connect(store)
    with conn:
        conn.execute(
            "UPDATE meta SET value = '2020-01-01T00:00:00+00:00' WHERE key = 'store_checked_at'"
        )
    conn.close()
    assert _open_counting(store, monkeypatch) == (1, None)  # a day (or years) later


def test_a_store_cut_short_is_refused_from_its_header_without_reading_it_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _small_store(tmp_path)
    conn = sqlite3.connect(store)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    _open_counting(store, monkeypatch)  # checked today
    data = store.read_bytes()
    store.write_bytes(data[: len(data) - 4096])
    reads, refused = _open_counting(store, monkeypatch)
    assert reads == 0 and refused is not None
    assert str(store) in str(refused) and "cchc rebuild" in str(refused)
