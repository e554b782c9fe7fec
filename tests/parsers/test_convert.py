"""Old formats through LibreOffice: the not-installed branch always, a conversion when present."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from parsers import convert
from parsers.guard import Deadline, TooSlow, Unparseable
from parsers.registry import parse_attachment

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOC_STUB = OLE2 + b"\0" * 504 + "WordDocument".encode("utf-16-le") + b"\0" * 512
RTF = rb"{\rtf1\ansi{\fonttbl\f0\fswiss Helvetica;}\f0\pard BAO CAO cai cach hanh chinh\par}"


def test_doc_without_libreoffice_is_unparseable_with_an_install_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(convert.shutil, "which", lambda name: None)
    pa = parse_attachment("Báo cáo.doc", DOC_STUB)
    assert (pa.format, pa.kind) == ("doc", "unparseable")
    assert "LibreOffice" in (pa.error or "")
    assert pa.findings[0].code == "attachment.unparseable"


def test_rtf_without_libreoffice_is_unparseable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(convert.shutil, "which", lambda name: None)
    pa = parse_attachment("bc.rtf", RTF)
    assert (pa.format, pa.kind) == ("rtf", "unparseable")


def test_a_converter_that_hangs_is_killed_at_the_deadline(tmp_path: Path) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    start = time.perf_counter()
    with pytest.raises(TooSlow):
        convert.to_docx(RTF, "rtf", soffice=str(fake), deadline=Deadline(1.0))
    assert time.perf_counter() - start < 5


def test_a_converter_that_produces_nothing_is_unparseable(tmp_path: Path) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(Unparseable):
        convert.to_docx(RTF, "rtf", soffice=str(fake))


@pytest.mark.skipif(convert.find_soffice() is None, reason="LibreOffice not installed")
@pytest.mark.slow
def test_rtf_is_converted_and_read_when_libreoffice_exists() -> None:
    pa = parse_attachment("bc.rtf", RTF)
    assert pa.kind in ("other", "outline")
    assert "cai cach hanh chinh" in pa.text
    assert os.environ is not None


def _doc_from_docx(tmp_path: Path) -> bytes:
    """A real Word 97 .doc, made by LibreOffice from one of our generated reports."""
    import subprocess

    from docbuild import report_docx

    src = tmp_path / "bc.docx"
    src.write_bytes(report_docx())
    subprocess.run(
        [
            str(convert.find_soffice()),
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "doc",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (tmp_path / "bc.doc").read_bytes()


@pytest.mark.skipif(convert.find_soffice() is None, reason="LibreOffice not installed")
@pytest.mark.slow
def test_a_real_doc_report_is_converted_and_its_outline_read(tmp_path: Path) -> None:
    pa = parse_attachment("Bao cao CCHC.doc", _doc_from_docx(tmp_path))
    assert (pa.format, pa.kind) == ("doc", "outline")
    assert pa.outline is not None and pa.outline.missing == []


@pytest.mark.skipif(convert.find_soffice() is None, reason="LibreOffice not installed")
@pytest.mark.slow
def test_a_password_protected_doc_is_reported_as_such(tmp_path: Path) -> None:
    import olefile

    data = _doc_from_docx(tmp_path)
    path = tmp_path / "locked.doc"
    path.write_bytes(data)
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        stream = bytearray(ole.openstream("WordDocument").read())
        stream[11] |= 0x01  # fEncrypted: bit 0x0100 of the FIB flags word at 0x0A
        ole.write_stream("WordDocument", bytes(stream))
    assert convert.doc_is_encrypted(path.read_bytes())
    assert not convert.doc_is_encrypted(data)
    pa = parse_attachment("locked.doc", path.read_bytes())
    assert pa.kind == "unparseable"
    assert [f.code for f in pa.findings] == ["attachment.password_protected"]


def test_random_ole_bytes_are_not_taken_for_an_encrypted_doc() -> None:
    assert not convert.doc_is_encrypted(DOC_STUB)
    assert not convert.doc_is_encrypted(b"not an OLE file at all")
