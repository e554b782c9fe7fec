"""The Starlette application: server-rendered Vietnamese pages over the same `App` the CLI uses.

One `App` (one SQLite connection) per request, opened in the worker thread that serves it
(`cchc.web.site.Web.open`): sqlite3 connections must not cross threads, and opening one is
cheap next to a page render. The pages are in `handlers`, the login in `login`.
"""

from __future__ import annotations

import functools

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cchc.core.config import Config
from cchc.web import handlers, login
from cchc.web.limits import BodyLimit
from cchc.web.security import SECURITY_HEADERS
from cchc.web.site import HERE, Web


class SecurityHeaders:
    """Adds the same protective headers to every response (pages, downloads, errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --- the application -----------------------------------------------------------------------


async def _http_error(request: Request, exc: Exception) -> Response:
    web: Web = request.app.state.web
    code = exc.status_code if isinstance(exc, HTTPException) else 500
    message = {404: "Không tìm thấy trang hoặc tệp này.", 405: "Thao tác không được phép."}.get(
        code, "Có lỗi xảy ra."
    )
    return web.render("error.html", None, status_code=code, code=code, message=message)


def _refusal(web: Web, status: int, message: str) -> Response:
    return web.render("error.html", None, status_code=status, code=status, message=message)


def build_app(config: Config, host: str | None = None) -> Starlette:
    """The web application for this configuration (refuses without a staff password). `host`
    is the address it will be served on, when not `web.host` (it decides `Secure` cookies)."""
    web = Web(config, host)
    routes = [
        Route("/", handlers.year_page),
        Route("/year/{year:int}", handlers.year_page),
        Route("/period/{pid}", handlers.period_page),
        Route("/unit/{code}", handlers.unit_page),
        Route("/review", handlers.review_page, methods=["GET"]),
        Route("/review", handlers.review_post, methods=["POST"]),
        Route("/outbox", handlers.outbox_page),
        Route("/health", handlers.health_page),
        Route("/file/{sha}", handlers.download_file),
        Route("/eml/{sha}", handlers.download_eml),
        Route("/export/{kind}", handlers.export_download),
        Route("/login", login.login_form, methods=["GET"]),
        Route("/login", login.login_post, methods=["POST"]),
        Route("/logout", login.logout, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    application = Starlette(routes=routes, exception_handlers={404: _http_error, 405: _http_error})
    application.add_middleware(BodyLimit, refuse=functools.partial(_refusal, web))
    application.add_middleware(SecurityHeaders)  # added last: outermost, on refusals too
    application.state.web = web
    return application
