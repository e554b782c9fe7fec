"""Logging in and out. The login form carries a one-time token matched against a short-lived
cookie (login CSRF); a successful login gets a brand-new random session id (no fixation);
failures slow down further attempts from the same client address (`throttle`) and are logged
without the password. Both cookies are `Secure` when `web.secure_cookies` says so.
"""

from __future__ import annotations

import logging
import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cchc.web.security import (
    PRELOGIN_COOKIE,
    SESSION_COOKIE,
    clean_login,
    password_ok,
    safe_next,
    token_ok,
)
from cchc.web.site import Web
from cchc.web.throttle import Verdict

log = logging.getLogger(__name__)


def login_form(request: Request) -> Response:
    web: Web = request.app.state.web
    target = safe_next(request.query_params.get("next"))
    if web.session(request) is not None:
        return RedirectResponse(target, status_code=303)
    return _login_page(web, request, target)


def _login_page(
    web: Web,
    request: Request,
    target: str,
    error: str | None = None,
    status_code: int = 200,
    name: str = "",
) -> Response:
    token = secrets.token_urlsafe(32)
    response = web.render(
        "login.html",
        None,
        status_code=status_code,
        token=token,
        target=target,
        error=error,
        login_name=name,
        needs_https=web.secure_cookies and web.over_plain_http(request),
    )
    response.set_cookie(
        PRELOGIN_COOKIE,
        token,
        max_age=3600,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=web.secure_cookies,
    )
    return response


def _wait_text(verdict: Verdict) -> str:
    if verdict.by == "global":
        return (
            "Có quá nhiều lần đăng nhập sai trong phút vừa qua. "
            f"Vui lòng đợi {verdict.seconds} giây rồi thử lại."
        )
    return f"Đăng nhập sai nhiều lần. Vui lòng đợi {verdict.seconds} giây rồi thử lại."


async def login_post(request: Request) -> Response:
    web: Web = request.app.state.web
    form = await request.form()
    target = safe_next(str(form.get("next") or "/"))
    if not token_ok(str(form.get("csrf") or ""), request.cookies.get(PRELOGIN_COOKIE)):
        return _login_page(
            web, request, target, "Trang đăng nhập đã hết hạn. Hãy nhập lại mật khẩu.", 403
        )
    client = web.client(request)
    name = clean_login(str(form.get("user") or ""))
    if not name:
        return _login_page(
            web,
            request,
            target,
            "Hãy nhập tên cán bộ (tên này được ghi cùng mỗi quyết định).",
            400,
            name,
        )
    password = str(form.get("password") or "")
    verdict = web.throttle.attempt(client, lambda: password_ok(password, web.password))
    if verdict.outcome == "wait":
        log.warning(
            "web login from %s refused: %ds left of the %s delay",
            client,
            verdict.seconds,
            verdict.by,
        )
        response = _login_page(web, request, target, _wait_text(verdict), 429, name)
        response.headers["Retry-After"] = str(verdict.seconds)
        return response
    if verdict.outcome == "wrong":
        log.warning("web login failed for %r from %s", name, client)
        error = "Mật khẩu không đúng."
        if verdict.seconds:
            error += f" Có thể thử lại sau {verdict.seconds} giây."
        return _login_page(web, request, target, error, 401, name)
    sid, _ = web.sessions.create(name)
    log.info("web login %r from %s", name, client)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, sid, path="/", httponly=True, samesite="lax", secure=web.secure_cookies
    )
    response.delete_cookie(PRELOGIN_COOKIE, path="/login", secure=web.secure_cookies)
    return response


async def logout(request: Request) -> Response:
    web: Web = request.app.state.web
    session = web.session(request)
    form = await request.form()
    if session is not None:
        if not token_ok(str(form.get("csrf") or ""), session.csrf):
            return web.render(
                "error.html", session, status_code=403, code=403, message="Yêu cầu không hợp lệ."
            )
        web.sessions.drop(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=web.secure_cookies)
    return response
