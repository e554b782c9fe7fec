"""`cchc rebuild` after mail came over IMAP (issue 12, item 3): the arrival the mailbox reported
(INTERNALDATE, not in the raw bytes) comes back from the archive's journal."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from casedata import message_files
from test_store_damage import _cli, _snapshot

from cchc.mailbox import ingest_mailbox
from integration.dovecot import Dovecot
from integration.test_imap_app import arrival, imap_config, open_app

pytestmark = pytest.mark.integration


def test_a_store_rebuilt_after_imap_ingest_keeps_every_internaldate(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = message_files()[:24]
    # two hours after what the headers say: only the journal can give these arrivals back
    dovecot.append(
        "INBOX", [(p.read_bytes(), arrival(p.read_bytes()) + timedelta(hours=2)) for p in files]
    )
    config = imap_config(tmp_path, dovecot)
    app = open_app(config)
    try:
        ingest_mailbox(app)
    finally:
        app.close()
    monkeypatch.setenv("CCHC_IMAP_PASSWORD", "unused")
    before = _snapshot(config)
    assert {m["source"].split(";")[0] for m in before["messages"]} == {  # type: ignore[index]
        "imap://noivu@127.0.0.1/INBOX"
    }
    (tmp_path / "db.sqlite").unlink()
    code, text = _cli("rebuild", "--config", str(config), "--quiet")
    assert code == 0, text
    assert _snapshot(config) == before
