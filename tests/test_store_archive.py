"""The archive: write-once by hash, safe names whatever the sender wrote."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from store.archive import Archive, safe_name, sha256


@given(st.text(max_size=300))
def test_any_name_becomes_a_single_safe_path_component(name: str) -> None:
    safe = safe_name(name)
    assert safe and "/" not in safe and "\\" not in safe
    assert safe not in (".", "..") and not safe.startswith(".")
    assert not any(ord(c) < 32 or ord(c) == 127 for c in safe)
    assert len(safe.encode()) <= 120


def test_the_extension_survives_sanitising() -> None:
    assert safe_name("../../etc/passwd.docx") == "passwd.docx"
    assert safe_name("BC CCHC\x07\x1b[31m quy III\r\n.docx").endswith(".docx")


def test_files_are_written_once_and_found_by_hash(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    path = archive.put_file(b"abc", "a.docx")
    archive.put_file(b"abc", "a.docx")
    assert path.read_bytes() == b"abc"
    assert archive.find_file(sha256(b"abc")) == path
    assert archive.find_file("../../etc/passwd") is None


def test_opening_a_fresh_store_from_many_threads_migrates_once(tmp_path: Path) -> None:
    import threading

    from store.repo import open_db

    errors: list[BaseException] = []

    def opener() -> None:
        try:
            open_db(tmp_path / "db.sqlite").conn.close()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db = open_db(tmp_path / "db.sqlite")
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] >= 1
