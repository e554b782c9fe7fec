"""Limits and guards shared by every document reader: sizes, zip checks, a deadline.

Hostile attachments (zip bombs, XML entity bombs, huge files, parses that never end) are
refused *before* the expensive work starts, from facts that are cheap to read: the zip's
central directory, the first bytes of an XML part, a byte counter while inflating. A refusal
is an `AttachmentError` whose `code` is the stable finding code (SPEC §5); the registry
turns it into `kind = "unparseable"` and never lets it escape.
"""

from __future__ import annotations

import time
import zipfile
from dataclasses import dataclass

from cchc.core.errors import CchcError

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How much one attachment may cost. Defaults fit a district office's mail.

    `max_bytes`: the attachment itself. Zip limits apply to every zip we open, the Office
    containers (docx, xlsx) included: total inflated size, inflated/compressed ratio per
    member, member count, and how deep archives may nest. `time_limit` is wall time for one
    attachment (checked cooperatively, and enforced on external converters by killing them).
    """

    max_bytes: int = 25 * MiB
    zip_max_total: int = 200 * MiB
    zip_max_ratio: float = 100.0
    zip_max_members: int = 500
    zip_max_nesting: int = 2
    time_limit: float = 60.0
    pdf_max_pages: int = 200
    # a member below this inflated size is never refused for its ratio: tiny XML parts
    # compress very well and are harmless
    ratio_floor: int = 1 * MiB


class AttachmentError(CchcError):
    """An attachment we refuse or cannot read; `code` is the finding code, message is for people."""

    code = "attachment.unparseable"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unparseable(AttachmentError):
    code = "attachment.unparseable"


class PasswordProtected(AttachmentError):
    code = "attachment.password_protected"


class TooLarge(AttachmentError):
    code = "attachment.too_large"


class TooSlow(AttachmentError):
    code = "attachment.unparseable"


class Deadline:
    """A cooperative time limit: readers call `check()` between units of work.

    Cheaper than a thread or process per attachment (the normal parse takes milliseconds),
    and sufficient because every loop we run is bounded by the size limits above; the only
    unbounded work, an external converter, runs in a subprocess with its own timeout.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise TooSlow(
                f"Đọc tệp quá thời gian cho phép ({self.seconds:.0f} giây) / "
                f"reading took longer than {self.seconds:.0f} s"
            )


def check_zip(zf: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse a zip whose central directory promises too much (members, total, ratio).

    Declared sizes can lie; `read_member` also counts the real bytes while inflating.
    """
    infos = zf.infolist()
    if len(infos) > limits.zip_max_members:
        raise TooLarge(
            f"Tệp nén có quá nhiều tệp con ({len(infos)} > {limits.zip_max_members}) / "
            "too many files in the archive"
        )
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.ratio_floor:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.zip_max_ratio:
                raise TooLarge(
                    f"Tệp nén bất thường (bom nén): {info.filename!r} giải nén gấp "
                    f"{ratio:.0f} lần / zip bomb: member inflates {ratio:.0f}x"
                )
    if total > limits.zip_max_total:
        raise TooLarge(
            f"Tệp nén giải nén ra quá lớn ({total // MiB} MiB > {limits.zip_max_total // MiB} MiB)"
            " / archive inflates beyond the limit"
        )


def read_member(
    zf: zipfile.ZipFile, name: str | zipfile.ZipInfo, limits: Limits, *, cap: int | None = None
) -> bytes:
    """Inflate one member, counting real bytes, so a lying header cannot blow memory up."""
    cap = limits.zip_max_total if cap is None else cap
    info = name if isinstance(name, zipfile.ZipInfo) else zf.getinfo(name)
    if info.flag_bits & 0x1:
        raise PasswordProtected(
            "Tệp nén có mật khẩu, không đọc được / the archive is password-protected"
        )
    chunks: list[bytes] = []
    got = 0
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(64 * 1024)
            if not chunk:
                break
            got += len(chunk)
            if got > cap or (
                got > limits.ratio_floor and got / max(info.compress_size, 1) > limits.zip_max_ratio
            ):
                raise TooLarge(
                    f"Tệp con {info.filename!r} giải nén ra quá lớn (bom nén) / "
                    "member inflates beyond the limit (zip bomb)"
                )
            chunks.append(chunk)
    return b"".join(chunks)


def refuse_dtd(xml: bytes, part: str) -> None:
    """Refuse XML that declares a DTD: OOXML never needs one, and entity bombs live there.

    A byte search, so a billion-laughs part is refused in microseconds, before any parser
    (lxml, which python-docx uses, would start expanding entities).
    """
    head = xml
    if xml[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            head = xml.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as exc:
            raise Unparseable(f"Phần {part} hỏng / {part} is not valid UTF-16") from exc
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise Unparseable(
            f"Tệp chứa khai báo DTD/entity trong {part} (có thể là bom XML), đã từ chối / "
            f"{part} declares a DTD or entities (XML bomb), refused"
        )
