"""Request bodies are capped before any route reads them (issue 12, item 2): a client without a
session once spooled 1.5 GB to the temporary folder through `POST /login`.

The requests are written by hand on a socket, as an attacker would, so that the test sees
whether the server answers before the body is sent."""

from __future__ import annotations

import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from cchc.web.limits import BODY_LIMIT, LOGIN_LIMIT

from .conftest import Served, form_token, login

FORM = "application/x-www-form-urlencoded"
BOUNDARY = "----cchc-test-boundary"


@pytest.fixture
def temp_files(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every temporary file this process creates during the test (a spooled upload is one)."""
    created: list[str] = []
    for name in ("TemporaryFile", "NamedTemporaryFile", "mkstemp"):
        real: Callable[..., Any] = getattr(tempfile, name)

        def spy(*args: Any, _real: Callable[..., Any] = real, _name: str = name, **kw: Any) -> Any:
            created.append(_name)
            return _real(*args, **kw)

        monkeypatch.setattr(tempfile, name, spy)
    yield created


def _connect(served: Served) -> socket.socket:
    return socket.create_connection(("127.0.0.1", served.server.port), timeout=5)


def _head(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def _reply(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One response: status, headers (lower-case names), and what followed them."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, rest


def _rest(sock: socket.socket) -> bytes:
    """Everything until the server closes the connection."""
    out = b""
    while chunk := sock.recv(65536):
        out += chunk
    return out


def test_a_huge_login_body_without_a_session_is_refused_before_it_is_sent(
    case_web: Served, temp_files: list[str]
) -> None:
    """1.5 GB announced, nothing of it sent: the answer comes at once, the connection is closed
    (the rest is never taken in), and no temporary file was made."""
    started = time.monotonic()
    with _connect(case_web) as sock:
        sock.sendall(_head("/login", {"Content-Type": FORM, "Content-Length": "1500000000"}))
        status, headers, rest = _reply(sock)
        body = (rest + _rest(sock)).decode("utf-8")
    assert status == 413
    assert time.monotonic() - started < 3
    assert headers["connection"] == "close"
    assert "Nội dung gửi lên quá lớn" in body and f"tối đa {LOGIN_LIMIT // 1024} KB" in body
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert temp_files == []


def test_a_multipart_upload_to_login_is_refused_before_any_of_it_is_read(
    case_web: Served, temp_files: list[str]
) -> None:
    """A client that asks first (`Expect: 100-continue`, as curl does) is told no; one that
    went on anyway would have its 2 MB file spooled to disk by the form parser."""
    part = (
        (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="f"; filename="x.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + b"\0" * (2 * 1024 * 1024)
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    with _connect(case_web) as sock:
        sock.sendall(
            _head(
                "/login",
                {
                    "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                    "Content-Length": str(len(part)),
                    "Expect": "100-continue",
                },
            )
        )
        status, _, _ = _reply(sock)
        if status == 100:  # the server wants the body: what the old page did
            sock.sendall(part)
            status, _, _ = _reply(sock)
    assert temp_files == []
    assert status == 415


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data; boundary=x", "application/json", "text/plain", None],
)
def test_a_body_that_is_not_a_form_is_refused_unread_on_any_route(
    case_web: Served, content_type: str | None
) -> None:
    headers = {"Content-Length": "100"}
    if content_type:
        headers["Content-Type"] = content_type
    for path in ("/logout", "/review"):
        with _connect(case_web) as sock:
            sock.sendall(_head(path, headers))
            assert _reply(sock)[0] == 415


def test_a_streamed_login_body_is_cut_off_as_soon_as_it_passes_the_limit(
    case_web: Served, temp_files: list[str]
) -> None:
    """Chunked, no length announced: the server counts what arrives and answers 413 once the
    login form's limit is passed, without waiting for the end."""
    sent = 0
    status = None
    with _connect(case_web) as sock:
        sock.sendall(_head("/login", {"Content-Type": FORM, "Transfer-Encoding": "chunked"}))
        for _ in range(64):
            chunk = b"a" * 1024
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
            sock.settimeout(0.5)
            try:
                status = _reply(sock)[0]
                break
            except TimeoutError:
                continue
    assert status == 413
    assert sent <= LOGIN_LIMIT + 1024
    assert temp_files == []


def test_a_staff_review_post_over_the_route_limit_is_refused(
    case_web: Served, staff_client: httpx.Client
) -> None:
    token = form_token(staff_client.get("/review").text)
    reply = staff_client.post(
        "/review", data={"csrf": token, "message": "x" * BODY_LIMIT, "action": "reject"}
    )
    assert reply.status_code == 413


def test_a_login_form_of_ordinary_size_still_logs_in(case_web: Served) -> None:
    """A long Vietnamese name and passphrase are well inside the limit."""
    with httpx.Client(base_url=case_web.url) as client:
        login(client, user="Nguyễn Thị Thu Hương " * 3)
        assert client.get("/review").status_code == 200
