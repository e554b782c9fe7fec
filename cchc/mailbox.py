"""The mailbox as a source for the pipeline: one pass (`cchc ingest`) and the service loop.

Glue only: `ingest.imap` talks IMAP, `store.mailbox` keeps progress and health, `App` stores
and decides. Every outcome of a check — success, refused login, lost connection — is written
to the `health` table, because a fetcher that silently stops is the worst failure of this
kind of tool (SPEC §6: the digest shows the last successful check and the login failures).
"""

from __future__ import annotations

import logging
import random
import ssl
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cchc.core.errors import MailboxError
from ingest.imap import (
    IDLE_RENEW_SECONDS,
    FetchedMessage,
    ImapMailbox,
    MailboxLoginError,
    PollResult,
)
from ingest.oauth import TokenProvider
from store.mailbox import MailboxStateStore

log = logging.getLogger(__name__)

PROGRESS_MIN = 50  # a bar only for backlogs, not for the odd new message
BACKOFF_FIRST, BACKOFF_MAX = 5.0, 15 * 60.0
LOGIN_BACKOFF_FIRST, LOGIN_BACKOFF_MAX = 60.0, 60 * 60.0  # Gmail locks out hammering clients


@dataclass
class PollReport:
    """What one pass did, for the CLI line and the logs."""

    account: str
    folder: str
    fetched: int = 0
    statuses: Counter[str] = field(default_factory=Counter)  # App.ingest_raw: new/duplicate/seen
    rescan: bool = False
    missing: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @classmethod
    def of(cls, result: PollResult, statuses: Counter[str]) -> PollReport:
        return cls(
            result.account,
            result.folder,
            result.fetched,
            statuses,
            result.rescan,
            list(result.missing),
            result.seconds,
        )

    def __str__(self) -> str:
        s = self.statuses
        text = (
            f"Hộp thư {self.account}/{self.folder}: đã tải {self.fetched} thư: {s['new']} mới, "
            f"{s['duplicate']} trùng, {s['seen']} đã có ({self.seconds:.1f} s)."
        )
        if self.rescan:
            text += " Thư mục đã được tạo lại (UIDVALIDITY đổi): đã quét lại, không thư nào bị đếm hai lần."
        if self.missing:
            text += (
                f" Máy chủ không trả nội dung của {len(self.missing)} thư (UID {self.missing[:5]})."
            )
        return text


def _tokens_for(app: Any) -> TokenProvider | None:
    """One TokenProvider per App, so a refreshed access token is reused across reconnects."""
    cfg = app.config.imap
    if cfg.auth != "xoauth2":
        return None
    tokens = getattr(app, "_imap_tokens", None)
    if tokens is None and cfg.refresh_token and cfg.client_id and cfg.client_secret:
        tokens = TokenProvider(
            client_id=cfg.client_id,
            client_secret=cfg.client_secret,
            refresh_token=cfg.refresh_token,
            token_url=cfg.token_url,
            timeout=cfg.timeout_seconds,
        )
        app._imap_tokens = tokens
    return tokens


def _progress_bar(
    enabled: bool | None,
) -> tuple[Callable[[int, int], None] | None, Callable[[], None]]:
    """A rich bar on an interactive terminal for a backlog; nothing under CI or in a pipe."""
    if enabled is False:
        return None, lambda: None
    from rich.console import Console

    console = Console(stderr=True)
    if enabled is None and not console.is_terminal:
        return None, lambda: None
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            if total < PROGRESS_MIN:
                return
            from rich.progress import Progress

            bar = Progress(console=console, transient=True)
            bar.start()
            state["bar"], state["task"] = bar, bar.add_task("Đang tải thư", total=total)
        state["bar"].update(state["task"], completed=done, total=total)

    def stop() -> None:
        if "bar" in state:
            state["bar"].stop()

    return update, stop


