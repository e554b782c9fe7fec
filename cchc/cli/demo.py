"""`cchc demo`: the sample mailbox shipped with cchc, imported into a fresh store and shown
as a clerk would see it — each period's compliance table and the review queue."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

from rich.console import Console

from cchc.app import App
from cchc.cli.tables import print_review, print_status
from cchc.core.config import load_config
from cchc.core.periods import parse_period
from cchc.importer import import_paths
from store import read

DEMO_CONFIG = """\
# Demo configuration written by `cchc demo` (see config.example.toml for every key).
[office]
name = "Phòng Nội vụ huyện Đắk Song"
timezone = "Asia/Ho_Chi_Minh"

[units]
file = "units.toml"

[store]
path = "data/cchc.sqlite"
archive = "data/archive"
"""


def run_demo(directory: Path | None = None) -> Path:
    console = Console()
    folder = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="cchc-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    demo = resources.files("cchc") / "demo"
    (folder / "config.toml").write_text(DEMO_CONFIG, encoding="utf-8")
    (folder / "units.toml").write_text(
        (demo / "units.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    mbox = folder / "sample.mbox"
    with resources.as_file(demo / "sample.mbox") as src:
        shutil.copyfile(src, mbox)
    app = App(load_config(folder / "config.toml"))
    console.print(f"[bold]Nhập hộp thư mẫu[/] {mbox} …")
    summary = import_paths(app, [mbox])
    console.print(
        f"Đã đọc {summary.read} thư: {summary.new} mới, {summary.duplicate} trùng; "
        f"{summary.review} thư cần xem xét.\n"
    )
    _, last = read.received_range(app.db)
    at = datetime.fromtimestamp(last or 0, app.tz) + timedelta(days=1)
    for period in sorted(parse_period(p) for p in read.counted_periods(app.db)):
        print_status(app.status(period.id, at))
        console.print()
    print_review(app.review())
    console.print(
        f"\nKho dữ liệu demo: {folder}\nThử: cchc status --config {folder / 'config.toml'} --period 2024-Q1 --json"
    )
    app.close()
    return folder
