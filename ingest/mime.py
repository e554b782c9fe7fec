"""Raw RFC 5322 bytes → a plain `MailMessage`: headers decoded, body text, attachments as bytes.

Uses the standard library's `email` (policy.default) rather than mail-parser: mail-parser hands
attachments back re-encoded as base64 text (a second copy of every file, a third larger, costly
on 25 MB attachments) and does not say which parts sit inside a forwarded message/rfc822, which
SPEC §5 needs (`container`). Display names go through `decode_header` + `make_header`, because
policy.default puts a spurious space between adjacent encoded-words ("Trần Văn Min h").
Never raises on bad input: what cannot be decoded becomes a `problems` entry.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser

from cchc.core.text import bounded, nfc, without_bidi

_MAX_PARTS = 500
_MAX_NESTING = 5
# What is stored of a header (the raw bytes in the archive keep it all): a 2 MB Subject made
# every page that lists it 2 MB.
MAX_SUBJECT = 1000
MAX_NAME = 300
MAX_ID = 1000
MAX_BODY = 200_000


@dataclass
class RawAttachment:
    filename: str  # decoded, NFC, as the sender named it (may be hostile: sanitise before disk)
    content_type: str
    data: bytes
    container: str | None = None  # "message/rfc822" for files inside a forwarded message


@dataclass
class MailMessage:
    message_id: str | None
    from_addr: str
    from_name: str
    subject: str
    date_header: datetime | None
    received_at: datetime | None  # topmost Received:, with its own offset
    auth_results: list[str]  # Authentication-Results headers, topmost first
    body_text: str
    attachments: list[RawAttachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    body_unreadable: bool = False  # the structure could not be walked: only headers are known


def _clean(text: str) -> str:
    """Undecodable 8-bit header bytes arrive as lone surrogates, which SQLite and JSON refuse."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogateescape")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252", "replace")


def _decode_words(value: object) -> str:
    """Decode an RFC 2047 header the way mail clients show it; never raises."""
    raw = _clean(str(value or ""))
    try:
        text = str(make_header(decode_header(raw)))
    except Exception:  # noqa: BLE001 - malformed encoded-words: keep the raw text
        text = raw
    return without_bidi(nfc(_clean(re.sub(r"[\r\n\t]+", " ", text)))).strip()


def _raw_header(msg: Message, name: str) -> str | None:
    """The header's raw (undecoded) value, so we decode it ourselves."""
    for key, value in msg.raw_items() if hasattr(msg, "raw_items") else msg.items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _all_raw(msg: Message, name: str) -> list[str]:
    items = msg.raw_items() if hasattr(msg, "raw_items") else msg.items()
    return [str(v) for k, v in items if k.lower() == name.lower()]


_RECEIVED_DATE = re.compile(
    r";\s*([^;]*?\d{1,2}\s+\w{3}\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[+-]\d{4}|[A-Z]{1,5})?)"
)


def parse_received_date(header: str) -> datetime | None:
    """The date after the last `;` of a Received: header, with the offset it states (PST/PDT too)."""
    flat = re.sub(r"\s+", " ", header)
    found = list(_RECEIVED_DATE.finditer(flat))
    candidate = found[-1].group(1) if found else flat.rpartition(";")[2]
    return parse_date(candidate)


def parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    value = re.sub(r"\s*\([^)]*\)\s*$", "", value.strip())
    try:
        parsed = email.utils.parsedate_tz(value)
    except Exception:  # noqa: BLE001
        return None
    if not parsed or parsed[0] < 1970:
        return None
    offset = parsed[9] if parsed[9] is not None else 0
    try:
        naive = datetime(*parsed[:6])
    except (ValueError, OverflowError):
        return None
    return naive.replace(tzinfo=timezone(timedelta(seconds=offset)))


def _address(msg: Message) -> tuple[str, str]:
    raw = _raw_header(msg, "From") or ""
    decoded = _decode_words(raw)
    name, addr = email.utils.parseaddr(decoded)
    if not addr or "@" not in addr:
        # An undecoded encoded-word may hide the angle brackets; try the raw value too.
        name2, addr2 = email.utils.parseaddr(raw)
        if addr2 and "@" in addr2:
            name, addr = _decode_words(name2), addr2
    return nfc(_clean(name.strip().strip('"'))), _clean(addr.strip().strip("<>"))


def _part_filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - broken RFC 2231 parameters
        name = None
    if name is None:
        ct_name = part.get_param("name") if hasattr(part, "get_param") else None
        if isinstance(ct_name, tuple):
            ct_name = email.utils.collapse_rfc2231_value(ct_name)
        name = ct_name if isinstance(ct_name, str) else None
    if name is None:
        return None
    return _decode_words(name) if "=?" in name else without_bidi(nfc(_clean(str(name))))


def _payload(part: Message, problems: list[str]) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # noqa: BLE001
        problems.append(f"cannot decode a part ({part.get_content_type()}): {exc}")
        return b""
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "replace") if isinstance(raw, str) else b""


