"""The output's format follows its name (issue 13): `-o F.xlsx`/`F.docx` as built, `-o F.pdf`
printed by LibreOffice, anything else refused in one line (exit 2) with nothing written."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cchc.app import App
from cchc.cli import cli

COMMANDS = {
    "onestop": ["--period", "2024-Q1"],
    "compliance": ["--year", "2024"],
    "narrative": ["--period", "2024-Q1"],
    "proposal": ["--year", "2024"],
}


def _run(app: App, kind: str, out: Path) -> tuple[int, str]:
    args = ["export", kind, *COMMANDS[kind], "--config", str(app.config.path), "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("onestop", "pl2.csv"),
        ("onestop", "pl2.docx"),
        ("compliance", "kc"),
        ("narrative", "th.xlsx"),
        ("proposal", "dx.odt"),
    ],
)
def test_an_unknown_extension_is_refused_in_one_line(
    case_app: App, tmp_path: Path, kind: str, name: str
) -> None:
    code, output = _run(case_app, kind, tmp_path / name)
    assert code == 2 and len(output.strip().splitlines()) == 1, output
    assert name in output and ".pdf" in output
    assert list(tmp_path.iterdir()) == []


def test_a_pdf_without_libreoffice_stops_saying_so(
    case_app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cchc.exports.output.find_soffice", lambda: None)
    for kind in COMMANDS:
        code, output = _run(case_app, kind, tmp_path / f"{kind}.pdf")
        assert code == 2 and "LibreOffice" in output, output
        assert len(output.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["onestop", "proposal"])
def test_a_pdf_name_gets_the_export_printed_by_libreoffice(
    case_app: App, tmp_path: Path, kind: str
) -> None:
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        pytest.skip("LibreOffice (soffice) is not installed")
    out = tmp_path / f"{kind}.pdf"
    code, output = _run(case_app, kind, out)
    assert code == 0, output
    assert out.read_bytes()[:5] == b"%PDF-" and str(out) in output
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no .xlsx left behind
