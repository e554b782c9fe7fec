"""The IMAP connection: connect, log in, open the folder, list and fetch by UID, label, IDLE.

Only this module talks IMAP (through imapclient); the pass over a folder — which UIDs are new,
in which batches, when progress is saved — is `ingest.poll`, which drives an `ImapMailbox`.

Why it is shaped this way:
- Read-only by default: EXAMINE (not SELECT) and BODY.PEEK[], so staff still see mail as
  unread and nothing can be flagged, moved or deleted by accident. Only `processed_label` /
  `processed_folder` open the folder read-write.
- A poll with nothing new costs O(1) in the mailbox size: STATUS (or EXAMINE) gives
  UIDVALIDITY and UIDNEXT, compared with the stored last UID; no SEARCH ALL.
- Bounded memory: sizes (RFC822.SIZE) are fetched before bodies, so the pass can bound its
  batches by bytes.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import logging
import re
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timezone
from functools import cached_property
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from cchc.core.config import ImapConfig
from cchc.core.errors import MailboxError
from ingest.oauth import OAuthError, TokenProvider, token_provider

log = logging.getLogger(__name__)

CLIENT_ID = {"name": "cchc-inbox", "version": "0.1", "vendor": "cchc-inbox"}
MAX_BATCH_BYTES = 32 * 1024 * 1024  # one batch in RAM at most (plus one message above it)
META_CHUNK = 1000  # UIDs whose size/date are fetched per command (small lines)
IDLE_RENEW_SECONDS = 25 * 60  # RFC 2177: re-issue IDLE before the server's 29-minute cut-off

#: Errors that mean "the connection is gone or unusable": reconnect and try again later.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # socket.error, ssl.SSLError, TimeoutError, ConnectionError
    IMAPClient.AbortError,
    IMAPClient.Error,
    EOFError,
)


class MailboxLoginError(MailboxError):
    """The server refused our credentials (recorded as `login_failed` for the digest)."""


@dataclass(frozen=True)
class FetchedMessage:
    account: str
    folder: str
    uidvalidity: int
    uid: int
    raw: bytes
    internaldate: datetime  # timezone-aware: the arrival time the server recorded
    size: int
    gm_msgid: int | None = None

    @property
    def source(self) -> str:
        """The sighting key the store puts under UNIQUE (SPEC §7: mailbox/UIDVALIDITY/UID)."""
        return f"imap://{self.account}/{self.folder};UIDVALIDITY={self.uidvalidity}/;UID={self.uid}"

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


@dataclass
class FolderInfo:
    uidvalidity: int
    uidnext: int
    exists: int


@dataclass(frozen=True)
class UidMeta:
    """What is known of a new message before its body is fetched."""

    uid: int
    size: int
    gm_msgid: int | None


class ImapMailbox:
    """One IMAP connection to the configured account and folder.

    Use as a context manager: `with ImapMailbox(cfg) as box: ingest.poll.poll(box, state, handler)`.
    """

    def __init__(
        self,
        cfg: ImapConfig,
        *,
        ssl_context: ssl.SSLContext | None = None,
        tokens: TokenProvider | None = None,
        max_batch_bytes: int = MAX_BATCH_BYTES,
    ) -> None:
        self.cfg = cfg
        self.account = cfg.account
        self.folder = cfg.folder
        self.ssl_context = ssl_context
        self.max_batch_bytes = max_batch_bytes
        self.tokens = tokens if tokens is not None else token_provider(cfg)
        self.client: IMAPClient | None = None
        self.capabilities: frozenset[bytes] = frozenset()
        self._selected_readonly: bool | None = None

    # -- connection ------------------------------------------------------------------------

    def __enter__(self) -> ImapMailbox:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        """Connect, secure, log in, send ID. Raises MailboxLoginError or MailboxError."""
        cfg = self.cfg
        if not cfg.host:
            raise MailboxError("chưa đặt imap.host trong tệp cấu hình")
        try:
            client = IMAPClient(
                cfg.host,
                port=cfg.port,
                ssl=cfg.security == "ssl",
                ssl_context=self.ssl_context,
                timeout=cfg.timeout_seconds,
            )
        except CONNECTION_ERRORS as exc:
            raise MailboxError(
                f"không kết nối được máy chủ thư {cfg.host}:{cfg.port} ({cfg.security}): {error_text(exc)}"
            ) from exc
        # imapclient sets imaplib's debug level to 5, which repr()s every literal eagerly:
        # 5-6x the CPU of a fetch, and message bodies in debug logs. Off.
        client._imap.debug = 0
        client.normalise_times = False  # keep INTERNALDATE's offset: aware datetimes
        self.client = client
        try:
            if cfg.security == "starttls":
                client.starttls(self.ssl_context)
            elif cfg.security == "none" and cfg.host not in ("127.0.0.1", "::1", "localhost"):
                log.warning(
                    "IMAP to %s without TLS: the password crosses the network in clear", cfg.host
                )
            self._login(client)
            self.capabilities = frozenset(client.capabilities())
            if b"ID" in self.capabilities:
                client.id_(CLIENT_ID)
        except LoginError as exc:
            self.close()
            raise MailboxLoginError(
                f"máy chủ {cfg.host} từ chối đăng nhập của {cfg.username} ({error_text(exc)}); "
                + (
                    "kiểm tra refresh token OAuth2"
                    if cfg.auth == "xoauth2"
                    else f"kiểm tra mật khẩu trong biến môi trường {cfg.password_env}"
                )
            ) from None
        except OAuthError as exc:  # a revoked refresh token is a refused login, for the digest
            self.close()
            raise MailboxLoginError(str(exc)) from exc
        except CONNECTION_ERRORS as exc:
            self.close()
            raise MailboxError(f"phiên IMAP với {cfg.host} lỗi: {error_text(exc)}") from exc
        log.info("connected to %s as %s (gmail=%s)", cfg.host, cfg.username, self.is_gmail)

    def _login(self, client: IMAPClient) -> None:
        cfg = self.cfg
        if cfg.auth != "xoauth2":
            if not cfg.password:
                raise MailboxLoginError(
                    f"chưa có mật khẩu hộp thư: đặt biến môi trường {cfg.password_env} "
                    "(tên ghi ở imap.password_env)"
                )
            client.login(cfg.username, cfg.password)
            return
        assert self.tokens is not None
        try:
            client.oauth2_login(cfg.username, self.tokens.access_token())
        except LoginError:
            # A cached token may have been revoked before its expiry: refresh once, retry.
            self.tokens.invalidate()
            client.oauth2_login(cfg.username, self.tokens.access_token())

    def close(self) -> None:
        client, self.client = self.client, None
        self._selected_readonly = None
        if client is None:
            return
        try:
            client.logout()
        except Exception:  # noqa: BLE001 - the connection is being dropped anyway
            try:
                client.shutdown()
            except Exception as exc:  # noqa: BLE001
                log.debug("closing the IMAP connection: %s", exc)

    @property
    def is_gmail(self) -> bool:
        return b"X-GM-EXT-1" in self.capabilities

    @property
    def supports_idle(self) -> bool:
        return b"IDLE" in self.capabilities

    def _client(self) -> IMAPClient:
        if self.client is None:
            raise MailboxError("chưa kết nối máy chủ thư IMAP")
        return self.client

    # -- folder ----------------------------------------------------------------------------

    @property
    def writes(self) -> bool:
        """Only the optional processed label/folder needs a read-write SELECT."""
        return bool(self.cfg.processed_label or self.cfg.processed_folder)

    def open_folder(self) -> FolderInfo:
        """EXAMINE (read-only) or SELECT the folder: UIDVALIDITY and UIDNEXT in O(1)."""
        client = self._client()
        readonly = not self.writes
        try:
            resp = client.select_folder(self.folder, readonly=readonly)
        except IMAPClient.Error as exc:
            if isinstance(exc, IMAPClient.AbortError):
                raise
            raise MailboxError(
                f"không mở được thư mục {self.folder!r} trên {self.cfg.host} ({error_text(exc)}): "
                'kiểm tra imap.folder (nhãn Gmail là thư mục, ví dụ "INBOX" hay "[Gmail]/All Mail")'
            ) from exc
        self._selected_readonly = readonly
        uidvalidity = resp.get(b"UIDVALIDITY")
        uidnext = resp.get(b"UIDNEXT")
        if uidvalidity is None or uidnext is None:  # RFC 3501 makes them optional; STATUS has them
            status = client.folder_status(self.folder, [b"UIDVALIDITY", b"UIDNEXT"])
            uidvalidity = status[b"UIDVALIDITY"]
            uidnext = status[b"UIDNEXT"]
        return FolderInfo(int(uidvalidity), int(uidnext), int(resp.get(b"EXISTS", 0)))

    def status_unselected(self) -> tuple[int, int] | None:
        """(UIDVALIDITY, UIDNEXT) by STATUS while no folder is selected; None when one is.

        STATUS is O(1) and, unlike EXAMINE, not slowed by a maildir that just changed (Dovecot
        re-reads a recently modified cur/ on every SELECT/EXAMINE). Only with no folder
        selected: STATUS of the selected folder gives the session's stale view.
        """
        if self._selected_readonly is not None:
            return None
        status = self._client().folder_status(self.folder, [b"UIDVALIDITY", b"UIDNEXT"])
        return int(status[b"UIDVALIDITY"]), int(status[b"UIDNEXT"])

    # -- listing and fetching --------------------------------------------------------------

    def uids_from(self, start: int) -> list[int]:
        """UIDs >= start. `UID SEARCH UID n:*` also returns the highest UID when n is above it
        (RFC 3501: n:* means *:n), hence the filter."""
        found = self._client().search(["UID", f"{start}:*"])
        return sorted(u for u in found if u >= start)

    def sizes(self, uids: Sequence[int]) -> list[UidMeta]:
        """RFC822.SIZE (and X-GM-MSGID on Gmail) of each UID, in the order given: one command,
        so callers pass at most META_CHUNK UIDs."""
        items = ["RFC822.SIZE"] + (["X-GM-MSGID"] if self.is_gmail else [])
        meta = self._client().fetch(list(uids), items)
        return [
            UidMeta(uid, int(meta[uid].get(b"RFC822.SIZE", 0)), meta[uid].get(b"X-GM-MSGID"))
            for uid in uids
            if uid in meta
        ]

    def fetch(
        self, batch: Sequence[UidMeta], uidvalidity: int, missing: list[int]
    ) -> Iterator[FetchedMessage]:
        """The bodies of a batch (BODY.PEEK: flags untouched), each with its INTERNALDATE.
        UIDs the server listed but sent no body for are appended to `missing`."""
        if not batch:
            return
        items = ["BODY.PEEK[]", "INTERNALDATE", "RFC822.SIZE"]
        if self.is_gmail:
            items.append("X-GM-MSGID")
        data = self._client().fetch([m.uid for m in batch], items)
        for m in batch:
            item = data.pop(m.uid, None)  # pop: let each body go as soon as it is handled
            raw = item.get(b"BODY[]") if item else None
            if raw is None:
                log.error(
                    "server listed UID %s in %s but sent no body; skipped", m.uid, self.folder
                )
                missing.append(m.uid)
                continue
            yield FetchedMessage(
                account=self.account,
                folder=self.folder,
                uidvalidity=uidvalidity,
                uid=m.uid,
                raw=raw,
                internaldate=_aware(item.get(b"INTERNALDATE")),
                size=int(item.get(b"RFC822.SIZE", len(raw))),
                gm_msgid=item.get(b"X-GM-MSGID", m.gm_msgid),
            )

    # -- processed mail (optional, the only writes) ----------------------------------------

    def mark_processed(self, uids: Sequence[int]) -> None:
        """Label or move stored messages. Runs after the handler stored them and before the
        state is saved: a crash in between repeats the label/move, never loses a message."""
        if not uids:
            return
        client = self._client()
        cfg = self.cfg
        if cfg.processed_label:
            if self.is_gmail:
                client.add_gmail_labels(
                    uids, [cfg.processed_label], silent=True
                )  # adds, never replaces
            else:  # elsewhere a keyword (an IMAP "label") does the same job
                client.add_flags(uids, [_keyword(cfg.processed_label)], silent=True)
        elif cfg.processed_folder:
            if b"MOVE" in self.capabilities:
                client.move(uids, cfg.processed_folder)
            else:
                client.copy(uids, cfg.processed_folder)
                client.delete_messages(uids, silent=True)
                if b"UIDPLUS" in self.capabilities:
                    client.uid_expunge(uids)
                else:
                    client.expunge()

    # -- waiting for mail ------------------------------------------------------------------

    def wait(self, timeout: float, *, stop: threading.Event | None = None) -> bool:
        """Block up to `timeout` seconds in IDLE; True when the server announced a change.

        The folder must be open (poll() leaves it so). Returns early when `stop` is set.
        A dead connection surfaces as MailboxError at DONE (the socket's read timeout), so
        the caller reconnects: that is the "reconnect on silence".
        """
        client = self._client()
        if not self.supports_idle:
            raise MailboxError("máy chủ thư không hỗ trợ IDLE")
        if self._selected_readonly is None:  # a no-op poll used STATUS only: IDLE needs a folder
            self.open_folder()
        deadline = time.monotonic() + max(0.0, min(timeout, IDLE_RENEW_SECONDS))
        slice_seconds = 1.0 if stop is not None else 60.0
        changed = False
        try:
            client.idle()
            while not changed and not (stop is not None and stop.is_set()):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                wanted = min(left, slice_seconds)
                began = time.monotonic()
                responses = client.idle_check(timeout=wanted)
                if not responses and time.monotonic() - began < wanted * 0.5:
                    # imapclient swallows EOF: the socket was readable yet said nothing.
                    raise MailboxError(
                        f"máy chủ {self.cfg.host} đóng kết nối khi đang chờ thư (IDLE)"
                    )
                for resp in responses:
                    if len(resp) >= 2 and resp[1] in (b"EXISTS", b"RECENT"):
                        changed = True
                    elif resp[:1] == (b"BYE",):
                        raise MailboxError(
                            f"máy chủ {self.cfg.host} đóng kết nối khi đang chờ thư (IDLE)"
                        )
            client.idle_done()
            if b"UNSELECT" in self.capabilities:  # so the next poll can use STATUS (see _poll)
                client.unselect_folder()
                self._selected_readonly = None
        except CONNECTION_ERRORS as exc:
            raise MailboxError(
                f"chờ thư (IDLE) trên {self.cfg.host} lỗi: {error_text(exc)}"
            ) from exc
        return changed

    def noop(self) -> None:
        try:
            self._client().noop()
        except CONNECTION_ERRORS as exc:
            raise MailboxError(f"lệnh NOOP trên {self.cfg.host} lỗi: {error_text(exc)}") from exc


def _aware(value: Any) -> datetime:
    """INTERNALDATE as an aware datetime (imapclient gives one when normalise_times is off)."""
    if isinstance(value, datetime):
        offset = value.utcoffset()
        if offset is None:
            return value.replace(tzinfo=UTC)
        return value.replace(tzinfo=timezone(offset))  # a stdlib tzinfo, not imapclient's
    return datetime.now(UTC)


def _keyword(label: str) -> str:
    """An IMAP keyword (atom) from a label: no spaces, brackets or wildcards."""
    cleaned = "".join(c if c.isascii() and c.isalnum() or c in "-_.$" else "_" for c in label)
    return cleaned or "cchc_processed"


def error_text(exc: BaseException) -> str:
    """The server's words, readable: imapclient hands some over as bytes, or as the text of
    bytes ("b'[AUTHENTICATIONFAILED] Invalid credentials'")."""
    msg = exc.args[0] if exc.args else exc
    if isinstance(msg, str) and re.fullmatch(r"b(['\"]).*\1", msg, re.S):
        with contextlib.suppress(ValueError, SyntaxError):
            msg = ast.literal_eval(msg)
    if isinstance(msg, bytes):
        msg = msg.decode("utf-8", "replace")
    return str(msg) or type(exc).__name__


__all__ = [
    "CONNECTION_ERRORS",
    "FetchedMessage",
    "FolderInfo",
    "ImapMailbox",
    "META_CHUNK",
    "MailboxLoginError",
    "UidMeta",
    "error_text",
]
