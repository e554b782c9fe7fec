"""Fixtures for tests that talk to a real Dovecot on 127.0.0.1 (see dovecot.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integration.dovecot import Dovecot, available


@pytest.fixture
def dovecot(request: pytest.FixtureRequest) -> Iterator[Dovecot]:
    """A fresh private Dovecot per test: no state leaks between tests (UIDs, flags). Stopped
    by a finaliser registered before it starts, so a failed start or test never leaks it."""
    reason = available()
    if reason:
        pytest.skip(reason)
    server = Dovecot()
    request.addfinalizer(server.cleanup)
    server.start()
    yield server
