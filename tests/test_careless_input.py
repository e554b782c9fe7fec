"""Careless input at the command line (issue 12, item 10): each one line and a clear exit code,
nothing stored that should not be, nothing lost."""

from __future__ import annotations

import mailbox
from pathlib import Path

from casedata import CASE
from click.testing import CliRunner
from conftest import write_config

from cchc.app import App
from cchc.cli import cli
from cchc.core.config import load_config

REPORT = CASE / "messages" / "022-xa-nam-njang-q1.eml"  # two attachments: a .docx and an .xlsx


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def _count(config: Path) -> int:
    app = App(load_config(config))
    try:
        return len(app.messages())
    finally:
        app.close()


def test_an_empty_file_or_a_picture_is_not_an_email_and_nothing_is_stored(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    (tmp_path / "empty.eml").write_bytes(b"")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64)
    for name in ("empty.eml", "photo.jpg"):
        code, out, err = _run("import", "--config", str(config), str(tmp_path / name), str(REPORT))
        assert code == 2 and "không phải thư điện tử" in err and name in err
        assert len(err.strip().splitlines()) == 1
    assert _count(config) == 0


def test_an_empty_folder_or_mbox_says_so(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty.mbox").write_bytes(b"")
    for name in ("empty", "empty.mbox"):
        code, out, _ = _run("import", "--config", str(config), str(tmp_path / name))
        assert code == 1 and "Không có thư nào" in out


def test_a_picture_among_the_mails_of_a_folder_is_skipped_and_named(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "a.eml").write_bytes(REPORT.read_bytes())
    (folder / "b.eml").write_bytes(b"\xff\xd8\xff\xe0 a photo saved as .eml")
    code, out, err = _run("import", "--config", str(config), str(folder))
    assert code == 1 and "b.eml" in err and "Đã đọc 1 thư" in out
    assert _count(config) == 1


def _mbox(path: Path, messages: list[bytes], cut_last_at: int | None = None) -> None:
    box = mailbox.mbox(str(path))
    for raw in messages:
        box.add(raw)
    box.close()
    if cut_last_at is not None:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) - cut_last_at])


def test_a_truncated_mbox_names_the_cut_message_and_the_complete_copy_replaces_it(
    tmp_path: Path,
) -> None:
    """GIVEN an mbox whose last message is cut inside its attachments WHEN it is imported THEN
    the cut message is named; WHEN the complete message arrives later (same Message-ID, other
    bytes) THEN it is its own sighting and its content becomes the content of record."""
    config = write_config(tmp_path)
    first = (CASE / "messages" / "023-xa-truong-xuan-q1.eml").read_bytes()
    report = REPORT.read_bytes()
    _mbox(tmp_path / "takeout.mbox", [first, report], cut_last_at=len(report) // 2)
    code, _out, err = _run("import", "--config", str(config), str(tmp_path / "takeout.mbox"))
    assert code == 1 and "takeout.mbox#1" in err and "cắt cụt" in err
    app = App(load_config(config))
    (cut,) = [s for s in app.submissions() if s["unit"] == "xa-nam-njang"] or [None]
    app.close()
    cut_files = {a["filename"] for a in cut["attachments"]} if cut else set()

    code, _out, _err = _run("import", "--config", str(config), str(REPORT))
    app = App(load_config(config))
    try:
        (sub,) = [s for s in app.submissions() if s["unit"] == "xa-nam-njang"]
        kinds = {a["filename"]: a["kind"] for a in sub["attachments"]}
        assert len(kinds) == 2 and "unparseable" not in kinds.values()
        assert cut_files != set(kinds)  # the cut copy had lost part of its attachments
        sightings = [m for m in app.messages() if m["message_id"] == sub["message_id"]]
        assert sorted(m["disposition"] for m in sightings) == ["counted", "duplicate"]
        original = next(m for m in sightings if m["disposition"] == "counted")
        assert original["source"] == str(REPORT.resolve())
    finally:
        app.close()
    assert len(list((tmp_path / "archive" / "raw").rglob("*.eml"))) == 3  # both copies kept


def test_a_decision_on_a_message_not_in_the_queue_changes_nothing_without_force(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path)
    _run("import", "--config", str(config), str(REPORT))
    app = App(load_config(config))
    (message,) = app.messages()
    app.close()
    assert message["disposition"] == "counted" and message["reason"] is None
    code, _out, err = _run("review", "reject", "--config", str(config), message["message_id"])
    assert code == 2 and "không có trong danh sách cần xem xét" in err
    app = App(load_config(config))
    assert app.messages()[0]["disposition"] == "counted"
    app.close()
    code, _out, _err = _run(
        "review", "reject", "--force", "--config", str(config), message["message_id"]
    )
    assert code == 0
    app = App(load_config(config))
    assert app.messages()[0]["disposition"] == "ignored"
    app.close()
