"""Parsing on every core (`[parse] workers`) changes nothing but the time it takes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from casedata import CASE
from conftest import write_config

from cchc.app import App
from cchc.core.config import load_config
from cchc.importer import import_paths

FILES = sorted((CASE / "messages").glob("*.eml"))[20:50]


def _summary(app: App) -> list[tuple]:
    return [
        (m["source"], m["disposition"], m["reason"], m["unit"], m["period"], m["received_at"])
        for m in app.messages()
    ]


def test_worker_processes_and_a_single_process_store_the_same(tmp_path: Path) -> None:
    results = []
    for workers in (1, 2):
        folder = tmp_path / f"w{workers}"
        folder.mkdir()
        app = App(load_config(write_config(folder, extra=f"[parse]\nworkers = {workers}\n")))
        import_paths(app, FILES)
        files = sorted(
            str(p.relative_to(folder)) for p in (folder / "archive").rglob("*") if p.is_file()
        )
        results.append((_summary(app), files, app.submissions()))
        app.close()
    assert results[0] == results[1]


def test_a_script_read_from_stdin_still_imports_when_workers_cannot_start(tmp_path: Path) -> None:
    """forkserver workers re-import __main__; from stdin they cannot, and ingest goes on."""
    config = write_config(tmp_path, extra="[parse]\nworkers = 2\n")
    script = (
        "from cchc.app import App\nfrom cchc.core.config import load_config\nfrom cchc.importer import import_paths\n"
        f"app = App(load_config({str(config)!r}))\n"
        f"print(import_paths(app, {[str(f) for f in FILES[:6]]!r}).new)\n"
    )
    out = subprocess.run(
        [sys.executable, "-"], input=script, capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "6"


def test_kill_9_of_an_import_leaves_no_worker_behind(tmp_path: Path) -> None:
    """Orphaned workers would hold the caller's pipes open (and the CPU) forever."""
    import os
    import signal
    import time

    config = write_config(tmp_path, extra="[parse]\nworkers = 2\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cchc", "import", "--config", str(config), str(CASE / "messages")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    db = tmp_path / "db.sqlite"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (db.exists() and (tmp_path / "archive").exists()):
        time.sleep(0.05)
    time.sleep(0.5)  # mid-import: workers are parsing
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=15)  # EOF on both pipes: no process holds them any more


def test_an_import_ends_without_noise_from_the_worker_pool(tmp_path: Path) -> None:
    """Issue 12, item 11: the pool is shut down with the app (`ctx.call_on_close`), so no
    "Exception ignored in threading … Bad file descriptor" follows a successful run."""
    config = write_config(tmp_path, extra="[parse]\nworkers = 2\n")
    for run in range(3):
        store = tmp_path / "db.sqlite"
        for leftover in (store, tmp_path / "db.sqlite-wal", tmp_path / "db.sqlite-shm"):
            leftover.unlink(missing_ok=True)
        shutil.rmtree(tmp_path / "archive", ignore_errors=True)  # a new office each run
        done = subprocess.run(
            [sys.executable, "-m", "cchc", "import", "--quiet", "--config", str(config)]
            + [str(f) for f in FILES[:10]],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode in (0, 1), done.stderr
        assert done.stderr == "", f"run {run}: {done.stderr}"
