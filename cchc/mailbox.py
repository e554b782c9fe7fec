"""The mailbox as a source for the pipeline: one pass (`cchc ingest`) and the service loop.

Glue only: `ingest.imap` talks IMAP, `ingest.poll` runs a pass, `store.mailbox` keeps the
progress, the pipeline stores and decides. Every outcome of a check — success, refused login,
lost connection — is written to the `health` table (`store.health`), because a fetcher that
silently stops is the worst failure of this kind of tool (SPEC §6: the digest shows the last
successful check and the login failures).
"""

from __future__ import annotations

import logging
import random
import ssl
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from cchc.app import App
from cchc.core.config import Config
from cchc.core.errors import MailboxError
from cchc.pipeline import Incoming
from ingest.imap import IDLE_RENEW_SECONDS, FetchedMessage, ImapMailbox, MailboxLoginError
from ingest.oauth import TokenProvider, token_provider
from ingest.poll import PollResult, ProgressCallback, poll
from store import health
from store.mailbox import MailboxStateStore

log = logging.getLogger(__name__)

BACKOFF_FIRST, BACKOFF_MAX = 5.0, 15 * 60.0
LOGIN_BACKOFF_FIRST, LOGIN_BACKOFF_MAX = 60.0, 60 * 60.0  # Gmail locks out hammering clients


@dataclass
class PollReport:
    """What one pass did, for the CLI line and the logs."""

    account: str
    folder: str
    fetched: int = 0
    statuses: Counter[str] = field(
        default_factory=Counter
    )  # IngestResult.status: new/duplicate/seen
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


def poll_once(
    app: App, box: ImapMailbox, *, progress: ProgressCallback | None = None
) -> PollReport:
    """One pass on an open connection: fetch what is new, store it, take the decisions."""
    statuses: Counter[str] = Counter()

    def store(batch: Sequence[FetchedMessage]) -> Iterator[str | None]:
        """A fetched batch: parsed on every core, stored in order, one transaction each."""
        items = [Incoming(m.raw, m.source, m.internaldate) for m in batch]
        for msg, result in zip(batch, app.pipeline.ingest_each(items), strict=True):
            statuses[result.status] += 1
            log.debug("stored UID %s of %s: %s", msg.uid, msg.folder, result.status)
            yield None

    try:
        result = poll(box, MailboxStateStore(app.db), store, progress=progress)
    finally:
        if statuses["new"] or statuses["duplicate"]:
            app.update()
    health.record(app.db, "check_ok", box.account)
    if result.missing:
        health.record(
            app.db, "error", f"{box.account}/{box.folder}: no body for UID {result.missing[:20]}"
        )
    report = PollReport.of(result, statuses)
    if report.fetched:
        log.info("%s/%s: %s", report.account, report.folder, dict(statuses))
    return report


def ingest_mailbox(
    app: App,
    *,
    progress: ProgressCallback | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> PollReport:
    """`cchc ingest`: connect, one pass, disconnect. Failures are recorded, then raised."""
    try:
        with ImapMailbox(app.config.imap, ssl_context=ssl_context) as box:
            return poll_once(app, box, progress=progress)
    except MailboxLoginError as exc:
        health.record(app.db, "login_failed", str(exc))
        raise
    except MailboxError as exc:
        health.record(app.db, "error", str(exc))
        raise


def _jitter(seconds: float, spread: float = 0.1) -> float:
    return seconds * random.uniform(1 - spread, 1 + spread)


def run_mailbox_loop(
    config: Config,
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
    them, and this runs in a thread of its own. One OAuth2 token provider serves every
    reconnect, so a refreshed access token is reused.
    """
    app = App(config)
    cfg = config.imap
    renew = min(float(idle_seconds or cfg.poll_seconds), IDLE_RENEW_SECONDS)
    tokens: TokenProvider | None = None
    failures = 0
    try:
        while not stop.is_set():
            try:
                tokens = tokens or token_provider(cfg)
                with ImapMailbox(cfg, ssl_context=ssl_context, tokens=tokens) as box:
                    while not stop.is_set():
                        report = poll_once(app, box)
                        failures = 0
                        if on_poll:
                            on_poll(report)
                        if box.supports_idle:
                            box.wait(renew, stop=stop)
                        else:
                            stop.wait(_jitter(cfg.poll_seconds))
            except MailboxLoginError as exc:
                failures += 1
                health.record(app.db, "login_failed", str(exc))
                delay = min(LOGIN_BACKOFF_FIRST * 2 ** (failures - 1), LOGIN_BACKOFF_MAX)
                log.error("IMAP login refused (%s); next try in %.0f s", exc, delay)
                stop.wait(_jitter(delay, 0.25))
            except MailboxError as exc:
                failures += 1
                health.record(app.db, "error", str(exc))
                delay = min(BACKOFF_FIRST * 2 ** (failures - 1), BACKOFF_MAX)
                log.warning("mailbox check failed (%s); reconnecting in %.0f s", exc, delay)
                stop.wait(_jitter(delay, 0.25))
    finally:
        app.close()
