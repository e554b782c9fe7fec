"""The period-year rule over IMAP: the same rewritten case messages as tests/test_period_year.py,
appended to a private Dovecot with their arrival as INTERNALDATE (the Received: header now
says something else), then `cchc ingest`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from test_period_year import CASES, IDS
from yearless import moved

from cchc.mailbox import ingest_mailbox
from integration.dovecot import Dovecot
from integration.test_imap_app import imap_config, open_app

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("path", "arrival", "title_year", "expected"), CASES, ids=IDS)
def test_a_period_named_without_its_year_over_imap(
    dovecot: Dovecot,
    tmp_path: Path,
    path: Path,
    arrival: datetime,
    title_year: bool,
    expected: str,
) -> None:
    # the Received: header says 2023: only the INTERNALDATE gives the arrival
    raw = moved(
        path.read_bytes(), datetime(2023, 6, 1, tzinfo=arrival.tzinfo), documents=not title_year
    )
    dovecot.append("INBOX", [(raw, arrival)])
    app = open_app(imap_config(tmp_path, dovecot))
    try:
        ingest_mailbox(app)
        (message,) = app.messages()
        assert datetime.fromisoformat(message["received_at"]) == arrival
        assert message["period"] == expected
    finally:
        app.close()
