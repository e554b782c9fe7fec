"""The `[web]` section of config.toml: where the staff page listens, its password, whether its
cookies are `Secure`, and which reverse proxies may name the client (`X-Forwarded-For`)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from cchc.core.config_reader import Section

WEB_KEYS = {"enabled", "host", "port", "password_env", "secure_cookies", "trusted_proxies"}


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, "localhost")."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class WebConfig:
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 8080
    password_env: str = "CCHC_WEB_PASSWORD"
    password: str | None = field(default=None, repr=False)
    secure_cookies: bool | None = None  # None: decided by the address served (see below)
    trusted_proxies: tuple[str, ...] = ()  # addresses or networks ("10.0.0.0/24"), normalised

    def cookies_secure(self, host: str | None = None) -> bool:
        """`Secure` cookies unless set otherwise: on for a page reachable from other machines
        (it must then be behind HTTPS), off on loopback, where plain HTTP never leaves the
        machine. `host` is the address actually served (`cchc web --host`), else `host`."""
        if self.secure_cookies is not None:
            return self.secure_cookies
        return not is_loopback(host or self.host)


def web_config(w: Section, env: dict[str, str]) -> WebConfig:
    return WebConfig(
        enabled=w.flag("enabled", False),
        host=w.text("host", "127.0.0.1"),
        port=w.integer("port", 8080, 1, 65535),
        password_env=w.text("password_env", "CCHC_WEB_PASSWORD"),
        password=w.secret("password_env", "CCHC_WEB_PASSWORD", env),
        secure_cookies=w.value("secure_cookies", bool, None),
        trusted_proxies=_networks(w, "trusted_proxies"),
    )


def _networks(w: Section, key: str) -> tuple[str, ...]:
    out = []
    for item in w.texts(key):
        try:
            out.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError:
            raise w.error(key, f"{item!r} không phải địa chỉ IP hay dải mạng") from None
    return tuple(out)
