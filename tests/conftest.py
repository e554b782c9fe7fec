"""Shared fixtures: a configured App over a temporary store, and the sample case imported."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from casedata import CASE, PROVINCE, province_config  # noqa: E402
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


# --- no test leaves a process behind (issue 12, item 12) ------------------------------------

_INFRASTRUCTURE = ("multiprocessing.forkserver", "multiprocessing.resource_tracker")
_DOVECOT_MARKERS = ("dovecot-cchc-test-", "cchc-dovecot-")


def _processes() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, state, command line) of every process /proc shows."""
    out: dict[int, tuple[int, str, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        out[int(entry.name)] = (int(fields[1]), fields[0], cmd.strip())
    return out


def leftover_processes() -> list[tuple[int, str]]:
    """Processes the tests started and did not stop: our descendants (but the multiprocessing
    helpers, which end with us) and any private Dovecot (it daemonises: not a descendant)."""
    procs = _processes()
    me = os.getpid()

    def descends(pid: int) -> bool:
        seen = set()
        while pid not in (0, 1) and pid not in seen:
            seen.add(pid)
            parent = procs.get(pid, (0, "", ""))[0]
            if parent == me:
                return True
            pid = parent
        return False

    found = []
    for pid, (_parent, state, cmd) in procs.items():
        if pid == me or state == "Z":
            continue
        dovecot = any(m in cmd for m in _DOVECOT_MARKERS)
        child = descends(pid) and not any(i in cmd for i in _INFRASTRUCTURE)
        if dovecot or child:
            found.append((pid, cmd[:160]))
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if a test left a process running (and stop it, so CI does not hang)."""
    import signal
    import time

    time.sleep(0.2)  # processes told to stop by the last finaliser
    leftovers = leftover_processes()
    if not leftovers:
        return
    for pid, cmd in leftovers:
        print(f"\nleft running by the tests: pid {pid}: {cmd}", file=sys.stderr)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


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


@pytest.fixture(scope="session")
def province_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The province-2026 case imported once under its profile; tests must not change it."""
    from cchc.importer import import_paths

    application = App(load_config(province_config(tmp_path_factory.mktemp("province"))))
    import_paths(application, [PROVINCE / "messages"])
    yield application
    application.close()
