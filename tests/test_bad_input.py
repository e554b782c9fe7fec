"""Bad input never crashes ingest and never loses mail (SPEC §7)."""

from __future__ import annotations

from pathlib import Path

from casedata import CASE
from conftest import write_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cchc.app import App
from cchc.core.config import load_config

SAMPLE = (CASE / "messages" / "012-xa-dak-hoa-q1.eml").read_bytes()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(0, len(SAMPLE) - 1), st.integers(1, 4000), st.binary(max_size=64))
def test_a_damaged_report_message_is_stored_with_a_disposition(
    tmp_path_factory, start: int, length: int, junk: bytes
) -> None:
    folder = tmp_path_factory.mktemp("bad")
    app = App(load_config(write_config(folder)))
    raw = SAMPLE[:start] + junk + SAMPLE[start + length :]
    result = app.ingest_raw(raw, source="damaged")
    app.refresh()
    assert result.status == "new"
    (m,) = app.messages()
    assert m["disposition"] in {"counted", "correction", "review", "ignored"}
    assert (
        app.archive.raw_path(
            app.db.conn.execute("SELECT raw_sha256 FROM messages").fetchone()[0]
        ).read_bytes()
        == raw
    )
    app.close()


def test_an_empty_message_is_kept(tmp_path: Path) -> None:
    app = App(load_config(write_config(tmp_path)))
    app.ingest_raw(b"", source="empty")
    app.refresh()
    (m,) = app.messages()
    assert m["disposition"] == "ignored"
    assert any("arrival time is the import time" in p for p in m["problems"])
