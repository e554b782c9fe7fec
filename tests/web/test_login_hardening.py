"""Login over HTTP against a real server: typos slow a client down but never lock the right
password out past the current wait, X-Forwarded-For counts only from a trusted proxy, and the
login cookies are `Secure` when `web.secure_cookies` says so (issue 12, items 8 and 9)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from conftest import write_config

from cchc.core.config import load_config
from cchc.core.errors import ConfigError
from cchc.web import build_app
from cchc.web.throttle import LoginThrottle

from .conftest import PASSWORD, STAFF, Served, form_token, web_config


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def _attempt(
    client: httpx.Client,
    password: str,
    user: str = STAFF,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    token = form_token(client.get("/login", headers=headers).text)
    return client.post(
        "/login",
        data={"csrf": token, "user": user, "password": password, "next": "/review"},
        headers=headers,
    )


def _session_cookie(reply: httpx.Response) -> str | None:
    return next(
        (c for c in reply.headers.get_list("set-cookie") if c.startswith("cchc_session=")), None
    )


def _on_fake_clock(served: Served) -> Clock:
    clock = Clock()
    served.web.throttle = LoginThrottle(clock)
    return clock


def test_a_clerks_typos_then_the_right_password_after_the_wait_log_in(
    serve_with: Callable[[str], Served],
) -> None:
    served = serve_with("")
    clock = _on_fake_clock(served)
    with httpx.Client(base_url=served.url) as client:
        typo = _attempt(client, PASSWORD + "x")
        assert typo.status_code == 401
        assert "Mật khẩu không đúng. Có thể thử lại sau 1 giây." in typo.text
        hurried = _attempt(client, PASSWORD)
        assert hurried.status_code == 429
        assert hurried.headers["retry-after"] == "1"
        assert "Vui lòng đợi 1 giây rồi thử lại." in hurried.text
        assert _session_cookie(hurried) is None
        clock.now += 1
        assert _attempt(client, PASSWORD[:-1]).status_code == 401  # a second typo: 2 s
        clock.now += 2
        reply = _attempt(client, PASSWORD)
        assert reply.status_code == 303
        assert _session_cookie(reply) is not None
        assert client.get("/review").status_code == 200


def test_forwarded_for_from_an_untrusted_peer_and_new_login_names_do_not_escape_the_wait(
    serve_with: Callable[[str], Served],
) -> None:
    """No proxy is configured: a guesser writing X-Forwarded-For and a new name each time is
    still the one address it connects from."""
    served = serve_with("")
    _on_fake_clock(served)
    with httpx.Client(base_url=served.url) as client:
        first = _attempt(client, "guess-1", "a", {"X-Forwarded-For": "198.51.100.1"})
        assert first.status_code == 401
        second = _attempt(client, "guess-2", "b", {"X-Forwarded-For": "198.51.100.2"})
    assert second.status_code == 429


def test_behind_a_trusted_proxy_one_clerks_typos_do_not_slow_down_another(
    serve_with: Callable[[str], Served],
) -> None:
    served = serve_with('[web]\ntrusted_proxies = ["127.0.0.1"]\n')
    _on_fake_clock(served)
    clerk_a = {"X-Forwarded-For": "198.51.100.1"}
    clerk_b = {"X-Forwarded-For": "198.51.100.2"}
    with httpx.Client(base_url=served.url) as a, httpx.Client(base_url=served.url) as b:
        for _ in range(2):
            _attempt(a, "typo", headers=clerk_a)
        assert _attempt(a, PASSWORD, headers=clerk_a).status_code == 429
        assert _attempt(b, PASSWORD, "Trần Văn Nam", clerk_b).status_code == 303


def test_secure_cookies_mark_both_login_cookies_secure(
    serve_with: Callable[[str], Served],
) -> None:
    served = serve_with("[web]\nsecure_cookies = true\n")
    with httpx.Client(base_url=served.url) as client:
        page = client.get("/login")
        prelogin = page.headers["set-cookie"]
        assert prelogin.startswith("cchc_login=")
        assert "secure" in {p.strip().lower() for p in prelogin.split(";")}
        assert "chỉ giữ phiên đăng nhập qua HTTPS" in page.text  # plain http drops them
        # the browser would send the cookie back over HTTPS only; this client is on plain HTTP
        value = prelogin.split(";")[0].split("=", 1)[1]
        reply = client.post(
            "/login",
            data={"csrf": form_token(page.text), "user": STAFF, "password": PASSWORD},
            headers={"Cookie": f"cchc_login={value}"},
        )
    assert reply.status_code == 303
    session = _session_cookie(reply)
    assert session is not None
    assert "secure" in {p.strip().lower() for p in session.split(";")}


def test_no_https_warning_when_a_trusted_proxy_says_the_browser_used_https(
    serve_with: Callable[[str], Served],
) -> None:
    served = serve_with('[web]\nsecure_cookies = true\ntrusted_proxies = ["127.0.0.1"]\n')
    with httpx.Client(base_url=served.url) as client:
        page = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert page.status_code == 200
    assert "chỉ giữ phiên đăng nhập qua HTTPS" not in page.text


@pytest.mark.parametrize(
    ("web_section", "served_on", "secure"),
    [
        ("", None, False),  # the default host, 127.0.0.1
        ('host = "0.0.0.0"', None, True),
        ('host = "192.168.1.20"', None, True),
        ('host = "localhost"', None, False),
        ('host = "::1"', None, False),
        ("", "0.0.0.0", True),  # `cchc web --host 0.0.0.0` over a loopback config
        ('host = "0.0.0.0"\nsecure_cookies = false', None, False),
        ("secure_cookies = true", None, True),
    ],
)
def test_cookies_are_secure_by_default_exactly_when_the_page_is_not_on_loopback(
    tmp_path: Path, web_section: str, served_on: str | None, secure: bool
) -> None:
    config = web_config(write_config(tmp_path, extra=f"[web]\n{web_section}\n"))
    assert build_app(config, served_on).state.web.secure_cookies is secure


def test_trusted_proxies_must_be_addresses(tmp_path: Path) -> None:
    path = write_config(tmp_path, extra='[web]\ntrusted_proxies = ["nginx.local"]\n')
    with pytest.raises(ConfigError, match=r"web\.trusted_proxies"):
        load_config(path)
    path.write_text(
        path.read_text().replace('"nginx.local"', '"10.0.0.0/24", "::1"'), encoding="utf-8"
    )
    assert load_config(path).web.trusted_proxies == ("10.0.0.0/24", "::1/128")
