"""OAuth2 for Gmail's XOAUTH2: an access token from a refresh token, refreshed before it expires.

Why separate from `imap.py`: token refresh is HTTP, not IMAP, and must be testable without a
network. `TokenProvider` takes the HTTP call and the clock as parameters, so tests pass fakes.
Secrets (refresh token, client secret, access token) are never logged or put in exceptions.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from cchc.core.config import ImapConfig
from cchc.core.errors import MailboxError

log = logging.getLogger(__name__)

#: POST a form to a URL and return (HTTP status, decoded JSON body or {}).
PostForm = Callable[[str, Mapping[str, str], float], tuple[int, dict[str, Any]]]

EXPIRY_MARGIN_SECONDS = 120  # refresh this long before expiry: a login takes a moment


class OAuthError(MailboxError):
    """The token endpoint refused to refresh the access token; says what to do about it."""


def post_form(url: str, form: Mapping[str, str], timeout: float) -> tuple[int, dict[str, Any]]:
    """The real HTTP call (urllib: no extra dependency). Error bodies are JSON too."""
    data = urllib.parse.urlencode(form).encode()
    req = urllib.request.Request(url, data=data, method="POST")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (https URL from config)
            return resp.status, _json(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _json(exc.read())
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise MailboxError(f"không kết nối được máy chủ cấp token OAuth2 {url}: {exc}") from exc


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class TokenProvider:
    """Hands out a valid access token, refreshing it from the refresh token when needed.

    Thread-safe: the service's mailbox loop and a one-off `cchc ingest` may share one.
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        token_url: str,
        post: PostForm = post_form,
        clock: Callable[[], float] = time.time,
        timeout: float = 30.0,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self.token_url = token_url
        self._post = post
        self._clock = clock
        self._timeout = timeout
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.refreshes = 0  # how many times the endpoint was called (tests, health)

    def __repr__(self) -> str:  # never show secrets
        return f"TokenProvider(token_url={self.token_url!r})"

    def access_token(self) -> str:
        """A token valid for at least EXPIRY_MARGIN_SECONDS more, refreshed if not."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - EXPIRY_MARGIN_SECONDS:
                self._refresh()
            assert self._token is not None
            return self._token

    def invalidate(self) -> None:
        """Forget the cached token: the server refused it (revoked or expired early)."""
        with self._lock:
            self._token = None
            self._expires_at = 0.0

    def _refresh(self) -> None:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self._refresh_token,
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        started = self._clock()
        status, body = self._post(self.token_url, form, self._timeout)
        self.refreshes += 1
        token = body.get("access_token")
        if status != 200 or not isinstance(token, str) or not token:
            error = str(body.get("error") or f"HTTP {status}")
            hint = (
                "refresh token đã bị thu hồi hoặc hết hạn: tạo token mới và đặt vào "
                "biến môi trường do imap.token_env quy định"
                if error == "invalid_grant"
                else "kiểm tra imap.client_id_env, imap.client_secret_env và imap.token_url"
            )
            raise OAuthError(
                f"làm mới token OAuth2 tại {self.token_url} không được ({error}): {hint}"
            )
        try:
            lifetime = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        self._token = token
        self._expires_at = started + lifetime
        log.info("OAuth2 access token refreshed, valid for %d s", int(lifetime))


def xoauth2_string(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64), as Google documents it."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def token_provider(cfg: ImapConfig) -> TokenProvider | None:
    """The provider for `imap.auth = "xoauth2"` (None for a password login). Build it once per
    service and reuse it across reconnects, so a refreshed access token is not fetched again."""
    if cfg.auth != "xoauth2":
        return None
    if not (cfg.refresh_token and cfg.client_id and cfg.client_secret):
        raise MailboxError(
            'imap.auth = "xoauth2" cần refresh token, client id và client secret: '
            f"đặt các biến môi trường {cfg.token_env}, {cfg.client_id_env} và "
            f"{cfg.client_secret_env}"
        )
    return TokenProvider(
        client_id=cfg.client_id,
        client_secret=cfg.client_secret,
        refresh_token=cfg.refresh_token,
        token_url=cfg.token_url,
        timeout=cfg.timeout_seconds,
    )
