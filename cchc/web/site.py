"""What every page of the staff site shares: the configuration, the sessions, the templates
(with the Vietnamese labels), one `App` per request, and the `staff` guard."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from cchc.app import App
from cchc.core import labels
from cchc.core.calendar import calendar_for
from cchc.core.config import Config
from cchc.core.errors import ConfigError
from cchc.core.text import without_bidi
from cchc.web import pages
from cchc.web.security import SESSION_COOKIE, Session, SessionStore
from cchc.web.throttle import LoginThrottle, client_address, forwarded_https, trusted_networks

HERE = Path(__file__).parent


def _shown(value: object) -> object:
    """Every value a page shows, bidi controls removed (markup stays markup: a macro's output
    is not escaped twice)."""
    if isinstance(value, Markup):
        return Markup(without_bidi(str(value)))
    return without_bidi(value) if isinstance(value, str) else value


def require_password(config: Config) -> str:
    """Never serve the store unauthenticated: no password, no page."""
    if not config.web.password:
        raise ConfigError(
            f"chưa có mật khẩu cho cán bộ: đặt biến môi trường {config.web.password_env} "
            "(tên do web.password_env quy định) trước khi mở trang web",
            key="web.password_env",
        )
    return config.web.password


class Web:
    """What the routes share: the configuration, the sessions and the templates."""

    def __init__(self, config: Config, host: str | None = None) -> None:
        self.config = config
        self.password = require_password(config)
        self.tz = config.tz
        self.calendar = calendar_for(config.calendar, self.tz)
        self.sessions = SessionStore()
        self.throttle = LoginThrottle()
        self.secure_cookies = config.web.cookies_secure(host)
        self.proxies = trusted_networks(config.web.trusted_proxies)
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
            # no bidi controls on a page, whatever is stored (a U+202E turns "…fdp.exe" around)
            finalize=_shown,
        )
        self.env.filters["when"] = lambda iso, fmt="%d/%m/%Y %H:%M": pages.when(iso, self.tz, fmt)
        self.env.filters["size"] = pages.size
        self.env.filters["urlq"] = lambda s: quote(str(s or ""), safe="")
        self.env.filters["period_label"] = pages.period_label
        self.env.globals.update(
            STATUS=labels.STATUS,
            REASON=labels.REASON,
            GROUP={g.id: g.name for g in config.groups},
            KIND=labels.ATTACHMENT_KIND,
            MATCH=labels.MATCH,
            ACTION=labels.ACTION,
            LEVEL=labels.LEVEL,
            MAIL_KIND=labels.MAIL_KIND,
            MAIL_STATUS=labels.MAIL_STATUS,
            HINT=pages.REVIEW_HINT,
            office=config.office.name,
        )

    @contextmanager
    def open(self) -> Iterator[App]:
        app = App(self.config)
        try:
            yield app
        finally:
            app.close()

    def now(self) -> datetime:
        return datetime.now(self.tz)

    def session(self, request: Request) -> Session | None:
        return self.sessions.get(request.cookies.get(SESSION_COOKIE))

    def client(self, request: Request) -> str:
        """Who is asking: the peer, or what a trusted proxy says it forwarded for."""
        forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
        return client_address(
            request.client.host if request.client else None, forwarded, self.proxies
        )

    def over_plain_http(self, request: Request) -> bool:
        """The browser reached this page without HTTPS (directly, or through no trusted proxy
        that says otherwise): it will then drop `Secure` cookies."""
        if request.url.scheme == "https":
            return False
        peer = request.client.host if request.client else None
        return not forwarded_https(peer, request.headers.get("x-forwarded-proto", ""), self.proxies)

    def render(
        self, template: str, session: Session | None, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        flash = []
        if session is not None:
            flash, session.flash = session.flash, []
        html = self.env.get_template(template).render(
            user=session.user if session else None,
            csrf=session.csrf if session else "",
            flash=flash,
            **context,
        )
        return HTMLResponse(html, status_code=status_code)


Handler = Callable[[Request, Web, Session], Response]


def staff(handler: Handler) -> Callable[[Request], Response]:
    """Pages for logged-in staff only; anyone else is sent to the login page."""

    @functools.wraps(handler)
    def wrapper(request: Request) -> Response:
        web: Web = request.app.state.web
        session = web.session(request)
        if session is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
        return handler(request, web, session)

    return wrapper
