"""The staff site's pages and downloads, each a thin handler over the library's views.

Reads go through `App.status/submissions/review` and the store's read modules; the only write
is a review decision (`App.review_decide(..., who=<login name>)`), which records who and when.
Downloads go by content hash only: nothing from the request becomes a path.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from cchc import views
from cchc.app import App
from cchc.core import labels
from cchc.core.errors import CchcError, NotFound
from cchc.core.periods import Period, parse_period
from cchc.core.text import fold
from cchc.core.verdicts import REVIEW_REASONS
from cchc.staff import ACTIONS
from cchc.web import exports, pages
from cchc.web.security import Session, content_disposition, token_ok
from cchc.web.site import Web, staff
from store import health, read
from store import outbox as outbox_store
from store import web as store_web

log = logging.getLogger(__name__)


def _nav(app: App) -> dict[str, Any]:
    return {"review_count": app.review_count()}


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
        first, last = read.received_range(app.db)
        default = pages.default_year(last, now)
        raw_year = request.path_params.get("year")
        year = _year_param(
            str(raw_year) if raw_year is not None else request.query_params.get("year"), default
        )
        statuses = [app.status(p.id, now) for p in app.calendar.periods_of(year)]
        groups = [g.id for g in app.config.groups]
        grid = pages.matrix(year, statuses, app.units_in_group_order(), groups)
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


def _period(web: Web, pid: str) -> Period:
    """A period this office collects, or 404."""
    try:
        return web.calendar.period(pid)
    except CchcError:
        raise HTTPException(404) from None


@staff
def period_page(request: Request, web: Web, session: Session) -> Response:
    period = _period(web, request.path_params["pid"])
    now = web.now()
    with web.open() as app:
        data = app.status(period.id, now)
        counts = dict.fromkeys(labels.STATUS, 0)
        for u in data["units"]:
            counts[u["status"]] += 1
        buttons = [
            {
                "kind": e.kind,
                "label": e.label,
                "ext": e.ext,
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
        _, last = read.received_range(app.db)
        default = int(subs[-1]["period"][:4]) if subs else pages.default_year(last, now)
        year = _year_param(request.query_params.get("year"), default)
        overview = []
        for p in app.calendar.periods_of(year):
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
            titles={s.id: s.title for s in app.specs.outline.sections},
            **_nav(app),
        )


@staff
def review_page(request: Request, web: Web, session: Session) -> Response:
    """One page of the queue (`?reason=` one reason's items, `?page=` which page) and one
    unit list for every item's picker: the page weighs the same for 20 units or 3,300, and
    for 30 items or 9,000."""
    reason = _reason_param(request.query_params.get("reason"))
    with web.open() as app:
        counts = read.review_counts(app.db)
        total = counts.get(reason, 0) if reason else sum(counts.values())
        pages_n = max(1, -(-total // REVIEW_PAGE))
        page = min(_page_param(request.query_params.get("page")), pages_n)
        items = views.review(
            app, with_keys=True, reason=reason, limit=REVIEW_PAGE, offset=(page - 1) * REVIEW_PAGE
        )
        files = read.attachments(app.db, [item["ref"] for item in items])
        names = app.unit_names()
        for item in items:
            item["key"] = item["message_id"] or str(item["ref"])
            item["files"] = files.get(item["ref"], [])
            item["unit_name"] = names.get(item["unit"] or "", "")
        return web.render(
            "review.html",
            session,
            items=items,
            units=app.units_in_group_order(),
            decisions=store_web.recent_decisions(app.db),
            unit_names=names,
            review_count=sum(counts.values()),
            counts=counts,
            reason=reason,
            page=page,
            pages=pages_n,
            total=total,
            first=(page - 1) * REVIEW_PAGE,
            here=_review_query(reason, page),
        )


REVIEW_PAGE = 50  # items per page of the review queue


def _reason_param(value: str | None) -> str | None:
    return value if value in REVIEW_REASONS else None


def _page_param(value: str | None) -> int:
    return int(value) if value and value.isdigit() and 0 < int(value) < 1_000_000 else 1


def _review_query(reason: str | None, page: int) -> str:
    """The review page's own address, rebuilt from checked values only."""
    query = {k: v for k, v in (("reason", reason), ("page", page if page > 1 else None)) if v}
    return "/review" + ("?" + urlencode(query) if query else "")


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
    back = _review_query(
        _reason_param(str(form.get("reason") or "")), _page_param(str(form.get("page") or ""))
    )
    if action not in ACTIONS or not key:
        return web.render(
            "error.html", session, status_code=400, code=400, message="Thao tác không hợp lệ."
        )
    try:
        unit_name = await run_in_threadpool(_decide, web, key, action, unit, session.user)
    except NotFound:
        session.flash.append(
            ("error", "Không tìm thấy thư hoặc đơn vị đã chọn; danh sách có thể vừa thay đổi.")
        )
    else:
        done = {
            "assign": f"Đã gán thư cho {unit_name}; địa chỉ người gửi đã được ghi nhớ.",
            "approve": "Đã chấp nhận thư.",
            "reject": "Đã loại thư (không tính là báo cáo).",
        }[action]
        session.flash.append(("ok", done))
    return RedirectResponse(back, status_code=303)


def unit_code_of(app: App, typed: str) -> str:
    """The unit picker sends "Name (code)"; a clerk may also type the code, or the name in
    full. Anything else is passed on as it is (and refused as an unknown unit)."""
    codes = {u.code for u in app.units}
    picked = re.fullmatch(r".*\(([^()]+)\)\s*", typed)
    if picked and picked.group(1) in codes:
        return picked.group(1)
    if typed in codes:
        return typed
    folded = fold(typed)
    named = [u.code for u in app.units if fold(u.name) == folded]
    return named[0] if len(named) == 1 else typed


def _decide(web: Web, key: str, action: str, unit: str | None, who: str) -> str:
    """Record the decision; the name of the unit assigned (for the confirmation)."""
    with web.open() as app:
        if action == "assign" and unit:
            unit = unit_code_of(app, unit)
        app.review_decide(key, action, unit if action == "assign" else None, who=who)
        log.info("web review %s %s unit=%s by %s", action, key, unit, who)
        return app.unit_names().get(unit or "", unit or "")


@staff
def outbox_page(request: Request, web: Web, session: Session) -> Response:
    with web.open() as app:
        mail = store_web.outbox(app.db)
        sections = [
            (labels.MAIL_STATUS[s], [m for m in mail if m["status"] == s])
            for s in pages.OUTBOX_STATUS
        ]
        others = [m for m in mail if m["status"] not in pages.OUTBOX_STATUS]
        if others:
            sections.append(("Khác", others))
        return web.render(
            "outbox.html",
            session,
            sections=sections,
            counts=outbox_store.status_counts(app.db),
            **_nav(app),
        )


@staff
def health_page(request: Request, web: Web, session: Session) -> Response:
    now = web.now()
    with web.open() as app:
        latest = health.latest(app.db)
        last_check = latest["check_ok"]["at"] if latest["check_ok"] else None
        failures = health.history(app.db, "login_failed")
        day_ago = now.timestamp() - 86400
        failed_24h = sum(
            1
            for f in failures
            if (m := pages.parse_instant(f["at"], web.tz)) is not None and m.timestamp() >= day_ago
        )
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        _, last = read.received_range(app.db)
        page = pages.Health(
            last_check=last_check,
            check_stale=pages.check_is_stale(
                pages.parse_instant(last_check, web.tz), now, web.config.imap.poll_seconds
            ),
            last_login_failed=latest["login_failed"],
            login_failed_24h=failed_24h,
            last_error=latest["error"],
            sent_today=outbox_store.recipients_sent_since(app.db, midnight),
            daily_limit=web.config.smtp.daily_limit,
            outbox_counts=outbox_store.status_counts(app.db),
            review=app.review_count(),
            messages=read.message_count(app.db),
            last_received=datetime.fromtimestamp(last, web.tz).isoformat() if last else None,
        )
        errors = health.history(app.db, "error", limit=10)
        return web.render(
            "health.html",
            session,
            health=page,
            failures=failures[:10],
            errors=errors,
            now=now.isoformat(),
            **_nav(app),
        )


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
        arg = _period(web, request.query_params.get("period", "")).id
    else:
        arg = _year_param(request.query_params.get("year", ""), 0)
        if arg == 0:
            raise HTTPException(404)
    try:
        with web.open() as app:
            data = exports.build(app, spec.kind, arg)
    except CchcError as exc:
        return web.render("error.html", session, status_code=400, code=400, message=str(exc))
    return Response(
        data,
        media_type=spec.media_type,
        headers={"Content-Disposition": content_disposition(spec.filename(str(arg)))},
    )
