"""Slowing down password guessing without locking anybody out.

Every failed login from a client address makes the next attempt from that address wait a
little longer (1, 2, 4 … seconds, at most `max_delay`); while it waits, attempts are refused
without looking at the password, and once the wait is over the right password always gets in.
A clerk's two typos cost a second or two; a guesser on one address gets about one try a minute.
Above that, failures from all addresses together are capped per minute, so a guesser gains
nothing by spreading over many addresses either, nor by changing the login name (free text,
never part of the key).

The client address is the TCP peer, unless the peer is one of `web.trusted_proxies`: then it
is the address the proxy put in `X-Forwarded-For` (the rightmost one no trusted proxy added).
Behind a proxy every client shares the proxy's address, so without that setting one person's
typos would slow down the whole office; a header from anyone else is ignored, since any
client can write one. IPv6 clients count by their /64 network (one machine usually holds a
whole /64).

`LoginThrottle` is pure logic over an injected clock, so the tests can drive it without waiting.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

FIRST_DELAY = 1.0  # seconds after the first failure; doubled after each further one
MAX_DELAY = 60.0
FORGET_AFTER = 900.0  # an address quiet this long (since its last failure) starts afresh
GLOBAL_LIMIT = 30  # failed logins per GLOBAL_WINDOW from all addresses together
GLOBAL_WINDOW = 60.0
MAX_CLIENTS = 10_000  # addresses remembered at once; the oldest are forgotten first


@dataclass(frozen=True)
class Verdict:
    """What became of one login attempt.

    `ok`: the right password; `wrong`: checked and wrong; `wait`: refused unchecked. `wait` is
    the seconds before the next attempt from this client will be checked (0 when it may try at
    once); `by` says whose failures set it: this client's or everybody's (the global cap)."""

    outcome: Literal["ok", "wrong", "wait"]
    wait: float = 0.0
    by: Literal["client", "global"] = "client"

    @property
    def seconds(self) -> int:
        """The wait in whole seconds, rounded up (for people and `Retry-After`)."""
        return math.ceil(self.wait) if self.wait > 0 else 0


@dataclass
class _Record:
    failures: int
    last: float


class LoginThrottle:
    """Growing delays per client address and a global cap on failures; thread-safe."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
        global_limit: int = GLOBAL_LIMIT,
        global_window: float = GLOBAL_WINDOW,
    ) -> None:
        self.clock = clock
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.global_limit = global_limit
        self.global_window = global_window
        self._lock = threading.Lock()
        self._clients: dict[str, _Record] = {}
        self._recent: deque[float] = deque()  # times of the latest failures, all addresses

    def delay(self, failures: int) -> float:
        """The wait after `failures` consecutive failures from one address."""
        if failures <= 0:
            return 0.0
        return min(self.first_delay * 2.0 ** min(failures - 1, 60), self.max_delay)

    def attempt(self, client: str, password_ok: Callable[[], bool]) -> Verdict:
        """One login attempt from `client`: refused while a delay runs (the password is then not
        checked), else `password_ok()` decides; a failure lengthens this client's delay."""
        with self._lock:
            now = self.clock()
            record = self._record(client, now)
            waiting = self._waiting(record, now)
            if waiting is not None:
                return waiting
            if password_ok():
                self._clients.pop(client, None)
                return Verdict("ok")
            if record is None:
                record = self._clients[client] = _Record(0, now)
                self._bound(now)
            record.failures += 1
            record.last = now
            self._recent.append(now)
            after = self._waiting(record, now)
            return Verdict("wrong", after.wait, after.by) if after else Verdict("wrong")

    def wait(self, client: str) -> float:
        """Seconds before an attempt from `client` will be checked (0: now)."""
        with self._lock:
            now = self.clock()
            waiting = self._waiting(self._record(client, now), now)
            return waiting.wait if waiting is not None else 0.0

    def _record(self, client: str, now: float) -> _Record | None:
        record = self._clients.get(client)
        if record is not None and now - record.last >= FORGET_AFTER:
            del self._clients[client]
            return None
        return record

    def _waiting(self, record: _Record | None, now: float) -> Verdict | None:
        while self._recent and now - self._recent[0] >= self.global_window:
            self._recent.popleft()
        own = record.last + self.delay(record.failures) - now if record else 0.0
        cap = (
            self._recent[-self.global_limit] + self.global_window - now
            if len(self._recent) >= self.global_limit
            else 0.0
        )
        if own <= 0 and cap <= 0:
            return None
        return Verdict("wait", max(own, cap), "client" if own >= cap else "global")

    def _bound(self, now: float) -> None:
        """Forget quiet addresses, then the oldest, so that memory stays bounded."""
        if len(self._clients) <= MAX_CLIENTS:
            return
        for key in [k for k, r in self._clients.items() if now - r.last >= FORGET_AFTER]:
            del self._clients[key]
        while len(self._clients) > MAX_CLIENTS:
            del self._clients[min(self._clients, key=lambda k: self._clients[k].last)]


# --- who is asking -------------------------------------------------------------------------


def trusted_networks(proxies: Iterable[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _ip(text: str) -> IPAddress | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress | None, proxies: tuple[IPNetwork, ...]) -> bool:
    return address is not None and any(
        address.version == net.version and address in net for net in proxies
    )


def client_address(peer: str | None, forwarded_for: str, proxies: tuple[IPNetwork, ...]) -> str:
    """The address a login attempt counts against (see the module's docstring).
    `forwarded_for`: every `X-Forwarded-For` header of the request, joined by commas."""
    address = _ip(peer or "")
    if address is None:
        return peer or "?"
    if _trusted(address, proxies):
        for hop in reversed([h for h in forwarded_for.split(",") if h.strip()]):
            hop_address = _ip(hop)
            if hop_address is None:
                break  # no proxy writes this: keep the last hop a trusted one vouched for
            address = hop_address
            if not _trusted(address, proxies):
                break
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def forwarded_https(peer: str | None, forwarded_proto: str, proxies: tuple[IPNetwork, ...]) -> bool:
    """True when a trusted proxy says the browser reached it over HTTPS."""
    proto = forwarded_proto.split(",")[0].strip().lower()
    return proto == "https" and _trusted(_ip(peer or ""), proxies)
