"""The login throttle as pure logic, on a clock the test moves: growing delays per client
address, never a lockout of the right password past the current delay, a global cap on
failures, and the client address taken from X-Forwarded-For only behind a trusted proxy."""

from __future__ import annotations

import pytest

from cchc.web.throttle import (
    FORGET_AFTER,
    LoginThrottle,
    client_address,
    forwarded_https,
    trusted_networks,
)

OFFICE = "192.0.2.10"
PROXY = trusted_networks(["127.0.0.1", "10.0.0.0/24"])


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def right() -> bool:
    return True


def wrong() -> bool:
    return False


def test_each_failure_from_an_address_doubles_the_wait_up_to_the_cap() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock, first_delay=1.0, max_delay=60.0)
    waits = []
    for _ in range(9):
        verdict = throttle.attempt(OFFICE, wrong)
        assert verdict.outcome == "wrong"
        waits.append(verdict.wait)
        clock.advance(verdict.wait)
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_during_the_wait_even_the_right_password_is_not_checked() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock)
    throttle.attempt(OFFICE, wrong)
    clock.advance(1.0)
    throttle.attempt(OFFICE, wrong)
    checked: list[bool] = []

    def spy() -> bool:
        checked.append(True)
        return True

    clock.advance(1.5)  # 2 s wait after the second failure; 0.5 s left
    verdict = throttle.attempt(OFFICE, spy)
    assert (verdict.outcome, verdict.seconds, checked) == ("wait", 1, [])


def test_the_right_password_gets_in_as_soon_as_the_current_wait_is_over() -> None:
    """A clerk's three typos, then the right password after the wait: in, and the next typo
    starts again from the shortest wait."""
    clock = Clock()
    throttle = LoginThrottle(clock)
    for _ in range(3):
        clock.advance(throttle.wait(OFFICE))
        assert throttle.attempt(OFFICE, wrong).outcome == "wrong"
    assert throttle.wait(OFFICE) == 4.0
    clock.advance(4.0)
    assert throttle.attempt(OFFICE, right).outcome == "ok"
    assert throttle.attempt(OFFICE, wrong).wait == 1.0


def test_one_address_waiting_does_not_slow_down_another() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock)
    for _ in range(5):
        clock.advance(throttle.wait(OFFICE))
        throttle.attempt(OFFICE, wrong)
    assert throttle.wait(OFFICE) == 16.0
    assert throttle.attempt("192.0.2.11", right).outcome == "ok"


def test_failures_from_all_addresses_are_capped_per_minute() -> None:
    """A guesser spreading over many addresses: once the cap is reached, everyone waits until
    the oldest failure of the minute ages out, then attempts are checked again."""
    clock = Clock()
    throttle = LoginThrottle(clock, global_limit=10, global_window=60.0)
    for i in range(10):
        assert throttle.attempt(f"198.51.100.{i}", wrong).outcome == "wrong"
        clock.advance(1.0)
    verdict = throttle.attempt("203.0.113.7", right)
    assert (verdict.outcome, verdict.by, verdict.wait) == ("wait", "global", 50.0)
    clock.advance(50.0)
    assert throttle.attempt("203.0.113.7", right).outcome == "ok"


def test_an_address_quiet_long_enough_starts_afresh() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock)
    for _ in range(6):
        clock.advance(throttle.wait(OFFICE))
        throttle.attempt(OFFICE, wrong)
    clock.advance(FORGET_AFTER)
    assert throttle.attempt(OFFICE, wrong).wait == 1.0


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # no trusted proxy in front: the header is anyone's to write, so it is ignored
        ("192.0.2.50", "198.51.100.1", "192.0.2.50"),
        # behind the proxy: the address the proxy appended, not what the client claimed
        ("127.0.0.1", "203.0.113.9, 198.51.100.1", "198.51.100.1"),
        # two proxies of ours in a row: the first address none of them is
        ("127.0.0.1", "198.51.100.1, 10.0.0.5", "198.51.100.1"),
        # a trusted peer that forwards nothing is the client itself
        ("127.0.0.1", "", "127.0.0.1"),
        # garbage where the proxy's entry should be: keep what the proxy vouched for
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        # IPv6 clients count by their /64
        ("2001:db8:1:2:aaaa::1", "", "2001:db8:1:2::/64"),
        ("127.0.0.1", "2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
    ],
)
def test_client_address_honours_x_forwarded_for_only_from_trusted_proxies(
    peer: str, forwarded: str, expected: str
) -> None:
    assert client_address(peer, forwarded, PROXY) == expected


def test_without_configured_proxies_every_forwarded_header_is_ignored() -> None:
    assert client_address("127.0.0.1", "198.51.100.1", ()) == "127.0.0.1"


def test_only_a_trusted_proxy_can_say_the_browser_used_https() -> None:
    assert forwarded_https("127.0.0.1", "https", PROXY)
    assert not forwarded_https("192.0.2.50", "https", PROXY)
    assert not forwarded_https("127.0.0.1", "http", PROXY)
