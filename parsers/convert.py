"""Old formats (.doc, .rtf, .odt) converted to .docx by LibreOffice, in a subprocess (and the
exports turned into PDF the same way).

LibreOffice is the only converter that reads real-world .doc files well; it is an external
program, so it runs in its own process with a hard timeout (killed on expiry), a private
profile directory (two conversions never share or lock a profile, and a user's settings
never leak in) and a scratch directory removed afterwards. Without LibreOffice the file is
reported as unreadable with a message that says what to install.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from parsers.guard import Deadline, Limits, TooSlow, Unparseable

NOT_INSTALLED = (
    "Không đọc được tệp .{ext}: máy chủ chưa cài LibreOffice (cài gói libreoffice-writer) / "
    "cannot read .{ext}: LibreOffice not installed"
)


def doc_is_encrypted(data: bytes) -> bool:
    """A legacy Word .doc with a password: the FIB's fEncrypted bit (0x0100 of the flags word at
    offset 0x0A of the WordDocument stream, [MS-DOC] 2.5.2). LibreOffice would only fail on it,
    so we say "password-protected" instead of "unreadable" — the unit can act on that."""
    import io

    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if not ole.exists("WordDocument"):
                return False
            fib = ole.openstream("WordDocument").read(12)
    except Exception:  # noqa: BLE001 - a broken OLE file is LibreOffice's to judge, not ours
        return False
    return len(fib) >= 12 and bool(int.from_bytes(fib[10:12], "little") & 0x0100)


def find_soffice() -> str | None:
    """The LibreOffice binary on PATH, or None."""
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    return None


def to_docx(
    data: bytes,
    ext: str,
    *,
    limits: Limits | None = None,
    deadline: Deadline | None = None,
    soffice: str | None = None,
) -> bytes:
    """Convert `data` (a .doc/.rtf/.odt file) to .docx bytes; raises `Unparseable`/`TooSlow`."""
    return convert(
        data,
        ext,
        "docx",
        "docx:MS Word 2007 XML",
        limits=limits,
        deadline=deadline,
        soffice=soffice,
    )


def convert(
    data: bytes,
    ext: str,
    out_ext: str,
    out_filter: str,
    *,
    limits: Limits | None = None,
    deadline: Deadline | None = None,
    soffice: str | None = None,
) -> bytes:
    """Convert `data` (a .`ext` file) with LibreOffice's `--convert-to out_filter` and return
    the .`out_ext` it writes; raises `Unparseable`/`TooSlow`. Also how the exports become PDF."""
    limits = limits or Limits()
    deadline = deadline or Deadline(limits.time_limit)
    binary = soffice or find_soffice()
    if not binary:
        raise Unparseable(NOT_INSTALLED.format(ext=ext))
    with tempfile.TemporaryDirectory(prefix="cchc-convert-") as tmp:
        work = Path(tmp)
        src = work / f"input.{ext}"
        src.write_bytes(data)
        profile = (work / "profile").as_uri()
        cmd = [
            binary,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            out_filter,
            "--outdir",
            str(work / "out"),
            str(src),
        ]
        _run(cmd, tmp, ext, deadline)
        out = work / "out" / f"input.{out_ext}"
        if not out.exists():
            raise Unparseable(
                f"LibreOffice không chuyển đổi được tệp .{ext} (tệp hỏng hoặc có mật khẩu) / "
                f"LibreOffice could not convert the .{ext} file"
            )
        return out.read_bytes()


def _run(cmd: list[str], tmp: str, ext: str, deadline: Deadline) -> None:
    """Run LibreOffice in its own process group, killed with its children on time-out."""
    env = {**os.environ, "HOME": tmp}
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=tmp,
            start_new_session=True,  # its own process group: a timeout kills soffice.bin too
        )
    except OSError as exc:
        raise Unparseable(f"Không chạy được LibreOffice / cannot run LibreOffice: {exc}") from exc
    try:
        proc.wait(timeout=max(1.0, deadline.remaining()))
    except subprocess.TimeoutExpired as exc:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise TooSlow(f"Chuyển đổi tệp .{ext} quá thời gian / converting .{ext} timed out") from exc