def _text_of(part: Message, problems: list[str]) -> str:
    data = _payload(part, problems)
    charset = part.get_content_charset() or "utf-8"
    for cs in (charset, "utf-8", "cp1258", "latin-1"):
        try:
            return data.decode(cs)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", "replace")


def _html_to_text(html: str) -> str:
    html = re.sub(r"(?is)<(script|style)[^>]*>.*?</\1>", " ", html)
    html = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>", "\n", html)
    text = re.sub(r"<[^>]+>", " ", html)
    import html as htmllib

    return htmllib.unescape(text)


def parse_message(raw: bytes) -> MailMessage:
    """Decode a raw message. Never raises; what cannot be read is listed in `problems`. When
    the structure cannot be walked (e.g. thousands of nested multiparts), the headers are
    still read and the message is marked `body_unreadable`."""
    problems: list[str] = []
    unreadable = False
    try:
        msg: Message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # noqa: BLE001 - the parser is lenient, but be sure
        problems.append(f"unreadable MIME structure ({type(exc).__name__}): headers only")
        msg = _headers_only(raw, problems)
        unreadable = True
    for defect in getattr(msg, "defects", [])[:5]:
        problems.append(f"MIME defect: {type(defect).__name__}")

    message_id = _clean(re.sub(r"\s+", "", _raw_header(msg, "Message-ID") or "")) or None
    from_name, from_addr = _address(msg)
    received = _all_raw(msg, "Received")
    received_at = parse_received_date(received[0]) if received else None
    out = MailMessage(
        message_id=bounded(message_id, MAX_ID) if message_id else None,
        from_addr=bounded(from_addr, MAX_NAME),
        from_name=bounded(from_name, MAX_NAME),
        subject=bounded(_decode_words(_raw_header(msg, "Subject")), MAX_SUBJECT),
        date_header=parse_date(_raw_header(msg, "Date")),
        received_at=received_at,
        auth_results=[re.sub(r"\s+", " ", h) for h in _all_raw(msg, "Authentication-Results")],
        body_text="",
        problems=problems,
        body_unreadable=unreadable,
    )
    if unreadable:
        return out
    bodies: list[tuple[str, str]] = []
    try:
        _walk_top(msg, out, bodies)
    except Exception as exc:  # noqa: BLE001 - a broken structure must not lose the message
        out.problems.append(f"MIME structure could not be fully read: {exc}")
        out.body_unreadable = not out.attachments and not bodies
    plain = [t for c, t in bodies if c == "text/plain"]
    html = [t for c, t in bodies if c == "text/html"]
    body = "\n".join(plain) if plain else "\n".join(_html_to_text(h) for h in html)
    out.body_text = bounded(nfc(_clean(body.replace("\r\n", "\n"))), MAX_BODY)
    return out


def _headers_only(raw: bytes, problems: list[str]) -> Message:
    """The header block alone: it survives a body that cannot be parsed."""
    try:
        return BytesHeaderParser(policy=email.policy.default).parsebytes(raw)
    except Exception as exc:  # noqa: BLE001 - then not even the headers: a recorded problem
        problems.append(f"unreadable headers: {exc}")
        return EmailMessage()


def _walk_top(
    msg: Message,
    out: MailMessage,
    bodies: list[tuple[str, str]],
    container: str | None = None,
    depth: int = 0,
) -> None:
    """Walk the tree ourselves so message/rfc822 parts are entered exactly once, with a container."""
    stack: list[Message] = [msg]
    seen = 0
    while stack:
        part = stack.pop(0)
        seen += 1
        if seen > _MAX_PARTS:
            out.problems.append(f"more than {_MAX_PARTS} MIME parts: the rest was not read")
            return
        ctype = part.get_content_type()
        if part is not msg and ctype == "message/rfc822":
            inner = part.get_payload()
            inner_msg = inner[0] if isinstance(inner, list) and inner else inner
            if depth >= _MAX_NESTING or not isinstance(inner_msg, Message):
                out.problems.append("forwarded message nested too deep or empty")
                continue
            _walk_top(inner_msg, out, bodies, "message/rfc822", depth + 1)
            continue
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack[0:0] = [p for p in payload if isinstance(p, Message)]
            continue
        filename = _part_filename(part)
        disposition = str(part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        if filename or disposition == "attachment" or not ctype.startswith(("text/", "multipart/")):
            if not filename and ctype.startswith(("image/",)) and disposition != "attachment":
                continue  # inline pictures (signatures, logos) are not attachments
            data = _payload(part, out.problems)
            if not data and not filename:
                continue
            name = filename or f"attachment-{len(out.attachments) + 1}"
            out.attachments.append(RawAttachment(name, ctype, data, container))
        elif ctype in ("text/plain", "text/html"):
            bodies.append((ctype, _text_of(part, out.problems)))
