"""Shared fixtures: a configured App over a temporary store, and the sample case imported."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from casedata import CASE  # noqa: E402
from scanbuild import ScanSet  # noqa: E402
from smtp_sink import smtp_sink  # noqa: E402, F401 - the fixture, for every test

from cchc.app import App  # noqa: E402
from cchc.core.config import load_config  # noqa: E402


def write_config(folder: Path, units: Path | None = None, extra: str = "") -> Path:
    units = units or (CASE / "units.toml")
    path = folder / "config.toml"
    path.write_text(
        f'[units]\nfile = "{units.resolve()}"\n[store]\npath = "db.sqlite"\narchive = "archive"\n{extra}',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    application = App(load_config(write_config(tmp_path)))
    yield application
    application.close()


@pytest.fixture(scope="session")
def case_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The whole sample year imported once (about 5 s); tests must not change it."""
    from cchc.importer import import_paths

    folder = tmp_path_factory.mktemp("case")
    application = App(load_config(write_config(folder)))
    import_paths(application, [CASE / "messages"])
    yield application
    application.close()


@pytest.fixture(scope="session")
def scan_set(tmp_path_factory: pytest.TempPathFactory) -> ScanSet:
    """The sample report as Word, as a scanned PDF and as photos: rendered once (seconds)."""
    from scanbuild import build, tools_missing

    reason = tools_missing()
    if reason:
        pytest.skip(reason)
    return build(tmp_path_factory.mktemp("scan"))


SLOW_TESSERACT = """#!/bin/sh
# A Tesseract that has the Vietnamese model and never finishes a page (and has a child).
if [ "$1" = "--list-langs" ]; then printf 'List of available languages (2):\\neng\\nvie\\n'; exit 0; fi
echo $PPID >> "{pids}.parent"
sleep 120 &
echo $! >> "{pids}"
wait
"""


def slow_tesseract(folder: Path) -> tuple[Path, Path]:
    """(a fake `tesseract` that hangs on every page, the file its sleeping children's pids go to)."""
    pids = folder / "tesseract.pids"
    script = folder / "slow-tesseract"
    script.write_text(SLOW_TESSERACT.format(pids=pids), encoding="utf-8")
    script.chmod(0o755)
    return script, pids


def gone(pid: int, within: float = 5.0) -> bool:
    """Has process `pid` ended (within a few seconds)? A zombie waiting for a parent that no
    longer exists has ended too."""
    import time

    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                if fh.read().rpartition(b")")[2].split()[0] == b"Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False
