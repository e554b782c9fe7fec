"""`cchc run`: the service. APScheduler 3 (`BlockingScheduler`, office time zone) runs:

- `mailbox`  — the IMAP loop (`cchc.mailbox.run_mailbox_loop`: IDLE or polling), supervised:
  restarted with back-off if it ever ends while the service runs;
- `acks`     — acknowledgements of newly counted reports, then an outbox flush; run at once
  after every mailbox pass that stored new mail, and every `ACK_SECONDS` as a safety net;
- `outbox`   — a flush: retries after back-off, mail waiting for today's budget;
- `remind`   — reminders and escalations, hourly at the minute of `calendar.reminder_time`;
- `digest`   — daily at `calendar.digest_time`;
- any companion threads the caller adds (`cchc run` adds the staff web page when
  `[web] enabled = true`), stopped by the same stop event.

Every job has `coalesce=True`, `max_instances=1` and a misfire grace shorter than its period.
`remind` and `digest` also run once at start: that is the catch-up for steps missed while the
service was down — the planner's windows decide what is still useful (a reminder only before
the due date, an escalation within 2 days, the latest digest only), and the outbox keys make
sure nothing already sent goes again.

Each job opens its own `App`: a SQLite connection belongs to the thread that opened it, and
the scheduler runs jobs on a pool. SIGTERM/SIGINT only set the stop event (safe in a signal
handler); a watcher thread shuts the scheduler down and the jobs finish their current mail.
A `RunLock` beside the store keeps a second `cchc run` from starting.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from cchc.app import App
from cchc.core.config import Config
from cchc.core.errors import CchcError
from cchc.mailbox import PollReport, run_mailbox_loop
from cchc.outbox import Outbox
from scheduler.lock import RunLock
from scheduler.mailroom import process

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timing:
    """Job periods; the defaults are the service's, tests shorten them."""

    ack_seconds: float = 60.0
    flush_seconds: float = 60.0
    mailbox_restart_first: float = 5.0
    mailbox_restart_max: float = 300.0
    stop_grace_seconds: float = 30.0


#: A thread the service runs beside its jobs until the stop event is set (e.g. the web page).
Companion = Callable[[threading.Event], None]


