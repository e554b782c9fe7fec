"""Case messages rewritten for the period-year rule (SPEC §3): a new arrival, and the years taken
out of the subject, the body, the file names and, on request, the documents themselves."""

from __future__ import annotations

import email
import email.policy
import io
import re
import zipfile
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

_YEAR = re.compile(r"[\s/_.\-]?20\d\d(?!\d)")


def strip_years(text: str) -> str:
    return _YEAR.sub("", text)


def _docx_without_years(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.startswith("word/") and info.filename.endswith(".xml"):
                body = re.sub(rb"20\d\d(?!\d)", b"", body)
            dst.writestr(info, body)
    return out.getvalue()


def moved(raw: bytes, received: datetime, *, documents: bool = False) -> bytes:
    """The message arriving at `received` (its topmost Received: header), with no year in the
    subject, the body or the file names; with `documents`, none in its .docx either. Only the
    Word attachments are kept: the report whose title speaks."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    new = EmailMessage()
    first = True
    for name, value in msg.items():
        if name.lower() == "received" and first:
            value = value.rsplit(";", 1)[0] + "; " + format_datetime(received)
            first = False
        if name.lower() == "subject":
            value = strip_years(str(value))
        if name.lower() in ("content-type", "content-transfer-encoding", "mime-version"):
            continue
        new[name] = value
    body = msg.get_body(("plain",))
    new.set_content(strip_years(body.get_content() if body else "Kính gửi."))
    for part in msg.iter_attachments():
        filename = part.get_filename() or ""
        if not filename.lower().endswith(".docx"):
            continue
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        if documents:
            data = _docx_without_years(data)
        new.add_attachment(
            data,
            maintype="application",
            subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
            filename=strip_years(filename),
        )
    return new.as_bytes(policy=email.policy.SMTP)