def poll_once(app: Any, box: ImapMailbox, *, progress: bool | None = False) -> PollReport:
    """One pass on an open connection: fetch what is new, store it, take the decisions."""
    state = MailboxStateStore(app.db)
    statuses: Counter[str] = Counter()

    def handle(msg: FetchedMessage) -> str | None:
        result = app.ingest_raw(msg.raw, source=msg.source, arrived=msg.internaldate)
        statuses[result.status] += 1
        log.debug("stored UID %s of %s: %s", msg.uid, msg.folder, result.status)
        return None

    def many(batch: list[FetchedMessage]) -> list[str | None]:
        """A whole fetched batch: parsed on every core, stored in order, one transaction each."""
        results = app.ingest_many([(m.raw, m.source, m.internaldate) for m in batch])
        for msg, result in zip(batch, results, strict=True):
            statuses[result.status] += 1
            log.debug("stored UID %s of %s: %s", msg.uid, msg.folder, result.status)
        return [None] * len(batch)

    handle.many = many  # type: ignore[attr-defined]

    update, stop_bar = _progress_bar(progress)
    try:
        result = box.poll(state, handle, progress=update)
    finally:
        stop_bar()
        if statuses["new"] or statuses["duplicate"]:
            app.refresh()
    state.record("check_ok", box.account)
    if result.missing:
        state.record("error", f"{box.account}/{box.folder}: no body for UID {result.missing[:20]}")
    report = PollReport.of(result, statuses)
    if report.fetched:
        log.info("%s/%s: %s", report.account, report.folder, dict(statuses))
    return report


def ingest_mailbox(
    app: Any, *, progress: bool | None = None, ssl_context: ssl.SSLContext | None = None
) -> PollReport:
    """`cchc ingest`: connect, one pass, disconnect. Failures are recorded, then raised."""
    state = MailboxStateStore(app.db)
    try:
        with ImapMailbox(app.config.imap, ssl_context=ssl_context, tokens=_tokens_for(app)) as box:
            return poll_once(app, box, progress=progress)
    except MailboxLoginError as exc:
        state.record("login_failed", str(exc))
        raise
    except MailboxError as exc:
        state.record("error", str(exc))
        raise


def _jitter(seconds: float, spread: float = 0.1) -> float:
    return seconds * random.uniform(1 - spread, 1 + spread)


def run_mailbox_loop(
    app: Any,
    stop: threading.Event,
    *,
    ssl_context: ssl.SSLContext | None = None,
    idle_seconds: float | None = None,
    on_poll: Callable[[PollReport], None] | None = None,
) -> None:
    """`cchc run`'s mailbox thread, until `stop` is set.

    IDLE where the server offers it (re-issued every min(poll_seconds, 25 min), with a poll
    each time, since an IDLE notice can be lost), else a poll every imap.poll_seconds ±10 %.
    Any failure: record it, disconnect, wait with exponential back-off (longer after a refused
    login), reconnect. Opens its own App: SQLite connections belong to the thread that made
    them, and this runs in a thread of its own.
    """
    from cchc.app import App

    own = App(app.config)
    cfg = app.config.imap
    state = MailboxStateStore(own.db)
    tokens = _tokens_for(app)
    renew = min(float(idle_seconds or cfg.poll_seconds), IDLE_RENEW_SECONDS)
    failures = 0
    try:
        while not stop.is_set():
            try:
                with ImapMailbox(cfg, ssl_context=ssl_context, tokens=tokens) as box:
                    while not stop.is_set():
                        report = poll_once(own, box)
                        failures = 0
                        if on_poll:
                            on_poll(report)
                        if box.supports_idle:
                            box.wait(renew, stop=stop)
                        else:
                            stop.wait(_jitter(cfg.poll_seconds))
            except MailboxLoginError as exc:
                failures += 1
                state.record("login_failed", str(exc))
                delay = min(LOGIN_BACKOFF_FIRST * 2 ** (failures - 1), LOGIN_BACKOFF_MAX)
                log.error("IMAP login refused (%s); next try in %.0f s", exc, delay)
                stop.wait(_jitter(delay, 0.25))
            except MailboxError as exc:
                failures += 1
                state.record("error", str(exc))
                delay = min(BACKOFF_FIRST * 2 ** (failures - 1), BACKOFF_MAX)
                log.warning("mailbox check failed (%s); reconnecting in %.0f s", exc, delay)
                stop.wait(_jitter(delay, 0.25))
    finally:
        own.close()
