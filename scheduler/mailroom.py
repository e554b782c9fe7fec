"""From the store to the outbox: gather the planner's inputs, plan, write, queue, send.

The one function `process` is what `cchc remind`, `cchc digest` and every job of `cchc run`
call, so the service and the command line cannot disagree about what is due. The decisions
are in `scheduler.plan` (pure); the words in `cchc.mailtext`; SMTP in `cchc.outbox`.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from cchc.app import App
from cchc.core import labels
from cchc.core.periods import Period, parse_period
from cchc.core.verdicts import REPORTED
from cchc.exports.period_status import build_period_status_xlsx
from cchc.mailtext import Renderer
from cchc.outbox import FlushReport, NewMail, Outbox
from scheduler import plan
from scheduler.plan import AckFact, PlannedMail
from store import health
from store import outbox as store

log = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REMIND_KINDS = ("ack", "reminder", "escalation")
# Findings worth telling the sender (the outline's missing sections are listed on their own).
_TOLD_LEVELS = ("error", "warning")
SCANNED = "attachment.scanned"


def renderer_for(app: App) -> Renderer:
    cfg = app.config
    return Renderer(app.tz, cfg.mail_templates, office=cfg.office.name, notify=cfg.office.notify)


# --- gathering ----------------------------------------------------------------------------


def ack_facts(app: App, at: datetime) -> list[AckFact]:
    """Recent counted reports (and report mail without attachment) not yet acknowledged."""
    since = at - plan.ACK_MAX_AGE
    candidates = store.ack_candidates(app.db, since.timestamp(), at.timestamp())
    names = {u.code: u.name for u in app.units}
    titles = {s.id: s.title for s in app.specs.outline.sections}
    out = []
    for c in candidates:
        received = datetime.fromtimestamp(c["received_ts"], app.tz)
        period: Period | None = parse_period(c["period"]) if c["period"] else None
        due_at = app.period_due(period) if period else None
        common: dict[str, Any] = dict(
            message_id=c["message_id"],
            raw_sha256=c["raw_sha256"],
            sender=c["from_addr"] or "",
            received_at=received,
            subject=c["subject"] or "",
            unit=c["unit"],
            unit_name=names.get(c["unit"], c["unit"]),
            period=c["period"],
            period_name=period.name if period else None,
            due=due_at,
        )
        if not c["counts"]:
            out.append(AckFact(kind="no_attachment", **common))
            continue
        assert period is not None and due_at is not None
        first_ts = store.first_report_ts(app.db, c["unit"], c["period"])
        # already queued: its words are written
        notes = {} if c["queued"] else _content_notes(app, c, titles)
        out.append(
            AckFact(
                kind="correction" if c["first_ref"] is not None else "counted",
                on_time=first_ts is not None and first_ts < due_at.timestamp(),
                **notes,
                **common,
            )
        )
    return out


def _content_notes(app: App, c: dict[str, Any], titles: dict[str, str]) -> dict[str, Any]:
    """What the acknowledgement says about the content: missing sections, failed checks,
    unreadable files, scans (read by OCR or not) and, for a scan, the one-stop table asked
    for as .xlsx when the unit has not sent it for the period."""
    subs = app.submissions(c["period"], c["unit"])
    sub = _submission(app, c, subs)
    if sub is None:
        return {}
    scans = [f for f in sub["findings"] if f["code"] == SCANNED]
    received = datetime.fromisoformat(sub["received_at"])
    table_sent = any(
        s["onestop"] is not None and datetime.fromisoformat(s["received_at"]) <= received
        for s in subs
    )
    return {
        "outline_missing": tuple(
            (i, titles.get(i, "")) for i in (sub["outline"] or {}).get("missing", ())
        ),
        "problems": tuple(
            {k: f[k] for k in ("code", "level", "message", "attachment")}
            for f in sub["findings"]
            if f["level"] in _TOLD_LEVELS and f["code"] != "outline.missing"
        ),
        "unreadable": tuple(
            a["filename"] for a in sub["attachments"] if a["kind"] == "unparseable"
        ),
        "scanned": tuple(
            name for f in scans for name in (f.get("detail") or {}).get("files", [f["attachment"]])
        ),
        "scan_unread": any((f.get("detail") or {}).get("ocr") != "read" for f in scans),
        "ask_table": bool(scans) and not table_sent,
    }


def _submission(app: App, c: dict[str, Any], subs: list[dict[str, Any]]) -> dict[str, Any] | None:
    received_iso = datetime.fromtimestamp(c["received_ts"], app.tz).isoformat()
    for s in subs:
        if (c["message_id"] and s["message_id"] == c["message_id"]) or (
            not c["message_id"]
            and s["received_at"] == received_iso
            and s["subject"] == c["subject"]
        ):
            return s
    return None


def due_mail(app: App, at: datetime, kinds: Sequence[str] = REMIND_KINDS) -> list[PlannedMail]:
    """Every mail due at `at` of the given kinds, whether or not it is already in the outbox."""
    cfg, tz = app.config, app.tz
    out: list[PlannedMail] = []
    if "ack" in kinds and cfg.ack.enabled:
        out += plan.plan_acks(at, ack_facts(app, at))
    if "reminder" in kinds:
        steps = plan.reminder_steps(at, cfg.calendar, tz)
        counted = {
            s.period.id: store.counted_units(app.db, s.period.id, at.timestamp())
            for s in steps
            if s.period
        }
        out += plan.plan_reminders(at, steps, app.units, counted, cfg.calendar, tz)
    if "escalation" in kinds:
        steps = plan.escalation_steps(at, cfg.calendar, tz)
        statuses = {s.period.id: app.status(s.period.id, at) for s in steps if s.period}
        out += plan.plan_escalations(at, steps, cfg.office.notify, statuses)
    if "digest" in kinds:
        step = plan.digest_step(at, cfg.calendar, tz)
        if cfg.office.notify:
            out += plan.plan_digest(step, cfg.office.notify, digest_data(app, step, at))
    return out


def digest_data(app: App, step: plan.Step, at: datetime) -> dict[str, Any]:
    """What the digest shows: the day before its instant, the queue and the health as of `at`."""
    cfg = app.config
    until = step.scheduled
    since = until - timedelta(days=1)
    names = app.unit_names()
    arrivals = [
        {
            **m,
            "unit_name": names.get(m["unit"] or "", ""),
            "disposition_vi": labels.word(labels.DISPOSITION, m["disposition"]),
        }
        for m in app.messages(since)
        if datetime.fromisoformat(m["received_at"]) < until
    ]
    review = [
        {**r, "reason_vi": labels.word(labels.REASON, r["reason"])}
        for r in app.review()
        if datetime.fromisoformat(r["received_at"]) < at  # a replay (--at) shows that day's queue
    ]
    problems = [
        {**f, "unit_name": names.get(f["unit"] or "", f["from_addr"] or "")}
        for f in store.findings_between(app.db, since.timestamp(), until.timestamp())
    ]
    checks = health.since(app.db, at - timedelta(days=1))
    counts = store.status_counts(app.db)
    mail = {
        "today": Outbox(app.db, cfg.smtp, app.tz).budget_used(at),
        "limit": cfg.smtp.daily_limit,
        "queued": counts.get("queued", 0) + counts.get("sending", 0),
        "failed": counts.get("failed", 0),
    }
    return {
        "day": until.date(),
        "at": at,
        "since": since,
        "until": until,
        "arrivals": arrivals,
        "review": review,
        "upcoming": _upcoming(app, at),
        "problems": problems,
        "health": {
            "last_check_ok": checks.last_check_ok,
            "login_failed": checks.login_failures,
            "errors": len(checks.errors),
            "last_error": checks.errors[-1]["detail"] if checks.errors else None,
        },
        "mail": mail,
        "warnings": _warnings(app, at, checks, mail),
    }


def _upcoming(app: App, at: datetime) -> list[dict[str, Any]]:
    """The next due dates, with how many units have reported and who has not."""
    out = []
    for period in plan.upcoming_periods(at, app.config.calendar, app.tz):
        status = app.status(period.id, at)
        due_at = app.period_due(period)
        reported = [u for u in status["units"] if u["status"] in REPORTED]
        out.append(
            {
                "period": period.id,
                "period_name": period.name,
                "due": due_at,
                "days_left": (due_at.date() - at.astimezone(app.tz).date()).days,
                "reported": len(reported),
                "expected": len(status["units"]),
                "missing": [
                    u["name"] for u in status["units"] if u["status"] in ("not_due", "missing")
                ],
            }
        )
    return out


def _warnings(app: App, at: datetime, checks: health.Since, mail: dict[str, int]) -> list[str]:
    """What needs the staff's attention about the service itself (SPEC §6)."""
    cfg = app.config
    warnings = []
    if cfg.imap.host:
        stale_after = timedelta(seconds=max(3 * cfg.imap.poll_seconds, 3600))
        last = checks.last_check_ok
        if last is None:
            warnings.append(
                "Chưa có lần kiểm tra hộp thư nào thành công: dịch vụ nhận thư có thể chưa chạy."
            )
        elif at - last > stale_after:
            warnings.append(
                f"Hộp thư không được kiểm tra từ {last.astimezone(app.tz):%H:%M ngày %d/%m/%Y}: "
                "dịch vụ nhận thư có thể đã dừng."
            )
    if checks.login_failed:
        warnings.append(
            f"Đăng nhập hộp thư thất bại {checks.login_failures} lần trong ngày: "
            "kiểm tra mật khẩu ứng dụng."
        )
    if mail["failed"]:
        warnings.append(
            f"{mail['failed']} thư tự động không gửi được (xem hộp thư đi của hệ thống)."
        )
    if mail["today"] >= mail["limit"]:
        warnings.append("Đã hết hạn mức gửi thư trong ngày; thư còn lại sẽ gửi vào ngày mai.")
    return warnings


