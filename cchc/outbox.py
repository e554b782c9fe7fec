"""The persistent outbox: queue, send over SMTP, retry with back-off, respect the daily budget.

The only module that talks SMTP. Every mail sits in the store's `outbox` under its idempotency
key (UNIQUE), so planning the same mail twice queues it once. Sending claims the row first
(`queued` → `sending`, an UPDATE only one worker wins), so two flushes — two threads, or a
`cchc remind` beside `cchc run` — never send one mail twice; a row a crash leaves in `sending`
is marked failed, never resent blindly.

The connection is yagmail's (`ssl` = SMTP over TLS, `starttls`, or `none`; login skipped when
no password is configured). The message itself is composed here with the standard `email`
package rather than yagmail's `contents=`: yagmail turns newlines of the plain-text part into
`<br>` and wants attachments as files, while a Vietnamese clerk's mail client needs a clean
text/plain + text/html pair and an .xlsx from memory. The DATA reply of the server (e.g.
Gmail's "250 2.0.0 OK … gsmtp") is recorded on the row as evidence of delivery.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import smtplib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.charset import QP, Charset
from email.encoders import encode_base64
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import sqlite_utils
import yagmail

from cchc.core.config import SmtpConfig
from cchc.core.errors import ConfigError
from store import outbox as store
from store.journal import Journal

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 48  # with the 1 h cap: about two days of trying before a mail is given up
NewMail = store.NewMail
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP  # readable in a raw view, safe for 7-bit servers
_WIRE = compat32.clone(linesep="\r\n")


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failed ones: 1, 2, 4 … minutes, at most 1 hour."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


class _Recording:
    """Keeps the server's reply to DATA, which smtplib's sendmail() throws away."""

    last_reply: tuple[int, bytes] | None = None

    def data(self, msg: Any) -> tuple[int, bytes]:
        code, resp = super().data(msg)  # type: ignore[misc]
        self.last_reply = (code, resp)
        return code, resp


class _RecordingSMTP(_Recording, smtplib.SMTP):
    pass


class _RecordingSMTPSSL(_Recording, smtplib.SMTP_SSL):
    pass


class _Yagmail(yagmail.SMTP):
    """yagmail's connection and login handling, over connections that record the DATA reply."""

    @property
    def connection(self) -> type[smtplib.SMTP]:
        return _RecordingSMTPSSL if self.ssl else _RecordingSMTP


class Transport(Protocol):
    def send(self, msg: Message, sender: str, recipients: list[str]) -> str: ...
    def close(self) -> None: ...


class YagmailTransport:
    """One SMTP connection for one flush, opened lazily on the first mail."""

    def __init__(self, cfg: SmtpConfig) -> None:
        self.cfg = cfg
        self._yag: _Yagmail | None = None

    def _connect(self) -> _Yagmail:
        cfg = self.cfg
        if not cfg.host:
            raise ConfigError("chưa cấu hình máy chủ gửi thư SMTP", key="smtp.host")
        yag = _Yagmail(
            user=cfg.username or cfg.sender or "cchc@localhost",
            password=cfg.password,
            host=cfg.host,
            port=cfg.port,
            smtp_ssl=cfg.security == "ssl",
            smtp_starttls=cfg.security == "starttls",
            smtp_skip_login=not cfg.password,
            soft_email_validation=False,
            timeout=cfg.timeout_seconds,
        )
        yag.login()
        return yag

    def send(self, msg: Message, sender: str, recipients: list[str]) -> str:
        if self._yag is None:
            self._yag = self._connect()
        conn = self._yag.smtp
        refused = conn.sendmail(
            sender, recipients, msg.as_bytes(policy=_WIRE)
        )  # CRLF: smtplib fixes str, not bytes
        code, resp = getattr(conn, "last_reply", None) or (250, b"")
        reply = f"{code} {resp.decode('utf-8', 'replace')}".strip()
        if refused:
            reply += " refused: " + json.dumps(
                {k: [c, m.decode("utf-8", "replace")] for k, (c, m) in refused.items()}
            )
        return reply

    def close(self) -> None:
        if self._yag is not None:
            self._yag.close()
            self._yag = None


@dataclass
class FlushReport:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    deferred: int = 0  # waiting for tomorrow's budget
    budget_left: int = 0
    error: str | None = None  # the connection-level problem that stopped this flush, if any


def sender_address(cfg: SmtpConfig) -> str:
    return cfg.sender or cfg.username


