"""The Starlette application: server-rendered Vietnamese pages over the same `App` the CLI uses.

One `App` (one SQLite connection) per request, opened in the worker thread that serves it:
sqlite3 connections must not cross threads, and opening one is cheap next to a page render.
Reads go through `App.status/submissions/review` and `store.web`; the only write is
`App.review_decide(..., who=<login name>)`, which records who and when.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cchc.app import App
from cchc.core.config import Config
from cchc.core.errors import CchcError, ConfigError, NotFound
from cchc.core.periods import Period, parse_period
from cchc.web import exports, login, pages
from cchc.web.security import (
    SECURITY_HEADERS,
    SESSION_COOKIE,
    LoginThrottle,
    Session,
    SessionStore,
    content_disposition,
    token_ok,
)
from store import web as store_web

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
ACTIONS = ("assign", "approve", "reject")


def require_password(config: Config) -> str:
    """Never serve the store unauthenticated: no password, no page."""
    if not config.web.password:
        raise ConfigError(
            f"no staff password: set the environment variable {config.web.password_env} "
            "(named by web.password_env) before starting the web page",
            key="web.password_env",
        )
    return config.web.password


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


class Web:
    """What the routes share: the configuration, the sessions and the templates."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.password = require_password(config)
        self.tz = config.tz
        self.sessions = SessionStore()
        self.throttle = LoginThrottle()
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["when"] = lambda iso, fmt="%d/%m/%Y %H:%M": pages.when(iso, self.tz, fmt)
        self.env.filters["size"] = pages.size
        self.env.filters["urlq"] = lambda s: quote(str(s or ""), safe="")
        self.env.filters["period_label"] = pages.period_label
        self.env.globals.update(
            STATUS=pages.STATUS_LABEL,
            REASON=pages.REASON_VI,
            GROUP=pages.GROUP_LABEL,
            KIND=pages.KIND_LABEL,
            MATCH=pages.MATCH_LABEL,
            ACTION=pages.ACTION_LABEL,
            LEVEL=pages.LEVEL_LABEL,
            MAIL_KIND=pages.MAIL_KIND_LABEL,
            HINT=pages.REVIEW_HINT,
            SHORT=pages.SHORT_PERIOD,
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


def _nav(app: App) -> dict[str, Any]:
    return {"review_count": len(store_web.review_keys(app.db))}


def _year_param(value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    if not value.isdigit() or not 2000 <= int(value) <= 2100:
        raise HTTPException(404)
    return int(value)


# --- pages ---------------------------------------------------------------------------------


@staff
def year_page(request: Request, web: Web, session: Session) -> Response:
    now = web.now()
    with web.open() as app:
        first, last = store_web.received_range(app.db)
        default = pages.default_year(last, now)
        raw_year = request.path_params.get("year")
        year = _year_param(
            str(raw_year) if raw_year is not None else request.query_params.get("year"), default
        )
        statuses = [app.status(p.id, now) for p in pages.year_periods(year)]
        grid = pages.matrix(year, statuses, app.units)
        years = sorted({now.year, year} | _years_between(first, last, web))
        return web.render(
            "year.html", session, grid=grid, years=years, at=now.isoformat(), **_nav(app)
        )


def _years_between(first: float | None, last: float | None, web: Web) -> set[int]:
    if first is None or last is None:
        return set()
    a = datetime.fromtimestamp(first, web.tz).year
    b = datetime.fromtimestamp(last, web.tz).year
    return set(range(a, b + 1))


def _period(pid: str) -> Period:
    try:
        return parse_period(pid)
    except CchcError:
        raise HTTPException(404) from None


@staff
def period_page(request: Request, web: Web, session: Session) -> Response:
    period = _period(request.path_params["pid"])
    now = web.now()
    with web.open() as app:
        data = app.status(period.id, now)
        counts = {k: 0 for k in pages.STATUS_LABEL}
        for u in data["units"]:
            counts[u["status"]] += 1
        buttons = [
            {
                "kind": e.kind,
                "label": e.label,
                "ext": e.ext,
                "available": exports.available(e.kind),
                "href": f"/export/{e.kind}?"
                + urlencode(
                    {"period": period.id} if e.scope == "period" else {"year": period.year}
                ),
            }
            for e in exports.EXPORTS.values()
        ]
        return web.render(
            "period.html",
            session,
            data=data,
            period=period,
            counts=counts,
            buttons=buttons,
            **_nav(app),
        )


@functools.cache
def _section_titles() -> dict[str, str]:
    from parsers.outline import load_outline

    return {s.id: s.title for s in load_outline().sections}


@staff
def unit_page(request: Request, web: Web, session: Session) -> Response:
    code = request.path_params["code"]
    now = web.now()
    with web.open() as app:
        unit = next((u for u in app.units if u.code == code), None)
        if unit is None:
            raise HTTPException(404)
        subs = app.submissions(unit=code)
        raw = store_web.raw_hashes(app.db, [s["message_id"] for s in subs])
        _, last = store_web.received_range(app.db)
        default = int(subs[-1]["period"][:4]) if subs else pages.default_year(last, now)
        year = _year_param(request.query_params.get("year"), default)
        overview = []
        for p in pages.year_periods(year):
            entry = next((u for u in app.status(p.id, now)["units"] if u["unit"] == code), None)
            overview.append({"period": p, "entry": entry})
        by_period: dict[str, list[dict[str, Any]]] = {}
        for s in subs:
            s["raw_sha256"] = raw.get(s["message_id"])
            period = parse_period(s["period"])
            s["on_time"] = datetime.fromisoformat(s["received_at"]) < app.period_due(period)
            by_period.setdefault(s["period"], []).append(s)
        groups = [
            (parse_period(pid), items)
            for pid, items in sorted(
                by_period.items(), key=lambda kv: parse_period(kv[0]), reverse=True
            )
        ]
        return web.render(
            "unit.html",
            session,
            unit=unit,
            groups=groups,
            overview=overview,
            year=year,
            titles=_section_titles(),
            **_nav(app),
        )


@staff
def review_page(request: Request, web: Web, session: Session) -> Response:
    with web.open() as app:
        items = app.review()
        keys = store_web.review_keys(app.db)
        if len(keys) != len(items) or any(
            k["message_id"] != i["message_id"] for k, i in zip(keys, items, strict=False)
        ):
            keys = [{"ref": None, "message_id": i["message_id"], "raw_sha256": None} for i in items]
        files = store_web.attachments_of(app.db, [k["ref"] for k in keys if k["ref"] is not None])
        names = {u.code: u.name for u in app.units}
        for item, key in zip(items, keys, strict=True):
            item["key"] = item["message_id"] or (str(key["ref"]) if key["ref"] is not None else "")
            item["raw_sha256"] = key["raw_sha256"]
            item["files"] = files.get(key["ref"], []) if key["ref"] is not None else []
            item["unit_name"] = names.get(item["unit"] or "", "")
        units_by_group: dict[str, list[Any]] = {}
        for u in app.units:
            units_by_group.setdefault(u.group, []).append(u)
        decisions = store_web.recent_decisions(app.db)
        return web.render(
            "review.html",
            session,
            items=items,
            units_by_group=units_by_group,
            decisions=decisions,
            unit_names=names,
            review_count=len(items),
        )


async def review_post(request: Request) -> Response:
    web: Web = request.app.state.web
    session = web.session(request)
    if session is None:
        return RedirectResponse("/login?next=/review", status_code=303)
    form = await request.form()
    if not token_ok(str(form.get("csrf") or ""), session.csrf):
        return web.render(
            "error.html",
            session,
            status_code=403,
            code=403,
            message="Yêu cầu không hợp lệ (mã bảo vệ biểu mẫu sai hoặc đã hết hạn). Hãy tải lại trang và thử lại.",
        )
    key = str(form.get("message") or "").strip()
    action = str(form.get("action") or "")
    unit = str(form.get("unit") or "").strip() or None
    if action not in ACTIONS or not key:
        return web.render(
            "error.html", session, status_code=400, code=400, message="Thao tác không hợp lệ."
        )
    try:
        await run_in_threadpool(_decide, web, key, action, unit, session.user)
    except NotFound:
        session.flash.append(
            ("error", "Không tìm thấy thư hoặc đơn vị đã chọn; danh sách có thể vừa thay đổi.")
        )
    else:
        done = {
            "assign": f"Đã gán thư cho đơn vị {unit}; địa chỉ người gửi đã được ghi nhớ.",
            "approve": "Đã chấp nhận thư.",
            "reject": "Đã loại thư (không tính là báo cáo).",
        }[action]
        session.flash.append(("ok", done))
    return RedirectResponse("/review", status_code=303)


def _decide(web: Web, key: str, action: str, unit: str | None, who: str) -> None:
    with web.open() as app:
        app.review_decide(key, action, unit if action == "assign" else None, who=who)
    log.info("web review %s %s unit=%s by %s", action, key, unit, who)


@staff
def outbox_page(request: Request, web: Web, session: Session) -> Response:
    with web.open() as app:
        mail = store_web.outbox(app.db)
        known = [s for s, _ in pages.OUTBOX_STATUS]
        sections = [
            (label, [m for m in mail if m["status"] == s]) for s, label in pages.OUTBOX_STATUS
        ]
        others = [m for m in mail if m["status"] not in known]
        if others:
            sections.append(("Khác", others))
        return web.render(
            "outbox.html",
            session,
            sections=sections,
            counts=store_web.outbox_counts(app.db),
            **_nav(app),
        )


@staff
def health_page(request: Request, web: Web, session: Session) -> Response:
    now = web.now()
    with web.open() as app:
        latest = store_web.health_latest(app.db)
        last_check = latest["check_ok"]["at"] if latest["check_ok"] else None
        failures = store_web.health_rows(app.db, "login_failed")
        day_ago = now.timestamp() - 86400
        failed_24h = sum(
            1
            for f in failures
            if (m := pages.parse_instant(f["at"], web.tz)) is not None and m.timestamp() >= day_ago
        )
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        _, last = store_web.received_range(app.db)
        health = pages.Health(
            last_check=last_check,
            check_stale=pages.check_is_stale(
                pages.parse_instant(last_check, web.tz), now, web.config.imap.poll_seconds
            ),
            last_login_failed=latest["login_failed"],
            login_failed_24h=failed_24h,
            last_error=latest["error"],
            sent_today=_sent_since(app, midnight),
            daily_limit=web.config.smtp.daily_limit,
            outbox_counts=store_web.outbox_counts(app.db),
            review=len(store_web.review_keys(app.db)),
            messages=store_web.message_count(app.db),
            last_received=datetime.fromtimestamp(last, web.tz).isoformat() if last else None,
        )
        errors = store_web.health_rows(app.db, "error", limit=10)
        return web.render(
            "health.html",
            session,
            health=health,
            failures=failures[:10],
            errors=errors,
            now=now.isoformat(),
            **_nav(app),
        )


def _sent_since(app: App, since: datetime) -> int:
    """Recipients sent to since `since`, counted exactly as the outbox counts its budget."""
    try:
        from store.outbox import recipients_sent_since
    except ImportError:  # a build without the outbox sends nothing
        return 0
    return recipients_sent_since(app.db, since)


# --- downloads -----------------------------------------------------------------------------


@staff
def download_file(request: Request, web: Web, session: Session) -> Response:
    """An archived attachment, by content hash only: the hash is looked up in the store and the
    path comes from the archive, never from the request."""
    with web.open() as app:
        row = store_web.attachment_by_sha(app.db, request.path_params["sha"])
        path = app.archive.find_file(row["sha256"]) if row else None
    if row is None or path is None:
        raise HTTPException(404)
    return FileResponse(
        path,
        media_type="application/octet-stream",
        headers={"Content-Disposition": content_disposition(row["filename"])},
    )


@staff
def download_eml(request: Request, web: Web, session: Session) -> Response:
    """The message exactly as it arrived (evidence), by the hash of its raw bytes."""
    with web.open() as app:
        row = store_web.message_by_raw_sha(app.db, request.path_params["sha"])
        path = app.archive.raw_path(row["raw_sha256"]) if row else None
    if row is None or path is None or not path.is_file():
        raise HTTPException(404)
    name = f"{pages.when(row['received_at'], web.tz, '%Y-%m-%d %H%M')} {(row['subject'] or 'thu')[:80]}.eml"
    return FileResponse(
        path,
        media_type="message/rfc822",
        headers={"Content-Disposition": content_disposition(name)},
    )


@staff
def export_download(request: Request, web: Web, session: Session) -> Response:
    spec = exports.EXPORTS.get(request.path_params["kind"])
    if spec is None:
        raise HTTPException(404)
    arg: str | int
    if spec.scope == "period":
        arg = _period(request.query_params.get("period", "")).id
    else:
        arg = _year_param(request.query_params.get("year", ""), 0)
        if arg == 0:
            raise HTTPException(404)
    try:
        with web.open() as app:
            data = exports.build(app, spec.kind, arg)
    except exports.ExportUnavailable as exc:
        log.warning("export %s unavailable: %s", spec.kind, exc)
        return web.render(
            "error.html",
            session,
            status_code=503,
            code=503,
            message="Chức năng xuất tệp này chưa có trong phiên bản đang chạy.",
        )
    except CchcError as exc:
        return web.render("error.html", session, status_code=400, code=400, message=str(exc))
    return Response(
        data,
        media_type=spec.media_type,
        headers={"Content-Disposition": content_disposition(spec.filename(str(arg)))},
    )


# --- the application -----------------------------------------------------------------------


async def _http_error(request: Request, exc: Exception) -> Response:
    web: Web = request.app.state.web
    code = exc.status_code if isinstance(exc, HTTPException) else 500
    message = {404: "Không tìm thấy trang hoặc tệp này.", 405: "Thao tác không được phép."}.get(
        code, "Có lỗi xảy ra."
    )
    return web.render("error.html", None, status_code=code, code=code, message=message)


def build_app(config: Config) -> Starlette:
    """The web application for this configuration (refuses without a staff password)."""
    web = Web(config)
    routes = [
        Route("/", year_page),
        Route("/year/{year:int}", year_page),
        Route("/period/{pid}", period_page),
        Route("/unit/{code}", unit_page),
        Route("/review", review_page, methods=["GET"]),
        Route("/review", review_post, methods=["POST"]),
        Route("/outbox", outbox_page),
        Route("/health", health_page),
        Route("/file/{sha}", download_file),
        Route("/eml/{sha}", download_eml),
        Route("/export/{kind}", export_download),
        Route("/login", login.login_form, methods=["GET"]),
        Route("/login", login.login_post, methods=["POST"]),
        Route("/logout", login.logout, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    application = Starlette(routes=routes, exception_handlers={404: _http_error, 405: _http_error})
    application.add_middleware(SecurityHeaders)
    application.state.web = web
    return application