# --- composing and queueing ---------------------------------------------------------------


def compose(app: App, renderer: Renderer, mail: PlannedMail) -> NewMail:
    """The outbox row of a planned mail: rendered words and, for an escalation, the workbook."""
    rendered = renderer.render(mail.template, mail.context)
    attachments = []
    if mail.kind == "escalation":
        assert mail.period is not None
        data = build_period_status_xlsx(app, mail.period, mail.context["at"])
        attachments.append(
            {
                "filename": f"tinh-hinh-bao-cao-{mail.period}.xlsx",
                "content_type": XLSX,
                "data_b64": base64.b64encode(data).decode(),
            }
        )
    return NewMail(
        key=mail.key,
        kind=mail.kind,
        to=mail.to,
        unit=mail.unit,
        period=mail.period,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        attachments=attachments,
        priority=mail.priority,
    )


def process(
    app: App,
    at: datetime,
    kinds: Iterable[str],
    *,
    dry_run: bool = False,
    send: bool = True,
    stop: threading.Event | None = None,
    outbox: Outbox | None = None,
) -> tuple[list[dict[str, Any]], FlushReport | None]:
    """Plan what is due at `at`, queue what is new, send; the SPEC §5 JSON rows of the due mail.

    With `dry_run`, only the mail not yet in the outbox is listed (status "planned") and nothing
    is written. Otherwise each due mail is listed with its outbox status after the flush.
    """
    planned = due_mail(app, at, tuple(kinds))
    existing = store.existing_keys(app.db, [p.key for p in planned])
    renderer = renderer_for(app)
    if dry_run:
        return [
            p.to_json("planned", compose(app, renderer, p).subject)
            for p in planned
            if p.key not in existing
        ], None
    box = outbox or Outbox(app.db, app.config.smtp, app.tz, journal=app.journal)
    new = [compose(app, renderer, p) for p in planned if p.key not in existing]
    added = box.queue(new)
    if added:
        log.info("queued %d mail: %s", len(added), ", ".join(added))
    report = box.flush(stop=stop) if send else None
    out = []
    for p in planned:
        row = store.get(app.db, p.key)
        if row is None:  # pragma: no cover - queued just above
            continue
        status = {"sending": "queued"}.get(row["status"], row["status"])
        item = p.to_json(status, row["subject"])
        item["sent_at"] = row["sent_at"]
        item["server_reply"] = row["server_reply"]
        item["last_error"] = row["last_error"]
        out.append(item)
    return out, report