def build_message(row: dict[str, Any], cfg: SmtpConfig, now: datetime) -> Message:
    """The MIME message of an outbox row: text/plain + text/html, attachments, threading headers.

    Built with the compat32 classes (as yagmail does), not `EmailMessage`: the modern policy's
    header folder drops the space between two RFC 2047 encoded words, so a Vietnamese subject
    such as "… ngày 17/02/2024: 3 thư mới" would arrive as "…2024:3 thư mới". `Header` encodes
    the whole text in chunks, spaces inside the encoded words, and decodes exactly.
    """
    sender = sender_address(cfg)
    domain = sender.rpartition("@")[2] or "localhost"
    to = json.loads(row["to_addrs"])
    key = row["key"].replace("\r", "").replace("\n", "")
    body = MIMEMultipart("alternative")
    # typeshed says MIMEText takes a charset name; the stdlib takes a Charset as well (QP here).
    body.attach(MIMEText(row["body_text"], "plain", _UTF8_QP))  # type: ignore[arg-type]
    if row["body_html"]:
        body.attach(MIMEText(row["body_html"], "html", _UTF8_QP))  # type: ignore[arg-type]
    attachments = json.loads(row["attachments"] or "[]")
    msg: Message = body
    if attachments:
        msg = MIMEMultipart("mixed")
        msg.attach(body)
        for att in attachments:
            maintype, _, subtype = (
                att.get("content_type") or "application/octet-stream"
            ).partition("/")
            part = MIMEBase(maintype, subtype)
            part.set_payload(base64.b64decode(att["data_b64"]))
            encode_base64(part)
            part.add_header("Content-Disposition", "attachment", filename=att["filename"])
            msg.attach(part)
    msg["From"] = formataddr((cfg.sender_name, sender), charset="utf-8")
    msg["To"] = ", ".join(to)
    msg["Subject"] = Header(row["subject"], "utf-8")  # type: ignore[assignment]  # compat32 takes a Header
    msg["Date"] = format_datetime(now.astimezone(UTC))
    msg["Message-ID"] = f"<cchc.{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"
    if row["kind"] == "ack" and key.startswith("ack:<"):
        msg["In-Reply-To"] = key[4:]
        msg["References"] = key[4:]
    # RFC 3834: mark machine mail so autoresponders do not answer it and loops cannot start.
    msg["Auto-Submitted"] = "auto-replied" if row["kind"] == "ack" else "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["X-CCHC-Key"] = key
    return msg


def _classify(exc: BaseException) -> tuple[str, bool]:
    """(readable error, whether the whole connection is unusable). Permanence is decided by caller."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{exc.smtp_code} {text}", isinstance(exc, smtplib.SMTPAuthenticationError)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "recipients refused: " + json.dumps(
            {
                k: [c, m.decode("utf-8", "replace") if isinstance(m, bytes) else str(m)]
                for k, (c, m) in exc.recipients.items()
            }
        ), False
    return f"{type(exc).__name__}: {exc}", True


def _permanent(exc: BaseException) -> bool:
    """A 5xx for this mail is final — except a sending quota, which lifts tomorrow."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False
    if isinstance(exc, smtplib.SMTPResponseException):
        text = str(exc.smtp_error).lower()
        return exc.smtp_code >= 500 and "quota" not in text and "5.4.5" not in text
    return False


