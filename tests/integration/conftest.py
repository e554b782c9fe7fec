"""Fixtures for tests that talk to a real Dovecot on 127.0.0.1 (see dovecot.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integration.dovecot import Dovecot, available


@pytest.fixture
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dovecot]:
    """A fresh private Dovecot per test: no state leaks between tests (UIDs, flags)."""
    reason = available()
    if reason:
        pytest.skip(reason)
    server = Dovecot()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()
