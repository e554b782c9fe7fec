"""Staff login, sessions, CSRF tokens and safe download headers for the web page.

Why server-side sessions: the cookie holds only a random id, so logging out (or restarting the
service) really ends a session, and nothing about the user travels in the cookie. Sessions
live in memory: the page is one process on the office's machine, and a restart asking staff
to log in again is the safe failure. The password is one shared staff secret from the
variable named by `web.password_env`; the login name typed with it is who decisions are
recorded under.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote

SESSION_COOKIE = "cchc_session"
PRELOGIN_COOKIE = "cchc_login"
IDLE_SECONDS = 8 * 3600  # a working day without activity ends the session
MAX_SECONDS = 12 * 3600  # and no session outlives a long day
MAX_SESSIONS = 500


def password_ok(given: str, expected: str) -> bool:
    """Constant-time comparison (on UTF-8 bytes: `compare_digest` refuses non-ASCII str)."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def token_ok(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def clean_login(name: str) -> str:
    """The staff name as recorded with each decision: NFC, printable, single-spaced, bounded."""
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(ch for ch in name if ch.isprintable())
    return " ".join(name.split())[:60]


def safe_next(target: str | None) -> str:
    """Where to go after login: only a path on this site (no `//host`, no scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@dataclass
class Session:
    user: str
    csrf: str
    created: float
    seen: float
    flash: list[tuple[str, str]] = field(default_factory=list)


class SessionStore:
    """Random session ids → sessions, thread-safe (requests run in a thread pool)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self._now = time.monotonic

    def create(self, user: str) -> tuple[str, Session]:
        sid = secrets.token_urlsafe(32)
        now = self._now()
        session = Session(user=user, csrf=secrets.token_urlsafe(32), created=now, seen=now)
        with self._lock:
            self._expire(now)
            if len(self._sessions) >= MAX_SESSIONS:  # drop the least recently used
                oldest = min(self._sessions, key=lambda k: self._sessions[k].seen)
                del self._sessions[oldest]
            self._sessions[sid] = session
        return sid, session

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        now = self._now()
        with self._lock:
            session = self._sessions.get(sid)
            if session is None:
                return None
            if now - session.seen > IDLE_SECONDS or now - session.created > MAX_SECONDS:
                del self._sessions[sid]
                return None
            session.seen = now
            return session

    def drop(self, sid: str | None) -> None:
        with self._lock:
            self._sessions.pop(sid or "", None)

    def _expire(self, now: float) -> None:
        dead = [
            k
            for k, s in self._sessions.items()
            if now - s.seen > IDLE_SECONDS or now - s.created > MAX_SECONDS
        ]
        for k in dead:
            del self._sessions[k]


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the real (Vietnamese) name per RFC 5987/6266.

    The fallback drops accents (đ → d) and anything that could break the header or a path."""
    name = unicodedata.normalize("NFC", filename or "tep")
    name = "".join(ch for ch in name if ch.isprintable()).replace("/", "_").replace("\\", "_")
    decomposed = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = "".join(ch for ch in decomposed if ord(ch) < 128 and not unicodedata.combining(ch))
    ascii_name = (
        "".join(ch if (ch.isalnum() or ch in "._- ()") else "_" for ch in ascii_name).strip(" .")
        or "tep"
    )
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
