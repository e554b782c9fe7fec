"""The README's first command: `cchc demo` on the shipped sample mailbox (.mbox)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from cchc.app import App
from cchc.cli import cli
from cchc.core.config import load_config


def test_demo_imports_the_sample_mbox_and_shows_tables_and_the_queue(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "Báo cáo Quý I năm 2024" in result.output
    assert "Thư cần xem xét" in result.output
    app = App(load_config(tmp_path / "demo" / "config.toml"))
    statuses = {u["unit"]: u["status"] for u in app.status("2024-Q1", None)["units"]}
    assert statuses["xa-truong-xuan"] == "on_time" and statuses["vp-hdnd-ubnd"] == "late"
    sources = {m["source"].rsplit("#", 1)[0] for m in app.messages()}
    assert sources == {str((tmp_path / "demo" / "sample.mbox").resolve())}


def test_python_dash_m_cchc_works() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "cchc", "--help"], capture_output=True, text=True, check=True
    )
    assert "cchc-inbox" in out.stdout
