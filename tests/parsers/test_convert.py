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
