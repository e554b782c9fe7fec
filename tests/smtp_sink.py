"""A real SMTP server for tests: aiosmtpd's `Controller` on 127.0.0.1, keeping what it gets.

`stop()` and `start()` reuse the same port, so a test can take the server down and bring it
back as an outage would. Received mail is parsed with the modern `email` policy, so tests
read decoded Vietnamese headers and bodies exactly as a mail client would show them.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    at: float  # time.monotonic() when the DATA was accepted

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]

    @property
    def key(self) -> str:
        return str(self.message["X-CCHC-Key"] or "").strip()

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self,
        server: object,
        session: object,
        envelope: object,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if self.sink.refuse is not None and self.sink.refuse(address):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)  # type: ignore[attr-defined]
        return "250 OK"

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        with self.sink.lock:
            self.sink.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    bytes(envelope.original_content or envelope.content),
                    time.monotonic(),
                )  # type: ignore[attr-defined]
            )
            n = len(self.sink.received)
        return f"250 2.0.0 Ok: queued as SINK{n}"


class SmtpSink:
    """One aiosmtpd server on a fixed loopback port; `received` is every message accepted."""

    def __init__(self, port: int | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.refuse: Callable[[str], bool] | None = None
        self._controller: Controller | None = None

    def start(self) -> SmtpSink:
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def wait_for(self, predicate: Callable[[Received], bool], timeout: float = 10.0) -> Received:
        """The first received message matching `predicate`, polling until `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                for r in self.received:
                    if predicate(r):
                        return r
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"no matching mail within {timeout} s; got {[r.key for r in self.received]}"
                )
            time.sleep(0.05)

    def toml(self, sender: str = "phong.noivu@example.gov.vn", extra: str = "") -> str:
        """The [smtp] section that sends here (plain SMTP, no login)."""
        return (
            f'[smtp]\nhost = "{self.host}"\nport = {self.port}\nsecurity = "none"\nsender = "{sender}"\n'
            f'sender_name = "Phòng Nội vụ huyện Đắk Song"\ntimeout_seconds = 5\n{extra}'
        )


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    try:
        yield sink
    finally:
        sink.stop()
