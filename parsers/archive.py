"""Zip archives: members read within limits, names sanitised, nesting bounded.

A unit sometimes zips its files. The archive is itself an attachment (kind "other", or
"unparseable" when it cannot be opened safely) whose `children` are its members, each
parsed by the registry as if attached directly, with `container` = the archive's name.

Safety, in the order it is checked: the central directory (member count, declared total,
declared ratio: a 1 GiB bomb is refused here, before inflating a byte), then every member
is inflated with a byte counter (`guard.read_member`) so a header that lies cannot blow up
memory, then a running total over members, then the nesting depth for zips in zips.
"""

from __future__ import annotations

import io
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Callable

from parsers.guard import (
    AttachmentError,
    Deadline,
    Limits,
    PasswordProtected,
    TooLarge,
    Unparseable,
    check_zip,
    read_member,
)
from parsers.model import Finding, ParsedAttachment

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_name(name: str) -> str:
    """A member's base name, without directories, `..`, control characters or a drive letter."""
    name = name.replace("\\", "/")
    base = posixpath.basename(name.rstrip("/"))
    base = _CONTROL.sub("", unicodedata.normalize("NFC", base)).strip()
    base = re.sub(r"^[A-Za-z]:", "", base)
    if base in ("", ".", ".."):
        return "unnamed"
    return base.lstrip(".") or "unnamed"


def _decode_name(info: zipfile.ZipInfo) -> str:
    """Zip names without the UTF-8 flag are cp437 by the standard but cp1258/utf-8 in practice."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for enc in ("utf-8", "cp1258"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return info.filename


ParseFn = Callable[[str, bytes, int], ParsedAttachment]


def read_zip(
    filename: str,
    data: bytes,
    parse_member: ParseFn,
    *,
    limits: Limits,
    depth: int,
    deadline: Deadline,
) -> list[ParsedAttachment]:
    """Parse every file member with `parse_member(name, bytes, depth + 1)`; raises on refusal.

    Per-member failures (a corrupt .docx inside) become unparseable children; a refusal of
    the archive itself (bomb, encryption, corrupt directory) raises `AttachmentError`.
    """
    if depth > limits.zip_max_nesting:
        raise TooLarge(
            f"Tệp nén lồng nhau quá {limits.zip_max_nesting} cấp / archives nested too deep"
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise Unparseable(f"Tệp nén bị hỏng / corrupt zip: {exc}") from exc
    children: list[ParsedAttachment] = []
    with zf:
        check_zip(zf, limits)
        budget = limits.zip_max_total
        seen: set[str] = set()
        for info in zf.infolist():
            deadline.check()
            if info.is_dir():
                continue
            name = safe_name(_decode_name(info))
            if name.lower().startswith("__macosx") or name == ".DS_Store":
                continue
            stem, dot, ext = name.rpartition(".")
            unique, n = name, 1
            while unique in seen:  # the same base name in two folders
                n += 1
                unique = f"{stem} ({n}){dot}{ext}" if dot else f"{name} ({n})"
            seen.add(unique)
            try:
                member = read_member(zf, info, limits, cap=budget)
            except AttachmentError:
                raise
            except RuntimeError as exc:  # zipfile: "File ... is encrypted"
                raise PasswordProtected(
                    "Tệp nén có mật khẩu, không đọc được / the archive is password-protected"
                ) from exc
            except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
                raise Unparseable(f"Tệp nén bị hỏng / corrupt zip: {exc}") from exc
            budget -= len(member)
            child = parse_member(unique, member, depth + 1)
            child.container = filename
            child.data = member  # the caller archives it by hash like any attachment
            children.append(child)
    return children


def rar_finding(filename: str) -> Finding:
    """.rar needs a native unrar; we record it for staff instead of shelling out."""
    return Finding(
        code="attachment.unparseable",
        level="warning",
        message="Tệp .rar chưa được hỗ trợ, đề nghị gửi lại dạng .zip hoặc tệp rời / "
        ".rar archives are not supported",
        attachment=filename,
    )