class Outbox:
    """The outbox of one store, sending with one SMTP configuration."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        cfg: SmtpConfig,
        tz: ZoneInfo,
        transport: Callable[[SmtpConfig], Transport] = YagmailTransport,
        journal: Journal | None = None,
    ) -> None:
        self.db, self.cfg, self.tz = db, cfg, tz
        self._transport = transport
        # the archive's journal: a store rebuilt from the archive must never send twice
        self.journal = journal or Journal(Path("."), enabled=False)

    def queue(self, mails: Iterable[NewMail], now: datetime | None = None) -> list[str]:
        """Queue each mail unless its key is already in the outbox; the keys actually added."""
        return store.enqueue(self.db, mails, now or datetime.now(UTC))

    def day_start(self, now: datetime) -> datetime:
        local = now.astimezone(self.tz)
        return local.replace(hour=0, minute=0, second=0, microsecond=0)

    def budget_used(self, now: datetime | None = None) -> int:
        """Recipients already sent to today (office time), against `smtp.daily_limit`."""
        return store.recipients_sent_since(self.db, self.day_start(now or datetime.now(UTC)))

    def flush(
        self, now: datetime | None = None, stop: threading.Event | None = None
    ) -> FlushReport:
        """Send what is due, most important first, until done, the budget is spent or SMTP fails.

        A connection-level failure (server down, login refused) stops the flush: the mail
        being sent goes back to the queue with back-off and the rest wait, untouched.
        """
        now = now or datetime.now(UTC)
        started = time.monotonic()  # sent_at = now + elapsed: true in service, consistent in tests
        report = FlushReport()
        stale = store.abandon_stale_sending(
            self.db, now - timedelta(seconds=max(600.0, 5 * self.cfg.timeout_seconds))
        )
        if stale:
            log.error(
                "%d outbox mail(s) were interrupted while sending and are marked failed", stale
            )
        used = self.budget_used(now)
        limit = self.cfg.daily_limit
        due = store.due_rows(self.db, now)
        transport: Transport | None = None
        try:
            for index, row in enumerate(due):
                if stop is not None and stop.is_set():
                    break
                to = json.loads(row["to_addrs"])
                if used + len(to) > limit:
                    report.deferred = len(due) - index
                    log.warning(
                        "daily sending budget reached (%d/%d): %d mail wait for tomorrow",
                        used,
                        limit,
                        report.deferred,
                    )
                    break
                if not store.claim(self.db, row["id"], now):
                    continue  # another worker has it
                attempts = row["attempts"] + 1
                try:
                    if transport is None:
                        transport = self._transport(self.cfg)
                    reply = self._hand_over(transport, row, to, now)
                except ConfigError:
                    store.mark_retry(
                        self.db,
                        row["id"],
                        now + backoff(attempts),
                        "no SMTP server configured (smtp.host)",
                    )
                    raise
                except (smtplib.SMTPException, OSError) as exc:
                    report.error = self._failed(row, attempts, exc, now, report)
                    if report.error:
                        break
                    continue
                store.mark_sent(
                    self.db, row["id"], now + timedelta(seconds=time.monotonic() - started), reply
                )
                self.journal.append("sent", key=row["key"], status="sent")
                used += len(to)
                report.sent += 1
                log.info("outbox %s sent to %s: %s", row["key"], ", ".join(to), reply)
        finally:
            if transport is not None:
                try:
                    transport.close()
                except (smtplib.SMTPException, OSError):
                    log.debug("closing the SMTP connection failed", exc_info=True)
        report.budget_left = max(limit - used, 0)
        return report

    def _hand_over(
        self, transport: Transport, row: dict[str, Any], to: list[str], now: datetime
    ) -> str:
        """Give one mail to the server; the journal hears of it first (see store.journal)."""
        msg = build_message(row, self.cfg, now)
        self.journal.append(
            "sending",
            key=row["key"],
            kind=row["kind"],
            to=to,
            unit=row["unit"],
            period=row["period"],
            subject=row["subject"],
        )
        return transport.send(msg, sender_address(self.cfg), to)

    def _failed(
        self,
        row: dict[str, Any],
        attempts: int,
        exc: BaseException,
        now: datetime,
        report: FlushReport,
    ) -> str | None:
        """Put a mail that could not be sent back in the queue with back-off, or fail it for
        good; the error when the whole connection is unusable (the flush stops), else None."""
        error, broken = _classify(exc)
        if _permanent(exc) or attempts >= MAX_ATTEMPTS:
            store.mark_failed(self.db, row["id"], error)
            self.journal.append("sent", key=row["key"], status="failed")
            report.failed += 1
            log.error("outbox %s failed for good: %s", row["key"], error)
        else:
            store.mark_retry(self.db, row["id"], now + backoff(attempts), error)
            self.journal.append("sent", key=row["key"], status="retry")
            report.retry += 1
            log.warning(
                "outbox %s not sent (attempt %d), retry in %s: %s",
                row["key"],
                attempts,
                backoff(attempts),
                error,
            )
        return error if broken else None


def require_smtp(cfg: SmtpConfig) -> None:
    """Stop before queueing anything when mail could never leave."""
    if not cfg.host:
        raise ConfigError("chưa cấu hình máy chủ gửi thư: đặt host trong [smtp]", key="smtp.host")
    if not sender_address(cfg):
        raise ConfigError(
            "chưa có địa chỉ người gửi: đặt username hoặc sender trong [smtp]", key="smtp.sender"
        )


__all__ = ["Outbox", "FlushReport", "NewMail", "backoff", "build_message", "require_smtp"]