class Service:
    def __init__(
        self,
        config: Config,
        *,
        stop: threading.Event | None = None,
        timing: Timing = Timing(),
        companions: Sequence[Companion] = (),
    ) -> None:
        self.config = config
        self.companions = tuple(companions)
        self.tz = config.tz
        self.stop = stop or threading.Event()
        self.timing = timing
        self.send = bool(config.smtp.host)
        self._active = 0
        self._idle = threading.Condition()
        self._done = threading.Event()
        self.scheduler = BlockingScheduler(
            timezone=self.tz,
            executors={"default": ThreadPoolExecutor(6)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )

    # --- jobs -----------------------------------------------------------------------------

    @contextmanager
    def _app(self) -> Iterator[App]:
        app = App(self.config)
        try:
            yield app
        finally:
            app.close()

    def _guarded(self, name: str, fn: Callable[[], None]) -> Callable[[], None]:
        """Count running jobs (for a clean stop); an expected error is logged and the service goes on."""

        def run() -> None:
            if self.stop.is_set():
                return
            with self._idle:
                self._active += 1
            try:
                fn()
            except CchcError as exc:
                log.error("job %s: %s", name, exc)
            finally:
                with self._idle:
                    self._active -= 1
                    self._idle.notify_all()

        run.__name__ = name
        return run

    def _process(self, kinds: tuple[str, ...]) -> None:
        with self._app() as app:
            rows, report = process(
                app, datetime.now(self.tz), kinds, send=self.send, stop=self.stop
            )
        if rows:
            log.info(
                "%s: %d mail due (%s)",
                "/".join(kinds),
                len(rows),
                ", ".join(f"{r['key']}={r['status']}" for r in rows),
            )
        if report and (report.sent or report.retry or report.failed or report.deferred):
            log.info("outbox: %s", report)

    def job_acks(self) -> None:
        self._process(("ack",))

    def job_remind(self) -> None:
        self._process(("reminder", "escalation"))

    def job_digest(self) -> None:
        self._process(("digest",))

    def job_flush(self) -> None:
        if not self.send:
            return
        with self._app() as app:
            report = Outbox(app.db, self.config.smtp, self.tz, journal=app.journal).flush(
                stop=self.stop
            )
        if report.sent or report.retry or report.failed:
            log.info("outbox: %s", report)

    def _after_poll(self, report: PollReport) -> None:
        """New mail stored: acknowledge it now rather than at the next tick."""
        if report.statuses["new"] and self.config.ack.enabled:
            try:
                self.scheduler.modify_job("acks", next_run_time=datetime.now(self.tz))
            except Exception:  # noqa: BLE001 - the job store may be shutting down; the tick catches up
                log.debug("could not advance the acks job", exc_info=True)

    def job_mailbox(self) -> None:
        """Keep the mailbox loop alive until stop: a loop that silently ends is the worst failure."""
        if not self.config.imap.host:
            log.warning("no [imap] host configured: the mailbox is not watched")
            return
        delay = self.timing.mailbox_restart_first
        while not self.stop.is_set():
            try:
                run_mailbox_loop(self.config, self.stop, on_poll=self._after_poll)
                delay = self.timing.mailbox_restart_first
            except CchcError as exc:
                log.error("mailbox loop ended: %s; restarting in %.0f s", exc, delay)
            except Exception:
                # A programming error: logged loudly with its traceback, and the loop is
                # restarted rather than left dead (the digest reports the missing checks).
                log.critical("mailbox loop crashed; restarting in %.0f s", delay, exc_info=True)
            if self.stop.wait(delay):
                break
            delay = min(delay * 2, self.timing.mailbox_restart_max)

    # --- wiring ---------------------------------------------------------------------------

    def schedule(self) -> None:
        cal, tz, t = self.config.calendar, self.tz, self.timing
        now = datetime.now(tz)
        remind_minute = int(cal.reminder_time.split(":")[1])
        digest_hour, digest_minute = (int(x) for x in cal.digest_time.split(":"))
        add = self.scheduler.add_job
        add(
            self._guarded("mailbox", self.job_mailbox),
            "date",
            run_date=now,
            id="mailbox",
            misfire_grace_time=None,
        )
        if self.config.ack.enabled:
            add(
                self._guarded("acks", self.job_acks),
                IntervalTrigger(seconds=t.ack_seconds, timezone=tz),
                id="acks",
                next_run_time=now,
                misfire_grace_time=max(1, int(t.ack_seconds * 0.8)),
            )
        add(
            self._guarded("outbox", self.job_flush),
            IntervalTrigger(seconds=t.flush_seconds, timezone=tz, jitter=2),
            id="outbox",
            misfire_grace_time=max(1, int(t.flush_seconds * 0.8)),
        )
        # next_run_time=now: the catch-up at start for steps missed while the service was down.
        add(
            self._guarded("remind", self.job_remind),
            CronTrigger(minute=remind_minute, timezone=tz),
            id="remind",
            next_run_time=now,
            misfire_grace_time=30 * 60,
        )
        add(
            self._guarded("digest", self.job_digest),
            CronTrigger(hour=digest_hour, minute=digest_minute, timezone=tz),
            id="digest",
            next_run_time=now,
            misfire_grace_time=60 * 60,
        )
        if not self.send:
            log.warning("no [smtp] host configured: mail is planned and queued, not sent")

    def _install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return

        def handler(signum: int, _frame: Any) -> None:
            log.info("signal %s: stopping", signal.Signals(signum).name)
            self.stop.set()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def _watch_stop(self) -> None:
        self.stop.wait()
        # Wait until the scheduler loop runs, or a shutdown right after start would be lost.
        while not self.scheduler.running:
            if self._done.wait(0.05):
                return
        with suppress(SchedulerNotRunningError):
            self.scheduler.shutdown(wait=False)

    def run(self) -> None:
        """Run until SIGTERM/SIGINT or `stop` is set; raises AlreadyRunning if the store is taken."""
        with RunLock(self.config.store.path):
            # Create or migrate the store (and load the units) once, before the jobs open it
            # from several threads at the same moment.
            with self._app():
                pass
            self._install_signals()
            self.schedule()
            for n, companion in enumerate(self.companions):
                threading.Thread(
                    target=companion, args=(self.stop,), name=f"cchc-companion-{n}", daemon=True
                ).start()
            watcher = threading.Thread(target=self._watch_stop, name="cchc-stop", daemon=True)
            watcher.start()
            log.info("cchc run: service started (store %s)", self.config.store.path)
            if not self.stop.is_set():
                self.scheduler.start()
            self.stop.set()
            deadline = time.monotonic() + self.timing.stop_grace_seconds
            with self._idle:
                while self._active and time.monotonic() < deadline:
                    self._idle.wait(0.2)
                if self._active:
                    log.error(
                        "%d job(s) still running after %.0f s; leaving them",
                        self._active,
                        self.timing.stop_grace_seconds,
                    )
            self._done.set()
            log.info("cchc run: stopped")


def run_service(
    config: Config,
    *,
    stop: threading.Event | None = None,
    timing: Timing = Timing(),
    companions: Sequence[Companion] = (),
) -> None:
    Service(config, stop=stop, timing=timing, companions=companions).run()
