"""A cap on request bodies, enforced before any route reads one.

Starlette bounds only the non-file parts of a form: a multipart upload of any size is spooled
to the temporary folder by `request.form()`, and the login and logout routes call it before
anything else, for anyone. Every form of this site is small and url-encoded, so this ASGI
middleware, outside the application, refuses:

- a body that is not `application/x-www-form-urlencoded` (multipart above all) — 415, unread;
- a `Content-Length` over the route's limit — 413, unread;
- a streamed (chunked) body that grows past the limit — 413 as soon as it does.

A body within the limit is read into memory here and handed to the application whole, so the
application never reads from the network itself; nothing is written to disk. A refusal closes
the connection (`Connection: close`), so the rest of an oversized upload is never taken in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

FORM_TYPE = "application/x-www-form-urlencoded"
LOGIN_LIMIT = 4 * 1024  # the login and logout forms: a token, a name, a password, a path
BODY_LIMIT = 64 * 1024  # any other route (the review form is a few hundred bytes)
ROUTE_LIMITS = {"/login": LOGIN_LIMIT, "/logout": LOGIN_LIMIT}

# The Vietnamese text of each refusal (the page shows it; the log says it in English).
REFUSALS = {
    400: "Yêu cầu không hợp lệ.",
    413: "Nội dung gửi lên quá lớn: trang này chỉ nhận biểu mẫu ngắn (tối đa {kb} KB).",
    415: "Trang này không nhận tệp tải lên hay dữ liệu khác ngoài biểu mẫu của chính trang.",
}

Refuse = Callable[[int, str], Response]


class BodyLimit:
    """Refuses oversized and non-form request bodies before the application sees them.

    `refuse(status, message)` builds the error page; `limits` maps a path to its cap,
    `default` caps every other path."""

    def __init__(
        self,
        app: ASGIApp,
        refuse: Refuse,
        limits: Mapping[str, int] | None = None,
        default: int = BODY_LIMIT,
    ) -> None:
        self.app = app
        self.refuse = refuse
        self.limits = dict(ROUTE_LIMITS if limits is None else limits)
        self.default = default

    def limit_for(self, path: str) -> int:
        return self.limits.get(path.rstrip("/") or "/", self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        limit = self.limit_for(scope["path"])
        length = headers.get("content-length")
        chunked = "transfer-encoding" in headers
        if length is None and not chunked:  # no body at all
            await self.app(scope, receive, send)
            return
        problem = _problem(headers, length, limit)
        if problem is not None:
            await self._refuse(scope, send, problem, limit)
            return
        body = await _read(receive, limit)
        if body is None:  # the client went away
            return
        if isinstance(body, int):
            await self._refuse(scope, send, 413, limit)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _refuse(self, scope: Scope, send: Send, status: int, limit: int) -> None:
        client = scope.get("client")
        log.warning(
            "web: refused a %s %s body from %s (status %d; limit %d bytes)",
            scope["method"],
            scope["path"],
            client[0] if client else "?",
            status,
            limit,
        )
        response = self.refuse(status, REFUSALS[status].format(kb=max(1, limit // 1024)))
        response.headers["connection"] = "close"
        await response(scope, _no_body, send)


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        out[key] = f"{out[key]},{text}" if key in out else text
    return out


def _problem(headers: dict[str, str], length: str | None, limit: int) -> int | None:
    """What is wrong with a body judged by its headers alone, or None."""
    if length is not None and not length.strip().isdigit():
        return 400
    declared = int(length) if length is not None else None
    if declared == 0 and "transfer-encoding" not in headers:
        return None  # an empty body: nothing to read, nothing to judge
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM_TYPE:
        return 415
    if declared is not None and declared > limit:
        return 413
    return None


async def _read(receive: Receive, limit: int) -> bytes | int | None:
    """The whole body, or the byte count at which it passed `limit`, or None on disconnect."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return size
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body as one message, then whatever the server says next (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
