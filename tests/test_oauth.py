"""XOAUTH2 token refresh without a network: the HTTP call and the clock are fakes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from cchc.core.config import ImapConfig
from cchc.core.errors import MailboxError
from ingest.imap import ImapMailbox
from ingest.oauth import EXPIRY_MARGIN_SECONDS, OAuthError, TokenProvider, xoauth2_string


class FakeEndpoint:
    def __init__(self, *replies: tuple[int, dict[str, Any]]) -> None:
        self.replies = list(replies)
        self.forms: list[dict[str, str]] = []

    def __call__(
        self, url: str, form: Mapping[str, str], timeout: float
    ) -> tuple[int, dict[str, Any]]:
        assert url == "https://oauth2.example/token" and timeout > 0
        self.forms.append(dict(form))
        return self.replies.pop(0)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def provider(endpoint: FakeEndpoint, clock: Clock) -> TokenProvider:
    return TokenProvider(
        client_id="cid",
        client_secret="csecret",
        refresh_token="rtoken",
        token_url="https://oauth2.example/token",
        post=endpoint,
        clock=clock,
    )


def test_token_is_refreshed_once_then_reused_until_it_nearly_expires() -> None:
    endpoint = FakeEndpoint(
        (200, {"access_token": "a1", "expires_in": 3600}),
        (200, {"access_token": "a2", "expires_in": 3600}),
    )
    clock = Clock()
    tokens = provider(endpoint, clock)
    assert tokens.access_token() == "a1"
    clock.now += 3600 - EXPIRY_MARGIN_SECONDS - 1
    assert tokens.access_token() == "a1"  # still valid long enough for a login
    clock.now += 2
    assert tokens.access_token() == "a2"  # inside the margin: refreshed
    assert tokens.refreshes == 2
    assert endpoint.forms[0] == {
        "grant_type": "refresh_token",
        "refresh_token": "rtoken",
        "client_id": "cid",
        "client_secret": "csecret",
    }


def test_invalidate_forces_a_refresh_after_the_server_refused_the_token() -> None:
    endpoint = FakeEndpoint(
        (200, {"access_token": "old", "expires_in": 3600}),
        (200, {"access_token": "new", "expires_in": 3600}),
    )
    tokens = provider(endpoint, Clock())
    assert tokens.access_token() == "old"
    tokens.invalidate()
    assert tokens.access_token() == "new"


def test_missing_expiry_defaults_to_an_hour() -> None:
    endpoint = FakeEndpoint((200, {"access_token": "a1"}), (200, {"access_token": "a2"}))
    clock = Clock()
    tokens = provider(endpoint, clock)
    tokens.access_token()
    clock.now += 3000
    assert tokens.access_token() == "a1"


def test_revoked_refresh_token_says_what_to_do_and_leaks_no_secret() -> None:
    endpoint = FakeEndpoint(
        (400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
    )
    tokens = provider(endpoint, Clock())
    with pytest.raises(OAuthError) as info:
        tokens.access_token()
    text = str(info.value)
    assert "invalid_grant" in text and "imap.token_env" in text
    assert "rtoken" not in text and "csecret" not in text
    assert "rtoken" not in repr(tokens) and "csecret" not in repr(tokens)
    assert isinstance(info.value, MailboxError)  # the loop records and backs off


def test_other_endpoint_errors_name_the_keys_to_check() -> None:
    tokens = provider(FakeEndpoint((401, {"error": "invalid_client"})), Clock())
    with pytest.raises(OAuthError, match="client_id_env"):
        tokens.access_token()


def test_a_200_without_a_token_is_an_error() -> None:
    tokens = provider(FakeEndpoint((200, {})), Clock())
    with pytest.raises(OAuthError):
        tokens.access_token()


def test_xoauth2_initial_response_format() -> None:
    assert xoauth2_string("a@gmail.com", "tok") == "user=a@gmail.com\x01auth=Bearer tok\x01\x01"


def test_xoauth2_without_secrets_names_the_environment_variables() -> None:
    cfg = ImapConfig(host="imap.gmail.com", username="a@gmail.com", auth="xoauth2")
    with pytest.raises(MailboxError, match="CCHC_IMAP_REFRESH_TOKEN"):
        ImapMailbox(cfg)


def test_xoauth2_config_builds_a_token_provider() -> None:
    cfg = ImapConfig(
        host="imap.gmail.com",
        username="a@gmail.com",
        auth="xoauth2",
        refresh_token="r",
        client_id="c",
        client_secret="s",
    )
    box = ImapMailbox(cfg)
    assert box.tokens is not None and box.tokens.token_url == cfg.token_url
