"""MIME decoding (SPEC §2, §7): arrival time, names, nesting, bad input."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.mime import parse_message, parse_received_date


def _message(**headers: str) -> EmailMessage:
    msg = EmailMessage(policy=email.policy.SMTP)
    for key, value in headers.items():
        msg[key.replace("_", "-")] = value
    msg.set_content("Gửi báo cáo CCHC.")
    return msg


def test_topmost_received_in_pacific_time_gives_the_arrival_with_its_offset() -> None:
    msg = _message(From="a@example.gov.vn", Subject="x", Date="Sun, 18 Feb 2024 08:00:00 +0700")
    msg["Received"] = "by 2002:a05:6a10:1234 with SMTP id x; Sat, 17 Feb 2024 08:30:39 -0800 (PST)"
    msg["Received"] = "from mail.example.gov.vn by mx.google.com; Sat, 17 Feb 2024 08:30:38 -0800"
    parsed = parse_message(msg.as_bytes())
    assert parsed.received_at is not None
    assert parsed.received_at.isoformat() == "2024-02-17T08:30:39-08:00"
    # The sender's clock (Date:) says otherwise, and is kept only as a fallback.
    assert (
        parsed.date_header is not None
        and parsed.date_header.isoformat() == "2024-02-18T08:00:00+07:00"
    )


def test_received_date_parsing_handles_pdt_and_comments() -> None:
    got = parse_received_date(
        "by 2002:a05 with SMTP id abc;\r\n        Sun, 5 May 2024 19:29:12 -0700 (PDT)"
    )
    assert got is not None and got.isoformat() == "2024-05-05T19:29:12-07:00"


def test_rfc2047_display_name_spanning_two_encoded_words_has_no_spurious_space() -> None:
    raw = (
        b"From: =?UTF-8?B?VHLhuqduIFbEg24gTWlu?= =?UTF-8?B?aA==?= <a@example.gov.vn>\r\n"
        b"Subject: =?UTF-8?Q?B=C3=A1o_c=C3=A1o_CCHC?=\r\n\r\nbody\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.from_name == "Trần Văn Minh"
    assert parsed.subject == "Báo cáo CCHC"


def test_rfc2231_attachment_names_are_decoded_and_nfc() -> None:
    raw = (
        b"From: a@example.gov.vn\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\n'
        b"Content-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment; filename*=UTF-8''Ba%CC%81o%20ca%CC%81o.docx\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nUEsDBA==\r\n--b--\r\n"
    )
    parsed = parse_message(raw)
    assert [a.filename for a in parsed.attachments] == ["Báo cáo.docx"]


def test_attachments_inside_a_forwarded_message_are_found_with_their_container() -> None:
    inner = EmailMessage()
    inner["From"] = "unit@example.gov.vn"
    inner["Subject"] = "BC CCHC"
    inner.set_content("see attached")
    inner.add_attachment(
        b"PK\x03\x04data", maintype="application", subtype="octet-stream", filename="bc.docx"
    )
    outer = EmailMessage()
    outer["From"] = "clerk@example.gov.vn"
    outer["Subject"] = "Fwd: BC CCHC"
    outer.set_content("forwarding")
    outer.add_attachment(inner)
    parsed = parse_message(outer.as_bytes())
    assert [(a.filename, a.container) for a in parsed.attachments] == [
        ("bc.docx", "message/rfc822")
    ]


def test_undecodable_8bit_headers_do_not_crash_and_stay_storable() -> None:
    raw = b"From: Ingo L\xfctkebohle <i@example.de>\r\nSubject: Die Fr\xf6sche\r\n\r\nbody\r\n"
    parsed = parse_message(raw)
    assert parsed.subject.encode("utf-8")  # no lone surrogates
    assert parsed.from_addr == "i@example.de"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_parse_without_raising(data: bytes) -> None:
    parsed = parse_message(data)
    assert isinstance(parsed.problems, list)
    parsed.subject.encode("utf-8")
    parsed.body_text.encode("utf-8")
